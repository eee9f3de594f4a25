// Case generators: arithmetic, logic, multiply/divide, shifts and bit
// instructions (see families.ts).
import { B, Built, RAX, RCX, RDX, RBX, RSI } from './builder';
import { sized, lockPfx, CC, ALU, SHIFTS } from './families-common';

// --------------------------------------------------------------- ALU

export function alu(b: B): Built {
  const n = b.rng.int(8);
  const size = b.size();
  const o = b.osz(size);
  const form = b.rng.int(b.long ? 6 : 7);
  const mn = ALU[n];
  if (form === 0 || form === 1) {
    // E,G (00+) or G,E (02+)
    const { rm, pfx, isMem } = b.rmOp(size);
    const reg = b.reg();
    const lock = form === 0 ? lockPfx(b, isMem, mn !== 'cmp') : [];
    b.emit({ pfx: [...lock, ...o.pfx, ...pfx], w: o.w, rex: b.byteRex(size), opc: [sized(n * 8 + form * 2, size)], reg, rm });
    return b.build(mn, size, `${mn} ${form ? 'G,E' : 'E,G'}${isMem ? ' mem' : ''}${lock.length ? ' lock' : ''}`);
  }
  if (form === 2) {
    // AL/rAX, imm
    b.emit({ pfx: o.pfx, w: o.w, opc: [sized(n * 8 + 4, size)], imm: size === 1 ? b.imm('b', 1) : b.imm('z', size) });
    return b.build(mn, size, `${mn} acc,imm`);
  }
  // Group 1: 80 (Eb,Ib), 81 (Ev,Iz), 83 (Ev,Ibs), 82 (Eb,Ib; not in 64-bit mode)
  const { rm, pfx, isMem } = b.rmOp(size);
  const lock = lockPfx(b, isMem, mn !== 'cmp');
  let opc: number, imm: number[];
  if (size === 1) { opc = form === 6 ? 0x82 : 0x80; imm = b.imm('b', 1); }
  else if (form === 3 || form === 6) { opc = 0x81; imm = b.imm('z', size); }
  else { opc = 0x83; imm = b.imm('b', 1); }
  b.emit({ pfx: [...lock, ...o.pfx, ...pfx], w: o.w, rex: b.byteRex(size), opc: [opc], reg: n, rm, imm });
  return b.build(mn, size, `${mn} ${opc.toString(16)}/${n}${isMem ? ' mem' : ''}${lock.length ? ' lock' : ''}`);
}

export function test(b: B): Built {
  const size = b.size();
  const o = b.osz(size);
  const form = b.rng.int(3);
  if (form === 0) {
    const { rm, pfx, isMem } = b.rmOp(size);
    b.emit({ pfx: [...o.pfx, ...pfx], w: o.w, rex: b.byteRex(size), opc: [sized(0x84, size)], reg: b.reg(), rm });
    return b.build('test', size, `test E,G${isMem ? ' mem' : ''}`);
  }
  if (form === 1) {
    b.emit({ pfx: o.pfx, w: o.w, opc: [sized(0xa8, size)], imm: size === 1 ? b.imm('b', 1) : b.imm('z', size) });
    return b.build('test', size, 'test acc,imm');
  }
  const { rm, pfx, isMem } = b.rmOp(size);
  // F6/F7 /0 and the undocumented /1 alias.
  b.emit({ pfx: [...o.pfx, ...pfx], w: o.w, rex: b.byteRex(size), opc: [sized(0xf6, size)], reg: b.rng.int(2), rm, imm: size === 1 ? b.imm('b', 1) : b.imm('z', size) });
  return b.build('test', size, `test f6/f7${isMem ? ' mem' : ''}`);
}

export function incdec(b: B): Built {
  const size = b.size();
  const o = b.osz(size);
  const dec = b.rng.bool();
  const mn = dec ? 'dec' : 'inc';
  if (!b.long && size !== 1 && b.rng.bool()) {
    b.emit({ pfx: o.pfx, opc: [(dec ? 0x48 : 0x40) + b.reg()] });
    return b.build(mn, size, `${mn} 40+r`);
  }
  const { rm, pfx, isMem } = b.rmOp(size);
  const lock = lockPfx(b, isMem);
  b.emit({ pfx: [...lock, ...o.pfx, ...pfx], w: o.w, rex: b.byteRex(size), opc: [sized(0xfe, size)], reg: dec ? 1 : 0, rm });
  return b.build(mn, size, `${mn} E${isMem ? ' mem' : ''}${lock.length ? ' lock' : ''}`);
}

export function negnot(b: B): Built {
  const size = b.size();
  const o = b.osz(size);
  const neg = b.rng.bool();
  const { rm, pfx, isMem } = b.rmOp(size);
  const lock = lockPfx(b, isMem);
  b.emit({ pfx: [...lock, ...o.pfx, ...pfx], w: o.w, rex: b.byteRex(size), opc: [sized(0xf6, size)], reg: neg ? 3 : 2, rm });
  return b.build(neg ? 'neg' : 'not', size, `${neg ? 'neg' : 'not'}${isMem ? ' mem' : ''}`);
}

