// Parsing of call frame information (DWARF5 6.4.1) from .debug_frame and
// .eh_frame: CIEs and FDEs. The .eh_frame variant (CIE id 0, CIE pointers
// relative to the field, 'z' augmentations with encoded pointers) follows the
// LSB Core specification, "Exception Frames" (10.5-10.6), since DWARF does
// not describe it.

import { SymbolError, hex } from './errors';
import { IntervalMap, toAddress } from './intervals';
import { ByteReader } from './reader';
import { DwarfSections } from './sections';
import { Cie, CfiOptions, DW_EH_PE, Fde, MASK64, UnwindRow } from './cfi-types';
import { executeInstructions } from './cfi-exec';
import { readEncoded } from './eh-pointer';

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
