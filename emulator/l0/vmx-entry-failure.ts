// The VM-entry failure exit to L1 (SDM vol 3C §27.8 "VM-Entry Failures
// During or After Loading Guest State"): a VMLAUNCH/VMRESUME whose
// guest-state checks (§27.3) or VM-entry MSR loading (§27.4) fail completes
// like a VM exit to L1:
//   1. no guest state is saved in VMCS12;
//   2. VM_EXIT_REASON = basic reason 33 / 34 with bit 31 set;
//   3. EXIT_QUALIFICATION as the failed check gives (0/2/3/4 for 33, the
//      1-based entry number for 34);
//   4. VM-exit interruption information invalid (§28.2.2: only the exits it
//      lists make it valid); the other exit-information fields, the
//      VM-entry interruption information and the launch state are unchanged
//      (the launch state changes only on a successful VMLAUNCH);
//   5. host state loaded from VMCS12 as on any VM exit (§28.5, §28.6:
//      loadHostState), blocking by NMI as before the entry.
import type { Cpu } from '../x86/cpu';
import { Stop } from '../x86/cpu';
import { VMCS } from '../vmx/fields';
import { exitReasonName, decodeQualification } from '../vmx/exit-reasons';
import type { EntryCheckFailure } from '../vmx/entry-checks';
import type { VmxVcpuState } from './vmx-state';
import { loadHostState } from './vmx-host-state';
import { emitTransition } from './transitions';
import type { TransitionCheck } from '../events';

/** The failed check as the event stream carries it (exceptionInfo, trace). */
export function transitionCheck(f: EntryCheckFailure): TransitionCheck {
  return { id: f.id, section: `SDM ${f.sdm}`, rule: f.rule, field: f.field, value: f.value, allowed: f.allowed };
}

/**
 * Turns a failed guest-state / MSR-load check into the VM exit L1 sees.
 * `f.outcome` must be an 'entry-failure'. Called from inside the
 * VMLAUNCH/VMRESUME handler: L1 continues at HOST_RIP.
 */
export function vmEntryFailureExit(cpu: Cpu, s: VmxVcpuState, f: EntryCheckFailure): void {
  const o = f.outcome;
  if (o.kind !== 'entry-failure') throw new Error(`vmEntryFailureExit: outcome ${o.kind} is not a VM-entry failure`);
  const v = s.vmcs12;
  v.set(VMCS.VM_EXIT_REASON, o.exitReason >>> 0);
  v.set(VMCS.EXIT_QUALIFICATION, o.qualification >>> 0, 0);
  v.set(VMCS.VM_EXIT_INTR_INFO, 0);
  const nmiBlocked = cpu.nmiBlocked;
  const abort = loadHostState(cpu, v, s.caps);
  cpu.nmiBlocked = nmiBlocked;
  emitTransition(cpu, {
    from: 1, to: 1, type: 'entry-fail',
    reason: o.reason,
    reasonName: exitReasonName(o.reason),
    qualification: decodeQualification(o.reason, o.qualification, 0),
    handledBy: 'L1',
    rule: `${f.id} (SDM ${f.sdm})`,
    arch: 'vmx', rip: cpu.rip,
    qualLo: o.qualification >>> 0, qualHi: 0,
    check: transitionCheck(f),
  });
  if (abort) vmxAbort(cpu, s, abort.indicator, abort.message);
}

/**
 * VMX abort (§28.7): the indicator goes to dword 1 of the current VMCS12
 * region and the logical processor shuts down.
 */
export function vmxAbort(cpu: Cpu, s: VmxVcpuState, indicator: number, message: string): void {
  s.vmcs12.abortIndicator = indicator >>> 0;
  s.flushCurrent();
  cpu.plat.events.emit({
    kind: 'diagnostic', code: 'vmx-abort', icount: cpu.icount, vcpu: cpu.id, rip: cpu.rip,
    message: `VMX abort, indicator ${indicator} (SDM 28.7): ${message}; the vCPU shuts down`,
  });
  // Host state may be half loaded (a PDPTE abort stops before the segments).
  cpu.updateMode();
  cpu.mmu.flushAll();
  cpu.shutdown = true;
  cpu.halted = true;
  cpu.requestStop(Stop.TripleFault);
}
