// The DAP session: maps Debug Adapter Protocol requests onto the emulator's
// debug API (emulator/debug). Threads are vCPUs; a vCPU's call stack is its
// nesting stack (session-stack.ts: the running level's frames, each
// suspended outer level, then L0). VM transitions are recorded
// (transition-log.ts), can stop the run (transition-filters.ts) and are
// served to the views by the custom requests (session-custom.ts). The machine
// runs in slices on the event loop so requests (pause, threads) are served
// while it runs. No `vscode` import: any DAP client can drive this.
//
// This class is the request dispatcher; the state its parts share is a
// SessionContext (session-context.ts). Launch and machine wiring:
// session-launch.ts; stopped events: session-stops.ts; stack, evaluate,
// completions: session-inspect.ts; memory, disassembly, sources:
// session-memory.ts; output: session-output.ts.
import { DebugSession, InitializedEvent, OutputEvent, Thread, InvalidatedEvent } from '@vscode/debugadapter';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { hex64 } from '../emulator/x86/canon';
import { StopInfo, StepKind, StepGranularity } from '../emulator/debug/index';
import { LaunchError, NestvirtLaunchArguments } from './launch-config';
import { EvalError } from './evaluate';
import { ERR, RequestError } from './session-errors';
import { SessionBreakpoints } from './session-breakpoints';
import { SessionCustom } from './session-custom';
import { SessionReverse } from './session-reverse';
import { frameScopes, toVariable, setVariable } from './session-variables';
import { registerControlBlocks } from './control-blocks';
import { SessionContext, threadOf } from './session-context';
import { capabilities, launch, modeName } from './session-launch';
import { reportStop, stopped, endRun, announceTransitions, exceptionInfoBody } from './session-stops';
import { stackTrace, evaluateBody, completionsBody } from './session-inspect';
import { readMemory, writeMemory, memoryWritten, disassemble, loadedSources, sourceContent } from './session-memory';
import { flushSerial, consoleOut } from './session-output';

export class NestvirtSession extends DebugSession {
  private readonly ctx = new SessionContext({
    sendEvent: (event) => this.sendEvent(event),
    lineToClient: (line) => this.convertDebuggerLineToClient(line),
    columnToClient: (column) => this.convertDebuggerColumnToClient(column),
    pathToClient: (p) => this.convertDebuggerPathToClient(p),
  });
  private configured: () => void = () => {};
  private configurationDone = new Promise<void>((r) => { this.configured = r; });
  private pumpScheduled = false;
  private readonly bps = new SessionBreakpoints({
    rc: () => this.ctx.rc,
    symbols: () => this.ctx.symbols,
    convertClientLineToDebugger: (line) => this.convertClientLineToDebugger(line),
    convertDebuggerLineToClient: (line) => this.convertDebuggerLineToClient(line),
    sendEvent: (event) => this.sendEvent(event),
    evalEnv: (level, cpu) => this.ctx.evalEnv(level, cpu),
    output: (text, category) => { flushSerial(this.ctx); this.sendEvent(new OutputEvent(text, category)); },
    toDwarfPath: (file) => this.ctx.sourcePaths.toDwarf(file, this.ctx.symbols.flatMap((s) => s.sources())),
    toLocalPath: (file) => this.ctx.sourcePaths.toLocal(file),
  });
  /** stepBack, reverseContinue, backward transition requests (session-reverse.ts). */
  private readonly reverse: SessionReverse = new SessionReverse({
    machine: () => this.ctx.machine,
    rc: () => this.ctx.rc,
    bps: this.bps,
    evalEnv: (level, cpu) => this.ctx.evalEnv(level, cpu),
    lines: () => this.ctx.rc?.lines,
    transitionStops: () => (e) => this.ctx.filters.matchTransition(this.ctx.log.record(e, this.ctx.machine!.cpus[e.vcpu])) !== undefined,
    sendEvent: (e) => { flushSerial(this.ctx); this.sendEvent(e); },
    invalidate: () => this.ctx.invalidateStopState(),
    moved: () => { this.ctx.dataBps?.resync(); announceTransitions(this.ctx); },
    describeHere: (vcpu) => this.ctx.describeHere(vcpu),
    log: this.ctx.log,
  });
  readonly custom = new SessionCustom({
    machine: () => this.ctx.machine,
    rc: () => this.ctx.rc,
    log: this.ctx.log,
    requireStopped: () => this.ctx.requireStopped(),
    runToNextTransition: (vcpu) => this.resume(() => this.ctx.rc!.startStepToTransition(vcpu)),
    describeCode: (level, address) => this.ctx.describeAddress(level, address),
  });

  constructor() {
    super();
    this.setDebuggerLinesStartAt1(true);
    this.setDebuggerColumnsStartAt1(true);
    this.ctx.reverseRunning = () => this.reverse.running;
    this.custom.reverse = this.reverse;
    registerControlBlocks(this.custom, { requireStopped: () => this.ctx.requireStopped(), edited: () => this.edited() });
  }

  // ------------------------------------------------------------ lifecycle

