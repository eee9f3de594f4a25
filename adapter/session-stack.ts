// Call stacks for the DAP session: which symbol set knows an address, the
// unwind context of a vCPU's innermost frame and of the frames found by
// unwinding, and the line/frame oracles RunControl steps with.
import type { Level } from '../emulator/events';
import type { Cpu } from '../emulator/x86/cpu';
import { CpuMode } from '../emulator/x86/state';
import { fold } from '../emulator/x86/canon';
import { spOf, readHalves, LineOracle, FrameOracle } from '../emulator/debug/index';
import { SymbolSource, UnwindContext, UnwoundFrame } from './symbol-source';
import { foldBig, foldedBig, bigOfHalves, ripHalves } from './registers';
import { GPR64 } from '../emulator/x86/regs';

export const MAX_FRAMES = 64;

export interface FrameRef { vcpu: number; index: number; pc: number; sp: number; fp: number; label?: boolean }

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

/** The context of a frame found by unwinding (or the innermost one). */
export function callerContext(cpu: Cpu, f: UnwoundFrame, returnAddress: boolean): UnwindContext {
  const wide = cpu.mode === CpuMode.Long64;
  return {
    pc: f.pc, sp: f.sp, fp: f.fp, wide, returnAddress,
    regs: f.regs ?? { rip: foldedBig(f.pc), rsp: foldedBig(f.sp), rbp: foldedBig(f.fp) },
    readSlot: (addr) => {
      const v = readHalves(cpu, addr, wide ? 8 : 4);
      if (!v) return null;
      return wide ? fold(v[0], v[1] | 0) : v[0];
    },
    read: (addr, size) => {
      const v = readHalves(cpu, foldBig(addr), size);
      return v ? bigOfHalves(v[0], v[1]) : undefined;
    },
  };
}
