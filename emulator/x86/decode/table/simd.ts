// SIMD opcode entries over the 0F, 0F 38 and 0F 3A maps (SDM vol 2D,
// appendix A.3 tables and the group table A-6 for groups 12-14).
// The mandatory prefix selects the form: { pfx: [none, 66, F3, F2] }
// (SDM vol 2A, 2.1.2). MMX forms (no prefix, P/Q/N operands) and the SSE3,
// SSSE3, SSE4.1/4.2, AES, PCLMULQDQ and SHA entries are decoded for length
// and disassembly only: their handler keys ('mmx', 'sse3', 'ssse3', 'sse41',
// 'sse42', 'aes', 'pclmul', 'sha') have no handler, so they execute as
// "not implemented" (#UD + diagnostic). SSE/SSE2 forms use the mnemonic as
// handler key (exec/sse.ts). Merged over the two- and three-byte maps by
// index.ts: an index set here replaces the whole node of two-byte.ts, so the
// indices owned by two-byte.ts (0F 78/79, AE, B8, C7, FF; 0F 38 80-82, F0/F1)
// are left undefined here.
import { F, op, OpEntry, OpMap, OpNode } from '../table-types';

const SSE = F.SSE;
type N = OpNode | undefined;

/** An executed SSE/SSE2 form. */
const x = (m: string, ops: string[], f = 0, h?: string): OpEntry => op(m, ops, SSE | f, h);
/** Decode-only forms, tagged by extension. */
const mmx = (m: string, ops: string[]): OpEntry => op(m, ops, F.None, 'mmx');
const ext = (tag: string) => (m: string, ops: string[]): OpEntry => op(m, ops, SSE, tag);
const sse3 = ext('sse3'), ssse3 = ext('ssse3'), sse41 = ext('sse41'), sse42 = ext('sse42');
const aes = ext('aes'), pclmul = ext('pclmul'), sha = ext('sha');
/** Mandatory-prefix split [none, 66, F3, F2]. */
const P = (none: N, p66: N, f3: N, f2: N): OpNode => ({ pfx: [none, p66, f3, f2] });
/** Register-form-only (mod = 3); the memory form is #UD. */
const regOnly = (n: N): OpNode => ({ mod: [undefined, n] });
/** Memory-form-only (mod != 3); the register form is #UD. */
const memOnly = (n: N): OpNode => ({ mod: [n, undefined] });

const m: OpMap = new Array(256);

// ---- 0F 10-17: moves (SDM vol 2D, table A-3 row 1) ----
m[0x10] = P(x('movups', ['Vps', 'Wps']), x('movupd', ['Vpd', 'Wpd']), x('movss', ['Vx', 'Wss']), x('movsd', ['Vx', 'Wsd']));
m[0x11] = P(x('movups', ['Wps', 'Vps'], 0, 'movups_st'), x('movupd', ['Wpd', 'Vpd'], 0, 'movupd_st'),
  x('movss', ['Wss', 'Vss'], 0, 'movss_st'), x('movsd', ['Wsd', 'Vsd'], 0, 'movsd_st'));
m[0x12] = P({ mod: [x('movlps', ['Vq', 'Mq']), x('movhlps', ['Vq', 'Uq'])] }, memOnly(x('movlpd', ['Vq', 'Mq'])),
  sse3('movsldup', ['Vx', 'Wx']), sse3('movddup', ['Vx', 'Wsd']));
m[0x13] = P(memOnly(x('movlps', ['Mq', 'Vq'], 0, 'movlps_st')), memOnly(x('movlpd', ['Mq', 'Vq'], 0, 'movlpd_st')), undefined, undefined);
m[0x14] = P(x('unpcklps', ['Vx', 'Wx']), x('unpcklpd', ['Vx', 'Wx']), undefined, undefined);
m[0x15] = P(x('unpckhps', ['Vx', 'Wx']), x('unpckhpd', ['Vx', 'Wx']), undefined, undefined);
m[0x16] = P({ mod: [x('movhps', ['Vdq', 'Mq']), x('movlhps', ['Vdq', 'Uq'])] }, memOnly(x('movhpd', ['Vdq', 'Mq'])),
  sse3('movshdup', ['Vx', 'Wx']), undefined);
