// Model-specific registers (SDM vol 4, chapter 2 "Model-Specific Registers";
// vol 2B RDMSR/WRMSR). One table row per MSR: name, the CPUID feature it
// depends on, how it reads and what a write may contain. Lookup order:
// registered providers (the VMX/SVM layer adds its capability MSRs there),
// this table, then the platform's MSR devices (the local APIC owns 0x1b and
// the x2APIC range 0x800-0x8ff). Anything else is #GP(0) with a one-time
// diagnostic naming the MSR.
import type { Cpu } from './cpu';
import { CpuFault } from './fault';
import { fold, foldedHi } from './canon';
import { CR0_PG, EFER_SCE, EFER_LME, EFER_LMA, EFER_NXE, EFER_SVME } from './regs';
import { FEAT } from './exec/sys-features';

const TWO32 = 0x1_0000_0000;

export interface MsrDef {
  index: number;
  name: string;
  /** CPUID feature the MSR needs (cpu.model.has); without it the MSR does not exist. */
  feature?: string;
  /** Returns bits 31:0 and leaves bits 63:32 in cpu.hi. */
  read(cpu: Cpu): number;
  /** Absent for read-only MSRs (WRMSR is #GP). Throws gp() for values with reserved bits set. */
  write?(cpu: Cpu, lo: number, hi: number): void;
}

/**
 * Another module's MSRs (VMX capability MSRs 0x480-0x493, SVM's VM_HSAVE_PA,
 * ...). rdmsr returns bits 31:0 with bits 63:32 in cpu.hi, or null when the
 * MSR is not the provider's; wrmsr returns false when not the provider's.
 * Either may throw gp().
 */
export interface MsrProvider {
  rdmsr(cpu: Cpu, index: number): number | null;
  wrmsr(cpu: Cpu, index: number, lo: number, hi: number): boolean;
}

const providers: MsrProvider[] = [];
/** Hook for the VMX/SVM layer (and tests): consulted before the table. */
export function registerMsrProvider(p: MsrProvider): void { if (!providers.includes(p)) providers.push(p); }
export function unregisterMsrProvider(p: MsrProvider): void { const i = providers.indexOf(p); if (i >= 0) providers.splice(i, 1); }

export const gp = (detail: string): CpuFault => new CpuFault(13, 0, 0, detail);

function ret(cpu: Cpu, lo: number, hi: number): number { cpu.hi = hi | 0; return lo >>> 0; }
/** A non-negative safe integer as halves. */
function retNum(cpu: Cpu, v: number): number { cpu.hi = Math.floor(v / TWO32) | 0; return (v % TWO32) >>> 0; }
/** Folded canonical address (canon.ts) as halves. */
function retAddr(cpu: Cpu, v: number): number { cpu.hi = foldedHi(v); return v >>> 0; }
function canonical(lo: number, hi: number, name: string): number {
  const v = fold(lo, hi);
  // SDM vol 2B, WRMSR: #GP(0) if the value written to an address MSR is not canonical.
  if (v < 0) throw gp(`${name}: non-canonical address`);
  return v;
}

// Memory types valid in PAT and MTRRs (SDM vol 3A, 12.11.2 table 12-8 and 12.12.2 table 12-10).
const PAT_TYPES = [1, 1, 0, 0, 1, 1, 1, 1]; // UC WC - - WT WP WB UC-
const MTRR_TYPES = [1, 1, 0, 0, 1, 1, 1, 0]; // UC WC - - WT WP WB
function checkTypes(lo: number, hi: number, valid: number[], name: string): void {
  for (let k = 0; k < 8; k++) {
    const t = ((k < 4 ? lo : hi) >>> ((k & 3) * 8)) & 0xff;
    if (t > 7 || !valid[t]) throw gp(`${name}: invalid memory type ${t} in byte ${k}`);
  }
}

/** Bits of the high half at or above MAXPHYADDR (reserved in MTRR base/mask, SDM vol 3A, 12.11.2.3). */
function physHiReserved(cpu: Cpu): number {
  const bits = cpu.model.physAddrBits;
  return bits >= 64 ? 0 : (~((1 << (bits - 32)) - 1)) >>> 0;
}

function mtrrGet(cpu: Cpu, index: number): number {
  const v = cpu.mtrr.get(index);
  return v ? ret(cpu, v[0], v[1]) : ret(cpu, 0, 0);
}
function mtrrSet(cpu: Cpu, index: number, lo: number, hi: number): void { cpu.mtrr.set(index, [lo >>> 0, hi >>> 0]); }

