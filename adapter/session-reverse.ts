// Reverse execution in the DAP session: stepBack (instruction and line
// granularity), reverseContinue, and the backward half of the custom
// requests nestvirt/gotoTransition and nestvirt/stepToTransition
// (session-custom.ts calls it through its ReverseSeam). The engine is
// emulator/debug/history.ts; this file maps requests onto it and reports the
// stops the way forward stops are reported.
//
// An operation runs on the event loop in chunks (history operations are
// generators), so a long replay reports DAP progress and the session stays
// responsive; while it runs, requests that need a stopped machine are
// refused (`running`), and pause cancels it where it stands (a valid past
// point).
//
// What stops a reverseContinue: the breakpoints (their conditions are
// evaluated; log points never stop), and transitions the host's VM-exit
// exception filters stop on (`transitionStops`, supplied by the session).
//
// Hit counts (DAP hitCondition). The rule a user expects: a breakpoint's
// hits are numbered in forward execution order from launch, and a
// reverseContinue stops at the latest earlier hit whose number satisfies the
// hit condition (`== 3` goes back to the third hit, `% 2` to the last even
// one). Not implemented: the number of a past hit would need the count as it
// stood at each snapshot (SessionBreakpoints counts only as the forward run
// goes, and counts re-executed hits again after going back). Until then the
// hit condition is ignored going backwards: every earlier arrival whose
// `condition` holds stops, and the forward count is left as it was.
import { ProgressStartEvent, ProgressUpdateEvent, ProgressEndEvent, StoppedEvent } from '@vscode/debugadapter';
import type { DebugProtocol } from '@vscode/debugprotocol';
import type { Machine } from '../emulator/machine/machine';
import type { Cpu } from '../emulator/x86/cpu';
import type { Level, MachineEvent, TransitionEvent } from '../emulator/events';
import { RunControl, LineOracle, spOf } from '../emulator/debug/index';
import { History, HistoryOp, ReverseResult, ReverseQuery, Progress } from '../emulator/debug/history';
import { evalExpression, EvalEnv, EvalError } from './evaluate';
import type { SessionBreakpoints } from './session-breakpoints';
import { ERR, RequestError } from './session-errors';
import type { ReverseSeam } from './session-custom';
import type { TransitionLog } from './transition-log';

/** What reverse execution needs from the session. */
export interface ReverseHost {
  machine(): Machine | null;
  rc(): RunControl | null;
  readonly bps: SessionBreakpoints;
  evalEnv(level: Level, cpu: Cpu): EvalEnv | undefined;
  lines(): LineOracle | undefined;
  /** Does this transition stop a run (the enabled VM-exit exception filters)? null: none enabled. */
  transitionStops(): ((e: TransitionEvent) => boolean) | null;
  sendEvent(e: DebugProtocol.Event): void;
  /** Frames and variable handles of the last stop go stale. */
  invalidate(): void;
  /** The machine was moved to another point of its history (watches re-read their values). */
  moved(): void;
  /** "0x401000 in fn main.c:12" for where a vCPU is now. */
  describeHere(vcpu: number): string;
  /** The session's transition log, truncated when an edit rewrites history. */
  readonly log?: TransitionLog;
}

/** Replays longer than this (ms) are shown with DAP progress events. */
const PROGRESS_AFTER_MS = 300;
/** Event-loop time per chunk of a running operation (ms), before yielding to other requests. */
const SLICE_MS = 50;

const threadOf = (vcpu: number): number => vcpu + 1;

export class SessionReverse implements ReverseSeam {
  history: History | null = null;
  private op: { gen: HistoryOp<ReverseResult>; done: (r: ReverseResult) => void } | null = null;
  private cancelled = false;
  private progressId = 0;

  constructor(private readonly host: ReverseHost) {}

  /** Starts recording history for a freshly launched machine. */
  attach(machine: Machine): void {
    this.history = new History(machine);
    // After an edit the run from here is a new one: the transitions recorded
    // beyond it no longer happen (their seq numbers will be reused).
    this.history.onRewrite.push((seq) => this.host.log?.truncate(seq));
  }

  /** An operation is in progress (the machine is not stopped). */
  get running(): boolean { return this.op !== null; }

  /** Between forward slices: periodic snapshots. */
  afterSlice(): void { this.history?.tick(); }

  /** The user changed machine state here: history after this point is void. */
  edited(): void { this.history?.edited(); }

  /** Pause: the operation stops where its replay stands. */
  pause(): void { if (this.op) this.cancelled = true; }

