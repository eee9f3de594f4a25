// Delivery in real-address mode (IVT, SDM vol 3A 20.1.4) and 16/32-bit
// protected mode (SDM vol 3A 6.12): frames, privilege change through the
// TSS, 16-bit gates, task gates (not implemented: #GP + diagnostic), and the
// guest-driven real -> protected -> long mode switch.
import { strict as assert } from 'assert';
import { runCode, CODE, STACK_TOP } from '../../support/snippet';
import { makeSysRig, setGate, setDescriptor, stubVector, stackSlots, runReal, K32, KDATA, U32, UDATA, RSP0, USER_STACK, STUBS, FREE } from '../../support/sysrig';
import { Stop } from '../../../emulator/x86/cpu';
import { CpuMode } from '../../../emulator/x86/state';
import { CS } from '../../../emulator/x86/regs';
import { getFlags } from '../../../emulator/x86/flags';

describe('system: delivery in protected mode', () => {
  it('32-bit interrupt gate at the same privilege: EIP, CS, EFLAGS on the current stack', () => {
    const rig = makeSysRig('prot32');
    rig.cpu.flagsRest |= 0x200;
    runCode(rig, [0x0f, 0x0b]);
    assert.equal(stubVector(rig.cpu), 6);
    assert.equal(rig.cpu.regs[8] >>> 0, STACK_TOP - 12);
    const [eip, cs, eflags] = stackSlots(rig, 3, 4);
    assert.equal(eip, CODE);
    assert.equal(cs, K32);
    assert.equal(eflags & 0x10200, 0x10200, 'RF=1 (fault) and the old IF');
    assert.equal(getFlags(rig.cpu) & 0x200, 0);
  });

  it('#GP pushes its error code below EIP', () => {
    const rig = makeSysRig('prot32');
    runCode(rig, [0x66, 0xb8, 0x58, 0x00, 0x8e, 0xd8]); // mov $0x58,%ax; mov %ax,%ds
    assert.equal(stubVector(rig.cpu), 13);
    assert.deepEqual(stackSlots(rig, 2, 4), [0x58, CODE + 4]);
  });

  it('ring 3 -> ring 0 through a DPL-3 gate takes SS0:ESP0 from the TSS and pushes SS:ESP', () => {
    const rig = makeSysRig('prot32');
    setGate(rig, 0x80, K32, STUBS + 0x80 * 16, { dpl: 3, type: 0xf });
    // push $0x3b; push $USER_STACK; pushf; push $0x33; push $user; iret; user: int $0x80
    const code = [0x6a, 0x3b, 0x68, 0x00, 0x00, 0x2d, 0x00, 0x9c, 0x6a, 0x33, 0x68, 0x10, 0x00, 0x10, 0x00, 0xcf, 0xcd, 0x80];
    assert.equal(runCode(rig, code), Stop.Halted);
    const cpu = rig.cpu;
    assert.equal(stubVector(cpu), 0x80);
    assert.equal(cpu.cpl, 0);
    assert.equal(cpu.segSel[2], KDATA);
    assert.equal(cpu.regs[8] >>> 0, RSP0 - 20);
    assert.deepEqual(stackSlots(rig, 5, 4).map((v, k) => (k === 2 ? v & 0x200 : v)), [CODE + 18, U32 | 3, 0, USER_STACK, UDATA | 3]);
  });

  it('a return to ring 3 nulls data segments the outer level may not use', () => {
    const rig = makeSysRig('prot32');
    const code = [0x6a, 0x3b, 0x68, 0x00, 0x00, 0x2d, 0x00, 0x9c, 0x6a, 0x33, 0x68, 0x10, 0x00, 0x10, 0x00, 0xcf, 0xcd, 0x80];
    runCode(rig, code);
    // DS/ES/FS/GS held the DPL-0 data segment: nulled by IRET to CPL 3.
    assert.equal(rig.cpu.segSel[3], 0);
    assert.equal(rig.cpu.segSel[0], 0);
    // The #GP for INT 0x80 through the DPL-0 gate, taken at CPL 3.
    assert.equal(stubVector(rig.cpu), 13);
    assert.equal(stackSlots(rig, 1, 4)[0], 0x80 * 8 + 2);
  });

  it('16-bit gates push 16-bit slots (prot16)', () => {
    const rig = makeSysRig('prot16');
    // A 16-bit code segment based at the stubs, so 16-bit gate offsets reach them.
    setDescriptor(rig, FREE, STUBS, 0xffff, 0x009b);
    setGate(rig, 6, FREE, 6 * 16, { type: 0x6 });
    rig.cpu.setReg(4, 4, 0x8000);
    runCode(rig, [0x0f, 0x0b]);
    assert.equal(rig.cpu.segSel[CS], FREE);
    assert.equal(rig.cpu.rip, 6 * 16 + 1);
    assert.equal(rig.cpu.regs[8] & 0xffff, 0x8000 - 6);
    const [ip, cs] = stackSlots(rig, 2, 2);
    assert.equal(ip, CODE & 0xffff);
    assert.equal(cs, 0x20);
  });

  it('a task gate is reported as not implemented and raises #GP(vector*8+2+EXT)', () => {
    const rig = makeSysRig('prot32');
    setGate(rig, 6, 0x48, 0, { type: 0x5 });
    runCode(rig, [0x0f, 0x0b]);
    assert.equal(stubVector(rig.cpu), 13);
    assert.equal(stackSlots(rig, 1, 4)[0], 6 * 8 + 3);
    assert.ok(rig.events.some((e) => e.kind === 'diagnostic' && e.code === 'not-implemented' && /task gate/.test(e.message)));
  });
});

