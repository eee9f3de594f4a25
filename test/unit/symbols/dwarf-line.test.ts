// The .debug_line decoder against objdump --dwarf=decodedline (example
// kernels, programs built here with gcc and clang at DWARF 2-5, 32- and
// 64-bit), and against hand-assembled line programs for every opcode.

import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { parseElf } from '../../../emulator/machine/elf';
import { readDebugInfo, unitStrx } from '../../../adapter/symbols/dwarf-info';
import { LineRow, decodeDebugLine, decodeLineProgram, formatRows, joinPath } from '../../../adapter/symbols/dwarf-line';
import { SymbolError } from '../../../adapter/symbols/errors';
import { DwarfSections, dwarfSections } from '../../../adapter/symbols/sections';
import { exampleKernels, have, objdumpLines } from './helpers';
import { buildProgram, programToolchains } from './programs';

/** Decodes all units of a file the way SymbolFile does (comp dirs from .debug_info). */
function decodeFile(file: string): LineRow[] {
  const secs = dwarfSections(parseElf(fs.readFileSync(file)));
  const info = readDebugInfo(secs);
  assert.deepEqual(info.warnings, []);
  const byStmt = new Map(info.units.map((u) => [u.stmtList, u]));
  return decodeDebugLine(secs, {
    compDir: (o) => byStmt.get(o)?.compDir,
    strx: (o, i) => {
      const u = byStmt.get(o);
      return u ? unitStrx(secs, u, i) : undefined;
    },
  }).flatMap((p) => p.rows);
}

