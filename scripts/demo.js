#!/usr/bin/env node
// `npm start`: builds the examples when gcc is present (else uses the
// prebuilt copies shipped in examples/prebuilt/), then boots the demo kernel
// headless and prints its serial output and a short summary.
'use strict';
const { spawnSync } = require('child_process');
const path = require('path');
const fs = require('fs');

const root = path.join(__dirname, '..');
const haveGcc = spawnSync('gcc', ['--version'], { stdio: 'ignore' }).status === 0;
let dir = path.join(root, 'examples', 'build');
if (haveGcc) {
  const r = spawnSync('make', ['-s', '-C', path.join(root, 'examples')], { stdio: 'inherit' });
  if (r.status !== 0) { console.error('npm start: building the examples failed'); process.exit(1); }
} else {
  dir = path.join(root, 'examples', 'prebuilt');
  console.log('npm start: gcc not found, using the prebuilt example kernels');
}
// The demo: a kernel boots, then an L1 hypervisor meets a VM-entry failure
// that nestvirt's trace explains (check id, field, SDM section).
const nested = path.join(dir, 'vmx-bad-entry.elf');
if (fs.existsSync(nested)) {
  console.log(`$ nestvirt run ${path.relative(root, nested)} --trace -\n`);
  const n = spawnSync(process.execPath, [path.join(root, 'bin', 'nestvirt'), 'run', nested, '--trace', '-'], { stdio: 'inherit' });
  console.log(`(exit status ${n.status})\n`);
}
const kernel = path.join(dir, 'hello.elf');
if (!fs.existsSync(kernel)) { console.error(`npm start: ${kernel} is missing`); process.exit(1); }
console.log(`$ nestvirt run ${path.relative(root, kernel)}\n`);
const t0 = Date.now();
const r = spawnSync(process.execPath, [path.join(root, 'bin', 'nestvirt'), 'run', kernel], {
  stdio: ['ignore', 'inherit', 'pipe'], env: { ...process.env, NESTVIRT_STATS: '1' },
});
const err = r.stderr.toString();
const stats = /(\d+) instructions in (\d+) ms/.exec(err);
process.stderr.write(err.split('\n').filter((l) => !/instructions in/.test(l)).join('\n'));
console.log('\n--- summary ---');
console.log(`exit status: ${r.status}${r.status === 0 ? ' (the guest wrote 0 to isa-debug-exit: success)' : ''}`);
if (stats) {
  const n = Number(stats[1]), ms = Number(stats[2]);
  console.log(`instructions executed: ${n.toLocaleString('en-US')}`);
  console.log(`time: ${ms} ms (a short boot: start-up dominates; see npm run bench for throughput)`);
}
process.exit(r.status === 0 ? 0 : 1);
