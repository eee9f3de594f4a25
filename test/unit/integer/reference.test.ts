// The emulator against a BigInt reference model of the SDM's "Operation"
// sections, for the arithmetic that is easiest to get wrong on 32-bit halves:
// 64/128-bit multiply and divide, add/subtract with carry, shifts and
// rotates at every size and count, double shifts, bit scans. Runs without a
// native compiler (the differential test covers the rest against hardware).
import { strict as assert } from 'assert';
import { emu, Emu } from './rig';
import { Rng } from './encode';

const RAX = 0, RCX = 1, RDX = 2, RBX = 3;
const CF = 1n, PF = 4n, ZF = 0x40n, SF = 0x80n, OF = 0x800n;
const M64 = (1n << 64n) - 1n;
const N = process.env.NESTVIRT_LONG ? 20000 : 1500;

function parity(v: bigint): bigint {
  let b = Number(v & 0xffn), c = 0;
  while (b) { c += b & 1; b >>= 1; }
  return c % 2 === 0 ? PF : 0n;
}
function szp(v: bigint, bits: number): bigint {
  const m = (1n << BigInt(bits)) - 1n;
  const r = v & m;
  return (r === 0n ? ZF : 0n) | ((r >> BigInt(bits - 1)) & 1n ? SF : 0n) | parity(r);
}

/** Runs code with RAX/RBX/RCX/RDX and CF given; returns registers, flags and the exception vector. */
function exec(e: Emu, code: number[], rax: bigint, rbx: bigint, rcx = 0n, rdx = 0n, cf = 0): { rax: bigint; rdx: bigint; rbx: bigint; flags: bigint; vec: number } {
  e.set(RAX, rax); e.set(RBX, rbx); e.set(RCX, rcx); e.set(RDX, rdx);
  e.run([cf ? 0xf9 : 0xf8, ...code]);
  return { rax: e.get(RAX), rdx: e.get(RDX), rbx: e.get(RBX), flags: BigInt(e.flags()), vec: e.fault ? e.fault.vector : -1 };
}

