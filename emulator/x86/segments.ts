// Segment descriptors and segment-register loads (SDM vol 3A, chapters 3
// and 5). Descriptors are read into one shared scratch record (no allocation
// per load); the hidden parts of segment registers are kept in the VMCS
// access-rights format (state.ts), so descriptor bits 47:40 and 55:52 map to
// AR bits 7:0 and 15:12.
import type { Cpu } from './cpu';
import { CpuFault } from './fault';
import { CpuMode, AR_DB, AR_L, AR_G, AR_P, AR_S, AR_UNUSABLE } from './state';
import { CS, SS, DS, ES, FS, GS, LDTR, TR, EFER_LMA } from './regs';

const TWO32 = 0x1_0000_0000;

/** The last descriptor read: dwords 0..3 (3 and 4 only for 16-byte system descriptors), and where it lives. */
export const desc = { lo: 0, hi: 0, lo2: 0, hi2: 0, addr: 0 };

// Descriptor type field with S (AR bits 4:0) for system descriptors (SDM vol 3A, 3.5 table 3-2).
export const SYS_TSS16_AVAIL = 0x1, SYS_LDT = 0x2, SYS_TSS16_BUSY = 0x3, SYS_CALLGATE16 = 0x4, SYS_TASKGATE = 0x5;
export const SYS_INTGATE16 = 0x6, SYS_TRAPGATE16 = 0x7, SYS_TSS_AVAIL = 0x9, SYS_TSS_BUSY = 0xb;
export const SYS_CALLGATE = 0xc, SYS_INTGATE = 0xe, SYS_TRAPGATE = 0xf;

/** Access rights (VMCS format) of a descriptor's high dword. */
export function arOf(hi: number): number { return (hi >>> 8) & 0xf0ff; }
export function baseOf(lo: number, hi: number): number { return ((lo >>> 16) | ((hi & 0xff) << 16) | (hi & 0xff000000)) >>> 0; }
/** Limit in bytes: G=1 scales by 4 KiB and fills the low 12 bits (SDM vol 3A, 3.4.5). */
export function limitOf(lo: number, hi: number): number {
  const raw = (lo & 0xffff) | (hi & 0xf0000);
  return hi & (1 << 23) ? ((raw << 12) | 0xfff) >>> 0 : raw;
}
export const dplOf = (ar: number): number => (ar >> 5) & 3;
export const isCode = (ar: number): boolean => (ar & 0x18) === 0x18;
export const isData = (ar: number): boolean => (ar & 0x18) === 0x10;
export const isConforming = (ar: number): boolean => (ar & 0x1c) === 0x1c;
export const isSystem = (ar: number): boolean => (ar & AR_S) === 0;
export const present = (ar: number): boolean => (ar & AR_P) !== 0;

/** True in IA-32e mode (64-bit or compatibility; SDM vol 3A, 2.2.1). */
export function ia32e(cpu: Cpu): boolean { return (cpu.efer & EFER_LMA) !== 0; }

/**
 * Reads the 8-byte descriptor `sel` names (GDT or LDT by TI) into `desc`,
 * plus the next 8 bytes when `wide` (IA-32e system descriptors, SDM vol 3A,
 * 7.2.3 and 5.8.3.1). Returns false when the selector is outside the table
 * limit or names an unusable LDT; the caller raises its own fault then.
 * Descriptor-table reads are implicit supervisor accesses (SDM vol 3A, 4.6).
 */
export function readDescriptor(cpu: Cpu, sel: number, wide = false): boolean {
  let base: number, limit: number;
  if (sel & 4) {
    if (cpu.segAr[LDTR] & AR_UNUSABLE || cpu.segSel[LDTR] < 4) return false;
    base = cpu.segBase[LDTR]; limit = cpu.segLimit[LDTR];
  } else { base = cpu.gdtrBase; limit = cpu.gdtrLimit; }
  const off = sel & 0xfff8;
  if (off + (wide ? 15 : 7) > limit) return false;
  const addr = linAdd(cpu, base, off);
  desc.addr = addr;
  desc.lo = cpu.readSys(addr, 4);
  desc.hi = cpu.readSys(addr + 4, 4);
  if (wide) { desc.lo2 = cpu.readSys(addr + 8, 4); desc.hi2 = cpu.readSys(addr + 12, 4); } else { desc.lo2 = 0; desc.hi2 = 0; }
  return true;
}

