// `nestvirt run` as a user runs it: exit statuses, one-line errors for bad
// input, QEMU-style flags, and RAM that follows what the guest touches.
import { strict as assert } from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { repoRoot } from '../support/qemu';
import { buildKernels } from '../support/kernels';
import { Machine } from '../../emulator/machine/machine';

const root = repoRoot();
const cli = path.join(root, 'bin', 'nestvirt');
const hello = path.join(root, 'examples', 'build', 'hello.elf');

function nestvirt(...args: string[]): { stdout: string; stderr: string; status: number } {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 60000, cwd: root });
  return { stdout: r.stdout, stderr: r.stderr, status: r.status ?? -1 };
}

function oneLineError(r: { stderr: string; status: number }, pattern: RegExp): void {
  assert.equal(r.status, 2, r.stderr);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, `expected one line, got:\n${r.stderr}`);
  assert.match(lines[0], pattern);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
}

describe('nestvirt run (CLI)', function () {
  this.timeout(120000);
  before(() => buildKernels());

  it('prints the greeting and exits 0 for a kernel that calls exit(0)', () => {
    const r = nestvirt('run', hello);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^Hello from nestvirt!\n/);
  });
  it('--qemu-exit-status gives (value << 1) | 1 like QEMU', () => {
    assert.equal(nestvirt('run', hello, '--qemu-exit-status').status, 1);
  });
  it('accepts QEMU single-dash spellings (-smp, -append)', () => {
    const r = nestvirt('run', hello, '-append', 'a b', '-smp', '2');
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /cmdline: file=hello.elf args="a b"/);
  });
  it('not an ELF / no multiboot header: exit 2, one line', () => {
    oneLineError(nestvirt('run', '/etc/passwd'), /not a multiboot kernel/);
  });
  it('missing file: exit 2, one line', () => {
    oneLineError(nestvirt('run', '/no/such/kernel.elf'), /cannot read kernel .*no such file/);
  });
  it('unknown CPU feature: exit 2, listing the valid features', () => {
    oneLineError(nestvirt('run', hello, '--cpu', 'max,-nosuchfeature'), /nosuchfeature.*valid features: .*sse2.*vmx-ept/);
  });
  it('bad memory size, bad -smp, unknown flag: exit 2', () => {
    oneLineError(nestvirt('run', hello, '-m', 'lots'), /bad memory size/);
    oneLineError(nestvirt('run', hello, '--smp', '0'), /bad -smp/);
    assert.equal(nestvirt('run', hello, '--bogus').status, 2);
  });
  it('a truncated ELF: exit 2, one line', () => {
    const f = path.join(os.tmpdir(), `nestvirt-trunc-${process.pid}.elf`);
    fs.writeFileSync(f, fs.readFileSync(hello).subarray(0, 200));
    try { oneLineError(nestvirt('run', f), /./); } finally { fs.unlinkSync(f); }
  });
  it('--max-instructions ends the run with status 5 and says so', () => {
    const r = nestvirt('run', hello, '--max-instructions', '1000');
    assert.equal(r.status, 5);
    assert.match(r.stderr, /stopped after 1000 instructions/);
  });
  it('-m 4G shows RAM above 4 GiB but commits only what the guest touches', () => {
    let out = '';
    const m = new Machine({ kernelPath: hello, kernel: new Uint8Array(fs.readFileSync(hello)), memoryBytes: 4 * 1024 ** 3, serialOut: (t) => { out += t; } });
    const end = m.run(1e8);
    assert.equal(end.kind, 'debug-exit');
    assert.match(out, /base=0x0000000100000000 length=0x0000000040000000 type=1/);
    assert.ok(m.mem.bytesCommitted < 64 * 1024 * 1024, `committed ${m.mem.bytesCommitted} bytes`);
  });
  it('--trace - prints one line per delivered exception', () => {
    const r = nestvirt('run', path.join(root, 'examples', 'build', 'exceptions.elf'), '--trace', '-');
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /cpu0 exception #UD\(6\) rip=0x/);
    assert.match(r.stdout, /cpu0 exception #PF\(14\) error=0x2 cr2=0x123456789/);
  });

  it('--trace - writes its own text as UTF-8 next to the guest\'s serial bytes (the APM § of a failed VMRUN check)', () => {
    const r = nestvirt('run', path.join(root, 'examples', 'build', 'svm-bad-vmrun.elf'), '--cpu', 'qemu64,+svm', '--trace', '-');
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /entry-fail VMEXIT_INVALID\(-1\) .*\[AMD APM vol 2 §15\.5\.1\]/);
    assert.doesNotMatch(r.stdout, /\uFFFD/, 'no replacement characters');
    assert.match(r.stdout, /back in L1 after VMRUN: EXITCODE = 0xffffffffffffffff/);
  });
});
