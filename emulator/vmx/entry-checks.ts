// VM-entry checks of VMLAUNCH/VMRESUME (SDM vol 3C ch. 27, ch. 31): every row
// of ../shared/reference/vm-entry-checks.tsv is one function carrying its row
// id and SDM section (entry-checks-*.ts, one file per stage), and this module
// runs them in processor order: pre -> ctrl -> host -> guest -> msr-load,
// stopping at the first failure. A failure names the check id, the field and
// its value, what was allowed, the SDM section and the architectural outcome
// (#UD, #GP, VMfailInvalid, VMfailValid(n), VM exit, or VM-entry failure with
// exit reason 33/34 and its qualification).
//
// The checks only read: a VMfailValid leaves the VMCS untouched (the caller
// writes the VM-instruction error), and a VM-entry failure is reported for
// the caller to turn into the exit (SDM §27.8: host state loaded, guest
// state not saved, launch state unchanged).
//
// Used for VMCS12 (capabilities = what L0 reports to L1, readPhys = L1
// guest-physical memory) and for VMCS02 (nestvirt's own capabilities; a
// failure there is an L0 bug).

import {
  EntryCheckContext, EntryCheckDef, EntryCheckFailure, EntryCheckResult, EntryCheckRun, EntryStage, ENTRY_OK, check,
  RECORD_MAX, RESET_FIELDS,
} from './entry-checks-types';
import { Vmcs, VmcsView } from './vmcs';
import type { VmxCaps } from './caps';
import { PRE_CHECKS } from './entry-checks-pre';
import { CTRL_CHECKS } from './entry-checks-ctrl';
import { HOST_CHECKS } from './entry-checks-host';
import { GUEST_REG_CHECKS } from './entry-checks-guest-regs';
import { GUEST_SEG_CHECKS } from './entry-checks-guest-seg';
import { GUEST_STATE_CHECKS } from './entry-checks-guest-state';
import { MSR_CHECKS, MSR_LOAD_ENTRY_CHECKS, msrListLimit, readMsrEntry } from './entry-checks-msr';
import { VMCS, VMCS_FIELD_COUNT, SLOT_BY_ENCODING } from './fields';
import { toNumber } from './bits';

export * from './entry-checks-types';
export { readMsrEntry, msrListLimit, exitMsrStoreProblem, exitMsrLoadProblem } from './entry-checks-msr';

/**
 * FAIL-GUEST-SEMANTICS — SDM 27.8: a guest-state or MSR-load failure is a
 * VM-entry failure: exit reason = basic reason | bit 31 (0x80000021 /
 * 0x80000022), exit qualification as given, host state loaded, guest state
 * not saved, launch state unchanged. Implemented by the outcome every
 * guest/msr-load failure carries (defaultOutcome); as a check it never fails.
 */
function failGuestSemantics(): null {
  return null;
}

/** Every row of vm-entry-checks.tsv, in processor order within each stage. */
export const ENTRY_CHECKS: readonly EntryCheckDef[] = [
  ...PRE_CHECKS,
  ...CTRL_CHECKS,
  ...HOST_CHECKS,
  ...GUEST_REG_CHECKS,
  ...GUEST_SEG_CHECKS,
  ...GUEST_STATE_CHECKS,
  ...MSR_CHECKS,
  check('FAIL-GUEST-SEMANTICS', '27.8', 'guest', 'a guest-state or MSR-load failure is a VM exit with bit 31 set in the exit reason; guest state is not saved', failGuestSemantics, { kind: 'rule' }),
];

const BY_ID = new Map<string, EntryCheckDef>(ENTRY_CHECKS.map((d) => [d.id, d]));

export function entryCheck(id: string): EntryCheckDef | undefined {
  return BY_ID.get(id);
}

const RUN_ORDER: Record<Exclude<EntryStage, 'msr-load'>, readonly EntryCheckDef[]> = {
  pre: PRE_CHECKS.filter((d) => d.kind === 'check'),
  ctrl: CTRL_CHECKS.filter((d) => d.kind === 'check'),
  host: HOST_CHECKS.filter((d) => d.kind === 'check'),
  guest: [...GUEST_REG_CHECKS, ...GUEST_SEG_CHECKS, ...GUEST_STATE_CHECKS].filter((d) => d.kind === 'check'),
};

export interface RunEntryChecksOptions {
  /** Stages to run (default all five, always in processor order). */
  readonly stages?: readonly EntryStage[];
  /** Reuse the passes of an earlier run of the same VMCS (see EntryCheckMemo). */
  readonly memo?: EntryCheckMemo;
}

/** Reused by runEntryChecks (synchronous, not re-entered: callbacks in the context must not run checks). */
const RUN = new EntryCheckRun();
const STAGES = ['pre', 'ctrl', 'host', 'guest'] as const;

/**
 * RUN_ORDER flattened into parallel arrays, the loop runEntryChecks walks at
 * every VM entry: the check, its stage (index into STAGES), its gate, and
 * its memo slot (-1 for pre checks, which read the processor and are never
 * memoized).
 */
