// Run control: continue / step / pause over a Machine, stopping exactly at
// breakpoints (DESIGN.md "Execution model": a synchronous, in-process API).
//
// An operation (continue, a step) is a generator that advances the machine
// in bounded chunks and yields between them; `runSlice` drives it for at
// most N instructions, so a host (the DAP server on the event loop) can
// interleave requests and honour a pause. `continue()` / `step()` drive it to
// the end synchronously.
//
// How breakpoints stay exact without slowing the plain run: with no
// breakpoint armed the machine runs at full speed. With breakpoints, before
// each stretch we decode straight-line code from RIP (without side effects)
// up to the first breakpoint address or the first block-ending instruction
// and run exactly that many instructions, so execution can only arrive at a
// breakpoint at the start of a stretch, where it is checked. Faults divert a
// stretch; they are events, so the stretch is cut there and recomputed.
// Pending interrupts are taken before a stretch is measured (the same check
// the core makes at a block boundary). index.ts describes the core hook that
// would replace the decode-ahead.
//
// Nesting: a vCPU runs at one level at a time (L1, or L2 under L1's VMCS12:
// l0/vmx-state.ts) and only that level's breakpoints and step targets
// count. A VM transition also cuts a measured stretch (execution continues
// at another level's address), may stop the run (the host's transition
// filter), and ends or redirects a step: stepping into VMLAUNCH/VMRESUME
// stops at L2's first instruction, stepping over it runs until L1 runs
// again, stepping out of L2 runs to the next exit to L1.
import type { Machine, RunEnd } from '../machine/machine';
import type { Cpu } from '../x86/cpu';
import type { ExceptionEvent, Level, MachineEvent, TransitionEvent, TripleFaultEvent } from '../events';
import { CpuMode } from '../x86/state';
import { SS } from '../x86/regs';
import { fold } from '../x86/canon';
import { decode } from '../x86/decode/decoder';
import type { Insn } from '../x86/decode/insn';
import { F } from '../x86/decode/table-types';
import { BreakpointTable } from './breakpoints';
import { LineOracle, FrameOracle } from './oracles';
import { StopInfo } from './stop';
import { fetchByte } from './guest-memory';
import { vmxStateOf } from '../l0/vmx-instructions';

export type StepKind = 'into' | 'over' | 'out';
export type StepGranularity = 'instruction' | 'line';

export interface RunControlOptions {
  lines?: LineOracle;
  frames?: FrameOracle;
  /** Instructions per runSlice() (default 100 000): the pause latency. */
  sliceInstructions?: number;
  /** Total instructions after which the run ends with { kind: 'limit' }. */
  maxInstructions?: number;
}

/** Stop when `level` reaches `address` with the stack pointer at or above `minSp` (a frame has returned). */
interface Target { address: number; minSp: number; level: Level }

/** A step waiting for a transition of its vCPU (into/out of a level, stepToTransition). */
interface TransitionWait { vcpu: number; until: (e: TransitionEvent) => boolean }

type Advance = { kind: 'budget' } | { kind: 'target' } | { kind: 'stop'; stop: StopInfo };

const MAX_STRAIGHT = 64;
const BUDGET: Advance = { kind: 'budget' };
const TARGET: Advance = { kind: 'target' };

const CALL_LIKE = new Set(['call', 'lcall', 'int', 'int3', 'into', 'int1', 'syscall', 'sysenter']);
const RETURN_LIKE = new Set(['ret', 'lret', 'iret', 'sysret', 'sysexit']);

/** The mnemonic without a size suffix the table may carry (iretq, retq, callq). */
function baseMnemonic(i: Insn): string {
  const m = i.entry.m;
  return m.replace(/^(call|ret|iret|lret|lcall|sysret|sysexit)[wlq]$/, '$1');
}

