// Case generators: data movement, exchange and atomics (see families.ts).
import { B, Built, RAX, RCX, RDX, RBX } from './builder';
import { le } from './encode';
import { GUARD_ADDR } from '../../support/native';
import { sized, lockPfx } from './families-common';

// --------------------------------------------------------------- MOV

export function mov(b: B): Built {
  const size = b.size();
  const o = b.osz(size);
  const form = b.rng.int(5);
  if (form === 0 || form === 1) {
    const { rm, pfx, isMem } = b.rmOp(size);
    b.emit({ pfx: [...o.pfx, ...pfx], w: o.w, rex: b.byteRex(size), opc: [sized(0x88 + form * 2, size)], reg: b.reg(), rm });
    return b.build('mov', size, `mov ${form ? 'G,E' : 'E,G'}${isMem ? ' mem' : ''}`);
  }
  if (form === 2) {
    const { rm, pfx, isMem } = b.rmOp(size);
    b.emit({ pfx: [...o.pfx, ...pfx], w: o.w, rex: b.byteRex(size), opc: [sized(0xc6, size)], reg: 0, rm, imm: size === 1 ? b.imm('b', 1) : b.imm('z', size) });
    return b.build('mov', size, `mov E,imm${isMem ? ' mem' : ''}`);
  }
  if (form === 3) {
    // B0+r ib / B8+r iz (imm64 with REX.W)
    const r = b.reg();
    b.emit({ pfx: o.pfx, w: o.w, rex: b.byteRex(size), opc: [size === 1 ? 0xb0 : 0xb8], opReg: r, imm: size === 1 ? b.imm('b', 1) : b.imm('v', size) });
    return b.build('mov', size, 'mov r,imm');
  }
  // moffs: A0-A3 with an address-size absolute offset.
  const toMem = b.rng.bool();
  const off = b.rng.int(256 - size + 1);
  const addr = b.memAddr + off;
  const a32 = b.long && b.rng.bool();
  const moffs = b.long && !a32 ? le(addr, 8) : le(addr, 4);
  b.emit({ pfx: [...o.pfx, ...(a32 ? [0x67] : [])], w: o.w, opc: [sized(toMem ? 0xa2 : 0xa0, size)], imm: moffs });
  return b.build('mov', size, `mov moffs${toMem ? ' store' : ' load'}${a32 ? ' a32' : ''}`);
}

export function movx(b: B): Built {
  const k = b.rng.int(b.long ? 3 : 2);
  if (k === 2) {
    // MOVSXD Gv, Ed (16-bit form: r/m16)
    const size = b.size([2, 4, 8]);
    const o = b.osz(size);
    const { rm, pfx, isMem } = b.rmOp(size === 2 ? 2 : 4);
    b.emit({ pfx: [...o.pfx, ...pfx], w: o.w, opc: [0x63], reg: b.reg(), rm });
    return b.build('movsxd', size, `movsxd${isMem ? ' mem' : ''}`);
  }
  const src = b.rng.bool() ? 1 : 2;
  const size = b.size(src === 1 ? [2, 4, 8] : [2, 4, 8]);
  const o = b.osz(size);
  const { rm, pfx, isMem } = b.rmOp(src);
  b.emit({ pfx: [...o.pfx, ...pfx], w: o.w, rex: b.byteRex(src), opc: [0x0f, (k ? 0xbe : 0xb6) + (src - 1)], reg: b.reg(), rm });
  return b.build(k ? 'movsx' : 'movzx', size, `${k ? 'movsx' : 'movzx'} ${src * 8}${isMem ? ' mem' : ''}`);
}

