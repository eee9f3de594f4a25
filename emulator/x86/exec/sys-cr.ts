// Control and debug registers: MOV to/from CR0/CR2/CR3/CR4/CR8 and DR0-DR7,
// CLTS, LMSW, SMSW, and the TLB-maintenance instructions INVLPG and INVPCID
// (SDM vol 2B "MOV—Move to/from Control Registers", "MOV—Move to/from Debug
// Registers"; vol 3A 2.5, 4.10.4; vol 3B 17.2).
import type { Cpu } from '../cpu';
import type { Insn } from '../decode/insn';
import { OpKind, BASE_RIP } from '../decode/insn';
import { CpuFault } from '../fault';
import { foldedHi } from '../canon';
import { CpuMode, AR_L } from '../state';
import {
  CS, FS, GS, CR0_PE, CR0_MP, CR0_EM, CR0_TS, CR0_ET, CR0_NE, CR0_WP, CR0_AM, CR0_NW, CR0_CD, CR0_PG,
  CR4_VME, CR4_PVI, CR4_TSD, CR4_DE, CR4_PSE, CR4_PAE, CR4_MCE, CR4_PGE, CR4_PCE, CR4_OSFXSR, CR4_OSXMMEXCPT,
  CR4_UMIP, CR4_VMXE, CR4_SMXE, CR4_FSGSBASE, CR4_PCIDE, CR4_OSXSAVE, CR4_SMEP, CR4_SMAP, CR4_PKE,
  EFER_LME, EFER_LMA,
} from '../regs';
import { FEAT } from './sys-features';
import { H, gp0, ud, requireCpl0, umipCheck } from './sys-util';

const TWO32 = 0x1_0000_0000;

/** VMX exit-qualification access types (SDM vol 3C, 28.2.1 table 28-3), reused for the interception hook. */
export const enum CrAccess { MovTo = 0, MovFrom = 1, Clts = 2, Lmsw = 3 }

/**
 * Hook for the VMX/SVM layer (CR-access exits, VMX-operation fixed bits):
 * called before a control-register access takes effect; return true if it
 * consumed the access (a VM exit), or throw a CpuFault.
 */
export const crInterception: { hook: ((cpu: Cpu, cr: number, access: CrAccess, lo: number, hi: number) => boolean) | null } = { hook: null };

function intercepted(cpu: Cpu, cr: number, access: CrAccess, lo: number, hi: number): boolean {
  const h = crInterception.hook;
  return h !== null && h(cpu, cr, access, lo, hi);
}

// ------------------------------------------------------------------- CR0

const CR0_BITS = CR0_PE | CR0_MP | CR0_EM | CR0_TS | CR0_ET | CR0_NE | CR0_WP | CR0_AM | CR0_NW | CR0_CD | CR0_PG;

/** MOV to CR0 with the checks of SDM vol 2B (MOV CR) and vol 3A 2.5 / 10.8.5. */
export function writeCr0(cpu: Cpu, lo: number, hi: number): void {
  if (hi !== 0) throw gp0('CR0 bits 63:32 are reserved');
  // ET is hardwired to 1; other reserved low bits are ignored (SDM vol 3A, 2.5).
  const v = ((lo & CR0_BITS) | CR0_ET) >>> 0;
  const old = cpu.cr0 >>> 0;
  if ((v & CR0_PG) && !(v & CR0_PE)) throw gp0('CR0.PG=1 with CR0.PE=0');
  if ((v & CR0_NW) && !(v & CR0_CD)) throw gp0('CR0.NW=1 with CR0.CD=0');
  const pgOn = (v & CR0_PG) !== 0 && (old & CR0_PG) === 0;
  const pgOff = (v & CR0_PG) === 0 && (old & CR0_PG) !== 0;
  if (pgOn && (cpu.efer & EFER_LME)) {
    // Activating IA-32e mode needs PAE (SDM vol 3A, 10.8.5) and is refused from a CS with L=1.
    if (!(cpu.cr4 & CR4_PAE)) throw gp0('enabling paging with EFER.LME=1 and CR4.PAE=0');
    if (cpu.segAr[CS] & AR_L) throw gp0('enabling IA-32e mode with CS.L=1');
  }
  if (pgOff && (cpu.efer & EFER_LMA)) {
    // Paging can be disabled in IA-32e mode only from compatibility mode, with PCIDE=0 (SDM vol 3A, 10.8.5.4; vol 2B MOV CR).
    if (cpu.mode === CpuMode.Long64) throw gp0('clearing CR0.PG in 64-bit mode');
    if (cpu.cr4 & CR4_PCIDE) throw gp0('clearing CR0.PG with CR4.PCIDE=1');
  }
  if ((v & CR0_PG) && (cpu.cr4 & CR4_PAE) && !(cpu.efer & EFER_LME) && (pgOn || ((old ^ v) & (CR0_CD | CR0_NW)))) checkPdptes(cpu, cpu.cr3);
  if (intercepted(cpu, 0, CrAccess.MovTo, v, 0)) return;
  cpu.cr0 = v;
  if (pgOn && (cpu.efer & EFER_LME)) cpu.efer = (cpu.efer | EFER_LMA) >>> 0;
  if (pgOff) cpu.efer = (cpu.efer & ~EFER_LMA) >>> 0;
  if ((old ^ v) & (CR0_PG | CR0_WP | CR0_PE)) cpu.mmu.flushAll();
  if ((old ^ v) & CR0_PE) cpu.setCpl(0);
  cpu.updateMode();
}

