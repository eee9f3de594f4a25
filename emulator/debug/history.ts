// Reverse execution: periodic snapshots plus deterministic replay
// (DESIGN.md "Execution model": history.reverseTo(predicate)).
//
// While the machine runs forward, the host calls tick() between runs; every
// `interval` instructions past the newest snapshot a new one is taken.
// Memory stays bounded: beyond `maxSnapshots` (or `maxBytes` of RAM pages)
// the snapshot whose loss widens the gaps least relative to its age goes, so
// recent history stays dense and old history sparse.
//
// Going back is replaying forward: to find the last point before now where a
// condition holds, replay the interval from the newest snapshot before now,
// noting candidates (history-replay.ts); if there are none, the interval
// before it, and so on; then replay that interval once more and stop at the
// last candidate. Positions are Machine.instructions (total retired), which
// Machine.run counts exactly. Output re-executed below the point the user
// has seen is muted (history-gate.ts).
//
// Operations are generators yielding progress between chunks, so a host on
// an event loop can report progress; drive() runs one to the end.
import type { Machine } from '../machine/machine';
import type { MachineEvent } from '../events';
import { transitionCount } from '../l0/transitions';
import { Snapshotter, MachineSnapshot } from './snapshot';
import { ReplayGate } from './history-gate';
import { replay, ReverseQuery, Candidate, Progress } from './history-replay';

export { ReverseQuery, Candidate, Progress } from './history-replay';

export interface HistoryOptions {
  /** Instructions between periodic snapshots (default 10 000 000: about 2% of the forward speed; a step back replays at most this). */
  interval?: number;
  /** Snapshots kept (default 64). */
  maxSnapshots?: number;
  /** Bytes of RAM page copies kept (default 512 MiB). */
  maxBytes?: number;
  /** Instructions per replay chunk between progress reports (default 4 000 000). */
  chunk?: number;
}

interface Entry {
  snap: MachineSnapshot;
  /** The gate's event ordinal at the snapshot. */
  ordinal: number;
  /** Each vCPU's icount at the snapshot (stepping back one vCPU). */
  icounts: number[];
}

export type HistoryOp<T> = Generator<Progress, T>;

/** Where a reverse operation left the machine. */
export type ReverseResult =
  | { kind: 'found'; candidate: Candidate }
  | { kind: 'position' }
  /** Nothing before now: the machine is back where it was. */
  | { kind: 'none' };

export class History {
  readonly snapshots: Snapshotter;
  readonly gate: ReplayGate;
  readonly interval: number;
  readonly maxSnapshots: number;
  readonly maxBytes: number;
  readonly chunk: number;
  /** Sorted by position; equal positions in the order taken (the later one wins). */
  private entries: Entry[] = [];
  /** The furthest the run has been (Machine.instructions) and the transitions numbered by then. */
  private frontierInstructions = 0;
  private frontierSeq = 0;
  /** Told when history after the current point is discarded (a debugger edit): transitions from `seq` on are gone. */
  readonly onRewrite: ((seq: number) => void)[] = [];

  constructor(readonly machine: Machine, opts: HistoryOptions = {}) {
    this.interval = opts.interval ?? 10_000_000;
    this.maxSnapshots = Math.max(2, opts.maxSnapshots ?? 64);
    this.maxBytes = opts.maxBytes ?? 512 * 1024 * 1024;
    this.chunk = opts.chunk ?? 4_000_000;
    this.gate = new ReplayGate(machine);
    this.snapshots = new Snapshotter(machine);
    this.add();
  }

  /** Snapshots held (oldest first): positions only, for views and tests. */
  get positions(): number[] { return this.entries.map((e) => e.snap.instructions); }

  /** The oldest point reverse execution can reach. */
  get start(): number { return this.entries[0].snap.instructions; }

  get bytes(): number { return this.snapshots.ram.bytes; }

  /** Call between runs: takes a periodic snapshot when one is due. */
  tick(): void {
    const m = this.machine;
    this.noteFrontier();
    const newest = this.entries[this.entries.length - 1];
    if (m.instructions >= newest.snap.instructions + this.interval) this.add();
  }

  /**
   * The machine's state was changed from outside at this point (memory or
   * register write): what history holds after it no longer follows, and
   * what runs next is new (its output is shown again).
   */
  edited(): void {
    const m = this.machine;
    const now = m.instructions;
    while (this.entries.length > 1 && this.entries[this.entries.length - 1].snap.instructions > now) {
      this.snapshots.drop(this.entries.pop()!.snap);
    }
    this.add();
    this.gate.resetFrontier();
    this.frontierInstructions = now;
    this.frontierSeq = transitionCount(m.events);
    for (const f of this.onRewrite) f(this.frontierSeq);
  }

