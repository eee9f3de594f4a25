// Moving state between the vCPU and a VMCB save area (AMD APM vol 2 App. B
// Table B-2): the fields VMRUN loads and #VMEXIT stores (§15.5.1, §15.6;
// xfer 'vmrun' in vmcb-layout.ts) and the ones only VMLOAD/VMSAVE move
// (§15.5.2; xfer 'vmload'). FS, GS, TR, LDTR, KernelGSBase and the
// SYSCALL/SYSENTER MSRs are never touched by VMRUN or #VMEXIT
// (nested-svm.md §11.12).
import type { Cpu } from '../x86/cpu';
import { getFlags, setFlags } from '../x86/flags';
import { fold, foldedHi } from '../x86/canon';
import { ES, CS, SS, DS, FS, GS, LDTR, TR, CR0_PE, CR0_PG, EFER_LMA, EFER_LME } from '../x86/regs';
import type { PhysRead, PhysRW } from '../svm/phys';
import { SEG_ATTRIB, SEG_BASE, SEG_LIMIT, SEG_SELECTOR, VMCB_OFF } from '../svm/vmcb-layout';
import { attribToAr, arToAttrib } from '../svm/segment-attrib';
import { canonicalHi } from '../svm/u64';

const O = VMCB_OFF;
const TWO32 = 0x1_0000_0000;

/** Core segment index -> VMCB slot offset. */
const VMLOAD_SEGS: readonly [number, number][] = [[FS, O.FS], [GS, O.GS], [TR, O.TR], [LDTR, O.LDTR]];

/** A 64-bit base sign-extended from bit 47 (APM §15.5.1 / §15.5.2 canonicalization), folded for the core. */
function canonicalFolded(v: PhysRead, off: number, linearBits: number): number {
  const lo = v.read(off, 4) >>> 0;
  const hi = canonicalHi(v.read(off + 4, 4) >>> 0, linearBits);
  const f = fold(lo, hi | 0);
  return f >= 0 ? f : (hi & 0xffff) * TWO32 + lo;
}

function put64(v: PhysRW, off: number, lo: number, hi: number): void {
  v.write(off, 4, lo >>> 0);
  v.write(off + 4, 4, hi >>> 0);
}

/** A folded linear address as 64-bit halves. */
function putAddr(v: PhysRW, off: number, x: number): void {
  put64(v, off, x >>> 0, x >= 0 && x < TWO32 ? 0 : foldedHi(x));
}

function loadSeg(cpu: Cpu, v: PhysRead, seg: number, off: number, linearBits: number): void {
  cpu.segSel[seg] = v.read(off + SEG_SELECTOR, 2);
  cpu.segAr[seg] = attribToAr(v.read(off + SEG_ATTRIB, 2));
  cpu.segLimit[seg] = v.read(off + SEG_LIMIT, 4) >>> 0;
  cpu.segBase[seg] = canonicalFolded(v, off + SEG_BASE, linearBits);
}

function storeSeg(cpu: Cpu, v: PhysRW, seg: number, off: number): void {
  v.write(off + SEG_SELECTOR, 2, cpu.segSel[seg]);
  v.write(off + SEG_ATTRIB, 2, arToAttrib(cpu.segAr[seg]));
  v.write(off + SEG_LIMIT, 4, cpu.segLimit[seg] >>> 0);
  putAddr(v, off + SEG_BASE, cpu.segBase[seg]);
}

// VMRUN and #VMEXIT move these fields on every world switch: they work on
// the 4 KiB VMCB images L0 keeps (SvmVcpuState.dv12/dv01/dv02) directly.

function canonicalAt(d: DataView, off: number, linearBits: number): number {
  const lo = d.getUint32(off, true);
  const hi = canonicalHi(d.getUint32(off + 4, true), linearBits);
  const f = fold(lo, hi | 0);
  return f >= 0 ? f : (hi & 0xffff) * TWO32 + lo;
}

function set64(d: DataView, off: number, lo: number, hi: number): void {
  d.setUint32(off, lo >>> 0, true);
  d.setUint32(off + 4, hi >>> 0, true);
}

function setAddr(d: DataView, off: number, x: number): void {
  set64(d, off, x >>> 0, x >= 0 && x < TWO32 ? 0 : foldedHi(x));
}

