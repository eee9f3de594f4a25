// Exception vectors as AMD defines them (APM vol 2 §8.2 Table 8-1 "Interrupt
// Vector Source and Cause"), for exit-code names, EXITINFO text and the
// EVENTINJ vector check (APM §15.20).

export interface ExceptionVector {
  readonly vector: number;
  /** '#PF', or '' for a reserved vector. */
  readonly mnemonic: string;
  readonly name: string;
  /** Pushes an error code when delivered (APM Table 8-1). */
  readonly errorCode: boolean;
  /** A real exception on AMD64 (false: reserved; vector 2 is NMI, not an exception). */
  readonly defined: boolean;
  /** CPU feature without which the vector does not exist. */
  readonly feature?: 'cet' | 'sev-es' | 'sev-snp';
}

const x = (vector: number, mnemonic: string, name: string, errorCode = false, defined = true, feature?: ExceptionVector['feature']): ExceptionVector =>
  ({ vector, mnemonic, name, errorCode, defined, feature });

export const EXCEPTION_VECTORS: readonly ExceptionVector[] = [
  x(0, '#DE', 'divide-by-zero error'),
  x(1, '#DB', 'debug'),
  x(2, 'NMI', 'non-maskable interrupt', false, false),
  x(3, '#BP', 'breakpoint'),
  x(4, '#OF', 'overflow'),
  x(5, '#BR', 'bound range'),
  x(6, '#UD', 'invalid opcode'),
  x(7, '#NM', 'device not available'),
  x(8, '#DF', 'double fault', true),
  x(9, '', 'coprocessor segment overrun (reserved)', false, false),
  x(10, '#TS', 'invalid TSS', true),
  x(11, '#NP', 'segment not present', true),
  x(12, '#SS', 'stack', true),
  x(13, '#GP', 'general protection', true),
  x(14, '#PF', 'page fault', true),
  x(15, '', 'reserved', false, false),
  x(16, '#MF', 'x87 floating-point'),
  x(17, '#AC', 'alignment check', true),
  x(18, '#MC', 'machine check'),
  x(19, '#XF', 'SIMD floating-point'),
  x(20, '', 'reserved (#VE on Intel)', false, false),
  x(21, '#CP', 'control protection', true, true, 'cet'),
  x(22, '', 'reserved', false, false),
  x(23, '', 'reserved', false, false),
  x(24, '', 'reserved', false, false),
  x(25, '', 'reserved', false, false),
  x(26, '', 'reserved', false, false),
  x(27, '', 'reserved', false, false),
  x(28, '#HV', 'hypervisor injection (SEV-SNP; accepted by KVM for EVENTINJ)'),
  x(29, '#VC', 'VMM communication', true, true, 'sev-es'),
  x(30, '#SX', 'security', true),
  x(31, '', 'reserved', false, false),
];

/** "#PF" / "vector 22" for text. */
export function vectorName(vector: number): string {
  const e = EXCEPTION_VECTORS[vector];
  return e && e.mnemonic ? e.mnemonic : `vector ${vector}`;
}
