// VMCS01: the VMCS under which L0 runs L1 (Turtles design, nested-vmx.md).
// Its controls are what L0 itself needs from any guest it runs; they carry
// over into VMCS02 (vmcs02-merge.ts), so "does L0 want this exit?" is read
// here, from VMCS01, before "does L1 want it?" is read from VMCS12
// (vmx-exit-rules.ts). Its guest area is L1's state, refreshed when L1
// enters L2 (the moment a real L0 would VMPTRLD VMCS02).
//
// L0 is TypeScript: a VM exit returns to the emulator, not to code at a
// host RIP, so VMCS01's host-state area stays zero (nothing of L0 is
// guest-visible state).
import type { Cpu } from '../x86/cpu';
import { EFER_LMA } from '../x86/regs';
import { VMCS } from '../vmx/fields';
import { PIN, PRIMARY, EXIT, ENTRY, PIN_DEFAULT1, PRIMARY_DEFAULT1, EXIT_DEFAULT1, ENTRY_DEFAULT1 } from '../vmx/controls';
import type { Vmcs } from '../vmx/vmcs';
import { saveGuestState } from './vmx-guest-state';
import { putSigned64 } from './vmx-u64';

const F = VMCS;

/**
 * Pin-based controls L0 uses (SDM 25.6.1): the machine's interrupt controller
 * and NMIs belong to L0's device model, so both exit to L0 first.
 */
export const L0_PIN = (PIN_DEFAULT1 | PIN.EXTERNAL_INTERRUPT_EXITING | PIN.NMI_EXITING) >>> 0;
/**
 * Primary controls L0 uses (SDM 25.6.2): HLT (a halted vCPU is L0's to idle),
 * every port (L0's device model owns the I/O space), TSC offsetting (each
 * guest's TSC is the machine's plus its offset). No CR3 exiting (no shadow
 * paging) and no MSR bitmaps: every RDMSR/WRMSR exits to L0.
 */
export const L0_PRIMARY = ((PRIMARY_DEFAULT1 & ~(PRIMARY.CR3_LOAD_EXITING | PRIMARY.CR3_STORE_EXITING)) |
  PRIMARY.HLT_EXITING | PRIMARY.UNCONDITIONAL_IO_EXITING | PRIMARY.USE_TSC_OFFSETTING) >>> 0;
/**
 * VM-exit controls L0 uses (SDM 25.7.1): a 64-bit host that acknowledges the
 * interrupt that made it exit and saves/loads PAT and EFER, so a guest's
 * values never leak into the next guest.
 */
export const L0_EXIT = (EXIT_DEFAULT1 | EXIT.HOST_ADDRESS_SPACE_SIZE | EXIT.ACKNOWLEDGE_INTERRUPT_ON_EXIT |
  EXIT.SAVE_IA32_PAT | EXIT.LOAD_IA32_PAT | EXIT.SAVE_IA32_EFER | EXIT.LOAD_IA32_EFER) >>> 0;
/** VM-entry controls L0 uses (SDM 25.8.1): guest PAT and EFER always loaded; IA-32e mode per L1's EFER.LMA. */
export const L0_ENTRY = (ENTRY_DEFAULT1 | ENTRY.LOAD_IA32_PAT | ENTRY.LOAD_IA32_EFER) >>> 0;

/** VMCS01's fixed part: L0's controls; no exception, CR or bitmap interception (SDM 25.6.3-25.6.9). */
export function initVmcs01(v: Vmcs): void {
  v.clear();
  v.set(F.PIN_BASED_VM_EXEC_CONTROL, L0_PIN);
  v.set(F.CPU_BASED_VM_EXEC_CONTROL, L0_PRIMARY);
  v.set(F.VM_EXIT_CONTROLS, L0_EXIT);
  v.set(F.VM_ENTRY_CONTROLS, L0_ENTRY);
  // No shadow VMCS for L1 (SDM 25.4.2: all ones = none).
  v.set(F.VMCS_LINK_POINTER, 0xffffffff, 0xffffffff);
  v.launched = true;
}

/**
 * L1's state into VMCS01's guest area as L1 executes VMLAUNCH/VMRESUME (what
 * a real L0's exit from L1 would have saved, SDM 28.3), plus the TSC offset
 * L0 gives L1 and the IA-32e-mode entry control matching L1's EFER.
 */
export function refreshVmcs01(cpu: Cpu, v: Vmcs): void {
  saveGuestState(cpu, v, L0_EXIT);
  putSigned64(v, F.TSC_OFFSET, cpu.tscOffset);
  v.set(F.VM_ENTRY_CONTROLS, (cpu.efer & EFER_LMA ? L0_ENTRY | ENTRY.IA32E_MODE_GUEST : L0_ENTRY) >>> 0);
}

// ---- "does L0 want this exit?" (read from VMCS01, SDM 26.1.3) ----

/** Reason 12: L0 exits on HLT ('HLT exiting' in VMCS01) to idle the vCPU. */
export function l0WantsHlt(v01: Vmcs): boolean { return (v01.lo(F.CPU_BASED_VM_EXEC_CONTROL) & PRIMARY.HLT_EXITING) !== 0; }
/** Reason 30: L0's 'unconditional I/O exiting' (no I/O bitmaps) takes every port. */
export function l0WantsIo(v01: Vmcs): boolean {
  const p = v01.lo(F.CPU_BASED_VM_EXEC_CONTROL);
  return (p & PRIMARY.USE_IO_BITMAPS) === 0 && (p & PRIMARY.UNCONDITIONAL_IO_EXITING) !== 0;
}
/** Reasons 31/32: without MSR bitmaps every RDMSR/WRMSR exits to L0. */
export function l0WantsMsr(v01: Vmcs): boolean { return (v01.lo(F.CPU_BASED_VM_EXEC_CONTROL) & PRIMARY.USE_MSR_BITMAPS) === 0; }
/** Reason 1: physical interrupts exit to L0 ('external-interrupt exiting' in VMCS01). */
export function l0OwnsExternalInterrupts(v01: Vmcs): boolean { return (v01.lo(F.PIN_BASED_VM_EXEC_CONTROL) & PIN.EXTERNAL_INTERRUPT_EXITING) !== 0; }
/** Reason 0 (NMI): physical NMIs exit to L0 ('NMI exiting' in VMCS01). */
export function l0OwnsNmis(v01: Vmcs): boolean { return (v01.lo(F.PIN_BASED_VM_EXEC_CONTROL) & PIN.NMI_EXITING) !== 0; }
