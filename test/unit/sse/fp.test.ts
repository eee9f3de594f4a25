import { strict as assert } from 'assert';
import { sseRun, lanes, f32, f64, ps, pd, DATA, words } from './helpers';

const ADDSS = [0xf3, 0x0f, 0x58, 0xca], ADDPS = [0x0f, 0x58, 0xca], ADDSD = [0xf2, 0x0f, 0x58, 0xca], ADDPD = [0x66, 0x0f, 0x58, 0xca];
const SUBSS = [0xf3, 0x0f, 0x5c, 0xca], SUBSD = [0xf2, 0x0f, 0x5c, 0xca];
const MULSS = [0xf3, 0x0f, 0x59, 0xca], MULSD = [0xf2, 0x0f, 0x59, 0xca], MULPS = [0x0f, 0x59, 0xca];
const DIVSS = [0xf3, 0x0f, 0x5e, 0xca], DIVSD = [0xf2, 0x0f, 0x5e, 0xca], DIVPS = [0x0f, 0x5e, 0xca];
const MINSS = [0xf3, 0x0f, 0x5d, 0xca], MAXSS = [0xf3, 0x0f, 0x5f, 0xca], MINPD = [0x66, 0x0f, 0x5d, 0xca], MAXPD = [0x66, 0x0f, 0x5f, 0xca];
const SQRTSS = [0xf3, 0x0f, 0x51, 0xca], SQRTSD = [0xf2, 0x0f, 0x51, 0xca], SQRTPS = [0x0f, 0x51, 0xca];
const COMISS = [0x0f, 0x2f, 0xca], UCOMISS = [0x0f, 0x2e, 0xca], COMISD = [0x66, 0x0f, 0x2f, 0xca], UCOMISD = [0x66, 0x0f, 0x2e, 0xca];

// MXCSR: flags IE=1 DE=2 ZE=4 OE=8 UE=10 PE=20, DAZ=40, masks 80..1000, RC 6000, FTZ 8000.
const DEF = 0x1f80, RD = 0x3f80, RU = 0x5f80, RZ = 0x7f80;
const IE = 1, DE = 2, ZE = 4, OE = 8, UE = 0x10, PE = 0x20, DAZ = 0x40, FTZ = 0x8000;
const QNAN32 = 0xffc00000, QNAN64: [number, number] = [0, 0xfff80000];
const MAXF = 0x7f7fffff, INFF = 0x7f800000;
const TAIL = [0x11111111, 0x22222222, 0x33333333];

function scalar(code: number[], a: number, b: number, mxcsr = DEF) {
  const r = sseRun(code, { xmm: { 1: [a, ...TAIL], 2: [b, 0x55, 0x66, 0x77] }, mxcsr });
  assert.equal(r.fault, null);
  assert.deepEqual(lanes(r.cpu, 1).slice(1), TAIL, 'upper lanes of a scalar operation are preserved');
  return { v: lanes(r.cpu, 1)[0], mx: r.cpu.mxcsr };
}

function scalar64(code: number[], a: [number, number], b: [number, number], mxcsr = DEF) {
  const r = sseRun(code, { xmm: { 1: [...a, 0x11, 0x22], 2: [...b, 0x55, 0x66] }, mxcsr });
  assert.equal(r.fault, null);
  const l = lanes(r.cpu, 1);
  assert.deepEqual(l.slice(2), [0x11, 0x22]);
  return { v: [l[0], l[1]], mx: r.cpu.mxcsr };
}

