// emulator/debug/snapshot.ts: a snapshot restores every field of the machine
// (structural dump equality, including L0's VMX state with L2 running), and
// a restored machine re-runs exactly as it ran the first time (determinism),
// on kernels with interrupts, several vCPUs and nested VMX.
import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { Machine } from '../../../emulator/machine/machine';
import type { MachineEvent } from '../../../emulator/events';
import { vmxStateOf } from '../../../emulator/l0/index';
import { Snapshotter, dumpMachine } from '../../../emulator/debug/snapshot';
import { buildKernels } from '../../support/kernels';
import { repoRoot } from '../../support/qemu';

interface Rig { m: Machine; out: () => string; events: string[] }

function boot(name: string): Rig {
  const root = repoRoot();
  const elf = path.join(root, 'examples', 'build', `${name}.elf`);
  const opts = JSON.parse(fs.readFileSync(path.join(root, 'examples', 'expected', `${name}.json`), 'utf8'));
  let out = '';
  const m = new Machine({ kernelPath: elf, kernel: new Uint8Array(fs.readFileSync(elf)), cpu: opts.cpu, smp: opts.smp, serialOut: (t) => { out += t; } });
  const events: string[] = [];
  m.events.on((e: MachineEvent) => { if (e.kind !== 'serial') events.push(JSON.stringify(e)); });
  return { m, out: () => out, events };
}

/** Fields whose values differ between two dumps. */
function differences(a: Map<string, string>, b: Map<string, string>): string[] {
  const out: string[] = [];
  for (const [k, v] of a) if (b.get(k) !== v) out.push(`${k}: ${v.slice(0, 160)} != ${(b.get(k) ?? '<missing>').slice(0, 160)}`);
  for (const k of b.keys()) if (!a.has(k)) out.push(`${k}: only after restore`);
  return out;
}

/** Runs to the first instruction boundary at which vCPU 0 runs L2. */
function untilL2(r: Rig): void {
  for (let i = 0; i < 200_000; i++) {
    if (vmxStateOf(r.m.cpus[0])?.level === 2) return;
    r.m.run(1);
  }
  assert.fail('vmx-hello never entered L2');
}

/** What a run of `n` instructions produced: state, serial output, events. */
function runAndRecord(r: Rig, n: number, chunk: number): { dump: Map<string, string>; out: string; events: string[]; end: string } {
  const out0 = r.out().length, ev0 = r.events.length;
  let end = '';
  for (let left = n; left > 0;) {
    const before = r.m.instructions;
    const e = r.m.run(Math.min(chunk, left));
    end = e.kind === 'limit' ? 'limit' : JSON.stringify(e);
    if (e.kind !== 'limit') break;
    left -= r.m.instructions - before;
  }
  return { dump: dumpMachine(r.m), out: r.out().slice(out0), events: r.events.slice(ev0), end };
}

const KERNELS: { name: string; at: number }[] = [
  { name: 'hello', at: 5000 },
  { name: 'timer', at: 6000 },
  { name: 'smp', at: 15000 },
  { name: 'vmx-hello', at: -1 }, // -1: as soon as L2 runs
];

describe('snapshots (emulator/debug/snapshot.ts)', function () {
  this.timeout(120000);
  before(() => buildKernels());

  it('restores every field: vmx-hello with L2 running, after the machine ran on through exits and entries', () => {
    const r = boot('vmx-hello');
    untilL2(r);
    const s = new Snapshotter(r.m);
    const snap = s.take();
    const before = dumpMachine(r.m);
    assert.ok(snap.graph.cells > 1000, 'the graph holds the CPU, devices and L0 state');
    const t0 = r.events.filter((e) => e.includes('"transition"')).length;
    r.m.run(8000);
    assert.ok(r.events.filter((e) => e.includes('"transition"')).length > t0 + 2, 'L2 exited and was resumed after the snapshot');
    const moved = differences(before, dumpMachine(r.m));
    assert.ok(moved.length > 5, 'running changed the state the dump shows');
    s.restore(snap);
    assert.deepEqual(differences(before, dumpMachine(r.m)), []);
    assert.equal(vmxStateOf(r.m.cpus[0])!.level, 2);
  });

  for (const k of KERNELS) {
    it(`${k.name}: restore, then the same run again gives identical state, RAM, serial output and events`, () => {
      const r = boot(k.name);
      if (k.at < 0) untilL2(r); else r.m.run(k.at);
      const s = new Snapshotter(r.m);
      const snap = s.take();
      const start = dumpMachine(r.m);
      const first = runAndRecord(r, 20000, 1 << 30);
      s.restore(snap);
      assert.deepEqual(differences(start, dumpMachine(r.m)), [], 'restored state');
      // Run again in other slices: the schedule and the block boundaries differ, the run must not.
      const second = runAndRecord(r, 20000, 997);
      assert.deepEqual(differences(first.dump, second.dump), []);
      assert.equal(second.out, first.out);
      assert.deepEqual(second.events, first.events);
      assert.equal(second.end, first.end);
      assert.ok(first.out.length > 0 || first.events.length > 0, 'the run did something observable');
    });
  }

  it('RAM diffs: restore any of several snapshots, in any order, after snapshots were dropped', () => {
    const r = boot('smp');
    const s = new Snapshotter(r.m);
    const snaps = [];
    const dumps = [];
    for (let i = 0; i < 5; i++) {
      snaps.push(s.take());
      dumps.push(dumpMachine(r.m));
      r.m.run(4000);
    }
    for (const i of [3, 0, 4, 1, 2, 0]) {
      s.restore(snaps[i]);
      assert.deepEqual(differences(dumps[i], dumpMachine(r.m)), [], `snapshot ${i}`);
    }
    s.drop(snaps[1]);
    s.drop(snaps[3]);
    for (const i of [2, 4, 0]) {
      s.restore(snaps[i]);
      assert.deepEqual(differences(dumps[i], dumpMachine(r.m)), [], `snapshot ${i} after drops`);
    }
    assert.ok(s.ram.bytes < 64 * 4096 * 5, 'only written pages are copied');
  });
});
