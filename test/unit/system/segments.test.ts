// Segment-register loads and descriptor-table instructions (SDM vol 2A/2B
// MOV, POP, LSS, LGDT, SGDT, LLDT, LTR, LAR, LSL, VERR/VERW; vol 3A ch. 3, 5).
import { strict as assert } from 'assert';
import { runCode, CODE, DATA } from '../../support/snippet';
import { makeSysRig, stubVector, stackSlots, setDescriptor, enterUser, runReal, GDT, KDATA, FREE, TSS_SEL, AR, SysRig } from '../../support/sysrig';
import { SS, DS, LDTR, TR } from '../../../emulator/x86/regs';
import { AR_UNUSABLE } from '../../../emulator/x86/state';
import { CR4_UMIP } from '../../../emulator/x86/regs';

/** The vector and error code of the exception the snippet ended in (32- or 64-bit stub frame). */
function fault(rig: SysRig): [number, number] {
  const v = stubVector(rig.cpu);
  const w = rig.cpu.long64 ? 8 : 4;
  return [v, stackSlots(rig, 1, w as 4 | 8)[0]];
}

describe('system: segment register loads', () => {
  it('MOV SS needs RPL = DPL = CPL: #GP(selector) otherwise', () => {
    const rig = makeSysRig('prot32');
    runCode(rig, [0x66, 0xb8, 0x3b, 0x00, 0x8e, 0xd0]); // mov $0x3b,%ax; mov %ax,%ss
    assert.deepEqual(fault(rig), [13, 0x38]);
  });

  it('MOV SS with a null selector: #GP(0) in protected mode, allowed at CPL 0 in 64-bit mode', () => {
    const rig = makeSysRig('prot32');
    runCode(rig, [0x66, 0xb8, 0x00, 0x00, 0x8e, 0xd0]);
    assert.deepEqual(fault(rig), [13, 0]);
    const r64 = makeSysRig('long64');
    runCode(r64, [0x31, 0xc0, 0x8e, 0xd0]); // xor %eax,%eax; mov %eax,%ss
    assert.equal(stubVector(r64.cpu), -1);
    assert.equal(r64.cpu.segSel[SS], 0);
    assert.ok(r64.cpu.segAr[SS] & AR_UNUSABLE);
  });

  it('a not-present stack segment is #SS(selector); a not-present data segment #NP(selector)', () => {
    const rig = makeSysRig('prot32');
    setDescriptor(rig, FREE, 0, 0xffffffff, AR.data & ~0x80);
    runCode(rig, [0x66, 0xb8, FREE, 0x00, 0x8e, 0xd0]);
    assert.deepEqual(fault(rig), [12, FREE]);
    const r2 = makeSysRig('prot32');
    setDescriptor(r2, FREE, 0, 0xffffffff, AR.data & ~0x80);
    runCode(r2, [0x66, 0xb8, FREE, 0x00, 0x8e, 0xd8]);
    assert.deepEqual(fault(r2), [11, FREE]);
  });

  it('DS: DPL must be >= CPL and RPL; execute-only code is refused, readable code accepted', () => {
    const rig = makeSysRig('prot32');
    enterUser(rig);
    runCode(rig, [0x66, 0xb8, KDATA | 3, 0x00, 0x8e, 0xd8]);
    assert.deepEqual(fault(rig), [13, KDATA]);
    const r2 = makeSysRig('prot32');
    setDescriptor(r2, FREE, 0, 0xffffffff, 0xc099); // execute-only code
    runCode(r2, [0x66, 0xb8, FREE, 0x00, 0x8e, 0xd8]);
    assert.deepEqual(fault(r2), [13, FREE]);
    const r3 = makeSysRig('prot32');
    setDescriptor(r3, FREE, 0x1000, 0xfff, 0x409b); // readable code, base 0x1000
    runCode(r3, [0x66, 0xb8, FREE, 0x00, 0x8e, 0xd8]);
    assert.equal(stubVector(r3.cpu), -1);
    assert.equal(r3.cpu.segBase[DS], 0x1000);
    assert.equal(r3.cpu.segLimit[DS], 0xfff);
  });

  it('sets the accessed bit of a loaded descriptor', () => {
    const rig = makeSysRig('prot32');
    setDescriptor(rig, FREE, 0, 0xffffffff, AR.data & ~1);
    runCode(rig, [0x66, 0xb8, FREE, 0x00, 0x8e, 0xd8]);
    assert.equal((rig.mem.read(GDT + FREE + 5, 1) & 1), 1);
  });

  it('a null DS loads, and using it is #GP(0)', () => {
    const rig = makeSysRig('prot32');
    // mov $0,%ax; mov %ax,%ds; mov (%eax),%ebx
    runCode(rig, [0x66, 0xb8, 0x00, 0x00, 0x8e, 0xd8, 0x8b, 0x18]);
    assert.equal(rig.cpu.segSel[DS], 0);
    assert.deepEqual(fault(rig), [13, 0]);
    assert.equal(stackSlots(rig, 2, 4)[1], CODE + 6);
  });

  it('POP DS and LSS', () => {
    const rig = makeSysRig('prot32');
    rig.mem.write(DATA, 4, 0x123456); rig.mem.write(DATA + 4, 2, KDATA);
    runCode(rig, [0x6a, 0x10, 0x1f, 0x0f, 0xb2, 0x25, 0x00, 0x00, 0x20, 0x00]); // push $0x10; pop %ds; lss DATA,%esp
    assert.equal(rig.cpu.segSel[DS], KDATA);
    assert.equal(rig.cpu.regs[8] >>> 0, 0x123456);
    assert.equal(rig.cpu.segSel[SS], KDATA);
  });

  it('real mode: MOV Sreg sets base = selector * 16 only', () => {
    const rig = makeSysRig('real');
    runReal(rig, [0xb8, 0x34, 0x12, 0x8e, 0xd8]); // mov $0x1234,%ax; mov %ax,%ds
    assert.equal(rig.cpu.segBase[DS], 0x12340);
    assert.equal(rig.cpu.segLimit[DS], 0xffff);
  });
});

