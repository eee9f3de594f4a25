// Builds the example kernels and the system test kernels (make), once per test run.
import { spawnSync } from 'child_process';
import * as path from 'path';
import { repoRoot } from './qemu';

let built = false;

export function buildKernels(): void {
  if (built) return;
  const root = repoRoot();
  for (const dir of ['examples', 'test/fixtures/kernels']) {
    const r = spawnSync('make', ['-s', '-C', path.join(root, dir)], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`make -C ${dir} failed:\n${r.stdout}${r.stderr}`);
  }
  built = true;
}
