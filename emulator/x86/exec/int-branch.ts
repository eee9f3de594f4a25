// Near control transfers: JMP, Jcc, CALL, RET (with imm16), the indirect
// forms, LOOP/LOOPE/LOOPNE and JCXZ/JECXZ/JRCXZ (SDM vol 2A "Jcc", "JMP",
// "CALL", vol 2B "RET", "LOOP/LOOPcc"). Every target is validated (CS limit
// outside 64-bit mode, canonical in 64-bit mode) before any state changes.
import type { Cpu } from '../cpu';
import { OpKind } from '../decode/insn';
import { testCond, getZF } from '../flags';
import { foldedHi } from '../canon';
import { H, RT, relTarget, branchTo, checkTarget, quicken } from './int-util';

/** SDM vol 2A, JMP rel8/rel16/rel32. */
const jmp: H = (cpu, i) => {
  relTarget(cpu, i);
  branchTo(cpu, RT.lo, RT.hi);
};

/** SDM vol 2A, Jcc: the condition is tttn in the opcode's low nibble (vol 1, appendix B). */
const jcc: H = (cpu, i) => {
  if (!testCond(cpu, i.opcode & 0xf)) return;
  relTarget(cpu, i);
  branchTo(cpu, RT.lo, RT.hi);
};

/** Pushes the return address (nextRip) at the call's operand size. */
function pushReturn(cpu: Cpu, size: number): void {
  const r = cpu.nextRip;
  if (size === 8) cpu.push(8, r >>> 0, foldedHi(r));
  else cpu.push(size, size === 2 ? r & 0xffff : r >>> 0, 0);
}

/**
 * SDM vol 2A, CALL rel: the target is checked first (#GP(0) with nothing
 * pushed), then the return address is pushed (a faulting push leaves RSP).
 * In 64-bit mode the operand size is 64 (Intel ignores 66h here).
 */
const call: H = (cpu, i) => {
  relTarget(cpu, i);
  const lo = RT.lo, hi = RT.hi;
  checkTarget(cpu, lo, hi);
  pushReturn(cpu, i.osize);
  branchTo(cpu, lo, hi);
};

/** SDM vol 2A, CALL r/m: the operand is read (with the pre-push RSP) before anything changes. */
const callInd: H = (cpu, i) => {
  const s = i.osize;
  let lo = cpu.rd(i, 0);
  const hi = s === 8 ? cpu.hi : 0;
  if (s === 2) lo &= 0xffff;
  checkTarget(cpu, lo, hi);
  pushReturn(cpu, s);
  branchTo(cpu, lo, hi);
};

/** SDM vol 2A, JMP r/m. */
const jmpInd: H = (cpu, i) => {
  const s = i.osize;
  let lo = cpu.rd(i, 0);
  const hi = s === 8 ? cpu.hi : 0;
  if (s === 2) lo &= 0xffff;
  branchTo(cpu, lo, hi);
};

/**
 * SDM vol 2B, RET / RET imm16: pops the return address at the operand size,
 * then releases imm16 more bytes. The target is checked before RSP moves.
 */
const ret: H = (cpu, i) => {
  const s = i.osize;
  const lo = cpu.peek(s, 0);
  const hi = s === 8 ? cpu.hi : 0;
  checkTarget(cpu, lo, hi);
  cpu.addReg(4, cpu.stackSize, s + (i.k0 === OpKind.Imm ? i.imm : 0));
  branchTo(cpu, lo, hi);
};

// ------------------------------------------------------------ counters

/** The count register at the address size (SDM vol 2B, LOOP: "CX, ECX or RCX per the address size"). */
function countIsZeroAfterDec(cpu: Cpu, asize: number): boolean {
  const regs = cpu.regs;
  if (asize === 2) return ((regs[2] - 1) & 0xffff) === 0;
  if (asize === 4) return regs[2] === 1;
  return regs[2] === 1 && regs[3] === 0;
}

/**
 * SDM vol 2B, LOOP (E2), LOOPE (E1), LOOPNE (E0): count ← count − 1 (no
 * flags); branch if count ≠ 0 (and ZF = 1 / ZF = 0). A taken branch's
 * target is checked before the count is written.
 */
const loop: H = (cpu, i) => {
  const asize = i.asize;
  let take = !countIsZeroAfterDec(cpu, asize);
  if (take && i.opcode !== 0xe2) take = getZF(cpu) === (i.opcode === 0xe1);
  if (take) { relTarget(cpu, i); checkTarget(cpu, RT.lo, RT.hi); }
  cpu.addReg(1, asize, -1);
  if (take) branchTo(cpu, RT.lo, RT.hi);
};

/** SDM vol 2A, JCXZ/JECXZ/JRCXZ: branch if the address-size count register is 0. */
const jrcxz: H = (cpu, i) => {
  const regs = cpu.regs;
  const a = i.asize;
  const zero = a === 2 ? (regs[2] & 0xffff) === 0 : a === 4 ? regs[2] === 0 : regs[2] === 0 && regs[3] === 0;
  if (!zero) return;
  relTarget(cpu, i);
  branchTo(cpu, RT.lo, RT.hi);
};

/** 64-bit-mode Jcc fast path: no limit check, canonical check only when the target leaves the low/high half. */
const jcc64: H = (cpu, i) => {
  if (!testCond(cpu, i.opcode & 0xf)) return;
  const t = cpu.nextRip + i.imm;
  // Folded RIP stays canonical unless the sum crosses bit 47 or leaves [0, 2^48).
  if (t >= 0 && t < 0x8000_0000_0000 && cpu.nextRip < 0x8000_0000_0000) { cpu.nextRip = t; return; }
  relTarget(cpu, i);
  branchTo(cpu, RT.lo, RT.hi);
};

export const branchHandlers: Record<string, H> = {
  jmp, call, ret, call_ind: callInd, jmp_ind: jmpInd, loop, jrcxz,
  jcc: quicken((i) => i.osize === 8 ? jcc64 : jcc),
};
