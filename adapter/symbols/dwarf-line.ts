// A .debug_line decoder for DWARF versions 2 to 5, written from the DWARF 5
// standard, chapter 6.2 ("Line Number Information"):
//   6.2.2  the state machine registers and their initial values,
//   6.2.4  the line number program header (v5 entry formats: 6.2.4.1),
//   6.2.5  the opcodes: special (6.2.5.1), standard (6.2.5.2), extended (6.2.5.3).
// Versions 2-4 differ only in the header (DWARF4 6.2.4: string lists of
// include directories and files, no address_size, maximum_operations_per_
// instruction from v4 on) and in DW_LNE_define_file (v2-4 only).
//
// Every malformed input ends in a SymbolError naming the section offset; the
// decoder never reads outside the unit and every loop consumes bytes.

import * as path from 'path';
import { SymbolError, hex } from './errors';
import { DW_FORM, FormContext, FormValue, readForm } from './dwarf-forms';
import { ByteReader, stringAt } from './reader';
import { DwarfSections } from './sections';

/** One row of the line number matrix (DWARF5 6.2.2, Table 6.3). */
export interface LineRow {
  address: bigint;
  /** Absolute path when the compilation directory is known (DWARF5 6.2.4 items 20-21); '' for a bad file index. */
  file: string;
  line: number;
  column: number;
  isStmt: boolean;
  endSequence: boolean;
  /** The file register: an index into the header's file table. */
  fileIndex: number;
  opIndex: number;
  discriminator: number;
  basicBlock: boolean;
  prologueEnd: boolean;
  epilogueBegin: boolean;
  isa: number;
}

export interface LineFileEntry {
  /** The name as written in the table. */
  name: string;
  dirIndex: number;
  /** name resolved against its include directory and the compilation directory, normalized. */
  path: string;
  mtime?: bigint;
  size?: bigint;
  /** DW_LNCT_MD5 as 32 hex digits. */
  md5?: string;
}

export interface LineProgramHeader {
  /** Offset of the unit in .debug_line (what DW_AT_stmt_list holds). */
  offset: number;
  /** One past the unit's last byte. */
  end: number;
  is64: boolean;
  version: number;
  /** From the v5 header; for v2-4 the size of the first DW_LNE_set_address operand (8 if none). */
  addressSize: number;
  segmentSelectorSize: number;
  minimumInstructionLength: number;
  maximumOperationsPerInstruction: number;
  defaultIsStmt: boolean;
  lineBase: number;
  lineRange: number;
  opcodeBase: number;
  standardOpcodeLengths: number[];
  /** The compilation directory used to resolve relative paths, if known. */
  compDir?: string;
  /** Include directories, resolved; index as in the file entries' dirIndex. */
  directories: string[];
  /** File entries, index as in the file register (0-based for v5, 1-based for v2-4: entry 0 is then unused). */
  files: (LineFileEntry | undefined)[];
}

export interface LineProgram {
  header: LineProgramHeader;
  /** Rows in program order, end_sequence rows included. */
  rows: LineRow[];
}

export interface LineDecodeOptions {
  /**
   * The compilation directory of the unit whose DW_AT_stmt_list is `offset`
   * (DW_AT_comp_dir). Needed for v2-4, whose directory 0 is implicit
   * (DWARF4 6.2.4 item 11); v5 names it as directory 0.
   */
  compDir?: (offset: number) => string | undefined;
  /** Resolves a DW_FORM_strx* path in a v5 entry (needs the unit's str_offsets_base). */
  strx?: (offset: number, index: number) => string | undefined;
}

/** Standard opcodes (DWARF5 7.22, Table 7.25). */
export const DW_LNS = {
  copy: 1,
  advance_pc: 2,
  advance_line: 3,
  set_file: 4,
  set_column: 5,
  negate_stmt: 6,
  set_basic_block: 7,
  const_add_pc: 8,
  fixed_advance_pc: 9,
  set_prologue_end: 10,
  set_epilogue_begin: 11,
  set_isa: 12,
} as const;

/** Extended opcodes (DWARF5 7.22, Table 7.26; define_file from DWARF4). */
export const DW_LNE = { end_sequence: 1, set_address: 2, define_file: 3, set_discriminator: 4 } as const;

/** Line number header entry formats (DWARF5 7.22, Table 7.27). */
export const DW_LNCT = { path: 1, directory_index: 2, timestamp: 3, size: 4, MD5: 5 } as const;

