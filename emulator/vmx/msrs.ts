// VMX-related MSRs with their descriptions (SDM vol 3C Appendix A, vol 4;
// ../shared/reference/vmx-msrs.tsv), for the language server, the debugger
// and RDMSR tracing. The indices themselves are defined once, in
// x86/cpu-features.ts, next to the feature table that fills the values.

import * as idx from '../x86/cpu-features';

export const IA32_FEATURE_CONTROL = 0x3a;
export const IA32_SMM_MONITOR_CTL = 0x9b;
export {
  IA32_VMX_BASIC, IA32_VMX_PINBASED_CTLS, IA32_VMX_PROCBASED_CTLS, IA32_VMX_EXIT_CTLS, IA32_VMX_ENTRY_CTLS, IA32_VMX_MISC,
  IA32_VMX_CR0_FIXED0, IA32_VMX_CR0_FIXED1, IA32_VMX_CR4_FIXED0, IA32_VMX_CR4_FIXED1, IA32_VMX_VMCS_ENUM, IA32_VMX_PROCBASED_CTLS2,
  IA32_VMX_EPT_VPID_CAP, IA32_VMX_TRUE_PINBASED_CTLS, IA32_VMX_TRUE_PROCBASED_CTLS, IA32_VMX_TRUE_EXIT_CTLS, IA32_VMX_TRUE_ENTRY_CTLS,
  IA32_VMX_VMFUNC, IA32_VMX_PROCBASED_CTLS3, IA32_VMX_EXIT_CTLS2,
} from '../x86/cpu-features';

export interface VmxMsrDef {
  readonly index: number;
  readonly name: string;
  /** SDM section describing it. */
  readonly sdm: string;
  readonly description: string;
}

/** IA32_FEATURE_CONTROL bits VMXON depends on (SDM §24.7). */
export const FEATURE_CONTROL = { LOCK: 1 << 0, VMX_INSIDE_SMX: 1 << 1, VMX_OUTSIDE_SMX: 1 << 2 } as const;

