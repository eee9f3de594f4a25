// Call frame information (DWARF5 6.4) from .debug_frame and .eh_frame, and
// an unwinder built on it.
//
// Parsing: CIEs and FDEs (DWARF5 6.4.1); the .eh_frame variant (CIE id 0,
// CIE pointers relative to the field, 'z' augmentations with encoded
// pointers) follows the LSB Core specification, "Exception Frames"
// (10.5-10.6), since DWARF does not describe it.
// Rules: the call frame instructions of DWARF5 6.4.2 turn a CIE's initial
// instructions plus an FDE's instructions into the row for one pc (6.4.3).
// Unwinding: DWARF5 6.4.4 (the CFA is the caller's stack pointer at the
// call; an undefined return address rule means there is no caller), with a
// frame-pointer (rbp chain) fallback where no FDE covers the pc.
//
// Registers are DWARF register numbers of the System V psABIs: x86-64
// (AMD64 psABI 3.6.2, Figure 3.36) and i386 (i386 psABI 2.5, Table 2.14).

import { SymbolError, hex } from './errors';
import { ExprContext, evaluate } from './dwarf-expr';
import { IntervalMap, toAddress } from './intervals';
import { ByteReader } from './reader';
import { DwarfSections } from './sections';

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

const MASK64 = (1n << 64n) - 1n;

export class CallFrameInfo {
  /** Every FDE kept, .debug_frame first, then .eh_frame. */
  readonly fdes: Fde[] = [];
  readonly warnings: string[] = [];
  private readonly map: IntervalMap<Fde>;

  constructor(secs: DwarfSections, readonly options: CfiOptions) {
    if (secs.frame) this.parseSection(secs.frame, '.debug_frame', 0n, secs);
    if (secs.ehFrame) this.parseSection(secs.ehFrame, '.eh_frame', secs.ehFrameAddr ?? 0n, secs);
    const keep = options.keepRange;
    // .eh_frame is listed last, so where both cover a pc, its FDE (the one
    // the running code's own unwinder would use) wins.
    this.map = new IntervalMap(this.fdes.filter((f) => !keep || keep(f.start, f.end)).map((f) => ({ start: f.start, end: f.end, value: f })));
  }

  get size(): number {
    return this.fdes.length;
  }

  /** The FDE whose range covers `pc`. */
  fdeFor(pc: bigint | number): Fde | undefined {
    return this.map.at(toAddress(pc));
  }

  /** The CFI row in effect at `pc` (DWARF5 6.4.3), or undefined when no FDE covers it. */
  rowFor(pc: bigint | number): UnwindRow | undefined {
    const a = toAddress(pc);
    const fde = this.map.at(a);
    return fde ? executeInstructions(fde, a, this.options.addressSize) : undefined;
  }

  /** DWARF5 6.4.1: a sequence of CIEs and FDEs, each with its own length. */
  private parseSection(sec: Uint8Array, name: '.debug_frame' | '.eh_frame', sectionAddr: bigint, secs: DwarfSections): void {
    const eh = name === '.eh_frame';
    const cies = new Map<number, Cie | SymbolError>();
    const r = new ByteReader(sec, name);
    const cieAt = (off: number): Cie => {
      let c = cies.get(off);
      if (c === undefined) {
        try {
          c = this.parseCie(sec, name, off, sectionAddr, secs);
        } catch (e) {
          if (!(e instanceof SymbolError)) throw e;
          c = e;
        }
        cies.set(off, c);
      }
      if (c instanceof SymbolError) throw c;
      return c;
    };
    while (r.remaining > 0) {
      const start = r.pos;
      let end: number;
      let is64: boolean;
      try {
        // A zero length terminates .eh_frame (LSB "Exception Frames" 10.6.1).
        if (eh && r.remaining >= 4 && r.bytes[start] === 0 && r.bytes[start + 1] === 0 && r.bytes[start + 2] === 0 && r.bytes[start + 3] === 0) break;
        ({ end, is64 } = r.initialLength('CFI entry'));
      } catch (e) {
        if (!(e instanceof SymbolError)) throw e;
        this.warnings.push(`${e.message}; the rest of ${name} is ignored`);
        return;
      }
      try {
        const idPos = r.pos;
        const e = r.slice(idPos, end - idPos, 'CFI entry');
        const id = is64 ? e.u64('CIE id') : BigInt(e.u32('CIE id'));
        const isCie = eh ? id === 0n : id === (is64 ? MASK64 : 0xffffffffn);
        if (!isCie) {
          // .eh_frame: the CIE pointer is the distance back from this field;
          // .debug_frame: an offset in the section (DWARF5 6.4.1 item 2 of the FDE).
          const cieOff = eh ? idPos - Number(id) : Number(id);
          if (cieOff < 0 || cieOff >= sec.length || cieOff === start) e.fail(`FDE at ${hex(start)} points to a CIE at ${hex(cieOff)} outside ${name}`);
          const cie = cieAt(cieOff);
          this.fdes.push(this.parseFde(e, start, cie, sectionAddr, secs));
        } else {
          cieAt(start);
        }
      } catch (e) {
        if (!(e instanceof SymbolError)) throw e;
        this.warnings.push(`${name} entry at ${hex(start)}: ${e.message}`);
      }
      r.pos = end;
    }
  }

