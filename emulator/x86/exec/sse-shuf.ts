// SSE2 shifts, shuffles, unpacks, packs, mask extraction and word
// insert/extract (SDM vol 2B, PSLLW..PSRLDQ, PSHUF*, SHUFPS/PD, PUNPCK*,
// UNPCK*, PACK*, PMOVMSKB, MOVMSKPS/PD, PEXTRW, PINSRW).
import type { Cpu } from '../cpu';
import type { Insn } from '../decode/insn';
import {
  H, sse, ldS, ldSD, stD, stR, I32, U32, I16, U16, I8, U8,
  S32, D32, R32, S16, D16, R16, S8, D8, R8,
} from './sse-common';

function pre(cpu: Cpu, i: Insn): void {
  sse(cpu);
  ldSD(cpu, i, true);
}

/**
 * Shift count of the xmm/m128 forms: the whole low quadword of the source
 * (SDM vol 2B, PSLLW: "if the count is greater than 15 ... cleared"). Counts
 * of 2^32 and above are returned as 0xffffffff, which is out of range for every width.
 */
function countS(): number {
  return I32[S32 + 1] !== 0 ? 0xffffffff : U32[S32];
}

// Word/dword/qword shifts on D by `c` (any non-negative count).
function sllw(c: number): void { for (let k = 0; k < 8; k++) U16[D16 + k] = c > 15 ? 0 : U16[D16 + k] << c; }
function srlw(c: number): void { for (let k = 0; k < 8; k++) U16[D16 + k] = c > 15 ? 0 : U16[D16 + k] >>> c; }
function sraw(c: number): void { const s = c > 15 ? 15 : c; for (let k = 0; k < 8; k++) I16[D16 + k] = I16[D16 + k] >> s; }
function slld(c: number): void { for (let k = 0; k < 4; k++) I32[D32 + k] = c > 31 ? 0 : I32[D32 + k] << c; }
function srld(c: number): void { for (let k = 0; k < 4; k++) I32[D32 + k] = c > 31 ? 0 : I32[D32 + k] >>> c; }
function srad(c: number): void { const s = c > 31 ? 31 : c; for (let k = 0; k < 4; k++) I32[D32 + k] = I32[D32 + k] >> s; }
function sllq(c: number): void {
  for (let k = 0; k < 4; k += 2) {
    const lo = I32[D32 + k], hi = I32[D32 + k + 1];
    if (c > 63) { I32[D32 + k] = 0; I32[D32 + k + 1] = 0; }
    else if (c >= 32) { I32[D32 + k + 1] = lo << (c - 32); I32[D32 + k] = 0; }
    else if (c > 0) { I32[D32 + k + 1] = (hi << c) | (lo >>> (32 - c)); I32[D32 + k] = lo << c; }
  }
}
function srlq(c: number): void {
  for (let k = 0; k < 4; k += 2) {
    const lo = I32[D32 + k], hi = I32[D32 + k + 1];
    if (c > 63) { I32[D32 + k] = 0; I32[D32 + k + 1] = 0; }
    else if (c >= 32) { I32[D32 + k] = hi >>> (c - 32); I32[D32 + k + 1] = 0; }
    else if (c > 0) { I32[D32 + k] = (lo >>> c) | (hi << (32 - c)); I32[D32 + k + 1] = hi >>> c; }
  }
}

const enum Sh { Sllw, Srlw, Sraw, Slld, Srld, Srad, Sllq, Srlq }

/** One switch instead of a function-valued parameter keeps the call sites monomorphic. */
function shiftD(kind: Sh, c: number): void {
  switch (kind) {
    case Sh.Sllw: sllw(c); break;
    case Sh.Srlw: srlw(c); break;
    case Sh.Sraw: sraw(c); break;
    case Sh.Slld: slld(c); break;
    case Sh.Srld: srld(c); break;
    case Sh.Srad: srad(c); break;
    case Sh.Sllq: sllq(c); break;
    default: srlq(c); break;
  }
}

/** Shift by the xmm/m128 count. */
function byXmm(kind: Sh): H {
  return (cpu, i) => { pre(cpu, i); shiftD(kind, countS()); stD(cpu, i); };
}

/** Shift by imm8 (groups 12-14, register operand in slot 0). */
function byImm(kind: Sh): H {
  return (cpu, i) => {
    sse(cpu);
    const x = cpu.xmm, d = i.r0 << 2;
    I32[D32] = x[d]; I32[D32 + 1] = x[d + 1]; I32[D32 + 2] = x[d + 2]; I32[D32 + 3] = x[d + 3];
    shiftD(kind, i.imm & 0xff);
    stD(cpu, i);
  };
}

