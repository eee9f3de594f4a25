// Differential tests of the integer instruction set against this machine's
// CPU: random cases (edge-biased values, every form and operand size, 64-bit
// and compatibility mode) run natively (test/native/harness.c) and on the
// emulator; GPRs, memory, exceptions and every flag the SDM defines must
// match (undefined flags: undefined.ts). NESTVIRT_LONG=1 runs many more
// cases; NESTVIRT_SEED picks another random sequence.
import { strict as assert } from 'assert';
import { nativeUnavailable, nativeSupportsCompat, runNative, runEmulated, NativeResult, NativeCase } from '../../support/native';
import { B, Built } from './builder';
import { Rng } from './encode';
import { FAMILIES, Family } from './families';
import { undefinedFlags, ARITH, DF } from './undefined';

const LONG = !!process.env.NESTVIRT_LONG;
const TOTAL = Number(process.env.NESTVIRT_CASES ?? (LONG ? 400_000 : 16_000));
const SEED = Number(process.env.NESTVIRT_SEED ?? 0x1badb002);
const GPR = ['rax', 'rcx', 'rdx', 'rbx', 'rsp', 'rbp', 'rsi', 'rdi', 'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15'];

const hex = (v: bigint | number): string => '0x' + v.toString(16);

/** Differences between the native and emulated results, [] when they agree on everything defined. */
export function differences(b: Built, n: NativeResult, e: NativeResult): string[] {
  const d: string[] = [];
  if (n.vector !== e.vector) d.push(`exception: native ${n.vector} emulated ${e.vector}`);
  for (let r = 0; r < 16; r++) {
    let mask = (1n << 64n) - 1n;
    for (const [ur, um] of b.meta.undefRegs ?? []) if (ur === r) mask &= ~um;
    if (((n.regs[r] ^ e.regs[r]) & mask) !== 0n) d.push(`${GPR[r]}: native ${hex(n.regs[r])} emulated ${hex(e.regs[r])}`);
  }
  const fm = (ARITH | DF) & ~undefinedFlags(b.meta);
  if (((n.rflags ^ e.rflags) & fm) !== 0) d.push(`rflags: native ${hex(n.rflags & (ARITH | DF))} emulated ${hex(e.rflags & (ARITH | DF))} (compared bits ${hex(fm)})`);
  if (!b.meta.undefMem) {
    for (let k = 0; k < 256; k++) {
      if (n.mem[k] !== e.mem[k]) { d.push(`mem[${k}]: native ${hex(n.mem[k])} emulated ${hex(e.mem[k])}`); break; }
    }
  }
  if (n.vector >= 0 && n.vector === e.vector) {
    if (n.faultOffset !== e.faultOffset) d.push(`fault rip offset: native ${n.faultOffset} emulated ${e.faultOffset}`);
    if (n.vector === 14 && n.cr2 !== e.cr2) d.push(`cr2: native ${hex(n.cr2)} emulated ${hex(e.cr2)}`);
    // #PF error code: the emulator runs at CPL 0, the native case at CPL 3 (U/S bit 2).
    if ((n.vector === 13 || n.vector === 14) && ((n.errorCode ^ e.errorCode) & ~4) !== 0) {
      d.push(`error code: native ${hex(n.errorCode)} emulated ${hex(e.errorCode)}`);
    }
  }
  if (n.mxcsr !== e.mxcsr) d.push(`mxcsr: native ${hex(n.mxcsr)} emulated ${hex(e.mxcsr)}`);
  for (let k = 0; k < 256; k++) if (n.xmm[k] !== e.xmm[k]) { d.push(`xmm byte ${k} differs`); break; }
  return d;
}

function describeCase(c: NativeCase, b: Built): string {
  const bytes = Array.from(c.code, (x) => x.toString(16).padStart(2, '0')).join(' ');
  const regs = (c.regs ?? []).map((v, r) => `${GPR[r]}=${hex(v)}`).join(' ');
  const ptrs = (c.memRegs ?? []).map(([r, o]) => `${GPR[r]}=mem+${o}`).join(' ');
  return `[${c.mode}] ${b.meta.form} | bytes ${bytes} | flags ${hex(c.rflags ?? 0)} | ${regs} ${ptrs} | mem@${hex(c.memAddr ?? 0)}`;
}

interface FamilyStats { cases: number; failed: number; examples: string[]; kinds: Map<string, number> }

describe('integer: differential against the native CPU', function () {
  this.timeout(900_000);
  const why = nativeUnavailable();
  const stats = new Map<Family, FamilyStats>();

  before(function () {
    if (why) { console.log(`      (skipped: ${why})`); this.skip(); }
    for (const f of FAMILIES) stats.set(f, { cases: 0, failed: 0, examples: [], kinds: new Map() });
    // The case list in family order, generated, run and compared in chunks (bounded memory for long runs).
    const plan: [Family, 'long64' | 'compat32'][] = [];
    const compat = nativeSupportsCompat();
    if (!compat) console.log('      (no IA-32 emulation in this kernel: 64-bit mode cases only)');
    const modesOf = (f: Family): ('long64' | 'compat32')[] => f.modes.filter((m) => compat || m === 'long64');
    const weightSum = FAMILIES.reduce((s, f) => s + f.weight * modesOf(f).length, 0);
    for (const f of FAMILIES) {
      for (const mode of modesOf(f)) {
        const n = Math.max(20, Math.round((TOTAL * f.weight) / weightSum));
        for (let k = 0; k < n; k++) plan.push([f, mode]);
      }
    }
    const rng = new Rng(SEED);
    const CHUNK = 20_000;
    for (let start = 0; start < plan.length; start += CHUNK) {
      const part = plan.slice(start, start + CHUNK);
      const built: Built[] = part.map(([f, mode]) => f.gen(new B(rng, mode)));
      const cases = built.map((x) => x.c);
      const nat = runNative(cases);
      const emu = runEmulated(cases);
      built.forEach((b, k) => {
        const st = stats.get(part[k][0])!;
        st.cases++;
        const d = differences(b, nat[k], emu[k]);
        if (!d.length) return;
        st.failed++;
        for (const x of d) { const key = `${b.meta.mn}: ${x.split(':')[0]}`; st.kinds.set(key, (st.kinds.get(key) ?? 0) + 1); }
        if (st.examples.length < 6) st.examples.push(`${describeCase(b.c, b)}\n        ${d.join('\n        ')}`);
      });
    }
  });

  for (const f of FAMILIES) {
    it(`${f.name} (${f.modes.join(', ')})`, () => {
      const st = stats.get(f)!;
      if (st.cases === 0 && !nativeSupportsCompat()) return; // a compatibility-mode-only family
      assert.ok(st.cases > 0, 'no cases generated');
      const summary = [...st.kinds].map(([k, v]) => `${k} ×${v}`).join(', ');
      assert.equal(st.failed, 0, `${st.failed} of ${st.cases} cases differ (${summary}), e.g.:\n      ${st.examples.join('\n      ')}`);
    });
  }

  after(() => {
    const total = [...stats.values()].reduce((s, x) => s + x.cases, 0);
    const failed = [...stats.values()].reduce((s, x) => s + x.failed, 0);
    if (total) console.log(`      ${total} cases (seed ${SEED}), ${failed} differ`);
  });
});
