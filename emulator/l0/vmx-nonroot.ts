// Running L2 (Turtles, nested-vmx.md): the VM entry that succeeds (SDM vol
// 3C §27.3 loading guest state, §27.4 MSRs, §27.6 event injection) and the
// exits from L2 (§26, §28).
//
// L1's VMLAUNCH/VMRESUME: L0 saves L1's state into VMCS01's guest area,
// merges VMCS01 and VMCS12 into VMCS02 (vmcs02-merge.ts) and runs L2 on the
// vCPU under VMCS02. Every exit is decided in two steps (KVM nested.c
// style): does L1 want it (VMCS12; vmx-exit-rules.ts, one named rule per
// exit reason) - then it is reflected to L1 (vmx-reflect.ts); else does L0
// want it for itself (VMCS01; vmcs01.ts) - then L0 handles it and resumes
// L2 ('exit' transition handled by L0); else the instruction runs with its
// VMX non-root behaviour (§26.3). Physical interrupts and NMIs are L0's
// first (vmx-events.ts). Controls L0 does not implement are not offered to
// L1 (caps); if VMCS12 uses one anyway the entry is #UD + "not implemented".
import type { Cpu } from '../x86/cpu';
import { CpuMode } from '../x86/state';
import type { CpuState, NonRootInsn, NonRootDetail } from '../x86/state';
import { fold } from '../x86/canon';
import { VMCS } from '../vmx/fields';
import { PIN, PRIMARY, SECONDARY, EXIT, ENTRY, PIN_DEFAULT1, EXIT_DEFAULT1, ENTRY_DEFAULT1, nameBits } from '../vmx/controls';
import type { Vmcs } from '../vmx/vmcs';
import type { VmxVcpuState } from './vmx-state';
import { emitTransition } from './transitions';
import { refreshVmcs01 } from './vmcs01';
import { buildVmcs02 } from './vmcs02-merge';
import { loadGuestState, loadPdptes } from './vmx-guest-state';
import { INSN_EXITS } from './vmx-insn-exits';
import { reflectExit, exitHandledByL0 } from './vmx-reflect';
import type { ExitInfo } from './vmx-reflect';
import { setEventStateLookup, installL2Interceptor } from './vmx-events';
import { injectEvent, injectionUnsupported } from './vmx-inject';
import { loadEntryMsrs } from './vmx-msr-lists';
import { entryMsrLoadFailure } from './vmx-entry-msrs';
import { vmEntryFailureExit } from './vmx-entry-failure';
import { startTimer } from './vmx-timer';
import { getSigned64 } from './vmx-u64';
import { eptEnabled12, attachEpt02 } from './vmx-ept02'; // EPT02 (vmx-ept02.ts)
import { vpid12, bankOutL1, bankInL2 } from './vmx-tlb';

export { reflectExit, exitHandledByL0 } from './vmx-reflect';
export type { ExitInfo } from './vmx-reflect';
export * from './vmx-exit-rules';

const F = VMCS;

// ---- controls L0 implements for L2 (what the capability MSRs offer, cpu-model-vmx.ts) ----

const PIN_OK = (PIN_DEFAULT1 | PIN.EXTERNAL_INTERRUPT_EXITING | PIN.NMI_EXITING | PIN.VIRTUAL_NMIS | PIN.ACTIVATE_VMX_PREEMPTION_TIMER) >>> 0;
/** Every primary control but the monitor trap flag, the TPR shadow and tertiary controls. */
const PRIMARY_OK = (~(PRIMARY.MONITOR_TRAP_FLAG | PRIMARY.USE_TPR_SHADOW | PRIMARY.ACTIVATE_TERTIARY_CONTROLS | 1 | (1 << 18))) >>> 0;
const SECONDARY_OK = (SECONDARY.DESCRIPTOR_TABLE_EXITING | SECONDARY.ENABLE_RDTSCP | SECONDARY.WBINVD_EXITING | SECONDARY.ENABLE_INVPCID) >>> 0;
const EXIT_OK = (EXIT_DEFAULT1 | EXIT.HOST_ADDRESS_SPACE_SIZE | EXIT.ACKNOWLEDGE_INTERRUPT_ON_EXIT | EXIT.SAVE_IA32_PAT | EXIT.LOAD_IA32_PAT |
  EXIT.SAVE_IA32_EFER | EXIT.LOAD_IA32_EFER | EXIT.SAVE_VMX_PREEMPTION_TIMER_VALUE) >>> 0;