m[0x17] = P(memOnly(x('movhps', ['Mq', 'Vq'], 0, 'movhps_st')), memOnly(x('movhpd', ['Mq', 'Vq'], 0, 'movhpd_st')), undefined, undefined);

// ---- 0F 28-2F: aligned moves, conversions with MMX/GPR, compares (table A-3 row 2) ----
m[0x28] = P(x('movaps', ['Vps', 'Wps']), x('movapd', ['Vpd', 'Wpd']), undefined, undefined);
m[0x29] = P(x('movaps', ['Wps', 'Vps'], 0, 'movaps_st'), x('movapd', ['Wpd', 'Vpd'], 0, 'movapd_st'), undefined, undefined);
m[0x2a] = P(mmx('cvtpi2ps', ['Vps', 'Qpi']), mmx('cvtpi2pd', ['Vpd', 'Qpi']), x('cvtsi2ss', ['Vss', 'Ey']), x('cvtsi2sd', ['Vsd', 'Ey']));
m[0x2b] = P(memOnly(x('movntps', ['Mps', 'Vps'])), memOnly(x('movntpd', ['Mpd', 'Vpd'])), undefined, undefined);
m[0x2c] = P(mmx('cvttps2pi', ['Ppi', 'Wps']), mmx('cvttpd2pi', ['Ppi', 'Wpd']), x('cvttss2si', ['Gy', 'Wss']), x('cvttsd2si', ['Gy', 'Wsd']));
m[0x2d] = P(mmx('cvtps2pi', ['Ppi', 'Wps']), mmx('cvtpd2pi', ['Ppi', 'Wpd']), x('cvtss2si', ['Gy', 'Wss']), x('cvtsd2si', ['Gy', 'Wsd']));
m[0x2e] = P(x('ucomiss', ['Vss', 'Wss']), x('ucomisd', ['Vsd', 'Wsd']), undefined, undefined);
m[0x2f] = P(x('comiss', ['Vss', 'Wss']), x('comisd', ['Vsd', 'Wsd']), undefined, undefined);

// ---- 0F 50-5F: mask extraction and floating-point arithmetic (table A-3 row 5) ----
m[0x50] = regOnly(P(x('movmskps', ['Gy', 'Ups']), x('movmskpd', ['Gy', 'Upd']), undefined, undefined));
const arith4 = (b: number, name: string): void => {
  m[b] = P(x(name + 'ps', ['Vps', 'Wps']), x(name + 'pd', ['Vpd', 'Wpd']), x(name + 'ss', ['Vss', 'Wss']), x(name + 'sd', ['Vsd', 'Wsd']));
};
arith4(0x51, 'sqrt');
// RSQRT/RCP are approximations whose exact bits are implementation-specific
// (SDM vol 2B, RCPPS: "relative error <= 1.5 * 2^-12"): decoded, not executed.
m[0x52] = P(op('rsqrtps', ['Vps', 'Wps'], SSE, 'approx'), undefined, op('rsqrtss', ['Vss', 'Wss'], SSE, 'approx'), undefined);
m[0x53] = P(op('rcpps', ['Vps', 'Wps'], SSE, 'approx'), undefined, op('rcpss', ['Vss', 'Wss'], SSE, 'approx'), undefined);
m[0x54] = P(x('andps', ['Vps', 'Wps']), x('andpd', ['Vpd', 'Wpd']), undefined, undefined);
m[0x55] = P(x('andnps', ['Vps', 'Wps']), x('andnpd', ['Vpd', 'Wpd']), undefined, undefined);
m[0x56] = P(x('orps', ['Vps', 'Wps']), x('orpd', ['Vpd', 'Wpd']), undefined, undefined);
m[0x57] = P(x('xorps', ['Vps', 'Wps']), x('xorpd', ['Vpd', 'Wpd']), undefined, undefined);
arith4(0x58, 'add');
arith4(0x59, 'mul');
m[0x5a] = P(x('cvtps2pd', ['Vpd', 'Wq']), x('cvtpd2ps', ['Vps', 'Wpd']), x('cvtss2sd', ['Vsd', 'Wss']), x('cvtsd2ss', ['Vss', 'Wsd']));
m[0x5b] = P(x('cvtdq2ps', ['Vps', 'Wdq']), x('cvtps2dq', ['Vdq', 'Wps']), x('cvttps2dq', ['Vdq', 'Wps']), undefined);
arith4(0x5c, 'sub');
arith4(0x5d, 'min');
arith4(0x5e, 'div');
arith4(0x5f, 'max');

