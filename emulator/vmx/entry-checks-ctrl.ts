// Checks on VM-execution, VM-exit and VM-entry control fields (SDM vol 3C
// §27.2.1.1-27.2.1.3). Any failure: VMfailValid(7), nothing else changes.
// The SDM sets no order among these; ours follows the SDM's text order.
// Capabilities are those reported to the VMCS's owner (VmxCaps).

import { check, EntryCheckDef, EntryCheckRun, EntryCheckFailure } from './entry-checks-types';
import { VMCS } from './fields';
import { PIN, PRIMARY, SECONDARY, TERTIARY, EXIT, ENTRY, VMFUNC, ControlWord, controlViolations, nameBits, controlCapabilityMsr } from './controls';
import { beyondPhys, hex, hex64, toNumber } from './bits';

const F = VMCS;
/** Gate of the checks that only matter when an event is injected (VM-entry interruption information bit 31). */
const INJECT: readonly ['inject', number] = ['inject', 0x80000000];
type R = EntryCheckFailure | null;

// ---- helpers ----

function msrName(n: number): string {
  return '0x' + n.toString(16);
}

/** Allowed-0/allowed-1 violation of a 32-bit control word. */
function ctl32(x: EntryCheckRun, word: ControlWord, field: string, value: number, a0: number, a1: number): R {
  const bad = controlViolations(value, a0, a1);
  if (!bad) return null;
  const must1 = (a0 & ~value) >>> 0;
  const must0 = (value & ~a1) >>> 0;
  const parts: string[] = [];
  if (must1) parts.push(`${nameBits(word, must1)} must be 1`);
  if (must0) parts.push(`${nameBits(word, must0)} must be 0`);
  const msr = controlCapabilityMsr(word, x.caps.trueCtls);
  return x.fail(field, hex(value), `bits ${hex(a0)} set, no bits outside ${hex(a1)} (capability MSR ${msrName(msr)}); offending: ${parts.join('; ')}`);
}

/** A 64-bit control word with an allowed-1 mask only. */
function ctl64(x: EntryCheckRun, word: ControlWord, field: string, lo: number, hi: number, a1Lo: number, a1Hi: number): R {
  const badLo = (lo & ~a1Lo) >>> 0;
  const badHi = (hi & ~a1Hi) >>> 0;
  if (!badLo && !badHi) return null;
  const msr = controlCapabilityMsr(word, x.caps.trueCtls);
  return x.fail(field, hex64(lo, hi), `no bits outside ${hex64(a1Lo, a1Hi)} (capability MSR ${msrName(msr)}); offending: ${nameBits(word, badLo, badHi)} must be 0`);
}

/** An address field that must be aligned and below 2^MAXPHYADDR. */
function addr(x: EntryCheckRun, name: string, enc: number, align: number, why: string): R {
  const lo = x.lo(enc);
  const hi = x.hi(enc);
  if ((lo & (align - 1)) === 0 && !beyondPhys(lo, hi, x.caps.physAddrBits)) return null;
  return x.fail(name, hex64(lo, hi), `${align}-byte aligned, below 2^${x.caps.physAddrBits} (MAXPHYADDR) because ${why}`);
}

/** A control that needs another control (named in `what`) which is missing. */
function requires(x: EntryCheckRun, field: string, value: number, what: string, relatedField: string, relatedValue: number): R {
  return x.fail(field, hex(value), what, { related: [{ field: relatedField, value: hex(relatedValue) }] });
}

/** MSR-store/load area: count > 0 -> 16-byte aligned and the last byte below 2^MAXPHYADDR (SDM 27.2.1.2, 27.2.1.3). */
function msrArea(x: EntryCheckRun, countName: string, countEnc: number, addrName: string, addrEnc: number): R {
  const count = x.lo(countEnc);
  if (count === 0) return null;
  const lo = x.lo(addrEnc);
  const hi = x.hi(addrEnc);
  const max = x.caps.physAddrBits;
  const end = toNumber(lo, hi) + count * 16 - 1;
  if ((lo & 15) === 0 && !beyondPhys(lo, hi, max) && end < 2 ** max) return null;
  return x.fail(addrName, hex64(lo, hi), `16-byte aligned with the area (${count} entries of 16 bytes) ending below 2^${max} (MAXPHYADDR)`, {
    related: [{ field: countName, value: String(count) }],
  });
}

const has = (v: number, m: number) => (v & m) !== 0;

// ---- 27.2.1.1 VM-execution control fields ----

/** CTRL-PIN-RSVD — SDM 27.2.1.1: pin-based controls within IA32_VMX_(TRUE_)PINBASED_CTLS. */
function ctrlPinRsvd(x: EntryCheckRun): R {
  return ctl32(x, 'pin', 'PIN_BASED_VM_EXEC_CONTROL', x.pin, x.caps.pin0, x.caps.pin1);
}

/** CTRL-PROC-RSVD — SDM 27.2.1.1: primary controls within IA32_VMX_(TRUE_)PROCBASED_CTLS. */
function ctrlProcRsvd(x: EntryCheckRun): R {
  return ctl32(x, 'primary', 'CPU_BASED_VM_EXEC_CONTROL', x.proc, x.caps.proc0, x.caps.proc1);
}

/** CTRL-PROC2-RSVD — SDM 27.2.1.1: secondary controls within IA32_VMX_PROCBASED_CTLS2 (if primary bit 31). */
function ctrlProc2Rsvd(x: EntryCheckRun): R {
  if (!has(x.proc, PRIMARY.ACTIVATE_SECONDARY_CONTROLS)) return null;
  return ctl32(x, 'secondary', 'SECONDARY_VM_EXEC_CONTROL', x.sec, x.caps.proc2_0, x.caps.proc2_1);
}

/** CTRL-PROC3-RSVD — SDM 27.2.1.1: tertiary controls within IA32_VMX_PROCBASED_CTLS3 (if primary bit 17). */
function ctrlProc3Rsvd(x: EntryCheckRun): R {
  if (!has(x.proc, PRIMARY.ACTIVATE_TERTIARY_CONTROLS)) return null;
  return ctl64(x, 'tertiary', 'TERTIARY_VM_EXEC_CONTROL', x.terLo, x.terHi, x.caps.proc3Lo, x.caps.proc3Hi);
}

/** CTRL-CR3-TARGET-COUNT — SDM 27.2.1.1: CR3-target count <= IA32_VMX_MISC[24:16]. */
function ctrlCr3TargetCount(x: EntryCheckRun): R {
  const n = x.lo(F.CR3_TARGET_COUNT);
  const max = (x.caps.miscLo >>> 16) & 0x1ff;
  if (n <= max) return null;
  return x.fail('CR3_TARGET_COUNT', String(n), `0..${max} (IA32_VMX_MISC[24:16])`);
}

/** CTRL-IO-BITMAP-ADDR — SDM 27.2.1.1: with 'use I/O bitmaps', both bitmap addresses 4K aligned within MAXPHYADDR. */
function ctrlIoBitmapAddr(x: EntryCheckRun): R {
  if (!has(x.proc, PRIMARY.USE_IO_BITMAPS)) return null;
  return addr(x, 'IO_BITMAP_A', F.IO_BITMAP_A, 4096, "'use I/O bitmaps' = 1") ?? addr(x, 'IO_BITMAP_B', F.IO_BITMAP_B, 4096, "'use I/O bitmaps' = 1");
}

