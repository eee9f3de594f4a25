// 64-bit VMCB values as two unsigned 32-bit halves (DESIGN.md "Performance
// approach": no BigInt on the hot path). BigInt and plain numbers are
// accepted only at API boundaries (debugger, tests, trace text).

/** A 64-bit value: lo = bits 31:0, hi = bits 63:32, both unsigned. */
export interface U64 {
  lo: number;
  hi: number;
}

/** What the text/diagnostic helpers accept for a 64-bit value. */
export type U64Like = number | bigint | U64;

const TWO32 = 0x1_0000_0000;

/** Halves of a U64Like (numbers: integers only; negative numbers are two's complement, e.g. -1 = all ones). */
export function toU64(v: U64Like, out: U64 = { lo: 0, hi: 0 }): U64 {
  if (typeof v === 'bigint') {
    const x = BigInt.asUintN(64, v);
    out.lo = Number(x & 0xffffffffn);
    out.hi = Number(x >> 32n);
  } else if (typeof v === 'number') {
    if (v < 0) {
      // Two's complement of a (small) negative integer.
      const mag = -v;
      const lo = (TWO32 - (mag % TWO32)) % TWO32;
      out.lo = lo;
      out.hi = (0xffffffff - Math.floor((mag - 1) / TWO32)) >>> 0;
    } else {
      out.lo = v >>> 0;
      out.hi = Math.floor(v / TWO32) >>> 0;
    }
  } else {
    out.lo = v.lo >>> 0;
    out.hi = v.hi >>> 0;
  }
  return out;
}

/** BigInt of two halves (API boundary only). */
export function toBig(lo: number, hi: number): bigint {
  return (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
}

/** lo + hi * 2^32 as a number; exact below 2^53 (physical addresses are below 2^52). */
export function toNumber(lo: number, hi: number): number {
  return (hi >>> 0) * TWO32 + (lo >>> 0);
}

/** "0x..." of a 64-bit value, no leading zeros. */
export function hex64(lo: number, hi: number): string {
  hi >>>= 0;
  lo >>>= 0;
  if (hi === 0) return '0x' + lo.toString(16);
  return '0x' + hi.toString(16) + lo.toString(16).padStart(8, '0');
}

export function hex(v: number): string {
  return '0x' + (v >>> 0).toString(16);
}

/** True if any bit at position >= n (0..64) of lo/hi is set. */
export function bitsAtOrAbove(lo: number, hi: number, n: number): boolean {
  if (n >= 64) return false;
  if (n >= 32) return n === 32 ? hi >>> 0 !== 0 : hi >>> (n - 32) !== 0;
  return hi >>> 0 !== 0 || lo >>> n !== 0;
}

/**
 * Bits 63:32 of an address after sign-extending from bit `linearBits - 1`
 * (VMRUN and VMLOAD canonicalization, APM vol 2 §15.5.1 / §15.5.2). For 48
 * linear bits, bit 47 (hi bit 15) fills bits 63:48.
 */
export function canonicalHi(hi: number, linearBits = 48): number {
  const shift = 64 - linearBits;
  return ((hi << shift) >> shift) >>> 0;
}

export function isCanonicalHi(hi: number, linearBits = 48): boolean {
  return canonicalHi(hi, linearBits) === hi >>> 0;
}
