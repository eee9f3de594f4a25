// Shared pieces of the SSE/SSE2 handlers: the availability checks, operand
// loads and stores with the 16-byte alignment rule, MXCSR bits, and one set
// of scratch typed arrays (no allocation per instruction). XMM register r
// lives in cpu.xmm[4r .. 4r+3], lane 0 = bits 31:0.
import type { Cpu } from '../cpu';
import type { Insn } from '../decode/insn';
import { OpKind } from '../decode/insn';
import { CpuFault } from '../fault';
import { CR0_EM, CR0_TS, CR4_OSFXSR, CR4_OSXMMEXCPT, UD, NM, GP, XM } from '../regs';

export type H = (cpu: Cpu, i: Insn) => void;

// Lanes are reinterpreted through typed-array views, which use the host's
// byte order; XMM byte k must be view byte k, so the host must be little-endian.
if (new Uint8Array(new Uint32Array([1]).buffer)[0] !== 1) throw new Error('sse: little-endian host required');

// ---- scratch: three 16-byte vectors S (source), D (destination), R (result) ----
const buf = new ArrayBuffer(48);
export const I32 = new Int32Array(buf);
export const U32 = new Uint32Array(buf);
export const I16 = new Int16Array(buf);
export const U16 = new Uint16Array(buf);
export const I8 = new Int8Array(buf);
export const U8 = new Uint8Array(buf);
/** Unsigned saturation for free: stores clamp to 0..255. */
export const U8C = new Uint8ClampedArray(buf);
export const F32 = new Float32Array(buf);
export const F64 = new Float64Array(buf);
/** Base indices of S, D and R in each view (by element size). */
export const S32 = 0, D32 = 4, R32 = 8;
export const S16 = 0, D16 = 8, R16 = 16;
export const S8 = 0, D8 = 16, R8 = 32;

/**
 * MXCSR (SDM vol 1, 10.2.3 figure 10-3). A const enum so the values are
 * inlined: exported consts would be property loads on the module object.
 */
export const enum Mx {
  IE = 1, DE = 2, ZE = 4, OE = 8, UE = 16, PE = 32,
  DAZ = 1 << 6, MaskShift = 7, RcShift = 13, Rc = 3 << 13, FTZ = 1 << 15,
  /** Bits LDMXCSR/FXRSTOR accept: 15:0, DAZ included (SDM vol 1, 11.6.6 MXCSR_MASK). */
  Mask = 0xffff,
}

// ---- availability (SDM vol 3A, 13.1 table 13-1; 13.2) ----

/**
 * Legacy SSE instructions: #UD if CR4.OSFXSR=0 or CR0.EM=1 (whatever
 * CR0.TS), else #NM if CR0.TS=1 (SDM vol 3A, table 13-1 "Action Taken for
 * Combinations of OSFXSR, OSXMMEXCPT, SSE, SSE2, SSE3, EM, MP, and TS";
 * 13.2: SSE is never emulated through CR0.EM). CPUID feature bits, the
 * table's third column, are not checked per instruction (the L0 feature
 * policy decides what CPUID reports).
 */
export function sse(cpu: Cpu): void {
  if ((cpu.cr0 & (CR0_EM | CR0_TS)) !== 0 || (cpu.cr4 & CR4_OSFXSR) === 0) sseUnavailable(cpu);
}

function sseUnavailable(cpu: Cpu): never {
  if (cpu.cr0 & CR0_EM) throw new CpuFault(UD, -1, 0, 'SSE instruction with CR0.EM=1');
  if (!(cpu.cr4 & CR4_OSFXSR)) throw new CpuFault(UD, -1, 0, 'SSE instruction with CR4.OSFXSR=0');
  throw new CpuFault(NM, -1, 0, 'SSE instruction with CR0.TS=1');
}

/** A numeric exception that is unmasked: #XM, or #UD when CR4.OSXMMEXCPT=0 (SDM vol 3A, 2.5 CR4.OSXMMEXCPT and table 13-1). */
export function simdFault(cpu: Cpu): never {
  if (cpu.cr4 & CR4_OSXMMEXCPT) throw new CpuFault(XM, -1, 0, 'unmasked SIMD floating-point exception');
  throw new CpuFault(UD, -1, 0, 'unmasked SIMD floating-point exception with CR4.OSXMMEXCPT=0');
}

/** Legacy SSE 128-bit memory operands must be 16-byte aligned (SDM vol 1, 11.4.1 / vol 2A, 2.5 table 2-19). */
export function misaligned(lin: number): never {
  throw new CpuFault(GP, 0, 0, `misaligned 16-byte SSE memory operand at 0x${lin.toString(16)}`);
}

// ---- operand loads into the scratch vectors ----