describe('sse floating-point arithmetic', () => {
  it('addps adds four lanes; inexact sets PE', () => {
    const r = sseRun(ADDPS, { xmm: { 1: ps(1, 2.5, -3, 1e20), 2: ps(2, 0.25, 3, 1) } });
    assert.deepEqual(lanes(r.cpu, 1), ps(3, 2.75, 0, 1e20));
    assert.equal(r.cpu.mxcsr, DEF | PE); // 1e20 + 1 is inexact
  });

  it('addss rounds 1 + 2^-30 by MXCSR.RC', () => {
    const one = f32(1), tiny = f32(2 ** -30);
    assert.deepEqual(scalar(ADDSS, one, tiny), { v: one, mx: DEF | PE });
    assert.deepEqual(scalar(ADDSS, one, tiny, RU), { v: 0x3f800001, mx: RU | PE });
    assert.deepEqual(scalar(ADDSS, one, tiny, RD), { v: one, mx: RD | PE });
    assert.deepEqual(scalar(ADDSS, f32(-1), f32(-(2 ** -30)), RD), { v: 0xbf800001, mx: RD | PE });
    assert.deepEqual(scalar(ADDSS, f32(-1), f32(-(2 ** -30)), RZ), { v: 0xbf800000, mx: RZ | PE });
  });

  it('an exact zero sum is +0, or -0 when rounding down', () => {
    assert.equal(scalar(ADDSS, f32(5), f32(-5)).v, 0);
    assert.equal(scalar(ADDSS, f32(5), f32(-5), RD).v, 0x80000000);
    assert.equal(scalar(SUBSS, f32(-0), f32(0)).v, 0x80000000); // -0 - +0 = -0
    assert.deepEqual(scalar64(SUBSD, f64(2), f64(2), RD).v, [0, 0x80000000]);
  });

  it('addsd/addpd: double precision, with the round-to-even tie', () => {
    assert.deepEqual(scalar64(ADDSD, f64(0.1), f64(0.2)), { v: f64(0.30000000000000004), mx: DEF | PE });
    // 1 + 2^-53 is a tie between 1 and 1 + 2^-52: to even gives 1; rounding up gives 1 + 2^-52.
    assert.deepEqual(scalar64(ADDSD, f64(1), f64(2 ** -53)).v, f64(1));
    assert.deepEqual(scalar64(ADDSD, f64(1), f64(2 ** -53), RU).v, f64(1 + 2 ** -52));
    const r = sseRun(ADDPD, { xmm: { 1: pd(1.5, -2), 2: pd(2.25, 0.5) } });
    assert.deepEqual(lanes(r.cpu, 1), pd(3.75, -1.5));
    assert.equal(r.cpu.mxcsr, DEF);
  });

  it('mulss overflow: infinity with OE|PE, or the largest finite value toward zero', () => {
    assert.deepEqual(scalar(MULSS, MAXF, f32(2)), { v: INFF, mx: DEF | OE | PE });
    assert.deepEqual(scalar(MULSS, MAXF, f32(2), RZ), { v: MAXF, mx: RZ | OE | PE });
    assert.deepEqual(scalar(MULSS, MAXF | 0x80000000, f32(2), RU), { v: (MAXF | 0x80000000) >>> 0, mx: RU | OE | PE });
  });

  it('underflow: UE only with an inexact tiny result; FTZ flushes with UE|PE', () => {
    // 2^-70 * 2^-70 = 2^-140: an exact binary32 subnormal.
    assert.deepEqual(scalar(MULSS, f32(2 ** -70), f32(2 ** -70)), { v: 0x00000200, mx: DEF });
    assert.deepEqual(scalar(MULSS, f32(2 ** -70), f32(2 ** -70), DEF | FTZ), { v: 0, mx: DEF | FTZ | UE | PE });
    // Subnormal products of 2^-149: * 0.75 rounds up to 2^-149, * 0.5 is a tie (to even: 0), * 1.5 a tie (to even: 2^-148).
    assert.deepEqual(scalar(MULSS, 1, f32(0.75)), { v: 1, mx: DEF | DE | UE | PE });
    assert.deepEqual(scalar(MULSS, 1, f32(0.5)), { v: 0, mx: DEF | DE | UE | PE });
    assert.deepEqual(scalar(MULSS, 1, f32(1.5)), { v: 2, mx: DEF | DE | UE | PE });
    // Double: 2^-1000 * 2^-60 = 2^-1060 exact subnormal; * (1 + 2^-52) is inexact.
    assert.deepEqual(scalar64(MULSD, f64(2 ** -1000), f64(2 ** -60)), { v: f64(2 ** -1060), mx: DEF });
    assert.deepEqual(scalar64(MULSD, f64(2 ** -1000), f64(2 ** -60 * (1 + 2 ** -52))), { v: f64(2 ** -1060), mx: DEF | UE | PE });
    // (2^-511 (1 - 2^-53))^2 is just below 2^-1022 by more than half an ulp: tiny after rounding, even with PE already set.
    const t = f64(2 ** -511 * (1 - 2 ** -53));
    assert.deepEqual(scalar64(MULSD, t, t, DEF | PE), { v: [0xffffffff, 0x000fffff], mx: DEF | UE | PE });
  });

  it('DAZ treats denormal sources as zero without DE', () => {
    assert.deepEqual(scalar(ADDSS, 1, f32(1)), { v: f32(1), mx: DEF | DE | PE });
    assert.deepEqual(scalar(ADDSS, 1, f32(1), DEF | DAZ), { v: f32(1), mx: DEF | DAZ });
    assert.deepEqual(scalar(MINSS, 1, f32(1), DEF | DAZ), { v: 0, mx: DEF | DAZ }); // min(+0, 1) returns the zeroed operand
  });

  it('invalid operations give the default NaN with IE', () => {
    assert.deepEqual(scalar(DIVSS, 0, 0), { v: QNAN32, mx: DEF | IE });
    assert.deepEqual(scalar(MULSS, INFF, 0), { v: QNAN32, mx: DEF | IE });
    assert.deepEqual(scalar(ADDSS, INFF, 0xff800000), { v: QNAN32, mx: DEF | IE });
    assert.deepEqual(scalar(SQRTSS, 0, f32(-1)), { v: QNAN32, mx: DEF | IE });
    assert.deepEqual(scalar64(DIVSD, f64(0), f64(-0)), { v: QNAN64, mx: DEF | IE });
  });

  it('division by zero gives a signed infinity with ZE (and no DE)', () => {
    assert.deepEqual(scalar(DIVSS, f32(-3), 0), { v: 0xff800000, mx: DEF | ZE });
    assert.deepEqual(scalar(DIVSS, 1, 0), { v: INFF, mx: DEF | ZE }); // denormal / 0
    assert.deepEqual(scalar(DIVSS, INFF, 0), { v: INFF, mx: DEF }); // exact infinity
    assert.deepEqual(scalar64(DIVSD, f64(1), f64(0)), { v: [0, 0x7ff00000], mx: DEF | ZE });
  });

  it('NaN operands: the first source if it is a NaN, else the second, quieted; IE only for SNaN', () => {
    const snan = 0x7f800001, qnan = 0xffc01234;
    assert.deepEqual(scalar(ADDSS, snan, qnan), { v: 0x7fc00001, mx: DEF | IE });
    assert.deepEqual(scalar(ADDSS, qnan, snan), { v: qnan, mx: DEF | IE });
    assert.deepEqual(scalar(ADDSS, f32(1), qnan), { v: qnan, mx: DEF });
    assert.deepEqual(scalar(MULSS, 1, qnan), { v: qnan, mx: DEF }); // a NaN operand suppresses DE
    assert.deepEqual(scalar64(ADDSD, f64(1), [1, 0x7ff00000]), { v: [1, 0x7ff80000], mx: DEF | IE });
  });

  it('min/max return the second operand for NaNs (IE even for QNaN) and for equal zeros', () => {
    assert.deepEqual(scalar(MINSS, 0x7fc00000, f32(1)), { v: f32(1), mx: DEF | IE });
    assert.deepEqual(scalar(MAXSS, f32(1), 0x7fa00000), { v: 0x7fa00000, mx: DEF | IE });
    assert.deepEqual(scalar(MINSS, 0x80000000, 0), { v: 0, mx: DEF });
    assert.deepEqual(scalar(MAXSS, 0, 0x80000000), { v: 0x80000000, mx: DEF });
    const r = sseRun(MINPD, { xmm: { 1: pd(-1, 7), 2: pd(2, 3) } });
    assert.deepEqual(lanes(r.cpu, 1), pd(-1, 3));
    const r2 = sseRun(MAXPD, { xmm: { 1: pd(-1, 7), 2: pd(2, 3) } });
    assert.deepEqual(lanes(r2.cpu, 1), pd(2, 7));
  });

  it('sqrt: exact squares, rounding, -0, and large/small doubles', () => {
    const r = sseRun(SQRTPS, { xmm: { 2: ps(4, 2, -0, Infinity) } });
    assert.deepEqual(lanes(r.cpu, 1), [f32(2), f32(Math.SQRT2), 0x80000000, INFF]);
    assert.equal(r.cpu.mxcsr, DEF | PE);
    assert.deepEqual(scalar64(SQRTSD, [0x11, 0x22], f64(2 ** 1000)), { v: f64(2 ** 500), mx: DEF });
    assert.deepEqual(scalar64(SQRTSD, [0x11, 0x22], f64(2 ** -1070)), { v: f64(2 ** -535), mx: DEF | DE });
    assert.deepEqual(scalar(SQRTSS, 0, f32(2), RU), { v: f32(Math.SQRT2) + 1, mx: RU | PE }); // sqrt(2) rounds down to nearest
  });

  it('division: exact and inexact quotients, far exponents', () => {
    const r = sseRun(DIVPS, { xmm: { 1: ps(1, 6, -9, 1e30), 2: ps(3, 3, 0.5, 1e-10) } });
    assert.deepEqual(lanes(r.cpu, 1), [f32(1 / 3), f32(2), f32(-18), INFF]); // 1e30 / 1e-10 overflows
    assert.equal(r.cpu.mxcsr, DEF | OE | PE);
    assert.deepEqual(scalar64(DIVSD, f64(2 ** -1000), f64(2 ** 600)), { v: [0, 0], mx: DEF | UE | PE });
    assert.deepEqual(scalar64(DIVSD, f64(1e300), f64(1e-300), RZ), { v: [0xffffffff, 0x7fefffff], mx: RZ | OE | PE });
    assert.deepEqual(scalar64(DIVSD, f64(10), f64(4)), { v: f64(2.5), mx: DEF });
  });

  it('mulps and mulsd far outside the host safe range stay exact', () => {
    const r = sseRun(MULPS, { xmm: { 1: ps(3, 0.1, -2, 0), 2: ps(5, 10, 0.5, -1) } });
    assert.deepEqual(lanes(r.cpu, 1), [f32(15), f32(Math.fround(0.1) * 10), f32(-1), 0x80000000]);
    assert.deepEqual(scalar64(MULSD, f64(2 ** 900), f64(2 ** -1000)), { v: f64(2 ** -100), mx: DEF });
    assert.deepEqual(scalar64(MULSD, f64(3 * 2 ** 900), f64(3 * 2 ** 120)), { v: f64(9 * 2 ** 1020), mx: DEF }); // 1.125 * 2^1023: representable
    assert.deepEqual(scalar64(MULSD, f64(3 * 2 ** 900), f64(3 * 2 ** 125)), { v: [0, 0x7ff00000], mx: DEF | OE | PE }); // 9 * 2^1025 overflows
    assert.deepEqual(scalar64(MULSD, f64(3 * 2 ** 900), f64(3 * 2 ** 125), RD), { v: [0xffffffff, 0x7fefffff], mx: RD | OE | PE });
  });
});

