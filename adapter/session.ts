// The DAP session: maps Debug Adapter Protocol requests onto the emulator's
// debug API (emulator/debug). Threads are vCPUs; a vCPU's call stack is its
// nesting stack (session-stack.ts: the running level's frames, each
// suspended outer level, then L0). VM transitions are recorded
// (transition-log.ts), can stop the run (transition-filters.ts) and are
// served to the views by the custom requests (session-custom.ts). The machine
// runs in slices on the event loop so requests (pause, threads) are served
// while it runs. No `vscode` import: any DAP client can drive this.
import * as fs from 'fs';
import * as path from 'path';
import {
  DebugSession, InitializedEvent, TerminatedEvent, ExitedEvent, StoppedEvent, OutputEvent,
  Thread, Source, Handles, InvalidatedEvent, MemoryEvent, Event,
} from '@vscode/debugadapter';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { Machine } from '../emulator/machine/machine';
import type { Level, MachineEvent } from '../emulator/events';
import type { Cpu } from '../emulator/x86/cpu';
import { hex64 } from '../emulator/x86/canon';
import {
  RunControl, StopInfo, StepKind, StepGranularity, describeStop, describeEnd, exitCodeOf,
} from '../emulator/debug/index';
import { excName, formatTraceLine } from '../emulator/debug/trace-format';
import { planLaunch, machineError, LaunchError, LaunchPlan, NestvirtLaunchArguments } from './launch-config';
import { loadSymbols, SymbolSource, symbolize } from './symbol-source';
import { VarNode, foldBig, MODE_NAMES } from './registers';
import { evaluate, EvalError, EvalEnv, formatValue } from './evaluate';
import { SourcePaths } from './source-paths';
import { disassembleAround } from './disassembly';
import { ERR, RequestError, parseAddress } from './session-errors';
import { SessionBreakpoints } from './session-breakpoints';
import { FrameRef, symbolsAt, lineOracle, frameOracle, nestingStack } from './session-stack';
import { TransitionLog, Transition } from './transition-log';
import {
  TransitionFilters, EXCEPTION_BREAKPOINT_FILTERS, describeTransition, transitionExceptionInfo, describeL2Exception,
  tripleFaultAsTransition, FILTER,
} from './transition-filters';
import { SessionCustom } from './session-custom';
import { SessionReverse } from './session-reverse';
import { NESTVIRT_EVENT, TransitionsChangedBody } from './protocol';
import { frameScopes, toVariable } from './session-variables';
import { vmcsFieldValue } from './vmcs-variables';
import { vmcbFieldValue } from './vmcb-variables';
import { setVariable } from './session-variables';
import { DataBreakpoints } from './data-breakpoints';
import { registerControlBlocks } from './control-blocks';
import { completions, elfSymbolNames } from './completions';
import { readMemoryBody, writeMemoryBody, readHalvesRef, runningLevel } from './memory-references';

const threadOf = (vcpu: number): number => vcpu + 1;

export class NestvirtSession extends DebugSession {
  private plan: LaunchPlan | null = null;
  private machine: Machine | null = null;
  private rc: RunControl | null = null;
  private symbols: SymbolSource[] = [];
  private configured: () => void = () => {};
  private configurationDone = new Promise<void>((r) => { this.configured = r; });
  private serial = '';
  private pumpScheduled = false;
  private terminated = false;
  private varHandles = new Handles<() => VarNode[]>();
  private frames = new Map<number, FrameRef>();
  private nextFrameId = 1;
  private lastStop: StopInfo | null = null;
  private readonly bps = new SessionBreakpoints({
    rc: () => this.rc,
    symbols: () => this.symbols,
    convertClientLineToDebugger: (line) => this.convertClientLineToDebugger(line),
    convertDebuggerLineToClient: (line) => this.convertDebuggerLineToClient(line),
    sendEvent: (event) => this.sendEvent(event),
    evalEnv: (level, cpu) => this.evalEnv(level, cpu),
    output: (text, category) => { this.flushSerial(); this.sendEvent(new OutputEvent(text, category)); },
    toDwarfPath: (file) => this.sourcePaths.toDwarf(file, this.symbols.flatMap((s) => s.sources())),
    toLocalPath: (file) => this.sourcePaths.toLocal(file),
  });
  private sourcePaths = new SourcePaths([], []);
  private readonly filters = new TransitionFilters();
  private readonly log = new TransitionLog();
  /** Transition count at the last transitionsChanged event. */
  private announcedTransitions = -1;
  /** Why the last stop on an exception filter happened: exceptionInfo reads it. */
  private lastFilterStop: { filter: string; transition?: Transition } | null = null;
  private dataBps: DataBreakpoints | null = null;
  /** stepBack, reverseContinue, backward transition requests (session-reverse.ts). */
  private readonly reverse: SessionReverse = new SessionReverse({
    machine: () => this.machine,
    rc: () => this.rc,
    bps: this.bps,
    evalEnv: (level, cpu) => this.evalEnv(level, cpu),
    lines: () => this.rc?.lines,
    transitionStops: () => (e) => this.filters.matchTransition(this.log.record(e, this.machine!.cpus[e.vcpu])) !== undefined,
    sendEvent: (e) => { this.flushSerial(); this.sendEvent(e); },
    invalidate: () => this.invalidateStopState(),
    moved: () => { this.dataBps?.resync(); this.announceTransitions(); },
    describeHere: (vcpu) => this.describeHere(vcpu),
    log: this.log,
  });
  readonly custom = new SessionCustom({
    machine: () => this.machine,
    rc: () => this.rc,
    log: this.log,
    requireStopped: () => this.requireStopped(),
    runToNextTransition: (vcpu) => this.resume(() => this.rc!.startStepToTransition(vcpu)),
    describeCode: (level, address) => this.describeAddress(level, address),
  });

