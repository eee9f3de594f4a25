// The DAP session's breakpoints: source, function and instruction
// breakpoints as the client set them, resolved through the loaded symbols
// onto RunControl breakpoints (emulator/debug). Breakpoints set before the
// kernel is loaded stay pending and are resolved after launch. Client source
// paths are mapped to the DWARF's paths (source-paths.ts). Conditions, hit
// counts and log points (breakpoint-conditions.ts) are decided here, through
// RunControl's breakpoint filter, so a breakpoint that does not stop costs
// no stop/resume round trip and does not disturb a step in progress.
//
// Levels: a source line or function belongs to the level(s) whose symbols
// contain it (the `symbols` launch attribute), and its breakpoint fires
// only while that level runs. A file in the symbols of both levels (an L1
// image that carries its L2's code) gets a breakpoint at each. An
// instruction breakpoint belongs to every level whose symbols know the
// address, else to L1.
import * as path from 'path';
import { BreakpointEvent } from '@vscode/debugadapter';
import type { DebugProtocol } from '@vscode/debugprotocol';
import type { Level } from '../emulator/events';
import type { Cpu } from '../emulator/x86/cpu';
import { hex64 } from '../emulator/x86/canon';
import { RunControl, BreakpointKind } from '../emulator/debug/index';
import { SymbolSource } from './symbol-source';
import { foldBig } from './registers';
import { parseAddress } from './session-errors';
import type { EvalEnv } from './evaluate';
import { BreakpointCondition, ConditionError, parseBreakpointCondition, decideHit } from './breakpoint-conditions';

export interface DapBreakpoint { dap: DebugProtocol.Breakpoint; kind: BreakpointKind; rcIds: number[]; cond?: BreakpointCondition }

/** What the breakpoint table needs from the session. */
export interface BreakpointHost {
  rc(): RunControl | null;
  symbols(): SymbolSource[];
  convertClientLineToDebugger(line: number): number;
  convertDebuggerLineToClient(line: number): number;
  sendEvent(event: DebugProtocol.Event): void;
  /** Registers and symbols of `level` as `cpu` sees them; without a cpu, vCPU 0's (for checking names). */
  evalEnv(level: Level, cpu?: Cpu): EvalEnv | undefined;
  /** A log point's message, or a note about a condition that could not be evaluated. */
  output(text: string, category: 'console' | 'stdout'): void;
  /** The DWARF path of a client source path, and back. */
  toDwarfPath(file: string): string;
  toLocalPath(file: string): string;
}

export class SessionBreakpoints {
  sourceBps = new Map<string, { args: DebugProtocol.SourceBreakpoint[]; bps: DapBreakpoint[] }>();
  functionBps: { args: DebugProtocol.FunctionBreakpoint[]; bps: DapBreakpoint[] } = { args: [], bps: [] };
  instructionBps: { args: DebugProtocol.InstructionBreakpoint[]; bps: DapBreakpoint[] } = { args: [], bps: [] };
  private nextDapBpId = 1;

  constructor(private readonly host: BreakpointHost) {}

  private get rc(): RunControl | null { return this.host.rc(); }
  private get symbols(): SymbolSource[] { return this.host.symbols(); }

  private addBreakpoints(kind: BreakpointKind, level: Level, addresses: number[]): number[] {
    return addresses.map((a) => this.rc!.breakpoints.add(level, a, kind).id);
  }

  dapBreakpointsFor(rcIds: number[]): DapBreakpoint[] {
    const all = [...[...this.sourceBps.values()].flatMap((x) => x.bps), ...this.functionBps.bps, ...this.instructionBps.bps];
    return all.filter((b) => b.rcIds.some((id) => rcIds.includes(id)));
  }

  /**
   * Parses a breakpoint's condition parts into `bp`; false (and `bp` failed
   * with the message) when one is wrong. Names are checked once the kernel
   * is loaded.
   */
  private parseCondition(bp: DapBreakpoint, a: { condition?: string; hitCondition?: string; logMessage?: string }, level: Level = 1): boolean {
    try {
      bp.cond = parseBreakpointCondition(a, this.rc ? this.host.evalEnv(level) : undefined);
      return true;
    } catch (e) {
      if (!(e instanceof ConditionError)) throw e;
      bp.dap.verified = false;
      bp.dap.message = e.message;
      bp.dap.reason = 'failed';
      return false;
    }
  }

  /**
   * RunControl's breakpoint filter: of the breakpoints `cpu` reached, the
   * ones that stop it. Counts hits, prints log points.
   */
  filter(cpu: Cpu, level: Level, rcIds: readonly number[]): readonly number[] {
    const hit = this.dapBreakpointsFor([...rcIds]);
    const stop = new Set<number>();
    for (const b of hit) {
      const mine = b.rcIds.filter((id) => rcIds.includes(id));
      if (!b.cond) { mine.forEach((id) => stop.add(id)); continue; }
      const env = this.host.evalEnv(level, cpu);
      if (!env) { mine.forEach((id) => stop.add(id)); continue; }
      const d = decideHit(b.cond, env);
      if (d.kind === 'log') this.host.output(d.text + '\n', 'console');
      else if (d.kind === 'stop') {
        if (d.error) this.host.output(`nestvirt: breakpoint ${b.dap.id}: ${d.error}; stopped here\n`, 'console');
        mine.forEach((id) => stop.add(id));
      }
    }
    // Ids no client breakpoint claims (none today) stop as before.
    for (const id of rcIds) if (!hit.some((b) => b.rcIds.includes(id))) stop.add(id);
    return rcIds.filter((id) => stop.has(id));
  }

