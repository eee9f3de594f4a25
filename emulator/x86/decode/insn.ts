// A decoded instruction. The decoder fills one of these per instruction and
// the decoded-block cache keeps them, so handlers read operands from fields
// instead of re-parsing bytes. Fields are plain numbers (monomorphic shape).
import type { OpEntry } from './table-types';

/** Operand kinds of the normalized operand slots (see decoder.ts). */
export const enum OpKind {
  None = 0,
  Reg = 1, // GPR `r` (0..15) of slot size; size 1 uses the REX byte-register set
  Reg8H = 2, // AH, CH, DH, BH: `r` is 0..3
  Mem = 3, // the instruction's memory operand (see base/index/scale/disp)
  Imm = 4, // imm/immHi, already sign- or zero-extended to the slot size
  Seg = 5, // segment register `r`
  Cr = 6, // control register `r`
  Dr = 7, // debug register `r`
  Xmm = 8, // XMM register `r`
  Mmx = 9, // MMX register `r` (decoded for disassembly; not implemented)
  St = 10, // x87 stack register `r` (decoded for disassembly; not implemented)
  Rel = 11, // branch displacement in imm (signed)
  Far = 12, // far pointer immediate: offset in imm, selector in imm2
  Const = 13, // constant (shift by 1): value in `r`
}

export const PFX_LOCK = 1, PFX_REP = 2, PFX_REPNE = 4, PFX_OPSIZE = 8, PFX_ADSIZE = 16, PFX_REX = 32;
/** RIP-relative memory operand base. */
export const BASE_RIP = 16;

export class Insn {
  entry: OpEntry = null as unknown as OpEntry;
  len = 0;
  /** Map 0 = one-byte, 1 = 0F, 2 = 0F38, 3 = 0F3A, 4 = x87 (D8-DF). */
  map = 0;
  opcode = 0;
  /** Operand size in bytes (1, 2, 4, 8) after prefixes and the entry's rules. */
  osize = 4;
  /** Address size in bytes (2, 4, 8). */
  asize = 4;
  pfx = 0;
  /** REX bits WRXB (0..15); PFX_REX says whether a REX byte was present. */
  rex = 0;
  /** Segment of the memory operand (default or override), ES..GS. */
  seg = 3;
  /** Segment override prefix or -1. */
  segOverride = -1;
  modrm = -1;
  mod = 0;
  /** ModRM.reg extended by REX.R. */
  reg = 0;
  /** ModRM.rm extended by REX.B (register form). */
  rm = 0;
  // Memory operand: base/index GPR numbers (-1 none, BASE_RIP), scale as a shift.
  base = -1;
  index = -1;
  scale = 0;
  /** Signed displacement (32-bit), or the low half of a 64-bit moffs. */
  disp = 0;
  dispHi = 0;
  imm = 0;
  immHi = 0;
  imm2 = 0;
  // Up to four normalized operands in Intel order (destination first).
  nops = 0;
  k0 = 0; r0 = 0; s0 = 0;
  k1 = 0; r1 = 0; s1 = 0;
  k2 = 0; r2 = 0; s2 = 0;
  k3 = 0; r3 = 0; s3 = 0;
  /** The handler (entry.exec, or the not-implemented/#UD handler). */
  exec: (cpu: any, i: Insn) => void = null as unknown as (cpu: any, i: Insn) => void;
  /** Why this decoded to #UD, when it did ('' otherwise). */
  invalid = '';
}
