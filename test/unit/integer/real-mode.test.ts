// 16-bit address forms and 16-bit stacks in real mode (SDM vol 2A, 2.1.5
// table 2-1; vol 1, 3.7.5 and 6.2): every ModRM base/index pair, the BP →
// SS default, overrides, 64 KiB wrap-around, and the 16-bit forms of
// PUSH/POP, CALL/RET, LOOP/JCXZ, ENTER/LEAVE, PUSHA/POPA and XLAT.
import { strict as assert } from 'assert';
import { emu, Emu } from './rig';

const AX = 0, CX = 1, DX = 2, BX = 3, SP = 4, BP = 5, SI = 6, DI = 7;
const DS_BASE = 0x10000, SS_BASE = 0x20000, ES_BASE = 0x30000;

function realRig(): Emu {
  const e = emu('real');
  const cpu = e.cpu;
  cpu.segBase[3] = DS_BASE; cpu.segSel[3] = DS_BASE >> 4;
  cpu.segBase[0] = ES_BASE; cpu.segSel[0] = ES_BASE >> 4;
  return e;
}

/** Runs with the given 16-bit register values; SS base is 0x20000 (runCode's real-mode SS). */
function run(e: Emu, code: number[], regs: Partial<Record<number, number>>): void {
  for (const [r, v] of Object.entries(regs)) e.set(Number(r), BigInt(v!));
  e.run(code);
  assert.equal(e.fault, null, `unexpected exception ${e.fault?.vector}: ${e.fault?.detail}`);
}

