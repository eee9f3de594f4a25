// Looking at a stopped machine in the DAP session: the stack trace (the
// nesting stack of session-stack.ts made into DAP frames with their source
// lines), evaluate (with the symbol at the result) and completions. Separate
// from the dispatcher: these build answers from the stop state in the
// SessionContext and do not change it (beyond registering frame ids).
import type { DebugProtocol } from '@vscode/debugprotocol';
import type { Level } from '../emulator/events';
import { hex64 } from '../emulator/x86/canon';
import { symbolize } from './symbol-source';
import { foldBig } from './registers';
import { evaluate, formatValue } from './evaluate';
import { ERR, RequestError } from './session-errors';
import { nestingStack } from './session-stack';
import { vmcsFieldValue } from './vmcs-variables';
import { vmcbFieldValue } from './vmcb-variables';
import { completions, elfSymbolNames } from './completions';
import { runningLevel } from './memory-references';
import type { SessionContext } from './session-context';

export function stackTrace(ctx: SessionContext, args: DebugProtocol.StackTraceArguments): DebugProtocol.StackTraceResponse['body'] {
  const { machine, rc } = ctx.requireStopped();
  const cpu = machine.cpus[args.threadId - 1];
  if (!cpu) throw new RequestError(ERR.badRequest, `no thread ${args.threadId}`);
  const frames = nestingStack(cpu, rc.levelOf(cpu), {
    symbols: () => ctx.symbols,
    frameId: (ref) => { const id = ctx.nextFrameId++; ctx.frames.set(id, ref); return id; },
    makeFrame: (id, level, pc, exact) => makeFrame(ctx, id, level, pc, exact),
  });
  const start = args.startFrame ?? 0;
  const count = args.levels && args.levels > 0 ? args.levels : frames.length;
  return { stackFrames: frames.slice(start, start + count), totalFrames: frames.length };
}

function makeFrame(ctx: SessionContext, id: number, level: Level, pc: number, exact: boolean): DebugProtocol.StackFrame {
  const s = ctx.symbolsAt(level, pc);
  // A caller frame's pc is a return address: its call is the byte before.
  const lookup = exact ? pc : pc - 1;
  const fn = s ? symbolize(s, lookup) : undefined;
  const name = `${fn ? fn.replace(/\+0x[0-9a-f]+$/, '') : hex64(pc)}`;
  const line = s?.lineAt(lookup);
  const frame: DebugProtocol.StackFrame = { id, name, line: 0, column: 0, instructionPointerReference: hex64(pc) };
  if (line) {
    frame.source = ctx.sourceOf(line.file);
    frame.line = ctx.io.lineToClient(line.line);
    frame.column = ctx.io.columnToClient(1);
  } else {
    frame.name = fn ? `${fn} (${hex64(pc)})` : hex64(pc);
    frame.presentationHint = 'subtle';
  }
  return frame;
}

export function evaluateBody(ctx: SessionContext, args: DebugProtocol.EvaluateArguments): DebugProtocol.EvaluateResponse['body'] {
  const { machine, rc } = ctx.requireStopped();
  const f = args.frameId !== undefined ? ctx.frames.get(args.frameId) : undefined;
  const cpu = machine.cpus[f?.vcpu ?? 0];
  // A suspended outer level's frame evaluates names with that level's symbols.
  const level = f?.level || rc.levelOf(cpu);
  const r = evaluate(args.expression, ctx.evalEnv(level, cpu)!);
  const addr = foldBig(r.value);
  const s = ctx.symbolsAt(level, addr);
  const sym = s ? symbolize(s, addr) : undefined;
  return {
    result: formatValue(r.value) + (sym ? ` <${sym}>` : ''),
    variablesReference: 0,
    memoryReference: '0x' + r.value.toString(16),
  };
}

/** Completions at `column0` (0-based, debugger columns) of args.text. */
export function completionsBody(ctx: SessionContext, args: DebugProtocol.CompletionsArguments, column0: number): DebugProtocol.CompletionsResponse['body'] {
  const cpu = ctx.machine?.cpus[0];
  const f = args.frameId !== undefined ? ctx.frames.get(args.frameId) : undefined;
  const c = cpu ? ctx.machine!.cpus[f?.vcpu ?? 0] : undefined;
  const level = f?.level || (c ? runningLevel(c) : 1);
  const plan = ctx.plan;
  const files = plan ? [{ level: 1, bytes: plan.machine.kernel }, ...plan.symbols].filter((x) => x.level === level) : [];
  const items = completions(args.text, column0, {
    vmx: c ? vmcsFieldValue(c, 'VMCS_LINK_POINTER') !== undefined : false,
    svm: c ? vmcbFieldValue(c, 'EXITCODE') !== undefined : false,
    symbols: files.flatMap((x) => elfSymbolNames(x.bytes)),
  });
  for (const i of items) if (i.start !== undefined) i.start = ctx.io.columnToClient(i.start + 1);
  return { targets: items };
}
