// The parts of .debug_info the debugger needs, read without a DWARF library:
// each compilation unit's root DIE (name, comp_dir, stmt_list, bases) and
// the address ranges of every subprogram and inlined subroutine ("scopes":
// breakpoint locations are one per scope, like gdb's one per block).
//
// Unit headers: DWARF5 7.5.1.1 (v5) and DWARF4 7.5.1.1 (v2-4). DIEs and
// abbreviations: DWARF5 7.5.2-7.5.3. Ranges: DWARF5 2.17 (low/high pc and
// DW_AT_ranges), 7.25 (.debug_rnglists), DWARF4 2.17.3 (.debug_ranges).
// Indexed strings and addresses: DWARF5 7.26 (.debug_str_offsets), 7.27
// (.debug_addr).
//
// Two passes: readDebugInfo reads only unit headers and root DIEs (what
// the line tables need, at load time); readScopes walks all DIEs (what
// breakpoint placement needs, on first use). A malformed unit is skipped
// with a warning; the walk is iterative (no recursion on DIE depth) and
// every loop consumes bytes.

import { SymbolError, hex } from './errors';
import { DW_FORM, FormContext, FormValue, constantNumber, fixedFormSize, readForm, skipForm } from './dwarf-forms';
import { ByteReader, stringAt } from './reader';
import { DwarfSections } from './sections';

/** DW_TAG_* values used here (DWARF5 7.5.4, Table 7.3). */
export const DW_TAG = {
  compile_unit: 0x11,
  partial_unit: 0x3c,
  skeleton_unit: 0x4a,
  type_unit: 0x41,
  subprogram: 0x2e,
  inlined_subroutine: 0x1d,
  lexical_block: 0x0b,
} as const;

/** DW_AT_* values used here (DWARF5 7.5.4, Table 7.5). */
export const DW_AT = {
  location: 0x02,
  name: 0x03,
  stmt_list: 0x10,
  low_pc: 0x11,
  high_pc: 0x12,
  language: 0x13,
  comp_dir: 0x1b,
  inline: 0x20,
  producer: 0x25,
  abstract_origin: 0x31,
  decl_file: 0x3a,
  decl_line: 0x3b,
  declaration: 0x3c,
  specification: 0x47,
  entry_pc: 0x52,
  ranges: 0x55,
  call_column: 0x57,
  call_file: 0x58,
  call_line: 0x59,
  linkage_name: 0x6e,
  str_offsets_base: 0x72,
  addr_base: 0x73,
  rnglists_base: 0x74,
  GNU_ranges_base: 0x2132,
  GNU_addr_base: 0x2133,
} as const;

/** DW_UT_* (DWARF5 7.5.1, Table 7.2). */
const DW_UT = { compile: 1, type: 2, partial: 3, skeleton: 4, split_compile: 5, split_type: 6 } as const;

export interface AddressRange {
  start: bigint;
  /** One past the last byte. */
  end: bigint;
}

export interface CompileUnit {
  /** Offset of the unit header in .debug_info. */
  offset: number;
  version: number;
  unitType: number;
  is64: boolean;
  addressSize: number;
  name?: string;
  compDir?: string;
  producer?: string;
  language?: number;
  /** DW_AT_stmt_list: offset of this unit's line program in .debug_line. */
  stmtList?: number;
  lowPc?: bigint;
  ranges: AddressRange[];
  strOffsetsBase?: number;
  addrBase?: number;
  rnglistsBase?: number;
  /**
   * Some variable of the unit has a location list (set by readScopes): gdb
   * then trusts variable locations at a function's first instruction
   * ("locations_valid") and does not skip prologues of gcc code.
   */
  hasLocationLists?: boolean;
}

/** DW_LANG_Mips_Assembler (DWARF5 7.12, Table 7.17): what gas writes for assembly units. */
export const DW_LANG_Mips_Assembler = 0x8001;