/** LEA at every operand size and address size (16-bit addressing via 67h in compatibility mode: no memory is touched). */
export function lea(b: B): Built {
  const size = b.size([2, 4, 8]);
  const o = b.osz(size);
  const rng = b.rng;
  if (!b.long && rng.int(3) === 0) {
    // 16-bit ModRM (SDM vol 2A, table 2-1): any rm/mod, registers random.
    const mod = rng.int(3), rmf = rng.int(8);
    const disp = mod === 1 ? le(rng.int(256), 1) : mod === 2 || (mod === 0 && rmf === 6) ? le(rng.int(65536), 2) : [];
    b.code.push(...o.pfx, 0x67, 0x8d, (mod << 6) | (b.reg() << 3) | rmf, ...disp);
    return b.build('lea', size, 'lea a16');
  }
  const kind = rng.int(3);
  const reg = b.reg();
  if (kind === 0) {
    // Random registers as base/index: LEA only computes.
    const base = rng.int(b.nregs), index = rng.int(b.nregs);
    const disp = rng.int(2) ? rng.int(256) - 128 : rng.u32() | 0;
    const a32 = b.long && rng.bool();
    b.emit({ pfx: [...o.pfx, ...(a32 ? [0x67] : [])], w: o.w, opc: [0x8d], reg, rm: index === 4 ? { base, disp } : { base, index, scale: rng.pick([1, 2, 4, 8]), disp } });
    return b.build('lea', size, `lea${a32 ? ' a32' : ''}`);
  }
  const { rm, pfx } = b.memOp(1);
  b.emit({ pfx: [...o.pfx, ...pfx], w: o.w, opc: [0x8d], reg, rm });
  return b.build('lea', size, 'lea memop');
}

// ---------------------------------------------------- XCHG and atomics

export function xchg(b: B): Built {
  const size = b.size();
  const o = b.osz(size);
  if (size !== 1 && b.rng.int(3) === 0) {
    const r = b.reg();
    b.emit({ pfx: o.pfx, w: o.w, opc: [0x90], opReg: r });
    return b.build('xchg', size, 'xchg 90+r');
  }
  const { rm, pfx, isMem } = b.rmOp(size);
  const lock = lockPfx(b, isMem);
  b.emit({ pfx: [...lock, ...o.pfx, ...pfx], w: o.w, rex: b.byteRex(size), opc: [sized(0x86, size)], reg: b.reg(), rm });
  return b.build('xchg', size, `xchg${isMem ? ' mem' : ''}`);
}

export function cmpxchg(b: B): Built {
  const size = b.size();
  const o = b.osz(size);
  const isMem = b.rng.bool();
  const eq = b.rng.bool();
  let rm;
  let pfx: number[] = [];
  if (isMem) {
    const off = b.rng.int(256 - size + 1);
    ({ rm, pfx } = b.memOp(size, off, [RAX]));
    if (eq) {
      // Make the comparison succeed: the accumulator's low bytes = the destination.
      let v = 0n;
      for (let j = size - 1; j >= 0; j--) v = (v << 8n) | BigInt(b.mem[off + j]);
      const m = (1n << BigInt(size * 8)) - 1n;
      b.set(RAX, (b.regs[RAX] & ~m) | v);
    }
  } else {
    rm = { reg: b.reg() };
    if (eq) b.set(RAX, b.regs[rm.reg]);
    // A failing CMPXCHG r32 "writes back" DEST: whether that clears bits 63:32 of a
    // register destination differs between vendors (AMD leaves them), so they are not compared.
    else if (size === 4) b.meta.undefRegs = [[rm.reg, 0xffffffff00000000n]];
  }
  const reg = b.reg();
  const lock = lockPfx(b, isMem);
  b.emit({ pfx: [...lock, ...o.pfx, ...pfx], w: o.w, rex: b.byteRex(size), opc: [0x0f, sized(0xb0, size)], reg, rm });
  return b.build('cmpxchg', size, `cmpxchg${isMem ? ' mem' : ''}${eq ? ' eq' : ''}${lock.length ? ' lock' : ''}`);
}

