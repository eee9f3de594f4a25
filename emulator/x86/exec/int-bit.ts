// Bit instructions: BT/BTS/BTR/BTC, BSF/BSR, POPCNT, LZCNT, TZCNT, and the
// condition-code consumers SETcc and CMOVcc (SDM vol 2A/2B instruction pages).
import type { Cpu } from '../cpu';
import type { Insn } from '../decode/insn';
import { OpKind } from '../decode/insn';
import { CpuFault } from '../fault';
import { setArith, testCond } from '../flags';
import { CF, ZF } from '../regs';
import { H, explicit, setAllArith, eaExtra, sx, quicken, INT_FEAT, rdRmw, rmwPrepare } from './int-util';

export const enum Bt { Test = 0, Set = 1, Reset = 2, Complement = 3 }

/**
 * SDM vol 2A, BT/BTS/BTR/BTC: CF ← the selected bit, then set/clear/flip it.
 * Register destination or immediate offset: offset MOD operand width. Memory
 * destination with a register offset: a signed bit offset into a bit string,
 * the operand at EA + operandSize * (offset DIV width) (vol 2A, 3.1.1.9 and
 * "BT"). ZF is unchanged; OF SF AF PF are undefined (we leave them as they were).
 */
function btHandler(kind: Bt): H {
  return (cpu: Cpu, i: Insn) => {
    const s = i.s0;
    const width = s * 8;
    let off: number, offHi = 0;
    if (i.k1 === OpKind.Imm) off = i.imm;
    else { off = cpu.getReg(i.r1, s); if (s === 8) offHi = cpu.hi; }
    let a: number, ah = 0, lin = 0;
    if (i.k0 === OpKind.Mem && i.k1 !== OpKind.Imm) {
      // Byte displacement = operandSize * floor(offset / width), offset signed.
      let dLo: number, dHi: number;
      if (s === 8) {
        // (offset >> 6) << 3 on 64-bit halves: arithmetic shift right by 3, low 3 bits cleared.
        dLo = ((off >>> 3) | (offHi << 29)) & ~7;
        dHi = offHi >> 3;
      } else {
        const so = sx(off, s);
        const disp = Math.floor(so / width) * s;
        dLo = disp >>> 0; dHi = disp < 0 ? -1 : 0;
      }
      lin = eaExtra(cpu, i, s, dLo, dHi);
      if (kind !== Bt.Test) rmwPrepare(cpu, lin, s);
      a = cpu.readSize(lin, s); if (s === 8) ah = cpu.hi;
    } else {
      a = kind !== Bt.Test ? rdRmw(cpu, i) : cpu.rd(i, 0); if (s === 8) ah = cpu.hi;
      if (i.k0 === OpKind.Mem) lin = cpu.opLin;
    }
    const bit = off & (width - 1);
    const inHi = bit >= 32;
    const m = 1 << (bit & 31);
    const cf = ((inHi ? ah : a) & m) !== 0;
    if (kind !== Bt.Test) {
      let w = inHi ? ah : a;
      if (kind === Bt.Set) w |= m; else if (kind === Bt.Reset) w &= ~m; else w ^= m;
      if (inHi) ah = w; else a = s === 4 || s === 8 ? w >>> 0 : w & (s === 2 ? 0xffff : 0xff);
      if (i.k0 === OpKind.Mem) cpu.writeSize(lin, s, a, ah);
      else cpu.setReg(i.r0, s, a, ah);
    }
    setArith(cpu, CF, cf ? CF : 0);
  };
}

/**
 * SDM vol 2A, BSF/BSR: index of the lowest/highest set bit. A zero source
 * sets ZF and leaves the destination unchanged (AMD documents it; Intel
 * processors behave the same). CF OF SF AF PF are undefined (we give
 * CF=OF=0, SF/PF from the source).
 */
function bitScan(reverse: boolean): H {
  return (cpu, i) => {
    const s = i.s0;
    const v = cpu.rd(i, 1); const vh = s === 8 ? cpu.hi : 0;
    if (v === 0 && vh === 0) { explicit(cpu, s, 0, 0, 0, 0); return; }
    let r: number;
    if (reverse) r = s === 8 && vh !== 0 ? 63 - Math.clz32(vh) : 31 - Math.clz32(v);
    else r = v !== 0 ? 31 - Math.clz32(v & -v) : 63 - Math.clz32(vh & -vh);
    cpu.setReg(i.r0, s, r, 0);
    explicit(cpu, s, v, vh, 0, 0);
  };
}