const hexByte = (b: number) => b.toString(16).padStart(2, '0');

function isAbsolute(p: string): boolean {
  return p.startsWith('/') || /^[A-Za-z]:[\\/]/.test(p) || p.startsWith('\\\\');
}

/** Joins and normalizes like a path a compiler wrote on a POSIX host. */
export function joinPath(dir: string | undefined, name: string): string {
  if (isAbsolute(name) || !dir) return name === '' ? '' : path.posix.normalize(name);
  return path.posix.normalize(path.posix.join(dir, name));
}

/** Decodes every unit of .debug_line in section order; throws SymbolError on the first malformed one. */
export function decodeDebugLine(secs: DwarfSections, opts: LineDecodeOptions = {}): LineProgram[] {
  const sec = secs.line;
  if (!sec) return [];
  const out: LineProgram[] = [];
  for (let off = 0; off < sec.length; ) {
    const p = decodeLineProgram(secs, off, opts);
    out.push(p);
    off = p.header.end;
  }
  return out;
}

/** Decodes the line number program (header and rows) of the unit at `offset` in .debug_line. */
export function decodeLineProgram(secs: DwarfSections, offset: number, opts: LineDecodeOptions = {}): LineProgram {
  const sec = secs.line;
  if (!sec) throw new SymbolError('the file has no .debug_line section');
  if (offset < 0 || offset >= sec.length) throw new SymbolError(`.debug_line: unit offset ${hex(offset)} beyond the section (size ${hex(sec.length)})`);
  const outer = new ByteReader(sec, '.debug_line');
  outer.seek(offset);
  const { is64, end } = outer.initialLength('line number program');
  const r = outer.slice(outer.pos, end - outer.pos, 'line number program');
  const header = readHeader(r, secs, offset, end, is64, opts);
  const rows = runProgram(r, header);
  return { header, rows };
}

/** DWARF5 6.2.4: the line number program header. Leaves r at the first opcode. */
function readHeader(r: ByteReader, secs: DwarfSections, offset: number, end: number, is64: boolean, opts: LineDecodeOptions): LineProgramHeader {
  const versionAt = r.pos;
  const version = r.u16('version');
  if (version < 2 || version > 5) r.fail(`unsupported .debug_line version ${version} (unit at ${hex(offset)})`, versionAt);
  let addressSize = 8;
  let segmentSelectorSize = 0;
  if (version >= 5) {
    addressSize = r.u8('address_size');
    segmentSelectorSize = r.u8('segment_selector_size');
    if (addressSize !== 1 && addressSize !== 2 && addressSize !== 4 && addressSize !== 8) r.fail(`unsupported address_size ${addressSize}`);
  }
  const headerLength = r.offset(is64, 'header_length');
  const programStart = r.pos + headerLength;
  if (programStart > end) r.fail(`header_length ${hex(headerLength)} runs past the end of the unit`);
  const minimumInstructionLength = r.u8('minimum_instruction_length');
  // maximum_operations_per_instruction exists from v4 (DWARF4 6.2.4 item 5); 1 means "not VLIW".
  let maximumOperationsPerInstruction = version >= 4 ? r.u8('maximum_operations_per_instruction') : 1;
  if (maximumOperationsPerInstruction === 0) maximumOperationsPerInstruction = 1;
  const defaultIsStmt = r.u8('default_is_stmt') !== 0;
  const lineBase = r.i8('line_base');
  const lineRange = r.u8('line_range');
  if (lineRange === 0) r.fail('line_range is 0 (special opcodes would divide by zero)');
  const opcodeBase = r.u8('opcode_base');
  if (opcodeBase === 0) r.fail('opcode_base is 0');
  const standardOpcodeLengths = [0];
  for (let i = 1; i < opcodeBase; i++) standardOpcodeLengths.push(r.u8('standard_opcode_lengths'));

  const h: LineProgramHeader = {
    offset,
    end,
    is64,
    version,
    addressSize,
    segmentSelectorSize,
    minimumInstructionLength,
    maximumOperationsPerInstruction,
    defaultIsStmt,
    lineBase,
    lineRange,
    opcodeBase,
    standardOpcodeLengths,
    directories: [],
    files: [],
  };
  const tables = r.slice(r.pos, programStart - r.pos, 'header');
  if (version >= 5) readV5Tables(tables, secs, h, opts);
  else readV4Tables(tables, h, opts);
  r.seek(programStart);
  return h;
}