export function cmpxchg8b(b: B): Built {
  const wide = b.long && b.rng.bool();
  const n = wide ? 16 : 8;
  const aligned = !wide || b.rng.int(4) !== 0;
  const off = aligned ? b.rng.int(256 / n) * n : b.rng.int(256 - n) | 1;
  const { rm, pfx } = b.memOp(n, off, [RAX, RBX, RCX, RDX]);
  // Half the time the comparison succeeds.
  if (b.rng.bool()) {
    const w = (k: number): bigint => { let v = 0n; for (let j = 7; j >= 0; j--) v = (v << 8n) | BigInt(b.mem[off + k * 8 + j]); return v; };
    if (wide) { b.set(RAX, w(0)); b.set(RDX, w(1)); }
    else { const v = w(0); b.set(RAX, v & 0xffffffffn); b.set(RDX, v >> 32n); }
  }
  const lock = b.rng.bool() ? [0xf0] : [];
  b.emit({ pfx: [...lock, ...pfx], w: wide, opc: [0x0f, 0xc7], reg: 1, rm });
  return b.build(wide ? 'cmpxchg16b' : 'cmpxchg8b', n, `${wide ? 'cmpxchg16b' : 'cmpxchg8b'}${aligned ? '' : ' unaligned'}`);
}

export function xadd(b: B): Built {
  const size = b.size();
  const o = b.osz(size);
  const { rm, pfx, isMem } = b.rmOp(size);
  const lock = lockPfx(b, isMem);
  b.emit({ pfx: [...lock, ...o.pfx, ...pfx], w: o.w, rex: b.byteRex(size), opc: [0x0f, sized(0xc0, size)], reg: b.reg(true), rm });
  return b.build('xadd', size, `xadd${isMem ? ' mem' : ''}`);
}

export function bswap(b: B): Built {
  const size = b.size([2, 4, 8]);
  const o = b.osz(size);
  const r = b.reg();
  b.emit({ pfx: o.pfx, w: o.w, opc: [0x0f, 0xc8], opReg: r });
  // BSWAP with a 16-bit operand: "the result is undefined" (SDM vol 2A, BSWAP).
  if (size === 2) b.meta.undefRegs = [[r, 0xffffn]];
  return b.build('bswap', size, 'bswap');
}

export function convert(b: B): Built {
  const size = b.size([2, 4, 8]);
  const o = b.osz(size);
  const cwd = b.rng.bool();
  b.emit({ pfx: o.pfx, w: o.w, opc: [cwd ? 0x99 : 0x98] });
  return b.build(cwd ? 'cwd' : 'cbw', size, cwd ? 'cwd/cdq/cqo' : 'cbw/cwde/cdqe');
}


/**
 * Loads and stores that straddle from the last data page into the guard
 * page: the #PF must report the first byte of the guard page in CR2 and
 * leave registers and memory untouched (no partial store).
 */
export function crossing(b: B): Built {
  const rng = b.rng;
  b.memAddr = GUARD_ADDR - 256;
  const size = b.size([2, 4, 8]);
  const o = b.osz(size);
  const off = 256 - size + 1 + rng.int(size - 1); // the operand's last bytes lie in the guard page
  const k = rng.int(10);
  const { rm, pfx } = b.memOp(size, off, [RCX]);
  const reg = b.reg();
  // load, store, add (RMW), xchg, inc, shl by CL (0 or 1), bts, cmpxchg, xadd, not
  const forms: [number[], number | null, string, string][] = [
    [[0x8b], null, 'mov', 'load'], [[0x89], null, 'mov', 'store'], [[0x01], null, 'add', 'add'], [[0x87], null, 'xchg', 'xchg'],
    [[0xff], 0, 'inc', 'inc'], [[0xd3], 4, 'shl', 'shl cl'], [[0x0f, 0xab], null, 'bts', 'bts'], [[0x0f, 0xb1], null, 'cmpxchg', 'cmpxchg'],
    [[0x0f, 0xc1], null, 'xadd', 'xadd'], [[0xf7], 2, 'not', 'not'],
  ];
  const [opc, digit, mn, name] = forms[k];
  if (k === 5) { b.claim(RCX); b.set(RCX, BigInt(rng.int(2))); b.meta.count = Number(b.regs[RCX]); }
  if (k === 6) b.set(reg, BigInt(rng.int(size * 8)));
  b.emit({ pfx: [...o.pfx, ...pfx], w: o.w, opc, reg: digit ?? (k === 6 && reg === RCX ? RBX : reg), rm });
  return b.build(mn, size, `${name} across into the guard page`);
}