  constructor() {
    super();
    this.setDebuggerLinesStartAt1(true);
    this.setDebuggerColumnsStartAt1(true);
    this.custom.reverse = this.reverse;
    registerControlBlocks(this.custom, { requireStopped: () => this.requireStopped(), edited: () => this.edited() });
  }

  // ------------------------------------------------------------ lifecycle

  protected override initializeRequest(response: DebugProtocol.InitializeResponse): void {
    response.body = {
      supportsConfigurationDoneRequest: true,
      supportsFunctionBreakpoints: true,
      supportsInstructionBreakpoints: true,
      supportsConditionalBreakpoints: true,
      supportsHitConditionalBreakpoints: true,
      supportsLogPoints: true,
      supportsEvaluateForHovers: true,
      supportsSteppingGranularity: true,
      supportsReadMemoryRequest: true,
      supportsWriteMemoryRequest: true,
      supportsDisassembleRequest: true,
      supportsLoadedSourcesRequest: true,
      supportsExceptionInfoRequest: true,
      supportsExceptionFilterOptions: true,
      supportsTerminateRequest: true,
      supportsStepBack: true,
      supportsSetVariable: true,
      supportsDataBreakpoints: true,
      supportsDataBreakpointBytes: true,
      supportsCompletionsRequest: true,
      exceptionBreakpointFilters: EXCEPTION_BREAKPOINT_FILTERS,
    };
    this.sendResponse(response);
  }

  protected override async launchRequest(response: DebugProtocol.LaunchResponse, args: DebugProtocol.LaunchRequestArguments): Promise<void> {
    try {
      this.launch(args as NestvirtLaunchArguments);
    } catch (e) {
      const message = e instanceof LaunchError ? e.message : `launch failed: ${(e as Error).message}`;
      this.sendErrorResponse(response, { id: ERR.launch, format: message, showUser: true });
      return;
    }
    // Configuration requests (breakpoints, exception filters) come now.
    this.sendEvent(new InitializedEvent());
    await this.configurationDone;
    this.sendResponse(response);
    if (this.plan!.stopOnEntry) {
      const cpu = this.machine!.cpus[0];
      this.stopped('entry', 0, `Stopped at the kernel entry point ${hex64(cpu.rip)} (${modeName(cpu)})`);
    } else {
      this.resume(() => this.rc!.startContinue());
    }
  }

  private launch(args: NestvirtLaunchArguments): void {
    if (this.machine) throw new LaunchError('request', 'this session has already launched a kernel');
    const plan = planLaunch(args);
    let machine: Machine;
    try {
      machine = new Machine({ ...plan.machine, serialOut: (t) => { this.serial += t; } });
    } catch (e) {
      throw machineError(e, plan);
    }
    const symbols: SymbolSource[] = [];
    const warnings: string[] = [];
    const syms = [{ path: plan.programPath, level: 1 as Level, bytes: plan.machine.kernel }, ...plan.symbols];
    for (const s of syms) {
      const isProgram = s.path === plan.programPath && s.bytes === plan.machine.kernel;
      try {
        const loaded = loadSymbols(s.path, s.level, s.bytes);
        symbols.push(loaded.source);
        if (loaded.warning) warnings.push(loaded.warning);
      } catch (e) {
        // An a.out-kludge multiboot kernel boots without being an ELF: it just has no symbols.
        if (isProgram) warnings.push(`${path.basename(s.path)}: no symbols (${(e as Error).message})`);
        else throw new LaunchError('symbols', (e as Error).message);
      }
    }
    this.plan = plan;
    this.sourcePaths = new SourcePaths(plan.sourceMap, plan.sourceRoots);
    this.machine = machine;
    this.symbols = symbols;
    for (const w of warnings) this.console(`nestvirt: ${w}\n`);
    this.rc = new RunControl(machine, {
      lines: lineOracle(() => this.symbols),
      frames: frameOracle(() => this.symbols),
      maxInstructions: plan.maxInstructions,
    });
    const rc = this.rc;
    // Recorded before RunControl decides on it, so conditions see the completed transition.
    machine.events.on((e) => { if (e.kind === 'transition') this.log.record(e, machine.cpus[e.vcpu]); });
    if (plan.trace) this.traceTo(machine, plan.trace);
    // Each hook remembers which filter decided: the stop is reported (and exceptionInfo asked) later.
    rc.stopOnException = (e) => {
      const filter = this.filters.matchException(e, rc.levelOf(machine.cpus[e.vcpu]));
      if (filter) this.lastFilterStop = { filter };
      return filter !== undefined;
    };
    rc.stopOnTransition = (e) => {
      const transition = this.log.record(e, machine.cpus[e.vcpu]);
      const filter = this.filters.matchTransition(transition);
      if (filter) this.lastFilterStop = { filter, transition };
      return filter !== undefined;
    };
    rc.stopOnTripleFault = (e) => {
      const level = rc.levelOf(machine.cpus[e.vcpu]);
      if (!this.filters.matchTripleFault(e, level)) return false;
      this.lastFilterStop = { filter: FILTER.tripleFault, transition: tripleFaultAsTransition(e, level) };
      return true;
    };
    this.rc.breakpointFilter = (cpu, level, ids) => this.bps.filter(cpu, level, ids);
    this.dataBps = new DataBreakpoints(machine, () => rc.running, () => rc.requestStop());
    this.reverse.attach(machine);
    machine.events.on((e) => this.onMachineEvent(e));
    this.bps.resolveAllBreakpoints();
  }