export interface Scope {
  /** DW_TAG_subprogram, DW_TAG_inlined_subroutine, DW_TAG_lexical_block. */
  kind: 'function' | 'inlined' | 'block';
  /** Offset of the DIE in .debug_info. */
  offset: number;
  name?: string;
  ranges: AddressRange[];
  /** DW_AT_decl_file / decl_line of the function (through abstract_origin / specification). */
  declFile?: number;
  declLine?: number;
  /** For inlined subroutines: where the call is (DWARF5 3.3.8.2). */
  callFile?: number;
  callLine?: number;
  callColumn?: number;
  /** Index of the enclosing scope in DebugInfo.scopes, if any. */
  parent?: number;
  /** Nesting depth among scopes: 0 for a top-level function. */
  depth: number;
  unit: CompileUnit;
}

export interface DebugInfo {
  units: CompileUnit[];
  warnings: string[];
}

/** A function definition (not a prototype): where its source starts. */
export interface FunctionDefinition {
  name?: string;
  /** Index into the unit's line table file list (DW_AT_decl_file). */
  declFile: number;
  declLine: number;
  unit: CompileUnit;
}

export interface ScopeInfo {
  scopes: Scope[];
  /** Every subprogram definition with a declaration line, inlined-only ones included. */
  definitions: FunctionDefinition[];
  warnings: string[];
}

interface AttrSpec {
  name: number;
  form: number;
  implicitConst: bigint;
}
interface Abbrev {
  tag: number;
  hasChildren: boolean;
  attrs: AttrSpec[];
  /** Total size when every attribute has a fixed-size form in this unit, else -1 (cached per unit shape). */
  fixedSize?: number;
  /** DW_AT_location is a location list (DWARF5 7.5.5 loclist class: sec_offset, loclistx; data4/data8 before v4). */
  locationList?: boolean;
  fixedKey?: string;
}

/**
 * One abbreviation table (DWARF5 7.5.3), parsed on demand: a unit's root
 * DIE needs one entry, so load time reads only up to it; the scope walk
 * reads the rest.
 */
class AbbrevTable {
  private readonly table = new Map<number, Abbrev>();
  private readonly r: ByteReader;
  private done = false;

  constructor(sec: Uint8Array, offset: number) {
    this.r = new ByteReader(sec, '.debug_abbrev');
    this.r.seek(offset);
  }

  get(code: number): Abbrev | undefined {
    const hit = this.table.get(code);
    if (hit || this.done) return hit;
    try {
      return this.parseUntil(code);
    } catch (e) {
      this.done = true; // the reader stopped mid-entry: parse no further
      throw e;
    }
  }

  private parseUntil(code: number): Abbrev | undefined {
    const r = this.r;
    for (;;) {
      const c = r.uleb('abbreviation code');
      if (c === 0) {
        this.done = true;
        return undefined;
      }
      const tag = r.uleb('abbreviation tag');
      const children = r.u8('DW_CHILDREN');
      const attrs: AttrSpec[] = [];
      for (;;) {
        const name = r.uleb('attribute name');
        const form = r.uleb('attribute form');
        if (name === 0 && form === 0) break;
        const implicitConst = form === DW_FORM.implicit_const ? r.slebBig('implicit_const value') : 0n;
        attrs.push({ name, form, implicitConst });
      }
      if (!this.table.has(c)) {
        const ab: Abbrev = { tag, hasChildren: children !== 0, attrs };
        this.table.set(c, ab);
        if (c === code) return ab;
      }
    }
  }
}

class AbbrevCache {
  private readonly tables = new Map<number, AbbrevTable>();
  constructor(private readonly sec: Uint8Array | undefined) {}
  get(offset: number, r: ByteReader): AbbrevTable {
    let t = this.tables.get(offset);
    if (!t) {
      if (!this.sec) return r.fail('the file has .debug_info but no .debug_abbrev');
      if (offset >= this.sec.length) r.fail(`debug_abbrev_offset ${hex(offset)} beyond .debug_abbrev`);
      t = new AbbrevTable(this.sec, offset);
      this.tables.set(offset, t);
    }
    return t;
  }
}

