// The guest-state area of a VMCS and the vCPU: loading it at VM entry (SDM
// vol 3C §27.3.2 "Loading Guest State") and saving it at VM exit (§28.3
// "Saving Guest State"). Used for VMCS02 (L2's state) and VMCS01 (L1's).
import type { Cpu } from '../x86/cpu';
import { setFlags, getFlags } from '../x86/flags';
import { fold, foldedHi } from '../x86/canon';
import { SS, EFER_LME, EFER_LMA, CR4_PAE } from '../x86/regs';
import { SHADOW_NEXT, inShadow } from '../x86/exec/interrupts';
import { VMCS } from '../vmx/fields';
import { EXIT, ENTRY, PRIMARY, SECONDARY } from '../vmx/controls';
import type { Vmcs } from '../vmx/vmcs';

const F = VMCS;
const TWO32 = 0x1_0000_0000;

/** GUEST_INTERRUPTIBILITY_INFO bits (SDM 25.4.2 table 25-3). */
export const INTR_STI = 1, INTR_MOV_SS = 2, INTR_NMI = 8;

/** A natural-width field as a folded linear address (canonical per the guest checks). */
export function linearField(v: Vmcs, enc: number): number {
  const lo = v.lo(enc), hi = v.hi(enc);
  const f = fold(lo, hi);
  return f >= 0 ? f : (hi & 0xffff) * TWO32 + (lo >>> 0);
}

/** Stores a folded linear address (or a value below 2^32) in a natural-width field. */
export function putLinear(v: Vmcs, enc: number, x: number): void {
  v.set(enc, x >>> 0, x < TWO32 && x >= 0 ? 0 : foldedHi(x) >>> 0);
}

const SEG_SEL = F.GUEST_ES_SELECTOR, SEG_LIMIT = F.GUEST_ES_LIMIT, SEG_AR = F.GUEST_ES_AR_BYTES, SEG_BASE = F.GUEST_ES_BASE;

/**
 * §27.3.2.1-27.3.2.5: CRs, debug state, MSRs, segments, descriptor tables,
 * RIP/RSP/RFLAGS, interruptibility and activity state, under `v`'s entry
 * controls. Returns whether the paging context (CR0.PG/WP, CR3, CR4, EFER)
 * changed, so the caller flushes the TLB only then.
 */
