// VM-entry event injection (SDM vol 3C §27.6 "Event Injection"): with the
// valid bit of VM_ENTRY_INTR_INFO_FIELD set, the event is delivered through
// L2's IDT right after L2's state is loaded, as if it had occurred at the
// first guest instruction: an external interrupt, NMI, hardware exception,
// software interrupt, privileged or other software exception (type 0-6,
// table 25-17). It does not consult the exception bitmap (§27.6.1); a fault
// while delivering it does, and an exit then reports the injected event as
// IDT-vectoring information (§28.2.4, vmx-reflect.ts).
import type { Cpu } from '../x86/cpu';
import { raise } from '../x86/exec/interrupts';
import type { EventType } from '../x86/exec/sys-deliver';
import { VMCS } from '../vmx/fields';
import type { VmxVcpuState } from './vmx-state';
import { emitTransition } from './transitions';

const F = VMCS;
const TYPE_NAMES = ['external interrupt', 'reserved', 'NMI', 'hardware exception', 'software interrupt', 'privileged software exception', 'software exception', 'other event'];

/** Why VMCS12's injection cannot be done, or null (type 7 needs the monitor trap flag, not offered to L1). */
export function injectionUnsupported(s: VmxVcpuState): string | null {
  const info = s.vmcs12.lo(F.VM_ENTRY_INTR_INFO_FIELD);
  if (info >>> 31 && ((info >>> 8) & 7) === 7) return 'VM-entry injection of a pending MTF VM exit (type 7)';
  return null;
}

/**
 * Delivers VMCS12's injected event into L2 (§27.6.1.1, §27.6.1.2): software
 * interrupts and software exceptions return after VM_ENTRY_INSTRUCTION_LEN
 * bytes; the others return to GUEST_RIP. Emits an 'inject' transition.
 */
export function injectEvent(cpu: Cpu, s: VmxVcpuState): void {
  const v = s.vmcs12;
  const info = v.lo(F.VM_ENTRY_INTR_INFO_FIELD);
  if (!(info >>> 31)) return;
  const vector = info & 0xff, type = (info >>> 8) & 7;
  const ec = info & (1 << 11) ? v.lo(F.VM_ENTRY_EXCEPTION_ERROR_CODE) >>> 0 : -1;
  const soft = type === 4 || type === 5 || type === 6;
  const ret = soft ? cpu.rip + (v.lo(F.VM_ENTRY_INSTRUCTION_LEN) >>> 0) : cpu.rip;
  emitTransition(cpu, {
    from: 1, to: 2, type: 'inject', reason: vector, reasonName: `${TYPE_NAMES[type]} ${vector}`,
    qualification: ec >= 0 ? `error code 0x${ec.toString(16)}` : undefined,
    handledBy: 'L0', rule: 'VM-entry event injection (SDM 27.6)', arch: 'vmx', rip: cpu.rip,
  });
  s.l2.injecting = true;
  // The VMX type numbers are the core's EventType numbers (sys-deliver.ts).
  raise(cpu, vector, type as EventType, ec, cpu.cr2, ret);
  s.l2.injecting = false;
}
