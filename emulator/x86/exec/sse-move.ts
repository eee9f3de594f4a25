// SSE/SSE2 data movement: full-register, scalar, half-register and GPR
// moves, non-temporal stores (SDM vol 2B, the MOV* pages).
import type { Cpu } from '../cpu';
import type { Insn } from '../decode/insn';
import { OpKind } from '../decode/insn';
import { CpuFault } from '../fault';
import { CpuMode } from '../state';
import { DS, GP } from '../regs';
import { H, sse, ldS, stW128, I32, store32, store64, probeStore } from './sse-common';

/** MOVAPS/MOVDQA loads: 16-byte aligned memory (SDM vol 2B, MOVAPS "#GP if not aligned"). */
const loadAligned: H = (cpu, i) => {
  sse(cpu);
  ldS(cpu, i, true);
  const x = cpu.xmm, d = i.r0 << 2;
  x[d] = I32[0]; x[d + 1] = I32[1]; x[d + 2] = I32[2]; x[d + 3] = I32[3];
};

/** MOVUPS/MOVDQU loads: no alignment requirement (SDM vol 2B, MOVUPS). */
const loadUnaligned: H = (cpu, i) => {
  sse(cpu);
  ldS(cpu, i, false);
  const x = cpu.xmm, d = i.r0 << 2;
  x[d] = I32[0]; x[d + 1] = I32[1]; x[d + 2] = I32[2]; x[d + 3] = I32[3];
};

const storeAligned: H = (cpu, i) => { sse(cpu); stW128(cpu, i, true); };
const storeUnaligned: H = (cpu, i) => { sse(cpu); stW128(cpu, i, false); };

export const handlers: Record<string, H> = {
  movaps: loadAligned, movapd: loadAligned, movdqa: loadAligned,
  movups: loadUnaligned, movupd: loadUnaligned, movdqu: loadUnaligned,
  movaps_st: storeAligned, movapd_st: storeAligned, movdqa_st: storeAligned,
  movups_st: storeUnaligned, movupd_st: storeUnaligned, movdqu_st: storeUnaligned,
  // Non-temporal stores are ordinary stores here (no cache model); they keep
  // the alignment rule (SDM vol 2B, MOVNTDQ/MOVNTPS/MOVNTPD "#GP if not aligned").
  movntps: storeAligned, movntpd: storeAligned, movntdq: storeAligned,

  // MOVSS: register to register merges bits 31:0; a load zeroes bits 127:32 (SDM vol 2B, MOVSS).
  movss: (cpu, i) => {
    sse(cpu);
    const x = cpu.xmm, d = i.r0 << 2;
    if (i.k1 === OpKind.Xmm) { x[d] = x[i.r1 << 2]; return; }
    const v = cpu.read32(cpu.ea(i, 4));
    x[d] = v; x[d + 1] = 0; x[d + 2] = 0; x[d + 3] = 0;
  },
  movss_st: (cpu, i) => {
    sse(cpu);
    const x = cpu.xmm, s = i.r1 << 2;
    if (i.k0 === OpKind.Xmm) { x[i.r0 << 2] = x[s]; return; }
    store32(cpu, cpu.ea(i, 4), x[s]);
  },
  // MOVSD: same shape on 64 bits (SDM vol 2B, MOVSD).
  movsd: (cpu, i) => {
    sse(cpu);
    const x = cpu.xmm, d = i.r0 << 2;
    if (i.k1 === OpKind.Xmm) { const s = i.r1 << 2; x[d] = x[s]; x[d + 1] = x[s + 1]; return; }
    const lo = cpu.read64(cpu.ea(i, 8));
    x[d] = lo; x[d + 1] = cpu.hi; x[d + 2] = 0; x[d + 3] = 0;
  },
  movsd_st: (cpu, i) => {
    sse(cpu);
    const x = cpu.xmm, s = i.r1 << 2;
    if (i.k0 === OpKind.Xmm) { const d = i.r0 << 2; x[d] = x[s]; x[d + 1] = x[s + 1]; return; }
    store64(cpu, cpu.ea(i, 8), x[s], x[s + 1]);
  },

  // MOVLPS/MOVLPD load bits 63:0 and keep 127:64; MOVHPS/MOVHPD load bits 127:64 (SDM vol 2B).
  movlps: (cpu, i) => loadHalf(cpu, i, 0),
  movlpd: (cpu, i) => loadHalf(cpu, i, 0),
  movhps: (cpu, i) => loadHalf(cpu, i, 2),
  movhpd: (cpu, i) => loadHalf(cpu, i, 2),
  movlps_st: (cpu, i) => storeHalf(cpu, i, 0),
  movlpd_st: (cpu, i) => storeHalf(cpu, i, 0),
  movhps_st: (cpu, i) => storeHalf(cpu, i, 2),
  movhpd_st: (cpu, i) => storeHalf(cpu, i, 2),
  // MOVHLPS: dest[63:0] = src[127:64]; MOVLHPS: dest[127:64] = src[63:0] (SDM vol 2B).
  movhlps: (cpu, i) => {
    sse(cpu);
    const x = cpu.xmm, d = i.r0 << 2, s = i.r1 << 2;
    const a = x[s + 2], b = x[s + 3];
    x[d] = a; x[d + 1] = b;
  },
  movlhps: (cpu, i) => {
    sse(cpu);
    const x = cpu.xmm, d = i.r0 << 2, s = i.r1 << 2;
    const a = x[s], b = x[s + 1];
    x[d + 2] = a; x[d + 3] = b;
  },

  // MOVD/MOVQ xmm, r/m32/64: zero-extends to 128 bits (SDM vol 2B, MOVD/MOVQ).
  movd_to: (cpu, i) => {
    sse(cpu);
    const lo = cpu.rd(i, 1);
    const hi = i.s1 === 8 ? cpu.hi : 0;
    const x = cpu.xmm, d = i.r0 << 2;
    x[d] = lo; x[d + 1] = hi; x[d + 2] = 0; x[d + 3] = 0;
  },
  // MOVD/MOVQ r/m32/64, xmm: a 32-bit GPR write zero-extends as usual.
  movd_from: (cpu, i) => {
    sse(cpu);
    const x = cpu.xmm, s = i.r1 << 2;
    if (i.k0 === OpKind.Mem) {
      const lin = cpu.ea(i, i.s0);
      if (i.s0 === 8) store64(cpu, lin, x[s], x[s + 1]); else store32(cpu, lin, x[s]);
      return;
    }
    cpu.setReg(i.r0, i.s0, x[s] >>> 0, i.s0 === 8 ? x[s + 1] : 0);
  },
  // MOVQ xmm, xmm/m64 (F3 0F 7E) and MOVQ xmm/m64, xmm (66 0F D6): bits 127:64 of an XMM destination are zeroed.
  movq_load: (cpu, i) => {
    sse(cpu);
    let lo: number, hi: number;
    if (i.k1 === OpKind.Xmm) { const s = i.r1 << 2; lo = cpu.xmm[s]; hi = cpu.xmm[s + 1]; }
    else { lo = cpu.read64(cpu.ea(i, 8)); hi = cpu.hi; }
    const x = cpu.xmm, d = i.r0 << 2;
    x[d] = lo; x[d + 1] = hi; x[d + 2] = 0; x[d + 3] = 0;
  },
  movq_st: (cpu, i) => {
    sse(cpu);
    const x = cpu.xmm, s = i.r1 << 2;
    if (i.k0 === OpKind.Xmm) {
      const d = i.r0 << 2;
      x[d] = x[s]; x[d + 1] = x[s + 1]; x[d + 2] = 0; x[d + 3] = 0;
      return;
    }
    store64(cpu, cpu.ea(i, 8), x[s], x[s + 1]);
  },

  // MOVNTI stores a GPR; it is not subject to CR0.EM/CR4.OSFXSR (SDM vol 3A, table 13-1 note 1).
  movnti: (cpu, i) => {
    const lo = cpu.getReg(i.r1, i.s1), hi = cpu.hi;
    const lin = cpu.ea(i, i.s0);
    if (i.s0 === 8) store64(cpu, lin, lo, hi); else store32(cpu, lin, lo);
  },

  maskmovdqu,
};