/** Source slot 1, 128 bits, into S. `align`: the legacy-SSE 16-byte rule applies. */
export function ldS(cpu: Cpu, i: Insn, align: boolean): void {
  if (i.k1 === OpKind.Xmm) {
    const x = cpu.xmm, s = i.r1 << 2;
    I32[0] = x[s]; I32[1] = x[s + 1]; I32[2] = x[s + 2]; I32[3] = x[s + 3];
    return;
  }
  const lin = cpu.ea(i, 16);
  if (align && (lin & 15) !== 0) misaligned(lin);
  I32[0] = cpu.read32(lin); I32[1] = cpu.read32(lin + 4); I32[2] = cpu.read32(lin + 8); I32[3] = cpu.read32(lin + 12);
}

/** Source slot 1, low 64 bits, into S[0..1] (memory: an m64 operand, no alignment rule). */
export function ldS64(cpu: Cpu, i: Insn): void {
  if (i.k1 === OpKind.Xmm) {
    const x = cpu.xmm, s = i.r1 << 2;
    I32[0] = x[s]; I32[1] = x[s + 1];
    return;
  }
  const lin = cpu.ea(i, 8);
  I32[0] = cpu.read32(lin); I32[1] = cpu.read32(lin + 4);
}

/** Source slot 1, low 32 bits, into S[0]. */
export function ldS32(cpu: Cpu, i: Insn): void {
  if (i.k1 === OpKind.Xmm) { I32[0] = cpu.xmm[i.r1 << 2]; return; }
  I32[0] = cpu.read32(cpu.ea(i, 4));
}

/** Destination register (slot 0) into D. */
export function ldD(cpu: Cpu, i: Insn): void {
  const x = cpu.xmm, d = i.r0 << 2;
  I32[4] = x[d]; I32[5] = x[d + 1]; I32[6] = x[d + 2]; I32[7] = x[d + 3];
}

/** D back into the destination register (slot 0). */
export function stD(cpu: Cpu, i: Insn): void {
  const x = cpu.xmm, d = i.r0 << 2;
  x[d] = I32[4]; x[d + 1] = I32[5]; x[d + 2] = I32[6]; x[d + 3] = I32[7];
}

/** R into the destination register (slot 0). */
export function stR(cpu: Cpu, i: Insn): void {
  const x = cpu.xmm, d = i.r0 << 2;
  x[d] = I32[8]; x[d + 1] = I32[9]; x[d + 2] = I32[10]; x[d + 3] = I32[11];
}

/** Loads S (from slot 1) and D (slot 0) for a two-operand packed operation. */
export function ldSD(cpu: Cpu, i: Insn, align: boolean): void {
  ldS(cpu, i, align);
  ldD(cpu, i);
}

/**
 * Before a store of `size` bytes that crosses a page boundary: checks both
 * pages so the store is all or nothing (precise exceptions). The second page
 * is probed at its first byte, the address hardware reports in CR2 for the
 * #PF (SDM vol 3A, 4.7: CR2 holds the linear address that caused the fault).
 */
export function probeStore(cpu: Cpu, lin: number, size: number): void {
  const off = lin & 0xfff;
  if (off + size > 0x1000) {
    cpu.probeWrite(lin, 1);
    cpu.probeWrite(lin - off + 0x1000, 1);
  }
}

/** 32-bit store with the page-crossing rule of probeStore. */
export function store32(cpu: Cpu, lin: number, v: number): void {
  probeStore(cpu, lin, 4);
  cpu.write32(lin, v);
}

/** 64-bit store with the page-crossing rule of probeStore. */
export function store64(cpu: Cpu, lin: number, lo: number, hi: number): void {
  probeStore(cpu, lin, 8);
  cpu.write64(lin, lo, hi);
}

/** Stores 16 bytes from cpu.xmm[base..base+3] at `lin`, all or nothing. */
export function store128(cpu: Cpu, lin: number, base: number): void {
  probeStore(cpu, lin, 16);
  const x = cpu.xmm;
  cpu.write32(lin, x[base]); cpu.write32(lin + 4, x[base + 1]);
  cpu.write32(lin + 8, x[base + 2]); cpu.write32(lin + 12, x[base + 3]);
}

/** Store form `W, V` (slot 0 = register or memory, slot 1 = XMM), 128 bits. */
export function stW128(cpu: Cpu, i: Insn, align: boolean): void {
  const x = cpu.xmm, s = i.r1 << 2;
  if (i.k0 === OpKind.Xmm) {
    const d = i.r0 << 2;
    x[d] = x[s]; x[d + 1] = x[s + 1]; x[d + 2] = x[s + 2]; x[d + 3] = x[s + 3];
    return;
  }
  const lin = cpu.ea(i, 16);
  if (align && (lin & 15) !== 0) misaligned(lin);
  store128(cpu, lin, s);
}