/**
 * DWARF4 6.2.4 items 11-12: include_directories and file_names as
 * string lists. Directory 0 and relative directories mean the
 * compilation directory (DW_AT_comp_dir of the unit).
 */
function readV4Tables(r: ByteReader, h: LineProgramHeader, opts: LineDecodeOptions): void {
  const compDir = opts.compDir?.(h.offset);
  h.compDir = compDir;
  h.directories.push(compDir ?? '');
  for (;;) {
    const d = r.cstr('include_directories entry');
    if (d === '') break;
    h.directories.push(joinPath(compDir, d));
  }
  h.files.push(undefined); // file numbers start at 1
  for (;;) {
    const name = r.cstr('file_names entry');
    if (name === '') break;
    h.files.push(v4FileEntry(r, h, name));
  }
}

function v4FileEntry(r: ByteReader, h: LineProgramHeader, name: string): LineFileEntry {
  const dirIndex = r.uleb('file directory index');
  const mtime = r.ulebBig('file modification time');
  const size = r.ulebBig('file length');
  const dir = dirIndex < h.directories.length ? h.directories[dirIndex] : undefined;
  return { name, dirIndex, path: joinPath(dir ?? h.compDir, name), mtime, size };
}

/** DWARF5 6.2.4 items 14-21 and 6.2.4.1: self-describing directory and file tables. */
function readV5Tables(r: ByteReader, secs: DwarfSections, h: LineProgramHeader, opts: LineDecodeOptions): void {
  const ctx: FormContext = { is64: h.is64, addressSize: h.addressSize, version: 5, unitOffset: 0 };
  const str = (v: FormValue | undefined, what: string): string | undefined => {
    if (!v) return undefined;
    switch (v.kind) {
      case 'string':
        return v.value;
      case 'strp':
        return stringAt(v.section === '.debug_str' ? secs.str : secs.lineStr, v.section, v.offset);
      case 'strx': {
        const s = opts.strx?.(h.offset, v.index);
        if (s === undefined) r.fail(`${what} uses DW_FORM_strx, which needs the unit's DW_AT_str_offsets_base`);
        return s;
      }
      default:
        return r.fail(`${what} has a form that is not a string`);
    }
  };
  const uint = (v: FormValue | undefined): bigint | undefined => (v?.kind === 'constant' ? v.value : undefined);

  const readEntries = (what: string) => {
    const formatCount = r.u8(`${what}_entry_format_count`);
    const formats: { type: number; form: number }[] = [];
    for (let i = 0; i < formatCount; i++) {
      const type = r.uleb(`${what} entry format content type`);
      const form = r.uleb(`${what} entry format form`);
      if (form === DW_FORM.implicit_const || form === DW_FORM.indirect) r.fail(`${what} entry format uses form ${hex(form)}, not allowed here`);
      formats.push({ type, form });
    }
    const count = r.uleb(`${what}s_count`);
    // Each entry takes at least one byte per format, so a count larger than
    // the bytes left is corrupt; this also bounds the loop below.
    if (count > 0 && (formats.length === 0 || count > r.remaining)) r.fail(`${what}s_count ${count} does not fit the header`);
    const entries: Map<number, FormValue>[] = [];
    for (let i = 0; i < count; i++) {
      const e = new Map<number, FormValue>();
      for (const f of formats) {
        const v = readForm(r, f.form, ctx);
        if (!e.has(f.type)) e.set(f.type, v);
      }
      entries.push(e);
    }
    return entries;
  };

  const dirs = readEntries('directory');
  const rawDirs = dirs.map((e, i) => str(e.get(DW_LNCT.path), `directory ${i}`) ?? '');
  // DWARF5 6.2.4 item 20: entry 0 is the compilation directory; the others
  // are relative to it unless absolute.
  const compDir = rawDirs.length > 0 && rawDirs[0] !== '' ? rawDirs[0] : opts.compDir?.(h.offset);
  h.compDir = compDir;
  h.directories = rawDirs.map((d, i) => (i === 0 ? compDir ?? '' : joinPath(compDir, d)));

  const files = readEntries('file_name');
  h.files = files.map((e, i) => {
    const name = str(e.get(DW_LNCT.path), `file ${i}`) ?? '';
    const dirIndex = Number(uint(e.get(DW_LNCT.directory_index)) ?? 0n);
    const md5v = e.get(DW_LNCT.MD5);
    const tsv = e.get(DW_LNCT.timestamp);
    const entry: LineFileEntry = {
      name,
      dirIndex,
      // DWARF5 6.2.4 item 21: a relative path name is relative to its directory entry.
      path: joinPath(dirIndex < h.directories.length ? h.directories[dirIndex] : compDir, name),
      size: uint(e.get(DW_LNCT.size)),
      mtime: tsv?.kind === 'constant' ? tsv.value : undefined,
    };
    if (md5v?.kind === 'block' && md5v.bytes.length === 16) entry.md5 = Array.from(md5v.bytes, hexByte).join('');
    return entry;
  });
}

