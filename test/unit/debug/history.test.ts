// emulator/debug/history.ts: reverse execution by snapshots and replay. Every
// point reached backwards must be the very state the forward run had there
// (structural dump equality), re-executed output must not reach the user
// twice, and history stays bounded.
import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { Machine } from '../../../emulator/machine/machine';
import type { MachineEvent } from '../../../emulator/events';
import { parseElf } from '../../../emulator/machine/elf';
import { History, drive } from '../../../emulator/debug/history';
import { dumpMachine } from '../../../emulator/debug/snapshot';
import { buildKernels } from '../../support/kernels';
import { repoRoot } from '../../support/qemu';

function boot(name: string): { m: Machine; out: () => string; file: string } {
  const root = repoRoot();
  const file = path.join(root, 'examples', 'build', `${name}.elf`);
  const opts = JSON.parse(fs.readFileSync(path.join(root, 'examples', 'expected', `${name}.json`), 'utf8'));
  let out = '';
  const m = new Machine({ kernelPath: file, kernel: new Uint8Array(fs.readFileSync(file)), cpu: opts.cpu, smp: opts.smp, serialOut: (t) => { out += t; } });
  return { m, out: () => out, file };
}

const expected = (name: string): string => fs.readFileSync(path.join(repoRoot(), 'examples', 'expected', `${name}.txt`), 'latin1');

function same(a: Map<string, string>, b: Map<string, string>, what: string): void {
  const diff: string[] = [];
  for (const [k, v] of a) if (b.get(k) !== v) diff.push(`${k}: ${v.slice(0, 120)} != ${(b.get(k) ?? '').slice(0, 120)}`);
  assert.deepEqual(diff, [], what);
}

