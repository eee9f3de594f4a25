// Launching in the DAP session: the capabilities the adapter announces, and
// the launch itself — the machine built from the launch plan
// (launch-config.ts), its symbols loaded, RunControl created, and the
// machine wired to the session: the transition log, the trace, the
// exception/transition/triple-fault hooks that decide which stops the
// exception filters make, breakpoints, data breakpoints and reverse
// execution. Separate because it runs once and touches everything; the
// request handlers only see the result in the SessionContext.
import * as path from 'path';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { Machine } from '../emulator/machine/machine';
import type { Level } from '../emulator/events';
import type { Cpu } from '../emulator/x86/cpu';
import { RunControl } from '../emulator/debug/index';
import { planLaunch, machineError, LaunchError, NestvirtLaunchArguments } from './launch-config';
import { loadSymbols, SymbolSource } from './symbol-source';
import { MODE_NAMES } from './registers';
import { SourcePaths } from './source-paths';
import type { SessionBreakpoints } from './session-breakpoints';
import type { SessionReverse } from './session-reverse';
import { lineOracle, frameOracle } from './session-stack';
import { EXCEPTION_BREAKPOINT_FILTERS, tripleFaultAsTransition, FILTER } from './transition-filters';
import { DataBreakpoints } from './data-breakpoints';
import type { SessionContext } from './session-context';
import { consoleOut, onMachineEvent, traceTo } from './session-output';

/** The initialize response's capabilities. */
export function capabilities(): DebugProtocol.Capabilities {
  return {
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
}

/** The parts of the session the machine is wired to besides the context. */
export interface LaunchWiring {
  readonly bps: SessionBreakpoints;
  readonly reverse: SessionReverse;
}

/** Builds the machine for `args` and wires it into `ctx`; throws LaunchError (or another error) when it cannot. */
export function launch(ctx: SessionContext, args: NestvirtLaunchArguments, wiring: LaunchWiring): void {
  if (ctx.machine) throw new LaunchError('request', 'this session has already launched a kernel');
  const plan = planLaunch(args);
  let machine: Machine;
  try {
    machine = new Machine({ ...plan.machine, serialOut: (t) => { ctx.serial += t; } });
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
  ctx.plan = plan;
  ctx.sourcePaths = new SourcePaths(plan.sourceMap, plan.sourceRoots);
  ctx.machine = machine;
  ctx.symbols = symbols;
  for (const w of warnings) consoleOut(ctx, `nestvirt: ${w}\n`);
  ctx.rc = new RunControl(machine, {
    lines: lineOracle(() => ctx.symbols),
    frames: frameOracle(() => ctx.symbols),
    maxInstructions: plan.maxInstructions,
  });
  const rc = ctx.rc;
  // Recorded before RunControl decides on it, so conditions see the completed transition.
  machine.events.on((e) => { if (e.kind === 'transition') ctx.log.record(e, machine.cpus[e.vcpu]); });
  if (plan.trace) traceTo(ctx, machine, plan.trace);
  // Each hook remembers which filter decided: the stop is reported (and exceptionInfo asked) later.
  rc.stopOnException = (e) => {
    const filter = ctx.filters.matchException(e, rc.levelOf(machine.cpus[e.vcpu]));
    if (filter) ctx.lastFilterStop = { filter };
    return filter !== undefined;
  };
  rc.stopOnTransition = (e) => {
    const transition = ctx.log.record(e, machine.cpus[e.vcpu]);
    const filter = ctx.filters.matchTransition(transition);
    if (filter) ctx.lastFilterStop = { filter, transition };
    return filter !== undefined;
  };
  rc.stopOnTripleFault = (e) => {
    const level = rc.levelOf(machine.cpus[e.vcpu]);
    if (!ctx.filters.matchTripleFault(e, level)) return false;
    ctx.lastFilterStop = { filter: FILTER.tripleFault, transition: tripleFaultAsTransition(e, level) };
    return true;
  };
  rc.breakpointFilter = (cpu, level, ids) => wiring.bps.filter(cpu, level, ids);
  ctx.dataBps = new DataBreakpoints(machine, () => rc.running, () => rc.requestStop());
  wiring.reverse.attach(machine);
  machine.events.on((e) => onMachineEvent(ctx, e));
  wiring.bps.resolveAllBreakpoints();
}

export function modeName(cpu: Cpu): string {
  return MODE_NAMES[cpu.mode] ?? `mode ${cpu.mode}`;
}