function loadSegAt(cpu: Cpu, d: DataView, seg: number, off: number, linearBits: number): void {
  cpu.segSel[seg] = d.getUint16(off + SEG_SELECTOR, true);
  cpu.segAr[seg] = attribToAr(d.getUint16(off + SEG_ATTRIB, true));
  cpu.segLimit[seg] = d.getUint32(off + SEG_LIMIT, true);
  cpu.segBase[seg] = canonicalAt(d, off + SEG_BASE, linearBits);
}

function storeSegAt(cpu: Cpu, d: DataView, seg: number, off: number): void {
  d.setUint16(off + SEG_SELECTOR, cpu.segSel[seg] & 0xffff, true);
  d.setUint16(off + SEG_ATTRIB, arToAttrib(cpu.segAr[seg]) & 0xffff, true);
  d.setUint32(off + SEG_LIMIT, cpu.segLimit[seg] >>> 0, true);
  setAddr(d, off + SEG_BASE, cpu.segBase[seg]);
}

/**
 * VMRUN's guest-state load (APM §15.5.1): ES/CS/SS/DS (bases canonicalized,
 * attributes as they are), GDTR/IDTR, EFER (LMA recomputed from LME and
 * CR0.PG: the processor does not take the VMCB's LMA), CR0, CR2, CR3, CR4,
 * DR6, DR7, RFLAGS, RIP, RSP, RAX, CPL (from VMCB.CPL, not the
 * descriptors), and G_PAT when nested paging is on (§15.25.8).
 */
export function loadVmrunState(cpu: Cpu, d: DataView, linearBits: number, withGpat: boolean): void {
  loadSegAt(cpu, d, ES, O.ES, linearBits);
  loadSegAt(cpu, d, CS, O.CS, linearBits);
  loadSegAt(cpu, d, SS, O.SS, linearBits);
  loadSegAt(cpu, d, DS, O.DS, linearBits);
  cpu.gdtrLimit = d.getUint32(O.GDTR + SEG_LIMIT, true) & 0xffff;
  cpu.gdtrBase = canonicalAt(d, O.GDTR + SEG_BASE, linearBits);
  cpu.idtrLimit = d.getUint32(O.IDTR + SEG_LIMIT, true) & 0xffff;
  cpu.idtrBase = canonicalAt(d, O.IDTR + SEG_BASE, linearBits);
  cpu.cr0 = d.getUint32(O.CR0, true);
  cpu.cr2 = canonicalAt(d, O.CR2, 64);
  cpu.cr3 = d.getUint32(O.CR3, true);
  cpu.cr3Hi = d.getUint32(O.CR3 + 4, true);
  cpu.cr4 = d.getUint32(O.CR4, true);
  let efer = d.getUint32(O.EFER, true);
  efer = (efer & EFER_LME) && (cpu.cr0 & CR0_PG) && (cpu.cr0 & CR0_PE) ? efer | EFER_LMA : efer & ~EFER_LMA;
  cpu.efer = efer >>> 0;
  cpu.dr[6] = d.getUint32(O.DR6, true);
  cpu.drHi[6] = 0;
  cpu.dr[7] = d.getUint32(O.DR7, true);
  cpu.drHi[7] = 0;
  setFlags(cpu, d.getUint32(O.RFLAGS, true));
  cpu.setReg(4, 8, d.getUint32(O.RSP, true), d.getInt32(O.RSP + 4, true));
  cpu.setReg(0, 8, d.getUint32(O.RAX, true), d.getInt32(O.RAX + 4, true));
  if (withGpat) { cpu.pat = d.getUint32(O.G_PAT, true); cpu.patHi = d.getUint32(O.G_PAT + 4, true); }
  cpu.setCpl(d.getUint8(O.CPL) & 3);
  cpu.updateMode();
  // RIP: 64 bits in 64-bit mode, else EIP (the upper half is not used outside 64-bit mode).
  const ripLo = d.getUint32(O.RIP, true), ripHi = d.getInt32(O.RIP + 4, true);
  const rip = cpu.long64 ? fold(ripLo, ripHi) : ripLo;
  cpu.rip = rip >= 0 ? rip : (ripHi & 0xffff) * TWO32 + ripLo;
  cpu.nextRip = cpu.rip;
  cpu.mmu.flushAll();
  cpu.exitBlock = true;
}