  protected override configurationDoneRequest(response: DebugProtocol.ConfigurationDoneResponse): void {
    this.sendResponse(response);
    this.configured();
  }

  protected override disconnectRequest(response: DebugProtocol.DisconnectResponse, args: DebugProtocol.DisconnectArguments): void {
    this.rc?.abort();
    this.terminated = true;
    super.disconnectRequest(response, args);
  }

  protected override terminateRequest(response: DebugProtocol.TerminateResponse): void {
    this.rc?.abort();
    this.sendResponse(response);
    this.end();
  }

  private end(exitCode?: number): void {
    if (this.terminated) return;
    this.terminated = true;
    this.flushSerial();
    if (exitCode !== undefined) this.sendEvent(new ExitedEvent(exitCode));
    this.sendEvent(new TerminatedEvent());
  }

  // -------------------------------------------------------------- running

  private resume(start: () => void): void {
    this.invalidateStopState();
    start();
    this.schedulePump();
  }

  private schedulePump(): void {
    if (this.pumpScheduled) return;
    this.pumpScheduled = true;
    setImmediate(() => this.pump());
  }

  private pump(): void {
    this.pumpScheduled = false;
    const rc = this.rc;
    if (!rc || !rc.running || this.terminated) return;
    let stop: StopInfo | null;
    try {
      stop = rc.runSlice();
      this.reverse.afterSlice();
    } catch (e) {
      this.flushSerial();
      this.console(`nestvirt: internal error: ${(e as Error).stack ?? e}\n`);
      this.stopped('exception', 0, 'nestvirt internal error', (e as Error).message);
      return;
    }
    this.flushSerial();
    if (stop) this.reportStop(stop);
    else this.schedulePump();
  }

  private reportStop(s: StopInfo): void {
    this.lastStop = s;
    const dataHit = this.dataBps?.takeHit();
    if (s.reason !== 'end') this.announceTransitions();
    switch (s.reason) {
      case 'end': {
        this.console(`nestvirt: ${describeEnd(s.end)}\n`);
        this.end(exitCodeOf(s.end));
        return;
      }
      case 'breakpoint': {
        const hit = this.bps.dapBreakpointsFor(s.ids);
        const kind = hit[0]?.kind ?? 'instruction';
        const reason = kind === 'function' ? 'function breakpoint' : kind === 'instruction' ? 'instruction breakpoint' : 'breakpoint';
        const where = this.describeAddress(s.level, s.address);
        const ev = this.stoppedEvent(reason, s.vcpu, `Paused on ${reason} at ${where}`);
        ev.body.hitBreakpointIds = hit.map((b) => b.dap.id!).filter((x) => x !== undefined);
        this.sendEvent(ev);
        return;
      }
      case 'step': {
        const t = s.transition ? this.log.get(s.transition.seq) : undefined;
        const note = t ? `${describeTransition(t)}; now in L${t.to} at ${this.describeHere(s.vcpu)}` : s.note;
        this.stopped('step', s.vcpu, note ? `Paused after step: ${note}` : undefined);
        return;
      }
      case 'pause': {
        if (dataHit) {
          // A data breakpoint ended the run (data-breakpoints.ts): after the instruction that wrote.
          const ev = this.stoppedEvent('data breakpoint', dataHit.vcpu, `Paused on data breakpoint: ${dataHit.description}; now at ${this.describeHere(dataHit.vcpu)}`);
          ev.body.hitBreakpointIds = dataHit.dapIds;
          this.sendEvent(ev);
          return;
        }
        this.stopped('pause', s.vcpu, `Paused at ${this.describeHere(s.vcpu)}`);
        return;
      }
      case 'exception': {
        const e = s.event;
        const inL2 = this.lastFilterStop?.filter === FILTER.l2Exception;
        const what = inL2 ? describeL2Exception(e) : `Paused on exception: ${describeStop(s)}`;
        this.stopped('exception', s.vcpu, inL2 ? `${what}; now in L${this.rc!.levelOf(this.machine!.cpus[s.vcpu])} at ${this.describeHere(s.vcpu)}` : what, `${excName(e.vector)} (vector ${e.vector})`);
        return;
      }
      case 'transition': {
        const t = this.log.get(s.event.seq) ?? s.event;
        this.stopped('exception', s.vcpu, describeTransition(t), t.check ? `${t.check.id} (${t.check.section})` : `${t.reasonName} (${t.reason})`);
        return;
      }
      case 'triple-fault': {
        this.stopped('exception', s.vcpu, `Triple fault on vCPU ${s.vcpu} at ${hex64(s.event.rip)}: ${s.event.reason} (continuing ends the run)`, 'triple fault');
        return;
      }
    }
  }