/** SDM vol 2B, POPCNT: OF SF ZF AF CF PF cleared, ZF ← (source = 0). #UD without CPUID.01H:ECX.POPCNT. */
function popcount32(v: number): number {
  v = v - ((v >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24);
}

const popcnt: H = (cpu, i) => {
  if (!cpu.model.has(INT_FEAT.popcnt)) throw new CpuFault(6, -1, 0, 'POPCNT without CPUID.POPCNT');
  const s = i.s0;
  const v = cpu.rd(i, 1); const vh = s === 8 ? cpu.hi : 0;
  const n = popcount32(v) + (s === 8 ? popcount32(vh) : 0);
  cpu.setReg(i.r0, s, n, 0);
  setAllArith(cpu, n === 0 ? ZF : 0);
};

/**
 * SDM vol 2B, LZCNT / TZCNT: count of leading/trailing zero bits (the
 * operand width for a zero source). CF ← (source = 0), ZF ← (result = 0);
 * OF SF AF PF undefined (we give 0). Without the feature (ABM / BMI1) the F3
 * prefix is ignored and the instruction is BSR / BSF.
 */
function zeroCount(leading: boolean): H {
  const fallback = bitScan(leading);
  return (cpu, i) => {
    if (!cpu.model.has(leading ? INT_FEAT.abm : INT_FEAT.bmi1)) { fallback(cpu, i); return; }
    const s = i.s0;
    const v = cpu.rd(i, 1); const vh = s === 8 ? cpu.hi : 0;
    const width = s * 8;
    let n: number;
    if (leading) {
      if (s === 8) n = vh !== 0 ? Math.clz32(vh) : 32 + Math.clz32(v);
      else n = Math.clz32(v) - (32 - width);
    } else if (s === 8) n = v !== 0 ? 31 - Math.clz32(v & -v) : vh !== 0 ? 63 - Math.clz32(vh & -vh) : 64;
    else n = v !== 0 ? 31 - Math.clz32(v & -v) : width;
    cpu.setReg(i.r0, s, n, 0);
    setAllArith(cpu, (n === width ? CF : 0) | (n === 0 ? ZF : 0));
  };
}

/** SDM vol 2B, SETcc: r/m8 ← 1 if the condition (vol 1, appendix B) holds, else 0. */
const setcc: H = (cpu, i) => {
  cpu.wr(i, 0, testCond(cpu, i.opcode & 0xf) ? 1 : 0, 0);
};

/**
 * SDM vol 2A, CMOVcc: the source is read whatever the condition (a memory
 * source can fault). With a 32-bit operand the destination's bits 63:32 are
 * cleared even when the condition is false (vol 1, 3.4.1.1: a 32-bit
 * operation always writes its 64-bit destination).
 */
const cmovGeneric: H = (cpu, i) => {
  const s = i.s0;
  const v = cpu.rd(i, 1); const vh = s === 8 ? cpu.hi : 0;
  if (testCond(cpu, i.opcode & 0xf)) cpu.setReg(i.r0, s, v, vh);
  else if (s === 4) cpu.regs[(i.r0 << 1) + 1] = 0;
};
const cmovRR: H = (cpu, i) => {
  const regs = cpu.regs, d = i.r0 << 1, k = i.r1 << 1;
  if (testCond(cpu, i.opcode & 0xf)) {
    regs[d] = regs[k];
    regs[d + 1] = i.s0 === 8 ? regs[k + 1] : 0;
  } else if (i.s0 === 4) regs[d + 1] = 0;
};
const cmovcc = quicken((i) => i.k1 === OpKind.Reg && i.s0 >= 4 ? cmovRR : cmovGeneric);

export const bitHandlers: Record<string, H> = {
  bt: btHandler(Bt.Test), bts: btHandler(Bt.Set), btr: btHandler(Bt.Reset), btc: btHandler(Bt.Complement),
  bsf: bitScan(false), bsr: bitScan(true),
  popcnt, lzcnt: zeroCount(true), tzcnt: zeroCount(false),
  setcc, cmovcc,
};