const TABLE: MsrDef[] = [
  {
    index: 0x10, name: 'IA32_TIME_STAMP_COUNTER', feature: FEAT.tsc,
    // TSC = instructions retired + offset (DESIGN.md "Execution model"); a write moves the offset (SDM vol 3B, 18.17).
    read: (cpu) => retNum(cpu, Math.max(0, cpu.icount + cpu.tscOffset)),
    write: (cpu, lo, hi) => { cpu.tscOffset = (hi >>> 0) * TWO32 + (lo >>> 0) - cpu.icount; },
  },
  {
    index: 0x3a, name: 'IA32_FEATURE_CONTROL',
    read: (cpu) => ret(cpu, cpu.featureControl, 0),
    write: (cpu, lo, hi) => {
      // SDM vol 3C, 23.7: once the lock bit is set, WRMSR is #GP until reset.
      if (cpu.featureControl & 1) throw gp('IA32_FEATURE_CONTROL is locked');
      if (hi !== 0 || (lo & ~0x16ff07)) throw gp('IA32_FEATURE_CONTROL: reserved bits');
      cpu.featureControl = lo >>> 0;
    },
  },
  // Microcode revision: reads 0 (no update loaded); writes trigger a signature refresh and are ignored (SDM vol 3A, 10.11.7).
  { index: 0x8b, name: 'IA32_BIOS_SIGN_ID', read: (cpu) => ret(cpu, 0, 0), write: () => {} },
  // VCNT=8 variable ranges, FIX=1, WC=1 (SDM vol 3A, 12.11.1 figure 12-5).
  { index: 0xfe, name: 'IA32_MTRRCAP', feature: FEAT.mtrr, read: (cpu) => ret(cpu, 0x508, 0) },
  {
    index: 0x174, name: 'IA32_SYSENTER_CS', feature: FEAT.sep,
    read: (cpu) => ret(cpu, cpu.sysenterCs, 0),
    write: (cpu, lo) => { cpu.sysenterCs = lo >>> 0; },
  },
  {
    index: 0x175, name: 'IA32_SYSENTER_ESP', feature: FEAT.sep,
    read: (cpu) => ret(cpu, cpu.sysenterEsp, cpu.sysenterEspHi),
    write: (cpu, lo, hi) => { canonical(lo, hi, 'IA32_SYSENTER_ESP'); cpu.sysenterEsp = lo >>> 0; cpu.sysenterEspHi = hi | 0; },
  },
  {
    index: 0x176, name: 'IA32_SYSENTER_EIP', feature: FEAT.sep,
    read: (cpu) => ret(cpu, cpu.sysenterEip, cpu.sysenterEipHi),
    write: (cpu, lo, hi) => { canonical(lo, hi, 'IA32_SYSENTER_EIP'); cpu.sysenterEip = lo >>> 0; cpu.sysenterEipHi = hi | 0; },
  },
  {
    index: 0x1a0, name: 'IA32_MISC_ENABLE',
    read: (cpu) => ret(cpu, cpu.miscEnable, 0),
    write: (cpu, lo) => { cpu.miscEnable = lo >>> 0; },
  },
  {
    index: 0x277, name: 'IA32_PAT', feature: FEAT.pat,
    read: (cpu) => ret(cpu, cpu.pat, cpu.patHi),
    write: (cpu, lo, hi) => {
      checkTypes(lo, hi, PAT_TYPES, 'IA32_PAT');
      cpu.pat = lo >>> 0; cpu.patHi = hi >>> 0;
    },
  },
  {
    index: 0x2ff, name: 'IA32_MTRR_DEF_TYPE', feature: FEAT.mtrr,
    read: (cpu) => ret(cpu, cpu.mtrrDefType, 0),
    write: (cpu, lo, hi) => {
      // Type in bits 7:0, FE bit 10, E bit 11; the rest is reserved (SDM vol 3A, 12.11.2.1).
      if (hi !== 0 || (lo & ~0xcff) || !MTRR_TYPES[lo & 7] || (lo & 0xf8)) throw gp('IA32_MTRR_DEF_TYPE: reserved bits or invalid type');
      cpu.mtrrDefType = lo >>> 0;
    },
  },
  {
    index: 0xc0000080, name: 'IA32_EFER',
    read: (cpu) => ret(cpu, cpu.efer, 0),
    write: (cpu, lo, hi) => {
      let ok = EFER_LMA;
      if (cpu.model.has(FEAT.syscall) || cpu.model.has(FEAT.lm)) ok |= EFER_SCE;
      if (cpu.model.has(FEAT.lm)) ok |= EFER_LME;
      if (cpu.model.has(FEAT.nx)) ok |= EFER_NXE;
      if (cpu.model.has(FEAT.svm)) ok |= EFER_SVME;
      // SDM vol 3A, 2.2.1 and vol 4 table 2-2: reserved bits #GP; LMA is read-only (written value ignored).
      if (hi !== 0 || (lo & ~ok)) throw gp(`IA32_EFER: reserved bits 0x${((lo & ~ok) >>> 0).toString(16)}`);
      // SDM vol 3A, 10.8.5: LME cannot change while paging is enabled.
      if ((cpu.cr0 & CR0_PG) && ((lo ^ cpu.efer) & EFER_LME)) throw gp('IA32_EFER.LME changed with CR0.PG=1');
      const v = ((lo & ~EFER_LMA) | (cpu.efer & EFER_LMA)) >>> 0;
      if ((v ^ cpu.efer) & EFER_NXE) cpu.mmu.flushAll(); // XD bit meaning changes (SDM vol 3A, 4.10.4.1)
      cpu.efer = v;
    },
  },
  {
    index: 0xc0000081, name: 'IA32_STAR', feature: FEAT.syscall,
    read: (cpu) => ret(cpu, cpu.star, cpu.starHi),
    write: (cpu, lo, hi) => { cpu.star = lo >>> 0; cpu.starHi = hi | 0; },
  },
  {
    index: 0xc0000082, name: 'IA32_LSTAR', feature: FEAT.lm,
    read: (cpu) => ret(cpu, cpu.lstar, cpu.lstarHi),
    write: (cpu, lo, hi) => { canonical(lo, hi, 'IA32_LSTAR'); cpu.lstar = lo >>> 0; cpu.lstarHi = hi | 0; },
  },
  {
    index: 0xc0000083, name: 'IA32_CSTAR', feature: FEAT.lm,
    read: (cpu) => ret(cpu, cpu.cstar, cpu.cstarHi),
    write: (cpu, lo, hi) => { canonical(lo, hi, 'IA32_CSTAR'); cpu.cstar = lo >>> 0; cpu.cstarHi = hi | 0; },
  },
  {
    index: 0xc0000084, name: 'IA32_FMASK', feature: FEAT.lm,
    read: (cpu) => ret(cpu, cpu.sfmask, 0),
    write: (cpu, lo, hi) => {
      if (hi !== 0) throw gp('IA32_FMASK: bits 63:32 are reserved');
      cpu.sfmask = lo >>> 0;
    },
  },
  {
    index: 0xc0000100, name: 'IA32_FS_BASE', feature: FEAT.lm,
    read: (cpu) => retAddr(cpu, cpu.segBase[4]),
    write: (cpu, lo, hi) => { cpu.segBase[4] = canonical(lo, hi, 'IA32_FS_BASE'); },
  },
  {
    index: 0xc0000101, name: 'IA32_GS_BASE', feature: FEAT.lm,
    read: (cpu) => retAddr(cpu, cpu.segBase[5]),
    write: (cpu, lo, hi) => { cpu.segBase[5] = canonical(lo, hi, 'IA32_GS_BASE'); },
  },
  {
    index: 0xc0000102, name: 'IA32_KERNEL_GS_BASE', feature: FEAT.lm,
    read: (cpu) => retAddr(cpu, cpu.kernelGsBase),
    write: (cpu, lo, hi) => { cpu.kernelGsBase = canonical(lo, hi, 'IA32_KERNEL_GS_BASE'); },
  },
  {
    index: 0xc0000103, name: 'IA32_TSC_AUX', feature: FEAT.rdtscp,
    read: (cpu) => ret(cpu, cpu.tscAux, 0),
    write: (cpu, lo, hi) => {
      if (hi !== 0) throw gp('IA32_TSC_AUX: bits 63:32 are reserved');
      cpu.tscAux = lo >>> 0;
    },
  },
];