  /** "0x401000 in fn main.c:12" for where a vCPU is now, with its running level's symbols. */
  private describeHere(vcpu: number): string {
    const cpu = this.machine!.cpus[vcpu];
    return this.describeAddress(this.rc!.levelOf(cpu), cpu.ripLinear());
  }

  /** nestvirt/transitionsChanged at a stop, when transitions happened since the last one. */
  private announceTransitions(): void {
    if (this.log.count === this.announcedTransitions) return;
    this.announcedTransitions = this.log.count;
    const body: TransitionsChangedBody = { total: this.log.count, icountNow: this.machine?.instructions ?? 0 };
    this.sendEvent(new Event(NESTVIRT_EVENT.transitionsChanged, body));
  }

  private stoppedEvent(reason: string, vcpu: number, description?: string, text?: string): DebugProtocol.StoppedEvent {
    const ev = new StoppedEvent(reason, threadOf(vcpu)) as unknown as DebugProtocol.StoppedEvent;
    ev.body.allThreadsStopped = true;
    if (description) ev.body.description = description;
    if (text) ev.body.text = text;
    return ev;
  }

  private stopped(reason: string, vcpu: number, description?: string, text?: string): void {
    this.sendEvent(this.stoppedEvent(reason, vcpu, description, text));
  }

  private invalidateStopState(): void {
    this.frames.clear();
    this.varHandles.reset();
    this.lastStop = null;
  }

  private requireStopped(): { machine: Machine; rc: RunControl } {
    if (!this.machine || !this.rc) throw new RequestError(ERR.notLaunched, 'no machine: launch a kernel first');
    if (this.rc.running || this.reverse.running) throw new RequestError(ERR.running, 'the machine is running: pause it first');
    if (this.terminated) throw new RequestError(ERR.notLaunched, 'the run has ended');
    return { machine: this.machine, rc: this.rc };
  }

  /** Runs a request handler, turning RequestError/EvalError into an error response. */
  private guard<R extends DebugProtocol.Response>(response: R, f: () => void): void {
    try {
      f();
    } catch (e) {
      const id = e instanceof RequestError ? e.id : e instanceof EvalError ? ERR.badRequest : ERR.internal;
      const msg = e instanceof RequestError || e instanceof EvalError ? e.message : `nestvirt internal error: ${(e as Error).message}`;
      this.sendErrorResponse(response, { id, format: msg, showUser: false });
    }
  }

  protected override continueRequest(response: DebugProtocol.ContinueResponse): void {
    this.guard(response, () => {
      const { rc } = this.requireStopped();
      response.body = { allThreadsContinued: true };
      this.sendResponse(response);
      this.resume(() => rc.startContinue());
    });
  }

  private step(response: DebugProtocol.Response, threadId: number, kind: StepKind, granularity?: DebugProtocol.SteppingGranularity): void {
    this.guard(response, () => {
      const { machine, rc } = this.requireStopped();
      const vcpu = threadId - 1;
      if (!machine.cpus[vcpu]) throw new RequestError(ERR.badRequest, `no thread ${threadId}`);
      const g: StepGranularity = granularity === 'instruction' ? 'instruction' : 'line';
      this.sendResponse(response);
      this.resume(() => rc.startStep(vcpu, kind, g));
    });
  }

  protected override nextRequest(response: DebugProtocol.NextResponse, args: DebugProtocol.NextArguments): void {
    this.step(response, args.threadId, 'over', args.granularity);
  }
  protected override stepInRequest(response: DebugProtocol.StepInResponse, args: DebugProtocol.StepInArguments): void {
    this.step(response, args.threadId, 'into', args.granularity);
  }
  protected override stepOutRequest(response: DebugProtocol.StepOutResponse, args: DebugProtocol.StepOutArguments): void {
    this.step(response, args.threadId, 'out', args.granularity);
  }

