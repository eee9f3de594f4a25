#!/usr/bin/env node
// Runs every compiled mocha test under out/test and ends with the plain line
// `tests: N passed, M failed` that CI reads (mocha's own summary is not read).
'use strict';
const path = require('path');
const fs = require('fs');
const Mocha = require('mocha');

function collect(dir, out) {
  if (!fs.existsSync(dir)) return out;
  for (const name of fs.readdirSync(dir).sort()) {
    const p = path.join(dir, name);
    if (fs.statSync(p).isDirectory()) collect(p, out);
    else if (name.endsWith('.test.js')) out.push(p);
  }
  return out;
}

const root = path.join(__dirname, '..', 'out', 'test');
const filter = process.argv[2];
const files = collect(root, []).filter((f) => !filter || f.includes(filter));
const mocha = new Mocha({ timeout: 120000, reporter: process.env.MOCHA_REPORTER || 'spec' });
for (const f of files) mocha.addFile(f);
let passed = 0;
let failed = 0;
const runner = mocha.run(() => {
  process.stdout.write(`tests: ${passed} passed, ${failed} failed\n`);
  process.exitCode = failed > 0 || passed === 0 ? 1 : 0;
});
runner.on('pass', () => passed++);
runner.on('fail', () => failed++);
