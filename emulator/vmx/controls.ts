// VMX control bits: one table per control word, transcribed from
// ../shared/reference/vmx-controls.tsv (test/unit/vmx/controls.test.ts checks
// every row). SDM vol 3C §25.6.1 (pin-based), §25.6.2 (primary, secondary,
// tertiary processor-based), §25.7.1 (VM-exit, secondary VM-exit), §25.8.1
// (VM-entry), §25.6.14 (VM-function controls); capability reporting:
// Appendix A.3-A.5, A.11 (vmx-msrs.tsv).
//
// Capability MSR convention (Appendix A.3): for a 32-bit control word the MSR
// holds allowed-0 settings in bits 31:0 (a 1 = the control must be 1) and
// allowed-1 settings in bits 63:32 (a 0 = the control must be 0). The 64-bit
// words (tertiary 0x492, secondary exit 0x493, VM functions 0x491) have a
// single 64-bit allowed-1 mask and no allowed-0 half.

import {
  IA32_VMX_PINBASED_CTLS, IA32_VMX_PROCBASED_CTLS, IA32_VMX_PROCBASED_CTLS2, IA32_VMX_PROCBASED_CTLS3,
  IA32_VMX_EXIT_CTLS, IA32_VMX_EXIT_CTLS2, IA32_VMX_ENTRY_CTLS, IA32_VMX_VMFUNC, IA32_VMX_TRUE_PINBASED_CTLS,
  IA32_VMX_TRUE_PROCBASED_CTLS, IA32_VMX_TRUE_EXIT_CTLS, IA32_VMX_TRUE_ENTRY_CTLS,
} from '../x86/cpu-features';

export type ControlWord = 'pin' | 'primary' | 'secondary' | 'tertiary' | 'exit' | 'exit2' | 'entry' | 'vmfunc';

export const CONTROL_WORDS: readonly ControlWord[] = ['pin', 'primary', 'secondary', 'tertiary', 'exit', 'exit2', 'entry', 'vmfunc'];

export interface ControlBitDef {
  readonly word: ControlWord;
  readonly bit: number;
  /** Upper-case name (Linux-style without prefix); reserved bits are RESERVED_<bit>. */
  readonly name: string;
  readonly meaning: string;
  /** In the default1 class: reserved-as-1 under the non-TRUE capability MSRs (Appendix A.2). */
  readonly default1: boolean;
  readonly reserved: boolean;
}

type Row<N extends string> = { readonly bit: number; readonly name: N; readonly meaning: string; readonly default1: boolean; readonly reserved: boolean };
function c<N extends string>(bit: number, name: N, meaning: string, default1 = false): Row<N> {
  return { bit, name, meaning, default1, reserved: false };
}
function rsv(bit: number, default1: boolean, note = 'reserved'): Row<`RESERVED_${number}`> {
  return { bit, name: `RESERVED_${bit}`, meaning: note === 'reserved' ? 'reserved' : `reserved (${note})`, default1, reserved: true };
}

const PIN_ROWS = [
  c(0, 'EXTERNAL_INTERRUPT_EXITING', 'external interrupts cause VM exits (else delivered through guest IDT)'),
  rsv(1, true),
  rsv(2, true),
  c(3, 'NMI_EXITING', 'NMIs cause VM exits (else delivered via guest IDT vector 2)'),
  rsv(4, true),
  c(5, 'VIRTUAL_NMIS', 'NMI blocking is virtualized (virtual-NMI blocking tracked in interruptibility bit 3; enables NMI-window exiting); requires NMI exiting'),
  c(6, 'ACTIVATE_VMX_PREEMPTION_TIMER', 'preemption timer counts down in non-root; exit 52 at zero'),
  c(7, 'PROCESS_POSTED_INTERRUPTS', 'posted-interrupt notification vector processed via posted-interrupt descriptor; requires virtual-interrupt delivery + ack-interrupt-on-exit'),
] as const;

