// Debug-console completions (DAP `completions`): the word before the cursor
// completed from what `evaluate` understands (evaluate.ts): register names
// (with or without `$`), VMCS12 field names, VMCB12 field names, ELF
// symbols of the running level, address-space prefixes and C type names.
import type { DebugProtocol } from '@vscode/debugprotocol';
import { parseElf, SHN_UNDEF, STT_FUNC, STT_OBJECT, STT_NOTYPE } from '../emulator/machine/elf';
import { GPR64, GPR32, SEG_NAMES } from '../emulator/x86/regs';
import { VMCS_FIELDS } from '../emulator/vmx';
import { VMCB_LEAVES } from '../emulator/svm';
import { ADDRESS_SPACES } from './memory-references';

/** Names `readRegister` (registers.ts) accepts beyond the GPRs. */
const OTHER_REGISTERS = ['rip', 'eip', 'rflags', 'eflags', 'cr0', 'cr2', 'cr3', 'cr4', 'efer', 'cpl'];
export const REGISTER_NAMES: readonly string[] = [...GPR64, ...GPR32, ...OTHER_REGISTERS, ...SEG_NAMES];

export interface CompletionSources {
  /** VMCS fields apply (a vCPU with nested VMX). */
  vmx: boolean;
  /** VMCB fields apply (a vCPU with nested SVM). */
  svm: boolean;
  /** Symbol names of the running level. */
  symbols: readonly string[];
}

const namesOf = new WeakMap<Uint8Array, string[]>();

/** Defined function and data symbol names of an ELF file (empty for anything else); parsed once per file. */
export function elfSymbolNames(bytes: Uint8Array): string[] {
  const known = namesOf.get(bytes);
  if (known) return known;
  const names = parseNames(bytes);
  namesOf.set(bytes, names);
  return names;
}

function parseNames(bytes: Uint8Array): string[] {
  try {
    const elf = parseElf(bytes);
    const out = new Set<string>();
    for (const s of elf.symbols) {
      if (!s.name || s.shndx === SHN_UNDEF) continue;
      if (s.type === STT_FUNC || s.type === STT_OBJECT || s.type === STT_NOTYPE) out.add(s.name);
    }
    return [...out].sort();
  } catch {
    return [];
  }
}

/**
 * Completions for `text` with the cursor at `column` (0-based); each item's
 * `start` is 0-based and `length` covers the word it replaces.
 */
export function completions(text: string, column: number, src: CompletionSources): DebugProtocol.CompletionItem[] {
  const col = Math.max(0, Math.min(column, text.length));
  let start = col;
  while (start > 0 && /[A-Za-z0-9_.$]/.test(text[start - 1])) start--;
  const word = text.slice(start, col);
  const length = word.length;
  const items: DebugProtocol.CompletionItem[] = [];
  const add = (label: string, type: DebugProtocol.CompletionItemType, detail?: string): void => {
    const item: DebugProtocol.CompletionItem = { label, type, start, length };
    if (detail) item.detail = detail;
    items.push(item);
  };
  if (word.startsWith('$')) {
    const p = word.slice(1).toLowerCase();
    for (const r of REGISTER_NAMES) if (r.startsWith(p)) add('$' + r, 'variable', 'register');
    return items;
  }
  const lower = word.toLowerCase();
  const upper = word.toUpperCase();
  for (const r of REGISTER_NAMES) if (r.startsWith(lower)) add(r, 'variable', 'register');
  for (const s of ADDRESS_SPACES) if (s.startsWith(lower)) add(s + ':', 'keyword', 'address space (memory reads: [l2:0x401000])');
  if (src.vmx) for (const d of VMCS_FIELDS) if (d.name.startsWith(upper)) add(d.name, 'property', 'VMCS12 field');
  if (src.svm) {
    for (const l of VMCB_LEAVES) {
      const n = `VMCB12.${l.name}`;
      if (n.toUpperCase().startsWith(upper) || l.name.startsWith(upper)) add(n, 'property', 'VMCB12 field');
    }
  }
  for (const s of src.symbols) if (s.startsWith(word)) add(s, 'function', 'symbol (its address)');
  // A console list longer than this helps nobody; the user types more.
  return items.slice(0, 500);
}
