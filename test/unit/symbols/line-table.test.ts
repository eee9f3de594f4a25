// LineTable: address -> line like gdb's `info line *ADDR`, (file, line) ->
// breakpoint addresses like gdb's `break FILE:LINE` (with gdb 16's refusal to
// slide into the next function), source files. Unit cases on hand-made
// rows, then gdb itself as the oracle on the example kernels and on
// programs built here.

import { strict as assert } from 'assert';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { LineRow } from '../../../adapter/symbols/dwarf-line';
import { CodeScope, FunctionRange, LineTable } from '../../../adapter/symbols/line-table';
import { SymbolFile } from '../../../adapter/symbols/symbols';
import { exampleKernels, have, objdumpLines, sizeScaled, tmpDir } from './helpers';
import { PROGRAM_FILES, buildProgram, programToolchains } from './programs';

function row(address: number, file: string, line: number, opts: Partial<LineRow> = {}): LineRow {
  return {
    address: BigInt(address),
    file,
    line,
    column: 0,
    isStmt: true,
    endSequence: false,
    fileIndex: 1,
    opIndex: 0,
    discriminator: 0,
    basicBlock: false,
    prologueEnd: false,
    epilogueBegin: false,
    isa: 0,
    ...opts,
  };
}
const end = (address: number, file = '/s/a.c') => row(address, file, 0, { endSequence: true });
const hexes = (xs: bigint[]) => xs.map((x) => '0x' + x.toString(16));

/** Two functions in /s/a.c: f (declared line 1, code 0x100-0x120) and g (declared line 10, code 0x120-0x140). */
function twoFunctions(): { rows: LineRow[]; functionAt: (a: bigint) => FunctionRange | undefined } {
  const rows = [
    row(0x100, '/s/a.c', 1),
    row(0x104, '/s/a.c', 3),
    row(0x108, '/s/a.c', 4, { isStmt: false }),
    row(0x10c, '/s/a.c', 3), // a loop: line 3 again
    row(0x110, '/s/a.c', 6),
    row(0x118, '/s/a.c', 0), // compiler-generated code
    row(0x120, '/s/a.c', 10),
    row(0x124, '/s/a.c', 11),
    row(0x130, '/s/a.c', 13),
    end(0x140),
  ];
  const fns: FunctionRange[] = [
    { name: 'f', start: 0x100n, end: 0x120n },
    { name: 'g', start: 0x120n, end: 0x140n },
  ];
  return { rows, functionAt: (a) => fns.find((f) => a >= f.start && a < f.end) };
}

