// VMCS02 = merge(VMCS01, VMCS12) (Turtles design, nested-vmx.md): the VMCS
// under which L2 runs. Every exit L1 asked for (VMCS12) and every exit L0
// needs for itself (VMCS01) must happen under it; the state L2 runs with is
// VMCS12's guest state; exits return to L0 (VMCS01's host state), which
// then handles them or reflects them to L1 (vmx-nonroot.ts). One rule per
// field group below, each with the reason the merge is what it is.
import { VMCS, fieldsInGroup } from '../vmx/fields';
import { PRIMARY, EXIT, ENTRY } from '../vmx/controls';
import type { Vmcs } from '../vmx/vmcs';
import { getSigned64, putSigned64 } from './vmx-u64';

const F = VMCS;

const HOST_FIELDS: readonly number[] = fieldsInGroup('Host state').map((d) => d.encoding);
const EXIT_INFO_FIELDS: readonly number[] = fieldsInGroup('VM-exit information').map((d) => d.encoding);

function or(v01: Vmcs, v12: Vmcs, enc: number): number { return (v01.lo(enc) | v12.lo(enc)) >>> 0; }

/**
 * The I/O-exiting controls of VMCS02 (SDM 26.1.3): a port exits under VMCS02
 * iff it exits under VMCS01 or VMCS12. L0 exits on every port
 * (unconditional, no bitmaps), so the merged bitmap would be all ones:
 * VMCS02 uses unconditional I/O exiting and no bitmaps. Were L0 to exit on
 * none, VMCS12's bitmaps (L1 guest-physical = machine-physical without
 * EPT01) would serve as they are.
 */
function mergeIo(p01: number, p12: number): number {
  const all01 = (p01 & PRIMARY.USE_IO_BITMAPS) === 0 && (p01 & PRIMARY.UNCONDITIONAL_IO_EXITING) !== 0;
  const none01 = (p01 & (PRIMARY.USE_IO_BITMAPS | PRIMARY.UNCONDITIONAL_IO_EXITING)) === 0;
  if (all01) return PRIMARY.UNCONDITIONAL_IO_EXITING >>> 0;
  if (none01) return (p12 & (PRIMARY.USE_IO_BITMAPS | PRIMARY.UNCONDITIONAL_IO_EXITING)) >>> 0;
  throw new Error('VMCS02 merge: L0 with its own I/O bitmaps needs merged bitmap pages (L0 never uses them)');
}

/**
 * The MSR-bitmap control of VMCS02 (SDM 26.1.3): without MSR bitmaps in
 * VMCS01 every RDMSR/WRMSR exits to L0 (the merged bitmap is all ones), so
 * VMCS02 uses none; L0 then consults VMCS12's bitmaps (vmx-bitmaps.ts).
 */
function mergeMsr(p01: number, p12: number): number {
  if ((p01 & PRIMARY.USE_MSR_BITMAPS) === 0) return 0;
  throw new Error(`VMCS02 merge: L0 with its own MSR bitmaps needs merged bitmap pages (L0 never uses them; VMCS12 has ${p12 & PRIMARY.USE_MSR_BITMAPS ? '' : 'no '}bitmaps)`);
}

/** One CR's guest/host mask and read shadow in VMCS02 (the rule at the call site). */
function mergeCrMask(v01: Vmcs, v12: Vmcs, v02: Vmcs, mask: number, shadow: number, guest: number): void {
  const m01 = v01.lo(mask), m12 = v12.lo(mask);
  v02.set(mask, (m01 | m12) >>> 0);
  v02.set(shadow, ((v12.lo(shadow) & m12) | (v12.lo(guest) & m01 & ~m12)) >>> 0);
}

const MSR_LIST_COUNTS: readonly number[] = [F.VM_ENTRY_MSR_LOAD_COUNT, F.VM_EXIT_MSR_STORE_COUNT, F.VM_EXIT_MSR_LOAD_COUNT];

/**
 * Builds VMCS02 from VMCS01 (L0's controls and host state, L1's state in its
 * guest area) and VMCS12 (L1's controls, L2's state).
 */
