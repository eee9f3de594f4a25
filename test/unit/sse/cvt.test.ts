import { strict as assert } from 'assert';
import { sseRun, lanes, f32, f64, ps, pd, DATA, words } from './helpers';

const DEF = 0x1f80, RD = 0x3f80, RU = 0x5f80, RZ = 0x7f80;
const IE = 1, DE = 2, OE = 8, UE = 0x10, PE = 0x20, DAZ = 0x40;

const CVTSI2SS = [0xf3, 0x0f, 0x2a, 0xc8], CVTSI2SS_Q = [0xf3, 0x48, 0x0f, 0x2a, 0xc8];
const CVTSI2SD = [0xf2, 0x0f, 0x2a, 0xc8], CVTSI2SD_Q = [0xf2, 0x48, 0x0f, 0x2a, 0xc8];
const CVTTSS2SI = [0xf3, 0x0f, 0x2c, 0xc1], CVTSS2SI = [0xf3, 0x0f, 0x2d, 0xc1];
const CVTTSD2SI = [0xf2, 0x0f, 0x2c, 0xc1], CVTTSD2SI_Q = [0xf2, 0x48, 0x0f, 0x2c, 0xc1], CVTSD2SI_Q = [0xf2, 0x48, 0x0f, 0x2d, 0xc1];

/** GPR result of a conversion of xmm1 lane 0 (or lanes 0-1) into RAX. */
function toInt(code: number[], src: number[], mxcsr = DEF) {
  const r = sseRun(code, { xmm: { 1: [...src, 0, 0, 0].slice(0, 4) }, mxcsr, regs: { 0: [0xdeadbeef, 0xdeadbeef] } });
  assert.equal(r.fault, null);
  const lo = r.cpu.getReg(0, 8);
  return { lo, hi: r.cpu.hi >>> 0, mx: r.cpu.mxcsr };
}

function fromInt(code: number[], v: [number, number], mxcsr = DEF) {
  const r = sseRun(code, { xmm: { 1: [0x11, 0x22, 0x33, 0x44] }, regs: { 0: v }, mxcsr });
  assert.equal(r.fault, null);
  return { x: lanes(r.cpu, 1), mx: r.cpu.mxcsr };
}

