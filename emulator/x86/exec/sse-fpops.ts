// Scalar IEEE operations on binary32 / binary64 bit patterns, as one SSE
// lane computes them: NaN propagation, DAZ, the pre-computation exceptions
// (IE, ZE, DE) in the SDM's priority order, then the exact result handed to
// the rounding core (sse-round.ts). binary32 values are ints; binary64 values
// are (lo, hi) pairs with results' bits 63:32 in fp.hi.
//
// Rules (SDM vol 1, 4.8.3.5 table 4-7 and 4.9.2; vol 1 appendix E tables E-1..E-12):
// - a NaN operand: the result is the first source (destination) operand if
//   it is a NaN, else the second, quieted; IE if either is a signaling NaN;
//   no other exception (a NaN operand also suppresses DE).
// - DAZ replaces denormal sources with zero of the same sign before anything else.
// - invalid operations (inf - inf, 0 * inf, 0 / 0, inf / inf, sqrt of a
//   negative) give the default QNaN (negative, quiet bit only) and IE;
//   x / 0 gives infinity and ZE; both take priority over DE.
// - DE for a denormal source, then OE/UE/PE from the rounding.
import {
  fp, Rc, f32val, f32bits, f64val, f64bits, scale2, exponentOf, twoSumErr, twoProdErr, sign,
  round32, round64,
} from './sse-round';
import { Mx } from './sse-common';

const TWO32 = 0x1_0000_0000;

export const enum Op { Add = 0, Sub = 1, Mul = 2, Div = 3, Min = 4, Max = 5 }

const QNAN32 = 0xffc00000 | 0; // the default NaN ("real indefinite", SDM vol 1, 4.8.3.7)
const QNAN64_HI = 0xfff80000 | 0;

export const isNaN32 = (b: number): boolean => (b & 0x7fffffff) > 0x7f800000;
const isSNaN32 = (b: number): boolean => (b & 0x7fffffff) > 0x7f800000 && (b & 0x400000) === 0;
const isDen32 = (b: number): boolean => (b & 0x7f800000) === 0 && (b & 0x7fffff) !== 0;
export function isNaN64(lo: number, hi: number): boolean {
  const h = hi & 0x7fffffff;
  return h > 0x7ff00000 || (h === 0x7ff00000 && lo !== 0);
}
const isSNaN64 = (lo: number, hi: number): boolean => isNaN64(lo, hi) && (hi & 0x80000) === 0;
const isDen64 = (lo: number, hi: number): boolean => (hi & 0x7ff00000) === 0 && ((hi & 0xfffff) !== 0 || lo !== 0);

/** Inputs of the current binary64 lane after DAZ (set by prep64). */
let xa = 0, xb = 0, den = false;

// ------------------------------------------------------------ binary32

const MIN32 = 1.1754943508222875e-38, MAX32 = 3.4028234663852886e38;
const MIN64 = 2.2250738585072014e-308, MAX64 = 1.7976931348623157e308;