/** base + offset as a linear address: wraps at 4 GiB outside IA-32e mode, folded 48-bit inside. */
export function linAdd(cpu: Cpu, base: number, off: number): number {
  const t = base + off;
  if (cpu.efer & EFER_LMA) return t >= 0x1_0000_0000_0000 ? t - 0x1_0000_0000_0000 : t;
  return t % TWO32;
}

/** Sets the accessed bit of the descriptor in `desc` (SDM vol 3A, 3.4.5.1: the processor sets it on load). */
export function setAccessed(cpu: Cpu): void {
  if (desc.hi & 0x100) return;
  desc.hi = (desc.hi | 0x100) >>> 0;
  cpu.writeSys(desc.addr + 5, 1, (desc.hi >>> 8) & 0xff);
}

/** Loads a segment register's hidden part from `desc`. */
export function loadFromDesc(cpu: Cpu, seg: number, sel: number): void {
  cpu.segSel[seg] = sel;
  cpu.segBase[seg] = baseOf(desc.lo, desc.hi);
  cpu.segLimit[seg] = limitOf(desc.lo, desc.hi);
  cpu.segAr[seg] = arOf(desc.hi);
}

/**
 * A null selector in a data-segment register (SDM vol 3A, 3.4.2: loading it
 * is legal, using it faults). The hidden part is marked unusable; it also
 * gets an expand-down type with limit 4 GiB - 1 so that cpu.segAddr's limit
 * check turns every access outside 64-bit mode into #GP(0) / #SS(0), as
 * SDM vol 3A 5.4.1 requires for a null segment.
 * In 64-bit mode Intel clears the FS/GS base on a null load; AMD keeps it
 * (APM vol 2, 4.5.3 "Segment registers in 64-bit mode").
 */
export function loadNull(cpu: Cpu, seg: number, sel: number): void {
  cpu.segSel[seg] = sel;
  const keepBase = (seg === FS || seg === GS) && cpu.mode === CpuMode.Long64 && cpu.model.vendor === 'amd';
  if (!keepBase) cpu.segBase[seg] = 0;
  cpu.segLimit[seg] = 0xffffffff;
  // DPL of a null SS stays the CPL (SDM vol 3C, 24.4.1: SS.DPL is the CPL).
  cpu.segAr[seg] = AR_UNUSABLE | AR_S | 0x4 | (seg === SS ? (sel & 3) << 5 : 0);
}

/** Real-address and virtual-8086 loads: base = selector * 16, nothing else changes (SDM vol 3A, 20.1.1). */
export function loadReal(cpu: Cpu, seg: number, sel: number): void {
  cpu.segSel[seg] = sel;
  cpu.segBase[seg] = sel << 4;
}

/** Segment-related fault with a selector error code (SDM vol 3A, 6.13 figure 6-7). */
export function selFault(vector: number, sel: number, detail: string, ext = 0): CpuFault {
  return new CpuFault(vector, (sel & 0xfffc) | ext, 0, detail);
}

/**
 * MOV/POP/LDS-style load of a data segment register or SS in protected mode,
 * with every check of SDM vol 2A "MOV—Move" / "POP" (protected mode
 * operation) done before any state changes. Real mode only sets base.
 */
export function loadDataSeg(cpu: Cpu, seg: number, sel: number): void {
  if (cpu.mode === CpuMode.Real) { loadReal(cpu, seg, sel); return; }
  const cpl = cpu.cpl;
  const rpl = sel & 3;
  if (seg === SS) {
    if ((sel & 0xfffc) === 0) {
      // SDM vol 2A, MOV: a null SS is allowed only in 64-bit mode at CPL<3 with RPL=CPL.
      if (cpu.mode === CpuMode.Long64 && cpl !== 3 && rpl === cpl) { loadNull(cpu, SS, sel); return; }
      throw new CpuFault(13, 0, 0, 'null selector loaded into SS');
    }
    if (!readDescriptor(cpu, sel)) throw selFault(13, sel, 'SS selector outside the descriptor table');
    const ar = arOf(desc.hi);
    // SDM vol 2A, MOV: RPL = CPL, writable data segment, DPL = CPL; else #GP(selector).
    if (rpl !== cpl || !isData(ar) || (ar & 2) === 0 || dplOf(ar) !== cpl) throw selFault(13, sel, 'SS must be a writable data segment with DPL = RPL = CPL');
    if (!present(ar)) throw selFault(12, sel, 'stack segment not present');
    setAccessed(cpu);
    loadFromDesc(cpu, SS, sel);
    return;
  }
  if ((sel & 0xfffc) === 0) { loadNull(cpu, seg, sel); return; }
  if (!readDescriptor(cpu, sel)) throw selFault(13, sel, 'selector outside the descriptor table');
  const ar = arOf(desc.hi);
  // SDM vol 2A, MOV: data or readable code; for data and non-conforming code both RPL and CPL must be <= DPL.
  if (!(isData(ar) || (isCode(ar) && (ar & 2)))) throw selFault(13, sel, 'not a data or readable code segment');
  if (!isConforming(ar) && (rpl > dplOf(ar) || cpl > dplOf(ar))) throw selFault(13, sel, 'segment DPL below CPL/RPL');
  if (!present(ar)) throw selFault(11, sel, 'segment not present');
  setAccessed(cpu);
  loadFromDesc(cpu, seg, sel);
}

