// THE VMCS field table (Intel SDM vol 3C Appendix B "Field Encoding in VMCS";
// field meanings ch. 25 "Virtual Machine Control Structures"). Transcribed
// from ../shared/reference/vmcs-fields.tsv (test/unit/vmx/fields.test.ts
// checks every row against the TSV). VMCS storage (vmcs.ts), VMREAD/VMWRITE,
// the VMCS12 memory layout, the debugger's variable tree and the language
// server's hover all read this one table; nothing here reads files at run
// time.
//
// Encoding layout (SDM Appendix B, Table B-1 ... and §25.11.2):
//   bit 0      access type: 0 full, 1 high (bits 63:32 of a 64-bit field)
//   bits 9:1   index
//   bits 11:10 type: 0 control, 1 VM-exit information (read-only), 2 guest state, 3 host state
//   bit 12     reserved (0)
//   bits 14:13 width: 0 16-bit, 1 64-bit, 2 32-bit, 3 natural width
//   bits 31:15 reserved (0)
// An encoding with a reserved bit set, a high-access encoding of a field that
// is not 64-bit, or one naming a field this CPU lacks is "unsupported VMCS
// component": VMREAD/VMWRITE fail with VM-instruction error 12
// (vmx-instruction-errors.tsv).
//
// Width and type are not transcribed: they are decoded from the encoding (the
// test checks them against the TSV columns), so they cannot disagree.

import type { ControlWord } from './controls';

export type FieldWidth = 16 | 32 | 64 | 'natural';
export type FieldType = 'control' | 'exit-info' | 'guest' | 'host';

/** The SDM's grouping of VMCS fields (§25.3), used as the debugger's variable tree. */
export type FieldGroup =
  | 'Guest register state'
  | 'Guest non-register state'
  | 'Host state'
  | 'VM-execution controls'
  | 'VM-exit controls'
  | 'VM-entry controls'
  | 'VM-exit information';

export const FIELD_GROUPS: readonly FieldGroup[] = [
  'VM-execution controls',
  'VM-exit controls',
  'VM-entry controls',
  'VM-exit information',
  'Guest register state',
  'Guest non-register state',
  'Host state',
];

/**
 * A control whose allowed-1 setting makes a field exist (SDM §25.6-25.8:
 * "this field exists only on processors that support the 1-setting of ...").
 * `basic` names a bit of IA32_VMX_BASIC; `never` marks fields nestvirt never
 * has (TDX/SEAM only).
 */
export interface FieldRequirement {
  readonly ctl: ControlWord | 'basic' | 'never';
  readonly bit: number;
}

export interface VmcsFieldDef {
  /** Linux/SDM-style name, e.g. GUEST_CS_AR_BYTES. */
  readonly name: string;
  /** Full-access encoding (bit 0 = 0). */
  readonly encoding: number;
  readonly width: FieldWidth;
  readonly type: FieldType;
  readonly group: FieldGroup;
  /** VM-exit information fields: VMWRITE fails with error 13 unless IA32_VMX_MISC[29]. */
  readonly readOnly: boolean;
  /**
   * Whether a shadow VMCS can serve VMREAD/VMWRITE of this field without a
   * VM exit (SDM §25.10, §31.3 VMREAD: the VMREAD/VMWRITE bitmaps cover
   * encodings 0-0x7FFF; larger encodings always exit). True for every
   * field the SDM defines today; VMWRITE of a read-only field through a
   * shadow VMCS still needs IA32_VMX_MISC[29].
   */
  readonly shadowable: boolean;
  /** SDM vol 3C section that defines the field (2022+ numbering). */
  readonly sdm: string;
  /** The field exists if ANY of these controls may be 1; empty = always exists. */
  readonly requires: readonly FieldRequirement[];
  /** One line for hovers and the variable tree. */
  readonly description: string;
  /** Position in VMCS storage (vmcs.ts); also this entry's index in VMCS_FIELDS. */
  readonly slot: number;
}

// ---- encoding decode helpers ----

export const ENC_ACCESS_HIGH = 1;
const ENC_RESERVED_MASK = ~0x6ffe & ~1; // bits 31:15 and 12

/** Bit 0: 0 = full access, 1 = high access (bits 63:32 of a 64-bit field). */
export function encAccessHigh(enc: number): boolean { return (enc & 1) === 1; }
/** Bits 9:1. */
export function encIndex(enc: number): number { return (enc >>> 1) & 0x1ff; }
/** Bits 11:10 as the field type. */
export function encType(enc: number): FieldType { return TYPES[(enc >>> 10) & 3]; }
/** Bits 14:13 as the field width. */
export function encWidth(enc: number): FieldWidth { return WIDTHS[(enc >>> 13) & 3]; }
/** True if bits 31:15 or bit 12 are set (always error 12), or bits 63:32 of the operand (encHi) are nonzero. */
export function encReservedBitsSet(enc: number, encHi = 0): boolean {
  return (enc & ENC_RESERVED_MASK) !== 0 || encHi !== 0 || enc < 0 || enc > 0xffffffff;
}
/** Builds an encoding from its parts (full access). */
export function makeEncoding(width: FieldWidth, type: FieldType, index: number): number {
  return (WIDTHS.indexOf(width) << 13) | (TYPES.indexOf(type) << 10) | ((index & 0x1ff) << 1);
}
const TYPES: readonly FieldType[] = ['control', 'exit-info', 'guest', 'host'];
const WIDTHS: readonly FieldWidth[] = [16, 64, 32, 'natural'];

/** Width as the debugger prints it. */
export function widthName(w: FieldWidth): string { return w === 'natural' ? 'natural-width' : `${w}-bit`; }

// ---- the table ----

