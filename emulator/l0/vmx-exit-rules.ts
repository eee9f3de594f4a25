// "Does L1 want this exit?" - one named rule per exit reason (KVM nested.c
// style; vmx-exit-reasons.tsv "nested rule" column), read from VMCS12 and
// L1's bitmaps. SDM vol 3C §26.1.2 (unconditional exits), §26.1.3
// (instructions that exit conditionally), §26.2 (exceptions, triple fault).
// The rule names appear in the transition trace.
import type { Cpu } from '../x86/cpu';
import { VMCS } from '../vmx/fields';
import { PRIMARY, SECONDARY } from '../vmx/controls';
import type { Vmcs } from '../vmx/vmcs';
import { ioBitmapSays, msrBitmapSays } from './vmx-bitmaps';

const F = VMCS;

/** Secondary controls are in effect only with "activate secondary controls" (SDM 25.6.2). */
export function secondaryOf(v: Vmcs): number {
  return v.lo(F.CPU_BASED_VM_EXEC_CONTROL) & PRIMARY.ACTIVATE_SECONDARY_CONTROLS ? v.lo(F.SECONDARY_VM_EXEC_CONTROL) >>> 0 : 0;
}
const primary = (v: Vmcs, bit: number): boolean => (v.lo(F.CPU_BASED_VM_EXEC_CONTROL) & bit) !== 0;

/** Reason 10: CPUID exits unconditionally in VMX non-root (SDM §26.1.2). */
export function l1WantsCpuid(_v: Vmcs): boolean { return true; }
/** Reason 12: HLT exits iff primary "HLT exiting" (§26.1.3). */
export function l1WantsHlt(v: Vmcs): boolean { return primary(v, PRIMARY.HLT_EXITING); }
/** Reason 18: VMCALL exits unconditionally in VMX non-root (§26.1.2). */
export function l1WantsVmcall(_v: Vmcs): boolean { return true; }
/**
 * Reason 30: with "use I/O bitmaps" the bitmaps decide and "unconditional I/O
 * exiting" is ignored; without, the latter decides (§26.1.3). `qual` is the
 * I/O qualification (size - 1 in bits 2:0, port in 31:16).
 */
export function l1WantsIo(cpu: Cpu, v: Vmcs, qual: number): boolean {
  if (primary(v, PRIMARY.USE_IO_BITMAPS)) return ioBitmapSays(cpu, v, qual >>> 16, (qual & 7) + 1);
  return primary(v, PRIMARY.UNCONDITIONAL_IO_EXITING);
}
/** Reasons 31/32: without "use MSR bitmaps" every RDMSR/WRMSR exits; with them the bit for ECX decides (§26.1.3). */
export function l1WantsMsr(cpu: Cpu, v: Vmcs, write: boolean): boolean {
  if (!primary(v, PRIMARY.USE_MSR_BITMAPS)) return true;
  return msrBitmapSays(cpu, v, cpu.regs[2] >>> 0, write);
}
/**
 * Reason 0: an exception exits iff its bit in the exception bitmap is 1;
 * #PF also compares the error code with PFEC_MASK/MATCH (§26.2, §25.6.3).
 */