/** One binary32 lane of ADD/SUB/MUL/DIV/MIN/MAX (first operand = destination). */
export function arith32(op: Op, a: number, b: number): number {
  if (fp.quick && op < Op.Min) {
    // Both operands normal, result normal: the host's binary64 result rounded
    // once more to binary32 is correctly rounded for + - * / (53 >= 2 * 24 + 2).
    const ea = (a >>> 23) & 0xff, eb = (b >>> 23) & 0xff;
    if (ea !== 0 && ea !== 0xff && eb !== 0 && eb !== 0xff) {
      const x = f32val(a), y = f32val(b);
      const r = op === Op.Add ? x + y : op === Op.Sub ? x - y : op === Op.Mul ? x * y : x / y;
      const m = r < 0 ? -r : r;
      if (m >= MIN32 && m <= MAX32) { const f = Math.fround(r); if (f !== Infinity && f !== -Infinity) return f32bits(f); }
    }
  }
  if (isNaN32(a) || isNaN32(b)) {
    // MIN/MAX return the second operand for any NaN and signal IE even for QNaNs (SDM vol 2B, MINPS).
    // The returned source has been through DAZ like any other input.
    if (op >= Op.Min) { fp.flags |= Mx.IE; return fp.daz && isDen32(b) ? b & 0x80000000 : b; }
    if (isSNaN32(a) || isSNaN32(b)) fp.flags |= Mx.IE;
    return (isNaN32(a) ? a : b) | 0x400000;
  }
  den = false;
  if (isDen32(a)) { if (fp.daz) a &= 0x80000000; else den = true; }
  if (isDen32(b)) { if (fp.daz) b &= 0x80000000; else den = true; }
  const x = f32val(a), y = f32val(b);
  switch (op) {
    case Op.Add: return add32(x, y, a, b);
    case Op.Sub: return add32(x, -y, a, b ^ 0x80000000);
    case Op.Mul: {
      if ((x === 0 && !isFinite(y)) || (y === 0 && !isFinite(x))) { fp.flags |= Mx.IE; return QNAN32; }
      if (den) fp.flags |= Mx.DE;
      const p = x * y; // 24 x 24 bits: exact in a double
      if (p === 0 || !isFinite(p)) return f32bits(p);
      return round32(p, 0);
    }
    case Op.Div: {
      if ((x === 0 && y === 0) || (!isFinite(x) && !isFinite(y))) { fp.flags |= Mx.IE; return QNAN32; }
      // Division by zero is a finite nonzero dividend over zero; infinity / 0 is an exact infinity.
      if (y === 0) { if (isFinite(x)) fp.flags |= Mx.ZE; return ((a ^ b) & 0x80000000) | 0x7f800000; }
      if (den) fp.flags |= Mx.DE;
      const q = x / y;
      if (q === 0 || !isFinite(q)) return f32bits(q);
      const p = q * y;
      return round32(q, sign((x - p) - twoProdErr(q, y, p)) * sign(y));
    }
    case Op.Min: case Op.Max: {
      if (den) fp.flags |= Mx.DE;
      // Equal values (both zeros of any sign) return the second operand (SDM vol 2B, MINPS/MAXPS).
      return (op === Op.Max ? x > y : x < y) ? a : b;
    }
  }
  return 0;
}

function add32(x: number, y: number, a: number, b: number): number {
  if (!isFinite(x) && !isFinite(y) && x !== y) { fp.flags |= Mx.IE; return QNAN32; }
  if (den) fp.flags |= Mx.DE;
  const s = x + y; // binary32 operands cannot overflow a double
  if (!isFinite(s)) return f32bits(s);
  if (s === 0) return zeroSum32(a, b);
  return round32(s, sign(twoSumErr(x, y, s)));
}

/**
 * An exact zero sum: +0, except -0 when rounding down, or when both
 * addends are -0 (IEEE 754-2008, 6.3). `b` is the addend as added (sign
 * already flipped for SUB).
 */
function zeroSum32(a: number, b: number): number {
  const bothZero = (a & 0x7fffffff) === 0 && (b & 0x7fffffff) === 0;
  if (fp.rc === Rc.Down) return bothZero && ((a | b) & 0x80000000) === 0 ? 0 : 0x80000000 | 0;
  return bothZero ? (a & b & 0x80000000) | 0 : 0;
}

/** SQRTSS lane. */
export function sqrt32(b: number): number {
  // Positive normal: the result is normal and the double rounding is correct (53 >= 2 * 24 + 2).
  if (fp.quick && b > 0 && b < 0x7f800000 && b >= 0x00800000) return f32bits(Math.fround(Math.sqrt(f32val(b))));
  if (isNaN32(b)) { if (isSNaN32(b)) fp.flags |= Mx.IE; return b | 0x400000; }
  let d = false;
  if (isDen32(b)) { if (fp.daz) b &= 0x80000000; else d = true; }
  const x = f32val(b);
  if (x === 0) return b;
  if (x < 0) { fp.flags |= Mx.IE; return QNAN32; }
  if (d) fp.flags |= Mx.DE;
  if (!isFinite(x)) return b;
  const r = Math.sqrt(x);
  const p = r * r;
  return round32(r, sign((x - p) - twoProdErr(r, r, p)));
}

/** CMPPS/CMPSS predicate imm8[2:0] on one lane: true = all-ones (SDM vol 2A, CMPPS table 3-1). */
export function cmp32(pred: number, a: number, b: number): boolean {
  if (isNaN32(a) || isNaN32(b)) {
    // LT, LE, NLT, NLE signal on QNaNs too; EQ, UNORD, NEQ, ORD only on SNaNs.
    if (isSNaN32(a) || isSNaN32(b) || (pred & 3) === 1 || (pred & 3) === 2) fp.flags |= Mx.IE;
    return pred === 3 || pred === 4 || pred === 5 || pred === 6;
  }
  if (isDen32(a)) { if (fp.daz) a &= 0x80000000; else fp.flags |= Mx.DE; }
  if (isDen32(b)) { if (fp.daz) b &= 0x80000000; else fp.flags |= Mx.DE; }
  return cmpValues(pred, f32val(a), f32val(b));
}

