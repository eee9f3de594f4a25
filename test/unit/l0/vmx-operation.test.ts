// VMXON, VMXOFF, VMCLEAR, VMPTRLD, VMPTRST, VMCALL, VMFUNC for L1: one case
// per branch of each instruction's Operation (SDM vol 3C §31.3).
import { strict as assert } from 'assert';
import { makeVmxRig, exec, enterWithVmcs, I, VMXON_REGION, VMCS_A, VMCS_B, PTR } from './rig';
import { enterUser, makeSysRig } from '../../support/sysrig';
import { runCode } from '../../support/snippet';
import { parseCpuPolicy } from '../../../emulator/x86/cpu-model';
import { CR4_VMXE } from '../../../emulator/x86/regs';
import { NO_VMCS } from '../../../emulator/l0';
import { Vmcs, VmcsProfile, VMCS12_SIZE, VMCS12_LAUNCH_STATE_OFFSET } from '../../../emulator/vmx/vmcs';
import { VMCS } from '../../../emulator/vmx/fields';
import { IA32_VMX_PROCBASED_CTLS2 } from '../../../emulator/x86/cpu-features';

/** Secondary processor-based control bit 14, 'VMCS shadowing' (SDM vol 3C Table 25-7). */
const SECONDARY_VMCS_SHADOWING = 14;

describe('l0 VMXON (SDM 31.3)', () => {
  it('#UD with CR4.VMXE = 0', () => {
    const r = makeVmxRig();
    r.cpu.cr4 &= ~CR4_VMXE;
    assert.equal(exec(r, I.vmxon, VMXON_REGION), '#UD');
    assert.equal(r.s.inVmxOperation, false);
  });
  it('#UD in compatibility mode', () => {
    const r = makeVmxRig('compat32');
    assert.equal(exec(r, I.vmxon, VMXON_REGION), '#UD');
  });
  it('32-bit protected mode: #GP(0) with paging off (CR0_FIXED0.PG), VMsucceed with paging on', () => {
    assert.equal(exec(makeVmxRig('prot32', 'max', false), I.vmxon, VMXON_REGION), '#GP(0)');
    const r = makeVmxRig('prot32');
    assert.equal(exec(r, I.vmxon, VMXON_REGION), 'VMsucceed');
    assert.equal(exec(r, I.vmptrld, VMCS_A), 'VMsucceed');
    assert.equal(exec(r, I.vmptrst), 'VMsucceed');
    assert.deepEqual([r.mem.read(PTR, 4), r.mem.read(PTR + 4, 4)], [VMCS_A, 0]);
  });
  it('#GP(0) at CPL > 0', () => {
    const r = makeVmxRig();
    enterUser(r);
    assert.equal(exec(r, I.vmxon, VMXON_REGION), '#GP(0)');
  });
  it('#GP(0) when CR0 violates IA32_VMX_CR0_FIXED0 (NE = 0)', () => {
    const r = makeVmxRig();
    r.cpu.cr0 &= ~0x20;
    assert.equal(exec(r, I.vmxon, VMXON_REGION), '#GP(0)');
  });
  it('#GP(0) when CR4 has a bit IA32_VMX_CR4_FIXED1 does not allow', () => {
    const r = makeVmxRig();
    let b = 0;
    while ((r.s.caps.cr4Fixed1Lo >>> b) & 1) b++;
    r.cpu.cr4 = (r.cpu.cr4 | (1 << b)) >>> 0;
    assert.equal(exec(r, I.vmxon, VMXON_REGION), '#GP(0)');
  });
  it('#GP(0) when IA32_FEATURE_CONTROL is unlocked, or VMX outside SMX is disabled', () => {
    const r = makeVmxRig();
    r.cpu.featureControl = 0x4;
    assert.equal(exec(r, I.vmxon, VMXON_REGION), '#GP(0)');
    const r2 = makeVmxRig();
    r2.cpu.featureControl = 0x1;
    assert.equal(exec(r2, I.vmxon, VMXON_REGION), '#GP(0)');
  });
  it('VMfailInvalid for a pointer that is not 4K aligned or exceeds MAXPHYADDR', () => {
    const r = makeVmxRig();
    assert.equal(exec(r, I.vmxon, VMXON_REGION + 8), 'VMfailInvalid');
    assert.equal(exec(r, I.vmxon, [0, 1 << (r.s.caps.physAddrBits - 32)]), 'VMfailInvalid');
    assert.equal(r.s.inVmxOperation, false);
  });
  it('VMfailInvalid for a revision id mismatch or bit 31 set', () => {
    const r = makeVmxRig();
    r.mem.write(VMXON_REGION, 4, r.rev + 1);
    assert.equal(exec(r, I.vmxon, VMXON_REGION), 'VMfailInvalid');
    r.mem.write(VMXON_REGION, 4, (r.rev | 0x80000000) >>> 0);
    assert.equal(exec(r, I.vmxon, VMXON_REGION), 'VMfailInvalid');
    assert.equal(r.s.inVmxOperation, false);
  });
  it('success: VMsucceed, in VMX operation, no current VMCS', () => {
    const r = makeVmxRig();
    assert.equal(exec(r, I.vmxon, VMXON_REGION), 'VMsucceed');
    assert.equal(r.s.inVmxOperation, true);
    assert.equal(r.s.vmxonPointer, VMXON_REGION);
    assert.equal(r.s.currentVmcsPointer, NO_VMCS);
  });
  it('in VMX root: VMfailInvalid without a current VMCS, VMfailValid(15) with one, #GP(0) at CPL 3', () => {
    const r = makeVmxRig();
    exec(r, I.vmxon, VMXON_REGION);
    assert.equal(exec(r, I.vmxon, VMXON_REGION), 'VMfailInvalid');
    exec(r, I.vmptrld, VMCS_A);
    assert.equal(exec(r, I.vmxon, VMXON_REGION), 'VMfailValid(15)');
    enterUser(r);
    assert.equal(exec(r, I.vmxon, VMXON_REGION), '#GP(0)');
  });
  it('a vCPU without L0 VMX gets #UD and a not-implemented diagnostic (hook fallback)', () => {
    const r = makeSysRig('long64', parseCpuPolicy('max'));
    r.cpu.cr4 |= CR4_VMXE;
    r.cpu.setReg(0, 8, PTR);
    runCode(r, I.vmxon);
    assert.ok(r.events.some((e) => e.kind === 'exception' && e.vector === 6));
    assert.ok(r.events.some((e) => e.kind === 'diagnostic' && e.code === 'not-implemented' && /vmxon/.test(e.message)));
  });
});