// Fixed-range MTRRs (SDM vol 3A, 12.11.2.2): eight 1-byte types each.
const FIXED_MTRRS: [number, string][] = [
  [0x250, 'IA32_MTRR_FIX64K_00000'], [0x258, 'IA32_MTRR_FIX16K_80000'], [0x259, 'IA32_MTRR_FIX16K_A0000'],
  [0x268, 'IA32_MTRR_FIX4K_C0000'], [0x269, 'IA32_MTRR_FIX4K_C8000'], [0x26a, 'IA32_MTRR_FIX4K_D0000'], [0x26b, 'IA32_MTRR_FIX4K_D8000'],
  [0x26c, 'IA32_MTRR_FIX4K_E0000'], [0x26d, 'IA32_MTRR_FIX4K_E8000'], [0x26e, 'IA32_MTRR_FIX4K_F0000'], [0x26f, 'IA32_MTRR_FIX4K_F8000'],
];
for (const [index, name] of FIXED_MTRRS) {
  TABLE.push({
    index, name, feature: FEAT.mtrr,
    read: (cpu) => mtrrGet(cpu, index),
    write: (cpu, lo, hi) => { checkTypes(lo, hi, MTRR_TYPES, name); mtrrSet(cpu, index, lo, hi); },
  });
}
// Variable-range MTRRs: PHYSBASEn (type in 7:0) and PHYSMASKn (valid bit 11), 8 pairs (SDM vol 3A, 12.11.2.3).
for (let n = 0; n < 8; n++) {
  const b = 0x200 + 2 * n;
  TABLE.push({
    index: b, name: `IA32_MTRR_PHYSBASE${n}`, feature: FEAT.mtrr,
    read: (cpu) => mtrrGet(cpu, b),
    write: (cpu, lo, hi) => {
      if ((lo & 0xff8) || !MTRR_TYPES[lo & 7] || (hi & physHiReserved(cpu))) throw gp(`IA32_MTRR_PHYSBASE${n}: reserved bits or invalid type`);
      mtrrSet(cpu, b, lo, hi);
    },
  });
  TABLE.push({
    index: b + 1, name: `IA32_MTRR_PHYSMASK${n}`, feature: FEAT.mtrr,
    read: (cpu) => mtrrGet(cpu, b + 1),
    write: (cpu, lo, hi) => {
      if ((lo & 0x7ff) || (hi & physHiReserved(cpu))) throw gp(`IA32_MTRR_PHYSMASK${n}: reserved bits`);
      mtrrSet(cpu, b + 1, lo, hi);
    },
  });
}

