// The IA32_VMX_* capability MSRs of a CpuModel (SDM vol 3 Appendix A;
// vmx-msrs.tsv, vmx-controls.tsv): fixed values of our VMX implementation
// plus the bits of the vmx-* features the policy enables.

import {
  VMX_FEATURES, VmxWord,
  IA32_VMX_BASIC, IA32_VMX_PINBASED_CTLS, IA32_VMX_PROCBASED_CTLS, IA32_VMX_EXIT_CTLS, IA32_VMX_ENTRY_CTLS,
  IA32_VMX_MISC, IA32_VMX_CR0_FIXED0, IA32_VMX_CR0_FIXED1, IA32_VMX_CR4_FIXED0, IA32_VMX_CR4_FIXED1,
  IA32_VMX_VMCS_ENUM, IA32_VMX_PROCBASED_CTLS2, IA32_VMX_EPT_VPID_CAP, IA32_VMX_TRUE_PINBASED_CTLS,
  IA32_VMX_TRUE_PROCBASED_CTLS, IA32_VMX_TRUE_EXIT_CTLS, IA32_VMX_TRUE_ENTRY_CTLS, IA32_VMX_VMFUNC,
} from './cpu-features';

/**
 * VMCS revision identifier reported in IA32_VMX_BASIC[30:0] and expected in
 * dword 0 of every VMXON region and VMCS (SDM vol 3 §25.2, A.1). Our choice:
 * "NV" in the high half, 1 in the low half; bit 31 is 0 as required.
 */
export const NESTVIRT_VMCS_REVISION_ID = 0x4e560001;
/** VMCS region size reported in IA32_VMX_BASIC[44:32]. */
export const VMCS_REGION_SIZE = 4096;
/** IA32_VMX_BASIC[53:50]: memory type for VMCS and VMX structures; 6 = write-back. */
export const VMX_MEMTYPE_WB = 6;
/**
 * IA32_VMX_MISC[4:0]: the preemption timer counts once every 2^5 TSC ticks
 * (KVM's emulated rate; our TSC is instructions retired).
 */
export const VMX_PREEMPTION_TIMER_RATE = 5;
/** IA32_VMX_MISC[24:16]: number of CR3-target values (4 on every Intel CPU; SDM §25.6.7). */
export const VMX_CR3_TARGET_COUNT = 4;
/**
 * IA32_VMX_VMCS_ENUM[9:1]: highest field index among the fields of the VMCS
 * features we report: 0x17 (VMX-preemption timer value, encoding 0x482E;
 * vmcs-fields.tsv). Fields of unreported features (TSC multiplier, ENCLS/XSS
 * bitmaps, tertiary controls, FRED) have higher indexes but do not exist here.
 */
export const VMX_VMCS_ENUM_MAX_INDEX = 0x17;
/** Default1 control bits (SDM Appendix A.3-A.5; vmx-controls.tsv). */
export const VMX_PIN_DEFAULT1 = 0x00000016;
export const VMX_PROC_DEFAULT1 = 0x0401e172;
export const VMX_EXIT_DEFAULT1 = 0x00036dff;
export const VMX_ENTRY_DEFAULT1 = 0x000011ff;
/** Exit control 9 "host address-space size": allowed exactly when the CPU has long mode (QEMU copies it from LM). */
export const VMX_EXIT_HOST_ADDR_SPACE_SIZE = 1 << 9;
/** CR0 bits fixed to 1 in VMX operation: PE, NE, PG (SDM A.7). */
export const VMX_CR0_FIXED0 = 0x80000021;
/** CR4 bits fixed to 1 in VMX operation: VMXE (SDM A.8). */
export const VMX_CR4_FIXED0 = 0x00002000;

function vmxBits(enabled: ReadonlySet<string>, word: VmxWord, half: 'all' | 'low' | 'high' = 'all'): number {
  let v = 0;
  for (const f of VMX_FEATURES) {
    if (f.word !== word || f.inverted || !enabled.has(f.name)) continue;
    if (half === 'low' && f.bit >= 32) continue;
    if (half === 'high' && f.bit < 32) continue;
    v |= 1 << (f.bit & 31);
  }
  return v >>> 0;
}

/**
 * Fills `m` (MSR index -> [low, high]) with the VMX capability MSRs of a
 * model with the features `enabled`; `lm` is long mode, `cr4ValidMask` the
 * CR4 bits the model allows (IA32_VMX_CR4_FIXED1).
 */
