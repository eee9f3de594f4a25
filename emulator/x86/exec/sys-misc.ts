// The remaining system instructions: CPUID, time-stamp and performance
// counters, MSR access, SWAPGS and the FS/GS base instructions, XCR0,
// HLT, software interrupts, UD0/1/2, and the hint/cache instructions
// (PAUSE, MONITOR/MWAIT, fences, CLFLUSH, PREFETCH) that only fault.
import type { Cpu } from '../cpu';
import { Access } from '../mmu';
import { CpuFault } from '../fault';
import { getOF } from '../flags';
import { fold, foldedHi } from '../canon';
import { CpuMode } from '../state';
import { DS, FS, GS, AC, CR4_TSD, CR4_PCE, CR4_OSXSAVE, CR4_PKE, CR4_FSGSBASE } from '../regs';
import { readMsr, writeMsr } from '../msr';
import { raiseSoftware } from './interrupts';
import { EventType } from './sys-deliver';
import { FEAT } from './sys-features';
import { H, gp0, ud, requireCpl0 } from './sys-util';

const TWO32 = 0x1_0000_0000;

// ------------------------------------------------------------------- CPUID

/**
 * CPUID from the per-VM model, plus the bits that mirror control registers:
 * CPUID.01H:ECX.OSXSAVE[27] = CR4.OSXSAVE and CPUID.(07H,0):ECX.OSPKE[4] =
 * CR4.PKE (SDM vol 2A, CPUID).
 */
const cpuid: H = (cpu) => {
  // Nested VMX: CPUID in VMX non-root always exits (SDM vol 3C 26.1.2).
  if (cpu.nonRootExit?.(cpu, 'cpuid', 0)) return;
  const leaf = cpu.regs[0] >>> 0, sub = cpu.regs[2] >>> 0;
  const r = cpu.model.cpuid(leaf, sub, cpu.apicId);
  let c = r[2];
  if (leaf === 1) c = (c & ~(1 << 27)) | (cpu.cr4 & CR4_OSXSAVE ? 1 << 27 : 0);
  else if (leaf === 7 && sub === 0) c = (c & ~(1 << 4)) | (cpu.cr4 & CR4_PKE ? 1 << 4 : 0);
  cpu.setReg(0, 4, r[0]); cpu.setReg(3, 4, r[1]); cpu.setReg(1, 4, c); cpu.setReg(2, 4, r[3]);
};

// --------------------------------------------------------------------- TSC

/** TSC = instructions retired + IA32_TSC offset (deterministic time, DESIGN.md). */
/** TSC = machine time (instructions retired, exact within a block) + the vCPU's offset (DESIGN.md: deterministic time). */
export function readTsc(cpu: Cpu): number { return Math.max(0, cpu.now() + cpu.tscOffset); }

/** RDTSC/RDTSCP at CPL > 0 with CR4.TSD=1 is #GP(0) (SDM vol 2B, RDTSC). */
function tscAllowed(cpu: Cpu, what: string): void {
  if ((cpu.cr4 & CR4_TSD) && cpu.cpl > 0 && cpu.mode !== CpuMode.Real) throw gp0(`${what} at CPL ${cpu.cpl} with CR4.TSD=1`);
}

function setEdxEax(cpu: Cpu, v: number): void {
  cpu.setReg(0, 4, (v % TWO32) >>> 0);
  cpu.setReg(2, 4, Math.floor(v / TWO32) >>> 0);
}

const rdtsc: H = (cpu) => {
  tscAllowed(cpu, 'RDTSC');
  // Nested VMX: RDTSC exits if 'RDTSC exiting' (SDM vol 3C 26.1.3); otherwise TSC offsetting applies through tscOffset.
  if (cpu.nonRootExit?.(cpu, 'rdtsc', 0)) return;
  setEdxEax(cpu, readTsc(cpu));
  // The instruction count is exact only at block boundaries; ending the block keeps successive reads increasing.
  cpu.exitBlock = true;
};

const rdtscp: H = (cpu) => {
  if (!cpu.model.has(FEAT.rdtscp)) throw ud('RDTSCP not supported by this CPU model');
  tscAllowed(cpu, 'RDTSCP');
  // Nested VMX: #UD without 'enable RDTSCP', else exits with 'RDTSC exiting' (SDM vol 3C 26.3, 26.1.3).
  if (cpu.nonRootExit?.(cpu, 'rdtscp', 0)) return;
  setEdxEax(cpu, readTsc(cpu));
  cpu.setReg(1, 4, cpu.tscAux);
  cpu.exitBlock = true;
};

