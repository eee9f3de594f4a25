// Memory and code requests of the DAP session: readMemory, writeMemory,
// disassemble (annotated with symbols and source lines), loadedSources and
// source. Separate because they answer from the machine's memory and the
// symbol files, not from the run state the other requests work on.
import * as fs from 'fs';
import { MemoryEvent, InvalidatedEvent } from '@vscode/debugadapter';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { hex64 } from '../emulator/x86/canon';
import { symbolize } from './symbol-source';
import { foldBig } from './registers';
import { disassembleAround } from './disassembly';
import { ERR, RequestError, parseAddress } from './session-errors';
import { readMemoryBody, writeMemoryBody } from './memory-references';
import type { SessionContext } from './session-context';

export function readMemory(ctx: SessionContext, args: DebugProtocol.ReadMemoryArguments): DebugProtocol.ReadMemoryResponse['body'] {
  const { machine } = ctx.requireStopped();
  // Level-prefixed references (l1: l2: gpa: l2gpa:): memory-references.ts.
  return readMemoryBody(machine.cpus[0], args);
}

/** Writes the memory; `reverseEdited` tells reverse execution that history was rewritten. */
export function writeMemory(ctx: SessionContext, args: DebugProtocol.WriteMemoryArguments, reverseEdited: () => void): DebugProtocol.WriteMemoryResponse['body'] {
  const { machine, rc } = ctx.requireStopped();
  const body = writeMemoryBody(machine.cpus, machine.cpus[0], args);
  rc.codeChanged();
  reverseEdited();
  ctx.dataBps?.resync();
  return body;
}

/** The events after a writeMemory response: the memory and the variables changed. */
export function memoryWritten(ctx: SessionContext, args: DebugProtocol.WriteMemoryArguments, body: DebugProtocol.WriteMemoryResponse['body']): void {
  ctx.io.sendEvent(new MemoryEvent(args.memoryReference, args.offset ?? 0, body?.bytesWritten ?? 0));
  ctx.io.sendEvent(new InvalidatedEvent(['variables']));
}

export function disassemble(ctx: SessionContext, args: DebugProtocol.DisassembleArguments): DebugProtocol.DisassembleResponse['body'] {
  const { machine, rc } = ctx.requireStopped();
  const cpu = machine.cpus[0];
  const level = rc.levelOf(cpu);
  const base = foldBig(parseAddress(args.memoryReference, 'memoryReference') + BigInt(args.offset ?? 0));
  const count = Math.max(0, Math.min(args.instructionCount, 10000));
  const sym = (a: number): string | undefined => { const s = ctx.symbolsAt(level, a); return s ? symbolize(s, a) : undefined; };
  const lines = disassembleAround(cpu, base, args.instructionOffset ?? 0, count, (a) => ctx.symbolsAt(level, a)?.functionAt(a)?.start,
    args.resolveSymbols === false ? undefined : sym);
  let lastFile = '', lastLine = -1;
  return {
    instructions: lines.map((l) => {
      const ins: DebugProtocol.DisassembledInstruction = { address: hex64(l.address), instruction: l.text, instructionBytes: l.bytes };
      if (l.invalid) { ins.presentationHint = 'invalid'; return ins; }
      const s = ctx.symbolsAt(level, l.address);
      const fn = s?.functionAt(l.address);
      if (fn) ins.symbol = symbolize(s!, l.address);
      const line = s?.lineAt(l.address);
      if (line && (line.file !== lastFile || line.line !== lastLine)) {
        ins.location = ctx.sourceOf(line.file);
        ins.line = ctx.io.lineToClient(line.line);
        lastFile = line.file; lastLine = line.line;
      }
      return ins;
    }),
  };
}

export function loadedSources(ctx: SessionContext): DebugProtocol.LoadedSourcesResponse['body'] {
  const seen = new Set<string>();
  const sources: DebugProtocol.Source[] = [];
  for (const s of ctx.symbols) {
    for (const f of s.sources()) {
      if (seen.has(f)) continue;
      seen.add(f);
      sources.push(ctx.sourceOf(f));
    }
  }
  return { sources };
}

/** The source request's answer for `file` (a debugger path). */
export function sourceContent(file: string): DebugProtocol.SourceResponse['body'] {
  let content: string;
  try {
    content = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new RequestError(ERR.badRequest, `cannot read '${file}': ${(e as NodeJS.ErrnoException).code ?? e}`);
  }
  return { content, mimeType: 'text/x-c' };
}