/** CTRL-MSR-BITMAP-ADDR — SDM 27.2.1.1: with 'use MSR bitmaps', MSR-bitmap address 4K aligned within MAXPHYADDR. */
function ctrlMsrBitmapAddr(x: EntryCheckRun): R {
  if (!has(x.proc, PRIMARY.USE_MSR_BITMAPS)) return null;
  return addr(x, 'MSR_BITMAP', F.MSR_BITMAP, 4096, "'use MSR bitmaps' = 1");
}

/** CTRL-VAPIC-ADDR — SDM 27.2.1.1: with 'use TPR shadow', virtual-APIC address 4K aligned within MAXPHYADDR. */
function ctrlVapicAddr(x: EntryCheckRun): R {
  if (!has(x.proc, PRIMARY.USE_TPR_SHADOW)) return null;
  return addr(x, 'VIRTUAL_APIC_PAGE_ADDR', F.VIRTUAL_APIC_PAGE_ADDR, 4096, "'use TPR shadow' = 1");
}

/** CTRL-TPR-THRESHOLD-RSVD — SDM 27.2.1.1: TPR shadow without virtual-interrupt delivery: TPR threshold bits 31:4 = 0. */
function ctrlTprThresholdRsvd(x: EntryCheckRun): R {
  if (!has(x.proc, PRIMARY.USE_TPR_SHADOW) || has(x.sec, SECONDARY.VIRTUAL_INTERRUPT_DELIVERY)) return null;
  const t = x.lo(F.TPR_THRESHOLD);
  if ((t & 0xfffffff0) === 0) return null;
  return x.fail('TPR_THRESHOLD', hex(t), "0x0-0xf (bits 31:4 must be 0 when 'use TPR shadow' = 1 and 'virtual-interrupt delivery' = 0)");
}

/** CTRL-TPR-THRESHOLD-VTPR — SDM 27.2.1.1: TPR threshold[3:0] <= VTPR[7:4] (byte 0x80 of the virtual-APIC page). */
function ctrlTprThresholdVtpr(x: EntryCheckRun): R {
  if (!has(x.proc, PRIMARY.USE_TPR_SHADOW)) return null;
  if (has(x.sec, SECONDARY.VIRTUALIZE_APIC_ACCESSES | SECONDARY.VIRTUAL_INTERRUPT_DELIVERY)) return null;
  const t = x.lo(F.TPR_THRESHOLD) & 15;
  const vapic = toNumber(x.lo(F.VIRTUAL_APIC_PAGE_ADDR), x.hi(F.VIRTUAL_APIC_PAGE_ADDR));
  const vtpr = x.ctx.readPhys(vapic + 0x80, 1) & 0xff;
  if (t <= vtpr >>> 4) return null;
  return x.fail('TPR_THRESHOLD', hex(x.lo(F.TPR_THRESHOLD)), `bits 3:0 <= VTPR[7:4] = ${vtpr >>> 4}`, {
    related: [{ field: 'VTPR (virtual-APIC page + 0x80)', value: hex(vtpr) }, { field: 'VIRTUAL_APIC_PAGE_ADDR', value: x.hex(F.VIRTUAL_APIC_PAGE_ADDR) }],
  });
}

/** CTRL-NMI-VNMI — SDM 27.2.1.1: 'virtual NMIs' requires 'NMI exiting'. */
function ctrlNmiVnmi(x: EntryCheckRun): R {
  if (!has(x.pin, PIN.VIRTUAL_NMIS) || has(x.pin, PIN.NMI_EXITING)) return null;
  return x.fail('PIN_BASED_VM_EXEC_CONTROL', hex(x.pin), "VIRTUAL_NMIS (bit 5) only with NMI_EXITING (bit 3)");
}

/** CTRL-VNMI-NMIWIN — SDM 27.2.1.1: 'NMI-window exiting' requires 'virtual NMIs'. */
function ctrlVnmiNmiwin(x: EntryCheckRun): R {
  if (!has(x.proc, PRIMARY.NMI_WINDOW_EXITING) || has(x.pin, PIN.VIRTUAL_NMIS)) return null;
  return requires(x, 'CPU_BASED_VM_EXEC_CONTROL', x.proc, 'NMI_WINDOW_EXITING (bit 22) only with pin-based VIRTUAL_NMIS (bit 5)', 'PIN_BASED_VM_EXEC_CONTROL', x.pin);
}

/** CTRL-APIC-ACCESS-ADDR — SDM 27.2.1.1: with 'virtualize APIC accesses', APIC-access address 4K aligned within MAXPHYADDR. */
function ctrlApicAccessAddr(x: EntryCheckRun): R {
  if (!has(x.sec, SECONDARY.VIRTUALIZE_APIC_ACCESSES)) return null;
  return addr(x, 'APIC_ACCESS_ADDR', F.APIC_ACCESS_ADDR, 4096, "'virtualize APIC accesses' = 1");
}

/** CTRL-X2APIC-NEEDS-TPR — SDM 27.2.1.1: 'virtualize x2APIC mode' requires 'use TPR shadow'. */
function ctrlX2apicNeedsTpr(x: EntryCheckRun): R {
  if (!has(x.sec, SECONDARY.VIRTUALIZE_X2APIC_MODE) || has(x.proc, PRIMARY.USE_TPR_SHADOW)) return null;
  return requires(x, 'SECONDARY_VM_EXEC_CONTROL', x.sec, 'VIRTUALIZE_X2APIC_MODE (bit 4) only with primary USE_TPR_SHADOW (bit 21)', 'CPU_BASED_VM_EXEC_CONTROL', x.proc);
}

/** CTRL-APICREG-NEEDS-TPR — SDM 27.2.1.1: 'APIC-register virtualization' requires 'use TPR shadow'. */
function ctrlApicregNeedsTpr(x: EntryCheckRun): R {
  if (!has(x.sec, SECONDARY.APIC_REGISTER_VIRTUALIZATION) || has(x.proc, PRIMARY.USE_TPR_SHADOW)) return null;
  return requires(x, 'SECONDARY_VM_EXEC_CONTROL', x.sec, 'APIC_REGISTER_VIRTUALIZATION (bit 8) only with primary USE_TPR_SHADOW (bit 21)', 'CPU_BASED_VM_EXEC_CONTROL', x.proc);
}

/** CTRL-VID-NEEDS-TPR — SDM 27.2.1.1: 'virtual-interrupt delivery' requires 'use TPR shadow'. */
function ctrlVidNeedsTpr(x: EntryCheckRun): R {
  if (!has(x.sec, SECONDARY.VIRTUAL_INTERRUPT_DELIVERY) || has(x.proc, PRIMARY.USE_TPR_SHADOW)) return null;
  return requires(x, 'SECONDARY_VM_EXEC_CONTROL', x.sec, 'VIRTUAL_INTERRUPT_DELIVERY (bit 9) only with primary USE_TPR_SHADOW (bit 21)', 'CPU_BASED_VM_EXEC_CONTROL', x.proc);
}

/** CTRL-X2APIC-VS-APICACCESS — SDM 27.2.1.1: 'virtualize x2APIC mode' and 'virtualize APIC accesses' not both 1. */
function ctrlX2apicVsApicaccess(x: EntryCheckRun): R {
  const both = SECONDARY.VIRTUALIZE_X2APIC_MODE | SECONDARY.VIRTUALIZE_APIC_ACCESSES;
  if ((x.sec & both) !== both) return null;
  return x.fail('SECONDARY_VM_EXEC_CONTROL', hex(x.sec), 'at most one of VIRTUALIZE_X2APIC_MODE (bit 4) and VIRTUALIZE_APIC_ACCESSES (bit 0)');
}

