// Far JMP, far CALL and far RET (SDM vol 2A "CALL", "JMP", vol 2B "RET"
// pseudocode; vol 3A 5.8 privilege-level checks for control transfers):
// direct code-segment targets (conforming / non-conforming), call gates
// (16/32-bit and the 16-byte IA-32e form) including the call to a more
// privileged level with a stack switch and parameter copy, and the far
// return to an outer level. Task switches are not modelled (#UD + diagnostic).
import type { Cpu } from '../cpu';
import type { Insn } from '../decode/insn';
import { OpKind } from '../decode/insn';
import { CpuFault } from '../fault';
import { foldedHi } from '../canon';
import { CpuMode, AR_L, AR_DB } from '../state';
import { CS, SS, TR } from '../regs';
import {
  desc, readDescriptor, arOf, baseOf, limitOf, dplOf, isCode, isData, isConforming, isSystem, present, ia32e,
  selFault, setAccessed, commitCs, loadFromDesc, loadNull, loadReal, linAdd, nullInaccessibleSegs,
  SYS_CALLGATE16, SYS_CALLGATE, SYS_TASKGATE, SYS_TSS16_AVAIL, SYS_TSS_AVAIL, SYS_TSS16_BUSY, SYS_TSS_BUSY,
} from '../segments';
import { frameReset, framePush, framePlaceLegacy, framePlace64, frameWrite, frameRspHi, readLin } from './sys-stack';
import { H, gp0, notImplemented } from './sys-util';

const TWO32 = 0x1_0000_0000;

/**
 * RIP for a target offset in the code segment held in `desc`: 64-bit code
 * takes the offset as is (canonical check), other code must fit the limit
 * (SDM vol 2A, JMP: #GP(0) if the offset is beyond the limit or non-canonical).
 */
function targetRip(cpu: Cpu, off: number, offHi: number): number {
  const ar = arOf(desc.hi);
  if (ia32e(cpu) && (ar & AR_L)) {
    if (((offHi << 16) >> 16) !== offHi) throw gp0('non-canonical far-transfer target');
    return (offHi & 0xffff) * TWO32 + (off >>> 0);
  }
  if (off >>> 0 > limitOf(desc.lo, desc.hi)) throw gp0('far-transfer offset beyond the code segment limit');
  return off >>> 0;
}

/** Privilege checks for a direct code-segment target of JMP/CALL (SDM vol 3A, 5.8.1-5.8.2). */
function checkDirectCode(cpu: Cpu, sel: number): void {
  const ar = arOf(desc.hi);
  if (!isCode(ar)) throw selFault(13, sel, 'far-transfer target is not a code segment');
  if (isConforming(ar)) { if (dplOf(ar) > cpu.cpl) throw selFault(13, sel, 'conforming code segment DPL > CPL'); }
  else if ((sel & 3) > cpu.cpl || dplOf(ar) !== cpu.cpl) throw selFault(13, sel, 'non-conforming code segment needs RPL <= CPL and DPL = CPL');
  if (!present(ar)) throw selFault(11, sel, 'code segment not present');
  if (ia32e(cpu) && (ar & AR_L) && (ar & AR_DB)) throw selFault(13, sel, 'code segment with both L and D set');
}

/**
 * Reads and checks a call gate found at `sel` (already in `desc`), leaving the
 * target code descriptor in `desc`. Returns the target selector; the target
 * offset is left in gate.off / gate.offHi and the parameter count in gate.count.
 */
