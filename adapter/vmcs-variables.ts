// The VMCS scopes of the Variables view: VMCS12 (the VMCS L1 has current on
// a vCPU, as L0 caches it: what VMREAD returns), and L0's own VMCS02 (L2 runs
// under it) and VMCS01 (L1 runs under it), read-only, with "≠ VMCS12" on the
// fields whose value differs from VMCS12's. All grouped as the SDM groups
// the fields (vmx/fields.ts FIELD_GROUPS), with controls, access rights, the
// exit reason and the exit qualification decoded. Also the VMCS field names
// `evaluate` understands and VMCS12 edits (setVariable, setControlField).
import type { Cpu } from '../emulator/x86/cpu';
import { vmxStateOf, VmxVcpuState } from '../emulator/l0';
import {
  VMCS_FIELDS, FIELD_GROUPS, VmcsFieldDef, fieldByName, widthName, Vmcs,
  CONTROL_FIELD, ControlWord, decodeControls, describeExitReason, decodeQualification, VMCS,
} from '../emulator/vmx';
import { VarNode, hex32, bigOfHalves } from './registers';

const CONTROL_WORD_OF: ReadonlyMap<string, ControlWord> = new Map(
  (Object.entries(CONTROL_FIELD) as [ControlWord, string][]).map(([w, f]) => [f, w]),
);

export type VmcsBlock = '12' | '02' | '01';
export const DIFFERS_MARK = '≠ VMCS12';

/** L0's VMX state of `cpu` if it is in VMX operation with a current VMCS. */
function current(cpu: Cpu): VmxVcpuState | undefined {
  const s = vmxStateOf(cpu);
  return s && s.inVmxOperation && s.hasCurrentVmcs ? s : undefined;
}

/**
 * One of the vCPU's VMCSs, or undefined when it does not exist now. VMCS02
 * and VMCS01 are L0's (vmx-state.ts `vmcs02`, `vmcs01`); they are read by
 * name so this view works whether or not L0 keeps them.
 */
export function vmcsOf(cpu: Cpu, b: VmcsBlock): Vmcs | undefined {
  const s = vmxStateOf(cpu);
  if (!s) return undefined;
  if (b === '12') return current(cpu)?.vmcs12;
  const v = (s as unknown as Record<string, unknown>)[b === '02' ? 'vmcs02' : 'vmcs01'];
  if (!(v instanceof Vmcs)) return undefined;
  // VMCS02 means something only while L0 runs (or has run) L2 under it.
  if (b === '02' && !s.l1 && s.level !== 2) return undefined;
  return v;
}

function exists(v: Vmcs, d: VmcsFieldDef): boolean {
  return v.profile.supported[d.slot] === 1;
}

function halves(v: Vmcs, d: VmcsFieldDef): [number, number] {
  const i = d.slot << 1;
  return [v.data[i] >>> 0, v.data[i + 1] >>> 0];
}

/** The value of a field in its width: 16-bit 4 digits, 32-bit 8, 64-bit and natural width 16. */
export function fieldHex(d: VmcsFieldDef, lo: number, hi: number): string {
  const digits = d.width === 16 ? 4 : d.width === 32 ? 8 : 16;
  return '0x' + bigOfHalves(lo, hi).toString(16).padStart(digits, '0');
}

const bits = (v: number, lo: number, n: number): number => (v >>> lo) & ((1 << n) - 1);

/** Segment access rights (SDM §25.4.1 Table 25-2). */
function accessRights(v: number): VarNode[] {
  return [
    { name: 'type', value: hex32(bits(v, 0, 4)) },
    { name: 'S', value: String(bits(v, 4, 1)) },
    { name: 'DPL', value: String(bits(v, 5, 2)) },
    { name: 'P', value: String(bits(v, 7, 1)) },
    { name: 'AVL', value: String(bits(v, 12, 1)) },
    { name: 'L', value: String(bits(v, 13, 1)) },
    { name: 'D/B', value: String(bits(v, 14, 1)) },
    { name: 'G', value: String(bits(v, 15, 1)) },
    { name: 'unusable', value: String(bits(v, 16, 1)) },
  ];
}

/** The decoded meaning of a field's value in `v` (controls, exit reason, qualification), or undefined. */
export function decodeField(v: Vmcs, d: VmcsFieldDef): string | undefined {
  const [lo, hi] = halves(v, d);
  const word = CONTROL_WORD_OF.get(d.name);
  if (word) {
    // Reserved default-1 bits are always set: only the named controls are listed.
    const names = decodeControls(word, lo, hi, { omitDefault1: true });
    return names.length ? names.join(' | ') : 'none';
  }
  if (d.name === 'VM_EXIT_REASON') return describeExitReason(lo);
  if (d.name === 'EXIT_QUALIFICATION') {
    const reason = v.lo(VMCS.VM_EXIT_REASON) & 0xffff;
    return decodeQualification(reason, lo, hi, v.lo(VMCS.VM_EXIT_INTR_INFO)) || undefined;
  }
  return undefined;
}

