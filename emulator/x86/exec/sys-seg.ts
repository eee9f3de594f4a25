// Segment-register and descriptor-table instructions: MOV/PUSH/POP Sreg,
// LDS/LES/LFS/LGS/LSS, LGDT/LIDT/SGDT/SIDT, LLDT/LTR/SLDT/STR,
// LAR/LSL/VERR/VERW (SDM vol 2A/2B, vol 3A chapters 3 and 5).
import type { Cpu } from '../cpu';
import type { Insn } from '../decode/insn';
import { OpKind } from '../decode/insn';
import { setArith } from '../flags';
import { fold, foldedHi } from '../canon';
import { AR_UNUSABLE } from '../state';
import { CS, SS, DS, ES, FS, GS, LDTR, TR, ZF } from '../regs';
import {
  desc, readDescriptor, arOf, baseOf, limitOf, dplOf, isCode, isData, isConforming, isSystem, present,
  ia32e, loadDataSeg, selFault, SYS_LDT, SYS_TSS16_AVAIL, SYS_TSS_AVAIL,
} from '../segments';
import { startShadow } from './interrupts';
import { H, gp0, ud, requireCpl0, requireProtected, umipCheck } from './sys-util';

// ------------------------------------------------------------ Sreg moves

/** MOV Sreg, r/m16 (SDM vol 2A, MOV): CS cannot be loaded; MOV SS starts an interrupt shadow (vol 3A, 6.8.3). */
const movToSreg: H = (cpu, i) => {
  const seg = i.r0;
  if (seg === CS) throw ud('MOV to CS');
  const sel = cpu.rd(i, 1) & 0xffff;
  loadDataSeg(cpu, seg, sel);
  if (seg === SS) startShadow(cpu, true);
  cpu.exitBlock = true;
};

/** MOV r/m, Sreg: memory gets 16 bits; a 32/64-bit register gets the zero-extended selector (SDM vol 2A, MOV). */
const movFromSreg: H = (cpu, i) => {
  const v = cpu.segSel[i.r1];
  if (i.k0 === OpKind.Mem) cpu.write16(cpu.ea(i, 2), v);
  else cpu.setReg(i.r0, i.s0, v, 0);
};

/** PUSH Sreg: the selector zero-extended to the operand size (SDM vol 2B, PUSH; the 16-bit-write variant is not modelled). */
const pushSreg: H = (cpu, i) => { cpu.push(i.osize, cpu.segSel[i.r0], 0); };

/** POP Sreg: the load's checks happen before RSP moves; POP SS starts an interrupt shadow (SDM vol 2B, POP). */
const popSreg: H = (cpu, i) => {
  const size = i.osize;
  const stack = cpu.stackSize;
  const sel = cpu.peek(size, 0) & 0xffff;
  loadDataSeg(cpu, i.r0, sel);
  cpu.addReg(4, stack, size);
  if (i.r0 === SS) startShadow(cpu, true);
  cpu.exitBlock = true;
};

/** LDS/LES/LFS/LGS/LSS r, m16:16/32/64 (SDM vol 2A, "LDS/LES/LFS/LGS/LSS"). */
const lfp: H = (cpu, i) => {
  const osz = i.s0;
  const seg = i.map === 0 ? (i.opcode === 0xc4 ? ES : DS) : i.opcode === 0xb2 ? SS : i.opcode === 0xb4 ? FS : GS;
  const lin = cpu.ea(i, osz + 2);
  const off = cpu.readSize(lin, osz);
  const offHi = cpu.hi;
  const sel = cpu.read16(lin + osz);
  loadDataSeg(cpu, seg, sel);
  cpu.setReg(i.r0, osz, off, osz === 8 ? offHi : 0);
  cpu.exitBlock = true;
};

// -------------------------------------------------- GDTR / IDTR / LDTR / TR

/** LGDT/LIDT m16&32 / m16&64 (SDM vol 2A, LGDT/LIDT): 24-bit base with a 16-bit operand outside 64-bit mode. */
function loadDtr(cpu: Cpu, i: Insn, idt: boolean): void {
  requireCpl0(cpu, idt ? 'LIDT' : 'LGDT');
  if (dtExit(cpu, i, idt ? 'lidt' : 'lgdt')) return;
  const long = cpu.long64;
  const lin = cpu.ea(i, long ? 10 : 6);
  const limit = cpu.read16(lin);
  let base: number;
  if (long) {
    const lo = cpu.read32(lin + 2);
    const hi = cpu.read32(lin + 6) | 0;
    base = fold(lo, hi);
    if (base < 0) throw gp0(`${idt ? 'LIDT' : 'LGDT'}: non-canonical base`);
  } else {
    base = cpu.read32(lin + 2);
    if (i.osize === 2) base &= 0xffffff;
  }
  if (idt) { cpu.idtrBase = base; cpu.idtrLimit = limit; } else { cpu.gdtrBase = base; cpu.gdtrLimit = limit; }
}