/** CTRL-VID-NEEDS-EXTINT-EXIT — SDM 27.2.1.1: 'virtual-interrupt delivery' requires 'external-interrupt exiting'. */
function ctrlVidNeedsExtintExit(x: EntryCheckRun): R {
  if (!has(x.sec, SECONDARY.VIRTUAL_INTERRUPT_DELIVERY) || has(x.pin, PIN.EXTERNAL_INTERRUPT_EXITING)) return null;
  return requires(x, 'SECONDARY_VM_EXEC_CONTROL', x.sec, 'VIRTUAL_INTERRUPT_DELIVERY (bit 9) only with pin-based EXTERNAL_INTERRUPT_EXITING (bit 0)', 'PIN_BASED_VM_EXEC_CONTROL', x.pin);
}

/** CTRL-PI-NEEDS-VID — SDM 27.2.1.1: 'process posted interrupts' requires 'virtual-interrupt delivery'. */
function ctrlPiNeedsVid(x: EntryCheckRun): R {
  if (!has(x.pin, PIN.PROCESS_POSTED_INTERRUPTS) || has(x.sec, SECONDARY.VIRTUAL_INTERRUPT_DELIVERY)) return null;
  return requires(x, 'PIN_BASED_VM_EXEC_CONTROL', x.pin, 'PROCESS_POSTED_INTERRUPTS (bit 7) only with secondary VIRTUAL_INTERRUPT_DELIVERY (bit 9)', 'SECONDARY_VM_EXEC_CONTROL', x.sec);
}

/** CTRL-PI-NEEDS-ACK — SDM 27.2.1.1: 'process posted interrupts' requires exit control 'acknowledge interrupt on exit'. */
function ctrlPiNeedsAck(x: EntryCheckRun): R {
  if (!has(x.pin, PIN.PROCESS_POSTED_INTERRUPTS) || has(x.exit, EXIT.ACKNOWLEDGE_INTERRUPT_ON_EXIT)) return null;
  return requires(x, 'PIN_BASED_VM_EXEC_CONTROL', x.pin, 'PROCESS_POSTED_INTERRUPTS (bit 7) only with exit control ACKNOWLEDGE_INTERRUPT_ON_EXIT (bit 15)', 'VM_EXIT_CONTROLS', x.exit);
}

/** CTRL-PI-VECTOR — SDM 27.2.1.1: posted-interrupt notification vector bits 15:8 = 0. */
function ctrlPiVector(x: EntryCheckRun): R {
  if (!has(x.pin, PIN.PROCESS_POSTED_INTERRUPTS)) return null;
  const nv = x.lo(F.POSTED_INTR_NV);
  if ((nv & 0xff00) === 0) return null;
  return x.fail('POSTED_INTR_NV', hex(nv), '0x00-0xff (bits 15:8 must be 0)');
}

/** CTRL-PI-DESC-ADDR — SDM 27.2.1.1: posted-interrupt descriptor 64-byte aligned within MAXPHYADDR. */
function ctrlPiDescAddr(x: EntryCheckRun): R {
  if (!has(x.pin, PIN.PROCESS_POSTED_INTERRUPTS)) return null;
  return addr(x, 'POSTED_INTR_DESC_ADDR', F.POSTED_INTR_DESC_ADDR, 64, "'process posted interrupts' = 1");
}

/** CTRL-VPID-ZERO — SDM 27.2.1.1: with 'enable VPID', VPID != 0. */
function ctrlVpidZero(x: EntryCheckRun): R {
  if (!has(x.sec, SECONDARY.ENABLE_VPID) || x.lo(F.VIRTUAL_PROCESSOR_ID) !== 0) return null;
  return x.fail('VIRTUAL_PROCESSOR_ID', '0x0', "1-0xffff ('enable VPID' = 1; VPID 0 belongs to VMX root)");
}

/** CTRL-EPTP-MEMTYPE — SDM 27.2.1.1: EPTP[2:0] = 0 (UC, cap bit 8) or 6 (WB, cap bit 14). */
function ctrlEptpMemtype(x: EntryCheckRun): R {
  if (!x.ept) return null;
  const t = x.lo(F.EPT_POINTER) & 7;
  const uc = (x.caps.eptVpidLo >>> 8) & 1;
  const wb = (x.caps.eptVpidLo >>> 14) & 1;
  if ((t === 0 && uc) || (t === 6 && wb)) return null;
  const ok = [uc ? '0 (UC)' : '', wb ? '6 (WB)' : ''].filter(Boolean).join(' or ') || 'none (IA32_VMX_EPT_VPID_CAP reports no EPT memory type)';
  return x.fail('EPT_POINTER', x.hex(F.EPT_POINTER), `bits 2:0 (memory type ${t}) must be ${ok}`);
}

/** CTRL-EPTP-WALK — SDM 27.2.1.1: EPTP[5:3] = page-walk length - 1: 3 (cap bit 6) or 4 (cap bit 7). */
function ctrlEptpWalk(x: EntryCheckRun): R {
  if (!x.ept) return null;
  const w = (x.lo(F.EPT_POINTER) >>> 3) & 7;
  const four = (x.caps.eptVpidLo >>> 6) & 1;
  const five = (x.caps.eptVpidLo >>> 7) & 1;
  if ((w === 3 && four) || (w === 4 && five)) return null;
  const ok = [four ? '3 (4-level)' : '', five ? '4 (5-level)' : ''].filter(Boolean).join(' or ') || 'none supported';
  return x.fail('EPT_POINTER', x.hex(F.EPT_POINTER), `bits 5:3 (walk length - 1 = ${w}) must be ${ok}`);
}

/** CTRL-EPTP-AD — SDM 27.2.1.1: EPTP bit 6 (A/D flags) only if IA32_VMX_EPT_VPID_CAP[21]. */
function ctrlEptpAd(x: EntryCheckRun): R {
  if (!x.ept || !(x.lo(F.EPT_POINTER) & 0x40) || (x.caps.eptVpidLo >>> 21) & 1) return null;
  return x.fail('EPT_POINTER', x.hex(F.EPT_POINTER), 'bit 6 (enable accessed/dirty flags) = 0: IA32_VMX_EPT_VPID_CAP[21] = 0');
}

/** CTRL-EPTP-SSS — SDM 27.2.1.1: EPTP bit 7 (supervisor shadow-stack control) only if IA32_VMX_EPT_VPID_CAP[23]. */
function ctrlEptpSss(x: EntryCheckRun): R {
  if (!x.ept || !(x.lo(F.EPT_POINTER) & 0x80) || (x.caps.eptVpidLo >>> 23) & 1) return null;
  return x.fail('EPT_POINTER', x.hex(F.EPT_POINTER), 'bit 7 (supervisor shadow-stack control) = 0: IA32_VMX_EPT_VPID_CAP[23] = 0');
}

/** CTRL-EPTP-RSVD — SDM 27.2.1.1: EPTP bits 11:8 = 0 and no bits at or above MAXPHYADDR. */
function ctrlEptpRsvd(x: EntryCheckRun): R {
  if (!x.ept) return null;
  const lo = x.lo(F.EPT_POINTER);
  const hi = x.hi(F.EPT_POINTER);
  if (((lo >>> 8) & 15) === 0 && !beyondPhys(lo, hi, x.caps.physAddrBits)) return null;
  return x.fail('EPT_POINTER', hex64(lo, hi), `bits 11:8 = 0 and bits 63:${x.caps.physAddrBits} = 0`);
}

