// Shared vocabulary of the VMRUN checks: the context a check reads, the
// failure it reports, and one metadata row per vmrun-checks.tsv row (id,
// APM section, stage, outcome). The check functions live in
// vmrun-insn-checks.ts, vmrun-state-checks.ts, vmrun-control-checks.ts and
// vmrun-behaviour.ts; vmrun-checks.ts orders and runs them.
import type { PhysRead } from './phys';
import { hex64 } from './u64';

/** What the checks need from the per-VM CPU model (CpuModel from emulator/x86/cpu-model.ts satisfies it). */
export interface SvmModelView {
  /** MAXPHYADDR (CPUID 8000_0008 EAX[7:0]). */
  readonly physAddrBits: number;
  /** Linear address width (48), for canonical checks. */
  readonly linearAddrBits: number;
  /** CR4 bits this CPU supports; any other bit is MBZ. */
  readonly cr4ValidMask: number;
  /** EFER bits this CPU supports; any other bit is MBZ. */
  readonly eferValidMask: number;
  /** Feature by cpu-features.ts name ('svm', 'npt', 'lm', 'flushbyasid', ...). */
  has(feature: string): boolean;
}

/** State of the CPU executing VMRUN (L1 for VMCB12, the L0's own view for VMCB02). Low dwords unless named Hi. */
export interface VmrunCpuState {
  /** EFER (bits 31:0): SVME for the #UD check, LMA for SVM-NP-NCR3. */
  efer: number;
  /** CR0 (bits 31:0): PE for the #UD check, PG for SVM-NP-HOSTPG. */
  cr0: number;
  cpl: number;
  raxLo: number;
  raxHi: number;
  /** Effective address size of VMRUN: selects AX, EAX or RAX as the VMCB address (APM vol 3 VMRUN). */
  addressSize: 16 | 32 | 64;
  /** The executing CPU is itself a guest (its VMCB intercepts VMRUN, which every valid VMCB does). */
  inGuestMode: boolean;
  /** VM_HSAVE_PA MSR (C001_0117). */
  hsaveLo: number;
  hsaveHi: number;
}

/** Choices where the APM leaves the behaviour undefined (vmrun-checks.tsv). */
export interface VmrunPolicy {
  /** SVM-INSN-HSAVE: VMRUN with VM_HSAVE_PA = 0: '#GP' as KVM (default) or 'ignore' as QEMU. */
  hsaveZero: 'gp' | 'ignore';
  /** SVM-EVENTINJ-RSVD: EVENTINJ bits 30:12 set with V=1: 'ignore' as QEMU/KVM (default) or 'invalid' as Xen. */
  eventInjReserved: 'ignore' | 'invalid';
}

export const DEFAULT_VMRUN_POLICY: VmrunPolicy = Object.freeze({ hsaveZero: 'gp', eventInjReserved: 'ignore' });

/** The instruction-level checks need no VMCB (its address is not validated yet). */
export interface VmrunInsnContext {
  model: SvmModelView;
  cpu: VmrunCpuState;
  policy?: Partial<VmrunPolicy>;
}

export interface VmrunCheckContext extends VmrunInsnContext {
  /** The VMCB to check: offsets 0..4095 (best a private snapshot: copyVmcb). */
  vmcb: PhysRead;
  /** Physical memory the VMCB's addresses refer to (PDPTEs of a PAE guest without NP). */
  mem: PhysRead;
}

export type VmrunOutcome = '#UD' | '#GP(0)' | '#VMEXIT(VMRUN)' | '#VMEXIT(VMEXIT_INVALID)';
export type VmrunStage = 'instruction' | 'consistency' | 'behaviour';

export interface VmrunFailure {
  readonly ok: false;
  readonly id: VmrunCheckId;
  /** The field that failed: 'EFER' (a VMCB field), 'CPU EFER.SVME', 'rAX', ... */
  readonly field: string;
  /** VMCB offset of the field, when it is one. */
  readonly offset?: number;
  /** The offending value, hex. */
  readonly value: string;
  /** What would have been accepted. */
  readonly allowed: string;
  /** The rule, one line (VMRUN_CHECK_META title). */
  readonly rule: string;
  /** AMD APM section. */
  readonly apm: string;
  readonly outcome: VmrunOutcome;
  /** One line naming all of the above (the trace and the debugger print it). */
  readonly message: string;
}

export type VmrunResult = { readonly ok: true } | VmrunFailure;
export const VMRUN_OK: VmrunResult = Object.freeze({ ok: true as const });

/** A VMRUN check function: null when the check passes. */
export type VmrunCheckFn = (ctx: VmrunCheckContext) => VmrunFailure | null;

export interface VmrunCheckMeta {
  readonly id: VmrunCheckId;
  readonly apm: string;
  readonly stage: VmrunStage;
  /** Outcome when it fails (behaviour rows never fail; theirs is nominal). */
  readonly outcome: VmrunOutcome;
  readonly title: string;
}