describe('symbols: line table', function () {
  this.timeout(120000);

  describe('address lookups', () => {
    it('a row covers [its address, the next address) inside its sequence', () => {
      const { rows, functionAt } = twoFunctions();
      const t = new LineTable(rows, { functionAt });
      assert.equal(t.lookup(0xffn), undefined);
      assert.deepEqual(t.lookup(0x100n), { address: 0x100n, end: 0x104n, file: '/s/a.c', line: 1, column: 0, isStmt: true, function: 'f' });
      assert.equal(t.lookup(0x103)?.line, 1);
      assert.equal(t.lookup(0x108)?.line, 4);
      assert.equal(t.lookup(0x108)?.isStmt, false);
      assert.equal(t.lookup(0x11f)?.line, 6, 'a line-0 row is covered by the row before it (gdb)');
      assert.equal(t.lookup(0x110)?.end, 0x120n);
      assert.equal(t.lookup(0x13f)?.line, 13);
      assert.equal(t.lookup(0x13f)?.function, 'g');
      assert.equal(t.lookup(0x140n), undefined, 'the end_sequence address is past the sequence');
    });

    it('several rows at one address: the last is_stmt one, else the last (gdb find_pc_line)', () => {
      const rows = [
        row(0x10, '/s/a.c', 5),
        row(0x10, '/s/h.h', 20), // inlined code starting at the same address (a "view")
        row(0x10, '/s/h.h', 21, { isStmt: false }),
        row(0x14, '/s/a.c', 6, { isStmt: false }),
        row(0x14, '/s/a.c', 7, { isStmt: false }),
        end(0x18),
      ];
      const t = new LineTable(rows);
      assert.equal(t.lookup(0x10)?.line, 20);
      assert.equal(t.lookup(0x10)?.file, '/s/h.h');
      assert.equal(t.lookup(0x14)?.line, 7);
      assert.equal(t.firstRowAt(0x10)?.line, 5, 'firstRowAt gives the first row of the group');
      assert.equal(t.firstRowAt(0x11), undefined);
    });

    it('a repeated line with a discriminator is not recorded (gdb dwarf_record_line_p, PR 17276)', () => {
      // vmx-guest-l2.elf's serial_putc: line 18 at 0x19 (discriminator 1)
      // repeats at 0x1f, as is_stmt and not; gdb keeps neither repeat, so
      // 0x1f shows the non-stmt line 24 after them.
      const d = { discriminator: 1 };
      const rows = [
        row(0x19, '/s/g.c', 23),
        row(0x19, '/s/g.c', 24, d),
        row(0x19, '/s/g.c', 18, d),
        row(0x19, '/s/g.c', 18, d),
        row(0x1f, '/s/g.c', 18, d),
        row(0x1f, '/s/g.c', 18, { ...d, isStmt: false }),
        row(0x1f, '/s/g.c', 24, { ...d, isStmt: false }),
        row(0x23, '/s/g.c', 26),
        // The flag outlives a row without a discriminator while the line stays.
        row(0x30, '/s/g.c', 30, d),
        row(0x34, '/s/g.c', 30),
        // Without any discriminator a repeated line is kept (gcc's prologue marker).
        row(0x40, '/s/g.c', 40),
        row(0x44, '/s/g.c', 40),
        end(0x48, '/s/g.c'),
      ];
      const t = new LineTable(rows);
      assert.equal(t.lookup(0x1f)?.line, 24);
      assert.equal(t.lookup(0x1f)?.isStmt, false);
      assert.deepEqual(t.lookup(0x19), { address: 0x19n, end: 0x1fn, file: '/s/g.c', line: 18, column: 0, isStmt: true, function: undefined });
      assert.deepEqual([t.lookup(0x34)?.address, t.lookup(0x34)?.end], [0x30n, 0x40n], 'the repeat at 0x34 is not a row');
      assert.deepEqual([t.lookup(0x44)?.address, t.lookup(0x44)?.end], [0x44n, 0x48n]);
      assert.deepEqual(t.addressesFor('/s/g.c', 18), [0x19n], 'the dropped rows are no breakpoint locations either');
    });

    it('sequences are independent; gaps and dropped sequences have no line', () => {
      const rows = [row(0x3000, '/s/b.c', 1), end(0x3010), row(0x1000, '/s/a.c', 1), end(0x1010), row(0, '/s/dead.c', 1), end(0x20), row(0x5000, '/s/tail.c', 1)];
      const t = new LineTable(rows, { keepSequence: (s) => s !== 0n });
      assert.equal(t.lookup(0x1008)?.file, '/s/a.c');
      assert.equal(t.lookup(0x3008)?.file, '/s/b.c');
      assert.equal(t.lookup(0x2000), undefined);
      assert.equal(t.lookup(0x10), undefined, 'the sequence at 0 was dropped');
      assert.equal(t.lookup(0x5000), undefined, 'rows without an end_sequence have no extent');
      assert.deepEqual(t.sources(), ['/s/a.c', '/s/b.c']);
    });

    it('accepts numbers and bigints; lookups are binary searches', () => {
      const rows: LineRow[] = [];
      for (let i = 0; i < 20000; i++) rows.push(row(0x100000 + i * 4, '/s/big.c', i + 1));
      rows.push(end(0x100000 + 20000 * 4));
      const t = new LineTable(rows);
      assert.equal(t.lookup(0x100000 + 4 * 12345 + 2)?.line, 12346);
      const t0 = process.hrtime.bigint();
      let sum = 0;
      for (let i = 0; i < 100000; i++) sum += t.lookup(BigInt(0x100000 + ((i * 7919) % 80000)))?.line ?? 0;
      const ns = Number(process.hrtime.bigint() - t0) / 100000;
      assert.ok(sum > 0);
      assert.ok(ns < 20000, `lookup took ${ns.toFixed(0)} ns`);
    });
  });

  describe('breakpoints', () => {
    it('an exact line: the lowest is_stmt address per function', () => {
      const { rows, functionAt } = twoFunctions();
      const t = new LineTable(rows, { functionAt });
      const bp = t.resolveBreakpoint('/s/a.c', 3)!;
      assert.equal(bp.line, 3);
      assert.deepEqual(hexes(bp.locations.map((l) => l.address)), ['0x104']);
      assert.equal(bp.locations[0].function, 'f');
      assert.deepEqual(hexes(t.addressesFor('/s/a.c', 11)), ['0x124']);
    });

    it('a line without code moves to the next line with code in the same function', () => {
      const { rows, functionAt } = twoFunctions();
      const t = new LineTable(rows, { functionAt });
      const bp = t.resolveBreakpoint('/s/a.c', 5)!;
      assert.equal(bp.line, 6);
      assert.deepEqual(hexes(bp.locations.map((l) => l.address)), ['0x110']);
      // Line 4 has only a non-statement row: it moves too.
      assert.equal(t.resolveBreakpoint('/s/a.c', 4)!.line, 6);
    });

    it('but not into the next function (gdb 16: "reject inserting breakpoints between functions")', () => {
      const { rows, functionAt } = twoFunctions();
      const t = new LineTable(rows, { functionAt });
      const bp = t.resolveBreakpoint('/s/a.c', 8)!;
      assert.equal(bp.line, 10);
      assert.deepEqual(bp.locations, []);
      // With declarations from .debug_info the same holds; g declared at 9 here.
      const t2 = new LineTable(rows, { functionAt, declarations: [{ file: '/s/a.c', line: 1 }, { file: '/s/a.c', line: 9 }] });
      assert.deepEqual(t2.resolveBreakpoint('/s/a.c', 8)!.locations, []);
      assert.deepEqual(hexes(t2.addressesFor('/s/a.c', 9)), ['0x120'], 'line 9 is in g: moving to 10 stays in g');
    });

    it('past the last line with code, or in an unknown file: undefined', () => {
      const { rows, functionAt } = twoFunctions();
      const t = new LineTable(rows, { functionAt });
      assert.equal(t.resolveBreakpoint('/s/a.c', 14), undefined);
      assert.equal(t.resolveBreakpoint('/s/zzz.c', 3), undefined);
      assert.deepEqual(t.addressesFor('/s/zzz.c', 3), []);
    });

    it('one location per scope: inlined copies each get one', () => {
      const rows = [
        row(0x100, '/s/m.c', 20),
        row(0x104, '/s/h.h', 2), // first inlined copy of h()
        row(0x108, '/s/h.h', 2), // same copy, later piece: not a new location
        row(0x10c, '/s/m.c', 21),
        row(0x110, '/s/h.h', 2), // second inlined copy
        row(0x114, '/s/m.c', 22),
        end(0x118, '/s/m.c'),
      ];
      const scopes: CodeScope[] = [
        { name: 'main', ranges: [{ start: 0x100n, end: 0x118n }], declFile: '/s/m.c', declLine: 19, depth: 0 },
        { name: 'h', ranges: [{ start: 0x104n, end: 0x10cn }], declFile: '/s/h.h', declLine: 1, depth: 1, parent: 0 },
        { name: 'h', ranges: [{ start: 0x110n, end: 0x114n }], declFile: '/s/h.h', declLine: 1, depth: 1, parent: 0 },
      ];
      const t = new LineTable(rows, { scopes });
      const bp = t.resolveBreakpoint('/s/h.h', 2)!;
      assert.deepEqual(hexes(bp.locations.map((l) => l.address)), ['0x104', '0x110']);
      assert.deepEqual(bp.locations.map((l) => l.scope), ['h', 'h']);
      // Scopes may be given lazily.
      const lazy = new LineTable(rows, { scopes: () => scopes });
      assert.deepEqual(lazy.addressesFor('/s/h.h', 2), [0x104n, 0x110n]);
    });

    it('a location at a function entry moves past the prologue (skipPrologue)', () => {
      const { rows, functionAt } = twoFunctions();
      const t = new LineTable(rows, { functionAt, skipPrologue: (s) => (s === 0x120n ? 0x124n : s) });
      const bp = t.resolveBreakpoint('/s/a.c', 10)!;
      assert.deepEqual(bp.locations.map((l) => [Number(l.address), l.line]), [[0x124, 11]]);
    });

    it('files match by full path, else by the longest common path suffix', () => {
      const rows = [row(0x10, '/w/proj/hello/main.c', 1), end(0x14), row(0x20, '/w/proj/runtime/main.c', 1), end(0x24)];
      const t = new LineTable(rows);
      assert.deepEqual(t.matchFile('/w/proj/hello/main.c'), ['/w/proj/hello/main.c']);
      assert.deepEqual(t.matchFile('/home/me/checkout/hello/main.c'), ['/w/proj/hello/main.c']);
      assert.deepEqual(t.matchFile('C:\\src\\runtime\\main.c'), ['/w/proj/runtime/main.c']);
      assert.deepEqual(t.matchFile('main.c'), ['/w/proj/hello/main.c', '/w/proj/runtime/main.c']);
      assert.deepEqual(t.matchFile('/w/proj/other.c'), []);
      assert.deepEqual(t.addressesFor('main.c', 1), [0x10n, 0x20n]);
    });

    it('linesWithCode lists the lines that have statements', () => {
      const { rows } = twoFunctions();
      assert.deepEqual(new LineTable(rows).linesWithCode('a.c'), [1, 3, 6, 10, 11, 13]);
    });
  });

  describe('against gdb and objdump', () => {
    const gdbOk = have('gdb');

    for (const k of exampleKernels()) {
      it(`${path.basename(k)}: every row address looks up like gdb's "info line *ADDR"`, function () {
        if (!gdbOk) this.skip();
        assertLookupsMatchGdb(k);
      });
      it(`${path.basename(k)}: every address in a sequence maps to the row objdump lists for it`, () => {
        const t = SymbolFile.load(k).lines;
        // objdump's rows without line-0 rows (they extend the row before, as in gdb).
        const rows = objdumpLines(k).filter((r) => r.line !== 0);
        let checked = 0;
        for (let i = 0; i < rows.length; i++) {
          const r = rows[i];
          if (r.line === undefined) continue;
          // Check each address once, from its last row.
          let j = i;
          while (j + 1 < rows.length && rows[j + 1].address === r.address && rows[j + 1].line !== undefined) j++;
          if (j !== i) continue;
          const next = rows[j + 1]?.address ?? r.address + 1n;
          if (next <= r.address) continue; // a zero-length row just before end_sequence
          // The covering row: the last is_stmt one at this address, else the last.
          const covering = (skip: (q: number) => boolean): number | undefined => {
            let last: number | undefined;
            for (let q = j; q >= 0 && rows[q].address === r.address && rows[q].line !== undefined; q--) {
              if (skip(q)) continue;
              if (rows[q].stmt) return q;
              last ??= q;
            }
            return last;
          };
          const pick = covering(() => false)!;
          // gdb does not record a row repeating the (file, line) recorded
          // before it when that line carries a non-zero discriminator
          // (gdb/dwarf2/read.c dwarf_record_line_p, PR 17276), so the row
          // shown can then be another row at the address. objdump prints
          // no discriminators: where we differ from the pick above, the
          // pick must be such a repeat and ours the covering row among the
          // rows that do not repeat the line before them (the gdb sweep
          // above checks the rule itself).
          const repeats = (q: number) => q > 0 && rows[q - 1].line === rows[q].line && rows[q - 1].file === rows[q].file;
          const want = (got: number | undefined) => (got === rows[pick].line || !repeats(pick) ? pick : covering(repeats) ?? pick);
          for (const a of [r.address, next - 1n]) {
            const got = t.lookup(a);
            assert.ok(got, `no row at 0x${a.toString(16)}`);
            const w = want(got.line);
            assert.equal(got.line, rows[w].line, `line at 0x${a.toString(16)}`);
            assert.equal(path.basename(got.file), rows[w].file, `file at 0x${a.toString(16)}`);
            checked++;
          }
        }
        assert.ok(checked > sizeScaled(k, 1000));
      });
      it(`${path.basename(k)}: every statement line resolves to itself`, () => {
        const s = SymbolFile.load(k);
        for (const r of s.lines.rows) {
          if (r.endSequence || !r.isStmt || r.line === 0) continue;
          const bp = s.breakpoint(r.file, r.line);
          assert.ok(bp && bp.line === r.line && bp.locations.length > 0, `${r.file}:${r.line}`);
        }
      });
    }

    for (const t of programToolchains().filter((x) => x.args.includes('-O0'))) {
      it(`${t.name}: breakpoints on every line agree with gdb (except gdb 13 sliding into the next function)`, function () {
        if (!gdbOk || !have('gcc')) this.skip();
        assertBreakpointsMatchGdb(buildProgram(t));
      });
    }
    for (const t of programToolchains()) {
      it(`${t.name}: lookups agree with gdb`, function () {
        if (!gdbOk || !have('gcc')) this.skip();
        assertLookupsMatchGdb(buildProgram(t));
      });
    }
  });
});