/** PAE paging loads the four PDPTEs; reserved bits in a present one are #GP (SDM vol 3A, 4.4.1). */
function checkPdptes(cpu: Cpu, cr3: number): void {
  const base = (cr3 & 0xffffffe0) >>> 0;
  const bits = cpu.model.physAddrBits;
  const rsvdHi = bits >= 52 ? 0xfff00000 : ((~((1 << (bits - 32)) - 1)) >>> 0);
  for (let k = 0; k < 4; k++) {
    const lo = cpu.plat.mem.read(base + k * 8, 4);
    const hi = cpu.plat.mem.read(base + k * 8 + 4, 4);
    if ((lo & 1) && ((lo & 0x1e6) || (hi & rsvdHi))) throw gp0(`PAE PDPTE ${k} has reserved bits set`);
  }
  // The PDPTEs are the table's now, no longer those a VM entry loaded from
  // the VMCS (SDM vol 3A 4.4.1; vol 3C §27.3.2.4). An intercepted MOV exits
  // to L1, whose entry/exit sets them anew (x86/mmu.ts pdptes).
  cpu.mmu.pdptes = null;
}

// ------------------------------------------------------------------- CR3

/** MOV to CR3: reserved physical-address bits and the PCID no-flush bit 63 (SDM vol 3A, 4.10.4.1, 4.5). */
export function writeCr3(cpu: Cpu, lo: number, hi: number): void {
  let h = hi >>> 0;
  if (cpu.mode === CpuMode.Long64) {
    // With CR4.PCIDE=1 bit 63 asks not to flush; it is never stored (SDM vol 2B, MOV CR).
    if (cpu.cr4 & CR4_PCIDE) h &= 0x7fffffff;
    const bits = cpu.model.physAddrBits;
    const rsvd = bits >= 64 ? 0 : (~((1 << (bits - 32)) - 1)) >>> 0;
    if (h & rsvd) throw gp0('CR3 sets bits above MAXPHYADDR');
  } else h = 0;
  if ((cpu.cr0 & CR0_PG) && (cpu.cr4 & CR4_PAE) && !(cpu.efer & EFER_LMA)) checkPdptes(cpu, lo);
  if (intercepted(cpu, 3, CrAccess.MovTo, lo, h)) return;
  cpu.cr3 = lo >>> 0;
  cpu.cr3Hi = h;
  // Without PCID tagging in our TLB every CR3 load flushes (a superset of what SDM vol 3A 4.10.4.1 requires).
  cpu.mmu.flushAll();
}

// ------------------------------------------------------------------- CR4