/** Per-DIE info kept for every subprogram, so abstract_origin / specification can be followed. */
interface SubprogramInfo {
  name?: string;
  declFile?: number;
  declLine?: number;
  origin?: number;
}

class UnitStrings {
  constructor(private readonly secs: DwarfSections, private readonly unit: CompileUnit) {}

  string(v: FormValue | undefined): string | undefined {
    if (!v) return undefined;
    switch (v.kind) {
      case 'string':
        return v.value;
      case 'strp':
        return stringAt(v.section === '.debug_str' ? this.secs.str : this.secs.lineStr, v.section, v.offset);
      case 'strx':
        return stringAt(this.secs.str, '.debug_str', this.strOffset(v.index));
      default:
        return undefined;
    }
  }

  /** DWARF5 7.26: entry `index` of the unit's contribution to .debug_str_offsets. */
  private strOffset(index: number): number {
    const sec = this.secs.strOffsets;
    if (!sec) throw new SymbolError(`DW_FORM_strx index ${index} but the file has no .debug_str_offsets`);
    // Without DW_AT_str_offsets_base, the contribution's header is assumed to start the section.
    const size = this.unit.is64 ? 8 : 4;
    const base = this.unit.strOffsetsBase ?? (this.unit.is64 ? 16 : 8);
    const r = new ByteReader(sec, '.debug_str_offsets');
    r.seek(Math.min(base + index * size, sec.length));
    return r.offset(this.unit.is64, `string offset #${index}`);
  }

  /** DWARF5 7.27: entry `index` of the unit's contribution to .debug_addr. */
  address(v: FormValue | undefined): bigint | undefined {
    if (!v) return undefined;
    if (v.kind === 'address') return v.value;
    if (v.kind !== 'addrx') return undefined;
    const sec = this.secs.addr;
    if (!sec) throw new SymbolError(`DW_FORM_addrx index ${v.index} but the file has no .debug_addr`);
    const base = this.unit.addrBase ?? 8;
    const r = new ByteReader(sec, '.debug_addr');
    r.seek(Math.min(base + v.index * this.unit.addressSize, sec.length));
    return r.address(this.unit.addressSize, `address #${v.index}`);
  }
}

const MASK64 = (1n << 64n) - 1n;

/** A DW_FORM_strx string of `unit` (DWARF5 7.26), e.g. a path in its v5 line table header. */
export function unitStrx(secs: DwarfSections, unit: CompileUnit, index: number): string | undefined {
  return new UnitStrings(secs, unit).string({ kind: 'strx', index });
}

/** Where a unit's DIEs are, for the scope walk. */
interface UnitLayout {
  dies: number;
  end: number;
  abbrevs: AbbrevTable;
}
const layouts = new WeakMap<CompileUnit, UnitLayout>();

/**
 * Reads the header and root DIE of every compilation unit in .debug_info
 * (cheap: one DIE per unit). Never throws for bad data: a unit that cannot
 * be read becomes a warning.
 */
export function readDebugInfo(secs: DwarfSections): DebugInfo {
  const out: DebugInfo = { units: [], warnings: [] };
  const info = secs.info;
  if (!info) return out;
  const abbrevs = new AbbrevCache(secs.abbrev);
  const r = new ByteReader(info, '.debug_info');
  while (r.remaining > 0) {
    const unitOffset = r.pos;
    let end: number;
    let is64: boolean;
    try {
      ({ end, is64 } = r.initialLength('compilation unit'));
    } catch (e) {
      if (!(e instanceof SymbolError)) throw e;
      out.warnings.push(`${e.message}; the rest of .debug_info is ignored`);
      break;
    }
    try {
      const u = readUnitRoot(secs, r.slice(r.pos, end - r.pos, 'compilation unit'), unitOffset, is64, abbrevs);
      if (u) out.units.push(u);
    } catch (e) {
      if (!(e instanceof SymbolError)) throw e;
      out.warnings.push(`compilation unit at .debug_info+${hex(unitOffset)}: ${e.message}`);
    }
    r.pos = end;
  }
  return out;
}