const EXEC: FieldGroup = 'VM-execution controls';
const EXIT_CTL: FieldGroup = 'VM-exit controls';
const ENTRY_CTL: FieldGroup = 'VM-entry controls';
const EXIT_INFO: FieldGroup = 'VM-exit information';
const GREG: FieldGroup = 'Guest register state';
const GNR: FieldGroup = 'Guest non-register state';
const HOST: FieldGroup = 'Host state';

const pin = (bit: number): FieldRequirement => ({ ctl: 'pin', bit });
const pri = (bit: number): FieldRequirement => ({ ctl: 'primary', bit });
const sec = (bit: number): FieldRequirement => ({ ctl: 'secondary', bit });
const ter = (bit: number): FieldRequirement => ({ ctl: 'tertiary', bit });
const exit = (bit: number): FieldRequirement => ({ ctl: 'exit', bit });
const exit2 = (bit: number): FieldRequirement => ({ ctl: 'exit2', bit });
const entry = (bit: number): FieldRequirement => ({ ctl: 'entry', bit });
const vmfunc = (bit: number): FieldRequirement => ({ ctl: 'vmfunc', bit });
const basic = (bit: number): FieldRequirement => ({ ctl: 'basic', bit });
const NEVER: FieldRequirement = { ctl: 'never', bit: 0 };

interface Row<N extends string> {
  readonly name: N;
  readonly encoding: number;
  readonly group: FieldGroup;
  readonly sdm: string;
  readonly requires: readonly FieldRequirement[];
  readonly description: string;
}
function f<N extends string>(name: N, encoding: number, group: FieldGroup, sdm: string, requires: FieldRequirement[], description: string): Row<N> {
  return { name, encoding, group, sdm, requires, description };
}

