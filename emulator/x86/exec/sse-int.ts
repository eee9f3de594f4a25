// SSE2 packed integer arithmetic, logic and compares on XMM registers (SDM
// vol 2B, the P* pages) and the bitwise ps/pd forms. Every memory source is
// an m128 of a legacy SSE instruction, so the 16-byte alignment rule applies.
// Byte and word lanes go through the scratch views; the views wrap or clamp
// on store, which is exactly the wrap-around / unsigned-saturation rule.
import type { Cpu } from '../cpu';
import type { Insn } from '../decode/insn';
import {
  H, sse, ldS, ldSD, stD, I32, U32, I16, U16, I8, U8, U8C,
  S32, D32, S16, D16, S8, D8,
} from './sse-common';

/** Checks, then loads S (aligned m128 or XMM) and D. */
function pre(cpu: Cpu, i: Insn): void {
  sse(cpu);
  ldSD(cpu, i, true);
}

/** Dword-wise bitwise operation straight on the register file. */
function logic(op: number): H {
  return (cpu, i) => {
    sse(cpu);
    ldS(cpu, i, true);
    const x = cpu.xmm, d = i.r0 << 2;
    for (let k = 0; k < 4; k++) {
      const a = x[d + k], b = I32[k];
      x[d + k] = op === 0 ? a & b : op === 1 ? ~a & b : op === 2 ? a | b : a ^ b;
    }
  };
}

/**
 * Byte/word add, subtract and compare-equal straight on the register file,
 * four dwords at a time (SWAR): the sign bit of each element is handled
 * apart so no carry or borrow crosses into the next element.
 */
const enum Sw { AddB, AddW, SubB, SubW, EqB }
function swar(kind: Sw): H {
  return (cpu, i) => {
    sse(cpu);
    ldS(cpu, i, true);
    const x = cpu.xmm, d = i.r0 << 2;
    for (let k = 0; k < 4; k++) {
      const a = x[d + k], b = I32[k];
      switch (kind) {
        case Sw.AddB: x[d + k] = ((a & 0x7f7f7f7f) + (b & 0x7f7f7f7f)) ^ ((a ^ b) & 0x80808080); break;
        case Sw.AddW: x[d + k] = ((a & 0x7fff7fff) + (b & 0x7fff7fff)) ^ ((a ^ b) & 0x80008000); break;
        case Sw.SubB: x[d + k] = ((a | 0x80808080) - (b & 0x7f7f7f7f)) ^ ((a ^ ~b) & 0x80808080); break;
        case Sw.SubW: x[d + k] = ((a | 0x80008000) - (b & 0x7fff7fff)) ^ ((a ^ ~b) & 0x80008000); break;
        default: {
          // 0x80 in exactly the bytes of a ^ b that are zero, then widened to 0xff.
          const z = a ^ b;
          const h = ~(((z & 0x7f7f7f7f) + 0x7f7f7f7f) | z | 0x7f7f7f7f);
          x[d + k] = Math.imul(h >>> 7, 0xff);
        }
      }
    }
  };
}

const sat8 = (v: number): number => (v > 127 ? 127 : v < -128 ? -128 : v);
const sat16 = (v: number): number => (v > 32767 ? 32767 : v < -32768 ? -32768 : v);