  protected override initializeRequest(response: DebugProtocol.InitializeResponse): void {
    response.body = capabilities();
    this.sendResponse(response);
  }

  protected override async launchRequest(response: DebugProtocol.LaunchResponse, args: DebugProtocol.LaunchRequestArguments): Promise<void> {
    try {
      launch(this.ctx, args as NestvirtLaunchArguments, { bps: this.bps, reverse: this.reverse });
    } catch (e) {
      const message = e instanceof LaunchError ? e.message : `launch failed: ${(e as Error).message}`;
      this.sendErrorResponse(response, { id: ERR.launch, format: message, showUser: true });
      return;
    }
    // Configuration requests (breakpoints, exception filters) come now.
    this.sendEvent(new InitializedEvent());
    await this.configurationDone;
    this.sendResponse(response);
    if (this.ctx.plan!.stopOnEntry) {
      const cpu = this.ctx.machine!.cpus[0];
      stopped(this.ctx, 'entry', 0, `Stopped at the kernel entry point ${hex64(cpu.rip)} (${modeName(cpu)})`);
    } else {
      this.resume(() => this.ctx.rc!.startContinue());
    }
  }

  protected override configurationDoneRequest(response: DebugProtocol.ConfigurationDoneResponse): void {
    this.sendResponse(response);
    this.configured();
  }

  protected override disconnectRequest(response: DebugProtocol.DisconnectResponse, args: DebugProtocol.DisconnectArguments): void {
    this.ctx.rc?.abort();
    this.ctx.terminated = true;
    super.disconnectRequest(response, args);
  }

  protected override terminateRequest(response: DebugProtocol.TerminateResponse): void {
    this.ctx.rc?.abort();
    this.sendResponse(response);
    endRun(this.ctx);
  }

  // -------------------------------------------------------------- running

