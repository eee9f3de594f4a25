// Instructions L2 executes that may exit (the core's NonRootInsn call
// sites): one row per instruction with its exit reason (vmx-exit-reasons.tsv),
// the "does L1 want it?" rule (vmx-exit-rules.ts), whether L0 wants it for
// itself (vmcs01.ts), the VMX non-root behaviour when no exit happens
// (SDM vol 3C §26.3 "Changes to Instruction Behavior in VMX Non-Root
// Operation"), and the exit information beyond the qualification (§28.2).
import type { Cpu } from '../x86/cpu';
import type { NonRootInsn, NonRootDetail } from '../x86/state';
import { ud } from '../x86/exec/sys-util';
import { writeCr0, writeCr4 } from '../x86/exec/sys-cr';
import { VMCS } from '../vmx/fields';
import { SECONDARY } from '../vmx/controls';
import type { Vmcs } from '../vmx/vmcs';
import type { VmxVcpuState } from './vmx-state';
import * as R from './vmx-exit-rules';
import { l0WantsHlt, l0WantsIo, l0WantsMsr } from './vmcs01';
import { gdtrIdtrInfo, ldtrTrInfo, stringIoInfo, vmxInsnInfo } from './vmx-insn-info';
import type { ExitInfo } from './vmx-reflect';

const F = VMCS;
const TWO32 = 0x1_0000_0000;

export interface InsnExit {
  readonly reason: number;
  /** The rule's name in the trace. */
  readonly rule: string;
  /** Does L1 want it (VMCS12)? */
  readonly l1: (cpu: Cpu, v12: Vmcs, qual: number) => boolean;
  /** Does L0 want it for itself (VMCS01)? Then L0 handles what L1 does not take. */
  readonly l0?: (v01: Vmcs) => boolean;
  /** VMX non-root checks with priority over the exit (#UD of disabled features). */
  readonly pre?: (cpu: Cpu, s: VmxVcpuState) => void;
  /** No exit to L1: true if L0 completed the instruction with its non-root behaviour (§26.3). */
  readonly noExit?: (cpu: Cpu, s: VmxVcpuState, qual: number, d: NonRootDetail | undefined) => boolean;
  /** Exit information besides reason, qualification and length. */
  readonly info?: (cpu: Cpu, s: VmxVcpuState, qual: number, d: NonRootDetail | undefined) => Partial<ExitInfo>;
}

// ---- non-root behaviour without an exit (§26.3) ----

/** MOV from CR0/CR4: bits owned by the guest/host mask read from the read shadow (§26.3). */
function readShadowed(cpu: Cpu, s: VmxVcpuState, qual: number): boolean {
  const cr = qual & 15;
  if (cr !== 0 && cr !== 4) return false;
  const v = s.vmcs02;
  const mask = v.lo(cr === 0 ? F.CR0_GUEST_HOST_MASK : F.CR4_GUEST_HOST_MASK);
  if (mask === 0) return false;
  const real = cr === 0 ? cpu.cr0 : cpu.cr4;
  const val = ((real & ~mask) | (v.lo(cr === 0 ? F.CR0_READ_SHADOW : F.CR4_READ_SHADOW) & mask)) >>> 0;
  cpu.setReg((qual >>> 8) & 15, cpu.long64 ? 8 : 4, val, 0);
  return true;
}

/** MOV to CR0/CR4 that did not exit: owned bits keep their value, the rest load as usual (§26.3). */
function writeMasked(cpu: Cpu, s: VmxVcpuState, qual: number): boolean {
  const cr = qual & 15;
  if (cr !== 0 && cr !== 4) return false;
  const v = s.vmcs02;
  const mask = v.lo(cr === 0 ? F.CR0_GUEST_HOST_MASK : F.CR4_GUEST_HOST_MASK);
  if (mask === 0) return false;
  const size = cpu.long64 ? 8 : 4;
  const lo = cpu.getReg((qual >>> 8) & 15, size);
  const hi = size === 8 ? cpu.hi : 0;
  const real = cr === 0 ? cpu.cr0 : cpu.cr4;
  const val = ((lo & ~mask) | (real & mask)) >>> 0;
  if (cr === 0) writeCr0(cpu, val, hi); else writeCr4(cpu, val, hi);
  return true;
}

function crNoExit(cpu: Cpu, s: VmxVcpuState, qual: number): boolean {
  return ((qual >>> 4) & 3) === 0 ? writeMasked(cpu, s, qual) : readShadowed(cpu, s, qual);
}

