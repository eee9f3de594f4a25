// MOV to/from control and debug registers, CLTS/LMSW/SMSW, INVLPG, INVPCID
// (SDM vol 2B MOV CR / MOV DR; vol 3A 2.5, 4.10.4; vol 3B 17.2).
import { strict as assert } from 'assert';
import { runCode, CODE, DATA } from '../../support/snippet';
import { makeSysRig, stubVector, stackSlots, enterUser, SysRig } from '../../support/sysrig';
import { CpuMode } from '../../../emulator/x86/state';
import { CR0_TS, CR0_PE, CR4_DE, CR4_PCIDE, EFER_LMA } from '../../../emulator/x86/regs';

function fault(rig: SysRig): [number, number] {
  return [stubVector(rig.cpu), stackSlots(rig, 1, rig.cpu.long64 ? 8 : 4)[0]];
}
const setRax = (rig: SysRig, lo: number, hi = 0): void => rig.cpu.setReg(0, 8, lo >>> 0, hi | 0);

describe('system: control registers', () => {
  it('CR0: PG without PE and NW without CD are #GP(0)', () => {
    const rig = makeSysRig('prot32');
    runCode(rig, [0xb8, 0x00, 0x00, 0x00, 0x80, 0x0f, 0x22, 0xc0]);
    assert.deepEqual(fault(rig), [13, 0]);
    const r2 = makeSysRig('prot32');
    runCode(r2, [0xb8, 0x11, 0x00, 0x00, 0x20, 0x0f, 0x22, 0xc0]);
    assert.deepEqual(fault(r2), [13, 0]);
  });

  it('CR0: clearing PG in 64-bit mode is #GP(0); from compatibility mode it leaves IA-32e mode', () => {
    const rig = makeSysRig('long64');
    runCode(rig, [0x0f, 0x20, 0xc0, 0x25, 0xff, 0xff, 0xff, 0x7f, 0x0f, 0x22, 0xc0]);
    assert.deepEqual(fault(rig), [13, 0]);
    const r2 = makeSysRig('compat32');
    runCode(r2, [0x0f, 0x20, 0xc0, 0x25, 0xff, 0xff, 0xff, 0x7f, 0x0f, 0x22, 0xc0, 0x0f, 0x20, 0xc3]);
    assert.equal(stubVector(r2.cpu), -1);
    assert.equal(r2.cpu.efer & EFER_LMA, 0);
    assert.equal(r2.cpu.mode, CpuMode.Prot32);
    assert.equal(r2.cpu.regs[6] >>> 0, 0x33);
  });

  it('CR0 and CR4 bits 63:32 and unsupported CR4 bits are #GP(0); CR4.PAE cannot be cleared in IA-32e mode', () => {
    let rig = makeSysRig('long64');
    setRax(rig, 0x80000033, 1);
    runCode(rig, [0x0f, 0x22, 0xc0]);
    assert.deepEqual(fault(rig), [13, 0]);
    rig = makeSysRig('long64');
    setRax(rig, rig.cpu.cr4 | (1 << 12)); // LA57 is not supported
    runCode(rig, [0x0f, 0x22, 0xe0]);
    assert.deepEqual(fault(rig), [13, 0]);
    rig = makeSysRig('long64');
    setRax(rig, rig.cpu.cr4 & ~0x20);
    runCode(rig, [0x0f, 0x22, 0xe0]);
    assert.deepEqual(fault(rig), [13, 0]);
  });

  it('CR4.PCIDE needs CR3[11:0] = 0; CR3 bit 63 is #GP without PCIDE and a no-flush hint with it', () => {
    let rig = makeSysRig('long64');
    rig.cpu.cr3 |= 5;
    setRax(rig, rig.cpu.cr4 | CR4_PCIDE);
    runCode(rig, [0x0f, 0x22, 0xe0]);
    assert.deepEqual(fault(rig), [13, 0]);
    rig = makeSysRig('long64');
    setRax(rig, 0x1000, 0x80000000);
    runCode(rig, [0x0f, 0x22, 0xd8]);
    assert.deepEqual(fault(rig), [13, 0]);
    rig = makeSysRig('long64');
    rig.cpu.cr4 |= CR4_PCIDE;
    setRax(rig, 0x1007, 0x80000000);
    runCode(rig, [0x0f, 0x22, 0xd8, 0x0f, 0x20, 0xdb]); // mov %rax,%cr3; mov %cr3,%rbx
    assert.equal(stubVector(rig.cpu), -1);
    assert.equal(rig.cpu.getReg(3, 8), 0x1007);
    assert.equal(rig.cpu.hi, 0, 'bit 63 is not stored');
  });

  it('CR3 bits above MAXPHYADDR are #GP(0)', () => {
    const rig = makeSysRig('long64');
    setRax(rig, 0x1000, 0x100); // bit 40
    runCode(rig, [0x0f, 0x22, 0xd8]);
    assert.deepEqual(fault(rig), [13, 0]);
  });

  it('reads CR0/CR3/CR4/CR2 as 64-bit registers without REX.W', () => {
    const rig = makeSysRig('long64');
    rig.cpu.cr2 = 0x800000001234; // folded form of 0xffff800000001234 (canon.ts)
    rig.cpu.setReg(2, 8, 0xdeadbeef, 0x1234);
    runCode(rig, [0x0f, 0x20, 0xc0, 0x0f, 0x20, 0xdb, 0x0f, 0x20, 0xe1, 0x0f, 0x20, 0xd2]);
    const c = rig.cpu;
    assert.equal(c.getReg(0, 8), 0x80000033);
    assert.equal(c.getReg(3, 8), 0x1000);
    assert.equal(c.getReg(1, 8), c.cr4);
    assert.equal(c.getReg(2, 8), 0x1234);
    assert.equal(c.hi >>> 0, 0xffff8000);
  });

  it('CR8 goes to the interrupt controller; bits 63:4 are reserved', () => {
    const rig = makeSysRig('long64');
    let tpr = 0;
    rig.cpu.plat.intc.writeCr8 = (v: number): void => { tpr = v; };
    rig.cpu.plat.intc.readCr8 = (): number => tpr;
    setRax(rig, 9);
    runCode(rig, [0x44, 0x0f, 0x22, 0xc0, 0x44, 0x0f, 0x20, 0xc3]);
    assert.equal(tpr, 9);
    assert.equal(rig.cpu.getReg(3, 8), 9);
    const r2 = makeSysRig('long64');
    setRax(r2, 0x10);
    runCode(r2, [0x44, 0x0f, 0x22, 0xc0]);
    assert.deepEqual(fault(r2), [13, 0]);
  });

  it('CR1 is #UD; MOV CR at CPL 3 is #GP(0)', () => {
    const rig = makeSysRig('long64');
    runCode(rig, [0x0f, 0x22, 0xc8]);
    assert.equal(stubVector(rig.cpu), 6);
    const r2 = makeSysRig('long64');
    enterUser(r2);
    runCode(r2, [0x0f, 0x20, 0xc0]);
    assert.deepEqual(fault(r2), [13, 0]);
  });

  it('CLTS clears TS; LMSW cannot clear PE; SMSW reads CR0', () => {
    const rig = makeSysRig('long64');
    rig.cpu.cr0 |= CR0_TS;
    setRax(rig, 0x8); // LMSW: TS=1, PE=0 (ignored)
    runCode(rig, [0x0f, 0x06, 0x0f, 0x01, 0xf0, 0x0f, 0x01, 0xe3]);
    assert.equal(rig.cpu.cr0 & (CR0_TS | CR0_PE), CR0_TS | CR0_PE);
    assert.equal(rig.cpu.regs[6] >>> 0, rig.cpu.cr0 >>> 0);
  });
});