/** Every row objdump prints is ours, in the same order, and nothing else. */
function assertMatchesObjdump(file: string): LineRow[] {
  const ours = decodeFile(file);
  const theirs = objdumpLines(file);
  assert.ok(theirs.length > 0, `objdump printed no rows for ${file}`);
  assert.equal(ours.length, theirs.length, `row count of ${file}`);
  for (let i = 0; i < ours.length; i++) {
    const o = ours[i];
    const t = theirs[i];
    const where = `${path.basename(file)} row ${i} (objdump: ${t.file} ${t.line ?? '-'} 0x${t.address.toString(16)})`;
    assert.equal(o.address, t.address, `${where}: address`);
    assert.equal(o.endSequence, t.line === undefined, `${where}: end_sequence`);
    if (t.line !== undefined) {
      assert.equal(o.line, t.line, `${where}: line`);
      assert.equal(o.isStmt, t.stmt, `${where}: is_stmt`);
    }
    assert.equal(path.posix.basename(o.file), path.posix.basename(t.file), `${where}: file`);
    // objdump's "dir/name:" header (printed on some file changes) names the
    // file relative to the compilation directory, or absolute.
    if (path.posix.basename(t.header) === path.posix.basename(t.file)) {
      assert.ok(o.file.endsWith(t.header.replace(/^\.\//, '')), `${where}: ${o.file} does not end with ${t.header}`);
    }
    assert.ok(path.isAbsolute(o.file), `${where}: ${o.file} is not absolute`);
  }
  return ours;
}

describe('symbols: .debug_line decoder', function () {
  this.timeout(120000);

  describe('example kernels (gcc -O2 -g, DWARF 5) match objdump --dwarf=decodedline', () => {
    const kernels = exampleKernels();
    it('has example kernels to check', () => assert.ok(kernels.length > 0, 'no examples/build/*.elf (run make -C examples)'));
    for (const k of kernels) {
      it(path.basename(k), () => {
        const rows = assertMatchesObjdump(k);
        // Every file with code exists where the table says it is.
        for (const f of new Set(rows.filter((r) => !r.endSequence).map((r) => r.file))) assert.ok(fs.existsSync(f), `${f} does not exist`);
      });
    }
  });

  describe('programs built here match objdump, with absolute paths that exist', () => {
    before(function () {
      if (!have('gcc') || !have('objdump')) this.skip();
    });
    for (const t of programToolchains()) {
      it(t.name, () => {
        const file = buildProgram(t);
        const rows = assertMatchesObjdump(file);
        const files = new Set(rows.filter((r) => !r.endSequence).map((r) => r.file));
        for (const f of files) assert.ok(fs.existsSync(f), `${t.name}: ${f} does not exist`);
        const dir = path.dirname(file);
        // clang -O2 folds the header's inline function into main.c's lines.
        const wanted = t.cc === 'gcc' || t.args.includes('-O0') ? ['main.c', 'inc/helper.h', 'lib/util.c', 'asm.S'] : ['main.c', 'lib/util.c', 'asm.S'];
        for (const want of wanted) {
          assert.ok(files.has(path.join(dir, want)), `${t.name}: no rows for ${want} (have ${[...files].join(', ')})`);
        }
      });
    }
    it('clang is installed (DWARF 5 from clang is a required case)', function () {
      if (!have('clang')) {
        // Debian: apt-get install -y clang. Reported, not failed, so machines without it still run the rest.
        this.skip();
      }
    });
  });

  describe('hand-assembled line programs', () => {
    it('v4: special opcodes, every standard opcode, end_sequence resets', () => {
      const prog = [
        ...setAddress(0x1000n),
        DW_LNS.copy, // row 1: 0x1000 line 1
        DW_LNS.advance_line, ...sleb(9), // line 10
        DW_LNS.set_column, ...uleb(7),
        special(2, 1), // 0x1002 line 11
        DW_LNS.negate_stmt,
        DW_LNS.advance_pc, ...uleb(0x30),
        DW_LNS.copy, // 0x1032 line 11 not stmt
        DW_LNS.negate_stmt,
        DW_LNS.const_add_pc, // + (255-13)/14 = 17
        DW_LNS.set_prologue_end,
        DW_LNS.set_basic_block,
        special(0, -2), // 0x1043 line 9, prologue_end, basic_block
        DW_LNS.fixed_advance_pc, ...u16(0x100),
        DW_LNS.set_epilogue_begin,
        DW_LNS.set_isa, ...uleb(3),
        DW_LNS.set_file, ...uleb(2),
        0, 2, DW_LNE.set_discriminator, 5,
        DW_LNS.copy, // 0x1143 line 9 file 2, epilogue_begin, discriminator 5, isa 3
        DW_LNS.advance_pc, ...uleb(1),
        0, 1, DW_LNE.end_sequence, // 0x1144
        ...setAddress(0x2000n),
        special(0, 0), // after reset: line 1, file 1, column 0, is_stmt default
        DW_LNS.advance_pc, ...uleb(4),
        0, 1, DW_LNE.end_sequence,
      ];
      const unit = lineUnitV2to4({ version: 4, dirs: ['inc', '/abs'], files: [['a.c', 0], ['b.h', 1], ['c.h', 2]], program: prog });
      const p = decodeLineProgram({ line: unit }, 0, { compDir: () => '/src' });
      assert.deepEqual(p.header.files.slice(1).map((f) => f?.path), ['/src/a.c', '/src/inc/b.h', '/abs/c.h']);
      const rows = p.rows.map(brief);
      assert.deepEqual(rows, [
        '1000 a.c:1:0 S',
        '1002 a.c:11:7 S',
        '1032 a.c:11:7 -',
        '1043 a.c:9:7 S prologue_end basic_block',
        '1143 b.h:9:7 S epilogue_begin disc=5 isa=3',
        '1144 b.h:9:7 S end isa=3',
        '2000 a.c:1:0 S',
        '2004 a.c:1:0 S end',
      ]);
    });

    it('v2 with opcode_base 10: opcodes 10-12 are special opcodes', () => {
      const prog = [...setAddress(0x400n), DW_LNS.advance_line, ...sleb(20), 10, 11, 24, 0, 1, DW_LNE.end_sequence];
      const unit = lineUnitV2to4({ version: 2, opcodeBase: 10, files: [['x.c', 0]], program: prog });
      const rows = decodeLineProgram({ line: unit }, 0).rows.map(brief);
      // With opcode_base 10, line_base -5, line_range 14: opcode 10 is (+0, -5),
      // 11 is (+0, -4), 24 is (+1, -5).
      assert.deepEqual(rows, ['400 x.c:16:0 S', '400 x.c:12:0 S', '401 x.c:7:0 S', '401 x.c:7:0 S end']);
    });

    it('an unknown standard opcode is skipped with the operand count the header declares', () => {
      // opcode_base 14: opcode 13 is unknown and declared with 2 ULEB operands.
      const prog = [...setAddress(0x500n), 13, ...uleb(300), ...uleb(5), DW_LNS.copy, 0, 1, DW_LNE.end_sequence];
      const unit = lineUnitV2to4({ version: 3, opcodeBase: 14, stdLens: [0, 1, 1, 1, 1, 0, 0, 0, 1, 0, 0, 1, 2], files: [['y.c', 0]], program: prog });
      assert.deepEqual(decodeLineProgram({ line: unit }, 0).rows.map(brief), ['500 y.c:1:0 S', '500 y.c:1:0 S end']);
    });

    it('unknown extended opcodes are skipped by their length; DW_LNE_define_file adds a file (v4)', () => {
      const prog = [
        ...setAddress(0x600n),
        ...ext(0x80, 1, 2, 3), // DW_LNE_lo_user with 3 bytes of operands
        ...ext(DW_LNE.define_file, ...cstr('new.c'), 0, 0, 0), // dir 0, mtime 0, length 0
        DW_LNS.set_file, 2,
        DW_LNS.copy,
        0, 1, DW_LNE.end_sequence,
      ];
      const unit = lineUnitV2to4({ version: 4, files: [['old.c', 0]], program: prog });
      const p = decodeLineProgram({ line: unit }, 0, { compDir: () => '/w' });
      assert.deepEqual(p.rows.map(brief), ['600 new.c:1:0 S', '600 new.c:1:0 S end']);
      assert.equal(p.rows[0].file, '/w/new.c');
    });

    it('minimum_instruction_length scales advances; maximum_operations_per_instruction tracks op_index (VLIW)', () => {
      const prog = [...setAddress(0x100n), special(5, 0), DW_LNS.advance_pc, ...uleb(4), DW_LNS.copy, 0, 1, DW_LNE.end_sequence];
      const unit = lineUnitV2to4({ version: 4, minInst: 4, maxOps: 3, files: [['v.c', 0]], program: prog });
      const rows = decodeLineProgram({ line: unit }, 0).rows;
      // 5 ops with 3 per instruction: address += 4 * floor(5/3), op_index = 2; then 4 more: (2+4)=6 -> +8, op_index 0.
      assert.deepEqual(
        rows.map((r) => [Number(r.address), r.opIndex]),
        [
          [0x104, 2],
          [0x10c, 0],
          [0x10c, 0],
        ],
      );
    });

    it('addresses wrap at the address size (32-bit set_address operand)', () => {
      const prog = [0, 5, DW_LNE.set_address, ...u32(0xfffffffe), DW_LNS.advance_pc, ...uleb(4), DW_LNS.copy, 0, 1, DW_LNE.end_sequence];
      const unit = lineUnitV2to4({ version: 4, files: [['w.c', 0]], program: prog });
      const p = decodeLineProgram({ line: unit }, 0);
      assert.equal(p.header.addressSize, 4);
      assert.equal(p.rows[0].address, 2n);
    });

    it('v5: entry formats with line_strp, strp, string, udata/data1 indexes, data16 MD5 and an unknown content type', () => {
      const lineStr = strtab(['/comp', 'sub', 'f0.c', 'f1.c']);
      const str = strtab(['', 'f2.c']);
      const md5 = Array.from({ length: 16 }, (_, i) => i);
      const dirFormat = [
        [DW_LNCT.path, DW_FORM.line_strp],
        [0x2001, DW_FORM.string], // vendor content (LLVM source) is skipped
      ];
      const dirs = [
        [...u32(lineStr.off['/comp']), ...cstr('')],
        [...u32(lineStr.off['sub']), ...cstr('')],
        [...u32(lineStr.off['/comp']), ...cstr('')],
      ];
      const fileFormat = [
        [DW_LNCT.path, -1], // per-file form, filled in below
        [DW_LNCT.directory_index, DW_FORM.udata],
        [DW_LNCT.MD5, DW_FORM.data16],
      ];
      const files = [
        { form: DW_FORM.line_strp, bytes: [...u32(lineStr.off['f0.c'])], dir: 0 },
        { form: DW_FORM.line_strp, bytes: [...u32(lineStr.off['f1.c'])], dir: 1 },
        { form: DW_FORM.line_strp, bytes: [...u32(lineStr.off['f1.c'])], dir: 2 },
      ];
      const prog = [...setAddress(0x7000n), DW_LNS.set_file, 0, DW_LNS.copy, DW_LNS.set_file, 1, special(1, 1), DW_LNS.set_file, 2, special(1, 1), 0, 1, DW_LNE.end_sequence];
      const unit = lineUnitV5({
        dirFormat,
        dirs,
        fileFormat: fileFormat.map(([t, f]) => [t, f === -1 ? files[0].form : f]),
        files: files.map((f) => [...f.bytes, ...uleb(f.dir), ...md5]),
        program: prog,
      });
      const p = decodeLineProgram({ line: unit, lineStr: lineStr.bytes, str: str.bytes }, 0);
      assert.equal(p.header.version, 5);
      assert.equal(p.header.compDir, '/comp');
      assert.deepEqual(p.header.directories, ['/comp', '/comp/sub', '/comp']);
      assert.deepEqual(p.header.files.map((f) => f?.path), ['/comp/f0.c', '/comp/sub/f1.c', '/comp/f1.c']);
      assert.equal(p.header.files[0]?.md5, '000102030405060708090a0b0c0d0e0f');
      assert.deepEqual(p.rows.map(brief), ['7000 f0.c:1:0 S', '7001 f1.c:2:0 S', '7002 f1.c:3:0 S', '7002 f1.c:3:0 S end']);
      assert.equal(p.rows[1].file, '/comp/sub/f1.c');

      // The same with DW_FORM_string and DW_FORM_strp paths and a data1 directory index.
      const unit2 = lineUnitV5({
        dirFormat: [[DW_LNCT.path, DW_FORM.string]],
        dirs: [cstr('/c2'), cstr('/other')],
        fileFormat: [
          [DW_LNCT.path, DW_FORM.strp],
          [DW_LNCT.directory_index, DW_FORM.data1],
        ],
        files: [[...u32(str.off['f2.c']), 1]],
        program: [...setAddress(0x10n), DW_LNS.set_file, 0, DW_LNS.copy, 0, 1, DW_LNE.end_sequence],
      });
      const p2 = decodeLineProgram({ line: unit2, str: str.bytes }, 0);
      assert.equal(p2.rows[0].file, '/other/f2.c');
    });

    it('v5: DW_FORM_strx paths need the unit (strx resolver); without it the error says so', () => {
      const unit = lineUnitV5({
        dirFormat: [[DW_LNCT.path, DW_FORM.strx1]],
        dirs: [[0]],
        fileFormat: [[DW_LNCT.path, DW_FORM.strx1]],
        files: [[1]],
        program: [...setAddress(0x10n), DW_LNS.set_file, 0, DW_LNS.copy, 0, 1, DW_LNE.end_sequence],
      });
      const names = ['/d', 'x.c'];
      const p = decodeLineProgram({ line: unit }, 0, { strx: (_o, i) => names[i] });
      assert.equal(p.rows[0].file, '/d/x.c');
      assert.throws(() => decodeLineProgram({ line: unit }, 0), (e: unknown) => e instanceof SymbolError && /str_offsets_base/.test(e.message));
    });

    it('64-bit DWARF units (initial length 0xffffffff) and several units in a row', () => {
      const a = lineUnitV2to4({ version: 4, dwarf64: true, files: [['a64.c', 0]], program: [...setAddress(0x10n), DW_LNS.copy, 0, 1, DW_LNE.end_sequence] });
      const b = lineUnitV5({
        dwarf64: true,
        dirFormat: [[DW_LNCT.path, DW_FORM.string]],
        dirs: [cstr('/d64')],
        fileFormat: [[DW_LNCT.path, DW_FORM.string]],
        files: [cstr('b64.c')],
        program: [...setAddress(0x20n), DW_LNS.set_file, 0, DW_LNS.copy, 0, 1, DW_LNE.end_sequence],
      });
      const c = lineUnitV2to4({ version: 3, files: [['c32.c', 0]], program: [...setAddress(0x30n), DW_LNS.copy, 0, 1, DW_LNE.end_sequence] });
      const progs = decodeDebugLine({ line: concat(a, b, c) });
      assert.deepEqual(
        progs.map((p) => [p.header.version, p.header.is64, p.rows[0].file, Number(p.rows[0].address)]),
        [
          [4, true, 'a64.c', 0x10],
          [5, true, '/d64/b64.c', 0x20],
          [3, false, 'c32.c', 0x30],
        ],
      );
      assert.equal(progs[1].header.offset, a.length);
    });

    it('formatRows prints like objdump', () => {
      const unit = lineUnitV2to4({ version: 4, files: [['p.c', 0]], program: [...setAddress(0x10n), DW_LNS.copy, 0, 1, DW_LNE.end_sequence] });
      const text = formatRows(decodeLineProgram({ line: unit }, 0).rows);
      assert.match(text, /^p\.c\s+1\s+0x10  x\np\.c\s+-\s+0x10$/);
    });

    it('joinPath resolves like a POSIX compiler', () => {
      assert.equal(joinPath('/a/b', '../c/./d.c'), '/a/c/d.c');
      assert.equal(joinPath('/a', '/abs/x.c'), '/abs/x.c');
      assert.equal(joinPath(undefined, 'rel/x.c'), 'rel/x.c');
      assert.equal(joinPath('/a', 'C:\\win\\x.c'), 'C:\\win\\x.c');
    });
  });

  describe('malformed line programs end in SymbolError with the offset', () => {
    const good = () => lineUnitV2to4({ version: 4, files: [['a.c', 0]], program: [...setAddress(0x10n), DW_LNS.copy, 0, 1, DW_LNE.end_sequence] });
    const fails = (bytes: Uint8Array, re: RegExp, secs: Partial<DwarfSections> = {}) =>
      assert.throws(() => decodeDebugLine({ ...secs, line: bytes }), (e: unknown) => e instanceof SymbolError && re.test(e.message));

    it('unsupported version', () => {
      const b = good();
      b[4] = 6;
      fails(b, /unsupported \.debug_line version 6/);
    });
    it('unit length past the section', () => fails(good().subarray(0, 20), /runs past the end/));
    it('reserved unit length', () => fails(new Uint8Array([0xf0, 0xff, 0xff, 0xff, 0, 0]), /reserved unit_length/));
    it('line_range 0', () => {
      const b = good();
      b[4 + 2 + 4 + 4] = 0; // after unit_length, version, header_length: min_inst, max_ops, default_is_stmt, line_base, line_range
      fails(b, /line_range is 0/);
    });
    it('an extended opcode longer than the unit', () => fails(lineUnitV2to4({ version: 4, files: [], program: [0, 0x7f, 2] }), /runs past the end of the unit/));
    it('a set_address with a 3-byte operand', () => fails(lineUnitV2to4({ version: 4, files: [], program: [0, 4, 2, 1, 2, 3] }), /3-byte operand/));
    it('a string without its NUL', () => fails(lineUnitV2to4({ version: 4, files: [], program: [], rawTables: [0x61, 0x62] }), /not NUL-terminated|header/));
    it('a v5 file count that cannot fit', () =>
      fails(lineUnitV5({ dirFormat: [[DW_LNCT.path, DW_FORM.string]], dirs: [cstr('/')], fileFormat: [[DW_LNCT.path, DW_FORM.string]], files: [], fileCount: 1000, program: [] }), /file_names_count 1000/));
    it('a line_strp offset beyond .debug_line_str', () =>
      fails(lineUnitV5({ dirFormat: [[DW_LNCT.path, DW_FORM.line_strp]], dirs: [u32(99)], fileFormat: [[DW_LNCT.path, DW_FORM.string]], files: [], program: [] }), /\.debug_line_str: string offset 0x63 beyond/, { lineStr: new Uint8Array([0x61, 0]) }));
  });
});

// ---------------------------------------------------------------------------
// A tiny assembler for line programs (DWARF5 6.2.4 / DWARF4 6.2.4 headers).

const DW_LNS = { copy: 1, advance_pc: 2, advance_line: 3, set_file: 4, set_column: 5, negate_stmt: 6, set_basic_block: 7, const_add_pc: 8, fixed_advance_pc: 9, set_prologue_end: 10, set_epilogue_begin: 11, set_isa: 12 };
const DW_LNE = { end_sequence: 1, set_address: 2, define_file: 3, set_discriminator: 4 };
const DW_LNCT = { path: 1, directory_index: 2, timestamp: 3, size: 4, MD5: 5 };
const DW_FORM = { string: 0x08, data1: 0x0b, udata: 0x0f, strp: 0x0e, line_strp: 0x1f, data16: 0x1e, strx1: 0x25 };

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    out.push(b);
  } while (n > 0);
  return out;
}
function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    const done = (n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0);
    out.push(done ? b : b | 0x80);
    if (done) return out;
  }
}
const u16 = (n: number) => [n & 0xff, (n >> 8) & 0xff];
const u32 = (n: number) => [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff];
const u64 = (n: bigint) => Array.from({ length: 8 }, (_, i) => Number((n >> BigInt(8 * i)) & 0xffn));
const cstr = (s: string) => [...Buffer.from(s, 'utf8'), 0];
const setAddress = (a: bigint) => [0, 9, DW_LNE.set_address, ...u64(a)];
/** An extended opcode with its length. */
const ext = (op: number, ...bytes: number[]) => [0, ...uleb(1 + bytes.length), op, ...bytes];
/** The special opcode for (address advance, line advance) with line_base -5, line_range 14, opcode_base 13. */
function special(addr: number, line: number): number {
  const op = (line - -5) + 14 * addr + 13;
  if (line < -5 || line > 8 || op > 255) throw new Error('not encodable as a special opcode');
  return op;
}
function concat(...parts: Uint8Array[]): Uint8Array {
  return Uint8Array.from(parts.flatMap((p) => Array.from(p)));
}
function strtab(list: string[]): { bytes: Uint8Array; off: Record<string, number> } {
  const off: Record<string, number> = {};
  const bytes: number[] = [];
  for (const s of list) {
    off[s] = bytes.length;
    bytes.push(...cstr(s));
  }
  return { bytes: Uint8Array.from(bytes), off };
}