const PRIMARY_ROWS = [
  rsv(0, false),
  rsv(1, true),
  c(2, 'INTERRUPT_WINDOW_EXITING', 'exit at start of any instruction when RFLAGS.IF=1 and no STI/MOV-SS blocking'),
  c(3, 'USE_TSC_OFFSETTING', 'RDTSC/RDTSCP/IA32_TSC reads return TSC + TSC_OFFSET (after multiplier if TSC scaling)'),
  rsv(4, true),
  rsv(5, true),
  rsv(6, true),
  c(7, 'HLT_EXITING', 'HLT exits'),
  rsv(8, true),
  c(9, 'INVLPG_EXITING', 'INVLPG exits (and INVPCID if enable INVPCID=1)'),
  c(10, 'MWAIT_EXITING', 'MWAIT exits'),
  c(11, 'RDPMC_EXITING', 'RDPMC exits'),
  c(12, 'RDTSC_EXITING', 'RDTSC and RDTSCP exit'),
  rsv(13, true),
  rsv(14, true),
  c(15, 'CR3_LOAD_EXITING', 'MOV to CR3 exits unless value matches one of the CR3-target values', true),
  c(16, 'CR3_STORE_EXITING', 'MOV from CR3 exits', true),
  c(17, 'ACTIVATE_TERTIARY_CONTROLS', 'tertiary controls field is used'),
  rsv(18, false),
  c(19, 'CR8_LOAD_EXITING', 'MOV to CR8 exits'),
  c(20, 'CR8_STORE_EXITING', 'MOV from CR8 exits'),
  c(21, 'USE_TPR_SHADOW', 'TPR virtualization via virtual-APIC page (CR8 accesses use VTPR)'),
  c(22, 'NMI_WINDOW_EXITING', 'exit when no virtual-NMI blocking (requires virtual NMIs)'),
  c(23, 'MOV_DR_EXITING', 'MOV to/from DR0-DR7 exits'),
  c(24, 'UNCONDITIONAL_IO_EXITING', 'all IN/OUT/INS/OUTS exit (ignored if use I/O bitmaps = 1)'),
  c(25, 'USE_IO_BITMAPS', 'I/O bitmaps A/B decide per-port exiting'),
  rsv(26, true),
  c(27, 'MONITOR_TRAP_FLAG', 'MTF: exit after each instruction boundary (single-step like)'),
  c(28, 'USE_MSR_BITMAPS', 'MSR bitmaps decide RDMSR/WRMSR exiting (else all exit)'),
  c(29, 'MONITOR_EXITING', 'MONITOR exits'),
  c(30, 'PAUSE_EXITING', 'PAUSE exits'),
  c(31, 'ACTIVATE_SECONDARY_CONTROLS', 'secondary controls field is used'),
] as const;

const SECONDARY_ROWS = [
  c(0, 'VIRTUALIZE_APIC_ACCESSES', 'accesses to APIC-access page are virtualized / cause APIC-access exits'),
  c(1, 'ENABLE_EPT', 'EPT: guest-physical addresses translated through EPT'),
  c(2, 'DESCRIPTOR_TABLE_EXITING', 'LGDT/LIDT/LLDT/LTR/SGDT/SIDT/SLDT/STR exit (reasons 46/47)'),
  c(3, 'ENABLE_RDTSCP', 'RDTSCP allowed (else #UD)'),
  c(4, 'VIRTUALIZE_X2APIC_MODE', 'x2APIC MSR accesses (0x800-0x8FF) virtualized'),
  c(5, 'ENABLE_VPID', 'cached translations tagged by VPID'),
  c(6, 'WBINVD_EXITING', 'WBINVD/WBNOINVD exit'),
  c(7, 'UNRESTRICTED_GUEST', 'guest may run with CR0.PE=0 or CR0.PG=0 (real/unpaged modes); requires EPT'),
  c(8, 'APIC_REGISTER_VIRTUALIZATION', 'reads of most APIC registers satisfied from virtual-APIC page'),
  c(9, 'VIRTUAL_INTERRUPT_DELIVERY', 'virtual interrupt evaluation/delivery using RVI/SVI; requires external-interrupt exiting'),
  c(10, 'PAUSE_LOOP_EXITING', 'PAUSE loops at CPL0 longer than PLE_WINDOW (gap PLE_GAP) exit'),
  c(11, 'RDRAND_EXITING', 'RDRAND exits'),
  c(12, 'ENABLE_INVPCID', 'INVPCID allowed (else #UD); exits only if INVLPG exiting'),
  c(13, 'ENABLE_VM_FUNCTIONS', 'VMFUNC allowed per VM-function controls'),
  c(14, 'VMCS_SHADOWING', 'VMREAD/VMWRITE in non-root may access the shadow VMCS (link pointer) per VMREAD/VMWRITE bitmaps'),
  c(15, 'ENABLE_ENCLS_EXITING', 'ENCLS exits per ENCLS-exiting bitmap'),
  c(16, 'RDSEED_EXITING', 'RDSEED exits'),
  c(17, 'ENABLE_PML', 'page-modification logging of EPT dirty-bit setting; requires EPT'),
  c(18, 'EPT_VIOLATION_VE', 'some EPT violations become #VE in guest instead of exits'),
  c(19, 'CONCEAL_VMX_FROM_PT', 'Intel PT suppresses VMX-specific packets (PIP/VMCS) in non-root'),
  c(20, 'ENABLE_XSAVES_XRSTORS', 'XSAVES/XRSTORS allowed; exit per XSS-exiting bitmap'),
  c(21, 'PASID_TRANSLATION', 'ENQCMD/ENQCMDS PASID translation (absent from Linux/Xen/Bochs headers; verify)'),
  c(22, 'MODE_BASED_EPT_EXECUTE', 'separate supervisor/user execute bits in EPT (MBEC); requires EPT'),
  c(23, 'SUBPAGE_WRITE_PERMISSIONS', 'sub-page write permissions for EPT (SPP); requires EPT'),
  c(24, 'PT_USES_GUEST_PHYSICAL', 'Intel PT output addresses are guest-physical (translated via EPT)'),
  c(25, 'USE_TSC_SCALING', 'TSC reads scaled by TSC multiplier'),
  c(26, 'ENABLE_USER_WAIT_PAUSE', 'UMWAIT/TPAUSE/UMONITOR allowed (else #UD); exits if RDTSC exiting'),
  c(27, 'ENABLE_PCONFIG', 'PCONFIG allowed; exits per PCONFIG-exiting bitmap'),
  c(28, 'ENABLE_ENCLV_EXITING', 'ENCLV exits per ENCLV-exiting bitmap'),
  rsv(29, false),
  c(30, 'VMM_BUS_LOCK_DETECTION', 'bus locks cause exit 74 (or exit-reason bit 26)'),
  c(31, 'INSTRUCTION_TIMEOUT', 'notify VM exit (75) if no event window for INSTRUCTION_TIMEOUT_CONTROL cycles'),
] as const;

