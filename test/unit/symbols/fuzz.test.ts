// Malformed debug information must never crash or hang the symbol loader:
// truncated and bit-flipped .debug_line (and the other DWARF and unwind
// sections) end in SymbolError, or in a lenient load with warnings, and
// every query on the result still works. Deterministic: a fixed-seed PRNG.

import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { decodeDebugLine } from '../../../adapter/symbols/dwarf-line';
import { readDebugInfo, readScopes } from '../../../adapter/symbols/dwarf-info';
import { SymbolError } from '../../../adapter/symbols/errors';
import { dwarfSections } from '../../../adapter/symbols/sections';
import { SymbolFile } from '../../../adapter/symbols/symbols';
import { parseElf } from '../../../emulator/machine/elf';
import { exampleKernels, have, prng } from './helpers';
import { buildProgram, programToolchains } from './programs';

/** Anything but a SymbolError is a bug. */
function onlySymbolError(fn: () => void, what: string): boolean {
  try {
    fn();
    return true;
  } catch (e) {
    if (!(e instanceof SymbolError)) throw new Error(`${what}: ${e instanceof Error ? `${e.name}: ${e.message}\n${e.stack}` : String(e)}`);
    return false;
  }
}

/** Every query the debugger makes; none may throw on a leniently loaded file. */
function exercise(s: SymbolFile, rand: () => number): void {
  const fns = s.functions;
  const lo = fns.length > 0 ? fns[0].start : 0x100000n;
  const hi = fns.length > 0 ? fns[fns.length - 1].end : 0x110000n;
  for (let i = 0; i < 50; i++) {
    const a = lo + BigInt(Math.floor(rand() * Number(hi - lo + 1n)));
    s.lineAt(a);
    s.symbolize(a);
    s.functionAt(a);
  }
  for (const f of s.sources().slice(0, 4)) for (const line of [1, 7, 15, 30, 60]) s.breakpoint(f, line);
  s.breakpoint('nonexistent.c', 3);
  for (const f of fns.slice(0, 5)) s.functionBreakpoints(f.name);
  const cfi = s.cfi;
  for (const fde of cfi?.fdes.slice(0, 10) ?? []) onlySymbolError(() => cfi!.rowFor(fde.start), 'rowFor');
  // A backtrace over random memory ends (maxFrames) and never throws.
  const mem = (a: bigint, n: number) => (rand() < 0.05 ? undefined : BigInt.asUintN(n * 8, a * 2654435761n + BigInt(Math.floor(rand() * 1e6))));
  for (const f of fns.slice(0, 3)) s.backtrace({ rip: f.start + 1n, rsp: 0x7000n, rbp: 0x7010n }, mem, 32);
}

function withSectionBytes(bytes: Uint8Array, name: string): { offset: number; size: number } | undefined {
  const sec = parseElf(bytes).section(name);
  return sec && sec.size > 0 ? { offset: sec.offset, size: sec.size } : undefined;
}

/** An ELF64 copy whose section `name` claims only `size` bytes (sh_size in its header). */
function truncateSection(bytes: Uint8Array, name: string, size: number): Uint8Array {
  const elf = parseElf(bytes);
  const sec = elf.section(name)!;
  assert.equal(elf.header.bits, 64);
  const copy = bytes.slice();
  const dv = new DataView(copy.buffer, copy.byteOffset, copy.byteLength);
  dv.setBigUint64(elf.header.shoff + sec.index * 64 + 32, BigInt(size), true);
  return copy;
}