describe('history: reverse execution (emulator/debug/history.ts)', function () {
  this.timeout(120000);
  before(() => buildKernels());

  it('reverseTo a transition lands exactly where the forward run was just after it, back to the first', () => {
    const { m, out } = boot('vmx-hello');
    const h = new History(m, { interval: 3000 });
    const after = new Map<number, Map<string, string>>();
    let last = -1;
    m.events.on((e: MachineEvent) => { if (e.kind === 'transition') { last = e.seq; m.stop(); } });
    for (;;) {
      const r = m.run(1000);
      h.tick();
      if (r.kind === 'stopped') after.set(last, dumpMachine(m));
      else if (r.kind !== 'limit') break;
    }
    assert.equal(out(), expected('vmx-hello'));
    assert.ok(after.size >= 10);
    const seqs = [...after.keys()].sort((a, b) => b - a);
    // From the end of the run: each reverse step finds the previous transition.
    for (const seq of seqs) {
      const r = drive(h.reverseTo({ onEvent: (e) => e.kind === 'transition' }));
      assert.equal(r.kind, 'found');
      assert.ok(r.kind === 'found' && r.candidate.hit.kind === 'event' && r.candidate.hit.event.kind === 'transition' && r.candidate.hit.event.seq === seq);
      same(after.get(seq)!, dumpMachine(m), `after transition ${seq}`);
    }
    const here = dumpMachine(m);
    assert.equal(drive(h.reverseTo({ onEvent: (e) => e.kind === 'transition' })).kind, 'none');
    same(here, dumpMachine(m), 'a fruitless search leaves the machine where it was');
    assert.equal(out(), expected('vmx-hello'), 'replays print nothing');
    // gotoTransition forwards through known history, then running on re-executes without repeating output.
    assert.equal(drive(h.gotoTransition(seqs[2])).kind, 'found');
    same(after.get(seqs[2])!, dumpMachine(m), 'gotoTransition');
    let end = m.run();
    while (end.kind === 'stopped') end = m.run(); // this test's listener stops after each transition
    assert.equal(end.kind, 'debug-exit');
    assert.equal(out(), expected('vmx-hello'), 're-executed output is not shown twice');
  });

  it('reverseTo a breakpoint in an interrupt handler lands on each earlier arrival', () => {
    const { m, file } = boot('timer');
    const at = Number(parseElf(new Uint8Array(fs.readFileSync(file))).symbol('on_timer')!.value);
    const h = new History(m, { interval: 2000 });
    // Forward, stopping at each arrival the way the core does (Cpu.breakAt),
    // as a debugger run does: the ground truth. (Single-stepping is not: the
    // LAPIC timer counts from the start of the executing block, so its
    // deadlines depend on block boundaries.)
    const arrivals: Map<string, string>[] = [];
    const cpu = m.cpus[0];
    cpu.breakAt = new Set([at]);
    cpu.flushCodeCache();
    for (;;) {
      const r = m.run(21000 - m.instructions);
      if (r.kind !== 'breakpoint') break;
      arrivals.push(dumpMachine(m));
      cpu.breakSkipIcount = cpu.icount;
      h.tick();
    }
    cpu.breakAt = null;
    cpu.flushCodeCache();
    assert.ok(arrivals.length >= 2, `the handler ran (${arrivals.length} times)`);
    const q = { addresses: new Set([at]), atAddress: () => true };
    for (let k = arrivals.length - 1; k >= 0; k--) {
      const r = drive(h.reverseTo(q));
      assert.equal(r.kind, 'found', `arrival ${k}`);
      same(arrivals[k], dumpMachine(m), `arrival ${k}`);
    }
    assert.equal(drive(h.reverseTo(q)).kind, 'none');
  });

  it('stepBack one instruction at a time gives the states the run had', () => {
    const { m } = boot('vmx-hello');
    const h = new History(m, { interval: 3000 });
    while (m.instructions < 20000) { m.run(1000); h.tick(); }
    const n = m.instructions;
    for (let k = 1; k <= 4; k++) {
      drive(h.stepBackInstruction(0));
      assert.equal(m.instructions, n - k);
      const fresh = boot('vmx-hello').m;
      new History(fresh, { interval: 3000 }); // the same snapshot cuts as the original run
      while (fresh.instructions < n - k) fresh.run(Math.min(1000 - (fresh.instructions % 1000), n - k - fresh.instructions));
      same(dumpMachine(fresh), dumpMachine(m), `${k} back`);
    }
  });

  it('stepBackWhere finds the last boundary where a test holds, searching back in growing windows', () => {
    const { m } = boot('hello');
    const h = new History(m, { interval: 5000 });
    const marks: number[] = [];
    let putc = -1; // some address in a loop: where the vCPU is at instruction 9000
    while (m.instructions < 12000) {
      if (m.instructions === 9000) putc = m.cpus[0].ripLinear();
      if (m.cpus[0].ripLinear() === putc) marks.push(m.instructions);
      m.run(1);
      h.tick();
    }
    assert.ok(marks.length > 0);
    const want = marks[marks.length - 1];
    const r = drive(h.stepBackWhere(0, (mm) => mm.cpus[0].ripLinear() === putc));
    assert.equal(r.kind, 'position');
    assert.equal(m.instructions, want);
  });

  it('an edit discards later history and what runs next is shown again', () => {
    const { m, out } = boot('timer');
    const h = new History(m, { interval: 4000 });
    while (m.run(2000).kind === 'limit') h.tick();
    const full = out();
    assert.equal(full, expected('timer'));
    const end = m.instructions;
    drive(h.goTo(Math.floor(end / 2)));
    assert.ok(h.positions.some((p) => p > m.instructions));
    h.edited();
    assert.ok(h.positions.every((p) => p <= m.instructions), 'snapshots after the edit point are gone');
    m.run();
    assert.ok(out().length > full.length, 'output after the edit point is new and shown');
    assert.ok(full.endsWith(out().slice(full.length)), 'it is the same text, printed again');
  });

  it('keeps at most maxSnapshots, thinning old history, and never loses the oldest', () => {
    const { m } = boot('smp');
    const h = new History(m, { interval: 1000, maxSnapshots: 6 });
    while (m.run(500).kind === 'limit') h.tick();
    assert.ok(h.positions.length <= 6);
    assert.equal(h.positions[0], 0);
    const gaps = h.positions.slice(1).map((p, i) => p - h.positions[i]);
    assert.ok(gaps[0] >= gaps[gaps.length - 1], `older gaps are wider: ${gaps.join(',')}`);
  });
});