// name, encoding, group, SDM section, existence condition, description.
// Order = vmcs-fields.tsv order (by encoding class, then index).
const ROWS = [
  f('VIRTUAL_PROCESSOR_ID', 0x0000, EXEC, '25.6.12', [sec(5)], 'VPID; exists if secondary \'enable VPID\' can be 1; must be nonzero when enable VPID=1'),
  f('POSTED_INTR_NV', 0x0002, EXEC, '25.6.8', [pin(7)], 'posted-interrupt notification vector; pin \'process posted interrupts\'; bits 15:8 must be 0 on entry'),
  f('EPTP_INDEX', 0x0004, EXEC, '25.6', [sec(18)], 'EPTP index; secondary \'EPT-violation #VE\'; updated by VMFUNC EPTP switching; must be < 512 when #VE on'),
  f('HLAT_PREFIX_SIZE', 0x0006, EXEC, '25.6', [ter(1)], 'HLAT prefix size; tertiary \'enable HLAT\' (bit 1)'),
  f('LAST_PID_POINTER_INDEX', 0x0008, EXEC, '25.6.8', [ter(4)], 'last PID-pointer index; tertiary \'IPI virtualization\' (bit 4)'),
  f('VIRTUAL_TIMER_VECTOR', 0x000a, EXEC, '25.6.8', [ter(8)], 'APIC-timer virtualization (tertiary bit 8); newest SDM/ISE only - verify before use'),
  f('GUEST_ES_SELECTOR', 0x0800, GREG, '25.4.1', [], 'Guest ES selector'),
  f('GUEST_CS_SELECTOR', 0x0802, GREG, '25.4.1', [], 'Guest CS selector'),
  f('GUEST_SS_SELECTOR', 0x0804, GREG, '25.4.1', [], 'Guest SS selector'),
  f('GUEST_DS_SELECTOR', 0x0806, GREG, '25.4.1', [], 'Guest DS selector'),
  f('GUEST_FS_SELECTOR', 0x0808, GREG, '25.4.1', [], 'Guest FS selector'),
  f('GUEST_GS_SELECTOR', 0x080a, GREG, '25.4.1', [], 'Guest GS selector'),
  f('GUEST_LDTR_SELECTOR', 0x080c, GREG, '25.4.1', [], 'Guest LDTR selector'),
  f('GUEST_TR_SELECTOR', 0x080e, GREG, '25.4.1', [], 'Guest TR selector'),
  f('GUEST_INTR_STATUS', 0x0810, GNR, '25.4.2', [sec(9)], 'guest interrupt status: low byte RVI, high byte SVI; secondary \'virtual-interrupt delivery\''),
  f('GUEST_PML_INDEX', 0x0812, GNR, '25.4.2', [sec(17)], 'PML index (0..511, counts down); secondary \'enable PML\''),
  f('GUEST_UINV', 0x0814, GNR, '25.4.2', [entry(19), exit(27)], 'user-interrupt notification vector; entry ctl \'load UINV\' (bit 19) / exit ctl \'clear UINV\' (bit 27)'),
  f('HOST_ES_SELECTOR', 0x0c00, HOST, '25.5', [], 'Host ES selector: no LDTR host selector; RPL and TI must be 0'),
  f('HOST_CS_SELECTOR', 0x0c02, HOST, '25.5', [], 'Host CS selector: no LDTR host selector; RPL and TI must be 0'),
  f('HOST_SS_SELECTOR', 0x0c04, HOST, '25.5', [], 'Host SS selector: no LDTR host selector; RPL and TI must be 0'),
  f('HOST_DS_SELECTOR', 0x0c06, HOST, '25.5', [], 'Host DS selector: no LDTR host selector; RPL and TI must be 0'),
  f('HOST_FS_SELECTOR', 0x0c08, HOST, '25.5', [], 'Host FS selector: no LDTR host selector; RPL and TI must be 0'),
  f('HOST_GS_SELECTOR', 0x0c0a, HOST, '25.5', [], 'Host GS selector: no LDTR host selector; RPL and TI must be 0'),
  f('HOST_TR_SELECTOR', 0x0c0c, HOST, '25.5', [], 'Host TR selector: no LDTR host selector; RPL and TI must be 0'),
  f('IO_BITMAP_A', 0x2000, EXEC, '25.6.4', [pri(25)], 'I/O bitmap A (ports 0000-7FFF); primary \'use I/O bitmaps\'; 4K aligned'),
  f('IO_BITMAP_B', 0x2002, EXEC, '25.6.4', [pri(25)], 'I/O bitmap B (ports 8000-FFFF); primary \'use I/O bitmaps\'; 4K aligned'),
  f('MSR_BITMAP', 0x2004, EXEC, '25.6.9', [pri(28)], 'MSR bitmaps (4 x 1K: read-low, read-high, write-low, write-high); primary \'use MSR bitmaps\'; 4K aligned'),
  f('VM_EXIT_MSR_STORE_ADDR', 0x2006, EXIT_CTL, '25.7.2', [], 'VM-exit MSR-store area; 16-byte aligned'),
  f('VM_EXIT_MSR_LOAD_ADDR', 0x2008, EXIT_CTL, '25.7.2', [], 'VM-exit MSR-load area; 16-byte aligned'),
  f('VM_ENTRY_MSR_LOAD_ADDR', 0x200a, ENTRY_CTL, '25.8.2', [], 'VM-entry MSR-load area; 16-byte aligned'),
  f('EXECUTIVE_VMCS_POINTER', 0x200c, EXEC, '25.6.10', [basic(49)], 'executive-VMCS pointer; SMM dual-monitor treatment only'),
  f('PML_ADDRESS', 0x200e, EXEC, '25.6', [sec(17)], 'page-modification log (4K); secondary \'enable PML\''),
  f('TSC_OFFSET', 0x2010, EXEC, '25.6.5', [pri(3)], 'TSC offset; primary \'use TSC offsetting\''),
  f('VIRTUAL_APIC_PAGE_ADDR', 0x2012, EXEC, '25.6.8', [pri(21)], 'virtual-APIC page; primary \'use TPR shadow\'; 4K aligned'),
  f('APIC_ACCESS_ADDR', 0x2014, EXEC, '25.6.8', [sec(0)], 'APIC-access page; secondary \'virtualize APIC accesses\'; 4K aligned'),
  f('POSTED_INTR_DESC_ADDR', 0x2016, EXEC, '25.6.8', [pin(7)], 'posted-interrupt descriptor; pin \'process posted interrupts\'; 64-byte aligned'),
  f('VM_FUNCTION_CONTROL', 0x2018, EXEC, '25.6.14', [sec(13)], 'VM-function controls (bit 0 = EPTP switching); secondary \'enable VM functions\''),
  f('EPT_POINTER', 0x201a, EXEC, '25.6.11', [sec(1)], 'EPTP (memtype 2:0, walk length-1 5:3, A/D enable 6, supervisor-shadow-stack 7, PA 51:12); secondary \'enable EPT\''),
  f('EOI_EXIT_BITMAP0', 0x201c, EXEC, '25.6.8', [sec(9)], 'EOI-exit bitmap vectors 0-63; secondary \'virtual-interrupt delivery\''),
  f('EOI_EXIT_BITMAP1', 0x201e, EXEC, '25.6.8', [sec(9)], 'EOI-exit bitmap vectors 64-127'),
  f('EOI_EXIT_BITMAP2', 0x2020, EXEC, '25.6.8', [sec(9)], 'EOI-exit bitmap vectors 128-191'),
  f('EOI_EXIT_BITMAP3', 0x2022, EXEC, '25.6.8', [sec(9)], 'EOI-exit bitmap vectors 192-255'),
  f('EPTP_LIST_ADDRESS', 0x2024, EXEC, '25.6.14', [vmfunc(0)], 'EPTP list (512 entries, 4K); VMFUNC leaf 0 EPTP switching'),
  f('VMREAD_BITMAP', 0x2026, EXEC, '25.6.15', [sec(14)], 'VMREAD bitmap (4K, indexed by encoding bits 14:0); secondary \'VMCS shadowing\''),
  f('VMWRITE_BITMAP', 0x2028, EXEC, '25.6.15', [sec(14)], 'VMWRITE bitmap (4K); secondary \'VMCS shadowing\''),
  f('VE_INFORMATION_ADDRESS', 0x202a, EXEC, '25.6', [sec(18)], 'virtualization-exception information area; secondary \'EPT-violation #VE\''),
  f('XSS_EXIT_BITMAP', 0x202c, EXEC, '25.6', [sec(20)], 'XSS-exiting bitmap; secondary \'enable XSAVES/XRSTORS\''),
  f('ENCLS_EXITING_BITMAP', 0x202e, EXEC, '25.6', [sec(15)], 'ENCLS-exiting bitmap; secondary \'enable ENCLS exiting\''),
  f('SPPTP', 0x2030, EXEC, '25.6', [sec(23)], 'sub-page-permission-table pointer; secondary \'sub-page write permissions for EPT\''),
  f('TSC_MULTIPLIER', 0x2032, EXEC, '25.6.5', [sec(25)], 'TSC multiplier (fixed point, 48 fractional bits typ.); secondary \'use TSC scaling\''),
  f('TERTIARY_VM_EXEC_CONTROL', 0x2034, EXEC, '25.6.2', [pri(17)], 'tertiary processor-based controls (64-bit field); primary bit 17 \'activate tertiary controls\''),
  f('ENCLV_EXITING_BITMAP', 0x2036, EXEC, '25.6', [sec(28)], 'ENCLV-exiting bitmap; secondary \'enable ENCLV exiting\''),
  f('LOW_PASID_DIRECTORY_ADDRESS', 0x2038, EXEC, '25.6', [sec(21)], 'low PASID directory; tertiary/ENQCMD PASID translation'),
  f('HIGH_PASID_DIRECTORY_ADDRESS', 0x203a, EXEC, '25.6', [sec(21)], 'high PASID directory; tertiary/ENQCMD PASID translation'),
  f('SHARED_EPT_POINTER', 0x203c, EXEC, '25.6', [NEVER], 'shared EPTP; used by TDX (SEAM) only'),
  f('PCONFIG_EXITING_BITMAP', 0x203e, EXEC, '25.6', [sec(27)], 'PCONFIG-exiting bitmap; secondary \'enable PCONFIG\''),
  f('HLAT_POINTER', 0x2040, EXEC, '25.6', [ter(1)], 'HLATP (hypervisor-managed linear address translation root); tertiary \'enable HLAT\''),
  f('PID_POINTER_TABLE', 0x2042, EXEC, '25.6.8', [ter(4)], 'PID-pointer table address; tertiary \'IPI virtualization\''),
  f('SECONDARY_VM_EXIT_CONTROLS', 0x2044, EXIT_CTL, '25.7.1', [exit(31)], 'secondary VM-exit controls (64-bit field); exit ctl bit 31 \'activate secondary controls\''),
  f('IA32_SPEC_CTRL_MASK', 0x204a, EXEC, '25.6', [ter(7)], 'IA32_SPEC_CTRL mask; tertiary \'virtualize IA32_SPEC_CTRL\' (bit 7)'),
  f('IA32_SPEC_CTRL_SHADOW', 0x204c, EXEC, '25.6', [ter(7)], 'IA32_SPEC_CTRL shadow; tertiary \'virtualize IA32_SPEC_CTRL\''),
  f('GUEST_DEADLINE_SHADOW', 0x204e, EXEC, '25.6.8', [ter(8)], 'APIC-timer virtualization (tertiary bit 8); newest SDM/ISE only - verify'),
  f('INJECTED_EVENT_DATA', 0x2052, ENTRY_CTL, '25.8.3', [entry(23)], 'FRED: event data for the injected event; needs FRED'),
  f('GUEST_PHYSICAL_ADDRESS', 0x2400, EXIT_INFO, '25.9.1', [sec(1)], 'guest-physical address of EPT violation/misconfig/SPP/some APIC-access exits'),
  f('MSR_DATA', 0x2402, EXIT_INFO, '25.9.4', [ter(6)], 'MSR-list instructions (RDMSRLIST/WRMSRLIST) exit data - encoding per Bochs, verify against ISE'),
  f('ORIGINAL_EVENT_DATA', 0x2404, EXIT_INFO, '25.9.3', [entry(23)], 'FRED: event data of the event that was being delivered (pairs with IDT-vectoring info)'),
  f('VMCS_LINK_POINTER', 0x2800, GNR, '25.4.2', [], 'must be all-ones unless VMCS shadowing (then shadow VMCS address)'),
  f('GUEST_IA32_DEBUGCTL', 0x2802, GREG, '25.4.1', [], 'loaded if entry \'load debug controls\'; saved if exit \'save debug controls\''),
  f('GUEST_IA32_PAT', 0x2804, GREG, '25.4.1', [entry(14), exit(18)], 'entry \'load IA32_PAT\' / exit \'save IA32_PAT\''),
  f('GUEST_IA32_EFER', 0x2806, GREG, '25.4.1', [entry(15), exit(20)], 'entry \'load IA32_EFER\' / exit \'save IA32_EFER\''),
  f('GUEST_IA32_PERF_GLOBAL_CTRL', 0x2808, GREG, '25.4.1', [entry(13), exit(30)], 'entry \'load IA32_PERF_GLOBAL_CTRL\' / exit \'save IA32_PERF_GLOBAL_CTRL\' (bit 30)'),
  f('GUEST_PDPTE0', 0x280a, GNR, '25.4.2', [sec(1)], 'PAE PDPTE0; used only if EPT on and guest in PAE paging'),
  f('GUEST_PDPTE1', 0x280c, GNR, '25.4.2', [sec(1)], 'PAE PDPTE1'),
  f('GUEST_PDPTE2', 0x280e, GNR, '25.4.2', [sec(1)], 'PAE PDPTE2'),
  f('GUEST_PDPTE3', 0x2810, GNR, '25.4.2', [sec(1)], 'PAE PDPTE3'),
  f('GUEST_IA32_BNDCFGS', 0x2812, GREG, '25.4.1', [entry(16), exit(23)], 'MPX; entry \'load IA32_BNDCFGS\' / exit \'clear IA32_BNDCFGS\''),
  f('GUEST_IA32_RTIT_CTL', 0x2814, GREG, '25.4.1', [entry(18), exit(25)], 'Intel PT; entry \'load IA32_RTIT_CTL\' / exit \'clear IA32_RTIT_CTL\''),
  f('GUEST_IA32_LBR_CTL', 0x2816, GREG, '25.4.1', [entry(21), exit(26)], 'arch LBR; entry \'load guest IA32_LBR_CTL\' (bit 21) / exit \'clear IA32_LBR_CTL\' (bit 26)'),
  f('GUEST_IA32_PKRS', 0x2818, GREG, '25.4.1', [entry(22)], 'PKS; entry \'load PKRS\' (bit 22)'),
  f('GUEST_IA32_FRED_CONFIG', 0x281a, GREG, '25.4.1', [entry(23), exit2(0)], 'FRED; entry \'load FRED\' (bit 23) / secondary exit \'save FRED\' (bit 0)'),
  f('GUEST_IA32_FRED_RSP1', 0x281c, GREG, '25.4.1', [entry(23), exit2(0)], 'FRED'),
  f('GUEST_IA32_FRED_RSP2', 0x281e, GREG, '25.4.1', [entry(23), exit2(0)], 'FRED'),
  f('GUEST_IA32_FRED_RSP3', 0x2820, GREG, '25.4.1', [entry(23), exit2(0)], 'FRED'),
  f('GUEST_IA32_FRED_STKLVLS', 0x2822, GREG, '25.4.1', [entry(23), exit2(0)], 'FRED stack levels'),
  f('GUEST_IA32_FRED_SSP1', 0x2824, GREG, '25.4.1', [entry(23), exit2(0)], 'FRED + CET'),
  f('GUEST_IA32_FRED_SSP2', 0x2826, GREG, '25.4.1', [entry(23), exit2(0)], 'FRED + CET'),
  f('GUEST_IA32_FRED_SSP3', 0x2828, GREG, '25.4.1', [entry(23), exit2(0)], 'FRED + CET'),
  f('GUEST_IA32_SPEC_CTRL', 0x282e, GREG, '25.4.1', [entry(24)], 'entry \'load IA32_SPEC_CTRL\' (bit 24) - per Bochs, verify'),
  f('GUEST_DEADLINE', 0x2830, GNR, '25.4.2', [ter(8)], 'APIC-timer virtualization - newest SDM/ISE only, verify'),
  f('HOST_IA32_PAT', 0x2c00, HOST, '25.5', [exit(19)], 'exit \'load IA32_PAT\''),
  f('HOST_IA32_EFER', 0x2c02, HOST, '25.5', [exit(21)], 'exit \'load IA32_EFER\''),
  f('HOST_IA32_PERF_GLOBAL_CTRL', 0x2c04, HOST, '25.5', [exit(12)], 'exit \'load IA32_PERF_GLOBAL_CTRL\''),
  f('HOST_IA32_PKRS', 0x2c06, HOST, '25.5', [exit(29)], 'exit \'load PKRS\' (bit 29)'),
  f('HOST_IA32_FRED_CONFIG', 0x2c08, HOST, '25.5', [exit2(1)], 'secondary exit \'load host FRED\' (bit 1)'),
  f('HOST_IA32_FRED_RSP1', 0x2c0a, HOST, '25.5', [exit2(1)], 'FRED'),
  f('HOST_IA32_FRED_RSP2', 0x2c0c, HOST, '25.5', [exit2(1)], 'FRED'),
  f('HOST_IA32_FRED_RSP3', 0x2c0e, HOST, '25.5', [exit2(1)], 'FRED'),
  f('HOST_IA32_FRED_STKLVLS', 0x2c10, HOST, '25.5', [exit2(1)], 'FRED'),
  f('HOST_IA32_FRED_SSP1', 0x2c12, HOST, '25.5', [exit2(1)], 'FRED + CET'),
  f('HOST_IA32_FRED_SSP2', 0x2c14, HOST, '25.5', [exit2(1)], 'FRED + CET'),
  f('HOST_IA32_FRED_SSP3', 0x2c16, HOST, '25.5', [exit2(1)], 'FRED + CET'),
  f('HOST_IA32_SPEC_CTRL', 0x2c1a, HOST, '25.5', [exit2(2)], 'secondary exit \'load host IA32_SPEC_CTRL\' (bit 2) - per Bochs, verify'),
  f('PIN_BASED_VM_EXEC_CONTROL', 0x4000, EXEC, '25.6.1', [], 'pin-based controls'),
  f('CPU_BASED_VM_EXEC_CONTROL', 0x4002, EXEC, '25.6.2', [], 'primary processor-based controls'),
  f('EXCEPTION_BITMAP', 0x4004, EXEC, '25.6.3', [], 'bit n=1 -> exception vector n exits; #PF additionally filtered by PFEC mask/match'),
  f('PAGE_FAULT_ERROR_CODE_MASK', 0x4006, EXEC, '25.6.3', [], '#PF exits iff ((PFEC & MASK)==MATCH) == bitmap bit 14'),
  f('PAGE_FAULT_ERROR_CODE_MATCH', 0x4008, EXEC, '25.6.3', [], 'Host PAGE_FAULT_ERROR_CODE_MATCH'),
  f('CR3_TARGET_COUNT', 0x400a, EXEC, '25.6.7', [], '0..N (N from IA32_VMX_MISC 24:16, usually 4)'),
  f('VM_EXIT_CONTROLS', 0x400c, EXIT_CTL, '25.7.1', [], 'primary VM-exit controls'),
  f('VM_EXIT_MSR_STORE_COUNT', 0x400e, EXIT_CTL, '25.7.2', [], 'entries stored on exit'),
  f('VM_EXIT_MSR_LOAD_COUNT', 0x4010, EXIT_CTL, '25.7.2', [], 'entries loaded on exit'),
  f('VM_ENTRY_CONTROLS', 0x4012, ENTRY_CTL, '25.8.1', [], 'VM-entry controls'),
  f('VM_ENTRY_MSR_LOAD_COUNT', 0x4014, ENTRY_CTL, '25.8.2', [], 'entries loaded on entry'),
  f('VM_ENTRY_INTR_INFO_FIELD', 0x4016, ENTRY_CTL, '25.8.3', [], 'event injection: vector 7:0, type 10:8, deliver-EC 11, valid 31; processor clears valid bit on every VM exit'),
  f('VM_ENTRY_EXCEPTION_ERROR_CODE', 0x4018, ENTRY_CTL, '25.8.3', [], 'error code for injected event'),
  f('VM_ENTRY_INSTRUCTION_LEN', 0x401a, ENTRY_CTL, '25.8.3', [], 'instruction length for injected soft int / soft exc / priv soft exc'),
  f('TPR_THRESHOLD', 0x401c, EXEC, '25.6.8', [pri(21)], 'primary \'use TPR shadow\''),
  f('SECONDARY_VM_EXEC_CONTROL', 0x401e, EXEC, '25.6.2', [pri(31)], 'secondary processor-based controls; primary bit 31'),
  f('PLE_GAP', 0x4020, EXEC, '25.6.13', [sec(10)], 'secondary \'PAUSE-loop exiting\''),
  f('PLE_WINDOW', 0x4022, EXEC, '25.6.13', [sec(10)], 'secondary \'PAUSE-loop exiting\''),
  f('INSTRUCTION_TIMEOUT_CONTROL', 0x4024, EXEC, '25.6', [sec(31)], 'notify window (Linux name NOTIFY_WINDOW); secondary bit 31 \'instruction timeout\''),
  f('SEAM_GUEST_KEYID', 0x4026, EXEC, '25.6', [NEVER], 'per Bochs: TDX/SEAM only - not needed, verify'),
  f('VM_INSTRUCTION_ERROR', 0x4400, EXIT_INFO, '25.9.5', [], 'VM-instruction error number (VMfailValid)'),
  f('VM_EXIT_REASON', 0x4402, EXIT_INFO, '25.9.1', [], 'basic reason 15:0; bit 16 always 0; bit 26 bus-lock detected; bit 27 exit from enclave mode; bit 28 pending MTF (SMM); bit 29 exit from VMX root (SMM); bit 31 VM-entry failure'),
  f('VM_EXIT_INTR_INFO', 0x4404, EXIT_INFO, '25.9.2', [], 'exit interruption info: vector, type, EC valid 11, NMI unblocking due to IRET 12, valid 31'),
  f('VM_EXIT_INTR_ERROR_CODE', 0x4406, EXIT_INFO, '25.9.2', [], 'exit interruption error code'),
  f('IDT_VECTORING_INFO_FIELD', 0x4408, EXIT_INFO, '25.9.3', [], 'event being delivered when exit occurred (same layout as entry intr info, bit 12 undefined)'),
  f('IDT_VECTORING_ERROR_CODE', 0x440a, EXIT_INFO, '25.9.3', [], 'Host IDT_VECTORING_ERROR_CODE'),
  f('VM_EXIT_INSTRUCTION_LEN', 0x440c, EXIT_INFO, '25.9.4', [], 'length of exiting instruction (instruction exits, some event exits)'),
  f('VMX_INSTRUCTION_INFO', 0x440e, EXIT_INFO, '25.9.4', [], 'operand decode for VMX/descriptor-table/INVEPT/INVVPID/INVPCID/RDRAND/etc and INS/OUTS (if BASIC bit 54)'),
  f('GUEST_ES_LIMIT', 0x4800, GREG, '25.4.1', [], 'Guest ES limit'),
  f('GUEST_CS_LIMIT', 0x4802, GREG, '25.4.1', [], 'Guest CS limit'),
  f('GUEST_SS_LIMIT', 0x4804, GREG, '25.4.1', [], 'Guest SS limit'),
  f('GUEST_DS_LIMIT', 0x4806, GREG, '25.4.1', [], 'Guest DS limit'),
  f('GUEST_FS_LIMIT', 0x4808, GREG, '25.4.1', [], 'Guest FS limit'),
  f('GUEST_GS_LIMIT', 0x480a, GREG, '25.4.1', [], 'Guest GS limit'),
  f('GUEST_LDTR_LIMIT', 0x480c, GREG, '25.4.1', [], 'Guest LDTR limit'),
  f('GUEST_TR_LIMIT', 0x480e, GREG, '25.4.1', [], 'Guest TR limit'),
  f('GUEST_GDTR_LIMIT', 0x4810, GREG, '25.4.1', [], 'Guest GDTR limit: GDTR/IDTR limit: bits 31:16 must be 0'),
  f('GUEST_IDTR_LIMIT', 0x4812, GREG, '25.4.1', [], 'Guest IDTR limit: GDTR/IDTR limit: bits 31:16 must be 0'),
  f('GUEST_ES_AR_BYTES', 0x4814, GREG, '25.4.1', [], 'Guest ES access rights: access rights: type 3:0, S 4, DPL 6:5, P 7, AVL 12, L 13, D/B 14, G 15, unusable 16; 11:8 and 31:17 reserved'),
  f('GUEST_CS_AR_BYTES', 0x4816, GREG, '25.4.1', [], 'Guest CS access rights: access rights: type 3:0, S 4, DPL 6:5, P 7, AVL 12, L 13, D/B 14, G 15, unusable 16; 11:8 and 31:17 reserved'),
  f('GUEST_SS_AR_BYTES', 0x4818, GREG, '25.4.1', [], 'Guest SS access rights: access rights: type 3:0, S 4, DPL 6:5, P 7, AVL 12, L 13, D/B 14, G 15, unusable 16; 11:8 and 31:17 reserved'),
  f('GUEST_DS_AR_BYTES', 0x481a, GREG, '25.4.1', [], 'Guest DS access rights: access rights: type 3:0, S 4, DPL 6:5, P 7, AVL 12, L 13, D/B 14, G 15, unusable 16; 11:8 and 31:17 reserved'),
  f('GUEST_FS_AR_BYTES', 0x481c, GREG, '25.4.1', [], 'Guest FS access rights: access rights: type 3:0, S 4, DPL 6:5, P 7, AVL 12, L 13, D/B 14, G 15, unusable 16; 11:8 and 31:17 reserved'),
  f('GUEST_GS_AR_BYTES', 0x481e, GREG, '25.4.1', [], 'Guest GS access rights: access rights: type 3:0, S 4, DPL 6:5, P 7, AVL 12, L 13, D/B 14, G 15, unusable 16; 11:8 and 31:17 reserved'),
  f('GUEST_LDTR_AR_BYTES', 0x4820, GREG, '25.4.1', [], 'Guest LDTR access rights: access rights: type 3:0, S 4, DPL 6:5, P 7, AVL 12, L 13, D/B 14, G 15, unusable 16; 11:8 and 31:17 reserved'),
  f('GUEST_TR_AR_BYTES', 0x4822, GREG, '25.4.1', [], 'Guest TR access rights: access rights: type 3:0, S 4, DPL 6:5, P 7, AVL 12, L 13, D/B 14, G 15, unusable 16; 11:8 and 31:17 reserved'),
  f('GUEST_INTERRUPTIBILITY_INFO', 0x4824, GNR, '25.4.2', [], 'bit0 blocking by STI, bit1 by MOV SS, bit2 by SMI, bit3 by NMI, bit4 enclave interruption'),
  f('GUEST_ACTIVITY_STATE', 0x4826, GNR, '25.4.2', [], '0 active, 1 HLT, 2 shutdown, 3 wait-for-SIPI'),
  f('GUEST_SMBASE', 0x4828, GREG, '25.4.1', [], 'SMM dual-monitor only'),
  f('GUEST_SYSENTER_CS', 0x482a, GREG, '25.4.1', [], 'always loaded on entry / saved on exit'),
  f('VMX_PREEMPTION_TIMER_VALUE', 0x482e, GNR, '25.4.2', [pin(6)], 'pin \'activate VMX-preemption timer\'; saved if exit \'save VMX-preemption timer value\''),
  f('HOST_IA32_SYSENTER_CS', 0x4c00, HOST, '25.5', [], 'Host SYSENTER_CS'),
  f('CR0_GUEST_HOST_MASK', 0x6000, EXEC, '25.6.6', [], '1 = bit owned by host; guest writes that change owned bits vs shadow cause exit'),
  f('CR4_GUEST_HOST_MASK', 0x6002, EXEC, '25.6.6', [], 'Host CR4_GUEST_HOST_MASK'),
  f('CR0_READ_SHADOW', 0x6004, EXEC, '25.6.6', [], 'value guest reads for host-owned bits'),
  f('CR4_READ_SHADOW', 0x6006, EXEC, '25.6.6', [], 'Host CR4_READ_SHADOW'),
  f('CR3_TARGET_VALUE0', 0x6008, EXEC, '25.6.7', [], 'MOV to CR3 of a target value does not exit'),
  f('CR3_TARGET_VALUE1', 0x600a, EXEC, '25.6.7', [], 'Host CR3_TARGET_VALUE1'),
  f('CR3_TARGET_VALUE2', 0x600c, EXEC, '25.6.7', [], 'Host CR3_TARGET_VALUE2'),
  f('CR3_TARGET_VALUE3', 0x600e, EXEC, '25.6.7', [], 'further targets (if MISC reports >4) would follow consecutively'),
  f('EXIT_QUALIFICATION', 0x6400, EXIT_INFO, '25.9.1', [], 'per-reason exit qualification'),
  f('IO_RCX', 0x6402, EXIT_INFO, '25.9.4', [], 'SMI-during-I/O (dual-monitor) only'),
  f('IO_RSI', 0x6404, EXIT_INFO, '25.9.4', [], 'SMM only'),
  f('IO_RDI', 0x6406, EXIT_INFO, '25.9.4', [], 'SMM only'),
  f('IO_RIP', 0x6408, EXIT_INFO, '25.9.4', [], 'SMM only'),
  f('GUEST_LINEAR_ADDRESS', 0x640a, EXIT_INFO, '25.9.1', [], 'linear address for INS/OUTS, EPT violation (if valid), APIC access etc'),
  f('GUEST_CR0', 0x6800, GREG, '25.4.1', [], 'Guest CR0'),
  f('GUEST_CR3', 0x6802, GREG, '25.4.1', [], 'Guest CR3'),
  f('GUEST_CR4', 0x6804, GREG, '25.4.1', [], 'Guest CR4'),
  f('GUEST_ES_BASE', 0x6806, GREG, '25.4.1', [], 'Guest ES base address'),
  f('GUEST_CS_BASE', 0x6808, GREG, '25.4.1', [], 'Guest CS base address'),
  f('GUEST_SS_BASE', 0x680a, GREG, '25.4.1', [], 'Guest SS base address'),
  f('GUEST_DS_BASE', 0x680c, GREG, '25.4.1', [], 'Guest DS base address'),
  f('GUEST_FS_BASE', 0x680e, GREG, '25.4.1', [], 'Guest FS base address'),
  f('GUEST_GS_BASE', 0x6810, GREG, '25.4.1', [], 'Guest GS base address'),
  f('GUEST_LDTR_BASE', 0x6812, GREG, '25.4.1', [], 'Guest LDTR base address'),
  f('GUEST_TR_BASE', 0x6814, GREG, '25.4.1', [], 'Guest TR base address'),
  f('GUEST_GDTR_BASE', 0x6816, GREG, '25.4.1', [], 'Guest GDTR base address'),
  f('GUEST_IDTR_BASE', 0x6818, GREG, '25.4.1', [], 'Guest IDTR base address'),
  f('GUEST_DR7', 0x681a, GREG, '25.4.1', [], 'loaded if entry \'load debug controls\''),
  f('GUEST_RSP', 0x681c, GREG, '25.4.1', [], 'Guest RSP'),
  f('GUEST_RIP', 0x681e, GREG, '25.4.1', [], 'Guest RIP'),
  f('GUEST_RFLAGS', 0x6820, GREG, '25.4.1', [], 'Guest RFLAGS'),
  f('GUEST_PENDING_DBG_EXCEPTIONS', 0x6822, GNR, '25.4.2', [], 'B3:0 bits 3:0, enabled bp bit 12, BS bit 14, RTM bit 16'),
  f('GUEST_SYSENTER_ESP', 0x6824, GREG, '25.4.1', [], 'Guest SYSENTER_ESP'),
  f('GUEST_SYSENTER_EIP', 0x6826, GREG, '25.4.1', [], 'Guest SYSENTER_EIP'),
  f('GUEST_S_CET', 0x6828, GREG, '25.4.1', [entry(20), exit(28)], 'CET; entry \'load CET state\' (bit 20)'),
  f('GUEST_SSP', 0x682a, GREG, '25.4.1', [entry(20), exit(28)], 'CET'),
  f('GUEST_INTR_SSP_TABLE_ADDR', 0x682c, GREG, '25.4.1', [entry(20), exit(28)], 'CET'),
  f('HOST_CR0', 0x6c00, HOST, '25.5', [], 'Host CR0'),
  f('HOST_CR3', 0x6c02, HOST, '25.5', [], 'Host CR3'),
  f('HOST_CR4', 0x6c04, HOST, '25.5', [], 'Host CR4'),
  f('HOST_FS_BASE', 0x6c06, HOST, '25.5', [], 'Host FS base address'),
  f('HOST_GS_BASE', 0x6c08, HOST, '25.5', [], 'Host GS base address'),
  f('HOST_TR_BASE', 0x6c0a, HOST, '25.5', [], 'Host TR base address'),
  f('HOST_GDTR_BASE', 0x6c0c, HOST, '25.5', [], 'Host GDTR base address'),
  f('HOST_IDTR_BASE', 0x6c0e, HOST, '25.5', [], 'Host IDTR base address'),
  f('HOST_IA32_SYSENTER_ESP', 0x6c10, HOST, '25.5', [], 'Host SYSENTER_ESP'),
  f('HOST_IA32_SYSENTER_EIP', 0x6c12, HOST, '25.5', [], 'Host SYSENTER_EIP'),
  f('HOST_RSP', 0x6c14, HOST, '25.5', [], 'Host RSP'),
  f('HOST_RIP', 0x6c16, HOST, '25.5', [], 'Host RIP'),
  f('HOST_S_CET', 0x6c18, HOST, '25.5', [exit(28)], 'exit \'load CET state\' (bit 28)'),
  f('HOST_SSP', 0x6c1a, HOST, '25.5', [exit(28)], 'CET'),
  f('HOST_INTR_SSP_TABLE_ADDR', 0x6c1c, HOST, '25.5', [exit(28)], 'CET'),

] as const;

