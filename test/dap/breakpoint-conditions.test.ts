// Breakpoint conditions, hit counts and log points (adapter/breakpoint-
// conditions.ts) on source, function and instruction breakpoints, driven
// over DAP on examples/build/hello.elf.
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

function lineOf(text: string): number {
  const i = fs.readFileSync(HELLO_C, 'utf8').split('\n').findIndex((l) => l.includes(text));
  assert.ok(i >= 0, `hello/main.c has no line with ${text}: update the test`);
  return i + 1;
}

describe('DAP breakpoint conditions, hit counts and log points', function () {
  this.timeout(60000);
  let dc: DebugClient;
  let stdout: string;
  let consoleOut: string;

  before(() => { execFileSync('make', ['-s', '-C', path.join(ROOT, 'examples')], { stdio: 'pipe' }); });

  beforeEach(async () => {
    dc = new DebugClient('node', ADAPTER, 'nestvirt', { cwd: ROOT });
    dc.defaultTimeout = 30000;
    stdout = '';
    consoleOut = '';
    dc.on('output', (e: DebugProtocol.OutputEvent) => {
      if (e.body.category === 'stdout') stdout += e.body.output;
      else consoleOut += e.body.output;
    });
    await dc.start();
  });

  afterEach(async () => { await dc.stop(); });

  /** Launches hello; `configure` sets breakpoints between initialized and configurationDone. */
  async function launch<T>(configure: () => Promise<T>, args: Record<string, unknown> = {}): Promise<T> {
    let result!: T;
    const config = dc.waitForEvent('initialized').then(async () => {
      result = await configure();
      await dc.configurationDoneRequest();
    });
    await Promise.all([config, dc.launch({ program: HELLO, ...args })]);
    return result;
  }

  const stoppedEvent = (): Promise<DebugProtocol.StoppedEvent> => dc.waitForEvent('stopped') as Promise<DebugProtocol.StoppedEvent>;
  const lines = (s: string): number => s.split('\n').length - 1;

  async function evalNumber(expression: string): Promise<bigint> {
    const st = await dc.stackTraceRequest({ threadId: 1 });
    const r = await dc.evaluateRequest({ expression, frameId: st.body.stackFrames[0].id, context: 'watch' });
    return BigInt(r.body.result.split(' ')[0]);
  }

  it('advertises conditions, hit conditions and log points', async () => {
    const r = await dc.initializeRequest({ adapterID: 'nestvirt', linesStartAt1: true, columnsStartAt1: true, pathFormat: 'path' });
    assert.strictEqual(r.body!.supportsConditionalBreakpoints, true);
    assert.strictEqual(r.body!.supportsHitConditionalBreakpoints, true);
    assert.strictEqual(r.body!.supportsLogPoints, true);
  });

  it('a false condition on a source breakpoint never stops; a true one does', async () => {
    const line = lineOf('printf("Hello from nestvirt!\\n")');
    const flags = lineOf('multiboot flags');
    const stopped = stoppedEvent();
    const bp = await launch(() => dc.setBreakpointsRequest({
      source: { path: HELLO_C },
      breakpoints: [{ line, condition: 'rsp == 0 || rip == 0' }, { line: flags, condition: 'rsp != 0 && cpl == 0 && !(rsp < 0x1000)' }],
    }));
    assert.deepStrictEqual(bp.body.breakpoints.map((b) => b.verified), [true, true], JSON.stringify(bp.body.breakpoints));
    const ev = await stopped;
    assert.deepStrictEqual(ev.body.hitBreakpointIds, [bp.body.breakpoints[1].id]);
    assert.strictEqual((await dc.stackTraceRequest({ threadId: 1 })).body.stackFrames[0].line, flags);
    assert.strictEqual(stdout, 'Hello from nestvirt!\n');
  });

  it('a condition reading memory on an instruction breakpoint: stops at printf("Goodbye.\\n") only', async () => {
    const stopped = stoppedEvent();
    await Promise.all([dc.configurationSequence(), dc.launch({ program: HELLO, stopOnEntry: true })]);
    await stopped;
    const printf = await evalNumber('printf');
    // At printf's first instruction rdi is the format string: 'G' (0x47) starts "Goodbye.\n".
    const r = (await dc.customRequest('setInstructionBreakpoints', { breakpoints: [{ instructionReference: '0x' + printf.toString(16), condition: '*(uint8_t*)rdi == 0x47 && *(uint32_t*)rdi == 0x646f6f47' }] })) as DebugProtocol.SetInstructionBreakpointsResponse;
    assert.strictEqual(r.body.breakpoints[0].verified, true, r.body.breakpoints[0].message);
    const again = stoppedEvent();
    await dc.continueRequest({ threadId: 1 });
    const ev = await again;
    assert.strictEqual(ev.body.reason, 'instruction breakpoint');
    assert.strictEqual(await evalNumber('rip'), printf);
    assert.match(stdout, /Hello from nestvirt!\n[^]*\n$/);
    assert.doesNotMatch(stdout, /Goodbye/);
  });

  it('hit condition N on a function breakpoint stops at the Nth call only', async () => {
    const stopped = stoppedEvent();
    const r = await launch(() => dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'printf', hitCondition: '3' }] }));
    assert.strictEqual(r.body.breakpoints[0].verified, true);
    await stopped;
    assert.strictEqual(lines(stdout), 2, stdout);
    const terminated = dc.waitForEvent('terminated');
    await dc.continueRequest({ threadId: 1 });
    await terminated;
    assert.match(stdout, /Goodbye\.\n$/);
  });

  it('hit conditions >= N and % N', async () => {
    let stopped = stoppedEvent();
    await launch(() => dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'printf', hitCondition: '>= 2' }] }));
    await stopped;
    assert.strictEqual(lines(stdout), 1, stdout);
    stopped = stoppedEvent();
    await dc.continueRequest({ threadId: 1 });
    await stopped;
    assert.strictEqual(lines(stdout), 2, stdout);
    // Set anew, the count starts again; the call we are stopped at is not
    // reached again, so calls 4 and 5 are hits 1 and 2: stop at the 5th.
    await dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'printf', hitCondition: '% 2' }] });
    stopped = stoppedEvent();
    await dc.continueRequest({ threadId: 1 });
    await stopped;
    assert.strictEqual(lines(stdout), 4, stdout);
  });

  it('a log point prints {expressions} without stopping', async () => {
    const line = lineOf('printf("Hello from nestvirt!\\n")');
    let stops = 0;
    dc.on('stopped', () => { stops++; });
    const terminated = dc.waitForEvent('terminated');
    const bp = await launch(() => dc.setBreakpointsRequest({ source: { path: HELLO_C }, breakpoints: [{ line, logMessage: 'kmain at {rip}, rsp ok: {rsp != 0}, {{braces}}' }] }));
    const b = bp.body.breakpoints[0];
    assert.strictEqual(b.verified, true, b.message);
    await terminated;
    assert.strictEqual(stops, 0);
    const rip = BigInt(b.instructionReference!).toString(16);
    assert.ok(consoleOut.includes(`kmain at 0x${rip}, rsp ok: 1, {braces}\n`), consoleOut);
    assert.match(stdout, /Goodbye\.\n$/);
  });

  it('rejects bad conditions, hit conditions and log messages with the position of the error', async () => {
    const line = lineOf('printf("Hello from nestvirt!\\n")');
    const bp = await launch(() => dc.setBreakpointsRequest({
      source: { path: HELLO_C },
      breakpoints: [
        { line, condition: 'rax == == 1' },
        { line, hitCondition: 'often' },
        { line, logMessage: 'x={rax +}' },
        { line, logMessage: 'x={rax' },
      ],
    }), { stopOnEntry: true });
    const [c, h, l1, l2] = bp.body.breakpoints;
    assert.strictEqual(c.verified, false);
    assert.strictEqual(c.message, "condition: unexpected '==' at position 8");
    assert.strictEqual(h.verified, false);
    assert.match(h.message!, /^hitCondition: expected N, '>= N' or '% N'/);
    assert.strictEqual(l1.verified, false);
    assert.match(l1.message!, /^logMessage: \{rax \+\}: expression expected at position 9/);
    assert.strictEqual(l2.verified, false);
    assert.match(l2.message!, /^logMessage: unclosed '\{' at position 3/);
    // With the kernel loaded names are checked too: a typo is not a silent "never true".
    const r = await dc.setBreakpointsRequest({ source: { path: HELLO_C }, breakpoints: [{ line, condition: 'rdi != 0 && raxx == 1' }] });
    assert.strictEqual(r.body.breakpoints[0].verified, false);
    assert.strictEqual(r.body.breakpoints[0].message, "condition: unknown register or symbol 'raxx' at position 13");
    const f = await dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'printf', condition: 'rdi <' }] });
    assert.strictEqual(f.body.breakpoints[0].verified, false);
    assert.match(f.body.breakpoints[0].message!, /^condition: expression expected at position 6/);
  });
});