/** CR4 bits this CPU model lets software set (features it lacks are reserved, SDM vol 3A, 2.5). */
function cr4Allowed(cpu: Cpu): number {
  const model = cpu.model;
  let m = CR4_TSD | CR4_PCE | CR4_OSFXSR | CR4_OSXMMEXCPT;
  for (let k = 0; k < CR4_FEATURES.length; k += 2) if (model.has(CR4_FEATURES[k] as string)) m |= CR4_FEATURES[k + 1] as number;
  return m >>> 0;
}
const CR4_FEATURES: (string | number)[] = [
  FEAT.vme, CR4_VME | CR4_PVI, FEAT.de, CR4_DE, FEAT.pse, CR4_PSE, FEAT.pae, CR4_PAE, FEAT.mce, CR4_MCE,
  FEAT.pge, CR4_PGE, FEAT.umip, CR4_UMIP, FEAT.vmx, CR4_VMXE, FEAT.smx, CR4_SMXE, FEAT.fsgsbase, CR4_FSGSBASE,
  FEAT.pcid, CR4_PCIDE, FEAT.xsave, CR4_OSXSAVE, FEAT.smep, CR4_SMEP, FEAT.smap, CR4_SMAP, FEAT.pku, CR4_PKE,
];

/** MOV to CR4 (SDM vol 2B, MOV CR; vol 3A 2.5, 4.10.4.1). LA57 is not supported, so it is reserved. */
export function writeCr4(cpu: Cpu, lo: number, hi: number): void {
  const v = lo >>> 0;
  const old = cpu.cr4 >>> 0;
  const allowed = cr4Allowed(cpu);
  if (hi !== 0 || (v & ~allowed)) throw gp0(`CR4 reserved bits 0x${((v & ~allowed) >>> 0).toString(16)}`);
  if ((cpu.efer & EFER_LMA) && !(v & CR4_PAE)) throw gp0('clearing CR4.PAE in IA-32e mode');
  // PCIDE can be set only in IA-32e mode with CR3[11:0] = 0 (SDM vol 3A, 4.10.1).
  if ((v & CR4_PCIDE) && !(old & CR4_PCIDE) && (!(cpu.efer & EFER_LMA) || (cpu.cr3 & 0xfff))) throw gp0('setting CR4.PCIDE outside IA-32e mode or with CR3[11:0] != 0');
  const changed = (old ^ v) >>> 0;
  if ((cpu.cr0 & CR0_PG) && (v & CR4_PAE) && !(cpu.efer & EFER_LMA) && (changed & (CR4_PAE | CR4_PGE | CR4_PSE | CR4_SMEP))) checkPdptes(cpu, cpu.cr3);
  if (intercepted(cpu, 4, CrAccess.MovTo, v, 0)) return;
  cpu.cr4 = v;
  if (changed & (CR4_PGE | CR4_PAE | CR4_PSE | CR4_PCIDE | CR4_SMEP | CR4_SMAP | CR4_PKE)) cpu.mmu.flushAll();
  cpu.exitBlock = true;
}

/** CR8 = TPR[7:4] (SDM vol 3A, 11.8.6.1 / 10.8.6.1); bits 63:4 reserved. */
function writeCr8(cpu: Cpu, lo: number, hi: number): void {
  if (hi !== 0 || (lo & ~0xf)) throw gp0('CR8 bits 63:4 are reserved');
  if (intercepted(cpu, 8, CrAccess.MovTo, lo, 0)) return;
  cpu.plat.intc.writeCr8(lo & 0xf);
  cpu.exitBlock = true;
}

/** The control-register-access exit qualification (SDM vol 3C 28.2.1 table 28-3): CR, access type, GPR. */
function crQual(cr: number, access: CrAccess, gpr: number): number {
  return (cr | (access << 4) | (gpr << 8)) >>> 0;
}

// Control registers that exist (SDM vol 2B, MOV CR: #UD for CR1, CR5-CR7, CR9-CR15).
const CR_EXISTS = [1, 0, 1, 1, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0];

/** MOV CRn, r32/r64: the register is 64-bit in 64-bit mode whatever REX.W says (SDM vol 2B, MOV CR). */
const movToCr: H = (cpu, i) => {
  const n = i.r0;
  if (!CR_EXISTS[n] || (n === 8 && !cpu.long64)) throw ud(`MOV to CR${n}`);
  requireCpl0(cpu, 'MOV to CR');
  // Nested VMX: before the value checks, which have lower priority than the VM exit (SDM vol 3C 26.1.1, 26.1.3).
  if (cpu.nonRootExit?.(cpu, 'mov-cr', crQual(n, CrAccess.MovTo, i.r1))) return;
  const size = cpu.long64 ? 8 : 4;
  const lo = cpu.getReg(i.r1, size);
  const hi = size === 8 ? cpu.hi : 0;
  switch (n) {
    case 0: writeCr0(cpu, lo, hi); break;
    case 2:
      if (intercepted(cpu, 2, CrAccess.MovTo, lo, hi)) return;
      // CR2 holds a linear address: folded canonical form in 64-bit mode (canon.ts); non-canonical values keep 48 bits.
      cpu.cr2 = size === 8 ? (hi & 0xffff) * TWO32 + lo : lo;
      break;
    case 3: writeCr3(cpu, lo, hi); break;
    case 4: writeCr4(cpu, lo, hi); break;
    default: writeCr8(cpu, lo, hi); break;
  }
};

