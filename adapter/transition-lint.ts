// nestvirt/lint: every VM-entry check on L1's current VMCS12, as the next
// VMLAUNCH/VMRESUME would make them, without entering (SDM vol 3C ch. 27),
// collecting every failure instead of stopping at the first
// (vmx/entry-checks.ts collectEntryCheckFailures). The executing CPU is L1:
// its own registers while L1 runs; while L2 runs, the state L1 will have at
// the next exit (VMCS12's host area, §28.5), since that is where L1's next
// VMRESUME will come from.
//
// SVM: L0 has no nested SVM yet, so no vCPU has a VMCB12 to check; the
// response says so (vmrun-checks.ts allVmcbConsistencyFailures is the check
// list to use once it does).
import type { Cpu } from '../emulator/x86/cpu';
import { getFlags } from '../emulator/x86/flags';
import { CS } from '../emulator/x86/regs';
import { AR_L } from '../emulator/x86/state';
import { vmxStateOf } from '../emulator/l0/vmx-instructions';
import { VMCS } from '../emulator/vmx/fields';
import { EXIT } from '../emulator/vmx/controls';
import { collectEntryCheckFailures, describeOutcome, EntryCheckContext, ExecutingCpuState } from '../emulator/vmx/entry-checks';
import type { LintResponse } from './protocol';

export function lintVcpu(cpu: Cpu, instruction?: 'vmlaunch' | 'vmresume'): LintResponse {
  const s = vmxStateOf(cpu);
  const none = (message: string): LintResponse => ({ arch: 'vmx', available: false, message, checksRun: 0, failures: [] });
  if (!s) return none(`vCPU ${cpu.id} has no VMX (launch with a CPU model that has vmx, e.g. "cpu": "max"); nested SVM is not implemented in L0 yet`);
  if (!s.inVmxOperation) return none(`vCPU ${cpu.id}: L1 has not executed VMXON`);
  if (!s.hasCurrentVmcs) return none(`vCPU ${cpu.id}: L1 has no current VMCS (no VMPTRLD yet)`);
  const v = s.vmcs12;
  const insn = instruction ?? (v.launched ? 'vmresume' : 'vmlaunch');
  let exec: ExecutingCpuState;
  if (s.level === 2) {
    const exitCtl = v.lo(VMCS.VM_EXIT_CONTROLS);
    exec = {
      inVmxOperation: true, nonRoot: false,
      cr0: v.lo(VMCS.HOST_CR0) >>> 0, cr4: v.lo(VMCS.HOST_CR4) >>> 0,
      efer: exitCtl & EXIT.LOAD_IA32_EFER ? v.lo(VMCS.HOST_IA32_EFER) >>> 0 : cpu.efer >>> 0,
      // §28.5.1: RFLAGS is 2 after an exit; CS.L = "host address-space size".
      rflags: 2, csL: (exitCtl & EXIT.HOST_ADDRESS_SPACE_SIZE) !== 0, cpl: 0, movSsBlocking: false,
    };
  } else {
    exec = {
      inVmxOperation: true, nonRoot: false,
      cr0: cpu.cr0 >>> 0, cr4: cpu.cr4 >>> 0, efer: cpu.efer >>> 0, rflags: getFlags(cpu) >>> 0,
      csL: (cpu.segAr[CS] & AR_L) !== 0, cpl: cpu.cpl, movSsBlocking: false,
    };
  }
  const ctx: EntryCheckContext = {
    instruction: insn, vmcs: v, caps: s.caps, cpu: exec,
    currentVmcsPointer: s.currentVmcsPointer, vmxonPointer: s.vmxonPointer,
    readPhys: (addr, size) => s.mem.read(addr, size),
  };
  const r = collectEntryCheckFailures(ctx);
  const where = s.level === 2 ? ' (L2 runs: checked as L1 will be at the next exit)' : '';
  return {
    arch: 'vmx',
    available: true,
    message: r.failures.length
      ? `${insn.toUpperCase()} would fail ${r.failures.length} of ${r.checksRun} checks${where}; the processor reports the first`
      : `${insn.toUpperCase()} passes all ${r.checksRun} checks${where}`,
    checksRun: r.checksRun,
    failures: r.failures.map((f) => ({
      id: f.id, section: `SDM ${f.sdm}`, rule: f.rule, field: f.field, value: f.value, allowed: f.allowed,
      outcome: describeOutcome(f.outcome),
    })),
  };
}
