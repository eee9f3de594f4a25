// emulator/debug run control on the example kernels: breakpoints are exact
// (also in interrupt handlers) and do not change the run; steps, pause,
// exception stops and the instruction limit.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { execFileSync } from 'child_process';
import { Machine } from '../../emulator/machine/machine';
import { parseElf, ElfFile, STT_FUNC } from '../../emulator/machine/elf';
import { RunControl, LineOracle, spOf, StopInfo } from '../../emulator/debug/index';

const ROOT = path.resolve(__dirname, '../../..');
const kernelPath = (name: string): string => path.join(ROOT, 'examples', 'build', `${name}.elf`);

function machine(name: string): { m: Machine; out: () => string; elf: ElfFile } {
  const file = kernelPath(name);
  const kernel = new Uint8Array(fs.readFileSync(file));
  let out = '';
  const m = new Machine({ kernelPath: file, kernel, serialOut: (t) => { out += t; } });
  return { m, out: () => out, elf: parseElf(kernel) };
}

const addr = (elf: ElfFile, name: string): number => Number(elf.symbol(name)!.value);
const functions = (elf: ElfFile) => elf.symbols.filter((s) => s.type === STT_FUNC && s.size > 0n);

/** Each function is one "line" of a file named after it: enough to exercise line stepping without DWARF. */
function functionLines(elf: ElfFile): LineOracle {
  const fns = functions(elf).map((s) => ({ name: s.name, start: Number(s.value), end: Number(s.value + s.size) }));
  const find = (a: number) => fns.find((f) => a >= f.start && a < f.end);
  return {
    lineAt: (_level, a) => { const f = find(a); return f ? { file: f.name, line: 1 } : undefined; },
    isStatement: (_level, a) => find(a) !== undefined,
  };
}

/** Ground truth: how often each function's first instruction is reached, one instruction at a time. */
function entryCounts(name: string): { counts: Map<string, number>; instructions: number } {
  const { m, elf } = machine(name);
  const at = new Map(functions(elf).map((s) => [Number(s.value), s.name]));
  const counts = new Map<string, number>();
  const cpu = m.cpus[0];
  for (;;) {
    const n = at.get(cpu.ripLinear());
    if (n) counts.set(n, (counts.get(n) ?? 0) + 1);
    if (m.run(1).kind !== 'limit') break;
  }
  return { counts, instructions: m.instructions };
}