/** CTRL-PML-NEEDS-EPT — SDM 27.2.1.1: 'enable PML' requires 'enable EPT'. */
function ctrlPmlNeedsEpt(x: EntryCheckRun): R {
  if (!has(x.sec, SECONDARY.ENABLE_PML) || x.ept) return null;
  return x.fail('SECONDARY_VM_EXEC_CONTROL', hex(x.sec), 'ENABLE_PML (bit 17) only with ENABLE_EPT (bit 1)');
}

/** CTRL-PML-ADDR — SDM 27.2.1.1: PML address 4K aligned within MAXPHYADDR. */
function ctrlPmlAddr(x: EntryCheckRun): R {
  if (!has(x.sec, SECONDARY.ENABLE_PML)) return null;
  return addr(x, 'PML_ADDRESS', F.PML_ADDRESS, 4096, "'enable PML' = 1");
}

/** CTRL-UG-NEEDS-EPT — SDM 27.2.1.1: 'unrestricted guest' requires 'enable EPT'. */
function ctrlUgNeedsEpt(x: EntryCheckRun): R {
  if (!x.ug || x.ept) return null;
  return x.fail('SECONDARY_VM_EXEC_CONTROL', hex(x.sec), 'UNRESTRICTED_GUEST (bit 7) only with ENABLE_EPT (bit 1)');
}

/** CTRL-SPP-NEEDS-EPT — SDM 27.2.1.1: 'sub-page write permissions' requires 'enable EPT'. */
function ctrlSppNeedsEpt(x: EntryCheckRun): R {
  if (!has(x.sec, SECONDARY.SUBPAGE_WRITE_PERMISSIONS) || x.ept) return null;
  return x.fail('SECONDARY_VM_EXEC_CONTROL', hex(x.sec), 'SUBPAGE_WRITE_PERMISSIONS (bit 23) only with ENABLE_EPT (bit 1)');
}

/** CTRL-SPPTP — SDM 27.2.1.1: SPPTP bits 11:0 = 0 and within MAXPHYADDR. */
function ctrlSpptp(x: EntryCheckRun): R {
  if (!has(x.sec, SECONDARY.SUBPAGE_WRITE_PERMISSIONS)) return null;
  return addr(x, 'SPPTP', F.SPPTP, 4096, "'sub-page write permissions for EPT' = 1");
}

/** CTRL-MBEC-NEEDS-EPT — SDM 27.2.1.1: 'mode-based execute control for EPT' requires 'enable EPT'. */
function ctrlMbecNeedsEpt(x: EntryCheckRun): R {
  if (!has(x.sec, SECONDARY.MODE_BASED_EPT_EXECUTE) || x.ept) return null;
  return x.fail('SECONDARY_VM_EXEC_CONTROL', hex(x.sec), 'MODE_BASED_EPT_EXECUTE (bit 22) only with ENABLE_EPT (bit 1)');
}

/** CTRL-PT-GPA — SDM 27.2.1.1: 'Intel PT uses guest physical addresses' requires EPT, entry 'load IA32_RTIT_CTL' and exit 'clear IA32_RTIT_CTL'. */
function ctrlPtGpa(x: EntryCheckRun): R {
  if (!has(x.sec, SECONDARY.PT_USES_GUEST_PHYSICAL)) return null;
  if (x.ept && has(x.entry, ENTRY.LOAD_IA32_RTIT_CTL) && has(x.exit, EXIT.CLEAR_IA32_RTIT_CTL)) return null;
  return x.fail('SECONDARY_VM_EXEC_CONTROL', hex(x.sec), 'PT_USES_GUEST_PHYSICAL (bit 24) only with ENABLE_EPT (bit 1), entry LOAD_IA32_RTIT_CTL (bit 18) and exit CLEAR_IA32_RTIT_CTL (bit 25)', {
    related: [{ field: 'VM_ENTRY_CONTROLS', value: hex(x.entry) }, { field: 'VM_EXIT_CONTROLS', value: hex(x.exit) }],
  });
}

/** CTRL-VMFUNC-RSVD — SDM 27.2.1.1: VM-function controls within IA32_VMX_VMFUNC. */
function ctrlVmfuncRsvd(x: EntryCheckRun): R {
  if (!has(x.sec, SECONDARY.ENABLE_VM_FUNCTIONS)) return null;
  return ctl64(x, 'vmfunc', 'VM_FUNCTION_CONTROL', x.lo(F.VM_FUNCTION_CONTROL), x.hi(F.VM_FUNCTION_CONTROL), x.caps.vmfuncLo, x.caps.vmfuncHi);
}

function eptpSwitching(x: EntryCheckRun): boolean {
  return has(x.sec, SECONDARY.ENABLE_VM_FUNCTIONS) && has(x.lo(F.VM_FUNCTION_CONTROL), VMFUNC.EPTP_SWITCHING);
}

/** CTRL-VMFUNC-EPTP-NEEDS-EPT — SDM 27.2.1.1: EPTP switching requires 'enable EPT'. */
function ctrlVmfuncEptpNeedsEpt(x: EntryCheckRun): R {
  if (!eptpSwitching(x) || x.ept) return null;
  return requires(x, 'VM_FUNCTION_CONTROL', x.lo(F.VM_FUNCTION_CONTROL), 'EPTP_SWITCHING (bit 0) only with secondary ENABLE_EPT (bit 1)', 'SECONDARY_VM_EXEC_CONTROL', x.sec);
}

/** CTRL-EPTP-LIST-ADDR — SDM 27.2.1.1: with EPTP switching, EPTP-list address 4K aligned within MAXPHYADDR. */
function ctrlEptpListAddr(x: EntryCheckRun): R {
  if (!eptpSwitching(x)) return null;
  return addr(x, 'EPTP_LIST_ADDRESS', F.EPTP_LIST_ADDRESS, 4096, 'EPTP switching is enabled');
}

/** CTRL-VMCS-SHADOW-BITMAPS — SDM 27.2.1.1: with 'VMCS shadowing', VMREAD/VMWRITE bitmaps 4K aligned within MAXPHYADDR. */
function ctrlVmcsShadowBitmaps(x: EntryCheckRun): R {
  if (!has(x.sec, SECONDARY.VMCS_SHADOWING)) return null;
  return addr(x, 'VMREAD_BITMAP', F.VMREAD_BITMAP, 4096, "'VMCS shadowing' = 1") ?? addr(x, 'VMWRITE_BITMAP', F.VMWRITE_BITMAP, 4096, "'VMCS shadowing' = 1");
}

/** CTRL-VE-INFO-ADDR — SDM 27.2.1.1: with 'EPT-violation #VE', #VE information address 4K aligned within MAXPHYADDR. */
function ctrlVeInfoAddr(x: EntryCheckRun): R {
  if (!has(x.sec, SECONDARY.EPT_VIOLATION_VE)) return null;
  return addr(x, 'VE_INFORMATION_ADDRESS', F.VE_INFORMATION_ADDRESS, 4096, "'EPT-violation #VE' = 1");
}

/**
 * CTRL-HLAT — SDM 27.2.1.1 (verify): 'enable HLAT' requires 'enable EPT', an
 * HLATP with bits 11:0 other than 3 (PWT) and 4 (PCD) clear and within
 * MAXPHYADDR, and a prefix size no larger than IA32_VMX_EPT_VPID_CAP[53:48].
 */
