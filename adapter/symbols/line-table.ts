// Fast queries over the decoded line number matrix (DWARF5 6.2):
//   address -> the row covering it (file, line, column, function),
//   (file, line) -> breakpoint addresses, chosen the way gdb does,
//   the list of source files with code.
//
// A row covers [its address, the next row's address) inside its sequence
// (DWARF5 6.2.5: "within a sequence, addresses may only increase"; 6.2.2,
// Table 6.3: the end_sequence row's address is the first byte after it).
// Several rows can share an address (gcc's "views" of inlined code); like
// gdb's find_pc_line, an address shows the last is_stmt row at that address
// (DWARF5 6.2.2: is_stmt marks "a recommended breakpoint location"), or the
// last row when none is a statement. Only the rows gdb records count (see
// recordedRows: no line-0 rows, no repeats of a line with a discriminator),
// for addresses and for breakpoints alike.

import * as path from 'path';
import { LineProgram, LineRow } from './dwarf-line';
import { Interval, IntervalMap, cmp, toAddress } from './intervals';

export interface LineLocation {
  /** The start of the covering row's range. */
  address: bigint;
  /** One past its last address. */
  end: bigint;
  file: string;
  /** Never 0: line-0 rows (compiler-generated code) are covered by the row before them, as in gdb. */
  line: number;
  column: number;
  isStmt: boolean;
  /** The containing function's symbol, when the symbol table has one. */
  function?: string;
}

export interface BreakpointLocation {
  address: bigint;
  file: string;
  line: number;
  column: number;
  /** The containing function's symbol name. */
  function?: string;
  /** The innermost named DWARF scope: the function or inlined subroutine the address belongs to. */
  scope?: string;
}

export interface LineBreakpoint {
  /** The requested file, as given. */
  requestedFile: string;
  requestedLine: number;
  /** The table's file paths that matched the request. */
  files: string[];
  /** The line that has code (requestedLine, or the next line with code in the same function). */
  line: number;
  locations: BreakpointLocation[];
}

/** A subprogram, inlined subroutine or lexical block (from .debug_info) that owns code addresses. */
export interface CodeScope {
  name?: string;
  ranges: readonly { start: bigint; end: bigint }[];
  /** Where the function is declared (absolute path) and its line: gdb's symbol line. */
  declFile?: string;
  declLine?: number;
  /** Nesting depth: inlined subroutines are deeper than their caller. */
  depth: number;
  /** Index of the enclosing scope in the same list. */
  parent?: number;
}

export interface FunctionRange {
  name: string;
  start: bigint;
  end: bigint;
}

/** Where a function's source starts (DW_AT_decl_file / DW_AT_decl_line of a definition). */
export interface FunctionDeclaration {
  file: string;
  line: number;
  name?: string;
}

export interface LineTableOptions {
  /** The function symbol containing an address (used for names and as a fallback scope). */
  functionAt?: (address: bigint) => FunctionRange | undefined;
  /** The scopes, or a function computing them on first use (walking .debug_info is the slow part of loading). */
  scopes?: readonly CodeScope[] | (() => readonly CodeScope[]);
  /**
   * Function definitions (or a function computing them on first use), to
   * keep a moved breakpoint inside the function of the requested line.
   * For files they do not cover, the first row of each function symbol
   * (or code label) stands in.
   */
  declarations?: readonly FunctionDeclaration[] | (() => readonly FunctionDeclaration[]);
  /**
   * Where a breakpoint on the function starting at an address goes (past
   * its prologue, see SymbolFile.afterPrologue). A line whose location is a
   * function's first address moves there, as gdb moves `break file:line`
   * on a function's opening line.
   */
  skipPrologue?: (functionStart: bigint) => bigint;
  /**
   * Keeps only sequences for which this returns true; linkers leave the
   * sequences of discarded functions at address 0 (or -1), over real code.
   */
  keepSequence?: (start: bigint, end: bigint) => boolean;
}

interface Candidate {
  line: number;
  address: bigint;
  row: number;
  seq: number;
}