const gate = { off: 0, offHi: 0, count: 0, size: 4 };
function readCallGate(cpu: Cpu, sel: number, call: boolean): number {
  const gar = arOf(desc.hi);
  // SDM vol 3A, 5.8.4: gate DPL >= CPL and gate DPL >= RPL.
  if (dplOf(gar) < cpu.cpl || dplOf(gar) < (sel & 3)) throw selFault(13, sel, 'call gate DPL below CPL or RPL');
  if (!present(gar)) throw selFault(11, sel, 'call gate not present');
  const long = ia32e(cpu);
  if (long) {
    // 16-byte gate; the upper half's type field must be 0 (SDM vol 3A, 5.8.3.1).
    if (!readDescriptor(cpu, sel, true)) throw selFault(13, sel, 'call gate crosses the descriptor table limit');
    if (desc.hi2 & 0x1f00) throw selFault(13, sel, 'upper half of a 64-bit call gate has a non-zero type');
  }
  const is32 = (gar & 0x1f) === SYS_CALLGATE;
  gate.off = is32 ? ((desc.lo & 0xffff) | (desc.hi & 0xffff0000)) >>> 0 : desc.lo & 0xffff;
  gate.offHi = long ? desc.lo2 | 0 : 0;
  gate.count = long ? 0 : desc.hi & 0x1f;
  gate.size = long ? 8 : is32 ? 4 : 2;
  const target = desc.lo >>> 16;
  if ((target & 0xfffc) === 0) throw gp0('call gate names a null code selector');
  if (!readDescriptor(cpu, target)) throw selFault(13, target, 'call-gate target outside the descriptor table');
  const ar = arOf(desc.hi);
  if (!isCode(ar)) throw selFault(13, target, 'call-gate target is not a code segment');
  // JMP through a gate: conforming DPL <= CPL, non-conforming DPL = CPL; CALL: DPL <= CPL (SDM vol 3A, 5.8.4 table 5-1).
  if ((call || isConforming(ar)) ? dplOf(ar) > cpu.cpl : dplOf(ar) !== cpu.cpl) throw selFault(13, target, 'call-gate target code segment privilege');
  if (!present(ar)) throw selFault(11, target, 'call-gate target not present');
  if (long && (!(ar & AR_L) || (ar & AR_DB))) throw selFault(13, target, 'IA-32e call gate must target 64-bit code');
  return target;
}

function isCallGate(cpu: Cpu, type: number): boolean {
  return type === SYS_CALLGATE || (type === SYS_CALLGATE16 && !ia32e(cpu));
}

function taskSwitch(cpu: Cpu, type: number, sel: number): CpuFault {
  if (type === SYS_TASKGATE || type === SYS_TSS16_AVAIL || type === SYS_TSS_AVAIL || type === SYS_TSS16_BUSY || type === SYS_TSS_BUSY) {
    if (!ia32e(cpu)) return notImplemented(cpu, 'far JMP/CALL to a task gate or TSS (hardware task switch)');
  }
  return selFault(13, sel, 'far-transfer target is not a code segment or call gate');
}

// ------------------------------------------------------------------ JMP far

function farJump(cpu: Cpu, sel: number, off: number, offHi: number): void {
  if (cpu.mode === CpuMode.Real) {
    if (off > cpu.segLimit[CS]) throw gp0('far JMP beyond the CS limit');
    loadReal(cpu, CS, sel);
    cpu.nextRip = off;
    cpu.exitBlock = true;
    return;
  }
  if ((sel & 0xfffc) === 0) throw gp0('far JMP to a null selector');
  if (!readDescriptor(cpu, sel)) throw selFault(13, sel, 'far JMP selector outside the descriptor table');
  const ar = arOf(desc.hi);
  if (!isSystem(ar)) {
    checkDirectCode(cpu, sel);
    const rip = targetRip(cpu, off, offHi);
    setAccessed(cpu);
    commitCs(cpu, sel, cpu.cpl);
    cpu.nextRip = rip;
    return;
  }
  if (!isCallGate(cpu, ar & 0x1f)) throw taskSwitch(cpu, ar & 0x1f, sel);
  const target = readCallGate(cpu, sel, false);
  const rip = targetRip(cpu, gate.off, gate.offHi);
  setAccessed(cpu);
  commitCs(cpu, target, cpu.cpl);
  cpu.nextRip = rip;
}

// ----------------------------------------------------------------- CALL far

/** Pushes CS and the return RIP on the current stack with `size`-byte slots, checking both before writing. */
function pushReturn(cpu: Cpu, size: number): void {
  frameReset();
  framePush(cpu.segSel[CS]);
  framePush(cpu.nextRip >>> 0, cpu.mode === CpuMode.Long64 ? foldedHi(cpu.nextRip) : 0);
  placeOnCurrentStack(cpu, size);
}

