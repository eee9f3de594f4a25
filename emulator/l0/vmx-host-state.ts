// Loading VMCS12's host-state area into L1 (SDM vol 3C §28.5 "Loading Host
// State", §28.6 "Loading MSRs", §28.7 "VMX Aborts"). Used by the VM-entry
// failure exit (§27.8, vmx-entry-failure.ts) and, later, by every virtual VM
// exit L0 reflects to L1: the SDM defines the result as "host state loaded"
// in both cases, so L1's state comes from VMCS12, never from a snapshot L0
// took before VMLAUNCH (nested-vmx.md "pitfalls").
//
// The host-state checks (§27.2.2-27.2.4) already passed at VM entry, so the
// values are consistent (canonical addresses, selectors with RPL = TI = 0,
// CR0/CR4 inside the fixed bits, EFER.LMA/LME = host address-space size).
import type { Cpu } from '../x86/cpu';
import { setFlags } from '../x86/flags';
import { fold } from '../x86/canon';
import { writeMsr } from '../x86/msr';
import { CpuFault } from '../x86/fault';
import { ES, CS, SS, DS, FS, GS, LDTR, TR, EFER_LME, EFER_LMA, CR4_PAE, CR4_PCIDE } from '../x86/regs';
import { AR_S, AR_P, AR_L, AR_DB, AR_G, AR_UNUSABLE } from '../x86/state';
import { VMCS } from '../vmx/fields';
import { EXIT } from '../vmx/controls';
import type { VmcsView } from '../vmx/vmcs';
import type { VmxCaps } from '../vmx/caps';
import { exitMsrLoadProblem, runCheck, formatEntryFailure } from '../vmx/entry-checks';
import type { MsrListEntry, EntryCheckContext } from '../vmx/entry-checks';
import { toNumber, hex, hex64 } from '../vmx/bits';

const F = VMCS;
const TWO32 = 0x1_0000_0000;

/**
 * CR0 bits a VM exit leaves unchanged (§28.5.1): ET (4), NW (29), CD (30)
 * and the reserved bits 28:19, 17, 15:6; bits fixed in VMX operation are
 * added per vCPU from IA32_VMX_CR0_FIXED0/1.
 */
const CR0_KEEP = ((1 << 4) | (1 << 29) | (1 << 30) | 0x1ff80000 | (1 << 17) | 0xffc0) >>> 0;

/** Type 11 = execute/read, accessed (CS) or busy TSS (TR); type 3 = read/write, accessed (§28.5.2). */
const TYPE_CODE = 11, TYPE_DATA = 3, TYPE_BUSY_TSS = 11;

/** Where host-state loading went wrong: a VMX abort (§28.7) with its indicator. */
export interface VmxAbort {
  readonly indicator: number;
  readonly message: string;
}

/** A 64-bit VMCS field as a folded linear address (host checks made it canonical). */
function linear(v: VmcsView, enc: number): number {
  const lo = v.lo(enc), hi = v.hi(enc);
  const f = fold(lo, hi);
  return f >= 0 ? f : (hi & 0xffff) * TWO32 + (lo >>> 0);
}

/** Selector, base, limit and attributes of SS/DS/ES/FS/GS after a VM exit (§28.5.2). */
function loadDataSeg(cpu: Cpu, seg: number, sel: number, base: number): void {
  cpu.segSel[seg] = sel;
  cpu.segBase[seg] = base;
  cpu.segLimit[seg] = 0xffffffff;
  // "The segment is unusable if and only if the selector is 0000H" (SS, DS, ES, FS, GS).
  cpu.segAr[seg] = (TYPE_DATA | AR_S | AR_P | AR_DB | AR_G | (sel === 0 ? AR_UNUSABLE : 0)) >>> 0;
}

/**
 * Loads L1's processor state from VMCS12's host-state area (§28.5.1-28.5.3)
 * and then processes VMCS12's VM-exit MSR-load list (§28.6). Returns null,
 * or the VMX abort a bad MSR-load entry causes (indicator 4): the caller
 * reports it and shuts the vCPU down. Leaves L1 at CPL 0 with the TLB and
 * decoded-block mode flushed; `flushTlb` false (an exit with 'enable VPID'
 * = 1, whose caller banked L2's entries, vmx-tlb.ts): the TLB is left alone.
 */