/**
 * Nested VMX: descriptor-table exiting (SDM vol 3C 26.1.3, reasons 46/47); the
 * qualification is the displacement sign-extended (28.2.1), L0 builds the
 * instruction information from the decoded operand.
 */
function dtExit(cpu: Cpu, i: Insn, insn: 'sgdt' | 'sidt' | 'lgdt' | 'lidt' | 'sldt' | 'str' | 'lldt' | 'ltr'): boolean {
  const mem = i.k0 === OpKind.Mem;
  return cpu.nonRootExit !== null && cpu.nonRootExit(cpu, insn, mem ? i.disp >>> 0 : 0, { qualHi: mem && i.disp < 0 ? 0xffffffff : 0 });
}

/** SGDT/SIDT: limit then base, 8 bytes of base in 64-bit mode, 4 elsewhere (SDM vol 2B, SGDT). */
function storeDtr(cpu: Cpu, i: Insn, idt: boolean): void {
  umipCheck(cpu, idt ? 'SIDT' : 'SGDT');
  if (dtExit(cpu, i, idt ? 'sidt' : 'sgdt')) return;
  const long = cpu.long64;
  const size = long ? 10 : 6;
  const lin = cpu.ea(i, size);
  cpu.probeWrite(lin, size);
  const base = idt ? cpu.idtrBase : cpu.gdtrBase;
  cpu.write16(lin, idt ? cpu.idtrLimit : cpu.gdtrLimit);
  cpu.write32(lin + 2, base >>> 0);
  if (long) cpu.write32(lin + 6, foldedHi(base));
}

/** SLDT/STR: memory gets 16 bits, a register the zero-extended selector (SDM vol 2B, SLDT/STR). */
function storeSel(cpu: Cpu, i: Insn, seg: number, what: string): void {
  requireProtected(cpu, what);
  umipCheck(cpu, what);
  if (dtExit(cpu, i, seg === LDTR ? 'sldt' : 'str')) return;
  const v = cpu.segSel[seg];
  if (i.k0 === OpKind.Mem) cpu.write16(cpu.ea(i, 2), v);
  else cpu.setReg(i.r0, i.osize, v, 0);
}

/**
 * Base of a system descriptor in `desc`: 16-byte form in IA-32e mode with
 * bits 63:32 in the third dword, which must be canonical; the fourth dword's
 * type field must be 0 (SDM vol 3A, 7.2.3 figure 7-4; vol 2A LLDT/LTR).
 */
function systemBase(cpu: Cpu, sel: number): number {
  const lo = baseOf(desc.lo, desc.hi);
  if (!ia32e(cpu)) return lo;
  if (desc.hi2 & 0x1f00) throw selFault(13, sel, 'upper half of a 16-byte system descriptor has a non-zero type');
  const b = fold(lo, desc.lo2 | 0);
  if (b < 0) throw selFault(13, sel, 'non-canonical system-segment base');
  return b;
}

/** LLDT r/m16 (SDM vol 2A, LLDT): a null selector marks LDTR unusable. */
const lldt: H = (cpu, i) => {
  requireProtected(cpu, 'LLDT');
  requireCpl0(cpu, 'LLDT');
  if (dtExit(cpu, i, 'lldt')) return;
  const sel = cpu.rd(i, 0) & 0xffff;
  if ((sel & 0xfffc) === 0) {
    cpu.segSel[LDTR] = sel; cpu.segAr[LDTR] = AR_UNUSABLE; cpu.segBase[LDTR] = 0; cpu.segLimit[LDTR] = 0;
    return;
  }
  if (sel & 4) throw selFault(13, sel, 'LLDT selector references the LDT');
  if (!readDescriptor(cpu, sel, ia32e(cpu))) throw selFault(13, sel, 'LLDT selector outside the GDT');
  const ar = arOf(desc.hi);
  if ((ar & 0x1f) !== SYS_LDT) throw selFault(13, sel, 'LLDT: not an LDT descriptor');
  if (!present(ar)) throw selFault(11, sel, 'LDT descriptor not present');
  const base = systemBase(cpu, sel);
  cpu.segSel[LDTR] = sel;
  cpu.segBase[LDTR] = base;
  cpu.segLimit[LDTR] = limitOf(desc.lo, desc.hi);
  cpu.segAr[LDTR] = ar;
};

