// VMREAD/VMWRITE for L1 (SDM vol 3C §31.3 VMREAD, VMWRITE; §25.11.2): fail
// paths, every field width incl. high halves and read-only fields, register
// and memory operands, 64-bit and 32-bit operand size.
import { strict as assert } from 'assert';
import { makeVmxRig, exec, enterWithVmcs, I, VMXON_REGION, VmxRig } from './rig';
import { enterUser } from '../../support/sysrig';
import { DATA } from '../../support/snippet';
import { VMCS } from '../../../emulator/vmx/fields';

const MEM = DATA + 0x100;

/** VMWRITE field(rcx) <- [rbx] (64-bit halves). */
function vmwrite(r: VmxRig, enc: number | [number, number], lo: number, hi = 0): string {
  const [el, eh] = typeof enc === 'number' ? [enc, 0] : enc;
  r.cpu.setReg(1, 8, el, eh);
  r.mem.write(MEM, 4, lo >>> 0);
  r.mem.write(MEM + 4, 4, hi >>> 0);
  r.cpu.setReg(3, 8, MEM, 0);
  return exec(r, I.vmwriteRcxMem);
}

/** VMREAD rax <- field(rcx); returns [outcome, lo, hi]. */
function vmread(r: VmxRig, enc: number | [number, number]): [string, number, number] {
  const [el, eh] = typeof enc === 'number' ? [enc, 0] : enc;
  r.cpu.setReg(1, 8, el, eh);
  const out = exec(r, I.vmreadRaxRcx); // exec sets RAX = PTR first; VMREAD overwrites it on success
  return [out, r.cpu.regs[0] >>> 0, r.cpu.regs[1] >>> 0];
}

