// Hover: the table rows the token under the cursor names. Identifiers are
// looked up in every spelling (aliases.ts); a member of a VMCB access
// (`vmcb->control.exit_code`) by VMCB field; a hex number as a VMCS
// encoding or VMX MSR index (BARE_NUMBER_MIN), and any number when it is
// the field operand of a VMREAD/VMWRITE accessor.

import { findAccesses } from './accesses';
import { hoverText } from './hover-text';
import { LineMap, maskComments, parseIntLiteral, tokenAt, Token } from './source-text';
import type { SymbolRef } from './symbol';
import { symbolIndex, SymbolIndex } from './symbol-index';
import type { Position, Range, SourceKind } from './types';

export interface HvHover {
  readonly markdown: string;
  readonly range: Range;
  readonly refs: readonly SymbolRef[];
}

/** `x->vmcb->save.rip`, `vmcb.control.exit_code`: the access path before the member mentions a VMCB. */
function vmcbMemberContext(text: string, tok: Token): boolean {
  const before = text.slice(Math.max(0, tok.start - 80), tok.start);
  const path = /((?:[A-Za-z_]\w*\s*(?:->|\.)\s*)+)$/.exec(before);
  return !!path && /vmcb/i.test(path[1]);
}

function isVmcsOperand(text: string, kind: SourceKind, tok: Token): boolean {
  return findAccesses(maskComments(text, kind), kind).some((a) => tok.start >= a.operandStart && tok.end <= a.operandEnd);
}

function refsFor(text: string, kind: SourceKind, tok: Token, index: SymbolIndex): SymbolRef[] {
  if (tok.kind === 'number') {
    const v = parseIntLiteral(tok.text);
    if (v === undefined) return [];
    if (isVmcsOperand(text, kind, tok)) return index.byNumber(v, true);
    return /^0x/i.test(tok.text) ? index.byNumber(v, false) : [];
  }
  const named = index.byName(tok.text);
  if (named.length) return [...named];
  if (vmcbMemberContext(text, tok)) {
    const m = index.vmcbMember(tok.text);
    if (m) return [m];
  }
  return [];
}

export function hoverAt(text: string, kind: SourceKind, pos: Position, index: SymbolIndex = symbolIndex()): HvHover | undefined {
  const lines = new LineMap(text);
  const tok = tokenAt(text, lines.offsetAt(pos));
  if (!tok) return undefined;
  const refs = refsFor(text, kind, tok, index);
  if (!refs.length) return undefined;
  return { markdown: refs.map(hoverText).join('\n\n---\n\n'), range: lines.range(tok.start, tok.end), refs };
}
