// The x87 control instructions that boot code and context switches use
// (FNINIT, FNCLEX, FNSTCW, FLDCW, FNSTSW, FWAIT). They keep the control,
// status and tag words that FXSAVE/FXRSTOR save; x87 arithmetic is not
// implemented and stays "not implemented" (#UD + diagnostic).
import type { Cpu } from '../cpu';
import type { Insn } from '../decode/insn';
import { OpKind } from '../decode/insn';
import type { Handler } from '../decode/table';
import { CpuFault } from '../fault';
import { CR0_EM, CR0_TS, CR0_MP } from '../regs';

/** SDM vol 3A, 2.5 / table 2-2: x87 instructions fault #NM with CR0.EM or CR0.TS set. */
function checkNm(cpu: Cpu): void {
  if (cpu.cr0 & (CR0_EM | CR0_TS)) throw new CpuFault(7, -1, 0, 'x87 instruction with CR0.EM or CR0.TS set');
}

/** FNINIT (SDM vol 2A, FINIT/FNINIT): control 0x37F, status 0, all registers tagged empty. */
function fninit(cpu: Cpu): void {
  checkNm(cpu);
  cpu.fcw = 0x37f;
  cpu.fsw = 0;
  cpu.ftw = 0xffff; // full tag word: 11b = empty for all eight registers
}

function fnclex(cpu: Cpu): void {
  checkNm(cpu);
  // Clears the exception flags, ES and B (SDM vol 2A, FCLEX).
  cpu.fsw &= 0x7f00;
}

function fnstcw(cpu: Cpu, i: Insn): void {
  checkNm(cpu);
  cpu.writeSize(cpu.ea(i, 2), 2, cpu.fcw);
}

function fldcw(cpu: Cpu, i: Insn): void {
  checkNm(cpu);
  cpu.fcw = cpu.read16(cpu.ea(i, 2)) | 0x40; // bit 6 reads as 1 (SDM vol 1, 8.1.5)
}

function fnstsw(cpu: Cpu, i: Insn): void {
  checkNm(cpu);
  if (i.k0 === OpKind.Mem) cpu.writeSize(cpu.ea(i, 2), 2, cpu.fsw);
  else cpu.setReg(0, 2, cpu.fsw);
}

/** FWAIT: #NM only when CR0.MP and CR0.TS are both set (SDM vol 3A, table 2-2). */
function fwait(cpu: Cpu): void {
  if ((cpu.cr0 & (CR0_MP | CR0_TS)) === (CR0_MP | CR0_TS)) throw new CpuFault(7, -1, 0, 'FWAIT with CR0.MP and CR0.TS set');
}

export const handlers: Record<string, Handler> = {
  fninit, fnclex, fnstcw, fldcw, fnstsw, fwait,
} as Record<string, Handler>;
