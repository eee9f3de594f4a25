// IRET/IRETD/IRETQ (SDM vol 2A "IRET/IRETD/IRETQ" pseudocode; vol 3A 6.12.1,
// 6.14.3): real mode, protected-mode return to the same or an outer level,
// and the IA-32e form that always pops SS:RSP. Task returns (NT=1) and
// returns to virtual-8086 mode are not modelled (#UD + diagnostic).
import type { Cpu } from '../cpu';
import { getFlags, setFlags } from '../flags';
import { CpuMode, AR_L, AR_DB } from '../state';
import { CS, VM, NT, IF, IOPL, RF, AC, ID, VIF, VIP, TF } from '../regs';
import { desc, readDescriptor, arOf, limitOf, dplOf, isCode, isConforming, present, ia32e, selFault, setAccessed, commitCs, loadReal } from '../segments';
import { returnOuter } from './sys-far';
import { H, gp0, notImplemented } from './sys-util';
import { svmInsn, SVM_EXIT_IRET } from './svm-hook';

const TWO32 = 0x1_0000_0000;
// Arithmetic flags, TF, DF, NT: always restored (SDM vol 2A, IRET "RETURN-TO-SAME/OUTER-PRIVILEGE-LEVEL").
const ALWAYS = 0x4dd5;

/**
 * The RFLAGS an IRET installs, given the popped image and the CPL before the
 * return: IF only if CPL <= IOPL, IOPL (and VIF/VIP) only at CPL 0, RF/AC/ID
 * only with a 32/64-bit operand (SDM vol 2A, IRET).
 */
export function iretFlags(cpu: Cpu, image: number, size: number, cpl: number): number {
  const old = getFlags(cpu);
  let mask = ALWAYS;
  if (size !== 2) mask |= RF | AC | ID;
  if (cpl <= ((old & IOPL) >>> 12)) mask |= IF;
  if (cpl === 0) { mask |= IOPL; if (size !== 2) mask |= VIF | VIP; }
  return ((old & ~mask) | (image & mask)) >>> 0;
}

export const iret: H = (cpu, i) => {
  // SVM guest: the IRET intercept exits before IRET executes (AMD APM vol 2 §15.9, exit 0x74).
  if (svmInsn.intercept?.(cpu, SVM_EXIT_IRET)) return;
  const size = i.osize;
  // SDM vol 3A, 6.7.1: IRET ends NMI blocking (hardware does so even when the IRET faults).
  cpu.nmiBlocked = false;
  cpu.exitBlock = true;
  const stack = cpu.stackSize;
  const off = cpu.peek(size, 0);
  const offHi = size === 8 ? cpu.hi : 0;
  const sel = cpu.peek(size, size) & 0xffff;
  const image = cpu.peek(size, 2 * size);
  if (cpu.mode === CpuMode.Real) {
    const ip = size === 2 ? off & 0xffff : off;
    if (ip > cpu.segLimit[CS]) throw gp0('IRET beyond the CS limit');
    // Real mode: VM, VIF, VIP keep their values (SDM vol 2A, IRET REAL-ADDRESS-MODE).
    const old = getFlags(cpu);
    const f = size === 2 ? (old & 0xffff0000) | (image & 0xffff) : (image & 0x257fd5) | (old & 0x1a0000);
    loadReal(cpu, CS, sel);
    cpu.addReg(4, stack, 3 * size);
    setFlags(cpu, f);
    cpu.nextRip = ip;
    endBlockIfTrap(cpu);
    return;
  }
  if (cpu.flagsRest & VM) throw notImplemented(cpu, 'IRET in virtual-8086 mode');
  if (cpu.flagsRest & NT) {
    // SDM vol 2A, IRET: NT=1 in IA-32e mode is #GP(0); elsewhere it is a task return.
    if (ia32e(cpu)) throw gp0('IRET with RFLAGS.NT=1 in IA-32e mode');
    throw notImplemented(cpu, 'IRET task return (RFLAGS.NT=1)');
  }
  if (!ia32e(cpu) && size === 4 && (image & VM) && cpu.cpl === 0) throw notImplemented(cpu, 'IRET to virtual-8086 mode');
  const rpl = sel & 3;
  if ((sel & 0xfffc) === 0) throw gp0('IRET to a null CS');
  if (!readDescriptor(cpu, sel)) throw selFault(13, sel, 'IRET CS outside the descriptor table');
  const ar = arOf(desc.hi);
  if (!isCode(ar) || rpl < cpu.cpl) throw selFault(13, sel, 'IRET CS is not a code segment or RPL < CPL');
  if (isConforming(ar) ? dplOf(ar) > rpl : dplOf(ar) !== rpl) throw selFault(13, sel, 'IRET CS DPL does not match RPL');
  if (!present(ar)) throw selFault(11, sel, 'IRET code segment not present');
  const long = ia32e(cpu);
  if (long && (ar & AR_L) && (ar & AR_DB)) throw selFault(13, sel, 'code segment with both L and D set');
  let rip: number;
  const ip = size === 2 ? off & 0xffff : off >>> 0;
  if (long && (ar & AR_L)) {
    if (((offHi << 16) >> 16) !== offHi) throw gp0('IRET to a non-canonical RIP');
    rip = (offHi & 0xffff) * TWO32 + ip;
  } else {
    if (ip > limitOf(desc.lo, desc.hi)) throw gp0('IRET offset beyond the code segment limit');
    rip = ip;
  }
  const flags = iretFlags(cpu, image, size, cpu.cpl);
  // 64-bit mode always pops SS:RSP (SDM vol 3A, 6.14.3); elsewhere only on a return to an outer level.
  if (rpl === cpu.cpl && cpu.mode !== CpuMode.Long64) {
    setAccessed(cpu);
    commitCs(cpu, sel, rpl);
    cpu.addReg(4, stack, 3 * size);
    cpu.nextRip = rip;
  } else {
    returnOuter(cpu, sel, rpl, size, 3 * size, 0, rip);
  }
  setFlags(cpu, flags);
  endBlockIfTrap(cpu);
};

/** With TF=1 the next instruction is single-stepped: end the block so the interrupt check can arm the trap (interrupts.ts). */
function endBlockIfTrap(cpu: Cpu): void { if (cpu.flagsRest & TF) cpu.exitBlock = true; }
