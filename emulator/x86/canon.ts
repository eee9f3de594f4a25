// Canonical 64-bit addresses as JS numbers (SDM vol 1, 3.3.7.1): a
// canonical address is kept folded to its low 48 bits; bit 47 tells how
// bits 63:48 are filled. These helpers convert between the halves kept in
// registers and the folded form used for linear addresses and RIP.
const TWO32 = 0x1_0000_0000;

/** High half (sign-extended bits 63:32) of a folded canonical address. */
export function foldedHi(v: number): number {
  return ((Math.floor(v / TWO32) & 0xffff) << 16) >> 16;
}

/** Folds halves into a linear-address number; returns -1 if not canonical. */
export function fold(lo: number, hi: number): number {
  if (((hi << 16) >> 16) !== hi) return -1;
  return (hi & 0xffff) * TWO32 + (lo >>> 0);
}

export function isCanonical(hi: number): boolean {
  return ((hi << 16) >> 16) === hi;
}

/** Hex of a folded address as the user sees it (full 64 bits). */
export function hex64(v: number): string {
  const hi = foldedHi(v) >>> 0;
  const lo = v >>> 0;
  if (hi === 0) return '0x' + lo.toString(16);
  return '0x' + hi.toString(16) + lo.toString(16).padStart(8, '0');
}