  protected override stepBackRequest(response: DebugProtocol.StepBackResponse, args: DebugProtocol.StepBackArguments): void {
    this.guard(response, () => { this.requireStopped(); this.reverse.stepBack(args.threadId, args.granularity); this.sendResponse(response); });
  }
  protected override reverseContinueRequest(response: DebugProtocol.ReverseContinueResponse, args: DebugProtocol.ReverseContinueArguments): void {
    this.guard(response, () => { this.requireStopped(); this.reverse.reverseContinue(args.threadId); this.sendResponse(response); });
  }

  protected override pauseRequest(response: DebugProtocol.PauseResponse): void {
    this.rc?.pause();
    this.reverse.pause();
    this.sendResponse(response);
  }

  // ------------------------------------------------------ custom requests

  /** nestvirt/* requests (protocol.ts), answered by session-custom.ts. */
  protected override customRequest(command: string, response: DebugProtocol.Response, args: unknown): void {
    this.guard(response, () => {
      const r = this.custom.handle(command, args);
      if (!r) throw new RequestError(ERR.badRequest, `unknown request '${command}'`);
      response.body = r.body;
      this.sendResponse(response);
      r.after?.();
    });
  }

  // ----------------------------------------------------------- breakpoints

  /** The symbol set of a level that knows `address` (by function or line), else the level's first. */
  private symbolsAt(level: Level, address: number): SymbolSource | undefined {
    return symbolsAt(this.symbols, level, address);
  }

  protected override setBreakPointsRequest(response: DebugProtocol.SetBreakpointsResponse, args: DebugProtocol.SetBreakpointsArguments): void {
    this.guard(response, () => {
      const file = args.source.path ? this.convertClientPathToDebugger(args.source.path) : args.source.name ?? '';
      const old = this.bps.sourceBps.get(file);
      if (old) this.bps.clearRc(old.bps);
      const list = args.breakpoints ?? (args.lines ?? []).map((line) => ({ line }));
      const bps = this.bps.resolveSource(file, list);
      this.bps.sourceBps.set(file, { args: list, bps });
      response.body = { breakpoints: bps.map((b) => b.dap) };
      this.sendResponse(response);
    });
  }

  protected override setFunctionBreakPointsRequest(response: DebugProtocol.SetFunctionBreakpointsResponse, args: DebugProtocol.SetFunctionBreakpointsArguments): void {
    this.guard(response, () => {
      this.bps.clearRc(this.bps.functionBps.bps);
      const bps = this.bps.resolveFunctions(args.breakpoints);
      this.bps.functionBps = { args: args.breakpoints, bps };
      response.body = { breakpoints: bps.map((b) => b.dap) };
      this.sendResponse(response);
    });
  }

  protected override setInstructionBreakpointsRequest(response: DebugProtocol.SetInstructionBreakpointsResponse, args: DebugProtocol.SetInstructionBreakpointsArguments): void {
    this.guard(response, () => {
      this.bps.clearRc(this.bps.instructionBps.bps);
      const bps = this.bps.resolveInstructions(args.breakpoints);
      this.bps.instructionBps = { args: args.breakpoints, bps };
      response.body = { breakpoints: bps.map((b) => b.dap) };
      this.sendResponse(response);
    });
  }

  protected override setExceptionBreakPointsRequest(response: DebugProtocol.SetExceptionBreakpointsResponse, args: DebugProtocol.SetExceptionBreakpointsArguments): void {
    this.guard(response, () => {
      response.body = { breakpoints: this.filters.set(args) };
      this.sendResponse(response);
    });
  }

  protected override exceptionInfoRequest(response: DebugProtocol.ExceptionInfoResponse): void {
    const s = this.lastStop;
    if (s && (s.reason === 'transition' || s.reason === 'triple-fault')) {
      const t = s.reason === 'transition' ? this.log.get(s.event.seq) ?? s.event : this.lastFilterStop?.transition;
      if (t) {
        response.body = transitionExceptionInfo(t);
        if (s.reason === 'triple-fault') response.body.description = `Triple fault on vCPU ${s.vcpu}: ${s.event.reason}`;
        this.sendResponse(response);
        return;
      }
    }
    if (!s || s.reason !== 'exception') {
      this.sendErrorResponse(response, { id: ERR.badRequest, format: 'not stopped on an exception', showUser: false });
      return;
    }
    const e = s.event;
    response.body = {
      exceptionId: excName(e.vector),
      description: describeStop(s),
      breakMode: 'always',
      details: { message: describeStop(s), typeName: `${excName(e.vector)} (vector ${e.vector})` },
    };
    this.sendResponse(response);
  }

  // ------------------------------------------------------- threads, stacks