describe('integer: reference model (BigInt)', function () {
  this.timeout(120_000);
  const rng = new Rng(4242);
  const e = emu('long64');

  it('64-bit MUL/IMUL (RDX:RAX) and their CF/OF', () => {
    for (let k = 0; k < N; k++) {
      const a = rng.value(), b = rng.value();
      let r = exec(e, [0x48, 0xf7, 0xe3], a, b); // mul rbx
      const p = a * b;
      assert.equal(r.rax, p & M64); assert.equal(r.rdx, p >> 64n);
      assert.equal(r.flags & (CF | OF), p >> 64n ? CF | OF : 0n, `mul ${a} ${b}`);
      r = exec(e, [0x48, 0xf7, 0xeb], a, b); // imul rbx
      const s = BigInt.asIntN(64, a) * BigInt.asIntN(64, b);
      assert.equal(r.rax, BigInt.asUintN(64, s)); assert.equal(r.rdx, BigInt.asUintN(64, s >> 64n));
      assert.equal(r.flags & (CF | OF), BigInt.asIntN(64, s) === s ? 0n : CF | OF, `imul ${a} ${b}`);
      r = exec(e, [0x48, 0x0f, 0xaf, 0xc3], a, b); // imul rax, rbx
      assert.equal(r.rax, BigInt.asUintN(64, s));
      r = exec(e, [0x0f, 0xaf, 0xc3], a, b); // imul eax, ebx
      const s32 = BigInt.asIntN(32, a) * BigInt.asIntN(32, b);
      assert.equal(r.rax, BigInt.asUintN(32, s32));
      assert.equal(r.flags & (CF | OF), BigInt.asIntN(32, s32) === s32 ? 0n : CF | OF);
    }
  });

  it('64-bit DIV/IDIV (128 by 64) with #DE on zero or overflow', () => {
    for (let k = 0; k < N; k++) {
      const lo = rng.value(), d = rng.value();
      const hi = rng.pick([0n, 1n, M64, rng.value(), d === 0n ? 0n : rng.value() % d]);
      let r = exec(e, [0x48, 0xf7, 0xf3], lo, d, 0n, hi); // div rbx
      const n = (hi << 64n) | lo;
      if (d === 0n || n / d > M64) assert.equal(r.vec, 0, `div ${hi}:${lo} / ${d}`);
      else { assert.equal(r.vec, -1); assert.equal(r.rax, n / d); assert.equal(r.rdx, n % d); }
      r = exec(e, [0x48, 0xf7, 0xfb], lo, d, 0n, hi); // idiv rbx
      const sn = BigInt.asIntN(128, n), sd = BigInt.asIntN(64, d);
      if (sd === 0n) { assert.equal(r.vec, 0); continue; }
      const q = sn / sd;
      if (q > (1n << 63n) - 1n || q < -(1n << 63n)) assert.equal(r.vec, 0, `idiv ${sn} / ${sd}`);
      else { assert.equal(r.vec, -1); assert.equal(r.rax, BigInt.asUintN(64, q)); assert.equal(r.rdx, BigInt.asUintN(64, sn % sd)); }
    }
    // The classic: INT64_MIN / -1 overflows.
    assert.equal(exec(e, [0x48, 0xf7, 0xfb], 1n << 63n, M64, 0n, M64).vec, 0);
  });

  it('ADC/SBB at 64 bits: result and all six flags', () => {
    for (let k = 0; k < N; k++) {
      const a = rng.value(), b = rng.value(), c = rng.int(2);
      let r = exec(e, [0x48, 0x11, 0xd8], a, b, 0n, 0n, c); // adc rax, rbx
      const t = a + b + BigInt(c), res = t & M64;
      const sa = a >> 63n, sb = b >> 63n, sr = res >> 63n;
      let f = (t >> 64n ? CF : 0n) | szp(res, 64) | (sa === sb && sr !== sa ? OF : 0n) | (((a ^ b ^ res) & 0x10n) ? 0x10n : 0n);
      assert.equal(r.rax, res); assert.equal(r.flags & 0x8d5n, f, `adc ${a} ${b} ${c}`);
      r = exec(e, [0x48, 0x19, 0xd8], a, b, 0n, 0n, c); // sbb rax, rbx
      const u = a - b - BigInt(c), ur = BigInt.asUintN(64, u);
      f = (u < 0n ? CF : 0n) | szp(ur, 64) | (sa !== sb && (ur >> 63n) !== sa ? OF : 0n) | (((a ^ b ^ ur) & 0x10n) ? 0x10n : 0n);
      assert.equal(r.rax, ur); assert.equal(r.flags & 0x8d5n, f, `sbb ${a} ${b} ${c}`);
    }
  });

  it('shifts and rotates at every size: result, CF, OF (count 1), SF/ZF/PF for shifts', () => {
    const prefix: Record<number, number[]> = { 1: [], 2: [0x66], 4: [], 8: [0x48] };
    for (let k = 0; k < N * 2; k++) {
      const size = rng.pick([1, 2, 4, 8]);
      const bits = size * 8, W = BigInt(bits), mask = (1n << W) - 1n;
      const op = rng.int(8);
      const count = rng.pick([1, 1, 2, bits - 1, bits, bits + 1, rng.int(64)]);
      const a = rng.value() & mask, cf = rng.int(2);
      const code = [...prefix[size], size === 1 ? 0xd2 : 0xd3, 0xc0 | (op << 3)]; // op al/ax/eax/rax, cl
      const r = exec(e, code, a, 0n, BigInt(count), 0n, cf);
      const c = count & (size === 8 ? 63 : 31);
      const got = r.rax & mask;
      if (c === 0) { assert.equal(got, a); assert.equal(r.flags & CF, BigInt(cf)); continue; }
      let res: bigint, ncf: bigint, of: bigint | null = null;
      const msb = (v: bigint): bigint => (v >> (W - 1n)) & 1n;
      switch (op) {
        case 0: { const n = BigInt(c % bits); res = ((a << n) | (a >> ((W - n) % W))) & mask; ncf = res & 1n; of = msb(res) ^ ncf; break; }
        case 1: { const n = BigInt(c % bits); res = ((a >> n) | (a << ((W - n) % W))) & mask; ncf = msb(res); of = msb(res) ^ ((res >> (W - 2n)) & 1n); break; }
        case 2: case 3: {
          const n = BigInt(size === 1 ? c % 9 : size === 2 ? c % 17 : c);
          const v = (BigInt(cf) << W) | a, V = W + 1n, vm = (1n << V) - 1n;
          const rot = n === 0n ? v : op === 2 ? ((v << n) | (v >> (V - n))) & vm : ((v >> n) | (v << (V - n))) & vm;
          res = rot & mask; ncf = rot >> W;
          of = op === 2 ? msb(res) ^ ncf : msb(res) ^ ((res >> (W - 2n)) & 1n);
          break;
        }
        case 4: case 6: res = (a << BigInt(c)) & mask; ncf = c <= bits ? (a >> (W - BigInt(c))) & 1n : -1n; of = msb(res) ^ (ncf & 1n); break;
        case 5: res = a >> BigInt(c); ncf = c <= bits ? (a >> BigInt(c - 1)) & 1n : -1n; of = msb(a); break;
        default: { const sa = BigInt.asIntN(bits, a); res = BigInt.asUintN(bits, sa >> BigInt(c)); ncf = (sa >> BigInt(c - 1)) & 1n; of = 0n; break; }
      }
      const what = `op ${op} size ${size} a ${a.toString(16)} count ${count} cf ${cf}`;
      assert.equal(got, res, what);
      if (ncf >= 0n) assert.equal(r.flags & CF, ncf, what); // CF undefined for SHL/SHR past the width
      if (c === 1 && of !== null) assert.equal((r.flags & OF) ? 1n : 0n, of, what);
      if (op >= 4) assert.equal(r.flags & (SF | ZF | PF), szp(res, bits), what);
    }
  });

  it('SHLD/SHRD at 32 and 64 bits', () => {
    for (let k = 0; k < N; k++) {
      const size = rng.pick([4, 8]), bits = size * 8, W = BigInt(bits), mask = (1n << W) - 1n;
      const a = rng.value() & mask, b = rng.value() & mask, c = rng.int(bits);
      const right = rng.bool();
      const r = exec(e, [...(size === 8 ? [0x48] : []), 0x0f, right ? 0xad : 0xa5, 0xd8], a, b, BigInt(c)); // shld/shrd eax/rax, ebx/rbx, cl
      const n = BigInt(c);
      const res = c === 0 ? a : right ? ((a >> n) | (b << (W - n))) & mask : ((a << n) | (b >> (W - n))) & mask;
      assert.equal(r.rax & mask, res, `${right ? 'shrd' : 'shld'} ${a} ${b} ${c}`);
      if (c) {
        const cf = right ? (a >> (n - 1n)) & 1n : (a >> (W - n)) & 1n;
        assert.equal(r.flags & CF, cf);
        assert.equal(r.flags & (SF | ZF | PF), szp(res, bits));
      }
    }
  });

  it('BSF/BSR/POPCNT/LZCNT/TZCNT at 64 bits', () => {
    for (let k = 0; k < N; k++) {
      const v = rng.value(), old = rng.value();
      const bits = [...Array(64).keys()].filter((i) => (v >> BigInt(i)) & 1n);
      let r = exec(e, [0x48, 0x0f, 0xbc, 0xc3], old, v); // bsf rax, rbx
      assert.equal(r.rax, v === 0n ? old : BigInt(bits[0]));
      assert.equal(r.flags & ZF, v === 0n ? ZF : 0n);
      r = exec(e, [0x48, 0x0f, 0xbd, 0xc3], old, v); // bsr
      assert.equal(r.rax, v === 0n ? old : BigInt(bits[bits.length - 1]));
      r = exec(e, [0xf3, 0x48, 0x0f, 0xb8, 0xc3], old, v); // popcnt
      assert.equal(r.rax, BigInt(bits.length)); assert.equal(r.flags & 0x8d5n, v === 0n ? ZF : 0n);
      r = exec(e, [0xf3, 0x48, 0x0f, 0xbd, 0xc3], old, v); // lzcnt
      assert.equal(r.rax, v === 0n ? 64n : BigInt(63 - bits[bits.length - 1]));
      assert.equal(r.flags & (CF | ZF), (v === 0n ? CF : 0n) | (r.rax === 0n ? ZF : 0n));
      r = exec(e, [0xf3, 0x48, 0x0f, 0xbc, 0xc3], old, v); // tzcnt
      assert.equal(r.rax, v === 0n ? 64n : BigInt(bits[0]));
    }
  });

  it('BT/BTS with a register bit offset addresses outside the operand (signed, both directions)', () => {
    const DATA = 0x200000;
    for (const off of [-129n, -64n, -1n, 0n, 31n, 32n, 63n, 64n, 1000n, -1000n]) {
      for (const size of [2, 4, 8]) {
        e.rig.mem.writeBytes(DATA - 0x100, new Uint8Array(0x200));
        e.set(RBX, BigInt(DATA)); e.set(RCX, BigInt.asUintN(64, off));
        e.run([...(size === 2 ? [0x66] : size === 8 ? [0x48] : []), 0x0f, 0xab, 0x0b]); // bts [rbx], cx/ecx/rcx
        // The bit lands at byte (offset >> 3) from RBX, bit offset & 7 (whatever the operand size).
        const so = BigInt.asIntN(size * 8, off);
        const byte = DATA + Number(so >> 3n), bit = Number(so & 7n);
        assert.equal(e.rig.mem.read8(byte), 1 << bit, `bts size ${size} offset ${off}`);
      }
    }
  });
});
