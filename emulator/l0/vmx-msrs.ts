// The IA32_VMX_* capability MSRs as L1 reads them (SDM vol 3C appendix A;
// vmx-msrs.tsv): RDMSR returns the vCPU's CPU policy values, the same
// source the entry checks resolve their capabilities from, so what L1 is
// told and what L0 enforces cannot drift apart. They are read-only: WRMSR
// is #GP(0). A vCPU without nested VMX (or an index the policy does not
// report) falls through to the core's table, which #GPs with a diagnostic.
import type { Cpu } from '../x86/cpu';
import { registerMsrProvider, MsrProvider } from '../x86/msr';
import { gp0 } from '../x86/exec/sys-util';
import type { VmxCapabilitySource } from '../vmx/caps';

/** IA32_VMX_BASIC (480H) .. IA32_VMX_PROCBASED_CTLS3 (492H) / EXIT_CTLS2 (493H). */
const FIRST = 0x480, LAST = 0x493;

const sources = new WeakMap<Cpu, VmxCapabilitySource>();

const provider: MsrProvider = {
  rdmsr(cpu, index) {
    if (index < FIRST || index > LAST) return null;
    const v = sources.get(cpu)?.vmxMsr(index);
    if (!v) return null;
    cpu.hi = v[1] | 0;
    return v[0] >>> 0;
  },
  wrmsr(cpu, index) {
    if (index < FIRST || index > LAST) return false;
    if (!sources.get(cpu)?.vmxMsr(index)) return false;
    throw gp0(`WRMSR to the read-only VMX capability MSR 0x${index.toString(16)}`);
  },
};

/** Makes the capability MSRs of `source` readable by `cpu`'s RDMSR. */
export function exposeVmxCapabilityMsrs(cpu: Cpu, source: VmxCapabilitySource): void {
  sources.set(cpu, source);
  registerMsrProvider(provider);
}
