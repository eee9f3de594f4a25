// Reverse execution over DAP (adapter/session-reverse.ts) on vmx-hello: a
// reverseContinue lands on the previous breakpoint hit with exactly the
// registers (general, segment, control) and VMCS12 the forward run had there;
// stepBack undoes one instruction; output is not repeated.
import * as assert from 'assert';
import * as path from 'path';
import { execFileSync } from 'child_process';
import { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';

const ROOT = path.resolve(__dirname, '../../..');
const ADAPTER = path.join(ROOT, 'out', 'adapter', 'main.js');
const VMX_HELLO = path.join(ROOT, 'examples', 'build', 'vmx-hello.elf');

describe('DAP reverse execution', function () {
  this.timeout(90000);
  let dc: DebugClient;
  let output = '';

  before(() => { execFileSync('make', ['-s', '-C', path.join(ROOT, 'examples')], { stdio: 'pipe' }); });

  beforeEach(async () => {
    dc = new DebugClient('node', ADAPTER, 'nestvirt', { cwd: ROOT });
    dc.defaultTimeout = 30000;
    output = '';
    dc.on('output', (e: DebugProtocol.OutputEvent) => { if (e.body.category === 'stdout') output += e.body.output; });
    await dc.start();
  });

  afterEach(async () => { await dc.stop(); });

  async function launchTo(fn: string): Promise<DebugProtocol.InitializeResponse> {
    const init = await dc.initializeRequest();
    const stopped = dc.waitForEvent('stopped');
    const config = dc.waitForEvent('initialized').then(async () => {
      await dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: fn }] });
      await dc.configurationDoneRequest();
    });
    await Promise.all([config, dc.launch({ program: VMX_HELLO, cpu: 'max' })]);
    await stopped;
    return init;
  }

  /** Every register and VMCS12 field the top frame shows, by scope and name. */
  async function state(): Promise<Record<string, string>> {
    const st = await dc.stackTraceRequest({ threadId: 1 });
    const out: Record<string, string> = {};
    const scopes = (await dc.scopesRequest({ frameId: st.body.stackFrames[0].id })).body.scopes;
    const walk = async (prefix: string, ref: number, depth: number): Promise<void> => {
      for (const v of (await dc.variablesRequest({ variablesReference: ref })).body.variables) {
        out[`${prefix}/${v.name}`] = v.value;
        if (v.variablesReference && depth < 2) await walk(`${prefix}/${v.name}`, v.variablesReference, depth + 1);
      }
    };
    for (const s of scopes) await walk(s.name, s.variablesReference, 0);
    return out;
  }

  async function resume(req: () => Promise<unknown>): Promise<DebugProtocol.StoppedEvent> {
    const stopped = dc.waitForEvent('stopped') as Promise<DebugProtocol.StoppedEvent>;
    await req();
    return stopped;
  }

  it('reverseContinue returns to each earlier breakpoint hit with identical registers and VMCS12', async () => {
    const init = await launchTo('on_vm_exit');
    assert.strictEqual(init.body?.supportsStepBack, true);
    const hits = [await state()];
    for (let i = 0; i < 2; i++) {
      await resume(() => dc.continueRequest({ threadId: 1 }));
      hits.push(await state());
    }
    assert.ok(Object.keys(hits[0]).some((k) => k.startsWith('VMCS12')), 'VMCS12 is shown');
    assert.notDeepStrictEqual(hits[2], hits[1], 'the hits differ');
    const printed = output;
    for (let i = hits.length - 2; i >= 0; i--) {
      const ev = await resume(() => dc.customRequest('reverseContinue', { threadId: 1 }));
      assert.strictEqual(ev.body.reason, 'breakpoint', ev.body.description);
      assert.deepStrictEqual(await state(), hits[i], `hit ${i}`);
    }
    // Forward again over the same ground: the same hit, and no output printed twice.
    await resume(() => dc.continueRequest({ threadId: 1 }));
    assert.deepStrictEqual(await state(), hits[1]);
    assert.strictEqual(output, printed);
  });

  it('stepBack undoes one instruction', async () => {
    await launchTo('on_vm_exit');
    const before = await state();
    await resume(() => dc.stepInRequest({ threadId: 1, granularity: 'instruction' }));
    const after = await state();
    assert.notDeepStrictEqual(after, before);
    const ev = await resume(() => dc.stepBackRequest({ threadId: 1, granularity: 'instruction' }));
    assert.strictEqual(ev.body.reason, 'step');
    assert.deepStrictEqual(await state(), before);
  });
});
