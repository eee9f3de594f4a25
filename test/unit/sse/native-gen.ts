// Random SSE/SSE2 cases for the native differential test: one template per
// instruction form, operand values biased toward the IEEE edges (zeros,
// infinities, NaNs, denormals, values near overflow/underflow, short
// significands that make exact and tie results likely), random MXCSR
// (rounding modes, DAZ, FTZ, sometimes unmasked exceptions), register and
// memory forms with aligned and misaligned addresses.
import type { NativeCase, NativeMode } from '../../support/native';

export class Rng {
  constructor(private s: number) {}
  /** mulberry32 */
  u32(): number {
    this.s = (this.s + 0x6d2b79f5) | 0;
    let t = Math.imul(this.s ^ (this.s >>> 15), 1 | this.s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return (t ^ (t >>> 14)) >>> 0;
  }
  int(n: number): number { return this.u32() % n; }
  pick<T>(a: readonly T[]): T { return a[this.int(a.length)]; }
}

/** Lane flavour of an instruction's inputs: binary32, binary64, integer, or any. */
export type Kind = 's' | 'd' | 'i' | 'x';

export interface SseOp {
  name: string;
  /** Mandatory prefix (if any), escape bytes and opcode. */
  bytes: number[];
  kind: Kind;
  imm?: boolean;
  /** Group opcode: ModRM.reg is fixed, the XMM operand is ModRM.rm (register form). */
  grp?: number;
  /** ModRM.reg names a GPR (destination of CVT*2SI, PMOVMSKB...). */
  gdst?: boolean;
  /** ModRM.rm names a GPR in the register form (CVTSI2SS, MOVD, PINSRW). */
  gsrc?: boolean;
  rexw?: boolean;
  /** false: register form only; 'only': memory form only. */
  mem?: false | 'only';
  /** Implicit DS:rDI operand (MASKMOVDQU). */
  rdi?: boolean;
  /** A shift by xmm/m128: make counts small often. */
  shift?: boolean;
}

const ops: SseOp[] = [];
const add = (name: string, bytes: number[], kind: Kind, extra: Partial<SseOp> = {}): void => { ops.push({ name, bytes, kind, ...extra }); };

// Floating-point arithmetic, compares, conversions.
for (const [nm, b] of [['add', 0x58], ['mul', 0x59], ['sub', 0x5c], ['min', 0x5d], ['div', 0x5e], ['max', 0x5f], ['sqrt', 0x51]] as const) {
  add(nm + 'ps', [0x0f, b], 's'); add(nm + 'pd', [0x66, 0x0f, b], 'd');
  add(nm + 'ss', [0xf3, 0x0f, b], 's'); add(nm + 'sd', [0xf2, 0x0f, b], 'd');
}
add('cmpps', [0x0f, 0xc2], 's', { imm: true }); add('cmppd', [0x66, 0x0f, 0xc2], 'd', { imm: true });
add('cmpss', [0xf3, 0x0f, 0xc2], 's', { imm: true }); add('cmpsd', [0xf2, 0x0f, 0xc2], 'd', { imm: true });
add('ucomiss', [0x0f, 0x2e], 's'); add('comiss', [0x0f, 0x2f], 's'); add('ucomisd', [0x66, 0x0f, 0x2e], 'd'); add('comisd', [0x66, 0x0f, 0x2f], 'd');
add('cvtss2sd', [0xf3, 0x0f, 0x5a], 's'); add('cvtsd2ss', [0xf2, 0x0f, 0x5a], 'd');
add('cvtps2pd', [0x0f, 0x5a], 's'); add('cvtpd2ps', [0x66, 0x0f, 0x5a], 'd');
add('cvtdq2ps', [0x0f, 0x5b], 'i'); add('cvtps2dq', [0x66, 0x0f, 0x5b], 's'); add('cvttps2dq', [0xf3, 0x0f, 0x5b], 's');
add('cvttpd2dq', [0x66, 0x0f, 0xe6], 'd'); add('cvtdq2pd', [0xf3, 0x0f, 0xe6], 'i'); add('cvtpd2dq', [0xf2, 0x0f, 0xe6], 'd');
for (const w of [false, true]) {
  const q = w ? 'q' : '';
  add('cvtss2si' + q, [0xf3, 0x0f, 0x2d], 's', { rexw: w, gdst: true }); add('cvttss2si' + q, [0xf3, 0x0f, 0x2c], 's', { rexw: w, gdst: true });
  add('cvtsd2si' + q, [0xf2, 0x0f, 0x2d], 'd', { rexw: w, gdst: true }); add('cvttsd2si' + q, [0xf2, 0x0f, 0x2c], 'd', { rexw: w, gdst: true });
  add('cvtsi2ss' + q, [0xf3, 0x0f, 0x2a], 's', { rexw: w, gsrc: true }); add('cvtsi2sd' + q, [0xf2, 0x0f, 0x2a], 'd', { rexw: w, gsrc: true });
}

// Packed integer (66 0F xx /r).
const PINT: [string, number][] = [
  ['punpcklbw', 0x60], ['punpcklwd', 0x61], ['punpckldq', 0x62], ['packsswb', 0x63], ['pcmpgtb', 0x64], ['pcmpgtw', 0x65], ['pcmpgtd', 0x66],
  ['packuswb', 0x67], ['punpckhbw', 0x68], ['punpckhwd', 0x69], ['punpckhdq', 0x6a], ['packssdw', 0x6b], ['punpcklqdq', 0x6c], ['punpckhqdq', 0x6d],
  ['pcmpeqb', 0x74], ['pcmpeqw', 0x75], ['pcmpeqd', 0x76], ['psrlw', 0xd1], ['psrld', 0xd2], ['psrlq', 0xd3], ['paddq', 0xd4], ['pmullw', 0xd5],
  ['psubusb', 0xd8], ['psubusw', 0xd9], ['pminub', 0xda], ['pand', 0xdb], ['paddusb', 0xdc], ['paddusw', 0xdd], ['pmaxub', 0xde], ['pandn', 0xdf],
  ['pavgb', 0xe0], ['psraw', 0xe1], ['psrad', 0xe2], ['pavgw', 0xe3], ['pmulhuw', 0xe4], ['pmulhw', 0xe5], ['psubsb', 0xe8], ['psubsw', 0xe9],
  ['pminsw', 0xea], ['por', 0xeb], ['paddsb', 0xec], ['paddsw', 0xed], ['pmaxsw', 0xee], ['pxor', 0xef], ['psllw', 0xf1], ['pslld', 0xf2],
  ['psllq', 0xf3], ['pmuludq', 0xf4], ['pmaddwd', 0xf5], ['psadbw', 0xf6], ['psubb', 0xf8], ['psubw', 0xf9], ['psubd', 0xfa], ['psubq', 0xfb],
  ['paddb', 0xfc], ['paddw', 0xfd], ['paddd', 0xfe],
];
for (const [n, b] of PINT) add(n, [0x66, 0x0f, b], 'i', /^ps[lr]/.test(n) ? { shift: true } : {});
for (const [n, b] of [['andps', 0x54], ['andnps', 0x55], ['orps', 0x56], ['xorps', 0x57], ['unpcklps', 0x14], ['unpckhps', 0x15]] as const) {
  add(n, [0x0f, b], 'x'); add(n.replace('ps', 'pd'), [0x66, 0x0f, b], 'x');
}
for (const [n, g, op] of [['psrlw', 2, 0x71], ['psraw', 4, 0x71], ['psllw', 6, 0x71], ['psrld', 2, 0x72], ['psrad', 4, 0x72], ['pslld', 6, 0x72],
  ['psrlq', 2, 0x73], ['psrldq', 3, 0x73], ['psllq', 6, 0x73], ['pslldq', 7, 0x73]] as const) {
  add(n + ' imm', [0x66, 0x0f, op], 'i', { grp: g, imm: true, mem: false });
}
add('pshufd', [0x66, 0x0f, 0x70], 'i', { imm: true }); add('pshufhw', [0xf3, 0x0f, 0x70], 'i', { imm: true }); add('pshuflw', [0xf2, 0x0f, 0x70], 'i', { imm: true });
add('shufps', [0x0f, 0xc6], 'x', { imm: true }); add('shufpd', [0x66, 0x0f, 0xc6], 'x', { imm: true });
add('pmovmskb', [0x66, 0x0f, 0xd7], 'i', { gdst: true, mem: false });
add('movmskps', [0x0f, 0x50], 'x', { gdst: true, mem: false }); add('movmskpd', [0x66, 0x0f, 0x50], 'x', { gdst: true, mem: false });
add('pextrw', [0x66, 0x0f, 0xc5], 'i', { gdst: true, mem: false, imm: true }); add('pinsrw', [0x66, 0x0f, 0xc4], 'i', { gsrc: true, imm: true });

// Moves.
for (const w of [false, true]) {
  add(w ? 'movq to xmm' : 'movd to xmm', [0x66, 0x0f, 0x6e], 'i', { gsrc: true, rexw: w });
  add(w ? 'movq from xmm' : 'movd from xmm', [0x66, 0x0f, 0x7e], 'i', { gsrc: true, rexw: w });
}
add('movq load', [0xf3, 0x0f, 0x7e], 'i'); add('movq store', [0x66, 0x0f, 0xd6], 'i');
for (const [n, b] of [['movups', [0x0f, 0x10]], ['movupd', [0x66, 0x0f, 0x10]], ['movss', [0xf3, 0x0f, 0x10]], ['movsd', [0xf2, 0x0f, 0x10]],
  ['movups store', [0x0f, 0x11]], ['movupd store', [0x66, 0x0f, 0x11]], ['movss store', [0xf3, 0x0f, 0x11]], ['movsd store', [0xf2, 0x0f, 0x11]],
  ['movaps', [0x0f, 0x28]], ['movapd', [0x66, 0x0f, 0x28]], ['movaps store', [0x0f, 0x29]], ['movapd store', [0x66, 0x0f, 0x29]],
  ['movdqa', [0x66, 0x0f, 0x6f]], ['movdqu', [0xf3, 0x0f, 0x6f]], ['movdqa store', [0x66, 0x0f, 0x7f]], ['movdqu store', [0xf3, 0x0f, 0x7f]],
  ['movlps/movhlps', [0x0f, 0x12]], ['movhps/movlhps', [0x0f, 0x16]]] as const) add(n, [...b], 'x');
for (const [n, b] of [['movlps store', [0x0f, 0x13]], ['movlpd', [0x66, 0x0f, 0x12]], ['movlpd store', [0x66, 0x0f, 0x13]], ['movhps store', [0x0f, 0x17]],
  ['movhpd', [0x66, 0x0f, 0x16]], ['movhpd store', [0x66, 0x0f, 0x17]], ['movntps', [0x0f, 0x2b]], ['movntpd', [0x66, 0x0f, 0x2b]],
  ['movntdq', [0x66, 0x0f, 0xe7]]] as const) add(n, [...b], 'x', { mem: 'only' });
add('movnti', [0x0f, 0xc3], 'i', { mem: 'only', gsrc: true }); add('movnti64', [0x0f, 0xc3], 'i', { mem: 'only', gsrc: true, rexw: true });
add('maskmovdqu', [0x66, 0x0f, 0xf7], 'i', { mem: false, rdi: true });

export const SSE_OPS: readonly SseOp[] = ops;

// ---------------------------------------------------------------- values

const F32_SPECIAL = [0, 0x80000000, 0x7f800000, 0xff800000, 0x7fc00000, 0x7fa00001, 0xffc01234, 0x00000001, 0x807fffff, 0x00800000, 0x7f7fffff, 0x3f800000];
const F64_SPECIAL: [number, number][] = [[0, 0], [0, 0x80000000], [0, 0x7ff00000], [0, 0xfff00000], [0, 0x7ff80000], [1, 0x7ff00000], [5, 0xfff40000],
  [1, 0], [0xffffffff, 0x800fffff], [0, 0x00100000], [0xffffffff, 0x7fefffff], [0, 0x3ff00000]];
const INT_SPECIAL = [0, 0xffffffff, 0x80000000, 0x7fffffff, 0x8000, 0x7fff0080, 0x00ff00ff];

function f32(rng: Rng): number {
  const sign = rng.u32() & 0x80000000;
  switch (rng.int(12)) {
    case 0: return rng.pick(F32_SPECIAL);
    case 1: return (sign | (rng.u32() & 0x7fffff)) >>> 0; // denormal
    case 2: return (sign | (rng.int(256) << 23) | (rng.u32() & 0x7fffff & ~((1 << rng.int(23)) - 1))) >>> 0; // short significand
    case 3: return floatBits(rng.int(2000) - 1000);
    case 4: return (sign | ((1 + rng.int(30)) << 23) | (rng.u32() & 0x7fffff)) >>> 0; // near underflow
    case 5: return (sign | ((225 + rng.int(30)) << 23) | (rng.u32() & 0x7fffff)) >>> 0; // near overflow
    default: return (sign | ((100 + rng.int(56)) << 23) | (rng.u32() & 0x7fffff)) >>> 0;
  }
}

function f64(rng: Rng): [number, number] {
  const sign = rng.u32() & 0x80000000;
  let lo = rng.u32();
  let hi: number;
  switch (rng.int(12)) {
    case 0: return rng.pick(F64_SPECIAL);
    case 1: hi = sign | (rng.u32() & 0xfffff); break; // denormal
    case 2: hi = sign | (rng.int(2048) << 20) | (rng.u32() & 0xfffff); lo = (lo & ~(2 ** rng.int(32) - 1)) >>> 0; break;
    case 3: return doubleBits(rng.int(2000) - 1000);
    case 4: hi = sign | ((1 + rng.int(60)) << 20) | (rng.u32() & 0xfffff); break;
    case 5: hi = sign | ((1990 + rng.int(57)) << 20) | (rng.u32() & 0xfffff); break;
    case 6: return doubleBits(Math.fround(rng.int(2000000) / 1000 - 1000)); // binary32 values: exact/inexact narrowing
    case 7: hi = sign | ((874 + rng.int(300)) << 20) | (rng.u32() & 0xfffff); break; // around the binary32 range ends
    default: hi = sign | ((900 + rng.int(250)) << 20) | (rng.u32() & 0xfffff);
  }
  return [lo >>> 0, hi >>> 0];
}

const fb = new Float32Array(1), fu = new Uint32Array(fb.buffer);
const db = new Float64Array(1), du = new Uint32Array(db.buffer);
function floatBits(v: number): number { fb[0] = v; return fu[0]; }
function doubleBits(v: number): [number, number] { db[0] = v; return [du[0], du[1]]; }

/** 16 bytes of lanes of the given kind. */
export function vector(rng: Rng, kind: Kind): Uint8Array {
  const u = new Uint32Array(4);
  const k = kind === 'x' ? rng.pick(['s', 'd', 'i'] as const) : kind;
  if (k === 'd') for (let j = 0; j < 4; j += 2) { const [l, h] = f64(rng); u[j] = l; u[j + 1] = h; }
  else if (k === 's') for (let j = 0; j < 4; j++) u[j] = f32(rng);
  else for (let j = 0; j < 4; j++) u[j] = rng.int(3) === 0 ? rng.pick(INT_SPECIAL) : rng.u32();
  return new Uint8Array(u.buffer);
}

function mxcsr(rng: Rng): number {
  let m = 0x1f80;
  const t = rng.int(10);
  if (t >= 6) m |= rng.int(4) << 13; // rounding control
  if (t === 5 || t === 9) m |= 0x8000; // FTZ
  if (t === 4 || t === 9) m |= 0x40; // DAZ
  if (rng.int(15) === 0) m &= ~(0x80 << rng.int(6)); // one unmasked exception
  if (rng.int(3) === 0) m |= rng.u32() & 0x3f; // sticky flags already set (PE set enables the quick paths)
  return m;
}

function gprValue(rng: Rng): bigint {
  const r = (BigInt(rng.u32()) << 32n) | BigInt(rng.u32());
  switch (rng.int(4)) {
    case 0: return r >> BigInt(rng.int(63));
    case 1: return r & 0xffffffffn;
    case 2: return BigInt.asUintN(64, -(r >> BigInt(rng.int(63))));
    default: return r;
  }
}

export interface BuiltCase { c: NativeCase; op: SseOp; mem: boolean }

/** One random case of `op` in `mode` (compat32 cases use no REX and XMM0-7 only). */
export function buildCase(rng: Rng, op: SseOp, mode: NativeMode): BuiltCase {
  const long = mode === 'long64';
  const nx = long ? 16 : 8;
  const xmm = new Uint8Array(256);
  for (let r = 0; r < 16; r++) xmm.set(vector(rng, op.kind), r * 16);
  // Correlated operands (cancellation, equal compares): xmm2 = xmm1 with one bit flipped.
  if (rng.int(3) === 0) { xmm.copyWithin(32, 16, 32); xmm[32 + rng.int(16)] ^= 1 << rng.int(8); }
  const mem = new Uint8Array(256);
  mem.set(vector(rng, op.kind), 0); mem.set(vector(rng, op.kind), 16); mem.set(xmm.subarray(16, 32), 32);
  if (op.shift && rng.int(2) === 0) {
    for (const at of [32, 0]) { xmm[at] = rng.int(70); xmm.fill(0, at + 1, at + 8); if (rng.int(8) === 0) xmm[at + 4] = 1; }
    mem[0] = rng.int(70); mem.fill(0, 1, 8);
  }
  const memForm = op.mem === 'only' || (op.mem !== false && rng.int(3) === 0);
  const dst = rng.int(2) ? 1 : rng.int(nx);
  const src = rng.int(2) ? 2 : rng.int(nx);
  const pfx = op.bytes.filter((b, k) => k < op.bytes.length - 1 && (b === 0x66 || b === 0xf2 || b === 0xf3));
  const rest = op.bytes.slice(pfx.length);
  let rex = op.rexw ? 0x48 : 0;
  const regField = op.grp !== undefined ? op.grp : op.gdst ? rng.int(8) : dst;
  let modrm: number;
  const tail: number[] = [];
  if (memForm) {
    // (%rbx), 8(%rbx) (misaligned for m128) or 16(%rbx).
    const disp = rng.int(4);
    modrm = 0x03 | ((regField & 7) << 3) | (disp ? 0x40 : 0);
    if (disp) tail.push(disp === 1 ? 8 : 16);
    if (regField & 8) rex |= 0x44;
  } else {
    const rm = op.grp !== undefined ? dst : op.gsrc ? rng.int(nx) : src;
    modrm = 0xc0 | ((regField & 7) << 3) | (rm & 7);
    if (regField & 8) rex |= 0x44;
    if (rm & 8) rex |= 0x41;
  }
  let imm: number[] = [];
  if (op.imm) imm = [op.grp !== undefined ? (rng.int(3) === 0 ? rng.u32() & 0xff : rng.int(20)) : rng.int(4) === 0 ? rng.u32() & 0xff : rng.int(8)];
  const code = [...pfx, ...(rex ? [rex] : []), ...rest, modrm, ...tail, ...imm];
  const regs: bigint[] = [];
  for (let r = 0; r < 16; r++) regs.push(gprValue(rng));
  const memRegs: [number, number][] = [[3, 0]];
  if (op.rdi) memRegs.push([7, rng.int(3) === 0 ? 0xf8 : rng.int(128)]);
  return { c: { code, xmm, mxcsr: mxcsr(rng), mem, regs, memRegs, rflags: rng.u32() & 0x8d5, mode }, op, mem: memForm };
}