export function loadHostState(cpu: Cpu, vmcs12: VmcsView, caps: VmxCaps, flushTlb = true): VmxAbort | null {
  const v = vmcs12;
  const exitCtl = v.lo(F.VM_EXIT_CONTROLS);
  const hostAsz = (exitCtl & EXIT.HOST_ADDRESS_SPACE_SIZE) !== 0;

  // §28.5.1 control registers. Bits fixed in VMX operation keep their value.
  const cr0Keep = (CR0_KEEP | caps.cr0Fixed0Lo | ~caps.cr0Fixed1Lo) >>> 0;
  cpu.cr0 = ((cpu.cr0 & cr0Keep) | (v.lo(F.HOST_CR0) & ~cr0Keep)) >>> 0;
  cpu.cr3 = v.lo(F.HOST_CR3) >>> 0;
  cpu.cr3Hi = hostAsz ? v.hi(F.HOST_CR3) >>> 0 : 0;
  const cr4Keep = (caps.cr4Fixed0Lo | ~caps.cr4Fixed1Lo) >>> 0;
  let cr4 = ((cpu.cr4 & cr4Keep) | (v.lo(F.HOST_CR4) & ~cr4Keep)) >>> 0;
  // "CR4.PAE is set to 1 if the host address-space size control is 1; CR4.PCIDE is cleared if it is 0."
  cr4 = hostAsz ? cr4 | CR4_PAE : cr4 & ~CR4_PCIDE;
  cpu.cr4 = cr4 >>> 0;
  // §28.5.4: a 32-bit PAE host loads its PDPTEs from HOST_CR3 now (the MMU
  // reads them from memory on each walk); a bad one is VMX abort 2.
  // Only a 32-bit host with CR0.PG and CR4.PAE has PDPTEs (the check's own
  // first condition); testing that here spares every exit to a 64-bit L1 a
  // check context.
  if (!hostAsz && v.lo(F.HOST_CR0) >>> 31 && v.lo(F.HOST_CR4) & CR4_PAE) {
    const pdpte = runCheck('EXIT-HOST-PDPTE-FAIL', pdpteContext(cpu, v, caps));
    if (!pdpte.ok) return { indicator: 2, message: formatEntryFailure(pdpte) };
  }

  // DR7 = 400H; IA32_DEBUGCTL cleared (the core keeps no DEBUGCTL state).
  cpu.dr[7] = 0x400;
  cpu.drHi[7] = 0;

  cpu.sysenterCs = v.lo(F.HOST_IA32_SYSENTER_CS) >>> 0;
  cpu.sysenterEsp = v.lo(F.HOST_IA32_SYSENTER_ESP) >>> 0;
  cpu.sysenterEspHi = hostAsz ? v.hi(F.HOST_IA32_SYSENTER_ESP) >>> 0 : 0;
  cpu.sysenterEip = v.lo(F.HOST_IA32_SYSENTER_EIP) >>> 0;
  cpu.sysenterEipHi = hostAsz ? v.hi(F.HOST_IA32_SYSENTER_EIP) >>> 0 : 0;

  if (exitCtl & EXIT.LOAD_IA32_PAT) {
    cpu.pat = v.lo(F.HOST_IA32_PAT) >>> 0;
    cpu.patHi = v.hi(F.HOST_IA32_PAT) >>> 0;
  }
  // EFER from the host field if 'load IA32_EFER'; either way LMA = LME =
  // host address-space size (§28.5.1; the host checks made the field agree).
  let efer = exitCtl & EXIT.LOAD_IA32_EFER ? v.lo(F.HOST_IA32_EFER) >>> 0 : cpu.efer;
  efer = hostAsz ? efer | EFER_LME | EFER_LMA : efer & ~(EFER_LME | EFER_LMA);
  cpu.efer = efer >>> 0;

  // §28.5.2 segment and descriptor-table registers.
  cpu.segSel[CS] = v.lo(F.HOST_CS_SELECTOR) & 0xffff;
  cpu.segBase[CS] = 0;
  cpu.segLimit[CS] = 0xffffffff;
  cpu.segAr[CS] = (TYPE_CODE | AR_S | AR_P | AR_G | (hostAsz ? AR_L : AR_DB)) >>> 0;
  loadDataSeg(cpu, SS, v.lo(F.HOST_SS_SELECTOR) & 0xffff, 0);
  loadDataSeg(cpu, DS, v.lo(F.HOST_DS_SELECTOR) & 0xffff, 0);
  loadDataSeg(cpu, ES, v.lo(F.HOST_ES_SELECTOR) & 0xffff, 0);
  loadDataSeg(cpu, FS, v.lo(F.HOST_FS_SELECTOR) & 0xffff, linear(v, F.HOST_FS_BASE));
  loadDataSeg(cpu, GS, v.lo(F.HOST_GS_SELECTOR) & 0xffff, linear(v, F.HOST_GS_BASE));
  cpu.segSel[TR] = v.lo(F.HOST_TR_SELECTOR) & 0xffff;
  cpu.segBase[TR] = linear(v, F.HOST_TR_BASE);
  cpu.segLimit[TR] = 0x67;
  cpu.segAr[TR] = (TYPE_BUSY_TSS | AR_P) >>> 0;
  // LDTR: selector 0, unusable.
  cpu.segSel[LDTR] = 0;
  cpu.segBase[LDTR] = 0;
  cpu.segLimit[LDTR] = 0;
  cpu.segAr[LDTR] = AR_UNUSABLE;
  cpu.gdtrBase = linear(v, F.HOST_GDTR_BASE);
  cpu.gdtrLimit = 0xffff;
  cpu.idtrBase = linear(v, F.HOST_IDTR_BASE);
  cpu.idtrLimit = 0xffff;

  // §28.5.3 RIP, RSP, RFLAGS; no blocking by STI or MOV SS. (NMI blocking is
  // left to the caller: unchanged after an entry failure, §27.8.)
  cpu.setReg(4, 8, v.lo(F.HOST_RSP) >>> 0, hostAsz ? v.hi(F.HOST_RSP) >>> 0 : 0);
  cpu.nextRip = hostAsz ? linear(v, F.HOST_RIP) : v.lo(F.HOST_RIP) >>> 0;
  cpu.rip = cpu.nextRip;
  setFlags(cpu, 0x2);
  cpu.shadowUntil = -1;
  cpu.shadowMovSs = false;

  cpu.setCpl(0);
  cpu.updateMode();
  // §28.5.5: with 'enable VPID' = 0 the exit invalidates the linear and
  // combined mappings of VPID 0. With it nothing is invalidated, and L2's
  // mappings (its VPID) must not serve L1 (VPID 0, §29.4.3.1): the caller
  // moved them to their bank (vmx-reflect.ts, vmx-tlb.ts). VM-entry
  // failures always flush (a superset invalidation).
  if (flushTlb) cpu.mmu.flushAll();
  return loadExitMsrs(cpu, v, caps);
}