  /** DWARF5 6.4.1, "Common Information Entry"; .eh_frame augmentations per LSB 10.6.1.1. */
  private parseCie(sec: Uint8Array, name: '.debug_frame' | '.eh_frame', off: number, sectionAddr: bigint, secs: DwarfSections): Cie {
    const eh = name === '.eh_frame';
    const outer = new ByteReader(sec, name);
    outer.seek(off);
    const { is64, end } = outer.initialLength('CIE');
    const r = outer.slice(outer.pos, end - outer.pos, 'CIE');
    const id = is64 ? r.u64('CIE id') : BigInt(r.u32('CIE id'));
    if (eh ? id !== 0n : id !== (is64 ? MASK64 : 0xffffffffn)) r.fail(`entry at ${hex(off)} is not a CIE (id ${hex(id)})`);
    const version = r.u8('CIE version');
    if (version !== 1 && version !== 3 && version !== 4) r.fail(`unsupported CIE version ${version}`);
    const augmentation = r.cstr('CIE augmentation');
    let addressSize = this.options.addressSize;
    let segmentSelectorSize = 0;
    if (version >= 4) {
      addressSize = r.u8('CIE address_size');
      segmentSelectorSize = r.u8('CIE segment_selector_size');
      if (addressSize !== 4 && addressSize !== 8 && addressSize !== 2) r.fail(`CIE address_size ${addressSize}`);
    }
    // gcc's pre-'z' "eh" augmentation carried an address-sized pointer here.
    if (augmentation === 'eh') r.skip(addressSize, 'eh augmentation pointer');
    const codeAlignmentFactor = r.uleb('code_alignment_factor');
    const dataAlignmentFactor = r.sleb('data_alignment_factor');
    const returnAddressRegister = version === 1 ? r.u8('return_address_register') : r.uleb('return_address_register');
    const cie: Cie = {
      offset: off,
      section: name,
      version,
      augmentation,
      addressSize,
      segmentSelectorSize,
      codeAlignmentFactor,
      dataAlignmentFactor,
      returnAddressRegister,
      fdeEncoding: DW_EH_PE.absptr,
      lsdaEncoding: DW_EH_PE.omit,
      signalFrame: false,
      initialInstructions: new Uint8Array(0),
      textAddr: secs.textAddr,
      dataAddr: secs.gotAddr,
    };
    if (augmentation.startsWith('z')) {
      const len = r.uleb('augmentation length');
      const a = r.slice(r.pos, len, 'CIE augmentation data');
      for (const ch of augmentation.slice(1)) {
        if (ch === 'R') cie.fdeEncoding = a.u8('FDE pointer encoding');
        else if (ch === 'L') cie.lsdaEncoding = a.u8('LSDA encoding');
        else if (ch === 'P') {
          const enc = a.u8('personality encoding');
          cie.personality = readEncoded(a, enc, addressSize, { sectionAddr, secs });
        } else if (ch === 'S') cie.signalFrame = true;
        else if (ch === 'B' || ch === 'G') {
          /* AArch64 BTI / MTE markers: no data */
        } else break; // unknown: the rest of the data is skipped by its length
      }
      r.pos = a.end;
    } else if (augmentation !== '' && augmentation !== 'eh') {
      r.fail(`unknown CIE augmentation "${augmentation}"`);
    }
    if (codeAlignmentFactor === 0) r.fail('code_alignment_factor is 0');
    cie.initialInstructions = r.block(r.remaining, 'CIE initial instructions');
    return cie;
  }