// ---- 0F 60-7F and D0-FE: packed integer (MMX without prefix, SSE2 with 66) ----
/** MMX Pq,Qq (decode only) and SSE2 66 Vx,Wx. */
const pint = (b: number, name: string, mmxSrc = 'Qq'): void => {
  m[b] = P(mmx(name, ['Pq', mmxSrc]), x(name, ['Vx', 'Wx']), undefined, undefined);
};
// The MMX low unpacks read only 32 bits of memory (SDM vol 2B, PUNPCKLBW: "mm, mm/m32").
pint(0x60, 'punpcklbw', 'Qd'); pint(0x61, 'punpcklwd', 'Qd'); pint(0x62, 'punpckldq', 'Qd');
pint(0x63, 'packsswb'); pint(0x64, 'pcmpgtb'); pint(0x65, 'pcmpgtw'); pint(0x66, 'pcmpgtd'); pint(0x67, 'packuswb');
pint(0x68, 'punpckhbw'); pint(0x69, 'punpckhwd'); pint(0x6a, 'punpckhdq'); pint(0x6b, 'packssdw');
m[0x6c] = P(undefined, x('punpcklqdq', ['Vx', 'Wx']), undefined, undefined);
m[0x6d] = P(undefined, x('punpckhqdq', ['Vx', 'Wx']), undefined, undefined);
// MOVD/MOVQ with a GPR: REX.W selects the 64-bit form (SDM vol 2B, MOVD/MOVQ).
m[0x6e] = P({ w: [mmx('movd', ['Pd', 'Ey']), mmx('movq', ['Pq', 'Ey'])] },
  { w: [x('movd', ['Vx', 'Ey'], 0, 'movd_to'), x('movq', ['Vx', 'Ey'], 0, 'movd_to')] }, undefined, undefined);
m[0x6f] = P(mmx('movq', ['Pq', 'Qq']), x('movdqa', ['Vx', 'Wx']), x('movdqu', ['Vx', 'Wx']), undefined);
m[0x70] = P(mmx('pshufw', ['Pq', 'Qq', 'Ib']), x('pshufd', ['Vx', 'Wx', 'Ib']), x('pshufhw', ['Vx', 'Wx', 'Ib']), x('pshuflw', ['Vx', 'Wx', 'Ib']));
// Groups 12, 13, 14: shift by immediate, register forms only (SDM vol 2D, table A-6).
const shiftImm = (name: string): OpNode => P(mmx(name, ['Nq', 'Ib']), x(name, ['Ux', 'Ib'], 0, name + '_imm'), undefined, undefined);
const sseOnlyImm = (name: string): OpNode => P(undefined, x(name, ['Ux', 'Ib']), undefined, undefined);
m[0x71] = regOnly({ reg: [undefined, undefined, shiftImm('psrlw'), undefined, shiftImm('psraw'), undefined, shiftImm('psllw'), undefined] });
m[0x72] = regOnly({ reg: [undefined, undefined, shiftImm('psrld'), undefined, shiftImm('psrad'), undefined, shiftImm('pslld'), undefined] });
m[0x73] = regOnly({ reg: [undefined, undefined, shiftImm('psrlq'), sseOnlyImm('psrldq'), undefined, undefined, shiftImm('psllq'), sseOnlyImm('pslldq')] });
pint(0x74, 'pcmpeqb'); pint(0x75, 'pcmpeqw'); pint(0x76, 'pcmpeqd');
m[0x77] = P(mmx('emms', []), undefined, undefined, undefined);
m[0x7c] = P(undefined, sse3('haddpd', ['Vpd', 'Wpd']), undefined, sse3('haddps', ['Vps', 'Wps']));
m[0x7d] = P(undefined, sse3('hsubpd', ['Vpd', 'Wpd']), undefined, sse3('hsubps', ['Vps', 'Wps']));
m[0x7e] = P({ w: [mmx('movd', ['Ey', 'Pd']), mmx('movq', ['Ey', 'Pq'])] },
  { w: [x('movd', ['Ey', 'Vd'], 0, 'movd_from'), x('movq', ['Ey', 'Vq'], 0, 'movd_from')] },
  x('movq', ['Vx', 'Wq'], 0, 'movq_load'), undefined);
