// Call stacks for the DAP session: which symbol set knows an address, the
// unwind context of a vCPU's innermost frame and of the frames found by
// unwinding, the line/frame oracles RunControl steps with, and the nesting
// stack (DESIGN.md: a vCPU's call stack is its nesting stack): the running
// level's frames, then a label frame and the frames of each suspended outer
// level (transition-nesting.ts), then L0.
import * as path from 'path';
import type { DebugProtocol } from '@vscode/debugprotocol';
import type { Level } from '../emulator/events';
import type { Cpu } from '../emulator/x86/cpu';
import { CpuMode } from '../emulator/x86/state';
import { fold } from '../emulator/x86/canon';
import { spOf, readHalves, LineOracle, FrameOracle } from '../emulator/debug/index';
import type { PagingRegs } from '../emulator/debug/guest-memory';
import { SymbolSource, UnwindContext, UnwoundFrame } from './symbol-source';
import { foldBig, foldedBig, bigOfHalves, ripHalves, VarNode } from './registers';
import { hex64 } from '../emulator/x86/canon';
import { suspendedLevels, suspendedL1Registers } from './transition-nesting';
import { GPR64 } from '../emulator/x86/regs';

export const MAX_FRAMES = 64;

export interface FrameRef {
  vcpu: number;
  index: number;
  pc: number;
  sp: number;
  fp: number;
  label?: boolean;
  /** The nesting level the frame belongs to (absent: the running level). */
  level?: Level;
  /**
   * The register context of a frame of a suspended outer level (L1 while L2
   * runs): its own registers, not the vCPU's (session-variables.ts shows it).
   */
  registers?: () => VarNode[];
  registersName?: string;
}

/** What building a nesting stack needs from the session. */
export interface StackHost {
  symbols(): SymbolSource[];
  /** Registers a frame; its DAP frame id. */
  frameId(ref: FrameRef): number;
  /** The DAP frame of `pc` at `level`; `exact`: pc is the instruction (innermost / waiting), else a return address. */
  makeFrame(id: number, level: Level, pc: number, exact: boolean): DebugProtocol.StackFrame;
}

/**
 * The nesting stack of `cpu` running at `level`: that level's frames
 * (unwound with its own symbols), for each suspended outer level a label
 * frame `L1 — waiting in VMRESUME, vmx.c:88`, its frame there and its
 * callers (unwound from the RSP/RBP L0 kept at the entry), then
 * `L0 — nestvirt`.
 */
export function nestingStack(cpu: Cpu, level: Level, host: StackHost): DebugProtocol.StackFrame[] {
  const frames: DebugProtocol.StackFrame[] = [];
  const syms = host.symbols();
  /** Frames of `lvl` from `ctx` outwards, unwound with that level's symbols; `first` describes the innermost one. */
  const unwindFrom = (ctx: UnwindContext, lvl: Level, mem: FrameMemory | undefined, first: Omit<FrameRef, 'vcpu' | 'index' | 'pc' | 'sp' | 'fp'>): void => {
    for (let depth = 0; depth < MAX_FRAMES && frames.length < MAX_FRAMES * 2; depth++) {
      const id = host.frameId({ ...(depth === 0 ? first : { level: lvl }), vcpu: cpu.id, index: frames.length, pc: ctx.pc, sp: ctx.sp, fp: ctx.fp });
      frames.push(host.makeFrame(id, lvl, ctx.pc, depth === 0));
      const s = symbolsAt(syms, lvl, depth === 0 ? ctx.pc : ctx.pc - 1);
      const up = s?.unwind(ctx);
      // The stack grows down: a caller's frame is above its callee's.
      if (!up || up.pc === 0 || up.sp <= ctx.sp) break;
      ctx = callerContext(cpu, up, true, mem);
    }
  };
  unwindFrom(unwindContext(cpu), level, undefined, { level });
  for (const outer of suspendedLevels(cpu)) {
    const line = symbolsAt(syms, outer.level, outer.pc)?.lineAt(outer.pc);
    const where = line ? `${path.basename(line.file)}:${line.line}` : hex64(outer.pc);
    const labelId = host.frameId({ vcpu: cpu.id, index: frames.length, pc: outer.pc, sp: 0, fp: 0, label: true, level: outer.level });
    frames.push({ id: labelId, name: `L${outer.level} — waiting in ${outer.instruction}, ${where}`, line: 0, column: 0, presentationHint: 'label' });
    // The waiting frame, then its callers: L0 keeps the level's RSP/RBP at
    // the entry, and its stack is read through its own paging (transition-nesting.ts).
    const mem: FrameMemory = { paging: outer.paging, wide: outer.wide };
    const ctx = callerContext(cpu, { pc: outer.pc, sp: outer.sp, fp: outer.fp }, false, mem);
    unwindFrom(ctx, outer.level, mem, {
      level: outer.level,
      registers: () => suspendedL1Registers(cpu), registersName: `L${outer.level} registers (waiting in ${outer.instruction})`,
    });
  }
  const l0 = host.frameId({ vcpu: cpu.id, index: frames.length, pc: 0, sp: 0, fp: 0, label: true, level: 0 });
  frames.push({ id: l0, name: 'L0 — nestvirt', line: 0, column: 0, presentationHint: 'label' });
  return frames;
}