describe('l0 VMXOFF (SDM 31.3)', () => {
  it('#UD outside VMX operation', () => {
    assert.equal(exec(makeVmxRig(), I.vmxoff), '#UD');
  });
  it('#GP(0) at CPL > 0', () => {
    const r = makeVmxRig();
    exec(r, I.vmxon, VMXON_REGION);
    enterUser(r);
    assert.equal(exec(r, I.vmxoff), '#GP(0)');
  });
  it('leaves VMX operation and writes the cached VMCS12 back to L1 memory', () => {
    const r = makeVmxRig();
    enterWithVmcs(r);
    r.s.vmcs12.set(VMCS.GUEST_RIP, 0x1234);
    assert.equal(exec(r, I.vmxoff), 'VMsucceed');
    assert.equal(r.s.inVmxOperation, false);
    assert.equal(r.s.currentVmcsPointer, NO_VMCS);
    const v = new Vmcs(VmcsProfile.fromCaps(r.s.caps));
    v.loadFrom(r.mem.readBytes(VMCS_A, VMCS12_SIZE));
    assert.equal(v.lo(VMCS.GUEST_RIP), 0x1234);
    assert.equal(exec(r, I.vmptrld, VMCS_A), '#UD', 'VMX instructions are #UD again');
  });
});

describe('l0 VMCLEAR (SDM 31.3)', () => {
  it('#UD outside VMX operation; #GP(0) at CPL > 0', () => {
    assert.equal(exec(makeVmxRig(), I.vmclear, VMCS_A), '#UD');
    const r = makeVmxRig();
    exec(r, I.vmxon, VMXON_REGION);
    enterUser(r);
    assert.equal(exec(r, I.vmclear, VMCS_A), '#GP(0)');
  });
  it('invalid address: VMfailInvalid without a current VMCS, VMfailValid(2) with one', () => {
    const r = makeVmxRig();
    exec(r, I.vmxon, VMXON_REGION);
    assert.equal(exec(r, I.vmclear, VMCS_A + 0x10), 'VMfailInvalid');
    exec(r, I.vmptrld, VMCS_B);
    assert.equal(exec(r, I.vmclear, VMCS_A + 0x10), 'VMfailValid(2)');
    assert.equal(exec(r, I.vmclear, [0, 1 << (r.s.caps.physAddrBits - 32)]), 'VMfailValid(2)');
  });
  it('the VMXON pointer: VMfail(3)', () => {
    const r = makeVmxRig();
    exec(r, I.vmxon, VMXON_REGION);
    assert.equal(exec(r, I.vmclear, VMXON_REGION), 'VMfailInvalid');
    exec(r, I.vmptrld, VMCS_B);
    assert.equal(exec(r, I.vmclear, VMXON_REGION), 'VMfailValid(3)');
  });
  it('of the current VMCS: written back in the documented layout, launch state clear, no current VMCS', () => {
    const r = makeVmxRig();
    enterWithVmcs(r);
    r.s.vmcs12.set(VMCS.GUEST_RIP, 0xdeadbeef, 0x7);
    r.s.vmcs12.set(VMCS.GUEST_CS_SELECTOR, 0x8);
    r.s.vmcs12.launched = true;
    assert.equal(exec(r, I.vmclear, VMCS_A), 'VMsucceed');
    assert.equal(r.s.currentVmcsPointer, NO_VMCS);
    const v = new Vmcs(VmcsProfile.fromCaps(r.s.caps));
    v.loadFrom(r.mem.readBytes(VMCS_A, VMCS12_SIZE));
    assert.equal(v.revisionId, r.rev);
    assert.equal(v.launched, false);
    assert.equal(v.hex(VMCS.GUEST_RIP), '0x7deadbeef');
    assert.equal(v.lo(VMCS.GUEST_CS_SELECTOR), 0x8);
    assert.equal(r.mem.read(VMCS_A + 0x708, 4), 0xdeadbeef, 'GUEST_RIP at offset 0x708');
  });
  it('of a VMCS that is not current: its launch state becomes clear, the current VMCS stays', () => {
    const r = makeVmxRig();
    enterWithVmcs(r);
    r.mem.write(VMCS_B + VMCS12_LAUNCH_STATE_OFFSET, 4, 1);
    assert.equal(exec(r, I.vmclear, VMCS_B), 'VMsucceed');
    assert.equal(r.mem.read(VMCS_B + VMCS12_LAUNCH_STATE_OFFSET, 4), 0);
    assert.equal(r.s.currentVmcsPointer, VMCS_A);
  });
});