  protected override threadsRequest(response: DebugProtocol.ThreadsResponse): void {
    const cpus = this.machine?.cpus ?? [];
    response.body = { threads: cpus.map((c) => new Thread(threadOf(c.id), `vCPU ${c.id}`)) };
    this.sendResponse(response);
  }

  protected override stackTraceRequest(response: DebugProtocol.StackTraceResponse, args: DebugProtocol.StackTraceArguments): void {
    this.guard(response, () => {
      const { machine, rc } = this.requireStopped();
      const cpu = machine.cpus[args.threadId - 1];
      if (!cpu) throw new RequestError(ERR.badRequest, `no thread ${args.threadId}`);
      const frames = nestingStack(cpu, rc.levelOf(cpu), {
        symbols: () => this.symbols,
        frameId: (ref) => { const id = this.nextFrameId++; this.frames.set(id, ref); return id; },
        makeFrame: (id, level, pc, exact) => this.makeFrame(id, level, pc, exact),
      });
      const start = args.startFrame ?? 0;
      const count = args.levels && args.levels > 0 ? args.levels : frames.length;
      response.body = { stackFrames: frames.slice(start, start + count), totalFrames: frames.length };
      this.sendResponse(response);
    });
  }

  private makeFrame(id: number, level: Level, pc: number, exact: boolean): DebugProtocol.StackFrame {
    const s = this.symbolsAt(level, pc);
    // A caller frame's pc is a return address: its call is the byte before.
    const lookup = exact ? pc : pc - 1;
    const fn = s ? symbolize(s, lookup) : undefined;
    const name = `${fn ? fn.replace(/\+0x[0-9a-f]+$/, '') : hex64(pc)}`;
    const line = s?.lineAt(lookup);
    const frame: DebugProtocol.StackFrame = { id, name, line: 0, column: 0, instructionPointerReference: hex64(pc) };
    if (line) {
      frame.source = this.sourceOf(line.file);
      frame.line = this.convertDebuggerLineToClient(line.line);
      frame.column = this.convertDebuggerColumnToClient(1);
    } else {
      frame.name = fn ? `${fn} (${hex64(pc)})` : hex64(pc);
      frame.presentationHint = 'subtle';
    }
    return frame;
  }

  /** Registers of `cpu` (vCPU 0 when not given) and the symbols of `level`. */
  private evalEnv(level: Level, cpu?: Cpu): EvalEnv | undefined {
    const c = cpu ?? this.machine?.cpus[0];
    if (!c) return undefined;
    const mine = this.symbols.filter((x) => x.level === level);
    // Reads without an address space read the frame's level (a suspended L1 frame: L1's addresses).
    const own = level === runningLevel(c) ? null : level === 2 ? 'l2' : 'l1';
    return {
      cpu: c,
      vmcsField: (name) => vmcsFieldValue(c, name) ?? vmcbFieldValue(c, name),
      readMemory: (space, addr, size) => readHalvesRef(c, { space: space ?? own, address: addr }, size),
      symbol: (name) => {
        for (const s of mine) {
          const a = s.addressOf(name);
          if (a !== undefined) return a;
        }
        return undefined;
      },
    };
  }

  /** A DWARF source path as the client sees it: mapped to where the file is here (source-paths.ts). */
  private sourceOf(dwarfFile: string): Source {
    const file = this.sourcePaths.toLocal(dwarfFile);
    const src = new Source(path.basename(file), this.convertDebuggerPathToClient(file));
    if (!fs.existsSync(file)) (src as DebugProtocol.Source).presentationHint = 'deemphasize';
    return src;
  }

  protected override scopesRequest(response: DebugProtocol.ScopesResponse, args: DebugProtocol.ScopesArguments): void {
    this.guard(response, () => {
      const { machine } = this.requireStopped();
      const f = this.frames.get(args.frameId);
      if (!f) throw new RequestError(ERR.badRequest, `no frame ${args.frameId} (stale after a resume?)`);
      const cpu = machine.cpus[f.vcpu];
      const scopes = frameScopes(f, cpu).map(({ name, nodes, hint, expensive }) => {
        const s: DebugProtocol.Scope = { name, variablesReference: this.varHandles.create(nodes), expensive: expensive ?? false };
        if (hint) s.presentationHint = hint;
        return s;
      });
      response.body = { scopes };
      this.sendResponse(response);
    });
  }

  protected override variablesRequest(response: DebugProtocol.VariablesResponse, args: DebugProtocol.VariablesArguments): void {
    this.guard(response, () => {
      this.requireStopped();
      const get = this.varHandles.get(args.variablesReference);
      if (!get) throw new RequestError(ERR.badRequest, `no variables reference ${args.variablesReference}`);
      let nodes = get();
      if (args.start !== undefined || args.count !== undefined) nodes = nodes.slice(args.start ?? 0, (args.start ?? 0) + (args.count ?? nodes.length));
      response.body = {
        variables: nodes.map((n) => toVariable(n, (children) => this.varHandles.create(children))),
      };
      this.sendResponse(response);
    });
  }

