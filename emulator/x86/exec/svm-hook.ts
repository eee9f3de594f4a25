// The seam between the CPU core and the L0 hypervisor for SVM (AMD APM vol 2
// ch. 15), the twin of vmx-hook.ts:
//  - the eight SVM instructions of 0F 01 D8..DF (VMRUN, VMMCALL, VMLOAD,
//    VMSAVE, STGI, CLGI, SKINIT, INVLPGA; APM vol 3 "Instruction
//    Reference") forward to the handler table L0 attached to the vCPU;
//  - the global interrupt flag (GIF, APM §15.17) and the SVM interrupt rules
//    for a running guest (§15.21: V_INTR_MASKING, V_IRQ, INTR/NMI/VINTR
//    intercepts) are asked at every instruction boundary through
//    `svmEvents.gate` (interrupts.ts checkInterrupts).
// The core never imports L0 (DESIGN.md layers); L0 fills these in when it
// builds the machine (emulator/l0/svm-instructions.ts installNestedSvm).
// Without an attached table the instructions behave as opcodes without a
// handler: #UD plus the "not implemented" diagnostic.
import type { Insn } from '../decode/insn';
import { notImplementedExec } from '../decode/decoder';

export const SVM_MNEMONICS = ['vmrun', 'vmmcall', 'vmload', 'vmsave', 'stgi', 'clgi', 'skinit', 'invlpga'] as const;
export type SvmMnemonic = (typeof SVM_MNEMONICS)[number];

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type SvmInstructionHandler = (cpu: any, i: Insn) => void;
export type SvmInstructionTable = Partial<Record<SvmMnemonic, SvmInstructionHandler>>;

const attached = new WeakMap<object, SvmInstructionTable>();

/** L0 installs its SVM-instruction emulation on one vCPU (replacing any earlier table). */
export function attachSvmInstructions(cpu: object, table: SvmInstructionTable): void {
  attached.set(cpu, table);
  lastCpu = null;
}

export function detachSvmInstructions(cpu: object): void {
  attached.delete(cpu);
  lastCpu = null;
}

// The last vCPU's table (a nested round trip runs two SVM instructions on one vCPU).
let lastCpu: object | null = null;
let lastTable: SvmInstructionTable | undefined;

function forward(m: SvmMnemonic): SvmInstructionHandler {
  return (cpu, i) => {
    if (cpu !== lastCpu) { lastCpu = cpu; lastTable = attached.get(cpu); }
    const h = lastTable?.[m];
    if (h) h(cpu, i);
    else notImplementedExec(cpu, i);
  };
}

export const handlers: Record<string, SvmInstructionHandler> = Object.fromEntries(SVM_MNEMONICS.map((m) => [m, forward(m)]));

/**
 * Interrupt policy of a vCPU with SVM state, asked by checkInterrupts:
 *  - holdInit: INIT is held pending (GIF = 0, APM §15.17.1);
 *  - boundary: called where the core would consider NMI and INTR; returns
 *    true when SVM decided this boundary (held by GIF = 0, delivered to or
 *    exited from a guest), false for the ordinary rules. `shadow` = the
 *    core's interrupt shadow is active.
 */
export interface SvmEventGate {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  holdInit(cpu: any): boolean;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  boundary(cpu: any, shadow: boolean): boolean;
}

export const svmEvents: { gate: SvmEventGate | null } = { gate: null };

/**
 * Instruction intercepts only SVM has (AMD APM vol 2 §15.9: PUSHF 0x70,
 * POPF 0x71, IRET 0x74): the handler asks `svmInsn.intercept(cpu, code)`
 * after its own #UD/#GP checks; true = a #VMEXIT happened, the instruction
 * does nothing more. Null while no SVM guest runs anywhere.
 */
export const SVM_EXIT_PUSHF = 0x70, SVM_EXIT_POPF = 0x71, SVM_EXIT_IRET = 0x74;
export const svmInsn: {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  intercept: ((cpu: any, code: number) => boolean) | null;
} = { intercept: null };
