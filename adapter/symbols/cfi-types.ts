// The CFI data model (DWARF5 6.4.1): CIEs, FDEs, register and CFA rules,
// table rows, and the DW_EH_PE / DW_CFA encodings shared by the parser
// (cfi-parse.ts) and the interpreter (cfi-exec.ts).

export interface Cie {
  /** Offset of the CIE in its section. */
  offset: number;
  section: '.debug_frame' | '.eh_frame';
  version: number;
  augmentation: string;
  addressSize: number;
  segmentSelectorSize: number;
  codeAlignmentFactor: number;
  dataAlignmentFactor: number;
  returnAddressRegister: number;
  /** DW_EH_PE_* encoding of FDE addresses ('R'); absptr (0) without it. */
  fdeEncoding: number;
  /** DW_EH_PE_* encoding of the FDE's LSDA pointer ('L'), or 0xff (omit). */
  lsdaEncoding: number;
  personality?: bigint;
  /** 'S': frames of this CIE are signal frames (the pc is not a return address). */
  signalFrame: boolean;
  initialInstructions: Uint8Array;
  /** Bases of DW_EH_PE_textrel / datarel pointers (.text, .got), for DW_CFA_set_loc. */
  textAddr?: bigint;
  dataAddr?: bigint;
}

export interface Fde {
  offset: number;
  section: '.debug_frame' | '.eh_frame';
  cie: Cie;
  start: bigint;
  /** One past the last covered address. */
  end: bigint;
  instructions: Uint8Array;
  /** Target address of the first instruction byte in .eh_frame (for pc-relative DW_CFA_set_loc); 0 for .debug_frame. */
  instructionsAddr: bigint;
  lsda?: bigint;
}

/** How to find a register's value in the caller (DWARF5 6.4.1, "register rules"). */
export type RegisterRule =
  | { type: 'undefined' }
  | { type: 'sameValue' }
  /** Saved at CFA + offset. */
  | { type: 'offset'; offset: number }
  /** The value is CFA + offset. */
  | { type: 'valOffset'; offset: number }
  | { type: 'register'; register: number }
  /** Saved at the address the expression computes (CFA pushed first). */
  | { type: 'expression'; expr: Uint8Array }
  | { type: 'valExpression'; expr: Uint8Array };

export type CfaRule = { type: 'register'; register: number; offset: number } | { type: 'expression'; expr: Uint8Array };

/** One row of the CFI table (DWARF5 6.4.1, Figure 6.9): the rules in effect at [location, end). */
export interface UnwindRow {
  location: bigint;
  end: bigint;
  cfa: CfaRule;
  registers: Map<number, RegisterRule>;
  fde: Fde;
}

/** DW_EH_PE_* pointer encodings (LSB Core "DWARF Exception Header Encoding"). */
export const DW_EH_PE = {
  absptr: 0x00,
  uleb128: 0x01,
  udata2: 0x02,
  udata4: 0x03,
  udata8: 0x04,
  sleb128: 0x09,
  sdata2: 0x0a,
  sdata4: 0x0b,
  sdata8: 0x0c,
  pcrel: 0x10,
  textrel: 0x20,
  datarel: 0x30,
  funcrel: 0x40,
  aligned: 0x50,
  indirect: 0x80,
  omit: 0xff,
} as const;

/** DW_CFA_* (DWARF5 7.24, Table 7.29) and the GNU extensions gcc emits. */
export const DW_CFA = {
  advance_loc: 0x40,
  offset: 0x80,
  restore: 0xc0,
  nop: 0x00,
  set_loc: 0x01,
  advance_loc1: 0x02,
  advance_loc2: 0x03,
  advance_loc4: 0x04,
  offset_extended: 0x05,
  restore_extended: 0x06,
  undefined: 0x07,
  same_value: 0x08,
  register: 0x09,
  remember_state: 0x0a,
  restore_state: 0x0b,
  def_cfa: 0x0c,
  def_cfa_register: 0x0d,
  def_cfa_offset: 0x0e,
  def_cfa_expression: 0x0f,
  expression: 0x10,
  offset_extended_sf: 0x11,
  def_cfa_sf: 0x12,
  def_cfa_offset_sf: 0x13,
  val_offset: 0x14,
  val_offset_sf: 0x15,
  val_expression: 0x16,
  GNU_window_save: 0x2d,
  GNU_args_size: 0x2e,
  GNU_negative_offset_extended: 0x2f,
} as const;

export interface CfiOptions {
  /** Target address size when a .debug_frame CIE does not give one (v1, v3): 8 for ELF64, 4 for ELF32. */
  addressSize: number;
  /** Keeps only FDEs for which this returns true (linkers leave discarded functions' FDEs at 0). */
  keepRange?: (start: bigint, end: bigint) => boolean;
}

export const MASK64 = (1n << 64n) - 1n;
