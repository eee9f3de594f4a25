// Data movement: MOV (all GPR forms, moffs, imm64), MOVZX/MOVSX/MOVSXD,
// LEA, XCHG, BSWAP, and the atomic read-modify-write group CMPXCHG,
// CMPXCHG8B/16B and XADD (SDM vol 2A/2B instruction pages). Accesses are
// done in an order that keeps exceptions precise: memory is written before
// any register, and a value is fully read before anything is written.
import type { Cpu } from '../cpu';
import { OpKind } from '../decode/insn';
import { CpuFault } from '../fault';
import { LazyOp, setArith } from '../flags';
import { ZF } from '../regs';
import { H, quicken, lazy, leaOffset, sx, TWO32, INT_FEAT, rdRmw, rmwPrepare } from './int-util';

// ---------------------------------------------------------------- MOV

const movGeneric: H = (cpu, i) => {
  const v = cpu.rd(i, 1);
  cpu.wr(i, 0, v, i.s0 === 8 ? cpu.hi : 0);
};
const movRR32: H = (cpu, i) => {
  const regs = cpu.regs; const d = i.r0 << 1;
  regs[d] = regs[i.r1 << 1]; regs[d + 1] = 0;
};
const movRR64: H = (cpu, i) => {
  const regs = cpu.regs; const d = i.r0 << 1, s = i.r1 << 1;
  regs[d] = regs[s]; regs[d + 1] = regs[s + 1];
};
const movRI32: H = (cpu, i) => { const d = i.r0 << 1; cpu.regs[d] = i.imm; cpu.regs[d + 1] = 0; };
const movRI64: H = (cpu, i) => { const d = i.r0 << 1; cpu.regs[d] = i.imm; cpu.regs[d + 1] = i.immHi; };
const movRM32: H = (cpu, i) => {
  const v = cpu.read32(cpu.ea(i, 4));
  const d = i.r0 << 1; cpu.regs[d] = v; cpu.regs[d + 1] = 0;
};
const movRM64: H = (cpu, i) => {
  const v = cpu.read64(cpu.ea(i, 8));
  const d = i.r0 << 1; cpu.regs[d] = v; cpu.regs[d + 1] = cpu.hi;
};
const movMR32: H = (cpu, i) => { cpu.write32(cpu.ea(i, 4), cpu.regs[i.r1 << 1]); };
const movMR64: H = (cpu, i) => { const k = i.r1 << 1; cpu.write64(cpu.ea(i, 8), cpu.regs[k], cpu.regs[k + 1]); };

const mov = quicken((i) => {
  const s = i.s0;
  if (s !== 4 && s !== 8) return movGeneric;
  if (i.k0 === OpKind.Reg) {
    if (i.k1 === OpKind.Reg) return s === 4 ? movRR32 : movRR64;
    if (i.k1 === OpKind.Imm) return s === 4 ? movRI32 : movRI64;
    if (i.k1 === OpKind.Mem) return s === 4 ? movRM32 : movRM64;
  } else if (i.k0 === OpKind.Mem && i.k1 === OpKind.Reg) return s === 4 ? movMR32 : movMR64;
  return movGeneric;
});

/** SDM vol 2B, MOVZX: zero-extends a byte/word source to the operand size. */
const movzxGeneric: H = (cpu, i) => {
  const v = cpu.rd(i, 1);
  cpu.wr(i, 0, v, 0);
};
/** 32/64-bit destination, memory source: the whole register is written. */
const movzxLoad: H = (cpu, i) => {
  const v = i.s1 === 1 ? cpu.read8(cpu.ea(i, 1)) : cpu.read16(cpu.ea(i, 2));
  const d = i.r0 << 1; cpu.regs[d] = v; cpu.regs[d + 1] = 0;
};
const movzx = quicken((i) => i.k1 === OpKind.Mem && i.s0 >= 4 ? movzxLoad : movzxGeneric);

