// Every spelling of every table row (naming.ts has the conventions): the
// list the symbol index and completion are built from.

import { VMCS_FIELDS } from '../../emulator/vmx/fields';
import { CONTROL_BITS } from '../../emulator/vmx/controls';
import { EXIT_REASONS } from '../../emulator/vmx/exit-reasons';
import { VMX_MSRS } from '../../emulator/vmx/msrs';
import { VMCB_FIELDS, VmcbFieldDef } from '../../emulator/svm/vmcb-layout';
import { SVM_INTERCEPTS } from '../../emulator/svm/intercepts';
import { SVM_EXIT_CODES } from '../../emulator/svm/exit-codes';
import {
  CONTROL_PREFIX, EXIT_REASON_PREFIX, FULL_SUFFIX, HIGH_SUFFIX, INTERCEPT_PREFIXES, MSR_PREFIX, SVM_EXIT_LINUX_PREFIX,
  SVM_EXIT_TABLE_PREFIX, VMCB_PREFIX, VMCS_PREFIX, XEN_INTERCEPT_PREFIX_BY_WORD, hyperPlatformName,
} from './naming';
import type { SymbolRef } from './symbol';

function refs(out: SymbolRef[], symbol: SymbolRef['symbol'], names: readonly string[], highAccess = false): void {
  for (const alias of names) out.push({ symbol, alias, highAccess });
}

function vmcsAliases(out: SymbolRef[]): void {
  for (const def of VMCS_FIELDS) {
    const s = { kind: 'vmcs-field', def } as const;
    const n = def.name;
    refs(out, s, [n, VMCS_PREFIX + n, hyperPlatformName(n)]);
    // Only a 64-bit field has a high-access encoding (SDM Appendix B.2);
    // NAME_HIGH of any other field is an unsupported encoding that the
    // diagnostics report, so it is not a name here.
    if (def.width === 64) {
      refs(out, s, [n + FULL_SUFFIX, VMCS_PREFIX + n + FULL_SUFFIX]);
      refs(out, s, [n + HIGH_SUFFIX, VMCS_PREFIX + n + HIGH_SUFFIX, hyperPlatformName(n + HIGH_SUFFIX)], true);
    }
  }
}

function vmxAliases(out: SymbolRef[]): void {
  for (const def of CONTROL_BITS) {
    if (def.reserved) continue;
    refs(out, { kind: 'vmx-control', def }, [def.name, CONTROL_PREFIX[def.word] + def.name]);
  }
  for (const def of EXIT_REASONS) refs(out, { kind: 'vmx-exit-reason', def }, [EXIT_REASON_PREFIX + def.name, def.name]);
  for (const def of VMX_MSRS) refs(out, { kind: 'vmx-msr', def }, [def.name, MSR_PREFIX + def.name]);
}

/** Bare VMCB names only for the control area: save-area names (RIP, CR0, ES) are register names. */
function vmcbNames(def: VmcbFieldDef): string[] {
  return def.area === 'control' ? [def.name, VMCB_PREFIX + def.name] : [VMCB_PREFIX + def.name];
}

function svmAliases(out: SymbolRef[]): void {
  for (const def of VMCB_FIELDS as readonly VmcbFieldDef[]) {
    if (!def.reserved) refs(out, { kind: 'vmcb-field', def }, vmcbNames(def));
  }
  for (const def of SVM_INTERCEPTS) {
    const xen = XEN_INTERCEPT_PREFIX_BY_WORD[def.word];
    refs(out, { kind: 'svm-intercept', def }, [...INTERCEPT_PREFIXES.map((p) => p + def.name), ...(xen ? [xen + def.name] : [])]);
  }
  for (const def of SVM_EXIT_CODES) {
    const names = [def.name];
    if (def.name.startsWith(SVM_EXIT_TABLE_PREFIX)) names.push(SVM_EXIT_LINUX_PREFIX + def.name.slice(SVM_EXIT_TABLE_PREFIX.length));
    refs(out, { kind: 'svm-exit-code', def }, names);
  }
}

/** Every (spelling, symbol) pair, VMX first. */
export function buildAliases(): SymbolRef[] {
  const out: SymbolRef[] = [];
  vmcsAliases(out);
  vmxAliases(out);
  svmAliases(out);
  return out;
}
