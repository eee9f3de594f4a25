// Register views of a vCPU for the Variables pane and `evaluate`: general
// purpose, segment (hidden parts decoded) and control registers. Values are
// shown in hex; 64-bit values are combined from the core's 32-bit halves only
// here, at the API boundary.
import type { Cpu } from '../emulator/x86/cpu';
import { CpuMode } from '../emulator/x86/state';
import { GPR64, GPR32, GPR16, GPR8REX, SEG_NAMES } from '../emulator/x86/regs';
import { foldedHi } from '../emulator/x86/canon';

/** A node of the variables tree. */
export interface VarNode {
  name: string;
  value: string;
  /** Expression that evaluates to this value in the debug console. */
  evaluateName?: string;
  memoryReference?: string;
  children?: () => VarNode[];
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
    out.push({ name: GPR64[r], value: hexHalves(lo, hi), evaluateName: '$' + GPR64[r], memoryReference: hexHalves(lo, hi, false) });
  }
  const [rlo, rhi] = ripHalves(cpu);
  out.push({ name: 'rip', value: hexHalves(rlo, rhi), evaluateName: '$rip', memoryReference: hexHalves(rlo, rhi, false) });
  const fl = cpu.rflags();
  out.push({ name: 'rflags', value: withBits(fl, RFLAGS_BITS), evaluateName: '$rflags', children: () => [
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
    { name: 'cr0', value: withBits(cpu.cr0, CR0_BITS), evaluateName: '$cr0', children: bitChildren(cpu.cr0, CR0_BITS) },
    { name: 'cr2', value: hexHalves(cr2 >>> 0, foldedHi(cr2)), evaluateName: '$cr2' },
    { name: 'cr3', value: hexHalves(cpu.cr3, cpu.cr3Hi), evaluateName: '$cr3' },
    { name: 'cr4', value: withBits(cpu.cr4, CR4_BITS), evaluateName: '$cr4', children: bitChildren(cpu.cr4, CR4_BITS) },
    { name: 'efer', value: withBits(cpu.efer, EFER_BITS), evaluateName: '$efer', children: bitChildren(cpu.efer, EFER_BITS) },
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