/** DWARF5 7.5.1.1 (v5) / DWARF4 7.5.1.1 (v2-4) unit header, then the root DIE. */
function readUnitRoot(secs: DwarfSections, r: ByteReader, unitOffset: number, is64: boolean, abbrevCache: AbbrevCache): CompileUnit | undefined {
  const version = r.u16('unit version');
  if (version < 2 || version > 5) r.fail(`unsupported DWARF version ${version}`);
  let unitType: number = DW_UT.compile;
  let addressSize: number;
  let abbrevOffset: number;
  if (version >= 5) {
    unitType = r.u8('unit_type');
    addressSize = r.u8('address_size');
    abbrevOffset = r.offset(is64, 'debug_abbrev_offset');
    if (unitType === DW_UT.skeleton || unitType === DW_UT.split_compile) r.skip(8, 'dwo_id');
    else if (unitType === DW_UT.type || unitType === DW_UT.split_type) {
      r.skip(8, 'type_signature');
      r.offset(is64, 'type_offset');
    }
  } else {
    abbrevOffset = r.offset(is64, 'debug_abbrev_offset');
    addressSize = r.u8('address_size');
  }
  if (addressSize !== 4 && addressSize !== 8 && addressSize !== 2) r.fail(`unsupported address size ${addressSize}`);
  if (unitType === DW_UT.type || unitType === DW_UT.split_type) return undefined;
  const abbrevs = abbrevCache.get(abbrevOffset, r);
  const ctx: FormContext = { is64, addressSize, version, unitOffset };
  const unit: CompileUnit = { offset: unitOffset, version, unitType, is64, addressSize, ranges: [] };
  layouts.set(unit, { dies: r.pos, end: r.end, abbrevs });
  const code = r.uleb('abbreviation code');
  const ab = abbrevs.get(code);
  if (!ab) return r.fail(`root DIE uses abbreviation code ${code}, which is not in the table at .debug_abbrev+${hex(abbrevOffset)}`);
  if (ab.tag !== DW_TAG.compile_unit && ab.tag !== DW_TAG.partial_unit && ab.tag !== DW_TAG.skeleton_unit) {
    r.fail(`first DIE has tag ${hex(ab.tag)}, not DW_TAG_compile_unit`);
  }
  const attrs = new Map<number, FormValue>();
  for (const a of ab.attrs) attrs.set(a.name, readForm(r, a.form, ctx, a.implicitConst));
  readRoot(unit, attrs, new UnitStrings(secs, unit), secs);
  return unit;
}

const SCOPE_ATTRS = new Set<number>([
  DW_AT.name,
  DW_AT.low_pc,
  DW_AT.high_pc,
  DW_AT.ranges,
  DW_AT.decl_file,
  DW_AT.decl_line,
  DW_AT.call_file,
  DW_AT.call_line,
  DW_AT.call_column,
  DW_AT.abstract_origin,
  DW_AT.specification,
  DW_AT.declaration,
]);

/**
 * Walks every DIE of the units and returns the subprograms, inlined
 * subroutines and lexical blocks that have addresses (gdb's "blocks"), with names and declaration lines
 * followed through DW_AT_abstract_origin / DW_AT_specification (DWARF5
 * 3.3.8, 2.13.2). DIEs of other tags are skipped without decoding, in one
 * step when all their forms have a fixed size.
 */
