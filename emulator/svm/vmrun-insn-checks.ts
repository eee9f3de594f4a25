// VMRUN instruction-level checks: faults raised before any VMCB is read
// (AMD APM vol 3 "VMRUN", exceptions table; vol 2 §15.5, §15.9). One
// function per vmrun-checks.tsv row; the order they run in is in
// vmrun-checks.ts.
import { EFER_SVME, CR0_PE } from '../x86/regs';
import { U64, bitsAtOrAbove, hex64 } from './u64';
import { VmrunCpuState, VmrunFailure, VmrunInsnContext, fail, policyOf } from './vmrun-check-types';

/**
 * The VMCB physical address VMRUN takes from rAX: AX, EAX or RAX by the
 * effective address size (APM vol 3 VMRUN "rAX"; Bochs masks with the
 * address size). QEMU uses EAX for 16-bit address size too (documented
 * difference, only visible with AX-sized VMCB addresses).
 */
export function vmrunVmcbAddress(cpu: VmrunCpuState, out: U64 = { lo: 0, hi: 0 }): U64 {
  if (cpu.addressSize === 64) {
    out.lo = cpu.raxLo >>> 0;
    out.hi = cpu.raxHi >>> 0;
  } else {
    out.lo = cpu.addressSize === 32 ? cpu.raxLo >>> 0 : cpu.raxLo & 0xffff;
    out.hi = 0;
  }
  return out;
}

const scratch: U64 = { lo: 0, hi: 0 };

/**
 * SVM-INSN-UD-SVME — APM vol 3 VMRUN exceptions; vol 2 §15.4.
 * #UD if SVM is not supported (CPUID 8000_0001 ECX[2]) or EFER.SVME = 0.
 * Also #UD outside protected mode: the instruction page lists "only
 * recognized in protected mode", and QEMU raises #UD when CR0.PE = 0 (Bochs
 * allows real mode). Virtual-8086 mode is CPL 3 and fails SVM-INSN-GP-CPL.
 */
export function checkInsnUdSvme(ctx: VmrunInsnContext): VmrunFailure | null {
  if (!ctx.model.has('svm')) return fail('SVM-INSN-UD-SVME', 'CPUID 8000_0001 ECX[2] (SVM)', '0', 'the CPU model must have SVM (+svm)');
  if ((ctx.cpu.efer & EFER_SVME) === 0) return fail('SVM-INSN-UD-SVME', 'CPU EFER.SVME', '0', 'EFER.SVME must be 1 to execute VMRUN');
  if ((ctx.cpu.cr0 & CR0_PE) === 0) return fail('SVM-INSN-UD-SVME', 'CPU CR0.PE', '0', 'VMRUN is recognized only in protected mode');
  return null;
}

/** SVM-INSN-GP-CPL — APM vol 3 VMRUN: #GP(0) if CPL != 0 (virtual-8086 mode is CPL 3). */
export function checkInsnGpCpl(ctx: VmrunInsnContext): VmrunFailure | null {
  if (ctx.cpu.cpl !== 0) return fail('SVM-INSN-GP-CPL', 'CPL', String(ctx.cpu.cpl), 'VMRUN needs CPL 0');
  return null;
}

/**
 * SVM-INSN-INTERCEPT — APM vol 2 §15.9: VMRUN executed by a guest exits to
 * the outer hypervisor (#VMEXIT code 0x80); every valid VMCB intercepts
 * VMRUN, so inside a guest this always fires. Instruction intercepts are
 * checked after the simple exceptions (#UD, CPL) and before exceptions from
 * operand values, i.e. before the rAX checks (APM §15.9; Bochs order).
 * QEMU raises the rAX #GP first (documented difference).
 */
export function checkInsnIntercept(ctx: VmrunInsnContext): VmrunFailure | null {
  if (ctx.cpu.inGuestMode) return fail('SVM-INSN-INTERCEPT', 'guest mode', '1', 'VMRUN in a guest is intercepted (VMRUN intercept is mandatory)');
  return null;
}

/** SVM-INSN-GP-ALIGN — APM vol 3 VMRUN; vol 2 §15.5: #GP(0) if the VMCB address in rAX is not 4 KiB aligned. */
export function checkInsnGpAlign(ctx: VmrunInsnContext): VmrunFailure | null {
  const a = vmrunVmcbAddress(ctx.cpu, scratch);
  if ((a.lo & 0xfff) !== 0) {
    return fail('SVM-INSN-GP-ALIGN', `rAX (${ctx.cpu.addressSize}-bit address)`, hex64(a.lo, a.hi), 'the VMCB address must be 4 KiB aligned (bits 11:0 = 0)');
  }
  return null;
}

/** SVM-INSN-GP-MAXPHY — APM vol 3 VMRUN: #GP(0) if the VMCB address in rAX is at or above 2^MAXPHYADDR. */
export function checkInsnGpMaxphy(ctx: VmrunInsnContext): VmrunFailure | null {
  const a = vmrunVmcbAddress(ctx.cpu, scratch);
  const m = ctx.model.physAddrBits;
  if (bitsAtOrAbove(a.lo, a.hi, m)) {
    return fail('SVM-INSN-GP-MAXPHY', `rAX (${ctx.cpu.addressSize}-bit address)`, hex64(a.lo, a.hi), `the VMCB address must be below 2^${m} (MAXPHYADDR ${m})`);
  }
  return null;
}

/**
 * SVM-INSN-HSAVE — APM vol 2 §15.30.4 VM_HSAVE_PA: VMRUN with no host-save
 * area (VM_HSAVE_PA = 0) is architecturally undefined; KVM raises #GP(0),
 * QEMU saves the host state at address 0. Policy `hsaveZero` chooses;
 * default '#GP' (an L1 bug worth naming).
 */
export function checkInsnHsave(ctx: VmrunInsnContext): VmrunFailure | null {
  if (policyOf(ctx).hsaveZero !== 'gp') return null;
  if ((ctx.cpu.hsaveLo | ctx.cpu.hsaveHi) === 0) {
    return fail('SVM-INSN-HSAVE', 'VM_HSAVE_PA (MSR C001_0117)', '0x0', 'VM_HSAVE_PA must point to the host-save area before VMRUN');
  }
  return null;
}

/**
 * WRMSR VM_HSAVE_PA rule (APM §15.30.4; KVM): bits 11:0 must be 0 and the
 * address below 2^MAXPHYADDR, else #GP(0). Returns the reason, or null when
 * the write is allowed.
 */
export function vmHsavePaWriteFault(lo: number, hi: number, physAddrBits: number): string | null {
  if ((lo & 0xfff) !== 0) return `VM_HSAVE_PA ${hex64(lo, hi)}: bits 11:0 must be 0`;
  if (bitsAtOrAbove(lo, hi, physAddrBits)) return `VM_HSAVE_PA ${hex64(lo, hi)}: must be below 2^${physAddrBits}`;
  return null;
}
