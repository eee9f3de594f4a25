// What VMCS field a VMREAD/VMWRITE field operand names: a table name in any
// spelling, NAME_HIGH, a number, or a local constant that is one of these.
// Whether the encoding is a supported VMCS component is the emulator's
// question (encodingProblem, SDM Appendix B), asked here unchanged.

import { encodingProblem, fieldByEncoding, VmcsFieldDef } from '../../emulator/vmx/fields';
import { HIGH_SUFFIX } from './naming';
import { parseIntLiteral } from './source-text';
import type { Defines } from './defines';
import type { SymbolIndex } from './symbol-index';
import { vmcsEncodingOf } from './symbol';

export interface VmcsOperand {
  /** The encoding the operand evaluates to. */
  readonly encoding: number;
  /** The field it names, if the encoding is supported. */
  readonly field?: VmcsFieldDef;
  readonly highAccess: boolean;
  /** Why the encoding is not a supported VMCS component (VMREAD/VMWRITE fail), or null. */
  readonly problem: string | null;
}

/** Casts and parentheses around an operand: `(u32)(GUEST_RIP)` -> `GUEST_RIP`. */
function unwrap(text: string): string {
  let t = text.trim();
  for (;;) {
    const cast = /^\(\s*(?:const\s+|unsigned\s+|signed\s+)*[A-Za-z_]\w*(?:\s+[A-Za-z_]\w*)*\s*\**\s*\)\s*(?=[\w(])/.exec(t);
    if (cast) { t = t.slice(cast[0].length).trim(); continue; }
    if (t.startsWith('(') && t.endsWith(')') && balanced(t.slice(1, -1))) { t = t.slice(1, -1).trim(); continue; }
    return t;
  }
}

function balanced(s: string): boolean {
  let d = 0;
  for (const c of s) { if (c === '(') d++; else if (c === ')' && --d < 0) return false; }
  return d === 0;
}

function fromEncoding(encoding: number): VmcsOperand {
  const field = fieldByEncoding(encoding);
  return { encoding, field, highAccess: (encoding & 1) === 1, problem: encodingProblem(encoding) };
}

/** The operand's VMCS meaning, or undefined if it is not recognisably a field (a variable, an expression). */
export function resolveVmcsOperand(text: string, index: SymbolIndex, defines: Defines, depth = 0): VmcsOperand | undefined {
  const t = unwrap(text);
  const n = parseIntLiteral(t);
  if (n !== undefined) return fromEncoding(n);
  // C++ scoped enumerators (HyperPlatform `VmcsField::kGuestRip`).
  const ident = /^(?:[A-Za-z_]\w*::)*([A-Za-z_]\w*)$/.exec(t)?.[1];
  if (!ident) return undefined;
  for (const r of index.byName(ident)) {
    const enc = vmcsEncodingOf(r);
    if (enc !== undefined) return fromEncoding(enc);
  }
  // NAME_HIGH of a field that has no high half: the encoding exists only as a mistake.
  if (ident.endsWith(HIGH_SUFFIX)) {
    const base = ident.slice(0, -HIGH_SUFFIX.length);
    const f = index.byName(base).find((r) => r.symbol.kind === 'vmcs-field');
    if (f) return fromEncoding((vmcsEncodingOf(f) ?? 0) | 1);
  }
  const def = defines.get(ident);
  if (def !== undefined && depth < 4) return resolveVmcsOperand(def, index, defines, depth + 1);
  return undefined;
}
