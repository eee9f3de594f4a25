// Differential tests of the SSE/SSE2 instructions against this machine's
// CPU (test/native/harness.c via test/support/native.ts): random cases per
// instruction form (native-gen.ts), in 64-bit and compatibility mode, run
// natively and on the emulator; XMM0-15, MXCSR, RFLAGS, GPRs, the memory
// buffer, the exception vector and #PF's CR2 must all match. NESTVIRT_LONG=1
// runs many more cases; NESTVIRT_SEED picks another random sequence.
import { strict as assert } from 'assert';
import { nativeUnavailable, runNative, runEmulated, NativeCase, NativeResult, GUARD_ADDR } from '../../support/native';
import { Rng, SSE_OPS, buildCase, BuiltCase, vector } from './native-gen';

const LONG = !!process.env.NESTVIRT_LONG;
const PER_OP = Number(process.env.NESTVIRT_SSE_CASES ?? (LONG ? 1500 : 14));
const SEED = Number(process.env.NESTVIRT_SEED ?? 0x55e2);
const GPR = ['rax', 'rcx', 'rdx', 'rbx', 'rsp', 'rbp', 'rsi', 'rdi', 'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15'];
const hex = (v: bigint | number): string => '0x' + v.toString(16);
const bytesHex = (a: Uint8Array, from: number, n: number): string => Array.from(a.subarray(from, from + n), (b) => b.toString(16).padStart(2, '0')).join('');

function differences(n: NativeResult, e: NativeResult): string[] {
  const d: string[] = [];
  if (n.vector !== e.vector) d.push(`exception: native ${n.vector} emulated ${e.vector}`);
  for (let r = 0; r < 16; r++) if (n.regs[r] !== e.regs[r]) d.push(`${GPR[r]}: native ${hex(n.regs[r])} emulated ${hex(e.regs[r])}`);
  if (((n.rflags ^ e.rflags) & 0x8d5) !== 0) d.push(`rflags: native ${hex(n.rflags & 0x8d5)} emulated ${hex(e.rflags & 0x8d5)}`);
  if (n.mxcsr !== e.mxcsr) d.push(`mxcsr: native ${hex(n.mxcsr)} emulated ${hex(e.mxcsr)}`);
  for (let r = 0; r < 16; r++) {
    const a = bytesHex(n.xmm, 16 * r, 16), b = bytesHex(e.xmm, 16 * r, 16);
    if (a !== b) d.push(`xmm${r} (bytes, lane 0 first): native ${a} emulated ${b}`);
  }
  for (let k = 0; k < 256; k++) if (n.mem[k] !== e.mem[k]) { d.push(`mem[${k}]: native ${hex(n.mem[k])} emulated ${hex(e.mem[k])}`); break; }
  if (n.vector >= 0 && n.vector === e.vector) {
    if (n.faultOffset !== e.faultOffset) d.push(`fault offset: native ${n.faultOffset} emulated ${e.faultOffset}`);
    if (n.vector === 14 && n.cr2 !== e.cr2) d.push(`cr2: native ${hex(n.cr2)} emulated ${hex(e.cr2)}`);
  }
  return d;
}

function describeCase(c: NativeCase): string {
  const x = c.xmm!;
  return `[${c.mode}] bytes ${Array.from(c.code, (b) => b.toString(16).padStart(2, '0')).join(' ')} | mxcsr ${hex(c.mxcsr ?? 0x1f80)}` +
    ` | xmm1 ${bytesHex(x, 16, 16)} xmm2 ${bytesHex(x, 32, 16)} | mem ${c.mem ? bytesHex(c.mem, 0, 32) : 'zeros'}`;
}

