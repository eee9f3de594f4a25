import { strict as assert } from 'assert';
import {
  ENTRY_CHECKS, EntryCheckRun, entryCheck, runEntryChecks, runCheck, runExitChecks, formatEntryFailure, describeOutcome,
  EntryCheckResult, EntryCheckFailure, EntryOutcome, EntryStage,
} from '../../../emulator/vmx/entry-checks';
import { VMCS } from '../../../emulator/vmx/fields';
import { readTsv, baseline, ctxOf, Scenario, ALL_CAPS, MAX_CAPS, set, or, clr, PRIMARY, EXIT } from './helpers';
import { SPECS, Spec } from './entry-check-specs';

const ROWS = readTsv('vm-entry-checks.tsv');

function defaultOutcome(stage: EntryStage, qual: number): EntryOutcome {
  switch (stage) {
    case 'ctrl': return { kind: 'VMfailValid', error: 7 };
    case 'host': return { kind: 'VMfailValid', error: 8 };
    case 'guest': return { kind: 'entry-failure', reason: 33, exitReason: 0x80000021, qualification: qual };
    case 'msr-load': return { kind: 'entry-failure', reason: 34, exitReason: 0x80000022, qualification: qual };
    default: throw new Error('pre-stage rows name their outcome');
  }
}

function failed(r: EntryCheckResult, what: string): EntryCheckFailure {
  assert.equal(r.ok, false, `${what}: expected a failure`);
  return r as EntryCheckFailure;
}
function passed(r: EntryCheckResult, what: string): void {
  if (!r.ok) assert.fail(`${what}: expected success, got ${formatEntryFailure(r)}`);
}

function scenario(caps = ALL_CAPS, f?: (s: Scenario) => void): Scenario {
  const s = baseline(caps);
  if (f) f(s);
  return s;
}