/** #VMEXIT's guest-state store (APM §15.6): the same fields VMRUN loads, from the vCPU (`rflags`: getFlags(cpu), when the caller has it). */
export function storeVmrunState(cpu: Cpu, d: DataView, withGpat: boolean, rflags = getFlags(cpu)): void {
  storeSegAt(cpu, d, ES, O.ES);
  storeSegAt(cpu, d, CS, O.CS);
  storeSegAt(cpu, d, SS, O.SS);
  storeSegAt(cpu, d, DS, O.DS);
  d.setUint32(O.GDTR + SEG_LIMIT, cpu.gdtrLimit & 0xffff, true);
  setAddr(d, O.GDTR + SEG_BASE, cpu.gdtrBase);
  d.setUint32(O.IDTR + SEG_LIMIT, cpu.idtrLimit & 0xffff, true);
  setAddr(d, O.IDTR + SEG_BASE, cpu.idtrBase);
  set64(d, O.EFER, cpu.efer, 0);
  set64(d, O.CR0, cpu.cr0, 0);
  setAddr(d, O.CR2, cpu.cr2);
  set64(d, O.CR3, cpu.cr3, cpu.cr3Hi);
  set64(d, O.CR4, cpu.cr4, 0);
  set64(d, O.DR6, cpu.dr[6], 0);
  set64(d, O.DR7, cpu.dr[7], 0);
  set64(d, O.RFLAGS, rflags, 0);
  setAddr(d, O.RIP, cpu.rip);
  set64(d, O.RSP, cpu.regs[8], cpu.regs[9]);
  set64(d, O.RAX, cpu.regs[0], cpu.regs[1]);
  d.setUint8(O.CPL, cpu.cpl & 3);
  if (withGpat) set64(d, O.G_PAT, cpu.pat, cpu.patHi);
}

/**
 * VMLOAD (APM §15.5.2): FS, GS, TR, LDTR with their hidden state,
 * KernelGSBase, STAR, LSTAR, CSTAR, SFMASK, SYSENTER_CS/ESP/EIP. Segment
 * bases and KernelGSBase are canonicalized (vmrun-checks.tsv SVM-CANON-VMLOAD).
 */
export function vmloadState(cpu: Cpu, v: PhysRead, linearBits: number): void {
  for (const [seg, off] of VMLOAD_SEGS) loadSeg(cpu, v, seg, off, linearBits);
  cpu.kernelGsBase = canonicalFolded(v, O.KERNEL_GS_BASE, linearBits);
  cpu.star = v.read(O.STAR, 4) >>> 0; cpu.starHi = v.read(O.STAR + 4, 4) | 0;
  cpu.lstar = v.read(O.LSTAR, 4) >>> 0; cpu.lstarHi = v.read(O.LSTAR + 4, 4) | 0;
  cpu.cstar = v.read(O.CSTAR, 4) >>> 0; cpu.cstarHi = v.read(O.CSTAR + 4, 4) | 0;
  cpu.sfmask = v.read(O.SFMASK, 4) >>> 0;
  cpu.sysenterCs = v.read(O.SYSENTER_CS, 4) >>> 0;
  cpu.sysenterEsp = v.read(O.SYSENTER_ESP, 4) >>> 0; cpu.sysenterEspHi = v.read(O.SYSENTER_ESP + 4, 4) | 0;
  cpu.sysenterEip = v.read(O.SYSENTER_EIP, 4) >>> 0; cpu.sysenterEipHi = v.read(O.SYSENTER_EIP + 4, 4) | 0;
}

/** VMSAVE (APM §15.5.2): the VMLOAD fields, from the vCPU. */
export function vmsaveState(cpu: Cpu, v: PhysRW): void {
  for (const [seg, off] of VMLOAD_SEGS) storeSeg(cpu, v, seg, off);
  putAddr(v, O.KERNEL_GS_BASE, cpu.kernelGsBase);
  put64(v, O.STAR, cpu.star, cpu.starHi);
  put64(v, O.LSTAR, cpu.lstar, cpu.lstarHi);
  put64(v, O.CSTAR, cpu.cstar, cpu.cstarHi);
  put64(v, O.SFMASK, cpu.sfmask, 0);
  put64(v, O.SYSENTER_CS, cpu.sysenterCs, 0);
  put64(v, O.SYSENTER_ESP, cpu.sysenterEsp, cpu.sysenterEspHi);
  put64(v, O.SYSENTER_EIP, cpu.sysenterEip, cpu.sysenterEipHi);
}
