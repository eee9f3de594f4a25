// Diagnostics on VMREAD/VMWRITE field operands (c-accessors.ts and
// asm-accessors.ts say which accesses are recognised):
//   unsupported-encoding  the operand is not a supported VMCS component: a
//                         number that names no field, reserved encoding bits,
//                         NAME_HIGH / an odd encoding of a field that is not
//                         64-bit (emulator encodingProblem, SDM Appendix B).
//   read-only-write       VMWRITE to a VM-exit information field (§25.9).
//   accessor-width        a width-suffixed accessor (Linux vmcs_read16/32/64/l)
//                         that does not match the field's width.
//   high-access-64        a 64-bit accessor given the high-access encoding:
//                         that encoding reaches bits 63:32 only (§25.11.2).

import { widthName, FieldWidth, VmcsFieldDef } from '../../emulator/vmx/fields';
import { IA32_VMX_MISC, vmxMsrDef } from '../../emulator/vmx/msrs';
import { findAccesses } from './accesses';
import { collectDefines } from './defines';
import { LineMap, hex4, maskComments, parseIntLiteral } from './source-text';
import { symbolIndex, SymbolIndex } from './symbol-index';
import { Range, Severity, SourceKind } from './types';
import type { VmcsAccess } from './vmcs-access';
import { resolveVmcsOperand } from './vmcs-operand';

export type DiagnosticCode = 'unsupported-encoding' | 'read-only-write' | 'accessor-width' | 'high-access-64';

export interface HvDiagnostic {
  readonly range: Range;
  readonly severity: Severity;
  readonly code: DiagnosticCode;
  readonly message: string;
}

/** Does an accessor of width `a` fit a field of width `f`? Natural width = 64 bits on the x86-64 hosts we target. */
function widthFits(a: FieldWidth, f: FieldWidth): boolean {
  if (a === 16 || a === 32 || f === 16 || f === 32) return a === f;
  return true;
}

function where(a: VmcsAccess): string {
  return a.via ? ` (${a.via})` : '';
}

/** `GUEST_RIP_HIGH = 0x681f`; a number stays as written. */
function shown(operand: string, encoding: number): string {
  return parseIntLiteral(operand) !== undefined ? operand : `${operand} = ${hex4(encoding)}`;
}

function fieldLabel(f: VmcsFieldDef): string {
  return `${f.name} (${hex4(f.encoding)}, ${widthName(f.width)})`;
}

function check(a: VmcsAccess, index: SymbolIndex, defines: ReturnType<typeof collectDefines>): { severity: Severity; code: DiagnosticCode; message: string }[] {
  const r = resolveVmcsOperand(a.operand, index, defines);
  if (!r) return [];
  const insn = a.op === 'write' ? 'VMWRITE' : 'VMREAD';
  if (r.problem || !r.field) {
    return [{ severity: Severity.Error, code: 'unsupported-encoding',
      message: `${a.accessor}: field operand ${shown(a.operand, r.encoding)} is not a supported VMCS component: ${r.problem}; ${insn} fails${where(a)}` }];
  }
  const f = r.field;
  const out: { severity: Severity; code: DiagnosticCode; message: string }[] = [];
  if (a.op === 'write' && f.readOnly) {
    const misc = vmxMsrDef(IA32_VMX_MISC);
    out.push({ severity: Severity.Warning, code: 'read-only-write',
      message: `${a.accessor}: ${fieldLabel(f)} is a read-only VM-exit information field; VMWRITE fails unless the CPU allows VMWRITE to any field (${misc?.name ?? 'IA32_VMX_MISC'}, SDM ${misc?.sdm ?? ''}); SDM §${f.sdm}${where(a)}` });
  }
  if (r.highAccess && a.width === 64) {
    out.push({ severity: Severity.Warning, code: 'high-access-64',
      message: `${a.accessor}: ${a.operand} is the high-access encoding ${hex4(r.encoding)}, which reaches only bits 63:32 of ${f.name}; a 64-bit access uses the full encoding ${hex4(f.encoding)}` });
  } else if (a.width !== undefined && !widthFits(a.width, r.highAccess ? 32 : f.width)) {
    out.push({ severity: Severity.Warning, code: 'accessor-width',
      message: `${a.accessor} is a ${widthName(a.width)} accessor but ${r.highAccess ? `the high-access encoding of ${f.name} is 32 bits wide` : `${f.name} is ${widthName(f.width)}`}` });
  }
  return out;
}

/** All diagnostics of a document. */
export function diagnose(text: string, kind: SourceKind, index: SymbolIndex = symbolIndex()): HvDiagnostic[] {
  const masked = maskComments(text, kind);
  const defines = collectDefines(masked);
  const lines = new LineMap(text);
  const out: HvDiagnostic[] = [];
  for (const a of findAccesses(masked, kind)) {
    for (const d of check(a, index, defines)) out.push({ ...d, range: lines.range(a.start, a.end) });
  }
  return out;
}