/** SDM vol 2B, MOVSX/MOVSXD: sign-extends the source (s1 bytes) to the operand size. */
const movsxGeneric: H = (cpu, i) => {
  const v = sx(cpu.rd(i, 1), i.s1);
  cpu.wr(i, 0, v >>> 0, v >> 31);
};
const movsxLoad: H = (cpu, i) => {
  const s = i.s1;
  const v = sx(s === 1 ? cpu.read8(cpu.ea(i, 1)) : s === 2 ? cpu.read16(cpu.ea(i, 2)) : cpu.read32(cpu.ea(i, 4)), s);
  const d = i.r0 << 1; cpu.regs[d] = v; cpu.regs[d + 1] = i.s0 === 8 ? v >> 31 : 0;
};
const movsx = quicken((i) => i.k1 === OpKind.Mem && i.s0 >= 4 ? movsxLoad : movsxGeneric);

// ---------------------------------------------------------------- LEA

/**
 * SDM vol 2A, LEA: the effective address computed at the address size, then
 * truncated or zero-extended to the operand size (table "LEA: operand and
 * address size"); no segmentation, no memory access.
 */
const lea: H = (cpu, i) => {
  const lo = leaOffset(cpu, i);
  cpu.setReg(i.r0, i.s0, lo, i.s0 === 8 ? cpu.hi : 0);
};

// --------------------------------------------------------------- XCHG

/** SDM vol 2B, XCHG: memory forms are implicitly locked; the memory write happens before the register write. */
const xchg: H = (cpu, i) => {
  const s = i.s0;
  const a = rdRmw(cpu, i); const ah = s === 8 ? cpu.hi : 0;
  const b = cpu.rd(i, 1); const bh = s === 8 ? cpu.hi : 0;
  cpu.wr(i, 0, b, bh, true);
  cpu.wr(i, 1, a, ah);
};

// ---------------------------------------------------------------- BSWAP

const bswap32 = (v: number): number => ((v >>> 24) | ((v >>> 8) & 0xff00) | ((v & 0xff00) << 8) | (v << 24)) >>> 0;

/**
 * SDM vol 2A, BSWAP: reverses the bytes of a 32/64-bit register. With a
 * 16-bit operand the result is undefined; we clear the low word, which is
 * what the AMD processors the differential tests ran on produce.
 */
const bswap: H = (cpu, i) => {
  const k = i.r0 << 1;
  const regs = cpu.regs;
  if (i.s0 === 8) {
    const lo = regs[k], hi = regs[k + 1];
    regs[k] = bswap32(hi); regs[k + 1] = bswap32(lo);
  } else if (i.s0 === 4) {
    regs[k] = bswap32(regs[k]); regs[k + 1] = 0;
  } else regs[k] &= ~0xffff;
};

// ------------------------------------------------------------ CMPXCHG

/**
 * SDM vol 2A, CMPXCHG: compares the accumulator with DEST (flags as CMP
 * accumulator, DEST). Equal: DEST ← SRC. Not equal: accumulator ← DEST, and
 * a memory DEST is written back unchanged (the locked cycle always writes).
 */
const cmpxchg: H = (cpu, i) => {
  const s = i.s0;
  const d = rdRmw(cpu, i); const dh = s === 8 ? cpu.hi : 0;
  const acc = cpu.getReg(0, s); const acch = s === 8 ? cpu.hi : 0;
  const t = acc - d;
  const r = s === 8 || s === 4 ? t >>> 0 : t & (s === 2 ? 0xffff : 0xff);
  const h = s === 8 ? (acch - dh - (t < 0 ? 1 : 0)) | 0 : 0;
  if (acc === d && acch === dh) {
    const v = cpu.rd(i, 1);
    cpu.wr(i, 0, v, s === 8 ? cpu.hi : 0, true);
  } else {
    if (i.k0 === OpKind.Mem) cpu.wr(i, 0, d, dh, true);
    cpu.setReg(0, s, d, dh);
  }
  lazy(cpu, LazyOp.Sub, s, acc, acch, d, dh, r, h);
};