/** Hand-made cases: page-crossing accesses into the harness's guard page, LDMXCSR/STMXCSR, FXSAVE's XMM area. */
function specialCases(rng: Rng): { name: string; c: NativeCase }[] {
  const out: { name: string; c: NativeCase }[] = [];
  const memAddr = GUARD_ADDR - 256;
  const xmm = new Uint8Array(256);
  for (let r = 0; r < 16; r++) xmm.set(vector(rng, 'i'), 16 * r);
  const mem = new Uint8Array(256);
  for (let k = 0; k < 256; k += 16) mem.set(vector(rng, 'i'), k);
  const at = (off: number): [number, number][] => [[3, off]];
  // Loads and stores that cross into the not-present page: #PF, CR2, and no partial store.
  for (const off of [0xf4, 0xf8, 0xfc, 0xfe]) {
    for (const [name, code] of [['movups load', [0x0f, 0x10, 0x0b]], ['movups store', [0x0f, 0x11, 0x0b]], ['movdqu store', [0xf3, 0x0f, 0x7f, 0x0b]],
      ['movsd store', [0xf2, 0x0f, 0x11, 0x0b]], ['movq load', [0xf3, 0x0f, 0x7e, 0x0b]], ['addsd load', [0xf2, 0x0f, 0x58, 0x0b]]] as const) {
      out.push({ name: `${name} at guard-${256 - off}`, c: { code: [...code], xmm, mem: new Uint8Array(256).fill(0x5a), memAddr, memRegs: at(off), mode: 'long64' } });
    }
  }
  // MASKMOVDQU at DS:RDI across the guard page: selected bytes only below it, or also above it (#PF, nothing written).
  for (const mask of [0, 0x00ff, 0x8001, 0x0300, 0xff00]) {
    const mx = new Uint8Array(xmm);
    for (let k = 0; k < 16; k++) mx[32 + k] = (mask >> k) & 1 ? 0x80 | k : 0x7f;
    for (const off of [0xf0, 0xf8]) {
      out.push({ name: `maskmovdqu mask ${hex(mask)} at guard-${256 - off}`, c: { code: [0x66, 0x0f, 0xf7, 0xca], xmm: mx, mem: new Uint8Array(256).fill(0x5a), memAddr, memRegs: [[7, off]], mode: 'long64' } });
    }
  }
  // Prefix combinations: the last of F2/F3 selects, 66 yields to them, and a form that does not exist is #UD.
  for (const code of [[0xf3, 0x0f, 0x54, 0xc1], [0xf2, 0x0f, 0x28, 0xc1], [0xf3, 0x0f, 0xdb, 0xc1], [0x66, 0xf3, 0x0f, 0x58, 0xc1],
    [0xf3, 0x66, 0x0f, 0x58, 0xc1], [0xf3, 0xf2, 0x0f, 0x58, 0xc1], [0xf2, 0xf3, 0x0f, 0x5c, 0xc1], [0x66, 0x66, 0x0f, 0xfe, 0xc1],
    [0xf2, 0x0f, 0x5b, 0xc1], [0x66, 0x0f, 0x77]]) {
    out.push({ name: `prefixes ${code.map((b) => b.toString(16)).join(' ')}`, c: { code, xmm, mode: 'long64' } });
  }
  // LDMXCSR: valid values, and reserved bits 16 and 18-31 (#GP); bit 17 is AMD's MXCSR.MM, not modelled.
  for (const v of [0x1f80, 0xffff, 0x0040, 0x7fbf, 0x10000, 0x40000, 0x80001f80]) {
    const m = new Uint8Array(256);
    new DataView(m.buffer).setUint32(0, v, true);
    // ldmxcsr (%rbx); stmxcsr 4(%rbx); ldmxcsr (%rbx) again restores a defined state for the harness
    out.push({ name: `ldmxcsr ${hex(v)}`, c: { code: [0x0f, 0xae, 0x13, 0x0f, 0xae, 0x5b, 0x04], xmm, mem: m, memRegs: at(0), mode: 'long64' } });
  }
  // Division by zero in every form (ZE), also unmasked.
  const zx = new Uint8Array(256);
  zx.set(vector(rng, 's'), 16);
  for (const [name, code] of [['divps', [0x0f, 0x5e, 0xca]], ['divss', [0xf3, 0x0f, 0x5e, 0xca]], ['divpd', [0x66, 0x0f, 0x5e, 0xca]], ['divsd', [0xf2, 0x0f, 0x5e, 0xca]]] as const) {
    for (const mx of [0x1f80, 0x1d80]) out.push({ name: `${name} by zero, mxcsr ${hex(mx)}`, c: { code: [...code], xmm: zx, mxcsr: mx, mode: 'long64' } });
  }
  // FXSAVE: the XMM area (bytes 160..415) lands in the compared buffer.
  for (const [name, code, mode] of [['fxsave', [0x0f, 0xae, 0x03], 'long64'], ['fxsave64', [0x48, 0x0f, 0xae, 0x03], 'long64'],
    ['fxsave compat', [0x0f, 0xae, 0x03], 'compat32'], ['fxsave misaligned', [0x0f, 0xae, 0x43, 0x08], 'long64']] as const) {
    out.push({ name, c: { code: [...code], xmm, mem, memRegs: at(-160), mode, mxcsr: 0x1f80 | (rng.int(4) << 13) } });
  }
  return out;
}