/**
 * RDPMC: #GP(0) unless CPL 0 or CR4.PCE=1, and for a counter index the
 * model does not have (CPUID leaf 0AH). Counters are not modelled: a valid
 * one reads 0, reported once as a diagnostic (SDM vol 2B, RDPMC).
 */
const rdpmc: H = (cpu) => {
  if (cpu.cpl > 0 && cpu.mode !== CpuMode.Real && !(cpu.cr4 & CR4_PCE)) throw gp0(`RDPMC at CPL ${cpu.cpl} with CR4.PCE=0`);
  // Nested VMX: RDPMC exits if 'RDPMC exiting' (SDM vol 3C 26.1.3), before the counter-index check.
  if (cpu.nonRootExit?.(cpu, 'rdpmc', 0)) return;
  const ecx = cpu.regs[2] >>> 0;
  const pm = cpu.model.cpuid(0xa, 0, cpu.apicId);
  const general = (pm[0] >>> 8) & 0xff, fixed = pm[3] & 0x1f;
  const idx = ecx & 0x3fffffff;
  const valid = ecx & 0x40000000 ? idx < fixed : idx < general;
  if ((ecx & 0xbfffffff) !== idx || !valid) throw gp0(`RDPMC of counter 0x${ecx.toString(16)}, which the model does not have`);
  cpu.plat.events.diagnoseOnce('ni:rdpmc', {
    kind: 'diagnostic', code: 'not-implemented', icount: cpu.icount, vcpu: cpu.id, rip: cpu.rip,
    message: 'performance counters are not modelled: RDPMC reads 0',
  });
  cpu.setReg(0, 4, 0); cpu.setReg(2, 4, 0);
};

// -------------------------------------------------------------------- MSRs

const rdmsr: H = (cpu) => {
  requireCpl0(cpu, 'RDMSR');
  // Nested VMX: RDMSR in VMX non-root may exit (SDM vol 3C 26.1.3).
  if (cpu.nonRootExit?.(cpu, 'rdmsr', 0)) return;
  const lo = readMsr(cpu, cpu.regs[2] >>> 0);
  const hi = cpu.hi;
  cpu.setReg(0, 4, lo); cpu.setReg(2, 4, hi);
};

const wrmsr: H = (cpu) => {
  requireCpl0(cpu, 'WRMSR');
  // Nested VMX: WRMSR in VMX non-root may exit (SDM vol 3C 26.1.3).
  if (cpu.nonRootExit?.(cpu, 'wrmsr', 0)) return;
  writeMsr(cpu, cpu.regs[2] >>> 0, cpu.regs[0] >>> 0, cpu.regs[4] | 0);
  cpu.exitBlock = true;
};

// ------------------------------------------------------------ FS/GS bases

/** SWAPGS exchanges GS.base and IA32_KERNEL_GS_BASE (64-bit mode only, CPL 0; SDM vol 2B, SWAPGS). */
const swapgs: H = (cpu) => {
  requireCpl0(cpu, 'SWAPGS');
  const t = cpu.segBase[GS];
  cpu.segBase[GS] = cpu.kernelGsBase;
  cpu.kernelGsBase = t;
};

function fsgsEnabled(cpu: Cpu, what: string): void {
  if (!(cpu.cr4 & CR4_FSGSBASE)) throw ud(`${what} with CR4.FSGSBASE=0`);
}

/** RDFSBASE/RDGSBASE r32/r64 (SDM vol 2B): 32-bit forms return bits 31:0. */
function rdBase(seg: number, what: string): H {
  return (cpu, i) => {
    fsgsEnabled(cpu, what);
    const b = cpu.segBase[seg];
    cpu.setReg(i.r0, i.s0, b >>> 0, i.s0 === 8 ? foldedHi(b) : 0);
  };
}