const INV: VmrunOutcome = '#VMEXIT(VMEXIT_INVALID)';
const m = (id: VmrunCheckId, apm: string, stage: VmrunStage, outcome: VmrunOutcome, title: string): VmrunCheckMeta => ({ id, apm, stage, outcome, title });

/** One row per vmrun-checks.tsv row, in the TSV's order. */
export const VMRUN_CHECK_META = [
  m('SVM-INSN-UD-SVME', 'vol 3 VMRUN; vol 2 §15.4', 'instruction', '#UD', 'SVM enabled (EFER.SVME=1) and protected mode'),
  m('SVM-INSN-GP-CPL', 'vol 3 VMRUN', 'instruction', '#GP(0)', 'CPL 0'),
  m('SVM-INSN-GP-ALIGN', 'vol 3 VMRUN; vol 2 §15.5', 'instruction', '#GP(0)', 'VMCB address in rAX 4 KiB aligned'),
  m('SVM-INSN-GP-MAXPHY', 'vol 3 VMRUN', 'instruction', '#GP(0)', 'VMCB address in rAX below 2^MAXPHYADDR'),
  m('SVM-INSN-INTERCEPT', 'vol 2 §15.9', 'instruction', '#VMEXIT(VMRUN)', 'VMRUN in a guest exits to the outer hypervisor'),
  m('SVM-INSN-HSAVE', 'vol 2 §15.30.4', 'instruction', '#GP(0)', 'VM_HSAVE_PA set up'),
  m('SVM-EFER-SVME', 'vol 2 §15.5.1', 'consistency', INV, 'guest EFER.SVME = 1'),
  m('SVM-EFER-MBZ', 'vol 2 §15.5.1', 'consistency', INV, 'guest EFER MBZ bits clear'),
  m('SVM-EFER-NOLM', 'vol 2 §15.5.1', 'consistency', INV, 'EFER.LME/LMA only on a CPU with long mode'),
  m('SVM-CR0-CD-NW', 'vol 2 §15.5.1', 'consistency', INV, 'not CR0.CD=0 with CR0.NW=1'),
  m('SVM-CR0-HI', 'vol 2 §15.5.1', 'consistency', INV, 'CR0[63:32] = 0'),
  m('SVM-CR3-MBZ', 'vol 2 §15.5.1', 'consistency', INV, 'CR3 MBZ bits clear (long mode: below MAXPHYADDR)'),
  m('SVM-CR4-MBZ', 'vol 2 §15.5.1', 'consistency', INV, 'CR4 MBZ bits clear'),
  m('SVM-DR6-HI', 'vol 2 §15.5.1', 'consistency', INV, 'DR6[63:32] = 0'),
  m('SVM-DR7-HI', 'vol 2 §15.5.1', 'consistency', INV, 'DR7[63:32] = 0'),
  m('SVM-LME-PG-NOPAE', 'vol 2 §15.5.1', 'consistency', INV, 'EFER.LME and CR0.PG need CR4.PAE'),
  m('SVM-LME-PG-NOPE', 'vol 2 §15.5.1', 'consistency', INV, 'EFER.LME and CR0.PG need CR0.PE'),
  m('SVM-LME-PG-PAE-CSLD', 'vol 2 §15.5.1', 'consistency', INV, 'long mode: not CS.L=1 with CS.D=1'),
  m('SVM-VMRUN-INTERCEPT', 'vol 2 §15.5.1', 'consistency', INV, 'VMRUN intercept bit set'),
  m('SVM-ASID-ZERO', 'vol 2 §15.5.1', 'consistency', INV, 'GUEST_ASID != 0'),
  m('SVM-MSRPM-ADDR', 'vol 2 §15.5.1, §15.11', 'consistency', INV, 'MSRPM ends below 2^MAXPHYADDR'),
  m('SVM-IOPM-ADDR', 'vol 2 §15.5.1, §15.10', 'consistency', INV, 'IOPM ends below 2^MAXPHYADDR'),
  m('SVM-EVENTINJ-TYPE', 'vol 2 §15.20', 'consistency', INV, 'EVENTINJ TYPE is 0, 2, 3 or 4'),
  m('SVM-EVENTINJ-VECTOR', 'vol 2 §15.20', 'consistency', INV, 'EVENTINJ TYPE 3 names an exception vector'),
  m('SVM-EVENTINJ-RSVD', 'vol 2 §15.20', 'consistency', INV, 'EVENTINJ bits 30:12 clear (Xen-strict policy)'),
  m('SVM-NP-UNSUPPORTED', 'vol 2 §15.25.3', 'consistency', INV, 'NP_ENABLE only with nested paging'),
  m('SVM-NP-HOSTPG', 'vol 2 §15.25.3', 'consistency', INV, 'NP_ENABLE only with host paging on'),
  m('SVM-NP-GPAT', 'vol 2 §15.25.8', 'consistency', INV, 'G_PAT holds valid memory types'),
  m('SVM-NP-NCR3', 'vol 2 §15.25', 'consistency', INV, 'N_CR3 below 2^MAXPHYADDR'),
  m('SVM-PDPTE', 'vol 2 §15.5.1; §5.3', 'consistency', INV, 'PAE guest without NP: PDPTEs have no reserved bits set'),
  m('SVM-TLBCTL', 'vol 2 §15.16.1', 'consistency', INV, 'TLB_CONTROL is 0, 1 (or 3, 7 with FlushByAsid)'),
  m('SVM-CET', 'vol 2 §15.5.1', 'consistency', INV, 'CET state legal (only with CET)'),
  m('SVM-CANON-VMRUN', 'vol 2 §15.5.1', 'behaviour', INV, 'non-canonical ES/CS/SS/DS/GDTR/IDTR bases are canonicalized, not rejected'),
  m('SVM-CANON-VMLOAD', 'vol 2 §15.5.2', 'behaviour', INV, 'VMLOAD canonicalizes FS/GS/TR/LDTR bases and KernelGSBase'),
  m('SVM-STATE-NOCHECK', 'vol 2 §15.5.1', 'behaviour', INV, 'no checks of segment attributes, RFLAGS, RIP, CPL, SS.DPL'),
  m('SVM-ORDER', 'vol 2 §15.5', 'behaviour', INV, 'order: instruction checks, then the consistency checks'),
] as const;