export function loadGuestState(cpu: Cpu, v: Vmcs): boolean {
  const entry = v.lo(F.VM_ENTRY_CONTROLS);
  const ia32e = (entry & ENTRY.IA32E_MODE_GUEST) !== 0;
  const oldCr0 = cpu.cr0, oldCr3 = cpu.cr3, oldCr3Hi = cpu.cr3Hi, oldCr4 = cpu.cr4, oldEfer = cpu.efer;
  cpu.cr0 = v.lo(F.GUEST_CR0) >>> 0;
  cpu.cr3 = v.lo(F.GUEST_CR3) >>> 0;
  cpu.cr3Hi = v.hi(F.GUEST_CR3) >>> 0;
  cpu.cr4 = v.lo(F.GUEST_CR4) >>> 0;
  if (entry & ENTRY.LOAD_DEBUG_CONTROLS) { cpu.dr[7] = v.lo(F.GUEST_DR7) >>> 0; cpu.drHi[7] = 0; }
  cpu.sysenterCs = v.lo(F.GUEST_SYSENTER_CS) >>> 0;
  cpu.sysenterEsp = v.lo(F.GUEST_SYSENTER_ESP) >>> 0;
  cpu.sysenterEspHi = v.hi(F.GUEST_SYSENTER_ESP) >>> 0;
  cpu.sysenterEip = v.lo(F.GUEST_SYSENTER_EIP) >>> 0;
  cpu.sysenterEipHi = v.hi(F.GUEST_SYSENTER_EIP) >>> 0;
  if (entry & ENTRY.LOAD_IA32_PAT) { cpu.pat = v.lo(F.GUEST_IA32_PAT) >>> 0; cpu.patHi = v.hi(F.GUEST_IA32_PAT) >>> 0; }
  if (entry & ENTRY.LOAD_IA32_EFER) {
    cpu.efer = v.lo(F.GUEST_IA32_EFER) >>> 0;
  } else {
    // §27.3.2.1: LMA = "IA-32e mode guest"; LME too if CR0.PG = 1.
    let efer = ia32e ? cpu.efer | EFER_LMA : cpu.efer & ~EFER_LMA;
    if (cpu.cr0 & 0x80000000) efer = ia32e ? efer | EFER_LME : efer & ~EFER_LME;
    cpu.efer = efer >>> 0;
  }
  // §27.3.2.2: segments in the core's order ES CS SS DS FS GS LDTR TR (= the
  // encodings' order); the access-rights format is the core's segAr format.
  for (let s = 0; s < 8; s++) {
    cpu.segSel[s] = v.lo(SEG_SEL + 2 * s) & 0xffff;
    cpu.segBase[s] = linearField(v, SEG_BASE + 2 * s);
    cpu.segLimit[s] = v.lo(SEG_LIMIT + 2 * s) >>> 0;
    cpu.segAr[s] = v.lo(SEG_AR + 2 * s) & 0x1f0ff;
  }
  cpu.gdtrBase = linearField(v, F.GUEST_GDTR_BASE);
  cpu.gdtrLimit = v.lo(F.GUEST_GDTR_LIMIT) & 0xffff;
  cpu.idtrBase = linearField(v, F.GUEST_IDTR_BASE);
  cpu.idtrLimit = v.lo(F.GUEST_IDTR_LIMIT) & 0xffff;
  // §27.3.2.3: RIP, RSP, RFLAGS.
  cpu.setReg(4, 8, v.lo(F.GUEST_RSP) >>> 0, v.hi(F.GUEST_RSP) >>> 0);
  cpu.nextRip = ia32e ? linearField(v, F.GUEST_RIP) : v.lo(F.GUEST_RIP) >>> 0;
  cpu.rip = cpu.nextRip;
  setFlags(cpu, v.lo(F.GUEST_RFLAGS) >>> 0);
  // §27.3.2.5: blocking by STI and by MOV SS each cover the first guest
  // instruction, and keep their kind so the next exit reports the same bit.
  const intr = v.lo(F.GUEST_INTERRUPTIBILITY_INFO);
  cpu.shadowUntil = intr & (INTR_STI | INTR_MOV_SS) ? SHADOW_NEXT : -1;
  cpu.shadowMovSs = (intr & INTR_MOV_SS) !== 0;
  cpu.nmiBlocked = (intr & INTR_NMI) !== 0;
  cpu.halted = v.lo(F.GUEST_ACTIVITY_STATE) === 1;
  // CPL = SS.DPL (§27.3.2.2 note; the checks made CS.DPL agree where required).
  cpu.setCpl((cpu.segAr[SS] >>> 5) & 3);
  cpu.updateMode();
  cpu.exitBlock = true;
  return ((oldCr0 ^ cpu.cr0) & 0x80010001) !== 0 || oldCr3 !== cpu.cr3 || oldCr3Hi !== cpu.cr3Hi || oldCr4 !== cpu.cr4 || oldEfer !== cpu.efer;
}

/**
 * §28.3: the vCPU's state into the guest-state area of `v`; DR7, PAT and
 * EFER only if `exitCtl` says to save them (§28.3.1).
 */
