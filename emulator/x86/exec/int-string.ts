// String instructions MOVS, CMPS, STOS, LODS, SCAS with REP/REPE/REPNE in
// every address size (SDM vol 2B "MOVS", "CMPS", "STOS", "LODS", "SCAS",
// "REP/REPE/REPZ/REPNE/REPNZ"; vol 1, 7.3.9).
//
// rSI/rDI/rCX are SI/ESI/RSI etc. by the address size. Each iteration
// updates the registers as it completes, so an exception in the middle of a
// REP leaves them describing exactly the iterations done, with RIP still at
// the instruction: re-executing it resumes (vol 1, 7.3.9.3; vol 3A, 6.5).
// A long REP yields after a bounded amount of work (RIP kept at the
// instruction, block ended) so interrupts and the debugger get in, as
// hardware services interrupts between iterations.
//
// REP MOVS/STOS move whole runs inside one page pair at a time when both
// sides are ordinary RAM (not MMIO, not a page holding decoded code) and the
// run does not overlap itself.
import type { Cpu } from '../cpu';
import type { Insn } from '../decode/insn';
import { PFX_REP, PFX_REPNE } from '../decode/insn';
import { Access } from '../mmu';
import { LazyOp, getZF } from '../flags';
import { CpuMode } from '../state';
import { DF, ES } from '../regs';
import { H, MASK, TWO32, linOf, lazy, dsSeg } from './int-util';

/** Elements per handler call on the element-by-element path before yielding. */
const MAX_ELEMS = 4096;
/** Bytes per handler call on the bulk path before yielding. */
const MAX_BYTES = 1 << 18;

const RSI = 6, RDI = 7;

function addrLo(cpu: Cpu, r: number, asz: number): number {
  const v = cpu.regs[r << 1];
  return asz === 2 ? v & 0xffff : v >>> 0;
}
function addrHi(cpu: Cpu, r: number, asz: number): number {
  return asz === 8 ? cpu.regs[(r << 1) + 1] : 0;
}
/** Linear address of seg:rSI / ES:rDI. */
function strLin(cpu: Cpu, seg: number, r: number, asz: number, size: number): number {
  return linOf(cpu, seg, addrLo(cpu, r, asz), addrHi(cpu, r, asz), size);
}

/** The count register at the address size, as a number (a 64-bit count ≥ 2^32 reads as 2^32: enough for any bound). */
function count(cpu: Cpu, asz: number): number {
  const regs = cpu.regs;
  if (asz === 2) return regs[2] & 0xffff;
  if (asz === 8 && regs[3] !== 0) return TWO32;
  return regs[2] >>> 0;
}

const isRep = (i: Insn): boolean => (i.pfx & (PFX_REP | PFX_REPNE)) !== 0;

/** Yields: the instruction is re-executed (same RIP) after the run loop had a chance to service events. */
function yieldRep(cpu: Cpu): void {
  cpu.nextRip = cpu.rip;
  cpu.exitBlock = true;
}

// -------------------------------------------------------- one element

function movsOne(cpu: Cpu, s: number, asz: number, seg: number, d: number): void {
  const v = cpu.readSize(strLin(cpu, seg, RSI, asz, s), s);
  const vh = cpu.hi;
  cpu.writeSize(strLin(cpu, ES, RDI, asz, s), s, v, vh);
  cpu.addReg(RSI, asz, d);
  cpu.addReg(RDI, asz, d);
}

function stosOne(cpu: Cpu, s: number, asz: number, d: number): void {
  const regs = cpu.regs;
  cpu.writeSize(strLin(cpu, ES, RDI, asz, s), s, regs[0] & MASK[s], regs[1]);
  cpu.addReg(RDI, asz, d);
}

function lodsOne(cpu: Cpu, s: number, asz: number, seg: number, d: number): void {
  const v = cpu.readSize(strLin(cpu, seg, RSI, asz, s), s);
  cpu.setReg(0, s, v, s === 8 ? cpu.hi : 0);
  cpu.addReg(RSI, asz, d);
}

/** CMPS: flags of [seg:rSI] − [ES:rDI] (SDM vol 2A, CMPS: "temp ← SRC1 − SRC2"). */
function cmpsOne(cpu: Cpu, s: number, asz: number, seg: number, d: number): void {
  const a = cpu.readSize(strLin(cpu, seg, RSI, asz, s), s); const ah = s === 8 ? cpu.hi : 0;
  const b = cpu.readSize(strLin(cpu, ES, RDI, asz, s), s); const bh = s === 8 ? cpu.hi : 0;
  cpu.addReg(RSI, asz, d);
  cpu.addReg(RDI, asz, d);
  subFlags(cpu, s, a, ah, b, bh);
}