export class LineTable {
  /** Every row of the kept sequences, end_sequence rows included, in program order. */
  readonly rows: readonly LineRow[];
  private readonly byAddress: IntervalMap<number>;
  /** For each row that starts an address group: the first row of its group (the function's declaration row at a function start). */
  private readonly groupFirst = new Map<number, number>();
  /** is_stmt rows with a line, per file path, sorted by (line, address). */
  private readonly stmtRows = new Map<string, Candidate[]>();
  private scopeMapCache?: IntervalMap<number>;
  private scopesCache?: readonly CodeScope[];
  private readonly scopeSource?: readonly CodeScope[] | (() => readonly CodeScope[]);
  private readonly declSource?: readonly FunctionDeclaration[] | (() => readonly FunctionDeclaration[]);
  /** Declaration lines per file, sorted (built on first use). */
  private declLines?: Map<string, number[]>;
  private readonly functionAt?: (address: bigint) => FunctionRange | undefined;
  private readonly skipPrologue?: (functionStart: bigint) => bigint;
  private readonly fileList: string[];

  static fromPrograms(programs: readonly LineProgram[], opts: LineTableOptions = {}): LineTable {
    return new LineTable(programs.flatMap((p) => p.rows), opts);
  }

  constructor(allRows: readonly LineRow[], opts: LineTableOptions = {}) {
    this.functionAt = opts.functionAt;
    this.skipPrologue = opts.skipPrologue;
    this.scopeSource = opts.scopes;
    this.declSource = opts.declarations;
    const rows: LineRow[] = [];
    // Row ranges go into parallel arrays; each sequence remembers its slice.
    const starts: bigint[] = [];
    const ends: bigint[] = [];
    const values: number[] = [];
    const seqs: { start: bigint; from: number; to: number }[] = [];
    let seq = 0;
    // Split into sequences; rows after the last end_sequence have no end address and are dropped.
    for (let i = 0; i < allRows.length; ) {
      let j = i;
      while (j < allRows.length && !allRows[j].endSequence) j++;
      if (j >= allRows.length) break;
      const start = allRows[i].address;
      const end = allRows[j].address;
      if (end > start && (!opts.keepSequence || opts.keepSequence(start, end))) {
        const base = rows.length;
        for (let k = i; k <= j; k++) rows.push(allRows[k]);
        const from = starts.length;
        this.indexSequence(rows, base, base + (j - i), seq, starts, ends, values);
        seqs.push({ start, from, to: starts.length });
        seq++;
      }
      i = j + 1;
    }
    this.rows = rows;
    let ordered = true;
    for (let k = 1; k < seqs.length && ordered; k++) ordered = seqs[k - 1].start <= seqs[k].start;
    if (!ordered) seqs.sort((a, b) => cmp(a.start, b.start));
    const n = starts.length;
    const iv: Interval<number>[] = new Array(n);
    let w = 0;
    for (const sq of seqs) for (let k = sq.from; k < sq.to; k++) iv[w++] = { start: starts[k], end: ends[k], value: values[k] };
    this.byAddress = IntervalMap.fromSorted(iv);
    for (const list of this.stmtRows.values()) list.sort((a, b) => a.line - b.line || cmp(a.address, b.address));
    this.fileList = [...this.stmtRows.keys()].sort();
  }

  private get scopes(): readonly CodeScope[] {
    if (!this.scopesCache) {
      const src = this.scopeSource;
      this.scopesCache = typeof src === 'function' ? src() : src ?? [];
    }
    return this.scopesCache;
  }

  private get scopeMap(): IntervalMap<number> {
    if (!this.scopeMapCache) {
      this.scopeMapCache = new IntervalMap(this.scopes.flatMap((s, i) => s.ranges.map((r) => ({ start: r.start, end: r.end, value: i, depth: s.depth }))));
    }
    return this.scopeMapCache;
  }