describe('sse conversions', () => {
  it('cvtsi2ss rounds 2^24 + 1 by MXCSR.RC and keeps bits 127:32', () => {
    assert.deepEqual(fromInt(CVTSI2SS, [16777217, 0]), { x: [f32(16777216), 0x22, 0x33, 0x44], mx: DEF | PE });
    assert.deepEqual(fromInt(CVTSI2SS, [16777217, 0], RU).x[0], f32(16777218));
    assert.deepEqual(fromInt(CVTSI2SS, [-7 >>> 0, 0]), { x: [f32(-7), 0x22, 0x33, 0x44], mx: DEF });
  });

  it('cvtsi2ss/sd with REX.W read 64-bit integers', () => {
    // 2^63 - 1 rounds to 2^63 in both formats.
    assert.deepEqual(fromInt(CVTSI2SD_Q, [0xffffffff, 0x7fffffff]), { x: [...f64(2 ** 63), 0x33, 0x44], mx: DEF | PE });
    assert.deepEqual(fromInt(CVTSI2SS_Q, [1, 0x80000000]), { x: [f32(-(2 ** 63)), 0x22, 0x33, 0x44], mx: DEF | PE });
    // 2^53 + 1 is not a double: ties to even gives 2^53, toward +inf 2^53 + 2.
    assert.deepEqual(fromInt(CVTSI2SD_Q, [1, 0x200000]).x.slice(0, 2), f64(2 ** 53));
    assert.deepEqual(fromInt(CVTSI2SD_Q, [1, 0x200000], RU).x.slice(0, 2), f64(2 ** 53 + 2));
    // Just above a binary32 tie: the sticky low bits must not be lost in a double rounding.
    // 2^55 + 2^31 + 1 rounds to the double 2^55 + 2^31, a binary32 tie; the exact value is above it.
    assert.deepEqual(fromInt(CVTSI2SS_Q, [0x80000001, 0x00800000]).x[0], 0x5b000001);
    assert.deepEqual(fromInt(CVTSI2SD, [0x80000000, 0]), { x: [...f64(-(2 ** 31)), 0x33, 0x44], mx: DEF });
  });

  it('cvtsi2ss from memory', () => {
    const r = sseRun([0xf3, 0x0f, 0x2a, 0x0b], { regs: { 3: DATA }, mem: [{ bytes: words(1000) }] }); // cvtsi2ssl (%rbx),%xmm1
    assert.equal(lanes(r.cpu, 1)[0], f32(1000));
  });

  it('cvttss2si truncates, cvtss2si rounds by MXCSR.RC (ties to even)', () => {
    assert.equal(toInt(CVTTSS2SI, [f32(2.7)]).lo, 2);
    assert.equal(toInt(CVTTSS2SI, [f32(-2.7)]).lo, (-2 >>> 0));
    assert.deepEqual(toInt(CVTSS2SI, [f32(2.5)]), { lo: 2, hi: 0, mx: DEF | PE });
    assert.equal(toInt(CVTSS2SI, [f32(3.5)]).lo, 4);
    assert.equal(toInt(CVTSS2SI, [f32(-2.5)], RD).lo, (-3 >>> 0));
    assert.equal(toInt(CVTSS2SI, [f32(2.1)], RU).lo, 3);
    assert.equal(toInt(CVTSS2SI, [f32(-2.9)], RZ).lo, (-2 >>> 0));
    assert.deepEqual(toInt(CVTSS2SI, [f32(-5)]), { lo: (-5 >>> 0), hi: 0, mx: DEF }); // a 32-bit GPR write zero-extends
  });

  it('cvtsd2si r32 and cvtss2si/cvttss2si r64', () => {
    assert.deepEqual(toInt([0xf2, 0x0f, 0x2d, 0xc1], f64(-7.5)), { lo: (-8 >>> 0), hi: 0, mx: DEF | PE }); // cvtsd2si %xmm1,%eax
    assert.deepEqual(toInt([0xf3, 0x48, 0x0f, 0x2d, 0xc1], [f32(-(2 ** 40))]), { lo: 0, hi: 0xffffff00, mx: DEF }); // cvtss2si %xmm1,%rax
    assert.deepEqual(toInt([0xf3, 0x48, 0x0f, 0x2c, 0xc1], [f32(1e19)]), { lo: 0, hi: 0x80000000, mx: DEF | IE }); // cvttss2si %xmm1,%rax
  });

  it('out-of-range and NaN sources give the integer indefinite with IE and no PE', () => {
    assert.deepEqual(toInt(CVTTSD2SI, f64(3e9)), { lo: 0x80000000, hi: 0, mx: DEF | IE });
    assert.deepEqual(toInt(CVTTSD2SI, f64(-2147483648.9)), { lo: 0x80000000, hi: 0, mx: DEF | PE }); // truncates into range
    assert.deepEqual(toInt(CVTTSD2SI, f64(-2147483649)), { lo: 0x80000000, hi: 0, mx: DEF | IE });
    assert.deepEqual(toInt(CVTTSS2SI, [0x7fc00000]), { lo: 0x80000000, hi: 0, mx: DEF | IE });
    assert.deepEqual(toInt(CVTTSD2SI_Q, f64(3e9)), { lo: 3e9, hi: 0, mx: DEF });
    assert.deepEqual(toInt(CVTTSD2SI_Q, f64(2 ** 63)), { lo: 0, hi: 0x80000000, mx: DEF | IE });
    assert.deepEqual(toInt(CVTTSD2SI_Q, f64(-(2 ** 63))), { lo: 0, hi: 0x80000000, mx: DEF });
    assert.deepEqual(toInt(CVTSD2SI_Q, f64(-1.5)), { lo: 0xfffffffe, hi: 0xffffffff, mx: DEF | PE });
    assert.deepEqual(toInt(CVTSD2SI_Q, f64(Infinity)), { lo: 0, hi: 0x80000000, mx: DEF | IE });
  });

  it('denormal sources: PE without DE; DAZ makes them exact zeros', () => {
    assert.deepEqual(toInt(CVTTSS2SI, [5]), { lo: 0, hi: 0, mx: DEF | PE });
    assert.deepEqual(toInt(CVTTSS2SI, [5], DEF | DAZ), { lo: 0, hi: 0, mx: DEF | DAZ });
    assert.deepEqual(toInt(CVTSS2SI, [5], RU), { lo: 1, hi: 0, mx: RU | PE });
  });

  it('cvtsd2ss rounds and can overflow/underflow; cvtss2sd is exact and quiets SNaNs', () => {
    const sd2ss = (v: [number, number], mx = DEF) => {
      const r = sseRun([0xf2, 0x0f, 0x5a, 0xca], { xmm: { 1: [0x11, 0x22, 0x33, 0x44], 2: [...v, 0, 0] }, mxcsr: mx });
      return { x: lanes(r.cpu, 1), mx: r.cpu.mxcsr };
    };
    assert.deepEqual(sd2ss(f64(0.1)), { x: [0x3dcccccd, 0x22, 0x33, 0x44], mx: DEF | PE });
    assert.deepEqual(sd2ss(f64(0.1), RZ).x[0], 0x3dcccccc);
    assert.deepEqual(sd2ss(f64(1e300)), { x: [0x7f800000, 0x22, 0x33, 0x44], mx: DEF | OE | PE });
    assert.deepEqual(sd2ss(f64(1e-300)), { x: [0, 0x22, 0x33, 0x44], mx: DEF | UE | PE });
    assert.deepEqual(sd2ss([1, 0]), { x: [0, 0x22, 0x33, 0x44], mx: DEF | DE | UE | PE }); // a denormal double
    assert.deepEqual(sd2ss([0, 0x7ff40000]), { x: [0x7fe00000, 0x22, 0x33, 0x44], mx: DEF | IE }); // SNaN: quieted, top bits kept
    // (1 - 2^-30) * 2^-126 rounds up to 2^-126: tiny before rounding but not after (x86 detects after).
    assert.deepEqual(sd2ss(f64((1 - 2 ** -30) * 2 ** -126)), { x: [0x00800000, 0x22, 0x33, 0x44], mx: DEF | PE });
    const ss2sd = (v: number) => {
      const r = sseRun([0xf3, 0x0f, 0x5a, 0xca], { xmm: { 1: [0x11, 0x22, 0x33, 0x44], 2: [v, 0, 0, 0] } });
      return { x: lanes(r.cpu, 1), mx: r.cpu.mxcsr };
    };
    assert.deepEqual(ss2sd(f32(0.1)), { x: [...f64(Math.fround(0.1)), 0x33, 0x44], mx: DEF });
    assert.deepEqual(ss2sd(0xff800001), { x: [0x20000000, 0xfff80000, 0x33, 0x44], mx: DEF | IE });
    assert.deepEqual(ss2sd(1), { x: [...f64(2 ** -149), 0x33, 0x44], mx: DEF | DE });
  });

  it('packed conversions', () => {
    const run = (code: number[], src: number[], mx = DEF) => {
      const r = sseRun(code, { xmm: { 1: [9, 9, 9, 9], 2: src }, mxcsr: mx });
      return { x: lanes(r.cpu, 1), mx: r.cpu.mxcsr };
    };
    assert.deepEqual(run([0x0f, 0x5b, 0xca], [1, -1 >>> 0, 16777217, 0x7fffffff]), { x: ps(1, -1, 16777216, 2 ** 31), mx: DEF | PE }); // cvtdq2ps
    assert.deepEqual(run([0x66, 0x0f, 0x5b, 0xca], ps(1.5, 2.5, -1.5, 1e10)), { x: [2, 2, -2 >>> 0, 0x80000000], mx: DEF | IE | PE }); // cvtps2dq
    assert.deepEqual(run([0xf3, 0x0f, 0x5b, 0xca], ps(1.5, 2.5, -1.5, -0.5)), { x: [1, 2, -1 >>> 0, 0], mx: DEF | PE }); // cvttps2dq
    assert.deepEqual(run([0xf3, 0x0f, 0xe6, 0xca], [-3 >>> 0, 7, 99, 99]), { x: pd(-3, 7), mx: DEF }); // cvtdq2pd
    assert.deepEqual(run([0xf2, 0x0f, 0xe6, 0xca], pd(-2.5, 1e20)), { x: [-2 >>> 0, 0x80000000, 0, 0], mx: DEF | IE | PE }); // cvtpd2dq
    assert.deepEqual(run([0x66, 0x0f, 0xe6, 0xca], pd(-2.5, 7.9)), { x: [-2 >>> 0, 7, 0, 0], mx: DEF | PE }); // cvttpd2dq
    assert.deepEqual(run([0x0f, 0x5a, 0xca], ps(0.1, -2, 5, 5)), { x: pd(Math.fround(0.1), -2), mx: DEF }); // cvtps2pd
    assert.deepEqual(run([0x66, 0x0f, 0x5a, 0xca], pd(0.1, -2)), { x: [f32(0.1), f32(-2), 0, 0], mx: DEF | PE }); // cvtpd2ps
  });
});
