// Far JMP/CALL/RET through code segments and call gates, and IRET in its
// protected-mode and IA-32e forms (SDM vol 2A CALL/JMP, vol 2B RET/IRET,
// vol 3A 5.8).
import { strict as assert } from 'assert';
import { runCode, CODE } from '../../support/snippet';
import {
  makeSysRig, stubVector, stackSlots, setDescriptor, setCallGate, enterUser, K32, K64, KDATA, U32, U64, UDATA, RSP0, USER_STACK, FREE, SysRig,
} from '../../support/sysrig';
import { CS, SS, NT } from '../../../emulator/x86/regs';
import { CpuMode } from '../../../emulator/x86/state';

function fault(rig: SysRig): [number, number] {
  return [stubVector(rig.cpu), stackSlots(rig, 1, rig.cpu.long64 ? 8 : 4)[0]];
}

describe('system: far transfers', () => {
  it('far JMP from 32-bit to a 16-bit code segment', () => {
    const rig = makeSysRig('prot32');
    setDescriptor(rig, FREE, CODE, 0xffff, 0x009b);
    // ljmp $0x58,$7; .code16 mov $0x1234,%bx
    runCode(rig, [0xea, 0x07, 0x00, 0x00, 0x00, 0x58, 0x00, 0xbb, 0x34, 0x12]);
    assert.equal(rig.cpu.mode, CpuMode.Prot16);
    assert.equal(rig.cpu.segSel[CS], FREE);
    assert.equal(rig.cpu.regs[6] & 0xffff, 0x1234);
  });

  it('far CALL and RET at the same privilege', () => {
    const rig = makeSysRig('prot32');
    // lcall $0x18,$target; mov $1,%ecx; hlt; target: mov $2,%ebx; lret
    runCode(rig, [0x9a, 0x0d, 0x00, 0x10, 0x00, 0x18, 0x00, 0xb9, 0x01, 0x00, 0x00, 0x00, 0xf4, 0xbb, 0x02, 0x00, 0x00, 0x00, 0xcb]);
    assert.equal(rig.cpu.regs[6], 2);
    assert.equal(rig.cpu.regs[2], 1);
    assert.equal(rig.cpu.rip, CODE + 13);
    assert.equal(rig.cpu.regs[8] >>> 0, 0x300000);
  });

  it('far JMP to a non-conforming segment of another DPL is #GP(selector); conforming keeps CPL', () => {
    const rig = makeSysRig('prot32');
    enterUser(rig);
    runCode(rig, [0xea, 0x00, 0x00, 0x10, 0x00, 0x18, 0x00]); // ljmp $0x18,$CODE
    assert.deepEqual(fault(rig), [13, K32]);
    const r2 = makeSysRig('prot32');
    setDescriptor(r2, FREE, 0, 0xffffffff, 0xc09f); // conforming code, DPL 0
    enterUser(r2);
    // ljmp $0x5b,$CODE+7; ud2
    runCode(r2, [0xea, 0x07, 0x00, 0x10, 0x00, 0x5b, 0x00, 0x0f, 0x0b]);
    assert.equal(stubVector(r2.cpu), 6);
    const [, cs] = stackSlots(r2, 2, 4);
    assert.equal(cs, FREE | 3, 'CPL stays 3 (RPL of CS = CPL)');
  });

  it('CALL through a 32-bit call gate to ring 0: TSS stack, parameter copy, RET imm to ring 3', () => {
    const rig = makeSysRig('prot32');
    setCallGate(rig, 0x60, K32, CODE + 0x40, { dpl: 3, count: 2 });
    enterUser(rig);
    const code = new Array(0x4f).fill(0);
    // push $0x11; push $0x22; lcall $0x63,$0; mov %eax,%edx; ud2
    [0x6a, 0x11, 0x6a, 0x22, 0x9a, 0x00, 0x00, 0x00, 0x00, 0x63, 0x00, 0x89, 0xc2, 0x0f, 0x0b].forEach((b, k) => { code[k] = b; });
    // kernel: mov 8(%esp),%eax; mov 12(%esp),%ebx; mov %ss,%ecx; lret $8
    [0x8b, 0x44, 0x24, 0x08, 0x8b, 0x5c, 0x24, 0x0c, 0x8c, 0xd1, 0xca, 0x08, 0x00].forEach((b, k) => { code[0x40 + k] = b; });
    runCode(rig, code);
    const cpu = rig.cpu;
    assert.equal(stubVector(cpu), 6, 'ud2 after the return, delivered from ring 3');
    assert.equal(cpu.regs[0] >>> 0, 0x22);
    assert.equal(cpu.regs[6] >>> 0, 0x11);
    assert.equal(cpu.regs[2] & 0xffff, KDATA, 'kernel ran on SS0 from the TSS');
    assert.equal(cpu.regs[4] >>> 0, 0x22);
    const [eip, cs, , esp, ss] = stackSlots(rig, 5, 4);
    assert.equal(eip, CODE + 13);
    assert.equal(cs, U32 | 3);
    assert.equal(esp, USER_STACK, 'RET $8 dropped the two parameters from the user stack');
    assert.equal(ss, UDATA | 3);
  });

  it('a call gate with DPL < CPL is #GP(gate selector)', () => {
    const rig = makeSysRig('prot32');
    setCallGate(rig, 0x60, K32, CODE + 0x40, { dpl: 0 });
    enterUser(rig);
    runCode(rig, [0x9a, 0x00, 0x00, 0x00, 0x00, 0x63, 0x00]);
    assert.deepEqual(fault(rig), [13, 0x60]);
  });

  it('far JMP from 64-bit to compatibility mode and back (m16:32 and ptr16:32)', () => {
    const rig = makeSysRig('long64');
    // ljmp *ptr(%rip); ptr: .long compat; .word 0x18; compat: mov $0x77,%esi; ljmp $0x08,$back; back: mov $0x99,%edi
    runCode(rig, [0xff, 0x2d, 0x00, 0x00, 0x00, 0x00, 0x0c, 0x00, 0x10, 0x00, 0x18, 0x00, 0xbe, 0x77, 0x00, 0x00, 0x00, 0xea, 0x18, 0x00, 0x10, 0x00, 0x08, 0x00, 0xbf, 0x99, 0x00, 0x00, 0x00]);
    assert.equal(rig.cpu.regs[12], 0x77);
    assert.equal(rig.cpu.regs[14], 0x99);
    assert.equal(rig.cpu.mode, CpuMode.Long64);
  });

  it('CALL through a 16-byte IA-32e call gate from ring 3: RSP0, null SS, 8-byte frame', () => {
    const rig = makeSysRig('long64');
    setCallGate(rig, 0x60, K64, CODE + 0x40, { dpl: 3 });
    enterUser(rig);
    const code = new Array(0x41).fill(0x90);
    // lcall *ptr(%rip); ud2; ptr: .long 0; .word 0x63
    [0xff, 0x1d, 0x02, 0x00, 0x00, 0x00, 0x0f, 0x0b, 0x00, 0x00, 0x00, 0x00, 0x63, 0x00].forEach((b, k) => { code[k] = b; });
    code[0x40] = 0xf4; // kernel: hlt
    runCode(rig, code);
    const cpu = rig.cpu;
    assert.equal(cpu.rip, CODE + 0x41);
    assert.equal(cpu.cpl, 0);
    assert.equal(cpu.segSel[SS], 0);
    assert.equal(cpu.regs[8] >>> 0, RSP0 - 32);
    assert.deepEqual(stackSlots(rig, 4, 8), [CODE + 6, U64 | 3, USER_STACK, UDATA | 3]);
  });
});