describe('system: debug registers', () => {
  it('DR7 and DR6 fixed bits; DR4 aliases DR6 while CR4.DE=0', () => {
    const rig = makeSysRig('long64');
    setRax(rig, 0x0);
    runCode(rig, [0x0f, 0x23, 0xf8, 0x0f, 0x21, 0xfb, 0x0f, 0x21, 0xf1, 0x0f, 0x21, 0xe2]);
    assert.equal(rig.cpu.getReg(3, 8), 0x400);
    assert.equal(rig.cpu.getReg(1, 8), 0xffff0ff0);
    assert.equal(rig.cpu.getReg(2, 8), 0xffff0ff0);
  });

  it('DR4 with CR4.DE=1 is #UD; DR6 bits 63:32 are #GP(0)', () => {
    const rig = makeSysRig('long64');
    rig.cpu.cr4 |= CR4_DE;
    runCode(rig, [0x0f, 0x21, 0xe2]);
    assert.equal(stubVector(rig.cpu), 6);
    const r2 = makeSysRig('long64');
    setRax(r2, 0, 1);
    runCode(r2, [0x0f, 0x23, 0xf0]);
    assert.deepEqual(fault(r2), [13, 0]);
  });

  it('DR0 holds 64 bits; enabling a breakpoint is reported as not implemented', () => {
    const rig = makeSysRig('long64');
    setRax(rig, 0x12345678, 0xffff8000);
    runCode(rig, [0x0f, 0x23, 0xc0, 0x0f, 0x21, 0xc3]);
    assert.equal(rig.cpu.getReg(3, 8), 0x12345678);
    assert.equal(rig.cpu.hi >>> 0, 0xffff8000);
    const r2 = makeSysRig('long64');
    setRax(r2, 0x1);
    runCode(r2, [0x0f, 0x23, 0xf8]);
    assert.ok(r2.events.some((e) => e.kind === 'diagnostic' && /breakpoints/.test(e.message)));
  });

  it('DR7.GD makes the next debug-register access a #DB fault with DR6.BD', () => {
    const rig = makeSysRig('long64');
    rig.cpu.dr[7] = 0x2400;
    runCode(rig, [0x0f, 0x21, 0xc3]);
    assert.equal(stubVector(rig.cpu), 1);
    assert.equal(stackSlots(rig, 1, 8)[0], CODE, 'fault: RIP of the MOV');
    assert.equal(rig.cpu.dr[6] & 0x2000, 0x2000);
    assert.equal(rig.cpu.dr[7] & 0x2000, 0, 'delivery clears GD');
  });
});

