// MUL, IMUL (one-, two- and three-operand forms), DIV and IDIV (SDM vol 2A
// "IMUL", vol 2B "MUL", vol 2A "DIV"/"IDIV"). 64-bit products and quotients
// are computed on 32-bit halves (no BigInt): 16-bit limbs for products and a
// shift-subtract loop for the 128/64 division.
//
// Flags: MUL/IMUL set CF=OF when the result does not fit the destination
// (SF ZF AF PF undefined: we compute SF/ZF/PF from the low result, AF=0);
// DIV/IDIV leave all six undefined (we leave them unchanged). #DE when the
// divisor is 0 or the quotient does not fit, before anything is written.
import type { Cpu } from '../cpu';
import type { Insn } from '../decode/insn';
import { OpKind } from '../decode/insn';
import { CpuFault } from '../fault';
import { H, TWO32, explicit, sx, quicken } from './int-util';

// ------------------------------------------------------------ products

/** 128-bit product scratch: p0 (bits 31:0) .. p3 (bits 127:96), unsigned 32-bit each. */
let p0 = 0, p1 = 0, p2 = 0, p3 = 0;
/** High 32 bits of the last mul32 product. */
let mhi = 0;

/** Unsigned 32 x 32 → 64: returns the low half, high half in mhi. */
function mul32(a: number, b: number): number {
  const a0 = a & 0xffff, a1 = a >>> 16, b0 = b & 0xffff, b1 = b >>> 16;
  const m00 = a0 * b0, m01 = a0 * b1, m10 = a1 * b0;
  const mid = (m00 >>> 16) + (m01 & 0xffff) + (m10 & 0xffff);
  mhi = (a1 * b1 + (m01 >>> 16) + (m10 >>> 16) + Math.floor(mid / 0x10000)) >>> 0;
  return Math.imul(a, b) >>> 0;
}

/** Unsigned 64 x 64 → 128 into p0..p3. */
function mul64u(al: number, ah: number, bl: number, bh: number): void {
  const ll = mul32(al, bl), llh = mhi;
  const lh = mul32(al, bh), lhh = mhi;
  const hl = mul32(ah, bl), hlh = mhi;
  const hh = mul32(ah, bh), hhh = mhi;
  p0 = ll;
  let t = llh + lh + hl;
  p1 = t >>> 0;
  t = Math.floor(t / TWO32) + lhh + hlh + hh;
  p2 = t >>> 0;
  p3 = (Math.floor(t / TWO32) + hhh) >>> 0;
}

/** Signed 64 x 64 → 128 (two's complement) into p0..p3: unsigned product minus the sign corrections on the top half. */
function mul64s(al: number, ah: number, bl: number, bh: number): void {
  mul64u(al >>> 0, ah >>> 0, bl >>> 0, bh >>> 0);
  if (ah < 0) sub64hi(bl >>> 0, bh >>> 0);
  if (bh < 0) sub64hi(al >>> 0, ah >>> 0);
}

function sub64hi(l: number, h: number): void {
  const t = p2 - l;
  p2 = t >>> 0;
  p3 = (p3 - h - (t < 0 ? 1 : 0)) >>> 0;
}

/** SDM vol 2B, MUL: unsigned; AX ← AL*src, DX:AX, EDX:EAX, RDX:RAX. CF=OF ← upper half ≠ 0. */
const mul: H = (cpu, i) => {
  const s = i.s0;
  const b = cpu.rd(i, 0); const bh = s === 8 ? cpu.hi : 0;
  const regs = cpu.regs;
  let lo: number, hi: number, of: number;
  if (s === 1) {
    const p = (regs[0] & 0xff) * b;
    cpu.setReg(0, 2, p);
    of = p > 0xff ? 1 : 0;
    explicit(cpu, 1, p & 0xff, 0, of, of);
    return;
  }
  if (s === 2) {
    const p = (regs[0] & 0xffff) * b;
    lo = p & 0xffff; hi = p >>> 16;
    cpu.setReg(0, 2, lo); cpu.setReg(2, 2, hi);
    of = hi !== 0 ? 1 : 0;
    explicit(cpu, 2, lo, 0, of, of);
    return;
  }
  if (s === 4) {
    lo = mul32(regs[0] >>> 0, b); hi = mhi;
    regs[0] = lo; regs[1] = 0; regs[4] = hi; regs[5] = 0;
    of = hi !== 0 ? 1 : 0;
    explicit(cpu, 4, lo, 0, of, of);
    return;
  }
  mul64u(regs[0] >>> 0, regs[1] >>> 0, b, bh >>> 0);
  regs[0] = p0; regs[1] = p1; regs[4] = p2; regs[5] = p3;
  of = p2 !== 0 || p3 !== 0 ? 1 : 0;
  explicit(cpu, 8, p0, p1, of, of);
};

