// Address intervals flattened into disjoint, sorted segments, each labelled
// with the innermost interval that covers it, for O(log n) "what contains
// this address" queries. Used for functions (symbol table), for DWARF
// scopes (subprograms with their inlined subroutines nested inside), and
// for the line table's row ranges.

export interface Interval<T> {
  start: bigint;
  /** One past the last address. */
  end: bigint;
  value: T;
  /** Larger is more inner; ties between equal ranges go to the later interval. */
  depth?: number;
}

export class IntervalMap<T> {
  private starts!: BigUint64Array;
  private ends!: BigUint64Array;
  private values!: T[];

  /**
   * From intervals that are already sorted and disjoint (a line table's
   * rows usually are), skipping the sort; falls back to the general
   * constructor when they are not.
   */
  static fromSorted<T>(intervals: readonly Interval<T>[]): IntervalMap<T> {
    for (let i = 0; i < intervals.length; i++) {
      const iv = intervals[i];
      if (iv.end <= iv.start || (i > 0 && iv.start < intervals[i - 1].end)) return new IntervalMap(intervals);
    }
    const m = new IntervalMap<T>([]);
    m.init(intervals);
    return m;
  }

  constructor(intervals: readonly Interval<T>[]) {
    const list = intervals
      .map((iv, i) => ({ iv, i }))
      .filter(({ iv }) => iv.end > iv.start)
      // Outer intervals first at equal starts, so inner ones are pushed above them.
      .sort((a, b) => cmp(a.iv.start, b.iv.start) || cmp(b.iv.end, a.iv.end) || (a.iv.depth ?? 0) - (b.iv.depth ?? 0) || a.i - b.i)
      .map(({ iv }) => iv);
    const segs: { start: bigint; end: bigint; value: T }[] = [];
    const emit = (start: bigint, end: bigint, value: T) => {
      if (end <= start) return;
      const last = segs[segs.length - 1];
      if (last && last.end === start && last.value === value) last.end = end;
      else segs.push({ start, end, value });
    };
    // Sweep with a stack of open intervals; `cursor` is where the next
    // segment starts. Improperly nested (overlapping) intervals are clipped.
    const stack: Interval<T>[] = [];
    let cursor = 0n;
    const closeUntil = (pos: bigint) => {
      while (stack.length > 0) {
        const top = stack[stack.length - 1];
        if (top.end > pos) break;
        if (cursor < top.end) {
          emit(cursor, top.end, top.value);
          cursor = top.end;
        }
        stack.pop();
      }
    };
    for (const iv of list) {
      closeUntil(iv.start);
      if (stack.length > 0 && cursor < iv.start) emit(cursor, iv.start, stack[stack.length - 1].value);
      if (cursor < iv.start || stack.length === 0) cursor = iv.start;
      stack.push(iv);
    }
    closeUntil(1n << 65n);
    this.init(segs);
  }

  private init(segs: readonly { start: bigint; end: bigint; value: T }[]): void {
    const n = segs.length;
    this.starts = new BigUint64Array(n);
    this.ends = new BigUint64Array(n);
    this.values = new Array<T>(n);
    for (let i = 0; i < n; i++) {
      const s = segs[i];
      this.starts[i] = s.start;
      this.ends[i] = s.end;
      this.values[i] = s.value;
    }
  }

  get size(): number {
    return this.values.length;
  }

  /** The innermost interval value covering `addr`, or undefined. */
  at(addr: bigint): T | undefined {
    const i = this.indexAt(addr);
    return i < 0 ? undefined : this.values[i];
  }

  /** The segment covering `addr`: [start, end) and its value. */
  segmentAt(addr: bigint): { start: bigint; end: bigint; value: T } | undefined {
    const i = this.indexAt(addr);
    return i < 0 ? undefined : { start: this.starts[i], end: this.ends[i], value: this.values[i] };
  }

  private indexAt(addr: bigint): number {
    const s = this.starts;
    let lo = 0;
    let hi = s.length; // first index with start > addr
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (s[mid] <= addr) lo = mid + 1;
      else hi = mid;
    }
    const i = lo - 1;
    return i >= 0 && addr < this.ends[i] ? i : -1;
  }
}

export function cmp(a: bigint, b: bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Accepts addresses as numbers too (exact up to 2^53) and returns a 64-bit bigint. */
export function toAddress(a: bigint | number): bigint {
  if (typeof a === 'bigint') return BigInt.asUintN(64, a);
  if (!Number.isSafeInteger(a)) throw new RangeError(`address ${a} is not an exact integer; pass a bigint`);
  return BigInt.asUintN(64, BigInt(a));
}