export function buildVmxMsrs(enabled: ReadonlySet<string>, lm: boolean, cr4ValidMask: number, m: Map<number, [number, number]>): void {
  const on = (n: string) => enabled.has(n);
  // A.1 IA32_VMX_BASIC: revision, region size, memory type, INS/OUTS info,
  // TRUE controls; bit 48 (32-bit addresses) only without long mode.
  let basicHi = VMCS_REGION_SIZE | (VMX_MEMTYPE_WB << 18);
  if (!lm) basicHi |= 1 << 16;
  if (on('vmx-ins-outs')) basicHi |= 1 << 22;
  if (on('vmx-true-ctls')) basicHi |= 1 << 23;
  m.set(IA32_VMX_BASIC, [NESTVIRT_VMCS_REVISION_ID, basicHi >>> 0]);

  // A.3-A.5: allowed-0 = default1 bits, allowed-1 = default1 | features.
  const pin1 = (VMX_PIN_DEFAULT1 | vmxBits(enabled, 'pin')) >>> 0;
  const proc1 = (VMX_PROC_DEFAULT1 | vmxBits(enabled, 'primary')) >>> 0;
  const exit1 = (VMX_EXIT_DEFAULT1 | vmxBits(enabled, 'exit') | (lm ? VMX_EXIT_HOST_ADDR_SPACE_SIZE : 0)) >>> 0;
  const entry1 = (VMX_ENTRY_DEFAULT1 | vmxBits(enabled, 'entry')) >>> 0;
  m.set(IA32_VMX_PINBASED_CTLS, [VMX_PIN_DEFAULT1, pin1]);
  m.set(IA32_VMX_PROCBASED_CTLS, [VMX_PROC_DEFAULT1, proc1]);
  m.set(IA32_VMX_EXIT_CTLS, [VMX_EXIT_DEFAULT1, exit1]);
  m.set(IA32_VMX_ENTRY_CTLS, [VMX_ENTRY_DEFAULT1, entry1]);

  // A.6 IA32_VMX_MISC.
  const misc = VMX_PREEMPTION_TIMER_RATE | (VMX_CR3_TARGET_COUNT << 16) | vmxBits(enabled, 'misc');
  m.set(IA32_VMX_MISC, [misc >>> 0, 0]);
  // A.7/A.8 fixed CR bits; CR4_FIXED1 = what this model lets CR4 hold.
  m.set(IA32_VMX_CR0_FIXED0, [VMX_CR0_FIXED0, 0]);
  m.set(IA32_VMX_CR0_FIXED1, [0xffffffff, 0]);
  m.set(IA32_VMX_CR4_FIXED0, [VMX_CR4_FIXED0, 0]);
  m.set(IA32_VMX_CR4_FIXED1, [cr4ValidMask, 0]);
  // A.9 VMCS_ENUM: bits 9:1 = highest index.
  m.set(IA32_VMX_VMCS_ENUM, [VMX_VMCS_ENUM_MAX_INDEX << 1, 0]);

  if (on('vmx-secondary-ctls')) m.set(IA32_VMX_PROCBASED_CTLS2, [0, vmxBits(enabled, 'secondary')]);
  const ept = on('vmx-ept');
  const vpid = on('vmx-vpid');
  if (ept || vpid) {
    // A.10: bit 8 (UC) and bit 14 (WB) EPT paging-structure memory types
    // have no QEMU names; memory types are not modelled, so both are allowed.
    const lo = vmxBits(enabled, 'ept-vpid', 'low') | (ept ? (1 << 8) | (1 << 14) : 0);
    m.set(IA32_VMX_EPT_VPID_CAP, [lo >>> 0, vmxBits(enabled, 'ept-vpid', 'high')]);
  }
  if (on('vmx-true-ctls')) {
    // A.3.1 etc.: the TRUE MSRs free the default1 bits whose "no-exit" features are on.
    let procLo = VMX_PROC_DEFAULT1;
    if (on('vmx-cr3-load-noexit')) procLo &= ~(1 << 15);
    if (on('vmx-cr3-store-noexit')) procLo &= ~(1 << 16);
    let exitLo = VMX_EXIT_DEFAULT1;
    if (on('vmx-exit-nosave-debugctl')) exitLo &= ~(1 << 2);
    let entryLo = VMX_ENTRY_DEFAULT1;
    if (on('vmx-entry-noload-debugctl')) entryLo &= ~(1 << 2);
    m.set(IA32_VMX_TRUE_PINBASED_CTLS, [VMX_PIN_DEFAULT1, pin1]);
    m.set(IA32_VMX_TRUE_PROCBASED_CTLS, [procLo >>> 0, proc1]);
    m.set(IA32_VMX_TRUE_EXIT_CTLS, [exitLo >>> 0, exit1]);
    m.set(IA32_VMX_TRUE_ENTRY_CTLS, [entryLo >>> 0, entry1]);
  }
  if (on('vmx-vmfunc')) m.set(IA32_VMX_VMFUNC, [vmxBits(enabled, 'vmfunc'), 0]);
}
