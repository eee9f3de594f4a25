// examples/vmx-bad-entry booted in a Machine: a real L1 (gcc-built) whose
// VMLAUNCH fails on guest CS access rights. Its serial output must equal
// examples/expected/vmx-bad-entry.txt, and the transition stream must name
// the failed check (GUEST-CS-L-DB, SDM 27.3.1.2).
import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { Machine } from '../../../emulator/machine/machine';
import { buildKernels } from '../../support/kernels';
import { repoRoot } from '../../support/qemu';
import { formatTraceLine } from '../../../emulator/debug/trace-format';
import type { TransitionEvent } from '../../../emulator/events';

describe('examples/vmx-bad-entry (VM-entry failure exit to a real L1)', function () {
  this.timeout(120000);
  const root = repoRoot();
  const elf = path.join(root, 'examples', 'build', 'vmx-bad-entry.elf');
  before(() => buildKernels());

  it('prints the expected serial output, exits 0, and the trace names GUEST-CS-L-DB', () => {
    const expected = fs.readFileSync(path.join(root, 'examples', 'expected', 'vmx-bad-entry.txt'), 'latin1');
    const opts = JSON.parse(fs.readFileSync(path.join(root, 'examples', 'expected', 'vmx-bad-entry.json'), 'utf8'));
    assert.equal(opts.qemu, false, 'QEMU TCG has no VMX: not a parity kernel');
    let out = '';
    const m = new Machine({ kernelPath: elf, kernel: new Uint8Array(fs.readFileSync(elf)), cpu: opts.cpu, serialOut: (t) => { out += t; } });
    const transitions: TransitionEvent[] = [];
    m.events.on((e) => { if (e.kind === 'transition') transitions.push(e); });
    const end = m.run(5e7);
    assert.equal(out, expected);
    assert.deepEqual(end, { kind: 'debug-exit', status: opts.status, value: 0 });
    assert.equal(transitions.length, 1);
    const t = transitions[0];
    assert.equal(t.type, 'entry-fail');
    assert.equal(t.reason, 33);
    assert.equal(t.reasonName, 'INVALID_GUEST_STATE');
    assert.equal(t.rule, 'GUEST-CS-L-DB (SDM 27.3.1.2)');
    assert.match(formatTraceLine(t) ?? '', /cpu0 L1->L1 entry-fail INVALID_GUEST_STATE\(33\) qual=0.* handled-by=L1 rule=GUEST-CS-L-DB \(SDM 27\.3\.1\.2\)$/);
  });
});
