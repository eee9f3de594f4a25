// examples/vmx-guest booted in a Machine with its L2 as a multiboot module
// (as `nestvirt run --initrd build/vmx-guest-l2.elf build/vmx-guest.elf`):
// the real L1 loads the separate guest ELF's PT_LOAD segment at 0x2000000,
// runs it under an EPT that maps only L2's 2 MiB, emulates COM1 and CPUID for
// it and checks the result L2 reports with VMCALL. Serial output must equal
// examples/expected/vmx-guest.txt; every exit is reflected to L1 by the rule
// for its reason; without a usable module L1 says why and fails.
import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { buildKernels } from '../../support/kernels';
import { repoRoot } from '../../support/qemu';
import { Machine, RunEnd } from '../../../emulator/machine/machine';
import type { TransitionEvent } from '../../../emulator/events';
import { formatTraceLine } from '../../../emulator/debug/trace-format';

interface Run { out: string; end: RunEnd; transitions: TransitionEvent[] }

function boot(modules: { path: string; data: Uint8Array }[], cpu: string): Run {
  const elf = path.join(repoRoot(), 'examples', 'build', 'vmx-guest.elf');
  let out = '';
  const m = new Machine({ kernelPath: elf, kernel: new Uint8Array(fs.readFileSync(elf)), cpu, modules, serialOut: (t) => { out += t; } });
  const transitions: TransitionEvent[] = [];
  m.events.on((e) => { if (e.kind === 'transition') transitions.push(e); });
  const end = m.run(5e7);
  return { out, end, transitions };
}

describe('examples/vmx-guest (L1 loads a separate L2 ELF from a multiboot module)', function () {
  this.timeout(120000);
  const root = (): string => repoRoot();
  let opts: { cpu: string; status: number; qemu: boolean; initrd: string[] };
  let modules: { path: string; data: Uint8Array }[];

  before(() => {
    buildKernels();
    opts = JSON.parse(fs.readFileSync(path.join(root(), 'examples', 'expected', 'vmx-guest.json'), 'utf8'));
    // initrd paths in NAME.json are relative to the repository root (examples/check.js).
    modules = opts.initrd.map((p) => ({ path: p, data: new Uint8Array(fs.readFileSync(path.join(root(), p))) }));
  });

  it('prints the expected serial output, exits 0, and reflects every L2 exit to L1', () => {
    assert.equal(opts.qemu, false, 'QEMU TCG has no VMX: not a parity kernel');
    assert.deepEqual(opts.initrd, ['examples/build/vmx-guest-l2.elf']);
    const { out, end, transitions } = boot(modules, opts.cpu);
    assert.equal(out, fs.readFileSync(path.join(root(), 'examples', 'expected', 'vmx-guest.txt'), 'latin1'));
    assert.deepEqual(end, { kind: 'debug-exit', status: opts.status, value: 0 });

    const lines = transitions.map((t) => (formatTraceLine(t) ?? '').replace(/^\[ *\d+\] /, ''));
    assert.equal(lines[0], 'cpu0 L1->L2 entry VMLAUNCH(0) handled-by=L0');
    // Entries and exits alternate; L1 (not L0) handles every exit, by the rule for its reason.
    const exits = lines.filter((_, i) => i % 2 === 1);
    assert.ok(lines.filter((_, i) => i % 2 === 0).slice(1).every((l) => l === 'cpu0 L1->L2 entry VMRESUME(0) handled-by=L0'));
    const count = (re: RegExp): number => exits.filter((l) => re.test(l)).length;
    assert.equal(count(/^cpu0 L2->L1 reflect IO_INSTRUCTION\(30\) qual=IN 1-byte port 0x3fd \(DX\) handled-by=L1 rule=l1WantsIo$/), 115);
    assert.equal(count(/^cpu0 L2->L1 reflect IO_INSTRUCTION\(30\) qual=OUT 1-byte port 0x3f8 \(DX\) handled-by=L1 rule=l1WantsIo$/), 115);
    assert.equal(count(/^cpu0 L2->L1 reflect CPUID\(10\) qual=0 handled-by=L1 rule=l1WantsCpuid$/), 2);
    assert.equal(exits[exits.length - 1], 'cpu0 L2->L1 reflect VMCALL(18) qual=0 handled-by=L1 rule=l1WantsVmcall');
    assert.equal(exits.length, 233, 'the count L1 prints');
    // L2's exits come from its own ELF's code at 0x2000000, not from L1's image at 1 MiB.
    const l2Rips = transitions.filter((t) => t.from === 2).map((t) => Number(t.rip ?? NaN));
    assert.ok(l2Rips.every((rip) => rip >= 0x2000000 && rip < 0x2200000), l2Rips.filter((r) => !(r >= 0x2000000)).join(','));
  });

  it('refuses a module that is not an ELF, and runs no L2 without one', () => {
    const bad = boot([{ path: 'examples/vmx-guest/guest/guest.c', data: new Uint8Array(fs.readFileSync(path.join(root(), 'examples/vmx-guest/guest/guest.c'))) }], opts.cpu);
    assert.equal(bad.out, 'module 0: guest.c\nL2 image: not an ELF file\n');
    assert.deepEqual(bad.end, { kind: 'debug-exit', status: 3, value: 1 });
    assert.equal(bad.transitions.length, 0);
    const none = boot([], opts.cpu);
    assert.match(none.out, /^no L2: pass the guest ELF as a multiboot module/);
    assert.deepEqual(none.end, { kind: 'debug-exit', status: 3, value: 1 });
  });
});