m[0x7f] = P(mmx('movq', ['Qq', 'Pq']), x('movdqa', ['Wx', 'Vx'], 0, 'movdqa_st'), x('movdqu', ['Wx', 'Vx'], 0, 'movdqu_st'), undefined);

// ---- 0F C2-C6 (table A-3 row C) ----
m[0xc2] = P(x('cmpps', ['Vps', 'Wps', 'Ib']), x('cmppd', ['Vpd', 'Wpd', 'Ib']), x('cmpss', ['Vss', 'Wss', 'Ib']), x('cmpsd', ['Vsd', 'Wsd', 'Ib']));
// MOVNTI is a GPR store: no CR0.EM/CR4.OSFXSR rule (SDM vol 3A, table 13-1 note 1), so no F.SSE.
m[0xc3] = P(memOnly(op('movnti', ['My', 'Gy'])), undefined, undefined, undefined);
// PINSRW takes r32 in the register form and m16 in the memory form (SDM vol 2B, PINSRW).
m[0xc4] = P({ mod: [mmx('pinsrw', ['Pq', 'Mw', 'Ib']), mmx('pinsrw', ['Pq', 'Rd', 'Ib'])] },
  { mod: [x('pinsrw', ['Vdq', 'Mw', 'Ib']), x('pinsrw', ['Vdq', 'Rd', 'Ib'])] }, undefined, undefined);
m[0xc5] = regOnly(P(mmx('pextrw', ['Gd', 'Nq', 'Ib']), x('pextrw', ['Gd', 'Udq', 'Ib']), undefined, undefined));
m[0xc6] = P(x('shufps', ['Vps', 'Wps', 'Ib']), x('shufpd', ['Vpd', 'Wpd', 'Ib']), undefined, undefined);

// ---- 0F D0-FE (table A-3 rows D, E, F) ----
m[0xd0] = P(undefined, sse3('addsubpd', ['Vpd', 'Wpd']), undefined, sse3('addsubps', ['Vps', 'Wps']));
pint(0xd1, 'psrlw'); pint(0xd2, 'psrld'); pint(0xd3, 'psrlq'); pint(0xd4, 'paddq'); pint(0xd5, 'pmullw');
m[0xd6] = P(undefined, x('movq', ['Wq', 'Vq'], 0, 'movq_st'),
  regOnly(mmx('movq2dq', ['Vdq', 'Nq'])), regOnly(mmx('movdq2q', ['Pq', 'Uq'])));