// ----------------------------------------------------------- MUL/DIV

export function muldiv(b: B): Built {
  const size = b.size();
  const o = b.osz(size);
  const k = b.rng.int(4); // mul imul div idiv
  const mn = ['mul', 'imul', 'div', 'idiv'][k];
  const { rm, pfx, isMem } = b.rmOp(size, 0.4, [RAX, RDX]);
  if (k >= 2 && b.rng.int(3) !== 0) {
    // Keep the high dividend half small (or its sign extension) so most divisions do not #DE.
    const hi = b.rng.int(2) === 0 ? 0n : b.rng.int(2) === 0 ? -1n : BigInt(b.rng.int(4));
    if (size === 1) b.set(RAX, (b.regs[RAX] & ~0xff00n) | ((hi & 0xffn) << 8n));
    else b.set(RDX, hi);
    if (k === 3 && b.rng.bool() && size > 1) {
      // IDIV: sign-extend rAX into rDX exactly.
      const w = BigInt(size * 8);
      const a = BigInt.asIntN(Number(w), b.regs[RAX]);
      b.set(RDX, a < 0n ? -1n : 0n);
    }
  }
  if (!isMem && 'reg' in rm && (rm.reg === RAX || rm.reg === RDX) && b.rng.bool()) rm.reg = RBX;
  b.emit({ pfx: [...o.pfx, ...pfx], w: o.w, rex: b.byteRex(size), opc: [sized(0xf6, size)], reg: 4 + k, rm });
  return b.build(mn, size, `${mn}${isMem ? ' mem' : ''}`);
}

export function imulN(b: B): Built {
  const size = b.size([2, 4, 8]);
  const o = b.osz(size);
  const form = b.rng.int(3);
  const { rm, pfx, isMem } = b.rmOp(size);
  const reg = b.reg();
  if (form === 0) {
    b.emit({ pfx: [...o.pfx, ...pfx], w: o.w, opc: [0x0f, 0xaf], reg, rm });
    return b.build('imul', size, `imul G,E${isMem ? ' mem' : ''}`);
  }
  const imm = form === 1 ? b.imm('z', size) : b.imm('b', 1);
  b.emit({ pfx: [...o.pfx, ...pfx], w: o.w, opc: [form === 1 ? 0x69 : 0x6b], reg, rm, imm });
  return b.build('imul', size, `imul G,E,${form === 1 ? 'Iz' : 'Ibs'}${isMem ? ' mem' : ''}`);
}

// ------------------------------------------------------------- shifts

export function shift(b: B): Built {
  const size = b.size();
  const o = b.osz(size);
  const n = b.rng.int(8);
  const mn = SHIFTS[n];
  const form = b.rng.int(3); // by 1, CL, imm8
  const { rm, pfx, isMem } = b.rmOp(size, 0.3, [RCX]);
  let raw: number;
  const pickCount = (): number => b.rng.pick([0, 1, 2, size * 8 - 1, size * 8, size * 8 + 1, 9, 17, 31, 32, 33, 63, 64, 65, 255, b.rng.int(256)]) & 0xff;
  let opc: number, imm: number[] | undefined;
  if (form === 0) { raw = 1; opc = sized(0xd0, size); }
  else if (form === 1) { raw = pickCount(); b.set(RCX, (b.regs[RCX] & ~0xffn) | BigInt(raw)); opc = sized(0xd2, size); }
  else { raw = pickCount(); opc = sized(0xc0, size); imm = [raw]; }
  if (!isMem && 'reg' in rm && rm.reg === RCX && form === 1) rm.reg = RBX;
  b.emit({ pfx: [...o.pfx, ...pfx], w: o.w, rex: b.byteRex(size), opc: [opc], reg: n, rm, imm });
  const count = raw & (size === 8 ? 63 : 31);
  b.meta.count = count;
  return b.build(mn === 'sal' ? 'shl' : mn, size, `${mn} ${['1', 'cl', 'imm'][form]}${isMem ? ' mem' : ''} count=${count}`);
}

