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
} from './entry-checks-types';
import { PRE_CHECKS } from './entry-checks-pre';
import { CTRL_CHECKS } from './entry-checks-ctrl';
import { HOST_CHECKS } from './entry-checks-host';
import { GUEST_REG_CHECKS } from './entry-checks-guest-regs';
import { GUEST_SEG_CHECKS } from './entry-checks-guest-seg';
import { GUEST_STATE_CHECKS } from './entry-checks-guest-state';
import { MSR_CHECKS, MSR_LOAD_ENTRY_CHECKS, msrListLimit, readMsrEntry } from './entry-checks-msr';
import { VMCS } from './fields';
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
}

/** Reused by runEntryChecks (synchronous, not re-entered: callbacks in the context must not run checks). */
const RUN = new EntryCheckRun();
const STAGES = ['pre', 'ctrl', 'host', 'guest'] as const;

/**
 * Runs the checks in processor order; the first failure is the result.
 * Checks whose gate control is clear are skipped without a call (they
 * cannot fail); allocation-free on success.
 */
export function runEntryChecks(ctx: EntryCheckContext, opts: RunEntryChecksOptions = {}): EntryCheckResult {
  const x = RUN.reset(ctx);
  const stages = opts.stages;
  const words = x.words;
  for (let k = 0; k < STAGES.length; k++) {
    if (stages && !stages.includes(STAGES[k])) continue;
    const list = RUN_ORDER[STAGES[k]];
    for (let i = 0; i < list.length; i++) {
      const def = list[i];
      if (def.gateWord >= 0 && (words[def.gateWord] & def.gateMask) === 0) continue;
      x.current = def;
      const r = def.fn(x);
      if (r) return r;
    }
  }
  if (!stages || stages.includes('msr-load')) {
    const r = runMsrLoadChecks(x);
    if (r) return r;
  }
  return ENTRY_OK;
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
