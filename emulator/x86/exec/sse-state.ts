// MXCSR load/store and the FXSAVE/FXRSTOR image (SDM vol 2A, LDMXCSR,
// STMXCSR, FXSAVE, FXRSTOR; the layout is SDM vol 1, 10.5.1 table 10-2).
// The x87 unit is not emulated: its part of the image is kept as data
// (cpu.fcw, cpu.fsw, cpu.ftw as the abridged 8-bit tag word, and the other
// bytes 0..159 raw in cpu.fpuImage), so a save/restore round trip is exact.
// FOP/FIP/FCS/FDP/FDS are stored as they were last restored, which also makes
// the 64-bit (REX.W) and 32-bit layouts of bytes 8..23 round-trip unchanged.
import type { Cpu } from '../cpu';
import type { Insn } from '../decode/insn';
import { CpuFault } from '../fault';
import { CpuMode } from '../state';
import { CR0_EM, CR0_TS, GP, NM } from '../regs';
import { H, sse, misaligned, probeStore, store32, Mx } from './sse-common';

/** AMD fast FXSAVE/FXRSTOR enable (APM vol 2, 3.1.7 EFER.FFXSR). */
const EFER_FFXSR = 1 << 14;
const image = new Uint8Array(512);

function reservedMxcsr(v: number): boolean {
  return (v & ~Mx.Mask) !== 0;
}

/**
 * FXSAVE/FXRSTOR: #NM if CR0.TS or CR0.EM is set (they are not subject to
 * CR4.OSFXSR: SDM vol 2A, FXSAVE "Protected Mode Exceptions"); #GP(0) for a
 * memory operand not aligned on 16 bytes. Returns the image's linear address.
 */
function fxOperand(cpu: Cpu, i: Insn): number {
  if (cpu.cr0 & (CR0_TS | CR0_EM)) throw new CpuFault(NM, -1, 0, 'FXSAVE/FXRSTOR with CR0.TS or CR0.EM set');
  const lin = cpu.ea(i, 512);
  if ((lin & 15) !== 0) misaligned(lin);
  return lin;
}

/**
 * XMM registers in the image: XMM0-15 in 64-bit mode, XMM0-7 elsewhere
 * (SDM vol 1, 10.5.1); none with AMD's fast FXSAVE/FXRSTOR at CPL 0 in
 * 64-bit mode. With CR4.OSFXSR=0 the SDM leaves saving XMM/MXCSR
 * implementation-dependent; they are always saved and restored here.
 */
function xmmCount(cpu: Cpu): number {
  if (cpu.mode !== CpuMode.Long64) return 8;
  return (cpu.efer & EFER_FFXSR) !== 0 && cpu.cpl === 0 ? 0 : 16;
}

function fxsave(cpu: Cpu, i: Insn): void {
  const lin = fxOperand(cpu, i);
  const n = xmmCount(cpu);
  probeStore(cpu, lin, 160 + 16 * n);
  const img = cpu.fpuImage;
  for (let k = 0; k < 160; k += 4) {
    let v: number;
    if (k === 0) v = (cpu.fcw & 0xffff) | ((cpu.fsw & 0xffff) << 16);
    else if (k === 4) v = (cpu.ftw & 0xff) | (img[6] << 16) | (img[7] << 24); // byte 5 reserved: 0
    else if (k === 24) v = cpu.mxcsr;
    else if (k === 28) v = Mx.Mask;
    else v = img[k] | (img[k + 1] << 8) | (img[k + 2] << 16) | (img[k + 3] << 24);
    cpu.write32(lin + k, v);
  }
  const x = cpu.xmm;
  for (let r = 0; r < n * 4; r++) cpu.write32(lin + 160 + 4 * r, x[r]);
}

function fxrstor(cpu: Cpu, i: Insn): void {
  const lin = fxOperand(cpu, i);
  const n = xmmCount(cpu);
  const end = 160 + 16 * n;
  for (let k = 0; k < end; k += 4) {
    const v = cpu.read32(lin + k);
    image[k] = v; image[k + 1] = v >>> 8; image[k + 2] = v >>> 16; image[k + 3] = v >>> 24;
  }
  const mx = image[24] | (image[25] << 8) | (image[26] << 16) | (image[27] << 24);
  // A reserved MXCSR bit set in the image is #GP(0), before any state changes (SDM vol 2A, FXRSTOR).
  if (reservedMxcsr(mx)) throw new CpuFault(GP, 0, 0, `FXRSTOR: reserved MXCSR bits in 0x${(mx >>> 0).toString(16)}`);
  cpu.fcw = image[0] | (image[1] << 8);
  cpu.fsw = image[2] | (image[3] << 8);
  cpu.ftw = image[4];
  cpu.fpuImage.set(image.subarray(0, 160));
  cpu.mxcsr = mx >>> 0;
  const x = cpu.xmm;
  for (let r = 0; r < n * 4; r++) {
    const k = 160 + 4 * r;
    x[r] = image[k] | (image[k + 1] << 8) | (image[k + 2] << 16) | (image[k + 3] << 24);
  }
}

export const handlers: Record<string, H> = {
  // LDMXCSR m32: #GP(0) if a reserved bit (outside Mx.Mask) is set (SDM vol 2A, LDMXCSR).
  ldmxcsr: (cpu, i) => {
    sse(cpu);
    const v = cpu.read32(cpu.ea(i, 4));
    if (reservedMxcsr(v)) throw new CpuFault(GP, 0, 0, `LDMXCSR: reserved bits in 0x${v.toString(16)}`);
    cpu.mxcsr = v;
  },
  stmxcsr: (cpu, i) => {
    sse(cpu);
    store32(cpu, cpu.ea(i, 4), cpu.mxcsr);
  },
  fxsave, fxrstor,
};
