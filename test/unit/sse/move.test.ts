import { strict as assert } from 'assert';
import { sseRun, lanes, DATA, words } from './helpers';

const A = [0x11111111, 0x22222222, 0x33333333, 0x44444444];
const B = [0xaaaaaaaa, 0xbbbbbbbb, 0xcccccccc, 0xdddddddd];
const MEM = words(0x01020304, 0x05060708, 0x090a0b0c, 0x0d0e0f10, 0x11121314, 0x15161718);
const RBX = { 3: DATA };
const mem = [{ bytes: MEM }];

function memWords(r: ReturnType<typeof sseRun>, off: number, n: number): number[] {
  const out: number[] = [];
  for (let k = 0; k < n; k++) out.push(r.rig.mem.read(DATA + off + 4 * k, 4) >>> 0);
  return out;
}

describe('sse moves', () => {
  it('movaps load requires 16-byte alignment, movups does not', () => {
    let r = sseRun([0x0f, 0x28, 0x0b], { regs: RBX, mem }); // movaps (%rbx),%xmm1
    assert.equal(r.fault, null);
    assert.deepEqual(lanes(r.cpu, 1), [0x01020304, 0x05060708, 0x090a0b0c, 0x0d0e0f10]);
    r = sseRun([0x0f, 0x28, 0x4b, 0x04], { regs: RBX, mem }); // movaps 4(%rbx),%xmm1
    assert.equal(r.fault?.vector, 13);
    assert.equal(r.fault?.errorCode, 0);
    r = sseRun([0x0f, 0x10, 0x53, 0x08], { regs: RBX, mem }); // movups 8(%rbx),%xmm2
    assert.equal(r.fault, null);
    assert.deepEqual(lanes(r.cpu, 2), [0x090a0b0c, 0x0d0e0f10, 0x11121314, 0x15161718]);
  });

  it('movaps/movdqu stores and register copies', () => {
    let r = sseRun([0x0f, 0x29, 0x0b], { regs: RBX, xmm: { 1: A } }); // movaps %xmm1,(%rbx)
    assert.deepEqual(memWords(r, 0, 4), A);
    r = sseRun([0x66, 0x44, 0x0f, 0x6f, 0xf9, 0xf3, 0x44, 0x0f, 0x7f, 0x7b, 0x10], { regs: RBX, xmm: { 1: B } }); // movdqa %xmm1,%xmm15; movdqu %xmm15,16(%rbx)
    assert.deepEqual(lanes(r.cpu, 15), B);
    assert.deepEqual(memWords(r, 16, 4), B);
    // movdqu 8(%rbx),%xmm2; movdqa %xmm2,32(%rbx); movdqa %xmm2,8(%rbx) (misaligned: #GP)
    r = sseRun([0xf3, 0x0f, 0x6f, 0x53, 0x08, 0x66, 0x0f, 0x7f, 0x53, 0x20, 0x66, 0x0f, 0x7f, 0x53, 0x08], { regs: RBX, mem });
    assert.deepEqual(memWords(r, 32, 4), [0x090a0b0c, 0x0d0e0f10, 0x11121314, 0x15161718]);
    assert.equal(r.fault?.vector, 13);
    r = sseRun([0x66, 0x0f, 0xe7, 0x4b, 0x08], { regs: RBX, xmm: { 1: A } }); // movntdq %xmm1,8(%rbx): misaligned
    assert.equal(r.fault?.vector, 13);
    assert.deepEqual(memWords(r, 8, 4), [0, 0, 0, 0]);
  });

  it('movapd/movupd/movntps/movntpd: the pd and non-temporal forms', () => {
    let r = sseRun([0x66, 0x0f, 0x28, 0x0b, 0x66, 0x0f, 0x29, 0x4b, 0x10], { regs: RBX, mem }); // movapd (%rbx),%xmm1; movapd %xmm1,16(%rbx)
    assert.deepEqual(memWords(r, 16, 4), [0x01020304, 0x05060708, 0x090a0b0c, 0x0d0e0f10]);
    r = sseRun([0x66, 0x0f, 0x10, 0x4b, 0x08, 0x66, 0x0f, 0x11, 0x4b, 0x20], { regs: RBX, mem }); // movupd 8(%rbx),%xmm1; movupd %xmm1,32(%rbx)
    assert.deepEqual(memWords(r, 32, 4), [0x090a0b0c, 0x0d0e0f10, 0x11121314, 0x15161718]);
    r = sseRun([0x0f, 0x2b, 0x0b, 0x66, 0x0f, 0x2b, 0x4b, 0x10], { regs: RBX, xmm: { 1: A } }); // movntps %xmm1,(%rbx); movntpd %xmm1,16(%rbx)
    assert.deepEqual(memWords(r, 0, 8), [...A, ...A]);
    r = sseRun([0x66, 0x0f, 0x2b, 0x4b, 0x08], { regs: RBX, xmm: { 1: A } }); // movntpd %xmm1,8(%rbx): misaligned
    assert.equal(r.fault?.vector, 13);
  });

  it('movlpd/movhpd loads and movlps/movhps/movlpd stores', () => {
    let r = sseRun([0x66, 0x0f, 0x12, 0x0b], { regs: RBX, mem, xmm: { 1: A } }); // movlpd (%rbx),%xmm1
    assert.deepEqual(lanes(r.cpu, 1), [0x01020304, 0x05060708, A[2], A[3]]);
    r = sseRun([0x66, 0x0f, 0x16, 0x4b, 0x08], { regs: RBX, mem, xmm: { 1: A } }); // movhpd 8(%rbx),%xmm1
    assert.deepEqual(lanes(r.cpu, 1), [A[0], A[1], 0x090a0b0c, 0x0d0e0f10]);
    // movlps %xmm1,(%rbx); movhps %xmm1,8(%rbx); movlpd %xmm1,16(%rbx)
    r = sseRun([0x0f, 0x13, 0x0b, 0x0f, 0x17, 0x4b, 0x08, 0x66, 0x0f, 0x13, 0x4b, 0x10], { regs: RBX, xmm: { 1: B } });
    assert.deepEqual(memWords(r, 0, 7), [B[0], B[1], B[2], B[3], B[0], B[1], 0]);
  });

  it('movss/movsd: register forms merge, loads zero the upper part, stores write the scalar', () => {
    let r = sseRun([0xf3, 0x0f, 0x10, 0xd9], { xmm: { 1: A, 3: B } }); // movss %xmm1,%xmm3
    assert.deepEqual(lanes(r.cpu, 3), [A[0], B[1], B[2], B[3]]);
    r = sseRun([0xf3, 0x0f, 0x10, 0x1b], { regs: RBX, mem, xmm: { 3: B } }); // movss (%rbx),%xmm3
    assert.deepEqual(lanes(r.cpu, 3), [0x01020304, 0, 0, 0]);
    r = sseRun([0xf2, 0x0f, 0x10, 0xd9], { xmm: { 1: A, 3: B } }); // movsd %xmm1,%xmm3
    assert.deepEqual(lanes(r.cpu, 3), [A[0], A[1], B[2], B[3]]);
    r = sseRun([0xf2, 0x0f, 0x10, 0x23], { regs: RBX, mem, xmm: { 4: B } }); // movsd (%rbx),%xmm4
    assert.deepEqual(lanes(r.cpu, 4), [0x01020304, 0x05060708, 0, 0]);
    r = sseRun([0xf3, 0x0f, 0x11, 0x53, 0x04, 0xf2, 0x0f, 0x11, 0x53, 0x08], { regs: RBX, xmm: { 2: B } }); // movss %xmm2,4(%rbx); movsd %xmm2,8(%rbx)
    assert.deepEqual(memWords(r, 0, 5), [0, B[0], B[0], B[1], 0]);
  });

  it('movhps/movlps/movhlps/movlhps/movhpd move 64-bit halves', () => {
    let r = sseRun([0x0f, 0x16, 0x0b], { regs: RBX, mem, xmm: { 1: A } }); // movhps (%rbx),%xmm1
    assert.deepEqual(lanes(r.cpu, 1), [A[0], A[1], 0x01020304, 0x05060708]);
    r = sseRun([0x0f, 0x12, 0x4b, 0x08], { regs: RBX, mem, xmm: { 1: A } }); // movlps 8(%rbx),%xmm1
    assert.deepEqual(lanes(r.cpu, 1), [0x090a0b0c, 0x0d0e0f10, A[2], A[3]]);
    r = sseRun([0x0f, 0x12, 0xca], { xmm: { 1: A, 2: B } }); // movhlps %xmm2,%xmm1
    assert.deepEqual(lanes(r.cpu, 1), [B[2], B[3], A[2], A[3]]);
    r = sseRun([0x0f, 0x16, 0xca], { xmm: { 1: A, 2: B } }); // movlhps %xmm2,%xmm1
    assert.deepEqual(lanes(r.cpu, 1), [A[0], A[1], B[0], B[1]]);
    r = sseRun([0x66, 0x0f, 0x17, 0x0b], { regs: RBX, xmm: { 1: A } }); // movhpd %xmm1,(%rbx)
    assert.deepEqual(memWords(r, 0, 3), [A[2], A[3], 0]);
  });

  it('movd/movq with general registers zero-extend', () => {
    let r = sseRun([0x66, 0x44, 0x0f, 0x6e, 0xc8], { regs: { 0: [0x89abcdef, 0x1234567] }, xmm: { 9: B } }); // movd %eax,%xmm9
    assert.deepEqual(lanes(r.cpu, 9), [0x89abcdef, 0, 0, 0]);
    r = sseRun([0x66, 0x4c, 0x0f, 0x6e, 0xc8], { regs: { 0: [0x89abcdef, 0x1234567] }, xmm: { 9: B } }); // movq %rax,%xmm9
    assert.deepEqual(lanes(r.cpu, 9), [0x89abcdef, 0x1234567, 0, 0]);
    r = sseRun([0x66, 0x44, 0x0f, 0x7e, 0xc9], { regs: { 1: [5, 6] }, xmm: { 9: B } }); // movd %xmm9,%ecx
    assert.equal(r.cpu.getReg(1, 8), B[0]);
    assert.equal(r.cpu.hi, 0);
    r = sseRun([0x66, 0x4c, 0x0f, 0x7e, 0xc9], { xmm: { 9: B } }); // movq %xmm9,%rcx
    assert.equal(r.cpu.getReg(1, 8), B[0]);
    assert.equal(r.cpu.hi >>> 0, B[1]);
    r = sseRun([0x66, 0x0f, 0x6e, 0x0b], { regs: RBX, mem, xmm: { 1: A } }); // movd (%rbx),%xmm1
    assert.deepEqual(lanes(r.cpu, 1), [0x01020304, 0, 0, 0]);
  });

  it('movq xmm forms zero bits 127:64', () => {
    let r = sseRun([0xf3, 0x0f, 0x7e, 0xda], { xmm: { 2: A, 3: B } }); // movq %xmm2,%xmm3
    assert.deepEqual(lanes(r.cpu, 3), [A[0], A[1], 0, 0]);
    r = sseRun([0xf3, 0x0f, 0x7e, 0x1b], { regs: RBX, mem, xmm: { 3: B } }); // movq (%rbx),%xmm3
    assert.deepEqual(lanes(r.cpu, 3), [0x01020304, 0x05060708, 0, 0]);
    r = sseRun([0x66, 0x0f, 0xd6, 0x13], { regs: RBX, xmm: { 2: A } }); // movq %xmm2,(%rbx)
    assert.deepEqual(memWords(r, 0, 3), [A[0], A[1], 0]);
    r = sseRun([0x66, 0x0f, 0xd6, 0xd3], { xmm: { 2: A, 3: B } }); // movq %xmm2,%xmm3 (66 0F D6 register form)
    assert.deepEqual(lanes(r.cpu, 3), [A[0], A[1], 0, 0]);
  });

  it('movnti stores a general register and ignores CR4.OSFXSR', () => {
    const r = sseRun([0x0f, 0xc3, 0x03, 0x48, 0x0f, 0xc3, 0x43, 0x08], { regs: { 0: [0xcafef00d, 0x600dd00d], 3: DATA }, cr4: 0x20 }); // movnti %eax,(%rbx); movnti %rax,8(%rbx)
    assert.equal(r.fault, null);
    assert.deepEqual(memWords(r, 0, 4), [0xcafef00d, 0, 0xcafef00d, 0x600dd00d]);
  });

  it('maskmovdqu stores the selected bytes at DS:RDI', () => {
    const sel = [0x00800080, 0, 0x7f7f7f7f, 0x80000000]; // bit 7 set in mask bytes 0, 2 and 15
    const r = sseRun([0x66, 0x0f, 0xf7, 0xca], { regs: { 7: DATA + 1 }, xmm: { 1: [0x44332211, 0x88776655, 0xccbbaa99, 0x00ffeedd], 2: sel } }); // maskmovdqu %xmm2,%xmm1
    assert.equal(r.fault, null);
    // Mask bytes 0 and 2 (lane 0) and 15 (lane 3) are selected.
    const got = Array.from(r.rig.mem.readBytes(DATA, 18));
    const want = new Array(18).fill(0);
    want[1 + 0] = 0x11; want[1 + 2] = 0x33; want[1 + 15] = 0x00;
    assert.deepEqual(got, want);
  });

  it('a 16-byte store that crosses into a not-present page writes nothing', () => {
    // Unmap the 2 MiB page after DATA's and store across its boundary.
    const r = sseRun([0x0f, 0x11, 0x4b, 0x08], { // movups %xmm1,8(%rbx)
      regs: { 3: 0x3ffff0 }, xmm: { 1: A },
    });
    // 0x3ffff8..0x400007: the second page is present in the snippet's identity map, so this succeeds.
    assert.equal(r.fault, null);
    const rig = r.rig;
    rig.mem.write(0x3000 + 2 * 8, 4, 0); // PDE for 0x400000..0x5fffff: not present
    rig.cpu.mmu.flushAll();
    rig.mem.writeBytes(0x3ffff8, new Uint8Array(8));
    const r2 = sseRunOn(rig, [0x0f, 0x11, 0x4b, 0x08]);
    assert.equal(r2, 14);
    assert.deepEqual(Array.from(rig.mem.readBytes(0x3ffff8, 8)), [0, 0, 0, 0, 0, 0, 0, 0]);
  });
});

function sseRunOn(rig: ReturnType<typeof sseRun>['rig'], code: number[]): number {
  let vec = -1;
  rig.cpu.hooks = { deliverFault(c, f) { vec = f.vector; c.requestStop(2); }, checkInterrupts() {} };
  rig.mem.writeBytes(0x100000, Uint8Array.from([...code, 0xf4]));
  rig.cpu.flushCodeCache();
  rig.cpu.rip = 0x100000;
  rig.cpu.halted = false;
  rig.cpu.run(100);
  return vec;
}