/** SDM vol 2A, IMUL one-operand form: signed, full-width product; CF=OF ← product ≠ sign-extend(low half). */
const imul1: H = (cpu, i) => {
  const s = i.s0;
  const b = cpu.rd(i, 0); const bh = s === 8 ? cpu.hi : 0;
  const regs = cpu.regs;
  let of: number;
  if (s === 1 || s === 2) {
    const p = sx(regs[0], s) * sx(b, s);
    const lo = s === 1 ? p & 0xff : p & 0xffff;
    if (s === 1) cpu.setReg(0, 2, p & 0xffff);
    else { cpu.setReg(0, 2, lo); cpu.setReg(2, 2, (p >> 16) & 0xffff); }
    of = sx(p, s) !== p ? 1 : 0;
    explicit(cpu, s, lo, 0, of, of);
    return;
  }
  if (s === 4) {
    const a = regs[0] | 0, bs = b | 0;
    const lo = mul32(a >>> 0, bs >>> 0);
    // Signed high half: unsigned high minus the sign corrections.
    const hi = (mhi - (a < 0 ? bs >>> 0 : 0) - (bs < 0 ? a >>> 0 : 0)) | 0;
    regs[0] = lo; regs[1] = 0; regs[4] = hi; regs[5] = 0;
    of = hi !== (lo | 0) >> 31 ? 1 : 0;
    explicit(cpu, 4, lo, 0, of, of);
    return;
  }
  mul64s(regs[0], regs[1], b, bh);
  regs[0] = p0; regs[1] = p1; regs[4] = p2; regs[5] = p3;
  const sign = (p1 | 0) >> 31;
  of = (p2 | 0) !== sign || (p3 | 0) !== sign ? 1 : 0;
  explicit(cpu, 8, p0, p1, of, of);
};

/**
 * Truncated signed product of a and b at size s (2-/3-operand IMUL):
 * returns the low half (high half of a 64-bit result in mulH), overflow in mulOf.
 */
let mulH = 0, mulOf = 0;
function imulTrunc(s: number, a: number, ah: number, b: number, bh: number): number {
  if (s === 2) {
    const p = sx(a, 2) * sx(b, 2);
    mulOf = sx(p, 2) !== p ? 1 : 0;
    return p & 0xffff;
  }
  if (s === 4) {
    const as = a | 0, bs = b | 0;
    const lo = mul32(as >>> 0, bs >>> 0);
    const hi = (mhi - (as < 0 ? bs >>> 0 : 0) - (bs < 0 ? as >>> 0 : 0)) | 0;
    mulOf = hi !== (lo | 0) >> 31 ? 1 : 0;
    return lo;
  }
  mul64s(a, ah, b, bh);
  const sign = (p1 | 0) >> 31;
  mulOf = (p2 | 0) !== sign || (p3 | 0) !== sign ? 1 : 0;
  mulH = p1 | 0;
  return p0;
}

/** SDM vol 2A, IMUL r, r/m (0F AF) and IMUL r, r/m, imm (69, 6B): DEST ← truncated product. */
function imulN(srcSlot: number, immSlot: number): H {
  return (cpu: Cpu, i: Insn) => {
    const s = i.s0;
    const a = cpu.rd(i, srcSlot); const ah = s === 8 ? cpu.hi : 0;
    const b = cpu.rd(i, immSlot); const bh = s === 8 ? cpu.hi : 0;
    const lo = imulTrunc(s, a, ah, b, bh);
    const hi = s === 8 ? mulH : 0;
    cpu.setReg(i.r0, s, lo, hi);
    explicit(cpu, s, lo, hi, mulOf, mulOf);
  };
}

const imul2Generic = imulN(0, 1);
/** Fast path: 32-bit register × register. */
const imul2RR32: H = (cpu, i) => {
  const regs = cpu.regs;
  const d = i.r0 << 1;
  const lo = imulTrunc(4, regs[d], 0, regs[i.r1 << 1], 0);
  regs[d] = lo; regs[d + 1] = 0;
  explicit(cpu, 4, lo, 0, mulOf, mulOf);
};
const imul2 = quicken((i) => i.k1 === OpKind.Reg && i.s0 === 4 ? imul2RR32 : imul2Generic);
const imul3 = imulN(1, 2);