function placeOnCurrentStack(cpu: Cpu, size: number): void {
  const user = cpu.cpl === 3;
  if (cpu.mode === CpuMode.Long64) {
    const lo = framePlace64(cpu, cpu.regs[8], cpu.regs[9], size, 0, user);
    frameWrite(cpu, size, user);
    cpu.regs[8] = lo | 0; cpu.regs[9] = frameRspHi;
  } else {
    const ar = cpu.segAr[SS];
    const sp = framePlaceLegacy(cpu, cpu.segBase[SS], cpu.segLimit[SS], cpu.mode === CpuMode.Real ? ar & ~4 : ar, cpu.regs[8] >>> 0, size, 0, user);
    frameWrite(cpu, size, user);
    cpu.setReg(4, ar & AR_DB ? 4 : 2, sp);
  }
}

function farCall(cpu: Cpu, sel: number, off: number, offHi: number, osize: number): void {
  if (cpu.mode === CpuMode.Real) {
    if (off > cpu.segLimit[CS]) throw gp0('far CALL beyond the CS limit');
    pushReturn(cpu, osize);
    loadReal(cpu, CS, sel);
    cpu.nextRip = off;
    cpu.exitBlock = true;
    return;
  }
  if ((sel & 0xfffc) === 0) throw gp0('far CALL to a null selector');
  if (!readDescriptor(cpu, sel)) throw selFault(13, sel, 'far CALL selector outside the descriptor table');
  const ar = arOf(desc.hi);
  if (!isSystem(ar)) {
    checkDirectCode(cpu, sel);
    const rip = targetRip(cpu, off, offHi);
    setAccessed(cpu);
    const lo = desc.lo, hi = desc.hi;
    pushReturn(cpu, osize);
    desc.lo = lo; desc.hi = hi;
    commitCs(cpu, sel, cpu.cpl);
    cpu.nextRip = rip;
    return;
  }
  if (!isCallGate(cpu, ar & 0x1f)) throw taskSwitch(cpu, ar & 0x1f, sel);
  const target = readCallGate(cpu, sel, true);
  const car = arOf(desc.hi);
  const rip = targetRip(cpu, gate.off, gate.offHi);
  setAccessed(cpu);
  const cLo = desc.lo, cHi = desc.hi;
  const dpl = dplOf(car);
  if (isConforming(car) || dpl === cpu.cpl) {
    pushReturn(cpu, gate.size);
    desc.lo = cLo; desc.hi = cHi;
    commitCs(cpu, target, cpu.cpl);
    cpu.nextRip = rip;
    return;
  }
  callMorePrivileged(cpu, target, dpl, cLo, cHi);
  cpu.nextRip = rip;
}

/**
 * CALL through a gate to a more privileged non-conforming segment: the new
 * stack comes from the TSS, the caller's SS:ESP, `count` parameters and
 * CS:EIP are pushed there (SDM vol 3A, 5.8.5 and figure 5-13; IA-32e: 5.8.6,
 * null SS, no parameters).
 */