const movFromCr: H = (cpu, i) => {
  const n = i.r1;
  if (!CR_EXISTS[n] || (n === 8 && !cpu.long64)) throw ud(`MOV from CR${n}`);
  requireCpl0(cpu, 'MOV from CR');
  // Nested VMX: CR3/CR8-store exiting, or the CR0/CR4 read shadows (SDM vol 3C 26.1.3, 26.3).
  if (cpu.nonRootExit?.(cpu, 'mov-cr', crQual(n, CrAccess.MovFrom, i.r0))) return;
  if (intercepted(cpu, n, CrAccess.MovFrom, 0, 0)) return;
  const size = cpu.long64 ? 8 : 4;
  let lo: number, hi = 0;
  switch (n) {
    case 0: lo = cpu.cr0; break;
    case 2: lo = cpu.cr2 >>> 0; hi = size === 8 ? foldedHi(cpu.cr2) : 0; break;
    case 3: lo = cpu.cr3; hi = cpu.cr3Hi; break;
    case 4: lo = cpu.cr4; break;
    default: lo = cpu.plat.intc.readCr8() & 0xf; break;
  }
  cpu.setReg(i.r0, size, lo >>> 0, size === 8 ? hi : 0);
};

// ------------------------------------------------------------ CLTS/LMSW/SMSW

const clts: H = (cpu) => {
  requireCpl0(cpu, 'CLTS');
  // Nested VMX: CLTS exits, or leaves a host-owned TS alone, per the CR0 mask and shadow (SDM vol 3C 26.1.3, 26.3).
  if (cpu.nonRootExit?.(cpu, 'clts', crQual(0, CrAccess.Clts, 0))) return;
  if (intercepted(cpu, 0, CrAccess.Clts, 0, 0)) return;
  cpu.cr0 = (cpu.cr0 & ~CR0_TS) >>> 0;
};

/** LMSW loads CR0[3:0] but cannot clear PE (SDM vol 2A, LMSW). */
const lmsw: H = (cpu, i) => {
  requireCpl0(cpu, 'LMSW');
  const src = cpu.rd(i, 0) & 0xffff;
  // Nested VMX: table 28-3 LMSW qualification: source data, operand type (bit 6); linear address for a memory operand.
  const mem = i.k0 === OpKind.Mem;
  if (cpu.nonRootExit?.(cpu, 'lmsw', (crQual(0, CrAccess.Lmsw, 0) | (mem ? 0x40 : 0) | (src << 16)) >>> 0, mem ? { linear: cpu.ea(i, 2) } : undefined)) return;
  if (intercepted(cpu, 0, CrAccess.Lmsw, src, 0)) return;
  const old = cpu.cr0;
  cpu.cr0 = ((old & ~0xe) | (src & 0xf) | (old & CR0_PE)) >>> 0;
  if ((old ^ cpu.cr0) & CR0_PE) cpu.updateMode();
};

/** SMSW: a register gets CR0 (zero-extended), memory 16 bits (SDM vol 2B, SMSW). */
const smsw: H = (cpu, i) => {
  umipCheck(cpu, 'SMSW');
  if (i.k0 === OpKind.Mem) cpu.write16(cpu.ea(i, 2), cpu.cr0 & 0xffff);
  else cpu.setReg(i.r0, i.osize, i.osize === 2 ? cpu.cr0 & 0xffff : cpu.cr0 >>> 0, 0);
};

// ------------------------------------------------------------------ DR0-DR7

const DR6_FIXED1 = 0xffff0ff0, DR6_WRITABLE = 0xe00f; // B0-B3, BD, BS, BT (SDM vol 3B, 17.2.3)
const DR7_FIXED1 = 0x400, DR7_WRITABLE = 0xffff23ff; // bit 10 reads 1; 11, 12, 14, 15 read 0 (17.2.4)
const DR7_GD = 0x2000, DR6_BD = 0x2000;