describe('symbols: malformed DWARF never crashes or hangs', function () {
  this.timeout(300000);
  const targets = (): string[] => {
    const list = exampleKernels().filter((k) => path.basename(k) === 'hello.elf');
    if (have('clang')) {
      const clang = programToolchains().find((t) => t.name === 'clang-O2-dwarf5');
      if (clang) list.push(buildProgram(clang)); // strx / addrx / rnglistx forms
    }
    const gcc4 = programToolchains().find((t) => t.name === 'gcc-O2-dwarf4');
    if (gcc4 && have('gcc')) list.push(buildProgram(gcc4)); // v4 line tables, .debug_ranges
    return list;
  };
  let slowest = 0;
  const timed = (fn: () => void) => {
    const t0 = performance.now();
    fn();
    slowest = Math.max(slowest, performance.now() - t0);
  };
  after(() => assert.ok(slowest < 5000, `slowest trial took ${slowest.toFixed(0)} ms`));

  it('has files to fuzz', () => assert.ok(targets().length > 0));

  it('truncated .debug_line, decoded directly: rows or SymbolError', () => {
    for (const file of targets()) {
      const secs = dwarfSections(parseElf(fs.readFileSync(file)));
      const line = secs.line!;
      const info = readDebugInfo(secs);
      const byStmt = new Map(info.units.map((u) => [u.stmtList, u.compDir]));
      let ok = 0;
      let failed = 0;
      const step = Math.max(1, Math.floor(line.length / 600));
      for (let cut = 0; cut <= line.length; cut += step) {
        timed(() => {
          if (onlySymbolError(() => decodeDebugLine({ ...secs, line: line.subarray(0, cut) }, { compDir: (o) => byStmt.get(o) }), `cut at ${cut}`)) ok++;
          else failed++;
        });
      }
      assert.ok(ok > 0 && failed > 0, `${ok} decoded, ${failed} rejected`);
    }
  });

  it('truncated .debug_line section in the ELF: lenient loads warn, strict loads throw SymbolError', () => {
    const rand = prng(7);
    for (const file of targets()) {
      const bytes = new Uint8Array(fs.readFileSync(file));
      const sec = withSectionBytes(bytes, '.debug_line')!;
      for (let i = 0; i < 40; i++) {
        const cut = Math.floor(rand() * sec.size);
        const b = truncateSection(bytes, '.debug_line', cut);
        timed(() => {
          const s = SymbolFile.fromBytes(b, 'cut.elf');
          exercise(s, rand);
          onlySymbolError(() => SymbolFile.fromBytes(b, 'cut.elf', { strict: true }), 'strict');
        });
      }
    }
  });

  const sections = ['.debug_line', '.debug_info', '.debug_abbrev', '.debug_line_str', '.debug_str', '.debug_str_offsets', '.debug_addr', '.debug_rnglists', '.debug_ranges', '.eh_frame', '.debug_frame'];
  for (const name of sections) {
    it(`bit flips in ${name}: lenient loads and every query survive; strict throws only SymbolError`, function () {
      const rand = prng(0x5eed ^ name.length * 7919);
      let fuzzed = 0;
      let warned = 0;
      for (const file of targets()) {
        const bytes = new Uint8Array(fs.readFileSync(file));
        const sec = withSectionBytes(bytes, name);
        if (!sec) continue;
        const trials = name === '.debug_line' ? 300 : 80;
        for (let i = 0; i < trials; i++) {
          const b = bytes.slice();
          const flips = 1 + Math.floor(rand() * 4);
          for (let k = 0; k < flips; k++) {
            const at = sec.offset + Math.floor(rand() * sec.size);
            // Mostly single bit flips; sometimes a byte that makes LEB128 runs or huge lengths.
            if (rand() < 0.75) b[at] ^= 1 << Math.floor(rand() * 8);
            else b[at] = [0x00, 0x80, 0xff, 0x7f][Math.floor(rand() * 4)];
          }
          timed(() => {
            const s = SymbolFile.fromBytes(b, 'flipped.elf');
            exercise(s, rand);
            if (s.warnings.length > 0) warned++;
            if (i % 3 === 0) {
              onlySymbolError(() => {
                const st = SymbolFile.fromBytes(b, 'flipped.elf', { strict: true });
                st.breakpoint('main.c', 10);
              }, 'strict');
            }
          });
          fuzzed++;
        }
      }
      if (fuzzed === 0) this.skip();
      // The error paths were reached, not only harmless value changes.
      if (!['.debug_str', '.debug_line_str', '.debug_str_offsets', '.debug_addr'].includes(name)) assert.ok(warned > 0, `${warned} of ${fuzzed} loads warned`);
    });
  }

  it('random bytes as .debug_line, .debug_info and .debug_abbrev', () => {
    const rand = prng(99);
    for (let i = 0; i < 300; i++) {
      const n = Math.floor(rand() * 200);
      const junk = Uint8Array.from({ length: n }, () => Math.floor(rand() * 256));
      // Mostly valid-looking lengths, so the decoders get past the first field.
      if (n >= 4 && i % 2 === 0) new DataView(junk.buffer).setUint32(0, n - 4, true);
      timed(() => {
        onlySymbolError(() => decodeDebugLine({ line: junk }), 'junk .debug_line');
        const info = readDebugInfo({ info: junk, abbrev: junk.slice().reverse() });
        readScopes({ info: junk, abbrev: junk.slice().reverse() }, info);
      });
    }
  });
});