function ctrlHlat(x: EntryCheckRun): R {
  if (!has(x.terLo, TERTIARY.ENABLE_HLAT)) return null;
  if (!x.ept) {
    return requires(x, 'TERTIARY_VM_EXEC_CONTROL', x.terLo, 'ENABLE_HLAT (bit 1) only with secondary ENABLE_EPT (bit 1)', 'SECONDARY_VM_EXEC_CONTROL', x.sec);
  }
  const lo = x.lo(F.HLAT_POINTER);
  const hi = x.hi(F.HLAT_POINTER);
  if (lo & 0xfe7 || beyondPhys(lo, hi, x.caps.physAddrBits)) {
    return x.fail('HLAT_POINTER', hex64(lo, hi), `bits 11:5 and 2:0 = 0, below 2^${x.caps.physAddrBits} (MAXPHYADDR)`);
  }
  const max = (x.caps.eptVpidHi >>> 16) & 0x3f;
  const size = x.lo(F.HLAT_PREFIX_SIZE);
  if (size > max) return x.fail('HLAT_PREFIX_SIZE', String(size), `0..${max} (IA32_VMX_EPT_VPID_CAP[53:48])`);
  return null;
}

/** CTRL-EPT-PW-NEEDS-EPT — SDM 27.2.1.1 (verify): 'EPT paging-write control' and 'guest-paging verification' require 'enable EPT'. */
function ctrlEptPwNeedsEpt(x: EntryCheckRun): R {
  if (!has(x.terLo, TERTIARY.EPT_PAGING_WRITE_CONTROL | TERTIARY.GUEST_PAGING_VERIFICATION) || x.ept) return null;
  return requires(x, 'TERTIARY_VM_EXEC_CONTROL', x.terLo, 'EPT_PAGING_WRITE_CONTROL (bit 2) and GUEST_PAGING_VERIFICATION (bit 3) only with secondary ENABLE_EPT (bit 1)', 'SECONDARY_VM_EXEC_CONTROL', x.sec);
}

/**
 * CTRL-IPIV — SDM 27.2.1.1 (verify): with 'IPI virtualization', the
 * PID-pointer table address is 8-byte aligned within MAXPHYADDR. (The
 * TSV's "other prerequisites" are not checked: the list is unverified.)
 */
function ctrlIpiv(x: EntryCheckRun): R {
  if (!has(x.terLo, TERTIARY.IPI_VIRTUALIZATION)) return null;
  return addr(x, 'PID_POINTER_TABLE', F.PID_POINTER_TABLE, 8, "'IPI virtualization' = 1");
}

/** CTRL-TSC-MULT — (Bochs; verify) with 'use TSC scaling', the TSC multiplier is not 0. */
function ctrlTscMult(x: EntryCheckRun): R {
  if (!has(x.sec, SECONDARY.USE_TSC_SCALING)) return null;
  if (x.lo(F.TSC_MULTIPLIER) !== 0 || x.hi(F.TSC_MULTIPLIER) !== 0) return null;
  return x.fail('TSC_MULTIPLIER', '0x0', "nonzero ('use TSC scaling' = 1)");
}

// ---- 27.2.1.2 VM-exit control fields ----

/** CTRL-EXIT-RSVD — SDM 27.2.1.2: VM-exit controls within IA32_VMX_(TRUE_)EXIT_CTLS. */
function ctrlExitRsvd(x: EntryCheckRun): R {
  return ctl32(x, 'exit', 'VM_EXIT_CONTROLS', x.exit, x.caps.exit0, x.caps.exit1);
}

/** CTRL-EXIT2-RSVD — SDM 27.2.1.2: secondary VM-exit controls within IA32_VMX_EXIT_CTLS2 (if exit bit 31). */
function ctrlExit2Rsvd(x: EntryCheckRun): R {
  if (!has(x.exit, EXIT.ACTIVATE_SECONDARY_CONTROLS)) return null;
  return ctl64(x, 'exit2', 'SECONDARY_VM_EXIT_CONTROLS', x.exit2Lo, x.exit2Hi, x.caps.exit2Lo, x.caps.exit2Hi);
}

/** CTRL-EXIT-PREEMPT-SAVE — SDM 27.2.1.2: 'save VMX-preemption timer value' requires 'activate VMX-preemption timer'. */
function ctrlExitPreemptSave(x: EntryCheckRun): R {
  if (!has(x.exit, EXIT.SAVE_VMX_PREEMPTION_TIMER_VALUE) || has(x.pin, PIN.ACTIVATE_VMX_PREEMPTION_TIMER)) return null;
  return requires(x, 'VM_EXIT_CONTROLS', x.exit, 'SAVE_VMX_PREEMPTION_TIMER_VALUE (bit 22) only with pin-based ACTIVATE_VMX_PREEMPTION_TIMER (bit 6)', 'PIN_BASED_VM_EXEC_CONTROL', x.pin);
}

/** CTRL-EXIT-MSR-STORE-ADDR — SDM 27.2.1.2: VM-exit MSR-store area 16-byte aligned, last byte within MAXPHYADDR. */
function ctrlExitMsrStoreAddr(x: EntryCheckRun): R {
  return msrArea(x, 'VM_EXIT_MSR_STORE_COUNT', F.VM_EXIT_MSR_STORE_COUNT, 'VM_EXIT_MSR_STORE_ADDR', F.VM_EXIT_MSR_STORE_ADDR);
}

/** CTRL-EXIT-MSR-LOAD-ADDR — SDM 27.2.1.2: VM-exit MSR-load area 16-byte aligned, last byte within MAXPHYADDR. */
function ctrlExitMsrLoadAddr(x: EntryCheckRun): R {
  return msrArea(x, 'VM_EXIT_MSR_LOAD_COUNT', F.VM_EXIT_MSR_LOAD_COUNT, 'VM_EXIT_MSR_LOAD_ADDR', F.VM_EXIT_MSR_LOAD_ADDR);
}

// ---- 27.2.1.3 VM-entry control fields ----

/** CTRL-ENTRY-RSVD — SDM 27.2.1.3: VM-entry controls within IA32_VMX_(TRUE_)ENTRY_CTLS. */
function ctrlEntryRsvd(x: EntryCheckRun): R {
  return ctl32(x, 'entry', 'VM_ENTRY_CONTROLS', x.entry, x.caps.entry0, x.caps.entry1);
}

const INTR_TYPES = ['external interrupt', 'reserved', 'NMI', 'hardware exception', 'software interrupt', 'privileged software exception', 'software exception', 'other event'];
const INTR_FIELD = 'VM_ENTRY_INTR_INFO_FIELD';
function intrValue(x: EntryCheckRun): string {
  return `${hex(x.intrInfo)} (vector ${x.injVector}, type ${x.injType} ${INTR_TYPES[x.injType]})`;
}

/** CTRL-INJ-RSVD — SDM 27.2.1.3: injection valid -> bits 30:12 = 0 (bit 13 allowed for hardware exceptions with nested-exception support, BASIC[58]). */
function ctrlInjRsvd(x: EntryCheckRun): R {
  if (!x.inject) return null;
  let rsvd = 0x7ffff000;
  if ((x.caps.basicHi >>> 26) & 1 && x.injType === 3) rsvd &= ~(1 << 13);
  if ((x.intrInfo & rsvd) === 0) return null;
  return x.fail(INTR_FIELD, intrValue(x), 'bits 30:12 = 0 when bit 31 (valid) = 1');
}

