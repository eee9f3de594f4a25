// IEEE 754 rounding for the SSE floating-point handlers, in plain doubles
// (no BigInt, no allocation). An operation hands over its exact result as
// (u, su, k): u = the exact value rounded to a double at 53 bits with an
// unbounded exponent (the host's round-to-nearest result on values scaled
// into the safe range), su = the sign of (exact - u) known from an
// error-free transformation, and k: exact ~= u * 2^k. roundPack() then
// rounds that to binary32 or binary64 under MXCSR.RC, detecting overflow
// (SDM vol 1, 4.9.1.4), tininess on "the result of rounding with unbounded
// exponent", i.e. after rounding (SDM vol 1, 4.9.1.5), and inexactness, and
// applying FTZ (SDM vol 1, 10.2.3.3; 11.5.2.5).
import type { Cpu } from '../cpu';
import { Mx, simdFault } from './sse-common';

/** Rounding control (SDM vol 1, 4.8.4 table 4-8). */
export const enum Rc { Nearest = 0, Down = 1, Up = 2, Zero = 3 }

/**
 * Per-instruction floating-point context: MXCSR controls and the flags
 * raised so far. Declared locally and exported by name so references in
 * this module stay local variable accesses.
 */
const fp = {
  rc: Rc.Nearest as number,
  daz: false,
  /** FTZ applies only when underflow is masked (SDM vol 1, 10.2.3.3). */
  ftz: false,
  umasked: true,
  omasked: true,
  /**
   * Round to nearest with PE already set and masked: a normal result then
   * needs no exactness analysis (the host's rounding is the right one and
   * PE is sticky), which is the common case in running code.
   */
  quick: false,
  /** Exception flags raised by this instruction (MXCSR bits 5:0). */
  flags: 0,
  /** High half of a binary64 result. */
  hi: 0,
};

/** Reads MXCSR into the context at the start of a floating-point instruction. */
export function fpBegin(cpu: Cpu): void {
  const m = cpu.mxcsr;
  fp.rc = (m >>> Mx.RcShift) & 3;
  fp.daz = (m & Mx.DAZ) !== 0;
  fp.umasked = (m & (Mx.UE << Mx.MaskShift)) !== 0;
  fp.omasked = (m & (Mx.OE << Mx.MaskShift)) !== 0;
  fp.ftz = (m & Mx.FTZ) !== 0 && fp.umasked;
  fp.quick = (m & (Mx.Rc | Mx.PE | (Mx.PE << Mx.MaskShift))) === (Mx.PE | (Mx.PE << Mx.MaskShift));
  fp.flags = 0;
}

/**
 * Ends a floating-point instruction: merges the raised flags into MXCSR and
 * raises #XM for an unmasked one, before the destination is written (SDM vol
 * 1, 11.5.3: with an unmasked pre-computation exception (IE, DE, ZE) in any
 * element only those flags are reported and no result is stored; otherwise
 * an unmasked post-computation exception (OE, UE, PE) also leaves the
 * destination unchanged).
 */
export function fpCommit(cpu: Cpu): void {
  const f = fp.flags;
  if (f === 0) return;
  const unmasked = ~(cpu.mxcsr >>> Mx.MaskShift) & 0x3f;
  if (f & unmasked & (Mx.IE | Mx.DE | Mx.ZE)) {
    cpu.mxcsr |= f & (Mx.IE | Mx.DE | Mx.ZE);
    simdFault(cpu);
  }
  cpu.mxcsr |= f;
  if (f & unmasked) simdFault(cpu);
}

// ---- bit views for reinterpreting one value ----
const cb = new ArrayBuffer(8);
const cI = new Int32Array(cb);
const cF32 = new Float32Array(cb);
const cF64 = new Float64Array(cb);

const TWO32 = 0x1_0000_0000;
const TWO52 = 0x10_0000_0000_0000;

/** Value of a binary32 that is not a NaN. */
export function f32val(b: number): number { cI[0] = b; return cF32[0]; }
/** Bits of a double rounded to binary32 by the host (round to nearest). */
export function f32bits(v: number): number { cF32[0] = v; return cI[0]; }
/** Value of a binary64 that is not a NaN. */
export function f64val(lo: number, hi: number): number { cI[0] = lo; cI[1] = hi; return cF64[0]; }
/** Bits of a double: returns bits 31:0, bits 63:32 in fp.hi. */
export function f64bits(v: number): number { cF64[0] = v; fp.hi = cI[1]; return cI[0]; }

