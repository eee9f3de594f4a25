// examples/vmx-bad-entry booted in a Machine: a real L1 (gcc-built) whose
// VMLAUNCH fails on guest CS access rights. Its serial output must equal
// examples/expected/vmx-bad-entry.txt, and the transition stream must name
// the failed check (GUEST-CS-L-DB, SDM 27.3.1.2).
import { strict as assert } from 'assert';
import { buildKernels } from '../../support/kernels';
import { runExample } from '../../support/example-run';
import { formatTraceLine } from '../../../emulator/debug/trace-format';

describe('examples/vmx-bad-entry (VM-entry failure exit to a real L1)', function () {
  this.timeout(120000);
  before(() => buildKernels());

  it('prints the expected serial output, exits 0, and the trace names GUEST-CS-L-DB', () => {
    const { out, expected, opts, end, transitions } = runExample('vmx-bad-entry');
    assert.equal(opts.qemu, false, 'QEMU TCG has no VMX: not a parity kernel');
    assert.equal(out, expected);
    assert.deepEqual(end, { kind: 'debug-exit', status: opts.status, value: 0 });
    // The failure exit, then L1's VMRESUME of a clear VMCS (VMfailValid(5)).
    assert.equal(transitions.length, 2);
    const t = transitions[0];
    assert.deepEqual(t.check && { id: t.check.id, field: t.check.field, section: t.check.section },
      { id: 'GUEST-CS-L-DB', field: 'GUEST_CS_AR_BYTES', section: 'SDM 27.3.1.2' });
    const r = transitions[1];
    assert.equal(r.type, 'entry-fail');
    assert.equal(r.reasonName, 'VMfailValid');
    assert.equal(r.reason, 5);
    assert.equal(t.type, 'entry-fail');
    assert.equal(t.reason, 33);
    assert.equal(t.reasonName, 'INVALID_GUEST_STATE');
    assert.equal(t.rule, 'GUEST-CS-L-DB (SDM 27.3.1.2)');
    assert.match(formatTraceLine(t) ?? '', /cpu0 L1->L1 entry-fail INVALID_GUEST_STATE\(33\) qual=0.* handled-by=L1 rule=GUEST-CS-L-DB \(SDM 27\.3\.1\.2\)$/);
  });
});
