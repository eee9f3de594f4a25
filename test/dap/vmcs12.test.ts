// The VMCS12 scope (adapter/vmcs-variables.ts) and VMCS field names in
// `evaluate`, over DAP on examples/build/vmx-hello.elf stopped in L1's exit
// handler at the first VM exit (CPUID, examples/expected/vmx-hello.txt).
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { execFileSync } from 'child_process';
import { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { parseElf } from '../../emulator/machine/elf';

const ROOT = path.resolve(__dirname, '../../..');
const ADAPTER = path.join(ROOT, 'out', 'adapter', 'main.js');
const VMX_HELLO = path.join(ROOT, 'examples', 'build', 'vmx-hello.elf');
const HELLO = path.join(ROOT, 'examples', 'build', 'hello.elf');

describe('DAP VMCS12 variables', function () {
  this.timeout(60000);
  let dc: DebugClient;

  before(() => { execFileSync('make', ['-s', '-C', path.join(ROOT, 'examples')], { stdio: 'pipe' }); });

  beforeEach(async () => {
    dc = new DebugClient('node', ADAPTER, 'nestvirt', { cwd: ROOT });
    dc.defaultTimeout = 30000;
    await dc.start();
  });

  afterEach(async () => { await dc.stop(); });

  async function launchTo(program: string, fn: string, args: Record<string, unknown> = {}): Promise<void> {
    const stopped = dc.waitForEvent('stopped');
    const config = dc.waitForEvent('initialized').then(async () => {
      const r = await dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: fn }] });
      assert.strictEqual(r.body.breakpoints[0].verified, true, r.body.breakpoints[0].message);
      await dc.configurationDoneRequest();
    });
    await Promise.all([config, dc.launch({ program, ...args })]);
    await stopped;
  }

  async function children(ref: number): Promise<DebugProtocol.Variable[]> {
    return (await dc.variablesRequest({ variablesReference: ref })).body.variables;
  }

  function find(vars: DebugProtocol.Variable[], name: string): DebugProtocol.Variable {
    const v = vars.find((x) => x.name === name);
    assert.ok(v, `no ${name} in ${vars.map((x) => x.name).join(', ')}`);
    return v;
  }

  it('shows L1\'s current VMCS at the first exit, grouped, decoded, and evaluates field names', async () => {
    const elf = parseElf(new Uint8Array(fs.readFileSync(VMX_HELLO)));
    const ripAtExit = elf.symbol('l2_entry')!.value + 4n;
    await launchTo(VMX_HELLO, 'on_vm_exit', { cpu: 'max' });
    const st = await dc.stackTraceRequest({ threadId: 1 });
    const frameId = st.body.stackFrames[0].id;
    const scopes = (await dc.scopesRequest({ frameId })).body.scopes;
    const scope = scopes.find((s) => s.name.startsWith('VMCS12'));
    assert.ok(scope, `no VMCS12 scope in ${scopes.map((s) => s.name).join(', ')}`);
    assert.match(scope.name, /^VMCS12 \(L1's current VMCS at 0x[0-9a-f]+\)$/);
    assert.strictEqual(scope.expensive, true);

    const groups = await children(scope.variablesReference);
    const guest = await children(find(groups, 'Guest register state').variablesReference);
    const rip = find(guest, 'GUEST_RIP');
    assert.strictEqual(rip.evaluateName, 'GUEST_RIP');
    assert.strictEqual(BigInt(rip.value.split(' ')[0]), ripAtExit);
    assert.match(rip.value, /^0x[0-9a-f]{16}$/);
    const cs = await children(find(guest, 'GUEST_CS_AR_BYTES').variablesReference);
    assert.strictEqual(find(cs, 'L').value, '1');
    assert.strictEqual(find(cs, 'P').value, '1');
    assert.strictEqual(find(cs, 'S').value, '1');

    const info = await children(find(groups, 'VM-exit information').variablesReference);
    assert.match(find(info, 'VM_EXIT_REASON').value, /^0x0000000a CPUID \(10\)/);

    const exec = await children(find(groups, 'VM-execution controls').variablesReference);
    const primary = find(exec, 'CPU_BASED_VM_EXEC_CONTROL');
    assert.match(primary.value, /HLT_EXITING/);
    const bits = await children(primary.variablesReference);
    assert.ok(bits.some((b) => b.name === 'HLT_EXITING'), bits.map((b) => b.name).join(', '));

    const r = await dc.evaluateRequest({ expression: 'GUEST_RIP', frameId, context: 'watch' });
    assert.strictEqual(BigInt(r.body.result.split(' ')[0]), ripAtExit);
  });

  it('has no VMCS12 scope on a kernel without VMX', async () => {
    await launchTo(HELLO, 'kmain');
    const st = await dc.stackTraceRequest({ threadId: 1 });
    for (const f of st.body.stackFrames) {
      const scopes = (await dc.scopesRequest({ frameId: f.id })).body.scopes;
      assert.ok(!scopes.some((s) => s.name.startsWith('VMCS12')), scopes.map((s) => s.name).join(', '));
    }
    await assert.rejects(dc.evaluateRequest({ expression: 'GUEST_RIP', frameId: st.body.stackFrames[0].id, context: 'watch' }));
  });
});
