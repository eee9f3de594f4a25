// Everything the debugger knows about one ELF file's code: function symbols
// (.symtab), source lines (.debug_line, with scopes from .debug_info), and
// unwinding (.eh_frame / .debug_frame, rbp chain as a fallback).
//
// Loading is lenient by default: a file without debug information still
// gives symbols (with a warning), and a malformed DWARF unit is skipped with
// a warning naming its offset, so one bad unit does not cost the whole
// file. With { strict: true } the first problem is thrown instead. In both
// modes the only exception type is SymbolError.

import * as fs from 'fs';
import * as nodePath from 'path';
import {
  ElfFile,
  ElfSymbol,
  SHN_ABS,
  SHN_COMMON,
  SHN_UNDEF,
  SHT_NOBITS,
  STB_LOCAL,
  STT_FUNC,
  STT_NOTYPE,
  STT_OBJECT,
  parseElf,
} from '../../emulator/machine/elf';
import { LoadError } from '../../emulator/machine/load-error';
import { CallFrameInfo, Frame, MemoryReader, Registers, Unwinder } from './cfi';
import { CompileUnit, DW_LANG_Mips_Assembler, DebugInfo, FunctionDefinition, Scope, readDebugInfo, readScopes, unitStrx } from './dwarf-info';
import { LineDecodeOptions, LineProgram, decodeLineProgram } from './dwarf-line';
import { SymbolError, hex } from './errors';
import { IntervalMap, cmp, toAddress } from './intervals';
import { CodeScope, FunctionDeclaration, LineBreakpoint, LineLocation, LineTable } from './line-table';
import { ByteReader } from './reader';
import { DwarfSections, compressedDebugSections, dwarfSections } from './sections';

const SHF_ALLOC = 2;
const SHF_EXECINSTR = 4;

export interface FunctionSymbol {
  name: string;
  start: bigint;
  /** One past the last byte: start + st_size, or the next symbol for a size-0 symbol. */
  end: bigint;
  /** 'function' for STT_FUNC; 'label' for an untyped symbol in code (assembly entry points). */
  kind: 'function' | 'label';
  global: boolean;
}

export interface SymbolFileOptions {
  /** Throw the first DWARF problem instead of skipping the unit with a warning. */
  strict?: boolean;
}

export interface SymbolicFrame extends Frame {
  /** `name+0x1f` (see SymbolFile.symbolize) of the frame's lookup address. */
  symbol: string;
  function?: string;
  /** The source line of the frame's lookup address. */
  location?: LineLocation;
}

export class SymbolFile {
  /** STT_FUNC symbols, sorted by address. */
  readonly functions: readonly FunctionSymbol[];
  readonly lines: LineTable;
  readonly debugInfo: DebugInfo;
  readonly linePrograms: readonly LineProgram[];
  /** Human-readable problems and missing pieces; empty for a normal -g build. */
  readonly warnings: string[] = [];
  /** True when the file has .debug_line with at least one row. */
  readonly hasLineInfo: boolean;

  private readonly codeMap: IntervalMap<FunctionSymbol>;
  private readonly nearby: NearestSymbols;
  private readonly execRanges: { start: bigint; end: bigint }[];
  private readonly secs: DwarfSections;
  private readonly inCode: (a: bigint) => boolean;
  private scopeCache?: Scope[];
  private cfiCache?: CallFrameInfo | null;
  private unwinderCache?: Unwinder;
  private definitionCache?: FunctionDefinition[];
  private readonly strictMode: boolean;
  private byName?: Map<string, ElfSymbol>;
  private unitMap?: IntervalMap<CompileUnit>;

  /** Reads and parses `file`; throws SymbolError (a LoadError) for a missing or malformed file. */
  static load(file: string, opts: SymbolFileOptions = {}): SymbolFile {
    let bytes: Uint8Array;
    try {
      bytes = fs.readFileSync(file);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new SymbolError(`${file}: cannot read the file${code ? ` (${code})` : ''}`);
    }
    return SymbolFile.fromBytes(bytes, file, opts);
  }

