// Case generators: branches, the stack, strings and the odd ones (see families.ts).
import { B, Built, RAX, RCX, RDX, RBX, RSP, RBP, RSI, RDI } from './builder';
import { le } from './encode';
import { GUARD_ADDR, CODE_ADDR } from '../../support/native';
import { sized, CC } from './families-common';

// ------------------------------------------------------------ branches

/** A marker instruction that proves it executed: mov edi, imm32 (5 bytes). */
const MARK = [0xbf, 0x11, 0x22, 0x33, 0x44];

export function branch(b: B): Built {
  const rng = b.rng;
  const k = rng.int(8);
  b.claim(RDI);
  if (k === 0) {
    // Jcc rel8 / rel32 over the marker.
    const cc = rng.int(16);
    if (rng.bool()) b.code.push(0x70 + cc, MARK.length);
    else b.code.push(0x0f, 0x80 + cc, ...le(MARK.length, 4));
    b.code.push(...MARK);
    return b.build('j' + CC[cc], 0, `j${CC[cc]}`);
  }
  if (k === 1) {
    if (rng.bool()) b.code.push(0xeb, MARK.length); else b.code.push(0xe9, ...le(MARK.length, 4));
    b.code.push(...MARK);
    return b.build('jmp', 0, 'jmp rel');
  }
  if (k === 2) {
    // LOOP/LOOPE/LOOPNE/JrCXZ forward over the marker, count register at the address size.
    const op = rng.int(4);
    const a32 = rng.bool() ? [0x67] : [];
    b.claim(RCX);
    b.set(RCX, rng.pick([0n, 1n, 2n, 0x100000000n, 0x10000n, 0x10001n, rng.value()]));
    b.code.push(...a32, 0xe0 + op, MARK.length, ...MARK);
    return b.build(['loopne', 'loope', 'loop', 'jrcxz'][op], 0, `${['loopne', 'loope', 'loop', 'jrcxz'][op]}${a32.length ? ' a32' : ''}`);
  }
  if (k === 3) {
    // Backward LOOP: count iterations in EDX (counter small).
    b.claim(RCX); b.claim(RDX);
    const a32 = rng.bool();
    // With 67h only ECX counts: garbage in the upper half must not matter.
    b.set(RCX, BigInt(rng.int(5) + 1) | (a32 ? 0xffffffff00000000n : 0n));
    if (a32) b.code.push(0xff, 0xc2, 0x67, 0xe2, 0xfb); // L: inc edx; loop L (ECX)
    else b.code.push(0xff, 0xc2, 0xe2, 0xfc); // L: inc edx; loop L
    return b.build('loop', 0, 'loop backward');
  }
  const rsp = b.memAddr + 128 + (rng.int(4) === 0 ? rng.int(8) : 0);
  b.point(RSP, rsp - b.memAddr);
  const ssz = b.long ? 8 : 4;
  if (k === 4) {
    // CALL rel32 over the marker: pushes the return address.
    b.code.push(0xe8, ...le(MARK.length, 4), ...MARK);
    return b.build('call', 0, 'call rel');
  }
  if (k === 5) {
    // RET / RET imm16 to CODE + 1 (+3) + 5: skipping the marker; the return address is in the buffer.
    const imm = rng.bool();
    const len = imm ? 3 : 1;
    const target = CODE_ADDR + len + MARK.length;
    const at = rsp - b.memAddr;
    b.mem.set(le(target, ssz), at);
    if (imm) b.code.push(0xc2, ...le(rng.int(64) * 2, 2)); else b.code.push(0xc3);
    b.code.push(...MARK);
    return b.build('ret', 0, imm ? 'ret imm16' : 'ret');
  }
  // Indirect JMP/CALL through a register or memory to CODE + len + 5 (or a non-canonical target).
  const call = k === 7;
  const viaMem = rng.bool();
  let len: number;
  const targetReg = RBX;
  b.claim(targetReg);
  if (viaMem) {
    const { rm, pfx } = b.memOp(ssz, 0, [RBX, RSP]);
    const enc = { pfx, opc: [0xff], reg: call ? 2 : 4, rm };
    b.emit(enc);
    len = b.code.length;
    b.mem.set(le(CODE_ADDR + len + MARK.length, ssz), 0);
  } else {
    b.emit({ opc: [0xff], reg: call ? 2 : 4, rm: { reg: targetReg } });
    len = b.code.length;
    const bad = b.long && rng.int(6) === 0;
    b.set(targetReg, bad ? 0x0000800000000000n + BigInt(CODE_ADDR) : BigInt(CODE_ADDR + len + MARK.length));
  }
  b.code.push(...MARK);
  return b.build(call ? 'call' : 'jmp', 0, `${call ? 'call' : 'jmp'} indirect${viaMem ? ' mem' : ''}`);
}

