// Deterministic random instruction-like byte strings for the decoder tests.
import { Mode } from './objdump';

/** xorshift32: small, fast, deterministic. */
export function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13; x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5; x >>>= 0;
    return x / 0x1_0000_0000;
  };
}

const LEGACY = [0x66, 0x67, 0xf2, 0xf3, 0xf0, 0x2e, 0x3e, 0x26, 0x36, 0x64, 0x65];

/** A random instruction-like byte string: some prefixes, maybe REX, an escape, random rest; 15 bytes. */
export function randomCase(r: () => number, mode: Mode): number[] {
  const b: number[] = [];
  const u = r();
  const npfx = u < 0.5 ? 0 : u < 0.8 ? 1 : u < 0.92 ? 2 : 3 + Math.floor(r() * 4);
  for (let k = 0; k < npfx; k++) b.push(LEGACY[Math.floor(r() * LEGACY.length)]);
  if (mode === 64 && r() < 0.4) b.push(0x40 | Math.floor(r() * 16));
  const e = r();
  if (e < 0.35) b.push(0x0f);
  else if (e < 0.4) b.push(0x0f, 0x38);
  else if (e < 0.45) b.push(0x0f, 0x3a);
  while (b.length < 15) b.push(Math.floor(r() * 256));
  return b.slice(0, 15);
}