function cmpValues(pred: number, x: number, y: number): boolean {
  switch (pred) {
    case 0: return x === y;
    case 1: return x < y;
    case 2: return x <= y;
    case 3: return false;
    case 4: return x !== y;
    case 5: return !(x < y);
    case 6: return !(x <= y);
    default: return true;
  }
}

/**
 * COMISS/UCOMISS: ZF,PF,CF = 111 unordered, 000 greater, 001 less, 100
 * equal (SDM vol 2A, COMISS). COMIS* signal IE on any NaN, UCOMIS* on SNaNs only.
 * Returns a comparison code: 0 greater, 1 less, 2 equal, 3 unordered.
 */
export function comi32(a: number, b: number, signalQuiet: boolean): number {
  if (isNaN32(a) || isNaN32(b)) {
    if (signalQuiet || isSNaN32(a) || isSNaN32(b)) fp.flags |= Mx.IE;
    return 3;
  }
  if (isDen32(a)) { if (fp.daz) a &= 0x80000000; else fp.flags |= Mx.DE; }
  if (isDen32(b)) { if (fp.daz) b &= 0x80000000; else fp.flags |= Mx.DE; }
  const x = f32val(a), y = f32val(b);
  return x > y ? 0 : x < y ? 1 : 2;
}

// ------------------------------------------------------------ binary64

/** NaN and DAZ handling shared by the binary64 operations; returns true when the lane's result is decided (NaN). */
function nan64(op: Op, alo: number, ahi: number, blo: number, bhi: number): boolean {
  const an = isNaN64(alo, ahi), bn = isNaN64(blo, bhi);
  if (!an && !bn) return false;
  if (op >= Op.Min) {
    fp.flags |= Mx.IE;
    if (fp.daz && isDen64(blo, bhi)) { fp.hi = bhi & 0x80000000; xa = 0; } else { fp.hi = bhi; xa = blo; }
    return true;
  }
  if (isSNaN64(alo, ahi) || isSNaN64(blo, bhi)) fp.flags |= Mx.IE;
  if (an) { fp.hi = ahi | 0x80000; xa = alo; } else { fp.hi = bhi | 0x80000; xa = blo; }
  return true;
}

function prep64(alo: number, ahi: number, blo: number, bhi: number): void {
  den = false;
  if (isDen64(alo, ahi)) { if (fp.daz) { alo = 0; ahi &= 0x80000000; } else den = true; }
  if (isDen64(blo, bhi)) { if (fp.daz) { blo = 0; bhi &= 0x80000000; } else den = true; }
  xa = f64val(alo, ahi); xb = f64val(blo, bhi);
}

/** One binary64 lane; returns bits 31:0, bits 63:32 in fp.hi. */
export function arith64(op: Op, alo: number, ahi: number, blo: number, bhi: number): number {
  if (fp.quick && op < Op.Min) {
    const ea = (ahi >>> 20) & 0x7ff, eb = (bhi >>> 20) & 0x7ff;
    if (ea !== 0 && ea !== 0x7ff && eb !== 0 && eb !== 0x7ff) {
      const x = f64val(alo, ahi), y = f64val(blo, bhi);
      const r = op === Op.Add ? x + y : op === Op.Sub ? x - y : op === Op.Mul ? x * y : x / y;
      const m = r < 0 ? -r : r;
      // Strictly above 2^-1022: the host may have rounded a tiny exact value up to exactly 2^-1022.
      if (m > MIN64 && m <= MAX64) return f64bits(r);
    }
  }
  if (nan64(op, alo, ahi, blo, bhi)) return xa;
  prep64(alo, ahi, blo, bhi);
  const x = xa, y = op === Op.Sub ? -xb : xb;
  switch (op) {
    case Op.Add: case Op.Sub: {
      if (!isFinite(x) && !isFinite(y) && x !== y) return invalid64();
      if (den) fp.flags |= Mx.DE;
      const s = x + y;
      if (s === 0) return zeroSum64(x, y);
      if (!isFinite(s)) {
        if (!isFinite(x) || !isFinite(y)) return f64bits(s);
        // Overflowed on the host: redo a quarter of it to get the exact error (only huge operands get here).
        const x4 = x * 0.25, y4 = y * 0.25, s4 = x4 + y4;
        return round64(s4, sign(twoSumErr(x4, y4, s4)), 2);
      }
      return round64(s, sign(twoSumErr(x, y, s)), 0);
    }
    case Op.Mul: {
      if ((x === 0 && !isFinite(y)) || (y === 0 && !isFinite(x))) return invalid64();
      if (den) fp.flags |= Mx.DE;
      if (x === 0 || y === 0 || !isFinite(x) || !isFinite(y)) return f64bits(x * y);
      const ex = exponentOf(x), ey = exponentOf(y);
      if (ex <= 480 && ex >= -480 && ey <= 480 && ey >= -480) {
        const p = x * y;
        return round64(p, sign(twoProdErr(x, y, p)), 0);
      }
      // Scale both into [1, 2) so the host product neither overflows nor loses bits.
      const xs = scale2(x, -ex), ys = scale2(y, -ey), p = xs * ys;
      return round64(p, sign(twoProdErr(xs, ys, p)), ex + ey);
    }
    case Op.Div: {
      if ((x === 0 && y === 0) || (!isFinite(x) && !isFinite(y))) return invalid64();
      if (y === 0) { if (isFinite(x)) fp.flags |= Mx.ZE; fp.hi = ((ahi ^ bhi) & 0x80000000) | 0x7ff00000; return 0; }
      if (den) fp.flags |= Mx.DE;
      if (x === 0 || !isFinite(x) || !isFinite(y)) return f64bits(x / y);
      const ex = exponentOf(x), ey = exponentOf(y);
      if (ex <= 480 && ex >= -480 && ey <= 480 && ey >= -480) {
        const q = x / y, p = q * y;
        return round64(q, sign((x - p) - twoProdErr(q, y, p)) * sign(y), 0);
      }
      const xs = scale2(x, -ex), ys = scale2(y, -ey), q = xs / ys, p = q * ys;
      return round64(q, sign((xs - p) - twoProdErr(q, ys, p)) * sign(ys), ex - ey);
    }
    default: { // Min, Max
      if (den) fp.flags |= Mx.DE;
      if (op === Op.Max ? x > y : x < y) { cur64(alo, ahi, x); return xa; }
      cur64(blo, bhi, y);
      return xa;
    }
  }
}

