// Small helpers shared by the system-instruction handlers.
import type { Cpu } from '../cpu';
import type { Insn } from '../decode/insn';
import { CpuFault } from '../fault';
import { CpuMode } from '../state';
import { hex64 } from '../canon';
import { CR4_UMIP } from '../regs';

export type H = (cpu: Cpu, i: Insn) => void;

export const gp0 = (detail: string): CpuFault => new CpuFault(13, 0, 0, detail);
export const ud = (detail: string): CpuFault => new CpuFault(6, -1, 0, detail);

/** Privileged instructions: #GP(0) unless CPL 0 (SDM vol 3A, 5.9). Real mode is CPL 0. */
export function requireCpl0(cpu: Cpu, what: string): void {
  if (cpu.cpl !== 0) throw new CpuFault(13, 0, 0, `${what} at CPL ${cpu.cpl}`);
}

/** Instructions that exist only in protected mode (LLDT, LTR, LAR, ...): #UD in real-address mode. */
export function requireProtected(cpu: Cpu, what: string): void {
  if (cpu.mode === CpuMode.Real) throw new CpuFault(6, -1, 0, `${what} in real-address mode`);
}

/** SGDT/SIDT/SLDT/STR/SMSW: #GP(0) at CPL > 0 when CR4.UMIP=1 (SDM vol 3A, 2.5 "UMIP"). */
export function umipCheck(cpu: Cpu, what: string): void {
  if ((cpu.cr4 & CR4_UMIP) && cpu.cpl > 0) throw new CpuFault(13, 0, 0, `${what} at CPL ${cpu.cpl} with CR4.UMIP=1`);
}

/** A form we decode but do not model: #UD for the guest and a one-time diagnostic for the user. */
export function notImplemented(cpu: Cpu, what: string): CpuFault {
  cpu.plat.events.diagnoseOnce(`ni:${what}`, {
    kind: 'diagnostic', code: 'not-implemented', icount: cpu.icount, vcpu: cpu.id, rip: cpu.rip,
    message: `not implemented: ${what} at rip ${hex64(cpu.rip)}; the guest gets #UD`,
  });
  return new CpuFault(6, -1, 0, 'not implemented: ' + what);
}
