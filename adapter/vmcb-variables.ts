// The VMCB12 / VMCB02 / VMCB01 scopes of an SVM vCPU, driven by the VMCB
// layout table (emulator/svm/vmcb-layout.ts): control area and state-save
// area, segment slots with their parts, intercept words as the names of the
// set bits, EXITCODE/EXITINFO decoded, bit-field tables spelled out. VMCB02
// and VMCB01 (L0's own, read-only here) mark fields that differ from VMCB12.
//
// VMCB12 is read in L1 memory at L0's vmcb12Address (emulator/l0/svm-state.ts),
// so it shows what L1 wrote since; VMCB02/VMCB01 are L0's images.
import type { Cpu } from '../emulator/x86/cpu';
import { svmStateOf } from '../emulator/l0';
import {
  VMCB_LEAVES, VmcbLeaf, VMCB_SIZE, PhysRead, PhysRW, regionAt, SVM_INTERCEPTS,
  exitCodeName, decodeExitInfo, formatBitFields, describeAttrib, U64,
} from '../emulator/svm';
import { VarNode } from './registers';

/** What the debugger needs of L0's SVM state of a vCPU. */
export interface SvmView {
  level: 1 | 2;
  /** L1-physical address of the current VMCB12, if L1 has run VMRUN. */
  vmcb12Address?: number;
  /** VMCB12 in L1 memory (writes go to L1 memory). */
  vmcb12?: PhysRW;
  vmcb02?: PhysRead;
  vmcb01?: PhysRead;
}

type Block = '12' | '02' | '01';

/** L0's SVM state of `cpu` as the debugger sees it, or undefined for a vCPU without nested SVM. */
export function svmView(cpu: Cpu): SvmView | undefined {
  const s = svmStateOf(cpu);
  if (!s) return undefined;
  const mem = cpu.plat.mem;
  const address = s.vmcb12Address >= 0 ? s.vmcb12Address : undefined;
  const inRam = address !== undefined && mem.isRam(address) && mem.isRam(address + VMCB_SIZE - 1);
  return {
    level: s.level,
    vmcb12Address: address,
    vmcb12: inRam ? regionAt(mem, address!) : undefined,
    // L0 builds VMCB02 at the first VMRUN; before it the image is all zeros, not a VMCB.
    vmcb02: address !== undefined ? s.v02 : undefined,
    vmcb01: s.v01,
  };
}

function blockOf(v: SvmView, b: Block): PhysRead | undefined {
  return b === '12' ? v.vmcb12 : b === '02' ? v.vmcb02 : v.vmcb01;
}

function halves(r: PhysRead, l: VmcbLeaf): U64 {
  if (l.size === 8) return { lo: r.read(l.offset, 4) >>> 0, hi: r.read(l.offset + 4, 4) >>> 0 };
  if (l.size === 1 || l.size === 2 || l.size === 4) return { lo: r.read(l.offset, l.size) >>> 0, hi: 0 };
  return { lo: 0, hi: 0 };
}

/** A leaf's value in hex at its size; 'bytes' fields as a byte string. */
export function vmcbLeafHex(r: PhysRead, l: VmcbLeaf): string {
  if (l.kind === 'bytes') {
    let s = '';
    for (let i = 0; i < l.size; i++) s += r.read(l.offset + i, 1).toString(16).padStart(2, '0');
    return s;
  }
  const { lo, hi } = halves(r, l);
  const big = (BigInt(hi) << 32n) | BigInt(lo);
  return '0x' + big.toString(16).padStart(l.size * 2, '0');
}

/** Names of the intercept bits a leaf holds (global bit n lives at byte n/8 of the VMCB). */
function interceptsIn(r: PhysRead, l: VmcbLeaf): string[] {
  const out: string[] = [];
  for (const x of SVM_INTERCEPTS) {
    if (x.globalBit < l.offset * 8 || x.globalBit >= (l.offset + l.size) * 8) continue;
    if ((r.read(x.wordOffset, 4) >>> x.bit) & 1) out.push(x.name);
  }
  return out;
}

