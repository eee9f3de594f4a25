// Events while L2 runs (SDM vol 3C §26.2 "Other Causes of VM Exits", §26.7
// "Changes to Event Blocking", vol 3A §6.9 priorities): exceptions through
// the exception bitmap, triple faults, INIT, the VMX-preemption timer,
// NMI-window, NMIs, interrupt-window and external interrupts - in that
// priority order at each instruction boundary. Physical interrupts and NMIs
// are L0's first (VMCS01); L0 reflects them to L1 when VMCS12 asks, else
// injects them into L2 and says so in the trace.
import type { Cpu } from '../x86/cpu';
import { IF } from '../x86/regs';
import { chainEventInterceptor, vmxEvents } from '../x86/exec/interrupts';
import type { EventInterceptor, VmxBoundaryGate } from '../x86/exec/interrupts';
import { EventType } from '../x86/exec/sys-deliver';
import { foldedHi } from '../x86/canon';
import { VMCS } from '../vmx/fields';
import { PIN, PRIMARY, EXIT } from '../vmx/controls';
import type { VmxVcpuState } from './vmx-state';
import { l1WantsException, l1WantsTripleFault, l1WantsInit } from './vmx-exit-rules';
import { l0OwnsExternalInterrupts, l0OwnsNmis } from './vmcs01';
import { reflectExit, exitHandledByL0 } from './vmx-reflect';
import { timerRemaining } from './vmx-timer';

const F = VMCS;
/** VM-exit interruption information of an NMI: vector 2, type 2, valid (§28.2.2 table 28-15). */
const NMI_INFO = 0x80000202;

let stateOf: (cpu: Cpu) => VmxVcpuState | undefined = () => undefined;

/** Where the per-vCPU VMX state lives (set by vmx-instructions.ts; no import cycle). */
export function setEventStateLookup(f: (cpu: Cpu) => VmxVcpuState | undefined): void { stateOf = f; }

/** The VMX state of a vCPU that is running L2, or undefined (cheap test first: the core's hook is set only in L2). */
function inL2(cpu: Cpu): VmxVcpuState | undefined {
  if (cpu.nonRootExit === null) return undefined;
  const s = stateOf(cpu);
  return s && s.level === 2 ? s : undefined;
}

// ---- "does L1 want this event?" ----

/** Reason 52: the timer L1 activated has reached 0 (pin "activate VMX-preemption timer", §26.5.1). */
export function l1WantsPreemptionTimer(s: VmxVcpuState, time: number): boolean {
  return s.l2.timerOn && timerRemaining(s, time) === 0;
}
/** Reason 8: "NMI-window exiting" and no virtual-NMI blocking nor MOV SS blocking (§26.7.6). */
export function l1WantsNmiWindow(cpu: Cpu, s: VmxVcpuState, movSs: boolean): boolean {
  return (s.vmcs12.lo(F.CPU_BASED_VM_EXEC_CONTROL) & PRIMARY.NMI_WINDOW_EXITING) !== 0 && !cpu.nmiBlocked && !movSs && !cpu.halted;
}
/**
 * Reason 0 (NMI): pin "NMI exiting", the NMI not blocked by MOV SS nor - without
 * virtual NMIs, where the blocking bit is the real one - by NMI (§26.7.1, §26.2).
 */
export function l1WantsNmi(cpu: Cpu, s: VmxVcpuState, movSs: boolean): boolean {
  const pin = s.vmcs12.lo(F.PIN_BASED_VM_EXEC_CONTROL);
  if (!(pin & PIN.NMI_EXITING) || movSs) return false;
  return (pin & PIN.VIRTUAL_NMIS) !== 0 || !cpu.nmiBlocked;
}
/** Reason 7: "interrupt-window exiting", RFLAGS.IF = 1 and no STI / MOV SS blocking (§26.7.5). */
export function l1WantsInterruptWindow(cpu: Cpu, s: VmxVcpuState, shadow: boolean): boolean {
  return (s.vmcs12.lo(F.CPU_BASED_VM_EXEC_CONTROL) & PRIMARY.INTERRUPT_WINDOW_EXITING) !== 0 && (cpu.flagsRest & IF) !== 0 && !shadow && !cpu.halted;
}
/** Reason 1: pin "external-interrupt exiting": exits whatever RFLAGS.IF says, not during STI/MOV SS blocking (§26.2, §26.3). */
export function l1WantsExternalInterrupt(s: VmxVcpuState, shadow: boolean): boolean {
  return (s.vmcs12.lo(F.PIN_BASED_VM_EXEC_CONTROL) & PIN.EXTERNAL_INTERRUPT_EXITING) !== 0 && !shadow;
}