function unit(version: number, dwarf64: boolean, afterVersion: number[], headerFields: number[], program: number[]): Uint8Array {
  const headerLength = dwarf64 ? u64(BigInt(headerFields.length)) : u32(headerFields.length);
  const body = [...u16(version), ...afterVersion, ...headerLength, ...headerFields, ...program];
  const len = dwarf64 ? [0xff, 0xff, 0xff, 0xff, ...u64(BigInt(body.length))] : u32(body.length);
  return Uint8Array.from([...len, ...body]);
}

interface V4Spec {
  version: 2 | 3 | 4;
  dwarf64?: boolean;
  minInst?: number;
  maxOps?: number;
  opcodeBase?: number;
  stdLens?: number[];
  dirs?: string[];
  files: [string, number][];
  program: number[];
  /** Replaces the directory and file tables (for malformed cases). */
  rawTables?: number[];
}
function lineUnitV2to4(s: V4Spec): Uint8Array {
  const opcodeBase = s.opcodeBase ?? 13;
  const stdLens = s.stdLens ?? [0, 1, 1, 1, 1, 0, 0, 0, 1, 0, 0, 1].slice(0, opcodeBase - 1);
  const fields = [s.minInst ?? 1, ...(s.version >= 4 ? [s.maxOps ?? 1] : []), 1, (-5 & 0xff), 14, opcodeBase, ...stdLens];
  const tables = s.rawTables ?? [
    ...(s.dirs ?? []).flatMap(cstr),
    0,
    ...s.files.flatMap(([name, dir]) => [...cstr(name), ...uleb(dir), 0, 0]),
    0,
  ];
  return unit(s.version, s.dwarf64 ?? false, [], [...fields, ...tables], s.program);
}