/** WRFSBASE/WRGSBASE: the 64-bit form must be canonical, the 32-bit form zero-extends (SDM vol 2B). */
function wrBase(seg: number, what: string): H {
  return (cpu, i) => {
    fsgsEnabled(cpu, what);
    const lo = cpu.getReg(i.r0, i.s0);
    const hi = i.s0 === 8 ? cpu.hi : 0;
    const v = fold(lo, hi);
    if (v < 0) throw gp0(`${what}: non-canonical base`);
    cpu.segBase[seg] = v;
  };
}

// -------------------------------------------------------------------- XCR0

/** XCR0 bits the model supports: CPUID.(EAX=0DH,ECX=0):EAX (x87 and SSE at least). */
function xcr0Supported(cpu: Cpu): number {
  const eax = cpu.model.cpuid(0xd, 0, cpu.apicId)[0] >>> 0;
  return (eax | 3) >>> 0;
}

const xgetbv: H = (cpu) => {
  if (!(cpu.cr4 & CR4_OSXSAVE)) throw ud('XGETBV with CR4.OSXSAVE=0');
  const ecx = cpu.regs[2] >>> 0;
  if (ecx !== 0) throw gp0(`XGETBV of XCR${ecx}`);
  cpu.setReg(0, 4, cpu.xcr0); cpu.setReg(2, 4, 0);
};

/**
 * XSETBV (SDM vol 2C, XSETBV; vol 1 13.3): CPL 0, ECX=0, bit 0 set, AVX
 * needs SSE, AVX-512 state all-or-nothing and needs AVX, MPX bits together,
 * nothing the model does not support.
 */
const xsetbv: H = (cpu) => {
  if (!(cpu.cr4 & CR4_OSXSAVE)) throw ud('XSETBV with CR4.OSXSAVE=0');
  requireCpl0(cpu, 'XSETBV');
  // Nested VMX: XSETBV always exits (SDM vol 3C 26.1.2); the XCR checks come after the exit.
  if (cpu.nonRootExit?.(cpu, 'xsetbv', 0)) return;
  const ecx = cpu.regs[2] >>> 0;
  const lo = cpu.regs[0] >>> 0, hi = cpu.regs[4] >>> 0;
  if (ecx !== 0) throw gp0(`XSETBV of XCR${ecx}`);
  if (hi !== 0 || (lo & ~xcr0Supported(cpu))) throw gp0('XSETBV sets unsupported XCR0 bits');
  if (!(lo & 1)) throw gp0('XCR0.X87 must be 1');
  if ((lo & 4) && !(lo & 2)) throw gp0('XCR0.AVX needs XCR0.SSE');
  if (((lo >>> 3) & 3) === 1 || ((lo >>> 3) & 3) === 2) throw gp0('XCR0 BNDREGS and BNDCSR must be set together');
  const avx512 = (lo >>> 5) & 7;
  if (avx512 !== 0 && (avx512 !== 7 || !(lo & 4))) throw gp0('XCR0 AVX-512 state must be all set, with AVX');
  cpu.xcr0 = lo;
  cpu.exitBlock = true;
};

// ------------------------------------------------------- HLT and interrupts

/** HLT: CPL 0; the vCPU sleeps until an interrupt, NMI or INIT (SDM vol 2A, HLT). */
const hlt: H = (cpu) => {
  requireCpl0(cpu, 'HLT');
  // Nested VMX: HLT in VMX non-root exits if 'HLT exiting' (SDM vol 3C 26.1.3).
  if (cpu.nonRootExit?.(cpu, 'hlt', 0)) return;
  cpu.halted = true;
  cpu.exitBlock = true;
};

const intN: H = (cpu, i) => { raiseSoftware(cpu, i.imm & 0xff, EventType.SoftInt); };
const int3: H = (cpu) => { raiseSoftware(cpu, 3, EventType.SoftException); };
/** INTO: #OF only when OF=1 (SDM vol 2A, INTO). */
const into: H = (cpu) => { if (getOF(cpu)) raiseSoftware(cpu, 4, EventType.SoftException); };
/** INT1 (ICEBP): #DB as a privileged software exception, no gate DPL check (SDM vol 2A, INT1). */
const int1: H = (cpu) => { raiseSoftware(cpu, 1, EventType.PrivSoftException); };

/** UD0/UD1/UD2: the architecturally undefined opcodes raise #UD (SDM vol 2B, UD). */
const udInsn: H = () => { throw new CpuFault(6, -1, 0, 'UD instruction'); };

// ------------------------------------------------------ hints and caches

const nop: H = () => {};