/** DR4/DR5 alias DR6/DR7 unless CR4.DE=1, which makes them #UD (SDM vol 3B, 17.2.2). */
function drIndex(cpu: Cpu, n: number): number {
  if (n > 7) throw ud(`DR${n} does not exist`);
  if (n === 4 || n === 5) {
    if (cpu.cr4 & CR4_DE) throw ud(`DR${n} with CR4.DE=1`);
    return n + 2;
  }
  return n;
}

/** DR7.GD: any debug-register access is a #DB fault with DR6.BD set (SDM vol 3B, 17.2.4). */
function generalDetect(cpu: Cpu): void {
  if (cpu.dr[7] & DR7_GD) {
    cpu.dr[6] = ((cpu.dr[6] & DR6_WRITABLE) | DR6_BD) >>> 0;
    throw new CpuFault(1, -1, 0, 'debug-register access with DR7.GD=1');
  }
}

const movToDr: H = (cpu, i) => {
  const n = drIndex(cpu, i.r0);
  requireCpl0(cpu, 'MOV to DR');
  // Nested VMX: 'MOV-DR exiting' has priority over the general-detect #DB (SDM vol 3C 26.1.1; qualification 28.2.1 table 28-4).
  if (cpu.nonRootExit?.(cpu, 'mov-dr', (i.r0 | (i.r1 << 8)) >>> 0)) return;
  generalDetect(cpu);
  const size = cpu.long64 ? 8 : 4;
  const lo = cpu.getReg(i.r1, size);
  const hi = size === 8 ? cpu.hi : 0;
  if (n >= 6 && hi !== 0) throw gp0(`DR${n} bits 63:32 are reserved`);
  if (n === 6) cpu.dr[6] = (lo & DR6_WRITABLE) >>> 0;
  else if (n === 7) {
    cpu.dr[7] = (lo & DR7_WRITABLE) >>> 0;
    if (lo & 0xff) {
      cpu.plat.events.diagnoseOnce('ni:hw-breakpoints', {
        kind: 'diagnostic', code: 'not-implemented', icount: cpu.icount, vcpu: cpu.id, rip: cpu.rip,
        message: 'not implemented: hardware breakpoints (DR7 L0-L3/G0-G3 enabled); they will not trigger #DB',
      });
    }
  } else { cpu.dr[n] = lo >>> 0; cpu.drHi[n] = hi; }
  cpu.exitBlock = true;
};

const movFromDr: H = (cpu, i) => {
  const n = drIndex(cpu, i.r1);
  requireCpl0(cpu, 'MOV from DR');
  if (cpu.nonRootExit?.(cpu, 'mov-dr', (i.r1 | 0x10 | (i.r0 << 8)) >>> 0)) return;
  generalDetect(cpu);
  const size = cpu.long64 ? 8 : 4;
  let lo: number, hi = 0;
  if (n === 6) lo = ((cpu.dr[6] & DR6_WRITABLE) | DR6_FIXED1) >>> 0;
  else if (n === 7) lo = ((cpu.dr[7] & DR7_WRITABLE) | DR7_FIXED1) >>> 0;
  else { lo = cpu.dr[n] >>> 0; hi = cpu.drHi[n]; }
  cpu.setReg(i.r0, size, lo, size === 8 ? hi : 0);
};

// --------------------------------------------------------- INVLPG / INVPCID

/**
 * Linear address of a memory operand without segment-limit checks (INVLPG
 * has none); -1 when it is not canonical in 64-bit mode (INVLPG is then a
 * NOP, SDM vol 2A INVLPG).
 */