  /** The last point before now where `q` holds; the machine is left there (or where it was, if none). */
  *reverseTo(q: ReverseQuery): HistoryOp<ReverseResult> {
    const m = this.machine;
    this.noteFrontier();
    const now = m.instructions;
    const back = this.temporary();
    try {
      let until = now;
      for (let i = this.latestAtOrBefore(now, true); i >= 0; i--) {
        const e = this.entries[i];
        if (e.snap.instructions >= until) continue;
        this.restore(e);
        const scan = yield* replay(m, this.gate, until, q, { stopAt: -1, chunk: this.chunk, search: true });
        const found = scan.candidates.filter((c) => c.instructions < now);
        if (found.length) {
          const last = found[found.length - 1];
          this.restore(e);
          const hit = yield* replay(m, this.gate, until, q, { stopAt: last.index, chunk: this.chunk, search: true });
          if (!hit.stopped) throw new Error('history: the replay did not reproduce the stop it found (non-determinism)');
          return { kind: 'found', candidate: hit.stopped };
        }
        until = e.snap.instructions;
      }
      this.restore(back);
      return { kind: 'none' };
    } finally {
      this.dropTemporary(back);
    }
  }

  /** Goes to the point where the machine had retired `instructions` in total. */
  *goTo(instructions: number): HistoryOp<ReverseResult> {
    this.noteFrontier();
    const target = Math.max(this.start, Math.min(instructions, this.frontierInstructions));
    const i = this.latestAtOrBefore(target, false);
    this.restore(this.entries[i]);
    yield* replay(this.machine, this.gate, target, {}, { stopAt: -1, chunk: this.chunk, search: true });
    return { kind: 'position' };
  }

  /** Back to the instruction boundary before vCPU `vcpu`'s last retired instruction. */
  *stepBackInstruction(vcpu: number): HistoryOp<ReverseResult> {
    const m = this.machine;
    const cpu = m.cpus[vcpu];
    const target = cpu.icount - 1;
    this.noteFrontier();
    const now = m.instructions;
    let i = -1;
    for (let k = this.latestAtOrBefore(now, true); k >= 0; k--) if (this.entries[k].icounts[vcpu] <= target) { i = k; break; }
    if (i < 0) return { kind: 'none' };
    const e = this.entries[i];
    if (m.cpus.length === 1) return yield* this.goTo(e.snap.instructions + (target - e.icounts[vcpu]));
    // SMP: find the last quantum-sized step boundary not past the target,
    // then single-step the machine to it.
    const step = Math.max(1, m.opts.quantum ?? 1000);
    this.restore(e);
    let boundary = m.instructions;
    const muted = this.gate.replaying;
    this.gate.replaying = true;
    try {
      while (m.instructions < now && cpu.icount <= target) {
        boundary = m.instructions;
        m.run(Math.min(step, now - m.instructions));
        yield { done: m.instructions - e.snap.instructions, total: now - e.snap.instructions };
      }
      this.restore(e);
      m.run(boundary - m.instructions);
      while (cpu.icount < target && m.instructions < now) m.run(1);
    } finally {
      this.gate.replaying = muted;
    }
    return { kind: 'position' };
  }

  /**
   * The last instruction boundary before now at which `test` holds for
   * vCPU `vcpu` (asked after each of its instructions): searched in windows
   * growing backwards, single-stepping only the window. For source-line
   * steps back, where the answer is usually a few instructions away.
   */
  *stepBackWhere(vcpu: number, test: (m: Machine) => boolean): HistoryOp<ReverseResult> {
    const m = this.machine;
    const cpu = m.cpus[vcpu];
    this.noteFrontier();
    const now = m.instructions;
    const back = this.temporary();
    const muted = this.gate.replaying;
    try {
      for (let width = 256; ; width *= 8) {
        const from = Math.max(this.start, now - width);
        this.gate.replaying = false;
        yield* this.goTo(from);
        this.gate.replaying = true;
        let last = -1;
        let seen = -1;
        while (m.instructions < now) {
          if (cpu.icount !== seen) { seen = cpu.icount; if (test(m)) last = m.instructions; }
          const before = m.instructions;
          const r = m.run(1);
          if (m.instructions === before && r.kind !== 'limit' && r.kind !== 'stopped') break;
        }
        if (last >= 0) {
          this.gate.replaying = false;
          yield* this.goTo(last);
          return { kind: 'position' };
        }
        if (from <= this.start) break;
        yield { done: width, total: now - this.start };
      }
      this.restore(back);
      return { kind: 'none' };
    } finally {
      this.gate.replaying = muted;
      this.dropTemporary(back);
    }
  }