  /** Parses an ELF image held in memory; `name` is used in messages. */
  static fromBytes(bytes: Uint8Array, name = '<memory>', opts: SymbolFileOptions = {}): SymbolFile {
    let elf: ElfFile;
    try {
      elf = parseElf(bytes);
    } catch (e) {
      if (e instanceof LoadError) throw new SymbolError(`${name}: ${e.message}`);
      throw e;
    }
    return new SymbolFile(elf, name, opts);
  }

  constructor(
    readonly elf: ElfFile,
    readonly path: string,
    opts: SymbolFileOptions = {},
  ) {
    const strict = opts.strict ?? false;
    this.strictMode = strict;
    const name = nodePath.basename(this.path);
    const problem = (msg: string) => {
      if (strict) throw new SymbolError(`${this.path}: ${msg}`);
      this.warnings.push(msg);
    };

    this.execRanges = elf.sections
      .filter((s) => (s.flags & (SHF_ALLOC | SHF_EXECINSTR)) === (SHF_ALLOC | SHF_EXECINSTR) && s.size > 0)
      .map((s) => ({ start: s.addr, end: s.addr + BigInt(s.size) }));
    const inCode = (start: bigint): boolean => this.execRanges.length === 0 || this.execRanges.some((r) => start >= r.start && start < r.end);

    // Symbols.
    const { functions, code } = collectCodeSymbols(elf);
    this.functions = functions;
    this.codeMap = new IntervalMap(code.map((f) => ({ start: f.start, end: f.end, value: f, depth: f.kind === 'function' ? 1 : 0 })));
    this.nearby = new NearestSymbols(elf);
    if (elf.symbols.length === 0) this.warnings.push(`${name} has no symbol table (stripped?): functions are shown as addresses`);

    // DWARF.
    const secs = dwarfSections(elf);
    const compressed = compressedDebugSections(elf);
    if (compressed.length > 0) {
      problem(`compressed debug sections are not supported (${compressed.join(', ')}); relink without --compress-debug-sections`);
      for (const k of Object.keys(secs) as (keyof DwarfSections)[]) if (k !== 'ehFrame' && k !== 'ehFrameAddr' && k !== 'gotAddr' && k !== 'textAddr') delete secs[k];
    }
    this.debugInfo = readDebugInfo(secs);
    for (const w of this.debugInfo.warnings) problem(w);
    this.linePrograms = this.decodeLines(secs, problem);

    // Scopes (all of .debug_info) are read on first use, except in strict
    // mode where every problem must surface at load.
    this.secs = secs;
    this.inCode = inCode;
    if (strict) this.scopes();
    this.lines = LineTable.fromPrograms(this.linePrograms, {
      functionAt: (a) => this.functionAt(a),
      scopes: () => this.codeScopes(),
      declarations: () => this.declarations(),
      skipPrologue: (start) => this.afterPrologue(start),
      keepSequence: (start) => inCode(start),
    });
    this.hasLineInfo = this.lines.size > 0;
    if (!secs.line) {
      this.warnings.push(
        `${name} has no line information (.debug_line is missing; build with -g): source breakpoints and source locations are unavailable, function symbols still work`,
      );
    } else if (!this.hasLineInfo) {
      this.warnings.push(`${name}: .debug_line has no usable rows`);
    }

    // Call frame information is parsed on first use (strict: now).
    if (strict) void this.cfi;
  }

  /** .eh_frame and .debug_frame (parsed on first use); undefined when the file has neither. */
  get cfi(): CallFrameInfo | undefined {
    if (this.cfiCache === undefined) {
      const secs = this.secs;
      if (secs.frame || secs.ehFrame) {
        const cfi = new CallFrameInfo(secs, { addressSize: this.elf.is64 ? 8 : 4, keepRange: (start) => this.inCode(start) });
        for (const w of cfi.warnings) {
          if (this.strictMode) throw new SymbolError(`${this.path}: ${w}`);
          this.warnings.push(w);
        }
        this.cfiCache = cfi;
      } else {
        this.cfiCache = null;
      }
    }
    return this.cfiCache ?? undefined;
  }

