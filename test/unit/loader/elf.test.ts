import * as assert from 'assert';
import * as fs from 'fs';
import { LoadError } from '../../../emulator/machine/load-error';
import {
  parseElf, ElfFile, EM_386, EM_X86_64, PT_LOAD, PF_X, STT_FUNC, STT_OBJECT, STB_GLOBAL, SHT_NOBITS,
} from '../../../emulator/machine/elf';
import { haveGcc, mb32, mb64, higherHalf32, nmSymbols, readelfSectionNames, prng, Built } from './fixtures';

function expectLoadError(fn: () => unknown, re: RegExp): LoadError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof LoadError, `expected LoadError, got ${(e as Error)?.constructor?.name}: ${(e as Error)?.message}`);
    assert.match((e as LoadError).message, re);
    assert.ok(!(e as LoadError).message.includes('\n'), 'message is one line');
    return e as LoadError;
  }
  assert.fail(`expected a LoadError matching ${re}`);
}

/** A minimal valid little-endian ELF header to corrupt by hand. */
function handmadeElf(bits: 32 | 64, segs: { type?: number; off: number; vaddr: bigint; paddr: bigint; filesz: bigint; memsz: bigint; flags?: number }[], total = 0x2000): Uint8Array {
  const b = new Uint8Array(total);
  const dv = new DataView(b.buffer);
  b.set([0x7f, 0x45, 0x4c, 0x46, bits === 64 ? 2 : 1, 1, 1, 0]);
  dv.setUint16(16, 2, true); // ET_EXEC
  dv.setUint16(18, bits === 64 ? EM_X86_64 : EM_386, true);
  dv.setUint32(20, 1, true);
  const ph = bits === 64 ? 64 : 52;
  const phent = bits === 64 ? 56 : 32;
  if (bits === 64) {
    dv.setBigUint64(24, 0x100000n, true);
    dv.setBigUint64(32, BigInt(ph), true);
    dv.setBigUint64(40, 0n, true);
    dv.setUint16(52, 64, true);
    dv.setUint16(54, phent, true);
    dv.setUint16(56, segs.length, true);
    dv.setUint16(58, 64, true);
  } else {
    dv.setUint32(24, 0x100000, true);
    dv.setUint32(28, ph, true);
    dv.setUint32(32, 0, true);
    dv.setUint16(40, 52, true);
    dv.setUint16(42, phent, true);
    dv.setUint16(44, segs.length, true);
    dv.setUint16(46, 40, true);
  }
  segs.forEach((s, i) => {
    const o = ph + i * phent;
    if (bits === 64) {
      dv.setUint32(o, s.type ?? PT_LOAD, true);
      dv.setUint32(o + 4, s.flags ?? 7, true);
      dv.setBigUint64(o + 8, BigInt(s.off), true);
      dv.setBigUint64(o + 16, s.vaddr, true);
      dv.setBigUint64(o + 24, s.paddr, true);
      dv.setBigUint64(o + 32, s.filesz, true);
      dv.setBigUint64(o + 40, s.memsz, true);
      dv.setBigUint64(o + 48, 0x1000n, true);
    } else {
      dv.setUint32(o, s.type ?? PT_LOAD, true);
      dv.setUint32(o + 4, s.off, true);
      dv.setUint32(o + 8, Number(s.vaddr), true);
      dv.setUint32(o + 12, Number(s.paddr), true);
      dv.setUint32(o + 16, Number(s.filesz), true);
      dv.setUint32(o + 20, Number(s.memsz), true);
      dv.setUint32(o + 24, s.flags ?? 7, true);
      dv.setUint32(o + 28, 0x1000, true);
    }
  });
  return b;
}

