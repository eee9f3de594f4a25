// One passing and one failing scenario per row of vm-entry-checks.tsv.
// Each scenario starts from helpers.baseline() (a 64-bit guest that passes
// every check) and changes only what the row is about.
import { EntryOutcome } from '../../../emulator/vmx/entry-checks';
import { VmxCaps } from '../../../emulator/vmx/caps';
import {
  Scenario, MAX_CAPS, capsWith, allMsr, set, get, or, clr, setHi, sec, clrSec, ter, guest32, host32, v86, smm, postedInterrupts,
  PIN, PRIMARY, SECONDARY, TERTIARY, EXIT, ENTRY, CURRENT_VMCS, VMXON_REGION, AR_CODE32,
} from './helpers';

export interface Spec {
  /** Capabilities for both cases (default: everything). */
  caps?: VmxCaps;
  failCaps?: VmxCaps;
  /** Makes the row's condition apply but hold (default: the baseline as is). */
  pass?: (s: Scenario) => void;
  /** Breaks exactly the row's rule. */
  fail: (s: Scenario) => void;
  /** Expected failing field (exact name or pattern). */
  field?: string | RegExp;
  /** Expected outcome when it is not the stage default. */
  outcome?: EntryOutcome;
  /** Expected qualification (guest / msr-load stages). */
  qual?: number;
  /** A check earlier in processor order that necessarily fires first on a full run. */
  shadowedBy?: string;
  /** More failing variants: [description, break, expected field]. */
  variants?: [string, (s: Scenario) => void, (string | RegExp)?, VmxCaps?][];
}

const noMtf = capsWith({ 0x48e: [0, allMsr(0x48e)[1] & ~PRIMARY.MONITOR_TRAP_FLAG], 0x482: [0x0401e172, allMsr(0x482)[1] & ~PRIMARY.MONITOR_TRAP_FLAG] });
const noAd = capsWith({ 0x48c: [allMsr(0x48c)[0] & ~(1 << 21), allMsr(0x48c)[1]] });
const noZeroLen = capsWith({ 0x485: [allMsr(0x485)[0] & ~(1 << 30), 0] });
const noRtm = capsWith({}, { rtm: false });
/**
 * Primary controls as on hardware: MTF allowed, the default1 bits other than
 * CR3-load/store exiting fixed to 1 in the TRUE MSR, no tertiary controls.
 */
const TRUE_PROC_DEFAULT1 = 0x04006172;
const primaryNoTertiary = capsWith({
  0x482: [0x0401e172, allMsr(0x482)[1] & ~PRIMARY.ACTIVATE_TERTIARY_CONTROLS],
  0x48e: [TRUE_PROC_DEFAULT1, allMsr(0x48e)[1] & ~PRIMARY.ACTIVATE_TERTIARY_CONTROLS],
});
const anyVectorEc = capsWith({ 0x480: [allMsr(0x480)[0], allMsr(0x480)[1] | (1 << 24)] });

const ptr64 = (s: Scenario, f: Parameters<typeof set>[1], lo: number, hi = 0) => set(s, f, lo, hi);
const tpr = (s: Scenario) => {
  or(s, 'CPU_BASED_VM_EXEC_CONTROL', PRIMARY.USE_TPR_SHADOW);
  set(s, 'VIRTUAL_APIC_PAGE_ADDR', 0x40000);
  s.mem.w8(0x40080, 0x40); // VTPR: priority class 4
};
const inject = (s: Scenario, info: number, ec = 0, len = 0) => {
  set(s, 'VM_ENTRY_INTR_INFO_FIELD', info);
  set(s, 'VM_ENTRY_EXCEPTION_ERROR_CODE', ec);
  set(s, 'VM_ENTRY_INSTRUCTION_LEN', len);
};
const EXT_INT_0x20 = 0x80000020;
const NMI = 0x80000202;
const UD = 0x80000306;
const GP_EC = 0x80000b0d;
const linkTo = (s: Scenario, addr: number, dword0: number) => {
  set(s, 'VMCS_LINK_POINTER', addr);
  s.mem.w32(addr, dword0);
};
const entryList = (s: Scenario, entries: [number, number?, number?, number?][]) => {
  set(s, 'VM_ENTRY_MSR_LOAD_ADDR', 0xe0000);
  set(s, 'VM_ENTRY_MSR_LOAD_COUNT', entries.length);
  entries.forEach(([index, lo, hi, rsv], i) => s.mem.msrEntry(0xe0000, i, index, lo ?? 0, hi ?? 0, rsv ?? 0));
};
const ldtr = (s: Scenario, ar = 0x82, sel = 0x28, limit = 0xffff) => {
  set(s, 'GUEST_LDTR_SELECTOR', sel);
  set(s, 'GUEST_LDTR_LIMIT', limit);
  set(s, 'GUEST_LDTR_AR_BYTES', ar);
};
const pae32 = (s: Scenario) => {
  guest32(s);
  or(s, 'GUEST_CR4', 0x20);
};

