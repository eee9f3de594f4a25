// Time is instructions retired (DESIGN.md), so a run must not depend on how
// it was sliced: the debugger runs in steps and straight-line pieces, reverse
// execution replays from snapshots in other pieces, and both must reach the
// very states of one uninterrupted run. Block boundaries move with the
// slicing; nothing the guest or the event stream sees may move with them.
import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { Machine } from '../../../emulator/machine/machine';
import { Clock } from '../../../emulator/machine/clock';
import type { MachineEvent, TransitionEvent } from '../../../emulator/events';
import { dumpMachine } from '../../../emulator/debug/snapshot';
import { makeRig, runCode } from '../../support/snippet';
import { buildKernels } from '../../support/kernels';
import { repoRoot } from '../../support/qemu';
import { setupL2 } from '../l0/l2rig';
import { I } from '../l0/rig';
import { VMCS } from '../../../emulator/vmx/fields';
import { PIN } from '../../../emulator/vmx/controls';

type Slicer = (k: number) => number;

function boot(name: string): { m: Machine; out: () => string; events: MachineEvent[] } {
  const root = repoRoot();
  const file = path.join(root, 'examples', 'build', `${name}.elf`);
  const opts = JSON.parse(fs.readFileSync(path.join(root, 'examples', 'expected', `${name}.json`), 'utf8'));
  let out = '';
  const m = new Machine({ kernelPath: file, kernel: new Uint8Array(fs.readFileSync(file)), cpu: opts.cpu, smp: opts.smp, serialOut: (t) => { out += t; } });
  const events: MachineEvent[] = [];
  m.events.on((e) => events.push(e));
  return { m, out: () => out, events };
}

/**
 * Cpu.nextRip is per-instruction scratch: the compiled tier does not write it
 * for the instructions it inlines, so after a run it names whichever
 * instruction last went through a handler. The guest never sees it.
 */
const scrub = (d: Map<string, string>): Map<string, string> =>
  new Map([...d].map(([k, v]) => [k, v.replace(/nextRip:\d+,/, '')]));

/** Runs `name` to each of `points` (instructions) in slices, dumping the machine at each. */
function runTo(name: string, points: number[], slice: Slicer): { dumps: Map<string, string>[]; out: string; events: MachineEvent[] } {
  const b = boot(name);
  const dumps: Map<string, string>[] = [];
  let k = 0;
  for (const p of points) {
    while (b.m.instructions < p) {
      const r = b.m.run(Math.min(p - b.m.instructions, slice(k++)));
      if (r.kind !== 'limit') break;
    }
    dumps.push(scrub(dumpMachine(b.m)));
  }
  return { dumps, out: b.out(), events: b.events };
}

function sameDumps(a: Map<string, string>[], b: Map<string, string>[], points: number[], what: string): void {
  for (let i = 0; i < points.length; i++) {
    const diff: string[] = [];
    for (const [k, v] of a[i]) if (b[i].get(k) !== v) diff.push(`${k}: ${v.slice(0, 160)}\n    != ${(b[i].get(k) ?? '').slice(0, 160)}`);
    assert.deepEqual(diff, [], `${what}: state at instruction ${points[i]}`);
  }
}

const transitionsOf = (ev: MachineEvent[]): string[] =>
  ev.filter((e): e is TransitionEvent => e.kind === 'transition').map((e) => `${e.seq}@${e.icount} ${e.type} ${e.reason ?? ''}`);

const whole: Slicer = () => 1e9;
const single: Slicer = () => 1;
const odd: Slicer = (k) => 1 + ((k * 37) % 101);