export function buildVmcs02(v01: Vmcs, v12: Vmcs, v02: Vmcs): void {
  // Guest state, exception bitmap, CR3 targets, entry event, timer value:
  // start from VMCS12 - L2 runs with the state L1 gave it.
  v02.copyFrom(v12);
  v02.launched = true;
  // Host state: an exit from L2 returns to L0, never straight to L1's HOST_RIP.
  for (let k = 0; k < HOST_FIELDS.length; k++) v02.set(HOST_FIELDS[k], v01.lo(HOST_FIELDS[k]), v01.hi(HOST_FIELDS[k]));

  // Pin-based: L0 keeps physical interrupts and NMIs; L1's timer and virtual NMIs are L1's.
  v02.set(F.PIN_BASED_VM_EXEC_CONTROL, or(v01, v12, F.PIN_BASED_VM_EXEC_CONTROL));
  // Primary: an instruction exits if either level wants it; I/O and MSR bitmaps merge as described above.
  const p01 = v01.lo(F.CPU_BASED_VM_EXEC_CONTROL), p12 = v12.lo(F.CPU_BASED_VM_EXEC_CONTROL);
  const bitmapBits = PRIMARY.USE_IO_BITMAPS | PRIMARY.UNCONDITIONAL_IO_EXITING | PRIMARY.USE_MSR_BITMAPS;
  v02.set(F.CPU_BASED_VM_EXEC_CONTROL, (((p01 | p12) & ~bitmapBits) | mergeIo(p01, p12) | mergeMsr(p01, p12)) >>> 0);
  // TSC offsets add up: L2's TSC = L1's TSC + VMCS12's offset, L1's TSC = machine TSC + VMCS01's (SDM 26.3).
  const t01 = p01 & PRIMARY.USE_TSC_OFFSETTING ? getSigned64(v01, F.TSC_OFFSET) : 0;
  const t12 = p12 & PRIMARY.USE_TSC_OFFSETTING ? getSigned64(v12, F.TSC_OFFSET) : 0;
  putSigned64(v02, F.TSC_OFFSET, t01 + t12);
  // Exceptions: either level's bitmap bit makes the exception exit. If L0
  // wanted every #PF, PFEC mask/match 0/0 keep that (SDM 26.2); L0 wants none.
  v02.set(F.EXCEPTION_BITMAP, or(v01, v12, F.EXCEPTION_BITMAP));
  if (v01.lo(F.EXCEPTION_BITMAP) & (1 << 14)) { v02.set(F.PAGE_FAULT_ERROR_CODE_MASK, 0); v02.set(F.PAGE_FAULT_ERROR_CODE_MATCH, 0); }
  // CR0/CR4: a bit owned by either level is owned in VMCS02. L1's owned bits
  // read as L1's shadow; bits only L0 owns read as L2's own value (L0 hides
  // nothing from L2 that L1 did not hide) (SDM 25.6.6).
  mergeCrMask(v01, v12, v02, F.CR0_GUEST_HOST_MASK, F.CR0_READ_SHADOW, F.GUEST_CR0);
  mergeCrMask(v01, v12, v02, F.CR4_GUEST_HOST_MASK, F.CR4_READ_SHADOW, F.GUEST_CR4);
  // VM-exit controls: L0's - the exit returns to L0's host state; L0 applies
  // VMCS12's exit controls at the virtual exit. The preemption-timer save
  // is L1's: L0 reads the remaining value for it.
  v02.set(F.VM_EXIT_CONTROLS, (v01.lo(F.VM_EXIT_CONTROLS) | (v12.lo(F.VM_EXIT_CONTROLS) & EXIT.SAVE_VMX_PREEMPTION_TIMER_VALUE)) >>> 0);
  // VM-entry controls: L2's mode and debug controls are L1's choice; PAT,
  // EFER and DR7 are always loaded so L2 never runs with L1's by accident -
  // where L1 did not load them, the value is L1's own (SDM 27.3.2.1).
  const e12 = v12.lo(F.VM_ENTRY_CONTROLS);
  v02.set(F.VM_ENTRY_CONTROLS, ((e12 & ENTRY.IA32E_MODE_GUEST) | ENTRY.LOAD_DEBUG_CONTROLS | ENTRY.LOAD_IA32_PAT | ENTRY.LOAD_IA32_EFER |
    (v01.lo(F.VM_ENTRY_CONTROLS) & ~(ENTRY.IA32E_MODE_GUEST | ENTRY.LOAD_DEBUG_CONTROLS | ENTRY.LOAD_IA32_PAT | ENTRY.LOAD_IA32_EFER))) >>> 0);
  if (!(e12 & ENTRY.LOAD_DEBUG_CONTROLS)) v02.set(F.GUEST_DR7, v01.lo(F.GUEST_DR7), v01.hi(F.GUEST_DR7));
  if (!(e12 & ENTRY.LOAD_IA32_PAT)) v02.set(F.GUEST_IA32_PAT, v01.lo(F.GUEST_IA32_PAT), v01.hi(F.GUEST_IA32_PAT));
  if (!(e12 & ENTRY.LOAD_IA32_EFER)) {
    // §27.3.2.1: L1's EFER with LMA = "IA-32e mode guest" and LME = LMA when guest CR0.PG = 1.
    const ia32e = (e12 & ENTRY.IA32E_MODE_GUEST) !== 0;
    let efer = v01.lo(F.GUEST_IA32_EFER);
    efer = ia32e ? efer | 0x400 : efer & ~0x400;
    if (v12.lo(F.GUEST_CR0) & 0x80000000) efer = ia32e ? efer | 0x100 : efer & ~0x100;
    v02.set(F.GUEST_IA32_EFER, efer >>> 0, 0);
  }
  // MSR lists: L0 processes VMCS12's lists itself at the emulated entry and
  // exit (they live in L1 memory and their failures are reported to L1 as
  // L1 would see them), so VMCS02 has none.
  for (let k = 0; k < MSR_LIST_COUNTS.length; k++) v02.set(MSR_LIST_COUNTS[k], 0);
  // No VMCS shadowing for L2: VMREAD/VMWRITE in L2 always exit (SDM 25.4.2).
  v02.set(F.VMCS_LINK_POINTER, 0xffffffff, 0xffffffff);
  // Exit information starts clean: VMCS02 records only what happens under it.
  for (let k = 0; k < EXIT_INFO_FIELDS.length; k++) v02.set(EXIT_INFO_FIELDS[k], 0, 0);
}