// ------------------------------------------------------------ division

/** 64-bit quotient/remainder scratch. */
let qlo = 0, qhi = 0, rlo = 0, rhi = 0;

/**
 * Unsigned (nhh:nhl:nlh:nll) / (dh:dl), 128 by 64 bits, caller guarantees
 * the quotient fits 64 bits (n_hi < d). Result in qlo/qhi/rlo/rhi.
 */
function divu128(nhh: number, nhl: number, nlh: number, nll: number, dh: number, dl: number): void {
  if (nhh === 0 && nhl === 0 && nlh < 0x200000 && dh < 0x200000) {
    // Both below 2^53: exact in doubles (floor(n/d) is exact for n < 2^53).
    const n = nlh * TWO32 + nll, d = dh * TWO32 + dl;
    let q = Math.floor(n / d);
    let r = n - q * d;
    if (r < 0) { q--; r += d; } else if (r >= d) { q++; r -= d; }
    qlo = q >>> 0; qhi = Math.floor(q / TWO32) >>> 0;
    rlo = r >>> 0; rhi = Math.floor(r / TWO32) >>> 0;
    return;
  }
  // Restoring division, one quotient bit per step: remainder (r1:r0 plus a
  // 65th bit) shifted left, the next dividend bit shifted in.
  let r1 = nhh, r0 = nhl;
  let q1 = nlh, q0 = nll; // the low dividend half; quotient bits replace it from the right
  for (let k = 0; k < 64; k++) {
    const top = r1 >>> 31;
    r1 = ((r1 << 1) | (r0 >>> 31)) >>> 0;
    r0 = ((r0 << 1) | (q1 >>> 31)) >>> 0;
    q1 = ((q1 << 1) | (q0 >>> 31)) >>> 0;
    q0 = (q0 << 1) >>> 0;
    if (top || r1 > dh || (r1 === dh && r0 >= dl)) {
      const t = r0 - dl;
      r0 = t >>> 0;
      r1 = (r1 - dh - (t < 0 ? 1 : 0)) >>> 0;
      q0 = (q0 | 1) >>> 0;
    }
  }
  qlo = q0; qhi = q1; rlo = r0; rhi = r1;
}

const de = (what: string): CpuFault => new CpuFault(0, -1, 0, what);

/** SDM vol 2A, DIV: unsigned AX / r/m8, DX:AX, EDX:EAX, RDX:RAX; #DE on zero divisor or quotient overflow. */
const div: H = (cpu, i) => {
  const s = i.s0;
  const d = cpu.rd(i, 0); const dh = s === 8 ? cpu.hi >>> 0 : 0;
  const regs = cpu.regs;
  if (d === 0 && dh === 0) throw de('divide by zero');
  if (s === 1 || s === 2) {
    const n = s === 1 ? regs[0] & 0xffff : (regs[4] & 0xffff) * 0x10000 + (regs[0] & 0xffff);
    const q = Math.floor(n / d);
    if (q > (s === 1 ? 0xff : 0xffff)) throw de('quotient too large');
    const r = n - q * d;
    if (s === 1) cpu.setReg(0, 2, q | (r << 8));
    else { cpu.setReg(0, 2, q); cpu.setReg(2, 2, r); }
    return;
  }
  if (s === 4) {
    const nh = regs[4] >>> 0, nl = regs[0] >>> 0;
    if (nh >= d) throw de('quotient too large');
    // Two 16-bit digit steps keep every intermediate below 2^48.
    const n1 = nh * 0x10000 + (nl >>> 16);
    const q1 = Math.floor(n1 / d);
    const n0 = (n1 - q1 * d) * 0x10000 + (nl & 0xffff);
    const q0 = Math.floor(n0 / d);
    regs[0] = q1 * 0x10000 + q0; regs[1] = 0;
    regs[4] = n0 - q0 * d; regs[5] = 0;
    return;
  }
  const nhh = regs[5] >>> 0, nhl = regs[4] >>> 0;
  if (nhh > dh || (nhh === dh && nhl >= d)) throw de('quotient too large');
  divu128(nhh, nhl, regs[1] >>> 0, regs[0] >>> 0, dh, d);
  regs[0] = qlo; regs[1] = qhi; regs[4] = rlo; regs[5] = rhi;
};

