// The vmrun-checks.tsv rows that are behaviour, not checks: what VMRUN and
// VMLOAD do with state they do not reject. Each row still has its function
// (it never fails) next to the helper the L0 uses to implement the rule.
import { canonicalHi } from './u64';
import { SEG_BASE, VMCB_OFF } from './vmcb-layout';
import type { PhysRead } from './phys';
import { SvmModelView, VmrunCheckContext, VmrunFailure, hi32, lo32 } from './vmrun-check-types';

export interface CanonicalBase {
  /** 'ES.base', 'GDTR.base', 'KERNEL_GS_BASE', ... */
  readonly field: string;
  readonly lo: number;
  /** Bits 63:32 after sign extension from bit linearAddrBits-1. */
  readonly hi: number;
  /** The VMCB held a non-canonical value (the CPU loads `hi`, the VMCB is not rewritten). */
  readonly changed: boolean;
}

function canonical(v: PhysRead, off: number, field: string, bits: number): CanonicalBase {
  const lo = lo32(v, off);
  const raw = hi32(v, off);
  const hi = canonicalHi(raw, bits);
  return { field, lo, hi, changed: hi !== raw };
}

/** Fields VMRUN canonicalizes on load (APM §15.5.1). */
const VMRUN_BASES = ['ES', 'CS', 'SS', 'DS', 'GDTR', 'IDTR'] as const;
/** Fields VMLOAD canonicalizes (APM §15.5.2; QEMU: segment bases and KernelGSBase). */
const VMLOAD_BASES = ['FS', 'GS', 'TR', 'LDTR'] as const;

/** The ES/CS/SS/DS/GDTR/IDTR bases as VMRUN loads them: sign-extended to canonical form. */
export function vmrunCanonicalBases(vmcb: PhysRead, model: Pick<SvmModelView, 'linearAddrBits'>): CanonicalBase[] {
  return VMRUN_BASES.map((s) => canonical(vmcb, VMCB_OFF[s] + SEG_BASE, `${s}.base`, model.linearAddrBits));
}

/** The FS/GS/TR/LDTR bases and KernelGSBase as VMLOAD loads them: canonical. */
export function vmloadCanonicalBases(vmcb: PhysRead, model: Pick<SvmModelView, 'linearAddrBits'>): CanonicalBase[] {
  const out = VMLOAD_BASES.map((s) => canonical(vmcb, VMCB_OFF[s] + SEG_BASE, `${s}.base`, model.linearAddrBits));
  out.push(canonical(vmcb, VMCB_OFF.KERNEL_GS_BASE, 'KERNEL_GS_BASE', model.linearAddrBits));
  return out;
}

/**
 * SVM-CANON-VMRUN — APM §15.5.1 "Canonicalization": non-canonical ES, CS,
 * SS, DS, GDTR, IDTR bases are NOT an error; VMRUN sign-extends them when
 * loading (vmrunCanonicalBases). kvm-unit-tests: VMRUN with non-canonical
 * bases succeeds. Never fails.
 */
export function checkCanonVmrun(_ctx: VmrunCheckContext): VmrunFailure | null {
  return null;
}

/**
 * SVM-CANON-VMLOAD — APM §15.5.2: VMLOAD canonicalizes the FS/GS/TR/LDTR
 * bases and KernelGSBase it loads; a later VMSAVE writes canonical values
 * (vmloadCanonicalBases). Not a VMRUN check; never fails.
 */
export function checkCanonVmload(_ctx: VmrunCheckContext): VmrunFailure | null {
  return null;
}

/**
 * SVM-STATE-NOCHECK — APM §15.5.1: beyond the listed checks VMRUN loads
 * segments "as is" (only CS.L/CS.D matter, SVM-LME-PG-PAE-CSLD), takes CPL
 * from VMCB.CPL, and does not check RFLAGS, RIP or SS.DPL. Never fails.
 */
export function checkStateNoCheck(_ctx: VmrunCheckContext): VmrunFailure | null {
  return null;
}

/**
 * SVM-ORDER — APM §15.5: the instruction checks (#UD, #GP, intercept) come
 * first, then the VMCB consistency checks; the order among consistency
 * checks is not architectural (all give VMEXIT_INVALID) and we report the
 * first in vmrun-checks.tsv order (VMRUN_CONSISTENCY_ORDER). QEMU's order
 * differs and it overwrites the VMCB save area on VMEXIT_INVALID: compare
 * only EXITCODE/EXITINFO1/2 with it. Never fails.
 */
export function checkOrder(_ctx: VmrunCheckContext): VmrunFailure | null {
  return null;
}