describe('sse floating-point compares', () => {
  it('cmpps predicates with ordered, unordered and signed-zero lanes', () => {
    const a = ps(1, 2, 0, NaN), b = ps(2, 2, -0, 1);
    const expect: Record<number, number[]> = {
      0: [0, 1, 1, 0], 1: [1, 0, 0, 0], 2: [1, 1, 1, 0], 3: [0, 0, 0, 1],
      4: [1, 0, 0, 1], 5: [0, 1, 1, 1], 6: [0, 0, 0, 1], 7: [1, 1, 1, 0],
    };
    for (let p = 0; p < 8; p++) {
      const r = sseRun([0x0f, 0xc2, 0xca, p], { xmm: { 1: a, 2: b } });
      assert.deepEqual(lanes(r.cpu, 1), expect[p].map((v) => (v ? 0xffffffff : 0)), `predicate ${p}`);
      // LT, LE, NLT, NLE signal on a QNaN; EQ, UNORD, NEQ, ORD do not.
      assert.equal(r.cpu.mxcsr, DEF | ([1, 2, 5, 6].includes(p) ? IE : 0), `predicate ${p} flags`);
    }
  });

  it('cmpsd writes all-ones/zeros into bits 63:0 only', () => {
    const r = sseRun([0xf2, 0x0f, 0xc2, 0xca, 0x01], { xmm: { 1: [...f64(1), 9, 9], 2: [...f64(2), 8, 8] } });
    assert.deepEqual(lanes(r.cpu, 1), [0xffffffff, 0xffffffff, 9, 9]);
  });

  it('comiss/ucomiss set ZF PF CF and clear OF SF AF', () => {
    const flags = (code: number[], a: number, b: number, mx = DEF) => {
      const r = sseRun(code, { xmm: { 1: [a, 0, 0, 0], 2: [b, 0, 0, 0] }, mxcsr: mx, rflags: 0x8d5 });
      return { f: r.cpu.rflags() & 0x8d5, mx: r.cpu.mxcsr, v: r.fault?.vector };
    };
    assert.deepEqual(flags(COMISS, f32(2), f32(1)), { f: 0, mx: DEF, v: undefined });
    assert.deepEqual(flags(COMISS, f32(1), f32(2)), { f: 0x01, mx: DEF, v: undefined });
    assert.deepEqual(flags(COMISS, f32(1), f32(1)), { f: 0x40, mx: DEF, v: undefined });
    assert.deepEqual(flags(UCOMISS, 0x7fc00000, f32(1)), { f: 0x45, mx: DEF, v: undefined });
    assert.deepEqual(flags(COMISS, 0x7fc00000, f32(1)), { f: 0x45, mx: DEF | IE, v: undefined });
    assert.deepEqual(flags(UCOMISS, 0x7f800001, f32(1)), { f: 0x45, mx: DEF | IE, v: undefined });
    // Unmasked IE: #XM and the flags are left alone.
    assert.deepEqual(flags(COMISS, 0x7fc00000, f32(1), DEF & ~0x80), { f: 0x8d5, mx: (DEF & ~0x80) | IE, v: 19 });
    const d = (code: number[], a: number, b: number) => {
      const r = sseRun(code, { xmm: { 1: [...f64(a), 0, 0], 2: [...f64(b), 0, 0] } });
      return r.cpu.rflags() & 0x8d5;
    };
    assert.equal(d(COMISD, -1, 1), 0x01);
    assert.equal(d(UCOMISD, NaN, 1), 0x45);
    assert.equal(d(COMISD, 0, -0), 0x40);
  });
});

