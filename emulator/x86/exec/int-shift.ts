// Shifts and rotates: SHL/SAL, SHR, SAR, ROL, ROR, RCL, RCR (SDM vol 2B,
// "SAL/SAR/SHL/SHR" and "RCL/RCR/ROL/ROR") and SHLD/SHRD (vol 2B).
//
// Common rules: the count is masked to 5 bits (6 with REX.W); a masked count
// of 0 changes nothing, not even the flags — but the destination is still
// written (a 32-bit register is zero-extended). OF is defined only for a
// count of 1; we compute the count-1 formula for every count (it is what
// current processors produce for most forms). Shifts leave AF undefined
// (we give 0); rotates change only CF and OF.
import type { Cpu } from '../cpu';
import type { Insn } from '../decode/insn';
import { OpKind } from '../decode/insn';
import { getCF, setArith } from '../flags';
import { CF, OF } from '../regs';
import { H, MASK, BITS, R64, shl64, shr64, sar64, bit64, explicit, quicken, rdRmw } from './int-util';

export const enum Sh { Rol = 0, Ror = 1, Rcl = 2, Rcr = 3, Shl = 4, Shr = 5, Sal = 6, Sar = 7 }

/** The raw count operand (1, CL or imm8). */
function countOf(cpu: Cpu, i: Insn): number {
  return i.k1 === OpKind.Const ? 1 : i.k1 === OpKind.Imm ? i.imm : cpu.regs[2] & 0xff;
}

// Result of shiftCompute (module scratch).
let oh = 0;   // high half (size 8)
let ocf = 0;  // new CF
let oof = 0;  // new OF

/** Computes op(a, c) at size s with c = masked count, 1..63. Returns the low half. */
function shiftCompute(op: Sh, s: number, a: number, ah: number, c: number, cfIn: number): number {
  const n = BITS[s];
  if (s === 8) return shift64(op, a, ah, c, cfIn);
  const m = MASK[s];
  const msb = n - 1;
  let r: number;
  switch (op) {
    case Sh.Shl: case Sh.Sal:
      // CF is the last bit shifted out; undefined when c ≥ n (we give 0).
      r = c >= 32 ? 0 : (a << c) & m;
      ocf = c <= n ? (a >>> (n - c)) & 1 : 0;
      oof = ((r >>> msb) & 1) ^ ocf; // SDM: OF ← MSB(DEST) XOR CF
      break;
    case Sh.Shr:
      r = c >= 32 ? 0 : a >>> c;
      ocf = c <= n ? (a >>> (c - 1)) & 1 : 0;
      oof = (a >>> msb) & 1; // SDM: OF ← MSB(original DEST)
      break;
    case Sh.Sar: {
      const sa = n === 32 ? a | 0 : (a << (32 - n)) >> (32 - n);
      r = (sa >> (c > 31 ? 31 : c)) & m;
      ocf = (sa >> (c - 1 > 31 ? 31 : c - 1)) & 1;
      oof = 0; // SDM: OF ← 0 for SAR
      break;
    }
    case Sh.Rol: {
      const k = c % n;
      r = k === 0 ? a : ((a << k) | (a >>> (n - k))) & m;
      ocf = r & 1; // SDM: CF ← LSB(DEST) whenever the masked count is non-zero
      oof = ((r >>> msb) & 1) ^ ocf;
      break;
    }
    case Sh.Ror: {
      const k = c % n;
      r = k === 0 ? a : ((a >>> k) | (a << (n - k))) & m;
      ocf = (r >>> msb) & 1; // SDM: CF ← MSB(DEST)
      oof = ocf ^ ((r >>> (msb - 1)) & 1); // XOR of the two most-significant bits
      break;
    }
    case Sh.Rcl: {
      // Rotate through CF: an (n+1)-bit rotate; 8/16-bit counts are taken MOD 9/17.
      const k = n === 8 ? c % 9 : n === 16 ? c % 17 : c;
      if (k === 0) { r = a; ocf = cfIn; }
      else if (n < 32) {
        const v = a | (cfIn << n);
        const w = ((v << k) | (v >>> (n + 1 - k))) & ((1 << (n + 1)) - 1);
        r = w & m; ocf = w >>> n;
      } else {
        r = (k === 1 ? (a << 1) | cfIn : (a << k) | (cfIn << (k - 1)) | (a >>> (33 - k))) >>> 0;
        ocf = (a >>> (32 - k)) & 1;
      }
      oof = ((r >>> msb) & 1) ^ ocf; // SDM: OF ← MSB(DEST) XOR CF
      break;
    }
    default: { // Rcr
      const k = n === 8 ? c % 9 : n === 16 ? c % 17 : c;
      if (k === 0) { r = a; ocf = cfIn; }
      else if (n < 32) {
        const v = a | (cfIn << n);
        const w = ((v >>> k) | (v << (n + 1 - k))) & ((1 << (n + 1)) - 1);
        r = w & m; ocf = w >>> n;
      } else {
        r = (k === 1 ? (a >>> 1) | (cfIn << 31) : (a >>> k) | (cfIn << (32 - k)) | (a << (33 - k))) >>> 0;
        ocf = (a >>> (k - 1)) & 1;
      }
      // SDM: OF ← MSB(DEST) XOR CF, taken before the rotate = XOR of the result's two top bits.
      oof = ((r >>> msb) & 1) ^ ((r >>> (msb - 1)) & 1);
      break;
    }
  }
  oh = 0;
  return r >>> 0;
}