/** Interleaves elements of D and S from element `from` on into R (PUNPCKL*: from = 0, PUNPCKH*: half). */
function unpack(size: number, high: boolean): H {
  return (cpu, i) => {
    pre(cpu, i);
    if (size === 1) { const f = high ? 8 : 0; for (let k = 0; k < 8; k++) { U8[R8 + 2 * k] = U8[D8 + f + k]; U8[R8 + 2 * k + 1] = U8[S8 + f + k]; } }
    else if (size === 2) { const f = high ? 4 : 0; for (let k = 0; k < 4; k++) { U16[R16 + 2 * k] = U16[D16 + f + k]; U16[R16 + 2 * k + 1] = U16[S16 + f + k]; } }
    else if (size === 4) { const f = high ? 2 : 0; for (let k = 0; k < 2; k++) { I32[R32 + 2 * k] = I32[D32 + f + k]; I32[R32 + 2 * k + 1] = I32[S32 + f + k]; } }
    else {
      const f = high ? 2 : 0;
      I32[R32] = I32[D32 + f]; I32[R32 + 1] = I32[D32 + f + 1]; I32[R32 + 2] = I32[S32 + f]; I32[R32 + 3] = I32[S32 + f + 1];
    }
    stR(cpu, i);
  };
}

const sat8s = (v: number): number => (v > 127 ? 127 : v < -128 ? -128 : v);
const sat8u = (v: number): number => (v > 255 ? 255 : v < 0 ? 0 : v);
const sat16s = (v: number): number => (v > 32767 ? 32767 : v < -32768 ? -32768 : v);

