// VMRUN: every row of ../shared/reference/vmrun-checks.tsv as a function
// (vmrun-insn-checks.ts, vmrun-state-checks.ts, vmrun-control-checks.ts,
// vmrun-behaviour.ts), ordered here, and the entry points the L0 calls:
// runVmrunInstructionChecks before touching the VMCB, runVmcbConsistencyChecks
// on a snapshot of it, runVmrunChecks for both. A failure names the check,
// the field, its value, what was allowed, the APM section and the outcome
// (#UD, #GP(0), #VMEXIT(VMRUN), #VMEXIT(VMEXIT_INVALID)).
import { checkCanonVmload, checkCanonVmrun, checkOrder, checkStateNoCheck } from './vmrun-behaviour';
import { ByteRegion } from './phys';
import { VMCB_SIZE } from './vmcb-layout';
import {
  VMRUN_CHECK_META, VMRUN_OK, VmrunCheckContext, VmrunCheckFn, VmrunCheckId, VmrunCheckMeta, VmrunFailure, VmrunInsnContext, VmrunResult,
  VmrunCpuState, SvmModelView, VmrunPolicy,
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

/**
 * What the consistency checks of the last VMRUN that passed them read: every
 * VMCB and memory read with its value, the CPU state, the model and policy.
 * The checks are functions of exactly these (they keep no state), so a VMRUN
 * whose reads would all return the same values passes them too, and
 * runVmcbConsistencyChecksMemo answers without running them: L1 rewrites
 * RIP and the exit fields between VMRUNs, not what the checks look at. A
 * cache: dropping it (valid = false) is always allowed.
 */
export class VmrunCheckMemo {
  valid = false;
  nv = 0;
  nm = 0;
  readonly vOff: number[] = [];
  readonly vSize: (1 | 2 | 4)[] = [];
  readonly vVal: number[] = [];
  readonly mAddr: number[] = [];
  readonly mSize: (1 | 2 | 4)[] = [];
  readonly mVal: number[] = [];
  readonly cpu: VmrunCpuState = { efer: 0, cr0: 0, cpl: 0, raxLo: 0, raxHi: 0, addressSize: 64, inGuestMode: false, hsaveLo: 0, hsaveHi: 0 };
  model: SvmModelView | null = null;
  policy: Partial<VmrunPolicy> | undefined = undefined;

  drop(): void {
    this.valid = false;
    this.model = null;
  }
}

function sameCpu(a: VmrunCpuState, b: VmrunCpuState): boolean {
  return a.efer === b.efer && a.cr0 === b.cr0 && a.cpl === b.cpl && a.raxLo === b.raxLo && a.raxHi === b.raxHi
    && a.addressSize === b.addressSize && a.inGuestMode === b.inGuestMode && a.hsaveLo === b.hsaveLo && a.hsaveHi === b.hsaveHi;
}

function memoHolds(ctx: VmrunCheckContext, m: VmrunCheckMemo): boolean {
  if (!m.valid || m.model !== ctx.model || m.policy !== ctx.policy || !sameCpu(m.cpu, ctx.cpu)) return false;
  const v = ctx.vmcb;
  if (v instanceof ByteRegion && v.base === 0 && v.bytes.length === VMCB_SIZE) {
    // A VMCB image (the L0's snapshot): the same values ByteRegion.read returns, without its range checks.
    const dv = v.dv;
    for (let k = 0; k < m.nv; k++) {
      const off = m.vOff[k], size = m.vSize[k];
      const x = size === 4 ? dv.getUint32(off, true) : size === 2 ? dv.getUint16(off, true) : dv.getUint8(off);
      if (x !== m.vVal[k]) return false;
    }
  } else {
    for (let k = 0; k < m.nv; k++) if (v.read(m.vOff[k], m.vSize[k]) !== m.vVal[k]) return false;
  }
  for (let k = 0; k < m.nm; k++) if (ctx.mem.read(m.mAddr[k], m.mSize[k]) !== m.mVal[k]) return false;
  return true;
}

/** runVmcbConsistencyChecks, answered from `memo` when the checks would read what they read when they last passed. */
export function runVmcbConsistencyChecksMemo(ctx: VmrunCheckContext, memo: VmrunCheckMemo): VmrunResult {
  if (memoHolds(ctx, memo)) return VMRUN_OK;
  let nv = 0, nm = 0;
  const vmcb = ctx.vmcb, mem = ctx.mem;
  const seen = new Set<number>(); // a field read twice is compared once
  const r = runVmcbConsistencyChecks({
    model: ctx.model, cpu: ctx.cpu, policy: ctx.policy,
    vmcb: {
      read: (off, size) => {
        const v = vmcb.read(off, size);
        if (!seen.has(off * 8 + size)) { seen.add(off * 8 + size); memo.vOff[nv] = off; memo.vSize[nv] = size; memo.vVal[nv++] = v; }
        return v;
      },
    },
    mem: { read: (addr, size) => { const v = mem.read(addr, size); memo.mAddr[nm] = addr; memo.mSize[nm] = size; memo.mVal[nm++] = v; return v; } },
  });
  memo.valid = r.ok;
  memo.nv = nv;
  memo.nm = nm;
  Object.assign(memo.cpu, ctx.cpu);
  memo.model = ctx.model;
  memo.policy = ctx.policy;
  return r;
}

/** runVmrunInstructionChecks, answered from `memo` for the CPU state and model of the last run that passed them (they read nothing else). */
export function runVmrunInstructionChecksMemo(ctx: VmrunInsnContext, memo: VmrunCheckMemo): VmrunResult {
  if (memo.valid && memo.model === ctx.model && memo.policy === ctx.policy && sameCpu(memo.cpu, ctx.cpu)) return VMRUN_OK;
  const r = runVmrunInstructionChecks(ctx);
  memo.valid = r.ok;
  memo.nv = 0;
  memo.nm = 0;
  Object.assign(memo.cpu, ctx.cpu);
  memo.model = ctx.model;
  memo.policy = ctx.policy;
  return r;
}