describe('sse exceptions', () => {
  it('an unmasked exception raises #XM, sets the flag and leaves the destination', () => {
    const r = sseRun(DIVSS, { xmm: { 1: [f32(1), 1, 2, 3], 2: [0, 0, 0, 0] }, mxcsr: DEF & ~0x200 });
    assert.equal(r.fault?.vector, 19);
    assert.deepEqual(lanes(r.cpu, 1), [f32(1), 1, 2, 3]);
    assert.equal(r.cpu.mxcsr, (DEF & ~0x200) | ZE);
  });

  it('with CR4.OSXMMEXCPT=0 the unmasked exception is #UD instead', () => {
    const r = sseRun(DIVSS, { xmm: { 1: [f32(1), 0, 0, 0] }, mxcsr: DEF & ~0x200, cr4: 0x20 | 0x200 });
    assert.equal(r.fault?.vector, 6);
  });

  it('packed: one unmasked pre-computation exception blocks the whole result; post-computation flags are not reported', () => {
    // Lane 0: 1/0 (ZE, unmasked); lane 1: 1/3 (PE, masked).
    const r = sseRun(DIVPS, { xmm: { 1: ps(1, 1, 1, 1), 2: ps(0, 3, 1, 1) }, mxcsr: DEF & ~0x200 });
    assert.equal(r.fault?.vector, 19);
    assert.deepEqual(lanes(r.cpu, 1), ps(1, 1, 1, 1));
    assert.equal(r.cpu.mxcsr, (DEF & ~0x200) | ZE);
  });

  it('an unmasked precision exception also blocks the write', () => {
    const r = sseRun(ADDSD, { xmm: { 1: [...f64(0.1), 0, 0], 2: [...f64(0.2), 0, 0] }, mxcsr: DEF & ~0x1000 });
    assert.equal(r.fault?.vector, 19);
    assert.deepEqual(lanes(r.cpu, 1).slice(0, 2), f64(0.1));
    assert.equal(r.cpu.mxcsr, (DEF & ~0x1000) | PE);
  });

  it('scalar memory operands need no alignment; packed ones do', () => {
    const mem = [{ bytes: words(0, f32(1), f32(2), f32(3), f32(4)) }];
    let r = sseRun([0xf3, 0x0f, 0x58, 0x4b, 0x04], { regs: { 3: DATA }, mem, xmm: { 1: ps(10, 0, 0, 0) } }); // addss 4(%rbx),%xmm1
    assert.equal(r.fault, null);
    assert.equal(lanes(r.cpu, 1)[0], f32(11));
    r = sseRun([0x0f, 0x58, 0x4b, 0x04], { regs: { 3: DATA }, mem, xmm: { 1: ps(10, 0, 0, 0) } }); // addps 4(%rbx),%xmm1
    assert.equal(r.fault?.vector, 13);
  });
});
