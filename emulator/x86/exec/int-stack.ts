// Stack instructions: PUSH/POP (register, memory, immediate; 16/32/64-bit
// operand sizes), PUSHA/POPA, ENTER (with nesting levels) and LEAVE (SDM
// vol 2B "PUSH", "POP", "PUSHA/PUSHAD", "POPA/POPAD", vol 2A "ENTER",
// "LEAVE"). The stack width is the stack-address size (cpu.stackSize: 64 in
// 64-bit mode, else SS.B); the operand size decides how much is moved.
// Registers change only after every memory access of the instruction has
// succeeded (precise exceptions).
import type { Cpu } from '../cpu';
import { OpKind } from '../decode/insn';
import { CpuFault } from '../fault';
import { SS } from '../regs';
import { H, TWO32, quicken, eaAfterPop } from './int-util';

// ---------------------------------------------------------------- PUSH

/** SDM vol 2B, PUSH: PUSH rSP pushes the value before the decrement; memory operands use the old rSP. */
const pushGeneric: H = (cpu, i) => {
  const s = i.osize;
  const v = cpu.rd(i, 0);
  cpu.push(s, s === 2 ? v & 0xffff : v, s === 8 ? cpu.hi : 0);
};

/** 64-bit mode PUSH r64 without a borrow out of RSP's low half. */
const push64r: H = (cpu, i) => {
  const regs = cpu.regs;
  const k = i.r0 << 1;
  const sp = regs[8] >>> 0, sph = regs[9];
  if (sp < 8 || ((sph << 16) >> 16) !== sph) { cpu.push(8, regs[k], regs[k + 1]); return; }
  const nsp = sp - 8;
  cpu.write64((sph & 0xffff) * TWO32 + nsp, regs[k], regs[k + 1]);
  regs[8] = nsp;
};

const push = quicken((i) => (i.k0 === OpKind.Reg && i.osize === 8 ? push64r : pushGeneric));

// ----------------------------------------------------------------- POP

/**
 * SDM vol 2B, POP: POP rSP loads the popped value (the increment is lost);
 * POP r/m with an rSP-based address uses the incremented rSP, and a faulting
 * store leaves rSP unchanged.
 */
const popGeneric: H = (cpu, i) => {
  const s = i.osize;
  const v = cpu.peek(s, 0);
  const vh = s === 8 ? cpu.hi : 0;
  if (i.k0 === OpKind.Mem) {
    const lin = eaAfterPop(cpu, i, s, s);
    cpu.writeSize(lin, s, v, vh);
    cpu.addReg(4, cpu.stackSize, s);
  } else {
    cpu.addReg(4, cpu.stackSize, s);
    cpu.setReg(i.r0, s, v, vh);
  }
};

const pop64r: H = (cpu, i) => {
  const regs = cpu.regs;
  const sp = regs[8] >>> 0, sph = regs[9];
  if (sp > 0xfffffff7 || ((sph << 16) >> 16) !== sph) { popGeneric(cpu, i); return; }
  const lo = cpu.read64((sph & 0xffff) * TWO32 + sp);
  const hi = cpu.hi;
  regs[8] = sp + 8;
  const k = i.r0 << 1;
  regs[k] = lo; regs[k + 1] = hi;
};

const pop = quicken((i) => i.k0 === OpKind.Reg && i.osize === 8 ? pop64r : popGeneric);

// ------------------------------------------------------------ PUSHA/POPA

/** Linear address of SS:(sp) for a stack of width ss (2 or 4), `size` bytes. */
function stackLin(cpu: Cpu, ss: number, sp: number, size: number): number {
  return cpu.segAddr(SS, ss === 4 ? sp >>> 0 : sp & 0xffff, size);
}

/**
 * SDM vol 2B, PUSHA/PUSHAD: pushes AX CX DX BX (original SP) BP SI DI. All
 * eight slots are translated and checked before the first write, so a fault
 * leaves memory and ESP untouched.
 */
const pusha: H = (cpu, i) => {
  const s = i.osize;
  const ss = cpu.stackSize;
  const sp = cpu.regs[8] >>> 0;
  for (let r = 0; r < 8; r++) cpu.probeWrite(stackLin(cpu, ss, sp - (r + 1) * s, s), s);
  for (let r = 0; r < 8; r++) {
    const v = cpu.regs[r << 1];
    cpu.writeSize(stackLin(cpu, ss, sp - (r + 1) * s, s), s, s === 2 ? v & 0xffff : v >>> 0);
  }
  cpu.setReg(4, ss, sp - 8 * s);
};