function shift64(op: Sh, a: number, ah: number, c: number, cfIn: number): number {
  let lo: number, hi: number;
  switch (op) {
    case Sh.Shl: case Sh.Sal:
      shl64(a, ah, c); lo = R64.lo; hi = R64.hi;
      ocf = bit64(a, ah, 64 - c); oof = (hi >>> 31) ^ ocf; break;
    case Sh.Shr:
      shr64(a, ah, c); lo = R64.lo; hi = R64.hi;
      ocf = bit64(a, ah, c - 1); oof = ah >>> 31; break;
    case Sh.Sar:
      sar64(a, ah, c); lo = R64.lo; hi = R64.hi;
      ocf = bit64(a, ah, c - 1); oof = 0; break;
    case Sh.Rol:
      shl64(a, ah, c); lo = R64.lo; hi = R64.hi;
      shr64(a, ah, 64 - c); lo = (lo | R64.lo) >>> 0; hi |= R64.hi;
      ocf = lo & 1; oof = (hi >>> 31) ^ ocf; break;
    case Sh.Ror:
      shr64(a, ah, c); lo = R64.lo; hi = R64.hi;
      shl64(a, ah, 64 - c); lo = (lo | R64.lo) >>> 0; hi |= R64.hi;
      ocf = hi >>> 31; oof = ocf ^ ((hi >>> 30) & 1); break;
    case Sh.Rcl:
      // 65-bit rotate: (x << c) | (CF << (c−1)) | (x >>> (65−c)).
      shl64(a, ah, c); lo = R64.lo; hi = R64.hi;
      shr64(a, ah, 65 - c); lo |= R64.lo; hi |= R64.hi;
      if (cfIn) { shl64(1, 0, c - 1); lo |= R64.lo; hi |= R64.hi; }
      lo >>>= 0;
      ocf = bit64(a, ah, 64 - c); oof = (hi >>> 31) ^ ocf; break;
    default: // Rcr: (x >>> c) | (CF << (64−c)) | (x << (65−c))
      shr64(a, ah, c); lo = R64.lo; hi = R64.hi;
      if (c > 1) { shl64(a, ah, 65 - c); lo |= R64.lo; hi |= R64.hi; }
      if (cfIn) { shl64(1, 0, 64 - c); lo |= R64.lo; hi |= R64.hi; }
      lo >>>= 0;
      ocf = bit64(a, ah, c - 1); oof = (hi >>> 31) ^ ((hi >>> 30) & 1); break;
  }
  oh = hi | 0;
  return lo;
}

function shiftHandler(op: Sh): H {
  const rotate = op <= Sh.Rcr;
  return (cpu, i) => {
    const s = i.s0;
    const c = countOf(cpu, i) & (s === 8 ? 63 : 31);
    const a = rdRmw(cpu, i); const ah = s === 8 ? cpu.hi : 0;
    if (c === 0) {
      // Nothing changes, but a register destination is still written: a
      // 32-bit one has bits 63:32 cleared, as for any 32-bit result.
      if (s === 4 && i.k0 === OpKind.Reg) cpu.regs[(i.r0 << 1) + 1] = 0;
      return;
    }
    const cfIn = op === Sh.Rcl || op === Sh.Rcr ? (getCF(cpu) ? 1 : 0) : 0;
    const r = shiftCompute(op, s, a, ah, c, cfIn);
    const h = oh, cf = ocf, of = oof;
    cpu.wr(i, 0, r, h, true);
    if (rotate) setArith(cpu, CF | OF, (cf ? CF : 0) | (of ? OF : 0));
    else explicit(cpu, s, r, h, cf, of);
  };
}