const ENTRY_OK = (ENTRY_DEFAULT1 | ENTRY.IA32E_MODE_GUEST | ENTRY.LOAD_IA32_PAT | ENTRY.LOAD_IA32_EFER) >>> 0;

/** What VMCS12 asks for that L0 cannot do, or null. */
export function unsupportedForL2(v: Vmcs): string | null {
  const primary = v.lo(F.CPU_BASED_VM_EXEC_CONTROL) >>> 0;
  const secondary = primary & PRIMARY.ACTIVATE_SECONDARY_CONTROLS ? v.lo(F.SECONDARY_VM_EXEC_CONTROL) >>> 0 : 0;
  // EPT02 (vmx-ept02.ts): 'enable EPT' (bit 1), 'enable VPID' (bit 5) and 'unrestricted guest' (bit 7) are implemented for L2.
  const sec = (secondary & ~((1 << 1) | (1 << 5) | (1 << 7)) & ~SECONDARY_OK) >>> 0;
  if (sec) return `secondary controls for L2 (${nameBits('secondary', sec)})`;
  const p = (primary & ~PRIMARY_OK) >>> 0;
  if (p) return `primary controls for L2 (${nameBits('primary', p)})`;
  const pin = (v.lo(F.PIN_BASED_VM_EXEC_CONTROL) & ~PIN_OK) >>> 0;
  if (pin) return `pin-based controls for L2 (${nameBits('pin', pin)})`;
  const exit = (v.lo(F.VM_EXIT_CONTROLS) & ~EXIT_OK) >>> 0;
  if (exit) return `VM-exit controls for L2 (${nameBits('exit', exit)})`;
  const entry = (v.lo(F.VM_ENTRY_CONTROLS) & ~ENTRY_OK) >>> 0;
  if (entry) return `VM-entry controls for L2 (${nameBits('entry', entry)})`;
  const act = v.lo(F.GUEST_ACTIVITY_STATE);
  if (act !== 0 && act !== 1) return `guest activity state ${act}`;
  return null;
}

// ---- VM entry (§27.3-27.6) ----

let stateOf: (cpu: Cpu) => VmxVcpuState | undefined = () => undefined;

/** vmx-instructions.ts tells this module where the per-vCPU state lives (no import cycle). */
export function setNonRootStateLookup(f: (cpu: Cpu) => VmxVcpuState | undefined): void {
  stateOf = f;
  setEventStateLookup(f);
  installL2Interceptor();
}

/**
 * The successful VMLAUNCH/VMRESUME (all checks passed). Returns a reason the
 * entry cannot be done (the caller raises #UD "not implemented"), or null
 * once the vCPU runs L2 (or the VM-entry MSR-load list failed, §27.8).
 */