export const SPECS: Record<string, Spec> = {
  // ---------------- pre ----------------
  'PRE-NOT-VMX': { fail: (s) => (s.cpu.inVmxOperation = false), outcome: { kind: '#UD' } },
  'PRE-MODE': {
    fail: (s) => (s.cpu.csL = false),
    outcome: { kind: '#UD' },
    variants: [['virtual-8086 mode', (s) => (s.cpu.rflags |= 1 << 17)]],
  },
  'PRE-NONROOT': { fail: (s) => (s.cpu.nonRoot = true), outcome: { kind: 'vm-exit', reason: 20 } },
  'PRE-CPL': { fail: (s) => (s.cpu.cpl = 3), outcome: { kind: '#GP', errorCode: 0 }, field: 'CPL' },
  'PRE-NO-VMCS': { fail: (s) => (s.currentVmcsPointer = -1), outcome: { kind: 'VMfailInvalid' } },
  'PRE-MOVSS': { fail: (s) => (s.cpu.movSsBlocking = true), outcome: { kind: 'VMfailValid', error: 26 } },
  'PRE-LAUNCH-STATE': { fail: (s) => (s.vmcs.launched = true), outcome: { kind: 'VMfailValid', error: 4 } },
  'PRE-RESUME-AFTER-VMXOFF': {
    pass: (s) => { s.instruction = 'vmresume'; s.vmcs.launched = true; },
    fail: (s) => { s.instruction = 'vmresume'; s.vmcs.launched = true; s.launchStateLost = true; },
    outcome: { kind: 'VMfailValid', error: 6 },
  },
  'PRE-RESUME-STATE': {
    pass: (s) => { s.instruction = 'vmresume'; s.vmcs.launched = true; },
    fail: (s) => { s.instruction = 'vmresume'; },
    outcome: { kind: 'VMfailValid', error: 5 },
  },
  'PRE-SMM-EXEC-VMCS': {
    pass: (s) => smm(s, false),
    fail: (s) => { smm(s, false); set(s, 'EXECUTIVE_VMCS_POINTER', 0x123); },
    outcome: { kind: 'VMfailValid', error: 16 },
    field: 'EXECUTIVE_VMCS_POINTER',
  },

  // ---------------- ctrl ----------------
  'CTRL-PIN-RSVD': { caps: MAX_CAPS, pass: (s) => or(s, 'PIN_BASED_VM_EXEC_CONTROL', PIN.VIRTUAL_NMIS), fail: (s) => or(s, 'PIN_BASED_VM_EXEC_CONTROL', PIN.PROCESS_POSTED_INTERRUPTS), field: 'PIN_BASED_VM_EXEC_CONTROL' },
  'CTRL-PROC-RSVD': {
    caps: primaryNoTertiary,
    pass: (s) => or(s, 'CPU_BASED_VM_EXEC_CONTROL', PRIMARY.MONITOR_TRAP_FLAG),
    fail: (s) => clr(s, 'CPU_BASED_VM_EXEC_CONTROL', 1 << 1),
    field: 'CPU_BASED_VM_EXEC_CONTROL',
    variants: [['a bit the CPU lacks', (s) => or(s, 'CPU_BASED_VM_EXEC_CONTROL', PRIMARY.ACTIVATE_TERTIARY_CONTROLS)]],
  },
  'CTRL-PROC2-RSVD': { caps: MAX_CAPS, pass: (s) => sec(s, SECONDARY.WBINVD_EXITING), fail: (s) => sec(s, SECONDARY.VIRTUALIZE_APIC_ACCESSES), field: 'SECONDARY_VM_EXEC_CONTROL' },
  'CTRL-PROC3-RSVD': { pass: (s) => ter(s, TERTIARY.LOADIWKEY_EXITING), fail: (s) => ter(s, 1 << 5), field: 'TERTIARY_VM_EXEC_CONTROL' },
  'CTRL-CR3-TARGET-COUNT': { pass: (s) => set(s, 'CR3_TARGET_COUNT', 4), fail: (s) => set(s, 'CR3_TARGET_COUNT', 5), field: 'CR3_TARGET_COUNT' },
  'CTRL-IO-BITMAP-ADDR': {
    pass: (s) => { or(s, 'CPU_BASED_VM_EXEC_CONTROL', PRIMARY.USE_IO_BITMAPS); set(s, 'IO_BITMAP_A', 0x30000); set(s, 'IO_BITMAP_B', 0x31000); },
    fail: (s) => { or(s, 'CPU_BASED_VM_EXEC_CONTROL', PRIMARY.USE_IO_BITMAPS); set(s, 'IO_BITMAP_A', 0x30000); set(s, 'IO_BITMAP_B', 0x31008); },
    field: 'IO_BITMAP_B',
    variants: [['A beyond MAXPHYADDR', (s) => { or(s, 'CPU_BASED_VM_EXEC_CONTROL', PRIMARY.USE_IO_BITMAPS); ptr64(s, 'IO_BITMAP_A', 0x30000, 0x4000); set(s, 'IO_BITMAP_B', 0x31000); }, 'IO_BITMAP_A']],
  },
  'CTRL-MSR-BITMAP-ADDR': {
    fail: (s) => set(s, 'MSR_BITMAP', 0x20010),
    field: 'MSR_BITMAP',
    variants: [['beyond MAXPHYADDR', (s) => ptr64(s, 'MSR_BITMAP', 0x20000, 1 << 14)]],
  },
  'CTRL-VAPIC-ADDR': { pass: tpr, fail: (s) => { tpr(s); ptr64(s, 'VIRTUAL_APIC_PAGE_ADDR', 0x40000, 0x4000); }, field: 'VIRTUAL_APIC_PAGE_ADDR' },
  'CTRL-TPR-THRESHOLD-RSVD': { pass: (s) => { tpr(s); set(s, 'TPR_THRESHOLD', 3); }, fail: (s) => { tpr(s); set(s, 'TPR_THRESHOLD', 0x10); }, field: 'TPR_THRESHOLD' },
  'CTRL-TPR-THRESHOLD-VTPR': { pass: (s) => { tpr(s); set(s, 'TPR_THRESHOLD', 4); }, fail: (s) => { tpr(s); set(s, 'TPR_THRESHOLD', 5); }, field: 'TPR_THRESHOLD' },
  'CTRL-NMI-VNMI': { pass: (s) => or(s, 'PIN_BASED_VM_EXEC_CONTROL', PIN.VIRTUAL_NMIS), fail: (s) => { clr(s, 'PIN_BASED_VM_EXEC_CONTROL', PIN.NMI_EXITING); or(s, 'PIN_BASED_VM_EXEC_CONTROL', PIN.VIRTUAL_NMIS); } },
  'CTRL-VNMI-NMIWIN': {
    pass: (s) => { or(s, 'PIN_BASED_VM_EXEC_CONTROL', PIN.VIRTUAL_NMIS); or(s, 'CPU_BASED_VM_EXEC_CONTROL', PRIMARY.NMI_WINDOW_EXITING); },
    fail: (s) => or(s, 'CPU_BASED_VM_EXEC_CONTROL', PRIMARY.NMI_WINDOW_EXITING),
    field: 'CPU_BASED_VM_EXEC_CONTROL',
  },
  'CTRL-APIC-ACCESS-ADDR': {
    pass: (s) => { sec(s, SECONDARY.VIRTUALIZE_APIC_ACCESSES); set(s, 'APIC_ACCESS_ADDR', 0xfee00000); },
    fail: (s) => { sec(s, SECONDARY.VIRTUALIZE_APIC_ACCESSES); set(s, 'APIC_ACCESS_ADDR', 0xfee00001); },
    field: 'APIC_ACCESS_ADDR',
  },
  'CTRL-X2APIC-NEEDS-TPR': { pass: (s) => { tpr(s); sec(s, SECONDARY.VIRTUALIZE_X2APIC_MODE); }, fail: (s) => sec(s, SECONDARY.VIRTUALIZE_X2APIC_MODE) },
  'CTRL-APICREG-NEEDS-TPR': { pass: (s) => { tpr(s); sec(s, SECONDARY.APIC_REGISTER_VIRTUALIZATION); }, fail: (s) => sec(s, SECONDARY.APIC_REGISTER_VIRTUALIZATION) },
  'CTRL-VID-NEEDS-TPR': { pass: (s) => { tpr(s); sec(s, SECONDARY.VIRTUAL_INTERRUPT_DELIVERY); }, fail: (s) => sec(s, SECONDARY.VIRTUAL_INTERRUPT_DELIVERY) },
  'CTRL-X2APIC-VS-APICACCESS': {
    pass: (s) => { tpr(s); sec(s, SECONDARY.VIRTUALIZE_X2APIC_MODE); },
    fail: (s) => { tpr(s); sec(s, SECONDARY.VIRTUALIZE_X2APIC_MODE | SECONDARY.VIRTUALIZE_APIC_ACCESSES); set(s, 'APIC_ACCESS_ADDR', 0xfee00000); },
  },
  'CTRL-VID-NEEDS-EXTINT-EXIT': {
    pass: (s) => { tpr(s); sec(s, SECONDARY.VIRTUAL_INTERRUPT_DELIVERY); },
    fail: (s) => { tpr(s); sec(s, SECONDARY.VIRTUAL_INTERRUPT_DELIVERY); clr(s, 'PIN_BASED_VM_EXEC_CONTROL', PIN.EXTERNAL_INTERRUPT_EXITING); },
  },
  'CTRL-PI-NEEDS-VID': { pass: postedInterrupts, fail: (s) => { postedInterrupts(s); clrSec(s, SECONDARY.VIRTUAL_INTERRUPT_DELIVERY); }, field: 'PIN_BASED_VM_EXEC_CONTROL' },
  'CTRL-PI-NEEDS-ACK': { pass: postedInterrupts, fail: (s) => { postedInterrupts(s); clr(s, 'VM_EXIT_CONTROLS', EXIT.ACKNOWLEDGE_INTERRUPT_ON_EXIT); } },
  'CTRL-PI-VECTOR': { pass: postedInterrupts, fail: (s) => { postedInterrupts(s); set(s, 'POSTED_INTR_NV', 0x1f2); }, field: 'POSTED_INTR_NV' },
  'CTRL-PI-DESC-ADDR': { pass: postedInterrupts, fail: (s) => { postedInterrupts(s); set(s, 'POSTED_INTR_DESC_ADDR', 0x50020); }, field: 'POSTED_INTR_DESC_ADDR' },
  'CTRL-VPID-ZERO': { fail: (s) => set(s, 'VIRTUAL_PROCESSOR_ID', 0), field: 'VIRTUAL_PROCESSOR_ID' },
  'CTRL-EPTP-MEMTYPE': {
    caps: MAX_CAPS,
    fail: (s) => set(s, 'EPT_POINTER', (get(s, 'EPT_POINTER') & ~7) | 1),
    field: 'EPT_POINTER',
    variants: [['UC when the CPU lacks UC', (s) => set(s, 'EPT_POINTER', get(s, 'EPT_POINTER') & ~7), 'EPT_POINTER', capsWith({ 0x48c: [allMsr(0x48c)[0] & ~(1 << 8), allMsr(0x48c)[1]] })]],
  },
  'CTRL-EPTP-WALK': {
    caps: MAX_CAPS,
    fail: (s) => set(s, 'EPT_POINTER', (get(s, 'EPT_POINTER') & ~0x38) | (2 << 3)),
    field: 'EPT_POINTER',
    variants: [['5-level without the capability', (s) => set(s, 'EPT_POINTER', (get(s, 'EPT_POINTER') & ~0x38) | (4 << 3))]],
  },
  'CTRL-EPTP-AD': { pass: (s) => or(s, 'EPT_POINTER', 0x40), fail: (s) => or(s, 'EPT_POINTER', 0x40), failCaps: noAd, field: 'EPT_POINTER' },
  'CTRL-EPTP-SSS': { pass: (s) => or(s, 'EPT_POINTER', 0x80), fail: (s) => or(s, 'EPT_POINTER', 0x80), failCaps: MAX_CAPS, field: 'EPT_POINTER' },
  'CTRL-EPTP-RSVD': {
    fail: (s) => or(s, 'EPT_POINTER', 0x100),
    field: 'EPT_POINTER',
    variants: [['beyond MAXPHYADDR', (s) => setHi(s, 'EPT_POINTER', 0x4000)]],
  },
  'CTRL-PML-NEEDS-EPT': {
    pass: (s) => { sec(s, SECONDARY.ENABLE_PML); set(s, 'PML_ADDRESS', 0x60000); },
    fail: (s) => { sec(s, SECONDARY.ENABLE_PML); clrSec(s, SECONDARY.ENABLE_EPT); set(s, 'PML_ADDRESS', 0x60000); },
  },
  'CTRL-PML-ADDR': { pass: (s) => { sec(s, SECONDARY.ENABLE_PML); set(s, 'PML_ADDRESS', 0x60000); }, fail: (s) => { sec(s, SECONDARY.ENABLE_PML); set(s, 'PML_ADDRESS', 0x60001); }, field: 'PML_ADDRESS' },
  'CTRL-UG-NEEDS-EPT': { pass: (s) => sec(s, SECONDARY.UNRESTRICTED_GUEST), fail: (s) => { sec(s, SECONDARY.UNRESTRICTED_GUEST); clrSec(s, SECONDARY.ENABLE_EPT); } },
  'CTRL-SPP-NEEDS-EPT': {
    pass: (s) => { sec(s, SECONDARY.SUBPAGE_WRITE_PERMISSIONS); set(s, 'SPPTP', 0x70000); },
    fail: (s) => { sec(s, SECONDARY.SUBPAGE_WRITE_PERMISSIONS); clrSec(s, SECONDARY.ENABLE_EPT); set(s, 'SPPTP', 0x70000); },
  },
  'CTRL-SPPTP': { pass: (s) => { sec(s, SECONDARY.SUBPAGE_WRITE_PERMISSIONS); set(s, 'SPPTP', 0x70000); }, fail: (s) => { sec(s, SECONDARY.SUBPAGE_WRITE_PERMISSIONS); set(s, 'SPPTP', 0x70008); }, field: 'SPPTP' },
  'CTRL-MBEC-NEEDS-EPT': { pass: (s) => sec(s, SECONDARY.MODE_BASED_EPT_EXECUTE), fail: (s) => { sec(s, SECONDARY.MODE_BASED_EPT_EXECUTE); clrSec(s, SECONDARY.ENABLE_EPT); } },
  'CTRL-PT-GPA': {
    pass: (s) => { sec(s, SECONDARY.PT_USES_GUEST_PHYSICAL); or(s, 'VM_ENTRY_CONTROLS', ENTRY.LOAD_IA32_RTIT_CTL); or(s, 'VM_EXIT_CONTROLS', EXIT.CLEAR_IA32_RTIT_CTL); },
    fail: (s) => { sec(s, SECONDARY.PT_USES_GUEST_PHYSICAL); or(s, 'VM_EXIT_CONTROLS', EXIT.CLEAR_IA32_RTIT_CTL); },
  },
  'CTRL-VMFUNC-RSVD': {
    pass: (s) => { sec(s, SECONDARY.ENABLE_VM_FUNCTIONS); set(s, 'VM_FUNCTION_CONTROL', 1); set(s, 'EPTP_LIST_ADDRESS', 0x80000); },
    fail: (s) => { sec(s, SECONDARY.ENABLE_VM_FUNCTIONS); set(s, 'VM_FUNCTION_CONTROL', 2); },
    field: 'VM_FUNCTION_CONTROL',
  },
  'CTRL-VMFUNC-EPTP-NEEDS-EPT': {
    pass: (s) => { sec(s, SECONDARY.ENABLE_VM_FUNCTIONS); set(s, 'VM_FUNCTION_CONTROL', 1); set(s, 'EPTP_LIST_ADDRESS', 0x80000); },
    fail: (s) => { sec(s, SECONDARY.ENABLE_VM_FUNCTIONS); clrSec(s, SECONDARY.ENABLE_EPT); set(s, 'VM_FUNCTION_CONTROL', 1); set(s, 'EPTP_LIST_ADDRESS', 0x80000); },
    field: 'VM_FUNCTION_CONTROL',
  },
  'CTRL-EPTP-LIST-ADDR': {
    pass: (s) => { sec(s, SECONDARY.ENABLE_VM_FUNCTIONS); set(s, 'VM_FUNCTION_CONTROL', 1); set(s, 'EPTP_LIST_ADDRESS', 0x80000); },
    fail: (s) => { sec(s, SECONDARY.ENABLE_VM_FUNCTIONS); set(s, 'VM_FUNCTION_CONTROL', 1); set(s, 'EPTP_LIST_ADDRESS', 0x80800); },
    field: 'EPTP_LIST_ADDRESS',
  },
  'CTRL-VMCS-SHADOW-BITMAPS': {
    pass: (s) => { sec(s, SECONDARY.VMCS_SHADOWING); set(s, 'VMREAD_BITMAP', 0x90000); set(s, 'VMWRITE_BITMAP', 0x91000); },
    fail: (s) => { sec(s, SECONDARY.VMCS_SHADOWING); set(s, 'VMREAD_BITMAP', 0x90000); set(s, 'VMWRITE_BITMAP', 0x91001); },
    field: 'VMWRITE_BITMAP',
  },
  'CTRL-VE-INFO-ADDR': {
    pass: (s) => { sec(s, SECONDARY.EPT_VIOLATION_VE); set(s, 'VE_INFORMATION_ADDRESS', 0xa0000); },
    fail: (s) => { sec(s, SECONDARY.EPT_VIOLATION_VE); set(s, 'VE_INFORMATION_ADDRESS', 0xa0004); },
    field: 'VE_INFORMATION_ADDRESS',
  },
  'CTRL-HLAT': {
    pass: (s) => { ter(s, TERTIARY.ENABLE_HLAT); set(s, 'HLAT_POINTER', 0xb0018); },
    fail: (s) => { ter(s, TERTIARY.ENABLE_HLAT); set(s, 'HLAT_POINTER', 0xb0001); },
    field: 'HLAT_POINTER',
    variants: [
      ['without EPT', (s) => { ter(s, TERTIARY.ENABLE_HLAT); clrSec(s, SECONDARY.ENABLE_EPT); set(s, 'HLAT_POINTER', 0xb0000); }, 'TERTIARY_VM_EXEC_CONTROL'],
      ['prefix size too large', (s) => { ter(s, TERTIARY.ENABLE_HLAT); set(s, 'HLAT_POINTER', 0xb0000); set(s, 'HLAT_PREFIX_SIZE', 1); }, 'HLAT_PREFIX_SIZE'],
    ],
  },
  'CTRL-EPT-PW-NEEDS-EPT': { pass: (s) => ter(s, TERTIARY.EPT_PAGING_WRITE_CONTROL), fail: (s) => { ter(s, TERTIARY.EPT_PAGING_WRITE_CONTROL); clrSec(s, SECONDARY.ENABLE_EPT); } },
  'CTRL-IPIV': {
    pass: (s) => { ter(s, TERTIARY.IPI_VIRTUALIZATION); set(s, 'PID_POINTER_TABLE', 0xc0008); },
    fail: (s) => { ter(s, TERTIARY.IPI_VIRTUALIZATION); set(s, 'PID_POINTER_TABLE', 0xc0004); },
    field: 'PID_POINTER_TABLE',
  },
  'CTRL-TSC-MULT': { pass: (s) => { sec(s, SECONDARY.USE_TSC_SCALING); set(s, 'TSC_MULTIPLIER', 0, 0x10000); }, fail: (s) => sec(s, SECONDARY.USE_TSC_SCALING), field: 'TSC_MULTIPLIER' },
  'CTRL-EXIT-RSVD': { caps: MAX_CAPS, pass: (s) => or(s, 'VM_EXIT_CONTROLS', EXIT.ACKNOWLEDGE_INTERRUPT_ON_EXIT), fail: (s) => or(s, 'VM_EXIT_CONTROLS', EXIT.LOAD_IA32_PERF_GLOBAL_CTRL), field: 'VM_EXIT_CONTROLS' },
  'CTRL-EXIT2-RSVD': {
    pass: (s) => { or(s, 'VM_EXIT_CONTROLS', EXIT.ACTIVATE_SECONDARY_CONTROLS); set(s, 'SECONDARY_VM_EXIT_CONTROLS', 0); },
    fail: (s) => { or(s, 'VM_EXIT_CONTROLS', EXIT.ACTIVATE_SECONDARY_CONTROLS); set(s, 'SECONDARY_VM_EXIT_CONTROLS', 1 << 5); },
    field: 'SECONDARY_VM_EXIT_CONTROLS',
  },
  'CTRL-EXIT-PREEMPT-SAVE': {
    pass: (s) => { or(s, 'PIN_BASED_VM_EXEC_CONTROL', PIN.ACTIVATE_VMX_PREEMPTION_TIMER); or(s, 'VM_EXIT_CONTROLS', EXIT.SAVE_VMX_PREEMPTION_TIMER_VALUE); },
    fail: (s) => or(s, 'VM_EXIT_CONTROLS', EXIT.SAVE_VMX_PREEMPTION_TIMER_VALUE),
  },
  'CTRL-EXIT-MSR-STORE-ADDR': {
    pass: (s) => { set(s, 'VM_EXIT_MSR_STORE_COUNT', 2); set(s, 'VM_EXIT_MSR_STORE_ADDR', 0xd0000); },
    fail: (s) => { set(s, 'VM_EXIT_MSR_STORE_COUNT', 1); set(s, 'VM_EXIT_MSR_STORE_ADDR', 0xd0008); },
    field: 'VM_EXIT_MSR_STORE_ADDR',
    variants: [['area ends beyond MAXPHYADDR', (s) => { set(s, 'VM_EXIT_MSR_STORE_COUNT', 2); set(s, 'VM_EXIT_MSR_STORE_ADDR', 0xfffffff0, 0x3fff); }]],
  },
  'CTRL-EXIT-MSR-LOAD-ADDR': {
    pass: (s) => { set(s, 'VM_EXIT_MSR_LOAD_COUNT', 2); set(s, 'VM_EXIT_MSR_LOAD_ADDR', 0xd1000); },
    fail: (s) => { set(s, 'VM_EXIT_MSR_LOAD_COUNT', 1); set(s, 'VM_EXIT_MSR_LOAD_ADDR', 0xd1004); },
    field: 'VM_EXIT_MSR_LOAD_ADDR',
  },
  'CTRL-ENTRY-RSVD': {
    caps: MAX_CAPS,
    pass: (s) => or(s, 'VM_ENTRY_CONTROLS', ENTRY.LOAD_IA32_PAT),
    fail: (s) => or(s, 'VM_ENTRY_CONTROLS', ENTRY.LOAD_IA32_BNDCFGS),
    field: 'VM_ENTRY_CONTROLS',
  },
  'CTRL-INJ-RSVD': { pass: (s) => inject(s, GP_EC), fail: (s) => inject(s, GP_EC | (1 << 12)), field: 'VM_ENTRY_INTR_INFO_FIELD' },
  'CTRL-INJ-TYPE': {
    pass: (s) => inject(s, 0x80000700),
    fail: (s) => inject(s, 0x80000120),
    field: 'VM_ENTRY_INTR_INFO_FIELD',
    variants: [['type 7 without MTF support', (s) => inject(s, 0x80000700), undefined, noMtf]],
  },
  'CTRL-INJ-NMI-VEC': { pass: (s) => inject(s, NMI), fail: (s) => inject(s, 0x80000203) },
  'CTRL-INJ-HWEXC-VEC': { pass: (s) => inject(s, UD), fail: (s) => inject(s, 0x80000320) },
  'CTRL-INJ-OTHER-VEC': { pass: (s) => inject(s, 0x80000700), fail: (s) => inject(s, 0x80000705) },
  'CTRL-INJ-EC-CONSISTENT': {
    pass: (s) => inject(s, GP_EC),
    fail: (s) => inject(s, 0x8000030d),
    variants: [
      ['#UD with an error code', (s) => inject(s, UD | 0x800)],
      ['error code on an external interrupt even with BASIC[56]', (s) => { or(s, 'GUEST_RFLAGS', 0x200); inject(s, EXT_INT_0x20 | 0x800); }, undefined, anyVectorEc],
    ],
  },
  'CTRL-INJ-EC-RSVD': { pass: (s) => inject(s, GP_EC, 0xffff), fail: (s) => inject(s, GP_EC, 0x10000), field: 'VM_ENTRY_EXCEPTION_ERROR_CODE' },
  'CTRL-INJ-ILEN': {
    pass: (s) => inject(s, 0x80000480, 0, 2),
    fail: (s) => inject(s, 0x80000480, 0, 16),
    field: 'VM_ENTRY_INSTRUCTION_LEN',
    variants: [['length 0 without MISC[30]', (s) => inject(s, 0x80000680, 0, 0), 'VM_ENTRY_INSTRUCTION_LEN', noZeroLen]],
  },
  'CTRL-ENTRY-MSR-LOAD-ADDR': {
    pass: (s) => entryList(s, [[0x174, 0x10]]),
    fail: (s) => { entryList(s, [[0x174, 0x10]]); set(s, 'VM_ENTRY_MSR_LOAD_ADDR', 0xe0004); },
    field: 'VM_ENTRY_MSR_LOAD_ADDR',
  },
  'CTRL-ENTRY-SMM-OUTSIDE': { pass: (s) => smm(s), fail: (s) => or(s, 'VM_ENTRY_CONTROLS', ENTRY.ENTRY_TO_SMM), field: 'VM_ENTRY_CONTROLS' },
  'CTRL-ENTRY-SMM-BOTH': { pass: (s) => smm(s), fail: (s) => { smm(s); or(s, 'VM_ENTRY_CONTROLS', ENTRY.DEACTIVATE_DUAL_MONITOR); }, field: 'VM_ENTRY_CONTROLS' },

  // ---------------- host ----------------
  'HOST-CR0-FIXED': { fail: (s) => clr(s, 'HOST_CR0', 1 << 5), field: 'HOST_CR0', variants: [['bits 63:32', (s) => setHi(s, 'HOST_CR0', 1)]] },
  'HOST-CR4-FIXED': { fail: (s) => clr(s, 'HOST_CR4', 1 << 13), field: 'HOST_CR4' },
  'HOST-CR3-RSVD': { pass: (s) => setHi(s, 'HOST_CR3', 0x60000000), fail: (s) => setHi(s, 'HOST_CR3', 0x4000), field: 'HOST_CR3' },
  'HOST-CET-WP': { pass: (s) => or(s, 'HOST_CR4', 1 << 23), fail: (s) => { or(s, 'HOST_CR4', 1 << 23); clr(s, 'HOST_CR0', 1 << 16); }, field: 'HOST_CR0' },
  'HOST-SYSENTER-CANON': { pass: (s) => set(s, 'HOST_IA32_SYSENTER_EIP', 0, 0xffff8000), fail: (s) => set(s, 'HOST_IA32_SYSENTER_EIP', 0, 0x10000), field: 'HOST_IA32_SYSENTER_EIP' },
  'HOST-PERF-GLOBAL': {
    pass: (s) => { or(s, 'VM_EXIT_CONTROLS', EXIT.LOAD_IA32_PERF_GLOBAL_CTRL); set(s, 'HOST_IA32_PERF_GLOBAL_CTRL', 0xf, 0x7); },
    fail: (s) => { or(s, 'VM_EXIT_CONTROLS', EXIT.LOAD_IA32_PERF_GLOBAL_CTRL); set(s, 'HOST_IA32_PERF_GLOBAL_CTRL', 0x10); },
    field: 'HOST_IA32_PERF_GLOBAL_CTRL',
  },
  'HOST-PAT': {
    pass: (s) => { or(s, 'VM_EXIT_CONTROLS', EXIT.LOAD_IA32_PAT); set(s, 'HOST_IA32_PAT', 0x00070406, 0x00070406); },
    fail: (s) => { or(s, 'VM_EXIT_CONTROLS', EXIT.LOAD_IA32_PAT); set(s, 'HOST_IA32_PAT', 0x00070406, 0x00070206); },
    field: 'HOST_IA32_PAT',
  },
  'HOST-EFER-RSVD': { fail: (s) => or(s, 'HOST_IA32_EFER', 2), field: 'HOST_IA32_EFER' },
  'HOST-EFER-LMA-LME': { fail: (s) => set(s, 'HOST_IA32_EFER', 0x101), field: 'HOST_IA32_EFER' },
  'HOST-CET-STATE': {
    pass: (s) => { or(s, 'VM_EXIT_CONTROLS', EXIT.LOAD_CET_STATE); set(s, 'HOST_S_CET', 0x5); set(s, 'HOST_SSP', 0x9000); },
    fail: (s) => { or(s, 'VM_EXIT_CONTROLS', EXIT.LOAD_CET_STATE); set(s, 'HOST_S_CET', 0x40); },
    field: 'HOST_S_CET',
    variants: [
      ['SUPPRESS and TRACKER', (s) => { or(s, 'VM_EXIT_CONTROLS', EXIT.LOAD_CET_STATE); set(s, 'HOST_S_CET', 0xc00); }, 'HOST_S_CET'],
      ['misaligned SSP', (s) => { or(s, 'VM_EXIT_CONTROLS', EXIT.LOAD_CET_STATE); set(s, 'HOST_SSP', 0x9002); }, 'HOST_SSP'],
      ['non-canonical interrupt SSP table', (s) => { or(s, 'VM_EXIT_CONTROLS', EXIT.LOAD_CET_STATE); set(s, 'HOST_INTR_SSP_TABLE_ADDR', 0, 0x8000); }, 'HOST_INTR_SSP_TABLE_ADDR'],
    ],
  },
  'HOST-PKRS': {
    pass: (s) => { or(s, 'VM_EXIT_CONTROLS', EXIT.LOAD_PKRS); set(s, 'HOST_IA32_PKRS', 0x55555554); },
    fail: (s) => { or(s, 'VM_EXIT_CONTROLS', EXIT.LOAD_PKRS); set(s, 'HOST_IA32_PKRS', 0, 1); },
    field: 'HOST_IA32_PKRS',
  },
  'HOST-FRED': {
    pass: (s) => { or(s, 'VM_EXIT_CONTROLS', EXIT.ACTIVATE_SECONDARY_CONTROLS); set(s, 'SECONDARY_VM_EXIT_CONTROLS', 2); set(s, 'HOST_IA32_FRED_RSP1', 0x1000); },
    fail: (s) => { or(s, 'VM_EXIT_CONTROLS', EXIT.ACTIVATE_SECONDARY_CONTROLS); set(s, 'SECONDARY_VM_EXIT_CONTROLS', 2); set(s, 'HOST_IA32_FRED_CONFIG', 4); },
    field: 'HOST_IA32_FRED_CONFIG',
    variants: [['misaligned RSP2', (s) => { or(s, 'VM_EXIT_CONTROLS', EXIT.ACTIVATE_SECONDARY_CONTROLS); set(s, 'SECONDARY_VM_EXIT_CONTROLS', 2); set(s, 'HOST_IA32_FRED_RSP2', 0x1008); }, 'HOST_IA32_FRED_RSP2']],
  },
  'HOST-SEL-RPL-TI': { fail: (s) => set(s, 'HOST_DS_SELECTOR', 0x13), field: 'HOST_DS_SELECTOR', variants: [['TI in TR', (s) => set(s, 'HOST_TR_SELECTOR', 0x1c), 'HOST_TR_SELECTOR']] },
  'HOST-CS-NULL': { fail: (s) => set(s, 'HOST_CS_SELECTOR', 0), field: 'HOST_CS_SELECTOR' },
  'HOST-TR-NULL': { fail: (s) => set(s, 'HOST_TR_SELECTOR', 0), field: 'HOST_TR_SELECTOR' },
  'HOST-SS-NULL': { pass: (s) => set(s, 'HOST_SS_SELECTOR', 0), fail: (s) => { host32(s); set(s, 'HOST_SS_SELECTOR', 0); }, field: 'HOST_SS_SELECTOR' },
  'HOST-BASE-CANON': { fail: (s) => set(s, 'HOST_GDTR_BASE', 0, 0x8000), field: 'HOST_GDTR_BASE' },
  'HOST-ASZ-OUTSIDE-LM': { pass: host32, fail: (s) => { host32(s); or(s, 'VM_EXIT_CONTROLS', EXIT.HOST_ADDRESS_SPACE_SIZE); }, field: 'VM_EXIT_CONTROLS' },
  'HOST-ASZ-INSIDE-LM': { fail: (s) => clr(s, 'VM_EXIT_CONTROLS', EXIT.HOST_ADDRESS_SPACE_SIZE | EXIT.LOAD_IA32_EFER), field: 'VM_EXIT_CONTROLS' },
  'HOST-32-GUEST64': { pass: host32, fail: (s) => { host32(s); or(s, 'VM_ENTRY_CONTROLS', ENTRY.IA32E_MODE_GUEST); }, shadowedBy: 'HOST-ASZ-OUTSIDE-LM' },
  'HOST-32-PCIDE': { pass: host32, fail: (s) => { host32(s); or(s, 'HOST_CR4', 1 << 17); }, field: 'HOST_CR4' },
  'HOST-32-RIP': { pass: host32, fail: (s) => { host32(s); setHi(s, 'HOST_RIP', 1); }, field: 'HOST_RIP' },
  'HOST-64-PAE': { fail: (s) => clr(s, 'HOST_CR4', 0x20), field: 'HOST_CR4' },
  'HOST-64-RIP': { pass: (s) => set(s, 'HOST_RIP', 0, 0xffffffff), fail: (s) => setHi(s, 'HOST_RIP', 0x10000), field: 'HOST_RIP' },
  'EXIT-HOST-PDPTE-FAIL': {
    pass: (s) => { host32(s); or(s, 'HOST_CR4', 0x20); set(s, 'HOST_CR3', 0xa000); s.mem.w64(0xa000, 0x2001, 0); },
    fail: (s) => { host32(s); or(s, 'HOST_CR4', 0x20); set(s, 'HOST_CR3', 0xa000); s.mem.w64(0xa008, 0x3007, 0); },
    outcome: { kind: 'vmx-abort', indicator: 2 },
    field: /host PDPTE1/,
  },

  // ---------------- guest: registers ----------------
  'GUEST-CR0-FIXED': {
    pass: (s) => { sec(s, SECONDARY.UNRESTRICTED_GUEST); },
    fail: (s) => clr(s, 'GUEST_CR0', 1 << 5),
    field: 'GUEST_CR0',
    variants: [['PG without unrestricted guest', (s) => clr(s, 'GUEST_CR0', 0x80000000)]],
  },
  'GUEST-CR0-PG-PE': { pass: (s) => sec(s, SECONDARY.UNRESTRICTED_GUEST), fail: (s) => { sec(s, SECONDARY.UNRESTRICTED_GUEST); clr(s, 'GUEST_CR0', 1); }, field: 'GUEST_CR0' },
  'GUEST-CR4-FIXED': { fail: (s) => clr(s, 'GUEST_CR4', 1 << 13), field: 'GUEST_CR4' },
  'GUEST-CET-WP': { pass: (s) => or(s, 'GUEST_CR4', 1 << 23), fail: (s) => { or(s, 'GUEST_CR4', 1 << 23); clr(s, 'GUEST_CR0', 1 << 16); }, field: 'GUEST_CR0' },
  'GUEST-DEBUGCTL-RSVD': {
    pass: (s) => { or(s, 'VM_ENTRY_CONTROLS', ENTRY.LOAD_DEBUG_CONTROLS); set(s, 'GUEST_IA32_DEBUGCTL', 1); },
    fail: (s) => { or(s, 'VM_ENTRY_CONTROLS', ENTRY.LOAD_DEBUG_CONTROLS); set(s, 'GUEST_IA32_DEBUGCTL', 4); },
    field: 'GUEST_IA32_DEBUGCTL',
  },
  'GUEST-DR7-HIGH': { pass: (s) => or(s, 'VM_ENTRY_CONTROLS', ENTRY.LOAD_DEBUG_CONTROLS), fail: (s) => { or(s, 'VM_ENTRY_CONTROLS', ENTRY.LOAD_DEBUG_CONTROLS); setHi(s, 'GUEST_DR7', 1); }, field: 'GUEST_DR7' },
  'GUEST-64-PG': {
    pass: (s) => sec(s, SECONDARY.UNRESTRICTED_GUEST),
    fail: (s) => { sec(s, SECONDARY.UNRESTRICTED_GUEST); clr(s, 'GUEST_CR0', 0x80000000); },
    field: 'GUEST_CR0',
  },
  'GUEST-64-PAE': { fail: (s) => clr(s, 'GUEST_CR4', 0x20), field: 'GUEST_CR4' },
  'GUEST-32-PCIDE': { pass: guest32, fail: (s) => { guest32(s); or(s, 'GUEST_CR4', 1 << 17); }, field: 'GUEST_CR4' },
  'GUEST-CR3-RSVD': { pass: (s) => setHi(s, 'GUEST_CR3', 0x60000000), fail: (s) => setHi(s, 'GUEST_CR3', 0x4000), field: 'GUEST_CR3' },
  'GUEST-SYSENTER-CANON': { pass: (s) => set(s, 'GUEST_SYSENTER_ESP', 0, 0xffffffff), fail: (s) => set(s, 'GUEST_SYSENTER_ESP', 0, 0x8000), field: 'GUEST_SYSENTER_ESP' },
  'GUEST-PERF-GLOBAL': {
    pass: (s) => { or(s, 'VM_ENTRY_CONTROLS', ENTRY.LOAD_IA32_PERF_GLOBAL_CTRL); set(s, 'GUEST_IA32_PERF_GLOBAL_CTRL', 3, 1); },
    fail: (s) => { or(s, 'VM_ENTRY_CONTROLS', ENTRY.LOAD_IA32_PERF_GLOBAL_CTRL); set(s, 'GUEST_IA32_PERF_GLOBAL_CTRL', 0x100); },
    field: 'GUEST_IA32_PERF_GLOBAL_CTRL',
  },
  'GUEST-PAT': { pass: (s) => or(s, 'VM_ENTRY_CONTROLS', ENTRY.LOAD_IA32_PAT), fail: (s) => { or(s, 'VM_ENTRY_CONTROLS', ENTRY.LOAD_IA32_PAT); set(s, 'GUEST_IA32_PAT', 0x03070406, 0x00070406); }, field: 'GUEST_IA32_PAT' },
  'GUEST-EFER-RSVD': { fail: (s) => or(s, 'GUEST_IA32_EFER', 2), field: 'GUEST_IA32_EFER' },
  'GUEST-EFER-LMA': { fail: (s) => set(s, 'GUEST_IA32_EFER', 0x100), field: 'GUEST_IA32_EFER' },
  'GUEST-EFER-LME': { fail: (s) => set(s, 'GUEST_IA32_EFER', 0x400), field: 'GUEST_IA32_EFER' },
  'GUEST-BNDCFGS': {
    pass: (s) => { or(s, 'VM_ENTRY_CONTROLS', ENTRY.LOAD_IA32_BNDCFGS); set(s, 'GUEST_IA32_BNDCFGS', 0x10003); },
    fail: (s) => { or(s, 'VM_ENTRY_CONTROLS', ENTRY.LOAD_IA32_BNDCFGS); set(s, 'GUEST_IA32_BNDCFGS', 0x4); },
    field: 'GUEST_IA32_BNDCFGS',
    variants: [['non-canonical base', (s) => { or(s, 'VM_ENTRY_CONTROLS', ENTRY.LOAD_IA32_BNDCFGS); set(s, 'GUEST_IA32_BNDCFGS', 0x1000, 0x8000); }]],
  },
  'GUEST-RTIT-CTL': {
    pass: (s) => { or(s, 'VM_ENTRY_CONTROLS', ENTRY.LOAD_IA32_RTIT_CTL); set(s, 'GUEST_IA32_RTIT_CTL', 0x2001); },
    fail: (s) => { or(s, 'VM_ENTRY_CONTROLS', ENTRY.LOAD_IA32_RTIT_CTL); set(s, 'GUEST_IA32_RTIT_CTL', 0x10000); },
    field: 'GUEST_IA32_RTIT_CTL',
  },
  'GUEST-CET-STATE': {
    pass: (s) => { or(s, 'VM_ENTRY_CONTROLS', ENTRY.LOAD_CET_STATE); set(s, 'GUEST_S_CET', 0x1000 | 5); set(s, 'GUEST_SSP', 0xa000, 0xffffffff); },
    fail: (s) => { or(s, 'VM_ENTRY_CONTROLS', ENTRY.LOAD_CET_STATE); set(s, 'GUEST_S_CET', 0xc00); },
    field: 'GUEST_S_CET',
    variants: [['32-bit guest SSP above 4G', (s) => { guest32(s); or(s, 'VM_ENTRY_CONTROLS', ENTRY.LOAD_CET_STATE); set(s, 'GUEST_SSP', 0x1000, 1); }, 'GUEST_SSP']],
  },
  'GUEST-LBR-CTL': {
    pass: (s) => { or(s, 'VM_ENTRY_CONTROLS', ENTRY.LOAD_IA32_LBR_CTL); set(s, 'GUEST_IA32_LBR_CTL', 1); },
    fail: (s) => { or(s, 'VM_ENTRY_CONTROLS', ENTRY.LOAD_IA32_LBR_CTL); set(s, 'GUEST_IA32_LBR_CTL', 0x100); },
    field: 'GUEST_IA32_LBR_CTL',
  },
  'GUEST-PKRS': {
    pass: (s) => { or(s, 'VM_ENTRY_CONTROLS', ENTRY.LOAD_PKRS); set(s, 'GUEST_IA32_PKRS', 0xfffffffc); },
    fail: (s) => { or(s, 'VM_ENTRY_CONTROLS', ENTRY.LOAD_PKRS); set(s, 'GUEST_IA32_PKRS', 0, 1); },
    field: 'GUEST_IA32_PKRS',
  },
  'GUEST-UINV': { pass: (s) => { or(s, 'VM_ENTRY_CONTROLS', ENTRY.LOAD_UINV); set(s, 'GUEST_UINV', 0xec); }, fail: (s) => { or(s, 'VM_ENTRY_CONTROLS', ENTRY.LOAD_UINV); set(s, 'GUEST_UINV', 0x1ec); }, field: 'GUEST_UINV' },
  'GUEST-FRED': {
    pass: (s) => { or(s, 'VM_ENTRY_CONTROLS', ENTRY.LOAD_IA32_FRED); set(s, 'GUEST_IA32_FRED_RSP1', 0x1000); set(s, 'GUEST_IA32_FRED_SSP1', 0x2008); },
    fail: (s) => { or(s, 'VM_ENTRY_CONTROLS', ENTRY.LOAD_IA32_FRED); set(s, 'GUEST_IA32_FRED_RSP1', 0x1008); },
    field: 'GUEST_IA32_FRED_RSP1',
    variants: [['misaligned SSP3', (s) => { or(s, 'VM_ENTRY_CONTROLS', ENTRY.LOAD_IA32_FRED); set(s, 'GUEST_IA32_FRED_SSP3', 0x2004); }, 'GUEST_IA32_FRED_SSP3']],
  },
  'GUEST-SPEC-CTRL': {
    pass: (s) => { or(s, 'VM_ENTRY_CONTROLS', ENTRY.LOAD_IA32_SPEC_CTRL); set(s, 'GUEST_IA32_SPEC_CTRL', 1); },
    fail: (s) => { or(s, 'VM_ENTRY_CONTROLS', ENTRY.LOAD_IA32_SPEC_CTRL); set(s, 'GUEST_IA32_SPEC_CTRL', 8); },
    field: 'GUEST_IA32_SPEC_CTRL',
  },

  // ---------------- guest: segments ----------------
  'GUEST-TR-TI': { fail: (s) => set(s, 'GUEST_TR_SELECTOR', 0x1c), field: 'GUEST_TR_SELECTOR' },
  'GUEST-LDTR-TI': { pass: (s) => ldtr(s), fail: (s) => ldtr(s, 0x82, 0x2c), field: 'GUEST_LDTR_SELECTOR' },
  'GUEST-SS-CS-RPL': {
    pass: (s) => { set(s, 'GUEST_CS_SELECTOR', 0x0b); set(s, 'GUEST_SS_SELECTOR', 0x13); set(s, 'GUEST_CS_AR_BYTES', 0xa0fb); set(s, 'GUEST_SS_AR_BYTES', 0xc0f3); },
    fail: (s) => set(s, 'GUEST_SS_SELECTOR', 0x13), field: 'GUEST_SS_SELECTOR' },
  'GUEST-V86-BASE': { pass: v86, fail: (s) => { v86(s); set(s, 'GUEST_DS_BASE', 0x10001); }, field: 'GUEST_DS_BASE' },
  'GUEST-V86-LIMIT': { pass: v86, fail: (s) => { v86(s); set(s, 'GUEST_ES_LIMIT', 0xfffff); }, field: 'GUEST_ES_LIMIT' },
  'GUEST-V86-AR': { pass: v86, fail: (s) => { v86(s); set(s, 'GUEST_FS_AR_BYTES', 0xf2); }, field: 'GUEST_FS_AR_BYTES' },
  'GUEST-BASE-TR-FS-GS-CANON': {
    pass: (s) => set(s, 'GUEST_FS_BASE', 0xfffff000, 0xffffffff),
    fail: (s) => set(s, 'GUEST_FS_BASE', 0, 0x8000),
    field: 'GUEST_FS_BASE',
    variants: [['unusable GS still checked', (s) => { set(s, 'GUEST_GS_AR_BYTES', 0x10000); set(s, 'GUEST_GS_BASE', 0, 0x8000); }, 'GUEST_GS_BASE']],
  },
  'GUEST-BASE-LDTR-CANON': {
    pass: (s) => set(s, 'GUEST_LDTR_BASE', 0, 0x8000), // unusable LDTR: not checked
    fail: (s) => { ldtr(s); set(s, 'GUEST_LDTR_BASE', 0, 0x8000); },
    field: 'GUEST_LDTR_BASE',
  },
  'GUEST-BASE-CS-HIGH': { fail: (s) => setHi(s, 'GUEST_CS_BASE', 1), field: 'GUEST_CS_BASE' },
  'GUEST-BASE-SS-DS-ES-HIGH': { pass: (s) => { set(s, 'GUEST_DS_AR_BYTES', 0x10000); setHi(s, 'GUEST_DS_BASE', 1); }, fail: (s) => setHi(s, 'GUEST_DS_BASE', 1), field: 'GUEST_DS_BASE' },
  'GUEST-CS-UNUSABLE': { fail: (s) => or(s, 'GUEST_CS_AR_BYTES', 0x10000), field: 'GUEST_CS_AR_BYTES' },
  'GUEST-CS-TYPE': { pass: (s) => set(s, 'GUEST_CS_AR_BYTES', 0xa09f), fail: (s) => set(s, 'GUEST_CS_AR_BYTES', 0xa09a), field: 'GUEST_CS_AR_BYTES' },
  'GUEST-SS-TYPE': { pass: (s) => set(s, 'GUEST_SS_AR_BYTES', 0xc097), fail: (s) => set(s, 'GUEST_SS_AR_BYTES', 0xc091), field: 'GUEST_SS_AR_BYTES' },
  'GUEST-DATA-ACCESSED': { fail: (s) => set(s, 'GUEST_DS_AR_BYTES', 0xc092), field: 'GUEST_DS_AR_BYTES' },
  'GUEST-DATA-CODE-READABLE': { pass: (s) => set(s, 'GUEST_DS_AR_BYTES', 0xc09b), fail: (s) => set(s, 'GUEST_DS_AR_BYTES', 0xc099), field: 'GUEST_DS_AR_BYTES' },
  'GUEST-SEG-S': { pass: (s) => set(s, 'GUEST_ES_AR_BYTES', 0x10083), fail: (s) => set(s, 'GUEST_ES_AR_BYTES', 0xc083), field: 'GUEST_ES_AR_BYTES' },
  'GUEST-CS-DPL-TYPE3': {
    pass: (s) => { sec(s, SECONDARY.UNRESTRICTED_GUEST); set(s, 'GUEST_CS_AR_BYTES', 0xc093); },
    fail: (s) => { sec(s, SECONDARY.UNRESTRICTED_GUEST); set(s, 'GUEST_CS_AR_BYTES', 0xc0f3); },
    field: 'GUEST_CS_AR_BYTES',
  },
  'GUEST-CS-DPL-NONCONF': { fail: (s) => set(s, 'GUEST_CS_AR_BYTES', 0xa0fb), field: 'GUEST_CS_AR_BYTES' },
  'GUEST-CS-DPL-CONF': { pass: (s) => set(s, 'GUEST_CS_AR_BYTES', 0xa09f), fail: (s) => set(s, 'GUEST_CS_AR_BYTES', 0xa0ff), field: 'GUEST_CS_AR_BYTES' },
  'GUEST-SS-DPL-RPL': {
    pass: (s) => { set(s, 'GUEST_CS_SELECTOR', 0x0b); set(s, 'GUEST_SS_SELECTOR', 0x13); set(s, 'GUEST_CS_AR_BYTES', 0xa0fb); set(s, 'GUEST_SS_AR_BYTES', 0xc0f3); },
    fail: (s) => { set(s, 'GUEST_CS_SELECTOR', 0x0b); set(s, 'GUEST_SS_SELECTOR', 0x13); },
    field: 'GUEST_SS_AR_BYTES',
  },
  'GUEST-SS-DPL-REAL': {
    pass: (s) => { guest32(s); sec(s, SECONDARY.UNRESTRICTED_GUEST); set(s, 'GUEST_CR0', 0x20); set(s, 'GUEST_CR4', 0x2000); },
    fail: (s) => { guest32(s); sec(s, SECONDARY.UNRESTRICTED_GUEST); set(s, 'GUEST_CR0', 0x20); set(s, 'GUEST_CS_AR_BYTES', 0xc0fb); set(s, 'GUEST_SS_AR_BYTES', 0xc0f3); },
    field: 'GUEST_SS_AR_BYTES',
  },
  'GUEST-DATA-DPL-RPL': {
    pass: (s) => { set(s, 'GUEST_DS_SELECTOR', 0x13); set(s, 'GUEST_DS_AR_BYTES', 0xc0f3); },
    fail: (s) => set(s, 'GUEST_DS_SELECTOR', 0x13),
    field: 'GUEST_DS_AR_BYTES',
  },
  'GUEST-SEG-P': { pass: (s) => set(s, 'GUEST_GS_AR_BYTES', 0x10013), fail: (s) => set(s, 'GUEST_GS_AR_BYTES', 0xc013), field: 'GUEST_GS_AR_BYTES' },
  'GUEST-SEG-AR-RSVD': { pass: (s) => set(s, 'GUEST_SS_AR_BYTES', 0xd093), fail: (s) => set(s, 'GUEST_SS_AR_BYTES', 0xc193), field: 'GUEST_SS_AR_BYTES' },
  'GUEST-CS-L-DB': { pass: (s) => set(s, 'GUEST_CS_AR_BYTES', 0xc09b), fail: (s) => set(s, 'GUEST_CS_AR_BYTES', 0xe09b), field: 'GUEST_CS_AR_BYTES' },
  'GUEST-SEG-G-LIMIT': {
    pass: (s) => { set(s, 'GUEST_DS_LIMIT', 0xfffff); set(s, 'GUEST_DS_AR_BYTES', 0x4093); },
    fail: (s) => set(s, 'GUEST_DS_LIMIT', 0xffff0),
    field: 'GUEST_DS_LIMIT',
    variants: [['G = 0 with a limit above 1 MiB', (s) => set(s, 'GUEST_CS_AR_BYTES', AR_CODE32 & ~0x8000), 'GUEST_CS_LIMIT']],
  },
  'GUEST-TR-TYPE': { pass: (s) => { guest32(s); set(s, 'GUEST_TR_AR_BYTES', 0x83); }, fail: (s) => set(s, 'GUEST_TR_AR_BYTES', 0x83), field: 'GUEST_TR_AR_BYTES' },
  'GUEST-TR-S': { fail: (s) => set(s, 'GUEST_TR_AR_BYTES', 0x9b), field: 'GUEST_TR_AR_BYTES' },
  'GUEST-TR-P': { fail: (s) => set(s, 'GUEST_TR_AR_BYTES', 0x0b), field: 'GUEST_TR_AR_BYTES' },
  'GUEST-TR-AR-RSVD': { pass: (s) => set(s, 'GUEST_TR_AR_BYTES', 0x108b), fail: (s) => set(s, 'GUEST_TR_AR_BYTES', 0x18b), field: 'GUEST_TR_AR_BYTES' },
  'GUEST-TR-G-LIMIT': { pass: (s) => { set(s, 'GUEST_TR_LIMIT', 0xfffff); }, fail: (s) => set(s, 'GUEST_TR_LIMIT', 0x100000), field: 'GUEST_TR_LIMIT' },
  'GUEST-TR-UNUSABLE': { fail: (s) => set(s, 'GUEST_TR_AR_BYTES', 0x1008b), field: 'GUEST_TR_AR_BYTES' },
  'GUEST-LDTR-TYPE': { pass: (s) => ldtr(s), fail: (s) => ldtr(s, 0x83), field: 'GUEST_LDTR_AR_BYTES' },
  'GUEST-LDTR-S': { pass: (s) => ldtr(s), fail: (s) => ldtr(s, 0x92), field: 'GUEST_LDTR_AR_BYTES' },
  'GUEST-LDTR-P': { pass: (s) => ldtr(s), fail: (s) => ldtr(s, 0x02), field: 'GUEST_LDTR_AR_BYTES' },
  'GUEST-LDTR-AR-RSVD': { pass: (s) => ldtr(s), fail: (s) => ldtr(s, 0x282), field: 'GUEST_LDTR_AR_BYTES' },
  'GUEST-LDTR-G-LIMIT': { pass: (s) => ldtr(s, 0x8082, 0x28, 0xffffffff), fail: (s) => ldtr(s, 0x82, 0x28, 0x100000), field: 'GUEST_LDTR_LIMIT' },
  'GUEST-GDTR-IDTR-BASE': { pass: (s) => set(s, 'GUEST_IDTR_BASE', 0xffff0000, 0xffffffff), fail: (s) => set(s, 'GUEST_IDTR_BASE', 0, 0x8000), field: 'GUEST_IDTR_BASE' },
  'GUEST-GDTR-IDTR-LIMIT': { pass: (s) => set(s, 'GUEST_GDTR_LIMIT', 0xffff), fail: (s) => set(s, 'GUEST_GDTR_LIMIT', 0x10000), field: 'GUEST_GDTR_LIMIT' },

  // ---------------- guest: RIP, RFLAGS, non-register state, PDPTEs ----------------
  'GUEST-RIP-HIGH': { pass: (s) => set(s, 'GUEST_RIP', 0x80000000, 0xffffffff), fail: (s) => { guest32(s); setHi(s, 'GUEST_RIP', 1); }, field: 'GUEST_RIP' },
  'GUEST-RIP-CANON': { pass: (s) => set(s, 'GUEST_RIP', 0x80000000, 0xffffffff), fail: (s) => setHi(s, 'GUEST_RIP', 0x10000), field: 'GUEST_RIP' },
  'GUEST-RFLAGS-RSVD': { pass: (s) => set(s, 'GUEST_RFLAGS', 0x3d0fd7), fail: (s) => set(s, 'GUEST_RFLAGS', 0), field: 'GUEST_RFLAGS', variants: [['bit 15', (s) => set(s, 'GUEST_RFLAGS', 0x8002)]] },
  'GUEST-RFLAGS-VM': {
    pass: v86,
    fail: (s) => { v86(s); sec(s, SECONDARY.UNRESTRICTED_GUEST); set(s, 'GUEST_CR0', 0x20); },
    field: 'GUEST_RFLAGS',
  },
  'GUEST-RFLAGS-IF-INJ': { pass: (s) => { set(s, 'GUEST_RFLAGS', 0x202); inject(s, EXT_INT_0x20); }, fail: (s) => inject(s, EXT_INT_0x20), field: 'GUEST_RFLAGS' },
  'GUEST-FRED-SS': {
    pass: (s) => setHi(s, 'GUEST_CR4', 1),
    fail: (s) => { setHi(s, 'GUEST_CR4', 1); set(s, 'GUEST_CS_AR_BYTES', AR_CODE32); },
    field: 'GUEST_SS_AR_BYTES',
    variants: [['SS.DPL 3 with STI blocking', (s) => {
      setHi(s, 'GUEST_CR4', 1);
      set(s, 'GUEST_CS_SELECTOR', 0x0b); set(s, 'GUEST_SS_SELECTOR', 0x13); set(s, 'GUEST_CS_AR_BYTES', 0xa0fb); set(s, 'GUEST_SS_AR_BYTES', 0xc0f3);
      set(s, 'GUEST_RFLAGS', 0x202); set(s, 'GUEST_INTERRUPTIBILITY_INFO', 1);
    }]],
  },
  'GUEST-ACT-RANGE': {
    pass: (s) => set(s, 'GUEST_ACTIVITY_STATE', 1),
    fail: (s) => set(s, 'GUEST_ACTIVITY_STATE', 4),
    field: 'GUEST_ACTIVITY_STATE',
    variants: [['shutdown not supported by max', (s) => set(s, 'GUEST_ACTIVITY_STATE', 2), 'GUEST_ACTIVITY_STATE', MAX_CAPS]],
  },
  'GUEST-ACT-HLT-DPL': {
    pass: (s) => set(s, 'GUEST_ACTIVITY_STATE', 1),
    fail: (s) => {
      set(s, 'GUEST_CS_SELECTOR', 0x0b); set(s, 'GUEST_SS_SELECTOR', 0x13); set(s, 'GUEST_CS_AR_BYTES', 0xa0fb); set(s, 'GUEST_SS_AR_BYTES', 0xc0f3);
      set(s, 'GUEST_ACTIVITY_STATE', 1);
    },
    field: 'GUEST_ACTIVITY_STATE',
  },
  'GUEST-ACT-BLOCKING': {
    pass: (s) => { set(s, 'GUEST_RFLAGS', 0x202); set(s, 'GUEST_INTERRUPTIBILITY_INFO', 1); },
    fail: (s) => { set(s, 'GUEST_RFLAGS', 0x202); set(s, 'GUEST_INTERRUPTIBILITY_INFO', 1); set(s, 'GUEST_ACTIVITY_STATE', 1); },
    field: 'GUEST_ACTIVITY_STATE',
  },
  'GUEST-ACT-INJ-HLT': {
    pass: (s) => { set(s, 'GUEST_RFLAGS', 0x202); set(s, 'GUEST_ACTIVITY_STATE', 1); inject(s, EXT_INT_0x20); },
    fail: (s) => { set(s, 'GUEST_ACTIVITY_STATE', 1); inject(s, UD); },
    field: 'VM_ENTRY_INTR_INFO_FIELD',
  },
  'GUEST-ACT-INJ-SHUTDOWN': { pass: (s) => { set(s, 'GUEST_ACTIVITY_STATE', 2); inject(s, NMI); }, fail: (s) => { set(s, 'GUEST_ACTIVITY_STATE', 2); inject(s, UD); }, field: 'VM_ENTRY_INTR_INFO_FIELD' },
  'GUEST-ACT-INJ-SIPI': { pass: (s) => set(s, 'GUEST_ACTIVITY_STATE', 3), fail: (s) => { set(s, 'GUEST_ACTIVITY_STATE', 3); inject(s, NMI); }, field: 'VM_ENTRY_INTR_INFO_FIELD' },
  'GUEST-ACT-SMM-SIPI': { pass: (s) => smm(s), fail: (s) => { smm(s); set(s, 'GUEST_ACTIVITY_STATE', 3); }, field: 'GUEST_ACTIVITY_STATE' },
  'GUEST-INTR-RSVD': {
    pass: (s) => set(s, 'GUEST_INTERRUPTIBILITY_INFO', 0x10),
    fail: (s) => set(s, 'GUEST_INTERRUPTIBILITY_INFO', 0x20),
    field: 'GUEST_INTERRUPTIBILITY_INFO',
    variants: [
      ['enclave interruption with MOV-SS blocking', (s) => set(s, 'GUEST_INTERRUPTIBILITY_INFO', 0x12)],
      ['enclave interruption without SGX', (s) => set(s, 'GUEST_INTERRUPTIBILITY_INFO', 0x10), undefined, capsWith({}, { sgx: false })],
    ],
  },
  'GUEST-INTR-STI-MOVSS': { pass: (s) => set(s, 'GUEST_INTERRUPTIBILITY_INFO', 2), fail: (s) => { set(s, 'GUEST_RFLAGS', 0x202); set(s, 'GUEST_INTERRUPTIBILITY_INFO', 3); }, field: 'GUEST_INTERRUPTIBILITY_INFO' },
  'GUEST-INTR-STI-IF': { pass: (s) => { set(s, 'GUEST_RFLAGS', 0x202); set(s, 'GUEST_INTERRUPTIBILITY_INFO', 1); }, fail: (s) => set(s, 'GUEST_INTERRUPTIBILITY_INFO', 1), field: 'GUEST_INTERRUPTIBILITY_INFO' },
  'GUEST-INTR-INJ-EXTINT': {
    pass: (s) => { set(s, 'GUEST_RFLAGS', 0x202); inject(s, EXT_INT_0x20); },
    fail: (s) => { set(s, 'GUEST_RFLAGS', 0x202); set(s, 'GUEST_INTERRUPTIBILITY_INFO', 2); inject(s, EXT_INT_0x20); },
    field: 'GUEST_INTERRUPTIBILITY_INFO',
  },
  'GUEST-INTR-INJ-NMI-MOVSS': { pass: (s) => inject(s, NMI), fail: (s) => { set(s, 'GUEST_INTERRUPTIBILITY_INFO', 2); inject(s, NMI); }, field: 'GUEST_INTERRUPTIBILITY_INFO' },
  'GUEST-INTR-INJ-NMI-STI': { pass: (s) => inject(s, NMI), fail: (s) => { set(s, 'GUEST_RFLAGS', 0x202); set(s, 'GUEST_INTERRUPTIBILITY_INFO', 1); inject(s, NMI); }, field: 'GUEST_INTERRUPTIBILITY_INFO', qual: 3 },
  'GUEST-INTR-SMI-OUTSIDE-SMM': { pass: (s) => smm(s), fail: (s) => set(s, 'GUEST_INTERRUPTIBILITY_INFO', 4), field: 'GUEST_INTERRUPTIBILITY_INFO' },
  'GUEST-INTR-SMI-ENTRY-SMM': { pass: (s) => smm(s), fail: (s) => { smm(s); set(s, 'GUEST_INTERRUPTIBILITY_INFO', 0); }, field: 'GUEST_INTERRUPTIBILITY_INFO' },
  'GUEST-INTR-VNMI-INJ': {
    pass: (s) => { or(s, 'PIN_BASED_VM_EXEC_CONTROL', PIN.VIRTUAL_NMIS); inject(s, NMI); },
    fail: (s) => { or(s, 'PIN_BASED_VM_EXEC_CONTROL', PIN.VIRTUAL_NMIS); set(s, 'GUEST_INTERRUPTIBILITY_INFO', 8); inject(s, NMI); },
    field: 'GUEST_INTERRUPTIBILITY_INFO',
  },
  'GUEST-PDE-RSVD': { pass: (s) => set(s, 'GUEST_PENDING_DBG_EXCEPTIONS', 0x500f), fail: (s) => set(s, 'GUEST_PENDING_DBG_EXCEPTIONS', 0x10), field: 'GUEST_PENDING_DBG_EXCEPTIONS' },
  'GUEST-PDE-BS': {
    pass: (s) => { set(s, 'GUEST_RFLAGS', 0x302); set(s, 'GUEST_INTERRUPTIBILITY_INFO', 1); set(s, 'GUEST_PENDING_DBG_EXCEPTIONS', 0x4000); },
    fail: (s) => { set(s, 'GUEST_RFLAGS', 0x302); set(s, 'GUEST_INTERRUPTIBILITY_INFO', 1); },
    field: 'GUEST_PENDING_DBG_EXCEPTIONS',
    variants: [['BS set in HLT without TF', (s) => { set(s, 'GUEST_ACTIVITY_STATE', 1); set(s, 'GUEST_PENDING_DBG_EXCEPTIONS', 0x4000); }]],
  },
  'GUEST-PDE-RTM': {
    pass: (s) => set(s, 'GUEST_PENDING_DBG_EXCEPTIONS', 0x11000),
    fail: (s) => set(s, 'GUEST_PENDING_DBG_EXCEPTIONS', 0x10000),
    field: 'GUEST_PENDING_DBG_EXCEPTIONS',
    variants: [['CPU without RTM', (s) => set(s, 'GUEST_PENDING_DBG_EXCEPTIONS', 0x11000), undefined, noRtm]],
  },
  'GUEST-LINK-ALIGN': { pass: (s) => linkTo(s, 0x5000, s.caps.revisionId), fail: (s) => linkTo(s, 0x5008, s.caps.revisionId), field: 'VMCS_LINK_POINTER', qual: 4 },
  'GUEST-LINK-REVID': {
    pass: (s) => linkTo(s, 0x5000, s.caps.revisionId),
    fail: (s) => linkTo(s, 0x5000, 0x1234),
    field: 'VMCS_LINK_POINTER',
    qual: 4,
    variants: [['shadow bit without VMCS shadowing', (s) => linkTo(s, 0x5000, (s.caps.revisionId | 0x80000000) >>> 0)]],
  },
  'GUEST-LINK-SELF': { pass: (s) => linkTo(s, 0x5000, s.caps.revisionId), fail: (s) => set(s, 'VMCS_LINK_POINTER', CURRENT_VMCS), field: 'VMCS_LINK_POINTER', qual: 4 },
  'GUEST-PDPTE-EPT': {
    pass: (s) => { pae32(s); set(s, 'GUEST_PDPTE0', 0x1001); set(s, 'GUEST_PDPTE1', 0x1006); },
    fail: (s) => { pae32(s); set(s, 'GUEST_PDPTE2', 0x1007); },
    field: 'GUEST_PDPTE2',
    qual: 2,
  },
  'GUEST-PDPTE-MEM': {
    pass: (s) => { pae32(s); clrSec(s, SECONDARY.ENABLE_EPT); set(s, 'GUEST_CR3', 0x9000); s.mem.w64(0x9000, 0x2001, 0); },
    fail: (s) => { pae32(s); clrSec(s, SECONDARY.ENABLE_EPT); set(s, 'GUEST_CR3', 0x9000); s.mem.w64(0x9000, 0x2001, 0); s.mem.w64(0x9008, 0x3021, 0); },
    field: /PDPTE1 at 0x9008/,
    qual: 2,
  },

  // ---------------- msr-load ----------------
  'MSR-LOAD-COUNT': {
    pass: (s) => { set(s, 'VM_ENTRY_MSR_LOAD_ADDR', 0xe0000); set(s, 'VM_ENTRY_MSR_LOAD_COUNT', 512); },
    fail: (s) => { set(s, 'VM_ENTRY_MSR_LOAD_ADDR', 0xe0000); set(s, 'VM_ENTRY_MSR_LOAD_COUNT', 513); },
    field: 'VM_ENTRY_MSR_LOAD_COUNT',
    qual: 513,
  },
  'MSR-LOAD-FSGS': { pass: (s) => entryList(s, [[0x174], [0x175]]), fail: (s) => entryList(s, [[0x174], [0xc0000100]]), qual: 2 },
  'MSR-LOAD-X2APIC': { pass: (s) => entryList(s, [[0x7ff], [0x900]]), fail: (s) => entryList(s, [[0x808]]), qual: 1 },
  'MSR-LOAD-SMM-ONLY': {
    pass: (s) => { smm(s); entryList(s, [[0x9b]]); },
    fail: (s) => entryList(s, [[0x10], [0x174], [0x9b]]),
    qual: 3,
  },
  'MSR-LOAD-RSVD': { pass: (s) => entryList(s, [[0x174, 0x10, 0]]), fail: (s) => entryList(s, [[0x174, 0x10, 0, 1]]), qual: 1, field: /VM-entry MSR-load entry 1 \(at 0xe0000\)/ },
  'MSR-LOAD-WRMSR-GP': {
    pass: (s) => { s.wrmsrFault = (i, lo, hi) => (i === 0x277 && hi !== 0 ? 'invalid PAT' : null); entryList(s, [[0x277, 0x6, 0]]); },
    fail: (s) => { s.wrmsrFault = (i, lo, hi) => (i === 0x277 && hi !== 0 ? 'invalid PAT' : null); entryList(s, [[0x277, 0x6, 0x2]]); },
    qual: 1,
    variants: [['microcode update trigger', (s) => entryList(s, [[0x79]])]],
  },
  'EXIT-MSR-STORE-FAIL': {
    pass: (s) => { set(s, 'VM_EXIT_MSR_STORE_COUNT', 1); set(s, 'VM_EXIT_MSR_STORE_ADDR', 0xd0000); s.mem.msrEntry(0xd0000, 0, 0x10); },
    fail: (s) => { set(s, 'VM_EXIT_MSR_STORE_COUNT', 2); set(s, 'VM_EXIT_MSR_STORE_ADDR', 0xd0000); s.mem.msrEntry(0xd0000, 0, 0x10); s.mem.msrEntry(0xd0000, 1, 0x9e); },
    outcome: { kind: 'vmx-abort', indicator: 1 },
    field: /VM-exit MSR-store entry 2/,
  },
  'EXIT-MSR-LOAD-FAIL': {
    pass: (s) => { set(s, 'VM_EXIT_MSR_LOAD_COUNT', 1); set(s, 'VM_EXIT_MSR_LOAD_ADDR', 0xd1000); s.mem.msrEntry(0xd1000, 0, 0x174, 0x8); },
    fail: (s) => { set(s, 'VM_EXIT_MSR_LOAD_COUNT', 1); set(s, 'VM_EXIT_MSR_LOAD_ADDR', 0xd1000); s.mem.msrEntry(0xd1000, 0, 0xc0000101); },
    outcome: { kind: 'vmx-abort', indicator: 4 },
    field: /VM-exit MSR-load entry 1/,
  },
};

export { VMXON_REGION };