/** CLTS that did not exit: an owned CR0.TS is left alone (§26.3). */
function cltsNoExit(_cpu: Cpu, s: VmxVcpuState): boolean {
  return (s.vmcs02.lo(F.CR0_GUEST_HOST_MASK) & 8) !== 0;
}

/** LMSW that did not exit: owned bits among CR0[3:0] are left alone; PE is never cleared (§26.3). */
function lmswNoExit(cpu: Cpu, s: VmxVcpuState, qual: number): boolean {
  const mask = s.vmcs02.lo(F.CR0_GUEST_HOST_MASK) & 0xf;
  if (mask === 0) return false;
  const src = qual >>> 16, old = cpu.cr0;
  const free = 0xf & ~mask;
  const low = ((old & ~free) | (src & free & 0xe) | (old & 1) | (src & free & 1)) & 0xf;
  cpu.cr0 = ((old & ~0xf) | low) >>> 0;
  if ((old ^ cpu.cr0) & 1) cpu.updateMode();
  return true;
}

// ---- exit information (§28.2) ----

const insnLinear = (_c: Cpu, _s: VmxVcpuState, _q: number, d: NonRootDetail | undefined): Partial<ExitInfo> =>
  ({ qualHi: d?.qualHi ?? 0, linear: d?.linear });

/** INS/OUTS: guest-linear address of the string operand, and instruction information with IA32_VMX_BASIC[54] (§28.2.1, §28.2.5). */
function ioInfo(cpu: Cpu, s: VmxVcpuState, qual: number): Partial<ExitInfo> {
  if (!(qual & 0x10) || !cpu.cur) return {};
  const i = cpu.cur, input = (qual & 8) !== 0;
  const seg = input ? 0 : i.segOverride >= 0 ? i.segOverride : 3;
  const reg = input ? 7 : 6;
  const off = i.asize === 8 ? (cpu.regs[reg * 2 + 1] >>> 0) * TWO32 + (cpu.regs[reg * 2] >>> 0)
    : i.asize === 4 ? cpu.regs[reg * 2] >>> 0 : cpu.regs[reg * 2] & 0xffff;
  let lin = cpu.segBase[seg] + off;
  if (i.asize !== 8) lin %= TWO32;
  return { linear: lin % 2 ** 48, insnInfo: s.caps.allowed1('basic', 54) ? stringIoInfo(i, input) : 0 };
}

/** Reasons 46/47: instruction information of the descriptor-table instruction (tables 28-10, 28-11). */
function dtInfo(kind: 'gdtr' | 'ldtr', identity: number) {
  return (cpu: Cpu, _s: VmxVcpuState, _q: number, d: NonRootDetail | undefined): Partial<ExitInfo> => {
    const i = cpu.cur;
    if (!i) return { qualHi: d?.qualHi ?? 0 };
    return { qualHi: d?.qualHi ?? 0, insnInfo: kind === 'gdtr' ? gdtrIdtrInfo(i, identity) : ldtrTrInfo(i, identity) };
  };
}

/** INVPCID: table 28-9 instruction information (memory operand, type register). */
function invpcidInfo(cpu: Cpu, _s: VmxVcpuState, _q: number, d: NonRootDetail | undefined): Partial<ExitInfo> {
  const i = cpu.cur;
  return { qualHi: d?.qualHi ?? 0, insnInfo: i ? vmxInsnInfo(i, 'invalidate') : 0 };
}

// ---- #UD in VMX non-root for features VMCS12 leaves disabled (§26.3) ----

/** RDTSCP with secondary "enable RDTSCP" = 0 is #UD in VMX non-root (§26.3). */
function rdtscpEnabled(_cpu: Cpu, s: VmxVcpuState): void {
  if (!(R.secondaryOf(s.vmcs12) & SECONDARY.ENABLE_RDTSCP)) throw ud('RDTSCP in L2 without "enable RDTSCP" (SDM 26.3)');
}
/** INVPCID with secondary "enable INVPCID" = 0 is #UD in VMX non-root (§26.3). */
function invpcidEnabled(_cpu: Cpu, s: VmxVcpuState): void {
  if (!(R.secondaryOf(s.vmcs12) & SECONDARY.ENABLE_INVPCID)) throw ud('INVPCID in L2 without "enable INVPCID" (SDM 26.3)');
}

/** MWAIT's qualification bit 0: a MONITOR in L2 armed the monitor hardware (§28.2.1). */
function mwaitQual(_cpu: Cpu, s: VmxVcpuState): Partial<ExitInfo> { return { qualLo: s.l2.monitorArmed ? 1 : 0 }; }
function monitorArms(_cpu: Cpu, s: VmxVcpuState): boolean { s.l2.monitorArmed = true; return false; }