describe('system: TLB maintenance', () => {
  it('INVLPG flushes one page; a non-canonical address is a NOP; CPL 3 is #GP(0)', () => {
    const rig = makeSysRig('long64');
    // Map 0x400000 to frame 0x600000 through a 4 KiB table, read it into the TLB, remap, INVLPG, read again.
    const w32 = (a: number, v: number): void => rig.mem.write(a, 4, v >>> 0);
    w32(0x3000 + 16, 0x4000 | 7); w32(0x3004 + 16, 0);
    w32(0x4000, 0x600000 | 3); w32(0x4004, 0);
    rig.mem.write(0x600000, 4, 0x11); rig.mem.write(0x601000, 4, 0x22);
    rig.cpu.mmu.flushAll();
    assert.equal(rig.cpu.read32(0x400000), 0x11);
    w32(0x4000, 0x601000 | 3);
    assert.equal(rig.cpu.read32(0x400000), 0x11, 'stale TLB entry');
    setRax(rig, 0x400000);
    runCode(rig, [0x0f, 0x01, 0x38]);
    assert.equal(rig.cpu.read32(0x400000), 0x22);
    setRax(rig, 0, 0x00010000);
    runCode(rig, [0x0f, 0x01, 0x38]);
    assert.equal(stubVector(rig.cpu), -1);
    enterUser(rig);
    runCode(rig, [0x0f, 0x01, 0x38]);
    assert.equal(stubVector(rig.cpu), 13);
  });

  it('INVPCID: type > 3 and a non-zero PCID with CR4.PCIDE=0 are #GP(0)', () => {
    const rig = makeSysRig('long64');
    rig.cpu.setReg(3, 8, DATA);
    setRax(rig, 4);
    runCode(rig, [0x66, 0x0f, 0x38, 0x82, 0x03]);
    assert.deepEqual(fault(rig), [13, 0]);
    const r2 = makeSysRig('long64');
    r2.cpu.setReg(3, 8, DATA);
    r2.mem.write(DATA, 4, 5);
    setRax(r2, 1);
    runCode(r2, [0x66, 0x0f, 0x38, 0x82, 0x03]);
    assert.deepEqual(fault(r2), [13, 0]);
    const r3 = makeSysRig('long64');
    r3.cpu.setReg(3, 8, DATA);
    setRax(r3, 2);
    runCode(r3, [0x66, 0x0f, 0x38, 0x82, 0x03, 0x0f, 0x09, 0x0f, 0x08]);
    assert.equal(stubVector(r3.cpu), -1);
  });
});