describe('l0 VMPTRLD (SDM 31.3)', () => {
  it('#UD outside VMX operation; #GP(0) at CPL > 0', () => {
    assert.equal(exec(makeVmxRig(), I.vmptrld, VMCS_A), '#UD');
    const r = makeVmxRig();
    exec(r, I.vmxon, VMXON_REGION);
    enterUser(r);
    assert.equal(exec(r, I.vmptrld, VMCS_A), '#GP(0)');
  });
  it('invalid address: VMfailInvalid without a current VMCS, VMfailValid(9) with one', () => {
    const r = makeVmxRig();
    exec(r, I.vmxon, VMXON_REGION);
    assert.equal(exec(r, I.vmptrld, VMCS_A + 4), 'VMfailInvalid');
    exec(r, I.vmptrld, VMCS_B);
    assert.equal(exec(r, I.vmptrld, VMCS_A + 4), 'VMfailValid(9)');
    assert.equal(exec(r, I.vmptrld, [0, 1 << (r.s.caps.physAddrBits - 32)]), 'VMfailValid(9)');
    assert.equal(r.s.currentVmcsPointer, VMCS_B);
  });
  it('the VMXON pointer: VMfail(10)', () => {
    const r = makeVmxRig();
    exec(r, I.vmxon, VMXON_REGION);
    assert.equal(exec(r, I.vmptrld, VMXON_REGION), 'VMfailInvalid');
    exec(r, I.vmptrld, VMCS_B);
    assert.equal(exec(r, I.vmptrld, VMXON_REGION), 'VMfailValid(10)');
  });
  it('wrong revision id: VMfail(11)', () => {
    const r = makeVmxRig();
    exec(r, I.vmxon, VMXON_REGION);
    r.mem.write(VMCS_A, 4, r.rev ^ 1);
    assert.equal(exec(r, I.vmptrld, VMCS_A), 'VMfailInvalid');
    exec(r, I.vmptrld, VMCS_B);
    assert.equal(exec(r, I.vmptrld, VMCS_A), 'VMfailValid(11)');
  });
  it('shadow-VMCS indicator: accepted with VMCS shadowing, VMfail(11) without', () => {
    // SDM 31.3 VMPTRLD: the indicator is allowed iff IA32_VMX_PROCBASED_CTLS2
    // allows 'VMCS shadowing' (bit 46). `max` does not offer it (L0 does not
    // implement it for L2), so the "with" case is max plus that capability bit.
    const max = parseCpuPolicy('max');
    const [lo2, hi2] = max.vmxMsr(IA32_VMX_PROCBASED_CTLS2)!;
    assert.equal((hi2 >>> SECONDARY_VMCS_SHADOWING) & 1, 0, 'max offers no VMCS shadowing');
    const r = makeVmxRig('long64', 'max', true, { [IA32_VMX_PROCBASED_CTLS2]: [lo2, (hi2 | (1 << SECONDARY_VMCS_SHADOWING)) >>> 0] });
    assert.ok(r.s.caps.allowed1('secondary', SECONDARY_VMCS_SHADOWING));
    exec(r, I.vmxon, VMXON_REGION);
    r.mem.write(VMCS_A, 4, (r.rev | 0x80000000) >>> 0);
    assert.equal(exec(r, I.vmptrld, VMCS_A), 'VMsucceed');
    assert.equal(r.s.vmcs12.shadow, true);
    const r2 = makeVmxRig();
    exec(r2, I.vmxon, VMXON_REGION);
    exec(r2, I.vmptrld, VMCS_B);
    r2.mem.write(VMCS_A, 4, (r2.rev | 0x80000000) >>> 0);
    assert.equal(exec(r2, I.vmptrld, VMCS_A), 'VMfailValid(11)');
  });
  it('loads VMCS12 from L1 memory; loading another writes the old one back; reloading the current one does not re-read memory', () => {
    const r = makeVmxRig();
    exec(r, I.vmxon, VMXON_REGION);
    const v = new Vmcs(VmcsProfile.fromCaps(r.s.caps));
    v.revisionId = r.rev;
    v.set(VMCS.GUEST_RSP, 0x5000);
    const bytes = new Uint8Array(VMCS12_SIZE);
    v.serializeTo(bytes);
    r.mem.writeBytes(VMCS_A, bytes);
    assert.equal(exec(r, I.vmptrld, VMCS_A), 'VMsucceed');
    assert.equal(r.s.vmcs12.lo(VMCS.GUEST_RSP), 0x5000);
    r.s.vmcs12.set(VMCS.GUEST_RSP, 0x6000);
    r.mem.write(VMCS_A + 0x10, 4, 0xffff); // L1 scribbles on the active region: ignored while cached
    assert.equal(exec(r, I.vmptrld, VMCS_A), 'VMsucceed');
    assert.equal(r.s.vmcs12.lo(VMCS.GUEST_RSP), 0x6000);
    assert.equal(exec(r, I.vmptrld, VMCS_B), 'VMsucceed');
    v.loadFrom(r.mem.readBytes(VMCS_A, VMCS12_SIZE));
    assert.equal(v.lo(VMCS.GUEST_RSP), 0x6000);
    assert.equal(r.s.currentVmcsPointer, VMCS_B);
  });
});

