// Lazy arithmetic flags (SDM vol 1, 3.4.3.1 and appendix A "EFLAGS cross-
// reference"). A flag-setting instruction records its operation, operand
// size, operands and result; a flag is computed only when something reads it.
import { CpuState } from './state';
import { CF, PF, AF, ZF, SF, OF, ARITH_FLAGS } from './regs';

export const enum LazyOp {
  None = 0, // arithmetic flags are materialized in flagsRest
  Add = 1,
  Adc = 2,
  Sub = 3,
  Sbb = 4,
  Logic = 5, // AND/OR/XOR/TEST: CF=OF=0, AF=0 (undefined architecturally)
  Inc = 6, // CF preserved in lcf
  Dec = 7,
  /** Shifts, rotates, multiplies, bit scans: CF in lcf, OF in lof, AF=0, SF/ZF/PF from the result. */
  Explicit = 8,
  /**
   * 64-bit IMUL (two/three-operand): CF = OF = the signed 128-bit product does
   * not fit in 64 bits (SDM vol 2A, IMUL), computed from la:lah * lb:lbh only
   * when read — the next instruction usually overwrites them.
   */
  Imul64 = 9,
}

/**
 * Does the signed product of two 64-bit values (halves) overflow 64 bits?
 * 16-bit limbs keep every partial product and column sum exact in doubles.
 */
export function imul64Overflows(al: number, ah: number, bl: number, bh: number): boolean {
  const a = [al & 0xffff, al >>> 16, ah & 0xffff, ah >>> 16];
  const b = [bl & 0xffff, bl >>> 16, bh & 0xffff, bh >>> 16];
  // Unsigned 128-bit product in 16-bit limbs.
  const p = [0, 0, 0, 0, 0, 0, 0, 0];
  for (let i = 0; i < 4; i++) {
    let carry = 0;
    for (let j = 0; j < 4; j++) {
      const t = p[i + j] + a[i] * b[j] + carry;
      p[i + j] = t % 0x10000;
      carry = Math.floor(t / 0x10000);
    }
    p[i + 4] += carry;
  }
  // Two's complement correction of the top half for negative operands.
  const sub = (x: number[]): void => {
    let borrow = 0;
    for (let k = 0; k < 4; k++) {
      let t = p[4 + k] - x[k] - borrow;
      borrow = t < 0 ? 1 : 0;
      if (t < 0) t += 0x10000;
      p[4 + k] = t;
    }
  };
  if (ah < 0) sub(b);
  if (bh < 0) sub(a);
  const fill = p[3] >= 0x8000 ? 0xffff : 0;
  return p[4] !== fill || p[5] !== fill || p[6] !== fill || p[7] !== fill;
}

const MASK = [0, 0xff, 0xffff, 0, 0xffffffff];
const SIGN = [0, 0x80, 0x8000, 0, 0x80000000];

/** Parity of the low 8 bits: 1 when the count of set bits is even (PF). */
export const PARITY = new Uint8Array(256);
for (let i = 0; i < 256; i++) {
  let b = 0;
  for (let j = 0; j < 8; j++) b += (i >> j) & 1;
  PARITY[i] = b & 1 ? 0 : 1;
}

/** Unsigned 64-bit a < b on halves. */
function lt64(ah: number, al: number, bh: number, bl: number): boolean {
  ah >>>= 0; bh >>>= 0;
  return ah < bh || (ah === bh && al >>> 0 < bl >>> 0);
}

export function getCF(s: CpuState): boolean {
  switch (s.lop) {
    case LazyOp.None: return (s.flagsRest & CF) !== 0;
    case LazyOp.Add:
      return s.lsz === 8 ? lt64(s.lrh, s.lr, s.lah, s.la) : s.lr >>> 0 < s.la >>> 0;
    case LazyOp.Adc:
      if (s.lsz === 8) return s.lcf ? !lt64(s.lah, s.la, s.lrh, s.lr) : lt64(s.lrh, s.lr, s.lah, s.la);
      return s.lcf ? s.lr >>> 0 <= s.la >>> 0 : s.lr >>> 0 < s.la >>> 0;
    case LazyOp.Sub:
      return s.lsz === 8 ? lt64(s.lah, s.la, s.lbh, s.lb) : s.la >>> 0 < s.lb >>> 0;
    case LazyOp.Sbb:
      if (s.lsz === 8) return s.lcf ? !lt64(s.lbh, s.lb, s.lah, s.la) : lt64(s.lah, s.la, s.lbh, s.lb);
      return s.lcf ? s.la >>> 0 <= s.lb >>> 0 : s.la >>> 0 < s.lb >>> 0;
    case LazyOp.Logic: return false;
    case LazyOp.Imul64: return imul64Overflows(s.la, s.lah, s.lb, s.lbh);
    default: return s.lcf !== 0; // Inc, Dec, Explicit
  }
}

