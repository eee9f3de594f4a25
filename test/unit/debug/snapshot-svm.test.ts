// Snapshots with nested SVM (emulator/debug/snapshot.ts): L0's per-vCPU SVM
// state (SvmVcpuState, with NPT02 and the ASID map as fields, not module
// WeakMaps) is restored with the machine, its caches (TLB banks, NPT02
// entries, merged-map sources) are dropped at take and restore, and a
// restored machine re-runs svm-hello (L2 under nested paging) exactly as it
// ran the first time.
import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { Machine } from '../../../emulator/machine/machine';
import type { MachineEvent } from '../../../emulator/events';
import { svmStateOf, Npt02 } from '../../../emulator/l0/index';
import { Snapshotter, dumpMachine } from '../../../emulator/debug/snapshot';
import { buildKernels } from '../../support/kernels';
import { repoRoot } from '../../support/qemu';

interface Rig { m: Machine; out: () => string; events: string[] }

function boot(): Rig {
  const root = repoRoot();
  const elf = path.join(root, 'examples', 'build', 'svm-hello.elf');
  const opts = JSON.parse(fs.readFileSync(path.join(root, 'examples', 'expected', 'svm-hello.json'), 'utf8'));
  let out = '';
  const m = new Machine({ kernelPath: elf, kernel: new Uint8Array(fs.readFileSync(elf)), cpu: opts.cpu, serialOut: (t) => { out += t; } });
  const events: string[] = [];
  m.events.on((e: MachineEvent) => { if (e.kind !== 'serial') events.push(JSON.stringify(e)); });
  return { m, out: () => out, events };
}

const transitions = (r: Rig): number => r.events.filter((e) => e.includes('"transition"')).length;

/** Runs one instruction at a time until `done` holds at a boundary. */
function until(r: Rig, done: () => boolean, what: string): void {
  for (let i = 0; i < 2_000_000; i++) {
    if (done()) return;
    r.m.run(1);
  }
  assert.fail(`svm-hello never reached: ${what}`);
}

/** L2 runs under nested paging, after `entries` VMRUNs. */
function inL2WithNp(r: Rig, entries: number): void {
  until(r, () => {
    const s = svmStateOf(r.m.cpus[0]);
    return s?.level === 2 && r.m.cpus[0].mmu.stage2 instanceof Npt02 && r.events.filter((e) => e.includes('"VMRUN"')).length >= entries;
  }, `L2 with NP after ${entries} VMRUNs`);
}

function differences(a: Map<string, string>, b: Map<string, string>): string[] {
  const out: string[] = [];
  for (const [k, v] of a) if (b.get(k) !== v) out.push(`${k}: ${v.slice(0, 160)} != ${(b.get(k) ?? '<missing>').slice(0, 160)}`);
  for (const k of b.keys()) if (!a.has(k)) out.push(`${k}: only after restore`);
  return out;
}

function runToEnd(r: Rig, chunk: number): { dump: Map<string, string>; out: string; events: string[]; end: string } {
  const out0 = r.out().length, ev0 = r.events.length;
  let end = '';
  for (let i = 0; i < 100_000; i++) {
    const e = r.m.run(chunk);
    if (e.kind !== 'limit') { end = JSON.stringify(e); break; }
  }
  return { dump: dumpMachine(r.m), out: r.out().slice(out0), events: r.events.slice(ev0), end };
}

describe('snapshots with nested SVM (svm-hello, L2 under nested paging)', function () {
  this.timeout(120000);
  before(() => buildKernels());

  it('restore while L2 runs with NP, after more exits and VMRUNs: same state, NPT02 the MMU uses, ASID map; caches dropped', () => {
    const r = boot();
    inL2WithNp(r, 3);
    const cpu = r.m.cpus[0];
    const s = svmStateOf(cpu)!;
    const snapNpt = s.npt02;
    assert.equal(cpu.mmu.stage2, snapNpt, 'the MMU walks the NPT02 the state names');
    const snaps = new Snapshotter(r.m);
    const snap = snaps.take();
    const before = dumpMachine(r.m);
    // L0 state the run after the snapshot changes: a new shadow at the next
    // VMRUN (as for another N_CR3), an ASID for another VMCB12.
    s.npt02 = null;
    const t0 = transitions(r);
    until(r, () => transitions(r) >= t0 + 4 && s.level === 2, 'two more round trips');
    assert.ok(s.npt02 !== null && s.npt02 !== snapNpt, 'L2 runs on a new NPT02');
    s.asidMap.set(0x77, 99);
    assert.ok(differences(before, dumpMachine(r.m)).length > 5, 'running changed the state');
    snaps.restore(snap);
    assert.deepEqual(differences(before, dumpMachine(r.m)), []);
    assert.equal(s.level, 2);
    assert.equal(s.npt02, snapNpt, 'NPT02 as at the snapshot');
    assert.equal(cpu.mmu.stage2, s.npt02, 'and the MMU uses that one');
    assert.equal(s.asidMap.has(0x77), false, 'the ASID map is state, restored');
    assert.equal(s.tlbL1.valid || s.tlbL2.valid, false, 'TLB banks dropped');
    assert.equal(s.msrpmFrom, -1, 'merged-map source dropped');
  });

  it('restore, then the same run to the end again: identical serial output, events, exit and state', () => {
    const r = boot();
    inL2WithNp(r, 2);
    const snaps = new Snapshotter(r.m);
    const snap = snaps.take();
    const start = dumpMachine(r.m);
    const first = runToEnd(r, 1 << 30);
    assert.match(first.out, /VMMCALL after 7 exits/);
    snaps.restore(snap);
    assert.deepEqual(differences(start, dumpMachine(r.m)), [], 'restored state');
    const second = runToEnd(r, 997); // other slices: the run must not depend on them
    assert.equal(second.out, first.out);
    assert.deepEqual(second.events, first.events);
    assert.equal(second.end, first.end);
    assert.deepEqual(differences(first.dump, second.dump), []);
  });

  it('a snapshot before the first VMRUN: restored, the ASID map is empty again and the run repeats', () => {
    const r = boot();
    until(r, () => (svmStateOf(r.m.cpus[0])?.hsaveLo ?? 0) !== 0, 'VM_HSAVE_PA written');
    const s = svmStateOf(r.m.cpus[0])!;
    assert.equal(s.asidMap.size, 0);
    const snaps = new Snapshotter(r.m);
    const snap = snaps.take();
    const first = runToEnd(r, 1 << 30);
    assert.ok(s.asidMap.size > 0, 'VMRUN gave L2 an ASID');
    snaps.restore(snap);
    assert.equal(s.asidMap.size, 0);
    const second = runToEnd(r, 4093);
    assert.equal(second.out, first.out);
    assert.deepEqual(second.events, first.events);
  });
});