export const handlers: Record<string, H> = {
  psllw: byXmm(Sh.Sllw), psrlw: byXmm(Sh.Srlw), psraw: byXmm(Sh.Sraw),
  pslld: byXmm(Sh.Slld), psrld: byXmm(Sh.Srld), psrad: byXmm(Sh.Srad),
  psllq: byXmm(Sh.Sllq), psrlq: byXmm(Sh.Srlq),
  psllw_imm: byImm(Sh.Sllw), psrlw_imm: byImm(Sh.Srlw), psraw_imm: byImm(Sh.Sraw),
  pslld_imm: byImm(Sh.Slld), psrld_imm: byImm(Sh.Srld), psrad_imm: byImm(Sh.Srad),
  psllq_imm: byImm(Sh.Sllq), psrlq_imm: byImm(Sh.Srlq),
  // Whole-register byte shifts; counts above 15 clear the register (SDM vol 2B, PSLLDQ/PSRLDQ).
  pslldq: (cpu, i) => {
    sse(cpu);
    const c = i.imm & 0xff;
    const x = cpu.xmm, d = i.r0 << 2;
    I32[S32] = x[d]; I32[S32 + 1] = x[d + 1]; I32[S32 + 2] = x[d + 2]; I32[S32 + 3] = x[d + 3];
    for (let k = 0; k < 16; k++) U8[R8 + k] = k - c >= 0 ? U8[S8 + k - c] : 0;
    stR(cpu, i);
  },
  psrldq: (cpu, i) => {
    sse(cpu);
    const c = i.imm & 0xff;
    const x = cpu.xmm, d = i.r0 << 2;
    I32[S32] = x[d]; I32[S32 + 1] = x[d + 1]; I32[S32 + 2] = x[d + 2]; I32[S32 + 3] = x[d + 3];
    for (let k = 0; k < 16; k++) U8[R8 + k] = k + c < 16 ? U8[S8 + k + c] : 0;
    stR(cpu, i);
  },

  // Shuffles by imm8 selectors (two bits per element).
  pshufd: (cpu, i) => {
    sse(cpu); ldS(cpu, i, true);
    const m = i.imm;
    for (let k = 0; k < 4; k++) I32[R32 + k] = I32[S32 + ((m >> (2 * k)) & 3)];
    stR(cpu, i);
  },
  pshufhw: (cpu, i) => {
    sse(cpu); ldS(cpu, i, true);
    const m = i.imm;
    I32[R32] = I32[S32]; I32[R32 + 1] = I32[S32 + 1];
    for (let k = 0; k < 4; k++) U16[R16 + 4 + k] = U16[S16 + 4 + ((m >> (2 * k)) & 3)];
    stR(cpu, i);
  },
  pshuflw: (cpu, i) => {
    sse(cpu); ldS(cpu, i, true);
    const m = i.imm;
    for (let k = 0; k < 4; k++) U16[R16 + k] = U16[S16 + ((m >> (2 * k)) & 3)];
    I32[R32 + 2] = I32[S32 + 2]; I32[R32 + 3] = I32[S32 + 3];
    stR(cpu, i);
  },
  // SHUFPS: two elements from the destination, two from the source (SDM vol 2B, SHUFPS).
  shufps: (cpu, i) => {
    pre(cpu, i);
    const m = i.imm;
    I32[R32] = I32[D32 + (m & 3)]; I32[R32 + 1] = I32[D32 + ((m >> 2) & 3)];
    I32[R32 + 2] = I32[S32 + ((m >> 4) & 3)]; I32[R32 + 3] = I32[S32 + ((m >> 6) & 3)];
    stR(cpu, i);
  },
  shufpd: (cpu, i) => {
    pre(cpu, i);
    const a = (i.imm & 1) * 2, b = ((i.imm >> 1) & 1) * 2;
    I32[R32] = I32[D32 + a]; I32[R32 + 1] = I32[D32 + a + 1];
    I32[R32 + 2] = I32[S32 + b]; I32[R32 + 3] = I32[S32 + b + 1];
    stR(cpu, i);
  },

  punpcklbw: unpack(1, false), punpckhbw: unpack(1, true),
  punpcklwd: unpack(2, false), punpckhwd: unpack(2, true),
  punpckldq: unpack(4, false), punpckhdq: unpack(4, true), unpcklps: unpack(4, false), unpckhps: unpack(4, true),
  punpcklqdq: unpack(8, false), punpckhqdq: unpack(8, true), unpcklpd: unpack(8, false), unpckhpd: unpack(8, true),

  // Packs with saturation: destination elements first, then source (SDM vol 2B, PACKSSWB).
  packsswb: (cpu, i) => {
    pre(cpu, i);
    for (let k = 0; k < 8; k++) { I8[R8 + k] = sat8s(I16[D16 + k]); I8[R8 + 8 + k] = sat8s(I16[S16 + k]); }
    stR(cpu, i);
  },
  packuswb: (cpu, i) => {
    pre(cpu, i);
    for (let k = 0; k < 8; k++) { U8[R8 + k] = sat8u(I16[D16 + k]); U8[R8 + 8 + k] = sat8u(I16[S16 + k]); }
    stR(cpu, i);
  },
  packssdw: (cpu, i) => {
    pre(cpu, i);
    for (let k = 0; k < 4; k++) { I16[R16 + k] = sat16s(I32[D32 + k]); I16[R16 + 4 + k] = sat16s(I32[S32 + k]); }
    stR(cpu, i);
  },

  // Sign-bit masks into a GPR, zero-extended (SDM vol 2B, PMOVMSKB; vol 2B MOVMSKPS/PD).
  pmovmskb: (cpu, i) => {
    sse(cpu);
    const x = cpu.xmm, s = i.r1 << 2;
    let m = 0;
    for (let k = 0; k < 16; k++) m |= ((x[s + (k >> 2)] >>> (8 * (k & 3) + 7)) & 1) << k;
    cpu.setReg(i.r0, i.s0, m, 0);
  },
  movmskps: (cpu, i) => {
    sse(cpu);
    const x = cpu.xmm, s = i.r1 << 2;
    const m = (x[s] >>> 31) | ((x[s + 1] >>> 31) << 1) | ((x[s + 2] >>> 31) << 2) | ((x[s + 3] >>> 31) << 3);
    cpu.setReg(i.r0, i.s0, m, 0);
  },
  movmskpd: (cpu, i) => {
    sse(cpu);
    const x = cpu.xmm, s = i.r1 << 2;
    cpu.setReg(i.r0, i.s0, (x[s + 1] >>> 31) | ((x[s + 3] >>> 31) << 1), 0);
  },

  // PEXTRW r32, xmm, imm8: word imm8[2:0], zero-extended (SDM vol 2B, PEXTRW).
  pextrw: (cpu, i) => {
    sse(cpu);
    const k = i.imm & 7;
    const w = (cpu.xmm[(i.r1 << 2) + (k >> 1)] >>> (16 * (k & 1))) & 0xffff;
    cpu.setReg(i.r0, 4, w, 0);
  },
  // PINSRW xmm, r32/m16, imm8: the low word of the source into word imm8[2:0] (SDM vol 2B, PINSRW).
  pinsrw: (cpu, i) => {
    sse(cpu);
    const v = cpu.rd(i, 1) & 0xffff;
    const k = i.imm & 7;
    const x = cpu.xmm, j = (i.r0 << 2) + (k >> 1);
    x[j] = k & 1 ? (x[j] & 0xffff) | (v << 16) : (x[j] & ~0xffff) | v;
  },
};