  protected override setVariableRequest(response: DebugProtocol.SetVariableResponse, args: DebugProtocol.SetVariableArguments): void {
    this.guard(response, () => {
      this.requireStopped();
      const get = this.varHandles.get(args.variablesReference);
      if (!get) throw new RequestError(ERR.badRequest, `no variables reference ${args.variablesReference}`);
      response.body = { value: setVariable(get(), args.name, args.value) };
      this.sendResponse(response);
      this.edited();
    });
  }

  /** After an edit (setVariable, setControlField): watches take the new values, views refresh. */
  private edited(): void {
    this.reverse.edited();
    this.dataBps?.resync();
    this.rc?.codeChanged();
    this.sendEvent(new InvalidatedEvent(['variables', 'stacks']));
  }

  protected override dataBreakpointInfoRequest(response: DebugProtocol.DataBreakpointInfoResponse, args: DebugProtocol.DataBreakpointInfoArguments): void {
    this.guard(response, () => {
      const node = args.variablesReference ? this.varHandles.get(args.variablesReference)?.().find((n) => n.name === args.name) : undefined;
      if (!this.dataBps) throw new RequestError(ERR.notLaunched, 'no machine: launch a kernel first');
      response.body = this.dataBps.info(args, node);
      this.sendResponse(response);
    });
  }

  protected override setDataBreakpointsRequest(response: DebugProtocol.SetDataBreakpointsResponse, args: DebugProtocol.SetDataBreakpointsArguments): void {
    this.guard(response, () => {
      if (!this.dataBps) throw new RequestError(ERR.notLaunched, 'no machine: launch a kernel first');
      response.body = { breakpoints: this.dataBps.set(args.breakpoints) };
      this.sendResponse(response);
    });
  }

  protected override completionsRequest(response: DebugProtocol.CompletionsResponse, args: DebugProtocol.CompletionsArguments): void {
    this.guard(response, () => {
      const cpu = this.machine?.cpus[0];
      const f = args.frameId !== undefined ? this.frames.get(args.frameId) : undefined;
      const c = cpu ? this.machine!.cpus[f?.vcpu ?? 0] : undefined;
      const level = f?.level || (c ? runningLevel(c) : 1);
      const plan = this.plan;
      const files = plan ? [{ level: 1, bytes: plan.machine.kernel }, ...plan.symbols].filter((x) => x.level === level) : [];
      const items = completions(args.text, this.convertClientColumnToDebugger(args.column) - 1, {
        vmx: c ? vmcsFieldValue(c, 'VMCS_LINK_POINTER') !== undefined : false,
        svm: c ? vmcbFieldValue(c, 'EXITCODE') !== undefined : false,
        symbols: files.flatMap((x) => elfSymbolNames(x.bytes)),
      });
      for (const i of items) if (i.start !== undefined) i.start = this.convertDebuggerColumnToClient(i.start + 1);
      response.body = { targets: items };
      this.sendResponse(response);
    });
  }

  protected override evaluateRequest(response: DebugProtocol.EvaluateResponse, args: DebugProtocol.EvaluateArguments): void {
    this.guard(response, () => {
      const { machine, rc } = this.requireStopped();
      const f = args.frameId !== undefined ? this.frames.get(args.frameId) : undefined;
      const cpu = machine.cpus[f?.vcpu ?? 0];
      // A suspended outer level's frame evaluates names with that level's symbols.
      const level = f?.level || rc.levelOf(cpu);
      const r = evaluate(args.expression, this.evalEnv(level, cpu)!);
      const addr = foldBig(r.value);
      const s = this.symbolsAt(level, addr);
      const sym = s ? symbolize(s, addr) : undefined;
      response.body = {
        result: formatValue(r.value) + (sym ? ` <${sym}>` : ''),
        variablesReference: 0,
        memoryReference: '0x' + r.value.toString(16),
      };
      this.sendResponse(response);
    });
  }

  // ------------------------------------------------------- memory and code

  protected override readMemoryRequest(response: DebugProtocol.ReadMemoryResponse, args: DebugProtocol.ReadMemoryArguments): void {
    this.guard(response, () => {
      const { machine } = this.requireStopped();
      // Level-prefixed references (l1: l2: gpa: l2gpa:): memory-references.ts.
      response.body = readMemoryBody(machine.cpus[0], args);
      this.sendResponse(response);
    });
  }

  protected override writeMemoryRequest(response: DebugProtocol.WriteMemoryResponse, args: DebugProtocol.WriteMemoryArguments): void {
    this.guard(response, () => {
      const { machine, rc } = this.requireStopped();
      response.body = writeMemoryBody(machine.cpus, machine.cpus[0], args);
      rc.codeChanged();
      this.reverse.edited();
      this.dataBps?.resync();
      this.sendResponse(response);
      this.sendEvent(new MemoryEvent(args.memoryReference, args.offset ?? 0, response.body.bytesWritten ?? 0));
      this.sendEvent(new InvalidatedEvent(['variables']));
    });
  }