  // ------------------------------------------------------------ requests

  stepBack(threadId: number, granularity?: DebugProtocol.SteppingGranularity): void {
    const { h, m } = this.ready();
    const vcpu = this.vcpuOf(threadId);
    const cpu = m.cpus[vcpu];
    const rc = this.host.rc()!;
    const level = rc.levelOf(cpu);
    const lines = this.host.lines();
    const here = lines?.lineAt(level, cpu.ripLinear());
    if (granularity === 'instruction' || !here || !lines) {
      this.start(h.stepBackInstruction(vcpu), (r) => this.report(r, vcpu, 'step', 'Stepped back one instruction'));
      return;
    }
    // The previous line of this frame or an outer one: the last statement
    // start on another line whose stack pointer is not inside a callee.
    const frameSp = spOf(cpu);
    const test = (mm: Machine): boolean => {
      const c = mm.cpus[vcpu];
      const at = c.ripLinear();
      const lv = rc.levelOf(c);
      const line = lines.lineAt(lv, at);
      if (!line || !lines.isStatement(lv, at) || spOf(c) < frameSp) return false;
      return line.line !== here.line || line.file !== here.file;
    };
    this.start(h.stepBackWhere(vcpu, test), (r) => this.report(r, vcpu, 'step', 'Stepped back one line'));
  }

  reverseContinue(threadId?: number): void {
    const { h } = this.ready();
    const vcpu = threadId !== undefined ? this.vcpuOf(threadId) : 0;
    this.start(h.reverseTo(this.stopQuery()), (r) => this.report(r, vcpu, 'breakpoint', 'Reverse continue'));
  }

  /** ReverseSeam: to just after the last transition of `vcpu` before now (the point gotoTransition of it reaches: session-custom.ts). */
  stepBackToTransition(vcpu: number): void {
    const { h } = this.ready();
    const q: ReverseQuery = { onEvent: (e) => e.kind === 'transition' && e.vcpu === vcpu };
    this.start(h.reverseTo(q), (r) => this.report(r, vcpu, 'step', 'Stepped back to the previous transition'));
  }

  /** ReverseSeam: forwards or backwards to just after transition `seq`. */
  gotoTransition(seq: number): void {
    const { h } = this.ready();
    const rc = this.host.rc()!;
    const left = Math.max(1, rc.maxInstructions - h.machine.instructions);
    this.start(h.gotoTransition(seq, left), (r) => this.report(r, 0, 'goto', `At transition ${seq}`));
  }

  // ------------------------------------------------------------ internals

  private ready(): { h: History; m: Machine } {
    const h = this.history;
    const m = this.host.machine();
    if (!h || !m) throw new RequestError(ERR.notLaunched, 'no machine: launch a kernel first');
    if (this.op || this.host.rc()?.running) throw new RequestError(ERR.running, 'the machine is running: pause it first');
    return { h, m };
  }

  private vcpuOf(threadId: number): number {
    const m = this.host.machine()!;
    const vcpu = threadId - 1;
    if (!m.cpus[vcpu]) throw new RequestError(ERR.badRequest, `no thread ${threadId}`);
    return vcpu;
  }

  /** Breakpoints (with their conditions) and the filters' transitions, side-effect free. */
  private stopQuery(): ReverseQuery {
    const rc = this.host.rc()!;
    const addresses = new Set<number>();
    for (const level of [0, 1, 2] as Level[]) for (const a of rc.breakpoints.addresses(level)) addresses.add(a);
    const atAddress = (cpu: Cpu): boolean => {
      const level = rc.levelOf(cpu);
      const ids = rc.breakpoints.at(level, cpu.ripLinear());
      return ids.length > 0 && this.breakpointStops(cpu, level, ids);
    };
    const stops = this.host.transitionStops();
    const q: ReverseQuery = { addresses, atAddress };
    if (stops) q.onEvent = (e: MachineEvent) => e.kind === 'transition' && stops(e);
    return q;
  }

  /** Would one of the breakpoints `ids` stop `cpu` here? As SessionBreakpoints.filter, without counting or logging (hit conditions: see the header). */
  private breakpointStops(cpu: Cpu, level: Level, ids: readonly number[]): boolean {
    const hit = this.host.bps.dapBreakpointsFor([...ids]);
    if (!hit.length) return true;
    for (const b of hit) {
      const c = b.cond;
      if (!c) return true;
      if (c.log) continue;
      if (!c.condition) return true;
      const env = this.host.evalEnv(level, cpu);
      if (!env) return true;
      try {
        if (evalExpression(c.condition, env) !== 0n) return true;
      } catch (e) {
        if (e instanceof EvalError) return true; // as forward: a condition that cannot be evaluated stops
        throw e;
      }
    }
    return false;
  }