function callMorePrivileged(cpu: Cpu, target: number, dpl: number, cLo: number, cHi: number): void {
  const size = gate.size;
  const user = dpl === 3;
  const retLo = cpu.nextRip >>> 0;
  const retHi = cpu.mode === CpuMode.Long64 ? foldedHi(cpu.nextRip) : 0;
  frameReset();
  if (size === 8) {
    const at = 4 + dpl * 8;
    if (at + 7 > cpu.segLimit[TR]) throw selFault(10, cpu.segSel[TR], 'TSS too small for RSPn');
    const a = linAdd(cpu, cpu.segBase[TR], at);
    const lo = cpu.readSys(a, 4), hi = cpu.readSys(a + 4, 4) | 0;
    if (((hi << 16) >> 16) !== hi) throw new CpuFault(12, 0, 0, 'non-canonical RSPn in the TSS');
    framePush(cpu.segSel[SS]);
    framePush(cpu.regs[8], cpu.regs[9]);
    framePush(cpu.segSel[CS]);
    framePush(retLo, retHi);
    const nlo = framePlace64(cpu, lo, hi, 8, 0, user);
    const nhi = frameRspHi;
    frameWrite(cpu, 8, user);
    loadNull(cpu, SS, dpl);
    cpu.regs[8] = nlo | 0; cpu.regs[9] = nhi;
  } else {
    const tss32 = (cpu.segAr[TR] & 8) !== 0;
    const at = tss32 ? (dpl << 3) + 4 : (dpl << 2) + 2;
    if (at + (tss32 ? 5 : 3) > cpu.segLimit[TR]) throw selFault(10, cpu.segSel[TR], 'TSS too small for the stack of the new CPL');
    const a = linAdd(cpu, cpu.segBase[TR], at);
    const newSp = tss32 ? cpu.readSys(a, 4) : cpu.readSys(a, 2);
    const ssSel = cpu.readSys(a + (tss32 ? 4 : 2), 2);
    // SDM vol 2A, CALL (call gate, more privilege): checks of the new SS raise #TS.
    if ((ssSel & 0xfffc) === 0) throw new CpuFault(10, 0, 0, 'null SS in the TSS');
    if (!readDescriptor(cpu, ssSel) || (ssSel & 3) !== dpl) throw selFault(10, ssSel, 'TSS SS selector invalid for the new CPL');
    const sar = arOf(desc.hi);
    if (dplOf(sar) !== dpl || !isData(sar) || (sar & 2) === 0) throw selFault(10, ssSel, 'TSS SS is not a writable data segment with DPL = new CPL');
    if (!present(sar)) throw selFault(12, ssSel, 'TSS stack segment not present');
    setAccessed(cpu);
    const sLo = desc.lo, sHi = desc.hi;
    const oldSp = cpu.segAr[SS] & AR_DB ? cpu.regs[8] >>> 0 : cpu.regs[8] & 0xffff;
    framePush(cpu.segSel[SS]);
    framePush(oldSp);
    // Parameters keep their order: the one farthest from ESP is pushed first.
    const cur = cpu.cpl === 3;
    const oldBig = (cpu.segAr[SS] & AR_DB) !== 0;
    for (let k = gate.count - 1; k >= 0; k--) {
      const o = oldBig ? (oldSp + k * size) >>> 0 : (oldSp + k * size) & 0xffff;
      framePush(readLin(cpu, cpu.segAddr(SS, o, size), size, cur));
    }
    framePush(cpu.segSel[CS]);
    framePush(retLo);
    const nsp = framePlaceLegacy(cpu, baseOf(sLo, sHi), limitOf(sLo, sHi), arOf(sHi), newSp, size, ssSel & 0xfffc, user);
    frameWrite(cpu, size, user);
    desc.lo = sLo; desc.hi = sHi;
    loadFromDesc(cpu, SS, ssSel);
    cpu.setReg(4, 4, newSp);
    cpu.setReg(4, sHi & (1 << 22) ? 4 : 2, nsp);
  }
  desc.lo = cLo; desc.hi = cHi;
  commitCs(cpu, target, dpl);
}

// ------------------------------------------------------------------ RET far

/** RET far [imm16] (SDM vol 2B, RET): same level, or outer level with SS:ESP popped too. */
const retf: H = (cpu, i) => {
  const size = i.osize;
  const imm = i.k0 === OpKind.Imm ? i.imm & 0xffff : 0;
  const off = cpu.peek(size, 0);
  const offHi = size === 8 ? cpu.hi : 0;
  const sel = cpu.peek(size, size) & 0xffff;
  const stack = cpu.stackSize;
  if (cpu.mode === CpuMode.Real) {
    const ip = size === 2 ? off & 0xffff : off;
    if (ip > cpu.segLimit[CS]) throw gp0('far RET beyond the CS limit');
    loadReal(cpu, CS, sel);
    cpu.addReg(4, stack, 2 * size + imm);
    cpu.nextRip = ip;
    cpu.exitBlock = true;
    return;
  }
  const rpl = sel & 3;
  if ((sel & 0xfffc) === 0) throw gp0('far RET to a null selector');
  if (!readDescriptor(cpu, sel)) throw selFault(13, sel, 'far RET selector outside the descriptor table');
  const ar = arOf(desc.hi);
  // SDM vol 2B, RET (protected mode): code segment, RPL >= CPL, conforming DPL <= RPL, non-conforming DPL = RPL.
  if (!isCode(ar) || rpl < cpu.cpl) throw selFault(13, sel, 'far RET target not a code segment or RPL < CPL');
  if (isConforming(ar) ? dplOf(ar) > rpl : dplOf(ar) !== rpl) throw selFault(13, sel, 'far RET code segment DPL does not match RPL');
  if (!present(ar)) throw selFault(11, sel, 'far RET code segment not present');
  if (ia32e(cpu) && (ar & AR_L) && (ar & AR_DB)) throw selFault(13, sel, 'code segment with both L and D set');
  const rip = targetRip(cpu, size === 2 ? off & 0xffff : off, offHi);
  if (rpl === cpu.cpl) {
    setAccessed(cpu);
    commitCs(cpu, sel, rpl);
    cpu.addReg(4, stack, 2 * size + imm);
    cpu.nextRip = rip;
    return;
  }
  returnOuter(cpu, sel, rpl, size, 2 * size + imm, imm, rip);
};