export class RunControl {
  readonly breakpoints = new BreakpointTable();
  lines: LineOracle | undefined;
  frames: FrameOracle | undefined;
  /** Decides whether an exception delivered in the guest stops the run (DAP exception filter). */
  stopOnException: ((e: ExceptionEvent) => boolean) | null = null;
  /**
   * Which of the breakpoints execution reached at an address stop the run
   * (the host's conditions, hit counts and log points); null: all of them.
   * Asked once per arrival: an empty answer runs on past the address.
   */
  breakpointFilter: ((cpu: Cpu, level: Level, ids: readonly number[]) => readonly number[]) | null = null;
  /** Decides whether a VM transition stops the run (the host's VM-exit / entry-failure filters). */
  stopOnTransition: ((e: TransitionEvent) => boolean) | null = null;
  /** Decides whether a triple fault / shutdown stops the run before it ends (the host can inspect the state). */
  stopOnTripleFault: ((e: TripleFaultEvent) => boolean) | null = null;
  maxInstructions: number;
  readonly slice: number;

  private op: Generator<void, StopInfo> | null = null;
  private pauseRequested = false;
  /** A stop decided inside an event listener (exception, transition, triple fault), reported when the run returns. */
  private pending: StopInfo | null = null;
  private waitTransition: TransitionWait | null = null;
  /** Per vCPU: transitions seen so far (a step notices one happened during its instruction). */
  private transitionCount: number[];
  private lastTransition: (TransitionEvent | undefined)[];
  /** Set while a measured stretch runs: an exception cuts it short. */
  private measuring = false;
  private sliceEnd = 0;
  /** Per vCPU: a breakpoint at this (icount, address) was already reported (resume steps past it). */
  private skipIcount: number[];
  private skipLin: number[];
  /** Per vCPU: the breakpoint filter already let this (icount, address) pass. */
  private passedIcount: number[];
  private passedLin: number[];
  /** Straight-line distances per level: (linear address, mode) -> instructions to run. */
  private distance = [new Map<number, number>(), new Map<number, number>(), new Map<number, number>()];
  private distanceGen = -1;
  private targets: Target[] | null = null;
  private targetSet = new Set<number>();
  private lastStop: StopInfo | null = null;

  constructor(readonly machine: Machine, opts: RunControlOptions = {}) {
    this.lines = opts.lines;
    this.frames = opts.frames;
    this.slice = opts.sliceInstructions ?? 100_000;
    this.maxInstructions = opts.maxInstructions ?? Infinity;
    this.skipIcount = machine.cpus.map(() => -1);
    this.skipLin = machine.cpus.map(() => -1);
    this.passedIcount = machine.cpus.map(() => -1);
    this.passedLin = machine.cpus.map(() => -1);
    this.transitionCount = machine.cpus.map(() => 0);
    this.lastTransition = machine.cpus.map(() => undefined);
    machine.events.on((e) => this.onEvent(e));
    const mem = machine.mem;
    const prev = mem.onCodeWrite;
    mem.onCodeWrite = (pfn) => { prev?.(pfn); this.clearDistances(); };
  }

  /** The nesting level a vCPU runs at: 2 while L0 runs L2 for it (l0/vmx-state.ts), else 1. */
  levelOf(cpu: Cpu): Level { return vmxStateOf(cpu)?.level ?? 1; }

  get running(): boolean { return this.op !== null; }
  get ended(): RunEnd | null {
    const e = this.machine.ended;
    return e && e.kind !== 'stopped' ? e : null;
  }
  get stopInfo(): StopInfo | null { return this.lastStop; }

  // ------------------------------------------------------------ operations

  /** Starts a continue; drive it with runSlice(). */
  startContinue(): void { this.begin(this.continueOp()); }

  /** Starts a step of one vCPU; drive it with runSlice(). */
  startStep(vcpu: number, kind: StepKind, granularity: StepGranularity): void {
    this.begin(this.stepOp(this.machine.cpus[vcpu], kind, granularity));
  }

  /** Starts running until the vCPU's next VM transition (any type); drive it with runSlice(). */
  startStepToTransition(vcpu: number): void {
    const cpu = this.machine.cpus[vcpu];
    this.begin((function* (rc: RunControl): Generator<void, StopInfo> {
      if (rc.ended) return { reason: 'end', end: rc.ended };
      return yield* rc.runUntilTransition(cpu, () => true);
    })(this));
  }

  /** Asks a running operation to stop at the next slice boundary. */
  pause(): void { if (this.op) this.pauseRequested = true; }
  /**
   * Stops the running operation at the current instruction boundary (a host
   * watch fired, e.g. a data breakpoint): unlike pause(), which takes effect
   * at the end of the slice, the machine stops now.
   */
  requestStop(vcpu = 0): void { if (this.op) this.stopNow({ reason: 'pause', vcpu }); }

