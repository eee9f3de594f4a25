// Source-level debugging of an L2 that is its own program: examples/vmx-guest
// (the L1 hypervisor) launched with its guest ELF as a multiboot module
// (`initrd`) and as the level-2 symbols. A line breakpoint in the guest's C
// source resolves through the guest ELF's DWARF, fires while L2 runs and
// shows the nesting stack (L2's frames, the L1 label, L1's frames, L0); a
// line breakpoint in L1's exit handler stops in L1; and the guest's lines
// are level 2's alone: given to L1 instead, the same breakpoint never fires.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import type { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';
import type { NestingResponse } from '../../adapter/protocol';
import { ROOT, buildExamples, startClient, launchUntilStop, kernel, symbolAddress, custom } from './nesting-client';

const L1 = kernel('vmx-guest');
const L2 = kernel('vmx-guest-l2');
const GUEST_C = path.join(ROOT, 'examples', 'vmx-guest', 'guest', 'guest.c');
const MAIN_C = path.join(ROOT, 'examples', 'vmx-guest', 'main.c');

/** 1-based line of the only line of `file` containing `text`. */
function lineOf(file: string, text: string): number {
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  const at = lines.flatMap((l, i) => (l.includes(text) ? [i + 1] : []));
  assert.strictEqual(at.length, 1, `${text} in ${file}: lines ${at.join(', ')}`);
  return at[0];
}

