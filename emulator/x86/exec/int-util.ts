// Shared pieces of the integer handlers: operand-size masks, lazy-flag
// recording, handler quickening, and effective/linear address helpers for
// the forms cpu.ea() does not cover (bit-string offsets, POP [rSP], string
// and XLAT operands). Nothing here allocates per executed instruction.
import type { Cpu } from '../cpu';
import type { Insn } from '../decode/insn';
import { BASE_RIP, OpKind } from '../decode/insn';
import { CpuFault } from '../fault';
import { Access } from '../mmu';
import { CpuMode } from '../state';
import { LazyOp } from '../flags';
import { foldedHi } from '../canon';
import { ARITH_FLAGS, CS, FS, GS, SS } from '../regs';

export type H = (cpu: Cpu, i: Insn) => void;

export const TWO32 = 0x1_0000_0000;
/** Value mask by operand size in bytes (for 8: the mask of each half). */
export const MASK = [0, 0xff, 0xffff, 0, 0xffffffff, 0, 0, 0, 0xffffffff];
/** Sign bit by operand size (for 8: bit 31 of the high half). */
export const SIGN = [0, 0x80, 0x8000, 0, 0x80000000, 0, 0, 0, 0x80000000];
/** Operand width in bits by size in bytes. */
export const BITS = [0, 8, 16, 0, 32, 0, 0, 0, 64];

/**
 * Quickening: the first execution of a decoded instruction replaces its
 * handler by one specialised for its decoded operand kinds and sizes (which
 * never change for that Insn, since decoded blocks are keyed by physical
 * address and mode). `pick` runs once per decoded instruction.
 */
export function quicken(pick: (i: Insn) => H): H {
  return (cpu, i) => {
    const f = pick(i);
    i.exec = f;
    f(cpu, i);
  };
}

/**
 * CPUID features the integer instructions depend on, in QEMU's `-cpu`
 * spelling (cpu.model.has). The instruction is #UD (or, for LZCNT/TZCNT,
 * decodes as BSR/BSF) when the feature is off.
 */
export const INT_FEAT = {
  popcnt: 'popcnt', // CPUID.01H:ECX.POPCNT[23]
  cx16: 'cx16', // CPUID.01H:ECX.CMPXCHG16B[13]
  lahfLm: 'lahf-lm', // CPUID.80000001H:ECX.LAHF-SAHF[0]
  abm: 'abm', // CPUID.80000001H:ECX.LZCNT[5]
  bmi1: 'bmi1', // CPUID.(EAX=07H,ECX=0):EBX.BMI1[3] (TZCNT)
} as const;

/** Sign-extends the low `size` bytes of v to a 32-bit signed number (size 1, 2, 4). */
export function sx(v: number, size: number): number {
  return size === 1 ? (v << 24) >> 24 : size === 2 ? (v << 16) >> 16 : v | 0;
}

// ------------------------------------------------------------ flags

/** Records a lazily evaluated flag-setting result (flags.ts LazyOp semantics). */
export function lazy(cpu: Cpu, op: LazyOp, s: number, a: number, ah: number, b: number, bh: number, r: number, rh: number): void {
  cpu.lop = op; cpu.lsz = s;
  cpu.la = a; cpu.lah = ah; cpu.lb = b; cpu.lbh = bh; cpu.lr = r; cpu.lrh = rh;
}

/** Shift/multiply/bit-scan style result: CF and OF given, SF/ZF/PF from the result, AF=0 (flags.ts Explicit). */
export function explicit(cpu: Cpu, s: number, r: number, rh: number, cf: number, of: number): void {
  cpu.lop = LazyOp.Explicit; cpu.lsz = s; cpu.lr = r; cpu.lrh = rh; cpu.lcf = cf; cpu.lof = of;
}

/** Sets all six arithmetic flags at once (materialized form: lop None, bits in flagsRest). */
export function setAllArith(cpu: Cpu, bits: number): void {
  cpu.flagsRest = ((cpu.flagsRest & ~ARITH_FLAGS) | (bits & ARITH_FLAGS)) >>> 0;
  cpu.lop = LazyOp.None;
}

// --------------------------------------------------- 64-bit helpers

/** Scratch results of the 64-bit helpers below (module state: no allocation). */
export const R64 = { lo: 0, hi: 0 };

/** (hi:lo) << c for c in 0..63; result in R64 (lo unsigned, hi signed int32). */
export function shl64(lo: number, hi: number, c: number): void {
  if (c === 0) { R64.lo = lo >>> 0; R64.hi = hi | 0; }
  else if (c < 32) { R64.hi = (hi << c) | (lo >>> (32 - c)); R64.lo = (lo << c) >>> 0; }
  else { R64.hi = lo << (c - 32); R64.lo = 0; }
}