/** PAUSE is a hint (a NOP here), but in VMX non-root it exits if 'PAUSE exiting' (SDM vol 3C 26.1.3). */
const pause: H = (cpu) => { cpu.nonRootExit?.(cpu, 'pause', 0); };

/** MONITOR/MWAIT exist only if CPUID.01H:ECX.MONITOR[3]=1 and at CPL 0 (SDM vol 2B, MONITOR). */
function monitorCheck(cpu: Cpu, what: string): void {
  if (!cpu.model.has(FEAT.monitor)) throw ud(`${what} not supported by this CPU model`);
  if (cpu.cpl > 0 && cpu.mode !== CpuMode.Real) throw ud(`${what} at CPL ${cpu.cpl}`);
}

/** MONITOR: DS:rAX (segment override allowed) must be a readable address; ECX=0 (no extensions). */
const monitor: H = (cpu, i) => {
  monitorCheck(cpu, 'MONITOR');
  // Nested VMX: MONITOR exits if 'MONITOR exiting' (SDM vol 3C 26.1.3).
  if (cpu.nonRootExit?.(cpu, 'monitor', 0)) return;
  if (cpu.regs[2] !== 0) throw gp0('MONITOR extensions (ECX != 0) are not supported');
  const seg = i.segOverride >= 0 ? i.segOverride : DS;
  let lin: number;
  if (i.asize === 8) {
    lin = fold(cpu.regs[0], cpu.regs[1]);
    if (lin < 0) throw gp0('MONITOR of a non-canonical address');
    lin = cpu.segAddr(seg, lin, 1);
  } else lin = cpu.segAddr(seg, i.asize === 4 ? cpu.regs[0] >>> 0 : cpu.regs[0] & 0xffff, 1);
  cpu.mmu.translate(lin, Access.Read, cpu.cpl === 3);
};

/** MWAIT may return at any time (spurious wake-ups are architectural), so it completes at once. */
const mwait: H = (cpu) => {
  monitorCheck(cpu, 'MWAIT');
  // Nested VMX: MWAIT exits if 'MWAIT exiting' (SDM vol 3C 26.1.3); L0 fills in qualification bit 0 (monitor armed).
  if (cpu.nonRootExit?.(cpu, 'mwait', 0)) return;
  if ((cpu.regs[2] >>> 0) > 1) throw gp0('MWAIT extensions beyond interrupt-break (ECX > 1) are not supported');
  cpu.exitBlock = true;
};

/** CLFLUSH/CLFLUSHOPT fault like a byte read of the operand but touch nothing (SDM vol 2A, CLFLUSH). */
const clflush: H = (cpu, i) => {
  const lin = cpu.ea(i, 1);
  cpu.mmu.translate(lin, Access.Read, cpu.cpl === 3);
};

/** CLAC/STAC: SMAP's AC control, CPL 0 only (SDM vol 2A, CLAC; vol 2B, STAC). */
function acControl(set: boolean): H {
  return (cpu) => {
    if (!cpu.model.has(FEAT.smap)) throw ud('CLAC/STAC not supported by this CPU model');
    if (cpu.cpl > 0) throw ud(`${set ? 'STAC' : 'CLAC'} at CPL ${cpu.cpl}`);
    if (set) cpu.flagsRest |= AC; else cpu.flagsRest &= ~AC;
  };
}

export const miscHandlers: Record<string, H> = {
  cpuid, rdtsc, rdtscp, rdpmc, rdmsr, wrmsr, swapgs,
  rdfsbase: rdBase(FS, 'RDFSBASE'), rdgsbase: rdBase(GS, 'RDGSBASE'),
  wrfsbase: wrBase(FS, 'WRFSBASE'), wrgsbase: wrBase(GS, 'WRGSBASE'),
  xgetbv, xsetbv, hlt,
  int: intN, int3, into, int1,
  ud2: udInsn, ud0: udInsn, ud1: udInsn,
  pause, fence: nop, prefetch: nop, prefetchw: nop,
  // ENDBR32/64 are NOPs when CET is not enabled (SDM vol 2A, ENDBR64); gcc with
  // -fcf-protection (Ubuntu's default) puts one at every function entry.
  endbr64: nop, endbr32: nop,
  monitor, mwait, clflush,
  clac: acControl(false), stac: acControl(true),
};