export function readScopes(secs: DwarfSections, info: DebugInfo): ScopeInfo {
  const out: ScopeInfo = { scopes: [], definitions: [], warnings: [] };
  const info0 = secs.info;
  if (!info0) return out;
  const subprograms = new Map<number, SubprogramInfo>();
  const pending: { scope: Scope; origin?: number }[] = [];
  for (const unit of info.units) {
    const lay = layouts.get(unit);
    if (!lay) continue;
    try {
      walkUnit(secs, new ByteReader(info0, '.debug_info', lay.dies, lay.end), unit, lay.abbrevs, subprograms, out, pending);
    } catch (e) {
      if (!(e instanceof SymbolError)) throw e;
      out.warnings.push(`compilation unit at .debug_info+${hex(unit.offset)}: ${e.message}`);
    }
  }
  for (const { scope, origin } of pending) {
    let o = origin;
    for (let hops = 0; o !== undefined && hops < 8; hops++) {
      const s = subprograms.get(o);
      if (!s) break;
      scope.name ??= s.name;
      scope.declFile ??= s.declFile;
      scope.declLine ??= s.declLine;
      o = s.origin;
    }
  }
  return out;
}

function walkUnit(
  secs: DwarfSections,
  r: ByteReader,
  unit: CompileUnit,
  abbrevs: AbbrevTable,
  subprograms: Map<number, SubprogramInfo>,
  out: ScopeInfo,
  pending: { scope: Scope; origin?: number }[],
): void {
  const ctx: FormContext = { is64: unit.is64, addressSize: unit.addressSize, version: unit.version, unitOffset: unit.offset };
  const shape = `${unit.is64 ? 8 : 4}/${unit.addressSize}/${unit.version <= 2 ? 2 : 3}`;
  const strings = new UnitStrings(secs, unit);
  // For each open DIE with children: the scope index it opened, or -1.
  const open: number[] = [];
  const openScopes: number[] = [];
  let first = true;
  const attrs = new Map<number, FormValue>();
  while (r.pos < r.end) {
    const dieOffset = r.pos;
    const code = r.uleb('abbreviation code');
    if (code === 0) {
      // A null entry ends a sibling chain (DWARF5 2.3).
      const closed = open.pop();
      if (closed !== undefined && closed >= 0) openScopes.pop();
      if (open.length === 0) break;
      continue;
    }
    const ab = abbrevs.get(code);
    if (!ab) return r.fail(`DIE at ${hex(dieOffset)} uses abbreviation code ${code}, which is not in the table`);
    let opened = -1;
    const isScope = ab.tag === DW_TAG.subprogram || ab.tag === DW_TAG.inlined_subroutine || ab.tag === DW_TAG.lexical_block;
    if (!isScope || first) {
      // Not interesting (or the root, read already): skip the attributes.
      if (ab.fixedKey !== shape) {
        ab.fixedKey = shape;
        ab.locationList = ab.attrs.some(
          (a) =>
            a.name === DW_AT.location &&
            (a.form === DW_FORM.sec_offset || a.form === DW_FORM.loclistx || (unit.version < 4 && (a.form === DW_FORM.data4 || a.form === DW_FORM.data8))),
        );
        let size = 0;
        for (const a of ab.attrs) {
          const n = fixedFormSize(a.form, ctx);
          if (n < 0) {
            size = -1;
            break;
          }
          size += n;
        }
        ab.fixedSize = size;
      }
      if (ab.locationList) unit.hasLocationLists = true;
      if (ab.fixedSize! >= 0) r.skip(ab.fixedSize!, 'DIE attributes');
      else for (const a of ab.attrs) skipForm(r, a.form, ctx);
      first = false;
    } else {
      attrs.clear();
      for (const a of ab.attrs) {
        if (SCOPE_ATTRS.has(a.name)) attrs.set(a.name, readForm(r, a.form, ctx, a.implicitConst));
        else skipForm(r, a.form, ctx);
      }
      const name = strings.string(attrs.get(DW_AT.name));
      const declFile = constantNumber(attrs.get(DW_AT.decl_file));
      const declLine = constantNumber(attrs.get(DW_AT.decl_line));
      const originV = attrs.get(DW_AT.abstract_origin) ?? attrs.get(DW_AT.specification);
      const origin = originV?.kind === 'reference' ? originV.offset : undefined;
      if (ab.tag === DW_TAG.subprogram) {
        subprograms.set(dieOffset, { name, declFile, declLine, origin });
        // DWARF5 3.3.1: DW_AT_declaration marks a prototype; a concrete
        // out-of-line instance (abstract_origin) repeats its abstract one.
        const isDeclaration = constantNumber(attrs.get(DW_AT.declaration)) === 1;
        if (!isDeclaration && attrs.get(DW_AT.abstract_origin) === undefined && declFile !== undefined && declLine !== undefined) {
          out.definitions.push({ name, declFile, declLine, unit });
        }
      }
      const ranges = dieRanges(attrs, unit, strings, secs);
      if (ranges.length > 0) {
        const scope: Scope = {
          kind: ab.tag === DW_TAG.subprogram ? 'function' : ab.tag === DW_TAG.inlined_subroutine ? 'inlined' : 'block',
          offset: dieOffset,
          name,
          ranges,
          declFile,
          declLine,
          callFile: constantNumber(attrs.get(DW_AT.call_file)),
          callLine: constantNumber(attrs.get(DW_AT.call_line)),
          callColumn: constantNumber(attrs.get(DW_AT.call_column)),
          parent: openScopes.length > 0 ? openScopes[openScopes.length - 1] : undefined,
          depth: openScopes.length,
          unit,
        };
        opened = out.scopes.length;
        out.scopes.push(scope);
        if (ab.tag !== DW_TAG.lexical_block) pending.push({ scope, origin });
      }
    }
    if (ab.hasChildren) {
      open.push(opened);
      if (opened >= 0) openScopes.push(opened);
    } else if (open.length === 0) {
      break; // a root without children
    }
  }
}