export function enterL2(cpu: Cpu, s: VmxVcpuState, launch: boolean): string | null {
  const v = s.vmcs12;
  const why = unsupportedForL2(v) ?? injectionUnsupported(s);
  if (why) return why;
  // L1 state L1's host-state area does not restore: NMI blocking, and where
  // L1 waits (DAP call stack); the rest of L1's state goes to VMCS01.
  // RSP/RBP: not architectural state of the entry (the host area has L1's
  // resume stack), kept so the debugger can unwind L1's frames while L2 runs.
  const wide = cpu.mode === CpuMode.Long64;
  s.l1 = {
    nmiBlocked: cpu.nmiBlocked, rip: cpu.nextRip, instruction: launch ? 'VMLAUNCH' : 'VMRESUME',
    rsp: wide ? fold(cpu.regs[8], cpu.regs[9] | 0) : cpu.regs[8] >>> 0,
    rbp: wide ? fold(cpu.regs[10], cpu.regs[11] | 0) : cpu.regs[10] >>> 0,
  };
  const l1Rip = cpu.rip;
  refreshVmcs01(cpu, s.vmcs01);
  buildVmcs02(s.vmcs01, v, s.vmcs02);
  if (launch) v.launched = true; // §31.3 VMLAUNCH: launch state := launched
  // §27.3.2.5 with 'enable VPID' = 1: nothing is invalidated; L1's (VPID 0)
  // entries wait in their bank, tagged with L1's paging state (vmx-tlb.ts).
  const vpid = vpid12(v);
  if (vpid) bankOutL1(cpu, s);
  loadGuestState(cpu, s.vmcs02);
  // §27.4: the VM-entry MSR-load list, after the guest state; a refused entry fails the entry (§27.8).
  const bad = loadEntryMsrs(cpu, s);
  if (bad) {
    s.tlbL1.drop(); // the failure's host-state load flushes (a superset invalidation)
    vmEntryFailureExit(cpu, s, entryMsrLoadFailure(s, bad));
    return null;
  }
  // TSC offsetting (§26.3): L2's TSC = L1's + VMCS12's offset, as VMCS02's summed offset says.
  s.l2.tscOffset12 = v.lo(F.CPU_BASED_VM_EXEC_CONTROL) & PRIMARY.USE_TSC_OFFSETTING ? getSigned64(v, F.TSC_OFFSET) : 0;
  cpu.tscOffset += s.l2.tscOffset12;
  if (eptEnabled12(s)) {
    attachEpt02(cpu, s, reflectExit); // EPT02 (vmx-ept02.ts): a new second stage flushes the TLBs
    loadPdptes(cpu, s.vmcs02); // §27.3.2.4: a PAE L2's PDPTEs from GUEST_PDPTE0-3
  }
  // §27.3.2.5: with 'enable VPID' = 0 the entry invalidates the linear and
  // combined mappings of VPID 0: the live TLBs are flushed. With it L2 runs
  // under its own VPID and must not use L1's (VPID 0) mappings (§29.4.3.1):
  // L1's went to their bank above, L2's own come back from theirs if they
  // were made with this VPID, EPT02 root and paging context (vmx-tlb.ts).
  else if (!vpid) cpu.mmu.flushAll();
  if (vpid) bankInL2(cpu, s, vpid);
  s.l2.monitorArmed = false;
  startTimer(cpu, s);
  s.level = 2;
  cpu.nonRootExit = nonRootExit;
  emitTransition(cpu, {
    from: 1, to: 2, type: 'entry', reason: 0,
    reasonName: launch ? 'VMLAUNCH' : 'VMRESUME',
    handledBy: 'L0', arch: 'vmx', rip: l1Rip,
  });
  // §27.6: the injected event, delivered through L2's IDT now.
  injectEvent(cpu, s);
  return null;
}

// ---- where the core asks ----

/** CpuState.nonRootExit while the vCPU runs L2: L1's rule, then L0's, then the non-root behaviour. */
function nonRootExit(c: CpuState, insn: NonRootInsn, qual: number, d?: NonRootDetail): boolean {
  const cpu = c as Cpu;
  const s = stateOf(cpu);
  if (!s || s.level !== 2) return false;
  const r = INSN_EXITS[insn];
  if (r.pre) r.pre(cpu, s);
  const l1 = r.l1(cpu, s.vmcs12, qual);
  if (!l1 && !(r.l0 && r.l0(s.vmcs01))) return r.noExit ? r.noExit(cpu, s, qual, d) : false;
  const e: ExitInfo = { reason: r.reason, qualLo: qual, instrLen: cpu.nextRip - cpu.rip, rule: l1 ? r.rule : r.l0!.name };
  if (r.info) Object.assign(e, r.info(cpu, s, qual, d));
  if (l1) { reflectExit(cpu, s, e); return true; }
  // L0 wants it, L1 does not: L0 handles it - the instruction completes for L2 - and L2 resumes.
  exitHandledByL0(cpu, s, e);
  return r.noExit ? r.noExit(cpu, s, qual, d) : false;
}