export function saveGuestState(cpu: Cpu, v: Vmcs, exitCtl: number): void {
  v.set(F.GUEST_CR0, cpu.cr0 >>> 0, 0);
  v.set(F.GUEST_CR3, cpu.cr3 >>> 0, cpu.cr3Hi >>> 0);
  v.set(F.GUEST_CR4, cpu.cr4 >>> 0, 0);
  if (exitCtl & EXIT.SAVE_DEBUG_CONTROLS) v.set(F.GUEST_DR7, cpu.dr[7] >>> 0, 0);
  for (let s = 0; s < 8; s++) {
    v.set(SEG_SEL + 2 * s, cpu.segSel[s]);
    putLinear(v, SEG_BASE + 2 * s, cpu.segBase[s]);
    v.set(SEG_LIMIT + 2 * s, cpu.segLimit[s] >>> 0);
    v.set(SEG_AR + 2 * s, cpu.segAr[s] & 0x1f0ff);
  }
  putLinear(v, F.GUEST_GDTR_BASE, cpu.gdtrBase);
  v.set(F.GUEST_GDTR_LIMIT, cpu.gdtrLimit & 0xffff);
  putLinear(v, F.GUEST_IDTR_BASE, cpu.idtrBase);
  v.set(F.GUEST_IDTR_LIMIT, cpu.idtrLimit & 0xffff);
  // RIP of the instruction that exited (or faulted), RSP, RFLAGS (§28.3.3).
  putLinear(v, F.GUEST_RIP, cpu.rip);
  v.set(F.GUEST_RSP, cpu.regs[8] >>> 0, cpu.regs[9] >>> 0);
  v.set(F.GUEST_RFLAGS, getFlags(cpu) >>> 0, 0);
  v.set(F.GUEST_SYSENTER_CS, cpu.sysenterCs >>> 0);
  v.set(F.GUEST_SYSENTER_ESP, cpu.sysenterEsp >>> 0, cpu.sysenterEspHi >>> 0);
  v.set(F.GUEST_SYSENTER_EIP, cpu.sysenterEip >>> 0, cpu.sysenterEipHi >>> 0);
  if (exitCtl & EXIT.SAVE_IA32_PAT) v.set(F.GUEST_IA32_PAT, cpu.pat >>> 0, cpu.patHi >>> 0);
  if (exitCtl & EXIT.SAVE_IA32_EFER) v.set(F.GUEST_IA32_EFER, cpu.efer >>> 0, 0);
  // §28.3.4: blocking by STI (bit 0) or by MOV SS (bit 1), as the core recorded it; NMI blocking; activity.
  const shadow = inShadow(cpu) ? (cpu.shadowMovSs ? INTR_MOV_SS : INTR_STI) : 0;
  v.set(F.GUEST_INTERRUPTIBILITY_INFO, shadow | (cpu.nmiBlocked ? INTR_NMI : 0));
  v.set(F.GUEST_ACTIVITY_STATE, cpu.halted ? 1 : 0);
  v.set(F.GUEST_PENDING_DBG_EXCEPTIONS, 0, 0);
  // §28.3 (nested-vmx.md §3.2): the "IA-32e mode guest" entry control := EFER.LMA.
  const entry = v.lo(F.VM_ENTRY_CONTROLS);
  v.set(F.VM_ENTRY_CONTROLS, (cpu.efer & EFER_LMA ? entry | ENTRY.IA32E_MODE_GUEST : entry & ~ENTRY.IA32E_MODE_GUEST) >>> 0);
  if (eptEnabled(v) && paePaging(cpu.cr0, cpu.cr4, (cpu.efer & EFER_LMA) !== 0)) savePdptes(cpu, v);
}

// ---- PDPTEs of a PAE guest under EPT (§27.3.2.4, §28.3.4) ----

const PDPTE_FIELDS: readonly number[] = [F.GUEST_PDPTE0, F.GUEST_PDPTE1, F.GUEST_PDPTE2, F.GUEST_PDPTE3];

/** 'enable EPT' in force under `v` (secondary controls active). */
function eptEnabled(v: Vmcs): boolean {
  return (v.lo(F.CPU_BASED_VM_EXEC_CONTROL) & PRIMARY.ACTIVATE_SECONDARY_CONTROLS) !== 0 && (v.lo(F.SECONDARY_VM_EXEC_CONTROL) & SECONDARY.ENABLE_EPT) !== 0;
}

/** PAE paging: CR0.PG = 1, CR4.PAE = 1, not IA-32e mode (§27.3.1.6, SDM vol 3A 4.1.1). */
function paePaging(cr0: number, cr4: number, lma: boolean): boolean {
  return (cr0 & 0x80000000) !== 0 && (cr4 & CR4_PAE) !== 0 && !lma;
}

/**
 * §27.3.2.4: a VM entry with 'enable EPT' to a PAE guest loads the PDPTEs
 * from GUEST_PDPTE0-3 (guest-physical addresses), not from the table at
 * CR3. Called after the second stage is in place (Mmu.setStage2 drops them).
 */
export function loadPdptes(cpu: Cpu, v: Vmcs): void {
  if (!eptEnabled(v) || !paePaging(cpu.cr0, cpu.cr4, (cpu.efer & EFER_LMA) !== 0)) return;
  const r = new Uint32Array(8);
  for (let k = 0; k < 4; k++) { r[2 * k] = v.lo(PDPTE_FIELDS[k]) >>> 0; r[2 * k + 1] = v.hi(PDPTE_FIELDS[k]) >>> 0; }
  cpu.mmu.pdptes = r;
}

