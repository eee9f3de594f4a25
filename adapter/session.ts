// The DAP session: maps Debug Adapter Protocol requests onto the emulator's
// debug API (emulator/debug). Threads are vCPUs; a vCPU's call stack is its
// nesting stack (today: L1's frames, then the L0 label frame). The machine
// runs in slices on the event loop so requests (pause, threads) are served
// while it runs. No `vscode` import: any DAP client can drive this.
import * as fs from 'fs';
import * as path from 'path';
import {
  DebugSession, InitializedEvent, TerminatedEvent, ExitedEvent, StoppedEvent, OutputEvent,
  Thread, Source, Handles, InvalidatedEvent, MemoryEvent,
} from '@vscode/debugadapter';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { Machine } from '../emulator/machine/machine';
import type { Level, MachineEvent } from '../emulator/events';
import type { Cpu } from '../emulator/x86/cpu';
import { hex64 } from '../emulator/x86/canon';
import {
  RunControl, StopInfo, StepKind, StepGranularity, describeStop, describeEnd, exitCodeOf,
  readLinear, writeLinear,
} from '../emulator/debug/index';
import { excName } from '../emulator/debug/trace-format';
import { planLaunch, machineError, LaunchError, LaunchPlan, NestvirtLaunchArguments } from './launch-config';
import { loadSymbols, SymbolSource, symbolize } from './symbol-source';
import { VarNode, foldBig, MODE_NAMES } from './registers';
import { evaluate, EvalError, EvalEnv, formatValue } from './evaluate';
import { SourcePaths } from './source-paths';
import { disassembleAround } from './disassembly';
import { ERR, RequestError, parseAddress } from './session-errors';
import { SessionBreakpoints } from './session-breakpoints';
import { FrameRef, MAX_FRAMES, symbolsAt, lineOracle, frameOracle, unwindContext, callerContext } from './session-stack';
import { frameScopes, toVariable } from './session-variables';
import { vmcsFieldValue } from './vmcs-variables';