describe('sse: differential against the native CPU', function () {
  this.timeout(600_000);
  const why = nativeUnavailable();
  const byOp = new Map<string, { b: BuiltCase; n: NativeResult; e: NativeResult }[]>();
  const special: { name: string; c: NativeCase; n: NativeResult; e: NativeResult }[] = [];

  before(function () {
    if (why) { console.log(`      (skipped: ${why})`); this.skip(); }
    const rng = new Rng(SEED);
    const built: BuiltCase[] = [];
    for (const op of SSE_OPS) {
      for (let k = 0; k < PER_OP; k++) built.push(buildCase(rng, op, !op.rexw && k % 4 === 3 ? 'compat32' : 'long64'));
    }
    const sp = specialCases(rng);
    const cases = [...built.map((b) => b.c), ...sp.map((s) => s.c)];
    const nat = runNative(cases);
    const emu = runEmulated(cases);
    built.forEach((b, k) => {
      const list = byOp.get(b.op.name) ?? [];
      list.push({ b, n: nat[k], e: emu[k] });
      byOp.set(b.op.name, list);
    });
    sp.forEach((s, k) => special.push({ ...s, n: nat[built.length + k], e: emu[built.length + k] }));
  });

  it(`runs at least 1,000 cases (${SSE_OPS.length} forms x ${PER_OP})`, () => {
    let n = 0;
    for (const l of byOp.values()) n += l.length;
    assert.ok(n + special.length >= 1000, `${n} cases`);
  });

  for (const op of SSE_OPS) {
    it(op.name, () => {
      const bad: string[] = [];
      for (const { b, n, e } of byOp.get(op.name) ?? []) {
        const d = differences(n, e);
        if (d.length) bad.push(`${describeCase(b.c)}\n      ${d.join('\n      ')}`);
      }
      assert.equal(bad.length, 0, `${bad.length} mismatching case(s), first:\n    ${bad.slice(0, 3).join('\n    ')}`);
    });
  }

  it('page-crossing accesses, LDMXCSR/STMXCSR and FXSAVE', () => {
    const bad: string[] = [];
    for (const s of special) {
      const d = differences(s.n, s.e);
      if (d.length) bad.push(`${s.name}: ${describeCase(s.c)}\n      ${d.join('\n      ')}`);
    }
    assert.equal(bad.length, 0, bad.slice(0, 3).join('\n    '));
    assert.ok(special.some((s) => s.n.vector === 14), 'some case faulted on the guard page');
    assert.ok(special.some((s) => s.name.startsWith('ldmxcsr') && s.n.vector === 13), 'reserved MXCSR bits fault');
  });

  it('exercises every MXCSR exception flag and the #GP and #XM vectors', () => {
    let flags = 0;
    const vectors = new Set<number>();
    for (const l of byOp.values()) for (const { b, n } of l) { flags |= n.mxcsr & ~(b.c.mxcsr ?? 0) & 0x3f; vectors.add(n.vector); }
    for (const s of special) { flags |= s.n.mxcsr & ~(s.c.mxcsr ?? 0x1f80) & 0x3f; vectors.add(s.n.vector); }
    assert.equal(flags, 0x3f, `flags raised: ${hex(flags)}`);
    assert.ok(vectors.has(13) && vectors.has(19), `vectors: ${[...vectors].join(',')}`);
  });
});

