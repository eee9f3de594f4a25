// VMRUN: every row of ../shared/reference/vmrun-checks.tsv as a function
// (vmrun-insn-checks.ts, vmrun-state-checks.ts, vmrun-control-checks.ts,
// vmrun-behaviour.ts), ordered here, and the entry points the L0 calls:
// runVmrunInstructionChecks before touching the VMCB, runVmcbConsistencyChecks
// on a snapshot of it, runVmrunChecks for both. A failure names the check,
// the field, its value, what was allowed, the APM section and the outcome
// (#UD, #GP(0), #VMEXIT(VMRUN), #VMEXIT(VMEXIT_INVALID)).
import { checkCanonVmload, checkCanonVmrun, checkOrder, checkStateNoCheck } from './vmrun-behaviour';
import {
  VMRUN_CHECK_META, VMRUN_OK, VmrunCheckContext, VmrunCheckFn, VmrunCheckId, VmrunCheckMeta, VmrunFailure, VmrunInsnContext, VmrunResult,
} from './vmrun-check-types';
import {
  checkAsidZero, checkEventInjRsvd, checkEventInjType, checkEventInjVector, checkIopmAddr, checkMsrpmAddr, checkNpGpat, checkNpHostPg,
  checkNpNcr3, checkNpUnsupported, checkTlbControl, checkVmrunIntercept,
} from './vmrun-control-checks';
import { checkInsnGpAlign, checkInsnGpCpl, checkInsnGpMaxphy, checkInsnHsave, checkInsnIntercept, checkInsnUdSvme } from './vmrun-insn-checks';
import {
  checkCet, checkCr0CdNw, checkCr0Hi, checkCr3Mbz, checkCr4Mbz, checkDr6Hi, checkDr7Hi, checkEferMbz, checkEferNoLm, checkEferSvme,
  checkLmePgNoPae, checkLmePgNoPe, checkLmePgPaeCsLd, checkPdpte,
} from './vmrun-state-checks';

/** The function of every vmrun-checks.tsv row. */
export const VMRUN_CHECK_FNS: { readonly [K in VmrunCheckId]: VmrunCheckFn } = {
  'SVM-INSN-UD-SVME': checkInsnUdSvme,
  'SVM-INSN-GP-CPL': checkInsnGpCpl,
  'SVM-INSN-GP-ALIGN': checkInsnGpAlign,
  'SVM-INSN-GP-MAXPHY': checkInsnGpMaxphy,
  'SVM-INSN-INTERCEPT': checkInsnIntercept,
  'SVM-INSN-HSAVE': checkInsnHsave,
  'SVM-EFER-SVME': checkEferSvme,
  'SVM-EFER-MBZ': checkEferMbz,
  'SVM-EFER-NOLM': checkEferNoLm,
  'SVM-CR0-CD-NW': checkCr0CdNw,
  'SVM-CR0-HI': checkCr0Hi,
  'SVM-CR3-MBZ': checkCr3Mbz,
  'SVM-CR4-MBZ': checkCr4Mbz,
  'SVM-DR6-HI': checkDr6Hi,
  'SVM-DR7-HI': checkDr7Hi,
  'SVM-LME-PG-NOPAE': checkLmePgNoPae,
  'SVM-LME-PG-NOPE': checkLmePgNoPe,
  'SVM-LME-PG-PAE-CSLD': checkLmePgPaeCsLd,
  'SVM-VMRUN-INTERCEPT': checkVmrunIntercept,
  'SVM-ASID-ZERO': checkAsidZero,
  'SVM-MSRPM-ADDR': checkMsrpmAddr,
  'SVM-IOPM-ADDR': checkIopmAddr,
  'SVM-EVENTINJ-TYPE': checkEventInjType,
  'SVM-EVENTINJ-VECTOR': checkEventInjVector,
  'SVM-EVENTINJ-RSVD': checkEventInjRsvd,
  'SVM-NP-UNSUPPORTED': checkNpUnsupported,
  'SVM-NP-HOSTPG': checkNpHostPg,
  'SVM-NP-GPAT': checkNpGpat,
  'SVM-NP-NCR3': checkNpNcr3,
  'SVM-PDPTE': checkPdpte,
  'SVM-TLBCTL': checkTlbControl,
  'SVM-CET': checkCet,
  'SVM-CANON-VMRUN': checkCanonVmrun,
  'SVM-CANON-VMLOAD': checkCanonVmload,
  'SVM-STATE-NOCHECK': checkStateNoCheck,
  'SVM-ORDER': checkOrder,
};

