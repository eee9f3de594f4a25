// QEMU parity: every example and system test kernel boots under
// `nestvirt run` (the CLI, as a user runs it) and under qemu-system-x86_64
// TCG; serial output and exit status must be identical.
import { strict as assert } from 'assert';
import { spawnSync } from 'child_process';
import * as path from 'path';
import { qemuAvailable, readExpected, repoRoot, runInQemu, Expectation } from '../support/qemu';
import { buildKernels } from '../support/kernels';

const root = repoRoot();
const cli = path.join(root, 'bin', 'nestvirt');

export function runNestvirt(e: Expectation, extra: string[] = []): { stdout: string; stderr: string; status: number } {
  const args = [cli, 'run', e.kernel, '--qemu-exit-status', '-m', e.opts.memory ?? '256M'];
  if (e.opts.smp) args.push('--smp', String(e.opts.smp));
  if (e.opts.append !== undefined) args.push('--append', e.opts.append);
  if (e.opts.initrd?.length) args.push('--initrd', e.opts.initrd.join(','));
  // Same CPU model on both sides: QEMU's default is qemu64 (nestvirt's is max).
  args.push('--cpu', e.opts.cpu ?? 'qemu64');
  const r = spawnSync(process.execPath, [...args, ...extra], { encoding: 'latin1', timeout: 120000, cwd: root });
  return { stdout: r.stdout ?? '', stderr: r.stderr ?? '', status: r.status ?? -1 };
}

const KERNELS: [string, 'examples' | 'fixtures'][] = [
  ['hello', 'examples'], ['exceptions', 'examples'], ['timer', 'examples'], ['smp', 'examples'],
  ['modes', 'fixtures'], ['faults', 'fixtures'], ['rings', 'fixtures'],
];

describe('QEMU parity (nestvirt run vs qemu-system-x86_64 -accel tcg)', function () {
  this.timeout(180000);
  before(() => buildKernels());

  for (const [name, set] of KERNELS) {
    it(`${set}/${name}: same serial output and exit status as QEMU`, () => {
      const e = readExpected(name, set);
      const ours = runNestvirt(e);
      const where = `\n--- nestvirt stderr ---\n${ours.stderr}`;
      // The recorded QEMU output is the contract; a live QEMU run re-checks it when installed.
      assert.equal(ours.stdout, e.stdout, `serial output differs from QEMU's recorded output${where}`);
      assert.equal(ours.status, e.status, `exit status ${ours.status}, QEMU ${e.status}${where}`);
      if (qemuAvailable()) {
        const q = runInQemu(e.kernel, e.opts);
        assert.equal(ours.stdout, q.stdout, 'serial output differs from a live QEMU run');
        assert.equal(ours.status, q.status, 'exit status differs from a live QEMU run');
      }
    });
  }
});