  /** DWARF5 6.4.1, "Frame Description Entry". `r` is positioned after the CIE pointer. */
  private parseFde(r: ByteReader, off: number, cie: Cie, sectionAddr: bigint, secs: DwarfSections): Fde {
    let start: bigint;
    let range: bigint;
    if (cie.section === '.eh_frame') {
      start = readEncoded(r, cie.fdeEncoding, cie.addressSize, { sectionAddr, secs });
      // The range has the same size but no base (LSB 10.6.1.2 "PC Range").
      range = readEncoded(r, cie.fdeEncoding & 0x0f, cie.addressSize, { sectionAddr, secs });
    } else {
      if (cie.segmentSelectorSize > 0) r.skip(cie.segmentSelectorSize, 'FDE segment selector');
      start = r.address(cie.addressSize, 'FDE initial_location');
      range = r.address(cie.addressSize, 'FDE address_range');
    }
    let lsda: bigint | undefined;
    if (cie.augmentation.startsWith('z')) {
      const len = r.uleb('FDE augmentation length');
      const a = r.slice(r.pos, len, 'FDE augmentation data');
      if (cie.lsdaEncoding !== DW_EH_PE.omit && len > 0) lsda = readEncoded(a, cie.lsdaEncoding, cie.addressSize, { sectionAddr, secs });
      r.pos = a.end;
    }
    const mask = cie.addressSize >= 8 ? MASK64 : (1n << BigInt(cie.addressSize * 8)) - 1n;
    const instructionsAddr = cie.section === '.eh_frame' ? sectionAddr + BigInt(r.pos) : 0n;
    return { offset: off, section: cie.section, cie, start, end: (start + range) & mask, instructions: r.block(r.remaining, 'FDE instructions'), instructionsAddr, lsda };
  }
}

/**
 * Reads a DW_EH_PE-encoded pointer (LSB Core "DWARF Exception Header
 * Encoding"): the low nibble is the format, the high one the base.
 */
function readEncoded(r: ByteReader, enc: number, addressSize: number, base: { sectionAddr: bigint; secs: DwarfSections }): bigint {
  if (enc === DW_EH_PE.omit) return 0n;
  const fieldAddr = base.sectionAddr + BigInt(r.pos);
  if ((enc & 0x70) === DW_EH_PE.aligned) {
    const rem = r.pos % addressSize;
    if (rem) r.skip(addressSize - rem, 'alignment');
  }
  let v: bigint;
  switch (enc & 0x0f) {
    case DW_EH_PE.absptr:
      v = r.address(addressSize, 'pointer');
      break;
    case DW_EH_PE.uleb128:
      v = r.ulebBig('pointer');
      break;
    case DW_EH_PE.udata2:
      v = BigInt(r.u16('pointer'));
      break;
    case DW_EH_PE.udata4:
      v = BigInt(r.u32('pointer'));
      break;
    case DW_EH_PE.udata8:
      v = r.u64('pointer');
      break;
    case DW_EH_PE.sleb128:
      v = r.slebBig('pointer');
      break;
    case DW_EH_PE.sdata2:
      v = BigInt(r.i16('pointer'));
      break;
    case DW_EH_PE.sdata4:
      v = BigInt(r.i32('pointer'));
      break;
    case DW_EH_PE.sdata8:
      v = r.i64('pointer');
      break;
    default:
      return r.fail(`unknown pointer encoding ${hex(enc)}`);
  }
  switch (enc & 0x70) {
    case DW_EH_PE.pcrel:
      v += fieldAddr;
      break;
    case DW_EH_PE.textrel:
      v += base.secs.textAddr ?? 0n;
      break;
    case DW_EH_PE.datarel:
      v += base.secs.gotAddr ?? 0n;
      break;
    default:
      break; // absptr, funcrel (not used for FDE headers), aligned
  }
  const mask = addressSize >= 8 ? MASK64 : (1n << BigInt(addressSize * 8)) - 1n;
  return v & mask;
}