function signOf(s: CpuState, lo: number, hi: number): number {
  return s.lsz === 8 ? hi >>> 31 : (lo & SIGN[s.lsz]) !== 0 ? 1 : 0;
}

export function getZF(s: CpuState): boolean {
  if (s.lop === LazyOp.None) return (s.flagsRest & ZF) !== 0;
  if (s.lsz === 8) return s.lr === 0 && s.lrh === 0;
  return (s.lr & MASK[s.lsz]) === 0;
}

export function getSF(s: CpuState): boolean {
  if (s.lop === LazyOp.None) return (s.flagsRest & SF) !== 0;
  return signOf(s, s.lr, s.lrh) !== 0;
}

export function getPF(s: CpuState): boolean {
  if (s.lop === LazyOp.None) return (s.flagsRest & PF) !== 0;
  return PARITY[s.lr & 0xff] !== 0;
}

export function getAF(s: CpuState): boolean {
  switch (s.lop) {
    case LazyOp.None: return (s.flagsRest & AF) !== 0;
    case LazyOp.Add: case LazyOp.Adc: case LazyOp.Sub: case LazyOp.Sbb:
    case LazyOp.Inc: case LazyOp.Dec:
      return ((s.la ^ s.lb ^ s.lr) & 0x10) !== 0;
    default: return false;
  }
}

export function getOF(s: CpuState): boolean {
  switch (s.lop) {
    case LazyOp.None: return (s.flagsRest & OF) !== 0;
    case LazyOp.Add: case LazyOp.Adc: case LazyOp.Inc: {
      // Overflow when both operands have the same sign and the result differs.
      const a = signOf(s, s.la, s.lah), b = signOf(s, s.lb, s.lbh), r = signOf(s, s.lr, s.lrh);
      return a === b && r !== a;
    }
    case LazyOp.Sub: case LazyOp.Sbb: case LazyOp.Dec: {
      const a = signOf(s, s.la, s.lah), b = signOf(s, s.lb, s.lbh), r = signOf(s, s.lr, s.lrh);
      return a !== b && r !== a;
    }
    case LazyOp.Logic: return false;
    case LazyOp.Imul64: return imul64Overflows(s.la, s.lah, s.lb, s.lbh);
    default: return s.lof !== 0;
  }
}

/** The full RFLAGS value (low 32 bits; bits 63:32 are reserved zero). */
export function getFlags(s: CpuState): number {
  if (s.lop === LazyOp.None) return s.flagsRest >>> 0;
  let f = s.flagsRest & ~ARITH_FLAGS;
  if (getCF(s)) f |= CF;
  if (getPF(s)) f |= PF;
  if (getAF(s)) f |= AF;
  if (getZF(s)) f |= ZF;
  if (getSF(s)) f |= SF;
  if (getOF(s)) f |= OF;
  return f >>> 0;
}

/** Replaces RFLAGS wholesale (bit 1 always set; reserved bits cleared). Callers apply privilege rules. */
export function setFlags(s: CpuState, v: number): void {
  s.flagsRest = ((v & 0x3f7fd5) | 2) >>> 0;
  s.lop = LazyOp.None;
}

/** Materializes pending lazy flags so individual arithmetic bits can be edited. */
export function materialize(s: CpuState): void {
  if (s.lop !== LazyOp.None) setFlags(s, getFlags(s));
}

export function setArith(s: CpuState, mask: number, values: number): void {
  materialize(s);
  s.flagsRest = ((s.flagsRest & ~mask) | (values & mask)) >>> 0;
}

/** Condition codes tttn (SDM vol 1, appendix B table B-1). */
export function testCond(s: CpuState, cc: number): boolean {
  let r: boolean;
  switch (cc >> 1) {
    case 0: r = getOF(s); break;
    case 1: r = getCF(s); break;
    case 2: r = getZF(s); break;
    case 3: r = getCF(s) || getZF(s); break;
    case 4: r = getSF(s); break;
    case 5: r = getPF(s); break;
    case 6: r = getSF(s) !== getOF(s); break;
    default: r = getZF(s) || getSF(s) !== getOF(s); break;
  }
  return cc & 1 ? !r : r;
}

