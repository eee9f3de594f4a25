// How real hypervisor sources spell the names that the emulator's tables
// hold. The tables keep one canonical name per fact; these are only the
// spelling conventions of other code bases, so a hover works on
// `VMCS_GUEST_RIP` (Bochs-style prefix), `kGuestRip` (HyperPlatform),
// `CPU_BASED_HLT_EXITING` / `SECONDARY_EXEC_ENABLE_EPT` (Linux),
// `EXIT_REASON_EPT_VIOLATION` (Linux, Xen), `MSR_IA32_VMX_BASIC` (Linux),
// `SVM_EXIT_NPF` / `INTERCEPT_CPUID` (Linux), `GENERAL1_INTERCEPT_CPUID` (Xen).

import type { ControlWord } from '../../emulator/vmx/controls';

/** Linux names the high-access encoding of a 64-bit field NAME_HIGH (encoding | 1). */
export const HIGH_SUFFIX = '_HIGH';
/** Some code (and the SDM's appendix B) name the full access NAME_FULL. */
export const FULL_SUFFIX = '_FULL';
export const VMCS_PREFIX = 'VMCS_';

/** HyperPlatform's VmcsField enumerators: GUEST_RIP -> kGuestRip, IO_BITMAP_A_HIGH -> kIoBitmapAHigh. */
export function hyperPlatformName(upperSnake: string): string {
  return 'k' + upperSnake.split('_').filter(Boolean).map((w) => w[0] + w.slice(1).toLowerCase()).join('');
}

/** Linux's prefix for the bits of each control word (arch/x86/include/asm/vmx.h). */
export const CONTROL_PREFIX: Record<ControlWord, string> = {
  pin: 'PIN_BASED_',
  primary: 'CPU_BASED_',
  secondary: 'SECONDARY_EXEC_',
  tertiary: 'TERTIARY_EXEC_',
  exit: 'VM_EXIT_',
  exit2: 'SECONDARY_VM_EXIT_',
  entry: 'VM_ENTRY_',
  vmfunc: 'VMX_VMFUNC_',
};

export const EXIT_REASON_PREFIX = 'EXIT_REASON_';
export const MSR_PREFIX = 'MSR_';
export const VMCB_PREFIX = 'VMCB_';

/** The table's SVM exit names start VMEXIT_ (APM, Xen); Linux uses SVM_EXIT_. */
export const SVM_EXIT_TABLE_PREFIX = 'VMEXIT_';
export const SVM_EXIT_LINUX_PREFIX = 'SVM_EXIT_';

/** Linux INTERCEPT_X; Xen names the three misc vectors GENERAL1/2/3 (intercept words 3, 4, 5). */
export const INTERCEPT_PREFIXES: readonly string[] = ['INTERCEPT_', 'SVM_INTERCEPT_'];
export const XEN_INTERCEPT_PREFIX_BY_WORD: Readonly<Record<number, string>> = {
  3: 'GENERAL1_INTERCEPT_',
  4: 'GENERAL2_INTERCEPT_',
  5: 'GENERAL3_INTERCEPT_',
};

/** Struct members (`vmcb->control.exit_code`, `vmcb->save.rip`) compared with table names without case and '_'. */
export function squash(name: string): string {
  return name.replace(/_/g, '').toLowerCase();
}
