// Two-operand arithmetic and logic (ADD ADC SUB SBB CMP AND OR XOR TEST),
// INC/DEC and NEG/NOT, every operand size and form (SDM vol 2A/2B, the
// instruction pages; flags per vol 1, appendix A table A-2).
//
// Flags are recorded lazily (flags.ts). Memory destinations are written
// before the flags are recorded, so a faulting write leaves RFLAGS as it was
// (precise exceptions, SDM vol 3A, 6.5).
import type { Cpu } from '../cpu';
import type { Insn } from '../decode/insn';
import { OpKind } from '../decode/insn';
import { LazyOp, getCF } from '../flags';
import { H, MASK, TWO32, quicken, lazy, rdRmw } from './int-util';

export const enum Alu { Add = 0, Or = 1, Adc = 2, Sbb = 3, And = 4, Sub = 5, Xor = 6, Cmp = 7, Test = 8 }

/** Result high half of the last aluCompute (size 8 only). */
let rh = 0;
/** Lazy op kind and carry-in of the last aluCompute. */
let rop: LazyOp = LazyOp.Add;
let rc = 0;

/**
 * Computes `a op b` at size s (a/b masked to s; for s=8 the high halves are
 * ah/bh). Leaves the high half in `rh`, the lazy kind in `rop`, the carry-in
 * in `rc`. No architectural state is touched.
 */
function aluCompute(cpu: Cpu, op: Alu, s: number, a: number, ah: number, b: number, bh: number): number {
  let r: number;
  switch (op) {
    case Alu.Add: case Alu.Adc: {
      // SDM vol 2A, ADC: DEST ← DEST + SRC + CF.
      const c = op === Alu.Adc && getCF(cpu) ? 1 : 0;
      const t = a + b + c;
      if (s === 8) { r = t >>> 0; rh = (ah + bh + (t >= TWO32 ? 1 : 0)) | 0; }
      else { r = s === 4 ? t >>> 0 : t & MASK[s]; rh = 0; }
      rop = c ? LazyOp.Adc : LazyOp.Add; rc = c;
      return r;
    }
    case Alu.Sub: case Alu.Sbb: case Alu.Cmp: {
      // SDM vol 2B, SBB: DEST ← DEST − (SRC + CF); CMP is SUB without the write.
      const c = op === Alu.Sbb && getCF(cpu) ? 1 : 0;
      const t = a - b - c;
      if (s === 8) { r = t >>> 0; rh = (ah - bh - (t < 0 ? 1 : 0)) | 0; }
      else { r = s === 4 ? t >>> 0 : t & MASK[s]; rh = 0; }
      rop = c ? LazyOp.Sbb : LazyOp.Sub; rc = c;
      return r;
    }
    // Logic ops: OF=CF=0, SF/ZF/PF from the result, AF undefined (we give 0).
    case Alu.Or: r = (a | b) >>> 0; rh = ah | bh; break;
    case Alu.Xor: r = (a ^ b) >>> 0; rh = ah ^ bh; break;
    default: r = (a & b) >>> 0; rh = ah & bh; break; // And, Test
  }
  if (s !== 8) rh = 0;
  rop = LazyOp.Logic; rc = 0;
  return r;
}

function record(cpu: Cpu, s: number, a: number, ah: number, b: number, bh: number, r: number): void {
  lazy(cpu, rop, s, a, ah, b, bh, r, rh);
  cpu.lcf = rc;
}

const writes = (op: Alu): boolean => op !== Alu.Cmp && op !== Alu.Test;

/** Any form: E,G / G,E / E,I / AL-rAX,I at any size. */
function aluGeneric(op: Alu): H {
  const w = writes(op);
  return (cpu, i) => {
    const s = i.s0;
    const a = w ? rdRmw(cpu, i) : cpu.rd(i, 0); const ah = s === 8 ? cpu.hi : 0;
    const b = cpu.rd(i, 1); const bh = s === 8 ? cpu.hi : 0;
    const r = aluCompute(cpu, op, s, a, ah, b, bh);
    const h = rh;
    if (w) cpu.wr(i, 0, r, h, true);
    rh = h;
    record(cpu, s, a, ah, b, bh, r);
  };
}

/** reg32 op reg32 / imm32. */
function alu32(op: Alu, imm: boolean): H {
  const w = writes(op);
  return (cpu, i) => {
    const regs = cpu.regs;
    const d = i.r0 << 1;
    const a = regs[d] >>> 0;
    const b = imm ? i.imm : regs[i.r1 << 1] >>> 0;
    const r = aluCompute(cpu, op, 4, a, 0, b, 0);
    if (w) { regs[d] = r; regs[d + 1] = 0; } // 32-bit results zero-extend (SDM vol 1, 3.4.1.1)
    record(cpu, 4, a, 0, b, 0, r);
  };
}