const TERTIARY_ROWS = [
  c(0, 'LOADIWKEY_EXITING', 'LOADIWKEY exits (69)'),
  c(1, 'ENABLE_HLAT', 'hypervisor-managed linear address translation (HLATP, prefix size)'),
  c(2, 'EPT_PAGING_WRITE_CONTROL', 'EPT paging-write permission bit honoured'),
  c(3, 'GUEST_PAGING_VERIFICATION', 'guest-paging verification (EPT bit 57)'),
  c(4, 'IPI_VIRTUALIZATION', 'ICR writes virtualized via PID-pointer table'),
  rsv(5, false, 'verify against current SDM'),
  c(6, 'ENABLE_MSR_LIST_INSTRUCTIONS', 'RDMSRLIST/WRMSRLIST allowed (per Bochs; verify)'),
  c(7, 'VIRTUALIZE_IA32_SPEC_CTRL', 'IA32_SPEC_CTRL mask/shadow fields used'),
  c(8, 'APIC_TIMER_VIRTUALIZATION', 'virtual timer vector / guest deadline (newest; verify)'),
] as const;

const EXIT_ROWS = [
  rsv(0, true),
  rsv(1, true),
  c(2, 'SAVE_DEBUG_CONTROLS', 'save DR7 and IA32_DEBUGCTL into guest area on exit', true),
  rsv(3, true),
  rsv(4, true),
  rsv(5, true),
  rsv(6, true),
  rsv(7, true),
  rsv(8, true),
  c(9, 'HOST_ADDRESS_SPACE_SIZE', 'host is 64-bit: after exit EFER.LME=LMA=1, CS.L=1 (must be 1 for 64-bit host, 0 if CPU lacks long mode)'),
  rsv(10, true),
  rsv(11, true),
  c(12, 'LOAD_IA32_PERF_GLOBAL_CTRL', 'load host PERF_GLOBAL_CTRL on exit'),
  rsv(13, true),
  rsv(14, true),
  c(15, 'ACKNOWLEDGE_INTERRUPT_ON_EXIT', 'on external-interrupt exit, acknowledge controller and store vector in exit intr info'),
  rsv(16, true),
  rsv(17, true),
  c(18, 'SAVE_IA32_PAT', 'store guest PAT on exit'),
  c(19, 'LOAD_IA32_PAT', 'load host PAT on exit'),
  c(20, 'SAVE_IA32_EFER', 'store guest EFER on exit'),
  c(21, 'LOAD_IA32_EFER', 'load host EFER on exit'),
  c(22, 'SAVE_VMX_PREEMPTION_TIMER_VALUE', 'store remaining preemption-timer value on exit'),
  c(23, 'CLEAR_IA32_BNDCFGS', 'clear BNDCFGS on exit'),
  c(24, 'CONCEAL_VMX_FROM_PT', 'suppress PT PIP on exit'),
  c(25, 'CLEAR_IA32_RTIT_CTL', 'clear RTIT_CTL on exit'),
  c(26, 'CLEAR_IA32_LBR_CTL', 'clear LBR_CTL on exit'),
  c(27, 'CLEAR_UINV', 'clear UINV on exit'),
  c(28, 'LOAD_CET_STATE', 'load host S_CET, SSP, interrupt SSP table on exit'),
  c(29, 'LOAD_PKRS', 'load host PKRS on exit'),
  c(30, 'SAVE_IA32_PERF_GLOBAL_CTRL', 'store guest PERF_GLOBAL_CTRL on exit'),
  c(31, 'ACTIVATE_SECONDARY_CONTROLS', 'secondary VM-exit controls field is used'),
] as const;

