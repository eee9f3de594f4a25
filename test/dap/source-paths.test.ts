// Source paths of kernels built elsewhere: the `sourceMap` launch attribute
// and the fallback that finds a missing DWARF source path by its trailing
// components under the launch cwd (adapter/source-paths.ts).
import * as assert from 'assert';
import * as path from 'path';
import * as fs from 'fs';
import * as os from 'os';
import { execFileSync } from 'child_process';
import { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { SourcePaths } from '../../adapter/source-paths';

const ROOT = path.resolve(__dirname, '../../..');
const ADAPTER = path.join(ROOT, 'out', 'adapter', 'main.js');
const EXAMPLES = path.join(ROOT, 'examples');
const HELLO = path.join(EXAMPLES, 'build', 'hello.elf');

function helloLine(file: string): number {
  const i = fs.readFileSync(file, 'utf8').split('\n').findIndex((l) => l.includes('printf("Hello from nestvirt!\\n")'));
  assert.ok(i >= 0, 'hello/main.c changed: update the test');
  return i + 1;
}

describe('DAP source paths (sourceMap and the moved-tree fallback)', function () {
  this.timeout(60000);
  let dc: DebugClient;
  let tmp: string;
  let copy: string;

  before(() => {
    execFileSync('make', ['-s', '-C', EXAMPLES], { stdio: 'pipe' });
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'nestvirt-srcmap-'));
    copy = path.join(tmp, 'examples');
    fs.cpSync(EXAMPLES, copy, { recursive: true });
  });

  after(() => { fs.rmSync(tmp, { recursive: true, force: true }); });

  beforeEach(async () => {
    dc = new DebugClient('node', ADAPTER, 'nestvirt', { cwd: ROOT });
    dc.defaultTimeout = 30000;
    await dc.start();
  });

  afterEach(async () => { await dc.stop(); });

  /** Launches with a breakpoint on kmain's first line of `mainC`; returns it and the top frame at the stop. */
  async function stopInCopy(args: Record<string, unknown>, mainC: string): Promise<{ bp: DebugProtocol.Breakpoint; frame: DebugProtocol.StackFrame }> {
    const line = helloLine(mainC);
    let bp!: DebugProtocol.Breakpoint;
    const stopped = dc.waitForEvent('stopped') as Promise<DebugProtocol.StoppedEvent>;
    const config = dc.waitForEvent('initialized').then(async () => {
      bp = (await dc.setBreakpointsRequest({ source: { path: mainC }, breakpoints: [{ line }] })).body.breakpoints[0];
      await dc.configurationDoneRequest();
    });
    await Promise.all([config, dc.launch(args)]);
    const ev = await stopped;
    assert.strictEqual(bp.verified, true, bp.message);
    assert.strictEqual(bp.line, line);
    assert.strictEqual(ev.body.reason, 'breakpoint');
    assert.deepStrictEqual(ev.body.hitBreakpointIds, [bp.id]);
    const frame = (await dc.stackTraceRequest({ threadId: 1 })).body.stackFrames[0];
    assert.strictEqual(frame.line, line);
    return { bp, frame };
  }

  it('sourceMap maps the compile-time tree onto a copy: breakpoints, stack frames, loadedSources', async () => {
    const mainC = path.join(copy, 'hello', 'main.c');
    // The original ELF (its DWARF names the original tree, which exists too), the copy as cwd.
    const { frame } = await stopInCopy({ program: HELLO, cwd: copy, sourceMap: { [EXAMPLES]: copy } }, mainC);
    assert.strictEqual(frame.source?.path, mainC);
    const loaded = ((await dc.customRequest('loadedSources')) as DebugProtocol.LoadedSourcesResponse).body.sources.map((s) => s.path!);
    assert.ok(loaded.includes(mainC), loaded.join('\n'));
    assert.ok(loaded.includes(path.join(copy, 'runtime', 'console.c')), loaded.join('\n'));
    assert.ok(!loaded.some((p) => p.startsWith(EXAMPLES + path.sep)), loaded.join('\n'));
  });

  it('finds the sources of a kernel built on another machine by their trailing path under cwd', async () => {
    // The same kernel as if built in a directory that does not exist here:
    // the DWARF's absolute paths rewritten to a same-length missing root.
    const gone = '/' + 'q'.repeat(ROOT.length - 1);
    assert.ok(!fs.existsSync(gone));
    const bytes = fs.readFileSync(HELLO);
    const from = Buffer.from(ROOT), to = Buffer.from(gone);
    let n = 0;
    for (let i = bytes.indexOf(from); i >= 0; i = bytes.indexOf(from, i + 1)) { to.copy(bytes, i); n++; }
    assert.ok(n > 0, 'the ELF names no source path under the repository');
    fs.writeFileSync(path.join(copy, 'build', 'moved.elf'), bytes);
    const mainC = path.join(copy, 'hello', 'main.c');
    const { frame } = await stopInCopy({ program: 'build/moved.elf', cwd: copy }, mainC);
    assert.strictEqual(frame.source?.path, mainC);
    const src = await dc.sourceRequest({ source: frame.source, sourceReference: 0 });
    assert.strictEqual(src.body.content, fs.readFileSync(mainC, 'utf8'));
    const loaded = ((await dc.customRequest('loadedSources')) as DebugProtocol.LoadedSourcesResponse).body.sources.map((s) => s.path!);
    assert.ok(loaded.includes(mainC), loaded.join('\n'));
    assert.ok(!loaded.some((p) => p.startsWith(gone)), loaded.join('\n'));
  });

  it('rejects a bad sourceMap, naming the attribute', async () => {
    await assert.rejects(dc.launch({ program: HELLO, sourceMap: '/build=/here' }), /^Error: sourceMap: expected an object/);
    await assert.rejects(dc.launch({ program: HELLO, sourceMap: { '/build': 3 } }), /^Error: sourceMap: the local prefix for '\/build' must be a non-empty path string/);
  });
});