  protected override disassembleRequest(response: DebugProtocol.DisassembleResponse, args: DebugProtocol.DisassembleArguments): void {
    this.guard(response, () => {
      const { machine, rc } = this.requireStopped();
      const cpu = machine.cpus[0];
      const level = rc.levelOf(cpu);
      const base = foldBig(parseAddress(args.memoryReference, 'memoryReference') + BigInt(args.offset ?? 0));
      const count = Math.max(0, Math.min(args.instructionCount, 10000));
      const sym = (a: number): string | undefined => { const s = this.symbolsAt(level, a); return s ? symbolize(s, a) : undefined; };
      const lines = disassembleAround(cpu, base, args.instructionOffset ?? 0, count, (a) => this.symbolsAt(level, a)?.functionAt(a)?.start,
        args.resolveSymbols === false ? undefined : sym);
      let lastFile = '', lastLine = -1;
      response.body = {
        instructions: lines.map((l) => {
          const ins: DebugProtocol.DisassembledInstruction = { address: hex64(l.address), instruction: l.text, instructionBytes: l.bytes };
          if (l.invalid) { ins.presentationHint = 'invalid'; return ins; }
          const s = this.symbolsAt(level, l.address);
          const fn = s?.functionAt(l.address);
          if (fn) ins.symbol = symbolize(s!, l.address);
          const line = s?.lineAt(l.address);
          if (line && (line.file !== lastFile || line.line !== lastLine)) {
            ins.location = this.sourceOf(line.file);
            ins.line = this.convertDebuggerLineToClient(line.line);
            lastFile = line.file; lastLine = line.line;
          }
          return ins;
        }),
      };
      this.sendResponse(response);
    });
  }

  protected override loadedSourcesRequest(response: DebugProtocol.LoadedSourcesResponse): void {
    const seen = new Set<string>();
    const sources: DebugProtocol.Source[] = [];
    for (const s of this.symbols) {
      for (const f of s.sources()) {
        if (seen.has(f)) continue;
        seen.add(f);
        sources.push(this.sourceOf(f));
      }
    }
    response.body = { sources };
    this.sendResponse(response);
  }

  protected override sourceRequest(response: DebugProtocol.SourceResponse, args: DebugProtocol.SourceArguments): void {
    this.guard(response, () => {
      const p = args.source?.path;
      if (!p) throw new RequestError(ERR.badRequest, 'source: only sources with a path are known');
      const file = this.convertClientPathToDebugger(p);
      let content: string;
      try {
        content = fs.readFileSync(file, 'utf8');
      } catch (e) {
        throw new RequestError(ERR.badRequest, `cannot read '${file}': ${(e as NodeJS.ErrnoException).code ?? e}`);
      }
      response.body = { content, mimeType: 'text/x-c' };
      this.sendResponse(response);
    });
  }

  // ------------------------------------------------------------- output

  private onMachineEvent(e: MachineEvent): void {
    if (e.kind === 'diagnostic') {
      this.flushSerial();
      this.console(`nestvirt: ${e.message}\n`);
    }
  }

  private flushSerial(): void {
    if (!this.serial) return;
    const text = this.serial;
    this.serial = '';
    this.sendEvent(new OutputEvent(text, 'stdout'));
  }

  /**
   * The launch attribute `trace`: the same lines `nestvirt run --trace` prints,
   * one per transition, to the debug console or appended to a file.
   */
  private traceTo(machine: Machine, t: NonNullable<LaunchPlan['trace']>): void {
    let fd = -1;
    if (t.to === 'file') {
      try { fd = fs.openSync(t.path, 'w'); } catch (e) { throw new LaunchError('trace', `cannot write '${t.path}': ${(e as Error).message}`); }
    }
    // Going forward again after a reverse step re-emits transitions with their
    // original numbers: each is traced once.
    let next = 0;
    machine.events.on((e) => {
      if (e.kind !== 'transition' || e.seq < next) return;
      next = e.seq + 1;
      const line = formatTraceLine(e);
      if (line === null) return;
      if (fd >= 0) fs.writeSync(fd, line + '\n');
      else { this.flushSerial(); this.console(line + '\n'); }
    });
  }

  private console(text: string): void {
    this.sendEvent(new OutputEvent(text, 'console'));
  }

  private describeAddress(level: Level, address: number): string {
    const s = this.symbolsAt(level, address);
    const line = s?.lineAt(address);
    const fn = s ? symbolize(s, address) : undefined;
    const parts = [hex64(address)];
    if (fn) parts.push(`in ${fn}`);
    if (line) parts.push(`${path.basename(line.file)}:${line.line}`);
    return parts.join(' ');
  }
}

function modeName(cpu: Cpu): string {
  return MODE_NAMES[cpu.mode] ?? `mode ${cpu.mode}`;
}