const EXIT2_ROWS = [
  c(0, 'SAVE_IA32_FRED', 'store guest FRED MSRs on exit (Linux SECONDARY_VM_EXIT_SAVE_IA32_FRED)'),
  c(1, 'LOAD_IA32_FRED', 'load host FRED MSRs on exit'),
  c(2, 'LOAD_HOST_IA32_SPEC_CTRL', 'load host SPEC_CTRL on exit (per Bochs; verify)'),
  c(3, 'PREMATURE_BUSY_SHADOW_STACK', 'shadow-stack prematurely-busy reporting (per Bochs; verify)'),
] as const;

const ENTRY_ROWS = [
  rsv(0, true),
  rsv(1, true),
  c(2, 'LOAD_DEBUG_CONTROLS', 'load DR7 and IA32_DEBUGCTL from guest area', true),
  rsv(3, true),
  rsv(4, true),
  rsv(5, true),
  rsv(6, true),
  rsv(7, true),
  rsv(8, true),
  c(9, 'IA32E_MODE_GUEST', 'guest is in IA-32e mode after entry (EFER.LMA loaded from this bit)'),
  c(10, 'ENTRY_TO_SMM', 'enter SMM (dual-monitor only)'),
  c(11, 'DEACTIVATE_DUAL_MONITOR', 'deactivate dual-monitor treatment'),
  rsv(12, true),
  c(13, 'LOAD_IA32_PERF_GLOBAL_CTRL', 'load guest PERF_GLOBAL_CTRL'),
  c(14, 'LOAD_IA32_PAT', 'load guest PAT'),
  c(15, 'LOAD_IA32_EFER', 'load guest EFER'),
  c(16, 'LOAD_IA32_BNDCFGS', 'load guest BNDCFGS'),
  c(17, 'CONCEAL_VMX_FROM_PT', 'suppress PT PIP on entry'),
  c(18, 'LOAD_IA32_RTIT_CTL', 'load guest RTIT_CTL'),
  c(19, 'LOAD_UINV', 'load guest UINV'),
  c(20, 'LOAD_CET_STATE', 'load guest S_CET, SSP, interrupt SSP table'),
  c(21, 'LOAD_IA32_LBR_CTL', 'load guest LBR_CTL'),
  c(22, 'LOAD_PKRS', 'load guest PKRS'),
  c(23, 'LOAD_IA32_FRED', 'load guest FRED MSRs'),
  c(24, 'LOAD_IA32_SPEC_CTRL', 'load guest SPEC_CTRL (per Bochs; verify)'),
] as const;

const VMFUNC_ROWS = [
  c(0, 'EPTP_SWITCHING', 'VMFUNC leaf 0: EPTP := EPTP_LIST[ECX] (ECX < 512, entry must be valid EPTP)'),
] as const;

type Masks<R extends readonly Row<string>[]> = { readonly [K in Exclude<R[number]['name'], `RESERVED_${number}`>]: number };
function masks<R extends readonly Row<string>[]>(rows: R): Masks<R> {
  const o: Record<string, number> = {};
  for (const r of rows) if (!r.reserved) o[r.name] = (1 << r.bit) >>> 0;
  return Object.freeze(o) as Masks<R>;
}

