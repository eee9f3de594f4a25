// Memory watches (data breakpoints on guest memory): physical byte ranges
// whose value is compared after every write to their pages. Cheap by
// construction: PhysicalMemory routes only writes to watched pages here
// (physmem.ts setWatched keeps those pages off the CPU's fast write paths);
// every other write costs nothing, and with no watch nothing changes at all.
//
// A watch is physical: a debugger resolves a virtual address (of any nesting
// level) to physical pieces once, when the watch is set, as a hardware
// watchpoint on a linear address is resolved by the MMU at access time; a
// later remap of that virtual page is not followed (documented in
// adapter/memory-references.ts).
//
// A watch fires when its value changes (as gdb's `watch`): rewriting the same
// bytes does not stop the run.
import type { PhysicalMemory } from '../mem/physmem';
import { PAGE_SIZE } from '../mem/physmem';

/** A contiguous physical byte range: a watch may span discontiguous pages. */
export interface PhysPiece { phys: number; len: number }

export interface MemoryWatch {
  readonly id: number;
  /** What the user named (e.g. "l2:0x401000, 8 bytes"), for stop descriptions. */
  readonly label: string;
  readonly pieces: readonly PhysPiece[];
  readonly size: number;
  /** The bytes last seen, in piece order. */
  value: Uint8Array;
}

export interface MemoryWatchHit { watch: MemoryWatch; old: Uint8Array; now: Uint8Array }

/** Largest watched range: bigger ranges would make every write to them slow. */
export const MAX_WATCH_BYTES = 4096;

export class MemoryWatches {
  private readonly watches = new Map<number, MemoryWatch>();
  /** pfn -> number of watches touching it. */
  private readonly pageRefs = new Map<number, number>();
  private nextId = 1;
  /** Told about each change of a watched value, as it happens (mid-instruction). */
  onHit: ((hit: MemoryWatchHit) => void) | null = null;

  constructor(private readonly mem: PhysicalMemory) {
    const prev = mem.onWatchedWrite;
    mem.onWatchedWrite = (addr, size) => { prev?.(addr, size); this.written(addr, size); };
  }

  get count(): number { return this.watches.size; }

  /** Adds a watch over `pieces` (RAM only); throws RangeError naming the problem. */
  add(label: string, pieces: readonly PhysPiece[]): MemoryWatch {
    const size = pieces.reduce((n, p) => n + p.len, 0);
    if (size < 1 || size > MAX_WATCH_BYTES) throw new RangeError(`a memory watch covers 1 to ${MAX_WATCH_BYTES} bytes, not ${size}`);
    for (const p of pieces) {
      if (!this.mem.isRam(p.phys) || !this.mem.isRam(p.phys + p.len - 1)) {
        throw new RangeError(`physical 0x${p.phys.toString(16)} (${p.len} bytes) is not RAM`);
      }
    }
    const w: MemoryWatch = { id: this.nextId++, label, pieces, size, value: new Uint8Array(0) };
    w.value = this.read(w);
    this.watches.set(w.id, w);
    for (const pfn of pagesOf(w)) {
      const n = this.pageRefs.get(pfn) ?? 0;
      this.pageRefs.set(pfn, n + 1);
      if (n === 0) this.mem.setWatched(pfn, true);
    }
    return w;
  }

  remove(id: number): void {
    const w = this.watches.get(id);
    if (!w) return;
    this.watches.delete(id);
    for (const pfn of pagesOf(w)) {
      const n = (this.pageRefs.get(pfn) ?? 1) - 1;
      if (n > 0) this.pageRefs.set(pfn, n);
      else { this.pageRefs.delete(pfn); this.mem.setWatched(pfn, false); }
    }
  }

  clear(): void { for (const id of [...this.watches.keys()]) this.remove(id); }

  /** Takes the current bytes as the reference (after the debugger itself wrote memory). */
  resync(): void { for (const w of this.watches.values()) w.value = this.read(w); }

  private read(w: MemoryWatch): Uint8Array {
    const out = new Uint8Array(w.size);
    let k = 0;
    for (const p of w.pieces) for (let i = 0; i < p.len; i++) out[k++] = this.mem.read8(p.phys + i);
    return out;
  }

  private written(addr: number, size: number): void {
    const end = addr + size;
    for (const w of this.watches.values()) {
      if (!w.pieces.some((p) => p.phys < end && addr < p.phys + p.len)) continue;
      const now = this.read(w);
      if (sameBytes(now, w.value)) continue;
      const old = w.value;
      w.value = now;
      this.onHit?.({ watch: w, old, now });
    }
  }
}

function pagesOf(w: MemoryWatch): Set<number> {
  const s = new Set<number>();
  for (const p of w.pieces) {
    for (let pfn = Math.floor(p.phys / PAGE_SIZE); pfn <= Math.floor((p.phys + p.len - 1) / PAGE_SIZE); pfn++) s.add(pfn);
  }
  return s;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Little-endian value of up to 8 bytes as hex; longer ranges as a byte count. */
export function watchValueText(bytes: Uint8Array): string {
  if (bytes.length > 8) return `${bytes.length} bytes`;
  let v = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[i]);
  return '0x' + v.toString(16);
}
