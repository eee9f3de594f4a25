// SVM QEMU parity: every examples/svm-* kernel (an L1 hypervisor using AMD
// SVM) boots under `nestvirt run` and under qemu-system-x86_64 TCG with the
// same CPU model (`qemu64,+svm`, plus `+npt` where the kernel uses nested
// paging; expected/NAME.json says which). Serial output and exit status must
// be identical, except for the lines NAME.json declares as QEMU deviations
// from the AMD APM ("qemuDiffers"), where NAME.txt holds the APM's answer:
// nestvirt must print NAME.txt exactly, QEMU must print the declared line.
import { strict as assert } from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { applyQemuDiffers, qemuAvailable, readExpected, repoRoot, runInQemu, Expectation, QemuResult } from '../support/qemu';
import { buildKernels } from '../support/kernels';

const root = repoRoot();
const cli = path.join(root, 'bin', 'nestvirt');

/** The SVM example kernels: examples/svm-NAME/ directories. */
function svmKernels(): string[] {
  const dir = path.join(root, 'examples');
  return fs.readdirSync(dir).filter((n) => n.startsWith('svm-') && fs.statSync(path.join(dir, n)).isDirectory()).sort();
}

/** `nestvirt run` as a user runs it, with the options QEMU gets (as qemu-parity.test.ts does). */
function runNestvirt(e: Expectation): { stdout: string; stderr: string; status: number } {
  const args = [cli, 'run', e.kernel, '--qemu-exit-status', '-m', e.opts.memory ?? '256M'];
  if (e.opts.smp) args.push('--smp', String(e.opts.smp));
  if (e.opts.append !== undefined) args.push('--append', e.opts.append);
  if (e.opts.initrd?.length) args.push('--initrd', e.opts.initrd.join(','));
  args.push('--cpu', e.opts.cpu ?? 'qemu64');
  const r = spawnSync(process.execPath, args, { encoding: 'latin1', timeout: 120000, cwd: root });
  return { stdout: r.stdout ?? '', stderr: r.stderr ?? '', status: r.status ?? -1 };
}

describe('SVM QEMU parity (examples/svm-*: nestvirt run vs qemu-system-x86_64 -accel tcg)', function () {
  this.timeout(180000);
  before(() => buildKernels());

  it('every SVM example is built by examples/Makefile and has expected output', () => {
    const makefile = fs.readFileSync(path.join(root, 'examples', 'Makefile'), 'utf8');
    const kernels = (/^KERNELS\s*:=(.*)$/m.exec(makefile)?.[1] ?? '').trim().split(/\s+/);
    assert.ok(svmKernels().length > 0, 'no examples/svm-* directories');
    for (const name of svmKernels()) {
      assert.ok(kernels.includes(name), `${name} is not in KERNELS in examples/Makefile`);
      for (const ext of ['.txt', '.json']) {
        assert.ok(fs.existsSync(path.join(root, 'examples', 'expected', name + ext)), `no examples/expected/${name}${ext}`);
      }
    }
  });

  for (const name of svmKernels()) {
    describe(name, () => {
      let e: Expectation;
      let ours: { stdout: string; stderr: string; status: number } | undefined;
      let qemu: QemuResult | undefined;
      const nestvirt = () => (ours ??= runNestvirt(e));
      const live = () => (qemu ??= runInQemu(e.kernel, e.opts));
      before(() => { e = readExpected(name); });

      it('runs under an SVM CPU model on both sides', () => {
        assert.equal(e.status, 1, 'expected/NAME.json: status 1 is exit(0)');
        assert.match(e.opts.cpu ?? '', /^qemu64,\+svm(,|$)/, 'expected/NAME.json: cpu must be qemu64,+svm[,...]');
        for (const d of e.qemuDiffers) assert.ok(d.why.includes('APM'), `line ${d.line}: "why" must cite the APM section`);
      });

      it('QEMU prints expected/NAME.txt, modulo the declared differences, and exits the same', function () {
        if (!qemuAvailable()) this.skip();
        const q = live();
        assert.ok(!q.timedOut, `QEMU timed out\n${q.stderr}`);
        const applied = applyQemuDiffers(q.stdout, e);
        assert.deepEqual(applied.problems, [], 'declared QEMU differences');
        assert.equal(applied.stdout, e.stdout, `QEMU's output differs from expected/${name}.txt\n${q.stderr}`);
        assert.equal(q.status, e.status, `QEMU exit status ${q.status}`);
      });

      it('nestvirt prints expected/NAME.txt and exits the same', () => {
        const r = nestvirt();
        const where = `\n--- nestvirt stderr ---\n${r.stderr}`;
        assert.equal(r.stdout, e.stdout, `serial output differs from expected/${name}.txt${where}`);
        assert.equal(r.status, e.status, `exit status ${r.status}, expected ${e.status}${where}`);
      });

      it('nestvirt and a live QEMU run agree (serial output modulo declared differences, exit status)', function () {
        if (!qemuAvailable()) this.skip();
        const r = nestvirt();
        const applied = applyQemuDiffers(live().stdout, e);
        assert.equal(r.stdout, applied.stdout, `serial output differs from QEMU's\n--- nestvirt stderr ---\n${r.stderr}`);
        assert.equal(r.status, live().status, 'exit status differs from QEMU\'s');
      });
    });
  }
});
