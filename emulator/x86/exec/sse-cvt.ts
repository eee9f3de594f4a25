// SSE/SSE2 conversions (SDM vol 2A, CVT*): integer <-> binary32/64 and
// binary32 <-> binary64, scalar and packed. Rounding follows MXCSR.RC; the
// CVTT* forms truncate. Packed forms with an m128 source keep the legacy
// 16-byte alignment rule; m64/m32 sources have none.
import { H, sse, ldS, ldS32, ldS64, stR, I32, R32, S32 } from './sse-common';
import { fp, fpBegin, fpCommit, f64bits } from './sse-round';
import { cvt32to64, cvt64to32, cvtI64, cvtI32to32, cvtToInt } from './sse-fpops';

/** CVTSI2SS/CVTSI2SD xmm, r/m32/64: only bits 31:0 / 63:0 of the destination change. */
function fromInt(toDouble: boolean): H {
  return (cpu, i) => {
    sse(cpu);
    const lo = cpu.rd(i, 1);
    const hi = i.s1 === 8 ? cpu.hi : lo >> 31;
    fpBegin(cpu);
    const x = cpu.xmm, d = i.r0 << 2;
    if (toDouble) {
      // A 32-bit integer is exact in binary64; a 64-bit one may round.
      const r = i.s1 === 8 ? cvtI64(lo, hi, false) : f64bits(lo | 0), rh = fp.hi;
      fpCommit(cpu);
      x[d] = r; x[d + 1] = rh;
    } else {
      const r = i.s1 === 8 ? cvtI64(lo, hi, true) : cvtI32to32(lo);
      fpCommit(cpu);
      x[d] = r;
    }
  };
}

/** CVT(T)SS2SI / CVT(T)SD2SI r32/64, xmm/m32/64. */
function toInt(fromDouble: boolean, trunc: boolean): H {
  return (cpu, i) => {
    sse(cpu);
    if (fromDouble) ldS64(cpu, i); else ldS32(cpu, i);
    fpBegin(cpu);
    const to64 = i.s0 === 8;
    const lo = cvtToInt(!fromDouble, I32[S32], I32[S32 + 1], to64, trunc), hi = fp.hi;
    fpCommit(cpu);
    cpu.setReg(i.r0, i.s0, lo, hi);
  };
}

/** CVTPS2DQ / CVTTPS2DQ: four lanes. */
function ps2dq(trunc: boolean): H {
  return (cpu, i) => {
    sse(cpu);
    ldS(cpu, i, true);
    fpBegin(cpu);
    for (let k = 0; k < 4; k++) I32[R32 + k] = cvtToInt(true, I32[S32 + k], 0, false, trunc);
    fpCommit(cpu);
    stR(cpu, i);
  };
}

/** CVTPD2DQ / CVTTPD2DQ: two lanes into bits 63:0, bits 127:64 zeroed (SDM vol 2A, CVTPD2DQ). */
function pd2dq(trunc: boolean): H {
  return (cpu, i) => {
    sse(cpu);
    ldS(cpu, i, true);
    fpBegin(cpu);
    I32[R32] = cvtToInt(false, I32[S32], I32[S32 + 1], false, trunc);
    I32[R32 + 1] = cvtToInt(false, I32[S32 + 2], I32[S32 + 3], false, trunc);
    I32[R32 + 2] = 0; I32[R32 + 3] = 0;
    fpCommit(cpu);
    stR(cpu, i);
  };
}

export const handlers: Record<string, H> = {
  cvtsi2ss: fromInt(false), cvtsi2sd: fromInt(true),
  cvtss2si: toInt(false, false), cvttss2si: toInt(false, true),
  cvtsd2si: toInt(true, false), cvttsd2si: toInt(true, true),
  cvtps2dq: ps2dq(false), cvttps2dq: ps2dq(true),
  cvtpd2dq: pd2dq(false), cvttpd2dq: pd2dq(true),

  // CVTSS2SD xmm, xmm/m32: bits 63:0 change.
  cvtss2sd: (cpu, i) => {
    sse(cpu);
    ldS32(cpu, i);
    fpBegin(cpu);
    const lo = cvt32to64(I32[S32]), hi = fp.hi;
    fpCommit(cpu);
    const x = cpu.xmm, d = i.r0 << 2;
    x[d] = lo; x[d + 1] = hi;
  },
  // CVTSD2SS xmm, xmm/m64: bits 31:0 change.
  cvtsd2ss: (cpu, i) => {
    sse(cpu);
    ldS64(cpu, i);
    fpBegin(cpu);
    const r = cvt64to32(I32[S32], I32[S32 + 1]);
    fpCommit(cpu);
    cpu.xmm[i.r0 << 2] = r;
  },
  // CVTPS2PD xmm, xmm/m64: two binary32 lanes widen to two binary64.
  cvtps2pd: (cpu, i) => {
    sse(cpu);
    ldS64(cpu, i);
    fpBegin(cpu);
    I32[R32] = cvt32to64(I32[S32]); I32[R32 + 1] = fp.hi;
    I32[R32 + 2] = cvt32to64(I32[S32 + 1]); I32[R32 + 3] = fp.hi;
    fpCommit(cpu);
    stR(cpu, i);
  },
  // CVTPD2PS xmm, xmm/m128: two lanes into bits 63:0, bits 127:64 zeroed.
  cvtpd2ps: (cpu, i) => {
    sse(cpu);
    ldS(cpu, i, true);
    fpBegin(cpu);
    I32[R32] = cvt64to32(I32[S32], I32[S32 + 1]);
    I32[R32 + 1] = cvt64to32(I32[S32 + 2], I32[S32 + 3]);
    I32[R32 + 2] = 0; I32[R32 + 3] = 0;
    fpCommit(cpu);
    stR(cpu, i);
  },
  // CVTDQ2PS: four signed dwords, rounded by MXCSR.RC.
  cvtdq2ps: (cpu, i) => {
    sse(cpu);
    ldS(cpu, i, true);
    fpBegin(cpu);
    for (let k = 0; k < 4; k++) I32[R32 + k] = cvtI32to32(I32[S32 + k]);
    fpCommit(cpu);
    stR(cpu, i);
  },
  // CVTDQ2PD xmm, xmm/m64: exact.
  cvtdq2pd: (cpu, i) => {
    sse(cpu);
    ldS64(cpu, i);
    fpBegin(cpu);
    const a = I32[S32], b = I32[S32 + 1];
    I32[R32] = f64bits(a); I32[R32 + 1] = fp.hi;
    I32[R32 + 2] = f64bits(b); I32[R32 + 3] = fp.hi;
    fpCommit(cpu);
    stR(cpu, i);
  },
};