/**
 * Instruction checks in the order the APM gives (vol 3 VMRUN; vol 2 §15.9):
 * #UD, #GP for CPL, then the VMRUN intercept (instruction intercepts come
 * after the simple exceptions and before exceptions from operand values),
 * then the rAX checks, then the host-save area. QEMU checks rAX before the
 * intercept (documented difference, vmrun-checks.tsv SVM-INSN-GP-ALIGN).
 */
export const VMRUN_INSTRUCTION_ORDER: readonly VmrunCheckId[] = [
  'SVM-INSN-UD-SVME', 'SVM-INSN-GP-CPL', 'SVM-INSN-INTERCEPT', 'SVM-INSN-GP-ALIGN', 'SVM-INSN-GP-MAXPHY', 'SVM-INSN-HSAVE',
];

/** Consistency checks in vmrun-checks.tsv order (the APM list order, then the rows other implementations add). */
export const VMRUN_CONSISTENCY_ORDER: readonly VmrunCheckId[] = VMRUN_CHECK_META.filter((x) => x.stage === 'consistency').map((x) => x.id);

/** Rows that describe behaviour and never fail. */
export const VMRUN_BEHAVIOUR_ROWS: readonly VmrunCheckId[] = VMRUN_CHECK_META.filter((x) => x.stage === 'behaviour').map((x) => x.id);

const INSN_FNS = VMRUN_INSTRUCTION_ORDER.map((id) => VMRUN_CHECK_FNS[id]);
const CONSISTENCY_FNS = VMRUN_CONSISTENCY_ORDER.map((id) => VMRUN_CHECK_FNS[id]);

/** The checks VMRUN makes before it reads the VMCB: #UD, #GP(0), #VMEXIT(VMRUN). */
export function runVmrunInstructionChecks(ctx: VmrunInsnContext): VmrunResult {
  for (const fn of INSN_FNS) {
    // Instruction checks never read ctx.vmcb / ctx.mem.
    const r = fn(ctx as VmrunCheckContext);
    if (r) return r;
  }
  return VMRUN_OK;
}

/** The VMCB consistency checks (APM §15.5.1): the first failure, as #VMEXIT(VMEXIT_INVALID). */
export function runVmcbConsistencyChecks(ctx: VmrunCheckContext): VmrunResult {
  for (const fn of CONSISTENCY_FNS) {
    const r = fn(ctx);
    if (r) return r;
  }
  return VMRUN_OK;
}

/** Every VMRUN check in order: ok, or the first failure. */
export function runVmrunChecks(ctx: VmrunCheckContext): VmrunResult {
  const r = runVmrunInstructionChecks(ctx);
  return r.ok ? runVmcbConsistencyChecks(ctx) : r;
}

/** Every failing consistency check, not just the first (debugger diagnostics: "also wrong: ..."). */
export function allVmcbConsistencyFailures(ctx: VmrunCheckContext): VmrunFailure[] {
  const out: VmrunFailure[] = [];
  for (const fn of CONSISTENCY_FNS) {
    const r = fn(ctx);
    if (r) out.push(r);
  }
  return out;
}

export function vmrunCheck(id: string): (VmrunCheckMeta & { readonly fn: VmrunCheckFn }) | undefined {
  const meta = VMRUN_CHECK_META.find((x) => x.id === id);
  return meta ? { ...meta, fn: VMRUN_CHECK_FNS[meta.id] } : undefined;
}
