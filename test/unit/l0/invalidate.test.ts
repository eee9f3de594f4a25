// INVEPT / INVVPID executed by L1 (SDM vol 3C §31.3 INVEPT, INVVPID).
import { strict as assert } from 'assert';
import { makeVmxRig, exec, enterWithVmcs, I, VMXON_REGION, VmxRig } from './rig';
import { enterUser } from '../../support/sysrig';
import { DATA } from '../../support/snippet';
import { eptpProblem } from '../../../emulator/l0';

const DESC = DATA + 0x200;
const INVEPT = [0x66, 0x0f, 0x38, 0x80, 0x03]; // invept rax, [rbx]
const INVVPID = [0x66, 0x0f, 0x38, 0x81, 0x03]; // invvpid rax, [rbx]
const GOOD_EPTP = 0x500000 | (3 << 3) | 6; // 4-level walk, WB

/** Runs INVEPT/INVVPID rax, [rbx] with RAX = type (64-bit halves) and the descriptor's four dwords at [rbx]. */
function inv(r: VmxRig, code: number[], type: number | [number, number], desc: [number, number, number, number]): string {
  desc.forEach((d, k) => r.mem.write(DESC + 4 * k, 4, d >>> 0));
  r.cpu.setReg(3, 8, DESC);
  const [lo, hi] = typeof type === 'number' ? [type, 0] : type;
  // mov rax, imm64 then the instruction (exec() itself points RAX at its pointer area first).
  const mov = [0x48, 0xb8, ...[lo, hi].flatMap((v) => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24])];
  return exec(r, [...mov, ...code]);
}

describe('l0 INVEPT (SDM 31.3)', () => {
  it('#UD outside VMX operation, and when the CPU model lacks EPT or INVEPT', () => {
    assert.equal(inv(makeVmxRig(), INVEPT, 2, [0, 0, 0, 0]), '#UD');
    for (const policy of ['max,-vmx-ept', 'max,-vmx-invept']) {
      const r = makeVmxRig('long64', policy);
      exec(r, I.vmxon, VMXON_REGION);
      assert.equal(inv(r, INVEPT, 2, [0, 0, 0, 0]), '#UD', policy);
    }
  });
  it('#GP(0) at CPL > 0', () => {
    const r = makeVmxRig();
    exec(r, I.vmxon, VMXON_REGION);
    enterUser(r);
    assert.equal(inv(r, INVEPT, 2, [0, 0, 0, 0]), '#GP(0)');
  });
  it('unsupported type: VMfailInvalid without a current VMCS, VMfailValid(28) with one', () => {
    const r = makeVmxRig();
    exec(r, I.vmxon, VMXON_REGION);
    assert.equal(inv(r, INVEPT, 0, [0, 0, 0, 0]), 'VMfailInvalid');
    enterWithVmcsAfterVmxon(r);
    for (const t of [0, 3, [2, 1]] as (number | [number, number])[]) assert.equal(inv(r, INVEPT, t, [0, 0, 0, 0]), 'VMfailValid(28)');
    const r2 = makeVmxRig('long64', 'max,-vmx-invept-single-context');
    enterWithVmcs(r2);
    assert.equal(inv(r2, INVEPT, 1, [GOOD_EPTP, 0, 0, 0]), 'VMfailValid(28)');
  });
  it('single-context: an EPTP VM entry would reject is VMfail(28); a good one and all-context succeed', () => {
    const r = makeVmxRig();
    enterWithVmcs(r);
    assert.equal(inv(r, INVEPT, 1, [0x500000 | (3 << 3) | 1, 0, 0, 0]), 'VMfailValid(28)', 'memory type 1');
    assert.equal(inv(r, INVEPT, 1, [0x500000 | (2 << 3) | 6, 0, 0, 0]), 'VMfailValid(28)', 'walk length 3');
    assert.equal(inv(r, INVEPT, 1, [GOOD_EPTP, 1 << (r.s.caps.physAddrBits - 32), 0, 0]), 'VMfailValid(28)', 'beyond MAXPHYADDR');
    assert.equal(inv(r, INVEPT, 1, [GOOD_EPTP, 0, 0, 0]), 'VMsucceed');
    assert.equal(inv(r, INVEPT, 2, [0xffffffff, 0xffffffff, 0, 0]), 'VMsucceed', 'all-context ignores the EPTP');
    assert.equal(eptpProblem(r.s.caps, GOOD_EPTP, 0), null);
    assert.equal(eptpProblem(r.s.caps, 0x500001, 0)?.id, 'CTRL-EPTP-MEMTYPE');
  });
});

describe('l0 INVVPID (SDM 31.3)', () => {
  it('#UD outside VMX operation, and when the CPU model lacks VPID or INVVPID', () => {
    assert.equal(inv(makeVmxRig(), INVVPID, 2, [0, 0, 0, 0]), '#UD');
    for (const policy of ['max,-vmx-vpid', 'max,-vmx-invvpid']) {
      const r = makeVmxRig('long64', policy);
      exec(r, I.vmxon, VMXON_REGION);
      assert.equal(inv(r, INVVPID, 2, [0, 0, 0, 0]), '#UD', policy);
    }
  });
  it('#GP(0) at CPL > 0', () => {
    const r = makeVmxRig();
    exec(r, I.vmxon, VMXON_REGION);
    enterUser(r);
    assert.equal(inv(r, INVVPID, 2, [0, 0, 0, 0]), '#GP(0)');
  });
  it('VMfail(28): unsupported type, descriptor bits 63:16, VPID 0 for types 0/1/3, non-canonical address for type 0', () => {
    const r = makeVmxRig();
    exec(r, I.vmxon, VMXON_REGION);
    assert.equal(inv(r, INVVPID, 4, [1, 0, 0, 0]), 'VMfailInvalid');
    enterWithVmcsAfterVmxon(r);
    assert.equal(inv(r, INVVPID, 4, [1, 0, 0, 0]), 'VMfailValid(28)');
    assert.equal(inv(r, INVVPID, 2, [0x10000, 0, 0, 0]), 'VMfailValid(28)');
    assert.equal(inv(r, INVVPID, 2, [0, 1, 0, 0]), 'VMfailValid(28)');
    assert.equal(inv(r, INVVPID, 1, [0, 0, 0, 0]), 'VMfailValid(28)');
    assert.equal(inv(r, INVVPID, 0, [0, 0, 0x1000, 0]), 'VMfailValid(28)');
    assert.equal(inv(r, INVVPID, 0, [5, 0, 0, 0x8000]), 'VMfailValid(28)', 'non-canonical');
  });
  it('valid operands: VMsucceed', () => {
    const r = makeVmxRig();
    enterWithVmcs(r);
    assert.equal(inv(r, INVVPID, 0, [5, 0, 0x1000, 0xffff8000]), 'VMsucceed');
    assert.equal(inv(r, INVVPID, 1, [5, 0, 0, 0]), 'VMsucceed');
    assert.equal(inv(r, INVVPID, 2, [0, 0, 0, 0]), 'VMsucceed');
  });
});

function enterWithVmcsAfterVmxon(r: VmxRig): void {
  assert.equal(exec(r, I.vmptrld, 0x401000), 'VMsucceed');
}