const row = (reason: number, l1: (cpu: Cpu, v: Vmcs, q: number) => boolean, rule: string, extra: Partial<InsnExit> = {}): InsnExit =>
  ({ reason, l1, rule, ...extra });
const v12Only = (f: (v: Vmcs) => boolean) => (_c: Cpu, v: Vmcs): boolean => f(v);

/** One row per NonRootInsn (vmx-exit-reasons.tsv numbers). */
export const INSN_EXITS: Record<NonRootInsn, InsnExit> = {
  cpuid: row(10, v12Only(R.l1WantsCpuid), R.l1WantsCpuid.name),
  hlt: row(12, v12Only(R.l1WantsHlt), R.l1WantsHlt.name, { l0: l0WantsHlt }),
  io: row(30, (c, v, q) => R.l1WantsIo(c, v, q), R.l1WantsIo.name, { l0: l0WantsIo, info: ioInfo }),
  rdmsr: row(31, (c, v) => R.l1WantsMsr(c, v, false), R.l1WantsMsr.name, { l0: l0WantsMsr }),
  wrmsr: row(32, (c, v) => R.l1WantsMsr(c, v, true), R.l1WantsMsr.name, { l0: l0WantsMsr }),
  rdtsc: row(16, v12Only(R.l1WantsRdtsc), R.l1WantsRdtsc.name),
  rdtscp: row(51, v12Only(R.l1WantsRdtsc), R.l1WantsRdtsc.name, { pre: rdtscpEnabled }),
  rdpmc: row(15, v12Only(R.l1WantsRdpmc), R.l1WantsRdpmc.name),
  invlpg: row(14, v12Only(R.l1WantsInvlpg), R.l1WantsInvlpg.name, { info: insnLinear }),
  invpcid: row(58, v12Only(R.l1WantsInvpcid), R.l1WantsInvpcid.name, { pre: invpcidEnabled, info: invpcidInfo }),
  'mov-cr': row(28, (c, v, q) => R.l1WantsCrAccess(c, v, q), R.l1WantsCrAccess.name, { noExit: crNoExit }),
  clts: row(28, v12Only(R.l1WantsClts), R.l1WantsClts.name, { noExit: cltsNoExit }),
  lmsw: row(28, (_c, v, q) => R.l1WantsLmsw(v, q), R.l1WantsLmsw.name, { noExit: lmswNoExit, info: insnLinear }),
  'mov-dr': row(29, v12Only(R.l1WantsMovDr), R.l1WantsMovDr.name),
  monitor: row(39, v12Only(R.l1WantsMonitor), R.l1WantsMonitor.name, { noExit: monitorArms }),
  mwait: row(36, v12Only(R.l1WantsMwait), R.l1WantsMwait.name, { info: mwaitQual }),
  pause: row(40, v12Only(R.l1WantsPause), R.l1WantsPause.name),
  wbinvd: row(54, v12Only(R.l1WantsWbinvd), R.l1WantsWbinvd.name),
  invd: row(13, v12Only(R.l1WantsInvd), R.l1WantsInvd.name),
  xsetbv: row(55, v12Only(R.l1WantsXsetbv), R.l1WantsXsetbv.name),
  sgdt: row(46, v12Only(R.l1WantsDescriptorTable), R.l1WantsDescriptorTable.name, { info: dtInfo('gdtr', 0) }),
  sidt: row(46, v12Only(R.l1WantsDescriptorTable), R.l1WantsDescriptorTable.name, { info: dtInfo('gdtr', 1) }),
  lgdt: row(46, v12Only(R.l1WantsDescriptorTable), R.l1WantsDescriptorTable.name, { info: dtInfo('gdtr', 2) }),
  lidt: row(46, v12Only(R.l1WantsDescriptorTable), R.l1WantsDescriptorTable.name, { info: dtInfo('gdtr', 3) }),
  sldt: row(47, v12Only(R.l1WantsDescriptorTable), R.l1WantsDescriptorTable.name, { info: dtInfo('ldtr', 0) }),
  str: row(47, v12Only(R.l1WantsDescriptorTable), R.l1WantsDescriptorTable.name, { info: dtInfo('ldtr', 1) }),
  lldt: row(47, v12Only(R.l1WantsDescriptorTable), R.l1WantsDescriptorTable.name, { info: dtInfo('ldtr', 2) }),
  ltr: row(47, v12Only(R.l1WantsDescriptorTable), R.l1WantsDescriptorTable.name, { info: dtInfo('ldtr', 3) }),
};