/** Bit masks by name, e.g. `PIN.NMI_EXITING` = 0x8 (bits 31:0 of the 64-bit words). */
export const PIN = masks(PIN_ROWS);
export const PRIMARY = masks(PRIMARY_ROWS);
export const SECONDARY = masks(SECONDARY_ROWS);
export const TERTIARY = masks(TERTIARY_ROWS);
export const EXIT = masks(EXIT_ROWS);
export const EXIT2 = masks(EXIT2_ROWS);
export const ENTRY = masks(ENTRY_ROWS);
export const VMFUNC = masks(VMFUNC_ROWS);

const ROWS_BY_WORD: Record<ControlWord, readonly Row<string>[]> = {
  pin: PIN_ROWS, primary: PRIMARY_ROWS, secondary: SECONDARY_ROWS, tertiary: TERTIARY_ROWS,
  exit: EXIT_ROWS, exit2: EXIT2_ROWS, entry: ENTRY_ROWS, vmfunc: VMFUNC_ROWS,
};

/** The VMCS field that holds each control word. */
export const CONTROL_FIELD: Record<ControlWord, string> = {
  pin: 'PIN_BASED_VM_EXEC_CONTROL',
  primary: 'CPU_BASED_VM_EXEC_CONTROL',
  secondary: 'SECONDARY_VM_EXEC_CONTROL',
  tertiary: 'TERTIARY_VM_EXEC_CONTROL',
  exit: 'VM_EXIT_CONTROLS',
  exit2: 'SECONDARY_VM_EXIT_CONTROLS',
  entry: 'VM_ENTRY_CONTROLS',
  vmfunc: 'VM_FUNCTION_CONTROL',
};

/** SDM section defining each word's bits. */
export const CONTROL_SDM: Record<ControlWord, string> = {
  pin: '25.6.1', primary: '25.6.2', secondary: '25.6.2', tertiary: '25.6.2',
  exit: '25.7.1', exit2: '25.7.1', entry: '25.8.1', vmfunc: '25.6.14',
};

/** Human-readable name of each word. */
export const CONTROL_WORD_TITLE: Record<ControlWord, string> = {
  pin: 'pin-based VM-execution controls',
  primary: 'primary processor-based VM-execution controls',
  secondary: 'secondary processor-based VM-execution controls',
  tertiary: 'tertiary processor-based VM-execution controls',
  exit: 'primary VM-exit controls',
  exit2: 'secondary VM-exit controls',
  entry: 'VM-entry controls',
  vmfunc: 'VM-function controls',
};

/** Every row of every word (reserved rows included), in vmx-controls.tsv order. */
export const CONTROL_BITS: readonly ControlBitDef[] = CONTROL_WORDS.flatMap((word) =>
  ROWS_BY_WORD[word].map((r) => ({ word, bit: r.bit, name: r.name, meaning: r.meaning, default1: r.default1, reserved: r.reserved })),
);

const DEFS: Record<ControlWord, (ControlBitDef | undefined)[]> = (() => {
  const o = {} as Record<ControlWord, (ControlBitDef | undefined)[]>;
  for (const w of CONTROL_WORDS) o[w] = new Array<ControlBitDef | undefined>(64).fill(undefined);
  for (const d of CONTROL_BITS) o[d.word][d.bit] = d;
  return o;
})();

/** The row for one bit, or undefined for a bit the table does not list (reserved, default0). */
export function controlBit(word: ControlWord, bit: number): ControlBitDef | undefined {
  return DEFS[word][bit];
}

/** Mask of the default1 bits of a word (Appendix A.2): pin 0x16, primary 0x0401E172, exit 0x00036DFF, entry 0x000011FF. */
export function default1Mask(word: ControlWord): number {
  let m = 0;
  for (const d of CONTROL_BITS) if (d.word === word && d.default1) m |= 1 << d.bit;
  return m >>> 0;
}
export const PIN_DEFAULT1 = default1Mask('pin');
export const PRIMARY_DEFAULT1 = default1Mask('primary');
export const EXIT_DEFAULT1 = default1Mask('exit');
export const ENTRY_DEFAULT1 = default1Mask('entry');