// --------------------------------------------------------------- stack

export function stack(b: B): Built {
  const rng = b.rng;
  const at = 128 + (rng.int(4) === 0 ? rng.int(16) - 8 : 0);
  b.point(RSP, at);
  const size = b.long ? rng.pick([2, 8]) : rng.pick([2, 4]);
  const pfx66 = (b.long ? size === 2 : size === 2) ? [0x66] : [];
  const k = rng.int(b.long ? 7 : 9);
  if (k === 0) {
    const r = b.reg(true);
    b.emit({ pfx: pfx66, opc: [0x50], opReg: r });
    return b.build('push', size, 'push r');
  }
  if (k === 1) {
    const r = b.reg(true);
    b.emit({ pfx: pfx66, opc: [0x58], opReg: r });
    return b.build('pop', size, 'pop r');
  }
  if (k === 2) {
    const { rm, pfx, isMem } = b.rmOp(size, 0.6);
    b.emit({ pfx: [...pfx66, ...pfx], opc: [0xff], reg: 6, rm });
    return b.build('push', size, `push E${isMem ? ' mem' : ''}`);
  }
  if (k === 3) {
    // POP r/m: a memory operand based on rSP uses the incremented rSP.
    const viaRsp = rng.bool();
    if (viaRsp) {
      b.emit({ pfx: pfx66, opc: [0x8f], reg: 0, rm: { base: RSP, disp: rng.int(32) - 8 } });
      return b.build('pop', size, 'pop [rsp+d]');
    }
    const { rm, pfx, isMem } = b.rmOp(size, 0.6);
    b.emit({ pfx: [...pfx66, ...pfx], opc: [0x8f], reg: 0, rm });
    return b.build('pop', size, `pop E${isMem ? ' mem' : ''}`);
  }
  if (k === 4) {
    const byte = rng.bool();
    b.emit({ pfx: pfx66, opc: [byte ? 0x6a : 0x68], imm: byte ? b.imm('b', 1) : b.imm('z', size) });
    return b.build('push', size, byte ? 'push Ibs' : 'push Iz');
  }
  if (k === 5) {
    // ENTER imm16, level (frame pointers copied from the old frame at rBP).
    b.point(RBP, 64 + rng.int(64));
    const level = rng.pick([0, 1, 2, 3, rng.int(32), rng.int(256)]);
    b.emit({ pfx: pfx66, opc: [0xc8], imm: [...le(rng.int(3) === 0 ? rng.int(65536) : rng.int(64), 2), level] });
    return b.build('enter', size, `enter level=${level & 31}`);
  }
  if (k === 6) {
    b.point(RBP, 64 + rng.int(128));
    b.emit({ pfx: pfx66, opc: [0xc9] });
    return b.build('leave', size, 'leave');
  }
  // Compatibility mode only: PUSHA/POPA.
  b.emit({ pfx: pfx66, opc: [k === 7 ? 0x60 : 0x61] });
  return b.build(k === 7 ? 'pusha' : 'popa', size, k === 7 ? 'pusha' : 'popa');
}

// ------------------------------------------------------------- strings

