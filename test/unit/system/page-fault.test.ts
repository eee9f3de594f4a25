// #PF delivery: error codes (SDM vol 3A, 4.7 figure 4-12) and CR2.
import { strict as assert } from 'assert';
import { runCode, CODE } from '../../support/snippet';
import { makeSysRig, stubVector, stackSlots, SysRig, setGate, K64, STUBS, IST1 } from '../../support/sysrig';
import { CR0_WP } from '../../../emulator/x86/regs';

// 4 KiB page table for 0x400000-0x5fffff at 0x4000 (PD at 0x3000 in the snippet rig).
function withPageTable(rig: SysRig, ptes: [number, number][]): void {
  const w32 = (a: number, v: number): void => rig.mem.write(a, 4, v >>> 0);
  w32(0x3000 + 2 * 8, 0x4000 | 7); w32(0x3000 + 2 * 8 + 4, 0);
  ptes.forEach(([lo, hi], k) => { w32(0x4000 + k * 8, lo); w32(0x4000 + k * 8 + 4, hi); });
  rig.cpu.mmu.flushAll();
}

const PTES: [number, number][] = [
  [0, 0], // 0x400000: not present
  [0x50000 | 0x5, 0], // 0x401000: read-only, user
  [0x51000 | 0x7, 0x80000000], // 0x402000: execute-disable
  [0x52000 | 0x7, 1 << 8], // 0x403000: bit 40 set, above MAXPHYADDR (40): reserved
  [0x53000 | 0x3, 0], // 0x404000: supervisor only
];

function pf(rig: SysRig): { ec: number; rip: number; cr2: number } {
  assert.equal(stubVector(rig.cpu), 14, 'halted in the #PF stub');
  const [ec, rip] = stackSlots(rig, 2, 8);
  return { ec, rip, cr2: rig.cpu.cr2 };
}

describe('system: page faults', () => {
  it('not present, read: error code 0, CR2 = address', () => {
    const rig = makeSysRig('long64');
    withPageTable(rig, PTES);
    runCode(rig, [0x8b, 0x04, 0x25, 0x00, 0x00, 0x40, 0x00]); // mov 0x400000,%eax
    assert.deepEqual(pf(rig), { ec: 0, rip: CODE, cr2: 0x400000 });
    const ev = rig.events.find((e) => e.kind === 'exception') as { cr2?: number; errorCode?: number };
    assert.equal(ev.cr2, 0x400000);
    assert.equal(ev.errorCode, 0);
  });

  it('not present, write: W bit', () => {
    const rig = makeSysRig('long64');
    withPageTable(rig, PTES);
    runCode(rig, [0xc7, 0x04, 0x25, 0x00, 0x00, 0x40, 0x00, 0x01, 0x00, 0x00, 0x00]);
    assert.deepEqual(pf(rig), { ec: 2, rip: CODE, cr2: 0x400000 });
  });

  it('supervisor write to a read-only page with CR0.WP=1: P|W', () => {
    const rig = makeSysRig('long64');
    withPageTable(rig, PTES);
    rig.cpu.cr0 |= CR0_WP;
    runCode(rig, [0xc7, 0x04, 0x25, 0x00, 0x10, 0x40, 0x00, 0x01, 0x00, 0x00, 0x00]); // movl $1,0x401000
    assert.deepEqual(pf(rig), { ec: 3, rip: CODE, cr2: 0x401000 });
  });

  it('fetch from an execute-disable page: P|I, RIP = CR2 = target', () => {
    const rig = makeSysRig('long64');
    withPageTable(rig, PTES);
    runCode(rig, [0xb8, 0x00, 0x20, 0x40, 0x00, 0xff, 0xe0]); // mov $0x402000,%eax; jmp *%rax
    assert.deepEqual(pf(rig), { ec: 0x11, rip: 0x402000, cr2: 0x402000 });
  });

  it('reserved bit in a PTE: P|RSVD', () => {
    const rig = makeSysRig('long64');
    withPageTable(rig, PTES);
    runCode(rig, [0x8b, 0x04, 0x25, 0x00, 0x30, 0x40, 0x00]); // mov 0x403000,%eax
    assert.deepEqual(pf(rig), { ec: 9, rip: CODE, cr2: 0x403000 });
  });

  it('user read of a supervisor page from ring 3: P|U, delivered on the RSP0 stack', () => {
    const rig = makeSysRig('long64');
    withPageTable(rig, PTES);
    // iretq to ring 3, then mov 0x404000,%eax
    const code = [0x6a, 0x3b, 0x68, 0x00, 0x00, 0x2d, 0x00, 0x9c, 0x6a, 0x43, 0x48, 0x8d, 0x05, 0x03, 0x00, 0x00, 0x00, 0x50, 0x48, 0xcf, 0x8b, 0x04, 0x25, 0x00, 0x40, 0x40, 0x00];
    runCode(rig, code);
    assert.deepEqual(pf(rig), { ec: 5, rip: CODE + 20, cr2: 0x404000 });
    assert.equal(rig.cpu.cpl, 0);
  });

  it('#PF while delivering #PF is #DF (delivered on its IST stack); CR2 holds the second address', () => {
    const rig = makeSysRig('long64');
    withPageTable(rig, PTES);
    setGate(rig, 8, K64, STUBS + 8 * 16, { ist: 1 });
    rig.cpu.setReg(4, 8, 0x400ff8); // the #PF frame lands on the not-present page
    runCode(rig, [0x8b, 0x04, 0x25, 0x00, 0x30, 0x40, 0x00]);
    assert.equal(stubVector(rig.cpu), 8);
    assert.equal(rig.cpu.regs[8] >>> 0, IST1 - 48);
    const [ec, rip] = stackSlots(rig, 2, 8);
    assert.equal(ec, 0);
    assert.equal(rip, CODE);
    const vecs = rig.events.filter((e) => e.kind === 'exception').map((e) => (e as { vector: number }).vector);
    assert.deepEqual(vecs, [14, 14, 8]);
    assert.equal(rig.cpu.cr2, 0x400ff0 - 8, 'CR2 of the second #PF (the first push of the frame)');
  });

  it('#DF without a usable stack is a triple fault', () => {
    const rig = makeSysRig('long64');
    withPageTable(rig, PTES);
    rig.cpu.setReg(4, 8, 0x400ff8);
    runCode(rig, [0x8b, 0x04, 0x25, 0x00, 0x30, 0x40, 0x00]);
    assert.ok(rig.events.some((e) => e.kind === 'triple-fault'));
  });
});