/** LTR r/m16 (SDM vol 2B, LTR): an available TSS, marked busy in the GDT. */
const ltr: H = (cpu, i) => {
  requireProtected(cpu, 'LTR');
  requireCpl0(cpu, 'LTR');
  if (dtExit(cpu, i, 'ltr')) return;
  const sel = cpu.rd(i, 0) & 0xffff;
  if ((sel & 0xfffc) === 0) throw gp0('LTR with a null selector');
  if (sel & 4) throw selFault(13, sel, 'LTR selector references the LDT');
  const long = ia32e(cpu);
  if (!readDescriptor(cpu, sel, long)) throw selFault(13, sel, 'LTR selector outside the GDT');
  const ar = arOf(desc.hi);
  const type = ar & 0x1f;
  // Only the 64-bit TSS type exists in IA-32e mode (SDM vol 3A, 7.2.3).
  if (type !== SYS_TSS_AVAIL && (long || type !== SYS_TSS16_AVAIL)) throw selFault(13, sel, 'LTR: not an available TSS');
  if (!present(ar)) throw selFault(11, sel, 'TSS descriptor not present');
  const base = systemBase(cpu, sel);
  // Mark busy (type bit 1) in the descriptor, as the processor does (SDM vol 3A, 7.2.2).
  desc.hi = (desc.hi | 0x200) >>> 0;
  cpu.writeSys(desc.addr + 5, 1, (desc.hi >>> 8) & 0xff);
  cpu.segSel[TR] = sel;
  cpu.segBase[TR] = base;
  cpu.segLimit[TR] = limitOf(desc.lo, desc.hi);
  cpu.segAr[TR] = ar | 2;
};

// ----------------------------------------------------- LAR/LSL/VERR/VERW

// Descriptor types LAR and LSL accept (SDM vol 2A, LAR table 3-55; vol 2A, LSL table 3-62).
const LAR_LEGACY = mask([0x1, 0x2, 0x3, 0x4, 0x5, 0x9, 0xb, 0xc]);
const LAR_IA32E = mask([0x2, 0x9, 0xb, 0xc]);
const LSL_LEGACY = mask([0x1, 0x2, 0x3, 0x9, 0xb]);
const LSL_IA32E = mask([0x2, 0x9, 0xb]);
function mask(types: number[]): number { let m = 0; for (const t of types) m |= 1 << t; return m; }

/** Reads `sel` and applies the common LAR/LSL visibility rules; false means ZF=0. */
function visible(cpu: Cpu, sel: number, sysTypes: number): boolean {
  if ((sel & 0xfffc) === 0 || !readDescriptor(cpu, sel)) return false;
  const ar = arOf(desc.hi);
  if (isSystem(ar)) { if (!((sysTypes >> (ar & 0xf)) & 1)) return false; }
  else if (isConforming(ar)) return true;
  const dpl = dplOf(ar);
  return dpl >= cpu.cpl && dpl >= (sel & 3);
}

const lar: H = (cpu, i) => {
  requireProtected(cpu, 'LAR');
  const sel = cpu.rd(i, 1) & 0xffff;
  const ok = visible(cpu, sel, ia32e(cpu) ? LAR_IA32E : LAR_LEGACY);
  if (ok) {
    // Access rights: bits 23:8 of the descriptor's high dword, masked 00FxFF00H (16-bit: FF00H).
    const v = i.osize === 2 ? desc.hi & 0xff00 : desc.hi & 0x00f0ff00;
    cpu.setReg(i.r0, i.osize, v, 0);
  }
  setArith(cpu, ZF, ok ? ZF : 0);
};

const lsl: H = (cpu, i) => {
  requireProtected(cpu, 'LSL');
  const sel = cpu.rd(i, 1) & 0xffff;
  const ok = visible(cpu, sel, ia32e(cpu) ? LSL_IA32E : LSL_LEGACY);
  if (ok) cpu.setReg(i.r0, i.osize, limitOf(desc.lo, desc.hi), 0);
  setArith(cpu, ZF, ok ? ZF : 0);
};

/** VERR/VERW: ZF=1 if the segment is readable / writable at the current CPL and RPL (SDM vol 2B, VERR/VERW). */
function verify(cpu: Cpu, i: Insn, write: boolean): void {
  requireProtected(cpu, write ? 'VERW' : 'VERR');
  const sel = cpu.rd(i, 0) & 0xffff;
  let ok = false;
  if ((sel & 0xfffc) !== 0 && readDescriptor(cpu, sel)) {
    const ar = arOf(desc.hi);
    if (!isSystem(ar)) {
      const dpl = dplOf(ar);
      const priv = dpl >= cpu.cpl && dpl >= (sel & 3);
      if (write) ok = isData(ar) && (ar & 2) !== 0 && priv;
      else if (isCode(ar)) ok = (ar & 2) !== 0 && (isConforming(ar) || priv);
      else ok = priv;
    }
  }
  setArith(cpu, ZF, ok ? ZF : 0);
}

export const segHandlers: Record<string, H> = {
  mov_to_sreg: movToSreg,
  mov_from_sreg: movFromSreg,
  push_sreg: pushSreg,
  pop_sreg: popSreg,
  lfp,
  lgdt: (cpu, i) => loadDtr(cpu, i, false),
  lidt: (cpu, i) => loadDtr(cpu, i, true),
  sgdt: (cpu, i) => storeDtr(cpu, i, false),
  sidt: (cpu, i) => storeDtr(cpu, i, true),
  sldt: (cpu, i) => storeSel(cpu, i, LDTR, 'SLDT'),
  str: (cpu, i) => storeSel(cpu, i, TR, 'STR'),
  lldt,
  ltr,
  lar,
  lsl,
  verr: (cpu, i) => verify(cpu, i, false),
  verw: (cpu, i) => verify(cpu, i, true),
};