  /** Guest memory was changed from outside (debugger write): forget decoded lookahead. */
  codeChanged(): void { this.clearDistances(); }

  private clearDistances(): void { for (const d of this.distance) d.clear(); }

  /** Abandons a running operation without a stop (disconnect). */
  abort(): void { this.op = null; this.pauseRequested = false; this.waitTransition = null; }

  /**
   * Advances the current operation by about `budget` instructions. Returns
   * the stop when it finished (breakpoint, step done, pause, exception, end),
   * null when it should be called again.
   */
  runSlice(budget = this.slice): StopInfo | null {
    const op = this.op;
    if (!op) throw new Error('runSlice: no operation in progress');
    const m = this.machine;
    const start = m.instructions;
    for (;;) {
      if (this.pauseRequested) return this.finish({ reason: 'pause', vcpu: 0 });
      this.sliceEnd = m.instructions + Math.max(1, budget - (m.instructions - start));
      let r: IteratorResult<void, StopInfo>;
      try {
        r = op.next();
      } catch (e) {
        this.op = null;
        throw e;
      }
      if (r.done) return this.finish(r.value);
      if (m.instructions - start >= budget) return null;
    }
  }

  /** Synchronous continue: runs until a stop. */
  continue(): StopInfo {
    this.startContinue();
    return this.drive();
  }

  /** Synchronous step. */
  step(vcpu: number, kind: StepKind, granularity: StepGranularity = 'line'): StopInfo {
    this.startStep(vcpu, kind, granularity);
    return this.drive();
  }

  private drive(): StopInfo {
    for (;;) {
      const s = this.runSlice();
      if (s) return s;
    }
  }

  private begin(op: Generator<void, StopInfo>): void {
    if (this.op) throw new Error('an operation is already running');
    this.pauseRequested = false;
    this.pending = null;
    this.waitTransition = null;
    // A breakpoint at the place we stopped does not fire again until execution moves.
    for (const c of this.machine.cpus) { this.skipIcount[c.id] = c.icount; this.skipLin[c.id] = c.ripLinear(); }
    this.clearDistances();
    this.op = op;
  }

  private finish(s: StopInfo): StopInfo {
    this.op = null;
    this.pauseRequested = false;
    this.pending = null;
    this.waitTransition = null;
    this.setTargets(null);
    if (s.reason === 'breakpoint') for (const id of s.ids) { const bp = this.breakpoints.get(id); if (bp) bp.hits++; }
    this.lastStop = s;
    return s;
  }

  private onEvent(e: MachineEvent): void {
    if (e.kind === 'transition') { this.transitionCount[e.vcpu]++; this.lastTransition[e.vcpu] = e; }
    if (!this.op || this.pending) return;
    switch (e.kind) {
      case 'exception':
        if (this.stopOnException?.(e)) this.stopNow({ reason: 'exception', vcpu: e.vcpu, event: e });
        // The stretch was measured for straight-line code; the fault diverted it.
        else if (this.measuring) this.machine.stop();
        return;
      case 'transition': {
        const w = this.waitTransition;
        if (w && w.vcpu === e.vcpu && w.until(e)) this.stopNow({ reason: 'step', vcpu: e.vcpu, transition: e });
        else if (this.stopOnTransition?.(e)) this.stopNow({ reason: 'transition', vcpu: e.vcpu, event: e });
        // Execution goes on at another level's address: the measured stretch no longer applies.
        else if (this.measuring) this.machine.stop();
        return;
      }
      case 'triple-fault':
        if (this.stopOnTripleFault?.(e)) this.pending = { reason: 'triple-fault', vcpu: e.vcpu, event: e };
        return;
      default:
    }
  }

  private stopNow(s: StopInfo): void {
    this.pending = s;
    this.machine.stop();
  }

  private *continueOp(): Generator<void, StopInfo> {
    for (;;) {
      const r = this.advance(null, null);
      if (r.kind === 'stop') return r.stop;
      yield;
    }
  }