describe('slicing: a run is the same however it is cut into pieces', function () {
  this.timeout(120000);
  before(() => buildKernels());

  it('examples/timer: serial output and machine state agree at the same instruction counts, run whole, by single instructions and in odd slices', () => {
    // The one-shot is programmed (LAPIC MMIO write in the middle of a block)
    // near instruction 16 000; later points see its deadline and the count.
    const points = [2000, 9000, 16500, 19000, 21000];
    const a = runTo('timer', [...points, Infinity], whole);
    for (const [slicer, what] of [[single, 'single steps'], [odd, 'odd slices']] as const) {
      const b = runTo('timer', [...points, Infinity], slicer);
      assert.equal(b.out, a.out, `${what}: serial output`);
      sameDumps(a.dumps, b.dumps, points, what);
    }
  });

  it('examples/vmx-hello: transition icounts agree between whole and sliced runs', () => {
    const a = runTo('vmx-hello', [Infinity], whole);
    assert.ok(transitionsOf(a.events).length >= 10);
    for (const s of [single, odd]) assert.deepEqual(transitionsOf(runTo('vmx-hello', [Infinity], s).events), transitionsOf(a.events));
  });

  it('an exit raised while delivering a fault in the middle of a block has the same icount as when single-stepped', () => {
    // nop x5; ud2 with #UD in the exception bitmap: the exit comes from fault
    // delivery, after the faulting instruction was counted.
    const code = [0x90, 0x90, 0x90, 0x90, 0x90, 0x0f, 0x0b];
    const exits = (step: boolean): number[] => {
      const r = setupL2(code, { bitmap: 1 << 6 });
      runCode(r, I.vmlaunch, step ? 1 : 10000);
      while (step && !r.cpu.halted) r.cpu.run(1);
      const t = r.events.filter((e): e is TransitionEvent => e.kind === 'transition');
      assert.ok(t.some((e) => e.reason === 0), 'the #UD exit happened');
      return t.map((e) => e.icount);
    };
    const whole = exits(false);
    assert.deepEqual(exits(true), whole);
    // The entry is stamped while VMLAUNCH executes; the exit after VMLAUNCH,
    // the five NOPs and the faulting UD2 have been counted.
    const [entry, exit] = whole;
    assert.equal(exit - entry, 7);
  });

  it('the VMX-preemption timer exit comes at the same icount whether L2 runs whole or by single instructions', () => {
    // L2 spins in one long block (nop x40; jmp back), so its expiry falls inside a block.
    const code = [...Array(40).fill(0x90), 0xeb, (0x100 - 42) & 0xff];
    const exits = (step: boolean): number[] => {
      const r = setupL2(code, { pin: PIN.ACTIVATE_VMX_PREEMPTION_TIMER });
      r.cpu.plat.clock = new Clock(); // the machine's clock, where deadlines can be armed
      r.s.vmcs12.set(VMCS.VMX_PREEMPTION_TIMER_VALUE, 3);
      runCode(r, I.vmlaunch, step ? 1 : 100000);
      while (step && !r.cpu.halted) r.cpu.run(1);
      const t = r.events.filter((e): e is TransitionEvent => e.kind === 'transition');
      assert.equal(t[t.length - 1].reason, 52);
      return t.map((e) => e.icount);
    };
    assert.deepEqual(exits(false), exits(true));
  });

  it('a timer armed for the middle of a block fires at its tick, and a device sees the executing instruction\'s time', () => {
    const rig = makeRig('long64');
    const clock = new Clock();
    rig.cpu.plat.clock = clock;
    const seen: number[] = [];
    rig.cpu.plat.io = { read: () => { seen.push(clock.now()); return 0; }, write: () => {} };
    // loop: nop x9; in al, 0x80; nop x9; jmp loop — one 20-instruction block.
    const body = [...Array(9).fill(0x90), 0xe4, 0x80, ...Array(9).fill(0x90)];
    const code = [...body, 0xeb, (0x100 - (body.length + 2)) & 0xff];
    let firedAt = -1;
    clock.schedule(47, () => { firedAt = clock.ticks; });
    runCode(rig, code, 100);
    assert.equal(firedAt, 47, 'the deadline is not put off to the end of the block that crosses it');
    // The IN is the 10th instruction of each pass: times 9, 29, 49, ...
    assert.deepEqual(seen.slice(0, 4), [9, 29, 49, 69]);
  });
});