  /**
   * To just after transition `seq`: backwards (or forwards through history
   * already run) by replay from the latest snapshot before it; beyond the
   * furthest point run so far, by running on (at most `limit` instructions).
   */
  *gotoTransition(seq: number, limit = Infinity): HistoryOp<ReverseResult> {
    const m = this.machine;
    this.noteFrontier();
    const q: ReverseQuery = { onEvent: (e: MachineEvent) => e.kind === 'transition' && e.seq === seq };
    if (seq < this.frontierSeq) {
      let i = 0;
      for (let k = 0; k < this.entries.length; k++) if (this.entries[k].snap.transitionSeq <= seq) i = k;
      const back = this.temporary();
      try {
        this.restore(this.entries[i]);
        const r = yield* replay(m, this.gate, this.frontierInstructions + 1, q, { stopAt: 0, chunk: this.chunk, search: true });
        if (r.stopped) return { kind: 'found', candidate: r.stopped };
        this.restore(back);
        return { kind: 'none' };
      } finally {
        this.dropTemporary(back);
      }
    }
    const end = Math.min(m.instructions + limit, Number.MAX_SAFE_INTEGER);
    const forward = replay(m, this.gate, end, q, { stopAt: 0, chunk: Math.min(this.chunk, this.interval), search: false });
    for (;;) {
      const r = forward.next();
      this.tick();
      if (r.done) return r.value.stopped ? { kind: 'found', candidate: r.value.stopped } : { kind: 'none' };
      yield r.value;
    }
  }

  // ------------------------------------------------------------ internals

  private noteFrontier(): void {
    const m = this.machine;
    if (m.instructions >= this.frontierInstructions) {
      this.frontierInstructions = m.instructions;
      this.frontierSeq = Math.max(this.frontierSeq, transitionCount(m.events));
    }
  }

  private capture(): Entry {
    const m = this.machine;
    return { snap: this.snapshots.take(), ordinal: this.gate.ordinal, icounts: m.cpus.map((c) => c.icount) };
  }

  private add(): void {
    const e = this.capture();
    const at = e.snap.instructions;
    let i = this.entries.length;
    while (i > 0 && this.entries[i - 1].snap.instructions > at) i--;
    this.entries.splice(i, 0, e);
    this.thin();
  }

  /** A snapshot of now, outside the list: where a fruitless search returns to. */
  private temporary(): Entry { return this.capture(); }

  private dropTemporary(e: Entry): void { this.snapshots.drop(e.snap); }

  private restore(e: Entry): void {
    this.snapshots.restore(e.snap);
    this.gate.ordinal = e.ordinal;
  }

  /** Index of the latest entry at or before `pos` (strictly before when `strict`), else 0 (the oldest). */
  private latestAtOrBefore(pos: number, strict: boolean): number {
    for (let i = this.entries.length - 1; i >= 0; i--) {
      const at = this.entries[i].snap.instructions;
      if (strict ? at < pos : at <= pos) return i;
    }
    return strict ? -1 : 0;
  }

  private thin(): void {
    const now = this.machine.instructions;
    while (this.entries.length > 2 && (this.entries.length > this.maxSnapshots || this.snapshots.ram.bytes > this.maxBytes)) {
      // Never the oldest (how far back one can go) nor the newest.
      let best = -1, bestScore = Infinity;
      for (let i = 1; i < this.entries.length - 1; i++) {
        const gap = this.entries[i + 1].snap.instructions - this.entries[i - 1].snap.instructions;
        const age = Math.max(1, now - this.entries[i].snap.instructions);
        const score = gap / age;
        if (score < bestScore) { bestScore = score; best = i; }
      }
      this.snapshots.drop(this.entries[best].snap);
      this.entries.splice(best, 1);
    }
  }
}

/** Runs a history operation to its end (tests, benchmarks, synchronous hosts). */
export function drive<T>(op: HistoryOp<T>): T {
  for (;;) {
    const r = op.next();
    if (r.done) return r.value;
  }
}