  private *stepOp(cpu: Cpu, kind: StepKind, gran: StepGranularity): Generator<void, StopInfo> {
    const done = (note?: string): StopInfo => ({ reason: 'step', vcpu: cpu.id, note });
    if (this.ended) return { reason: 'end', end: this.ended };
    const level = this.levelOf(cpu);
    if (kind === 'out') {
      // Out of L2 (not of an L2 function): to the next exit to L1, stopped at L1's HOST_RIP.
      if (level === 2) return yield* this.runUntilTransition(cpu, (e) => e.to === 1);
      const s = yield* this.stepOut(cpu);
      return s ?? done();
    }
    const start = gran === 'line' ? this.lines?.lineAt(level, cpu.ripLinear()) : undefined;
    if (!start) {
      // One instruction (over: a call and what it calls count as one).
      const i = this.insnAt(cpu);
      const lin = cpu.ripLinear();
      if (kind === 'over' && i && CALL_LIKE.has(baseMnemonic(i))) {
        const s = yield* this.runTo(cpu, [{ address: lin + i.len, minSp: spOf(cpu), level }]);
        return s ?? done();
      }
      const seen = this.transitionCount[cpu.id];
      const r = this.singleStep(cpu);
      if (r.kind === 'stop') return r.stop;
      if (this.transitionCount[cpu.id] !== seen) {
        const t = yield* this.acrossTransition(cpu, kind, level, i ? lin + i.len : lin);
        if (t) return t;
      }
      return done();
    }
    // Line step: until the start of a statement on another line, or any
    // statement once the frame has changed (returned or entered).
    const lines = this.lines!;
    const frameSp = spOf(cpu);
    let frameChanged = false;
    for (let n = 0; ; n++) {
      const lin = cpu.ripLinear();
      const i = this.insnAt(cpu);
      const m = i ? baseMnemonic(i) : '';
      const sp = spOf(cpu);
      const seen = this.transitionCount[cpu.id];
      if (i && CALL_LIKE.has(m) && kind === 'over') {
        const s = yield* this.runTo(cpu, [{ address: lin + i.len, minSp: sp, level }]);
        if (s) return s;
      } else {
        const r = this.singleStep(cpu);
        if (r.kind === 'stop') return r.stop;
        const now = cpu.ripLinear();
        if (this.transitionCount[cpu.id] !== seen) {
          // A VM entry, exit or entry failure happened in this instruction.
          const t = yield* this.acrossTransition(cpu, kind, level, i ? lin + i.len : lin);
          if (t) return t;
        } else if (i && CALL_LIKE.has(m)) {
          // Stepped into a call: stay if the callee has lines, else run until it returns.
          if (!lines.lineAt(level, now)) {
            const s = yield* this.runTo(cpu, [{ address: lin + i.len, minSp: sp, level }]);
            if (s) return s;
          } else frameChanged = true;
        } else if (i && RETURN_LIKE.has(m)) {
          if (spOf(cpu) > frameSp) {
            frameChanged = true;
            if (!lines.lineAt(level, now)) return done();
          }
        } else if (i && !(i.entry.f & F.END) && now !== lin + i.len) {
          // Diverted into an exception or interrupt handler: back to where it returns.
          if (kind === 'over' || !lines.lineAt(level, now)) {
            const s = yield* this.runTo(cpu, [{ address: lin, minSp: sp, level }, { address: lin + i.len, minSp: sp, level }]);
            if (s) return s;
          } else frameChanged = true;
        } else if (i && (i.entry.f & F.END) && !lines.lineAt(level, now)) {
          // A jump out of line-table code (into assembly): show it there.
          return done();
        }
      }
      const here = cpu.ripLinear();
      const line = lines.lineAt(level, here);
      if (line && lines.isStatement(level, here) && (frameChanged || line.line !== start.line || line.file !== start.file)) {
        return done();
      }
      if (this.ended) return { reason: 'end', end: this.ended };
      if ((n & 255) === 255 || this.machine.instructions >= this.sliceEnd) yield;
    }
  }