/** The symbol set of a level that knows `address` (by function or line), else the level's first. */
export function symbolsAt(symbols: SymbolSource[], level: Level, address: number): SymbolSource | undefined {
  const mine = symbols.filter((s) => s.level === level);
  return mine.find((s) => s.functionAt(address) || s.lineAt(address)) ?? mine[0];
}

export function lineOracle(symbols: () => SymbolSource[]): LineOracle {
  return {
    lineAt: (level, address) => {
      const r = symbolsAt(symbols(), level, address)?.lineAt(address);
      return r ? { file: r.file, line: r.line } : undefined;
    },
    isStatement: (level, address) => symbolsAt(symbols(), level, address)?.lineAt(address)?.isStatement ?? false,
  };
}

export function frameOracle(symbols: () => SymbolSource[]): FrameOracle {
  return {
    callerOf: (cpu, level) => {
      const ctx = unwindContext(cpu);
      const s = symbolsAt(symbols(), level, ctx.pc);
      if (!s) return undefined;
      const f = s.unwind(ctx);
      return f ? { returnAddress: f.pc, cfa: f.sp } : undefined;
    },
  };
}

function framePointer(cpu: Cpu): number {
  return cpu.mode === CpuMode.Long64 ? fold(cpu.regs[10], cpu.regs[11]) : cpu.regs[10] >>> 0;
}

/** The innermost frame's unwind context: every register of the vCPU. */
export function unwindContext(cpu: Cpu): UnwindContext {
  const regs: Record<string, bigint> = {};
  for (let r = 0; r < 16; r++) regs[GPR64[r]] = bigOfHalves(cpu.regs[r << 1], cpu.regs[(r << 1) + 1]);
  const [lo, hi] = ripHalves(cpu);
  regs.rip = bigOfHalves(lo, hi);
  return callerContext(cpu, { pc: cpu.ripLinear(), sp: spOf(cpu), fp: framePointer(cpu), regs }, false);
}

/** Where a suspended level's frames live: its paging registers and code size (not the running vCPU's). */
export interface FrameMemory { paging: PagingRegs; wide: boolean }

/**
 * The context of a frame found by unwinding (or the innermost one). `mem`:
 * the frame is a suspended level's (default: the running level's, read
 * through the vCPU's own translation).
 */
export function callerContext(cpu: Cpu, f: UnwoundFrame, returnAddress: boolean, mem?: FrameMemory): UnwindContext {
  const wide = mem ? mem.wide : cpu.mode === CpuMode.Long64;
  const space: PagingRegs = mem ? mem.paging : cpu;
  return {
    pc: f.pc, sp: f.sp, fp: f.fp, wide, returnAddress,
    regs: f.regs ?? { rip: foldedBig(f.pc), rsp: foldedBig(f.sp), rbp: foldedBig(f.fp) },
    readSlot: (addr) => {
      const v = readHalves(space, addr, wide ? 8 : 4);
      if (!v) return null;
      return wide ? fold(v[0], v[1] | 0) : v[0];
    },
    read: (addr, size) => {
      const v = readHalves(space, foldBig(addr), size);
      return v ? bigOfHalves(v[0], v[1]) : undefined;
    },
  };
}
