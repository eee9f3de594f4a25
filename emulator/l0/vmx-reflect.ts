// Exits from L2 (SDM vol 3C ch. 28): the exit happens under VMCS02, so its
// information and L2's state go to VMCS02 first (kept current at every exit
// for the debugger); then L0 either handles it and resumes L2, or reflects
// it to L1 as a virtual VM exit - exit information and L2's state into
// VMCS12 (§28.2, §28.3), L2's MSRs into VMCS12's MSR-store list (§28.4),
// VMCS12's host state into the vCPU (§28.5, §28.6).
import type { Cpu } from '../x86/cpu';
import { foldedHi } from '../x86/canon';
import { vectoring } from '../x86/exec/interrupts';
import { EventType } from '../x86/exec/sys-deliver';
import { VMCS } from '../vmx/fields';
import { exitReasonName, decodeQualification } from '../vmx/exit-reasons';
import type { Vmcs } from '../vmx/vmcs';
import type { VmxVcpuState } from './vmx-state';
import { saveGuestState, copyGuestStateToVmcs12, putLinear } from './vmx-guest-state';
import { loadHostState } from './vmx-host-state';
import { vmxAbort } from './vmx-entry-failure';
import { storeExitMsrs } from './vmx-msr-lists';
import { timerRemaining } from './vmx-timer';
import { emitTransition } from './transitions';
import { detachEpt02 } from './vmx-ept02'; // EPT02 (vmx-ept02.ts)
import { vpid12, bankOutL2, bankInL1 } from './vmx-tlb';

const F = VMCS;
const TWO32 = 0x1_0000_0000;

export interface ExitInfo {
  reason: number;
  qualLo?: number;
  qualHi?: number;
  /** VM_EXIT_INSTRUCTION_LEN (instruction exits, software exceptions, vectoring of software events). */
  instrLen?: number;
  /** VM_EXIT_INTR_INFO (exception, NMI, acknowledged-interrupt exits), 0 = invalid. */
  intrInfo?: number;
  errorCode?: number;
  /** VMX_INSTRUCTION_INFO (§28.2.5). */
  insnInfo?: number;
  /** GUEST_LINEAR_ADDRESS (folded) for INS/OUTS and LMSW with a memory operand (§28.2.1). */
  linear?: number;
  /** The rule that decided (trace). */
  rule: string;
  /** The exit happens between instructions (interrupts, windows, timer, INIT), not inside one. */
  atBoundary?: boolean;
  /** EPT02 (vmx-ept02.ts): GUEST_PHYSICAL_ADDRESS of EPT-induced exits (§28.2.1). */
  gpa?: number;
}

/** Software-generated event types: the vectoring instruction's length is reported (§28.2.4). */
const isSoft = (t: number): boolean => t === EventType.SoftInt || t === EventType.SoftException || t === EventType.PrivSoftException;

/** Exit information into VMCS02 (§28.2): the exit that physically happened under it. */
function recordExit(cpu: Cpu, v02: Vmcs, e: ExitInfo): void {
  v02.set(F.VM_EXIT_REASON, e.reason >>> 0);
  v02.set(F.EXIT_QUALIFICATION, (e.qualLo ?? 0) >>> 0, (e.qualHi ?? 0) >>> 0);
  v02.set(F.VM_EXIT_INTR_INFO, (e.intrInfo ?? 0) >>> 0);
  v02.set(F.VM_EXIT_INTR_ERROR_CODE, (e.errorCode ?? 0) >>> 0);
  v02.set(F.VMX_INSTRUCTION_INFO, (e.insnInfo ?? 0) >>> 0);
  if (e.linear !== undefined) putLinear(v02, F.GUEST_LINEAR_ADDRESS, e.linear); else v02.set(F.GUEST_LINEAR_ADDRESS, 0, 0);
  // EPT02 (vmx-ept02.ts): the guest-physical address of EPT violations / misconfigurations.
  if (e.gpa !== undefined) v02.set(F.GUEST_PHYSICAL_ADDRESS, e.gpa % TWO32 >>> 0, Math.floor(e.gpa / TWO32) >>> 0);
  else v02.set(F.GUEST_PHYSICAL_ADDRESS, 0, 0);
  let len = (e.instrLen ?? 0) >>> 0;
  // §28.2.4: an exit while delivering an event (through the IDT, or injected
  // at entry) records that event: vector, type, error code; for software
  // events the length of the instruction that raised it.
  if (vectoring.vector >= 0) {
    const ec = vectoring.errorCode;
    v02.set(F.IDT_VECTORING_INFO_FIELD, (vectoring.vector | (vectoring.type << 8) | (ec >= 0 ? 1 << 11 : 0) | 0x80000000) >>> 0);
    v02.set(F.IDT_VECTORING_ERROR_CODE, ec >= 0 ? ec >>> 0 : 0);
    if (isSoft(vectoring.type)) len = (cpu.nextRip - cpu.rip) >>> 0;
    vectoring.vector = -1;
  } else {
    v02.set(F.IDT_VECTORING_INFO_FIELD, 0);
    v02.set(F.IDT_VECTORING_ERROR_CODE, 0);
  }
  v02.set(F.VM_EXIT_INSTRUCTION_LEN, len);
}

const EXIT_INFO_COPIED: readonly number[] = [
  F.VM_EXIT_REASON, F.EXIT_QUALIFICATION, F.VM_EXIT_INSTRUCTION_LEN, F.VM_EXIT_INTR_INFO, F.VM_EXIT_INTR_ERROR_CODE,
  F.IDT_VECTORING_INFO_FIELD, F.IDT_VECTORING_ERROR_CODE, F.VMX_INSTRUCTION_INFO, F.GUEST_LINEAR_ADDRESS,
  F.GUEST_PHYSICAL_ADDRESS,
];