describe('l0 VMREAD / VMWRITE (SDM 31.3)', () => {
  it('#UD outside VMX operation; #GP(0) at CPL > 0', () => {
    const r = makeVmxRig();
    assert.equal(exec(r, I.vmreadRaxRcx), '#UD');
    assert.equal(exec(r, I.vmwriteRcxRax), '#UD');
    exec(r, I.vmxon, VMXON_REGION);
    enterUser(r);
    assert.equal(exec(r, I.vmreadRaxRcx), '#GP(0)');
    const r2 = makeVmxRig();
    exec(r2, I.vmxon, VMXON_REGION);
    enterUser(r2);
    assert.equal(exec(r2, I.vmwriteRcxRax), '#GP(0)');
  });
  it('no current VMCS: VMfailInvalid', () => {
    const r = makeVmxRig();
    exec(r, I.vmxon, VMXON_REGION);
    assert.equal(vmread(r, VMCS.GUEST_RIP)[0], 'VMfailInvalid');
    assert.equal(vmwrite(r, VMCS.GUEST_RIP, 1), 'VMfailInvalid');
  });
  it('unsupported component: unknown encoding, reserved bits, bits 63:32, high access of a non-64-bit field -> VMfailValid(12)', () => {
    const r = makeVmxRig();
    enterWithVmcs(r);
    for (const enc of [0x7ffe, 0x681e | 0x1000, VMCS.GUEST_RIP | 1, VMCS.GUEST_ES_LIMIT | 1, VMCS.GUEST_ES_SELECTOR | 1] as const) {
      assert.equal(vmread(r, enc)[0], 'VMfailValid(12)', `read 0x${enc.toString(16)}`);
      assert.equal(vmwrite(r, enc, 1), 'VMfailValid(12)', `write 0x${enc.toString(16)}`);
    }
    assert.equal(vmread(r, [VMCS.GUEST_RIP, 1])[0], 'VMfailValid(12)', 'encoding bits 63:32 set');
    assert.equal(vmwrite(r, [VMCS.GUEST_RIP, 1], 1), 'VMfailValid(12)');
  });
  it('the destination keeps its value on VMfail', () => {
    const r = makeVmxRig();
    enterWithVmcs(r);
    const [out, lo, hi] = vmread(r, 0x7ffe);
    assert.equal(out, 'VMfailValid(12)');
    assert.deepEqual([lo, hi], [DATA, 0], 'RAX as exec() set it');
  });
  it('16-bit field: truncated on write, zero-extended on read', () => {
    const r = makeVmxRig();
    enterWithVmcs(r);
    assert.equal(vmwrite(r, VMCS.GUEST_ES_SELECTOR, 0x12345, 0x77), 'VMsucceed');
    assert.deepEqual(vmread(r, VMCS.GUEST_ES_SELECTOR), ['VMsucceed', 0x2345, 0]);
  });
  it('32-bit field: bits 63:32 dropped', () => {
    const r = makeVmxRig();
    enterWithVmcs(r);
    assert.equal(vmwrite(r, VMCS.GUEST_ES_LIMIT, 0xfedcba98, 0x1), 'VMsucceed');
    assert.deepEqual(vmread(r, VMCS.GUEST_ES_LIMIT), ['VMsucceed', 0xfedcba98, 0]);
  });
  it('64-bit field: full and high accesses', () => {
    const r = makeVmxRig();
    enterWithVmcs(r);
    assert.equal(vmwrite(r, VMCS.VMCS_LINK_POINTER, 0x11112222, 0x33334444), 'VMsucceed');
    assert.deepEqual(vmread(r, VMCS.VMCS_LINK_POINTER), ['VMsucceed', 0x11112222, 0x33334444]);
    assert.deepEqual(vmread(r, VMCS.VMCS_LINK_POINTER | 1), ['VMsucceed', 0x33334444, 0]);
    assert.equal(vmwrite(r, VMCS.VMCS_LINK_POINTER | 1, 0xabcd0000, 0x9999), 'VMsucceed');
    assert.deepEqual(vmread(r, VMCS.VMCS_LINK_POINTER), ['VMsucceed', 0x11112222, 0xabcd0000], 'high write keeps bits 31:0');
  });
  it('natural-width field: 64 bits', () => {
    const r = makeVmxRig();
    enterWithVmcs(r);
    assert.equal(vmwrite(r, VMCS.GUEST_RIP, 0x89abcdef, 0xffff8000), 'VMsucceed');
    assert.deepEqual(vmread(r, VMCS.GUEST_RIP), ['VMsucceed', 0x89abcdef, 0xffff8000]);
  });
  it('read-only fields: VMREAD works; VMWRITE is VMfailValid(13) without IA32_VMX_MISC[29], allowed with it', () => {
    const r = makeVmxRig('long64', 'max,-vmx-vmwrite-vmexit-fields');
    enterWithVmcs(r);
    assert.equal(vmread(r, 0x7ffe)[0], 'VMfailValid(12)');
    assert.deepEqual(vmread(r, VMCS.VM_INSTRUCTION_ERROR), ['VMsucceed', 12, 0]);
    assert.equal(vmwrite(r, VMCS.EXIT_QUALIFICATION, 5), 'VMfailValid(13)');
    assert.equal(vmwrite(r, VMCS.VM_EXIT_REASON, 5), 'VMfailValid(13)');
    assert.deepEqual(vmread(r, VMCS.EXIT_QUALIFICATION), ['VMsucceed', 0, 0]);
    const r2 = makeVmxRig();
    enterWithVmcs(r2);
    assert.equal(vmwrite(r2, VMCS.EXIT_QUALIFICATION, 5, 6), 'VMsucceed');
    assert.deepEqual(vmread(r2, VMCS.EXIT_QUALIFICATION), ['VMsucceed', 5, 6]);
  });
  it('register source and memory destination forms', () => {
    const r = makeVmxRig();
    enterWithVmcs(r);
    r.cpu.setReg(1, 8, VMCS.GUEST_RSP);
    // exec sets RAX = PTR; VMWRITE from RAX writes that value.
    assert.equal(exec(r, I.vmwriteRcxRax), 'VMsucceed');
    assert.equal(r.s.vmcs12.num(VMCS.GUEST_RSP), DATA);
    r.cpu.setReg(3, 8, MEM);
    r.mem.write(MEM, 4, 0x5a5a5a5a); r.mem.write(MEM + 4, 4, 0x5a5a5a5a);
    r.cpu.setReg(1, 8, VMCS.GUEST_ES_SELECTOR);
    r.s.vmcs12.set(VMCS.GUEST_ES_SELECTOR, 0x28);
    assert.equal(exec(r, I.vmreadMemRcx), 'VMsucceed');
    assert.deepEqual([r.mem.read(MEM, 4), r.mem.read(MEM + 4, 4)], [0x28, 0], 'a 64-bit store, zero-extended');
  });
  it('32-bit mode: 32-bit operands (low half of 64-bit fields, natural fields written with bits 63:32 = 0)', () => {
    const r = makeVmxRig('prot32');
    enterWithVmcs(r);
    r.s.vmcs12.set(VMCS.GUEST_RIP, 0x1, 0x2);
    r.cpu.setReg(1, 4, VMCS.GUEST_RIP);
    r.cpu.setReg(3, 4, MEM);
    r.mem.write(MEM, 4, 0x12345678); r.mem.write(MEM + 4, 4, 0xcccccccc);
    assert.equal(exec(r, I.vmwriteRcxMem), 'VMsucceed');
    assert.equal(r.s.vmcs12.hex(VMCS.GUEST_RIP), '0x12345678');
    r.s.vmcs12.set(VMCS.VMCS_LINK_POINTER, 0xaaaa0000, 0xbbbb);
    r.cpu.setReg(1, 4, VMCS.VMCS_LINK_POINTER);
    assert.equal(exec(r, I.vmreadMemRcx), 'VMsucceed');
    assert.deepEqual([r.mem.read(MEM, 4), r.mem.read(MEM + 4, 4)], [0xaaaa0000, 0xcccccccc], 'a 32-bit store');
    r.cpu.setReg(1, 4, VMCS.VMCS_LINK_POINTER | 1);
    assert.equal(exec(r, I.vmreadMemRcx), 'VMsucceed');
    assert.equal(r.mem.read(MEM, 4), 0xbbbb, 'high access');
  });
});