const l2Events: EventInterceptor = {
  event(c, vector, type, errorCode, cr2) {
    const cpu = c as Cpu;
    const s = inL2(cpu);
    if (!s) return false;
    // §27.6.1: the event VM entry injects is delivered without consulting the exception bitmap.
    if (s.l2.injecting) { s.l2.injecting = false; return false; }
    if (type === EventType.External) {
      // L1 did not ask for it (pending() would have exited): L0 takes the
      // physical interrupt and injects it into L2 through L2's IDT.
      if (l0OwnsExternalInterrupts(s.vmcs01)) exitHandledByL0(cpu, s, { reason: 1, intrInfo: (vector | 0x80000000) >>> 0, rule: l0OwnsExternalInterrupts.name, atBoundary: true });
      return false;
    }
    if (type === EventType.Nmi) {
      if (l0OwnsNmis(s.vmcs01)) exitHandledByL0(cpu, s, { reason: 0, intrInfo: NMI_INFO, rule: l0OwnsNmis.name, atBoundary: true });
      return false;
    }
    if (type !== EventType.HwException && type !== EventType.SoftException && type !== EventType.PrivSoftException) return false;
    if (vector >= 32 || !l1WantsException(s.vmcs12, vector, errorCode < 0 ? 0 : errorCode)) return false;
    const soft = type !== EventType.HwException;
    // §28.2.2: intr info = vector | type << 8 | error-code valid (11) | valid (31); #PF qualification = the linear address.
    reflectExit(cpu, s, {
      reason: 0,
      qualLo: vector === 14 ? cr2 >>> 0 : 0, qualHi: vector === 14 ? foldedHi(cr2) >>> 0 : 0,
      instrLen: soft ? cpu.nextRip - cpu.rip : 0,
      intrInfo: (vector | (type << 8) | (errorCode >= 0 ? 1 << 11 : 0) | 0x80000000) >>> 0,
      errorCode: errorCode >= 0 ? errorCode : 0,
      rule: l1WantsException.name,
    });
    return true;
  },
  tripleFault(c) {
    const cpu = c as Cpu;
    const s = inL2(cpu);
    if (!s || !l1WantsTripleFault(s.vmcs12)) return false;
    reflectExit(cpu, s, { reason: 2, rule: l1WantsTripleFault.name });
    return true;
  },
};

const l2Boundary: VmxBoundaryGate = {
  init(c) {
    const cpu = c as Cpu;
    const s = stateOf(cpu);
    if (!s || !s.inVmxOperation) return false;
    // §26.2: INIT in VMX non-root exits (reason 3) and is consumed.
    if (s.level === 2 && l1WantsInit(s.vmcs12)) {
      cpu.plat.intc.initPending = false;
      reflectExit(cpu, s, { reason: 3, rule: l1WantsInit.name, atBoundary: true });
      return true;
    }
    // SDM vol 3C 24.8: INIT is blocked in VMX root operation; it stays latched until VMXOFF.
    return true;
  },
  pending(c, shadow) {
    const cpu = c as Cpu;
    const s = inL2(cpu);
    if (!s) return false;
    const time = cpu.plat.clock.ticks;
    const movSs = shadow && cpu.shadowMovSs;
    if (l1WantsPreemptionTimer(s, time)) {
      reflectExit(cpu, s, { reason: 52, rule: l1WantsPreemptionTimer.name, atBoundary: true });
      return true;
    }
    if (l1WantsNmiWindow(cpu, s, movSs)) {
      reflectExit(cpu, s, { reason: 8, rule: l1WantsNmiWindow.name, atBoundary: true });
      return true;
    }
    const ic = cpu.plat.intc;
    if (ic.nmiPending && l1WantsNmi(cpu, s, movSs)) {
      ic.nmiPending = false;
      reflectExit(cpu, s, { reason: 0, intrInfo: NMI_INFO, rule: l1WantsNmi.name, atBoundary: true });
      return true;
    }
    // An NMI L1 does not take is L0's to inject (event() above); it outranks the windows below.
    if (ic.nmiPending && !cpu.nmiBlocked && !shadow) return false;
    if (l1WantsInterruptWindow(cpu, s, shadow)) {
      reflectExit(cpu, s, { reason: 7, rule: l1WantsInterruptWindow.name, atBoundary: true });
      return true;
    }
    if (l1WantsExternalInterrupt(s, shadow) && ic.hasInterrupt()) {
      // §28.2.2 with "acknowledge interrupt on exit": the controller is acknowledged and the vector reported.
      const ack = (s.vmcs12.lo(F.VM_EXIT_CONTROLS) & EXIT.ACKNOWLEDGE_INTERRUPT_ON_EXIT) !== 0;
      const info = ack ? ((ic.acknowledge() & 0xff) | 0x80000000) >>> 0 : 0;
      reflectExit(cpu, s, { reason: 1, intrInfo: info, rule: l1WantsExternalInterrupt.name, atBoundary: true });
      return true;
    }
    return false;
  },
};

let installed = false;

/** Chains L0's L2 exception interceptor in front of any other (global table, per-vCPU decision), once; sets the boundary gate. */
export function installL2Interceptor(): void {
  vmxEvents.gate = l2Boundary;
  if (installed) return;
  installed = true;
  chainEventInterceptor(l2Events);
}