m[0xd7] = regOnly(P(mmx('pmovmskb', ['Gy', 'Nq']), x('pmovmskb', ['Gy', 'Ux']), undefined, undefined));
pint(0xd8, 'psubusb'); pint(0xd9, 'psubusw'); pint(0xda, 'pminub'); pint(0xdb, 'pand');
pint(0xdc, 'paddusb'); pint(0xdd, 'paddusw'); pint(0xde, 'pmaxub'); pint(0xdf, 'pandn');
pint(0xe0, 'pavgb'); pint(0xe1, 'psraw'); pint(0xe2, 'psrad'); pint(0xe3, 'pavgw'); pint(0xe4, 'pmulhuw'); pint(0xe5, 'pmulhw');
m[0xe6] = P(undefined, x('cvttpd2dq', ['Vx', 'Wpd']), x('cvtdq2pd', ['Vx', 'Wq']), x('cvtpd2dq', ['Vx', 'Wpd']));
m[0xe7] = memOnly(P(mmx('movntq', ['Mq', 'Pq']), x('movntdq', ['Mx', 'Vx']), undefined, undefined));
pint(0xe8, 'psubsb'); pint(0xe9, 'psubsw'); pint(0xea, 'pminsw'); pint(0xeb, 'por');
pint(0xec, 'paddsb'); pint(0xed, 'paddsw'); pint(0xee, 'pmaxsw'); pint(0xef, 'pxor');
m[0xf0] = P(undefined, undefined, undefined, memOnly(sse3('lddqu', ['Vx', 'Mx'])));
pint(0xf1, 'psllw'); pint(0xf2, 'pslld'); pint(0xf3, 'psllq'); pint(0xf4, 'pmuludq'); pint(0xf5, 'pmaddwd'); pint(0xf6, 'psadbw');
// MASKMOVQ/MASKMOVDQU store through DS:rDI, an implicit operand (SDM vol 2B, MASKMOVDQU).
m[0xf7] = regOnly(P(mmx('maskmovq', ['Pq', 'Nq']), x('maskmovdqu', ['Vdq', 'Udq']), undefined, undefined));
pint(0xf8, 'psubb'); pint(0xf9, 'psubw'); pint(0xfa, 'psubd'); pint(0xfb, 'psubq');
pint(0xfc, 'paddb'); pint(0xfd, 'paddw'); pint(0xfe, 'paddd');

export const SIMD_0F: OpMap = m;

// ---- 0F 38 (SDM vol 2D, table A-4): decoded for length and disassembly only ----
const m38: OpMap = new Array(256);
/** SSSE3: MMX form without prefix, XMM form with 66. */
const ssse3Pair = (b: number, name: string): void => {
  m38[b] = P(ssse3(name, ['Pq', 'Qq']), ssse3(name, ['Vx', 'Wx']), undefined, undefined);
};
['pshufb', 'phaddw', 'phaddd', 'phaddsw', 'pmaddubsw', 'phsubw', 'phsubd', 'phsubsw',
  'psignb', 'psignw', 'psignd', 'pmulhrsw'].forEach((n, k) => ssse3Pair(k, n));
ssse3Pair(0x1c, 'pabsb'); ssse3Pair(0x1d, 'pabsw'); ssse3Pair(0x1e, 'pabsd');
const p66 = (b: number, e: OpEntry): void => { m38[b] = P(undefined, e, undefined, undefined); };
// PBLENDVB/BLENDVPS/BLENDVPD also read XMM0 implicitly (SDM vol 2B, PBLENDVB).
p66(0x10, sse41('pblendvb', ['Vx', 'Wx'])); p66(0x14, sse41('blendvps', ['Vx', 'Wx'])); p66(0x15, sse41('blendvpd', ['Vx', 'Wx']));
p66(0x17, sse41('ptest', ['Vx', 'Wx']));
// PMOVSX/PMOVZX read 8, 4 or 2 bytes of memory (SDM vol 2B, PMOVSX).
const pmovSizes = ['Wq', 'Wd', 'Ww', 'Wq', 'Wd', 'Wq'];
['bw', 'bd', 'bq', 'wd', 'wq', 'dq'].forEach((s, k) => {
  p66(0x20 + k, sse41('pmovsx' + s, ['Vx', pmovSizes[k]]));
  p66(0x30 + k, sse41('pmovzx' + s, ['Vx', pmovSizes[k]]));
});
p66(0x28, sse41('pmuldq', ['Vx', 'Wx'])); p66(0x29, sse41('pcmpeqq', ['Vx', 'Wx']));
m38[0x2a] = P(undefined, memOnly(sse41('movntdqa', ['Vx', 'Mx'])), undefined, undefined);
p66(0x2b, sse41('packusdw', ['Vx', 'Wx']));
p66(0x37, sse42('pcmpgtq', ['Vx', 'Wx']));
['pminsb', 'pminsd', 'pminuw', 'pminud', 'pmaxsb', 'pmaxsd', 'pmaxuw', 'pmaxud', 'pmulld', 'phminposuw']
  .forEach((n, k) => p66(0x38 + k, sse41(n, ['Vx', 'Wx'])));