export const handlers: Record<string, H> = {
  // Bitwise (SDM vol 2B, PAND/PANDN/POR/PXOR; vol 2A ANDPS/ANDNPS/ORPS/XORPS and the pd forms).
  pand: logic(0), andps: logic(0), andpd: logic(0),
  pandn: logic(1), andnps: logic(1), andnpd: logic(1),
  por: logic(2), orps: logic(2), orpd: logic(2),
  pxor: logic(3), xorps: logic(3), xorpd: logic(3),

  // Wrap-around add/sub (PADDB/W/D/Q, PSUBB/W/D/Q).
  paddb: swar(Sw.AddB),
  paddw: swar(Sw.AddW),
  paddd: (cpu, i) => { sse(cpu); ldS(cpu, i, true); const x = cpu.xmm, d = i.r0 << 2; for (let k = 0; k < 4; k++) x[d + k] = x[d + k] + I32[k]; },
  paddq: (cpu, i) => {
    pre(cpu, i);
    for (let k = 0; k < 4; k += 2) {
      const t = U32[D32 + k] + U32[S32 + k];
      I32[D32 + k + 1] = I32[D32 + k + 1] + I32[S32 + k + 1] + (t > 0xffffffff ? 1 : 0);
      U32[D32 + k] = t;
    }
    stD(cpu, i);
  },
  psubb: swar(Sw.SubB),
  psubw: swar(Sw.SubW),
  psubd: (cpu, i) => { sse(cpu); ldS(cpu, i, true); const x = cpu.xmm, d = i.r0 << 2; for (let k = 0; k < 4; k++) x[d + k] = x[d + k] - I32[k]; },
  psubq: (cpu, i) => {
    pre(cpu, i);
    for (let k = 0; k < 4; k += 2) {
      const t = U32[D32 + k] - U32[S32 + k];
      I32[D32 + k + 1] = I32[D32 + k + 1] - I32[S32 + k + 1] - (t < 0 ? 1 : 0);
      U32[D32 + k] = t;
    }
    stD(cpu, i);
  },

  // Saturating add/sub (PADDUSB/W, PADDSB/W, PSUBUSB/W, PSUBSB/W).
  paddusb: (cpu, i) => { pre(cpu, i); for (let k = 0; k < 16; k++) U8C[D8 + k] = U8[D8 + k] + U8[S8 + k]; stD(cpu, i); },
  psubusb: (cpu, i) => { pre(cpu, i); for (let k = 0; k < 16; k++) U8C[D8 + k] = U8[D8 + k] - U8[S8 + k]; stD(cpu, i); },
  paddusw: (cpu, i) => {
    pre(cpu, i);
    for (let k = 0; k < 8; k++) { const v = U16[D16 + k] + U16[S16 + k]; U16[D16 + k] = v > 0xffff ? 0xffff : v; }
    stD(cpu, i);
  },
  psubusw: (cpu, i) => {
    pre(cpu, i);
    for (let k = 0; k < 8; k++) { const v = U16[D16 + k] - U16[S16 + k]; U16[D16 + k] = v < 0 ? 0 : v; }
    stD(cpu, i);
  },
  paddsb: (cpu, i) => { pre(cpu, i); for (let k = 0; k < 16; k++) I8[D8 + k] = sat8(I8[D8 + k] + I8[S8 + k]); stD(cpu, i); },
  psubsb: (cpu, i) => { pre(cpu, i); for (let k = 0; k < 16; k++) I8[D8 + k] = sat8(I8[D8 + k] - I8[S8 + k]); stD(cpu, i); },
  paddsw: (cpu, i) => { pre(cpu, i); for (let k = 0; k < 8; k++) I16[D16 + k] = sat16(I16[D16 + k] + I16[S16 + k]); stD(cpu, i); },
  psubsw: (cpu, i) => { pre(cpu, i); for (let k = 0; k < 8; k++) I16[D16 + k] = sat16(I16[D16 + k] - I16[S16 + k]); stD(cpu, i); },

  // Compares produce all-ones / all-zeros lanes (PCMPEQB/W/D, PCMPGTB/W/D are signed).
  pcmpeqb: swar(Sw.EqB),
  pcmpeqw: (cpu, i) => { pre(cpu, i); for (let k = 0; k < 8; k++) U16[D16 + k] = U16[D16 + k] === U16[S16 + k] ? 0xffff : 0; stD(cpu, i); },
  pcmpeqd: (cpu, i) => { sse(cpu); ldS(cpu, i, true); const x = cpu.xmm, d = i.r0 << 2; for (let k = 0; k < 4; k++) x[d + k] = x[d + k] === I32[k] ? -1 : 0; },
  pcmpgtb: (cpu, i) => { pre(cpu, i); for (let k = 0; k < 16; k++) I8[D8 + k] = I8[D8 + k] > I8[S8 + k] ? -1 : 0; stD(cpu, i); },
  pcmpgtw: (cpu, i) => { pre(cpu, i); for (let k = 0; k < 8; k++) I16[D16 + k] = I16[D16 + k] > I16[S16 + k] ? -1 : 0; stD(cpu, i); },
  pcmpgtd: (cpu, i) => { pre(cpu, i); for (let k = 0; k < 4; k++) I32[D32 + k] = I32[D32 + k] > I32[S32 + k] ? -1 : 0; stD(cpu, i); },

  // Multiplies (PMULLW low 16 bits, PMULHW signed high, PMULHUW unsigned high,
  // PMULUDQ lanes 0 and 2 to 64 bits, PMADDWD pairwise signed sums).
  pmullw: (cpu, i) => { pre(cpu, i); for (let k = 0; k < 8; k++) U16[D16 + k] = Math.imul(U16[D16 + k], U16[S16 + k]); stD(cpu, i); },
  pmulhw: (cpu, i) => { pre(cpu, i); for (let k = 0; k < 8; k++) I16[D16 + k] = (I16[D16 + k] * I16[S16 + k]) >> 16; stD(cpu, i); },
  pmulhuw: (cpu, i) => { pre(cpu, i); for (let k = 0; k < 8; k++) U16[D16 + k] = (U16[D16 + k] * U16[S16 + k]) >>> 16; stD(cpu, i); },
  pmuludq: (cpu, i) => {
    pre(cpu, i);
    for (let k = 0; k < 4; k += 2) {
      const a = U32[D32 + k], b = U32[S32 + k];
      const al = a & 0xffff, ah = a >>> 16, bl = b & 0xffff, bh = b >>> 16;
      const mid = ah * bl + al * bh; // < 2^33, exact
      const t = al * bl + (mid % 0x10000) * 0x10000; // < 2^33, exact
      U32[D32 + k] = t;
      U32[D32 + k + 1] = ah * bh + Math.floor(mid / 0x10000) + Math.floor(t / 0x1_0000_0000);
    }
    stD(cpu, i);
  },
  pmaddwd: (cpu, i) => {
    pre(cpu, i);
    // 0x8000*0x8000*2 = 2^31 wraps to 0x80000000, as the SDM notes for PMADDWD.
    for (let k = 0; k < 4; k++) {
      I32[D32 + k] = I16[D16 + 2 * k] * I16[S16 + 2 * k] + I16[D16 + 2 * k + 1] * I16[S16 + 2 * k + 1];
    }
    stD(cpu, i);
  },

  // Rounded averages (PAVGB/PAVGW: (a + b + 1) >> 1).
  pavgb: (cpu, i) => { pre(cpu, i); for (let k = 0; k < 16; k++) U8[D8 + k] = (U8[D8 + k] + U8[S8 + k] + 1) >> 1; stD(cpu, i); },
  pavgw: (cpu, i) => { pre(cpu, i); for (let k = 0; k < 8; k++) U16[D16 + k] = (U16[D16 + k] + U16[S16 + k] + 1) >> 1; stD(cpu, i); },

  // Min/max (PMINUB/PMAXUB unsigned bytes, PMINSW/PMAXSW signed words).
  pminub: (cpu, i) => { pre(cpu, i); for (let k = 0; k < 16; k++) { const a = U8[D8 + k], b = U8[S8 + k]; U8[D8 + k] = a < b ? a : b; } stD(cpu, i); },
  pmaxub: (cpu, i) => { pre(cpu, i); for (let k = 0; k < 16; k++) { const a = U8[D8 + k], b = U8[S8 + k]; U8[D8 + k] = a > b ? a : b; } stD(cpu, i); },
  pminsw: (cpu, i) => { pre(cpu, i); for (let k = 0; k < 8; k++) { const a = I16[D16 + k], b = I16[S16 + k]; I16[D16 + k] = a < b ? a : b; } stD(cpu, i); },
  pmaxsw: (cpu, i) => { pre(cpu, i); for (let k = 0; k < 8; k++) { const a = I16[D16 + k], b = I16[S16 + k]; I16[D16 + k] = a > b ? a : b; } stD(cpu, i); },

  // PSADBW: per 64-bit half, the sum of absolute byte differences in bits 15:0, the rest zero.
  psadbw: (cpu, i) => {
    pre(cpu, i);
    for (let h = 0; h < 2; h++) {
      let sum = 0;
      for (let k = 0; k < 8; k++) { const v = U8[D8 + 8 * h + k] - U8[S8 + 8 * h + k]; sum += v < 0 ? -v : v; }
      I32[D32 + 2 * h] = sum; I32[D32 + 2 * h + 1] = 0;
    }
    stD(cpu, i);
  },
};