/** Multiplies by 2^n exactly as long as the result is a normal double (n of any size). */
export function scale2(v: number, n: number): number {
  while (n > 1000) { v *= 2 ** 1000; n -= 1000; }
  while (n < -1000) { v *= 2 ** -1000; n += 1000; }
  return v * 2 ** n;
}

/** Unbiased exponent of a finite nonzero double (floor(log2|v|)), subnormals included. */
export function exponentOf(v: number): number {
  cF64[0] = v;
  const e = (cI[1] >>> 20) & 0x7ff;
  if (e !== 0) return e - 1023;
  cF64[0] = v * 2 ** 64;
  return ((cI[1] >>> 20) & 0x7ff) - 1023 - 64;
}

/** The rounding error of a + b, exactly (Knuth's TwoSum; valid when a + b does not overflow). */
export function twoSumErr(a: number, b: number, s: number): number {
  const bb = s - a;
  return (a - (s - bb)) + (b - bb);
}

/** a * b - p exactly for p = RN(a * b) (Dekker's TwoProduct; exponents of a and b within +-480). */
export function twoProdErr(a: number, b: number, p: number): number {
  let t = 134217729 * a; // 2^27 + 1 splits into 26 + 27 bits
  const ah = t - (t - a), al = a - ah;
  t = 134217729 * b;
  const bh = t - (t - b), bl = b - bh;
  return (((ah * bh - p) + ah * bl) + al * bh) + al * bl;
}

export const sign = (v: number): number => (v > 0 ? 1 : v < 0 ? -1 : 0);

// ---- the generic rounding path ----

/** Outputs of roundInt(). */
let rq = 0, rInexact = false;

/**
 * Rounds the magnitude m * 2^e (m an integer below 2^54, sm = sign of the
 * exact magnitude minus it) to a multiple of 2^lsb under the rounding mode.
 * Result: rq (the multiple count) and rInexact.
 */
function roundInt(m: number, e: number, sm: number, lsb: number, neg: boolean): void {
  const s = lsb - e;
  let q: number, above: boolean, tie: boolean, nonzero: boolean;
  if (s <= 0) {
    q = m * 2 ** -s;
    // Only the sticky part is below the rounding position: less than half an ulp.
    if (sm < 0) { q -= 1; above = true; } else above = false;
    tie = false;
    nonzero = sm !== 0;
  } else if (s > 56) {
    q = 0; above = false; tie = false; nonzero = true; // m < 2^54 <= a quarter of 2^s
  } else {
    const pow = 2 ** s, half = pow / 2;
    q = Math.floor(m / pow);
    let rem = m - q * pow;
    if (rem === 0 && sm < 0) { q -= 1; rem = pow; } // just below a multiple: "pow - epsilon"
    above = rem > half || (rem === half && sm > 0);
    tie = rem === half && sm === 0;
    nonzero = rem !== 0 || sm !== 0;
  }
  let inc = false;
  switch (fp.rc) {
    case Rc.Nearest: inc = above || (tie && q % 2 === 1); break;
    case Rc.Up: inc = nonzero && !neg; break;
    case Rc.Down: inc = nonzero && neg; break;
    default: break; // toward zero
  }
  rq = inc ? q + 1 : q;
  rInexact = nonzero;
}

/**
 * Rounds u * 2^k (+ su * epsilon) to binary32 (`f32`) or binary64. u is a
 * finite nonzero double. Returns the binary32 bits, or bits 31:0 of the
 * binary64 with 63:32 in fp.hi. Raises OE/UE/PE in fp.flags.
 */
