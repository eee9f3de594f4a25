// The debug adapter driven as VS Code drives it (DebugClient from
// @vscode/debugadapter-testsupport) on the example kernels.
import * as assert from 'assert';
import * as path from 'path';
import * as fs from 'fs';
import { execFileSync } from 'child_process';
import { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';

const ROOT = path.resolve(__dirname, '../../..');
const ADAPTER = path.join(ROOT, 'out', 'adapter', 'main.js');
const HELLO = path.join(ROOT, 'examples', 'build', 'hello.elf');
const HELLO_C = path.join(ROOT, 'examples', 'hello', 'main.c');
const EXCEPTIONS = path.join(ROOT, 'examples', 'build', 'exceptions.elf');

/** Line of the first statement of kmain in hello/main.c: `printf("Hello from nestvirt!\n");`. */
function helloLine(): number {
  const lines = fs.readFileSync(HELLO_C, 'utf8').split('\n');
  const i = lines.findIndex((l) => l.includes('printf("Hello from nestvirt!\\n")'));
  assert.ok(i >= 0, 'hello/main.c changed: update the test');
  return i + 1;
}

function buildExamples(): void {
  execFileSync('make', ['-s', '-C', path.join(ROOT, 'examples')], { stdio: 'pipe' });
}

describe('DAP adapter (DebugClient)', function () {
  this.timeout(60000);
  let dc: DebugClient;

  before(() => buildExamples());

  beforeEach(async () => {
    dc = new DebugClient('node', ADAPTER, 'nestvirt', { cwd: ROOT });
    dc.defaultTimeout = 30000;
    await dc.start();
  });

  afterEach(async () => {
    await dc.stop();
  });

  async function launchStopped(args: Record<string, unknown> = {}): Promise<DebugProtocol.StoppedEvent> {
    const stopped = dc.waitForEvent('stopped') as Promise<DebugProtocol.StoppedEvent>;
    await Promise.all([dc.configurationSequence(), dc.launch({ program: HELLO, stopOnEntry: true, ...args })]);
    return stopped;
  }

  async function topFrame(): Promise<DebugProtocol.StackFrame> {
    const st = await dc.stackTraceRequest({ threadId: 1 });
    return st.body.stackFrames[0];
  }

  it('advertises its capabilities honestly', async () => {
    const r = await dc.initializeRequest({ adapterID: 'nestvirt', linesStartAt1: true, columnsStartAt1: true, pathFormat: 'path' });
    const c = r.body!;
    assert.strictEqual(c.supportsConfigurationDoneRequest, true);
    assert.strictEqual(c.supportsDisassembleRequest, true);
    assert.strictEqual(c.supportsReadMemoryRequest, true);
    assert.strictEqual(c.supportsSteppingGranularity, true);
    assert.strictEqual(c.supportsInstructionBreakpoints, true);
    assert.strictEqual(c.supportsStepBack, true); // session-reverse.ts
    assert.strictEqual(c.supportsConditionalBreakpoints, true);
    assert.deepStrictEqual(c.exceptionBreakpointFilters!.map((f) => f.filter), ['guest-exception', 'vm-exit-reflected', 'vm-exit-l0', 'vm-entry-failure', 'l2-exception', 'triple-fault']);
  });

  it('stops on entry at the multiboot entry point, one thread per vCPU, L0 label frame last', async () => {
    const ev = await launchStopped({ smp: 2 });
    assert.strictEqual(ev.body.reason, 'entry');
    const threads = await dc.threadsRequest();
    assert.deepStrictEqual(threads.body.threads.map((t) => t.name), ['vCPU 0', 'vCPU 1']);
    const st = await dc.stackTraceRequest({ threadId: 1 });
    const frames = st.body.stackFrames;
    assert.strictEqual(frames[0].instructionPointerReference, '0x100020'); // _start
    assert.match(frames[0].name, /_start/);
    const last = frames[frames.length - 1];
    assert.strictEqual(last.name, 'L0 — nestvirt');
    assert.strictEqual(last.presentationHint, 'label');
  });

  it('stops at a line breakpoint in examples/hello/main.c', async () => {
    const line = helloLine();
    const bpDone = dc.waitForEvent('initialized').then(() => dc.setBreakpointsRequest({ source: { path: HELLO_C }, breakpoints: [{ line }] }));
    const stopped = dc.waitForEvent('stopped') as Promise<DebugProtocol.StoppedEvent>;
    const launched = dc.launch({ program: HELLO });
    const bp = await bpDone;
    const b = bp.body.breakpoints[0];
    assert.strictEqual(b.verified, true, b.message);
    assert.strictEqual(b.line, line);
    await dc.configurationDoneRequest();
    await launched;
    const ev = await stopped;
    assert.strictEqual(ev.body.reason, 'breakpoint');
    assert.deepStrictEqual(ev.body.hitBreakpointIds, [b.id]);
    const f = await topFrame();
    assert.strictEqual(f.source?.path, HELLO_C);
    assert.strictEqual(f.line, line);
    assert.match(f.name, /kmain/);
  });

  it('steps by line: next over printf, stepIn into it (call stack from CFI), stepOut back', async () => {
    const line = helloLine();
    const stopped = (): Promise<DebugProtocol.StoppedEvent> => dc.waitForEvent('stopped') as Promise<DebugProtocol.StoppedEvent>;
    let st = stopped();
    const config = dc.waitForEvent('initialized').then(async () => {
      await dc.setBreakpointsRequest({ source: { path: HELLO_C }, breakpoints: [{ line }] });
      await dc.configurationDoneRequest();
    });
    const output: string[] = [];
    dc.on('output', (e: DebugProtocol.OutputEvent) => { if (e.body.category === 'stdout') output.push(e.body.output); });
    await Promise.all([config, dc.launch({ program: HELLO })]);
    await st;
    assert.strictEqual((await topFrame()).line, line);

    st = stopped();
    await dc.nextRequest({ threadId: 1 });
    assert.strictEqual((await st).body.reason, 'step');
    let f = await topFrame();
    assert.strictEqual(f.source?.path, HELLO_C);
    assert.strictEqual(f.line, line + 1); // if (!mbi)
    assert.strictEqual(output.join(''), 'Hello from nestvirt!\n');

    st = stopped();
    await dc.nextRequest({ threadId: 1 });
    await st;
    f = await topFrame();
    const flagsLine = fs.readFileSync(HELLO_C, 'utf8').split('\n').findIndex((l) => l.includes('multiboot flags')) + 1;
    assert.strictEqual(f.line, flagsLine);

    st = stopped();
    await dc.stepInRequest({ threadId: 1 });
    await st;
    const stack = (await dc.stackTraceRequest({ threadId: 1 })).body.stackFrames;
    assert.match(stack[0].name, /^printf/);
    assert.strictEqual(stack[0].source?.name, 'console.c');
    assert.match(stack[1].name, /^kmain/);
    assert.strictEqual(stack[1].line, flagsLine);
    assert.strictEqual(stack[stack.length - 1].name, 'L0 — nestvirt');

    st = stopped();
    await dc.stepOutRequest({ threadId: 1 });
    await st;
    f = await topFrame();
    assert.match(f.name, /^kmain/);
    assert.match(output.join(''), /multiboot flags: 0x[0-9a-f]+\n$/);
  });

  it('lists loaded sources and evaluates symbols', async () => {
    await launchStopped();
    const src = (await dc.customRequest('loadedSources', {})) as DebugProtocol.LoadedSourcesResponse;
    assert.ok(src.body.sources.some((s) => s.path === HELLO_C), 'main.c among the loaded sources');
    const f = await topFrame();
    const r = await dc.evaluateRequest({ expression: 'kmain', context: 'repl', frameId: f.id });
    assert.match(r.body.result, /^0x1001a0 .*<kmain>/);
    await assert.rejects(dc.evaluateRequest({ expression: 'no_such_symbol + 1', context: 'repl', frameId: f.id }), /unknown register or symbol 'no_such_symbol'/);
  });

  it('stops at a function breakpoint, then runs to the end: output, exit code, terminated', async () => {
    const stopped = dc.waitForEvent('stopped') as Promise<DebugProtocol.StoppedEvent>;
    const config = dc.waitForEvent('initialized').then(async () => {
      const r = await dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'kmain' }, { name: 'no_such_function' }] });
      assert.strictEqual(r.body.breakpoints[0].verified, true);
      assert.strictEqual(r.body.breakpoints[1].verified, false);
      assert.match(r.body.breakpoints[1].message!, /no_such_function/);
      await dc.configurationDoneRequest();
    });
    await Promise.all([config, dc.launch({ program: HELLO, append: 'hello world', initrd: ['examples/hello/module-a.txt'] })]);
    const ev = await stopped;
    assert.strictEqual(ev.body.reason, 'function breakpoint');
    const f = await topFrame();
    // After kmain's prologue, on its first line (as gdb's `break kmain`).
    assert.match(f.name, /^kmain/);
    assert.strictEqual(f.source?.path, HELLO_C);
    assert.strictEqual(f.line, helloLine());

    const output: string[] = [];
    dc.on('output', (e: DebugProtocol.OutputEvent) => { if (e.body.category === 'stdout') output.push(e.body.output); });
    const exited = dc.waitForEvent('exited') as Promise<DebugProtocol.ExitedEvent>;
    const terminated = dc.waitForEvent('terminated');
    await dc.continueRequest({ threadId: 1 });
    assert.strictEqual((await exited).body.exitCode, 0);
    await terminated;
    const text = output.join('');
    assert.match(text, /Hello from nestvirt!/);
    assert.match(text, /cmdline: file=hello.elf args="hello world"/);
    assert.match(text, /Goodbye\./);
  });

  it('shows registers: general, segment (decoded) and control', async () => {
    await launchStopped();
    const f = await topFrame();
    const scopes = (await dc.scopesRequest({ frameId: f.id })).body.scopes;
    assert.deepStrictEqual(scopes.map((s) => s.name), ['Registers', 'Segment registers', 'Control registers']);
    const vars = async (i: number): Promise<DebugProtocol.Variable[]> => (await dc.variablesRequest({ variablesReference: scopes[i].variablesReference })).body.variables;
    const gpr = await vars(0);
    const rip = gpr.find((v) => v.name === 'rip')!;
    assert.strictEqual(rip.value, '0x0000000000100020');
    // Multiboot: EAX holds the magic 0x2BADB002 at entry (Multiboot spec 3.2).
    assert.strictEqual(gpr.find((v) => v.name === 'rax')!.value, '0x000000002badb002');
    const seg = await vars(1);
    const cs = seg.find((v) => v.name === 'cs')!;
    assert.match(cs.value, /code.*32-bit/);
    const ctl = await vars(2);
    assert.match(ctl.find((v) => v.name === 'cr0')!.value, /PE/);
    const ev = await dc.evaluateRequest({ expression: '$eax', context: 'watch', frameId: f.id });
    assert.match(ev.body.result, /^0x2badb002/);
    const mem = await dc.evaluateRequest({ expression: '*(uint32_t*)0x100000', context: 'repl', frameId: f.id });
    assert.match(mem.body.result, /^0x1badb002/); // the multiboot header magic at the image start
  });

  it('steps one instruction, and reads memory', async () => {
    await launchStopped();
    const stopped = dc.waitForEvent('stopped') as Promise<DebugProtocol.StoppedEvent>;
    await dc.stepInRequest({ threadId: 1, granularity: 'instruction' });
    assert.strictEqual((await stopped).body.reason, 'step');
    const f = await topFrame();
    assert.notStrictEqual(f.instructionPointerReference, '0x100020');
    const r = (await dc.customRequest('readMemory', { memoryReference: '0x100000', count: 4 })) as DebugProtocol.ReadMemoryResponse;
    assert.strictEqual(Buffer.from(r.body!.data!, 'base64').readUInt32LE(0), 0x1badb002);
  });

  it('disassembles around the stop', async () => {
    await launchStopped();
    const r = await dc.disassembleRequest({ memoryReference: '0x100020', instructionOffset: -2, instructionCount: 8, resolveSymbols: true });
    const ins = r.body!.instructions;
    assert.strictEqual(ins.length, 8);
    assert.strictEqual(ins[2].address, '0x100020');
    assert.ok(ins[2].instruction.length > 0);
    assert.match(ins[2].symbol ?? '', /_start/);
    assert.ok(ins.slice(2).every((i) => i.presentationHint !== 'invalid'));
  });

  it('disassembles kmain exactly as objdump -d does', async () => {
    // Stopped in 64-bit code (the view decodes in the vCPU's current mode).
    const stopped = dc.waitForEvent('stopped');
    const config = dc.waitForEvent('initialized').then(async () => {
      await dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'kmain' }] });
      await dc.configurationDoneRequest();
    });
    await Promise.all([config, dc.launch({ program: HELLO })]);
    await stopped;
    const r = await dc.disassembleRequest({ memoryReference: '0x1001a0', instructionCount: 100, resolveSymbols: true });
    const obj = execFileSync('objdump', ['-d', '--no-show-raw-insn', '--start-address=0x1001a0', '--stop-address=0x1003e0', HELLO]).toString();
    const ref = new Map<number, string>();
    for (const l of obj.split('\n')) {
      const m = /^\s+([0-9a-f]+):\s+(.*)$/.exec(l);
      if (m) ref.set(parseInt(m[1], 16), m[2].trim());
    }
    let compared = 0;
    for (const i of r.body!.instructions) {
      const a = parseInt(i.address, 16);
      if (!ref.has(a)) continue;
      assert.strictEqual(i.instruction.trim(), ref.get(a), `at ${i.address}`);
      compared++;
    }
    assert.ok(compared >= 90, `compared only ${compared} instructions`);
  });

  it('stops at an instruction breakpoint; maxInstructions ends the run with exit code 5', async () => {
    const stopped = dc.waitForEvent('stopped') as Promise<DebugProtocol.StoppedEvent>;
    const config = dc.waitForEvent('initialized').then(async () => {
      const r = (await dc.customRequest('setInstructionBreakpoints', { breakpoints: [{ instructionReference: '0x100f80' }] })) as DebugProtocol.SetInstructionBreakpointsResponse; // printf
      assert.strictEqual(r.body.breakpoints[0].verified, true);
      await dc.configurationDoneRequest();
    });
    await Promise.all([config, dc.launch({ program: HELLO, maxInstructions: 20000 })]);
    const ev = await stopped;
    assert.strictEqual(ev.body.reason, 'instruction breakpoint');
    assert.strictEqual((await topFrame()).instructionPointerReference, '0x100f80');
    await dc.customRequest('setInstructionBreakpoints', { breakpoints: [] });
    // Both waits before continuing: the adapter sends exited and terminated back to back.
    const exited = dc.waitForEvent('exited') as Promise<DebugProtocol.ExitedEvent>;
    const terminated = dc.waitForEvent('terminated');
    const console: string[] = [];
    dc.on('output', (e: DebugProtocol.OutputEvent) => { if (e.body.category === 'console') console.push(e.body.output); });
    await dc.continueRequest({ threadId: 1 });
    assert.strictEqual((await exited).body.exitCode, 5);
    await terminated;
    assert.match(console.join(''), /stopped after 20000 instructions \(maxInstructions\)/);
  });

  it('terminates on request', async () => {
    await launchStopped();
    const terminated = dc.waitForEvent('terminated');
    await dc.terminateRequest({});
    await terminated;
  });

  it('rejects a missing program, naming the attribute', async () => {
    await assert.rejects(dc.launch({ program: path.join(ROOT, 'no', 'such.elf') }), /program: cannot read kernel .*no such file/);
  });

  it('rejects a file that is not a multiboot kernel, naming the attribute', async () => {
    await assert.rejects(dc.launch({ program: HELLO_C }), /^Error: program: /);
  });

  it('rejects a bad cpu policy, naming the attribute', async () => {
    await assert.rejects(dc.launch({ program: HELLO, cpu: 'max,+no-such-feature' }), /^Error: cpu: /);
  });

  it('rejects bad memory, smp and stopOnEntry values, naming the attribute', async () => {
    await assert.rejects(dc.launch({ program: HELLO, memory: 'lots' }), /^Error: memory: .*lots/);
    await assert.rejects(dc.launch({ program: HELLO, smp: 0 }), /^Error: smp: expected a whole number/);
    await assert.rejects(dc.launch({ program: HELLO, stopOnEntry: 'yes' }), /^Error: stopOnEntry: expected true or false/);
    await assert.rejects(dc.launch({ program: HELLO, initrd: ['nope.txt'] }), /^Error: initrd: cannot read module/);
  });

  it('stops when an exception is delivered in the guest (exception filter)', async () => {
    const stopped = dc.waitForEvent('stopped') as Promise<DebugProtocol.StoppedEvent>;
    const config = dc.waitForEvent('initialized').then(async () => {
      await dc.setExceptionBreakpointsRequest({ filters: ['guest-exception'] });
      await dc.configurationDoneRequest();
    });
    await Promise.all([config, dc.launch({ program: EXCEPTIONS })]);
    const ev = await stopped;
    assert.strictEqual(ev.body.reason, 'exception');
    assert.match(ev.body.description ?? '', /#UD \(vector 6\)/);
    const info = await dc.exceptionInfoRequest({ threadId: 1 });
    assert.strictEqual(info.body.exceptionId, '#UD');
  });

  it('pauses a running machine', async () => {
    // A machine that runs long enough to be paused: no end until maxInstructions.
    const stopped = dc.waitForEvent('stopped') as Promise<DebugProtocol.StoppedEvent>;
    await Promise.all([dc.configurationSequence(), dc.launch({ program: HELLO, stopOnEntry: true })]);
    await stopped;
    // Park the guest in a loop: write `jmp .` (eb fe) at the entry point and continue.
    await dc.customRequest('writeMemory', { memoryReference: '0x100020', data: Buffer.from([0xeb, 0xfe]).toString('base64') });
    const paused = dc.waitForEvent('stopped') as Promise<DebugProtocol.StoppedEvent>;
    await dc.continueRequest({ threadId: 1 });
    await new Promise((r) => setTimeout(r, 100));
    await dc.pauseRequest({ threadId: 1 });
    const ev = await paused;
    assert.strictEqual(ev.body.reason, 'pause', `${ev.body.description}: ${ev.body.text}`);
    assert.strictEqual((await topFrame()).instructionPointerReference, '0x100020');
  });
});
