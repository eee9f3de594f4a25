import { strict as assert } from 'assert';
import { decode } from '../../../emulator/x86/decode/decoder';
import { decodeTables } from '../../../emulator/x86/index';
import { HANDLERS } from '../../../emulator/x86/exec/index';
import { OpKind } from '../../../emulator/x86/decode/insn';
import { F, OpEntry, OpNode } from '../../../emulator/x86/decode/table-types';
import { SIMD_0F, SIMD_0F38, SIMD_0F3A } from '../../../emulator/x86/decode/table/simd';

// One row per SIMD table leaf (every executed SSE/SSE2 form, a quarter of
// the decode-only forms): the instruction bytes in 64-bit mode (memory forms
// use disp32(%rbx,%rcx,4)) and the mnemonic GNU objdump 2.40 prints for them.
const ROWS = `
  0f10948b78563412 movups | 660f10948b78563412 movupd | f30f10948b78563412 movss | f20f10948b78563412 movsd | 0f11948b78563412 movups | 660f11948b78563412 movupd
  f30f11948b78563412 movss | f20f11948b78563412 movsd | 0f12948b78563412 movlps | 0f12d1 movhlps | 660f12948b78563412 movlpd | f30f12948b78563412 movsldup
  0f13948b78563412 movlps | 660f13948b78563412 movlpd | 0f14948b78563412 unpcklps | 660f14948b78563412 unpcklpd | 0f15948b78563412 unpckhps | 660f15948b78563412 unpckhpd
  0f16948b78563412 movhps | 0f16d1 movlhps | 660f16948b78563412 movhpd | 0f17948b78563412 movhps | 660f17948b78563412 movhpd | 0f28948b78563412 movaps
  660f28948b78563412 movapd | 0f29948b78563412 movaps | 660f29948b78563412 movapd | 660f2a948b78563412 cvtpi2pd | f30f2a948b78563412 cvtsi2ssl | f20f2a948b78563412 cvtsi2sdl
  0f2b948b78563412 movntps | 660f2b948b78563412 movntpd | f30f2c948b78563412 cvttss2si | f20f2c948b78563412 cvttsd2si | 660f2d948b78563412 cvtpd2pi | f30f2d948b78563412 cvtss2si
  f20f2d948b78563412 cvtsd2si | 0f2e948b78563412 ucomiss | 660f2e948b78563412 ucomisd | 0f2f948b78563412 comiss | 660f2f948b78563412 comisd | 0f50d1 movmskps
  660f50d1 movmskpd | 0f51948b78563412 sqrtps | 660f51948b78563412 sqrtpd | f30f51948b78563412 sqrtss | f20f51948b78563412 sqrtsd | f30f53948b78563412 rcpss
  0f54948b78563412 andps | 660f54948b78563412 andpd | 0f55948b78563412 andnps | 660f55948b78563412 andnpd | 0f56948b78563412 orps | 660f56948b78563412 orpd
  0f57948b78563412 xorps | 660f57948b78563412 xorpd | 0f58948b78563412 addps | 660f58948b78563412 addpd | f30f58948b78563412 addss | f20f58948b78563412 addsd
  0f59948b78563412 mulps | 660f59948b78563412 mulpd | f30f59948b78563412 mulss | f20f59948b78563412 mulsd | 0f5a948b78563412 cvtps2pd | 660f5a948b78563412 cvtpd2ps
  f30f5a948b78563412 cvtss2sd | f20f5a948b78563412 cvtsd2ss | 0f5b948b78563412 cvtdq2ps | 660f5b948b78563412 cvtps2dq | f30f5b948b78563412 cvttps2dq | 0f5c948b78563412 subps
  660f5c948b78563412 subpd | f30f5c948b78563412 subss | f20f5c948b78563412 subsd | 0f5d948b78563412 minps | 660f5d948b78563412 minpd | f30f5d948b78563412 minss
  f20f5d948b78563412 minsd | 0f5e948b78563412 divps | 660f5e948b78563412 divpd | f30f5e948b78563412 divss | f20f5e948b78563412 divsd | 0f5f948b78563412 maxps
  660f5f948b78563412 maxpd | f30f5f948b78563412 maxss | f20f5f948b78563412 maxsd | 660f60948b78563412 punpcklbw | 660f61948b78563412 punpcklwd | 660f62948b78563412 punpckldq
  0f63948b78563412 packsswb | 660f63948b78563412 packsswb | 660f64948b78563412 pcmpgtb | 660f65948b78563412 pcmpgtw | 660f66948b78563412 pcmpgtd | 0f67948b78563412 packuswb
  660f67948b78563412 packuswb | 660f68948b78563412 punpckhbw | 660f69948b78563412 punpckhwd | 660f6a948b78563412 punpckhdq | 0f6b948b78563412 packssdw | 660f6b948b78563412 packssdw
  660f6c948b78563412 punpcklqdq | 660f6d948b78563412 punpckhqdq | 660f6e948b78563412 movd | 66480f6e948b78563412 movq | 660f6f948b78563412 movdqa | f30f6f948b78563412 movdqu
  0f70948b7856341205 pshufw | 660f70948b7856341205 pshufd | f30f70948b7856341205 pshufhw | f20f70948b7856341205 pshuflw | 660f71d105 psrlw | 660f71e105 psraw
  660f71f105 psllw | 0f72d105 psrld | 660f72d105 psrld | 660f72e105 psrad | 660f72f105 pslld | 660f73d105 psrlq
  660f73d905 psrldq | 0f73f105 psllq | 660f73f105 psllq | 660f73f905 pslldq | 660f74948b78563412 pcmpeqb | 660f75948b78563412 pcmpeqw
  660f76948b78563412 pcmpeqd | 0f77 emms | f20f7d948b78563412 hsubps | 660f7e948b78563412 movd | 66480f7e948b78563412 movq | f30f7e948b78563412 movq
  660f7f948b78563412 movdqa | f30f7f948b78563412 movdqu | 0fc2948b7856341205 cmpnltps | 660fc2948b7856341205 cmpnltpd | f30fc2948b7856341205 cmpnltss | f20fc2948b7856341205 cmpnltsd
  0fc3948b78563412 movnti | 0fc4948b7856341205 pinsrw | 660fc4948b7856341205 pinsrw | 660fc4d105 pinsrw | 660fc5d105 pextrw | 0fc6948b7856341205 shufps
  660fc6948b7856341205 shufpd | f20fd0948b78563412 addsubps | 660fd1948b78563412 psrlw | 660fd2948b78563412 psrld | 660fd3948b78563412 psrlq | 0fd4948b78563412 paddq
  660fd4948b78563412 paddq | 660fd5948b78563412 pmullw | 660fd6948b78563412 movq | 0fd7d1 pmovmskb | 660fd7d1 pmovmskb | 660fd8948b78563412 psubusb
  660fd9948b78563412 psubusw | 660fda948b78563412 pminub | 0fdb948b78563412 pand | 660fdb948b78563412 pand | 660fdc948b78563412 paddusb | 660fdd948b78563412 paddusw
  660fde948b78563412 pmaxub | 0fdf948b78563412 pandn | 660fdf948b78563412 pandn | 660fe0948b78563412 pavgb | 660fe1948b78563412 psraw | 660fe2948b78563412 psrad
  0fe3948b78563412 pavgw | 660fe3948b78563412 pavgw | 660fe4948b78563412 pmulhuw | 660fe5948b78563412 pmulhw | 660fe6948b78563412 cvttpd2dq | f30fe6948b78563412 cvtdq2pd
  f20fe6948b78563412 cvtpd2dq | 660fe7948b78563412 movntdq | 0fe8948b78563412 psubsb | 660fe8948b78563412 psubsb | 660fe9948b78563412 psubsw | 660fea948b78563412 pminsw
  660feb948b78563412 por | 0fec948b78563412 paddsb | 660fec948b78563412 paddsb | 660fed948b78563412 paddsw | 660fee948b78563412 pmaxsw | 660fef948b78563412 pxor
  f20ff0948b78563412 lddqu | 660ff1948b78563412 psllw | 660ff2948b78563412 pslld | 660ff3948b78563412 psllq | 0ff4948b78563412 pmuludq | 660ff4948b78563412 pmuludq
  660ff5948b78563412 pmaddwd | 660ff6948b78563412 psadbw | 660ff7d1 maskmovdqu | 0ff8948b78563412 psubb | 660ff8948b78563412 psubb | 660ff9948b78563412 psubw
  660ffa948b78563412 psubd | 660ffb948b78563412 psubq | 0ffc948b78563412 paddb | 660ffc948b78563412 paddb | 660ffd948b78563412 paddw | 660ffe948b78563412 paddd
  660f3800948b78563412 pshufb | 660f3802948b78563412 phaddd | 660f3804948b78563412 pmaddubsw | 660f3806948b78563412 phsubd | 660f3808948b78563412 psignb | 660f380a948b78563412 psignd
  660f3814948b78563412 blendvps | 660f381c948b78563412 pabsb | 660f381e948b78563412 pabsd | 660f3823948b78563412 pmovsxwd | 660f3829948b78563412 pcmpeqq | 660f3831948b78563412 pmovzxbd
  660f3835948b78563412 pmovzxdq | 660f383a948b78563412 pminuw | 660f383e948b78563412 pmaxuw | 0f38c8948b78563412 sha1nexte | 0f38cc948b78563412 sha256msg1 | 660f38dd948b78563412 aesenclast
  660f3a09948b7856341205 roundpd | 660f3a0d948b7856341205 blendpd | 660f3a14948b7856341205 pextrb | 660f3a16948b7856341205 pextrd | 660f3a20d105 pinsrb | 660f3a40948b7856341205 dpps
  660f3a60948b7856341205 pcmpestrm | 0f3acc948b7856341205 sha1rnds4
`.split(/[|\n]/).map((s) => s.trim()).filter(Boolean).map((s) => s.split(' ') as [string, string]);