interface RuleState {
  cfa: CfaRule;
  registers: Map<number, RegisterRule>;
}

/**
 * Runs the CIE's initial instructions, then the FDE's, up to `pc`
 * (DWARF5 6.4.3): the state when the location first passes pc is the row.
 */
export function executeInstructions(fde: Fde, pc: bigint, defaultAddressSize: number): UnwindRow {
  const cie = fde.cie;
  const state: RuleState = { cfa: { type: 'register', register: 0, offset: 0 }, registers: new Map() };
  run(cie.initialInstructions, cie, state, undefined, fde.start, undefined, defaultAddressSize, 0n);
  // DW_CFA_restore returns a register to its rule after the initial instructions.
  const initial = new Map(state.registers);
  const loc = { location: fde.start, end: fde.end };
  run(fde.instructions, cie, state, initial, fde.start, { pc, loc }, defaultAddressSize, fde.instructionsAddr);
  return { location: loc.location, end: loc.end, cfa: state.cfa, registers: state.registers, fde };
}

function run(
  code: Uint8Array,
  cie: Cie,
  state: RuleState,
  initial: Map<number, RegisterRule> | undefined,
  start: bigint,
  stop: { pc: bigint; loc: { location: bigint; end: bigint } } | undefined,
  defaultAddressSize: number,
  codeAddr: bigint,
): void {
  const r = new ByteReader(code, `${cie.section} instructions`);
  const stack: RuleState[] = [];
  let location = start;
  const caf = BigInt(cie.codeAlignmentFactor);
  const daf = cie.dataAlignmentFactor;
  // Returns false when the new location is past pc: the current row is the answer.
  const advance = (to: bigint): boolean => {
    if (!stop) {
      location = to;
      return true;
    }
    if (to > stop.pc) {
      stop.loc.location = location;
      stop.loc.end = to < stop.loc.end ? to : stop.loc.end;
      return false;
    }
    location = to;
    return true;
  };
  const setReg = (reg: number, rule: RegisterRule) => state.registers.set(reg, rule);
  const restore = (reg: number) => {
    const rule = initial?.get(reg);
    if (rule) state.registers.set(reg, rule);
    else state.registers.delete(reg);
  };
  const cfaReg = (): { register: number; offset: number } => {
    if (state.cfa.type !== 'register') r.fail('DW_CFA_def_cfa_register/offset while the CFA is an expression');
    return state.cfa as { register: number; offset: number };
  };
  while (r.pos < r.end) {
    const op = r.u8('DW_CFA');
    const hi = op & 0xc0;
    const low = op & 0x3f;
    // Encodings: DWARF5 7.24. The three "primary" opcodes keep an operand
    // in their low 6 bits.
    if (hi === DW_CFA.advance_loc) {
      // DWARF5 6.4.2.1 (row creation): delta x code_alignment_factor.
      if (!advance(location + BigInt(low) * caf)) return;
      continue;
    }
    if (hi === DW_CFA.offset) {
      // DWARF5 6.4.2.3: saved at CFA + N x data_alignment_factor.
      setReg(low, { type: 'offset', offset: r.uleb('DW_CFA_offset') * daf });
      continue;
    }
    if (hi === DW_CFA.restore) {
      // DWARF5 6.4.2.3: back to the rule the CIE's initial instructions gave.
      restore(low);
      continue;
    }
    switch (op) {
      case DW_CFA.nop: // DWARF5 6.4.2.5 (padding)
        break;
      // DWARF5 6.4.2.1: row creation.
      case DW_CFA.set_loc: {
        const to =
          cie.section === '.eh_frame'
            ? readEncoded(r, cie.fdeEncoding, cie.addressSize, { sectionAddr: codeAddr, secs: { textAddr: cie.textAddr, gotAddr: cie.dataAddr } })
            : r.address(cie.addressSize || defaultAddressSize, 'DW_CFA_set_loc');
        if (!advance(to)) return;
        break;
      }
      case DW_CFA.advance_loc1:
        if (!advance(location + BigInt(r.u8()) * caf)) return;
        break;
      case DW_CFA.advance_loc2:
        if (!advance(location + BigInt(r.u16()) * caf)) return;
        break;
      case DW_CFA.advance_loc4:
        if (!advance(location + BigInt(r.u32()) * caf)) return;
        break;
      // DWARF5 6.4.2.3: register rules.
      case DW_CFA.offset_extended: {
        const reg = r.uleb('register');
        setReg(reg, { type: 'offset', offset: r.uleb('offset') * daf });
        break;
      }
      case DW_CFA.restore_extended:
        restore(r.uleb('register'));
        break;
      case DW_CFA.undefined:
        setReg(r.uleb('register'), { type: 'undefined' });
        break;
      case DW_CFA.same_value:
        setReg(r.uleb('register'), { type: 'sameValue' });
        break;
      case DW_CFA.register: {
        const reg = r.uleb('register');
        setReg(reg, { type: 'register', register: r.uleb('register') });
        break;
      }
      case DW_CFA.remember_state:
        // DWARF5 6.4.2.4. Like gcc's unwinder and gdb, the CFA rule is saved and
        // restored with the register rules (gcc's epilogues rely on it).
        if (stack.length > 1000) r.fail('DW_CFA_remember_state nested too deep');
        stack.push({ cfa: { ...state.cfa }, registers: new Map(state.registers) });
        break;
      case DW_CFA.restore_state: {
        const s = stack.pop();
        if (!s) return r.fail('DW_CFA_restore_state without DW_CFA_remember_state');
        state.cfa = s.cfa;
        state.registers = s.registers;
        break;
      }
      // DWARF5 6.4.2.2: CFA definition. The _sf forms scale by data_alignment_factor.
      case DW_CFA.def_cfa: {
        const register = r.uleb('register');
        state.cfa = { type: 'register', register, offset: r.uleb('offset') };
        break;
      }
      case DW_CFA.def_cfa_sf: {
        const register = r.uleb('register');
        state.cfa = { type: 'register', register, offset: r.sleb('offset') * daf };
        break;
      }
      case DW_CFA.def_cfa_register: {
        // Keeps the offset; only valid while the CFA is register + offset.
        const c = cfaReg();
        state.cfa = { type: 'register', register: r.uleb('register'), offset: c.offset };
        break;
      }
      case DW_CFA.def_cfa_offset: {
        const c = cfaReg();
        state.cfa = { type: 'register', register: c.register, offset: r.uleb('offset') };
        break;
      }
      case DW_CFA.def_cfa_offset_sf: {
        const c = cfaReg();
        state.cfa = { type: 'register', register: c.register, offset: r.sleb('offset') * daf };
        break;
      }
      case DW_CFA.def_cfa_expression:
        state.cfa = { type: 'expression', expr: r.block(r.uleb('expression length'), 'DW_CFA_def_cfa_expression') };
        break;
      case DW_CFA.expression: {
        const reg = r.uleb('register');
        setReg(reg, { type: 'expression', expr: r.block(r.uleb('expression length'), 'DW_CFA_expression') });
        break;
      }
      case DW_CFA.val_expression: {
        const reg = r.uleb('register');
        setReg(reg, { type: 'valExpression', expr: r.block(r.uleb('expression length'), 'DW_CFA_val_expression') });
        break;
      }
      case DW_CFA.offset_extended_sf: {
        const reg = r.uleb('register');
        setReg(reg, { type: 'offset', offset: r.sleb('offset') * daf });
        break;
      }
      case DW_CFA.val_offset: {
        const reg = r.uleb('register');
        setReg(reg, { type: 'valOffset', offset: r.uleb('offset') * daf });
        break;
      }
      case DW_CFA.val_offset_sf: {
        const reg = r.uleb('register');
        setReg(reg, { type: 'valOffset', offset: r.sleb('offset') * daf });
        break;
      }
      // GNU extensions (gcc's dwarf2.def): the outgoing argument size (no
      // effect on the rules), and a negated offset_extended.
      case DW_CFA.GNU_args_size:
        r.uleb('DW_CFA_GNU_args_size');
        break;
      case DW_CFA.GNU_negative_offset_extended: {
        const reg = r.uleb('register');
        setReg(reg, { type: 'offset', offset: -r.uleb('offset') * daf });
        break;
      }
      case DW_CFA.GNU_window_save:
        break; // SPARC register windows: nothing on x86
      default:
        r.fail(`unknown call frame instruction ${hex(op)}`);
    }
  }
  if (stop) stop.loc.location = location;
}

