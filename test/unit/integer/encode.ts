// A small x86 encoder for generated test cases: legacy prefixes, REX,
// ModRM/SIB/displacement (SDM vol 2A, chapter 2) and immediates. Only what
// the differential tests need; it never guesses — callers pick every field.

export type Mode = 'long64' | 'compat32';

/** A ModRM r/m operand: a register, or memory [base + index*scale + disp] / [rip + disp]. */
export type Rm =
  | { reg: number }
  | { base: number; index?: number; scale?: number; disp: number; disp32?: boolean }
  | { rip: true; disp: number };

export interface Enc {
  mode: Mode;
  /** Prefix bytes in order (F0, F2/F3, 66, 67, segment). */
  pfx?: number[];
  /** REX.W. */
  w?: boolean;
  /** Force a REX byte even when no bit is needed (selects SPL..DIL for byte registers). */
  rex?: boolean;
  opc: number[];
  /** A register encoded in the last opcode byte's low bits (50+r, B8+r, 0F C8+r), REX.B for r8-r15. */
  opReg?: number;
  /** ModRM.reg: a register number or a /digit. Omit for no ModRM. */
  reg?: number;
  rm?: Rm;
  /** Immediate bytes (little-endian), already sized. */
  imm?: number[];
}

export function le(v: bigint | number, n: number): number[] {
  let x = BigInt.asUintN(n * 8, BigInt(v));
  const out: number[] = [];
  for (let k = 0; k < n; k++) { out.push(Number(x & 0xffn)); x >>= 8n; }
  return out;
}

/**
 * Encodes. For a RIP-relative operand `rm.disp` is the target's offset from
 * the instruction's first byte (the encoded displacement is relative to its end).
 */
export function encode(e: Enc): number[] {
  const out: number[] = [...(e.pfx ?? [])];
  let rex = e.w ? 8 : 0;
  const reg = e.reg ?? 0;
  if (reg >= 8) rex |= 4;
  const rm = e.rm;
  const body: number[] = [];
  const opc = e.opc.slice();
  if (e.opReg !== undefined) {
    if (e.opReg >= 8) rex |= 1;
    opc[opc.length - 1] += e.opReg & 7;
  }
  if (e.reg !== undefined || rm) {
    if (!rm) throw new Error('encode: ModRM needs rm');
    if ('reg' in rm) {
      if (rm.reg >= 8) rex |= 1;
      body.push(0xc0 | ((reg & 7) << 3) | (rm.reg & 7));
    } else if ('rip' in rm) {
      body.push(0x05 | ((reg & 7) << 3), ...le(rm.disp, 4));
    } else {
      const d8 = !rm.disp32 && rm.disp >= -128 && rm.disp <= 127;
      const mod = d8 ? 1 : 2;
      const disp = d8 ? le(rm.disp, 1) : le(rm.disp, 4);
      if (rm.base >= 8) rex |= 1;
      if (rm.index !== undefined) {
        if (rm.index === 4) throw new Error('encode: RSP cannot be an index');
        if (rm.index >= 8) rex |= 2;
        const ss = { 1: 0, 2: 1, 4: 2, 8: 3 }[rm.scale ?? 1]!;
        body.push((mod << 6) | ((reg & 7) << 3) | 4, (ss << 6) | ((rm.index & 7) << 3) | (rm.base & 7), ...disp);
      } else if ((rm.base & 7) === 4) {
        body.push((mod << 6) | ((reg & 7) << 3) | 4, 0x24, ...disp);
      } else {
        body.push((mod << 6) | ((reg & 7) << 3) | (rm.base & 7), ...disp);
      }
    }
  }
  if (e.mode === 'compat32' && (rex || e.rex)) throw new Error('encode: REX in compatibility mode');
  if (rex || e.rex) out.push(0x40 | rex);
  out.push(...opc, ...body, ...(e.imm ?? []));
  if (rm && 'rip' in rm) {
    // Re-encode the displacement relative to the instruction's end.
    const at = out.length - (e.imm?.length ?? 0) - 4;
    const rel = le(rm.disp - out.length, 4);
    for (let k = 0; k < 4; k++) out[at + k] = rel[k];
  }
  return out;
}

// ------------------------------------------------------------------ RNG

/** xorshift128+ on BigInt-free 32-bit words: deterministic per seed. */
export class Rng {
  private a: number; private b: number; private c: number; private d: number;
  constructor(seed: number) {
    this.a = seed | 0 || 1; this.b = 0x9e3779b9; this.c = 0x243f6a88; this.d = 0xb7e15162;
    for (let k = 0; k < 16; k++) this.u32();
  }
  u32(): number {
    // xoshiro128**
    const r = Math.imul(rotl(Math.imul(this.b, 5), 7), 9) >>> 0;
    const t = this.b << 9;
    this.c ^= this.a; this.d ^= this.b; this.b ^= this.c; this.a ^= this.d;
    this.c ^= t; this.d = rotl(this.d, 11);
    return r;
  }
  int(n: number): number { return this.u32() % n; }
  bool(): boolean { return (this.u32() & 1) === 1; }
  pick<T>(xs: readonly T[]): T { return xs[this.int(xs.length)]; }
  u64(): bigint { return (BigInt(this.u32()) << 32n) | BigInt(this.u32()); }
  bytes(n: number): Uint8Array { const b = new Uint8Array(n); for (let k = 0; k < n; k++) b[k] = this.u32() & 0xff; return b; }

  /** A 64-bit value biased toward edge cases: 0, 1, -1, sign bits, maxima, carries, small numbers. */
  value(): bigint {
    const widths = [8, 16, 32, 64];
    switch (this.int(14)) {
      case 0: return 0n;
      case 1: return 1n;
      case 2: return BigInt.asUintN(64, -1n);
      case 3: return 1n << BigInt(this.pick(widths) - 1); // sign bit
      case 4: return (1n << BigInt(this.pick(widths) - 1)) - 1n; // signed maximum
      case 5: return (1n << BigInt(this.pick(widths))) - 1n; // all ones of a width
      case 6: return BigInt(this.int(70));
      case 7: return BigInt.asUintN(64, -BigInt(this.int(70)));
      case 8: { // sign-extended from a random width
        const w = this.pick(widths);
        return BigInt.asUintN(64, BigInt.asIntN(w, this.u64()));
      }
      case 9: return BigInt.asUintN(64, (1n << BigInt(this.int(64))) + BigInt(this.int(3)) - 1n);
      default: return this.u64();
    }
  }

  /** Random arithmetic flags and DF. */
  flags(): number { return this.u32() & (0x8d5 | 0x400); }
}

function rotl(x: number, k: number): number { return (x << k) | (x >>> (32 - k)); }