describe('l0 VMX pointers to memory that is not RAM (hostile L1)', () => {
  it('VMPTRLD reads all ones there (revision mismatch: VMfailValid(11)); VMCLEAR succeeds and writes nowhere', () => {
    const r = makeVmxRig();
    enterWithVmcs(r);
    const outside = 0x40000000; // above the rig's 16 MiB of RAM, below MAXPHYADDR
    assert.equal(exec(r, I.vmptrld, outside), 'VMfailValid(11)');
    assert.equal(exec(r, I.vmclear, outside), 'VMsucceed');
    assert.equal(r.s.currentVmcsPointer, VMCS_A);
  });
});

describe('l0 VMPTRST (SDM 31.3)', () => {
  it('#UD outside VMX operation; #GP(0) at CPL > 0', () => {
    assert.equal(exec(makeVmxRig(), I.vmptrst), '#UD');
    const r = makeVmxRig();
    exec(r, I.vmxon, VMXON_REGION);
    enterUser(r);
    assert.equal(exec(r, I.vmptrst), '#GP(0)');
  });
  it('stores all ones without a current VMCS and the pointer with one; always VMsucceed', () => {
    const r = makeVmxRig();
    exec(r, I.vmxon, VMXON_REGION);
    assert.equal(exec(r, I.vmptrst), 'VMsucceed');
    assert.deepEqual([r.mem.read(PTR, 4), r.mem.read(PTR + 4, 4)], [0xffffffff, 0xffffffff]);
    exec(r, I.vmptrld, VMCS_A);
    assert.equal(exec(r, I.vmptrst), 'VMsucceed');
    assert.deepEqual([r.mem.read(PTR, 4), r.mem.read(PTR + 4, 4)], [VMCS_A, 0]);
  });
});

