// A VMREAD or VMWRITE found in a source: which accessor, what width its
// name promises, and the text of its field-encoding operand. c-accessors.ts
// and asm-accessors.ts find them; diagnostics and hover read them.

import type { FieldWidth } from '../../emulator/vmx/fields';

export interface VmcsAccess {
  readonly op: 'read' | 'write';
  /** `vmcs_write32`, `__vmwrite`, `vmwrite` ... as written. */
  readonly accessor: string;
  /** The width the accessor's name states (Linux vmcs_read16/32/64, vmcs_readl = natural), if any. */
  readonly width?: FieldWidth;
  /** The field operand (C: the first argument; asm: the immediate moved into the encoding register). */
  readonly operand: string;
  readonly operandStart: number;
  readonly operandEnd: number;
  /** Where a diagnostic about the access goes (the call, or the instruction). */
  readonly start: number;
  readonly end: number;
  /** How the operand was traced, for messages ("%rbx = $0x4402, line 12"). */
  readonly via?: string;
}

/** Accessor-name suffix -> width: 16/32/64, and Linux's `l` (unsigned long) = natural width. */
export function suffixWidth(suffix: string | undefined): FieldWidth | undefined {
  if (!suffix) return undefined;
  if (suffix === 'l' || suffix === 'L') return 'natural';
  return Number(suffix) as 16 | 32 | 64;
}