export const VMX_MSRS: readonly VmxMsrDef[] = [
  { index: IA32_FEATURE_CONTROL, name: 'IA32_FEATURE_CONTROL', sdm: '24.7', description: 'bit 0 lock; bit 1 VMX inside SMX; bit 2 VMX outside SMX (VMXON #GP unless locked with the enable bit for the current SMX state)' },
  { index: IA32_SMM_MONITOR_CTL, name: 'IA32_SMM_MONITOR_CTL', sdm: '34.15', description: 'dual-monitor SMM: bit 0 valid, bit 2 VMXOFF unblocks SMIs, bits 31:12 MSEG base; writable only in SMM' },
  { index: idx.IA32_VMX_BASIC, name: 'IA32_VMX_BASIC', sdm: 'A.1', description: 'bits 30:0 VMCS revision id; 44:32 region size; 48 32-bit addresses; 49 dual-monitor SMM; 53:50 VMCS memory type; 54 INS/OUTS info; 55 TRUE control MSRs; 56 any-vector HW exception injection' },
  { index: idx.IA32_VMX_PINBASED_CTLS, name: 'IA32_VMX_PINBASED_CTLS', sdm: 'A.3.1', description: 'pin-based controls: allowed-0 (bits 31:0, default1 0x16) / allowed-1 (bits 63:32)' },
  { index: idx.IA32_VMX_PROCBASED_CTLS, name: 'IA32_VMX_PROCBASED_CTLS', sdm: 'A.3.2', description: 'primary processor-based controls: allowed-0 (default1 0x0401E172) / allowed-1; bit 63 = secondary controls exist, bit 49 = tertiary' },
  { index: idx.IA32_VMX_EXIT_CTLS, name: 'IA32_VMX_EXIT_CTLS', sdm: 'A.4', description: 'VM-exit controls: allowed-0 (default1 0x00036DFF) / allowed-1; bit 63 = secondary exit controls exist' },
  { index: idx.IA32_VMX_ENTRY_CTLS, name: 'IA32_VMX_ENTRY_CTLS', sdm: 'A.5', description: 'VM-entry controls: allowed-0 (default1 0x000011FF) / allowed-1' },
  { index: idx.IA32_VMX_MISC, name: 'IA32_VMX_MISC', sdm: 'A.6', description: 'bits 4:0 preemption-timer rate; 5 exits store EFER.LMA; 6-8 HLT/shutdown/wait-for-SIPI; 24:16 CR3-target count; 27:25 MSR-list size; 29 VMWRITE to any field; 30 zero-length injection' },
  { index: idx.IA32_VMX_CR0_FIXED0, name: 'IA32_VMX_CR0_FIXED0', sdm: 'A.7', description: 'CR0 bits that must be 1 in VMX operation (PE, NE, PG)' },
  { index: idx.IA32_VMX_CR0_FIXED1, name: 'IA32_VMX_CR0_FIXED1', sdm: 'A.7', description: 'CR0 bits that may be 1 in VMX operation' },
  { index: idx.IA32_VMX_CR4_FIXED0, name: 'IA32_VMX_CR4_FIXED0', sdm: 'A.8', description: 'CR4 bits that must be 1 in VMX operation (VMXE)' },
  { index: idx.IA32_VMX_CR4_FIXED1, name: 'IA32_VMX_CR4_FIXED1', sdm: 'A.8', description: 'CR4 bits that may be 1 in VMX operation (the supported CR4 features)' },
  { index: idx.IA32_VMX_VMCS_ENUM, name: 'IA32_VMX_VMCS_ENUM', sdm: 'A.9', description: 'bits 9:1 highest index used in any VMCS field encoding' },
  { index: idx.IA32_VMX_PROCBASED_CTLS2, name: 'IA32_VMX_PROCBASED_CTLS2', sdm: 'A.3.3', description: 'secondary processor-based controls: allowed-0 / allowed-1' },
  { index: idx.IA32_VMX_EPT_VPID_CAP, name: 'IA32_VMX_EPT_VPID_CAP', sdm: 'A.10', description: 'EPT: execute-only, 4/5-level walks, UC/WB, 2M/1G pages, INVEPT types, A/D; VPID: INVVPID types' },
  { index: idx.IA32_VMX_TRUE_PINBASED_CTLS, name: 'IA32_VMX_TRUE_PINBASED_CTLS', sdm: 'A.3.1', description: 'true allowed-0 of the pin-based controls (exists if BASIC[55])' },
  { index: idx.IA32_VMX_TRUE_PROCBASED_CTLS, name: 'IA32_VMX_TRUE_PROCBASED_CTLS', sdm: 'A.3.2', description: 'true allowed-0 of the primary controls (typically frees CR3-load/store exiting)' },
  { index: idx.IA32_VMX_TRUE_EXIT_CTLS, name: 'IA32_VMX_TRUE_EXIT_CTLS', sdm: 'A.4', description: "true allowed-0 of the exit controls (typically frees 'save debug controls')" },
  { index: idx.IA32_VMX_TRUE_ENTRY_CTLS, name: 'IA32_VMX_TRUE_ENTRY_CTLS', sdm: 'A.5', description: "true allowed-0 of the entry controls (typically frees 'load debug controls')" },
  { index: idx.IA32_VMX_VMFUNC, name: 'IA32_VMX_VMFUNC', sdm: 'A.11', description: 'allowed-1 VM-function controls (bit 0 EPTP switching)' },
  { index: idx.IA32_VMX_PROCBASED_CTLS3, name: 'IA32_VMX_PROCBASED_CTLS3', sdm: 'A.3.4', description: 'allowed-1 tertiary processor-based controls (64 bits; exists if PROCBASED_CTLS bit 49)' },
  { index: idx.IA32_VMX_EXIT_CTLS2, name: 'IA32_VMX_EXIT_CTLS2', sdm: 'A.4.2', description: 'allowed-1 secondary VM-exit controls (64 bits; exists if EXIT_CTLS bit 63)' },
];

const BY_INDEX = new Map<number, VmxMsrDef>(VMX_MSRS.map((d) => [d.index, d]));

export function vmxMsrDef(index: number): VmxMsrDef | undefined {
  return BY_INDEX.get(index);
}