describe('loader: ELF parser', function () {
  describe('hand-made headers', () => {
    it('parses a minimal ELF32 and ELF64 with one PT_LOAD', () => {
      for (const bits of [32, 64] as const) {
        const f = parseElf(handmadeElf(bits, [{ off: 0x1000, vaddr: 0x100000n, paddr: 0x100000n, filesz: 0x100n, memsz: 0x800n }]));
        assert.strictEqual(f.header.bits, bits);
        assert.strictEqual(f.entry, 0x100000n);
        assert.strictEqual(f.loadSegments.length, 1);
        const s = f.loadSegments[0];
        assert.deepStrictEqual([s.offset, s.paddr, s.filesz, s.memsz, s.loadSize], [0x1000, 0x100000n, 0x100, 0x800, 0x800]);
        assert.strictEqual(f.sections.length, 0);
        assert.strictEqual(f.symbols.length, 0);
      }
    });

    it('rejects non-ELF input with the magic in the message', () => {
      expectLoadError(() => parseElf(new TextEncoder().encode('root:x:0:0:root:/root:/bin/bash\n')), /^not an ELF file: bad magic 72 6f 6f 74$/);
      expectLoadError(() => parseElf(new Uint8Array([0x7f, 0x45, 0x4c, 0x47, 1, 1])), /^not an ELF file: bad magic 7f 45 4c 47$/);
      expectLoadError(() => parseElf(new Uint8Array([])), /^not an ELF file: only 0 bytes$/);
      expectLoadError(() => parseElf(new Uint8Array([0x7f, 0x45])), /^not an ELF file: only 2 bytes \(7f 45\)$/);
    });

    it('rejects bad class, byte order, machine, truncated header', () => {
      const good = handmadeElf(32, []);
      const cls = good.slice();
      cls[4] = 3;
      expectLoadError(() => parseElf(cls), /^ELF header: bad class 3 \(expected 1 = ELFCLASS32 or 2 = ELFCLASS64\)$/);
      const be = good.slice();
      be[5] = 2;
      expectLoadError(() => parseElf(be), /big-endian \(ELFDATA2MSB\)/);
      const arm = good.slice();
      arm[18] = 40;
      expectLoadError(() => parseElf(arm), /^ELF header: machine 40 \(ARM\) is not x86 \(EM_386 = 3\) or x86-64 \(EM_X86_64 = 62\)$/);
      expectLoadError(() => parseElf(handmadeElf(64, []).subarray(0, 40)), /^ELF header truncated: file is 40 bytes, the ELF64 header needs 64$/);
      expectLoadError(() => parseElf(good.subarray(0, 10)), /e_ident needs 16/);
    });

    it('reports segment data beyond the end of the file', () => {
      const b = handmadeElf(32, [
        { off: 0x100, vaddr: 0x100000n, paddr: 0x100000n, filesz: 0x10n, memsz: 0x10n },
        { off: 0x200, vaddr: 0x200000n, paddr: 0x200000n, filesz: 0x10n, memsz: 0x10n },
        { off: 0x1800, vaddr: 0x300000n, paddr: 0x300000n, filesz: 0x1000n, memsz: 0x1000n },
      ]);
      expectLoadError(() => parseElf(b), /^ELF program header 2: file range 0x1800\+0x1000 beyond end of file \(size 0x2000\)$/);
    });

    it('reports a program header table beyond the end of the file', () => {
      const b = handmadeElf(64, [{ off: 0x1000, vaddr: 0n, paddr: 0n, filesz: 0n, memsz: 0x10n }]);
      new DataView(b.buffer).setBigUint64(32, 0x1ff0n, true);
      expectLoadError(() => parseElf(b), /^ELF program header table \(1 entries\): file range 0x1ff0\+0x38 beyond end of file \(size 0x2000\)$/);
    });

    it('rejects filesz > memsz, huge and wrapping segments', () => {
      expectLoadError(
        () => parseElf(handmadeElf(32, [{ off: 0x1000, vaddr: 0n, paddr: 0n, filesz: 0x20n, memsz: 0x10n }])),
        /^ELF program header 0: p_filesz 0x20 is larger than p_memsz 0x10$/,
      );
      expectLoadError(
        () => parseElf(handmadeElf(64, [{ off: 0x1000, vaddr: 0n, paddr: 0n, filesz: 0n, memsz: 0x10000000000n }])),
        /^ELF program header 0: p_memsz 0x10000000000 is too large \(limit 64 GiB\)$/,
      );
      expectLoadError(
        () => parseElf(handmadeElf(32, [{ off: 0x1000, vaddr: 0xfffff000n, paddr: 0xfffff000n, filesz: 0n, memsz: 0x2000n }])),
        /^ELF program header 0: physical range 0xfffff000\+0x2000 wraps past the end of the 32-bit address space$/,
      );
    });

    it('rejects overlapping PT_LOAD segments but applies QEMU\'s zero-tail truncation', () => {
      expectLoadError(
        () =>
          parseElf(
            handmadeElf(32, [
              { off: 0x1000, vaddr: 0x100000n, paddr: 0x100000n, filesz: 0x800n, memsz: 0x800n },
              { off: 0x1000, vaddr: 0x100400n, paddr: 0x100400n, filesz: 0x800n, memsz: 0x800n },
            ]),
          ),
        /^ELF program headers 0 and 1 overlap in physical memory: \[0x100000, 0x100800\) and \[0x100400, 0x100c00\)$/,
      );
      // Segment 0's bss would run into segment 1: QEMU loads only its file part.
      const f = parseElf(
        handmadeElf(32, [
          { off: 0x1000, vaddr: 0x100000n, paddr: 0x100000n, filesz: 0x400n, memsz: 0x1000n },
          { off: 0x1000, vaddr: 0x100800n, paddr: 0x100800n, filesz: 0x100n, memsz: 0x100n },
        ]),
      );
      assert.deepStrictEqual(f.loadSegments.map((s) => s.loadSize), [0x400, 0x100]);
    });

    it('checks e_phentsize, e_shentsize and e_shstrndx', () => {
      const b = handmadeElf(32, [{ off: 0x1000, vaddr: 0n, paddr: 0n, filesz: 0n, memsz: 0x10n }]);
      new DataView(b.buffer).setUint16(42, 40, true);
      expectLoadError(() => parseElf(b), /^ELF header: e_phentsize is 40, expected 32 for ELF32$/);
      const c = handmadeElf(32, []);
      const dv = new DataView(c.buffer);
      dv.setUint32(32, 0x100, true); // e_shoff
      dv.setUint16(48, 2, true); // e_shnum
      dv.setUint16(50, 5, true); // e_shstrndx
      expectLoadError(() => parseElf(c), /^ELF header: e_shstrndx 5 out of range \(2 sections\)$/);
      dv.setUint16(46, 64, true);
      expectLoadError(() => parseElf(c), /^ELF header: e_shentsize is 64, expected 40 for ELF32$/);
    });
  });

  describe('gcc-built kernels', function () {
    this.timeout(60000);
    let k32: Built;
    let k64: Built;
    before(function () {
      if (!haveGcc()) this.skip();
      k32 = mb32();
      k64 = mb64();
    });

    for (const which of ['ELF32', 'ELF64'] as const) {
      it(`${which}: header, segments, sections and symbols agree with binutils`, () => {
        const k = which === 'ELF32' ? k32 : k64;
        const f = parseElf(k.bytes);
        assert.strictEqual(f.header.bits, which === 'ELF32' ? 32 : 64);
        assert.strictEqual(f.machine, which === 'ELF32' ? EM_386 : EM_X86_64);
        const start = f.symbol('_start');
        assert.ok(start, '_start symbol');
        assert.strictEqual(f.entry, start.value);
        assert.strictEqual(start.type, STT_FUNC);
        const kmain = f.symbol('kmain');
        assert.ok(kmain && kmain.type === STT_FUNC && kmain.binding === STB_GLOBAL && kmain.section === '.text');
        assert.ok(kmain.size > 0n);
        const counter = f.symbol('counter');
        assert.ok(counter && counter.type === STT_OBJECT && counter.size === 4n && counter.section === '.data');
        const buf = f.symbol('bss_buf');
        assert.ok(buf && buf.size === 8192n && buf.section === '.bss');
        assert.strictEqual(f.symbolAt(kmain.value + 1n)?.name, 'kmain');
        assert.strictEqual(f.symbolAt(counter.value + 3n)?.name, 'counter');

        // Loadable code is in an executable PT_LOAD at 1 MiB.
        const text = f.loadSegments.find((s) => s.flags & PF_X);
        assert.ok(text && text.paddr >= 0x100000n);

        const bss = f.section('.bss');
        assert.ok(bss && bss.type === SHT_NOBITS && f.sectionData(bss) === undefined);
        const dl = f.sectionData('.debug_line');
        assert.ok(dl && dl.length === f.section('.debug_line')!.size && dl.length > 16, '.debug_line data');
        assert.ok(f.sectionData('.debug_info')!.length > 0);

        const names = readelfSectionNames(k.path);
        if (names) assert.deepStrictEqual(f.sections.slice(1).map((s) => s.name), names);
        const nm = nmSymbols(k.path);
        if (nm) {
          for (const [name, ref] of nm) {
            const s = f.symbol(name);
            assert.ok(s, `symbol ${name} from nm`);
            assert.strictEqual(s.value, ref.value, `value of ${name}`);
            if (ref.size !== null) assert.strictEqual(s.size, ref.size, `size of ${name}`);
          }
        }
      });
    }

    it('keeps vaddr and paddr apart (higher-half kernel)', () => {
      const f = parseElf(higherHalf32().bytes);
      assert.strictEqual(f.entry, 0xc010000cn);
      const s = f.loadSegments[0];
      assert.strictEqual(s.vaddr, 0xc0100000n);
      assert.strictEqual(s.paddr, 0x100000n);
    });

    it('reports a truncated kernel precisely', () => {
      const f = parseElf(k32.bytes);
      const seg = f.loadSegments.find((s) => s.filesz > 0)!;
      const cut = k32.bytes.subarray(0, seg.offset + 8);
      expectLoadError(
        () => parseElf(cut),
        new RegExp(`^ELF program header ${seg.index}: file range 0x${seg.offset.toString(16)}\\+0x${seg.filesz.toString(16)} beyond end of file \\(size 0x${cut.length.toString(16)}\\)$`),
      );
    });

    it('reports /etc/passwd as not an ELF file', function () {
      if (!fs.existsSync('/etc/passwd')) this.skip();
      const b = new Uint8Array(fs.readFileSync('/etc/passwd'));
      if (b.length < 4) this.skip();
      const magic = Array.from(b.subarray(0, 4), (x) => x.toString(16).padStart(2, '0')).join(' ');
      expectLoadError(() => parseElf(b), new RegExp(`^not an ELF file: bad magic ${magic}$`));
    });

    it('fuzz: truncations and bit flips of real ELF files only ever raise LoadError', function () {
      this.timeout(120000);
      const rnd = prng(0x5eed1234);
      const bases = [k32.bytes, k64.bytes];
      let parsed = 0;
      let rejected = 0;
      const t0 = Date.now();
      for (let iter = 0; iter < 10000; iter++) {
        const base = bases[iter & 1];
        let b: Uint8Array;
        const mode = rnd();
        if (mode < 0.25) {
          b = base.slice(0, Math.floor(rnd() * base.length));
        } else {
          b = base.slice();
          const flips = 1 + Math.floor(rnd() * 8);
          for (let k = 0; k < flips; k++) {
            // Mostly hit the headers and tables, where structure lives.
            const region = rnd();
            const pos =
              region < 0.5 ? Math.floor(rnd() * Math.min(256, b.length)) : region < 0.75 ? b.length - 1 - Math.floor(rnd() * Math.min(2048, b.length)) : Math.floor(rnd() * b.length);
            if (rnd() < 0.5) b[pos] ^= 1 << Math.floor(rnd() * 8);
            else b[pos] = Math.floor(rnd() * 256);
          }
          if (mode > 0.9) b = b.slice(0, Math.floor(rnd() * b.length));
        }
        try {
          const f: ElfFile = parseElf(b);
          // Exercise the lookups too.
          f.symbol('kmain');
          f.symbolAt(0x100010n);
          for (const s of f.sections) f.sectionData(s);
          parsed++;
        } catch (e) {
          if (!(e instanceof LoadError)) {
            throw new Error(`iteration ${iter}: ${(e as Error)?.constructor?.name} escaped: ${(e as Error)?.stack}`);
          }
          assert.ok(!e.message.includes('\n'));
          rejected++;
        }
      }
      assert.ok(parsed > 0 && rejected > 0, `parsed ${parsed}, rejected ${rejected}`);
      assert.ok(Date.now() - t0 < 60000, 'fuzz run finished in time');
    });
  });
});