function linearNoChecks(cpu: Cpu, i: Insn): number {
  let lo = 0, hi = 0;
  if (i.base === BASE_RIP) { lo = cpu.nextRip >>> 0; hi = foldedHi(cpu.nextRip); }
  else if (i.base >= 0) { lo = cpu.regs[i.base << 1] >>> 0; hi = cpu.regs[(i.base << 1) + 1]; }
  let t = lo + i.disp;
  if (i.index >= 0) {
    t += (cpu.regs[i.index << 1] >>> 0) * (1 << i.scale);
    hi = (hi + (cpu.regs[(i.index << 1) + 1] << i.scale)) | 0;
  }
  if (i.base === -1 && i.index === -1) hi = i.dispHi; // disp32 sign-extends through the carry below (as cpu.ea)
  lo = t >>> 0;
  hi = (hi + Math.floor(t / TWO32)) | 0;
  if (i.asize !== 8) { hi = 0; if (i.asize === 2) lo &= 0xffff; }
  if (cpu.mode !== CpuMode.Long64) return (cpu.segBase[i.seg] + lo) % TWO32;
  if (i.seg === FS || i.seg === GS) {
    const b = cpu.segBase[i.seg];
    const t2 = lo + (b >>> 0);
    lo = t2 >>> 0;
    hi = (hi + foldedHi(b) + Math.floor(t2 / TWO32)) | 0;
  }
  if (((hi << 16) >> 16) !== hi) return -1;
  return (hi & 0xffff) * TWO32 + lo;
}

const invlpg: H = (cpu, i) => {
  requireCpl0(cpu, 'INVLPG');
  const lin = linearNoChecks(cpu, i);
  // Nested VMX: 'INVLPG exiting', qualification = the linear-address operand (SDM vol 3C 26.1.3, 28.2.1).
  if (lin >= 0 && cpu.nonRootExit?.(cpu, 'invlpg', lin >>> 0, { qualHi: foldedHi(lin) })) return;
  if (lin >= 0) cpu.mmu.flushPage(lin);
  cpu.exitBlock = true;
};

/** INVPCID types 0-3 (SDM vol 2A, INVPCID); our TLB has no PCID tags, so types 1-3 flush everything. */
const invpcid: H = (cpu, i) => {
  if (!cpu.model.has(FEAT.invpcid)) throw ud('INVPCID not supported by this CPU model');
  requireCpl0(cpu, 'INVPCID');
  // Nested VMX: INVPCID exits with 'INVLPG exiting' (SDM vol 3C 26.1.3); qualification = displacement, sign-extended.
  if (cpu.nonRootExit?.(cpu, 'invpcid', i.disp >>> 0, { qualHi: i.disp < 0 ? 0xffffffff : 0 })) return;
  const size = cpu.long64 ? 8 : 4;
  const type = cpu.getReg(i.r0, size);
  const typeHi = size === 8 ? cpu.hi : 0;
  const lin = cpu.ea(i, 16);
  const d0 = cpu.read32(lin), d1 = cpu.read32(lin + 4), d2 = cpu.read32(lin + 8), d3 = cpu.read32(lin + 12) | 0;
  if (typeHi !== 0 || type > 3) throw gp0(`INVPCID type ${type}`);
  if ((d0 & ~0xfff) || d1) throw gp0('INVPCID descriptor bits 63:12 are reserved');
  const pcid = d0 & 0xfff;
  if (type <= 1 && pcid !== 0 && !(cpu.cr4 & CR4_PCIDE)) throw gp0('INVPCID of a non-zero PCID with CR4.PCIDE=0');
  if (type === 0) {
    if (((d3 << 16) >> 16) !== d3) throw gp0('INVPCID of a non-canonical address');
    cpu.mmu.flushPage((d3 & 0xffff) * TWO32 + (d2 >>> 0));
  } else cpu.mmu.flushAll();
  cpu.exitBlock = true;
};

/** WBINVD/INVD: caches are not modelled, so only the privilege check remains (SDM vol 2B, WBINVD). */
const wbinvd: H = (cpu) => {
  requireCpl0(cpu, 'WBINVD');
  // Nested VMX: exits if 'WBINVD exiting' (SDM vol 3C 26.1.3).
  cpu.nonRootExit?.(cpu, 'wbinvd', 0);
};
const invd: H = (cpu) => {
  requireCpl0(cpu, 'INVD');
  // Nested VMX: INVD always exits (SDM vol 3C 26.1.2).
  cpu.nonRootExit?.(cpu, 'invd', 0);
};

export const crHandlers: Record<string, H> = {
  mov_to_cr: movToCr,
  mov_from_cr: movFromCr,
  mov_to_dr: movToDr,
  mov_from_dr: movFromDr,
  clts,
  lmsw,
  smsw,
  invlpg,
  invpcid,
  wbinvd,
  invd,
};