/** Handler keys that mark decode-only entries (see exec/sse.ts). */
const DECODE_ONLY = new Set(['mmx', 'sse3', 'ssse3', 'sse41', 'sse42', 'aes', 'pclmul', 'sha', 'approx']);

function leaves(n: OpNode | undefined, out: OpEntry[]): OpEntry[] {
  if (!n) return out;
  if ((n as OpEntry).m !== undefined) { out.push(n as OpEntry); return out; }
  for (const v of Object.values(n)) for (const c of v as (OpNode | undefined)[]) leaves(c, out);
  return out;
}

describe('sse decode table', () => {
  const tables = decodeTables();
  it(`decodes ${ROWS.length} SIMD forms to objdump's length and mnemonic`, () => {
    for (const [hex, objdump] of ROWS) {
      const bytes = hex.match(/../g)!.map((h) => parseInt(h, 16));
      const i = decode(tables, (k) => bytes[k] ?? 0x90, 8);
      assert.equal(i.invalid, '', hex);
      assert.equal(i.len, bytes.length, `${hex}: length`);
      const m = i.entry.m;
      // objdump adds l/q to CVTSI2SS/SD memory forms and prints CMPPS predicates as pseudo-ops (cmpnltps).
      const ok = objdump === m || (objdump.startsWith(m) && /^[lq]$/.test(objdump.slice(m.length))) ||
        (m.startsWith('cmp') && objdump.startsWith('cmp') && objdump.endsWith(m.slice(3)));
      assert.ok(ok, `${hex}: ${m} vs objdump ${objdump}`);
    }
  });

  it('every executable SSE/SSE2 entry has a handler; decode-only entries have none', () => {
    for (const map of [SIMD_0F, SIMD_0F38, SIMD_0F3A]) {
      for (const node of map) {
        for (const e of leaves(node, [])) {
          const key = e.h ?? e.m;
          if (DECODE_ONLY.has(key)) assert.equal(HANDLERS[key], undefined, key);
          else assert.ok(HANDLERS[key], `no handler for ${e.m} (${key})`);
        }
      }
    }
  });

  it('MMX forms decode MMX register operands; SSE forms XMM ones', () => {
    let i = decode(tables, (k) => [0x0f, 0xfe, 0xc1][k] ?? 0x90, 8); // paddd %mm1,%mm0
    assert.equal(i.k0, OpKind.Mmx); assert.equal(i.k1, OpKind.Mmx);
    i = decode(tables, (k) => [0x66, 0x45, 0x0f, 0xfe, 0xc1][k] ?? 0x90, 8); // paddd %xmm9,%xmm8
    assert.equal(i.k0, OpKind.Xmm); assert.equal(i.r0, 8); assert.equal(i.r1, 9);
    assert.ok(i.entry.f & F.SSE);
  });

  it('register-only and memory-only forms reject the other encoding', () => {
    for (const bytes of [[0x66, 0x0f, 0xd7, 0x00], [0x0f, 0x50, 0x00], [0x66, 0x0f, 0xe7, 0xc0], [0x0f, 0x2b, 0xc0], [0x0f, 0x13, 0xc0], [0x66, 0x0f, 0x71, 0x10, 1]]) {
      const i = decode(tables, (k) => bytes[k] ?? 0x90, 8);
      assert.notEqual(i.invalid, '', bytes.map((b) => b.toString(16)).join(' '));
    }
  });
});