// ---------------------------------------------------------------------------
// The unwinder.

export type RegisterName = 'rax' | 'rdx' | 'rcx' | 'rbx' | 'rsi' | 'rdi' | 'rbp' | 'rsp' | 'r8' | 'r9' | 'r10' | 'r11' | 'r12' | 'r13' | 'r14' | 'r15' | 'rip';

/**
 * A frame's registers. rip and rsp are always known; others are present
 * when known. For i386 the same names hold eax, ecx, ... esp, eip.
 */
export type Registers = { rip: bigint; rsp: bigint } & { [K in Exclude<RegisterName, 'rip' | 'rsp'>]?: bigint };

/** Reads `size` bytes (little-endian) of the target's memory at a linear address; undefined when not readable. */
export type MemoryReader = (address: bigint, size: number) => bigint | undefined;

export type Arch = 'x86-64' | 'i386';

/** DWARF register number -> name (AMD64 psABI Figure 3.36; i386 psABI Table 2.14). */
const DWARF_REGS: Record<Arch, RegisterName[]> = {
  'x86-64': ['rax', 'rdx', 'rcx', 'rbx', 'rsi', 'rdi', 'rbp', 'rsp', 'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15', 'rip'],
  i386: ['rax', 'rcx', 'rdx', 'rbx', 'rsp', 'rbp', 'rsi', 'rdi', 'rip'],
};