/** The decoded meaning of a leaf in block `r`, or undefined. */
export function decodeVmcbLeaf(r: PhysRead, l: VmcbLeaf): string | undefined {
  const v = halves(r, l);
  if (l.name.startsWith('INTERCEPT_')) {
    const n = interceptsIn(r, l);
    return n.length ? n.join(' | ') : 'none';
  }
  if (l.name === 'EXITCODE') return exitCodeName(v);
  if (l.name === 'EXITINFO1' || l.name === 'EXITINFO2') {
    const code = halves(r, leaf('EXITCODE'));
    return decodeExitInfo(code, halves(r, leaf('EXITINFO1')), halves(r, leaf('EXITINFO2')));
  }
  if (l.name.endsWith('.attrib')) return describeAttrib(v.lo);
  if (l.bits) return formatBitFields(l.bits, v.lo, v.hi);
  return undefined;
}

const LEAF_BY_NAME = new Map(VMCB_LEAVES.map((l) => [l.name, l]));
function leaf(name: string): VmcbLeaf {
  return LEAF_BY_NAME.get(name)!;
}

/** The leaf named `name` (table names and 'CS.base'-style parts), case-insensitive. */
export function vmcbLeafNamed(name: string): VmcbLeaf | undefined {
  return LEAF_BY_NAME.get(name) ?? LEAF_BY_NAME.get(name.toUpperCase()) ?? VMCB_LEAVES.find((l) => l.name.toLowerCase() === name.toLowerCase());
}

function leafNode(v: SvmView, b: Block, l: VmcbLeaf, set?: (value: string) => string): VarNode {
  const r = blockOf(v, b)!;
  let value = vmcbLeafHex(r, l);
  const decoded = decodeVmcbLeaf(r, l);
  if (decoded) value += ` (${decoded})`;
  if (b !== '12' && v.vmcb12 && vmcbLeafHex(v.vmcb12, l) !== vmcbLeafHex(r, l)) value += '  ≠ VMCB12';
  const info: VarNode[] = [
    { name: 'offset', value: '0x' + l.offset.toString(16).padStart(3, '0') },
    { name: 'size', value: `${l.size} byte${l.size > 1 ? 's' : ''}` },
    { name: 'APM', value: l.apm },
    { name: 'meaning', value: l.doc },
  ];
  const bits = l.bits && l.kind !== 'bytes' ? (() => {
    const h = halves(r, l);
    return l.bits!.map((x) => {
      const width = x.hi - x.lo + 1;
      const bv = width <= 32 ? Number((((BigInt(h.hi) << 32n) | BigInt(h.lo)) >> BigInt(x.lo)) & ((1n << BigInt(width)) - 1n)) : 0;
      return { name: x.name, value: width === 1 ? String(bv) : '0x' + bv.toString(16) };
    });
  })() : [];
  const node: VarNode = {
    name: l.name, value, children: () => [...bits, ...info],
    evaluateName: b === '12' ? `VMCB12.${l.name}` : undefined,
  };
  if (set) node.set = set;
  if (b === '12' && v.vmcb12Address !== undefined) {
    node.memoryReference = `gpa:0x${(v.vmcb12Address + l.offset).toString(16)}`;
    node.dataId = `gpa:0x${(v.vmcb12Address + l.offset).toString(16)},${l.size}`;
  }
  return node;
}

/** The nodes of one VMCB scope: control area, then state-save area (segments with their parts). */
function blockNodes(cpu: Cpu, b: Block): VarNode[] {
  const v = svmView(cpu);
  if (!v || !blockOf(v, b)) return [];
  const set = (l: VmcbLeaf) => (b === '12' && l.kind !== 'bytes' ? (value: string) => writeVmcb12Field(cpu, l.name, value) : undefined);
  const control = VMCB_LEAVES.filter((l) => l.area === 'control');
  const save: VarNode[] = [];
  const seen = new Set<string>();
  for (const l of VMCB_LEAVES.filter((x) => x.area === 'save')) {
    if (l.parent === l.name) { save.push(leafNode(v, b, l, set(l))); continue; }
    if (seen.has(l.parent)) continue;
    seen.add(l.parent);
    const parts = VMCB_LEAVES.filter((x) => x.parent === l.parent);
    const r = blockOf(v, b)!;
    const sel = parts.find((x) => x.name.endsWith('.selector'));
    const base = parts.find((x) => x.name.endsWith('.base'))!;
    save.push({
      name: l.parent,
      value: `${sel ? vmcbLeafHex(r, sel) + ' ' : ''}base ${vmcbLeafHex(r, base)}`,
      children: () => parts.map((p) => leafNode(v, b, p, set(p))),
    });
  }
  return [
    { name: 'Control area', value: `${control.length} fields`, children: () => control.map((l) => leafNode(v, b, l, set(l))) },
    { name: 'State-save area', value: `${save.length} entries`, children: () => save },
  ];
}