export function strings(b: B): Built {
  const rng = b.rng;
  const k = rng.int(5); // movs cmps stos lods scas
  const mn = ['movs', 'cmps', 'stos', 'lods', 'scas'][k];
  const size = b.size();
  const o = b.osz(size);
  const opc = [sized(0xa4, size), sized(0xa6, size), sized(0xaa, size), sized(0xac, size), sized(0xae, size)][k];
  const rep = rng.int(4);
  const pfxRep = rep === 0 ? [] : rep === 1 ? [0xf3] : rep === 2 ? [0xf2] : [0xf3];
  const a32 = b.long && rng.int(4) === 0 ? [0x67] : [];
  // Near the guard page sometimes, so a REP runs into a #PF part-way.
  const nearGuard = rng.int(5) === 0;
  if (nearGuard) b.memAddr = GUARD_ADDR - 256;
  const back = (b.flags & 0x400) !== 0;
  if (!nearGuard && rng.int(6) === 0 && (k === 0 || k === 2)) {
    // Long REP MOVS/STOS (whole-page runs): source anywhere in the window, destination the buffer (or overlapping it).
    b.memAddr = 0x201000;
    const n = Math.floor((rng.int(0xe00) + 0x100) / size);
    const span = n * size;
    const dOff = back ? span - size : 0;
    const sOff = rng.bool() ? dOff + rng.pick([1, -1, size, -size, 0x40]) : dOff - 0x1000 + rng.int(0x800);
    b.point(RSI, sOff); b.point(RDI, dOff); b.claim(RCX); b.set(RCX, BigInt(n));
    b.emit({ pfx: [pfxRep.length ? pfxRep[0] : 0xf3, ...o.pfx], w: o.w, opc: [opc] });
    return b.build(mn, size, `rep ${mn}${size * 8} long${back ? ' DF' : ''} count=${n} src=${sOff - dOff}`);
  }
  const count = rng.pick([0, 1, 2, 3, 7, 16, 31, rng.int(40), nearGuard ? 200 : rng.int(20)]);
  const span = count * size;
  // Pointers: forward runs start low in the buffer, backward runs high.
  const pick = (): number => {
    const lo = back ? Math.min(255, span) : 0;
    const hi = back ? 255 : Math.max(0, 256 - span);
    return lo + rng.int(Math.max(1, hi - lo + 1));
  };
  const si = nearGuard && !back ? 256 - rng.int(64) : pick();
  const di = k === 0 && rng.int(4) === 0 ? si + rng.pick([1, -1, size, -size, 3]) : nearGuard && !back ? 256 - rng.int(64) : pick();
  b.point(RSI, si);
  b.point(RDI, di);
  b.claim(RCX);
  b.set(RCX, BigInt(count) | (a32.length ? BigInt(rng.u32()) << 32n : 0n));
  if ((k === 1 || k === 4) && rng.bool()) {
    // Make the compared data mostly equal so REPE runs on.
    for (let j = 0; j < 256; j++) b.mem[j] = j & 1;
    b.set(RAX, 0n);
  }
  b.emit({ pfx: [...pfxRep, ...o.pfx, ...a32], w: o.w, opc: [opc] });
  return b.build(mn, size, `${['', 'rep ', 'repne ', 'rep '][rep]}${mn}${size * 8}${a32.length ? ' a32' : ''}${back ? ' DF' : ''} count=${count}${nearGuard ? ' guard' : ''}`);
}

/** Non-canonical memory operands (#GP(0), or #SS(0) for rSP/rBP-based ones) and stack pointers. */
export function canonical(b: B): Built {
  const rng = b.rng;
  const k = rng.int(3);
  const bad = BigInt.asUintN(64, rng.pick([0x0000800000000000n, 0xffff7ffffffffff0n, 0x1234000000000000n]));
  if (k === 0) {
    const base = rng.pick([RBX, RSI, RDI, RBP, RSP, 9, 12, 13]);
    b.claim(base); b.set(base, bad);
    b.emit({ opc: [0x8b], reg: RAX, rm: { base, disp: 0 } });
    return b.build('mov', 4, `mov eax,[non-canonical ${['', '', '', 'rbx', 'rsp', 'rbp', 'rsi', 'rdi'][base] || 'r' + base}]`);
  }
  if (k === 1) {
    b.claim(RSP); b.set(RSP, bad + 8n);
    b.code.push(rng.bool() ? 0x50 : 0x58);
    return b.build('push', 8, 'push/pop with a non-canonical rsp');
  }
  b.claim(RBX); b.set(RBX, bad);
  b.emit({ pfx: [0xf3], w: true, opc: [0xa5] });
  b.point(RSI, 0); b.set(RCX, 3n); b.claim(RCX); b.claim(RDI); b.set(RDI, bad);
  return b.build('movs', 8, 'rep movsq to a non-canonical rdi');
}