/** Callee-saved registers (AMD64 psABI 3.2.1, Figure 3.4; i386 psABI 2.2.1): unchanged in the caller when no rule says otherwise. */
const CALLEE_SAVED: Record<Arch, RegisterName[]> = {
  'x86-64': ['rbx', 'rbp', 'r12', 'r13', 'r14', 'r15'],
  i386: ['rbx', 'rbp', 'rsi', 'rdi'],
};

export type UnwindMethod = 'cfi' | 'frame-pointer' | 'entry';

export interface UnwindStep {
  /** The caller's registers: rip is the return address, rsp the CFA. */
  registers: Registers;
  /** The callee's CFA (= the caller's rsp). */
  cfa: bigint;
  method: UnwindMethod;
  /** The callee was a signal frame (CIE 'S'): the caller's pc is exact, not a return address. */
  signalFrame: boolean;
}

export interface Frame {
  registers: Registers;
  /** How this frame was found: 'context' for the first one. */
  method: UnwindMethod | 'context';
  /**
   * The address to look up for symbols and lines: rip for the first frame
   * and after a signal frame, rip - 1 for return addresses (so a call at
   * the very end of a function still maps to that function).
   */
  lookupAddress: bigint;
}

export interface UnwinderOptions {
  arch?: Arch;
  /** The start of the function containing a pc (symbol table), for the frame-pointer fallback. */
  functionStart?: (pc: bigint) => bigint | undefined;
}

export class Unwinder {
  readonly arch: Arch;
  private readonly ptr: number;
  private readonly mask: bigint;
  private readonly names: RegisterName[];

  constructor(readonly cfi: CallFrameInfo | undefined, private readonly opts: UnwinderOptions = {}) {
    this.arch = opts.arch ?? 'x86-64';
    this.ptr = this.arch === 'x86-64' ? 8 : 4;
    this.mask = this.arch === 'x86-64' ? MASK64 : 0xffffffffn;
    this.names = DWARF_REGS[this.arch];
  }