  private resume(start: () => void): void {
    this.ctx.invalidateStopState();
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
    const rc = this.ctx.rc;
    if (!rc || !rc.running || this.ctx.terminated) return;
    let stop: StopInfo | null;
    try {
      stop = rc.runSlice();
      this.reverse.afterSlice();
    } catch (e) {
      flushSerial(this.ctx);
      consoleOut(this.ctx, `nestvirt: internal error: ${(e as Error).stack ?? e}\n`);
      stopped(this.ctx, 'exception', 0, 'nestvirt internal error', (e as Error).message);
      return;
    }
    flushSerial(this.ctx);
    if (stop) reportStop(this.ctx, this.bps, stop);
    else this.schedulePump();
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
      const { rc } = this.ctx.requireStopped();
      response.body = { allThreadsContinued: true };
      this.sendResponse(response);
      this.resume(() => rc.startContinue());
    });
  }

  private step(response: DebugProtocol.Response, threadId: number, kind: StepKind, granularity?: DebugProtocol.SteppingGranularity): void {
    this.guard(response, () => {
      const { machine, rc } = this.ctx.requireStopped();
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
    this.guard(response, () => { this.ctx.requireStopped(); this.reverse.stepBack(args.threadId, args.granularity); this.sendResponse(response); });
  }
  protected override reverseContinueRequest(response: DebugProtocol.ReverseContinueResponse, args: DebugProtocol.ReverseContinueArguments): void {
    this.guard(response, () => { this.ctx.requireStopped(); this.reverse.reverseContinue(args.threadId); this.sendResponse(response); });
  }

  protected override pauseRequest(response: DebugProtocol.PauseResponse): void {
    this.ctx.rc?.pause();
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
      response.body = { breakpoints: this.ctx.filters.set(args) };
      this.sendResponse(response);
    });
  }

  protected override exceptionInfoRequest(response: DebugProtocol.ExceptionInfoResponse): void {
    const body = exceptionInfoBody(this.ctx);
    if (!body) {
      this.sendErrorResponse(response, { id: ERR.badRequest, format: 'not stopped on an exception', showUser: false });
      return;
    }
    response.body = body;
    this.sendResponse(response);
  }

  // ------------------------------------------------------- threads, stacks

  protected override threadsRequest(response: DebugProtocol.ThreadsResponse): void {
    const cpus = this.ctx.machine?.cpus ?? [];
    response.body = { threads: cpus.map((c) => new Thread(threadOf(c.id), `vCPU ${c.id}`)) };
    this.sendResponse(response);
  }

  protected override stackTraceRequest(response: DebugProtocol.StackTraceResponse, args: DebugProtocol.StackTraceArguments): void {
    this.guard(response, () => {
      response.body = stackTrace(this.ctx, args);
      this.sendResponse(response);
    });
  }

  protected override scopesRequest(response: DebugProtocol.ScopesResponse, args: DebugProtocol.ScopesArguments): void {
    this.guard(response, () => {
      const { machine } = this.ctx.requireStopped();
      const f = this.ctx.frames.get(args.frameId);
      if (!f) throw new RequestError(ERR.badRequest, `no frame ${args.frameId} (stale after a resume?)`);
      const cpu = machine.cpus[f.vcpu];
      const scopes = frameScopes(f, cpu).map(({ name, nodes, hint, expensive }) => {
        const s: DebugProtocol.Scope = { name, variablesReference: this.ctx.varHandles.create(nodes), expensive: expensive ?? false };
        if (hint) s.presentationHint = hint;
        return s;
      });
      response.body = { scopes };
      this.sendResponse(response);
    });
  }

  protected override variablesRequest(response: DebugProtocol.VariablesResponse, args: DebugProtocol.VariablesArguments): void {
    this.guard(response, () => {
      this.ctx.requireStopped();
      const get = this.ctx.varHandles.get(args.variablesReference);
      if (!get) throw new RequestError(ERR.badRequest, `no variables reference ${args.variablesReference}`);
      let nodes = get();
      if (args.start !== undefined || args.count !== undefined) nodes = nodes.slice(args.start ?? 0, (args.start ?? 0) + (args.count ?? nodes.length));
      response.body = {
        variables: nodes.map((n) => toVariable(n, (children) => this.ctx.varHandles.create(children))),
      };
      this.sendResponse(response);
    });
  }

  protected override setVariableRequest(response: DebugProtocol.SetVariableResponse, args: DebugProtocol.SetVariableArguments): void {
    this.guard(response, () => {
      this.ctx.requireStopped();
      const get = this.ctx.varHandles.get(args.variablesReference);
      if (!get) throw new RequestError(ERR.badRequest, `no variables reference ${args.variablesReference}`);
      response.body = { value: setVariable(get(), args.name, args.value) };
      this.sendResponse(response);
      this.edited();
    });
  }

  /** After an edit (setVariable, setControlField): watches take the new values, views refresh. */
  private edited(): void {
    this.reverse.edited();
    this.ctx.dataBps?.resync();
    this.ctx.rc?.codeChanged();
    this.sendEvent(new InvalidatedEvent(['variables', 'stacks']));
  }

  protected override dataBreakpointInfoRequest(response: DebugProtocol.DataBreakpointInfoResponse, args: DebugProtocol.DataBreakpointInfoArguments): void {
    this.guard(response, () => {
      const node = args.variablesReference ? this.ctx.varHandles.get(args.variablesReference)?.().find((n) => n.name === args.name) : undefined;
      if (!this.ctx.dataBps) throw new RequestError(ERR.notLaunched, 'no machine: launch a kernel first');
      response.body = this.ctx.dataBps.info(args, node);
      this.sendResponse(response);
    });
  }

  protected override setDataBreakpointsRequest(response: DebugProtocol.SetDataBreakpointsResponse, args: DebugProtocol.SetDataBreakpointsArguments): void {
    this.guard(response, () => {
      if (!this.ctx.dataBps) throw new RequestError(ERR.notLaunched, 'no machine: launch a kernel first');
      response.body = { breakpoints: this.ctx.dataBps.set(args.breakpoints) };
      this.sendResponse(response);
    });
  }

  protected override completionsRequest(response: DebugProtocol.CompletionsResponse, args: DebugProtocol.CompletionsArguments): void {
    this.guard(response, () => {
      response.body = completionsBody(this.ctx, args, this.convertClientColumnToDebugger(args.column) - 1);
      this.sendResponse(response);
    });
  }

  protected override evaluateRequest(response: DebugProtocol.EvaluateResponse, args: DebugProtocol.EvaluateArguments): void {
    this.guard(response, () => {
      response.body = evaluateBody(this.ctx, args);
      this.sendResponse(response);
    });
  }

  // ------------------------------------------------------- memory and code

  protected override readMemoryRequest(response: DebugProtocol.ReadMemoryResponse, args: DebugProtocol.ReadMemoryArguments): void {
    this.guard(response, () => {
      response.body = readMemory(this.ctx, args);
      this.sendResponse(response);
    });
  }

  protected override writeMemoryRequest(response: DebugProtocol.WriteMemoryResponse, args: DebugProtocol.WriteMemoryArguments): void {
    this.guard(response, () => {
      response.body = writeMemory(this.ctx, args, () => this.reverse.edited());
      this.sendResponse(response);
      memoryWritten(this.ctx, args, response.body);
    });
  }

  protected override disassembleRequest(response: DebugProtocol.DisassembleResponse, args: DebugProtocol.DisassembleArguments): void {
    this.guard(response, () => {
      response.body = disassemble(this.ctx, args);
      this.sendResponse(response);
    });
  }

  protected override loadedSourcesRequest(response: DebugProtocol.LoadedSourcesResponse): void {
    response.body = loadedSources(this.ctx);
    this.sendResponse(response);
  }

  protected override sourceRequest(response: DebugProtocol.SourceResponse, args: DebugProtocol.SourceArguments): void {
    this.guard(response, () => {
      const p = args.source?.path;
      if (!p) throw new RequestError(ERR.badRequest, 'source: only sources with a path are known');
      response.body = sourceContent(this.convertClientPathToDebugger(p));
      this.sendResponse(response);
    });
  }
}