// SHA extensions have no prefix (SDM vol 2B, SHA1RNDS4 and friends).
['sha1nexte', 'sha1msg1', 'sha1msg2', 'sha256rnds2', 'sha256msg1', 'sha256msg2'].forEach((n, k) => {
  m38[0xc8 + k] = P(sha(n, ['Vdq', 'Wdq']), undefined, undefined, undefined);
});
p66(0xdb, aes('aesimc', ['Vdq', 'Wdq'])); p66(0xdc, aes('aesenc', ['Vdq', 'Wdq'])); p66(0xdd, aes('aesenclast', ['Vdq', 'Wdq']));
p66(0xde, aes('aesdec', ['Vdq', 'Wdq'])); p66(0xdf, aes('aesdeclast', ['Vdq', 'Wdq']));
export const SIMD_0F38: OpMap = m38;

// ---- 0F 3A (SDM vol 2D, table A-5): decoded for length and disassembly only ----
const m3a: OpMap = new Array(256);
const q66 = (b: number, e: OpNode): void => { m3a[b] = P(undefined, e, undefined, undefined); };
q66(0x08, sse41('roundps', ['Vx', 'Wx', 'Ib'])); q66(0x09, sse41('roundpd', ['Vx', 'Wx', 'Ib']));
q66(0x0a, sse41('roundss', ['Vss', 'Wss', 'Ib'])); q66(0x0b, sse41('roundsd', ['Vsd', 'Wsd', 'Ib']));
q66(0x0c, sse41('blendps', ['Vx', 'Wx', 'Ib'])); q66(0x0d, sse41('blendpd', ['Vx', 'Wx', 'Ib']));
q66(0x0e, sse41('pblendw', ['Vx', 'Wx', 'Ib']));
m3a[0x0f] = P(ssse3('palignr', ['Pq', 'Qq', 'Ib']), ssse3('palignr', ['Vx', 'Wx', 'Ib']), undefined, undefined);
// PEXTRB/PEXTRW/PINSRB: a 32-bit GPR in the register form, a byte/word in memory (SDM vol 2B, PEXTRB).
q66(0x14, { mod: [sse41('pextrb', ['Mb', 'Vdq', 'Ib']), sse41('pextrb', ['Rd', 'Vdq', 'Ib'])] });
q66(0x15, { mod: [sse41('pextrw', ['Mw', 'Vdq', 'Ib']), sse41('pextrw', ['Rd', 'Vdq', 'Ib'])] });
q66(0x16, { w: [sse41('pextrd', ['Ed', 'Vdq', 'Ib']), sse41('pextrq', ['Eq', 'Vdq', 'Ib'])] });
q66(0x17, sse41('extractps', ['Ed', 'Vdq', 'Ib']));
q66(0x20, { mod: [sse41('pinsrb', ['Vdq', 'Mb', 'Ib']), sse41('pinsrb', ['Vdq', 'Rd', 'Ib'])] });
q66(0x21, sse41('insertps', ['Vdq', 'Wd', 'Ib']));
q66(0x22, { w: [sse41('pinsrd', ['Vdq', 'Ed', 'Ib']), sse41('pinsrq', ['Vdq', 'Eq', 'Ib'])] });
q66(0x40, sse41('dpps', ['Vx', 'Wx', 'Ib'])); q66(0x41, sse41('dppd', ['Vx', 'Wx', 'Ib']));
q66(0x42, sse41('mpsadbw', ['Vx', 'Wx', 'Ib']));
q66(0x44, pclmul('pclmulqdq', ['Vdq', 'Wdq', 'Ib']));
q66(0x60, sse42('pcmpestrm', ['Vdq', 'Wdq', 'Ib'])); q66(0x61, sse42('pcmpestri', ['Vdq', 'Wdq', 'Ib']));
q66(0x62, sse42('pcmpistrm', ['Vdq', 'Wdq', 'Ib'])); q66(0x63, sse42('pcmpistri', ['Vdq', 'Wdq', 'Ib']));
m3a[0xcc] = P(sha('sha1rnds4', ['Vdq', 'Wdq', 'Ib']), undefined, undefined, undefined);
q66(0xdf, aes('aeskeygenassist', ['Vdq', 'Wdq', 'Ib']));
export const SIMD_0F3A: OpMap = m3a;