  /**
   * Rows [first, last] are one sequence; `last` is its end_sequence row.
   * Rows with line 0 (DWARF5 6.2.2, Table 6.3: an instruction that "cannot
   * be attributed to any source line") get no range of their own: like gdb, which does not record them,
   * the row before them covers their addresses.
   */
  private indexSequence(rows: LineRow[], first: number, last: number, seq: number, starts: bigint[], ends: bigint[], values: number[]): void {
    const groups: { start: bigint; chosen: number; first: number }[] = [];
    const recorded = this.recordedRows(rows, first, last);
    let g = first;
    while (g < last) {
      const addr = rows[g].address;
      let h = g;
      let chosen = -1;
      let lastRow = -1;
      let firstRow = -1;
      for (; h < last && rows[h].address === addr; h++) {
        const r = rows[h];
        if (!recorded[h - first]) continue;
        if (firstRow < 0) firstRow = h;
        lastRow = h;
        if (r.isStmt) chosen = h;
        if (r.isStmt && r.file !== '') {
          let list = this.stmtRows.get(r.file);
          if (!list) this.stmtRows.set(r.file, (list = []));
          list.push({ line: r.line, address: r.address, row: h, seq });
        }
      }
      // An address that went backwards (malformed) starts nothing.
      const monotonic = groups.length === 0 || addr > groups[groups.length - 1].start;
      if (lastRow >= 0 && monotonic) groups.push({ start: addr, chosen: chosen >= 0 ? chosen : lastRow, first: firstRow });
      g = h;
    }
    const endAddr = rows[last].address;
    for (let k = 0; k < groups.length; k++) {
      const gr = groups[k];
      const next = k + 1 < groups.length ? groups[k + 1].start : endAddr;
      if (next > gr.start) {
        starts.push(gr.start);
        ends.push(next);
        values.push(gr.chosen);
        this.groupFirst.set(gr.chosen, gr.first);
      }
    }
  }

  /**
   * Which rows of the sequence [first, last) gdb records in its line table
   * (gdb/dwarf2/read.c, lnp_state_machine::record_line and
   * dwarf_record_line_p, gdb 13):
   * - a line-0 row is not recorded;
   * - a non-stmt row that switches to another file at an address that
   *   already had an is_stmt row is not recorded (the switch would end the
   *   other file's lines there);
   * - a row repeating the last recorded (file, line) is not recorded when
   *   that line has had a non-zero discriminator (PR 17276: clang and gcc
   *   split one line into entries per discriminator). "Has had" is state
   *   machine history: a line change (advance_line with a non-zero delta)
   *   or a file change resets it to "this row's discriminator is
   *   non-zero"; otherwise each non-zero discriminator sets it, and it
   *   stays set across addresses and is_stmt changes.
   * Rows repeating a line without discriminators (gcc's prologue marker)
   * stay.
   */
  private recordedRows(rows: readonly LineRow[], first: number, last: number): boolean[] {
    const out: boolean[] = new Array(last - first).fill(false);
    // The state machine's registers before the first row (DWARF5 6.2.2, Table 6.4).
    let line = 1;
    let fileIndex = 1;
    let hasDiscriminator = false;
    let lastFile: string | undefined;
    let lastLine = 0;
    let lastAddress: bigint | undefined;
    let stmtAtAddress = false;
    for (let h = first; h < last; h++) {
      const r = rows[h];
      if (r.line !== line || r.fileIndex !== fileIndex) hasDiscriminator = r.discriminator !== 0;
      else if (r.discriminator !== 0) hasDiscriminator = true;
      line = r.line;
      fileIndex = r.fileIndex;
      if (lastAddress !== r.address) {
        lastAddress = r.address;
        stmtAtAddress = false;
      }
      const fileChanged = r.file !== lastFile;
      const ignore = r.line === 0 || (fileChanged && h > first && rows[h - 1].address === r.address && !r.isStmt && stmtAtAddress);
      stmtAtAddress ||= r.isStmt;
      if (ignore) continue;
      out[h - first] = fileChanged || r.line !== lastLine || !hasDiscriminator;
      lastFile = r.file;
      lastLine = r.line;
    }
    return out;
  }

  /** Number of rows kept (end_sequence rows included). */
  get size(): number {
    return this.rows.length;
  }

  /** The row covering `address`, or undefined outside every sequence. */
  lookup(address: bigint | number): LineLocation | undefined {
    const seg = this.byAddress.segmentAt(toAddress(address));
    if (!seg) return undefined;
    const r = this.rows[seg.value];
    return {
      address: seg.start,
      end: seg.end,
      file: r.file,
      line: r.line,
      column: r.column,
      isStmt: r.isStmt,
      function: this.functionAt?.(seg.start)?.name,
    };
  }