/**
 * The outer-level part shared by RET far and IRET: pops SS:ESP at
 * `spOffset`, checks the new SS against the return CS (SDM vol 2B, RET
 * "RETURN-TO-OUTER-PRIVILEGE-LEVEL"), then commits CS, SS, RSP and nulls
 * data segments the outer level may not use. `desc` holds the return CS.
 */
export function returnOuter(cpu: Cpu, sel: number, rpl: number, size: number, spOffset: number, imm: number, rip: number): void {
  const cLo = desc.lo, cHi = desc.hi;
  const newSp = cpu.peek(size, spOffset);
  const newSpHi = size === 8 ? cpu.hi : 0;
  const ssSel = cpu.peek(size, spOffset + size) & 0xffff;
  const to64 = ia32e(cpu) && (arOf(cHi) & AR_L) !== 0;
  let nullSs = false;
  if ((ssSel & 0xfffc) === 0) {
    // A null SS is allowed only returning to 64-bit code at CPL < 3 (SDM vol 2B, IRET/RET 64-bit mode).
    if (!to64 || rpl === 3) throw gp0('return to an outer level with a null SS');
    nullSs = true;
  } else {
    if (!readDescriptor(cpu, ssSel)) throw selFault(13, ssSel, 'return SS outside the descriptor table');
    const sar = arOf(desc.hi);
    if ((ssSel & 3) !== rpl || !isData(sar) || (sar & 2) === 0 || dplOf(sar) !== rpl) {
      throw selFault(13, ssSel, 'return SS must be a writable data segment with DPL = RPL = return CPL');
    }
    if (!present(sar)) throw selFault(12, ssSel, 'return stack segment not present');
    setAccessed(cpu);
  }
  const sLo = desc.lo, sHi = desc.hi;
  desc.lo = cLo; desc.hi = cHi;
  setAccessed(cpu);
  commitCs(cpu, sel, rpl);
  if (nullSs) loadNull(cpu, SS, ssSel);
  else { desc.lo = sLo; desc.hi = sHi; loadFromDesc(cpu, SS, ssSel); }
  if (cpu.mode === CpuMode.Long64) {
    const t = (newSp >>> 0) + imm;
    cpu.regs[8] = t | 0;
    cpu.regs[9] = (newSpHi + (t >= TWO32 ? 1 : 0)) | 0;
  } else if (cpu.segAr[SS] & AR_DB) cpu.setReg(4, 4, (newSp + imm) >>> 0);
  else cpu.setReg(4, 2, (newSp + imm) & 0xffff);
  nullInaccessibleSegs(cpu, rpl);
  cpu.nextRip = rip;
}

// ------------------------------------------------------------- the handlers

/** JMP ptr16:16/32 (EA): offset in imm, selector in imm2. */
const jmpf: H = (cpu, i) => { farJump(cpu, i.imm2 & 0xffff, i.imm >>> 0, 0); };
const callf: H = (cpu, i) => { farCall(cpu, i.imm2 & 0xffff, i.imm >>> 0, 0, i.osize); };

/** The m16:16/32/64 operand of FF /3 and FF /5: offset first, then the selector. */
function farPointer(cpu: Cpu, i: Insn): void {
  const size = i.osize;
  const lin = cpu.ea(i, size + 2);
  ptr.off = cpu.readSize(lin, size);
  ptr.offHi = size === 8 ? cpu.hi : 0;
  if (size === 2) ptr.off &= 0xffff;
  ptr.sel = cpu.read16(lin + size);
}
const ptr = { off: 0, offHi: 0, sel: 0 };

const jmpfInd: H = (cpu, i) => { farPointer(cpu, i); farJump(cpu, ptr.sel, ptr.off, ptr.offHi); };
const callfInd: H = (cpu, i) => { farPointer(cpu, i); farCall(cpu, ptr.sel, ptr.off, ptr.offHi, i.osize); };

export const farHandlers: Record<string, H> = {
  jmpf, callf, jmpf_ind: jmpfInd, callf_ind: callfInd, retf,
};
