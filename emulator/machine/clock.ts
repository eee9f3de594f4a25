// Deterministic virtual time. Time is instructions retired, machine-wide:
// one retired instruction is one nanosecond of guest time (a 1 GHz TSC).
// Devices never read a wall clock; they schedule callbacks at tick counts and
// the run loop stops executing guest code at the next deadline.

export const TICKS_PER_SECOND = 1_000_000_000;

interface Timer { at: number; seq: number; cb: () => void; id: number }

export class Clock {
  /** Instructions retired by all vCPUs together. */
  ticks = 0;
  /** Earliest pending deadline (Infinity if none); the run loop reads it. */
  nextDeadline = Infinity;
  /**
   * The vCPU whose run loop last started (Cpu.run sets it). `ticks` only
   * advances when a block retires, so inside a block the executing
   * instruction's time is ticks + its index in the block (Cpu.jk, which is 0
   * between blocks).
   */
  running: { jk: number } | null = null;
  private timers: Timer[] = [];
  private seq = 0;
  private nextId = 1;

  /**
   * Machine time of the executing instruction (exact inside a block). Devices
   * read this rather than `ticks`: a device access at the k-th instruction of
   * a block must see the same time however the run was sliced into blocks.
   */
  now(): number {
    const r = this.running;
    return r === null ? this.ticks : this.ticks + r.jk;
  }

  /** Calls `cb` once when `ticks >= at`. Returns an id for cancel(). */
  schedule(at: number, cb: () => void): number {
    const id = this.nextId++;
    this.timers.push({ at, seq: this.seq++, cb, id });
    // Stable order: by deadline, then by scheduling order (determinism).
    this.timers.sort((a, b) => a.at - b.at || a.seq - b.seq);
    this.nextDeadline = this.timers[0].at;
    return id;
  }

  cancel(id: number): void {
    const i = this.timers.findIndex((t) => t.id === id);
    if (i >= 0) this.timers.splice(i, 1);
    this.nextDeadline = this.timers.length ? this.timers[0].at : Infinity;
  }

  /** Runs every timer whose deadline has passed. */
  fire(): void {
    while (this.timers.length && this.timers[0].at <= this.ticks) {
      const t = this.timers.shift()!;
      this.nextDeadline = this.timers.length ? this.timers[0].at : Infinity;
      t.cb();
    }
    this.nextDeadline = this.timers.length ? this.timers[0].at : Infinity;
  }
}