  /**
   * After an instruction of a step at `level` made a VM transition: the stop
   * that ends the step, or null when the step goes on from where the
   * instruction completed (`next`, as seen from `level`). Into: any level
   * change stops (at L2's first instruction, at L1's HOST_RIP). Over: the
   * other level runs until `level` runs again; stop there unless it is back
   * at `next` (an L2 instruction L1 emulated). Within the level (an entry
   * failure jumping to HOST_RIP), stop unless execution went on at `next`
   * (VMfail).
   */
  private *acrossTransition(cpu: Cpu, kind: StepKind, level: Level, next: number): Generator<void, StopInfo | null> {
    const last = (): TransitionEvent | undefined => this.lastTransition[cpu.id];
    if (this.levelOf(cpu) === level) {
      return cpu.ripLinear() === next ? null : { reason: 'step', vcpu: cpu.id, transition: last() };
    }
    if (kind === 'into') return { reason: 'step', vcpu: cpu.id, transition: last() };
    const s = yield* this.runUntilTransition(cpu, (e) => e.to === level);
    if (s.reason !== 'step') return s;
    return cpu.ripLinear() === next ? null : s;
  }

  /** Runs (all vCPUs) until `until` accepts a transition of `cpu`: a step stop carrying it, or whatever stopped first. */
  private *runUntilTransition(cpu: Cpu, until: (e: TransitionEvent) => boolean): Generator<void, StopInfo> {
    for (;;) {
      this.waitTransition = { vcpu: cpu.id, until };
      const r = this.advance(cpu, null);
      this.waitTransition = null;
      if (r.kind === 'stop') return r.stop;
      yield;
    }
  }

  /** Runs until the current function returns; null when it did (a step stop). */
  private *stepOut(cpu: Cpu): Generator<void, StopInfo | null> {
    const level = this.levelOf(cpu);
    const caller = this.frames?.callerOf(cpu, level);
    if (caller) return yield* this.runTo(cpu, [{ address: caller.returnAddress, minSp: caller.cfa, level }]);
    // No unwinder: execute, stepping over calls, until a return leaves this frame.
    const frameSp = spOf(cpu);
    for (let n = 0; ; n++) {
      const i = this.insnAt(cpu);
      const m = i ? baseMnemonic(i) : '';
      const lin = cpu.ripLinear();
      const sp = spOf(cpu);
      if (i && CALL_LIKE.has(m)) {
        const s = yield* this.runTo(cpu, [{ address: lin + i.len, minSp: sp, level }]);
        if (s) return s;
      } else {
        const seen = this.transitionCount[cpu.id];
        const r = this.singleStep(cpu);
        if (r.kind === 'stop') return r.stop;
        if (this.transitionCount[cpu.id] !== seen) {
          const t = yield* this.acrossTransition(cpu, 'over', level, i ? lin + i.len : lin);
          if (t) return t;
        } else if (i && RETURN_LIKE.has(m) && spOf(cpu) > frameSp) return null;
        else if (i && !(i.entry.f & F.END) && cpu.ripLinear() !== lin + i.len) {
          const s = yield* this.runTo(cpu, [{ address: lin, minSp: sp, level }, { address: lin + i.len, minSp: sp, level }]);
          if (s) return s;
        }
      }
      if ((n & 255) === 255 || this.machine.instructions >= this.sliceEnd) yield;
    }
  }

  /** Runs until one of the targets is reached (null) or something else stops the run. */
  private *runTo(cpu: Cpu, targets: Target[]): Generator<void, StopInfo | null> {
    for (;;) {
      this.setTargets(targets);
      const r = this.advance(cpu, targets);
      this.setTargets(null);
      if (r.kind === 'target') return null;
      if (r.kind === 'stop') return r.stop;
      yield;
    }
  }

  private setTargets(t: Target[] | null): void {
    this.targets = t;
    this.targetSet = new Set(t ? t.map((x) => x.address) : []);
    this.distanceGen = -1;
  }

  // --------------------------------------------------------------- driving

  private budgetLeft(): number {
    const m = this.machine;
    return Math.max(1, Math.min(this.sliceEnd - m.instructions, this.maxInstructions - m.instructions));
  }

  private limitReached(): Advance | null {
    const m = this.machine;
    if (m.instructions >= this.maxInstructions) {
      return { kind: 'stop', stop: { reason: 'end', end: { kind: 'limit', instructions: m.instructions } } };
    }
    const e = this.ended;
    return e ? { kind: 'stop', stop: { reason: 'end', end: e } } : null;
  }

  /** What a finished machine.run() / cpu run means for the operation. */
  private afterRun(end: RunEnd | null): Advance | null {
    if (this.pending) {
      const stop = this.pending;
      this.pending = null;
      return { kind: 'stop', stop };
    }
    if (end && end.kind !== 'limit' && end.kind !== 'stopped') return { kind: 'stop', stop: { reason: 'end', end } };
    return this.limitReached();
  }

