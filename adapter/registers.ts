// Register views of a vCPU for the Variables pane and `evaluate`: general
// purpose, segment (hidden parts decoded) and control registers. Values are
// shown in hex; 64-bit values are combined from the core's 32-bit halves only
// here, at the API boundary.
import type { Cpu } from '../emulator/x86/cpu';
import { CpuMode } from '../emulator/x86/state';
import { GPR64, GPR32, GPR16, GPR8REX, SEG_NAMES } from '../emulator/x86/regs';
import { foldedHi } from '../emulator/x86/canon';
import { setFlags } from '../emulator/x86/flags';

/** A node of the variables tree. */
export interface VarNode {
  name: string;
  value: string;
  /** Expression that evaluates to this value in the debug console. */
  evaluateName?: string;
  memoryReference?: string;
  children?: () => VarNode[];
  /** setVariable: validates and writes `value`, returns the new display value; throws RangeError naming the problem. */
  set?: (value: string) => string;
  /** dataBreakpointInfo: the data id a watch on this value uses (adapter/data-breakpoints.ts). */
  dataId?: string;
}

export const hex32 = (v: number): string => '0x' + (v >>> 0).toString(16);
export function hexHalves(lo: number, hi: number, pad = true): string {
  const h = (hi >>> 0).toString(16), l = (lo >>> 0).toString(16);
  if (pad) return '0x' + h.padStart(8, '0') + l.padStart(8, '0');
  return hi >>> 0 ? '0x' + h + l.padStart(8, '0') : '0x' + l;
}
export const bigOfHalves = (lo: number, hi: number): bigint => (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
/** A folded 48-bit linear address (x86/canon.ts) as its canonical 64-bit value. */
export const foldedBig = (v: number): bigint => (v >= 2 ** 47 ? BigInt(v) | 0xffff_0000_0000_0000n : BigInt(v));
/** A 64-bit value as a folded linear address (bits 47:0; the core's address form). */
export const foldBig = (v: bigint): number => Number(v & 0xffff_ffff_ffffn);

/** RFLAGS bits by name (SDM vol 1, 3.4.3). */
const RFLAGS_BITS: [number, string][] = [
  [0, 'CF'], [2, 'PF'], [4, 'AF'], [6, 'ZF'], [7, 'SF'], [8, 'TF'], [9, 'IF'], [10, 'DF'], [11, 'OF'],
  [14, 'NT'], [16, 'RF'], [17, 'VM'], [18, 'AC'], [19, 'VIF'], [20, 'VIP'], [21, 'ID'],
];
/** CR0 (SDM vol 3A, 2.5). */
const CR0_BITS: [number, string][] = [[0, 'PE'], [1, 'MP'], [2, 'EM'], [3, 'TS'], [4, 'ET'], [5, 'NE'], [16, 'WP'], [18, 'AM'], [29, 'NW'], [30, 'CD'], [31, 'PG']];
/** CR4 (SDM vol 3A, 2.5). */
const CR4_BITS: [number, string][] = [
  [0, 'VME'], [1, 'PVI'], [2, 'TSD'], [3, 'DE'], [4, 'PSE'], [5, 'PAE'], [6, 'MCE'], [7, 'PGE'], [8, 'PCE'], [9, 'OSFXSR'],
  [10, 'OSXMMEXCPT'], [11, 'UMIP'], [12, 'LA57'], [13, 'VMXE'], [14, 'SMXE'], [16, 'FSGSBASE'], [17, 'PCIDE'], [18, 'OSXSAVE'],
  [20, 'SMEP'], [21, 'SMAP'], [22, 'PKE'],
];
/** IA32_EFER (SDM vol 3A, 2.2.1). */
const EFER_BITS: [number, string][] = [[0, 'SCE'], [8, 'LME'], [10, 'LMA'], [11, 'NXE'], [12, 'SVME']];

export function bitNames(v: number, table: [number, string][]): string {
  return table.filter(([b]) => (v >>> b) & 1).map(([, n]) => n).join(' ');
}

const withBits = (v: number, table: [number, string][]): string => {
  const n = bitNames(v, table);
  return n ? `${hex32(v)} [${n}]` : hex32(v);
};

function bitChildren(v: number, table: [number, string][]): () => VarNode[] {
  return () => table.map(([b, n]) => ({ name: n, value: String((v >>> b) & 1) }));
}

export const MODE_NAMES: Record<number, string> = {
  [CpuMode.Real]: 'real mode', [CpuMode.Prot16]: '16-bit protected mode', [CpuMode.Prot32]: '32-bit protected mode',
  [CpuMode.Compat16]: '16-bit compatibility mode', [CpuMode.Compat32]: '32-bit compatibility mode',
  [CpuMode.Long64]: '64-bit mode', [CpuMode.V86]: 'virtual-8086 mode',
};

/** RIP as 64-bit halves. */
export function ripHalves(cpu: Cpu): [number, number] {
  return [cpu.rip >>> 0, cpu.mode === CpuMode.Long64 ? foldedHi(cpu.rip) : 0];
}

export function generalRegisters(cpu: Cpu): VarNode[] {
  const out: VarNode[] = [];
  for (let r = 0; r < 16; r++) {
    const lo = cpu.regs[r << 1], hi = cpu.regs[(r << 1) + 1];
    out.push({ name: GPR64[r], value: hexHalves(lo, hi), evaluateName: '$' + GPR64[r], memoryReference: hexHalves(lo, hi, false), set: setter(cpu, GPR64[r]) });
  }
  const [rlo, rhi] = ripHalves(cpu);
  out.push({ name: 'rip', value: hexHalves(rlo, rhi), evaluateName: '$rip', memoryReference: hexHalves(rlo, rhi, false), set: setter(cpu, 'rip') });
  const fl = cpu.rflags();
  out.push({ name: 'rflags', value: withBits(fl, RFLAGS_BITS), evaluateName: '$rflags', set: setter(cpu, 'rflags'), children: () => [
    ...RFLAGS_BITS.map(([b, n]) => ({ name: n, value: String((fl >>> b) & 1) })),
    { name: 'IOPL', value: String((fl >>> 12) & 3) },
  ] });
  return out;
}

/** Decoded access rights (VMX format, SDM vol 3C, 24.4.1 table 24-2). */
export function describeSegment(cpu: Cpu, seg: number): string {
  const ar = cpu.segAr[seg];
  if (ar & (1 << 16)) return 'unusable';
  const type = ar & 0xf, s = (ar >> 4) & 1, dpl = (ar >> 5) & 3, p = (ar >> 7) & 1;
  const l = (ar >> 13) & 1, db = (ar >> 14) & 1;
  let kind: string;
  if (!s) {
    const SYS: Record<number, string> = { 2: 'LDT', 9: 'TSS (available)', 11: 'TSS (busy)', 1: '16-bit TSS', 3: '16-bit TSS (busy)' };
    kind = SYS[type] ?? `system type ${type}`;
  } else if (type & 8) kind = `code${type & 2 ? ' readable' : ''}${type & 4 ? ' conforming' : ''}`;
  else kind = `data${type & 2 ? ' writable' : ' read-only'}${type & 4 ? ' expand-down' : ''}`;
  const width = s && (type & 8) ? (l ? ', 64-bit' : db ? ', 32-bit' : ', 16-bit') : '';
  return `${kind}, DPL ${dpl}${width}${p ? '' : ', not present'}`;
}

export function segmentRegisters(cpu: Cpu): VarNode[] {
  return SEG_NAMES.map((name, seg) => {
    const base = cpu.segBase[seg], limit = cpu.segLimit[seg], ar = cpu.segAr[seg];
    const baseHex = hexHalves(base >>> 0, foldedHi(base), false);
    return {
      name,
      value: `${hex32(cpu.segSel[seg])} (${describeSegment(cpu, seg)}, base ${baseHex}, limit ${hex32(limit)})`,
      evaluateName: '$' + name,
      // Refused with the reason (writeRegister): a selector needs its descriptor loaded.
      set: setter(cpu, name),
      children: () => [
        { name: 'selector', value: hex32(cpu.segSel[seg]) },
        { name: 'index', value: String(cpu.segSel[seg] >> 3) },
        { name: 'TI', value: String((cpu.segSel[seg] >> 2) & 1) },
        { name: 'RPL', value: String(cpu.segSel[seg] & 3) },
        { name: 'base', value: baseHex },
        { name: 'limit', value: hex32(limit) },
        { name: 'access rights', value: hex32(ar), children: () => [
          { name: 'type', value: String(ar & 0xf) },
          { name: 'S', value: String((ar >> 4) & 1) },
          { name: 'DPL', value: String((ar >> 5) & 3) },
          { name: 'P', value: String((ar >> 7) & 1) },
          { name: 'AVL', value: String((ar >> 12) & 1) },
          { name: 'L', value: String((ar >> 13) & 1) },
          { name: 'D/B', value: String((ar >> 14) & 1) },
          { name: 'G', value: String((ar >> 15) & 1) },
          { name: 'unusable', value: String((ar >> 16) & 1) },
        ] },
        { name: 'decoded', value: describeSegment(cpu, seg) },
      ],
    };
  });
}

export function controlRegisters(cpu: Cpu): VarNode[] {
  const cr2 = cpu.cr2;
  return [
    { name: 'cr0', value: withBits(cpu.cr0, CR0_BITS), evaluateName: '$cr0', children: bitChildren(cpu.cr0, CR0_BITS), set: setter(cpu, 'cr0') },
    { name: 'cr2', value: hexHalves(cr2 >>> 0, foldedHi(cr2)), evaluateName: '$cr2', set: setter(cpu, 'cr2') },
    { name: 'cr3', value: hexHalves(cpu.cr3, cpu.cr3Hi), evaluateName: '$cr3', set: setter(cpu, 'cr3') },
    { name: 'cr4', value: withBits(cpu.cr4, CR4_BITS), evaluateName: '$cr4', children: bitChildren(cpu.cr4, CR4_BITS), set: setter(cpu, 'cr4') },
    { name: 'efer', value: withBits(cpu.efer, EFER_BITS), evaluateName: '$efer', children: bitChildren(cpu.efer, EFER_BITS), set: setter(cpu, 'efer') },
    { name: 'gdtr', value: `base ${hexHalves(cpu.gdtrBase >>> 0, foldedHi(cpu.gdtrBase), false)} limit ${hex32(cpu.gdtrLimit)}` },
    { name: 'idtr', value: `base ${hexHalves(cpu.idtrBase >>> 0, foldedHi(cpu.idtrBase), false)} limit ${hex32(cpu.idtrLimit)}` },
    { name: 'cpl', value: String(cpu.cpl) },
    { name: 'mode', value: MODE_NAMES[cpu.mode] ?? String(cpu.mode) + (cpu.halted ? ' (halted)' : '') },
    { name: 'instructions retired', value: String(cpu.icount) },
  ];
}

/** Register names `evaluate` understands, with how to read them. */
export function readRegister(cpu: Cpu, name: string): bigint | undefined {
  const n = name.toLowerCase();
  let i = GPR64.indexOf(n);
  if (i >= 0) return bigOfHalves(cpu.regs[i << 1], cpu.regs[(i << 1) + 1]);
  i = GPR32.indexOf(n);
  if (i >= 0) return BigInt(cpu.regs[i << 1] >>> 0);
  i = GPR16.indexOf(n);
  if (i >= 0) return BigInt(cpu.regs[i << 1] & 0xffff);
  i = GPR8REX.indexOf(n);
  if (i >= 0) return BigInt(cpu.regs[i << 1] & 0xff);
  i = ['ah', 'ch', 'dh', 'bh'].indexOf(n);
  if (i >= 0) return BigInt((cpu.regs[i << 1] >> 8) & 0xff);
  switch (n) {
    case 'rip': case 'pc': { const [lo, hi] = ripHalves(cpu); return bigOfHalves(lo, hi); }
    case 'eip': return BigInt(cpu.rip >>> 0);
    case 'rflags': case 'eflags': return BigInt(cpu.rflags() >>> 0);
    case 'cr0': return BigInt(cpu.cr0 >>> 0);
    case 'cr2': return foldedBig(cpu.cr2);
    case 'cr3': return bigOfHalves(cpu.cr3, cpu.cr3Hi);
    case 'cr4': return BigInt(cpu.cr4 >>> 0);
    case 'efer': return BigInt(cpu.efer >>> 0);
    case 'cpl': return BigInt(cpu.cpl);
  }
  i = SEG_NAMES.indexOf(n);
  if (i >= 0) return BigInt(cpu.segSel[i]);
  return undefined;
}

// ------------------------------------------------------------------ edits

const setter = (cpu: Cpu, name: string) => (text: string): string => writeRegister(cpu, name, text);

/** Parses a register value: hex 0x.., decimal, or a display value whose first word is one. */
function parseValue(name: string, text: string): bigint {
  const t = text.trim().split(/\s/)[0];
  if (!/^(0x[0-9a-f]+|[0-9]+)$/i.test(t)) throw new RangeError(`${name}: '${text}' is not a number (use hex 0x.. or decimal)`);
  return BigInt(t);
}

const MAX32 = 0xffff_ffffn;
const MAX64 = (1n << 64n) - 1n;
const isCanonical = (v: bigint): boolean => v < 1n << 47n || v >= 0xffff_8000_0000_0000n;

/** CR0 bits a MOV to CR0 may set (SDM vol 3A, 2.5: the others are reserved, #GP). */
const CR0_DEFINED = CR0_BITS.reduce((m, [b]) => m | (1 << b), 0) >>> 0;
/** EFER bits the debugger lets change: LME/LMA are mode switches, SVME/others belong to the guest. */
const EFER_EDITABLE = (1 << 0) | (1 << 11);
/** CR4 bits whose change would switch paging modes under the running code. */
const CR4_PAGING = (1 << 4) | (1 << 5) | (1 << 12) | (1 << 17);
const CR0_PE = 1, CR0_PG = 0x8000_0000, CR0_NW = 1 << 29, CR0_CD = 1 << 30;

function check(name: string, v: bigint, max: bigint, why: string): void {
  if (v > max) throw new RangeError(`${name}: value must be 0..0x${max.toString(16)} (${why})`);
}

/**
 * Writes a register of a stopped vCPU, accepting only values the
 * architecture accepts there (a MOV to the register would not fault), and
 * refusing edits that would switch the CPU mode under the running code
 * (CR0.PE/PG, EFER.LME, CR4 paging bits, RFLAGS.VM) or that need a
 * descriptor load (segment selectors). Returns the new display value; throws
 * RangeError naming the register and what is allowed.
 */
export function writeRegister(cpu: Cpu, name: string, text: string): string {
  const n = name.toLowerCase();
  const long = cpu.mode === CpuMode.Long64;
  if (SEG_NAMES.includes(n)) {
    throw new RangeError(`${n}: segment registers are not editable here, a selector needs its descriptor loaded (do it in the guest, e.g. mov ${n === 'cs' ? 'via a far jump' : `%ax, %${n}`})`);
  }
  const v = parseValue(n, text);
  let i = GPR64.indexOf(n);
  if (i >= 0) {
    // Outside 64-bit mode the upper halves are not reachable by software.
    check(n, v, long ? MAX64 : MAX32, long ? '64-bit register' : `${MODE_NAMES[cpu.mode]}: only bits 31:0 exist`);
    cpu.regs[i << 1] = Number(v & MAX32) | 0;
    cpu.regs[(i << 1) + 1] = Number(v >> 32n) | 0;
    return hexHalves(cpu.regs[i << 1], cpu.regs[(i << 1) + 1]);
  }
  i = GPR32.indexOf(n);
  if (i >= 0) {
    check(n, v, MAX32, '32-bit register');
    // A 32-bit write zero-extends in 64-bit mode (SDM vol 1, 3.4.1.1).
    cpu.regs[i << 1] = Number(v) | 0;
    if (long) cpu.regs[(i << 1) + 1] = 0;
    return hex32(Number(v));
  }
  switch (n) {
    case 'rip': case 'pc': case 'eip': {
      if (long) {
        if (!isCanonical(v) || v > MAX64) throw new RangeError(`${n}: 0x${v.toString(16)} is not canonical (bits 63:47 must all equal bit 47)`);
      } else check(n, v, MAX32, `${MODE_NAMES[cpu.mode]}: EIP is 32-bit`);
      cpu.rip = foldBig(v);
      const [lo, hi] = ripHalves(cpu);
      return hexHalves(lo, hi);
    }
    case 'rflags': case 'eflags': {
      check(n, v, MAX32, 'bits 63:22 are reserved');
      const old = cpu.rflags();
      // Bit 1 is always 1; bits 3, 5, 15 and 31:22 are reserved (SDM vol 1, 3.4.3).
      if ((Number(v) & 0xffc0_802a) !== 2) throw new RangeError(`${n}: bit 1 must be 1 and bits 3, 5, 15, 31:22 must be 0 (got 0x${v.toString(16)})`);
      if ((Number(v) ^ old) & (1 << 17)) throw new RangeError(`${n}: VM (bit 17) switches to or from virtual-8086 mode: not editable`);
      setFlags(cpu, Number(v));
      return withBits(cpu.rflags(), RFLAGS_BITS);
    }
    case 'cr0': {
      check(n, v, MAX32, 'bits 63:32 are reserved');
      const x = Number(v) >>> 0;
      if (x & ~CR0_DEFINED) throw new RangeError(`cr0: reserved bits 0x${(x & ~CR0_DEFINED).toString(16)} set (defined: ${CR0_BITS.map(([, b]) => b).join(' ')})`);
      if ((x & CR0_NW) && !(x & CR0_CD)) throw new RangeError('cr0: NW=1 with CD=0 is invalid (#GP, SDM vol 3A, 2.5)');
      if ((x ^ cpu.cr0) & (CR0_PE | CR0_PG)) throw new RangeError('cr0: PE and PG switch the CPU mode: not editable (change them in the guest)');
      cpu.cr0 = x;
      cpu.mmu.flushAll();
      return withBits(cpu.cr0, CR0_BITS);
    }
    case 'cr2': {
      check(n, v, long ? MAX64 : MAX32, 'a linear address');
      cpu.cr2 = foldBig(v);
      return hexHalves(Number(v & MAX32), Number(v >> 32n));
    }
    case 'cr3': {
      const maxPhys = (1n << BigInt(cpu.model.physAddrBits)) - 1n;
      check(n, v, long ? maxPhys : MAX32, long ? `bits above MAXPHYADDR (${cpu.model.physAddrBits}) are reserved` : '32-bit');
      cpu.cr3 = Number(v & MAX32) >>> 0;
      cpu.cr3Hi = Number(v >> 32n) >>> 0;
      cpu.mmu.flushAll();
      return hexHalves(cpu.cr3, cpu.cr3Hi);
    }
    case 'cr4': {
      check(n, v, MAX32, 'bits 63:32 are reserved');
      const x = Number(v) >>> 0;
      const valid = (cpu.model as { cr4ValidMask?: number }).cr4ValidMask;
      if (valid !== undefined && (x & ~valid)) throw new RangeError(`cr4: bits 0x${(x & ~valid >>> 0).toString(16)} are reserved on this CPU model (#GP)`);
      if ((x ^ cpu.cr4) & CR4_PAGING) throw new RangeError('cr4: PSE, PAE, LA57 and PCIDE change paging under the running code: not editable');
      const vmx = (cpu.cr4 & (1 << 13)) && !(x & (1 << 13));
      if (vmx) throw new RangeError('cr4: clearing VMXE in VMX operation is #GP (SDM vol 3C, 24.8)');
      cpu.cr4 = x;
      cpu.mmu.flushAll();
      return withBits(cpu.cr4, CR4_BITS);
    }
    case 'efer': {
      check(n, v, MAX32, 'bits 63:32 are reserved');
      const x = Number(v) >>> 0;
      if ((x ^ cpu.efer) & ~EFER_EDITABLE) throw new RangeError('efer: only SCE and NXE are editable (LME/LMA switch modes, SVME belongs to the guest)');
      cpu.efer = x;
      cpu.mmu.flushAll();
      return withBits(cpu.efer, EFER_BITS);
    }
  }
  throw new RangeError(`${name}: not an editable register (general-purpose, rip, rflags, cr0, cr2, cr3, cr4, efer)`);
}