describe('system: descriptor tables', () => {
  it('LGDT/SGDT/SIDT with 10-byte operands in 64-bit mode', () => {
    const rig = makeSysRig('long64');
    rig.mem.write(DATA, 2, 0x7ff); rig.mem.write(DATA + 2, 4, 0x12345000); rig.mem.write(DATA + 6, 4, 0xffff8000);
    runCode(rig, [0x0f, 0x01, 0x14, 0x25, 0x00, 0x00, 0x20, 0x00, 0x0f, 0x01, 0x04, 0x25, 0x10, 0x00, 0x20, 0x00, 0x0f, 0x01, 0x0c, 0x25, 0x20, 0x00, 0x20, 0x00]);
    assert.equal(rig.cpu.gdtrLimit, 0x7ff);
    assert.equal(rig.mem.read(DATA + 0x10, 2), 0x7ff);
    assert.equal(rig.mem.read(DATA + 0x12, 4), 0x12345000);
    assert.equal(rig.mem.read(DATA + 0x16, 4), 0xffff8000);
    assert.equal(rig.mem.read(DATA + 0x20, 2), 256 * 16 - 1);
  });

  it('LGDT with a non-canonical base is #GP(0)', () => {
    const rig = makeSysRig('long64');
    rig.mem.write(DATA, 2, 0x7ff); rig.mem.write(DATA + 2, 4, 0); rig.mem.write(DATA + 6, 4, 0x00010000);
    runCode(rig, [0x0f, 0x01, 0x14, 0x25, 0x00, 0x00, 0x20, 0x00]);
    assert.deepEqual(fault(rig), [13, 0]);
  });

  it('SGDT at CPL 3 with CR4.UMIP=1 is #GP(0)', () => {
    const rig = makeSysRig('prot32');
    rig.cpu.cr4 |= CR4_UMIP;
    enterUser(rig);
    runCode(rig, [0x0f, 0x01, 0x05, 0x10, 0x00, 0x20, 0x00]);
    assert.deepEqual(fault(rig), [13, 0]);
  });

  it('LLDT, then a data segment from the LDT; SLDT and STR', () => {
    const rig = makeSysRig('prot32');
    const ldt = 0xc000;
    setDescriptor(rig, FREE, ldt, 0xf, AR.ldt);
    // LDT entry 1: data segment with base 0x5000.
    const lo = (0x5000 << 16) | 0xffff, hi = 0x00cf9300;
    rig.mem.write(ldt + 8, 4, lo >>> 0); rig.mem.write(ldt + 12, 4, hi);
    // mov $0x58,%ax; lldt %ax; sldt %bx; str %cx; mov $0xc,%ax; mov %ax,%ds
    runCode(rig, [0x66, 0xb8, FREE, 0x00, 0x0f, 0x00, 0xd0, 0x66, 0x0f, 0x00, 0xc3, 0x66, 0x0f, 0x00, 0xc9, 0x66, 0xb8, 0x0c, 0x00, 0x8e, 0xd8]);
    assert.equal(stubVector(rig.cpu), -1);
    assert.equal(rig.cpu.segSel[LDTR], FREE);
    assert.equal(rig.cpu.segBase[LDTR], ldt);
    assert.equal(rig.cpu.regs[6] & 0xffff, FREE);
    assert.equal(rig.cpu.regs[2] & 0xffff, TSS_SEL);
    assert.equal(rig.cpu.segBase[DS], 0x5000);
  });

  it('LTR marks the TSS busy; LTR of a busy TSS is #GP(selector)', () => {
    const rig = makeSysRig('prot32');
    setDescriptor(rig, FREE, 0xb000, 0x67, AR.tss);
    runCode(rig, [0x66, 0xb8, FREE, 0x00, 0x0f, 0x00, 0xd8]);
    assert.equal(rig.cpu.segSel[TR], FREE);
    assert.equal(rig.cpu.segAr[TR] & 0xf, 0xb);
    assert.equal((rig.mem.read(GDT + FREE + 5, 1) & 0xf), 0xb);
    runCode(rig, [0x66, 0xb8, FREE, 0x00, 0x0f, 0x00, 0xd8]);
    assert.deepEqual(fault(rig), [13, FREE]);
  });

  it('LLDT at CPL 3 is #GP(0); in real mode #UD', () => {
    const rig = makeSysRig('prot32');
    enterUser(rig);
    runCode(rig, [0x66, 0xb8, FREE, 0x00, 0x0f, 0x00, 0xd0]);
    assert.deepEqual(fault(rig), [13, 0]);
    const r2 = makeSysRig('real');
    r2.cpu.idtrBase = 0;
    r2.mem.write(6 * 4, 4, 0x00000600); r2.mem.write(0x600, 1, 0xf4);
    runReal(r2, [0x0f, 0x00, 0xd0]);
    assert.equal(r2.cpu.rip, 0x601, 'halted in the #UD handler at 0000:0600');
    assert.equal(r2.cpu.segBase[1], 0);
  });

  it('LAR/LSL of a data segment; LAR of a TSS; ZF', () => {
    const rig = makeSysRig('prot32');
    runCode(rig, [0x66, 0xb8, 0x10, 0x00, 0x0f, 0x02, 0xd8, 0x0f, 0x03, 0xc8]); // lar %ax,%ebx; lsl %ax,%ecx
    assert.equal(rig.cpu.regs[6] >>> 0, 0x00c09300, 'bits 23:20 and 15:8 (limit bits 19:16 masked)');
    assert.equal(rig.cpu.regs[2] >>> 0, 0xffffffff);
    assert.equal(rig.cpu.rflags() & 0x40, 0x40);
    const r2 = makeSysRig('prot32');
    r2.cpu.setReg(3, 4, 0xdead);
    runCode(r2, [0x66, 0xb8, 0x48, 0x00, 0x0f, 0x02, 0xd8]); // lar of the (busy) TSS
    assert.equal(r2.cpu.regs[6] >>> 0, 0x00008b00);
    const r3 = makeSysRig('prot32');
    enterUser(r3);
    r3.cpu.setReg(3, 4, 0xdead);
    runCode(r3, [0x66, 0xb8, 0x10, 0x00, 0x0f, 0x02, 0xd8]); // DPL 0 data from CPL 3: ZF=0, EBX unchanged
    assert.equal(r3.cpu.regs[6] >>> 0, 0xdead);
    assert.equal(r3.cpu.rflags() & 0x40, 0);
  });

  it('VERR/VERW', () => {
    const rig = makeSysRig('prot32');
    // verr/verw of the user code segment (readable, not writable); verw of kernel data
    runCode(rig, [0x66, 0xb8, 0x30, 0x00, 0x0f, 0x00, 0xe0, 0x0f, 0x94, 0xc3, 0x0f, 0x00, 0xe8, 0x0f, 0x94, 0xc1]);
    assert.equal(rig.cpu.regs[6] & 0xff, 1);
    assert.equal(rig.cpu.regs[2] & 0xff, 0);
    const r2 = makeSysRig('prot32');
    runCode(r2, [0x66, 0xb8, 0x10, 0x00, 0x0f, 0x00, 0xe8, 0x0f, 0x94, 0xc1]);
    assert.equal(r2.cpu.regs[2] & 0xff, 1);
  });
});
