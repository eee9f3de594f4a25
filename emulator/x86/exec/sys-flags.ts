// PUSHF/POPF and CLI/STI: which RFLAGS bits software may change at which
// CPL/IOPL (SDM vol 2B "POPF", "PUSHF", vol 2A "CLI", vol 2B "STI").
// Virtual-8086 mode and the CR4.PVI virtual interrupt flag are not modelled.
import type { Cpu } from '../cpu';
import { getFlags, setFlags } from '../flags';
import { CpuMode } from '../state';
import { IF, IOPL, RF, VM, AC, ID, CR4_PVI } from '../regs';
import { startShadow } from './interrupts';
import { H, gp0, notImplemented } from './sys-util';
import { svmInsn, SVM_EXIT_PUSHF, SVM_EXIT_POPF } from './svm-hook';

const iopl = (cpu: Cpu): number => (cpu.flagsRest & IOPL) >>> 12;

/** PUSHF/PUSHFD/PUSHFQ: the image has VM and RF cleared (SDM vol 2B, PUSHF). */
const pushf: H = (cpu, i) => {
  if (cpu.flagsRest & VM) throw notImplemented(cpu, 'PUSHF in virtual-8086 mode');
  // SVM guest: the PUSHF intercept (AMD APM vol 2 §15.9, exit 0x70).
  if (svmInsn.intercept?.(cpu, SVM_EXIT_PUSHF)) return;
  const f = getFlags(cpu) & ~(VM | RF);
  cpu.push(i.osize, i.osize === 2 ? f & 0xffff : f, 0);
};

/**
 * POPF/POPFD/POPFQ (SDM vol 2B, POPF): at CPL 0 (or in real mode) every
 * non-reserved flag but VIP, VIF, VM changes; above CPL 0 IOPL is kept, and
 * IF too when CPL > IOPL. A 16-bit pop touches bits 15:0 only; wider pops
 * clear RF.
 */
const popf: H = (cpu, i) => {
  if (cpu.flagsRest & VM) throw notImplemented(cpu, 'POPF in virtual-8086 mode');
  // SVM guest: the POPF intercept (AMD APM vol 2 §15.9, exit 0x71).
  if (svmInsn.intercept?.(cpu, SVM_EXIT_POPF)) return;
  const size = i.osize;
  const v = cpu.pop(size);
  const old = getFlags(cpu);
  let mask = 0x4dd5; // CF PF AF ZF SF TF DF OF NT
  if (cpu.mode === CpuMode.Real || cpu.cpl === 0) mask |= IOPL | IF;
  else if (cpu.cpl <= iopl(cpu)) mask |= IF;
  if (size !== 2) mask |= AC | ID;
  let f = (old & ~mask) | (v & mask);
  if (size !== 2) f &= ~RF;
  setFlags(cpu, f);
  // New IF/TF/AC take effect at the next boundary (no shadow after POPF, SDM vol 3A, 6.8.3).
  cpu.exitBlock = true;
};

/** CLI/STI need CPL <= IOPL in protected mode (SDM vol 2A, CLI table 3-7); the PVI path is not modelled. */
function checkIf(cpu: Cpu, what: string): void {
  if (cpu.mode === CpuMode.Real || cpu.cpl <= iopl(cpu)) return;
  if ((cpu.cr4 & CR4_PVI) && cpu.cpl === 3) throw notImplemented(cpu, `${what} with CR4.PVI=1 (virtual interrupt flag)`);
  throw gp0(`${what} at CPL ${cpu.cpl} > IOPL ${iopl(cpu)}`);
}

const cli: H = (cpu) => {
  checkIf(cpu, 'CLI');
  cpu.flagsRest &= ~IF;
};

/** STI: interrupts stay blocked until after the next instruction if IF was 0 (SDM vol 3A, 6.8.3). */
const sti: H = (cpu) => {
  checkIf(cpu, 'STI');
  if (!(cpu.flagsRest & IF)) {
    cpu.flagsRest |= IF;
    startShadow(cpu, false);
  }
  cpu.exitBlock = true;
};

export const flagHandlers: Record<string, H> = { pushf, popf, cli, sti };