/** Logical (hi:lo) >>> c for c in 0..64. */
export function shr64(lo: number, hi: number, c: number): void {
  if (c === 0) { R64.lo = lo >>> 0; R64.hi = hi | 0; }
  else if (c < 32) { R64.lo = ((lo >>> c) | (hi << (32 - c))) >>> 0; R64.hi = hi >>> c | 0; }
  else if (c < 64) { R64.lo = hi >>> (c - 32); R64.hi = 0; }
  else { R64.lo = 0; R64.hi = 0; }
}

/** Arithmetic (hi:lo) >> c for c in 0..63. */
export function sar64(lo: number, hi: number, c: number): void {
  if (c === 0) { R64.lo = lo >>> 0; R64.hi = hi | 0; }
  else if (c < 32) { R64.lo = ((lo >>> c) | (hi << (32 - c))) >>> 0; R64.hi = hi >> c; }
  else { R64.lo = (hi >> (c - 32)) >>> 0; R64.hi = hi >> 31; }
}

/** Bit k (0..63) of hi:lo. */
export function bit64(lo: number, hi: number, k: number): number {
  return k >= 32 ? (hi >>> (k - 32)) & 1 : (lo >>> k) & 1;
}

// -------------------------------------------------------- addresses

/**
 * seg:offset to a linear address for implicit and computed operands.
 * `lo`/`hi` is the offset already truncated to the address size. In 64-bit
 * mode only FS/GS add a base and the result must be canonical (SDM vol 3A,
 * 3.3.7.1; #SS for SS-relative, else #GP(0)); elsewhere the segment limit is
 * checked (cpu.segAddr, SDM vol 3A, 5.3).
 */
export function linOf(cpu: Cpu, seg: number, lo: number, hi: number, size: number): number {
  if (cpu.mode === CpuMode.Long64) {
    lo >>>= 0;
    if (seg === FS || seg === GS) {
      const b = cpu.segBase[seg];
      const t = lo + (b >>> 0);
      lo = t >>> 0;
      hi = (hi + foldedHi(b) + (t >= TWO32 ? 1 : 0)) | 0;
    }
    if (((hi << 16) >> 16) !== hi) throw new CpuFault(seg === SS ? 12 : 13, 0, 0, 'non-canonical address');
    return (hi & 0xffff) * TWO32 + lo;
  }
  return cpu.segAddr(seg, lo >>> 0, size);
}

/**
 * Prepares a read-modify-write memory operand at `lin`: processors read it
 * with write intent, so it is translated for writing first — a #PF reports
 * a write access (error code W=1, even though the read comes first), and a
 * page-crossing operand faults at the first byte of the second page (SDM
 * vol 3A, 4.7: CR2 is the linear address that caused the fault). Leaves lin
 * in cpu.opLin for cpu.wr(..., reuse).
 */
export function rmwPrepare(cpu: Cpu, lin: number, size: number): void {
  const user = cpu.cpl === 3;
  cpu.mmu.translate(lin, Access.Write, user);
  const po = lin % 4096;
  if (po + size > 4096) cpu.mmu.translate(lin - po + 4096, Access.Write, user);
  cpu.opLin = lin;
}

/** Reads operand 0 of a read-modify-write instruction (memory: with write intent, see rmwPrepare); high half in cpu.hi. */
export function rdRmw(cpu: Cpu, i: Insn): number {
  if (i.k0 !== OpKind.Mem) return cpu.rd(i, 0);
  const s = i.s0;
  const lin = cpu.ea(i, s);
  rmwPrepare(cpu, lin, s);
  return cpu.readSize(lin, s);
}

/** High half of the last effOffset() result. */
let effHi = 0;

/**
 * The effective address (offset, before segmentation) of the instruction's
 * ModRM memory operand plus an extra signed 64-bit displacement, wrapped to
 * the address size (SDM vol 1, 3.7.5; vol 2A, 2.1.5). `rspAdd` is added when
 * the base is rSP (POP r/m computes the address after incrementing rSP, SDM
 * vol 2B, POP). Returns bits 31:0; bits 63:32 are left in effHi.
 */
