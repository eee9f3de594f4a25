// docs/coverage.md is generated (scripts/coverage.ts) and must match the
// tables and the code; and the coverage it reports must hold: whatever
// `max` advertises to L1 is honoured for L2, and every rule the exit-rule
// index names is a real decision function.
import { strict as assert } from 'assert';
import * as fs from 'fs';
import {
  generateCoverage, COVERAGE_DOC, controlCoverage, exitReasonCoverage, entryCheckCoverage, vmrunCheckCoverage, capabilityBitCoverage,
} from '../../scripts/coverage';
import { L1_EXIT_RULES } from '../../emulator/l0/vmx-exit-rules';
import { INSN_EXITS } from '../../emulator/l0/vmx-insn-exits';
import { VMX_INSN_EXITS } from '../../emulator/l0/vmx-insn-l2';
import * as NonRoot from '../../emulator/l0/vmx-nonroot';
import * as Events from '../../emulator/l0/vmx-events';
import * as EntryFailure from '../../emulator/l0/vmx-entry-failure';
import { RULE_VIOLATION, RULE_MISCONFIG } from '../../emulator/l0/vmx-ept02';

describe('coverage (docs/coverage.md)', () => {
  it('the committed document is what scripts/coverage.ts generates now (npm run coverage)', () => {
    const committed = fs.existsSync(COVERAGE_DOC) ? fs.readFileSync(COVERAGE_DOC, 'utf8') : '';
    assert.ok(committed === generateCoverage(), 'docs/coverage.md is stale: run `npm run coverage` and commit the result');
  });

  it('every control max advertises is honoured for L2; the words L0 never activates are not advertised', () => {
    const controls = controlCoverage();
    assert.ok(controls.length > 140, `${controls.length} rows`);
    for (const c of controls) {
      if (c.reserved) {
        assert.ok(!c.advertised || c.required, `${c.word} reserved bit ${c.bit} advertised but not default1`);
        continue;
      }
      if (!c.advertised) continue;
      assert.ok(c.acceptedForL2 !== null, `${c.word} ${c.name} is advertised but L0 never activates its word`);
      assert.ok(c.acceptedForL2, `${c.word} ${c.name} (bit ${c.bit}) is advertised by max but L0 refuses it for L2`);
    }
    // The controls of the brief, explicitly: never advertised.
    for (const n of ['MONITOR_TRAP_FLAG', 'USE_TPR_SHADOW', 'VMCS_SHADOWING', 'ENABLE_VM_FUNCTIONS', 'EPTP_SWITCHING']) {
      const c = controls.find((x) => x.name === n);
      assert.ok(c && !c.advertised, `${n} advertised`);
    }
  });

  it('every IA32_VMX_* capability bit max advertises is an implemented feature', () => {
    for (const c of capabilityBitCoverage()) if (c.advertised) assert.ok(c.implemented, `${c.feature} advertised, not implemented`);
  });

  it('no exit reason that an advertised control enables lacks an L1 rule', () => {
    const exits = exitReasonCoverage();
    assert.ok(exits.length > 70);
    for (const e of exits) {
      if (e.status === 'reflected') continue;
      const adv = e.controls.filter((c) => c.advertised).map((c) => c.name);
      assert.deepEqual(adv, [], `reason ${e.number} ${e.name}: enabled by advertised ${adv.join(', ')} but has no L1 rule`);
    }
    // What the registry says matches what is reflected for the everyday exits.
    for (const n of [0, 1, 10, 12, 18, 28, 30, 31, 48, 52]) assert.equal(exits.find((e) => e.number === n)?.status, 'reflected', `reason ${n}`);
  });

  it('L1_EXIT_RULES names exactly the rules the dispatchers use', () => {
    const rulesOf = (reason: number): readonly string[] => L1_EXIT_RULES[reason] ?? [];
    for (const [insn, row] of Object.entries(INSN_EXITS)) {
      assert.ok(rulesOf(row.reason).includes(row.rule), `INSN_EXITS.${insn}: reason ${row.reason} rule ${row.rule} missing from L1_EXIT_RULES`);
    }
    for (const [m, x] of Object.entries(VMX_INSN_EXITS)) {
      const want = x.reason === 18 ? NonRoot.l1WantsVmcall.name : NonRoot.l1WantsVmxInstruction.name;
      assert.deepEqual(rulesOf(x.reason), [want], `${m} (reason ${x.reason})`);
    }
    const fns = new Set<string>();
    for (const mod of [NonRoot, Events, EntryFailure] as Record<string, unknown>[]) {
      for (const [k, v] of Object.entries(mod)) if (typeof v === 'function') fns.add(k);
    }
    fns.add(RULE_VIOLATION).add(RULE_MISCONFIG);
    for (const [reason, names] of Object.entries(L1_EXIT_RULES)) {
      assert.ok(names.length > 0, `reason ${reason}`);
      for (const n of names) assert.ok(fns.has(n), `reason ${reason}: '${n}' is not an exported rule`);
    }
  });

  it('every VM-entry check row is implemented with a test scenario, every VMRUN check row implemented', () => {
    for (const c of entryCheckCoverage()) {
      assert.ok(c.fn !== null, `${c.id} not implemented`);
      assert.ok(c.spec, `${c.id} has no test scenario`);
    }
    for (const c of vmrunCheckCoverage()) assert.ok(c.implemented, `${c.id} not implemented`);
  });
});
