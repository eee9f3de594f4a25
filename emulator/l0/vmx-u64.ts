// 64-bit VMCS fields as JS numbers at L0's API boundaries (DESIGN.md: no
// BigInt on hot paths). Signed fields (TSC_OFFSET, SDM 25.6.5) are two's
// complement; natural-width linear addresses are the core's folded form.
import type { Vmcs } from '../vmx/vmcs';

const TWO32 = 0x1_0000_0000;

/** A signed 64-bit field (|value| < 2^53) as a number. */
export function getSigned64(v: Vmcs, enc: number): number {
  return (v.hi(enc) | 0) * TWO32 + (v.lo(enc) >>> 0);
}

/** Stores a signed number (|x| < 2^53) in two's complement. */
export function putSigned64(v: Vmcs, enc: number, x: number): void {
  const hi = Math.floor(x / TWO32);
  v.set(enc, (x - hi * TWO32) >>> 0, hi >>> 0);
}

/** An unsigned 64-bit field (physical addresses, below 2^53 after the entry checks). */
export function getU64(v: Vmcs, enc: number): number {
  return (v.hi(enc) >>> 0) * TWO32 + (v.lo(enc) >>> 0);
}