function readRoot(unit: CompileUnit, attrs: Map<number, FormValue>, strings: UnitStrings, secs: DwarfSections): void {
  // The bases first: other attributes of the root may be strx/addrx forms.
  const num = (a: number) => {
    const v = attrs.get(a);
    if (v?.kind === 'secOffset') return v.offset;
    return constantNumber(v);
  };
  unit.strOffsetsBase = num(DW_AT.str_offsets_base);
  unit.addrBase = num(DW_AT.addr_base) ?? num(DW_AT.GNU_addr_base);
  unit.rnglistsBase = num(DW_AT.rnglists_base);
  unit.name = strings.string(attrs.get(DW_AT.name));
  unit.compDir = strings.string(attrs.get(DW_AT.comp_dir));
  unit.producer = strings.string(attrs.get(DW_AT.producer));
  unit.language = constantNumber(attrs.get(DW_AT.language));
  // DW_AT_stmt_list is lineptr class: sec_offset in v4+, data4/data8 before (DWARF4 7.5.4).
  unit.stmtList = num(DW_AT.stmt_list);
  unit.lowPc = strings.address(attrs.get(DW_AT.low_pc));
  unit.ranges = dieRanges(attrs, unit, strings, secs);
}

/** A DIE's addresses: DW_AT_low_pc + DW_AT_high_pc, or DW_AT_ranges (DWARF5 2.17). */
function dieRanges(attrs: Map<number, FormValue>, unit: CompileUnit, strings: UnitStrings, secs: DwarfSections): AddressRange[] {
  const rangesV = attrs.get(DW_AT.ranges);
  if (rangesV) return readRangeList(rangesV, unit, strings, secs);
  const low = strings.address(attrs.get(DW_AT.low_pc));
  const highV = attrs.get(DW_AT.high_pc);
  if (low === undefined || !highV) return [];
  // DWARF5 2.17.2: a constant-class DW_AT_high_pc is an offset from low_pc.
  let high: bigint | undefined;
  if (highV.kind === 'constant') high = (low + highV.value) & MASK64;
  else high = strings.address(highV);
  if (high === undefined || high <= low) return [];
  return [{ start: low, end: high }];
}