/** The chosen MIN/MAX operand: its bits, or a signed zero when DAZ zeroed it. */
function cur64(lo: number, hi: number, v: number): void {
  if (v === 0) { lo = 0; hi &= 0x80000000; }
  xa = lo; fp.hi = hi;
}

function invalid64(): number {
  fp.flags |= Mx.IE;
  fp.hi = QNAN64_HI;
  return 0;
}

function zeroSum64(x: number, y: number): number {
  const nx = x < 0 || Object.is(x, -0), ny = y < 0 || Object.is(y, -0);
  const neg = fp.rc === Rc.Down ? nx || ny || x !== 0 : nx && ny;
  fp.hi = neg ? 0x80000000 | 0 : 0;
  return 0;
}

/** SQRTSD lane. */
export function sqrt64(lo: number, hi: number): number {
  if (fp.quick && hi >= 0x00100000 && hi < 0x7ff00000) return f64bits(Math.sqrt(f64val(lo, hi)));
  if (isNaN64(lo, hi)) { if (isSNaN64(lo, hi)) fp.flags |= Mx.IE; fp.hi = hi | 0x80000; return lo; }
  let d = false;
  if (isDen64(lo, hi)) { if (fp.daz) { lo = 0; hi &= 0x80000000; } else d = true; }
  const x = f64val(lo, hi);
  if (x === 0) { fp.hi = hi; return lo; }
  if (x < 0) return invalid64();
  if (d) fp.flags |= Mx.DE;
  if (!isFinite(x)) { fp.hi = hi; return lo; }
  const e = exponentOf(x);
  const j = e > 900 || e < -900 ? Math.floor(e / 2) : 0;
  const xs = j !== 0 ? scale2(x, -2 * j) : x;
  const r = Math.sqrt(xs), p = r * r;
  return round64(r, sign((xs - p) - twoProdErr(r, r, p)), j);
}

export function cmp64(pred: number, alo: number, ahi: number, blo: number, bhi: number): boolean {
  if (isNaN64(alo, ahi) || isNaN64(blo, bhi)) {
    if (isSNaN64(alo, ahi) || isSNaN64(blo, bhi) || (pred & 3) === 1 || (pred & 3) === 2) fp.flags |= Mx.IE;
    return pred === 3 || pred === 4 || pred === 5 || pred === 6;
  }
  prep64(alo, ahi, blo, bhi);
  if (den) fp.flags |= Mx.DE;
  return cmpValues(pred, xa, xb);
}