/** CTRL-INJ-TYPE — SDM 27.2.1.3: interruption type not 1 (reserved), and 7 only if 'monitor trap flag' is supported. */
function ctrlInjType(x: EntryCheckRun): R {
  if (!x.inject) return null;
  const mtf = (x.caps.proc1 & PRIMARY.MONITOR_TRAP_FLAG) !== 0;
  if (x.injType !== 1 && (x.injType !== 7 || mtf)) return null;
  return x.fail(INTR_FIELD, intrValue(x), `type (bits 10:8) in 0, 2-6${mtf ? ', 7' : ' (7 needs monitor-trap-flag support)'}`);
}

/** CTRL-INJ-NMI-VEC — SDM 27.2.1.3: type 2 (NMI) needs vector 2. */
function ctrlInjNmiVec(x: EntryCheckRun): R {
  if (!x.inject || x.injType !== 2 || x.injVector === 2) return null;
  return x.fail(INTR_FIELD, intrValue(x), 'vector 2 for type 2 (NMI)');
}

/** CTRL-INJ-HWEXC-VEC — SDM 27.2.1.3: type 3 (hardware exception) needs vector <= 31. */
function ctrlInjHwexcVec(x: EntryCheckRun): R {
  if (!x.inject || x.injType !== 3 || x.injVector <= 31) return null;
  return x.fail(INTR_FIELD, intrValue(x), 'vector 0-31 for type 3 (hardware exception)');
}

/** CTRL-INJ-OTHER-VEC — SDM 27.2.1.3: type 7 (other event) needs vector 0 (pending MTF; 1 and 2 with FRED). */
function ctrlInjOtherVec(x: EntryCheckRun): R {
  if (!x.inject || x.injType !== 7 || x.injVector === 0) return null;
  if (x.caps.fred && (x.injVector === 1 || x.injVector === 2)) return null;
  return x.fail(INTR_FIELD, intrValue(x), `vector 0 (pending MTF VM exit)${x.caps.fred ? ', 1 or 2 (FRED)' : ''} for type 7`);
}

const EC_VECTORS = (1 << 8) | (1 << 10) | (1 << 11) | (1 << 12) | (1 << 13) | (1 << 14) | (1 << 17) | (1 << 21);

/**
 * CTRL-INJ-EC-CONSISTENT — SDM 27.2.1.3: deliver-error-code (bit 11) = 1
 * exactly for hardware exceptions 8, 10-14, 17, 21 in protected mode
 * (unrestricted guest = 0 or GUEST_CR0.PE = 1). With IA32_VMX_BASIC[56] any
 * hardware exception in protected mode may have it either way; other events
 * and real-mode unrestricted guests never.
 */
function ctrlInjEcConsistent(x: EntryCheckRun): R {
  if (!x.inject) return null;
  const pe = (x.lo(F.GUEST_CR0) & 1) === 1;
  const pm = !x.ug || pe;
  const ec = (x.intrInfo >>> 11) & 1;
  const anyHw = (x.caps.basicHi >>> 24) & 1;
  const related = [{ field: 'GUEST_CR0', value: x.hex(F.GUEST_CR0) }];
  if (anyHw) {
    if (!ec || (pm && x.injType === 3)) return null;
    return x.fail(INTR_FIELD, intrValue(x), 'bit 11 (deliver error code) = 0 except for hardware exceptions in protected mode', { related });
  }
  const expected = pm && x.injType === 3 && x.injVector < 32 && ((EC_VECTORS >>> x.injVector) & 1) === 1 ? 1 : 0;
  if (ec === expected) return null;
  return x.fail(INTR_FIELD, intrValue(x), `bit 11 (deliver error code) = ${expected}${expected ? '' : ' (only hardware exceptions 8, 10-14, 17, 21 in protected mode deliver one)'}`, { related });
}

/** CTRL-INJ-EC-RSVD — SDM 27.2.1.3: an injected error code has bits 31:16 = 0. */
function ctrlInjEcRsvd(x: EntryCheckRun): R {
  if (!x.inject || !((x.intrInfo >>> 11) & 1)) return null;
  const ec = x.lo(F.VM_ENTRY_EXCEPTION_ERROR_CODE);
  if ((ec & 0xffff0000) === 0) return null;
  return x.fail('VM_ENTRY_EXCEPTION_ERROR_CODE', hex(ec), '0x0-0xffff (bits 31:16 = 0)', { related: [{ field: 'VM_ENTRY_INTR_INFO_FIELD', value: hex(x.intrInfo) }] });
}

/** CTRL-INJ-ILEN — SDM 27.2.1.3: software interrupts/exceptions need an instruction length 1-15 (0 too with IA32_VMX_MISC[30]). */
function ctrlInjIlen(x: EntryCheckRun): R {
  if (!x.inject || x.injType < 4 || x.injType > 6) return null;
  const len = x.lo(F.VM_ENTRY_INSTRUCTION_LEN);
  const zeroOk = ((x.caps.miscLo >>> 30) & 1) === 1;
  if (len <= 15 && (len !== 0 || zeroOk)) return null;
  return x.fail('VM_ENTRY_INSTRUCTION_LEN', String(len), `${zeroOk ? '0' : '1'}-15 for type ${x.injType} (${INTR_TYPES[x.injType]})`, {
    related: [{ field: 'VM_ENTRY_INTR_INFO_FIELD', value: hex(x.intrInfo) }],
  });
}

/** CTRL-ENTRY-MSR-LOAD-ADDR — SDM 27.2.1.3: VM-entry MSR-load area 16-byte aligned, last byte within MAXPHYADDR. */
function ctrlEntryMsrLoadAddr(x: EntryCheckRun): R {
  return msrArea(x, 'VM_ENTRY_MSR_LOAD_COUNT', F.VM_ENTRY_MSR_LOAD_COUNT, 'VM_ENTRY_MSR_LOAD_ADDR', F.VM_ENTRY_MSR_LOAD_ADDR);
}

/** CTRL-ENTRY-SMM-OUTSIDE — SDM 27.2.1.3: outside SMM, 'entry to SMM' and 'deactivate dual-monitor treatment' are 0. */
function ctrlEntrySmmOutside(x: EntryCheckRun): R {
  if (x.inSmm || !has(x.entry, ENTRY.ENTRY_TO_SMM | ENTRY.DEACTIVATE_DUAL_MONITOR)) return null;
  return x.fail('VM_ENTRY_CONTROLS', hex(x.entry), 'ENTRY_TO_SMM (bit 10) and DEACTIVATE_DUAL_MONITOR (bit 11) = 0 outside SMM');
}

/** CTRL-ENTRY-SMM-BOTH — SDM 27.2.1.3: 'entry to SMM' and 'deactivate dual-monitor treatment' not both 1. */
function ctrlEntrySmmBoth(x: EntryCheckRun): R {
  const both = ENTRY.ENTRY_TO_SMM | ENTRY.DEACTIVATE_DUAL_MONITOR;
  if ((x.entry & both) !== both) return null;
  return x.fail('VM_ENTRY_CONTROLS', hex(x.entry), 'not both ENTRY_TO_SMM (bit 10) and DEACTIVATE_DUAL_MONITOR (bit 11)');
}

const S1 = '27.2.1.1';
const S2 = '27.2.1.2';
const S3 = '27.2.1.3';