describe('system: delivery in real-address mode', () => {
  function realRig(): ReturnType<typeof makeSysRig> {
    const rig = makeSysRig('real');
    rig.cpu.idtrBase = 0; rig.cpu.idtrLimit = 0x3ff;
    return rig;
  }

  it('uses the IVT, pushes FLAGS, CS, IP and clears IF/TF', () => {
    const rig = realRig();
    rig.mem.write(6 * 4, 4, (0x0050 << 16) | 0x0010); // 0050:0010
    rig.mem.write(0x510, 1, 0xf4);
    rig.cpu.flagsRest |= 0x200;
    runReal(rig, [0x0f, 0x0b]);
    const cpu = rig.cpu;
    assert.equal(cpu.segSel[CS], 0x50);
    assert.equal(cpu.rip, 0x11);
    assert.equal(getFlags(cpu) & 0x300, 0);
    const [ip, cs, flags] = stackSlots(rig, 3, 2);
    assert.equal(ip, 0x7c00 & 0xf);
    assert.equal(cs, 0x7c0);
    assert.equal(flags & 0x200, 0x200);
  });

  it('INT n and IRET round trip', () => {
    const rig = realRig();
    rig.mem.write(0x21 * 4, 4, (0x0050 << 16) | 0x0000);
    rig.mem.writeBytes(0x500, Uint8Array.from([0xb3, 0x42, 0xcf])); // mov $0x42,%bl; iret
    runReal(rig, [0xcd, 0x21, 0xb1, 0x99]); // int $0x21; mov $0x99,%cl
    assert.equal(rig.cpu.regs[6] & 0xff, 0x42);
    assert.equal(rig.cpu.regs[2] & 0xff, 0x99);
    assert.equal(rig.cpu.regs[8] & 0xffff, 0xfff0);
  });

  it('an IVT limit of 0 turns any exception into a triple fault (the reboot trick)', () => {
    const rig = realRig();
    rig.cpu.idtrLimit = 0;
    assert.equal(runReal(rig, [0x0f, 0x0b]), Stop.TripleFault);
  });
});

describe('system: mode switches done by guest code', () => {
  it('real -> protected -> long mode (LGDT, CR0.PE, far JMP, PAE, CR3, EFER.LME, CR0.PG, far JMP to L=1)', () => {
    const rig = makeSysRig('real');
    const w32 = (a: number, v: number): void => rig.mem.write(a, 4, v >>> 0);
    // Identity map of the first 1 GiB with 2 MiB pages (PML4 0x1000, PDPT 0x2000, PD 0x3000).
    w32(0x1000, 0x2003); w32(0x2000, 0x3003);
    for (let k = 0; k < 512; k++) { w32(0x3000 + k * 8, (k << 21) | 0x83); w32(0x3000 + k * 8 + 4, 0); }
    rig.mem.write(0x7f00, 2, 0x3ff); w32(0x7f02, 0x8000); // GDT pseudo-descriptor
    rig.cpu.efer = 0;
    // .code16 cli; lgdtl 0x7f00; CR0.PE=1; ljmpl $0x18,$pm32;
    // .code32 load DS/SS/ES, ESP; CR4.PAE; CR3=0x1000; EFER.LME via RDMSR/WRMSR; CR0.PG; ljmp $0x08,$lm64;
    // .code64 mov $0x10,%ax; mov %ax,%ds; movabs $0x123456789a,%rbx; push %rbx; pop %rcx
    const code = [0xfa, 0x66, 0x0f, 0x01, 0x16, 0x00, 0x7f, 0x0f, 0x20, 0xc0, 0x66, 0x83, 0xc8, 0x01, 0x0f, 0x22, 0xc0, 0x66, 0xea, 0x19, 0x00, 0x10, 0x00, 0x18, 0x00,
      0x66, 0xb8, 0x10, 0x00, 0x8e, 0xd8, 0x8e, 0xd0, 0x8e, 0xc0, 0xbc, 0x00, 0xf0, 0x2f, 0x00, 0x0f, 0x20, 0xe0, 0x83, 0xc8, 0x20, 0x0f, 0x22, 0xe0, 0xb8, 0x00, 0x10, 0x00, 0x00,
      0x0f, 0x22, 0xd8, 0xb9, 0x80, 0x00, 0x00, 0xc0, 0x0f, 0x32, 0x0d, 0x00, 0x01, 0x00, 0x00, 0x0f, 0x30, 0x0f, 0x20, 0xc0, 0x0d, 0x00, 0x00, 0x00, 0x80, 0x0f, 0x22, 0xc0,
      0xea, 0x59, 0x00, 0x10, 0x00, 0x08, 0x00,
      0x66, 0xb8, 0x10, 0x00, 0x8e, 0xd8, 0x48, 0xbb, 0x9a, 0x78, 0x56, 0x34, 0x12, 0x00, 0x00, 0x00, 0x53, 0x59];
    const stop = runCode(rig, code);
    const cpu = rig.cpu;
    assert.equal(stop, Stop.Halted, JSON.stringify(rig.events));
    assert.equal(cpu.mode, CpuMode.Long64);
    assert.equal(cpu.efer & 0x500, 0x500, 'LME and LMA');
    assert.equal(cpu.getReg(1, 8), 0x3456789a);
    assert.equal(cpu.hi, 0x12);
    assert.equal(cpu.regs[8] >>> 0, 0x2ff000);
    assert.equal(cpu.segSel[CS], 0x08);
  });
});