function effOffset(cpu: Cpu, i: Insn, exLo: number, exHi: number, rspAdd: number): number {
  const regs = cpu.regs;
  let lo = 0, hi = 0;
  const base = i.base;
  if (base >= 0) {
    if (base === BASE_RIP) { lo = cpu.nextRip >>> 0; hi = foldedHi(cpu.nextRip); }
    else { lo = regs[base << 1] >>> 0; hi = regs[(base << 1) + 1]; }
    if (base === 4 && rspAdd !== 0) {
      // The stack pointer is stackSize wide; add there (carry into hi only for 64-bit stacks).
      const t = lo + rspAdd;
      lo = t >>> 0;
      hi = (hi + (t >= TWO32 ? 1 : 0)) | 0;
    }
  } else if (i.index < 0) {
    hi = i.dispHi; // moffs64 / absolute disp32 (sign extension comes from the carry below)
  }
  let t = lo + i.disp + (exLo >>> 0);
  hi = (hi + exHi) | 0;
  if (i.index >= 0) {
    const k = i.index << 1;
    t += (regs[k] >>> 0) * (1 << i.scale);
    hi = (hi + (regs[k + 1] << i.scale)) | 0;
  }
  lo = t >>> 0;
  hi = (hi + (t - lo) / TWO32) | 0; // the carry/borrow out of bits 31:0 (exact: t is an integer)
  if (i.asize === 8) { effHi = hi; return lo; }
  effHi = 0;
  return i.asize === 4 ? lo : lo & 0xffff;
}

/** Linear address of the ModRM memory operand displaced by a signed 64-bit byte offset (bit strings). */
export function eaExtra(cpu: Cpu, i: Insn, size: number, exLo: number, exHi: number): number {
  const lo = effOffset(cpu, i, exLo, exHi, 0);
  return linOf(cpu, i.seg, lo, effHi, size);
}

/** Linear address of the ModRM memory operand with rSP taken as rSP + rspAdd (POP r/m). */
export function eaAfterPop(cpu: Cpu, i: Insn, size: number, rspAdd: number): number {
  const lo = effOffset(cpu, i, 0, 0, rspAdd);
  return linOf(cpu, i.seg, lo, effHi, size);
}

/** LEA: the effective address itself, at the address size (caller truncates to the operand size). */
export function leaOffset(cpu: Cpu, i: Insn): number {
  const lo = effOffset(cpu, i, 0, 0, 0);
  cpu.hi = effHi;
  return lo;
}

/** Segment of an implicit DS-relative operand (string source, XLAT): DS unless overridden. */
export function dsSeg(i: Insn): number {
  return i.segOverride >= 0 ? i.segOverride : 3;
}

// ----------------------------------------------------------- branches

/**
 * Commits a near branch target: the target must lie within CS's limit
 * outside 64-bit mode and be canonical in 64-bit mode, else #GP(0) with no
 * state changed (SDM vol 2A, JMP/CALL/Jcc "Operation"). `lo`/`hi` are the
 * target's halves, already truncated to the operand size.
 */
export function branchTo(cpu: Cpu, lo: number, hi: number): void {
  if (cpu.mode === CpuMode.Long64) {
    if (((hi << 16) >> 16) !== hi) throw new CpuFault(13, 0, 0, 'non-canonical branch target');
    cpu.nextRip = (hi & 0xffff) * TWO32 + (lo >>> 0);
    return;
  }
  checkLimit(cpu, lo >>> 0);
  cpu.nextRip = lo >>> 0;
}

/** Validates a target without committing it (callers that must change other state first). */
export function checkTarget(cpu: Cpu, lo: number, hi: number): void {
  if (cpu.mode === CpuMode.Long64) {
    if (((hi << 16) >> 16) !== hi) throw new CpuFault(13, 0, 0, 'non-canonical branch target');
  } else checkLimit(cpu, lo >>> 0);
}

function checkLimit(cpu: Cpu, eip: number): void {
  // SDM vol 2A, JMP: "IF tempEIP is not within code segment limit THEN #GP(0)".
  if (eip > cpu.segLimit[CS]) throw new CpuFault(13, 0, 0, 'branch target outside CS limit');
}

/** Scratch for relative targets: RT.lo / RT.hi. */
export const RT = { lo: 0, hi: 0 };

/**
 * nextRip + signed displacement at the operand size: 16/32-bit targets wrap
 * (SDM vol 2A, Jcc: "IF OperandSize = 16 THEN EIP ← EIP AND 0000FFFFH"),
 * 64-bit targets are the full sum (checked for canonicality by the caller).
 */
export function relTarget(cpu: Cpu, i: Insn): void {
  if (cpu.mode === CpuMode.Long64) {
    // Unfold RIP to a signed value in [-2^47, 2^47), add, split.
    const r = cpu.nextRip;
    const v = (r >= 0x8000_0000_0000 ? r - 0x1_0000_0000_0000 : r) + i.imm;
    RT.lo = v >>> 0;
    RT.hi = Math.floor(v / TWO32) | 0;
    return;
  }
  const t = cpu.nextRip + i.imm;
  RT.lo = i.osize === 2 ? t & 0xffff : t >>> 0;
  RT.hi = 0;
}