function readRangeList(v: FormValue, unit: CompileUnit, strings: UnitStrings, secs: DwarfSections): AddressRange[] {
  const base0 = unit.lowPc ?? 0n;
  if (unit.version >= 5) {
    const sec = secs.rnglists;
    if (!sec) throw new SymbolError('DW_AT_ranges but the file has no .debug_rnglists');
    let off: number;
    if (v.kind === 'rnglistx') {
      // DWARF5 7.28: the offsets array at rnglists_base holds offsets relative to it.
      const base = unit.rnglistsBase ?? (unit.is64 ? 20 : 12);
      const r = new ByteReader(sec, '.debug_rnglists');
      r.seek(Math.min(base + v.index * (unit.is64 ? 8 : 4), sec.length));
      off = base + r.offset(unit.is64, `range list offset #${v.index}`);
    } else if (v.kind === 'secOffset') off = v.offset;
    else return [];
    return readRnglist(sec, off, base0, unit, strings);
  }
  const sec = secs.ranges;
  if (!sec) throw new SymbolError('DW_AT_ranges but the file has no .debug_ranges');
  const off = v.kind === 'secOffset' ? v.offset : constantNumber(v);
  if (off === undefined) return [];
  return readDebugRanges(sec, off, base0, unit.addressSize);
}

/** DWARF5 2.17.3 / 7.25: DW_RLE_* entries until DW_RLE_end_of_list. */
function readRnglist(sec: Uint8Array, off: number, base0: bigint, unit: CompileUnit, strings: UnitStrings): AddressRange[] {
  const r = new ByteReader(sec, '.debug_rnglists');
  r.seek(off);
  const out: AddressRange[] = [];
  let base = base0;
  const addrx = (what: string) => strings.address({ kind: 'addrx', index: r.uleb(what) })!;
  const push = (s: bigint, e: bigint) => {
    if (e > s) out.push({ start: s, end: e });
  };
  for (;;) {
    const kind = r.u8('DW_RLE kind');
    switch (kind) {
      case 0: // DW_RLE_end_of_list
        return out;
      case 1: // DW_RLE_base_addressx
        base = addrx('DW_RLE_base_addressx');
        break;
      case 2: {
        // DW_RLE_startx_endx
        const s = addrx('DW_RLE_startx_endx');
        push(s, addrx('DW_RLE_startx_endx'));
        break;
      }
      case 3: {
        // DW_RLE_startx_length
        const s = addrx('DW_RLE_startx_length');
        push(s, (s + r.ulebBig()) & MASK64);
        break;
      }
      case 4: {
        // DW_RLE_offset_pair
        const a = r.ulebBig();
        const b = r.ulebBig();
        push((base + a) & MASK64, (base + b) & MASK64);
        break;
      }
      case 5: // DW_RLE_base_address
        base = r.address(unit.addressSize);
        break;
      case 6: {
        // DW_RLE_start_end
        const s = r.address(unit.addressSize);
        push(s, r.address(unit.addressSize));
        break;
      }
      case 7: {
        // DW_RLE_start_length
        const s = r.address(unit.addressSize);
        push(s, (s + r.ulebBig()) & MASK64);
        break;
      }
      default:
        r.fail(`unknown range list entry kind ${kind}`);
    }
  }
}

/** DWARF4 2.17.3: (begin, end) pairs relative to the base; (0, 0) ends; (max, addr) sets the base. */
function readDebugRanges(sec: Uint8Array, off: number, base0: bigint, addressSize: number): AddressRange[] {
  const r = new ByteReader(sec, '.debug_ranges');
  r.seek(off);
  const max = addressSize === 8 ? MASK64 : (1n << BigInt(addressSize * 8)) - 1n;
  const out: AddressRange[] = [];
  let base = base0;
  for (;;) {
    const a = r.address(addressSize, 'range begin');
    const b = r.address(addressSize, 'range end');
    if (a === 0n && b === 0n) return out;
    if (a === max) {
      base = b;
      continue;
    }
    const s = (base + a) & max;
    const e = (base + b) & max;
    if (e > s) out.push({ start: s, end: e });
  }
}