/**
 * SDM vol 2A, CMPXCHG8B/CMPXCHG16B: EDX:EAX (RDX:RAX) against m64 (m128).
 * Equal: ZF ← 1, m ← ECX:EBX (RCX:RBX). Else ZF ← 0, EDX:EAX ← m and m is
 * written back. Only ZF changes. CMPXCHG16B needs a 16-byte aligned operand
 * (#GP(0)) and CPUID.01H:ECX.CX16 (#UD without it).
 */
const cmpxchg8b: H = (cpu, i) => {
  const lin = cpu.ea(i, 8);
  rmwPrepare(cpu, lin, 8);
  const lo = cpu.read32(lin), hi = cpu.read32(lin + 4);
  const regs = cpu.regs;
  const eq = lo === regs[0] >>> 0 && hi === regs[4] >>> 0;
  if (eq) cpu.write64(lin, regs[6], regs[2]);
  else {
    cpu.write64(lin, lo, hi);
    // 32-bit register writes: bits 63:32 of RAX/RDX are cleared in 64-bit mode.
    regs[0] = lo; regs[1] = 0; regs[4] = hi; regs[5] = 0;
  }
  setArith(cpu, ZF, eq ? ZF : 0);
};

const cmpxchg16b: H = (cpu, i) => {
  if (!cpu.model.has(INT_FEAT.cx16)) throw new CpuFault(6, -1, 0, 'CMPXCHG16B without CPUID.CX16');
  const lin = cpu.ea(i, 16);
  if (lin % 16 !== 0) throw new CpuFault(13, 0, 0, 'CMPXCHG16B operand not 16-byte aligned');
  rmwPrepare(cpu, lin, 16);
  const w0 = cpu.read32(lin), w1 = cpu.read32(lin + 4), w2 = cpu.read32(lin + 8), w3 = cpu.read32(lin + 12);
  const regs = cpu.regs;
  const eq = w0 === regs[0] >>> 0 && w1 === regs[1] >>> 0 && w2 === regs[4] >>> 0 && w3 === regs[5] >>> 0;
  // 16-byte aligned: never crosses a page, so the two 8-byte writes cannot fault halfway.
  if (eq) { cpu.write64(lin, regs[6], regs[7]); cpu.write64(lin + 8, regs[2], regs[3]); }
  else {
    cpu.write64(lin, w0, w1); cpu.write64(lin + 8, w2, w3);
    regs[0] = w0; regs[1] = w1; regs[4] = w2; regs[5] = w3;
  }
  setArith(cpu, ZF, eq ? ZF : 0);
};

// --------------------------------------------------------------- XADD

/** SDM vol 2B, XADD: TEMP ← SRC + DEST; SRC ← DEST; DEST ← TEMP; flags as ADD. */
const xadd: H = (cpu, i) => {
  const s = i.s0;
  const d = rdRmw(cpu, i); const dh = s === 8 ? cpu.hi : 0;
  const v = cpu.rd(i, 1); const vh = s === 8 ? cpu.hi : 0;
  const t = d + v;
  const r = s === 8 || s === 4 ? t >>> 0 : t & (s === 2 ? 0xffff : 0xff);
  const h = s === 8 ? (dh + vh + (t >= TWO32 ? 1 : 0)) | 0 : 0;
  if (i.k0 === OpKind.Mem) { cpu.wr(i, 0, r, h, true); cpu.wr(i, 1, d, dh); }
  else { cpu.wr(i, 1, d, dh); cpu.wr(i, 0, r, h); } // same register twice: DEST (the sum) wins
  lazy(cpu, LazyOp.Add, s, d, dh, v, vh, r, h);
};

export const movHandlers: Record<string, H> = {
  mov, movzx, movsx, movsxd: movsx, lea, xchg, bswap, cmpxchg, cmpxchg8b, cmpxchg16b, xadd,
};

export type { Cpu };