export function roundPack(u: number, su: number, k: number, f32: boolean): number {
  const neg = u < 0;
  if (neg) { u = -u; su = -su; }
  cF64[0] = u;
  const bexp = (cI[1] >>> 20) & 0x7ff;
  let m = (cI[1] & 0xfffff) * TWO32 + (cI[0] >>> 0);
  let e: number, L: number;
  if (bexp !== 0) { m += TWO52; e = bexp - 1075 + k; L = e + 52; }
  else { e = -1074 + k; L = exponentOf(u) + k; }
  const p = f32 ? 24 : 53, emin = f32 ? -126 : -1022, emax = f32 ? 127 : 1023;

  // Unbounded-exponent rounding: decides overflow and (after-rounding) tininess.
  roundInt(m, e, su, L - p + 1, neg);
  let q = rq, lead = L;
  const inexact = rInexact;
  if (q === 2 ** p) { q /= 2; lead = L + 1; }
  const signBit = neg ? 0x80000000 : 0;

  if (lead > emax) {
    // Overflow (SDM vol 1, 4.9.1.4): infinity or the largest finite value, by rounding direction.
    // Unmasked, no result is delivered; PE then tells whether the unbounded-exponent rounding was inexact.
    fp.flags |= fp.omasked || inexact ? Mx.OE | Mx.PE : Mx.OE;
    const toInf = fp.rc === Rc.Nearest || (fp.rc === Rc.Up && !neg) || (fp.rc === Rc.Down && neg);
    if (f32) return (signBit | (toInf ? 0x7f800000 : 0x7f7fffff)) | 0;
    fp.hi = (signBit | (toInf ? 0x7ff00000 : 0x7fefffff)) | 0;
    return toInf ? 0 : -1;
  }
  if (lead >= emin) {
    if (inexact) fp.flags |= Mx.PE;
    return pack(q, lead - emin + 1, signBit, f32);
  }
  // Tiny (SDM vol 1, 4.9.1.5): masked underflow is flagged only when also inexact;
  // unmasked underflow is flagged for any tiny result; FTZ (masked only) returns a signed zero with UE and PE.
  if (fp.ftz) {
    fp.flags |= Mx.UE | Mx.PE;
    fp.hi = signBit | 0;
    return f32 ? signBit | 0 : 0;
  }
  if (!fp.umasked) {
    // Unmasked: any tiny result, PE by the unbounded-exponent rounding (nothing is delivered).
    fp.flags |= inexact ? Mx.UE | Mx.PE : Mx.UE;
    return 0;
  }
  roundInt(m, e, su, emin - p + 1, neg);
  if (rInexact) fp.flags |= Mx.UE | Mx.PE;
  // A subnormal count below 2^(p-1) packs with exponent field 0; 2^(p-1) carries into field 1.
  return pack(rq, 0, signBit, f32);
}

/** Packs a significand count q (hidden bit included) at biased exponent field `be` (q's hidden bit adds one). */
function pack(q: number, be: number, signBit: number, f32: boolean): number {
  if (f32) return (signBit | (((be > 0 ? be - 1 : 0) << 23) + q)) | 0;
  const qhi = Math.floor(q / TWO32);
  fp.hi = (signBit | (((be > 0 ? be - 1 : 0) * 0x100000) + qhi)) | 0;
  return (q - qhi * TWO32) | 0;
}

// ---- fast paths (round to nearest, normal result) ----

/**
 * binary32 result of an exact value known as (u, su) with u a double in the
 * binary32 range. Takes the host's round-to-nearest when it is provably
 * right; the generic path otherwise.
 */
export function round32(u: number, su: number): number {
  if (fp.rc === Rc.Nearest) {
    const f = Math.fround(u);
    // |u| >= 2^-126, not |f|: an exact value just below 2^-126 that rounds up to it is still tiny after rounding.
    if ((u >= 1.1754943508222875e-38 || u <= -1.1754943508222875e-38) && f <= 3.4028234663852886e38 && f >= -3.4028234663852886e38) {
      cF64[0] = u;
      const tail = cI[0] & 0x1fffffff; // the 29 bits below binary32 precision
      // Exactly halfway at 53 bits with a nonzero sticky part: the host's tie-to-even may be wrong.
      if (tail !== 0x10000000 || su === 0) {
        if (tail !== 0 || su !== 0) fp.flags |= Mx.PE;
        return f32bits(f);
      }
    }
  }
  return roundPack(u, su, 0, true);
}

/** binary64 result of (u, su, k); the host result is right for round-to-nearest, k = 0 and a normal u. */
export function round64(u: number, su: number, k: number): number {
  if (fp.rc === Rc.Nearest && k === 0) {
    const a = u < 0 ? -u : u;
    if (a >= 2.2250738585072014e-308 && a <= 1.7976931348623157e308) {
      if (su !== 0) fp.flags |= Mx.PE;
      return f64bits(u);
    }
  }
  return roundPack(u, su, k, false);
}

export { fp };