/** Every VMCS field name, as a type. */
export type VmcsFieldName = (typeof ROWS)[number]['name'];

/** Every VMCS field, in table order; `slot` = index in this array. */
export const VMCS_FIELDS: readonly VmcsFieldDef[] = ROWS.map((r, slot) => {
  const width = encWidth(r.encoding);
  const type = encType(r.encoding);
  return {
    name: r.name,
    encoding: r.encoding,
    width,
    type,
    group: r.group,
    readOnly: type === 'exit-info',
    shadowable: r.encoding < 0x8000,
    sdm: r.sdm,
    requires: r.requires,
    description: r.description,
    slot,
  };
});

export const VMCS_FIELD_COUNT = VMCS_FIELDS.length;

/** Encoding by field name: `VMCS.GUEST_RIP` = 0x681e. */
export const VMCS: { readonly [K in VmcsFieldName]: number } = Object.freeze(
  Object.fromEntries(ROWS.map((r) => [r.name, r.encoding])),
) as { readonly [K in VmcsFieldName]: number };

/**
 * Full encoding (bits 14:0) -> slot, -1 if no such field. O(1) lookup for
 * VMREAD/VMWRITE and for every internal field access (vmcs.ts).
 */
export const SLOT_BY_ENCODING: Int16Array = (() => {
  const m = new Int16Array(0x8000).fill(-1);
  for (const d of VMCS_FIELDS) {
    if (d.encoding & 1 || d.encoding >= 0x8000) throw new Error(`vmcs field table: bad encoding for ${d.name}`);
    if (m[d.encoding] !== -1) throw new Error(`vmcs field table: duplicate encoding 0x${d.encoding.toString(16)}`);
    m[d.encoding] = d.slot;
  }
  return m;
})();

