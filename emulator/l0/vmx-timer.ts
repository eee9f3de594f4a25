// L1's VMX-preemption timer for L2 (SDM vol 3C §26.5.1): with the pin-based
// "activate VMX-preemption timer" control, VM entry loads the timer from
// VMCS12 and it counts down by 1 each time bit X of the TSC changes, X being
// IA32_VMX_MISC[4:0] as reported to L1; at 0 a VM exit (reason 52) occurs.
// Deterministic: the TSC is instructions retired (DESIGN.md), so the timer
// is a pure function of the machine clock; L0 checks it at instruction
// boundaries (vmx-pending.ts).
import type { Cpu } from '../x86/cpu';
import { VMCS } from '../vmx/fields';
import { PIN } from '../vmx/controls';
import type { VmxVcpuState } from './vmx-state';

const F = VMCS;

function rateOf(s: VmxVcpuState): number { return Math.pow(2, s.caps.miscLo & 0x1f); }

/** §26.5.1: VM entry starts the timer with VMCS12's value (if activated). */
export function startTimer(cpu: Cpu, s: VmxVcpuState): void {
  const v = s.vmcs12;
  s.l2.timerOn = (v.lo(F.PIN_BASED_VM_EXEC_CONTROL) & PIN.ACTIVATE_VMX_PREEMPTION_TIMER) !== 0;
  if (!s.l2.timerOn) return;
  s.l2.timerValue = v.lo(F.VMX_PREEMPTION_TIMER_VALUE) >>> 0;
  s.l2.timerBase = Math.floor(cpu.now() / rateOf(s));
  // The expiry is seen at instruction boundaries (vmx-events.ts), but only
  // those the run loop stops at: a clock deadline at the first tick with
  // timerRemaining() = 0 ends the block there, so the exit's icount does not
  // depend on where blocks (and so how the run was sliced) happen to end.
  // It also wakes a halted L2, which no instruction boundary would.
  cpu.plat.clock.schedule?.((s.l2.timerBase + s.l2.timerValue) * rateOf(s), () => {});
}

/**
 * The timer's value at machine time `time` (0 once expired): cpu.now()
 * inside an instruction, the clock's ticks at an instruction boundary
 * (where the block's last index no longer counts).
 */
export function timerRemaining(s: VmxVcpuState, time: number): number {
  const ticks = Math.floor(time / rateOf(s)) - s.l2.timerBase;
  return ticks >= s.l2.timerValue ? 0 : s.l2.timerValue - ticks;
}