function loadHalf(cpu: Cpu, i: Insn, lane: number): void {
  sse(cpu);
  const lo = cpu.read64(cpu.ea(i, 8));
  const x = cpu.xmm, d = (i.r0 << 2) + lane;
  x[d] = lo; x[d + 1] = cpu.hi;
}

function storeHalf(cpu: Cpu, i: Insn, lane: number): void {
  sse(cpu);
  const x = cpu.xmm, s = (i.r1 << 2) + lane;
  store64(cpu, cpu.ea(i, 8), x[s], x[s + 1]);
}

/**
 * MASKMOVDQU: stores the bytes of the first operand whose mask byte (second
 * operand) has bit 7 set, at DS:rDI (segment override allowed), no alignment
 * rule (SDM vol 2B, MASKMOVDQU). Access checks cover all 16 bytes whatever
 * the mask, even an all-zero one, as measured on hardware (the SDM leaves
 * the masked-out and all-zero cases implementation-specific); a #PF leaves
 * memory unchanged.
 */
function maskmovdqu(cpu: Cpu, i: Insn): void {
  sse(cpu);
  const x = cpu.xmm, v = i.r0 << 2, m = i.r1 << 2;
  const seg = i.segOverride >= 0 ? i.segOverride : DS;
  let lin: number;
  if (cpu.mode === CpuMode.Long64 && i.asize === 8) {
    const lo = cpu.regs[14] >>> 0, hi = cpu.regs[15];
    if (((hi << 16) >> 16) !== hi) throw new CpuFault(GP, 0, 0, 'non-canonical MASKMOVDQU address');
    lin = cpu.segAddr(seg, (hi & 0xffff) * 0x1_0000_0000 + lo, 16);
  } else {
    const off = i.asize === 2 ? cpu.regs[14] & 0xffff : cpu.regs[14] >>> 0;
    lin = cpu.segAddr(seg, off, 16);
  }
  cpu.probeWrite(lin, 1);
  probeStore(cpu, lin, 16);
  for (let k = 0; k < 16; k++) {
    if ((x[m + (k >> 2)] >>> ((k & 3) * 8)) & 0x80) cpu.write8(lin + k, (x[v + (k >> 2)] >>> ((k & 3) * 8)) & 0xff);
  }
}