  /**
   * The first row at the exact address `address` (for a function start: the
   * declaration line), or undefined when no row starts there.
   */
  firstRowAt(address: bigint | number): LineRow | undefined {
    const i = this.firstRowIndex(toAddress(address));
    return i < 0 ? undefined : this.rows[i];
  }

  private firstRowIndex(a: bigint): number {
    const seg = this.byAddress.segmentAt(a);
    if (!seg || seg.start !== a) return -1;
    return this.groupFirst.get(seg.value) ?? seg.value;
  }

  /** Source files that have at least one statement, sorted. */
  sources(): string[] {
    return [...this.fileList];
  }

  /** Lines of `file` that have statements (is_stmt rows), sorted and unique. */
  linesWithCode(file: string): number[] {
    const out = new Set<number>();
    for (const f of this.matchFile(file)) for (const c of this.stmtRows.get(f) ?? []) out.add(c.line);
    return [...out].sort((a, b) => a - b);
  }

  /**
   * The table's paths for a file given by the user (an editor path): the
   * exact normalized path if present, else the paths sharing the longest
   * run of trailing path components with it (at least the base name).
   */
  matchFile(file: string): string[] {
    const norm = path.posix.normalize(file.replace(/\\/g, '/'));
    if (this.stmtRows.has(norm)) return [norm];
    const want = norm.split('/').filter((c) => c !== '');
    let best = 0;
    let out: string[] = [];
    for (const f of this.fileList) {
      const have = f.split('/').filter((c) => c !== '');
      let n = 0;
      while (n < want.length && n < have.length && want[want.length - 1 - n] === have[have.length - 1 - n]) n++;
      if (n === 0) continue;
      if (n > best) {
        best = n;
        out = [f];
      } else if (n === best) out.push(f);
    }
    return out;
  }

  /**
   * Breakpoint addresses for a source line, like gdb's linespec resolution
   * (gdb/linespec.c, decode_digits_ordinary + create_sals_line_offset):
   * 1. the is_stmt rows of `line` in the file; if there are none, the rows
   *    of the lowest later line that has any;
   * 2. one location per innermost block (lexical block, inlined
   *    subroutine or function from .debug_info; else the function symbol;
   *    else the sequence): its lowest address;
   * 3. when the line moved, it must stay in the function of the requested
   *    line (the function declared last at or before it): a line between
   *    two functions, or a function's last lines without code, must not
   *    become a breakpoint in the next function. This is gdb 16's rule
   *    ("reject inserting breakpoints between functions"); gdb 13 still
   *    slides into the next function.
   * 4. a location at a function's first address moves past the prologue
   *    (options.skipPrologue), taking the line found there, as gdb does.
   * Returns undefined when the file is unknown or no line >= `line` has
   * code; a result with no locations when rule 3 rejects the move.
   */
  resolveBreakpoint(file: string, line: number): LineBreakpoint | undefined {
    const files = this.matchFile(file);
    if (files.length === 0) return undefined;
    let best = Infinity;
    for (const f of files) {
      const list = this.stmtRows.get(f)!;
      const i = lowerBound(list, line);
      if (i < list.length && list[i].line < best) best = list[i].line;
    }
    if (best === Infinity) return undefined;
    const exact = best === line;
    const perScope = new Map<string, { c: Candidate; file: string; scope?: number; fn?: FunctionRange }>();
    for (const f of files) {
      const list = this.stmtRows.get(f)!;
      for (let i = lowerBound(list, best); i < list.length && list[i].line === best; i++) {
        const c = list[i];
        const scope = this.scopeMap.at(c.address);
        const fn = this.functionAt?.(c.address);
        const key = scope !== undefined ? `s${scope}` : fn ? `f${fn.start}` : `q${c.seq}`;
        const prev = perScope.get(key);
        if (!prev || c.address < prev.c.address) perScope.set(key, { c, file: f, scope, fn });
      }
    }
    const locations: BreakpointLocation[] = [];
    const seen = new Set<bigint>();
    for (const { c, file: f, scope, fn } of perScope.values()) {
      if (!exact && this.enclosingDeclaration(f, line) !== this.enclosingDeclaration(f, best)) continue;
      const r = this.rows[c.row];
      let loc: BreakpointLocation = { address: c.address, file: f, line: r.line, column: r.column, function: fn?.name, scope: this.scopeName(scope) };
      // gdb's skip_prologue_sal: a location at a function's entry moves past the prologue, and takes that line.
      if (fn && fn.start === c.address && this.skipPrologue) {
        const to = this.skipPrologue(c.address);
        const at = to !== c.address ? this.lookup(to) : undefined;
        if (at && to < fn.end) loc = { ...loc, address: to, file: at.file, line: at.line, column: at.column };
      }
      if (seen.has(loc.address)) continue;
      seen.add(loc.address);
      locations.push(loc);
    }
    locations.sort((a, b) => cmp(a.address, b.address));
    return { requestedFile: file, requestedLine: line, files, line: best, locations };
  }