export type VmrunCheckId =
  | 'SVM-INSN-UD-SVME' | 'SVM-INSN-GP-CPL' | 'SVM-INSN-GP-ALIGN' | 'SVM-INSN-GP-MAXPHY' | 'SVM-INSN-INTERCEPT' | 'SVM-INSN-HSAVE'
  | 'SVM-EFER-SVME' | 'SVM-EFER-MBZ' | 'SVM-EFER-NOLM' | 'SVM-CR0-CD-NW' | 'SVM-CR0-HI' | 'SVM-CR3-MBZ' | 'SVM-CR4-MBZ'
  | 'SVM-DR6-HI' | 'SVM-DR7-HI' | 'SVM-LME-PG-NOPAE' | 'SVM-LME-PG-NOPE' | 'SVM-LME-PG-PAE-CSLD' | 'SVM-VMRUN-INTERCEPT'
  | 'SVM-ASID-ZERO' | 'SVM-MSRPM-ADDR' | 'SVM-IOPM-ADDR' | 'SVM-EVENTINJ-TYPE' | 'SVM-EVENTINJ-VECTOR' | 'SVM-EVENTINJ-RSVD'
  | 'SVM-NP-UNSUPPORTED' | 'SVM-NP-HOSTPG' | 'SVM-NP-GPAT' | 'SVM-NP-NCR3' | 'SVM-PDPTE' | 'SVM-TLBCTL' | 'SVM-CET'
  | 'SVM-CANON-VMRUN' | 'SVM-CANON-VMLOAD' | 'SVM-STATE-NOCHECK' | 'SVM-ORDER';

const metaById = new Map<string, VmrunCheckMeta>(VMRUN_CHECK_META.map((x) => [x.id, x]));

export function vmrunCheckMeta(id: string): VmrunCheckMeta | undefined {
  return metaById.get(id);
}

/** Builds the failure of check `id` (APM section and outcome from VMRUN_CHECK_META). */
export function fail(id: VmrunCheckId, field: string, value: string, allowed: string, offset?: number): VmrunFailure {
  const meta = metaById.get(id) as VmrunCheckMeta;
  const where = offset === undefined ? field : `VMCB.${field} (0x${offset.toString(16).padStart(3, '0')})`;
  return {
    ok: false, id, field, offset, value, allowed, rule: meta.title, apm: meta.apm, outcome: meta.outcome,
    message: `VMRUN check ${id} failed: ${where} = ${value}; ${allowed} [AMD APM ${meta.apm}] -> ${meta.outcome}`,
  };
}

export function policyOf(ctx: VmrunInsnContext): VmrunPolicy {
  return ctx.policy ? { ...DEFAULT_VMRUN_POLICY, ...ctx.policy } : DEFAULT_VMRUN_POLICY;
}

/** Low and high dword of a 64-bit VMCB field. */
export const lo32 = (v: PhysRead, off: number): number => v.read(off, 4) >>> 0;
export const hi32 = (v: PhysRead, off: number): number => v.read(off + 4, 4) >>> 0;
export const hexField = (v: PhysRead, off: number): string => hex64(lo32(v, off), hi32(v, off));

/** CR4.CET (bit 23): the CPU model supports CET exactly when it lets CR4.CET be set. */
export const CR4_CET = 1 << 23;
export function supportsCet(model: SvmModelView): boolean {
  return (model.cr4ValidMask & CR4_CET) !== 0;
}