  /** The unwinder: CFI where an FDE covers the pc, the rbp chain elsewhere. */
  get unwinder(): Unwinder {
    this.unwinderCache ??= new Unwinder(this.cfi, { arch: this.elf.is64 ? 'x86-64' : 'i386', functionStart: (pc) => this.functionAt(pc)?.start });
    return this.unwinderCache;
  }

  /** Decodes every line program: units in section order, then any DW_AT_stmt_list not reached. */
  private decodeLines(secs: DwarfSections, problem: (m: string) => void): LineProgram[] {
    const sec = secs.line;
    if (!sec) return [];
    const unitByStmt = new Map<number, CompileUnit>();
    for (const u of this.debugInfo.units) if (u.stmtList !== undefined && !unitByStmt.has(u.stmtList)) unitByStmt.set(u.stmtList, u);
    const opts: LineDecodeOptions = {
      compDir: (off) => unitByStmt.get(off)?.compDir,
      strx: (off, i) => {
        const u = unitByStmt.get(off);
        return u ? unitStrx(secs, u, i) : undefined;
      },
    };
    const out: LineProgram[] = [];
    const seen = new Set<number>();
    const one = (off: number): number | undefined => {
      seen.add(off);
      try {
        const p = decodeLineProgram(secs, off, opts);
        out.push(p);
        return p.header.end;
      } catch (e) {
        if (!(e instanceof SymbolError)) throw e;
        problem(`line table at .debug_line+${hex(off)} skipped: ${e.message}`);
        // The next unit starts after this one if at least its length is sound.
        try {
          const r = new ByteReader(sec, '.debug_line');
          r.seek(off);
          return r.initialLength('line number program').end;
        } catch {
          return undefined;
        }
      }
    };
    for (let off: number | undefined = 0; off !== undefined && off < sec.length; ) off = one(off);
    for (const off of unitByStmt.keys()) if (!seen.has(off) && off < sec.length) one(off);
    return out;
  }

  /**
   * The subprograms and inlined subroutines of .debug_info (read on first
   * use); problems found then are appended to `warnings`.
   */
  scopes(): readonly Scope[] {
    if (!this.scopeCache) {
      const r = readScopes(this.secs, this.debugInfo);
      for (const w of r.warnings) {
        if (this.strictMode) throw new SymbolError(`${this.path}: ${w}`);
        this.warnings.push(w);
      }
      this.scopeCache = r.scopes;
      this.definitionCache = r.definitions;
    }
    return this.scopeCache;
  }

  /** Function definitions with their files resolved, for breakpoint placement. */
  private declarations(): FunctionDeclaration[] {
    this.scopes();
    const files = this.fileTables();
    const out: FunctionDeclaration[] = [];
    for (const d of this.definitionCache ?? []) {
      const file = d.unit.stmtList !== undefined ? files.get(d.unit.stmtList)?.header.files[d.declFile]?.path : undefined;
      if (file) out.push({ file, line: d.declLine, name: d.name });
    }
    return out;
  }

  private fileTables(): Map<number, LineProgram> {
    const m = new Map<number, LineProgram>();
    for (const p of this.linePrograms) m.set(p.header.offset, p);
    return m;
  }

  /** Scopes with their declaration files resolved through the units' line tables (same indexes as scopes()). */
  private codeScopes(): CodeScope[] {
    const filesByStmt = this.fileTables();
    return this.scopes().map((s) => {
      const prog = s.unit.stmtList !== undefined ? filesByStmt.get(s.unit.stmtList) : undefined;
      const declFile = s.declFile !== undefined ? prog?.header.files[s.declFile]?.path : undefined;
      return { name: s.name, ranges: s.ranges.filter((r) => this.inCode(r.start)), declFile, declLine: s.declLine, depth: s.depth, parent: s.parent };
    });
  }

  /** The file's base name. */
  get name(): string {
    return nodePath.basename(this.path);
  }