const FLAT_DEFS: readonly EntryCheckDef[] = STAGES.flatMap((st) => RUN_ORDER[st]);
const FLAT_STAGE = Uint8Array.from(STAGES.flatMap((st, k) => RUN_ORDER[st].map(() => k)));
const FLAT_GATE_WORD = Int8Array.from(FLAT_DEFS, (d) => d.gateWord);
const FLAT_GATE_MASK = Int32Array.from(FLAT_DEFS, (d) => d.gateMask);
let memoSlotCount = 0;
const FLAT_MEMO = Int16Array.from(FLAT_DEFS, (d) => (d.stage === 'pre' ? -1 : memoSlotCount++));

/**
 * What one VMCS's last VM entries proved (a nested round trip re-checks a
 * VMCS12 of which L1 and L0's exit emulation changed a handful of fields):
 * which ctrl/host/guest checks passed, and which VMCS fields each of them
 * read. A check is a pure function of the capabilities, the fields it reads
 * and the members EntryCheckRun.reset decodes (RESET_FIELDS); when it read
 * nothing else (no processor state, no memory: EntryCheckRun.recTouchedCtx)
 * and none of those fields changed, it passes again and is not called.
 * Changes are found by comparing the VMCS's field words with a copy taken at
 * the previous run - not by counting writes - so every writer (VMWRITE,
 * L0's exit emulation, snapshots, the debugger) is covered. Pre checks
 * (processor and launch state) and the MSR-load list (memory) always run.
 * One memo per VMCS object (per vCPU's VMCS12).
 */
export class EntryCheckMemo {
  private caps: VmxCaps | null = null;
  private vmcs: Vmcs | null = null;
  private inSmm = false;
  /** The VMCS's field words at the previous run. */
  private readonly seen = new Uint32Array(VMCS_FIELD_COUNT * 2);
  /** Per memo slot: 1 = passed, and none of its inputs changed since (read by runEntryChecks). */
  readonly validity = new Uint8Array(memoSlotCount);
  /** Fields (slots) each passed check read, to undo its rows of `readBy`. */
  private readonly depCount = new Uint8Array(memoSlotCount);
  private readonly depSlot = new Int16Array(memoSlotCount * RECORD_MAX);
  /** readBy[field slot * memoSlotCount + check] = 1: the check's pass read the field. */
  private readonly readBy = new Uint8Array(VMCS_FIELD_COUNT * memoSlotCount);
  /** Checks called through this memo (tests, benchmarks). */
  called = 0;

  /** Forgets every pass. */
  invalidate(): void {
    this.validity.fill(0);
    this.readBy.fill(0);
    this.depCount.fill(0);
  }

  /**
   * Start of a run: forgets the passes whose fields changed since the last
   * run, or all of them if the capabilities, the VMCS object, SMM or a field
   * every check depends on changed. Returns false if `v` is not a Vmcs (no
   * memo then).
   */
  begin(caps: VmxCaps, v: VmcsView, inSmm: boolean): boolean {
    if (!(v instanceof Vmcs)) return false;
    const d = v.data, seen = this.seen;
    if (this.caps !== caps || this.vmcs !== v || this.inSmm !== inSmm) {
      this.invalidate();
      this.caps = caps;
      this.vmcs = v;
      this.inSmm = inSmm;
      seen.set(d);
      return true;
    }
    const n = memoSlotCount, valid = this.validity, readBy = this.readBy;
    for (let i = 0; i < d.length; i++) {
      if (d[i] === seen[i]) continue;
      seen[i] = d[i];
      const slot = i >>> 1;
      if (RESET_SLOT[slot] === 1) { this.invalidate(); seen.set(d); return true; }
      const row = slot * n;
      for (let m = 0; m < n; m++) if (readBy[row + m] === 1) valid[m] = 0;
    }
    return true;
  }

  /** After check `m` ran with recording: keep its pass if it read VMCS fields alone. */
  record(m: number, x: EntryCheckRun, passed: boolean): void {
    x.stopRecording();
    const n = memoSlotCount, base = m * RECORD_MAX;
    for (let k = 0; k < this.depCount[m]; k++) this.readBy[this.depSlot[base + k] * n + m] = 0;
    this.depCount[m] = 0;
    if (!passed || x.recOverflow || x.recTouchedCtx) { this.validity[m] = 0; return; }
    const c = x.recN;
    for (let k = 0; k < c; k++) {
      const slot = SLOT_BY_ENCODING[x.recEnc[k]];
      this.depSlot[base + k] = slot;
      this.readBy[slot * n + m] = 1;
    }
    this.depCount[m] = c;
    this.validity[m] = 1;
  }
}

/** 1 for the slots of RESET_FIELDS (inputs of every check). */
const RESET_SLOT: Uint8Array = (() => {
  const a = new Uint8Array(VMCS_FIELD_COUNT);
  for (const enc of RESET_FIELDS) a[SLOT_BY_ENCODING[enc]] = 1;
  return a;
})();

/**
 * Runs the checks in processor order; the first failure is the result.
 * Checks whose gate control is clear are skipped without a call (they
 * cannot fail), and so are those `opts.memo` proves to pass; allocation-free
 * on success.
 */