describe('system: IRET', () => {
  it('IRETQ from ring 0 to compatibility mode at ring 3', () => {
    const rig = makeSysRig('long64');
    // push $0x3b; push $USER_STACK; push $0x202; push $0x33; push $compat; iretq; compat: mov $0x55,%eax; ud2
    runCode(rig, [0x6a, 0x3b, 0x68, 0x00, 0x00, 0x2d, 0x00, 0x68, 0x02, 0x02, 0x00, 0x00, 0x6a, 0x33, 0x68, 0x15, 0x00, 0x10, 0x00, 0x48, 0xcf, 0xb8, 0x55, 0x00, 0x00, 0x00, 0x0f, 0x0b]);
    const cpu = rig.cpu;
    assert.equal(stubVector(cpu), 6);
    assert.equal(cpu.regs[0], 0x55);
    const [rip, cs, rflags, rsp, ss] = stackSlots(rig, 5, 8);
    assert.equal(rip, CODE + 26);
    assert.equal(cs, U32 | 3);
    assert.equal(rflags & 0x200, 0x200);
    assert.equal(rsp, USER_STACK);
    assert.equal(ss, UDATA | 3);
  });

  it('IRET at CPL 3 cannot change IF or IOPL when CPL > IOPL', () => {
    const rig = makeSysRig('prot32');
    enterUser(rig);
    // push $0x3202; push $0x33; push $next; iret; next: ud2
    runCode(rig, [0x68, 0x02, 0x32, 0x00, 0x00, 0x6a, 0x33, 0x68, 0x0d, 0x00, 0x10, 0x00, 0xcf, 0x0f, 0x0b]);
    assert.equal(stubVector(rig.cpu), 6);
    const [, , eflags] = stackSlots(rig, 3, 4);
    assert.equal(eflags & 0x3200, 0);
  });

  it('IRET with NT=1 in IA-32e mode is #GP(0); in legacy mode a task return (not implemented)', () => {
    const rig = makeSysRig('long64');
    rig.cpu.flagsRest |= NT;
    runCode(rig, [0x48, 0xcf]);
    assert.deepEqual(fault(rig), [13, 0]);
    const r2 = makeSysRig('prot32');
    r2.cpu.flagsRest |= NT;
    runCode(r2, [0xcf]);
    assert.equal(stubVector(r2.cpu), 6);
    assert.ok(r2.events.some((e) => e.kind === 'diagnostic' && /task return/.test(e.message)));
  });

  it('IRETQ to a non-canonical RIP is #GP(0) and changes nothing', () => {
    const rig = makeSysRig('long64');
    const sp = 0x2ff000;
    rig.cpu.setReg(4, 8, sp);
    const w = (a: number, lo: number, hi = 0): void => { rig.mem.write(a, 4, lo >>> 0); rig.mem.write(a + 4, 4, hi >>> 0); };
    w(sp, 0, 0x00010000); w(sp + 8, K64); w(sp + 16, 2); w(sp + 24, sp); w(sp + 32, KDATA);
    runCode(rig, [0x48, 0xcf]);
    assert.deepEqual(fault(rig), [13, 0]);
    assert.equal(stackSlots(rig, 5, 8)[4], sp, 'old RSP in the #GP frame');
  });
});