export function l1WantsException(v: Vmcs, vector: number, errorCode: number): boolean {
  const bit = (v.lo(F.EXCEPTION_BITMAP) >>> vector) & 1;
  if (vector !== 14) return bit === 1;
  const match = ((errorCode & v.lo(F.PAGE_FAULT_ERROR_CODE_MASK)) >>> 0) === v.lo(F.PAGE_FAULT_ERROR_CODE_MATCH) >>> 0;
  return match ? bit === 1 : bit === 0;
}
/** Reason 2: a triple fault in L2 always exits (§26.2). */
export function l1WantsTripleFault(_v: Vmcs): boolean { return true; }
/** Reason 3: INIT in VMX non-root always exits (§26.2). */
export function l1WantsInit(_v: Vmcs): boolean { return true; }
/** Reasons 16/51: RDTSC and RDTSCP exit iff "RDTSC exiting" (§26.1.3). */
export function l1WantsRdtsc(v: Vmcs): boolean { return primary(v, PRIMARY.RDTSC_EXITING); }
/** Reason 15: "RDPMC exiting". */
export function l1WantsRdpmc(v: Vmcs): boolean { return primary(v, PRIMARY.RDPMC_EXITING); }
/** Reason 14: "INVLPG exiting". */
export function l1WantsInvlpg(v: Vmcs): boolean { return primary(v, PRIMARY.INVLPG_EXITING); }
/** Reason 58: INVPCID exits iff "INVLPG exiting" (with "enable INVPCID", else it is #UD) (§26.1.3). */
export function l1WantsInvpcid(v: Vmcs): boolean { return primary(v, PRIMARY.INVLPG_EXITING); }
/** Reason 36: "MWAIT exiting". */
export function l1WantsMwait(v: Vmcs): boolean { return primary(v, PRIMARY.MWAIT_EXITING); }
/** Reason 39: "MONITOR exiting". */
export function l1WantsMonitor(v: Vmcs): boolean { return primary(v, PRIMARY.MONITOR_EXITING); }
/** Reason 40: "PAUSE exiting" ("PAUSE-loop exiting" is not offered to L1). */
export function l1WantsPause(v: Vmcs): boolean { return primary(v, PRIMARY.PAUSE_EXITING); }
/** Reason 29: "MOV-DR exiting". */
export function l1WantsMovDr(v: Vmcs): boolean { return primary(v, PRIMARY.MOV_DR_EXITING); }
/** Reason 54: secondary "WBINVD exiting". */
export function l1WantsWbinvd(v: Vmcs): boolean { return (secondaryOf(v) & SECONDARY.WBINVD_EXITING) !== 0; }
/** Reason 13: INVD exits unconditionally (§26.1.2). */
export function l1WantsInvd(_v: Vmcs): boolean { return true; }
/** Reason 55: XSETBV exits unconditionally (§26.1.2). */
export function l1WantsXsetbv(_v: Vmcs): boolean { return true; }
/** Reasons 46/47: secondary "descriptor-table exiting" (§26.1.3). */
export function l1WantsDescriptorTable(v: Vmcs): boolean { return (secondaryOf(v) & SECONDARY.DESCRIPTOR_TABLE_EXITING) !== 0; }
/** Reasons 19-27, 50, 53: VMX instructions in VMX non-root always exit (§26.1.2; no VMCS shadowing offered). */
export function l1WantsVmxInstruction(_v: Vmcs): boolean { return true; }

// ---- reason 28: control-register accesses (§26.1.3, table 28-3 qualification) ----

/** The 64-bit operand of a MOV to CR from GPR `gpr` (64-bit mode: the whole register). */
function crSource(cpu: Cpu, gpr: number): [number, number] {
  const size = cpu.long64 ? 8 : 4;
  const lo = cpu.getReg(gpr, size) >>> 0;
  return [lo, size === 8 ? cpu.hi >>> 0 : 0];
}

/**
 * MOV to CR0/CR4 exits iff it would change a bit the guest/host mask owns
 * relative to the read shadow; MOV to CR3 iff "CR3-load exiting" and the
 * value is none of the first CR3_TARGET_COUNT targets; MOV to CR8 iff
 * "CR8-load exiting". MOV from CR3/CR8 iff "CR3-store"/"CR8-store exiting";
 * MOV from CR0/CR4 never exits (the shadow answers).
 */
export function l1WantsCrAccess(cpu: Cpu, v: Vmcs, qual: number): boolean {
  const cr = qual & 15, to = ((qual >>> 4) & 3) === 0, gpr = (qual >>> 8) & 15;
  if (!to) {
    if (cr === 3) return primary(v, PRIMARY.CR3_STORE_EXITING);
    if (cr === 8) return primary(v, PRIMARY.CR8_STORE_EXITING);
    return false;
  }
  const [lo, hi] = crSource(cpu, gpr);
  if (cr === 0 || cr === 4) {
    const mask = cr === 0 ? F.CR0_GUEST_HOST_MASK : F.CR4_GUEST_HOST_MASK;
    const shadow = cr === 0 ? F.CR0_READ_SHADOW : F.CR4_READ_SHADOW;
    return ((v.lo(mask) & (lo ^ v.lo(shadow))) | (v.hi(mask) & (hi ^ v.hi(shadow)))) !== 0;
  }
  if (cr === 3) {
    if (!primary(v, PRIMARY.CR3_LOAD_EXITING)) return false;
    const n = v.lo(F.CR3_TARGET_COUNT) >>> 0;
    for (let k = 0; k < n && k < 4; k++) {
      const t = F.CR3_TARGET_VALUE0 + 2 * k;
      if (v.lo(t) >>> 0 === lo && v.hi(t) >>> 0 === hi) return false;
    }
    return true;
  }
  if (cr === 8) return primary(v, PRIMARY.CR8_LOAD_EXITING);
  return false;
}

