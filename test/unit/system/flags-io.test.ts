// PUSHF/POPF and CLI/STI privilege rules (SDM vol 2B POPF, vol 2A CLI) and
// port I/O with IOPL and the TSS I/O permission bitmap (SDM vol 1, 19.5).
import { strict as assert } from 'assert';
import { runCode, CODE, DATA } from '../../support/snippet';
import { makeSysRig, stubVector, stackSlots, enterUser, SysRig, TSS } from '../../support/sysrig';
import { getFlags } from '../../../emulator/x86/flags';
import { RF, TR, CR4_PVI } from '../../../emulator/x86/regs';

function fault(rig: SysRig): [number, number] {
  return [stubVector(rig.cpu), stackSlots(rig, 1, rig.cpu.long64 ? 8 : 4)[0]];
}

describe('system: PUSHF/POPF, CLI/STI', () => {
  it('POPF at CPL 3 with IOPL 0 keeps IF and IOPL, changes AC and ID', () => {
    const rig = makeSysRig('prot32');
    enterUser(rig);
    rig.cpu.flagsRest |= 0x200;
    runCode(rig, [0x68, 0x00, 0x30, 0x24, 0x00, 0x9d, 0x9c, 0x5b]); // push $0x243000; popf; pushf; pop %ebx
    assert.equal(rig.cpu.regs[6] >>> 0, 0x240202);
  });

  it('POPF at CPL 0 changes IOPL and IF; 16-bit POPF leaves bits 31:16 alone', () => {
    const rig = makeSysRig('prot32');
    rig.cpu.flagsRest |= 0x40000; // AC
    runCode(rig, [0x66, 0x68, 0x00, 0x32, 0x66, 0x9d, 0x9c, 0x5b]); // pushw $0x3200; popfw; pushf; pop %ebx
    assert.equal(rig.cpu.regs[6] >>> 0, 0x43202);
  });

  it('PUSHF clears RF in the image', () => {
    const rig = makeSysRig('prot32');
    rig.cpu.flagsRest |= RF;
    runCode(rig, [0x9c, 0x5b]);
    assert.equal(rig.cpu.regs[6] & RF, 0);
  });

  it('CLI at CPL 3 needs IOPL 3: #GP(0) otherwise', () => {
    const rig = makeSysRig('prot32');
    enterUser(rig);
    runCode(rig, [0xfa]);
    assert.deepEqual(fault(rig), [13, 0]);
    const r2 = makeSysRig('prot32');
    enterUser(r2);
    r2.cpu.flagsRest |= 0x3200;
    runCode(r2, [0xfa, 0x0f, 0x0b]);
    assert.equal(stubVector(r2.cpu), 6);
    assert.equal(stackSlots(r2, 3, 4)[2] & 0x200, 0);
  });

  it('CLI with CR4.PVI at CPL 3 is reported as not implemented', () => {
    const rig = makeSysRig('prot32');
    rig.cpu.cr4 |= CR4_PVI;
    enterUser(rig);
    runCode(rig, [0xfa]);
    assert.equal(stubVector(rig.cpu), 6);
    assert.ok(rig.events.some((e) => e.kind === 'diagnostic' && /PVI/.test(e.message)));
  });

  it('single-step: TF set by POPF traps after the next instruction with DR6.BS', () => {
    const rig = makeSysRig('prot32');
    // pushf; orl $0x100,(%esp); popf; hlt
    runCode(rig, [0x9c, 0x81, 0x0c, 0x24, 0x00, 0x01, 0x00, 0x00, 0x9d, 0xf4]);
    assert.equal(stubVector(rig.cpu), 1);
    const [eip, , eflags] = stackSlots(rig, 3, 4);
    assert.equal(eip, CODE + 10, 'trap after the HLT');
    assert.equal(eflags & 0x100, 0x100);
    assert.equal(rig.cpu.dr[6] & 0x4000, 0x4000);
    assert.equal(getFlags(rig.cpu) & 0x100, 0, 'TF cleared in the handler');
  });
});

describe('system: port I/O', () => {
  it('IN/OUT at CPL 0', () => {
    const rig = makeSysRig('prot32');
    rig.cpu.setReg(0, 4, 0x5a);
    runCode(rig, [0x66, 0xba, 0x80, 0x00, 0xe4, 0x60, 0xee]); // mov $0x80,%dx; in $0x60,%al; out %al,%dx
    assert.deepEqual(rig.ports, [{ port: 0x80, size: 1, value: 0xff }]);
  });

  it('CPL 3 > IOPL consults the TSS I/O bitmap: a set bit is #GP(0)', () => {
    const rig = makeSysRig('prot32');
    enterUser(rig);
    runCode(rig, [0x66, 0xba, 0x80, 0x00, 0xee]);
    assert.equal(rig.ports.length, 1, 'bit clear: allowed');
    rig.mem.write(TSS + 0x68 + (0x80 >> 3), 1, 1);
    enterUser(rig);
    runCode(rig, [0x66, 0xba, 0x80, 0x00, 0xee]);
    assert.deepEqual(fault(rig), [13, 0]);
    assert.equal(rig.ports.length, 1);
  });

  it('a word access checks both port bits', () => {
    const rig = makeSysRig('prot32');
    rig.mem.write(TSS + 0x68 + (0x81 >> 3), 1, 2); // port 0x81 denied
    enterUser(rig);
    runCode(rig, [0x66, 0xba, 0x80, 0x00, 0x66, 0xef]); // out %ax,%dx at 0x80 covers 0x81
    assert.deepEqual(fault(rig), [13, 0]);
  });

  it('a TSS without room for the bitmap denies everything above IOPL', () => {
    const rig = makeSysRig('prot32');
    rig.cpu.segLimit[TR] = 0x67;
    enterUser(rig);
    runCode(rig, [0x66, 0xba, 0x80, 0x00, 0xee]);
    assert.deepEqual(fault(rig), [13, 0]);
  });

  it('REP OUTSB and REP INSW', () => {
    const rig = makeSysRig('prot32');
    rig.mem.writeBytes(DATA, Uint8Array.from([1, 2, 3]));
    runCode(rig, [0xbe, 0x00, 0x00, 0x20, 0x00, 0xb9, 0x03, 0x00, 0x00, 0x00, 0x66, 0xba, 0xe9, 0x00, 0xf3, 0x6e]);
    assert.deepEqual(rig.ports.map((p) => p.value), [1, 2, 3]);
    assert.equal(rig.cpu.regs[2], 0);
    assert.equal(rig.cpu.regs[12] >>> 0, DATA + 3);
    const r2 = makeSysRig('prot32');
    runCode(r2, [0xbf, 0x00, 0x00, 0x20, 0x00, 0xb9, 0x02, 0x00, 0x00, 0x00, 0x66, 0xba, 0x60, 0x00, 0x66, 0xf3, 0x6d]);
    assert.equal(r2.mem.read(DATA, 4), 0xffffffff);
    assert.equal(r2.cpu.regs[14] >>> 0, DATA + 4);
  });

  it('a long REP OUTS completes across interrupt windows', () => {
    const rig = makeSysRig('prot32');
    runCode(rig, [0xbe, 0x00, 0x00, 0x20, 0x00, 0xb9, 0x88, 0x13, 0x00, 0x00, 0x66, 0xba, 0xe9, 0x00, 0xf3, 0x6e]);
    assert.equal(rig.ports.length, 5000);
    assert.equal(rig.cpu.regs[2], 0);
  });
});