describe('run control (emulator/debug)', function () {
  this.timeout(120000);
  before(() => { execFileSync('make', ['-s', '-C', path.join(ROOT, 'examples')], { stdio: 'pipe' }); });

  it('stops exactly at every function entry, interrupt handlers included, without changing the run', () => {
    const truth = entryCounts('timer');
    const plain = machine('timer');
    const end = plain.m.run();
    const { m, out, elf } = machine('timer');
    const rc = new RunControl(m);
    const names = new Map<number, string>();
    for (const f of functions(elf)) names.set(rc.breakpoints.add(1, Number(f.value), 'function').id, f.name);
    const counts = new Map<string, number>();
    let s: StopInfo;
    for (;;) {
      s = rc.continue();
      if (s.reason !== 'breakpoint') break;
      assert.strictEqual(m.cpus[0].ripLinear(), s.address);
      const n = names.get(s.ids[0])!;
      counts.set(n, (counts.get(n) ?? 0) + 1);
    }
    assert.deepStrictEqual(s, { reason: 'end', end });
    assert.deepStrictEqual(counts, truth.counts);
    assert.strictEqual(counts.get('on_timer'), 11); // the timer interrupt handler, once per interrupt
    assert.strictEqual(m.instructions, plain.m.instructions);
    assert.strictEqual(out(), plain.out());
  });

  it('steps one instruction, over a call, and out of a function', () => {
    const { m, elf } = machine('hello');
    const rc = new RunControl(m);
    const bp = rc.breakpoints.add(1, addr(elf, 'printf'), 'function');
    const s = rc.continue();
    assert.strictEqual(s.reason, 'breakpoint');
    rc.breakpoints.remove(bp.id); // else stepping over the next printf call stops inside it, as it should
    const cpu = m.cpus[0];
    const sp = spOf(cpu);
    // The return address the call pushed.
    const ret = m.mem.read(sp, 4);
    const before = cpu.icount;
    assert.strictEqual(rc.step(0, 'into', 'instruction').reason, 'step');
    assert.strictEqual(cpu.icount, before + 1);
    assert.strictEqual(rc.step(0, 'out', 'instruction').reason, 'step');
    assert.strictEqual(cpu.ripLinear(), ret);
    assert.strictEqual(spOf(cpu), sp + 8);
    // Find the next call in kmain and step over it.
    let call = -1;
    for (let k = 0; k < 50 && call < 0; k++) {
      const i = rc.decodeAt(cpu, cpu.ripLinear())!;
      if (i.entry.m.startsWith('call')) call = cpu.ripLinear() + i.len;
      else rc.step(0, 'into', 'instruction');
    }
    assert.ok(call > 0, 'no call found in kmain');
    const spCall = spOf(cpu);
    assert.strictEqual(rc.step(0, 'over', 'instruction').reason, 'step');
    assert.strictEqual(cpu.ripLinear(), call);
    assert.strictEqual(spOf(cpu), spCall);
  });

  it('steps by source line: into a call, over calls, out to the caller', () => {
    const { m, out, elf } = machine('hello');
    const rc = new RunControl(m, { lines: functionLines(elf) });
    rc.breakpoints.add(1, addr(elf, 'kmain'), 'function');
    rc.continue();
    rc.breakpoints.remove(1);
    // stepIn at kmain's first line enters the first function kmain calls (printf).
    assert.strictEqual(rc.step(0, 'into', 'line').reason, 'step');
    assert.strictEqual(m.cpus[0].ripLinear(), addr(elf, 'printf'));
    // Out of printf: back in kmain, "Hello" printed.
    rc.step(0, 'out', 'line');
    assert.strictEqual(functionLines(elf).lineAt(1, m.cpus[0].ripLinear())?.file, 'kmain');
    assert.match(out(), /Hello from nestvirt!\n$/);
    // Over the rest of kmain (one "line" here): stops in its caller after it returned.
    assert.strictEqual(rc.step(0, 'over', 'line').reason, 'step');
    assert.strictEqual(functionLines(elf).lineAt(1, m.cpus[0].ripLinear())?.file, 'runtime_start');
    assert.match(out(), /Goodbye\.\n$/);
  });

  it('pauses between slices', () => {
    const { m } = machine('hello');
    const rc = new RunControl(m, { sliceInstructions: 1000 });
    rc.startContinue();
    assert.strictEqual(rc.runSlice(), null);
    rc.pause();
    const s = rc.runSlice();
    assert.deepStrictEqual(s, { reason: 'pause', vcpu: 0 });
    assert.ok(m.instructions >= 1000 && m.instructions < 3000, String(m.instructions));
    assert.strictEqual(rc.continue().reason, 'end');
  });

  it('stops when an exception is delivered, at the handler', () => {
    const { m } = machine('exceptions');
    const rc = new RunControl(m);
    rc.stopOnException = (e) => e.vector === 6;
    const s = rc.continue();
    assert.strictEqual(s.reason, 'exception');
    if (s.reason !== 'exception') return;
    assert.strictEqual(s.event.vector, 6);
    // RIP is the #UD handler's first instruction: IDT entry 6's offset.
    const cpu = m.cpus[0];
    const gate = cpu.idtrBase + 6 * 16;
    const target = m.mem.read(gate, 2) + m.mem.read(gate + 6, 2) * 0x10000 + m.mem.read(gate + 8, 4) * 0x1_0000_0000;
    assert.strictEqual(cpu.ripLinear(), target);
    rc.stopOnException = null;
    assert.strictEqual(rc.continue().reason, 'end');
  });

  it('ends the run at maxInstructions', () => {
    const { m } = machine('hello');
    const rc = new RunControl(m, { maxInstructions: 5000 });
    const s = rc.continue();
    assert.deepStrictEqual(s, { reason: 'end', end: { kind: 'limit', instructions: 5000 } });
    assert.strictEqual(m.instructions, 5000);
  });
});
