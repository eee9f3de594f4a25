// EntryCheckMemo (vmx/entry-checks.ts) must never change a result: every
// scenario of the entry-check specs, run through one long-lived VMCS and
// memo in sequence (so each run starts from the previous scenario's
// passes), gives exactly what a run without the memo gives.
import { strict as assert } from 'assert';
import { runEntryChecks, EntryCheckMemo, EntryCheckResult, formatEntryFailure } from '../../../emulator/vmx/entry-checks';
import { Vmcs, VmcsProfile } from '../../../emulator/vmx/vmcs';
import { VMCS } from '../../../emulator/vmx/fields';
import { baseline, ctxOf, Scenario, ALL_CAPS } from './helpers';
import { SPECS } from './entry-check-specs';

const show = (r: EntryCheckResult): string => (r.ok ? 'ok' : formatEntryFailure(r));

describe('VM-entry check memo (EntryCheckMemo)', () => {
  /** Runs `s` without a memo, and through `v` + `memo`; both results must be the same. */
  function same(s: Scenario, v: Vmcs, memo: EntryCheckMemo, what: string): EntryCheckResult {
    const plain = runEntryChecks(ctxOf(s));
    v.copyFrom(s.vmcs);
    const memoed = runEntryChecks({ ...ctxOf(s), vmcs: v }, { memo });
    assert.equal(show(memoed), show(plain), what);
    return memoed;
  }

  it('gives the result of an unmemoized run for every spec scenario, run back to back', () => {
    const v = new Vmcs(VmcsProfile.ALL);
    const memo = new EntryCheckMemo();
    let runs = 0;
    // Two rounds: the second starts from the passes the first left behind.
    for (let round = 0; round < 2; round++) {
      for (const [id, spec] of Object.entries(SPECS)) {
        const caps = spec.caps ?? ALL_CAPS;
        const pass = baseline(caps);
        spec.pass?.(pass);
        same(pass, v, memo, `${id}: pass case`);
        const fail = baseline(spec.failCaps ?? caps);
        spec.pass?.(fail);
        spec.fail(fail);
        same(fail, v, memo, `${id}: fail case`);
        for (const [desc, brk, , vcaps] of spec.variants ?? []) {
          const s = baseline(vcaps ?? caps);
          brk(s);
          same(s, v, memo, `${id}: ${desc}`);
        }
        runs++;
      }
    }
    assert.ok(runs > 100, `${runs} specs`);
    assert.ok(memo.called > 0, `called ${memo.called}`);
  });

  it('reuses passes of an unchanged VMCS, and re-runs exactly the checks whose fields changed', () => {
    const s = baseline(ALL_CAPS);
    const v = new Vmcs(VmcsProfile.ALL);
    const memo = new EntryCheckMemo();
    assert.ok(same(s, v, memo, 'first run').ok);
    const first = memo.called;
    assert.ok(first > 50, `the first run calls the checks (${first})`);
    assert.ok(same(s, v, memo, 'same VMCS').ok);
    const second = memo.called - first;
    assert.ok(second < first / 4, `an unchanged VMCS re-runs only checks that read more than fields (${second} of ${first})`);
    // A non-canonical guest RIP (bits 63:47 not all equal) must still be caught.
    s.vmcs.set(VMCS.GUEST_RIP, 0x1000, 0x00008000);
    const r = same(s, v, memo, 'bad RIP');
    assert.equal(r.ok, false);
    // Back to the good RIP, then a field every check depends on (a control word).
    s.vmcs.set(VMCS.GUEST_RIP, 0x1000, 0);
    assert.ok(same(s, v, memo, 'good RIP again').ok);
    const before = memo.called;
    // External-interrupt exiting flipped: allowed either way under every capability.
    s.vmcs.set(VMCS.PIN_BASED_VM_EXEC_CONTROL, s.vmcs.lo(VMCS.PIN_BASED_VM_EXEC_CONTROL) ^ 1);
    assert.ok(same(s, v, memo, 'pin-based control changed').ok);
    assert.ok(memo.called - before > 50, 'a changed control word re-runs every check');
  });
});