  /** The breakpoint addresses of resolveBreakpoint, alone. */
  addressesFor(file: string, line: number): bigint[] {
    return this.resolveBreakpoint(file, line)?.locations.map((l) => l.address) ?? [];
  }

  /** The name of a scope, or of its nearest named parent (lexical blocks have none). */
  private scopeName(i: number | undefined): string | undefined {
    const scopes = this.scopes;
    for (let hops = 0; i !== undefined && hops < 256; i = scopes[i].parent, hops++) if (scopes[i].name) return scopes[i].name;
    return undefined;
  }

  /**
   * The declaration line of the function whose source holds `file`:`line`:
   * the greatest declaration line at or before it (C functions do not
   * nest), or -1 before the first function of the file.
   */
  private enclosingDeclaration(file: string, line: number): number {
    const lines = this.declarationLines().get(file);
    if (!lines) return -1;
    let lo = 0;
    let hi = lines.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (lines[mid] <= line) lo = mid + 1;
      else hi = mid;
    }
    return lo > 0 ? lines[lo - 1] : -1;
  }

  private declarationLines(): Map<string, number[]> {
    if (!this.declLines) {
      const src = this.declSource;
      const decls = (typeof src === 'function' ? src() : src) ?? [];
      const m = new Map<string, Set<number>>();
      const add = (d: FunctionDeclaration) => {
        let set = m.get(d.file);
        if (!set) m.set(d.file, (set = new Set()));
        set.add(d.line);
      };
      for (const d of decls) add(d);
      // Files no definition names (assembly, or no .debug_info): symbols stand in.
      const known = new Set(m.keys());
      for (const d of this.declarationsFromSymbols()) if (!known.has(d.file)) add(d);
      this.declLines = new Map([...m].map(([f, set]) => [f, [...set].sort((a, b) => a - b)]));
    }
    return this.declLines;
  }

  /**
   * Without .debug_info: each function symbol's first row (gcc and clang
   * put the declarator's line there) stands in for its declaration.
   */
  private declarationsFromSymbols(): FunctionDeclaration[] {
    const out: FunctionDeclaration[] = [];
    if (!this.functionAt) return out;
    const seen = new Set<bigint>();
    for (const r of this.rows) {
      if (r.endSequence) continue;
      const fn = this.functionAt(r.address);
      if (!fn || seen.has(fn.start)) continue;
      seen.add(fn.start);
      const first = this.firstRowAt(fn.start);
      if (first && first.line > 0 && first.file !== '') out.push({ file: first.file, line: first.line, name: fn.name });
    }
    return out;
  }

  /**
   * The first row flagged prologue_end (DWARF5 6.2.2: "where a breakpoint
   * should be placed to stop at the entry of a function") in [start, end),
   * walking the sequence from the row at start.
   */
  prologueEndByLines(start: bigint, end: bigint): { address: bigint; flagged: boolean } {
    let i = this.firstRowIndex(start);
    if (i < 0) return { address: start, flagged: false };
    for (; i < this.rows.length; i++) {
      const r = this.rows[i];
      if (r.address >= end || r.endSequence) break;
      if (r.prologueEnd) return { address: r.address, flagged: true };
    }
    return { address: start, flagged: false };
  }
}

/** First index with line >= `line` in a list sorted by line. */
function lowerBound(list: readonly Candidate[], line: number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (list[mid].line < line) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