  /**
   * Runs up to the slice budget. `cpu` null: all vCPUs as the machine
   * schedules them; a vCPU: that one alone (stepping; with one vCPU the same).
   */
  private advance(cpu: Cpu | null, targets: Target[] | null): Advance {
    const lim = this.limitReached();
    if (lim) return lim;
    const m = this.machine;
    const precise = targets !== null || this.breakpoints.armed > 0;
    if (!precise) return this.afterRun(m.run(this.budgetLeft())) ?? BUDGET;
    if (m.cpus.length === 1) return this.advanceMeasured(m.cpus[0], false);
    if (cpu) return this.advanceMeasured(cpu, true);
    return this.advanceSmpCoarse();
  }

  /**
   * Exact breakpoints for one vCPU. `locked`: only this vCPU runs (the other
   * vCPUs wait, as with gdb's scheduler-locking), needed on SMP until the
   * machine can stop a vCPU at an address on its own.
   */
  private advanceMeasured(cpu: Cpu, locked: boolean): Advance {
    const m = this.machine;
    const clock = m.clock;
    let left = this.budgetLeft();
    while (left > 0) {
      // Asked each stretch: a transition ends a stretch and changes the level.
      const level = this.levelOf(cpu);
      if (cpu.halted || cpu.waitForSipi) {
        // Let time pass to the next deadline as the machine would, so a wake-up
        // interrupt is taken here and its handler's first instruction checked.
        cpu.hooks!.checkInterrupts(cpu);
        if ((cpu.halted || cpu.waitForSipi) && clock.nextDeadline !== Infinity && !locked) {
          clock.ticks = Math.max(clock.ticks, clock.nextDeadline);
          clock.fire();
          cpu.hooks!.checkInterrupts(cpu);
        }
        if (cpu.halted || cpu.waitForSipi) {
          // Only another vCPU or a timer can wake it: let the whole machine run a round.
          const before = m.instructions;
          const r = this.afterRun(m.run(locked ? m.cpus.length * (m.opts.quantum ?? 1000) : 1));
          if (r) return r;
          left -= Math.max(1, m.instructions - before);
          continue;
        }
      } else {
        // The interrupt check the core makes at a block boundary, made now so
        // the stretch below is measured from where execution really goes.
        if (clock.ticks >= clock.nextDeadline) clock.fire();
        cpu.hooks!.checkInterrupts(cpu);
      }
      const lin = cpu.ripLinear();
      if (!(cpu.icount === this.skipIcount[cpu.id] && lin === this.skipLin[cpu.id])) {
        const ids = this.breakpointsHit(cpu, level, lin);
        if (ids.length) return { kind: 'stop', stop: { reason: 'breakpoint', vcpu: cpu.id, level, address: lin, ids: [...ids] } };
        if (this.targets && this.targetSet.has(lin)) {
          const sp = spOf(cpu);
          if (this.targets.some((t) => t.address === lin && sp >= t.minSp && t.level === level)) return TARGET;
          // A deeper activation (recursion): run past it.
          this.skipIcount[cpu.id] = cpu.icount;
          this.skipLin[cpu.id] = lin;
        }
      }
      let n = Math.min(this.straightLine(cpu, lin, level), left);
      const until = clock.nextDeadline - clock.ticks;
      if (until > 0) n = Math.min(n, until);
      const before = cpu.icount;
      this.measuring = true;
      let end: RunEnd | null;
      try {
        end = locked ? this.runLocked(cpu, n) : m.run(n);
      } finally {
        this.measuring = false;
      }
      const r = this.afterRun(end);
      if (r) return r;
      left -= Math.max(1, cpu.icount - before);
    }
    return BUDGET;
  }

  /** One vCPU alone for `n` instructions (the machine's other vCPUs wait). */
  private runLocked(cpu: Cpu, n: number): RunEnd | null {
    const m = this.machine;
    m.chipset.currentVcpu = cpu.id;
    cpu.run(n);
    return m.ended;
  }

