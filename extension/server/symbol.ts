// One fact from one emulator table, as the language server sees it. The
// `def` is the table row itself (never a copy), so hover and completion
// show exactly what the emulator runs on.

import type { VmcsFieldDef } from '../../emulator/vmx/fields';
import type { ControlBitDef } from '../../emulator/vmx/controls';
import type { ExitReasonDef } from '../../emulator/vmx/exit-reasons';
import type { VmxMsrDef } from '../../emulator/vmx/msrs';
import type { VmcbFieldDef } from '../../emulator/svm/vmcb-layout';
import type { SvmIntercept } from '../../emulator/svm/intercepts';
import type { SvmExitCode } from '../../emulator/svm/exit-codes';

export type HvSymbol =
  | { readonly kind: 'vmcs-field'; readonly def: VmcsFieldDef }
  | { readonly kind: 'vmx-control'; readonly def: ControlBitDef }
  | { readonly kind: 'vmx-exit-reason'; readonly def: ExitReasonDef }
  | { readonly kind: 'vmx-msr'; readonly def: VmxMsrDef }
  | { readonly kind: 'vmcb-field'; readonly def: VmcbFieldDef }
  | { readonly kind: 'svm-intercept'; readonly def: SvmIntercept }
  | { readonly kind: 'svm-exit-code'; readonly def: SvmExitCode };

export type HvSymbolKind = HvSymbol['kind'];

/** A symbol as one spelling names it: `GUEST_IA32_PAT_HIGH` is the PAT field, high access. */
export interface SymbolRef {
  readonly symbol: HvSymbol;
  /** The spelling that matched. */
  readonly alias: string;
  /** A VMCS field through its high-access encoding (bits 63:32 of a 64-bit field). */
  readonly highAccess: boolean;
}

/** The canonical name: the table's own. */
export function symbolName(s: HvSymbol): string {
  return s.def.name;
}

/** The VMCS encoding a reference stands for (full or high access), or undefined for non-VMCS symbols. */
export function vmcsEncodingOf(ref: SymbolRef): number | undefined {
  return ref.symbol.kind === 'vmcs-field' ? ref.symbol.def.encoding | (ref.highAccess ? 1 : 0) : undefined;
}
