// setVariable (adapter/registers.ts writeRegister, vmcs-variables.ts
// writeVmcs12Field) over DAP on vmx-hello stopped in L1's exit handler:
// accepted edits take effect, refused ones answer with the register or
// field and what is allowed.
import * as assert from 'assert';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { HelloClient, buildExamples, find, num, failure } from './vmx-hello-client';

describe('DAP setVariable', function () {
  this.timeout(120000);
  let c: HelloClient;

  before(buildExamples);
  beforeEach(async () => { c = new HelloClient(); await c.start(); });
  afterEach(async () => { await c.stop(); });

  const set = (variablesReference: number, name: string, value: string): Promise<DebugProtocol.SetVariableResponse> =>
    c.dc.setVariableRequest({ variablesReference, name, value });

  it('edits registers within what the architecture accepts', async () => {
    await c.launchTo('on_vm_exit');
    const regs = await c.scope('Registers');
    const r = await set(regs.variablesReference, 'rax', '0x1122334455667788');
    assert.strictEqual(r.body.value, '0x1122334455667788');
    assert.strictEqual(num(await c.evaluate('$rax')), 0x1122334455667788n);
    assert.match(await failure(set(regs.variablesReference, 'rip', '0x0000900000000000')), /rip: 0x900000000000 is not canonical/);
    assert.match(await failure(set(regs.variablesReference, 'rflags', '0x0')), /rflags: bit 1 must be 1/);
    assert.match(await failure(set(regs.variablesReference, 'rbx', 'banana')), /rbx: 'banana' is not a number/);
    const ctl = await c.scope('Control registers');
    const cr0 = num(await c.evaluate('$cr0'));
    assert.match(await failure(set(ctl.variablesReference, 'cr0', '0x' + (cr0 & ~0x8000_0000n).toString(16))), /cr0: PE and PG switch the CPU mode/);
    assert.match(await failure(set(ctl.variablesReference, 'cr0', '0x' + (cr0 | 0x40n).toString(16))), /cr0: reserved bits 0x40 set/);
    const cr4 = num(await c.evaluate('$cr4'));
    assert.match(await failure(set(ctl.variablesReference, 'cr4', '0x' + (cr4 & ~0x2000n).toString(16))), /cr4: clearing VMXE in VMX operation/);
    const seg = await c.scope('Segment registers');
    assert.match(await failure(set(seg.variablesReference, 'ds', '0x10')), /ds: segment registers are not editable/);
  });

  it('writes VMCS12 fields as VMWRITE would, refusing what VMWRITE refuses', async () => {
    // Without IA32_VMX_MISC[29] exit-information fields are read-only to VMWRITE.
    await c.launchTo('on_vm_exit', 'max,-vmx-vmwrite-vmexit-fields');
    const guest = await c.group('VMCS12', 'Guest register state');
    const rip = num(find(guest.vars, 'GUEST_RIP'));
    const r = await set(guest.ref, 'GUEST_RIP', '0x' + (rip + 2n).toString(16));
    assert.strictEqual(num(r.body.value), rip + 2n);
    assert.strictEqual(num(await c.evaluate('GUEST_RIP')), rip + 2n);
    const sel = await c.group('VMCS12', 'Guest register state');
    assert.match(await failure(set(sel.ref, 'GUEST_CS_SELECTOR', '0x10000')), /GUEST_CS_SELECTOR is 16-bit: value must be 0\.\.0xffff/);
    const info = await c.group('VMCS12', 'VM-exit information');
    assert.match(await failure(set(info.ref, 'VM_EXIT_REASON', '0x1')), /VM_EXIT_REASON is a read-only VM-exit information field .*error 13/);
    const v02 = await c.group('VMCS02', 'Guest register state');
    assert.match(await failure(set(v02.ref, 'GUEST_RIP', '0x1000')), /GUEST_RIP is read-only/);
  });
});