  resolveSource(file: string, args: DebugProtocol.SourceBreakpoint[]): DapBreakpoint[] {
    return args.map((a) => {
      const line = this.host.convertClientLineToDebugger(a.line);
      const dap: DebugProtocol.Breakpoint = { id: this.nextDapBpId++, verified: false, line: a.line, source: { name: path.basename(file), path: file } };
      const bp: DapBreakpoint = { dap, kind: 'line', rcIds: [] };
      if (!this.parseCondition(bp, a)) return bp;
      if (!this.rc) { dap.message = 'pending: the kernel is not loaded yet'; return bp; }
      const dwarfFile = this.host.toDwarfPath(file);
      let found: { line: number; addresses: number[] } | undefined;
      const perLevel = new Map<Level, number[]>();
      for (const s of this.symbols) {
        if (perLevel.has(s.level)) continue;
        const f = s.breakpointAddresses(dwarfFile, line);
        if (!f || (found && f.line !== found.line)) continue;
        found ??= f;
        perLevel.set(s.level, f.addresses);
      }
      if (!found) {
        dap.message = this.symbols.some((s) => s.hasLines)
          ? `no code at ${path.basename(file)}:${line} in the loaded symbols`
          : 'no source line information in the loaded symbols: build the program with -g';
        dap.reason = 'failed';
        return bp;
      }
      for (const [level, addresses] of perLevel) bp.rcIds.push(...this.addBreakpoints('line', level, addresses));
      dap.verified = true;
      dap.line = this.host.convertDebuggerLineToClient(found.line);
      dap.instructionReference = hex64(found.addresses[0]);
      return bp;
    });
  }

  resolveFunctions(args: DebugProtocol.FunctionBreakpoint[]): DapBreakpoint[] {
    return args.map((a) => {
      const dap: DebugProtocol.Breakpoint = { id: this.nextDapBpId++, verified: false };
      const bp: DapBreakpoint = { dap, kind: 'function', rcIds: [] };
      if (!this.parseCondition(bp, a)) return bp;
      if (!this.rc) { dap.message = 'pending: the kernel is not loaded yet'; return bp; }
      const levels = new Set<Level>();
      for (const s of this.symbols) {
        const at = s.functionBreakpoint(a.name.trim());
        if (at === undefined || levels.has(s.level)) continue;
        levels.add(s.level);
        bp.rcIds.push(...this.addBreakpoints('function', s.level, [at]));
        if (dap.verified) continue;
        dap.verified = true;
        dap.instructionReference = hex64(at);
        const line = s.lineAt(at);
        if (line) { const local = this.host.toLocalPath(line.file); dap.source = { name: path.basename(local), path: local }; dap.line = this.host.convertDebuggerLineToClient(line.line); }
      }
      if (dap.verified) return bp;
      dap.message = `no function '${a.name}' in the loaded symbols`;
      dap.reason = 'failed';
      return bp;
    });
  }

  resolveInstructions(args: DebugProtocol.InstructionBreakpoint[]): DapBreakpoint[] {
    return args.map((a) => {
      const dap: DebugProtocol.Breakpoint = { id: this.nextDapBpId++, verified: false };
      const bp: DapBreakpoint = { dap, kind: 'instruction', rcIds: [] };
      if (!this.parseCondition(bp, a)) return bp;
      if (!this.rc) { dap.message = 'pending: the kernel is not loaded yet'; return bp; }
      let addr: bigint;
      try {
        addr = parseAddress(a.instructionReference, 'instructionReference') + BigInt(a.offset ?? 0);
      } catch (e) {
        dap.message = (e as Error).message;
        dap.reason = 'failed';
        return bp;
      }
      const lin = foldBig(addr);
      const levels = new Set<Level>(this.symbols.filter((s) => s.functionAt(lin) || s.lineAt(lin)).map((s) => s.level));
      if (!levels.size) levels.add(1);
      for (const level of levels) bp.rcIds.push(...this.addBreakpoints('instruction', level, [lin]));
      dap.verified = true;
      dap.instructionReference = hex64(lin);
      return bp;
    });
  }

  clearRc(bps: DapBreakpoint[]): void {
    for (const b of bps) for (const id of b.rcIds) this.rc?.breakpoints.remove(id);
  }

  /** After launch: resolve breakpoints a client set before the kernel was loaded. */
  resolveAllBreakpoints(): void {
    const update = (old: DapBreakpoint[], fresh: DapBreakpoint[]): void => {
      fresh.forEach((b, i) => {
        if (old[i]) b.dap.id = old[i].dap.id;
        this.host.sendEvent(new BreakpointEvent('changed', b.dap as DebugProtocol.Breakpoint & { verified: boolean }));
      });
    };
    for (const [file, entry] of this.sourceBps) {
      const fresh = this.resolveSource(file, entry.args);
      update(entry.bps, fresh);
      entry.bps = fresh;
    }
    const f = this.resolveFunctions(this.functionBps.args);
    update(this.functionBps.bps, f);
    this.functionBps.bps = f;
    const ins = this.resolveInstructions(this.instructionBps.args);
    update(this.instructionBps.bps, ins);
    this.instructionBps.bps = ins;
  }
}