  /**
   * The function containing `address`: an STT_FUNC symbol's
   * [value, value + size), or else an untyped code label (assembly entry
   * points like _start) up to the next symbol in its section.
   */
  functionAt(address: bigint | number): FunctionSymbol | undefined {
    return this.codeMap.at(toAddress(address));
  }

  /**
   * `name` or `name+0x10` for an address, like objdump's `<name+0x10>`
   * (without the brackets): the containing function, else (like objdump,
   * which ignores sizes) the nearest symbol at or before it in the same
   * section, so alignment padding after a function still names it; else
   * `0x` + hex.
   */
  symbolize(address: bigint | number): string {
    const a = toAddress(address);
    const fn = this.functionAt(a);
    if (fn) return withOffset(fn.name, a - fn.start);
    const sym = this.nearby.at(a);
    if (sym) return withOffset(sym.name, a - sym.value);
    return hex(a);
  }

  /** The address of a defined symbol (a global or weak one over a local one), or undefined. */
  lookup(name: string): bigint | undefined {
    if (!this.byName) {
      const m = new Map<string, ElfSymbol>();
      for (const s of this.elf.symbols) {
        if (s.shndx === SHN_UNDEF || s.name === '') continue;
        const prev = m.get(s.name);
        if (!prev || (prev.binding === STB_LOCAL && s.binding !== STB_LOCAL)) m.set(s.name, s);
      }
      this.byName = m;
    }
    return this.byName.get(name)?.value;
  }

  /** Source files that have code. */
  sources(): string[] {
    return this.lines.sources();
  }

  /** Shorthand for lines.lookup. */
  lineAt(address: bigint | number): LineLocation | undefined {
    return this.lines.lookup(address);
  }

  /** Shorthand for lines.resolveBreakpoint. */
  breakpoint(file: string, line: number): LineBreakpoint | undefined {
    return this.lines.resolveBreakpoint(file, line);
  }

  /**
   * Where `break NAME` stops, following gdb 13 (symtab.c skip_prologue_sal
   * and find_function_start_sal, amd64-tdep.c amd64_skip_prologue):
   * - assembly units, and gcc units whose variables have location lists
   *   (gdb's "locations valid": optimized code describes variables from
   *   the first instruction): the function's first address;
   * - a row flagged prologue_end (DWARF5 6.2.2) inside the function;
   * - clang units: the next row after the function's first one;
   * - otherwise `[endbr64] push %rbp; mov %rsp,%rbp` is skipped (read from
   *   the file), and a stop inside a row moves to that row's end.
   * undefined for an unknown name.
   */
  functionBreakpoint(name: string): bigint | undefined {
    const start = this.lookup(name);
    return start === undefined ? undefined : this.afterPrologue(start);
  }

  /** Where a breakpoint on the function starting at `start` goes (see functionBreakpoint). */
  afterPrologue(start: bigint): bigint {
    const fn = this.functionAt(start);
    const end = fn && fn.start === start ? fn.end : start + 1n;
    this.scopes(); // sets CompileUnit.hasLocationLists
    this.unitMap ??= new IntervalMap(this.debugInfo.units.flatMap((u) => u.ranges.map((r) => ({ start: r.start, end: r.end, value: u }))));
    const unit = this.unitMap.at(start);
    const llvm = unit?.producer !== undefined && /clang|LLVM/i.test(unit.producer);
    if (unit?.language === DW_LANG_Mips_Assembler) return start;
    if (unit?.hasLocationLists && !llvm) return start;
    const byLines = this.lines.prologueEndByLines(start, end);
    if (byLines.flagged) return byLines.address;
    if (llvm) {
      const first = this.lines.lookup(start);
      return first && first.address === start && first.end < end ? first.end : start;
    }
    let pc = start + BigInt(this.framePrologueLength(start));
    if (pc >= end) pc = start;
    const row = this.lines.lookup(pc);
    if (pc !== start && row && row.address !== pc && row.end < end) pc = row.end;
    return pc;
  }

