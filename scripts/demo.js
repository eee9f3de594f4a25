#!/usr/bin/env node
// `npm start`: the nested demo, headless. Builds the example kernels when gcc
// is present (else uses the prebuilt copies in examples/prebuilt/), then runs
// real L1 hypervisors under nestvirt's built-in L0 with the transition trace:
// vmx-hello (L2 exits reflected to L1, one named rule each, an EPT violation),
// vmx-bad-entry (a VM-entry failure explained by check id and SDM section),
// svm-hello (nested SVM with nested paging) and svm-bad-vmrun (a VMRUN
// consistency check). Each runs with the options of its expected-output file
// (examples/expected/NAME.json: CPU policy and memory), as examples/check.js does.
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

let failed = false;
for (const name of ['vmx-hello', 'vmx-bad-entry', 'svm-hello', 'svm-bad-vmrun']) {
  const kernel = path.join(dir, `${name}.elf`);
  if (!fs.existsSync(kernel)) { console.error(`npm start: ${kernel} is missing`); process.exit(1); }
  const expected = JSON.parse(fs.readFileSync(path.join(root, 'examples', 'expected', `${name}.json`), 'utf8'));
  const opts = ['--cpu', expected.cpu || 'max', '-m', expected.memory || '256M'];
  console.log(`\n$ nestvirt run ${path.relative(root, kernel)} ${opts.join(' ')} --trace -\n`);
  const t0 = Date.now();
  const r = spawnSync(process.execPath, [path.join(root, 'bin', 'nestvirt'), 'run', kernel, ...opts, '--trace', '-'], {
    stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8',
  });
  process.stdout.write(r.stdout);
  const transitions = (r.stdout.match(/ L\d->L\d /g) || []).length;
  console.log(`--- ${name}: exit status ${r.status}${r.status === 0 ? ' (success)' : ''}, ${transitions} VM transitions, ${Date.now() - t0} ms`);
  if (r.status !== 0) failed = true;
}
process.exit(failed ? 1 : 0);