export function runEntryChecks(ctx: EntryCheckContext, opts: RunEntryChecksOptions = {}): EntryCheckResult {
  const x = RUN.reset(ctx);
  const stages = opts.stages;
  const memo = opts.memo !== undefined && opts.memo.begin(ctx.caps, ctx.vmcs, x.inSmm) ? opts.memo : null;
  const valid = memo !== null ? memo.validity : null;
  const words = x.words;
  let on = 0xf;
  if (stages) { on = 0; for (let k = 0; k < STAGES.length; k++) if (stages.includes(STAGES[k])) on |= 1 << k; }
  for (let i = 0; i < FLAT_DEFS.length; i++) {
    if (((on >>> FLAT_STAGE[i]) & 1) === 0) continue;
    const gw = FLAT_GATE_WORD[i];
    if (gw >= 0 && (words[gw] & FLAT_GATE_MASK[i]) === 0) continue;
    const m = FLAT_MEMO[i];
    if (valid !== null && m >= 0 && valid[m] === 1) continue;
    const def = FLAT_DEFS[i];
    x.current = def;
    if (valid !== null && m >= 0) {
      (memo as EntryCheckMemo).called++;
      x.startRecording();
      const r = def.fn(x);
      (memo as EntryCheckMemo).record(m, x, r === null);
      if (r) return r;
      continue;
    }
    const r = def.fn(x);
    if (r) return r;
  }
  if (!stages || stages.includes('msr-load')) {
    const r = runMsrLoadChecks(x);
    if (r) return r;
  }
  return ENTRY_OK;
}

/** Every failing check, not just the first: what a linter / the debugger's lint request reports. */
export interface AllEntryFailures {
  /** Checks called (gated-off checks are not: they cannot fail). */
  readonly checksRun: number;
  readonly failures: readonly EntryCheckFailure[];
}

/**
 * Runs every check of the stages (processor order) and collects every
 * failure instead of stopping at the first. The processor would stop at the
 * first, so later failures may be consequences of earlier ones. A check
 * that throws because an earlier one failed (e.g. an unreadable MSR-load
 * area) counts as run, without a failure. Allocates a fresh run: safe to
 * call from a callback of runEntryChecks.
 */
export function collectEntryCheckFailures(ctx: EntryCheckContext, opts: RunEntryChecksOptions = {}): AllEntryFailures {
  const x = new EntryCheckRun(ctx);
  const failures: EntryCheckFailure[] = [];
  let checksRun = 0;
  for (const stage of STAGES) {
    if (opts.stages && !opts.stages.includes(stage)) continue;
    for (const def of RUN_ORDER[stage]) {
      if (!x.gateOpen(def)) continue;
      x.current = def;
      checksRun++;
      try {
        const r = def.fn(x);
        if (r) failures.push(r);
      } catch {
        // Depends on a check that already failed: that failure is reported.
      }
    }
  }
  if (!opts.stages || opts.stages.includes('msr-load')) {
    checksRun++;
    try {
      const r = runMsrLoadChecks(x);
      if (r) failures.push(r);
    } catch {
      // An MSR-load area the earlier checks rejected.
    }
  }
  return { checksRun, failures };
}

/**
 * The msr-load stage (SDM 27.4): each entry of the VM-entry MSR-load area,
 * in order, through every per-entry check; the first failure's
 * qualification is the entry's 1-based number. At most
 * 512 * (MISC[27:25] + 1) + 1 entries are read, whatever the count says.
 */
export function runMsrLoadChecks(x: EntryCheckRun): EntryCheckFailure | null {
  const count = x.lo(VMCS.VM_ENTRY_MSR_LOAD_COUNT);
  if (count === 0) return null;
  const base = toNumber(x.lo(VMCS.VM_ENTRY_MSR_LOAD_ADDR), x.hi(VMCS.VM_ENTRY_MSR_LOAD_ADDR));
  const n = Math.min(count, msrListLimit(x) + 1);
  for (let i = 0; i < n; i++) {
    const e = readMsrEntry(x, base, i);
    for (const def of MSR_LOAD_ENTRY_CHECKS) {
      x.current = def;
      const r = (def.entryFn as NonNullable<EntryCheckDef['entryFn']>)(x, e, i + 1);
      if (r) return r;
    }
  }
  return null;
}

/** One check alone (any kind), by id: for tests, tools and the debugger's "why" view. */
export function runCheck(id: string, ctx: EntryCheckContext): EntryCheckResult {
  const def = BY_ID.get(id);
  if (!def) throw new Error(`no VM-entry check '${id}'`);
  const x = new EntryCheckRun(ctx);
  x.current = def;
  return def.fn(x) ?? ENTRY_OK;
}

/** The VM-exit checks (kind 'exit': MSR-store/load areas, host PDPTEs), for the VM exit that ends this guest run. */
export function runExitChecks(ctx: EntryCheckContext): EntryCheckResult {
  const x = new EntryCheckRun(ctx);
  for (const def of ENTRY_CHECKS) {
    if (def.kind !== 'exit') continue;
    x.current = def;
    const r = def.fn(x);
    if (r) return r;
  }
  return ENTRY_OK;
}