interface V5Spec {
  dwarf64?: boolean;
  dirFormat: number[][];
  dirs: number[][];
  fileFormat: number[][];
  files: number[][];
  fileCount?: number;
  program: number[];
}
function lineUnitV5(s: V5Spec): Uint8Array {
  const fields = [
    1, 1, 1, (-5 & 0xff), 14, 13,
    ...[0, 1, 1, 1, 1, 0, 0, 0, 1, 0, 0, 1],
    s.dirFormat.length, ...s.dirFormat.flatMap(([t, f]) => [...uleb(t), ...uleb(f)]),
    ...uleb(s.dirs.length), ...s.dirs.flat(),
    s.fileFormat.length, ...s.fileFormat.flatMap(([t, f]) => [...uleb(t), ...uleb(f)]),
    ...uleb(s.fileCount ?? s.files.length), ...s.files.flat(),
  ];
  return unit(5, s.dwarf64 ?? false, [8, 0], fields, s.program);
}

function brief(r: LineRow): string {
  const flags = [
    r.isStmt ? 'S' : '-',
    r.endSequence ? 'end' : '',
    r.prologueEnd ? 'prologue_end' : '',
    r.epilogueBegin ? 'epilogue_begin' : '',
    r.basicBlock ? 'basic_block' : '',
    r.discriminator ? `disc=${r.discriminator}` : '',
    r.isa ? `isa=${r.isa}` : '',
  ].filter((x) => x !== '');
  return `${r.address.toString(16)} ${path.posix.basename(r.file)}:${r.line}:${r.column} ${flags.join(' ')}`;
}
