// RDMSR/WRMSR and the MSR table (SDM vol 2B RDMSR/WRMSR, vol 4 chapter 2).
import { strict as assert } from 'assert';
import { runCode } from '../../support/snippet';
import { makeSysRig, stubVector, stackSlots, enterUser, SysRig } from '../../support/sysrig';
import { registerMsrProvider, unregisterMsrProvider, readMsr, MsrProvider } from '../../../emulator/x86/msr';
import { FS } from '../../../emulator/x86/regs';

const RDMSR = [0x0f, 0x32], WRMSR = [0x0f, 0x30];

function fault(rig: SysRig): [number, number] {
  return [stubVector(rig.cpu), stackSlots(rig, 1, 8)[0]];
}
function rd(rig: SysRig, index: number): [number, number] {
  rig.cpu.setReg(1, 8, index);
  runCode(rig, RDMSR);
  return [rig.cpu.regs[0] >>> 0, rig.cpu.regs[4] >>> 0];
}
function wr(rig: SysRig, index: number, lo: number, hi = 0): void {
  rig.cpu.setReg(1, 8, index);
  rig.cpu.setReg(0, 8, lo >>> 0);
  rig.cpu.setReg(2, 8, hi >>> 0);
  runCode(rig, WRMSR);
}

describe('system: MSRs', () => {
  it('reads IA32_EFER; LMA is read-only and reserved bits are #GP(0)', () => {
    const rig = makeSysRig('long64');
    assert.deepEqual(rd(rig, 0xc0000080), [0xd01, 0]);
    wr(rig, 0xc0000080, 0x901); // LMA not written: stays set
    assert.equal(stubVector(rig.cpu), -1);
    assert.equal(rig.cpu.efer, 0xd01);
    wr(rig, 0xc0000080, 0xd05); // bit 2 reserved
    assert.deepEqual(fault(rig), [13, 0]);
  });

  it('changing EFER.LME while paging is on is #GP(0)', () => {
    const rig = makeSysRig('long64');
    wr(rig, 0xc0000080, 0x801 | 0x400);
    assert.deepEqual(fault(rig), [13, 0]);
  });

  it('an unknown MSR is #GP(0) with one diagnostic naming it', () => {
    const rig = makeSysRig('long64');
    rd(rig, 0x1234);
    assert.deepEqual(fault(rig), [13, 0]);
    rd(rig, 0x1234);
    const d = rig.events.filter((e) => e.kind === 'diagnostic' && e.code === 'unknown-msr');
    assert.equal(d.length, 1);
    assert.match((d[0] as { message: string }).message, /0x1234/);
  });

  it('RDMSR at CPL 3 is #GP(0)', () => {
    const rig = makeSysRig('long64');
    enterUser(rig);
    rd(rig, 0xc0000080);
    assert.deepEqual(fault(rig), [13, 0]);
  });

  it('IA32_TSC writes move the offset; reads follow the instruction count', () => {
    const rig = makeSysRig('long64');
    wr(rig, 0x10, 0, 5);
    const [lo, hi] = rd(rig, 0x10);
    assert.equal(hi, 5);
    assert.ok(lo < 100, `TSC low ${lo}`);
  });

  it('FS_BASE: canonical check, and reads back the segment base', () => {
    const rig = makeSysRig('long64');
    wr(rig, 0xc0000100, 0x1000, 0xffff8000);
    assert.equal(stubVector(rig.cpu), -1);
    assert.equal(rig.cpu.segBase[FS], 0x800000001000);
    assert.deepEqual(rd(rig, 0xc0000100), [0x1000, 0xffff8000]);
    wr(rig, 0xc0000100, 0, 0x00010000);
    assert.deepEqual(fault(rig), [13, 0]);
  });

  it('IA32_PAT rejects reserved memory types; MTRRs check types and reserved bits', () => {
    const rig = makeSysRig('long64');
    wr(rig, 0x277, 0x00070602, 0x00070406);
    assert.deepEqual(fault(rig), [13, 0]);
    const r2 = makeSysRig('long64');
    wr(r2, 0x250, 0x06060606, 0x06060606);
    assert.deepEqual(rd(r2, 0x250), [0x06060606, 0x06060606]);
    wr(r2, 0x200, 0x3);
    assert.deepEqual(fault(r2), [13, 0]);
    const r3 = makeSysRig('long64');
    assert.deepEqual(rd(r3, 0xfe), [0x508, 0]);
  });

  it('IA32_FEATURE_CONTROL: writes are #GP(0) once locked', () => {
    const rig = makeSysRig('long64');
    wr(rig, 0x3a, 0x5);
    assert.equal(stubVector(rig.cpu), -1);
    assert.deepEqual(rd(rig, 0x3a), [5, 0]);
    wr(rig, 0x3a, 0x1);
    assert.deepEqual(fault(rig), [13, 0]);
  });

  it('routes the APIC MSRs to the platform devices', () => {
    const rig = makeSysRig('long64');
    const writes: number[] = [];
    rig.cpu.plat.msrDevices.push({
      rdmsr: (i) => (i === 0x1b ? [0xfee00900, 0] : null),
      wrmsr: (i, lo) => { if (i !== 0x1b) return false; if (lo & 1) return 'gp'; writes.push(lo); return true; },
    });
    assert.deepEqual(rd(rig, 0x1b), [0xfee00900, 0]);
    wr(rig, 0x1b, 0xfee00800);
    assert.deepEqual(writes, [0xfee00800]);
    wr(rig, 0x1b, 0xfee00801);
    assert.deepEqual(fault(rig), [13, 0]);
  });

  it('providers registered by other modules come first (VMX capability MSRs)', () => {
    const rig = makeSysRig('long64');
    const p: MsrProvider = {
      rdmsr: (cpu, i) => { if (i !== 0x480) return null; cpu.hi = 0xda0400; return 0x11; },
      wrmsr: () => false,
    };
    registerMsrProvider(p);
    try {
      assert.deepEqual(rd(rig, 0x480), [0x11, 0xda0400]);
      assert.equal(readMsr(rig.cpu, 0x480), 0x11);
    } finally { unregisterMsrProvider(p); }
    rd(rig, 0x480);
    assert.deepEqual(fault(rig), [13, 0]);
  });
});