/**
 * §28.3.4: the PDPTEs in use into GUEST_PDPTE0-3: those the entry loaded,
 * or, after a MOV to CR0/CR3/CR4 reloaded them, the table at CR3 (read
 * without side effects through the second stage; unmapped: 0).
 */
function savePdptes(cpu: Cpu, v: Vmcs): void {
  const r = cpu.mmu.pdptes;
  const s2 = cpu.mmu.stage2;
  const base = (cpu.cr3 & 0xffffffe0) >>> 0;
  for (let k = 0; k < 4; k++) {
    if (r !== null) { v.set(PDPTE_FIELDS[k], r[2 * k], r[2 * k + 1]); continue; }
    const hpa = s2 === null ? base + 8 * k : s2.peek?.(base + 8 * k) ?? null;
    const mem = cpu.plat.mem;
    if (hpa === null || !mem.isRam(hpa)) { v.set(PDPTE_FIELDS[k], 0, 0); continue; }
    v.set(PDPTE_FIELDS[k], mem.read(hpa, 4) >>> 0, mem.read(hpa + 4, 4) >>> 0);
  }
}

/** Guest-area fields a VM exit writes whatever the exit controls say (§28.3.1-28.3.4). */
const ALWAYS_SAVED: readonly number[] = (() => {
  const a: number[] = [F.GUEST_CR0, F.GUEST_CR3, F.GUEST_CR4];
  for (let s = 0; s < 8; s++) a.push(SEG_SEL + 2 * s, SEG_BASE + 2 * s, SEG_LIMIT + 2 * s, SEG_AR + 2 * s);
  a.push(F.GUEST_GDTR_BASE, F.GUEST_GDTR_LIMIT, F.GUEST_IDTR_BASE, F.GUEST_IDTR_LIMIT, F.GUEST_RIP, F.GUEST_RSP,
    F.GUEST_RFLAGS, F.GUEST_SYSENTER_CS, F.GUEST_SYSENTER_ESP, F.GUEST_SYSENTER_EIP, F.GUEST_INTERRUPTIBILITY_INFO,
    F.GUEST_ACTIVITY_STATE, F.GUEST_PENDING_DBG_EXCEPTIONS);
  return a;
})();

function copy(from: Vmcs, to: Vmcs, enc: number): void { to.set(enc, from.lo(enc), from.hi(enc)); }

/**
 * L2's state, saved in VMCS02 at the exit, as L1 sees it in VMCS12: the
 * fields every exit saves, plus DR7/PAT/EFER only if VMCS12's exit controls
 * ask (§28.3.1), and the IA-32e-mode entry control (§28.3).
 */
export function copyGuestStateToVmcs12(v02: Vmcs, v12: Vmcs): void {
  for (let k = 0; k < ALWAYS_SAVED.length; k++) copy(v02, v12, ALWAYS_SAVED[k]);
  const exitCtl = v12.lo(F.VM_EXIT_CONTROLS);
  if (exitCtl & EXIT.SAVE_DEBUG_CONTROLS) copy(v02, v12, F.GUEST_DR7);
  if (exitCtl & EXIT.SAVE_IA32_PAT) copy(v02, v12, F.GUEST_IA32_PAT);
  if (exitCtl & EXIT.SAVE_IA32_EFER) copy(v02, v12, F.GUEST_IA32_EFER);
  const lma = (v02.lo(F.VM_ENTRY_CONTROLS) & ENTRY.IA32E_MODE_GUEST) !== 0;
  const entry = v12.lo(F.VM_ENTRY_CONTROLS);
  v12.set(F.VM_ENTRY_CONTROLS, (lma ? entry | ENTRY.IA32E_MODE_GUEST : entry & ~ENTRY.IA32E_MODE_GUEST) >>> 0);
  // §28.3.4: the PDPTEs, with 'enable EPT' (VMCS12's) and PAE paging at the exit.
  if (eptEnabled(v12) && paePaging(v02.lo(F.GUEST_CR0), v02.lo(F.GUEST_CR4), lma)) for (const f of PDPTE_FIELDS) copy(v02, v12, f);
}