export const CTRL_CHECKS: readonly EntryCheckDef[] = [
  check('CTRL-PIN-RSVD', S1, 'ctrl', 'pin-based controls must respect IA32_VMX_(TRUE_)PINBASED_CTLS', ctrlPinRsvd),
  check('CTRL-PROC-RSVD', S1, 'ctrl', 'primary processor-based controls must respect IA32_VMX_(TRUE_)PROCBASED_CTLS', ctrlProcRsvd),
  check('CTRL-PROC2-RSVD', S1, 'ctrl', 'secondary controls must respect IA32_VMX_PROCBASED_CTLS2', ctrlProc2Rsvd, { gate: ['proc', PRIMARY.ACTIVATE_SECONDARY_CONTROLS] }),
  check('CTRL-PROC3-RSVD', S1, 'ctrl', 'tertiary controls must respect IA32_VMX_PROCBASED_CTLS3', ctrlProc3Rsvd, { gate: ['proc', PRIMARY.ACTIVATE_TERTIARY_CONTROLS] }),
  check('CTRL-CR3-TARGET-COUNT', S1, 'ctrl', 'CR3-target count must not exceed IA32_VMX_MISC[24:16]', ctrlCr3TargetCount),
  check('CTRL-IO-BITMAP-ADDR', S1, 'ctrl', "with 'use I/O bitmaps', I/O bitmap addresses must be 4K aligned within MAXPHYADDR", ctrlIoBitmapAddr, { gate: ['proc', PRIMARY.USE_IO_BITMAPS] }),
  check('CTRL-MSR-BITMAP-ADDR', S1, 'ctrl', "with 'use MSR bitmaps', the MSR-bitmap address must be 4K aligned within MAXPHYADDR", ctrlMsrBitmapAddr, { gate: ['proc', PRIMARY.USE_MSR_BITMAPS] }),
  check('CTRL-VAPIC-ADDR', S1, 'ctrl', "with 'use TPR shadow', the virtual-APIC address must be 4K aligned within MAXPHYADDR", ctrlVapicAddr, { gate: ['proc', PRIMARY.USE_TPR_SHADOW] }),
  check('CTRL-TPR-THRESHOLD-RSVD', S1, 'ctrl', "with 'use TPR shadow' and no virtual-interrupt delivery, TPR threshold bits 31:4 must be 0", ctrlTprThresholdRsvd, { gate: ['proc', PRIMARY.USE_TPR_SHADOW] }),
  check('CTRL-TPR-THRESHOLD-VTPR', S1, 'ctrl', 'TPR threshold bits 3:0 must not exceed VTPR bits 7:4', ctrlTprThresholdVtpr, { gate: ['proc', PRIMARY.USE_TPR_SHADOW] }),
  check('CTRL-NMI-VNMI', S1, 'ctrl', "'virtual NMIs' requires 'NMI exiting'", ctrlNmiVnmi, { gate: ['pin', PIN.VIRTUAL_NMIS] }),
  check('CTRL-VNMI-NMIWIN', S1, 'ctrl', "'NMI-window exiting' requires 'virtual NMIs'", ctrlVnmiNmiwin, { gate: ['proc', PRIMARY.NMI_WINDOW_EXITING] }),
  check('CTRL-APIC-ACCESS-ADDR', S1, 'ctrl', "with 'virtualize APIC accesses', the APIC-access address must be 4K aligned within MAXPHYADDR", ctrlApicAccessAddr, { gate: ['sec', SECONDARY.VIRTUALIZE_APIC_ACCESSES] }),
  check('CTRL-X2APIC-NEEDS-TPR', S1, 'ctrl', "'virtualize x2APIC mode' requires 'use TPR shadow'", ctrlX2apicNeedsTpr, { gate: ['sec', SECONDARY.VIRTUALIZE_X2APIC_MODE] }),
  check('CTRL-APICREG-NEEDS-TPR', S1, 'ctrl', "'APIC-register virtualization' requires 'use TPR shadow'", ctrlApicregNeedsTpr, { gate: ['sec', SECONDARY.APIC_REGISTER_VIRTUALIZATION] }),
  check('CTRL-VID-NEEDS-TPR', S1, 'ctrl', "'virtual-interrupt delivery' requires 'use TPR shadow'", ctrlVidNeedsTpr, { gate: ['sec', SECONDARY.VIRTUAL_INTERRUPT_DELIVERY] }),
  check('CTRL-X2APIC-VS-APICACCESS', S1, 'ctrl', "'virtualize x2APIC mode' and 'virtualize APIC accesses' exclude each other", ctrlX2apicVsApicaccess, { gate: ['sec', SECONDARY.VIRTUALIZE_X2APIC_MODE] }),
  check('CTRL-VID-NEEDS-EXTINT-EXIT', S1, 'ctrl', "'virtual-interrupt delivery' requires 'external-interrupt exiting'", ctrlVidNeedsExtintExit, { gate: ['sec', SECONDARY.VIRTUAL_INTERRUPT_DELIVERY] }),
  check('CTRL-PI-NEEDS-VID', S1, 'ctrl', "'process posted interrupts' requires 'virtual-interrupt delivery'", ctrlPiNeedsVid, { gate: ['pin', PIN.PROCESS_POSTED_INTERRUPTS] }),
  check('CTRL-PI-NEEDS-ACK', S1, 'ctrl', "'process posted interrupts' requires 'acknowledge interrupt on exit'", ctrlPiNeedsAck, { gate: ['pin', PIN.PROCESS_POSTED_INTERRUPTS] }),
  check('CTRL-PI-VECTOR', S1, 'ctrl', 'posted-interrupt notification vector bits 15:8 must be 0', ctrlPiVector, { gate: ['pin', PIN.PROCESS_POSTED_INTERRUPTS] }),
  check('CTRL-PI-DESC-ADDR', S1, 'ctrl', 'posted-interrupt descriptor address must be 64-byte aligned within MAXPHYADDR', ctrlPiDescAddr, { gate: ['pin', PIN.PROCESS_POSTED_INTERRUPTS] }),
  check('CTRL-VPID-ZERO', S1, 'ctrl', "with 'enable VPID', VPID must not be 0", ctrlVpidZero, { gate: ['sec', SECONDARY.ENABLE_VPID] }),
  check('CTRL-EPTP-MEMTYPE', S1, 'ctrl', 'EPTP memory type must be a supported one (UC or WB)', ctrlEptpMemtype, { gate: ['sec', SECONDARY.ENABLE_EPT] }),
  check('CTRL-EPTP-WALK', S1, 'ctrl', 'EPTP page-walk length must be a supported one (4 or 5 levels)', ctrlEptpWalk, { gate: ['sec', SECONDARY.ENABLE_EPT] }),
  check('CTRL-EPTP-AD', S1, 'ctrl', 'EPTP accessed/dirty enable needs IA32_VMX_EPT_VPID_CAP[21]', ctrlEptpAd, { gate: ['sec', SECONDARY.ENABLE_EPT] }),
  check('CTRL-EPTP-SSS', S1, 'ctrl', 'EPTP supervisor shadow-stack control needs IA32_VMX_EPT_VPID_CAP[23]', ctrlEptpSss, { gate: ['sec', SECONDARY.ENABLE_EPT] }),
  check('CTRL-EPTP-RSVD', S1, 'ctrl', 'EPTP bits 11:8 and bits beyond MAXPHYADDR must be 0', ctrlEptpRsvd, { gate: ['sec', SECONDARY.ENABLE_EPT] }),
  check('CTRL-PML-NEEDS-EPT', S1, 'ctrl', "'enable PML' requires 'enable EPT'", ctrlPmlNeedsEpt, { gate: ['sec', SECONDARY.ENABLE_PML] }),
  check('CTRL-PML-ADDR', S1, 'ctrl', 'PML address must be 4K aligned within MAXPHYADDR', ctrlPmlAddr, { gate: ['sec', SECONDARY.ENABLE_PML] }),
  check('CTRL-UG-NEEDS-EPT', S1, 'ctrl', "'unrestricted guest' requires 'enable EPT'", ctrlUgNeedsEpt, { gate: ['sec', SECONDARY.UNRESTRICTED_GUEST] }),
  check('CTRL-SPP-NEEDS-EPT', S1, 'ctrl', "'sub-page write permissions for EPT' requires 'enable EPT'", ctrlSppNeedsEpt, { gate: ['sec', SECONDARY.SUBPAGE_WRITE_PERMISSIONS] }),
  check('CTRL-SPPTP', S1, 'ctrl', 'SPPTP must be 4K aligned within MAXPHYADDR', ctrlSpptp, { gate: ['sec', SECONDARY.SUBPAGE_WRITE_PERMISSIONS] }),
  check('CTRL-MBEC-NEEDS-EPT', S1, 'ctrl', "'mode-based execute control for EPT' requires 'enable EPT'", ctrlMbecNeedsEpt, { gate: ['sec', SECONDARY.MODE_BASED_EPT_EXECUTE] }),
  check('CTRL-PT-GPA', S1, 'ctrl', "'Intel PT uses guest physical addresses' requires EPT, 'load IA32_RTIT_CTL' and 'clear IA32_RTIT_CTL'", ctrlPtGpa, { gate: ['sec', SECONDARY.PT_USES_GUEST_PHYSICAL] }),
  check('CTRL-VMFUNC-RSVD', S1, 'ctrl', 'VM-function controls must respect IA32_VMX_VMFUNC', ctrlVmfuncRsvd, { gate: ['sec', SECONDARY.ENABLE_VM_FUNCTIONS] }),
  check('CTRL-VMFUNC-EPTP-NEEDS-EPT', S1, 'ctrl', "EPTP switching requires 'enable EPT'", ctrlVmfuncEptpNeedsEpt, { gate: ['sec', SECONDARY.ENABLE_VM_FUNCTIONS] }),
  check('CTRL-EPTP-LIST-ADDR', S1, 'ctrl', 'EPTP-list address must be 4K aligned within MAXPHYADDR', ctrlEptpListAddr, { gate: ['sec', SECONDARY.ENABLE_VM_FUNCTIONS] }),
  check('CTRL-VMCS-SHADOW-BITMAPS', S1, 'ctrl', 'VMREAD/VMWRITE bitmap addresses must be 4K aligned within MAXPHYADDR', ctrlVmcsShadowBitmaps, { gate: ['sec', SECONDARY.VMCS_SHADOWING] }),
  check('CTRL-VE-INFO-ADDR', S1, 'ctrl', '#VE information address must be 4K aligned within MAXPHYADDR', ctrlVeInfoAddr, { gate: ['sec', SECONDARY.EPT_VIOLATION_VE] }),
  check('CTRL-HLAT', S1, 'ctrl', "'enable HLAT' requires EPT, a valid HLATP and a supported prefix size", ctrlHlat, { gate: ['ter', TERTIARY.ENABLE_HLAT] }),
  check('CTRL-EPT-PW-NEEDS-EPT', S1, 'ctrl', "'EPT paging-write control' / 'guest-paging verification' require 'enable EPT'", ctrlEptPwNeedsEpt, { gate: ['ter', TERTIARY.EPT_PAGING_WRITE_CONTROL | TERTIARY.GUEST_PAGING_VERIFICATION] }),
  check('CTRL-IPIV', S1, 'ctrl', 'PID-pointer table address must be 8-byte aligned within MAXPHYADDR', ctrlIpiv, { gate: ['ter', TERTIARY.IPI_VIRTUALIZATION] }),
  check('CTRL-TSC-MULT', S1, 'ctrl', "with 'use TSC scaling', the TSC multiplier must not be 0", ctrlTscMult, { gate: ['sec', SECONDARY.USE_TSC_SCALING] }),
  check('CTRL-EXIT-RSVD', S2, 'ctrl', 'VM-exit controls must respect IA32_VMX_(TRUE_)EXIT_CTLS', ctrlExitRsvd),
  check('CTRL-EXIT2-RSVD', S2, 'ctrl', 'secondary VM-exit controls must respect IA32_VMX_EXIT_CTLS2', ctrlExit2Rsvd, { gate: ['exit', EXIT.ACTIVATE_SECONDARY_CONTROLS] }),
  check('CTRL-EXIT-PREEMPT-SAVE', S2, 'ctrl', "'save VMX-preemption timer value' requires 'activate VMX-preemption timer'", ctrlExitPreemptSave, { gate: ['exit', EXIT.SAVE_VMX_PREEMPTION_TIMER_VALUE] }),
  check('CTRL-EXIT-MSR-STORE-ADDR', S2, 'ctrl', 'VM-exit MSR-store area must be 16-byte aligned and end within MAXPHYADDR', ctrlExitMsrStoreAddr),
  check('CTRL-EXIT-MSR-LOAD-ADDR', S2, 'ctrl', 'VM-exit MSR-load area must be 16-byte aligned and end within MAXPHYADDR', ctrlExitMsrLoadAddr),
  check('CTRL-ENTRY-RSVD', S3, 'ctrl', 'VM-entry controls must respect IA32_VMX_(TRUE_)ENTRY_CTLS', ctrlEntryRsvd),
  check('CTRL-INJ-RSVD', S3, 'ctrl', 'VM-entry interruption information bits 30:12 must be 0', ctrlInjRsvd, { gate: INJECT }),
  check('CTRL-INJ-TYPE', S3, 'ctrl', 'interruption type must not be 1 (or 7 without MTF support)', ctrlInjType, { gate: INJECT }),
  check('CTRL-INJ-NMI-VEC', S3, 'ctrl', 'an injected NMI must have vector 2', ctrlInjNmiVec, { gate: INJECT }),
  check('CTRL-INJ-HWEXC-VEC', S3, 'ctrl', 'an injected hardware exception must have a vector 0-31', ctrlInjHwexcVec, { gate: INJECT }),
  check('CTRL-INJ-OTHER-VEC', S3, 'ctrl', 'an injected other event (type 7) must have vector 0', ctrlInjOtherVec, { gate: INJECT }),
  check('CTRL-INJ-EC-CONSISTENT', S3, 'ctrl', 'deliver-error-code must match the injected event', ctrlInjEcConsistent, { gate: INJECT }),
  check('CTRL-INJ-EC-RSVD', S3, 'ctrl', 'an injected error code must fit in 16 bits', ctrlInjEcRsvd, { gate: INJECT }),
  check('CTRL-INJ-ILEN', S3, 'ctrl', 'an injected software interrupt/exception needs an instruction length 1-15', ctrlInjIlen, { gate: INJECT }),
  check('CTRL-ENTRY-MSR-LOAD-ADDR', S3, 'ctrl', 'VM-entry MSR-load area must be 16-byte aligned and end within MAXPHYADDR', ctrlEntryMsrLoadAddr),
  check('CTRL-ENTRY-SMM-OUTSIDE', S3, 'ctrl', "outside SMM, 'entry to SMM' and 'deactivate dual-monitor treatment' must be 0", ctrlEntrySmmOutside, { gate: ['entry', ENTRY.ENTRY_TO_SMM | ENTRY.DEACTIVATE_DUAL_MONITOR] }),
  check('CTRL-ENTRY-SMM-BOTH', S3, 'ctrl', "'entry to SMM' and 'deactivate dual-monitor treatment' must not both be 1", ctrlEntrySmmBoth, { gate: ['entry', ENTRY.ENTRY_TO_SMM | ENTRY.DEACTIVATE_DUAL_MONITOR] }),
];