/** The VMCB scopes of an SVM vCPU (VMCB12 first); empty for other vCPUs. */
export function vmcbScopes(cpu: Cpu): { name: string; nodes: () => VarNode[] }[] {
  const v = svmView(cpu);
  if (!v) return [];
  const na = (what: string): VarNode[] => [{ name: 'not available', value: what }];
  const scope = (b: Block, title: string, missing: string) => ({
    name: title,
    nodes: () => (blockOf(svmView(cpu) ?? v, b) ? blockNodes(cpu, b) : na(missing)),
  });
  return [
    scope('12', v.vmcb12Address !== undefined ? `VMCB12 (L1's VMCB at 0x${v.vmcb12Address.toString(16)})` : 'VMCB12',
      'L1 has not run VMRUN yet (no VMCB12)'),
    scope('02', 'VMCB02 (L0 runs L2 with it)', 'L0 has no VMCB02 now (L2 not entered)'),
    scope('01', 'VMCB01 (L0 runs L1 with it)', 'L0 does not expose VMCB01'),
  ];
}

/** Parses a VMCB value: hex/decimal, at most the field's size. Errors name field and range. */
function parseFieldValue(l: VmcbLeaf, text: string): bigint {
  const t = text.trim().split(/\s/)[0];
  let v: bigint;
  try {
    if (!/^(0x[0-9a-f]+|[0-9]+)$/i.test(t)) throw new Error();
    v = BigInt(t);
  } catch {
    throw new RangeError(`${l.name}: '${text}' is not a number (use hex 0x.. or decimal)`);
  }
  const max = (1n << BigInt(8 * l.size)) - 1n;
  if (v > max) throw new RangeError(`${l.name} is ${l.size} byte${l.size > 1 ? 's' : ''}: value must be 0..0x${max.toString(16)}`);
  return v;
}

/** Writes a VMCB12 field into L1 memory (what L1 itself would do with a MOV); returns the new display value. */
export function writeVmcb12Field(cpu: Cpu, name: string, text: string): string {
  const v = svmView(cpu);
  const l = vmcbLeafNamed(name);
  if (!l) throw new RangeError(`no VMCB field named '${name}'`);
  if (!v || !v.vmcb12) throw new RangeError(`${l.name}: this vCPU has no VMCB12 in L1 memory`);
  if (l.kind === 'bytes') throw new RangeError(`${l.name} is a byte array: edit it in the memory view (gpa:0x${(v.vmcb12Address! + l.offset).toString(16)})`);
  const x = parseFieldValue(l, text);
  if (l.size === 8) {
    v.vmcb12.write(l.offset, 4, Number(x & 0xffffffffn));
    v.vmcb12.write(l.offset + 4, 4, Number(x >> 32n));
  } else {
    v.vmcb12.write(l.offset, l.size as 1 | 2 | 4, Number(x));
  }
  const d = decodeVmcbLeaf(v.vmcb12, l);
  return vmcbLeafHex(v.vmcb12, l) + (d ? ` (${d})` : '');
}

/** A VMCB12 field's value by name ('EXITCODE', 'CS.base'), for evaluate; undefined when unknown/unavailable. */
export function vmcbFieldValue(cpu: Cpu, name: string): bigint | undefined {
  const l = vmcbLeafNamed(name.replace(/^VMCB12\./i, ''));
  const v = l && l.kind !== 'bytes' ? svmView(cpu) : undefined;
  if (!l || !v?.vmcb12) return undefined;
  const h = halves(v.vmcb12, l);
  return (BigInt(h.hi) << 32n) | BigInt(h.lo);
}

/** Rows for the control-block viewer: every leaf with its value in each block. */
export function vmcbRows(cpu: Cpu): { v: SvmView; rows: { leaf: VmcbLeaf; values: Partial<Record<Block, string>>; decoded?: string }[] } | undefined {
  const v = svmView(cpu);
  if (!v) return undefined;
  const rows = VMCB_LEAVES.map((l) => {
    const values: Partial<Record<Block, string>> = {};
    for (const b of ['12', '02', '01'] as Block[]) {
      const r = blockOf(v, b);
      if (r) values[b] = vmcbLeafHex(r, l);
    }
    return { leaf: l, values, decoded: v.vmcb12 ? decodeVmcbLeaf(v.vmcb12, l) : undefined };
  });
  return { v, rows };
}
