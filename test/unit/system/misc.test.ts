// CPUID, TSC, PMC, XCR0, SWAPGS, FS/GS base instructions, HLT, software
// interrupts and the hint instructions (SDM vol 2A/2B).
import { strict as assert } from 'assert';
import { runCode, CODE, testModel } from '../../support/snippet';
import { makeSysRig, stubVector, stackSlots, enterUser, setGate, SysRig, K32, STUBS } from '../../support/sysrig';
import { CpuModelLike } from '../../../emulator/x86/model';
import { GS, FS, AC, CR4_OSXSAVE, CR4_TSD, CR4_FSGSBASE } from '../../../emulator/x86/regs';

function fault(rig: SysRig): [number, number] {
  return [stubVector(rig.cpu), stackSlots(rig, 1, rig.cpu.long64 ? 8 : 4)[0]];
}

describe('system: CPUID and time', () => {
  it('CPUID comes from the model, with OSXSAVE mirroring CR4', () => {
    const seen: number[][] = [];
    const model: CpuModelLike = { ...testModel, cpuid: (l, s, a) => { seen.push([l, s, a]); return [0x11, 0x22, 0x33, 0x44]; } };
    const rig = makeSysRig('prot32', model);
    rig.cpu.cr4 |= CR4_OSXSAVE;
    runCode(rig, [0xb8, 0x01, 0x00, 0x00, 0x00, 0x0f, 0xa2]);
    assert.deepEqual(seen, [[1, 0, 0]]);
    assert.deepEqual([rig.cpu.regs[0], rig.cpu.regs[6], rig.cpu.regs[2], rig.cpu.regs[4]], [0x11, 0x22, 0x33 | (1 << 27), 0x44]);
  });

  it('RDTSC reads icount + offset; CR4.TSD makes it #GP(0) at CPL 3', () => {
    const rig = makeSysRig('long64');
    rig.cpu.tscOffset = 1000;
    runCode(rig, [0x90, 0x90, 0x0f, 0x31]);
    const v = rig.cpu.regs[0] >>> 0;
    assert.ok(v >= 1000 && v <= 1003, `TSC ${v}`);
    const r2 = makeSysRig('long64');
    r2.cpu.cr4 |= CR4_TSD;
    enterUser(r2);
    runCode(r2, [0x0f, 0x31]);
    assert.deepEqual(fault(r2), [13, 0]);
  });

  it('RDTSCP returns IA32_TSC_AUX in ECX', () => {
    const rig = makeSysRig('long64');
    rig.cpu.tscAux = 0x77;
    runCode(rig, [0x0f, 0x01, 0xf9]);
    assert.equal(rig.cpu.regs[2], 0x77);
  });

  it('RDPMC: #GP(0) at CPL 3 without CR4.PCE, and for counters the model lacks', () => {
    const rig = makeSysRig('long64');
    enterUser(rig);
    runCode(rig, [0x0f, 0x33]);
    assert.deepEqual(fault(rig), [13, 0]);
    const r2 = makeSysRig('long64');
    runCode(r2, [0x0f, 0x33]);
    assert.deepEqual(fault(r2), [13, 0]);
  });
});

describe('system: XCR0, SWAPGS, FS/GS base', () => {
  it('XSETBV/XGETBV: #UD without CR4.OSXSAVE; reserved and unsupported bits are #GP(0)', () => {
    const code = [0xb8, 0x03, 0x00, 0x00, 0x00, 0x31, 0xd2, 0x31, 0xc9, 0x0f, 0x01, 0xd1, 0x0f, 0x01, 0xd0];
    let rig = makeSysRig('long64');
    runCode(rig, code);
    assert.equal(stubVector(rig.cpu), 6);
    rig = makeSysRig('long64');
    rig.cpu.cr4 |= CR4_OSXSAVE;
    runCode(rig, code);
    assert.equal(stubVector(rig.cpu), -1);
    assert.equal(rig.cpu.xcr0, 3);
    assert.equal(rig.cpu.regs[0], 3);
    rig = makeSysRig('long64');
    rig.cpu.cr4 |= CR4_OSXSAVE;
    code[1] = 0x02; // x87 bit clear
    runCode(rig, code);
    assert.deepEqual(fault(rig), [13, 0]);
    rig = makeSysRig('long64');
    rig.cpu.cr4 |= CR4_OSXSAVE;
    code[1] = 0x07; // AVX: not in CPUID.(0DH,0):EAX of the test model
    runCode(rig, code);
    assert.deepEqual(fault(rig), [13, 0]);
  });

  it('SWAPGS exchanges GS.base and KERNEL_GS_BASE; CPL 3 is #GP(0)', () => {
    const rig = makeSysRig('long64');
    rig.cpu.segBase[GS] = 0x1000; rig.cpu.kernelGsBase = 0x2000;
    runCode(rig, [0x0f, 0x01, 0xf8]);
    assert.equal(rig.cpu.segBase[GS], 0x2000);
    assert.equal(rig.cpu.kernelGsBase, 0x1000);
    enterUser(rig);
    runCode(rig, [0x0f, 0x01, 0xf8]);
    assert.deepEqual(fault(rig), [13, 0]);
  });

  it('RD/WRFSBASE need CR4.FSGSBASE; WRFSBASE checks canonical form', () => {
    let rig = makeSysRig('long64');
    runCode(rig, [0xf3, 0x48, 0x0f, 0xae, 0xc0]);
    assert.equal(stubVector(rig.cpu), 6);
    rig = makeSysRig('long64');
    rig.cpu.cr4 |= CR4_FSGSBASE;
    rig.cpu.segBase[FS] = 0x800000001000;
    rig.cpu.setReg(3, 8, 0x5000);
    // rdfsbase %rax; wrgsbase %rbx; rdgsbase %ecx
    runCode(rig, [0xf3, 0x48, 0x0f, 0xae, 0xc0, 0xf3, 0x48, 0x0f, 0xae, 0xdb, 0xf3, 0x0f, 0xae, 0xc9]);
    assert.equal(rig.cpu.getReg(0, 8), 0x1000);
    assert.equal(rig.cpu.hi >>> 0, 0xffff8000);
    assert.equal(rig.cpu.segBase[GS], 0x5000);
    assert.equal(rig.cpu.getReg(1, 8), 0x5000);
    rig.cpu.setReg(0, 8, 0, 0x00010000);
    runCode(rig, [0xf3, 0x48, 0x0f, 0xae, 0xd0]);
    assert.deepEqual(fault(rig), [13, 0]);
  });
});