describe('DAP: line breakpoints in a separate L2 program (examples/vmx-guest)', function () {
  this.timeout(90000);
  let dc: DebugClient;
  const fibLine = (): number => lineOf(GUEST_C, 'uint64_t next = a + b;');
  const launchArgs = (level: 1 | 2): Record<string, unknown> => ({ initrd: [L2], symbols: [{ path: L2, level }] });

  before(() => buildExamples());
  beforeEach(async () => { dc = await startClient(); });
  afterEach(async () => { await dc.stop(); });

  async function setLine(file: string, line: number): Promise<DebugProtocol.Breakpoint> {
    const r = await dc.setBreakpointsRequest({ source: { path: file }, breakpoints: [{ line }] });
    return r.body.breakpoints[0];
  }

  async function stack(): Promise<DebugProtocol.StackFrame[]> {
    return (await dc.stackTraceRequest({ threadId: 1 })).body.stackFrames;
  }

  async function nesting(): Promise<[number, string][]> {
    const n = await custom<NestingResponse>(dc, 'nestvirt/nesting');
    return n.vcpus[0].levels.map((l) => [l.level, l.activity]);
  }

  it('stops in L2 at a guest.c line, with the nesting stack below L2\'s frames', async () => {
    let bp: DebugProtocol.Breakpoint | undefined;
    const ev = await launchUntilStop(dc, L1, async () => { bp = await setLine(GUEST_C, fibLine()); }, launchArgs(2));
    assert.strictEqual(bp!.verified, true, bp!.message);
    assert.strictEqual(bp!.line, fibLine());
    // The address comes from the guest ELF's line table: inside fib, in L2's memory.
    const at = Number(bp!.instructionReference);
    const fib = symbolAddress(L2, 'fib');
    assert.ok(at >= fib && at < fib + 0x100, `${bp!.instructionReference} in fib (${fib.toString(16)})`);
    assert.strictEqual(ev.body.reason, 'breakpoint');

    const frames = await stack();
    const names = frames.map((f) => f.name).join(' | ');
    assert.strictEqual(frames[0].source?.path, GUEST_C);
    assert.strictEqual(frames[0].line, fibLine());
    assert.match(frames[0].name, /^fib\b/);
    assert.strictEqual(frames[0].instructionPointerReference, bp!.instructionReference);
    // L2's callers, unwound with the guest's own CFI down to its entry.
    const label = frames.findIndex((f) => f.name.startsWith('L1 —'));
    assert.ok(label > 0, names);
    assert.deepStrictEqual(frames.slice(0, label).map((f) => f.name.split(' ')[0]), ['fib', 'guest_main', '_start'], names);
    assert.ok(frames.slice(1, label).every((f) => f.source?.path?.startsWith(path.join(ROOT, 'examples', 'vmx-guest', 'guest'))), names);
    // L2 reached fib after its first line went out through COM1: L1 waits in the VMRESUME of its exit stub.
    assert.match(frames[label].name, /^L1 — waiting in VMRESUME, exit\.S:\d+$/);
    assert.strictEqual(frames[label].presentationHint, 'label');
    const l1 = frames.slice(label + 1, frames.length - 1);
    assert.ok(l1.length >= 1 && l1[0].name.startsWith('vm_exit_entry'), names);
    assert.strictEqual(frames[frames.length - 1].name, 'L0 — nestvirt');
    assert.deepStrictEqual(await nesting(), [[2, 'running'], [1, 'waiting-in-vmentry'], [0, 'running']]);

    // The innermost frame shows the vCPU's own registers: L2's, stopped at the breakpoint.
    const scopes = (await dc.scopesRequest({ frameId: frames[0].id })).body.scopes;
    const regs = (await dc.variablesRequest({ variablesReference: scopes[0].variablesReference })).body.variables;
    assert.strictEqual(BigInt(regs.find((v) => v.name === 'rip')!.value.split(' ')[0]), BigInt(at));

    // Continuing hits the same line on the next iteration, still in L2.
    const again = dc.waitForEvent('stopped') as Promise<DebugProtocol.StoppedEvent>;
    await dc.continueRequest({ threadId: 1 });
    assert.strictEqual((await again).body.reason, 'breakpoint');
    assert.strictEqual((await stack())[0].line, fibLine());
  });

  it('stops in L1 at a line of its exit handler, with no L2 on the stack', async () => {
    // A line with an address of its own at -O2 (the printf of a passed-through CPUID).
    const line = lineOf(MAIN_C, 'from L2 in %s: passed through');
    let bp: DebugProtocol.Breakpoint | undefined;
    const ev = await launchUntilStop(dc, L1, async () => { bp = await setLine(MAIN_C, line); }, launchArgs(2));
    assert.strictEqual(bp!.verified, true, bp!.message);
    assert.ok(Number(bp!.instructionReference) < 0x2000000, 'in L1\'s image at 1 MiB');
    assert.strictEqual(ev.body.reason, 'breakpoint');
    const frames = await stack();
    const names = frames.map((f) => f.name).join(' | ');
    assert.strictEqual(frames[0].source?.path, MAIN_C);
    assert.strictEqual(frames[0].line, line);
    assert.deepStrictEqual(frames.filter((f) => f.presentationHint === 'label').map((f) => f.name), ['L0 — nestvirt'], names);
    assert.ok(frames.some((f) => f.name.startsWith('vm_exit_entry')), names);
    // L1 runs its exit handler for an L2 that is suspended at the exit.
    const levels = await nesting();
    assert.deepStrictEqual(levels[0], [1, 'handling-exit'], JSON.stringify(levels));
    assert.ok(!levels.some(([l, a]) => l === 2 && a === 'running'), JSON.stringify(levels));
  });

  it('resolves guest.c only through the level-2 symbols: as L1 symbols the breakpoint never fires', async () => {
    // Without the guest's symbols there is no code for guest.c at all.
    let bp: DebugProtocol.Breakpoint | undefined;
    const none = await startClient();
    try {
      const noSyms = none.waitForEvent('terminated');
      const cfg = none.waitForEvent('initialized').then(async () => {
        bp = (await none.setBreakpointsRequest({ source: { path: GUEST_C }, breakpoints: [{ line: fibLine() }] })).body.breakpoints[0];
        await none.configurationDoneRequest();
      });
      await Promise.all([cfg, none.launch({ program: L1, cpu: 'max', initrd: [L2] })]);
      await noSyms;
      assert.strictEqual(bp!.verified, false);
      assert.match(bp!.message ?? '', /no code at guest\.c:\d+ in the loaded symbols/);
    } finally {
      await none.stop();
    }

    // The guest ELF given as level-1 symbols: the same line resolves to the same address, but L1 never
    // executes its copy of L2 (it only writes it), so the run ends without a stop.
    const ended = dc.waitForEvent('terminated');
    let stopped = false;
    dc.on('stopped', () => { stopped = true; });
    const cfg = dc.waitForEvent('initialized').then(async () => {
      bp = await setLine(GUEST_C, fibLine());
      await dc.configurationDoneRequest();
    });
    await Promise.all([cfg, dc.launch({ program: L1, cpu: 'max', ...launchArgs(1) })]);
    await ended;
    assert.strictEqual(bp!.verified, true, bp!.message);
    assert.strictEqual(stopped, false, 'an L1 breakpoint at an address only L2 runs');
  });
});
