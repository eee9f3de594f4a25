// A realistic nested-VMX run as machine events, rendered by the real
// formatTraceLine (addresses folded to 48 bits, see emulator/x86/canon.ts):
// snap/nested-vmx-run.nvtrace must equal this text, so a
// change of the trace format fails the grammar test instead of silently
// leaving syntaxes/nestvirt-trace.tmLanguage.json behind.
import { MachineEvent, TransitionEvent, Level } from '../../emulator/events';
import { formatTraceLine } from '../../emulator/debug/trace-format';

let seq = 0;
function t(icount: number, from: Level, to: Level, type: TransitionEvent['type'], reasonName: string, reason: number,
  extra: { qualification?: string; handledBy?: string; rule?: string } = {}): TransitionEvent {
  return { kind: 'transition', seq: seq++, icount, vcpu: 0, from, to, type, reasonName, reason, ...extra };
}

export const TRACE_SAMPLE_EVENTS: MachineEvent[] = [
  // L1 boots under L0 and turns VMX on: L0 emulates every VMX instruction of L1.
  { kind: 'exception', vcpu: 0, vector: 14, errorCode: 0x2, cr2: 0x8000_0000_1000, rip: 0xffff_8010_0a3c, icount: 48211 },
  t(91234, 1, 0, 'exit', 'VMXON', 27, { qualification: '0x0', handledBy: 'L0', rule: 'emulate VMXON for L1 (SDM 31.3)' }),
  t(91240, 0, 1, 'entry', 'VMXON', 27),
  t(91502, 1, 0, 'exit', 'VMCLEAR', 19, { handledBy: 'L0', rule: 'emulate VMCLEAR: VMCS12 launch state := clear' }),
  t(91510, 1, 0, 'exit', 'VMPTRLD', 21, { handledBy: 'L0', rule: 'emulate VMPTRLD: current VMCS12 := 0x1234000' }),
  t(92877, 1, 0, 'exit', 'VMWRITE', 25, { qualification: '0x0', handledBy: 'L0', rule: 'no VMCS shadowing: VMWRITE to VMCS12 in L1 memory' }),
  // VMLAUNCH: L0 merges VMCS01 + VMCS12 into VMCS02 and enters L2.
  t(95120, 1, 0, 'exit', 'VMLAUNCH', 20, { handledBy: 'L0', rule: 'build VMCS02 from VMCS01 + VMCS12, enter L2' }),
  t(95121, 0, 2, 'entry', 'VMLAUNCH', 20),
  t(95433, 2, 0, 'exit', 'EPT_VIOLATION', 48, { qualification: '0x181', handledBy: 'L0', rule: 'EPT12 permits the access: L0 fills EPT02' }),
  t(95434, 0, 2, 'entry', 'VMRESUME', 24),
  t(96012, 2, 0, 'exit', 'CPUID', 10, { handledBy: 'L1', rule: 'always reflect (unconditional exit)' }),
  t(96013, 0, 1, 'reflect', 'CPUID', 10, { handledBy: 'L1' }),
  t(97310, 1, 0, 'exit', 'VMRESUME', 24, { handledBy: 'L0', rule: 'sync VMCS12 guest state into VMCS02, enter L2' }),
  t(97311, 0, 2, 'entry', 'VMRESUME', 24),
  t(98004, 2, 0, 'exit', 'IO_INSTRUCTION', 30, { qualification: '0x3f80000', handledBy: 'L1', rule: 'I/O bitmap A bit 0x3f8 set in VMCS12' }),
  t(98005, 0, 1, 'reflect', 'IO_INSTRUCTION', 30, { qualification: '0x3f80000', handledBy: 'L1' }),
  t(98950, 1, 0, 'exit', 'VMRESUME', 24, { handledBy: 'L0' }),
  t(98951, 0, 2, 'entry', 'VMRESUME', 24),
  t(120000, 2, 0, 'exit', 'EXTERNAL_INTERRUPT', 1, { handledBy: 'L0', rule: 'L0 timer interrupt; VMCS12 pin "external-interrupt exiting" = 0' }),
  t(120001, 0, 2, 'inject', 'EXTERNAL_INTERRUPT', 1, { qualification: '0x20' }),
  t(131072, 2, 0, 'exit', 'EXCEPTION_NMI', 0, { qualification: '0xdead000', handledBy: 'L1', rule: '#PF: VMCS12 exception bitmap bit 14 set' }),
  t(131073, 0, 1, 'reflect', 'EXCEPTION_NMI', 0, { qualification: '0xdead000', handledBy: 'L1' }),
  t(131900, 1, 0, 'exit', 'MSR_WRITE', 32, { handledBy: 'L0', rule: 'L1 writes IA32_EFER: L0 emulates it for L1' }),
  // L1 resumes L2 with a bad VMCS link pointer: the failed entry goes back to L1.
  t(132560, 1, 0, 'exit', 'VMRESUME', 24, { handledBy: 'L0' }),
  t(132561, 0, 1, 'entry-fail', 'INVALID_GUEST_STATE', 33, { qualification: '4', handledBy: 'L1', rule: 'GUEST-LINK-ALIGN (SDM 27.3.1.5)' }),
  { kind: 'exception', vcpu: 0, vector: 13, errorCode: 0, rip: 0xffff_8010_0f10, icount: 133002 },
  { kind: 'exception', vcpu: 0, vector: 6, rip: 0xffff_8010_0f20, icount: 133410 },
  { kind: 'debug-exit', value: 0x1, status: 3, icount: 134000 },
];

export function traceSampleText(): string {
  return TRACE_SAMPLE_EVENTS.map((e) => formatTraceLine(e)).filter((l): l is string => l !== null).join('\n') + '\n';
}