  /**
   * One step: the caller's registers from the callee's, or undefined at the
   * end of the stack or when it cannot be found. `returnAddress` says that
   * regs.rip is a return address (every frame but the first): the FDE is
   * then looked up at rip - 1 (DWARF5 6.4.4 note on the return address
   * possibly being past the end of the function).
   */
  unwind(regs: Registers, read: MemoryReader, opts: { returnAddress?: boolean } = {}): UnwindStep | undefined {
    const pc = regs.rip & this.mask;
    const lookup = opts.returnAddress && pc > 0n ? pc - 1n : pc;
    const fde = this.cfi?.fdeFor(lookup);
    if (fde) {
      let row: UnwindRow;
      try {
        row = executeInstructions(fde, lookup, this.ptr);
      } catch (e) {
        if (!(e instanceof SymbolError)) throw e;
        return this.framePointer(regs, read);
      }
      try {
        return this.applyRow(row, regs, read);
      } catch (e) {
        if (!(e instanceof SymbolError)) throw e;
        return undefined;
      }
    }
    return this.framePointer(regs, read);
  }

  /**
   * Every frame from `regs` outwards, innermost first, at most `maxFrames`.
   * Stops at an undefined return address, a zero return address, or a stack
   * pointer that does not grow (a corrupt or cyclic chain).
   */
  backtrace(regs: Registers, read: MemoryReader, maxFrames = 64): Frame[] {
    const frames: Frame[] = [{ registers: regs, method: 'context', lookupAddress: regs.rip }];
    let cur = regs;
    let exact = true;
    while (frames.length < maxFrames) {
      const step = this.unwind(cur, read, { returnAddress: !exact });
      if (!step) break;
      const next = step.registers;
      if (next.rip === 0n) break;
      if (!step.signalFrame && next.rsp <= cur.rsp) break;
      exact = step.signalFrame;
      frames.push({ registers: next, method: step.method, lookupAddress: exact || next.rip === 0n ? next.rip : next.rip - 1n });
      cur = next;
    }
    return frames;
  }

  private reg(regs: Registers, n: number): bigint | undefined {
    const name = this.names[n];
    return name === undefined ? undefined : regs[name];
  }

  /** DWARF5 6.4.4: the CFA, then every register rule of the row. */
  private applyRow(row: UnwindRow, regs: Registers, read: MemoryReader): UnwindStep | undefined {
    const ctx: ExprContext = {
      readRegister: (n) => this.reg(regs, n),
      readMemory: read,
      addressSize: this.ptr,
    };
    let cfa: bigint | undefined;
    if (row.cfa.type === 'register') {
      const base = this.reg(regs, row.cfa.register);
      if (base === undefined) return undefined;
      cfa = (base + BigInt(row.cfa.offset)) & this.mask;
    } else {
      cfa = evaluate(row.cfa.expr, ctx);
      if (cfa === undefined) return undefined;
      cfa &= this.mask;
    }
    const caller: Registers = { rip: 0n, rsp: cfa };
    for (const name of CALLEE_SAVED[this.arch]) if (regs[name] !== undefined) caller[name] = regs[name];
    const raReg = row.fde.cie.returnAddressRegister;
    let ra: bigint | undefined;
    for (const [n, rule] of row.registers) {
      let v: bigint | undefined;
      switch (rule.type) {
        case 'undefined':
          if (n === raReg) return undefined; // DWARF5 6.4.4: no return address, no caller
          v = undefined;
          break;
        case 'sameValue':
          v = this.reg(regs, n);
          break;
        case 'offset':
          v = read((cfa + BigInt(rule.offset)) & this.mask, this.ptr);
          break;
        case 'valOffset':
          v = (cfa + BigInt(rule.offset)) & this.mask;
          break;
        case 'register':
          v = this.reg(regs, rule.register);
          break;
        case 'expression': {
          const at = evaluate(rule.expr, ctx, [cfa]);
          v = at === undefined ? undefined : read(at & this.mask, this.ptr);
          break;
        }
        case 'valExpression':
          v = evaluate(rule.expr, ctx, [cfa]);
          break;
      }
      if (n === raReg) {
        ra = v;
        continue;
      }
      const name = this.names[n];
      if (!name || name === 'rsp' || name === 'rip') continue;
      if (v === undefined) delete caller[name];
      else caller[name] = v & this.mask;
    }
    if (ra === undefined) return undefined;
    caller.rip = ra & this.mask;
    return { registers: caller, cfa, method: 'cfi', signalFrame: row.fde.cie.signalFrame };
  }