const EXCEPTION_FILTER = 'guest-exception';

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
  private exceptionFilters = new Set<string>();

  constructor() {
    super();
    this.setDebuggerLinesStartAt1(true);
    this.setDebuggerColumnsStartAt1(true);
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
      supportsTerminateRequest: true,
      supportsStepBack: false,
      supportsSetVariable: false,
      supportsDataBreakpoints: false,
      exceptionBreakpointFilters: [{
        filter: EXCEPTION_FILTER,
        label: 'Exception in the guest',
        description: 'Stop when an exception (#PF, #GP, #UD, …) is delivered to the guest, at the first instruction of its handler',
        default: false,
      }],
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
    this.rc.stopOnException = () => this.exceptionFilters.has(EXCEPTION_FILTER);
    this.rc.breakpointFilter = (cpu, level, ids) => this.bps.filter(cpu, level, ids);
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
      case 'step': this.stopped('step', s.vcpu, s.note ? `Paused after step: ${s.note}` : undefined); return;
      case 'pause': this.stopped('pause', s.vcpu, `Paused at ${this.describeAddress(1, this.machine!.cpus[s.vcpu].ripLinear())}`); return;
      case 'exception': {
        const e = s.event;
        this.stopped('exception', s.vcpu, `Paused on exception: ${describeStop(s)}`, `${excName(e.vector)} (vector ${e.vector})`);
        return;
      }
    }
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
    if (this.rc.running) throw new RequestError(ERR.running, 'the machine is running: pause it first');
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

  protected override pauseRequest(response: DebugProtocol.PauseResponse): void {
    this.rc?.pause();
    this.sendResponse(response);
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
    const wanted = [...(args.filters ?? []), ...(args.filterOptions ?? []).map((o) => o.filterId)];
    this.exceptionFilters = new Set(wanted.filter((f) => f === EXCEPTION_FILTER));
    response.body = {
      breakpoints: wanted.map((f) => (f === EXCEPTION_FILTER ? { verified: true } : { verified: false, message: `unknown exception filter '${f}'` })),
    };
    this.sendResponse(response);
  }

  protected override exceptionInfoRequest(response: DebugProtocol.ExceptionInfoResponse): void {
    const s = this.lastStop;
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
      const level = rc.levelOf(cpu);
      const frames: DebugProtocol.StackFrame[] = [];
      let ctx = unwindContext(cpu);
      for (let index = 0; index < MAX_FRAMES; index++) {
        const id = this.nextFrameId++;
        this.frames.set(id, { vcpu: cpu.id, index, pc: ctx.pc, sp: ctx.sp, fp: ctx.fp });
        frames.push(this.makeFrame(id, level, ctx.pc, index));
        const s = this.symbolsAt(level, index === 0 ? ctx.pc : ctx.pc - 1);
        const up = s?.unwind(ctx);
        // The stack grows down: a caller's frame is above its callee's.
        if (!up || up.pc === 0 || up.sp <= ctx.sp) break;
        ctx = callerContext(cpu, up, true);
      }
      const labelId = this.nextFrameId++;
      this.frames.set(labelId, { vcpu: cpu.id, index: frames.length, pc: 0, sp: 0, fp: 0, label: true });
      frames.push({ id: labelId, name: 'L0 — nestvirt', line: 0, column: 0, presentationHint: 'label' });
      const start = args.startFrame ?? 0;
      const count = args.levels && args.levels > 0 ? args.levels : frames.length;
      response.body = { stackFrames: frames.slice(start, start + count), totalFrames: frames.length };
      this.sendResponse(response);
    });
  }

  private makeFrame(id: number, level: Level, pc: number, index: number): DebugProtocol.StackFrame {
    const s = this.symbolsAt(level, pc);
    // A caller frame's pc is a return address: its call is the byte before.
    const lookup = index === 0 ? pc : pc - 1;
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
    return {
      cpu: c,
      vmcsField: (name) => vmcsFieldValue(c, name),
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

  protected override evaluateRequest(response: DebugProtocol.EvaluateResponse, args: DebugProtocol.EvaluateArguments): void {
    this.guard(response, () => {
      const { machine, rc } = this.requireStopped();
      const f = args.frameId !== undefined ? this.frames.get(args.frameId) : undefined;
      const cpu = machine.cpus[f?.vcpu ?? 0];
      const level = rc.levelOf(cpu);
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
      const start = parseAddress(args.memoryReference, 'memoryReference') + BigInt(args.offset ?? 0);
      const count = Math.max(0, Math.min(args.count, 1 << 20));
      const r = readLinear(machine.cpus[0], foldBig(start), count);
      response.body = {
        address: '0x' + start.toString(16),
        data: Buffer.from(r.data.buffer, r.data.byteOffset, r.readable).toString('base64'),
        unreadableBytes: count - r.readable,
      };
      this.sendResponse(response);
    });
  }

  protected override writeMemoryRequest(response: DebugProtocol.WriteMemoryResponse, args: DebugProtocol.WriteMemoryArguments): void {
    this.guard(response, () => {
      const { machine, rc } = this.requireStopped();
      const start = parseAddress(args.memoryReference, 'memoryReference') + BigInt(args.offset ?? 0);
      const data = new Uint8Array(Buffer.from(args.data, 'base64'));
      const cpu = machine.cpus[0];
      const lin = foldBig(start);
      const writable = readLinear(cpu, lin, data.length).readable;
      if (writable < data.length && !args.allowPartial) {
        throw new RequestError(ERR.badRequest, `cannot write ${data.length} bytes at 0x${start.toString(16)}: only ${writable} are mapped RAM`);
      }
      const n = writeLinear(machine.cpus, cpu, lin, data.subarray(0, writable));
      rc.codeChanged();
      response.body = { bytesWritten: n, offset: args.offset ?? 0 };
      this.sendResponse(response);
      this.sendEvent(new MemoryEvent(args.memoryReference, args.offset ?? 0, n));
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
