// Fast system calls: SYSCALL/SYSRET (SDM vol 2B; AMD APM vol 3 for the
// legacy and compatibility-mode forms AMD adds) and SYSENTER/SYSEXIT (SDM vol
// 2B). They load flat segment caches from MSRs without reading the GDT.
import type { Cpu } from '../cpu';
import { getFlags, setFlags } from '../flags';
import { fold, foldedHi } from '../canon';
import { CpuMode, AR_L, AR_DB } from '../state';
import { CS, SS, RF, IF, VM, EFER_SCE, EFER_LMA } from '../regs';
import { loadFlat, ia32e } from '../segments';
import { FEAT } from './sys-features';
import { H, gp0, ud } from './sys-util';

const TWO32 = 0x1_0000_0000;
// Flat code/data access rights: execute/read accessed code, read/write accessed data (VMCS AR format).
const CODE64 = 0xb | AR_L, CODE32 = 0xb | AR_DB, DATA = 0x3 | AR_DB;

function enter(cpu: Cpu, csSel: number, csAr: number, ssSel: number, cpl: number): void {
  loadFlat(cpu, CS, csSel, csAr | (cpl << 5));
  loadFlat(cpu, SS, ssSel, DATA | (cpl << 5));
  cpu.setCpl(cpl);
  cpu.updateMode();
}

/** Intel has SYSCALL/SYSRET only in 64-bit mode; AMD also in compatibility and legacy protected mode. */
function syscallMode(cpu: Cpu, what: string): void {
  if (!(cpu.efer & EFER_SCE)) throw ud(`${what} with EFER.SCE=0`);
  if (cpu.mode === CpuMode.Long64) return;
  if (cpu.model.vendor === 'intel' || cpu.mode === CpuMode.Real) throw ud(`${what} outside 64-bit mode`);
}

/**
 * SYSCALL: RCX = next RIP, R11 = RFLAGS, RFLAGS &= ~IA32_FMASK, CS = STAR[47:32]
 * (RPL 0), SS = that + 8, RIP = LSTAR (CSTAR from compatibility mode; STAR[31:0]
 * in legacy mode, with VM/IF/RF cleared instead of FMASK).
 */
const syscall: H = (cpu) => {
  syscallMode(cpu, 'SYSCALL');
  const sel = (cpu.starHi & 0xffff) >>> 0;
  const flags = getFlags(cpu) & ~RF;
  if (cpu.efer & EFER_LMA) {
    const from64 = cpu.mode === CpuMode.Long64;
    cpu.setReg(1, 8, cpu.nextRip >>> 0, from64 ? foldedHi(cpu.nextRip) : 0);
    cpu.setReg(11, 8, flags, 0);
    setFlags(cpu, flags & ~cpu.sfmask);
    enter(cpu, sel & 0xfffc, CODE64, (sel + 8) & 0xffff, 0);
    const lo = from64 ? cpu.lstar : cpu.cstar, hi = from64 ? cpu.lstarHi : cpu.cstarHi;
    cpu.nextRip = (hi & 0xffff) * TWO32 + (lo >>> 0);
  } else {
    cpu.setReg(1, 4, cpu.nextRip >>> 0);
    setFlags(cpu, flags & ~(VM | IF | RF));
    enter(cpu, sel & 0xfffc, CODE32, (sel + 8) & 0xffff, 0);
    cpu.nextRip = cpu.star >>> 0;
  }
};

/**
 * SYSRET: CPL 0 only. REX.W returns to 64-bit code at CS = STAR[63:48] + 16,
 * RIP = RCX, which Intel checks for canonical form before anything changes
 * (the #GP is taken at CPL 0); otherwise to 32-bit code at CS = STAR[63:48],
 * EIP = ECX. RFLAGS = R11 (legacy mode: IF=1), SS = STAR[63:48] + 8, CPL 3.
 */
