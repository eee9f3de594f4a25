// Data breakpoints (adapter/data-breakpoints.ts, emulator/debug/watch-*.ts)
// over DAP on vmx-hello: a VMCS12 field stops the run after L1's VMWRITE
// changes it and after a virtual VM exit changes it; a memory watch stops
// after the instruction that changed L1's variable; bad ids are refused
// with the reason.
import * as assert from 'assert';
import { HelloClient, buildExamples, vmxHelloElf, num } from './vmx-hello-client';

describe('DAP data breakpoints', function () {
  this.timeout(120000);
  let c: HelloClient;

  before(buildExamples);
  beforeEach(async () => { c = new HelloClient(); await c.start(); });
  afterEach(async () => { await c.stop(); });

  it('stops when L1 writes a watched VMCS12 field, and when a VM exit changes it', async () => {
    const l2 = vmxHelloElf().symbol('l2_entry')!.value;
    await c.launchTo('on_vm_exit');
    const guest = await c.group('VMCS12', 'Guest register state');
    const info = await c.dc.dataBreakpointInfoRequest({ variablesReference: guest.ref, name: 'GUEST_RIP' });
    assert.strictEqual(info.body.dataId, 'GUEST_RIP');
    assert.deepStrictEqual(info.body.accessTypes, ['write']);
    const set = await c.dc.setDataBreakpointsRequest({ breakpoints: [{ dataId: info.body.dataId!, accessType: 'write' }] });
    assert.strictEqual(set.body.breakpoints[0].verified, true, set.body.breakpoints[0].message);
    await c.dc.setFunctionBreakpointsRequest({ breakpoints: [] });

    // L1: vmwrite(GUEST_RIP, rip + len) after the CPUID exit (l2_entry+4, 2 bytes).
    const s1 = await c.continueToStop();
    assert.strictEqual(s1.body.reason, 'data breakpoint');
    assert.deepStrictEqual(s1.body.hitBreakpointIds, [set.body.breakpoints[0].id]);
    const hex = (v: bigint): string => '0x' + v.toString(16).padStart(16, '0');
    assert.ok(s1.body.description!.includes(`GUEST_RIP changed by VMWRITE on vCPU 0: ${hex(l2 + 4n)} → ${hex(l2 + 6n)}`), s1.body.description);
    assert.strictEqual(num(await c.evaluate('GUEST_RIP')), l2 + 6n);

    // Next: L2 runs OUT at l2_entry+6; the virtual VM exit stores GUEST_RIP = l2_entry+6 (unchanged),
    // so the next change is L1's VMWRITE past the OUT: +6 -> +8.
    const s2 = await c.continueToStop();
    assert.strictEqual(s2.body.reason, 'data breakpoint');
    assert.ok(s2.body.description!.includes(`${hex(l2 + 6n)} → ${hex(l2 + 8n)}`), s2.body.description);

    // Watch the exit reason instead: the next virtual VM exit (RDMSR: MSR_READ, 31) changes it from 30.
    const info2 = await c.dc.dataBreakpointInfoRequest({ name: 'VM_EXIT_REASON' });
    await c.dc.setDataBreakpointsRequest({ breakpoints: [{ dataId: info2.body.dataId! }] });
    const s3 = await c.continueToStop();
    assert.strictEqual(s3.body.reason, 'data breakpoint');
    assert.match(s3.body.description!, /VM_EXIT_REASON changed by VM exit \(MSR_READ\) on vCPU 0: 0x0000001e → 0x0000001f/);
  });

  it('stops when guest memory at a watched L1 address changes', async () => {
    const elf = vmxHelloElf();
    const exits = elf.symbol('exits')!;
    await c.launchTo('on_vm_exit');
    assert.strictEqual(num(await c.evaluate('*(u32*)exits')), 0n);
    const info = await c.dc.dataBreakpointInfoRequest({ name: `l1:0x${exits.value.toString(16)}`, asAddress: true, bytes: 4 });
    assert.strictEqual(info.body.dataId, `l1:0x${exits.value.toString(16)},4`);
    const set = await c.dc.setDataBreakpointsRequest({ breakpoints: [{ dataId: info.body.dataId! }] });
    assert.strictEqual(set.body.breakpoints[0].verified, true, set.body.breakpoints[0].message);
    await c.dc.setFunctionBreakpointsRequest({ breakpoints: [] });
    const s = await c.continueToStop();
    assert.strictEqual(s.body.reason, 'data breakpoint');
    assert.match(s.body.description!, /l1:0x[0-9a-f]+ \(4 bytes\) written by L1 at rip 0x[0-9a-f]+: 0x0 → 0x1/);
    assert.strictEqual(num(await c.evaluate('*(u32*)exits')), 1n);
    // The stop is right after the writing instruction: still in on_vm_exit.
    const top = (await c.dc.stackTraceRequest({ threadId: 1 })).body.stackFrames[0];
    assert.match(top.name, /on_vm_exit/);
  });

  it('refuses data ids it cannot watch, with the reason', async () => {
    await c.launchTo('on_vm_exit');
    const r = await c.dc.setDataBreakpointsRequest({
      breakpoints: [{ dataId: 'NO_SUCH_FIELD' }, { dataId: 'l1:0xfee00000,4' }, { dataId: 'GUEST_RIP', accessType: 'read' }],
    });
    const [a, b, d] = r.body.breakpoints;
    assert.strictEqual(a.verified, false);
    assert.match(a.message!, /no VMCS field named 'NO_SUCH_FIELD'/);
    assert.strictEqual(b.verified, false);
    assert.match(b.message!, /not (mapped|RAM)/);
    assert.strictEqual(d.verified, false);
    assert.match(d.message!, /only write watches/);
    const info = await c.dc.dataBreakpointInfoRequest({ name: 'l7:0x10', asAddress: true, bytes: 4 });
    assert.strictEqual(info.body.dataId, null);
    assert.match(info.body.description, /level prefix/);
    const regs = await c.scope('Registers');
    const none = await c.dc.dataBreakpointInfoRequest({ variablesReference: regs.variablesReference, name: 'rax' });
    assert.strictEqual(none.body.dataId, null);
  });
});
