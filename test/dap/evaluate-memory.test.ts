// evaluate with address spaces, completions, and readMemory/writeMemory per
// nesting level (adapter/evaluate.ts, completions.ts, memory-references.ts)
// over DAP on vmx-hello stopped in L1's exit handler. L2 shares L1's page
// tables and runs without EPT there, so one byte has the same value through
// l1:, l2:, gpa: and l2gpa: at l2_entry (identity-mapped), which is the
// code `xor %eax,%eax; xor %ecx,%ecx; cpuid` (31 c0 31 c9 0f a2).
import * as assert from 'assert';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { HelloClient, buildExamples, vmxHelloElf, num, failure } from './vmx-hello-client';

const L2_CODE = '31c031c90fa2';

// DebugClient has no helpers for these two requests.
const readMemory = (c: HelloClient, args: DebugProtocol.ReadMemoryArguments): Promise<DebugProtocol.ReadMemoryResponse> =>
  c.dc.customRequest('readMemory', args) as Promise<DebugProtocol.ReadMemoryResponse>;
const writeMemory = (c: HelloClient, args: DebugProtocol.WriteMemoryArguments): Promise<DebugProtocol.WriteMemoryResponse> =>
  c.dc.customRequest('writeMemory', args) as Promise<DebugProtocol.WriteMemoryResponse>;

describe('DAP evaluate, completions and memory per level', function () {
  this.timeout(120000);
  let c: HelloClient;

  before(buildExamples);
  beforeEach(async () => { c = new HelloClient(); await c.start(); });
  afterEach(async () => { await c.stop(); });

  it('reads and writes memory through each level\'s address space', async () => {
    const l2 = vmxHelloElf().symbol('l2_entry')!.value;
    await c.launchTo('on_vm_exit');
    for (const space of ['l1', 'l2', 'gpa', 'l2gpa', '']) {
      const ref = `${space ? space + ':' : ''}0x${l2.toString(16)}`;
      const r = await readMemory(c, { memoryReference: ref, count: 6 });
      assert.strictEqual(Buffer.from(r.body!.data!, 'base64').toString('hex'), L2_CODE, ref);
      assert.strictEqual(r.body!.address, ref);
    }
    // Offsets apply within the space; unmapped L1 virtual addresses are unreadable, not an error.
    const off = await readMemory(c, { memoryReference: `gpa:0x${l2.toString(16)}`, offset: 4, count: 2 });
    assert.strictEqual(Buffer.from(off.body!.data!, 'base64').toString('hex'), '0fa2');
    const hole = await readMemory(c, { memoryReference: 'l1:0x7fff00000000', count: 16 });
    assert.strictEqual(hole.body!.unreadableBytes, 16);
    assert.match(await failure(readMemory(c, { memoryReference: 'l3:0x1000', count: 4 })), /level prefix \(l1: l2: gpa: l2gpa:\), got 'l3:0x1000'/);

    // A write through gpa: is seen through l2:.
    const exits = vmxHelloElf().symbol('exits')!.value;
    const w = await writeMemory(c, { memoryReference: `gpa:0x${exits.toString(16)}`, data: Buffer.from([7, 0, 0, 0]).toString('base64') });
    assert.strictEqual(w.body!.bytesWritten, 4);
    assert.strictEqual(num(await c.evaluate(`dword [l2:0x${exits.toString(16)}]`)), 7n);
    assert.match(await failure(writeMemory(c, { memoryReference: 'gpa:0xfee00000', data: 'AAAAAA==' })), /cannot write 4 bytes at gpa:0xfee00000: only 0 are mapped RAM/);
  });

  it('evaluates symbols, VMCS fields and memory expressions with address spaces', async () => {
    const elf = vmxHelloElf();
    const l2 = elf.symbol('l2_entry')!.value;
    await c.launchTo('on_vm_exit');
    assert.match(await c.evaluate('l2_entry'), new RegExp(`^0x${l2.toString(16)} .*<l2_entry>`));
    assert.strictEqual(num(await c.evaluate('*(u16*)l2_entry')), 0xc031n);
    assert.strictEqual(num(await c.evaluate('byte [gpa:l2_entry + 5]')), 0xa2n);
    assert.strictEqual(num(await c.evaluate('*(uint8_t*)l2:(l2_entry + 4)')), 0x0fn);
    assert.strictEqual(num(await c.evaluate('GUEST_RIP - l2_entry')), 4n);
    assert.strictEqual(num(await c.evaluate('VM_EXIT_REASON == 10')), 1n);
    assert.match(await failure(c.dc.evaluateRequest({ expression: 'qword [l1:0x7fff00000000]', context: 'repl' })), /cannot read 8 bytes at l1:0x7fff00000000: L1 virtual 0x7fff00000000 is not mapped/);
    assert.match(await failure(c.dc.evaluateRequest({ expression: '*(float*)0x1000', context: 'repl' })), /unknown type 'float'/);
  });

  it('completes registers, VMCS field names, symbols and address spaces', async () => {
    await c.launchTo('on_vm_exit');
    const labels = async (text: string): Promise<string[]> =>
      (await c.dc.completionsRequest({ text, column: text.length + 1, frameId: await c.topFrame() })).body.targets.map((t) => t.label);
    assert.deepStrictEqual((await labels('$rb')).sort(), ['$rbp', '$rbx']);
    const guest = await labels('GUEST_R');
    for (const f of ['GUEST_RIP', 'GUEST_RSP', 'GUEST_RFLAGS']) assert.ok(guest.includes(f), guest.join(' '));
    assert.ok((await labels('l2_en')).includes('l2_entry'));
    assert.ok((await labels('on_vm')).includes('on_vm_exit'));
    assert.ok((await labels('l2')).includes('l2gpa:'));
    // The word before the cursor is replaced: start/length cover it.
    const t = (await c.dc.completionsRequest({ text: '1 + GUEST_RI', column: 13 })).body.targets.find((x) => x.label === 'GUEST_RIP')!;
    assert.strictEqual(t.start, 5);
    assert.strictEqual(t.length, 8);
  });
});