/** reg64 op reg64 / sign-extended imm32. */
function alu64(op: Alu, imm: boolean): H {
  const w = writes(op);
  return (cpu, i) => {
    const regs = cpu.regs;
    const d = i.r0 << 1;
    const a = regs[d] >>> 0, ah = regs[d + 1];
    let b: number, bh: number;
    if (imm) { b = i.imm; bh = i.immHi; } else { const k = i.r1 << 1; b = regs[k] >>> 0; bh = regs[k + 1]; }
    const r = aluCompute(cpu, op, 8, a, ah, b, bh);
    if (w) { regs[d] = r; regs[d + 1] = rh; }
    record(cpu, 8, a, ah, b, bh, r);
  };
}

function aluHandler(op: Alu): H {
  const generic = aluGeneric(op);
  const rr32 = alu32(op, false), ri32 = alu32(op, true);
  const rr64 = alu64(op, false), ri64 = alu64(op, true);
  return quicken((i) => {
    if (i.k0 !== OpKind.Reg) return generic;
    if (i.k1 === OpKind.Reg) return i.s0 === 4 ? rr32 : i.s0 === 8 ? rr64 : generic;
    if (i.k1 === OpKind.Imm) return i.s0 === 4 ? ri32 : i.s0 === 8 ? ri64 : generic;
    return generic;
  });
}

// ------------------------------------------------------------- INC/DEC

/** SDM vol 2A, INC / DEC: CF is not affected; OF SF ZF AF PF from the result. */
function incdecGeneric(d: number): H {
  return (cpu, i) => {
    const s = i.s0;
    const a = rdRmw(cpu, i); const ah = s === 8 ? cpu.hi : 0;
    const t = a + d;
    let r: number, h = 0;
    if (s === 8) { r = t >>> 0; h = (ah + (t >= TWO32 ? 1 : t < 0 ? -1 : 0)) | 0; }
    else r = s === 4 ? t >>> 0 : t & MASK[s];
    cpu.wr(i, 0, r, h, true);
    const cf = getCF(cpu) ? 1 : 0;
    lazy(cpu, d > 0 ? LazyOp.Inc : LazyOp.Dec, s, a, ah, 1, 0, r, h);
    cpu.lcf = cf;
  };
}

function incdecReg(d: number, s: number): H {
  return (cpu, i) => {
    const regs = cpu.regs;
    const k = i.r0 << 1;
    const a = regs[k] >>> 0, ah = s === 8 ? regs[k + 1] : 0;
    const t = a + d;
    const r = t >>> 0;
    const h = s === 8 ? (ah + (t >= TWO32 ? 1 : t < 0 ? -1 : 0)) | 0 : 0;
    regs[k] = r; regs[k + 1] = h;
    const cf = getCF(cpu) ? 1 : 0;
    lazy(cpu, d > 0 ? LazyOp.Inc : LazyOp.Dec, s, a, ah, 1, 0, r, h);
    cpu.lcf = cf;
  };
}

function incdecHandler(d: number): H {
  const generic = incdecGeneric(d), r32 = incdecReg(d, 4), r64 = incdecReg(d, 8);
  return quicken((i) => i.k0 !== OpKind.Reg ? generic : i.s0 === 4 ? r32 : i.s0 === 8 ? r64 : generic);
}

// ------------------------------------------------------------- NEG/NOT

/** SDM vol 2B, NEG: DEST ← 0 − DEST; CF ← (DEST ≠ 0); other flags as SUB 0, DEST. */
const neg: H = (cpu, i) => {
  const s = i.s0;
  const a = rdRmw(cpu, i); const ah = s === 8 ? cpu.hi : 0;
  let r: number, h = 0;
  if (s === 8) { r = (0 - a) >>> 0; h = (0 - ah - (a !== 0 ? 1 : 0)) | 0; }
  else r = s === 4 ? (0 - a) >>> 0 : (0 - a) & MASK[s];
  cpu.wr(i, 0, r, h, true);
  lazy(cpu, LazyOp.Sub, s, 0, 0, a, ah, r, h);
};

/** SDM vol 2B, NOT: one's complement; no flags. */
const not: H = (cpu, i) => {
  const s = i.s0;
  const a = rdRmw(cpu, i); const ah = s === 8 ? cpu.hi : 0;
  cpu.wr(i, 0, s === 4 || s === 8 ? ~a >>> 0 : ~a & MASK[s], ~ah, true);
};

export const aluHandlers: Record<string, H> = {
  add: aluHandler(Alu.Add), or: aluHandler(Alu.Or), adc: aluHandler(Alu.Adc), sbb: aluHandler(Alu.Sbb),
  and: aluHandler(Alu.And), sub: aluHandler(Alu.Sub), xor: aluHandler(Alu.Xor), cmp: aluHandler(Alu.Cmp),
  test: aluHandler(Alu.Test),
  inc: incdecHandler(1), dec: incdecHandler(-1),
  neg, not,
};

export type { Insn };