describe('system: HLT, software interrupts, hints', () => {
  it('HLT at CPL 3 is #GP(0)', () => {
    const rig = makeSysRig('long64');
    enterUser(rig);
    runCode(rig, [0x90]);
    assert.deepEqual(fault(rig), [13, 0]);
  });

  it('INTO raises #OF after an overflowing ADD; INT1 raises #DB without a DPL check', () => {
    const rig = makeSysRig('prot32');
    runCode(rig, [0xb0, 0x7f, 0x04, 0x01, 0xce]); // mov $0x7f,%al; add $1,%al; into
    assert.equal(stubVector(rig.cpu), 4);
    assert.equal(stackSlots(rig, 1, 4)[0], CODE + 5, 'trap: the next instruction');
    const r2 = makeSysRig('prot32');
    enterUser(r2);
    runCode(r2, [0xf1]);
    assert.equal(stubVector(r2.cpu), 1);
    assert.ok(r2.events.some((e) => e.kind === 'exception' && e.vector === 1));
  });

  it('INT3 at CPL 3 through a DPL-0 gate is #GP(3*8+2); through a DPL-3 gate it is #BP', () => {
    const rig = makeSysRig('prot32');
    enterUser(rig);
    runCode(rig, [0xcc]);
    assert.deepEqual(fault(rig), [13, 3 * 8 + 2]);
    const r2 = makeSysRig('prot32');
    setGate(r2, 3, K32, STUBS + 3 * 16, { dpl: 3 });
    enterUser(r2);
    runCode(r2, [0xcc]);
    assert.equal(stubVector(r2.cpu), 3);
  });

  it('UD2 is a plain #UD (no not-implemented diagnostic)', () => {
    const rig = makeSysRig('long64');
    runCode(rig, [0x0f, 0x0b]);
    assert.equal(stubVector(rig.cpu), 6);
    assert.ok(!rig.events.some((e) => e.kind === 'diagnostic'));
  });

  it('MONITOR/MWAIT complete when supported; #UD without the feature', () => {
    const rig = makeSysRig('long64');
    rig.cpu.setReg(0, 8, 0x200000);
    runCode(rig, [0x0f, 0x01, 0xc8, 0x0f, 0x01, 0xc9]);
    assert.equal(stubVector(rig.cpu), -1);
    const model: CpuModelLike = { ...testModel, has: (f) => f !== 'monitor' };
    const r2 = makeSysRig('long64', model);
    runCode(r2, [0x0f, 0x01, 0xc8]);
    assert.equal(stubVector(r2.cpu), 6);
  });

  it('CLFLUSH of an unmapped address is #PF like a byte read', () => {
    const rig = makeSysRig('long64');
    rig.cpu.setReg(0, 8, 0x40000000); // beyond the 1 GiB identity map
    runCode(rig, [0x0f, 0xae, 0x38]);
    assert.equal(stubVector(rig.cpu), 14);
    assert.equal(rig.cpu.cr2, 0x40000000);
  });

  it('CLAC/STAC edit RFLAGS.AC at CPL 0; #UD at CPL 3', () => {
    const rig = makeSysRig('long64');
    runCode(rig, [0x0f, 0x01, 0xcb]);
    assert.equal(rig.cpu.flagsRest & AC, AC);
    runCode(rig, [0x0f, 0x01, 0xca]);
    assert.equal(rig.cpu.flagsRest & AC, 0);
    enterUser(rig);
    runCode(rig, [0x0f, 0x01, 0xca]);
    assert.equal(stubVector(rig.cpu), 6);
  });
});