/**
 * L2's state and the exit into VMCS02 (§28.3): done at every exit, whoever
 * handles it. `time` is the machine time of the exit (timer value).
 */
function exitToL0(cpu: Cpu, s: VmxVcpuState, e: ExitInfo, time: number): void {
  const v02 = s.vmcs02;
  recordExit(cpu, v02, e);
  saveGuestState(cpu, v02, v02.lo(F.VM_EXIT_CONTROLS));
  if (s.l2.timerOn) v02.set(F.VMX_PREEMPTION_TIMER_VALUE, timerRemaining(s, time) >>> 0);
}

/** Machine time of an exit: inside an instruction, or at a boundary (ExitInfo.atBoundary). */
function exitTime(cpu: Cpu, e: ExitInfo): number { return e.atBoundary ? cpu.plat.clock.ticks : cpu.now(); }

/**
 * An exit L1 did not ask for but L0 takes for itself (VMCS01 controls, e.g.
 * HLT, I/O, MSRs, physical interrupts): L0 handles it and resumes L2.
 */
export function exitHandledByL0(cpu: Cpu, s: VmxVcpuState, e: ExitInfo): void {
  exitToL0(cpu, s, e, exitTime(cpu, e));
  const qlo = (e.qualLo ?? 0) >>> 0, qhi = (e.qualHi ?? 0) >>> 0;
  emitTransition(cpu, {
    from: 2, to: 2, type: 'exit', reason: e.reason, reasonName: exitReasonName(e.reason),
    qualification: decodeQualification(e.reason, qlo, qhi, e.intrInfo),
    handledBy: 'L0', rule: e.rule, arch: 'vmx', rip: cpu.rip, qualLo: qlo, qualHi: qhi,
  });
}

/**
 * A virtual VM exit from L2 to L1: exit information and L2's state into
 * VMCS12, VMCS12's host state into the vCPU (L1 continues at HOST_RIP).
 */
export function reflectExit(cpu: Cpu, s: VmxVcpuState, e: ExitInfo): void {
  const v12 = s.vmcs12, v02 = s.vmcs02;
  const l2Rip = cpu.rip;
  exitToL0(cpu, s, e, exitTime(cpu, e));
  for (let k = 0; k < EXIT_INFO_COPIED.length; k++) v12.set(EXIT_INFO_COPIED[k], v02.lo(EXIT_INFO_COPIED[k]), v02.hi(EXIT_INFO_COPIED[k]));
  copyGuestStateToVmcs12(v02, v12);
  // §28.3.4 with "save VMX-preemption timer value": the remaining count.
  if (s.l2.timerOn && v12.lo(F.VM_EXIT_CONTROLS) & (1 << 22)) v12.set(F.VMX_PREEMPTION_TIMER_VALUE, v02.lo(F.VMX_PREEMPTION_TIMER_VALUE));
  // §28.2: every VM exit clears the valid bit of the VM-entry interruption information.
  v12.set(F.VM_ENTRY_INTR_INFO_FIELD, v12.lo(F.VM_ENTRY_INTR_INFO_FIELD) & 0x7fffffff);
  v02.set(F.VM_ENTRY_INTR_INFO_FIELD, v02.lo(F.VM_ENTRY_INTR_INFO_FIELD) & 0x7fffffff);
  // §28.4: L2's MSRs into the VM-exit MSR-store list before host state replaces them.
  const storeFail = storeExitMsrs(cpu, s);
  // §28.5.5 with 'enable VPID' = 1: nothing is invalidated; L2's entries
  // wait in their bank under its VPID and EPT02 root (vmx-tlb.ts), before
  // the second stage goes (removing it flushes the live set).
  const vpid = vpid12(v12);
  if (vpid) bankOutL2(cpu, s, vpid);
  detachEpt02(cpu, s); // EPT02 (vmx-ept02.ts): L1 runs on its own physical memory
  // L1's TSC again: L2's TSC included VMCS12's offset (an L2 write of IA32_TSC moved both, SDM 26.3).
  cpu.tscOffset -= s.l2.tscOffset12;
  s.l2.tscOffset12 = 0;
  s.l2.timerOn = false;
  s.level = 1;
  cpu.nonRootExit = null;
  cpu.halted = false;
  const abort = storeFail ?? loadHostState(cpu, v12, s.caps, !vpid);
  // L1's (VPID 0) entries come back if HOST_CR3 etc. give L1's paging context at the entry.
  if (vpid && !abort) bankInL1(cpu, s);
  cpu.nmiBlocked = s.l1?.nmiBlocked ?? cpu.nmiBlocked;
  cpu.exitBlock = true;
  const qlo = (e.qualLo ?? 0) >>> 0, qhi = (e.qualHi ?? 0) >>> 0;
  emitTransition(cpu, {
    from: 2, to: 1, type: 'reflect', reason: e.reason,
    reasonName: exitReasonName(e.reason),
    qualification: decodeQualification(e.reason, qlo, qhi, e.intrInfo),
    handledBy: 'L1', rule: e.rule, arch: 'vmx', rip: l2Rip, qualLo: qlo, qualHi: qhi,
    gpa: e.gpa, // EPT02 (vmx-ept02.ts)
  });
  if (abort) vmxAbort(cpu, s, abort.indicator, abort.message);
}

/** The folded high half of a qualification that is a linear address. */
export function qualHiOf(lin: number): number { return foldedHi(lin) >>> 0; }
