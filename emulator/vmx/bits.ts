// Small helpers for 64-bit values kept as 32-bit halves (DESIGN.md: no
// BigInt on hot paths): canonicality, physical-address width, formatting.

const TWO32 = 0x1_0000_0000;

/**
 * Canonical for a linear-address width of 48 or 57 bits (SDM vol 1 §3.3.7.1):
 * bits 63:width-1 all equal.
 */
export function isCanonical(lo: number, hi: number, width = 48): boolean {
  const sh = 64 - width; // bits of `hi` above the sign bit: 16 for 48, 7 for 57
  return ((hi << sh) >> sh) === (hi | 0);
}

/** True if the 64-bit value sets a bit at or above `maxPhys` (MAXPHYADDR, CPUID 80000008H:EAX[7:0]). */
export function beyondPhys(lo: number, hi: number, maxPhys: number): boolean {
  if (maxPhys >= 64) return false;
  if (maxPhys <= 32) return (hi | 0) !== 0 || (maxPhys < 32 && lo >>> maxPhys !== 0);
  return hi >>> (maxPhys - 32) !== 0;
}

/** Halves as a number; exact while hi < 2^21 (every in-range physical address). */
export function toNumber(lo: number, hi: number): number {
  return (hi >>> 0) * TWO32 + (lo >>> 0);
}

/** The halves of a non-negative safe integer. */
export function loOf(v: number): number { return (v % TWO32) >>> 0; }
export function hiOf(v: number): number { return Math.floor(v / TWO32) >>> 0; }

/** `0x1f` style hex of a 32-bit value. */
export function hex(v: number): string { return '0x' + (v >>> 0).toString(16); }

/** Full 64-bit hex of two halves: `0xffffffff00001000`, or `0x1000` when hi = 0. */
export function hex64(lo: number, hi: number): string {
  if (hi >>> 0 === 0) return '0x' + (lo >>> 0).toString(16);
  return '0x' + (hi >>> 0).toString(16) + (lo >>> 0).toString(16).padStart(8, '0');
}

/** Bit n (0-63) of a 64-bit value. */
export function bit64(lo: number, hi: number, n: number): number {
  return n < 32 ? (lo >>> n) & 1 : (hi >>> (n - 32)) & 1;
}
