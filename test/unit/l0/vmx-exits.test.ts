// examples/vmx-exits: N L2 CPUID exits, each handled by L1 and resumed; the
// benchmark kernel must itself be correct (count and clean exit).
import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { Machine } from '../../../emulator/machine/machine';
import { buildKernels } from '../../support/kernels';
import { repoRoot } from '../../support/qemu';

describe('examples/vmx-exits (nested round trips)', function () {
  this.timeout(120000);
  before(() => buildKernels());
  it('runs 500 CPUID round trips L2 -> L1 -> L2 and one VMCALL, with a reflect and an entry transition each', () => {
    const file = path.join(repoRoot(), 'examples', 'build', 'vmx-exits.elf');
    let out = '';
    const m = new Machine({ kernelPath: file, kernel: new Uint8Array(fs.readFileSync(file)), append: 'iters=500', cpu: 'max', serialOut: (t) => { out += t; } });
    const kinds = new Map<string, number>();
    m.events.on((e) => { if (e.kind === 'transition') kinds.set(`${e.type}:${e.reasonName}`, (kinds.get(`${e.type}:${e.reasonName}`) ?? 0) + 1); });
    const end = m.run(5e8);
    assert.deepEqual(end, { kind: 'debug-exit', status: 1, value: 0 });
    assert.match(out, /vmx-exits: 500 CPUID round trips, then VMCALL\n$/);
    assert.equal(kinds.get('reflect:CPUID'), 500);
    assert.equal(kinds.get('reflect:VMCALL'), 1);
  });
});
