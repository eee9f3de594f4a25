// VMX instructions executed by L2 (SDM vol 3C §26.1.2: in VMX non-root
// operation they cause VM exits unconditionally - reasons 18-27, 50, 53 -
// after the #UD checks of their Operation sections and before the CPL
// check). L0 offers no VMCS shadowing, so VMREAD/VMWRITE exit too; L1
// emulates them (L2 as a hypervisor, "L3"). The exit reports the
// displacement as the qualification (§28.2.1) and the VM-exit instruction
// information (§28.2.5).
import type { Cpu } from '../x86/cpu';
import type { VmxVcpuState } from './vmx-state';
import { l1WantsVmxInstruction, l1WantsVmcall } from './vmx-exit-rules';
import { vmxInsnInfo, displacement } from './vmx-insn-info';
import { reflectExit } from './vmx-reflect';

type Form = 'none' | 'mem' | 'vmread-vmwrite' | 'invalidate';

/** Exit reason and instruction-information format per VMX mnemonic (vmx-exit-reasons.tsv; tables 28-9, 28-13, 28-14). */
export const VMX_INSN_EXITS: Readonly<Record<string, { reason: number; form: Form }>> = {
  VMCALL: { reason: 18, form: 'none' },
  VMCLEAR: { reason: 19, form: 'mem' },
  VMLAUNCH: { reason: 20, form: 'none' },
  VMPTRLD: { reason: 21, form: 'mem' },
  VMPTRST: { reason: 22, form: 'mem' },
  VMREAD: { reason: 23, form: 'vmread-vmwrite' },
  VMRESUME: { reason: 24, form: 'none' },
  VMWRITE: { reason: 25, form: 'vmread-vmwrite' },
  VMXOFF: { reason: 26, form: 'none' },
  VMXON: { reason: 27, form: 'mem' },
  INVEPT: { reason: 50, form: 'invalidate' },
  INVVPID: { reason: 53, form: 'invalidate' },
};

/** The VM exit of a VMX instruction in L2 (the caller made its #UD checks). */
export function vmxInstructionExit(cpu: Cpu, s: VmxVcpuState, mnemonic: string): void {
  const x = VMX_INSN_EXITS[mnemonic];
  if (!x) throw new Error(`vmxInstructionExit: ${mnemonic} is not a VMX instruction`);
  const i = cpu.cur;
  let qualLo = 0, qualHi = 0, insnInfo = 0;
  if (x.form !== 'none' && i) {
    [qualLo, qualHi] = displacement(i);
    insnInfo = vmxInsnInfo(i, x.form);
  }
  const rule = x.reason === 18 ? l1WantsVmcall.name : l1WantsVmxInstruction.name;
  reflectExit(cpu, s, { reason: x.reason, qualLo, qualHi, insnInfo, instrLen: cpu.nextRip - cpu.rip, rule });
}