/** Loads CS from `desc` with RPL forced to the new CPL, then updates CPL and the decode mode. */
export function commitCs(cpu: Cpu, sel: number, cpl: number): void {
  loadFromDesc(cpu, CS, (sel & 0xfffc) | cpl);
  // A code segment keeps its DPL in AR; the CPL lives in CS.RPL and cpu.cpl (SDM vol 3A, 5.5).
  cpu.setCpl(cpl);
  cpu.updateMode();
}

/**
 * Checks the code segment in `desc` as a far-transfer target: must be code,
 * present, and in IA-32e mode not L=1 with D=1 (SDM vol 3A, 5.2.1). Privilege
 * checks are the caller's. Faults with `vector` (#GP or #TS) and #NP.
 */
export function checkCodeSeg(cpu: Cpu, sel: number, ext = 0): number {
  const ar = arOf(desc.hi);
  if (!isCode(ar)) throw selFault(13, sel, 'target is not a code segment', ext);
  if (ia32e(cpu) && (ar & AR_L) && (ar & AR_DB)) throw selFault(13, sel, 'code segment with both L and D set', ext);
  return ar;
}

/** Whether the offset fits the limit of the code segment in `desc` (not checked for 64-bit code, SDM vol 3A, 5.3.1). */
export function withinCodeLimit(cpu: Cpu, off: number): boolean {
  const ar = arOf(desc.hi);
  if (ia32e(cpu) && (ar & AR_L)) return true;
  return off <= limitOf(desc.lo, desc.hi);
}

/**
 * After a return to an outer privilege level (RET far, IRET): data segment
 * registers the new CPL may not use are nulled (SDM vol 2A, RET "RETURN-TO-
 * OUTER-PRIVILEGE-LEVEL" and IRET).
 */
export function nullInaccessibleSegs(cpu: Cpu, cpl: number): void {
  for (const seg of DATA_SEGS) {
    const ar = cpu.segAr[seg];
    if (ar & AR_UNUSABLE) continue;
    if ((isData(ar) || !isConforming(ar)) && dplOf(ar) < cpl) loadNull(cpu, seg, 0);
  }
}
const DATA_SEGS = [ES, DS, FS, GS];

/** A flat segment cache as SYSCALL/SYSENTER build it (SDM vol 2B, SYSCALL/SYSENTER). */
export function loadFlat(cpu: Cpu, seg: number, sel: number, ar: number): void {
  cpu.segSel[seg] = sel;
  cpu.segBase[seg] = 0;
  cpu.segLimit[seg] = 0xffffffff;
  cpu.segAr[seg] = ar | AR_P | AR_S | AR_G;
}

/** Encodes an 8-byte code/data/system descriptor (tests and rigs build GDTs with it). */
export function makeDescriptor(base: number, limit: number, ar: number): [number, number] {
  const g = (ar & AR_G) !== 0 || limit >>> 0 > 0xfffff;
  const lim = g ? limit >>> 12 : limit >>> 0;
  const lo = ((base & 0xffff) << 16) | (lim & 0xffff);
  const hi = ((base >>> 16) & 0xff) | (base & 0xff000000) | (lim & 0xf0000) | ((ar & 0xf0ff) << 8) | (g ? 1 << 23 : 0);
  return [lo >>> 0, hi >>> 0];
}