/**
 * Which address space a field's value points into, for memoryReference
 * (adapter/memory-references.ts): guest linear addresses are L2's, host
 * linear addresses L1's, the physical addresses of control structures L1's
 * guest-physical, an EPT violation's address L2's guest-physical.
 */
function addressSpaceOf(d: VmcsFieldDef): 'l1' | 'l2' | 'gpa' | 'l2gpa' | undefined {
  if (/^GUEST_(RIP|RSP|[A-Z]+_BASE|LINEAR_ADDRESS)$/.test(d.name) || /^IO_R(IP|SI|DI)$/.test(d.name)) return 'l2';
  if (/^HOST_(RIP|RSP|[A-Z]+_BASE)$/.test(d.name)) return 'l1';
  if (d.width === 64 && d.type === 'control' && /(_ADDR|_ADDRESS|_BITMAP(_[AB])?|^MSR_BITMAP|_POINTER)$/.test(d.name) && !/EOI_EXIT|XSS|ENCLS|ENCLV|PCONFIG/.test(d.name)) return 'gpa';
  if (d.name === 'VMCS_LINK_POINTER') return 'gpa';
  if (d.name === 'GUEST_PHYSICAL_ADDRESS') return 'l2gpa';
  return undefined;
}

function fieldNode(cpu: Cpu, v: Vmcs, b: VmcsBlock, d: VmcsFieldDef): VarNode {
  const [lo, hi] = halves(v, d);
  let value = fieldHex(d, lo, hi);
  const decoded = decodeField(v, d);
  if (decoded) value += d.name === 'VM_EXIT_REASON' ? ` ${decoded}` : ` (${decoded})`;
  const extra: VarNode[] = [];
  const word = CONTROL_WORD_OF.get(d.name);
  if (word) decodeControls(word, lo, hi, { omitDefault1: true }).forEach((n) => extra.push({ name: n, value: 'set' }));
  else if (d.name === 'EXIT_QUALIFICATION' && decoded) extra.push({ name: 'decoded', value: decoded });
  else if (d.name.endsWith('_AR_BYTES')) extra.push(...accessRights(lo));
  const v12 = b === '12' ? undefined : vmcsOf(cpu, '12');
  if (v12 && exists(v12, d)) {
    const [a, c] = halves(v12, d);
    if (a !== lo || c !== hi) {
      value += `  ${DIFFERS_MARK}`;
      extra.push({ name: 'VMCS12 value', value: fieldHex(d, a, c) });
    }
  }
  const info: VarNode[] = [
    { name: 'encoding', value: '0x' + d.encoding.toString(16).padStart(4, '0') },
    { name: 'width', value: widthName(d.width) },
    { name: 'SDM', value: `§${d.sdm}${d.readOnly ? ', read-only' : ''}` },
  ];
  const node: VarNode = { name: d.name, value, children: () => [...extra, ...info] };
  const space = addressSpaceOf(d);
  const addr = bigOfHalves(lo, hi);
  if (space && addr !== 0n) node.memoryReference = `${space}:0x${(space === 'gpa' ? addr & ~0xfffn : addr).toString(16)}`;
  if (b === '12') {
    node.evaluateName = d.name;
    node.dataId = d.name;
    node.set = (text) => writeVmcs12Field(cpu, d.name, text);
  }
  return node;
}

const TITLES: Record<VmcsBlock, string> = {
  '12': 'VMCS12',
  '02': 'VMCS02 (L0 runs L2 with it)',
  '01': 'VMCS01 (L0 runs L1 with it)',
};
const MISSING: Record<VmcsBlock, string> = {
  '12': 'L1 has no current VMCS',
  '02': 'L0 has no VMCS02 now (L2 not entered yet)',
  '01': 'L0 does not expose VMCS01',
};

function blockNodes(cpu: Cpu, b: VmcsBlock): VarNode[] {
  const v = vmcsOf(cpu, b);
  if (!v) return [{ name: 'not available', value: MISSING[b] }];
  return FIELD_GROUPS.map((g) => {
    const fields = VMCS_FIELDS.filter((d) => d.group === g && exists(v, d));
    return { name: g, value: `${fields.length} fields`, children: () => fields.map((d) => fieldNode(cpu, v, b, d)) };
  }).filter((n) => n.value !== '0 fields');
}

/** The VMCS12 scope of `cpu`, or undefined when it has no current VMCS. */
export function vmcs12Scope(cpu: Cpu): { name: string; nodes: () => VarNode[] } | undefined {
  const s = current(cpu);
  if (!s) return undefined;
  return { name: `VMCS12 (L1's current VMCS at 0x${s.currentVmcsPointer.toString(16)})`, nodes: () => blockNodes(cpu, '12') };
}

