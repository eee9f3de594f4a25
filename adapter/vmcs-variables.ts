// The "VMCS12" scope of the Variables view: the VMCS L1 has current on a
// vCPU, as L0 caches it (what VMREAD returns), grouped as the SDM groups the
// fields (vmx/fields.ts FIELD_GROUPS), with controls, access rights, the exit
// reason and the exit qualification decoded. Also the VMCS field names
// `evaluate` understands.
import type { Cpu } from '../emulator/x86/cpu';
import { vmxStateOf, VmxVcpuState } from '../emulator/l0';
import {
  VMCS_FIELDS, FIELD_GROUPS, VmcsFieldDef, fieldByName, widthName,
  CONTROL_FIELD, ControlWord, decodeControls, describeExitReason, decodeQualification, VMCS,
} from '../emulator/vmx';
import { VarNode, hex32, bigOfHalves } from './registers';

const CONTROL_WORD_OF: ReadonlyMap<string, ControlWord> = new Map(
  (Object.entries(CONTROL_FIELD) as [ControlWord, string][]).map(([w, f]) => [f, w]),
);

/** L0's VMX state of `cpu` if it is in VMX operation with a current VMCS. */
function current(cpu: Cpu): VmxVcpuState | undefined {
  const s = vmxStateOf(cpu);
  return s && s.inVmxOperation && s.hasCurrentVmcs ? s : undefined;
}

function exists(s: VmxVcpuState, d: VmcsFieldDef): boolean {
  return s.vmcs12.profile.supported[d.slot] === 1;
}

function halves(s: VmxVcpuState, d: VmcsFieldDef): [number, number] {
  const i = d.slot << 1;
  return [s.vmcs12.data[i] >>> 0, s.vmcs12.data[i + 1] >>> 0];
}

/** The value of a field in its width: 16-bit 4 digits, 32-bit 8, 64-bit and natural width 16. */
function fieldHex(d: VmcsFieldDef, lo: number, hi: number): string {
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

function fieldNode(s: VmxVcpuState, d: VmcsFieldDef): VarNode {
  const [lo, hi] = halves(s, d);
  let value = fieldHex(d, lo, hi);
  const extra: VarNode[] = [];
  const word = CONTROL_WORD_OF.get(d.name);
  if (word) {
    // Reserved default-1 bits are always set: only the named controls are listed.
    const names = decodeControls(word, lo, hi, { omitDefault1: true });
    value += names.length ? ` (${names.join(' | ')})` : ' (none)';
    names.forEach((n) => extra.push({ name: n, value: 'set' }));
  } else if (d.name === 'VM_EXIT_REASON') {
    value += ` ${describeExitReason(lo)}`;
  } else if (d.name === 'EXIT_QUALIFICATION') {
    const reason = s.vmcs12.lo(VMCS.VM_EXIT_REASON) & 0xffff;
    const text = decodeQualification(reason, lo, hi, s.vmcs12.lo(VMCS.VM_EXIT_INTR_INFO));
    if (text) {
      value += ` (${text})`;
      extra.push({ name: 'decoded', value: text });
    }
  } else if (d.name.endsWith('_AR_BYTES')) {
    extra.push(...accessRights(lo));
  }
  const info: VarNode[] = [
    { name: 'encoding', value: '0x' + d.encoding.toString(16).padStart(4, '0') },
    { name: 'width', value: widthName(d.width) },
    { name: 'SDM', value: `§${d.sdm}${d.readOnly ? ', read-only' : ''}` },
  ];
  return { name: d.name, value, evaluateName: d.name, children: () => [...extra, ...info] };
}

/** The VMCS12 scope of `cpu`, or undefined when it has no current VMCS. */
export function vmcs12Scope(cpu: Cpu): { name: string; nodes: () => VarNode[] } | undefined {
  const s = current(cpu);
  if (!s) return undefined;
  const name = `VMCS12 (L1's current VMCS at 0x${s.currentVmcsPointer.toString(16)})`;
  const nodes = (): VarNode[] => {
    const st = current(cpu);
    if (!st) return [];
    return FIELD_GROUPS.map((g) => {
      const fields = VMCS_FIELDS.filter((d) => d.group === g && exists(st, d));
      return { name: g, value: `${fields.length} fields`, children: () => fields.map((d) => fieldNode(st, d)) };
    }).filter((n) => n.value !== '0 fields');
  };
  return { name, nodes };
}

/** The value of VMCS field `name` in `cpu`'s current VMCS12, or undefined (no such field, no current VMCS). */
export function vmcsFieldValue(cpu: Cpu, name: string): bigint | undefined {
  const s = current(cpu);
  if (!s) return undefined;
  const d = fieldByName(name) ?? fieldByName(name.toUpperCase());
  if (!d || !exists(s, d)) return undefined;
  const [lo, hi] = halves(s, d);
  return bigOfHalves(lo, hi);
}