describe('VM-entry checks (vm-entry-checks.tsv)', () => {
  it('every TSV row has exactly one check function, with the same stage and SDM section', () => {
    const ids = ROWS.map((r) => r.id);
    assert.equal(new Set(ids).size, ids.length);
    assert.deepEqual(ENTRY_CHECKS.map((d) => d.id).sort(), [...ids].sort());
    for (const r of ROWS) {
      const d = entryCheck(r.id);
      assert.ok(d, r.id);
      assert.equal(d.stage, r.stage, `${r.id} stage`);
      const first = (t: string) => t.split(/[ ,(]/)[0];
      assert.equal(first(d.sdm), first(r.sdm_section), `${r.id} SDM section`);
      assert.equal(typeof d.fn, 'function');
    }
  });

  it('every TSV row has a test spec', () => {
    const rules = new Set(['PRE-ORDER', 'MSR-LOAD-ORDER', 'FAIL-GUEST-SEMANTICS']);
    for (const r of ROWS) assert.ok(SPECS[r.id] || rules.has(r.id), `no spec for ${r.id}`);
  });

  it('the baseline 64-bit guest passes every check, under the max CPU model and under every capability', () => {
    passed(runEntryChecks(ctxOf(baseline(MAX_CAPS))), 'max');
    passed(runEntryChecks(ctxOf(baseline(ALL_CAPS))), 'all');
    passed(runExitChecks(ctxOf(baseline(ALL_CAPS))), 'exit checks');
  });

  for (const row of ROWS) {
    const spec: Spec | undefined = SPECS[row.id];
    if (!spec) continue;
    const def = entryCheck(row.id)!;
    describe(row.id, () => {
      const expectFailure = (f: EntryCheckFailure, field: string | RegExp | undefined, what: string) => {
        assert.equal(f.id, row.id, `${what}: id (${formatEntryFailure(f)})`);
        assert.equal(f.stage, row.stage, `${what}: stage`);
        assert.equal(f.sdm, def.sdm);
        const outcome = spec.outcome ?? defaultOutcome(row.stage as EntryStage, spec.qual ?? 0);
        assert.deepEqual(f.outcome, outcome, `${what}: outcome (${formatEntryFailure(f)})`);
        if (field instanceof RegExp) assert.match(f.field, field, `${what}: field`);
        else if (field) assert.equal(f.field, field, `${what}: field`);
        assert.ok(f.value.length > 0 && f.allowed.length > 0, `${what}: value and allowed text`);
      };

      it('passes when the rule holds', () => {
        const s = scenario(spec.caps, spec.pass);
        passed(runCheck(row.id, ctxOf(s)), 'the check alone');
        passed(runEntryChecks(ctxOf(s)), 'all entry checks');
        if (def.kind === 'exit') passed(runExitChecks(ctxOf(s)), 'exit checks');
      });

      it('fails with its id, stage and outcome when the rule is broken', () => {
        const s = scenario(spec.failCaps ?? spec.caps, spec.fail);
        const alone = failed(runCheck(row.id, ctxOf(s)), 'the check alone');
        expectFailure(alone, spec.field, 'alone');
        const full = def.kind === 'exit' ? runExitChecks(ctxOf(s)) : runEntryChecks(ctxOf(s));
        const f = failed(full, 'full run');
        if (spec.shadowedBy) {
          assert.equal(f.id, spec.shadowedBy, `shadowed: ${formatEntryFailure(f)}`);
        } else {
          expectFailure(f, spec.field, 'full run');
        }
      });

      for (const [name, brk, field, caps] of spec.variants ?? []) {
        it(`fails: ${name}`, () => {
          const s = scenario(caps ?? spec.failCaps ?? spec.caps, brk);
          expectFailure(failed(def.kind === 'exit' ? runExitChecks(ctxOf(s)) : runEntryChecks(ctxOf(s)), name), field ?? spec.field, name);
        });
      }
    });
  }

  it('a check never fails while its gate control is clear (the runner skips it), in every scenario', () => {
    const gated = ENTRY_CHECKS.filter((d) => d.gateWord >= 0);
    assert.ok(gated.length > 60, `${gated.length} gated checks`);
    const scenarios: Scenario[] = [];
    for (const spec of Object.values(SPECS)) {
      scenarios.push(scenario(spec.caps, spec.pass), scenario(spec.failCaps ?? spec.caps, spec.fail));
      for (const [, brk, , caps] of spec.variants ?? []) scenarios.push(scenario(caps ?? spec.failCaps ?? spec.caps, brk));
    }
    let opened = 0;
    for (const s of scenarios) {
      const x = new EntryCheckRun(ctxOf(s));
      for (const d of gated) {
        x.current = d;
        const open = x.gateOpen(d);
        if (open) opened++;
        if (!open) assert.equal(d.fn(x), null, `${d.id} failed with its gate closed`);
      }
    }
    assert.ok(opened > 0);
  });

  it('clearing the gate bits in the VMCS makes every gated check pass its own failing scenario', () => {
    const GATE_FIELD = ['PIN_BASED_VM_EXEC_CONTROL', 'CPU_BASED_VM_EXEC_CONTROL', 'SECONDARY_VM_EXEC_CONTROL', 'TERTIARY_VM_EXEC_CONTROL',
      'VM_EXIT_CONTROLS', 'SECONDARY_VM_EXIT_CONTROLS', 'VM_ENTRY_CONTROLS', 'VM_ENTRY_INTR_INFO_FIELD'] as const;
    for (const d of ENTRY_CHECKS.filter((c) => c.gateWord >= 0)) {
      const spec = SPECS[d.id];
      const s = scenario(spec.failCaps ?? spec.caps, spec.fail);
      assert.equal(runCheck(d.id, ctxOf(s)).ok, false, d.id);
      clr(s, GATE_FIELD[d.gateWord], d.gateMask);
      passed(runCheck(d.id, ctxOf(s)), `${d.id} with its gate cleared`);
    }
  });

  describe('PRE-ORDER', () => {
    it('passes: a valid VMCS runs through every stage', () => {
      passed(runEntryChecks(ctxOf(baseline())), 'baseline');
      passed(runCheck('PRE-ORDER', ctxOf(baseline())), 'rule');
    });
    it('fails in stage order: pre before ctrl before host before guest; the VMCS is not modified', () => {
      const s = baseline();
      set(s, 'CR3_TARGET_COUNT', 9); // ctrl
      set(s, 'HOST_CS_SELECTOR', 0); // host
      set(s, 'GUEST_TR_SELECTOR', 0x1c); // guest
      const before = Uint32Array.from(s.vmcs.data);
      assert.equal(failed(runEntryChecks(ctxOf(s)), 'ctrl').id, 'CTRL-CR3-TARGET-COUNT');
      assert.deepEqual(s.vmcs.data, before);
      s.cpu.movSsBlocking = true;
      assert.equal(failed(runEntryChecks(ctxOf(s)), 'pre').id, 'PRE-MOVSS');
      s.cpu.movSsBlocking = false;
      set(s, 'CR3_TARGET_COUNT', 0);
      assert.equal(failed(runEntryChecks(ctxOf(s)), 'host').id, 'HOST-CS-NULL');
      set(s, 'HOST_CS_SELECTOR', 8);
      assert.equal(failed(runEntryChecks(ctxOf(s)), 'guest').id, 'GUEST-TR-TI');
    });
    it('the pre-stage order follows the SDM pseudo-code (#UD, VM exit, #GP, VMfail)', () => {
      const s = baseline();
      s.cpu.nonRoot = true;
      s.cpu.cpl = 3;
      s.currentVmcsPointer = -1;
      assert.equal(failed(runEntryChecks(ctxOf(s)), '').id, 'PRE-NONROOT');
      s.cpu.csL = false;
      assert.equal(failed(runEntryChecks(ctxOf(s)), '').id, 'PRE-MODE');
      s.cpu.csL = true;
      s.cpu.nonRoot = false;
      assert.equal(failed(runEntryChecks(ctxOf(s)), '').id, 'PRE-CPL');
      s.cpu.cpl = 0;
      assert.equal(failed(runEntryChecks(ctxOf(s)), '').id, 'PRE-NO-VMCS');
    });
    it('VMRESUME in non-root is a VM exit with reason 24', () => {
      const s = baseline();
      s.instruction = 'vmresume';
      s.cpu.nonRoot = true;
      assert.deepEqual(failed(runEntryChecks(ctxOf(s)), '').outcome, { kind: 'vm-exit', reason: 24 });
    });
    it('stages can be run selectively', () => {
      const s = baseline();
      set(s, 'HOST_CS_SELECTOR', 0);
      passed(runEntryChecks(ctxOf(s), { stages: ['pre', 'ctrl', 'guest', 'msr-load'] }), 'without host');
    });
  });

  describe('PRE-SMM-EXEC-VMCS outcomes 17 and 18', () => {
    it('a non-launched executive VMCS is VMfailValid(17)', () => {
      const s = baseline();
      s.cpu.inSmm = true;
      set(s, 'EXECUTIVE_VMCS_POINTER', 0x70000);
      s.executiveVmcsLaunched = (p) => p !== 0x70000;
      assert.deepEqual(failed(runEntryChecks(ctxOf(s)), '').outcome, { kind: 'VMfailValid', error: 17 });
      s.executiveVmcsLaunched = () => true;
      passed(runCheck('PRE-SMM-EXEC-VMCS', ctxOf(s)), 'launched');
    });
    it('deactivating with a pointer other than the VMXON pointer is VMfailValid(18)', () => {
      const s = baseline();
      s.cpu.inSmm = true;
      or(s, 'VM_ENTRY_CONTROLS', 1 << 11);
      set(s, 'EXECUTIVE_VMCS_POINTER', 0x70000);
      assert.deepEqual(failed(runEntryChecks(ctxOf(s)), '').outcome, { kind: 'VMfailValid', error: 18 });
    });
  });

  describe('MSR-LOAD-ORDER', () => {
    it('passes: a valid list of three entries', () => {
      const s = baseline();
      set(s, 'VM_ENTRY_MSR_LOAD_ADDR', 0xe0000);
      set(s, 'VM_ENTRY_MSR_LOAD_COUNT', 3);
      [0x174, 0x175, 0x176].forEach((m, i) => s.mem.msrEntry(0xe0000, i, m, 0x1000));
      passed(runEntryChecks(ctxOf(s)), 'list');
      passed(runCheck('MSR-LOAD-ORDER', ctxOf(s)), 'rule');
    });
    it('fails at the first bad entry in list order, and only after the guest-state checks', () => {
      const s = baseline();
      set(s, 'VM_ENTRY_MSR_LOAD_ADDR', 0xe0000);
      set(s, 'VM_ENTRY_MSR_LOAD_COUNT', 3);
      s.mem.msrEntry(0xe0000, 0, 0x174);
      s.mem.msrEntry(0xe0000, 1, 0x808); // x2APIC: entry 2
      s.mem.msrEntry(0xe0000, 2, 0x174, 0, 0, 1); // reserved: entry 3
      const f = failed(runEntryChecks(ctxOf(s)), 'list');
      assert.equal(f.id, 'MSR-LOAD-X2APIC');
      assert.deepEqual(f.outcome, { kind: 'entry-failure', reason: 34, exitReason: 0x80000022, qualification: 2 });
      set(s, 'GUEST_TR_SELECTOR', 0x1c);
      assert.equal(failed(runEntryChecks(ctxOf(s)), 'guest first').id, 'GUEST-TR-TI');
    });
    it('reads at most 512 * (MISC[27:25] + 1) + 1 entries whatever the count', () => {
      const s = baseline();
      let reads = 0;
      set(s, 'VM_ENTRY_MSR_LOAD_ADDR', 0);
      set(s, 'VM_ENTRY_MSR_LOAD_COUNT', 0x100000);
      const ctx = { ...ctxOf(s), readPhys: () => { reads++; return 0; } };
      const f = failed(runEntryChecks(ctx), 'huge count');
      assert.equal(f.id, 'MSR-LOAD-COUNT');
      assert.equal(reads, 513 * 4);
    });
  });

  describe('FAIL-GUEST-SEMANTICS', () => {
    it('passes: a valid guest enters', () => {
      passed(runEntryChecks(ctxOf(baseline())), 'baseline');
      passed(runCheck('FAIL-GUEST-SEMANTICS', ctxOf(baseline())), 'rule');
    });
    it('a guest-state failure reports exit reason 0x80000021 with its qualification and leaves the VMCS as it was', () => {
      const s = baseline();
      set(s, 'VMCS_LINK_POINTER', 0x5008);
      const before = Uint32Array.from(s.vmcs.data);
      const f = failed(runEntryChecks(ctxOf(s)), 'link');
      assert.deepEqual(f.outcome, { kind: 'entry-failure', reason: 33, exitReason: 0x80000021, qualification: 4 });
      assert.equal(describeOutcome(f.outcome), 'VM-entry failure, exit reason 0x80000021 (33), qualification 4');
      assert.deepEqual(s.vmcs.data, before);
      assert.equal(s.vmcs.launched, false);
    });
  });

  describe('failure reports', () => {
    it('name the check, field, value, allowed values and SDM section in one line', () => {
      const s = baseline();
      set(s, 'GUEST_CS_AR_BYTES', 0xe09b);
      const f = failed(runEntryChecks(ctxOf(s)), 'cs');
      assert.equal(
        formatEntryFailure(f),
        'GUEST-CS-L-DB (SDM 27.3.1.2): GUEST_CS_AR_BYTES = 0xe09b (type 11, S 1, DPL 0, P 1, L 1, D/B 1, G 1): ' +
          'IA-32e mode guest: CS.L = 1 requires CS.D/B = 0; allowed: D/B (bit 14) = 0 when L (bit 13) = 1 in an IA-32e mode guest ' +
          '-> VM-entry failure, exit reason 0x80000021 (33), qualification 0',
      );
    });
    it('control violations name the offending bits and the capability MSR', () => {
      const s = baseline(MAX_CAPS);
      or(s, 'CPU_BASED_VM_EXEC_CONTROL', PRIMARY.ACTIVATE_TERTIARY_CONTROLS);
      clr(s, 'VM_EXIT_CONTROLS', EXIT.HOST_ADDRESS_SPACE_SIZE);
      const f = failed(runEntryChecks(ctxOf(s)), 'proc');
      assert.equal(f.id, 'CTRL-PROC-RSVD');
      assert.match(f.allowed, /capability MSR 0x48e/);
      assert.match(f.allowed, /ACTIVATE_TERTIARY_CONTROLS \(bit 17\) must be 0/);
    });
    it('fixed-bit violations name the CR bits', () => {
      const s = baseline();
      set(s, 'GUEST_CR4', 0x20);
      const f = failed(runEntryChecks(ctxOf(s)), 'cr4');
      assert.equal(f.id, 'GUEST-CR4-FIXED');
      assert.match(f.allowed, /VMXE \(bit 13\) must be 1/);
      assert.equal(f.value, '0x20');
    });
  });

  it('checks only read the VMCS through the view (VMCS_LINK_POINTER read as two halves)', () => {
    const s = baseline();
    assert.equal(s.vmcs.lo(VMCS.VMCS_LINK_POINTER), 0xffffffff);
    assert.equal(s.vmcs.hi(VMCS.VMCS_LINK_POINTER), 0xffffffff);
  });
});
