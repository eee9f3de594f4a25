// The shape of the x86 opcode table (DESIGN.md "One table per domain").
// One entry per opcode form drives the decoder, the AT&T disassembler, the
// decoder tests and execution (via the handler registry in exec/index.ts).

/** Entry flags. */
export const enum F {
  None = 0,
  /** Operand size defaults to 64 in 64-bit mode (SDM vol 2A, 2.2.1.7 table 2-5). */
  D64 = 1 << 0,
  /** Operand size forced to 64 in 64-bit mode, 66h ignored (Intel behaviour for near branches). */
  F64 = 1 << 1,
  /** Invalid in 64-bit mode (#UD). */
  I64 = 1 << 2,
  /** Valid only in 64-bit mode. */
  O64 = 1 << 3,
  /** LOCK prefix allowed (with a memory destination; SDM vol 2A, LOCK). */
  LOCK = 1 << 4,
  /** Ends a decoded block: changes RIP, mode, paging, or must be observed at a boundary. */
  END = 1 << 5,
  /** Has a ModRM byte even though no operand names it. */
  MODRM = 1 << 6,
  /** Memory form only: the register form is #UD (or another entry). */
  MEMONLY = 1 << 7,
  /** Takes REP/REPE/REPNE (string instructions). */
  REP = 1 << 8,
  /** 16/32-bit operand size only: REX.W ignored, e.g. far jumps in compat terms. */
  NOREXW = 1 << 9,
  /** Privileged: #GP(0) unless CPL 0 (checked by the handler; informative here). */
  PRIV = 1 << 10,
  /** SSE instruction: CR0.EM/TS and CR4.OSFXSR rules apply (SDM vol 3A, 13.1 / table 2-21). */
  SSE = 1 << 11,
  /** Operand size is 32 in legacy/compat and 64 in 64-bit mode (MOV CR/DR). */
  SYS64 = 1 << 12,
  /**
   * Reached through a mandatory-prefix split but does not consume the prefix: the
   * slot repeats the no-prefix entry (hint NOPs, BSF under 66, ...). 66 then stays the
   * operand-size prefix and F2/F3 stay (unused) repeat prefixes.
   */
  NOMAND = 1 << 13,
  /** MPX addressing: 67 is ignored in 64-bit mode and RIP-relative operands are #UD. */
  MPX = 1 << 14,
  /**
   * In an F2/F3 slot: the prefix is ignored and selection continues as if it were absent
   * (F2 90 is NOP and 66 F2 90 is XCHG AX, AX).
   */
  FALLBACK = 1 << 15,
}

export interface OpEntry {
  /** Mnemonic as objdump prints it in AT&T syntax, without a size suffix. */
  m: string;
  /** Operand specs in Intel order (SDM vol 2D appendix A notation: Eb, Gv, Iz, Jb, ...). */
  ops: string[];
  f: number;
  /** Handler key when it differs from the mnemonic. */
  h?: string;
  /** Resolved handler (filled by the table builder from the registry). */
  exec?: (cpu: any, i: any) => void;
  /**
   * Mnemonics selected by the trailing imm8 (3DNow! 0F 0F /r ib); an imm8 not listed
   * is an undefined opcode.
   */
  sub?: Record<number, string>;
}

/**
 * Decoding tree node: an entry, or a split on the next field.
 * - `reg`: ModRM.reg selects (groups, "/digit")
 * - `mod`: [memory form, register form]
 * - `rm`: ModRM.rm selects in the register form (mod=3)
 * - `pfx`: mandatory prefix selects [none, 66, F3, F2]
 * - `w`: REX.W selects [W0, W1]
 * - `mode`: [16/32-bit modes, 64-bit mode]
 * - `osz`: operand size selects [16, 32, 64] (CBW/CWDE/CDQE share an opcode)
 * - `rexb`: REX.B selects [clear, set] (90 is NOP, but XCHG r8, rAX with REX.B)
 * - `riprel`: [any other operand, RIP-relative memory operand in 64-bit mode]
 *   (PREFETCHIT0/1 exist only with a RIP-relative operand)
 */
export type OpNode =
  | OpEntry
  | { reg: (OpNode | undefined)[] }
  | { mod: [OpNode | undefined, OpNode | undefined] }
  | { rm: (OpNode | undefined)[] }
  | { pfx: [OpNode | undefined, OpNode | undefined, OpNode | undefined, OpNode | undefined] }
  | { w: [OpNode | undefined, OpNode | undefined] }
  | { mode: [OpNode | undefined, OpNode | undefined] }
  | { osz: [OpNode | undefined, OpNode | undefined, OpNode | undefined] }
  | { rexb: [OpNode | undefined, OpNode | undefined] }
  | { riprel: [OpNode | undefined, OpNode | undefined] };

export type OpMap = (OpNode | undefined)[];

export function op(m: string, ops: string[] = [], f: number = F.None, h?: string): OpEntry {
  return h ? { m, ops, f, h } : { m, ops, f };
}