/**
 * Runs the line number program (DWARF5 6.2.5) from r.pos to the end of the
 * unit and returns the matrix rows in order.
 */
function runProgram(r: ByteReader, h: LineProgramHeader): LineRow[] {
  const rows: LineRow[] = [];
  const { minimumInstructionLength: minInst, maximumOperationsPerInstruction: maxOps, lineBase, lineRange, opcodeBase } = h;
  let addrMask = h.addressSize >= 8 ? (1n << 64n) - 1n : (1n << BigInt(h.addressSize * 8)) - 1n;
  let sawAddressSize = h.version >= 5;
  const maskOf = (size: number) => (size >= 7 ? Number.MAX_SAFE_INTEGER : 2 ** (size * 8) - 1);
  let maskNum = maskOf(h.addressSize);

  // State machine registers, DWARF5 6.2.2 Table 6.4. The address is kept as
  // a base (DW_LNE_set_address) plus a number advance, so the common
  // opcodes do plain arithmetic; baseNum mirrors base while it is below
  // 2^53, so most rows need one BigInt conversion and no masking.
  let base = 0n;
  let baseNum = 0;
  let advance = 0;
  let opIndex = 0;
  let file = 1;
  let line = 1;
  let column = 0;
  let isStmt = h.defaultIsStmt;
  let basicBlock = false;
  let prologueEnd = false;
  let epilogueBegin = false;
  let isa = 0;
  let discriminator = 0;

  const fileName = (i: number): string => (i >= 0 && i < h.files.length ? h.files[i]?.path ?? '' : '');
  let lastFileIndex = -1;
  let lastFileName = '';
  let lastAddrKey = NaN;
  let lastAddr = 0n;

  const emit = (endSequence: boolean) => {
    if (file !== lastFileIndex) {
      lastFileIndex = file;
      lastFileName = fileName(file);
    }
    let address: bigint;
    const sum = baseNum + advance;
    if (baseNum >= 0 && sum >= 0 && sum <= Number.MAX_SAFE_INTEGER && sum <= maskNum) {
      if (sum !== lastAddrKey) {
        lastAddrKey = sum;
        lastAddr = BigInt(sum);
      }
      address = lastAddr;
    } else {
      address = (base + BigInt(advance)) & addrMask;
      lastAddrKey = NaN;
    }
    rows.push({
      address,
      file: lastFileName,
      line,
      column,
      isStmt,
      endSequence,
      fileIndex: file,
      opIndex,
      discriminator,
      basicBlock,
      prologueEnd,
      epilogueBegin,
      isa,
    });
  };
  const reset = () => {
    base = 0n;
    baseNum = 0;
    advance = 0;
    opIndex = 0;
    file = 1;
    line = 1;
    column = 0;
    isStmt = h.defaultIsStmt;
    basicBlock = false;
    prologueEnd = false;
    epilogueBegin = false;
    isa = 0;
    discriminator = 0;
  };
  // DWARF5 6.2.5.1: "operation advance" moves address and op_index together.
  const advanceOps = (opAdvance: number) => {
    if (maxOps === 1) {
      advance += minInst * opAdvance;
    } else {
      const t = opIndex + opAdvance;
      advance += minInst * Math.floor(t / maxOps);
      opIndex = t % maxOps;
    }
    if (!Number.isSafeInteger(advance)) r.fail('address advance overflows');
  };

  while (r.pos < r.end) {
    const at = r.pos;
    const opcode = r.u8('opcode');
    if (opcode >= opcodeBase) {
      // DWARF5 6.2.5.1: special opcodes.
      const adjusted = opcode - opcodeBase;
      advanceOps(Math.floor(adjusted / lineRange));
      line += lineBase + (adjusted % lineRange);
      emit(false);
      basicBlock = false;
      prologueEnd = false;
      epilogueBegin = false;
      discriminator = 0;
    } else if (opcode === 0) {
      // DWARF5 6.2.5.3: extended opcodes: 0, ULEB length, sub-opcode, operands.
      const len = r.uleb('extended opcode length');
      if (len === 0) r.fail('extended opcode with length 0', at);
      if (len > r.remaining) r.fail(`extended opcode length ${len} runs past the end of the unit`, at);
      const next = r.pos + len;
      const sub = r.u8('extended opcode');
      switch (sub) {
        case DW_LNE.end_sequence:
          emit(true);
          reset();
          break;
        case DW_LNE.set_address: {
          // The operand is a target address; its size is the opcode's length - 1.
          const size = len - 1;
          if (size !== 1 && size !== 2 && size !== 4 && size !== 8) r.fail(`DW_LNE_set_address with a ${size}-byte operand`, at);
          if (!sawAddressSize) {
            sawAddressSize = true;
            h.addressSize = size;
            addrMask = size >= 8 ? (1n << 64n) - 1n : (1n << BigInt(size * 8)) - 1n;
            maskNum = maskOf(size);
          }
          base = r.address(size, 'DW_LNE_set_address operand');
          baseNum = base <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(base) : -1;
          advance = 0;
          opIndex = 0;
          break;
        }
        case DW_LNE.define_file:
          // DWARF4 6.2.5.3: adds a file entry (reserved in DWARF 5).
          if (h.version < 5) h.files.push(v4FileEntry(r, h, r.cstr('DW_LNE_define_file name')));
          break;
        case DW_LNE.set_discriminator:
          discriminator = r.uleb('DW_LNE_set_discriminator operand');
          break;
        default:
          // DW_LNE_lo_user..hi_user and unknown ones: skipped by their length.
          break;
      }
      if (r.pos > next) r.fail(`extended opcode ${hex(sub)} operands overrun its length ${len}`, at);
      r.seek(next);
    } else {
      // DWARF5 6.2.5.2: standard opcodes.
      switch (opcode) {
        case DW_LNS.copy:
          emit(false);
          discriminator = 0;
          basicBlock = false;
          prologueEnd = false;
          epilogueBegin = false;
          break;
        case DW_LNS.advance_pc:
          advanceOps(r.uleb('DW_LNS_advance_pc operand'));
          break;
        case DW_LNS.advance_line:
          line += r.sleb('DW_LNS_advance_line operand');
          if (!Number.isSafeInteger(line)) r.fail('line number overflows', at);
          break;
        case DW_LNS.set_file:
          file = r.uleb('DW_LNS_set_file operand');
          break;
        case DW_LNS.set_column:
          column = r.uleb('DW_LNS_set_column operand');
          break;
        case DW_LNS.negate_stmt:
          isStmt = !isStmt;
          break;
        case DW_LNS.set_basic_block:
          basicBlock = true;
          break;
        case DW_LNS.const_add_pc:
          // Advance like special opcode 255, without a row or line change.
          advanceOps(Math.floor((255 - opcodeBase) / lineRange));
          break;
        case DW_LNS.fixed_advance_pc:
          // An unscaled uhalf; op_index is set to 0.
          advance += r.u16('DW_LNS_fixed_advance_pc operand');
          opIndex = 0;
          break;
        case DW_LNS.set_prologue_end:
          prologueEnd = true;
          break;
        case DW_LNS.set_epilogue_begin:
          epilogueBegin = true;
          break;
        case DW_LNS.set_isa:
          isa = r.uleb('DW_LNS_set_isa operand');
          break;
        default:
          // An opcode this decoder does not know (opcode_base > 13): skip
          // the number of ULEB operands the header declares for it.
          for (let i = 0; i < h.standardOpcodeLengths[opcode]; i++) r.uleb(`operand of opcode ${opcode}`);
      }
    }
  }
  return rows;
}

/** Prints rows like `objdump --dwarf=decodedline` (base names), for tests and diagnostics. */
export function formatRows(rows: readonly LineRow[]): string {
  return rows
    .map((x) => `${path.posix.basename(x.file).padEnd(35)} ${x.endSequence ? '-'.padStart(11) : String(x.line).padStart(11)} ${('0x' + x.address.toString(16)).padStart(18)}${x.isStmt && !x.endSequence ? '  x' : ''}`)
    .join('\n');
}