/** SDM vol 2B, POPA/POPAD: pops DI SI BP (skip) BX DX CX AX; the stored SP is discarded. */
const popa: H = (cpu, i) => {
  const s = i.osize;
  const ss = cpu.stackSize;
  const sp = cpu.regs[8] >>> 0;
  // Read all first (registers change only when every read succeeded).
  const di = cpu.readSize(stackLin(cpu, ss, sp, s), s);
  const si = cpu.readSize(stackLin(cpu, ss, sp + s, s), s);
  const bp = cpu.readSize(stackLin(cpu, ss, sp + 2 * s, s), s);
  const bx = cpu.readSize(stackLin(cpu, ss, sp + 4 * s, s), s);
  const dx = cpu.readSize(stackLin(cpu, ss, sp + 5 * s, s), s);
  const cx = cpu.readSize(stackLin(cpu, ss, sp + 6 * s, s), s);
  const ax = cpu.readSize(stackLin(cpu, ss, sp + 7 * s, s), s);
  cpu.setReg(7, s, di); cpu.setReg(6, s, si); cpu.setReg(5, s, bp); cpu.setReg(3, s, bx);
  cpu.setReg(2, s, dx); cpu.setReg(1, s, cx); cpu.setReg(0, s, ax);
  cpu.setReg(4, ss, sp + 8 * s);
};

// ------------------------------------------------------------ ENTER/LEAVE

/** Stack-pointer arithmetic at the stack width: (lo, hi) + delta, result in sLo/sHi. */
let sLo = 0, sHi = 0;
function spAdd(ss: number, lo: number, hi: number, delta: number): void {
  const t = (lo >>> 0) + delta;
  if (ss === 8) { sLo = t >>> 0; sHi = (hi + Math.floor(t / TWO32)) | 0; }
  else { sLo = ss === 4 ? t >>> 0 : t & 0xffff; sHi = 0; }
}

/** Linear address of a stack slot at (lo, hi) (stack width ss). */
function slot(cpu: Cpu, ss: number, lo: number, hi: number, size: number): number {
  if (ss === 8) {
    if (((hi << 16) >> 16) !== hi) throw new CpuFault(12, 0, 0, 'non-canonical stack address');
    return (hi & 0xffff) * TWO32 + lo;
  }
  return cpu.segAddr(SS, lo, size);
}

/**
 * SDM vol 2A, ENTER imm16, imm8: push rBP; FrameTemp ← rSP; for a nesting
 * level L > 0, copy L−1 frame pointers from the old frame ([rBP − k·size])
 * and push FrameTemp; then rBP ← FrameTemp and rSP ← rSP − imm16. Frame
 * pointers are operand-size wide; addresses use the stack width. Registers
 * are written last.
 */
const enter: H = (cpu, i) => {
  const s = i.osize;
  const ss = cpu.stackSize;
  const alloc = i.imm & 0xffff;
  const level = i.imm2 & 31;
  const regs = cpu.regs;
  let spl = regs[8] >>> 0, sph = regs[9];
  let bpl = regs[10] >>> 0, bph = regs[11];
  if (ss !== 8) { sph = 0; bph = 0; if (ss === 2) { spl &= 0xffff; bpl &= 0xffff; } }
  // push rBP
  spAdd(ss, spl, sph, -s); spl = sLo; sph = sHi;
  cpu.writeSize(slot(cpu, ss, spl, sph, s), s, s === 2 ? bpl & 0xffff : bpl, bph);
  const ftl = spl, fth = sph;
  if (level > 0) {
    for (let k = 1; k < level; k++) {
      spAdd(ss, bpl, bph, -s); bpl = sLo; bph = sHi;
      const v = cpu.readSize(slot(cpu, ss, bpl, bph, s), s);
      const vh = s === 8 ? cpu.hi : 0;
      spAdd(ss, spl, sph, -s); spl = sLo; sph = sHi;
      cpu.writeSize(slot(cpu, ss, spl, sph, s), s, v, vh);
    }
    spAdd(ss, spl, sph, -s); spl = sLo; sph = sHi;
    cpu.writeSize(slot(cpu, ss, spl, sph, s), s, s === 2 ? ftl & 0xffff : ftl, fth);
  }
  spAdd(ss, spl, sph, -alloc); spl = sLo; sph = sHi;
  // SDM vol 2A, ENTER, exceptions: #SS / #PF "if a write using the final value of the stack pointer
  // ... would cause" one: the final stack slot is probed before any register changes.
  cpu.probeWrite(slot(cpu, ss, spl, sph, s), s);
  // rBP ← FrameTemp at the operand size (a 16-bit ENTER writes BP only); rSP at the stack width.
  cpu.setReg(5, s === 2 ? 2 : ss, ftl, fth);
  cpu.setReg(4, ss, spl, sph);
};

/** SDM vol 2A, LEAVE: rSP ← rBP (stack width); rBP ← Pop() (operand size). */
const leave: H = (cpu, i) => {
  const s = i.osize;
  const ss = cpu.stackSize;
  const regs = cpu.regs;
  const bpl = ss === 2 ? regs[10] & 0xffff : regs[10] >>> 0, bph = ss === 8 ? regs[11] : 0;
  const v = cpu.readSize(slot(cpu, ss, bpl, bph, s), s);
  const vh = s === 8 ? cpu.hi : 0;
  spAdd(ss, bpl, bph, s);
  cpu.setReg(4, ss, sLo, sHi);
  cpu.setReg(5, s, v, vh);
};

export const stackHandlers: Record<string, H> = { push, pop, pusha, popa, enter, leave };