describe('integer: real mode and 16-bit addressing', () => {
  // mov ax, [<form> + disp8] for every rm with mod=01; expected linear address.
  const forms: [string, number, (r: Record<string, number>) => number][] = [
    ['[bx+si]', 0, (r) => DS_BASE + ((r.bx + r.si + 5) & 0xffff)],
    ['[bx+di]', 1, (r) => DS_BASE + ((r.bx + r.di + 5) & 0xffff)],
    ['[bp+si] (SS)', 2, (r) => SS_BASE + ((r.bp + r.si + 5) & 0xffff)],
    ['[bp+di] (SS)', 3, (r) => SS_BASE + ((r.bp + r.di + 5) & 0xffff)],
    ['[si]', 4, (r) => DS_BASE + ((r.si + 5) & 0xffff)],
    ['[di]', 5, (r) => DS_BASE + ((r.di + 5) & 0xffff)],
    ['[bp] (SS)', 6, (r) => SS_BASE + ((r.bp + 5) & 0xffff)],
    ['[bx]', 7, (r) => DS_BASE + ((r.bx + 5) & 0xffff)],
  ];
  for (const [name, rm, addr] of forms) {
    it(`mov ax, ${name}+5 (including 64 KiB wrap)`, () => {
      for (const r of [{ bx: 0x100, si: 0x20, di: 0x30, bp: 0x40 }, { bx: 0xfff0, si: 0x20, di: 0xfffe, bp: 0xffff }]) {
        const e = realRig();
        const a = addr(r);
        e.rig.mem.write(a, 2, 0xbeef);
        run(e, [0x8b, 0x40 | rm, 0x05], { [BX]: r.bx, [SI]: r.si, [DI]: r.di, [BP]: r.bp, [AX]: 0 });
        assert.equal(e.get(AX) & 0xffffn, 0xbeefn);
      }
    });
  }

  it('mov ax, [disp16] (mod=00 rm=110) and an ES override', () => {
    const e = realRig();
    e.rig.mem.write(DS_BASE + 0x1234, 2, 0x1111);
    e.rig.mem.write(ES_BASE + 0x1234, 2, 0x2222);
    run(e, [0x8b, 0x06, 0x34, 0x12, 0x26, 0x8b, 0x1e, 0x34, 0x12], {});
    assert.equal(e.get(AX) & 0xffffn, 0x1111n);
    assert.equal(e.get(BX) & 0xffffn, 0x2222n);
  });

  it('a word access at offset 0xffff is a #GP (real-mode limit 0xffff)', () => {
    const e = realRig();
    e.set(BX, 0xffffn);
    e.run([0x8b, 0x07]);
    assert.equal(e.fault?.vector, 13);
  });

  it('lea wraps at 16 bits; 32-bit addressing (67h) and operand size (66h) work in real mode', () => {
    const e = realRig();
    e.rig.mem.write(DS_BASE + 0x8004, 4, 0xcafef00d);
    run(e, [0x8d, 0x40, 0xff], { [BX]: 0, [SI]: 0 }); // lea ax,[bx+si-1]
    assert.equal(e.get(AX) & 0xffffn, 0xffffn);
    const e2 = realRig();
    e2.rig.mem.write(DS_BASE + 0x8004, 4, 0xcafef00d);
    run(e2, [0x67, 0x66, 0x8b, 0x14, 0x45, 0x04, 0, 0, 0], { [AX]: 0x4000 }); // mov edx,[eax*2+4]
    assert.equal(e2.get(DX) & 0xffffffffn, 0xcafef00dn);
  });

  it('16-bit PUSH/POP wrap SP within the stack segment', () => {
    const e = realRig();
    // ESP = 0x10000: SP is 0, so the push wraps to SS:FFFE; ESP's upper half stays.
    run(e, [0x50, 0x5b], { [SP]: 0x10000, [AX]: 0x1234 }); // push ax; pop bx
    assert.equal(e.rig.mem.read(SS_BASE + 0xfffe, 2), 0x1234);
    assert.equal(e.get(BX) & 0xffffn, 0x1234n);
    assert.equal(e.get(SP), 0x10000n);
  });

  it('CALL/RET near push and pop a 16-bit IP', () => {
    const e = realRig();
    // call +3; hlt; (target) mov ax,7; ret  -> returns to the hlt
    run(e, [0xe8, 0x01, 0x00, 0xf4, 0xb8, 0x07, 0x00, 0xc3], { [SP]: 0x100 });
    assert.equal(e.get(AX) & 0xffffn, 7n);
    assert.equal(e.rig.mem.read(SS_BASE + 0xfe, 2), 3, 'return IP pushed');
    assert.equal(e.get(SP) & 0xffffn, 0x100n);
  });

  it('LOOP counts in CX and JCXZ tests CX', () => {
    const e = realRig();
    // L: inc dx; loop L; jcxz +1; hlt; inc bx
    run(e, [0x42, 0xe2, 0xfd, 0xe3, 0x01, 0xf4, 0x43], { [CX]: 0x10005, [DX]: 0, [BX]: 0 });
    assert.equal(e.get(DX) & 0xffffn, 5n);
    assert.equal(e.get(CX), 0x10000n, 'only CX decrements');
    assert.equal(e.get(BX) & 0xffffn, 1n);
  });

  it('PUSHA/POPA and ENTER/LEAVE with 16-bit operands', () => {
    const e = realRig();
    run(e, [0x60, 0x31, 0xc0, 0x31, 0xdb, 0x61], { [AX]: 1, [CX]: 2, [DX]: 3, [BX]: 4, [SP]: 0x200, [BP]: 6, [SI]: 7, [DI]: 8 });
    assert.deepEqual([AX, CX, DX, BX, SP, BP, SI, DI].map((r) => Number(e.get(r) & 0xffffn)), [1, 2, 3, 4, 0x200, 6, 7, 8]);
    assert.equal(e.rig.mem.read(SS_BASE + 0x200 - 10, 2), 0x200, 'PUSHA stores the original SP');
    const f = realRig();
    // enter 8, 2 ; leave
    f.rig.mem.write(SS_BASE + 0x300 - 2, 2, 0xabcd);
    run(f, [0xc8, 0x08, 0x00, 0x02], { [SP]: 0x200, [BP]: 0x300 });
    assert.equal(f.get(BP) & 0xffffn, 0x1fen, 'BP = frame');
    assert.equal(f.get(SP) & 0xffffn, BigInt(0x1fe - 4 - 8));
    assert.equal(f.rig.mem.read(SS_BASE + 0x1fe, 2), 0x300, 'old BP');
    assert.equal(f.rig.mem.read(SS_BASE + 0x1fc, 2), 0xabcd, 'display copied from [BP-2]');
    assert.equal(f.rig.mem.read(SS_BASE + 0x1fa, 2), 0x1fe, 'frame pointer pushed');
    run(f, [0xc9], {});
    assert.equal(f.get(BP) & 0xffffn, 0x300n);
    assert.equal(f.get(SP) & 0xffffn, 0x200n);
  });

  it('XLAT reads DS:[BX + AL]', () => {
    const e = realRig();
    e.rig.mem.write8(DS_BASE + 0x1010, 0x5a);
    run(e, [0xd7], { [BX]: 0x1000, [AX]: 0x10 });
    assert.equal(e.get(AX) & 0xffn, 0x5an);
  });

  it('BCD adjustments: DAA after an addition of packed BCD digits, AAM/AAD', () => {
    const e = realRig();
    run(e, [0x04, 0x28, 0x27], { [AX]: 0x19 }); // add al, 0x28 ; daa  -> 0x47
    assert.equal(e.get(AX) & 0xffn, 0x47n);
    run(e, [0xd4, 0x0a], { [AX]: 73 }); // aam -> AH 7, AL 3
    assert.equal(e.get(AX) & 0xffffn, 0x0703n);
    run(e, [0xd5, 0x0a], { [AX]: 0x0703 }); // aad -> 73
    assert.equal(e.get(AX) & 0xffffn, 73n);
    e.run([0xd4, 0x00]);
    assert.equal(e.fault?.vector, 0, 'AAM 0 is #DE');
  });
});
