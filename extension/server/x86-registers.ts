// x86-64 general-purpose register names grouped by the 64-bit register they
// are part of, with their width: enough to tell whether a statement touches
// the register that holds a VMCS encoding, and whether a MOV sets all of it.

const FAMILIES: Record<string, readonly [string, string, string, ...string[]]> = {
  rax: ['rax', 'eax', 'ax', 'al', 'ah'],
  rbx: ['rbx', 'ebx', 'bx', 'bl', 'bh'],
  rcx: ['rcx', 'ecx', 'cx', 'cl', 'ch'],
  rdx: ['rdx', 'edx', 'dx', 'dl', 'dh'],
  rsi: ['rsi', 'esi', 'si', 'sil'],
  rdi: ['rdi', 'edi', 'di', 'dil'],
  rbp: ['rbp', 'ebp', 'bp', 'bpl'],
  rsp: ['rsp', 'esp', 'sp', 'spl'],
};
for (let n = 8; n <= 15; n++) FAMILIES[`r${n}`] = [`r${n}`, `r${n}d`, `r${n}w`, `r${n}b`, `r${n}l`];

const BY_NAME = new Map<string, { family: string; width: 64 | 32 | 16 | 8 }>();
for (const [family, names] of Object.entries(FAMILIES)) {
  names.forEach((n, k) => BY_NAME.set(n, { family, width: k === 0 ? 64 : k === 1 ? 32 : k === 2 ? 16 : 8 }));
}

/** `%rbx` / `rbx` -> { family: 'rbx', width: 64 }; undefined if not a general-purpose register. */
export function gpr(operand: string): { family: string; width: 64 | 32 | 16 | 8 } | undefined {
  return BY_NAME.get(operand.replace(/^%/, '').toLowerCase());
}

/** Does this operand text mention any register of the family (as a whole word)? */
export function mentionsFamily(text: string, family: string): boolean {
  for (const w of text.toLowerCase().match(/[a-z0-9]+/g) ?? []) if (BY_NAME.get(w)?.family === family) return true;
  return false;
}