  /**
   * SMP continue with breakpoints: whole scheduling rounds, then a check of
   * every vCPU's RIP. Not exact (a breakpoint passed inside a round is
   * missed) until the core can stop at addresses itself (see index.ts).
   */
  private advanceSmpCoarse(): Advance {
    const m = this.machine;
    const round = m.cpus.length * (m.opts.quantum ?? 1000);
    let left = this.budgetLeft();
    while (left > 0) {
      const before = m.instructions;
      const r = this.afterRun(m.run(Math.min(round, left)));
      if (r) return r;
      for (const c of m.cpus) {
        const lin = c.ripLinear();
        const level = this.levelOf(c);
        if (c.icount === this.skipIcount[c.id] && lin === this.skipLin[c.id]) continue;
        const ids = this.breakpointsHit(c, level, lin);
        if (ids.length) {
          return { kind: 'stop', stop: { reason: 'breakpoint', vcpu: c.id, level, address: lin, ids: [...ids] } };
        }
      }
      left -= Math.max(1, m.instructions - before);
    }
    return BUDGET;
  }

  /** The breakpoints at `lin` that stop `cpu` arriving there now (after the host's filter). */
  private breakpointsHit(cpu: Cpu, level: Level, lin: number): readonly number[] {
    const ids = this.breakpoints.at(level, lin);
    if (!ids.length || !this.breakpointFilter) return ids;
    // Asked once per arrival: a stretch cut short before it ran (halted, a
    // fault) comes back to the same place without executing.
    if (cpu.icount === this.passedIcount[cpu.id] && lin === this.passedLin[cpu.id]) return [];
    const stop = this.breakpointFilter(cpu, level, ids);
    if (!stop.length) { this.passedIcount[cpu.id] = cpu.icount; this.passedLin[cpu.id] = lin; }
    return stop;
  }

  /**
   * How many instructions from `lin` run in a straight line before a
   * breakpoint/target address or through the first block-ending instruction.
   */
  private straightLine(cpu: Cpu, lin: number, level: Level): number {
    const gen = this.breakpoints.generation;
    if (this.distanceGen !== gen) { this.clearDistances(); this.distanceGen = gen; }
    const distance = this.distance[level];
    const key = lin * 8 + cpu.mode;
    const cached = distance.get(key);
    if (cached !== undefined) return cached;
    let a = lin;
    let k = 0;
    for (; k < MAX_STRAIGHT; k++) {
      if (k > 0 && (this.breakpoints.at(level, a).length || this.targetSet.has(a))) break;
      const i = this.decodeAt(cpu, a);
      if (!i) { k = Math.max(k, 1); break; }
      if (i.invalid || (i.entry.f & F.END)) { k++; break; }
      a += i.len;
    }
    distance.set(key, k);
    return k;
  }

  /** One instruction of `cpu` (an interrupt taken first counts as the step). */
  private singleStep(cpu: Cpu): Advance {
    const lim = this.limitReached();
    if (lim) return lim;
    const m = this.machine;
    const lin = cpu.ripLinear();
    if (!cpu.halted && !cpu.waitForSipi) {
      if (m.clock.ticks >= m.clock.nextDeadline) m.clock.fire();
      cpu.hooks!.checkInterrupts(cpu);
      if (cpu.ripLinear() !== lin) return BUDGET;
    }
    const single = m.cpus.length === 1;
    for (;;) {
      const before = cpu.icount;
      const r = this.afterRun(single ? m.run(1) : this.runLocked(cpu, 1));
      if (r) return r;
      if (cpu.icount !== before) return BUDGET;
      if (!single) return this.afterRun(m.run(m.cpus.length)) ?? BUDGET; // halted: let the others run
    }
  }

  /** Decodes at a linear address of `cpu` without side effects; null if unmapped. */
  decodeAt(cpu: Cpu, lin: number): Insn | null {
    try {
      return decode(cpu.tables, (k) => fetchByte(cpu, lin + k), cpu.codeSize);
    } catch {
      return null;
    }
  }

  private insnAt(cpu: Cpu): Insn | null { return this.decodeAt(cpu, cpu.ripLinear()); }
}

/** The stack pointer as a linear address, comparable across pushes and pops. */
export function spOf(cpu: Cpu): number {
  if (cpu.mode === CpuMode.Long64) return fold(cpu.regs[8], cpu.regs[9]);
  const esp = cpu.stackSize === 4 ? cpu.regs[8] >>> 0 : cpu.regs[8] & 0xffff;
  return cpu.segBase[SS] + esp;
}