  /**
   * Every place `break NAME` stops, like gdb's multi-location breakpoints:
   * the out-of-line copy (functionBreakpoint) and the entry of each inlined
   * copy (the start of its first range, DWARF5 2.18 and 3.3.8.3), sorted.
   */
  functionBreakpoints(name: string): bigint[] {
    const out = new Set<bigint>();
    const main = this.functionBreakpoint(name);
    if (main !== undefined) out.add(main);
    for (const s of this.scopes()) {
      if (s.kind === 'inlined' && s.name === name && s.ranges.length > 0 && this.inCode(s.ranges[0].start)) out.add(s.ranges[0].start);
    }
    return [...out].sort(cmp);
  }

  /**
   * Bytes of `[endbr64] push %rbp; mov %rsp,%rbp` at a function start, read
   * from the file; 0 unless the whole sequence is there (gdb's
   * amd64_analyze_prologue treats anything else as frameless and keeps the
   * function's first address).
   */
  private framePrologueLength(start: bigint): number {
    const b = this.fileBytes(start, 12);
    if (!b) return 0;
    let i = 0;
    if (b[0] === 0xf3 && b[1] === 0x0f && b[2] === 0x1e && (b[3] === 0xfa || b[3] === 0xfb)) i = 4;
    if (b[i] !== 0x55) return 0;
    i++;
    const rex = this.elf.is64 ? 1 : 0;
    if (rex && b[i] !== 0x48) return 0;
    const op = b[i + rex];
    const modrm = b[i + rex + 1];
    if ((op === 0x89 && modrm === 0xe5) || (op === 0x8b && modrm === 0xec)) return i + rex + 2;
    return 0;
  }

  /** Up to `n` bytes of the file's image at a virtual address (from the section holding it). */
  fileBytes(address: bigint, n: number): Uint8Array | undefined {
    for (const s of this.elf.sections) {
      if (s.type === SHT_NOBITS || (s.flags & SHF_ALLOC) === 0 || s.size === 0) continue;
      if (address >= s.addr && address < s.addr + BigInt(s.size)) {
        const off = Number(address - s.addr);
        return this.elf.bytes.subarray(s.offset + off, s.offset + Math.min(s.size, off + n));
      }
    }
    return undefined;
  }

  /**
   * The call stack from a register state, innermost first, each frame with
   * its symbol and source line (looked up at rip - 1 for return addresses,
   * see Frame.lookupAddress).
   */
  backtrace(regs: Registers, read: MemoryReader, maxFrames = 64): SymbolicFrame[] {
    return this.unwinder.backtrace(regs, read, maxFrames).map((f) => {
      const fn = this.functionAt(f.lookupAddress);
      const rip = f.registers.rip;
      return {
        ...f,
        // Named after the function of the lookup address, so a call at the
        // very end of a function does not show as the next function.
        symbol: fn ? withOffset(fn.name, rip - fn.start) : this.symbolize(rip),
        function: fn?.name,
        location: this.lines.lookup(f.lookupAddress),
      };
    });
  }
}

function withOffset(name: string, off: bigint): string {
  return off === 0n ? name : `${name}+0x${off.toString(16)}`;
}

/**
 * STT_FUNC symbols (sorted, one per address: global over local, sized over
 * unsized) and, for code not covered by any, untyped labels in executable
 * sections. Size-0 entries extend to the next code symbol or the end of
 * their section.
 */