export function dshift(b: B): Built {
  const size = b.size([2, 4, 8]);
  const o = b.osz(size);
  const right = b.rng.bool();
  const byCl = b.rng.bool();
  const { rm, pfx, isMem } = b.rmOp(size, 0.3, [RCX]);
  let reg = b.reg();
  if (byCl && reg === RCX) reg = RBX;
  if (!isMem && 'reg' in rm && rm.reg === RCX && byCl) rm.reg = RSI;
  const raw = b.rng.pick([0, 1, 2, 15, 16, 17, 31, 32, 63, b.rng.int(256)]);
  if (byCl) b.set(RCX, (b.regs[RCX] & ~0xffn) | BigInt(raw));
  b.emit({ pfx: [...o.pfx, ...pfx], w: o.w, opc: [0x0f, (right ? 0xac : 0xa4) + (byCl ? 1 : 0)], reg, rm, imm: byCl ? undefined : [raw] });
  const count = raw & (size === 8 ? 63 : 31);
  b.meta.count = count;
  // 16-bit operands with count > 16: result undefined (SDM vol 2B, SHLD).
  if (size === 2 && count > 16) {
    if (isMem) b.meta.undefMem = true;
    else if ('reg' in rm) b.meta.undefRegs = [[rm.reg, 0xffffn]];
  }
  const mn = right ? 'shrd' : 'shld';
  return b.build(mn, size, `${mn} ${byCl ? 'cl' : 'imm'}${isMem ? ' mem' : ''} count=${count}`);
}

// ---------------------------------------------------------------- bits

export function bt(b: B): Built {
  const size = b.size([2, 4, 8]);
  const o = b.osz(size);
  const k = b.rng.int(4); // bt bts btr btc
  const mn = ['bt', 'bts', 'btr', 'btc'][k];
  const byImm = b.rng.bool();
  if (byImm) {
    const { rm, pfx, isMem } = b.rmOp(size);
    const lock = lockPfx(b, isMem, k !== 0);
    b.emit({ pfx: [...lock, ...o.pfx, ...pfx], w: o.w, opc: [0x0f, 0xba], reg: 4 + k, rm, imm: [b.rng.int(256)] });
    return b.build(mn, size, `${mn} imm${isMem ? ' mem' : ''}`);
  }
  const isMem = b.rng.bool();
  if (isMem) {
    // Bit string: a signed offset reaching outside the addressed operand, kept inside the buffer.
    const base = 128 - (128 % size);
    const { rm, pfx } = b.memOp(size, base);
    const reg = b.reg();
    const span = (base / size) * size * 8; // bits before the operand
    const off = b.rng.int(2 * span) - span;
    b.set(reg, BigInt(off));
    const lock = lockPfx(b, true, k !== 0);
    b.emit({ pfx: [...lock, ...o.pfx, ...pfx], w: o.w, opc: [0x0f, [0xa3, 0xab, 0xb3, 0xbb][k]], reg, rm });
    return b.build(mn, size, `${mn} mem,reg off=${off}`);
  }
  const rm = { reg: b.reg() };
  b.emit({ pfx: o.pfx, w: o.w, opc: [0x0f, [0xa3, 0xab, 0xb3, 0xbb][k]], reg: b.reg(true), rm });
  return b.build(mn, size, `${mn} reg,reg`);
}

export function scan(b: B): Built {
  const size = b.size([2, 4, 8]);
  const o = b.osz(size);
  const k = b.rng.int(5); // bsf bsr popcnt lzcnt tzcnt
  const mn = ['bsf', 'bsr', 'popcnt', 'lzcnt', 'tzcnt'][k];
  const { rm, pfx, isMem } = b.rmOp(size);
  if (!isMem && 'reg' in rm && b.rng.int(4) === 0) b.set(rm.reg, 0n);
  if (isMem && b.rng.int(4) === 0) b.mem.fill(0);
  const reg = b.reg();
  // BSF/BSR r32 with a zero source: AMD leaves all 64 bits alone, Intel clears bits 63:32
  // (the SDM calls the destination undefined), so those bits are not compared.
  if (k < 2 && size === 4) b.meta.undefRegs = [[reg, 0xffffffff00000000n]];
  const opc = [[0xbc], [0xbd], [0xb8], [0xbd], [0xbc]][k];
  const rep = k >= 2 ? [0xf3] : [];
  b.emit({ pfx: [...rep, ...o.pfx, ...pfx], w: o.w, opc: [0x0f, ...opc], reg, rm });
  return b.build(mn, size, `${mn}${isMem ? ' mem' : ''}`);
}

export function setcc(b: B): Built {
  const cc = b.rng.int(16);
  if (b.rng.bool()) {
    const { rm, pfx, isMem } = b.rmOp(1);
    b.emit({ pfx, rex: b.byteRex(1), opc: [0x0f, 0x90 + cc], reg: 0, rm });
    return b.build('set' + CC[cc], 1, `set${CC[cc]}${isMem ? ' mem' : ''}`);
  }
  const size = b.size([2, 4, 8]);
  const o = b.osz(size);
  const { rm, pfx, isMem } = b.rmOp(size);
  b.emit({ pfx: [...o.pfx, ...pfx], w: o.w, opc: [0x0f, 0x40 + cc], reg: b.reg(), rm });
  return b.build('cmov' + CC[cc], size, `cmov${CC[cc]}${isMem ? ' mem' : ''}`);
}