export function comi64(alo: number, ahi: number, blo: number, bhi: number, signalQuiet: boolean): number {
  if (isNaN64(alo, ahi) || isNaN64(blo, bhi)) {
    if (signalQuiet || isSNaN64(alo, ahi) || isSNaN64(blo, bhi)) fp.flags |= Mx.IE;
    return 3;
  }
  prep64(alo, ahi, blo, bhi);
  if (den) fp.flags |= Mx.DE;
  return xa > xb ? 0 : xa < xb ? 1 : 2;
}

// ------------------------------------------------------------ conversions

/** CVTSS2SD lane: exact; a SNaN is quieted with IE (SDM vol 1, table E-11). */
export function cvt32to64(b: number): number {
  if (isNaN32(b)) {
    if (isSNaN32(b)) fp.flags |= Mx.IE;
    const m = (b | 0x400000) & 0x7fffff;
    fp.hi = (b & 0x80000000) | 0x7ff00000 | (m >>> 3);
    return (m & 7) << 29;
  }
  if (isDen32(b)) { if (fp.daz) { fp.hi = b & 0x80000000; return 0; } fp.flags |= Mx.DE; }
  return f64bits(f32val(b));
}

/** CVTSD2SS lane: NaNs keep their top significand bits; numbers are rounded. */
export function cvt64to32(lo: number, hi: number): number {
  if (isNaN64(lo, hi)) {
    if (isSNaN64(lo, hi)) fp.flags |= Mx.IE;
    return (hi & 0x80000000) | 0x7fc00000 | ((hi & 0xfffff) << 3) | (lo >>> 29);
  }
  if (isDen64(lo, hi)) { if (fp.daz) return hi & 0x80000000; fp.flags |= Mx.DE; }
  const x = f64val(lo, hi);
  if (x === 0 || !isFinite(x)) return f32bits(x);
  return round32(x, 0);
}

/** A 64-bit integer (lo unsigned part, hi signed) to binary32 or binary64. */
export function cvtI64(lo: number, hi: number, to32: boolean): number {
  const h = hi * TWO32, l = lo >>> 0;
  const u = h + l;
  if (u === 0) { fp.hi = 0; return 0; }
  const su = sign(twoSumErr(h, l, u));
  return to32 ? round32(u, su) : round64(u, su, 0);
}

/** A 32-bit signed integer to binary32 (CVTSI2SS, CVTDQ2PS). */
export function cvtI32to32(v: number): number {
  return v === 0 ? 0 : round32(v | 0, 0);
}

/**
 * binary32/64 value to a signed integer of 32 or 64 bits, rounded by MXCSR.RC
 * or truncated (CVTT*). NaN, infinity and out-of-range give the integer
 * indefinite 80000000H / 8000000000000000H with IE and no PE (SDM vol 1,
 * 4.8.3.7 and table E-8); DE is never raised by these conversions.
 * The source is binary32 bits in `lo` when `isF32`, else (lo, hi). Returns bits 31:0, 63:32 in fp.hi.
 */
export function cvtToInt(isF32: boolean, lo: number, hi: number, to64: boolean, trunc: boolean): number {
  let x: number;
  if (isF32) {
    if (isNaN32(lo)) return indefinite(to64);
    if (fp.daz && isDen32(lo)) lo &= 0x80000000;
    x = f32val(lo);
  } else {
    if (isNaN64(lo, hi)) return indefinite(to64);
    if (fp.daz && isDen64(lo, hi)) { lo = 0; hi &= 0x80000000; }
    x = f64val(lo, hi);
  }
  if (!isFinite(x)) return indefinite(to64);
  const t = Math.trunc(x), frac = x - t;
  let n = t;
  if (frac !== 0) {
    switch (trunc ? Rc.Zero : fp.rc) {
      case Rc.Nearest: {
        const af = frac < 0 ? -frac : frac;
        if (af > 0.5 || (af === 0.5 && t % 2 !== 0)) n = t + (frac < 0 ? -1 : 1);
        break;
      }
      case Rc.Down: if (frac < 0) n = t - 1; break;
      case Rc.Up: if (frac > 0) n = t + 1; break;
      default: break;
    }
  }
  if (to64 ? n < -9223372036854775808 || n >= 9223372036854775808 : n < -2147483648 || n > 2147483647) return indefinite(to64);
  if (frac !== 0) fp.flags |= Mx.PE;
  if (!to64) { fp.hi = 0; return n | 0; }
  const h = Math.floor(n / TWO32);
  fp.hi = h | 0;
  return (n - h * TWO32) | 0;
}

function indefinite(to64: boolean): number {
  fp.flags |= Mx.IE;
  fp.hi = to64 ? 0x80000000 | 0 : 0;
  return to64 ? 0 : 0x80000000 | 0;
}