/**
 * SDM vol 2A, IDIV: signed; quotient truncated toward zero, remainder takes
 * the dividend's sign. #DE on zero divisor or a quotient outside the signed
 * range of the operand size (including −2^(n−1) / −1).
 */
const idiv: H = (cpu, i) => {
  const s = i.s0;
  const d = cpu.rd(i, 0); const dh = s === 8 ? cpu.hi : 0;
  const regs = cpu.regs;
  if (d === 0 && dh === 0) throw de('divide by zero');
  if (s === 1 || s === 2 || s === 4) {
    const ds = sx(d, s);
    let q: number, r: number;
    if (s === 4) {
      // |dividend| < 2^63 does not fit a double; divide the magnitudes on halves.
      const nh = regs[4] | 0, nl = regs[0] >>> 0;
      const neg = nh < 0;
      let mh = nh >>> 0, ml = nl;
      if (neg) { ml = (0 - nl) >>> 0; mh = (~nh + (nl === 0 ? 1 : 0)) >>> 0; }
      const md = Math.abs(ds);
      if (mh >= md) throw de('quotient too large');
      const n1 = mh * 0x10000 + (ml >>> 16);
      const q1 = Math.floor(n1 / md);
      const n0 = (n1 - q1 * md) * 0x10000 + (ml & 0xffff);
      const q0 = Math.floor(n0 / md);
      const qm = q1 * 0x10000 + q0;
      const rm = n0 - q0 * md;
      q = neg !== ds < 0 ? -qm : qm;
      r = neg ? -rm : rm;
      if (q > 0x7fffffff || q < -0x80000000) throw de('quotient too large');
      regs[0] = q; regs[1] = 0; regs[4] = r; regs[5] = 0;
      return;
    }
    const n = s === 1 ? sx(regs[0], 2) : ((regs[4] << 16) | (regs[0] & 0xffff));
    q = Math.trunc(n / ds);
    r = n - q * ds;
    const lim = s === 1 ? 0x80 : 0x8000;
    if (q >= lim || q < -lim) throw de('quotient too large');
    if (s === 1) cpu.setReg(0, 2, (q & 0xff) | ((r & 0xff) << 8));
    else { cpu.setReg(0, 2, q & 0xffff); cpu.setReg(2, 2, r & 0xffff); }
    return;
  }
  // 128 / 64: magnitudes, unsigned division, then signs and the range check.
  let n3 = regs[5] >>> 0, n2 = regs[4] >>> 0, n1 = regs[1] >>> 0, n0 = regs[0] >>> 0;
  const nneg = n3 >>> 31 !== 0;
  if (nneg) {
    // Two's complement negate of the 128-bit dividend.
    n0 = (~n0 + 1) >>> 0; let c = n0 === 0 ? 1 : 0;
    n1 = (~n1 + c) >>> 0; c = c && n1 === 0 ? 1 : 0;
    n2 = (~n2 + c) >>> 0; c = c && n2 === 0 ? 1 : 0;
    n3 = (~n3 + c) >>> 0;
  }
  let ml = d >>> 0, mh = dh >>> 0;
  const dneg = dh < 0;
  if (dneg) { ml = (~ml + 1) >>> 0; mh = (~mh + (ml === 0 ? 1 : 0)) >>> 0; }
  // The magnitude quotient must fit 64 bits for the division loop, and 63 bits (or 2^63 when negative) for IDIV.
  if (n3 > mh || (n3 === mh && n2 >= ml)) throw de('quotient too large');
  divu128(n3, n2, n1, n0, mh, ml);
  const qneg = nneg !== dneg;
  if (qhi > 0x80000000 || (qhi === 0x80000000 && (qlo !== 0 || !qneg))) throw de('quotient too large');
  let ql = qlo, qh = qhi, rl = rlo, rh = rhi;
  if (qneg) { ql = (~ql + 1) >>> 0; qh = (~qh + (ql === 0 ? 1 : 0)) >>> 0; }
  if (nneg) { rl = (~rl + 1) >>> 0; rh = (~rh + (rl === 0 ? 1 : 0)) >>> 0; }
  regs[0] = ql; regs[1] = qh; regs[4] = rl; regs[5] = rh;
};

export const muldivHandlers: Record<string, H> = { mul, imul1, imul2, imul3, div, idiv };