const BY_INDEX = new Map<number, MsrDef>();
for (const d of TABLE) BY_INDEX.set(d.index, d);

/** The table (for the debugger's MSR view and the language server). */
export const MSRS: readonly MsrDef[] = TABLE;
export function msrName(index: number): string | undefined { return BY_INDEX.get(index)?.name; }

function lookup(cpu: Cpu, index: number): MsrDef | undefined {
  const d = BY_INDEX.get(index);
  if (d && d.feature && !cpu.model.has(d.feature)) return undefined;
  return d;
}

function unknown(cpu: Cpu, index: number, op: string): CpuFault {
  const hex = '0x' + (index >>> 0).toString(16);
  cpu.plat.events.diagnoseOnce(`msr:${op}:${index >>> 0}`, {
    kind: 'diagnostic', code: 'unknown-msr', icount: cpu.icount, vcpu: cpu.id, rip: cpu.rip,
    message: `${op} of MSR ${hex}, which this CPU model does not implement; the guest gets #GP(0)`,
  });
  return gp(`${op} of unknown MSR ${hex}`);
}

/** RDMSR: bits 31:0 returned, 63:32 in cpu.hi; #GP(0) if the MSR does not exist (SDM vol 2B, RDMSR). */
export function readMsr(cpu: Cpu, index: number): number {
  index >>>= 0;
  for (let k = 0; k < providers.length; k++) {
    const v = providers[k].rdmsr(cpu, index);
    if (v !== null) return v >>> 0;
  }
  const d = lookup(cpu, index);
  if (d) return d.read(cpu);
  const devs = cpu.plat.msrDevices;
  for (let k = 0; k < devs.length; k++) {
    const r = devs[k].rdmsr(index);
    if (r) { cpu.hi = r[1] | 0; return r[0] >>> 0; }
  }
  throw unknown(cpu, index, 'RDMSR');
}

/** WRMSR; #GP(0) for unknown or read-only MSRs and reserved bits (SDM vol 2B, WRMSR). */
export function writeMsr(cpu: Cpu, index: number, lo: number, hi: number): void {
  index >>>= 0;
  for (let k = 0; k < providers.length; k++) if (providers[k].wrmsr(cpu, index, lo, hi)) return;
  const d = lookup(cpu, index);
  if (d) {
    if (!d.write) throw gp(`WRMSR to read-only ${d.name}`);
    d.write(cpu, lo, hi);
    return;
  }
  const devs = cpu.plat.msrDevices;
  for (let k = 0; k < devs.length; k++) {
    const r = devs[k].wrmsr(index, lo >>> 0, hi >>> 0);
    if (r === 'gp') throw gp(`WRMSR 0x${index.toString(16)}: rejected by the device`);
    if (r) return;
  }
  throw unknown(cpu, index, 'WRMSR');
}