/** VMCS12, VMCS02, VMCS01 scopes of a vCPU with nested VMX in VMX operation (VMCS12 first); else none. */
export function vmcsScopes(cpu: Cpu): { name: string; nodes: () => VarNode[] }[] {
  const s = vmxStateOf(cpu);
  if (!s || !s.inVmxOperation) return [];
  const out: { name: string; nodes: () => VarNode[] }[] = [];
  const v12 = vmcs12Scope(cpu);
  if (v12) out.push(v12);
  for (const b of ['02', '01'] as VmcsBlock[]) out.push({ name: TITLES[b], nodes: () => blockNodes(cpu, b) });
  return out;
}

/** The value of VMCS field `name` in `cpu`'s current VMCS12, or undefined (no such field, no current VMCS). */
export function vmcsFieldValue(cpu: Cpu, name: string): bigint | undefined {
  const v = vmcsOf(cpu, '12');
  const d = fieldByName(name) ?? fieldByName(name.toUpperCase());
  if (!v || !d || !exists(v, d)) return undefined;
  const [lo, hi] = halves(v, d);
  return bigOfHalves(lo, hi);
}

/** Largest value a field holds on this CPU (VmcsProfile masks: natural width is 32-bit without Intel 64). */
function fieldMax(v: Vmcs, d: VmcsFieldDef): bigint {
  return bigOfHalves(v.profile.loMask[d.slot], v.profile.hiMask[d.slot]);
}

/**
 * Writes a field of the cached VMCS12 as VMWRITE would (SDM §31.3 VMWRITE:
 * unsupported component -> error 12, read-only exit-information field ->
 * error 13 unless IA32_VMX_MISC[29]), without VMWRITE's side effects (no
 * RFLAGS, no VM-instruction error). Unlike VMWRITE, a value wider than the
 * field is refused rather than truncated. Returns the new display value;
 * throws RangeError naming the field and the allowed range.
 */
export function writeVmcs12Field(cpu: Cpu, name: string, text: string): string {
  const d = fieldByName(name) ?? fieldByName(name.toUpperCase());
  if (!d) throw new RangeError(`no VMCS field named '${name}'`);
  const s = current(cpu);
  if (!s) throw new RangeError(`${d.name}: L1 has no current VMCS on this vCPU`);
  const v = s.vmcs12;
  if (!exists(v, d)) throw new RangeError(`${d.name} does not exist on this CPU (VMWRITE would fail with VM-instruction error 12)`);
  if (d.readOnly && !v.profile.vmwriteAnyField) {
    throw new RangeError(`${d.name} is a read-only VM-exit information field (SDM §${d.sdm}): VMWRITE fails with error 13 without IA32_VMX_MISC[29]`);
  }
  if (s.level === 2 && d.type === 'guest') {
    throw new RangeError(`${d.name}: L2 is running, its state is in the vCPU (edit the registers); VMCS12's guest area is written at the next VM exit`);
  }
  const t = text.trim().split(/\s/)[0];
  if (!/^(0x[0-9a-f]+|[0-9]+)$/i.test(t)) throw new RangeError(`${d.name}: '${text}' is not a number (use hex 0x.. or decimal)`);
  const x = BigInt(t);
  const max = fieldMax(v, d);
  if (x > max) throw new RangeError(`${d.name} is ${widthName(d.width)}: value must be 0..0x${max.toString(16)}`);
  const err = v.write(d.encoding, Number(x & 0xffffffffn), Number(x >> 32n));
  if (err) throw new RangeError(`${d.name}: VMWRITE would fail with VM-instruction error ${err}`);
  const [lo, hi] = halves(v, d);
  const decoded = decodeField(v, d);
  return fieldHex(d, lo, hi) + (decoded ? ` (${decoded})` : '');
}

/** Rows for the control-block viewer: every field existing in VMCS12 (or any block), with each block's value. */
export function vmcsRows(cpu: Cpu): { field: VmcsFieldDef; values: Partial<Record<VmcsBlock, string>>; decoded?: string }[] {
  const blocks = (['12', '02', '01'] as VmcsBlock[]).map((b) => [b, vmcsOf(cpu, b)] as const);
  const out: { field: VmcsFieldDef; values: Partial<Record<VmcsBlock, string>>; decoded?: string }[] = [];
  for (const d of VMCS_FIELDS) {
    const values: Partial<Record<VmcsBlock, string>> = {};
    for (const [b, v] of blocks) if (v && exists(v, d)) { const [lo, hi] = halves(v, d); values[b] = fieldHex(d, lo, hi); }
    if (Object.keys(values).length === 0) continue;
    const v12 = blocks[0][1];
    out.push({ field: d, values, decoded: v12 && values['12'] ? decodeField(v12, d) : undefined });
  }
  return out;
}
