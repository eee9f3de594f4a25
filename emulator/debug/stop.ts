// Why a debug run stopped, in words a user reads in the editor.
import type { ExceptionEvent, Level, TransitionEvent, TripleFaultEvent } from '../events';
import type { RunEnd } from '../machine/machine';
import { excName } from './trace-format';
import { hex64 } from '../x86/canon';

export type StopInfo =
  | { reason: 'breakpoint'; vcpu: number; level: Level; address: number; ids: number[] }
  /** `transition`: the step ended at a VM transition (into L2, out to L1, stepToTransition). */
  | { reason: 'step'; vcpu: number; note?: string; transition?: TransitionEvent }
  /** A transition the host's filter stopped on (RunControl.stopOnTransition); the vCPU is just past it. */
  | { reason: 'transition'; vcpu: number; event: TransitionEvent }
  /** A triple fault / shutdown the host asked to see before the run ends (RunControl.stopOnTripleFault). */
  | { reason: 'triple-fault'; vcpu: number; event: TripleFaultEvent }
  | { reason: 'pause'; vcpu: number }
  | { reason: 'exception'; vcpu: number; event: ExceptionEvent }
  | { reason: 'end'; end: RunEnd };

/** One line for a stopped/terminated notification. */
export function describeStop(s: StopInfo): string {
  switch (s.reason) {
    case 'breakpoint': return `breakpoint at ${hex64(s.address)} (L${s.level}, vCPU ${s.vcpu})`;
    case 'step': return s.note ?? 'step';
    case 'pause': return 'paused';
    case 'exception': return describeException(s.event);
    case 'transition': return `${s.event.type} ${s.event.reasonName}(${s.event.reason}) L${s.event.from}->L${s.event.to} on vCPU ${s.vcpu}`;
    case 'triple-fault': return `triple fault on vCPU ${s.vcpu}: ${s.event.reason}`;
    case 'end': return describeEnd(s.end);
  }
}

export function describeException(e: ExceptionEvent): string {
  const ec = e.errorCode !== undefined ? ` error code 0x${e.errorCode.toString(16)}` : '';
  const cr2 = e.cr2 !== undefined ? `, CR2=${hex64(e.cr2)}` : '';
  return `exception ${excName(e.vector)} (vector ${e.vector})${ec}${cr2} at rip ${hex64(e.rip)} delivered in the guest`;
}

/** `limitName`: how the user set the instruction limit (launch attribute or CLI flag). */
export function describeEnd(end: RunEnd, limitName = 'maxInstructions'): string {
  switch (end.kind) {
    case 'debug-exit': return `the guest wrote 0x${end.value.toString(16)} to isa-debug-exit (exit status ${end.value & 0xff})`;
    case 'triple-fault': return `triple fault on vCPU ${end.vcpu}: ${end.reason}`;
    case 'halted': return end.detail;
    case 'limit': return `stopped after ${end.instructions} instructions (${limitName})`;
    case 'reset': return `guest requested a reset: ${end.detail}`;
    case 'stopped': return 'stopped';
    case 'breakpoint': return `breakpoint on vCPU ${end.vcpu}`;
  }
}

/**
 * The exit code a run's end maps to, the same as `nestvirt run`: the value
 * written to isa-debug-exit, else 3 triple fault, 4 halted for good,
 * 5 instruction limit, 6 reset.
 */
export function exitCodeOf(end: RunEnd): number {
  switch (end.kind) {
    case 'debug-exit': return end.value & 0xff;
    case 'triple-fault': return 3;
    case 'halted': return 4;
    case 'limit': return 5;
    case 'reset': return 6;
    case 'stopped': case 'breakpoint': return 1;
  }
}
