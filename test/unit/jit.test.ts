// The compiled tier (jit.ts) must compute exactly what the interpreter does:
// random loops of the forms it inlines (ALU, MOV, INC/DEC, shifts by a
// constant, Jcc) run long enough to get compiled, once with the compiled
// tier and once interpreted only; registers and flags must match.
import { strict as assert } from 'assert';
import { makeRig, runCode } from '../support/snippet';
import { getFlags, imul64Overflows } from '../../emulator/x86/flags';

function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => { x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0; return x; };
}

/** One random register instruction (never RSP/RCX: RCX is the loop counter). */
function randomInsn(r: () => number): number[] {
  const regs = [0, 2, 3, 5, 6, 7];
  const d = regs[r() % regs.length], s = regs[r() % regs.length];
  const w = r() % 2 ? 0x48 : 0x40; // REX.W or plain REX
  const modrm = 0xc0 | (s << 3) | d;
  switch (r() % 9) {
    case 8: return [0x48, 0x0f, 0xaf, 0xc0 | (d << 3) | s]; // imul r64, r64 (lazy CF/OF in the compiled tier)
    case 0: return [w, [0x01, 0x29, 0x31, 0x21, 0x09, 0x39, 0x85][r() % 7], modrm]; // add/sub/xor/and/or/cmp/test r,r
    case 1: return [w, 0x83, 0xc0 | ([0, 5, 6, 4, 1, 7][r() % 6] << 3) | d, r() & 0xff]; // alu r, imm8
    case 2: return [w, 0x81, 0xc0 | ([0, 5, 6, 4, 1, 7][r() % 6] << 3) | d, r() & 0xff, r() & 0xff, r() & 0xff, r() & 0xff];
    case 3: return [w, 0x89, modrm]; // mov r, r
    case 4: return [w, 0xff, 0xc0 | ((r() % 2) << 3) | d]; // inc/dec
    case 5: return [w, 0xc1, 0xc0 | ([4, 5, 7][r() % 3] << 3) | d, r() % 70]; // shl/shr/sar r, imm8 (incl. counts masked to 0)
    case 6: return [w, 0xd1, 0xc0 | ([4, 5, 7][r() % 3] << 3) | d]; // shift by 1
    default: return [0xb8 + d, r() & 0xff, r() & 0xff, r() & 0xff, r() & 0xff]; // mov r32, imm32
  }
}

describe('compiled tier matches the interpreter', () => {
  for (let seed = 1; seed <= 40; seed++) {
    it(`random register loop #${seed}`, () => {
      const r = rng(seed * 7919);
      const body: number[] = [];
      const n = 4 + (r() % 12);
      for (let k = 0; k < n; k++) body.push(...randomInsn(r));
      // mov ecx, 40; L: body; jcc on a random condition is not a loop bound, so use dec ecx; jnz L
      const code = [0xb9, 40, 0, 0, 0, ...body, 0xff, 0xc9, 0x0f, 0x85];
      const rel = -(body.length + 2 + 6);
      code.push(rel & 0xff, (rel >> 8) & 0xff, (rel >> 16) & 0xff, (rel >> 24) & 0xff);
      const init = Array.from({ length: 16 }, () => (r() | 0) ^ seed);
      const states: string[] = [];
      for (const jit of [true, false]) {
        const rig = makeRig('long64');
        rig.cpu.jitEnabled = jit;
        for (let k = 0; k < 16; k++) if (k !== 8 && k !== 9) rig.cpu.regs[k] = init[k];
        runCode(rig, code, 100000);
        states.push(JSON.stringify({ regs: Array.from(rig.cpu.regs), flags: getFlags(rig.cpu) & 0x8d5, rip: rig.cpu.rip }));
      }
      assert.equal(states[0], states[1]);
    });
  }
});

describe('lazy 64-bit IMUL overflow', () => {
  it('matches a BigInt model on edge and random operands', () => {
    const r = rng(12345);
    const edge = [0, 1, -1, 0x7fffffff, -0x80000000, 0x80000000, 0xffffffff];
    const vals: [number, number][] = [];
    for (const lo of edge) for (const hi of edge) vals.push([lo >>> 0, hi | 0]);
    for (let k = 0; k < 300; k++) vals.push([r() >>> 0, r() % 4 === 0 ? (r() & 1 ? -1 : 0) : r() | 0]);
    const big = (lo: number, hi: number): bigint => BigInt.asIntN(64, (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0));
    for (const [al, ah] of vals) for (const [bl, bh] of vals.slice(0, 60)) {
      const p = big(al, ah) * big(bl, bh);
      const overflow = BigInt.asIntN(64, p) !== p;
      assert.equal(imul64Overflows(al, ah, bl, bh), overflow, `${big(al, ah)} * ${big(bl, bh)}`);
    }
  });
});
