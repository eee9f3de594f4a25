// SYSCALL/SYSRET and SYSENTER/SYSEXIT (SDM vol 2B).
import { strict as assert } from 'assert';
import { runCode, CODE } from '../../support/snippet';
import { makeSysRig, stubVector, stackSlots, enterUser, SysRig, U64, UDATA } from '../../support/sysrig';
import { CS, SS, EFER_SCE } from '../../../emulator/x86/regs';

function fault(rig: SysRig): [number, number] {
  return [stubVector(rig.cpu), stackSlots(rig, 1, rig.cpu.long64 ? 8 : 4)[0]];
}

function code(user: number[], kernel: number[], at = 0x40): number[] {
  const c = new Array(at + kernel.length).fill(0x90);
  user.forEach((b, k) => { c[k] = b; });
  kernel.forEach((b, k) => { c[at + k] = b; });
  return c;
}

describe('system: SYSCALL/SYSRET', () => {
  function syscallRig(): SysRig {
    const rig = makeSysRig('long64');
    const cpu = rig.cpu;
    cpu.star = 0; cpu.starHi = (0x30 << 16) | 0x08; // SYSRET base 0x30, SYSCALL CS 0x08
    cpu.lstar = CODE + 0x40; cpu.lstarHi = 0;
    cpu.sfmask = 0x200; // clear IF in the kernel
    enterUser(rig);
    cpu.flagsRest |= 0x200;
    return rig;
  }

  it('round trip: ring 3 -> LSTAR at ring 0 -> SYSRETQ to ring 3', () => {
    const rig = syscallRig();
    // user: syscall; mov %eax,%edx; ud2   kernel: mov %rcx,%rbx; mov $7,%eax; sysretq
    runCode(rig, code([0x0f, 0x05, 0x89, 0xc2, 0x0f, 0x0b], [0x48, 0x89, 0xcb, 0xb8, 0x07, 0x00, 0x00, 0x00, 0x48, 0x0f, 0x07]));
    const cpu = rig.cpu;
    assert.equal(stubVector(cpu), 6);
    assert.equal(cpu.regs[6] >>> 0, CODE + 2, 'RCX = return RIP seen by the kernel');
    assert.equal(cpu.regs[4] >>> 0, 7);
    assert.equal(cpu.regs[22] & 0x200, 0x200, 'R11 = user RFLAGS');
    const [rip, cs, rflags, , ss] = stackSlots(rig, 5, 8);
    assert.equal(rip, CODE + 4);
    assert.equal(cs, U64 | 3);
    assert.equal(ss, UDATA | 3);
    assert.equal(rflags & 0x200, 0x200, 'IF restored from R11');
  });

  it('the kernel runs with STAR selectors, CPL 0 and FMASK applied', () => {
    const rig = syscallRig();
    runCode(rig, code([0x0f, 0x05], [0xf4]));
    const cpu = rig.cpu;
    assert.equal(cpu.rip, CODE + 0x41);
    assert.equal(cpu.cpl, 0);
    assert.equal(cpu.segSel[CS], 0x08);
    assert.equal(cpu.segSel[SS], 0x10);
    assert.equal(cpu.flagsRest & 0x200, 0);
  });

  it('SYSCALL with EFER.SCE=0 is #UD', () => {
    const rig = syscallRig();
    rig.cpu.efer &= ~EFER_SCE;
    runCode(rig, [0x0f, 0x05]);
    assert.equal(stubVector(rig.cpu), 6);
  });

  it('SYSRETQ to a non-canonical RCX is #GP(0) at CPL 0 (Intel)', () => {
    const rig = makeSysRig('long64');
    rig.cpu.starHi = 0x30 << 16;
    rig.cpu.setReg(1, 8, 0, 0x00010000);
    runCode(rig, [0x48, 0x0f, 0x07]);
    assert.deepEqual(fault(rig), [13, 0]);
    assert.equal(stackSlots(rig, 3, 8)[2], 0x08, 'taken in ring 0');
  });

  it('SYSRET at CPL 3 is #GP(0)', () => {
    const rig = syscallRig();
    runCode(rig, [0x48, 0x0f, 0x07]);
    assert.deepEqual(fault(rig), [13, 0]);
  });
});

describe('system: SYSENTER/SYSEXIT', () => {
  it('32-bit round trip', () => {
    const rig = makeSysRig('prot32');
    const cpu = rig.cpu;
    cpu.sysenterCs = 0x18; cpu.sysenterEip = CODE + 0x40; cpu.sysenterEsp = 0x2f0000;
    enterUser(rig);
    cpu.flagsRest |= 0x200;
    // user: sysenter; ... at +0x10: ud2   kernel: mov %esp,%ebx; mov $CODE+0x10,%edx; mov $USER_STACK,%ecx; sysexit
    const c = code([0x0f, 0x34], [0x89, 0xe3, 0xba, 0x10, 0x00, 0x10, 0x00, 0xb9, 0x00, 0x00, 0x2d, 0x00, 0x0f, 0x35]);
    c[0x10] = 0x0f; c[0x11] = 0x0b;
    runCode(rig, c);
    assert.equal(stubVector(cpu), 6);
    assert.equal(cpu.regs[6] >>> 0, 0x2f0000);
    const [eip, cs, eflags, esp, ss] = stackSlots(rig, 5, 4);
    assert.equal(eip, CODE + 0x10);
    assert.equal(cs, 0x28 | 3);
    assert.equal(ss, 0x30 | 3);
    assert.equal(esp, 0x2d0000);
    assert.equal(eflags & 0x200, 0, 'SYSENTER cleared IF');
  });

  it('SYSENTER with IA32_SYSENTER_CS = 0 is #GP(0); SYSEXIT at CPL 3 is #GP(0)', () => {
    const rig = makeSysRig('prot32');
    runCode(rig, [0x0f, 0x34]);
    assert.deepEqual(fault(rig), [13, 0]);
    const r2 = makeSysRig('prot32');
    r2.cpu.sysenterCs = 0x18;
    enterUser(r2);
    runCode(r2, [0x0f, 0x35]);
    assert.deepEqual(fault(r2), [13, 0]);
  });

  it('64-bit SYSEXIT to a non-canonical RDX is #GP(0)', () => {
    const rig = makeSysRig('long64');
    rig.cpu.sysenterCs = 0x18;
    rig.cpu.setReg(2, 8, 0, 0x00010000);
    runCode(rig, [0x48, 0x0f, 0x35]);
    assert.deepEqual(fault(rig), [13, 0]);
  });
});