function collectCodeSymbols(elf: ElfFile): { functions: FunctionSymbol[]; code: FunctionSymbol[] } {
  const execSections = new Map<number, { start: bigint; end: bigint }>();
  elf.sections.forEach((s) => {
    if ((s.flags & (SHF_ALLOC | SHF_EXECINSTR)) === (SHF_ALLOC | SHF_EXECINSTR)) execSections.set(s.index, { start: s.addr, end: s.addr + BigInt(s.size) });
  });
  const defined = (s: ElfSymbol) => s.shndx !== SHN_UNDEF && s.shndx !== SHN_COMMON && s.name !== '';
  const cands = elf.symbols.filter(
    (s) =>
      defined(s) &&
      (s.type === STT_FUNC ||
        // Untyped labels in code: assembly entry points. Skip local
        // assembler temporaries (.L*) and section-relative ABS values.
        (s.type === STT_NOTYPE && s.shndx !== SHN_ABS && execSections.has(s.shndx) && !s.name.startsWith('.L') && !s.name.startsWith('$'))),
  );
  // One symbol per (address, kind): prefer global, then sized, then the first.
  const byKey = new Map<string, ElfSymbol>();
  for (const s of cands) {
    const key = `${s.type}:${s.value}`;
    const prev = byKey.get(key);
    if (!prev) byKey.set(key, s);
    else {
      const better = (prev.binding === STB_LOCAL && s.binding !== STB_LOCAL) || (prev.binding === s.binding && prev.size === 0n && s.size > 0n);
      if (better) byKey.set(key, s);
    }
  }
  const list = [...byKey.values()].sort((a, b) => cmp(a.value, b.value) || (a.type === STT_FUNC ? -1 : 1));
  const starts = [...new Set(list.map((s) => s.value))].sort(cmp);
  const nextStart = (v: bigint): bigint | undefined => {
    let lo = 0;
    let hi = starts.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (starts[mid] <= v) lo = mid + 1;
      else hi = mid;
    }
    return lo < starts.length ? starts[lo] : undefined;
  };
  const functions: FunctionSymbol[] = [];
  const code: FunctionSymbol[] = [];
  for (const s of list) {
    let end = s.value + s.size;
    if (s.size === 0n) {
      const sec = execSections.get(s.shndx);
      const next = nextStart(s.value);
      end = next ?? sec?.end ?? s.value + 1n;
      if (sec && end > sec.end) end = sec.end;
      if (end <= s.value) end = s.value + 1n;
    }
    const f: FunctionSymbol = { name: s.name, start: s.value, end, kind: s.type === STT_FUNC ? 'function' : 'label', global: s.binding !== STB_LOCAL };
    if (f.kind === 'function') functions.push(f);
    code.push(f);
  }
  return { functions, code };
}

/** Per allocated section, its named symbols sorted by address: objdump's "nearest preceding symbol". */
class NearestSymbols {
  private readonly sections: IntervalMap<{ values: BigUint64Array; syms: ElfSymbol[] }>;

  constructor(elf: ElfFile) {
    const bySection = new Map<number, ElfSymbol[]>();
    for (const s of elf.symbols) {
      if (s.shndx === SHN_UNDEF || s.shndx === SHN_ABS || s.shndx === SHN_COMMON || s.name === '' || s.name.startsWith('.L')) continue;
      if (s.type !== STT_FUNC && s.type !== STT_OBJECT && s.type !== STT_NOTYPE) continue;
      let list = bySection.get(s.shndx);
      if (!list) bySection.set(s.shndx, (list = []));
      list.push(s);
    }
    const ivs: { start: bigint; end: bigint; value: { values: BigUint64Array; syms: ElfSymbol[] } }[] = [];
    for (const sec of elf.sections) {
      const list = bySection.get(sec.index);
      if (!list || (sec.flags & SHF_ALLOC) === 0 || sec.size === 0) continue;
      // At one address, prefer functions, then global symbols (stable otherwise).
      const rank = (x: ElfSymbol) => (x.type === STT_FUNC ? 0 : 2) + (x.binding === STB_LOCAL ? 1 : 0);
      list.sort((x, y) => cmp(x.value, y.value) || rank(x) - rank(y));
      const syms = list.filter((x, i) => i === 0 || list[i - 1].value !== x.value);
      ivs.push({ start: sec.addr, end: sec.addr + BigInt(sec.size), value: { values: BigUint64Array.from(syms.map((x) => x.value)), syms } });
    }
    this.sections = new IntervalMap(ivs);
  }

  at(a: bigint): ElfSymbol | undefined {
    const sec = this.sections.at(a);
    if (!sec) return undefined;
    const v = sec.values;
    let lo = 0;
    let hi = v.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (v[mid] <= a) lo = mid + 1;
      else hi = mid;
    }
    return lo > 0 ? sec.syms[lo - 1] : undefined;
  }
}
