// The `nestvirt/controlBlocks` and `nestvirt/setControlField` custom
// requests (protocol.ts): VMCS12 / VMCS02 / VMCS01 (or VMCB12 / VMCB02 /
// VMCB01) side by side for the extension's control-block viewer, and a
// validated edit of a VMCS12 / VMCB12 field. The rows come from the field
// tables through vmcs-variables.ts / vmcb-variables.ts; nothing here knows a
// field by name.
import type { Cpu } from '../emulator/x86/cpu';
import { vmxStateOf } from '../emulator/l0';
import { FIELD_GROUPS } from '../emulator/vmx';
import type { Machine } from '../emulator/machine/machine';
import { NESTVIRT_REQUEST, ControlBlocksResponse, ControlField, ControlGroup, SetControlFieldResponse } from './protocol';
import { ERR, RequestError } from './session-errors';
import { vmcsRows, writeVmcs12Field } from './vmcs-variables';
import { vmcbRows, writeVmcb12Field } from './vmcb-variables';

/** Side-by-side data of the vCPU's control blocks. */
export function controlBlocks(cpu: Cpu): ControlBlocksResponse {
  const svm = vmcbRows(cpu);
  if (svm) {
    const groups = new Map<string, ControlField[]>();
    for (const r of svm.rows) {
      const g = r.leaf.area === 'control' ? 'Control area' : r.leaf.parent !== r.leaf.name ? `State-save area: ${r.leaf.parent}` : 'State-save area';
      const differs = r.values['02'] !== undefined && r.values['12'] !== undefined && r.values['02'] !== r.values['12'];
      const f: ControlField = {
        name: r.leaf.name, key: '0x' + r.leaf.offset.toString(16).padStart(3, '0'), values: r.values,
        readOnly: r.leaf.kind === 'bytes', differs,
      };
      if (r.decoded) f.decoded = r.decoded;
      (groups.get(g) ?? groups.set(g, []).get(g)!).push(f);
    }
    return {
      arch: 'svm',
      available: svm.v.vmcb12 !== undefined,
      message: svm.v.vmcb12 ? `VMCB12 at L1 physical 0x${svm.v.vmcb12Address!.toString(16)}` : 'L1 has not run VMRUN yet (no VMCB12)',
      columns: ['VMCB12', 'VMCB02', 'VMCB01'],
      groups: [...groups].map(([name, fields]) => ({ name, fields })),
    };
  }
  const s = vmxStateOf(cpu);
  const columns: [string, string, string] = ['VMCS12', 'VMCS02', 'VMCS01'];
  if (!s) return { arch: 'vmx', available: false, message: 'this vCPU has no nested VMX or SVM (cpu policy without +vmx / +svm)', columns, groups: [] };
  const rows = vmcsRows(cpu);
  const groups: ControlGroup[] = FIELD_GROUPS.map((g) => ({
    name: g,
    fields: rows.filter((r) => r.field.group === g).map((r) => {
      const f: ControlField = {
        name: r.field.name, key: '0x' + r.field.encoding.toString(16).padStart(4, '0'), values: r.values,
        readOnly: r.field.readOnly && !s.vmcs12.profile.vmwriteAnyField,
        differs: r.values['02'] !== undefined && r.values['12'] !== undefined && r.values['02'] !== r.values['12'],
      };
      if (r.decoded) f.decoded = r.decoded;
      return f;
    }),
  })).filter((g) => g.fields.length > 0);
  const available = s.inVmxOperation && s.hasCurrentVmcs;
  return {
    arch: 'vmx', available,
    message: available ? `VMCS12 at L1 physical 0x${s.currentVmcsPointer.toString(16)}`
      : s.inVmxOperation ? 'L1 has no current VMCS (no VMPTRLD yet)' : 'L1 is not in VMX operation (no VMXON yet)',
    columns, groups,
  };
}

/** Edits a VMCS12 / VMCB12 field; RangeError names the field and the allowed values. */
export function setControlField(cpu: Cpu, name: string, value: string): SetControlFieldResponse {
  if (vmcbRows(cpu)) return { value: writeVmcb12Field(cpu, name, value) };
  if (!vmxStateOf(cpu)) throw new RangeError(`${name}: this vCPU has no nested VMX or SVM`);
  return { value: writeVmcs12Field(cpu, name, value) };
}

/** What the two requests need from the session. */
export interface ControlBlocksHost {
  /** Throws the session's RequestError unless launched and stopped. */
  requireStopped(): { machine: Machine };
  /** A field was edited: other views (variables, watches) must refresh. */
  edited(): void;
}

function argsOf(args: unknown, request: string): Record<string, unknown> {
  if (args === undefined || args === null) return {};
  if (typeof args !== 'object' || Array.isArray(args)) throw new RequestError(ERR.badRequest, `${request}: arguments must be an object`);
  return args as Record<string, unknown>;
}

function cpuOf(host: ControlBlocksHost, o: Record<string, unknown>, request: string): Cpu {
  const { machine } = host.requireStopped();
  const t = o.threadId ?? 1;
  if (typeof t !== 'number' || !Number.isInteger(t) || !machine.cpus[t - 1]) {
    throw new RequestError(ERR.badRequest, `${request}: threadId must be a thread 1..${machine.cpus.length}, got ${JSON.stringify(t)}`);
  }
  return machine.cpus[t - 1];
}

/** Plugs both requests into the session's custom-request dispatch (session-custom.ts `register`). */
export function registerControlBlocks(custom: { register(command: string, handler: (args: unknown) => { body: unknown }): void }, host: ControlBlocksHost): void {
  const R = NESTVIRT_REQUEST;
  custom.register(R.controlBlocks, (args) => ({ body: controlBlocks(cpuOf(host, argsOf(args, R.controlBlocks), R.controlBlocks)) }));
  custom.register(R.setControlField, (args) => {
    const o = argsOf(args, R.setControlField);
    const cpu = cpuOf(host, o, R.setControlField);
    if (typeof o.name !== 'string' || !o.name) throw new RequestError(ERR.badRequest, `${R.setControlField}: name must be a field name, got ${JSON.stringify(o.name)}`);
    if (typeof o.value !== 'string') throw new RequestError(ERR.badRequest, `${R.setControlField}: value must be a string like "0x1f", got ${JSON.stringify(o.value)}`);
    try {
      const body = setControlField(cpu, o.name, o.value);
      host.edited();
      return { body };
    } catch (e) {
      if (e instanceof RangeError) throw new RequestError(ERR.badRequest, e.message);
      throw e;
    }
  });
}