  /**
   * No FDE: the classic frame layout (push %rbp; mov %rsp,%rbp). At the
   * function's first instruction the return address is still on top of the
   * stack; right after the push it is one slot up; after that, rbp chains:
   * [rbp] = caller's rbp, [rbp + ptr] = return address.
   */
  private framePointer(regs: Registers, read: MemoryReader): UnwindStep | undefined {
    const p = BigInt(this.ptr);
    const pc = regs.rip & this.mask;
    const start = this.opts.functionStart?.(pc);
    if (start !== undefined) {
      const prologue = this.prologueState(start, pc, read);
      if (prologue === 'entry') {
        const ra = read(regs.rsp, this.ptr);
        if (ra === undefined) return undefined;
        return { registers: { ...this.calleeSaved(regs), rip: ra, rsp: (regs.rsp + p) & this.mask }, cfa: (regs.rsp + p) & this.mask, method: 'entry', signalFrame: false };
      }
      if (prologue === 'pushed') {
        const savedBp = read(regs.rsp, this.ptr);
        const ra = read((regs.rsp + p) & this.mask, this.ptr);
        if (ra === undefined || savedBp === undefined) return undefined;
        const cfa = (regs.rsp + 2n * p) & this.mask;
        return { registers: { ...this.calleeSaved(regs), rbp: savedBp, rip: ra, rsp: cfa }, cfa, method: 'entry', signalFrame: false };
      }
    }
    const bp = regs.rbp;
    if (bp === undefined || bp === 0n || bp < regs.rsp || bp % p !== 0n) return undefined;
    const savedBp = read(bp, this.ptr);
    const ra = read((bp + p) & this.mask, this.ptr);
    if (savedBp === undefined || ra === undefined) return undefined;
    const cfa = (bp + 2n * p) & this.mask;
    return { registers: { ...this.calleeSaved(regs), rbp: savedBp, rip: ra, rsp: cfa }, cfa, method: 'frame-pointer', signalFrame: false };
  }

  private calleeSaved(regs: Registers): Partial<Registers> {
    const out: Partial<Registers> = {};
    for (const name of CALLEE_SAVED[this.arch]) if (regs[name] !== undefined) out[name] = regs[name];
    return out;
  }

  /**
   * Where pc is in a standard prologue, read from the code itself:
   * [endbr64/endbr32] push %rbp; mov %rsp,%rbp. 'entry' before the push,
   * 'pushed' right after it, 'body' after the mov (or when the function
   * does not start that way and pc is past its first instruction).
   */
  private prologueState(start: bigint, pc: bigint, read: MemoryReader): 'entry' | 'pushed' | 'body' {
    if (pc === start) return 'entry';
    const bytes: number[] = [];
    for (let i = 0n; i < 8n; i++) {
      const b = read(start + i, 1);
      if (b === undefined) break;
      bytes.push(Number(b));
    }
    let i = 0;
    // ENDBR64 f3 0f 1e fa / ENDBR32 f3 0f 1e fb (Intel CET).
    if (bytes[0] === 0xf3 && bytes[1] === 0x0f && bytes[2] === 0x1e && (bytes[3] === 0xfa || bytes[3] === 0xfb)) i = 4;
    if (pc <= start + BigInt(i)) return 'entry';
    // push %rbp (55): between it and the next instruction (mov %rsp,%rbp)
    // the saved rbp is on top and the return address above it.
    if (bytes[i] === 0x55 && pc === start + BigInt(i + 1)) return 'pushed';
    return 'body';
  }
}
