// The seam between the CPU core and the L0 hypervisor for VMX instructions.
//
// DESIGN.md layers: emulator/l0 sits above emulator/x86, so the core must not
// import L0. Instead the core registers one forwarding handler per VMX
// mnemonic here, and L0 attaches its implementation to a vCPU when it builds
// the machine (`attachVmxInstructions`). The decode tables are shared by all
// vCPUs, so the table is per Cpu (a WeakMap), not global.
//
// A vCPU without an attached implementation (no L0, or a mnemonic L0 leaves
// out) behaves exactly as an opcode without a handler: #UD plus the
// "not implemented" diagnostic (decoder.notImplementedExec).
import type { Insn } from '../decode/insn';
import { notImplementedExec } from '../decode/decoder';

export const VMX_MNEMONICS = [
  'vmxon', 'vmxoff', 'vmclear', 'vmptrld', 'vmptrst', 'vmread', 'vmwrite',
  'vmlaunch', 'vmresume', 'vmcall', 'vmfunc', 'invept', 'invvpid',
] as const;
export type VmxMnemonic = (typeof VMX_MNEMONICS)[number];

// `cpu` is typed loosely as in the handler registry (decode/table Handler).
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type VmxInstructionHandler = (cpu: any, i: Insn) => void;
export type VmxInstructionTable = Partial<Record<VmxMnemonic, VmxInstructionHandler>>;

const attached = new WeakMap<object, VmxInstructionTable>();

/** L0 installs its VMX-instruction emulation on one vCPU (replacing any earlier table). */
export function attachVmxInstructions(cpu: object, table: VmxInstructionTable): void {
  attached.set(cpu, table);
}

/** Back to "not implemented" for every VMX mnemonic on this vCPU. */
export function detachVmxInstructions(cpu: object): void {
  attached.delete(cpu);
}

function forward(m: VmxMnemonic): VmxInstructionHandler {
  return (cpu, i) => {
    const h = attached.get(cpu)?.[m];
    if (h) h(cpu, i);
    else notImplementedExec(cpu, i);
  };
}

export const handlers: Record<string, VmxInstructionHandler> = Object.fromEntries(VMX_MNEMONICS.map((m) => [m, forward(m)]));
