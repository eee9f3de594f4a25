import { strict as assert } from 'assert';
import { sseRun, lanes, DATA, words } from './helpers';

const LDMXCSR = [0x0f, 0xae, 0x13], STMXCSR_4 = [0x0f, 0xae, 0x5b, 0x04];
const FXSAVE = [0x0f, 0xae, 0x03], FXRSTOR = [0x0f, 0xae, 0x0b];
const FXSAVE64 = [0x48, 0x0f, 0xae, 0x03], FXRSTOR64 = [0x48, 0x0f, 0xae, 0x0b];
const ADDPS = [0x0f, 0x58, 0xca], PXOR = [0x66, 0x0f, 0xef, 0xc0];
const CR0_LONG = 0x80000033, CR0_EM = 4, CR0_TS = 8;
const CR4_LONG = 0x20 | 0x200 | 0x400;

function xmmInit(): Record<number, number[]> {
  const x: Record<number, number[]> = {};
  for (let r = 0; r < 16; r++) x[r] = [0x1000 * r + 1, 0x1000 * r + 2, 0x1000 * r + 3, 0x1000 * r + 4];
  return x;
}

describe('sse state: MXCSR, FXSAVE/FXRSTOR, availability', () => {
  it('ldmxcsr/stmxcsr round-trip; reserved bits are #GP(0)', () => {
    let r = sseRun([...LDMXCSR, ...STMXCSR_4], { regs: { 3: DATA }, mem: [{ bytes: words(0xffff) }] });
    assert.equal(r.fault, null);
    assert.equal(r.cpu.mxcsr, 0xffff); // DAZ (bit 6) is supported: MXCSR_MASK = 0xffff
    assert.equal(r.rig.mem.read(DATA + 4, 4), 0xffff);
    r = sseRun(LDMXCSR, { regs: { 3: DATA }, mem: [{ bytes: words(0x11f80) }] });
    assert.equal(r.fault?.vector, 13);
    assert.equal(r.fault?.errorCode, 0);
    assert.equal(r.cpu.mxcsr, 0x1f80);
  });

  it('fxsave writes the 512-byte layout: x87 words, MXCSR, MXCSR_MASK, XMM0-15 in 64-bit mode', () => {
    const r = sseRun(FXSAVE, { regs: { 3: DATA }, xmm: xmmInit(), mxcsr: 0x3fa0 });
    assert.equal(r.fault, null);
    const m = (off: number) => r.rig.mem.read(DATA + off, 4) >>> 0;
    assert.equal(m(0), 0x0000037f); // FCW = 037FH, FSW = 0
    assert.equal(m(4) & 0xff, 0); // abridged FTW: all empty
    assert.equal(m(24), 0x3fa0);
    assert.equal(m(28), 0xffff);
    for (let x = 0; x < 16; x++) for (let k = 0; k < 4; k++) assert.equal(m(160 + 16 * x + 4 * k), 0x1000 * x + k + 1, `xmm${x}[${k}]`);
    assert.equal(m(416), 0, 'bytes 416-511 are not written');
  });

  it('fxrstor restores MXCSR, XMM and the x87 words; fxsave64/fxrstor64 round-trip', () => {
    const img = new Uint8Array(512);
    const dv = new DataView(img.buffer);
    dv.setUint16(0, 0x027f, true); dv.setUint16(2, 0x3800, true); img[4] = 0x81; dv.setUint16(6, 0x0123, true);
    dv.setUint32(8, 0xdeadbeef, true); dv.setUint32(24, 0x7f80 | 0x3f, true);
    for (let b = 32; b < 160; b++) img[b] = b;
    for (let k = 0; k < 64; k++) dv.setUint32(160 + 4 * k, 0xa0000000 + k, true);
    const r = sseRun([...FXRSTOR64, 0x48, 0x0f, 0xae, 0x83, 0x00, 0x02, 0x00, 0x00], { regs: { 3: DATA }, mem: [{ bytes: img }] }); // fxrstor64 (%rbx); fxsave64 0x200(%rbx)
    assert.equal(r.fault, null);
    assert.equal(r.cpu.mxcsr, 0x7fbf);
    assert.equal(r.cpu.fcw, 0x027f);
    assert.equal(r.cpu.fsw, 0x3800);
    assert.equal(r.cpu.ftw, 0x81);
    assert.deepEqual(lanes(r.cpu, 15), [0xa000003c, 0xa000003d, 0xa000003e, 0xa000003f]);
    const back = r.rig.mem.readBytes(DATA + 0x200, 416);
    const want = img.slice(0, 416);
    new DataView(want.buffer).setUint32(28, 0xffff, true); // MXCSR_MASK as this CPU reports it
    assert.deepEqual(Array.from(back), Array.from(want));
  });

  it('fxrstor with a reserved MXCSR bit is #GP(0) and changes nothing', () => {
    const img = new Uint8Array(512);
    new DataView(img.buffer).setUint32(24, 0x10000, true);
    const r = sseRun(FXRSTOR, { regs: { 3: DATA }, mem: [{ bytes: img }], xmm: { 0: [1, 2, 3, 4] } });
    assert.equal(r.fault?.vector, 13);
    assert.deepEqual(lanes(r.cpu, 0), [1, 2, 3, 4]);
    assert.equal(r.cpu.mxcsr, 0x1f80);
  });

  it('fxsave/fxrstor need a 16-byte aligned operand', () => {
    let r = sseRun([0x0f, 0xae, 0x43, 0x08], { regs: { 3: DATA } }); // fxsave 8(%rbx)
    assert.equal(r.fault?.vector, 13);
    r = sseRun([0x0f, 0xae, 0x4b, 0x08], { regs: { 3: DATA } }); // fxrstor 8(%rbx)
    assert.equal(r.fault?.vector, 13);
  });

  it('outside 64-bit mode only XMM0-7 are saved and restored', () => {
    const img = new Uint8Array(512);
    for (let k = 0; k < 64; k++) new DataView(img.buffer).setUint32(160 + 4 * k, 0xb0000000 + k, true);
    new DataView(img.buffer).setUint32(24, 0x1f80, true);
    // prot32: fxrstor (%ebx); fxsave 0x200(%ebx)
    const r = sseRun([...FXRSTOR, 0x0f, 0xae, 0x83, 0x00, 0x02, 0x00, 0x00], { mode: 'prot32', regs: { 3: DATA }, mem: [{ bytes: img }], xmm: { 8: [8, 8, 8, 8] } });
    assert.equal(r.fault, null);
    assert.deepEqual(lanes(r.cpu, 7), [0xb000001c, 0xb000001d, 0xb000001e, 0xb000001f]);
    assert.deepEqual(lanes(r.cpu, 8), [8, 8, 8, 8]);
    assert.equal(r.rig.mem.read(DATA + 0x200 + 160 + 16 * 7, 4) >>> 0, 0xb000001c);
    assert.equal(r.rig.mem.read(DATA + 0x200 + 160 + 16 * 8, 4), 0, 'XMM8 area not written');
  });

  it('CR0.EM=1 or CR4.OSFXSR=0 make SSE instructions #UD; CR0.TS=1 makes them #NM', () => {
    assert.equal(sseRun(ADDPS, { cr0: CR0_LONG | CR0_EM }).fault?.vector, 6);
    assert.equal(sseRun(ADDPS, { cr0: CR0_LONG | CR0_EM | CR0_TS }).fault?.vector, 6);
    assert.equal(sseRun(PXOR, { cr4: CR4_LONG & ~0x200 }).fault?.vector, 6);
    assert.equal(sseRun(PXOR, { cr0: CR0_LONG | CR0_TS }).fault?.vector, 7);
    assert.equal(sseRun([...LDMXCSR], { cr0: CR0_LONG | CR0_TS, regs: { 3: DATA } }).fault?.vector, 7);
    assert.equal(sseRun(ADDPS, { cr0: CR0_LONG | 2 }).fault, null); // CR0.MP alone is fine
  });

  it('FXSAVE is #NM under CR0.TS or CR0.EM and works with CR4.OSFXSR=0', () => {
    assert.equal(sseRun(FXSAVE, { cr0: CR0_LONG | CR0_TS, regs: { 3: DATA } }).fault?.vector, 7);
    assert.equal(sseRun(FXSAVE, { cr0: CR0_LONG | CR0_EM, regs: { 3: DATA } }).fault?.vector, 7);
    const r = sseRun(FXSAVE64, { cr4: CR4_LONG & ~0x200, regs: { 3: DATA }, xmm: { 2: [5, 6, 7, 8] } });
    assert.equal(r.fault, null);
    assert.equal(r.rig.mem.read(DATA + 160 + 32, 4), 5);
  });

  it('MMX and SSE3+ forms decode but are not implemented: #UD with a diagnostic', () => {
    for (const code of [[0x0f, 0xfe, 0xc1], [0x66, 0x0f, 0x38, 0x00, 0xc1], [0xf2, 0x0f, 0x7c, 0xc1], [0x0f, 0x53, 0xc1]]) {
      const r = sseRun(code);
      assert.equal(r.fault?.vector, 6, code.join(' '));
      assert.ok(r.rig.events.some((e) => e.kind === 'diagnostic' && /not implemented/.test((e as { message: string }).message)), 'diagnostic emitted');
    }
  });
});