/** SCAS: flags of accumulator − [ES:rDI]. */
function scasOne(cpu: Cpu, s: number, asz: number, d: number): void {
  const b = cpu.readSize(strLin(cpu, ES, RDI, asz, s), s); const bh = s === 8 ? cpu.hi : 0;
  const a = cpu.getReg(0, s); const ah = s === 8 ? cpu.hi : 0;
  cpu.addReg(RDI, asz, d);
  subFlags(cpu, s, a, ah, b, bh);
}

function subFlags(cpu: Cpu, s: number, a: number, ah: number, b: number, bh: number): void {
  const t = a - b;
  const r = s === 8 || s === 4 ? t >>> 0 : t & MASK[s];
  const h = s === 8 ? (ah - bh - (t < 0 ? 1 : 0)) | 0 : 0;
  lazy(cpu, LazyOp.Sub, s, a, ah, b, bh, r, h);
}

// ----------------------------------------------------------- bulk path

/**
 * The RAM page behind `lin` for a bulk access, or null when the access must
 * go element by element (MMIO, or a write to a page holding decoded code,
 * whose writes must invalidate the code cache). Translation faults are
 * raised here, for the first element of the run: exactly the element that
 * would fault on the element-by-element path.
 */
function bulkPage(cpu: Cpu, lin: number, write: boolean): Uint8Array | null {
  const phys = cpu.mmu.translate(lin, write ? Access.Write : Access.Read, cpu.cpl === 3);
  const pfn = Math.floor(phys / 4096);
  const mem = cpu.plat.mem;
  if (write && mem.codePages[pfn]) return null;
  return mem.page(pfn);
}

/**
 * How many elements starting at offset `off` (linear `lin`) fit in the run:
 * same linear page, no wrap of the address-size offset, inside the segment
 * limit (outside 64-bit mode). 0 means "take the element path".
 */
function runLength(cpu: Cpu, seg: number, off: number, lin: number, s: number, asz: number, back: boolean, want: number): number {
  const po = lin & 0xfff;
  if (po + s > 4096) return 0;
  let n = back ? Math.floor(po / s) + 1 : Math.floor((4096 - po) / s);
  if (asz !== 8) {
    const top = asz === 2 ? 0x10000 : TWO32;
    n = Math.min(n, back ? Math.floor(off / s) + 1 : Math.floor((top - off) / s));
  }
  if (n > want) n = want;
  if (n <= 0) return 0;
  if (cpu.mode !== CpuMode.Long64) {
    // Normal (expand-up) segment only; the run's highest byte must be within the limit (SDM vol 3A, 5.3).
    const ar = cpu.segAr[seg];
    if ((ar & 0x1c) === 0x14) return 0;
    const hiOff = back ? off + s - 1 : off + n * s - 1;
    if (hiOff > cpu.segLimit[seg]) return 0;
  }
  return n;
}

/** REP MOVS bulk step: returns elements moved (0: do one element the slow way). */
function movsBulk(cpu: Cpu, s: number, asz: number, seg: number, back: boolean, want: number): number {
  const so = addrLo(cpu, RSI, asz), doff = addrLo(cpu, RDI, asz);
  const sl = linOf(cpu, seg, so, addrHi(cpu, RSI, asz), s);
  const dl = linOf(cpu, ES, doff, addrHi(cpu, RDI, asz), s);
  let n = runLength(cpu, seg, so, sl, s, asz, back, want);
  if (n > 1) n = runLength(cpu, ES, doff, dl, s, asz, back, n);
  if (n <= 1) return 0;
  const sp = bulkPage(cpu, sl, false);
  const dp = bulkPage(cpu, dl, true);
  if (sp === null || dp === null) return 0;
  const bytes = n * s;
  const sStart = back ? (sl & 0xfff) - (n - 1) * s : sl & 0xfff;
  const dStart = back ? (dl & 0xfff) - (n - 1) * s : dl & 0xfff;
  // Overlapping runs in one page copy differently element by element than a block move.
  if (sp === dp && sStart < dStart + bytes && dStart < sStart + bytes) return 0;
  dp.set(sp.subarray(sStart, sStart + bytes), dStart);
  return n;
}

