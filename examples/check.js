#!/usr/bin/env node
// Boots kernels in QEMU (TCG) and compares serial output and exit status with
// expected/NAME.txt and expected/NAME.json. Uses the same QEMU flags as
// test/support/qemu.ts, but runs without a TypeScript build.
//
//   node check.js [--build DIR] [--expected DIR] [--runs N] [--update] NAME...
//
// --runs N boots each kernel N times (all runs must agree: determinism).
// --update rewrites NAME.txt (and the status in NAME.json) from QEMU.
// initrd paths in NAME.json are relative to the repository root.
//
// Where QEMU TCG deviates from the architecture, NAME.txt holds what the
// manual says and NAME.json declares each deviating line:
//   "qemuDiffers": [{"line": N, "qemu": "<QEMU's line N>", "why": "<manual section, reason>"}]
// (N counts from 1). The comparison checks that QEMU still prints exactly
// `qemu` on line N and then takes the expected line in its place; a declared
// difference QEMU no longer shows is reported, so none goes stale silently.
// test/support/qemu.ts applies the same rule (applyQemuDiffers).
'use strict';
const { spawnSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const root = path.resolve(__dirname, '..');
let buildDir = path.join(__dirname, 'build');
let expectedDir = path.join(__dirname, 'expected');
let runs = 1;
let update = false;
const names = [];
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  if (a === '--build') buildDir = path.resolve(argv[++i]);
  else if (a === '--expected') expectedDir = path.resolve(argv[++i]);
  else if (a === '--runs') runs = Number(argv[++i]);
  else if (a === '--update') update = true;
  else names.push(a);
}

function qemuArgs(kernel, o) {
  const args = ['-accel', 'tcg', '-kernel', kernel, '-serial', 'stdio', '-display', 'none',
    '-device', 'isa-debug-exit,iobase=0xf4,iosize=4', '-no-reboot', '-m', o.memory || '256M'];
  if (o.smp !== undefined) args.push('-smp', String(o.smp));
  if (o.cpu !== undefined) args.push('-cpu', o.cpu);
  if (o.append !== undefined) args.push('-append', o.append);
  if (o.initrd && o.initrd.length) {
    args.push('-initrd', o.initrd.map((m) => path.resolve(root, m).replace(/,/g, ',,')).join(','));
  }
  return args;
}

// QEMU's output with the declared differences replaced by the expected lines
// (taken from `expected`, the current NAME.txt), plus what did not match.
function applyQemuDiffers(stdout, diffs, expected) {
  const lines = stdout.split('\n');
  const want = expected === null ? [] : expected.split('\n');
  const problems = [];
  for (const d of diffs || []) {
    const got = lines[d.line - 1];
    if (got !== d.qemu) {
      problems.push(`declared QEMU difference on line ${d.line} does not hold: QEMU printed ${JSON.stringify(got)}, ` +
        `declared ${JSON.stringify(d.qemu)}`);
    } else if (want[d.line - 1] !== undefined) {
      lines[d.line - 1] = want[d.line - 1];
    }
  }
  return { stdout: lines.join('\n'), problems };
}

let failed = 0;
for (const name of names) {
  const jsonPath = path.join(expectedDir, name + '.json');
  const txtPath = path.join(expectedDir, name + '.txt');
  const opts = fs.existsSync(jsonPath) ? JSON.parse(fs.readFileSync(jsonPath, 'utf8')) : { status: 1 };
  // Kernels QEMU cannot run (e.g. VMX: QEMU TCG has none) are checked by nestvirt's own tests.
  if (opts.qemu === false) { console.log(`${name}: skipped (not runnable under QEMU TCG)`); continue; }
  const args = qemuArgs(path.join(buildDir, name + '.elf'), opts);
  const results = [];
  for (let r = 0; r < runs; r++) {
    const p = spawnSync('qemu-system-x86_64', args, {
      stdio: ['ignore', 'pipe', 'pipe'], encoding: 'latin1', timeout: opts.timeoutMs || 60000 });
    results.push({ stdout: p.stdout || '', status: p.status === null ? -1 : p.status, stderr: p.stderr || '' });
  }
  const first = results[0];
  const nondet = results.some((r) => r.stdout !== first.stdout || r.status !== first.status);
  const before = fs.existsSync(txtPath) ? fs.readFileSync(txtPath, 'latin1') : null;
  const applied = applyQemuDiffers(first.stdout, opts.qemuDiffers, before);
  if (update && !nondet) {
    fs.mkdirSync(expectedDir, { recursive: true });
    fs.writeFileSync(txtPath, applied.stdout, 'latin1');
    fs.writeFileSync(jsonPath, JSON.stringify({ ...opts, status: first.status }) + '\n');
  }
  const want = fs.existsSync(txtPath) ? fs.readFileSync(txtPath, 'latin1') : null;
  const problems = [...applied.problems];
  if (nondet) problems.push('output differs between runs');
  if (want === null) problems.push('no ' + txtPath);
  else if (applied.stdout !== want) problems.push('serial output differs from ' + path.relative(root, txtPath));
  if (opts.status !== undefined && first.status !== opts.status && !update) {
    problems.push(`exit status ${first.status}, expected ${opts.status}`);
  }
  if (problems.length) {
    failed++;
    console.log(`FAIL ${name}: ${problems.join('; ')}`);
    if (first.stderr) console.log(first.stderr.trimEnd());
    console.log('--- got ---\n' + first.stdout + '--- end ---');
  } else {
    const nd = (opts.qemuDiffers || []).length;
    console.log(`ok   ${name} (status ${first.status}, ${runs} run${runs > 1 ? 's' : ''}` +
      (nd ? `, ${nd} declared QEMU difference${nd > 1 ? 's' : ''}` : '') + ')');
  }
}
process.exitCode = failed ? 1 : 0;