/** Words whose VMCS field and capability MSR are 64-bit with an allowed-1 mask only. */
export function isAllowed1OnlyWord(word: ControlWord): boolean {
  return word === 'tertiary' || word === 'exit2' || word === 'vmfunc';
}

/**
 * The capability MSR that governs a word (SDM 27.2.1.1-27.2.1.3): the TRUE
 * MSR for pin/primary/exit/entry when IA32_VMX_BASIC[55] = 1.
 */
export function controlCapabilityMsr(word: ControlWord, trueCtls: boolean): number {
  switch (word) {
    case 'pin': return trueCtls ? IA32_VMX_TRUE_PINBASED_CTLS : IA32_VMX_PINBASED_CTLS;
    case 'primary': return trueCtls ? IA32_VMX_TRUE_PROCBASED_CTLS : IA32_VMX_PROCBASED_CTLS;
    case 'secondary': return IA32_VMX_PROCBASED_CTLS2;
    case 'tertiary': return IA32_VMX_PROCBASED_CTLS3;
    case 'exit': return trueCtls ? IA32_VMX_TRUE_EXIT_CTLS : IA32_VMX_EXIT_CTLS;
    case 'exit2': return IA32_VMX_EXIT_CTLS2;
    case 'entry': return trueCtls ? IA32_VMX_TRUE_ENTRY_CTLS : IA32_VMX_ENTRY_CTLS;
    case 'vmfunc': return IA32_VMX_VMFUNC;
  }
}

/**
 * Allowed settings of a word as four 32-bit masks: a control bit must be 1
 * where allowed0 is 1 and must be 0 where allowed1 is 0. `msr` is the
 * capability MSR value [lo, hi] (null = the MSR does not exist: nothing may be 1).
 */
export interface AllowedSettings {
  readonly allowed0Lo: number;
  readonly allowed0Hi: number;
  readonly allowed1Lo: number;
  readonly allowed1Hi: number;
}
export function allowedSettings(word: ControlWord, msr: readonly [number, number] | null): AllowedSettings {
  if (!msr) return { allowed0Lo: 0, allowed0Hi: 0, allowed1Lo: 0, allowed1Hi: 0 };
  if (isAllowed1OnlyWord(word)) return { allowed0Lo: 0, allowed0Hi: 0, allowed1Lo: msr[0] >>> 0, allowed1Hi: msr[1] >>> 0 };
  return { allowed0Lo: msr[0] >>> 0, allowed0Hi: 0, allowed1Lo: msr[1] >>> 0, allowed1Hi: 0 };
}

/**
 * Bits of `value` that violate the allowed settings (SDM 27.2.1.1: each
 * control must be 1 where allowed-0 is 1 and 0 where allowed-1 is 0):
 * (allowed0 & ~value) | (value & ~allowed1). 0 = valid.
 */
export function controlViolations(value: number, allowed0: number, allowed1: number): number {
  return ((allowed0 & ~value) | (value & ~allowed1)) >>> 0;
}

/** Names of the set bits of a control value (bits 63:32 in `hi` for the 64-bit words). */
export function decodeControls(word: ControlWord, lo: number, hi = 0, opts: { omitDefault1?: boolean } = {}): string[] {
  const out: string[] = [];
  for (let b = 0; b < 64; b++) {
    const set = b < 32 ? (lo >>> b) & 1 : (hi >>> (b - 32)) & 1;
    if (!set) continue;
    const d = DEFS[word][b];
    if (d && d.reserved && d.default1 && opts.omitDefault1) continue;
    out.push(d ? d.name : `BIT_${b}`);
  }
  return out;
}

/** One line for traces: `NMI_EXITING | VIRTUAL_NMIS` or `none`. */
export function describeControls(word: ControlWord, lo: number, hi = 0, opts: { omitDefault1?: boolean } = {}): string {
  const names = decodeControls(word, lo, hi, opts);
  return names.length ? names.join(' | ') : 'none';
}

/** Names of the bits in a mask with their bit numbers, for error messages: `VIRTUAL_NMIS (bit 5)`. */
export function nameBits(word: ControlWord, lo: number, hi = 0): string {
  const parts: string[] = [];
  for (let b = 0; b < 64; b++) {
    const set = b < 32 ? (lo >>> b) & 1 : (hi >>> (b - 32)) & 1;
    if (!set) continue;
    const d = DEFS[word][b];
    parts.push(d && !d.reserved ? `${d.name} (bit ${b})` : `reserved bit ${b}`);
  }
  return parts.join(', ');
}
