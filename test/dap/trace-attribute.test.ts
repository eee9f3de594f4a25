// The launch attribute `trace`: the lines `nestvirt run --trace` prints, one
// per VM transition, written to a file or to the debug console; bad values
// are launch errors naming the attribute.
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { buildExamples, startClient, kernel, cliTransitions } from './nesting-client';

const VMX_HELLO = kernel('vmx-hello');

describe('DAP launch attribute trace', function () {
  this.timeout(120000);
  let dc: DebugClient;

  before(() => buildExamples());
  beforeEach(async () => { dc = await startClient(); });
  afterEach(async () => { await dc.stop(); });

  async function runToEnd(args: Record<string, unknown>): Promise<void> {
    const ended = dc.waitForEvent('terminated');
    await Promise.all([dc.configurationSequence(), dc.launch({ program: VMX_HELLO, ...args } as DebugProtocol.LaunchRequestArguments)]);
    await ended;
  }

  it('a path: the file holds exactly the transition lines of `nestvirt run --trace`', async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'nestvirt-trace-')), 'vmx-hello.trace');
    await runToEnd({ trace: file });
    const lines = fs.readFileSync(file, 'utf8').split('\n').filter((l) => l);
    assert.ok(lines.length > 5, `only ${lines.length} lines`);
    assert.deepStrictEqual(lines, cliTransitions(VMX_HELLO));
  });

  it('true: the same lines in the debug console', async () => {
    const seen: string[] = [];
    dc.on('output', (e: DebugProtocol.OutputEvent) => { if (e.body.category === 'console') seen.push(...e.body.output.split('\n')); });
    await runToEnd({ trace: true });
    const cli = cliTransitions(VMX_HELLO);
    assert.deepStrictEqual(seen.filter((l) => / cpu\d+ L\d->L\d /.test(l)), cli);
  });

  it('bad values are errors naming the attribute', async () => {
    for (const [value, pattern] of [[42, /trace: expected true .*number 42/], ['/no/such/dir/x.trace', /trace: .*is not a directory/]] as const) {
      await assert.rejects(dc.launch({ program: VMX_HELLO, trace: value } as DebugProtocol.LaunchRequestArguments), pattern);
    }
  });
});
