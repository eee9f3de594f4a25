// examples/vmx-hello booted in a Machine: a real L1 (gcc-built) launches a
// 64-bit L2 (no EPT in this slice) that runs CPUID, OUT, RDMSR, HLT, UD2 and
// VMCALL; L1 prints each exit and VMRESUMEs. Serial output must equal
// examples/expected/vmx-hello.txt, and the transition stream must alternate
// entry L1->L2 / reflect L2->L1 with the rule that decided each exit.
import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { Machine } from '../../../emulator/machine/machine';
import { buildKernels } from '../../support/kernels';
import { repoRoot } from '../../support/qemu';
import { formatTraceLine } from '../../../emulator/debug/trace-format';
import type { TransitionEvent } from '../../../emulator/events';

describe('examples/vmx-hello (a real L1 runs L2; exits reflected to L1)', function () {
  this.timeout(120000);
  const root = repoRoot();
  const elf = path.join(root, 'examples', 'build', 'vmx-hello.elf');
  before(() => buildKernels());

  it('prints the expected serial output, exits 0, and traces every entry and reflected exit', () => {
    const expected = fs.readFileSync(path.join(root, 'examples', 'expected', 'vmx-hello.txt'), 'latin1');
    const opts = JSON.parse(fs.readFileSync(path.join(root, 'examples', 'expected', 'vmx-hello.json'), 'utf8'));
    assert.equal(opts.qemu, false, 'QEMU TCG has no VMX: not a parity kernel');
    let out = '';
    const m = new Machine({ kernelPath: elf, kernel: new Uint8Array(fs.readFileSync(elf)), cpu: opts.cpu, serialOut: (t) => { out += t; } });
    const transitions: TransitionEvent[] = [];
    m.events.on((e) => { if (e.kind === 'transition') transitions.push(e); });
    const end = m.run(5e7);
    assert.equal(out, expected);
    assert.deepEqual(end, { kind: 'debug-exit', status: opts.status, value: 0 });
    const lines = transitions.map((t) => (formatTraceLine(t) ?? '').replace(/^\[ *\d+\] /, ''));
    assert.deepEqual(lines, [
      'cpu0 L1->L2 entry VMLAUNCH(0) handled-by=L0',
      'cpu0 L2->L1 reflect CPUID(10) qual=0 handled-by=L1 rule=l1WantsCpuid',
      'cpu0 L1->L2 entry VMRESUME(0) handled-by=L0',
      'cpu0 L2->L1 reflect IO_INSTRUCTION(30) qual=OUT 1-byte port 0x80 (immediate) handled-by=L1 rule=l1WantsIo',
      'cpu0 L1->L2 entry VMRESUME(0) handled-by=L0',
      'cpu0 L2->L1 reflect MSR_READ(31) qual=0 handled-by=L1 rule=l1WantsMsr',
      'cpu0 L1->L2 entry VMRESUME(0) handled-by=L0',
      'cpu0 L2->L1 reflect HLT(12) qual=0 handled-by=L1 rule=l1WantsHlt',
      'cpu0 L1->L2 entry VMRESUME(0) handled-by=L0',
      'cpu0 L2->L1 reflect EXCEPTION_NMI(0) qual=0 handled-by=L1 rule=l1WantsException',
      'cpu0 L1->L2 entry VMRESUME(0) handled-by=L0',
      'cpu0 L2->L1 reflect VMCALL(18) qual=0 handled-by=L1 rule=l1WantsVmcall',
    ]);
    // Determinism: the same run gives the same event stream, instruction counts included.
    const again: TransitionEvent[] = [];
    const m2 = new Machine({ kernelPath: elf, kernel: new Uint8Array(fs.readFileSync(elf)), cpu: opts.cpu, serialOut: () => undefined });
    m2.events.on((e) => { if (e.kind === 'transition') again.push(e); });
    m2.run(5e7);
    assert.deepEqual(again.map((t) => [t.seq, t.icount]), transitions.map((t) => [t.seq, t.icount]));
  });
});