describe('SourcePaths (unit)', () => {
  const files = new Set(['/home/me/ws/examples/hello/main.c', '/home/me/ws/examples/runtime/x86.h', '/home/me/other/hello/main.c']);
  const exists = (p: string): boolean => files.has(p);

  it('prefers the longest trailing match, searching roots in order', () => {
    const sp = new SourcePaths([], ['/home/me/ws', '/home/me/other'], exists);
    assert.strictEqual(sp.toLocal('/ci/build/examples/hello/main.c'), '/home/me/ws/examples/hello/main.c');
    // Trailing components are joined to a root, not searched for below it.
    assert.strictEqual(sp.toLocal('/ci/x/runtime/x86.h'), '/ci/x/runtime/x86.h');
    assert.strictEqual(sp.toLocal('/ci/x/examples/runtime/x86.h'), '/home/me/ws/examples/runtime/x86.h');
    assert.strictEqual(sp.toLocal('/nowhere/at/all.c'), '/nowhere/at/all.c');
    // Back from the local path to the DWARF one, for setBreakpoints.
    assert.strictEqual(sp.toDwarf('/home/me/ws/examples/hello/main.c', ['/ci/build/examples/hello/main.c']), '/ci/build/examples/hello/main.c');
  });

  it('applies sourceMap by whole path components, longest prefix first, both ways', () => {
    const sp = new SourcePaths([['/ci', '/home/me/other'], ['/ci/build', '/home/me/ws']], [], exists);
    assert.strictEqual(sp.toLocal('/ci/build/examples/hello/main.c'), '/home/me/ws/examples/hello/main.c');
    assert.strictEqual(sp.toLocal('/ci/hello/main.c'), '/home/me/other/hello/main.c');
    assert.strictEqual(sp.toLocal('/cix/hello/main.c'), '/cix/hello/main.c');
    assert.strictEqual(sp.toDwarf('/home/me/ws/examples/new.c', []), '/ci/build/examples/new.c');
  });
});