/** Fast path: 32/64-bit register shifts by an immediate (the common compiler output). */
function shiftRegImm(op: Sh, s: number): H {
  return (cpu, i) => {
    const c = i.imm & (s === 8 ? 63 : 31);
    const regs = cpu.regs;
    const k = i.r0 << 1;
    if (c === 0) { if (s === 4) regs[k + 1] = 0; return; }
    const a = regs[k] >>> 0, ah = s === 8 ? regs[k + 1] : 0;
    const r = shiftCompute(op, s, a, ah, c, 0);
    regs[k] = r; regs[k + 1] = oh;
    explicit(cpu, s, r, oh, ocf, oof);
  };
}

function shiftQuick(op: Sh): H {
  const generic = shiftHandler(op);
  if (op <= Sh.Rcr) return generic;
  const ri32 = shiftRegImm(op, 4), ri64 = shiftRegImm(op, 8);
  return quicken((i) => i.k0 === OpKind.Reg && i.k1 === OpKind.Imm ? (i.s0 === 4 ? ri32 : i.s0 === 8 ? ri64 : generic) : generic);
}

// ------------------------------------------------------------ SHLD/SHRD

/**
 * SDM vol 2B, SHLD/SHRD: shifts DEST, filling from SRC. Count masked to 5
 * (6) bits; 0 changes nothing. For a 16-bit operand and a count above 16 the
 * result and flags are undefined; we keep shifting through the concatenation
 * DEST:SRC:DEST (AMD processors shift through DEST:SRC:SRC instead — the
 * differential tests mask this case).
 * CF = last bit shifted out of DEST, OF (count 1) = sign change, SF ZF PF
 * from the result, AF undefined.
 */
function doubleShift(left: boolean): H {
  return (cpu, i) => {
    const s = i.s0;
    const c = (i.k2 === OpKind.Imm ? i.imm : cpu.regs[2]) & (s === 8 ? 63 : 31);
    const a = rdRmw(cpu, i); const ah = s === 8 ? cpu.hi : 0;
    const b = cpu.getReg(i.r1, s); const bh = s === 8 ? cpu.hi : 0;
    if (c === 0) {
      if (s === 4 && i.k0 === OpKind.Reg) cpu.regs[(i.r0 << 1) + 1] = 0;
      return;
    }
    let r: number, h = 0, cf: number;
    if (s === 2) {
      // 48-bit concatenation, exact in a double.
      if (left) {
        const x = a * 0x1_0000_0000 + b * 0x10000 + a;
        r = Math.floor(x / 2 ** (32 - c)) & 0xffff;
        cf = Math.floor(x / 2 ** (48 - c)) & 1;
      } else {
        const x = a + b * 0x10000 + a * 0x1_0000_0000;
        r = Math.floor(x / 2 ** c) & 0xffff;
        cf = Math.floor(x / 2 ** (c - 1)) & 1;
      }
    } else if (s === 4) {
      if (left) { r = ((a << c) | (b >>> (32 - c))) >>> 0; cf = (a >>> (32 - c)) & 1; }
      else { r = ((a >>> c) | (b << (32 - c))) >>> 0; cf = (a >>> (c - 1)) & 1; }
    } else if (left) {
      shl64(a, ah, c); r = R64.lo; h = R64.hi;
      shr64(b, bh, 64 - c); r = (r | R64.lo) >>> 0; h |= R64.hi;
      cf = bit64(a, ah, 64 - c);
    } else {
      shr64(a, ah, c); r = R64.lo; h = R64.hi;
      shl64(b, bh, 64 - c); r = (r | R64.lo) >>> 0; h |= R64.hi;
      cf = bit64(a, ah, c - 1);
    }
    const msb = BITS[s] - 1;
    const of = s === 8 ? ((h ^ ah) >>> 31) : ((r ^ a) >>> msb) & 1;
    cpu.wr(i, 0, r, h, true);
    explicit(cpu, s, r, h, cf, of);
  };
}

export const shiftHandlers: Record<string, H> = {
  rol: shiftQuick(Sh.Rol), ror: shiftQuick(Sh.Ror), rcl: shiftQuick(Sh.Rcl), rcr: shiftQuick(Sh.Rcr),
  shl: shiftQuick(Sh.Shl), shr: shiftQuick(Sh.Shr), sal: shiftQuick(Sh.Sal), sar: shiftQuick(Sh.Sar),
  shld: doubleShift(true), shrd: doubleShift(false),
};