describe('l0 VMCALL and VMFUNC in VMX root (SDM 31.3)', () => {
  it('VMCALL: #UD outside VMX operation, #GP(0) at CPL 3', () => {
    assert.equal(exec(makeVmxRig(), I.vmcall), '#UD');
    const r = makeVmxRig();
    exec(r, I.vmxon, VMXON_REGION);
    enterUser(r);
    assert.equal(exec(r, I.vmcall), '#GP(0)');
  });
  it('VMCALL without SMM dual-monitor treatment: VMfailInvalid, or VMfailValid(1) with a current VMCS', () => {
    const r = makeVmxRig();
    exec(r, I.vmxon, VMXON_REGION);
    assert.equal(exec(r, I.vmcall), 'VMfailInvalid');
    exec(r, I.vmptrld, VMCS_A);
    assert.equal(exec(r, I.vmcall), 'VMfailValid(1)');
  });
  it('VMFUNC is #UD outside VMX non-root operation', () => {
    assert.equal(exec(makeVmxRig(), I.vmfunc), '#UD');
    const r = makeVmxRig();
    enterWithVmcs(r);
    assert.equal(exec(r, I.vmfunc), '#UD');
  });
});

describe('l0 VMX instructions in real-address mode', () => {
  it('are #UD (SDM 31.3 "Real-Address Mode Exceptions"), VMXON included', () => {
    const r = makeVmxRig('real');
    assert.equal(exec(r, I.vmxon, VMXON_REGION), '#UD');
    assert.equal(exec(r, I.vmcall), '#UD');
    assert.equal(r.s.inVmxOperation, false);
  });
});

describe('l0 VMX instructions in hot code (compiled tier)', () => {
  it('VMCALL in a 300-iteration loop, then once more: the result is exact (VMfailValid(1))', () => {
    const r = makeVmxRig();
    enterWithVmcs(r);
    // mov ecx, 300; L: vmcall; dec ecx; jnz L; vmcall
    const code = [0xb9, 0x2c, 0x01, 0x00, 0x00, 0x0f, 0x01, 0xc1, 0xff, 0xc9, 0x75, 0xf9, 0x0f, 0x01, 0xc1];
    r.s.vmcs12.set(VMCS.VM_INSTRUCTION_ERROR, 0);
    assert.equal(exec(r, code), 'VMfailValid(1)');
    assert.equal(r.cpu.regs[2], 0);
  });
});