const BY_NAME = new Map<string, VmcsFieldDef>(VMCS_FIELDS.map((d) => [d.name, d]));

/** The field with this full or high-access encoding, or undefined. */
export function fieldByEncoding(enc: number): VmcsFieldDef | undefined {
  if (encReservedBitsSet(enc)) return undefined;
  const slot = SLOT_BY_ENCODING[enc & ~1];
  if (slot < 0) return undefined;
  const d = VMCS_FIELDS[slot];
  if (enc & 1 && d.width !== 64) return undefined;
  return d;
}

export function fieldByName(name: string): VmcsFieldDef | undefined {
  return BY_NAME.get(name);
}

/** Name of an encoding for messages: the field name, `X_HIGH` for a high access, or hex. */
export function encodingName(enc: number): string {
  const d = fieldByEncoding(enc);
  if (!d) return `0x${(enc >>> 0).toString(16).padStart(4, '0')}`;
  return enc & 1 ? `${d.name}_HIGH` : d.name;
}

/**
 * Why an encoding is not a supported VMCS component (error 12), or null
 * if it names a field in the table. Existence on a particular CPU is a
 * separate question (VmcsProfile in vmcs.ts).
 */
export function encodingProblem(enc: number, encHi = 0): string | null {
  if (encHi !== 0) return 'bits 63:32 of the encoding operand are not 0';
  if (encReservedBitsSet(enc)) return 'reserved encoding bits (31:15 or 12) set';
  const slot = SLOT_BY_ENCODING[enc & ~1];
  if (slot < 0) return `no VMCS field has encoding 0x${(enc & ~1).toString(16).padStart(4, '0')}`;
  const d = VMCS_FIELDS[slot];
  if (enc & 1 && d.width !== 64) return `high-access encoding of ${widthName(d.width)} field ${d.name}`;
  return null;
}

/** Fields of one SDM group, in table order (the debugger's variable tree). */
export function fieldsInGroup(g: FieldGroup): VmcsFieldDef[] {
  return VMCS_FIELDS.filter((d) => d.group === g);
}

/** Highest index (encoding bits 9:1) among the given fields: IA32_VMX_VMCS_ENUM[9:1]. */
export function highestIndex(fields: readonly VmcsFieldDef[]): number {
  let m = 0;
  for (const d of fields) m = Math.max(m, encIndex(d.encoding));
  return m;
}
