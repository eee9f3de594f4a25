// Lookup of hypervisor names and numbers in the emulator's tables: by
// spelling (aliases.ts), by number (VMCS encodings, VMX MSR indices) and by
// VMCB struct member.

import { fieldByEncoding } from '../../emulator/vmx/fields';
import { vmxMsrDef } from '../../emulator/vmx/msrs';
import { VMCB_FIELDS, VmcbFieldDef } from '../../emulator/svm/vmcb-layout';
import { buildAliases } from './aliases';
import { squash } from './naming';
import type { SymbolRef } from './symbol';

/**
 * Hex literals below this are too common (masks, small constants) to be
 * read as a VMCS encoding or an MSR index unless the context says so (the
 * first argument of a VMREAD/VMWRITE accessor).
 */
export const BARE_NUMBER_MIN = 0x100;

export class SymbolIndex {
  /** All spellings, in table order (completion lists them). */
  readonly all: readonly SymbolRef[];
  private readonly byAlias = new Map<string, SymbolRef[]>();
  private readonly vmcbByMember = new Map<string, VmcbFieldDef>();

  constructor() {
    this.all = buildAliases();
    for (const r of this.all) {
      const list = this.byAlias.get(r.alias);
      if (list) list.push(r); else this.byAlias.set(r.alias, [r]);
    }
    for (const d of VMCB_FIELDS as readonly VmcbFieldDef[]) if (!d.reserved) this.vmcbByMember.set(squash(d.name), d);
  }

  /** Every symbol this exact spelling names (a bare name such as LOAD_IA32_PAT may name several). */
  byName(name: string): readonly SymbolRef[] {
    return this.byAlias.get(name) ?? [];
  }

  /**
   * Table rows a number may stand for. `vmcsOperand`: the number is a
   * VMREAD/VMWRITE field operand, so only the VMCS reading applies and no
   * size threshold.
   */
  byNumber(value: number, vmcsOperand: boolean): SymbolRef[] {
    const out: SymbolRef[] = [];
    if (!vmcsOperand && value < BARE_NUMBER_MIN) return out;
    const f = fieldByEncoding(value);
    if (f) out.push({ symbol: { kind: 'vmcs-field', def: f }, alias: f.name, highAccess: (value & 1) === 1 });
    if (vmcsOperand) return out;
    const m = vmxMsrDef(value);
    if (m) out.push({ symbol: { kind: 'vmx-msr', def: m }, alias: m.name, highAccess: false });
    return out;
  }

  /** `vmcb->control.exit_code`, `vmcb->save.rip`: the member compared without case and '_' (naming.ts). */
  vmcbMember(member: string): SymbolRef | undefined {
    const d = this.vmcbByMember.get(squash(member));
    return d && { symbol: { kind: 'vmcb-field', def: d }, alias: member, highAccess: false };
  }
}

let shared: SymbolIndex | undefined;
/** The index is immutable: one per process. */
export function symbolIndex(): SymbolIndex {
  return (shared ??= new SymbolIndex());
}