/** `info line *ADDR` for every distinct row address, in one gdb run. */
function assertLookupsMatchGdb(file: string): void {
  const s = SymbolFile.load(file);
  const addrs = [...new Set(s.lines.rows.filter((r) => !r.endSequence).map((r) => r.address))];
  const script = addrs.map((a) => `echo @@\\n\ninfo line *0x${a.toString(16)}\n`).join('');
  const out = runGdb(file, script).split('@@\n').slice(1);
  assert.equal(out.length, addrs.length);
  let checked = 0;
  addrs.forEach((a, i) => {
    const m = /^Line (\d+) of "([^"]+)"/.exec(out[i]);
    const ours = s.lineAt(a);
    const where = `0x${a.toString(16)}: gdb says ${out[i].trim()}`;
    if (m) {
      assert.ok(ours, where);
      assert.equal(ours.line, Number(m[1]), where);
      assert.ok(ours.file.endsWith(m[2].replace(/^\.\//, '')), `${where}; ours ${ours.file}`);
      checked++;
    } else {
      // gdb has no line there (line-0 rows at a sequence start).
      assert.equal(ours, undefined, `${where}; ours ${ours?.file}:${ours?.line}`);
    }
  });
  assert.ok(checked > 0);
}

/**
 * `break FILE:LINE` for every line of every source file of the program.
 * gdb 13 slides a breakpoint from a line without code into the next
 * function; gdb 16 (and we) refuse, so there the expectation is "no
 * locations". Function starts come from the source text (column-0
 * definitions).
 */
function assertBreakpointsMatchGdb(file: string): void {
  const s = SymbolFile.load(file);
  const dir = path.dirname(file);
  const reqs: { file: string; line: number }[] = [];
  const defs = new Map<string, number[]>();
  for (const name of Object.keys(PROGRAM_FILES)) {
    if (!name.endsWith('.c') && !name.endsWith('.h')) continue;
    const full = path.join(dir, name);
    const lines = fs.readFileSync(full, 'utf8').split('\n');
    defs.set(
      full,
      lines.flatMap((l, i) => (/^(static )?(inline )?(int|void) \w+\(.*\)$/.test(l) ? [i + 1] : [])),
    );
    lines.forEach((_, i) => reqs.push({ file: full, line: i + 1 }));
  }
  const enclosing = (f: string, line: number) => Math.max(-1, ...defs.get(f)!.filter((d) => d <= line));
  const script = reqs.map((r, i) => `echo @@${i}\\n\nbreak ${r.file}:${r.line}\n`).join('') + 'echo @@END\\n\ninfo breakpoints\n';
  const [head, info] = runGdb(file, script).split('@@END');
  const reqOfBp = new Map<number, number>();
  let cur = -1;
  for (const l of head.split('\n')) {
    const m = /^@@(\d+)/.exec(l);
    if (m) cur = Number(m[1]);
    const b = /^Breakpoint (\d+) at/.exec(l);
    if (b) reqOfBp.set(Number(b[1]), cur);
  }
  const gdbLocs = new Map<number, { address: bigint; line: number }[]>();
  for (const l of info.split('\n')) {
    const m = /^(\d+)(?:\.\d+)?\s+(?:breakpoint\s+keep\s+)?y\s+(0x[0-9a-f]+)\s+(?:in \S+ at )?(\S+):(\d+)/.exec(l);
    if (!m) continue;
    const req = reqOfBp.get(Number(m[1]))!;
    if (!gdbLocs.has(req)) gdbLocs.set(req, []);
    gdbLocs.get(req)!.push({ address: BigInt(m[2]), line: Number(m[4]) });
  }
  let compared = 0;
  reqs.forEach((r, i) => {
    const g = gdbLocs.get(i) ?? [];
    const ours = s.breakpoint(r.file, r.line);
    const got = hexes(ours?.locations.map((l) => l.address) ?? []);
    let want = hexes(g.map((x) => x.address).sort((a, b) => (a < b ? -1 : 1)));
    if (g.length > 0 && g[0].line !== r.line && ours && enclosing(r.file, r.line) !== enclosing(r.file, ours.line)) want = [];
    assert.deepEqual(got, want, `${path.basename(r.file)}:${r.line} (gdb: ${g.map((x) => `0x${x.address.toString(16)} line ${x.line}`).join(', ') || 'none'})`);
    compared++;
  });
  assert.ok(compared > 20);
}

function runGdb(file: string, script: string): string {
  const dir = fs.mkdtempSync(path.join(tmpDir(), 'gdb-'));
  const cmd = path.join(dir, 'cmds.gdb');
  fs.writeFileSync(cmd, script);
  return execFileSync('gdb', ['-batch', '-nx', '-x', cmd, file], { encoding: 'utf8', maxBuffer: 1 << 28, stdio: ['ignore', 'pipe', 'ignore'] });
}