/** What EXIT-HOST-PDPTE-FAIL reads: VMCS12, the capabilities and L1 memory. */
function pdpteContext(cpu: Cpu, v: VmcsView, caps: VmxCaps): EntryCheckContext {
  const mem = cpu.plat.mem;
  return {
    instruction: 'vmlaunch', vmcs: v, caps, currentVmcsPointer: -1,
    cpu: { inVmxOperation: true, nonRoot: false, cr0: cpu.cr0 >>> 0, cr4: cpu.cr4 >>> 0, efer: cpu.efer >>> 0, rflags: 2, csL: false, cpl: 0, movSsBlocking: false },
    readPhys: (addr, size) => mem.read(addr, size),
  };
}

/**
 * §28.6: the VM-exit MSR-load list, entry by entry, after the host state.
 * At most 512 * (IA32_VMX_MISC[27:25] + 1) entries are processed whatever the
 * count says (as the entry checks bound their lists); an entry the processor
 * cannot load is a VMX abort with indicator 4 (§28.7), entries before it stay
 * loaded.
 */
function loadExitMsrs(cpu: Cpu, v: VmcsView, caps: VmxCaps): VmxAbort | null {
  const limit = 512 * (((caps.miscLo >>> 25) & 7) + 1);
  const count = Math.min(v.lo(F.VM_EXIT_MSR_LOAD_COUNT) >>> 0, limit);
  if (count === 0) return null;
  const base = toNumber(v.lo(F.VM_EXIT_MSR_LOAD_ADDR), v.hi(F.VM_EXIT_MSR_LOAD_ADDR));
  const mem = cpu.plat.mem;
  for (let i = 0; i < count; i++) {
    const a = base + i * 16;
    const e: MsrListEntry = { index: mem.read(a, 4) >>> 0, reserved: mem.read(a + 4, 4) >>> 0, lo: mem.read(a + 8, 4) >>> 0, hi: mem.read(a + 12, 4) >>> 0 };
    const where = `VM-exit MSR-load entry ${i + 1} (at 0x${a.toString(16)}: MSR ${hex(e.index)}, value ${hex64(e.lo, e.hi)})`;
    const why = exitMsrLoadProblem(e, false);
    if (why) return { indicator: 4, message: `${where}: ${why}` };
    try {
      writeMsr(cpu, e.index, e.lo, e.hi);
    } catch (err) {
      if (err instanceof CpuFault) return { indicator: 4, message: `${where}: WRMSR would #GP` };
      throw err;
    }
  }
  return null;
}