  private start(gen: HistoryOp<ReverseResult>, done: (r: ReverseResult) => void): void {
    this.host.invalidate();
    this.cancelled = false;
    this.op = { gen, done };
    const t0 = Date.now();
    let progress: string | null = null;
    const finish = (r: ReverseResult): void => {
      this.op = null;
      if (progress) this.host.sendEvent(new ProgressEndEvent(progress));
      this.host.rc()?.codeChanged();
      this.host.moved();
      done(r);
    };
    const step = (): void => {
      const sliceEnd = Date.now() + SLICE_MS;
      for (;;) {
        let r: IteratorResult<Progress, ReverseResult>;
        try {
          r = gen.next();
        } catch (e) {
          finish({ kind: 'none' });
          this.host.sendEvent(this.stoppedEvent('exception', 0, `nestvirt internal error in reverse execution: ${(e as Error).message}`));
          return;
        }
        if (r.done) { finish(r.value); return; }
        if (this.cancelled) {
          gen.return({ kind: 'position' });
          finish({ kind: 'position' });
          return;
        }
        if (Date.now() >= sliceEnd) {
          if (!progress && Date.now() - t0 > PROGRESS_AFTER_MS) {
            progress = `nestvirt-reverse-${++this.progressId}`;
            this.host.sendEvent(new ProgressStartEvent(progress, 'Replaying history'));
          }
          if (progress && r.value.total > 0) {
            const ev = new ProgressUpdateEvent(progress, `${r.value.done.toLocaleString('en-US')} of ${r.value.total.toLocaleString('en-US')} instructions`) as DebugProtocol.ProgressUpdateEvent;
            ev.body.percentage = Math.min(100, (100 * r.value.done) / r.value.total);
            this.host.sendEvent(ev);
          }
          setImmediate(step);
          return;
        }
      }
    };
    setImmediate(step);
  }

  private report(r: ReverseResult, vcpu: number, reason: string, what: string): void {
    const m = this.host.machine()!;
    const rc = this.host.rc()!;
    if (this.cancelled) {
      this.host.sendEvent(this.stoppedEvent('pause', vcpu, `Paused while going back, at ${this.host.describeHere(vcpu)}`));
      return;
    }
    if (r.kind === 'none') {
      this.host.sendEvent(this.stoppedEvent(reason === 'breakpoint' ? 'step' : reason, vcpu,
        `${what}: nothing earlier in the recorded history; stayed at ${this.host.describeHere(vcpu)}`));
      return;
    }
    if (r.kind === 'found' && r.candidate.hit.kind === 'address') {
      const v = r.candidate.hit.vcpu;
      const cpu = m.cpus[v];
      const ids = rc.breakpoints.at(rc.levelOf(cpu), cpu.ripLinear());
      const dap = this.host.bps.dapBreakpointsFor([...ids]);
      const ev = this.stoppedEvent('breakpoint', v, `${what}: paused on breakpoint at ${this.host.describeHere(v)}`);
      ev.body.hitBreakpointIds = dap.map((b) => b.dap.id!).filter((x) => x !== undefined);
      this.host.sendEvent(ev);
      return;
    }
    if (r.kind === 'found' && r.candidate.hit.kind === 'event' && r.candidate.hit.event.kind === 'transition') {
      const t = r.candidate.hit.event;
      const stopReason = reason === 'breakpoint' ? 'exception' : reason;
      this.host.sendEvent(this.stoppedEvent(stopReason, t.vcpu,
        `${what}: after transition ${t.seq} (${t.type} L${t.from}→L${t.to} ${t.reasonName}); now at ${this.host.describeHere(t.vcpu)}`));
      return;
    }
    this.host.sendEvent(this.stoppedEvent(reason === 'breakpoint' ? 'step' : reason, vcpu, `${what}; now at ${this.host.describeHere(vcpu)}`));
  }

  private stoppedEvent(reason: string, vcpu: number, description: string): DebugProtocol.StoppedEvent {
    const ev = new StoppedEvent(reason, threadOf(vcpu)) as unknown as DebugProtocol.StoppedEvent;
    ev.body.allThreadsStopped = true;
    ev.body.description = description;
    return ev;
  }
}
