// Completion of hypervisor names. Inside the field operand of a VMREAD/
// VMWRITE accessor call (C) only VMCS fields are offered: by name, or by
// encoding once a digit is typed. Elsewhere every table spelling that
// starts with the typed word (at least one character) is offered, one item
// per symbol: its shortest matching spelling, so `SVM_EXIT_` lists Linux
// names and `VMEXIT_` the APM's.

import { VMCS_FIELDS } from '../../emulator/vmx/fields';
import { ACCESSOR_NAME } from './c-accessors';
import { hoverText } from './hover-text';
import { LineMap, hex4 } from './source-text';
import type { HvSymbolKind, SymbolRef } from './symbol';
import { symbolIndex, SymbolIndex } from './symbol-index';
import type { Position, SourceKind } from './types';

export interface HvCompletion {
  readonly label: string;
  readonly kind: HvSymbolKind;
  readonly detail: string;
  readonly documentation: string;
  readonly sortText: string;
}

export interface HvCompletionList {
  /** True when typing on may bring other items (the server filtered by the typed prefix). */
  readonly isIncomplete: boolean;
  readonly items: HvCompletion[];
}

const KIND_ORDER: readonly HvSymbolKind[] = ['vmcs-field', 'vmx-control', 'vmx-exit-reason', 'vmx-msr', 'vmcb-field', 'svm-intercept', 'svm-exit-code'];

function detail(ref: SymbolRef): string {
  const s = ref.symbol;
  switch (s.kind) {
    case 'vmcs-field': return `VMCS ${hex4(s.def.encoding | (ref.highAccess ? 1 : 0))}${ref.highAccess ? ' high' : ''} · ${s.def.group}`;
    case 'vmx-control': return `VMX control · ${s.def.word} bit ${s.def.bit}`;
    case 'vmx-exit-reason': return `VMX exit reason ${s.def.number}`;
    case 'vmx-msr': return `MSR ${hex4(s.def.index)}`;
    case 'vmcb-field': return `VMCB +0x${s.def.offset.toString(16).padStart(3, '0')}`;
    case 'svm-intercept': return `SVM intercept · word ${s.def.word} bit ${s.def.bit}`;
    case 'svm-exit-code': return `SVM exit code ${s.def.code >= 0 ? '0x' + s.def.code.toString(16) : s.def.code}`;
  }
}

function item(ref: SymbolRef, label = ref.alias): HvCompletion {
  return {
    label, kind: ref.symbol.kind, detail: detail(ref), documentation: hoverText(ref),
    sortText: `${KIND_ORDER.indexOf(ref.symbol.kind)}_${label}`,
  };
}

/** The identifier/number characters just left of the cursor. */
function typedPrefix(line: string): string {
  return /[A-Za-z0-9_]*$/.exec(line)?.[0] ?? '';
}

/** Is the cursor in the first argument of an accessor call: `vmcs_write32(` + optional cast + prefix? */
function inAccessorOperand(line: string): boolean {
  const m = /\b([A-Za-z_]\w*)\s*\(\s*(?:\([^()]*\)\s*)?(?:[A-Za-z_]\w*::)*[A-Za-z0-9_]*$/.exec(line);
  return !!m && ACCESSOR_NAME.test(m[1]);
}

function vmcsItems(prefix: string, index: SymbolIndex): HvCompletion[] {
  if (/^[0-9]/.test(prefix)) {
    return VMCS_FIELDS.map((def) => item({ symbol: { kind: 'vmcs-field', def }, alias: def.name, highAccess: false }, hex4(def.encoding)))
      .filter((c) => c.label.startsWith(prefix.toLowerCase()));
  }
  return prefixItems(prefix, index).filter((c) => c.kind === 'vmcs-field');
}

function prefixItems(prefix: string, index: SymbolIndex): HvCompletion[] {
  const p = prefix.toLowerCase();
  // Shortest matching spelling per (symbol, high access).
  const best = new Map<string, SymbolRef>();
  for (const r of index.all) {
    if (!r.alias.toLowerCase().startsWith(p)) continue;
    const key = `${r.symbol.kind}:${r.symbol.def.name}:${r.symbol.kind === 'vmx-control' ? r.symbol.def.word : ''}:${r.highAccess}`;
    const prev = best.get(key);
    if (!prev || r.alias.length < prev.alias.length) best.set(key, r);
  }
  return [...best.values()].map((r) => item(r));
}

export function completeAt(text: string, _kind: SourceKind, pos: Position, index: SymbolIndex = symbolIndex()): HvCompletionList {
  const lines = new LineMap(text);
  const offset = lines.offsetAt(pos);
  const line = text.slice(lines.offsetAt({ line: pos.line, character: 0 }), offset);
  const prefix = typedPrefix(line);
  if (inAccessorOperand(line)) return { isIncomplete: prefix === '', items: vmcsItems(prefix, index) };
  if (!prefix || /^[0-9]/.test(prefix)) return { isIncomplete: true, items: [] };
  return { isIncomplete: true, items: prefixItems(prefix, index) };
}
