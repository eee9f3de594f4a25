// Port I/O: IN/OUT/INS/OUTS with the protected-mode permission check (CPL <=
// IOPL, else the TSS I/O permission bitmap; SDM vol 1, 19.5) and REP string
// I/O. A long REP INS/OUTS runs in chunks and resumes at the same
// instruction, so interrupts are taken between chunks as on hardware
// (SDM vol 1, 7.3.9.2: string instructions are interruptible between iterations).
import type { Cpu } from '../cpu';
import type { Insn } from '../decode/insn';
import { OpKind, PFX_REP, PFX_REPNE } from '../decode/insn';
import { CpuFault } from '../fault';
import { CpuMode, AR_UNUSABLE } from '../state';
import { DS, ES, TR, IOPL, DF, VM } from '../regs';
import { linAdd } from '../segments';
import { H, gp0 } from './sys-util';

const TWO32 = 0x1_0000_0000;
const CHUNK = 4096;

/**
 * SDM vol 1, 19.5.2: with CPL > IOPL the I/O permission bitmap of a 32/64-bit
 * TSS must have a 0 bit for every port accessed; a missing or short bitmap
 * (beyond the TSS limit) means #GP(0).
 */
export function checkIoPermission(cpu: Cpu, port: number, size: number): void {
  if (cpu.mode === CpuMode.Real) return;
  if (cpu.cpl <= (cpu.flagsRest & IOPL) >>> 12 && !(cpu.flagsRest & VM)) return;
  const ar = cpu.segAr[TR];
  // Only a 32/64-bit TSS (type 9 or 11) has a bitmap (SDM vol 3A, 7.2.1).
  if (ar & AR_UNUSABLE || (ar & 0x1d) !== 0x9) throw gp0(`I/O port 0x${port.toString(16)} at CPL ${cpu.cpl} > IOPL without a 32-bit TSS`);
  const limit = cpu.segLimit[TR];
  if (limit < 0x67) throw gp0('TSS too small for an I/O map base');
  const base = cpu.segBase[TR];
  const mapBase = cpu.readSys(linAdd(cpu, base, 0x66), 2);
  const at = mapBase + (port >>> 3);
  if (at + 1 > limit) throw gp0(`I/O port 0x${port.toString(16)} beyond the I/O permission bitmap`);
  const bits = cpu.readSys(linAdd(cpu, base, at), 2);
  const want = ((1 << size) - 1) << (port & 7);
  if (bits & want) throw gp0(`I/O port 0x${port.toString(16)} denied by the I/O permission bitmap`);
}

const DX = 2 << 1; // regs[] index of DX

/**
 * Nested VMX: the I/O-instruction exit qualification (SDM vol 3C 28.2.1
 * table 28-5): size - 1, direction (1 = IN), string, REP, immediate operand, port.
 */
function ioQual(size: number, input: boolean, str: boolean, rep: boolean, imm: boolean, port: number): number {
  return ((size - 1) | (input ? 8 : 0) | (str ? 0x10 : 0) | (rep ? 0x20 : 0) | (imm ? 0x40 : 0) | (port << 16)) >>> 0;
}

const inHandler: H = (cpu, i) => {
  const port = i.k1 === OpKind.Imm ? i.imm & 0xff : cpu.regs[DX] & 0xffff;
  const size = i.s0 as 1 | 2 | 4;
  checkIoPermission(cpu, port, size);
  // Nested VMX: I/O in VMX non-root may exit (SDM vol 3C 26.1.3; qualification 28.2.1 table 28-5).
  if (cpu.nonRootExit?.(cpu, 'io', ioQual(size, true, false, false, i.k1 === OpKind.Imm, port))) return;
  cpu.setReg(0, size, cpu.plat.io.read(port, size));
};