const sysret: H = (cpu, i) => {
  syscallMode(cpu, 'SYSRET');
  if (cpu.cpl !== 0) throw gp0(`SYSRET at CPL ${cpu.cpl}`);
  const base = (cpu.starHi >>> 16) & 0xffff;
  const to64 = i.osize === 8;
  let rip: number;
  if (to64) {
    rip = fold(cpu.regs[2], cpu.regs[3]);
    if (rip < 0) {
      if (cpu.model.vendor === 'intel') throw gp0('SYSRET to a non-canonical RCX');
      rip = (cpu.regs[3] & 0xffff) * TWO32 + (cpu.regs[2] >>> 0);
    }
  } else rip = cpu.regs[2] >>> 0;
  if (cpu.efer & EFER_LMA) setFlags(cpu, (cpu.regs[22] & 0x3c7fd7) | 2);
  else cpu.flagsRest |= IF;
  enter(cpu, ((to64 ? base + 16 : base) & 0xffff) | 3, to64 ? CODE64 : CODE32, ((base + 8) & 0xffff) | 3, 3);
  cpu.nextRip = rip;
};

/** SYSENTER/SYSEXIT exist with CPUID SEP; AMD makes them #UD in long mode (APM vol 3, SYSENTER). */
function sysenterMode(cpu: Cpu, what: string): void {
  if (!cpu.model.has(FEAT.sep)) throw ud(`${what} not supported by this CPU model`);
  if (cpu.model.vendor === 'amd' && ia32e(cpu)) throw ud(`${what} in long mode on AMD`);
  if (cpu.mode === CpuMode.Real) throw gp0(`${what} in real-address mode`);
  if ((cpu.sysenterCs & 0xfffc) === 0) throw gp0(`${what} with IA32_SYSENTER_CS = 0`);
}

/** SYSENTER: CS = SYSENTER_CS, SS = +8, (R/E)IP and (R/E)SP from the MSRs; VM, IF, RF cleared (SDM vol 2B). */
const sysenter: H = (cpu) => {
  sysenterMode(cpu, 'SYSENTER');
  const cs = cpu.sysenterCs & 0xfffc;
  cpu.flagsRest &= ~(VM | IF | RF);
  if (ia32e(cpu)) {
    enter(cpu, cs, CODE64, (cs + 8) & 0xffff, 0);
    cpu.setReg(4, 8, cpu.sysenterEsp, cpu.sysenterEspHi);
    cpu.nextRip = (cpu.sysenterEipHi & 0xffff) * TWO32 + (cpu.sysenterEip >>> 0);
  } else {
    enter(cpu, cs, CODE32, (cs + 8) & 0xffff, 0);
    cpu.setReg(4, 4, cpu.sysenterEsp);
    cpu.nextRip = cpu.sysenterEip >>> 0;
  }
};

/**
 * SYSEXIT: CPL 0. REX.W: 64-bit code at SYSENTER_CS + 32, RIP = RDX, RSP =
 * RCX (both must be canonical), SS = +40; else 32-bit code at +16, EIP = EDX,
 * ESP = ECX, SS = +24. CPL becomes 3 (SDM vol 2B, SYSEXIT).
 */
const sysexit: H = (cpu, i) => {
  sysenterMode(cpu, 'SYSEXIT');
  if (cpu.cpl !== 0) throw gp0(`SYSEXIT at CPL ${cpu.cpl}`);
  const cs = cpu.sysenterCs & 0xffff;
  if (i.osize === 8) {
    const rip = fold(cpu.regs[4], cpu.regs[5]);
    const rsp = fold(cpu.regs[2], cpu.regs[3]);
    if (rip < 0 || rsp < 0) throw gp0('SYSEXIT to a non-canonical RDX or RCX');
    enter(cpu, ((cs + 32) & 0xffff) | 3, CODE64, ((cs + 40) & 0xffff) | 3, 3);
    cpu.setReg(4, 8, cpu.regs[2], cpu.regs[3]);
    cpu.nextRip = rip;
  } else {
    enter(cpu, ((cs + 16) & 0xffff) | 3, CODE32, ((cs + 24) & 0xffff) | 3, 3);
    cpu.setReg(4, 4, cpu.regs[2]);
    cpu.nextRip = cpu.regs[4] >>> 0;
  }
};

export const fastHandlers: Record<string, H> = { syscall, sysret, sysenter, sysexit };