// --------------------------------------------------------------- misc

export function flagOps(b: B): Built {
  const k = b.rng.int(7);
  const op = [0x9e, 0x9f, 0xf8, 0xf9, 0xf5, 0xfc, 0xfd][k];
  const mn = ['sahf', 'lahf', 'clc', 'stc', 'cmc', 'cld', 'std'][k];
  b.code.push(op);
  // Follow with pushf-free observation: the harness reads RFLAGS directly.
  return b.build(mn, 0, mn);
}

export function xlat(b: B): Built {
  const a32 = b.long && b.rng.bool();
  b.claim(RBX);
  // With 67h the upper half of RBX must be ignored.
  b.set(RBX, BigInt(b.memAddr + b.rng.int(128)) | (a32 ? BigInt(b.rng.u32()) << 32n : 0n));
  b.set(RAX, (b.regs[RAX] & ~0xffn) | BigInt(b.rng.int(128)));
  b.code.push(...(a32 ? [0x67] : []), 0xd7);
  return b.build('xlat', 1, `xlat${a32 ? ' a32' : ''}`);
}

export function bcd(b: B): Built {
  const k = b.rng.int(6);
  const mn = ['daa', 'das', 'aaa', 'aas', 'aam', 'aad'][k];
  if (k < 4) b.code.push([0x27, 0x2f, 0x37, 0x3f][k]);
  else b.code.push(k === 4 ? 0xd4 : 0xd5, b.rng.pick([10, 0, 16, 1, b.rng.int(256)]));
  return b.build(mn, 1, mn);
}

export function nops(b: B): Built {
  const k = b.rng.int(6);
  if (k === 0) b.code.push(0x90);
  else if (k === 1) b.code.push(0x66, 0x90);
  else if (k === 2) { const { rm, pfx } = b.rmOp(4, 0.5); b.emit({ pfx, opc: [0x0f, 0x1f], reg: 0, rm }); }
  else if (k === 3) b.code.push(0xf3, 0x90);
  else if (k === 4) b.code.push(0x0f, 0x0b); // ud2
  else b.emit({ opc: [0x0f, b.rng.bool() ? 0xb9 : 0xff], reg: b.reg(), rm: { reg: b.reg() } }); // ud1 / ud0
  return b.build(k >= 4 ? 'ud' : 'nop', 0, ['nop', '66 nop', 'nopl', 'pause', 'ud2', 'ud1/ud0'][k]);
}

/** LOCK on a register destination or a non-lockable instruction: #UD. */
export function lockUd(b: B): Built {
  const k = b.rng.int(4);
  if (k === 0) b.emit({ pfx: [0xf0], opc: [0x01], reg: b.reg(), rm: { reg: b.reg() } }); // lock add reg,reg
  else if (k === 1) { const { rm, pfx } = b.memOp(4); b.emit({ pfx: [0xf0, ...pfx], opc: [0x8b], reg: b.reg(), rm }); } // lock mov
  else if (k === 2) { const { rm, pfx } = b.memOp(4); b.emit({ pfx: [0xf0, ...pfx], opc: [0x39], reg: b.reg(), rm }); } // lock cmp
  else { const { rm, pfx } = b.memOp(4); b.emit({ pfx: [0xf0, ...pfx], opc: [0x0f, 0xa3], reg: b.reg(), rm }); } // lock bt
  return b.build('lock', 0, ['lock add r,r', 'lock mov', 'lock cmp', 'lock bt'][k]);
}