const outHandler: H = (cpu, i) => {
  const port = i.k0 === OpKind.Imm ? i.imm & 0xff : cpu.regs[DX] & 0xffff;
  const size = i.s1 as 1 | 2 | 4;
  checkIoPermission(cpu, port, size);
  // Nested VMX: I/O in VMX non-root may exit (SDM vol 3C 26.1.3).
  if (cpu.nonRootExit?.(cpu, 'io', ioQual(size, false, false, false, i.k0 === OpKind.Imm, port))) return;
  cpu.plat.io.write(port, size, cpu.getReg(0, size));
  // A device may have raised an interrupt or asked the machine to stop.
  cpu.exitBlock = true;
};

/** Linear address of a string operand seg:rSI/rDI at the address size (canonical check in 64-bit mode). */
function strAddr(cpu: Cpu, seg: number, reg: number, asize: number, size: number): number {
  const k = reg << 1;
  if (asize === 8) {
    const hi = cpu.regs[k + 1];
    if (((hi << 16) >> 16) !== hi) throw new CpuFault(13, 0, 0, 'non-canonical string address');
    return cpu.segAddr(seg, (hi & 0xffff) * TWO32 + (cpu.regs[k] >>> 0), size);
  }
  const off = asize === 4 ? cpu.regs[k] >>> 0 : cpu.regs[k] & 0xffff;
  return cpu.segAddr(seg, off, size);
}

function countOf(cpu: Cpu, asize: number): number {
  if (asize === 8) return (cpu.regs[3] >>> 0) * TWO32 + (cpu.regs[2] >>> 0);
  return asize === 4 ? cpu.regs[2] >>> 0 : cpu.regs[2] & 0xffff;
}

/** INS: port -> ES:[rDI] (ES cannot be overridden; SDM vol 2A, INS). */
const ins: H = (cpu, i) => {
  const size = i.s0 as 1 | 2 | 4;
  const port = cpu.regs[DX] & 0xffff;
  checkIoPermission(cpu, port, size);
  // Nested VMX: I/O in VMX non-root may exit (SDM vol 3C 26.1.3).
  if (cpu.nonRootExit?.(cpu, 'io', ioQual(size, true, true, (i.pfx & (PFX_REP | PFX_REPNE)) !== 0, false, port))) return;
  stringIo(cpu, i, size, port, true);
};

/** OUTS: DS:[rSI] (segment override allowed) -> port (SDM vol 2B, OUTS). */
const outs: H = (cpu, i) => {
  const size = i.s1 as 1 | 2 | 4;
  const port = cpu.regs[DX] & 0xffff;
  checkIoPermission(cpu, port, size);
  // Nested VMX: I/O in VMX non-root may exit (SDM vol 3C 26.1.3).
  if (cpu.nonRootExit?.(cpu, 'io', ioQual(size, false, true, (i.pfx & (PFX_REP | PFX_REPNE)) !== 0, false, port))) return;
  stringIo(cpu, i, size, port, false);
  cpu.exitBlock = true;
};

function stringIo(cpu: Cpu, i: Insn, size: 1 | 2 | 4, port: number, input: boolean): void {
  const rep = (i.pfx & (PFX_REP | PFX_REPNE)) !== 0;
  const as = i.asize;
  const step = cpu.flagsRest & DF ? -size : size;
  const reg = input ? 7 : 6;
  const seg = input ? ES : i.segOverride >= 0 ? i.segOverride : DS;
  let left = rep ? countOf(cpu, as) : 1;
  let n = 0;
  while (left > 0) {
    const lin = strAddr(cpu, seg, reg, as, size);
    if (input) {
      // Check the destination before the port read so a fault loses no data.
      cpu.probeWrite(lin, size);
      cpu.writeSize(lin, size, cpu.plat.io.read(port, size));
    } else {
      cpu.plat.io.write(port, size, cpu.readSize(lin, size));
    }
    cpu.addReg(reg, as, step);
    if (!rep) return;
    cpu.addReg(1, as, -1);
    left--;
    if (++n >= CHUNK && left > 0) {
      // Resume this instruction after an interrupt window.
      cpu.nextRip = cpu.rip;
      cpu.exitBlock = true;
      return;
    }
  }
}

export const ioHandlers: Record<string, H> = { in: inHandler, out: outHandler, ins, outs };