/** CLTS exits iff CR0.TS is owned (mask bit 3) and its shadow is 1 (§26.1.3). */
export function l1WantsClts(v: Vmcs): boolean {
  return (v.lo(F.CR0_GUEST_HOST_MASK) & v.lo(F.CR0_READ_SHADOW) & 8) !== 0;
}

/**
 * LMSW exits iff it would change an owned bit among MP/EM/TS (bits 3:1)
 * relative to the shadow, or set an owned PE whose shadow is 0 (LMSW cannot
 * clear PE) (§26.1.3). The source is in qualification bits 31:16.
 */
export function l1WantsLmsw(v: Vmcs, qual: number): boolean {
  const src = qual >>> 16, mask = v.lo(F.CR0_GUEST_HOST_MASK), shadow = v.lo(F.CR0_READ_SHADOW);
  if (mask & 0xe & (src ^ shadow)) return true;
  return (mask & 1) !== 0 && (shadow & 1) === 0 && (src & 1) !== 0;
}

// ---- the index: exit reason -> the rules above (and elsewhere) ----

/**
 * Every exit reason L0 can reflect to L1, with the names of the rules that
 * decide "does L1 want it?" (as the trace shows them). The decisions are
 * dispatched from INSN_EXITS (vmx-insn-exits.ts), the event gates
 * (vmx-events.ts), VMX instructions in L2 (vmx-insn-l2.ts), EPT02
 * (vmx-ept02.ts) and the VM-entry failure exit (vmx-entry-failure.ts); this
 * table only names them, for docs/coverage.md (scripts/coverage.ts), and
 * test/unit/coverage.test.ts checks it against those dispatchers. A reason
 * absent here is never reflected.
 */
export const L1_EXIT_RULES: Readonly<Record<number, readonly string[]>> = {
  0: [l1WantsException.name, 'l1WantsNmi'],
  1: ['l1WantsExternalInterrupt'],
  2: [l1WantsTripleFault.name],
  3: [l1WantsInit.name],
  7: ['l1WantsInterruptWindow'],
  8: ['l1WantsNmiWindow'],
  10: [l1WantsCpuid.name],
  12: [l1WantsHlt.name],
  13: [l1WantsInvd.name],
  14: [l1WantsInvlpg.name],
  15: [l1WantsRdpmc.name],
  16: [l1WantsRdtsc.name],
  18: [l1WantsVmcall.name],
  19: [l1WantsVmxInstruction.name], 20: [l1WantsVmxInstruction.name], 21: [l1WantsVmxInstruction.name],
  22: [l1WantsVmxInstruction.name], 23: [l1WantsVmxInstruction.name], 24: [l1WantsVmxInstruction.name],
  25: [l1WantsVmxInstruction.name], 26: [l1WantsVmxInstruction.name], 27: [l1WantsVmxInstruction.name],
  28: [l1WantsCrAccess.name, l1WantsClts.name, l1WantsLmsw.name],
  29: [l1WantsMovDr.name],
  30: [l1WantsIo.name],
  31: [l1WantsMsr.name],
  32: [l1WantsMsr.name],
  33: ['vmEntryFailureExit'],
  34: ['vmEntryFailureExit'],
  36: [l1WantsMwait.name],
  39: [l1WantsMonitor.name],
  40: [l1WantsPause.name],
  46: [l1WantsDescriptorTable.name],
  47: [l1WantsDescriptorTable.name],
  48: ['ept12Violation'],
  49: ['ept12Misconfig'],
  50: [l1WantsVmxInstruction.name],
  51: [l1WantsRdtsc.name],
  52: ['l1WantsPreemptionTimer'],
  53: [l1WantsVmxInstruction.name],
  54: [l1WantsWbinvd.name],
  55: [l1WantsXsetbv.name],
  58: [l1WantsInvpcid.name],
};