/** REP STOS bulk step. */
function stosBulk(cpu: Cpu, s: number, asz: number, back: boolean, want: number): number {
  const doff = addrLo(cpu, RDI, asz);
  const dl = linOf(cpu, ES, doff, addrHi(cpu, RDI, asz), s);
  const n = runLength(cpu, ES, doff, dl, s, asz, back, want);
  if (n <= 1) return 0;
  const dp = bulkPage(cpu, dl, true);
  if (dp === null) return 0;
  const start = back ? (dl & 0xfff) - (n - 1) * s : dl & 0xfff;
  const regs = cpu.regs;
  if (s === 1) dp.fill(regs[0] & 0xff, start, start + n);
  else {
    const lo = regs[0], hi = regs[1];
    for (let k = 0, o = start; k < n; k++, o += s) {
      dp[o] = lo; dp[o + 1] = lo >> 8;
      if (s >= 4) { dp[o + 2] = lo >> 16; dp[o + 3] = lo >> 24; }
      if (s === 8) { dp[o + 4] = hi; dp[o + 5] = hi >> 8; dp[o + 6] = hi >> 16; dp[o + 7] = hi >> 24; }
    }
  }
  return n;
}

// ------------------------------------------------------------ handlers

/** SDM vol 2B, MOVS: [ES:rDI] ← [seg:rSI]; both advance by ±size (DF). */
const movs: H = (cpu, i) => {
  const s = i.s0, asz = i.asize, seg = dsSeg(i);
  const back = (cpu.flagsRest & DF) !== 0;
  const d = back ? -s : s;
  if (!isRep(i)) { movsOne(cpu, s, asz, seg, d); return; }
  let bytes = 0;
  for (;;) {
    const c = count(cpu, asz);
    if (c === 0) return;
    if (bytes >= MAX_BYTES) { yieldRep(cpu); return; }
    const n = movsBulk(cpu, s, asz, seg, back, c);
    if (n > 0) {
      cpu.addReg(RSI, asz, d * n); cpu.addReg(RDI, asz, d * n); cpu.addReg(1, asz, -n);
      bytes += n * s;
    } else {
      movsOne(cpu, s, asz, seg, d);
      cpu.addReg(1, asz, -1);
      bytes += 64; // element path: yield after MAX_BYTES/64 elements
    }
  }
};

/** SDM vol 2B, STOS: [ES:rDI] ← AL/AX/EAX/RAX. */
const stos: H = (cpu, i) => {
  const s = i.s0, asz = i.asize;
  const back = (cpu.flagsRest & DF) !== 0;
  const d = back ? -s : s;
  if (!isRep(i)) { stosOne(cpu, s, asz, d); return; }
  let bytes = 0;
  for (;;) {
    const c = count(cpu, asz);
    if (c === 0) return;
    if (bytes >= MAX_BYTES) { yieldRep(cpu); return; }
    const n = stosBulk(cpu, s, asz, back, c);
    if (n > 0) {
      cpu.addReg(RDI, asz, d * n); cpu.addReg(1, asz, -n);
      bytes += n * s;
    } else {
      stosOne(cpu, s, asz, d);
      cpu.addReg(1, asz, -1);
      bytes += 64;
    }
  }
};

/** SDM vol 2A, LODS: accumulator ← [seg:rSI] (REP LODS is legal and keeps the last element). */
const lods: H = (cpu, i) => {
  const s = i.s0, asz = i.asize, seg = dsSeg(i);
  const d = (cpu.flagsRest & DF) !== 0 ? -s : s;
  if (!isRep(i)) { lodsOne(cpu, s, asz, seg, d); return; }
  for (let k = 0; ; k++) {
    if (count(cpu, asz) === 0) return;
    if (k >= MAX_ELEMS) { yieldRep(cpu); return; }
    lodsOne(cpu, s, asz, seg, d);
    cpu.addReg(1, asz, -1);
  }
};

/**
 * REPE/REPNE loop for CMPS and SCAS: after each element the count is
 * decremented; the loop ends at count 0, or when ZF = 0 (REPE) / ZF = 1
 * (REPNE) (SDM vol 2B, REP: "Operation").
 */
function repCompare(cmps: boolean): H {
  return (cpu, i) => {
    const s = i.s0, asz = i.asize, seg = dsSeg(i);
    const d = (cpu.flagsRest & DF) !== 0 ? -s : s;
    if (!isRep(i)) { if (cmps) cmpsOne(cpu, s, asz, seg, d); else scasOne(cpu, s, asz, d); return; }
    const repe = (i.pfx & PFX_REP) !== 0;
    for (let k = 0; ; k++) {
      if (count(cpu, asz) === 0) return;
      if (k >= MAX_ELEMS) { yieldRep(cpu); return; }
      if (cmps) cmpsOne(cpu, s, asz, seg, d); else scasOne(cpu, s, asz, d);
      cpu.addReg(1, asz, -1);
      if (getZF(cpu) !== repe) return;
    }
  };
}

export const stringHandlers: Record<string, H> = {
  movs, stos, lods, cmps: repCompare(true), scas: repCompare(false),
};
