// Multiboot v1 loading as QEMU's -kernel does it. The expected addresses and
// values in the "QEMU 7.2" tests were measured on qemu-system-x86_64 7.2
// (TCG, SeaBIOS) with the same kernel (fixtures.qemuProbeKernel), the same
// -append/-initrd strings and the monitor's `xp` / `info registers`; the
// kernel path strings are those of that experiment (the files need not exist).
import * as assert from 'assert';
import * as fs from 'fs';
import { PhysicalMemory, pcRamLayout } from '../../../emulator/mem/physmem';
import { LoadError } from '../../../emulator/machine/load-error';
import { parseElf } from '../../../emulator/machine/elf';
import {
  loadMultiboot, qemuE820, splitInitrdOption, E820Entry, MB_INFO_ADDR, MB_MMAP_ADDR, QEMU_MULTIBOOT_GDT,
  QEMU_MULTIBOOT_GDT_ADDR, MultibootOptions,
} from '../../../emulator/machine/multiboot';
import { haveGcc, mb32, mb64, higherHalf32, noHeader32, qemuProbeKernel, prng, Built } from './fixtures';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

function ram(bytes: number): PhysicalMemory {
  return new PhysicalMemory(pcRamLayout(bytes));
}

interface Mbi {
  flags: number; memLower: number; memUpper: number; bootDevice: number; cmdline: number; modsCount: number; modsAddr: number;
  syms: number[]; mmapLength: number; mmapAddr: number; drivesLength: number; drivesAddr: number; configTable: number;
  bootLoaderName: number; apmTable: number; vbe: number[];
}

/** Reads all 88 bytes of QEMU's multiboot information back from guest memory. */
function readMbi(mem: PhysicalMemory, at = MB_INFO_ADDR): Mbi {
  const w = (o: number) => mem.read(at + o, 4);
  return {
    flags: w(0), memLower: w(4), memUpper: w(8), bootDevice: w(12), cmdline: w(16), modsCount: w(20), modsAddr: w(24),
    syms: [w(28), w(32), w(36), w(40)], mmapLength: w(44), mmapAddr: w(48), drivesLength: w(52), drivesAddr: w(56),
    configTable: w(60), bootLoaderName: w(64), apmTable: w(68), vbe: [w(72), w(76), w(80), w(84)],
  };
}

function cstr(mem: PhysicalMemory, at: number): string {
  const bytes: number[] = [];
  for (let i = 0; i < 4096; i++) {
    const b = mem.read8(at + i);
    if (b === 0) break;
    bytes.push(b);
  }
  return new TextDecoder().decode(new Uint8Array(bytes));
}

/** The multiboot mmap as the kernel sees it: size-prefixed entries from mmap_addr. */
function readMmap(mem: PhysicalMemory, mbi: Mbi): E820Entry[] {
  const out: E820Entry[] = [];
  let p = mbi.mmapAddr;
  while (p < mbi.mmapAddr + mbi.mmapLength) {
    const size = mem.read(p, 4);
    assert.strictEqual(size, 20, 'mmap entry size field');
    const base = mem.read(p + 4, 4) + mem.read(p + 8, 4) * 2 ** 32;
    const length = mem.read(p + 12, 4) + mem.read(p + 16, 4) * 2 ** 32;
    out.push({ base, length, type: mem.read(p + 20, 4) });
    p += size + 4;
  }
  return out;
}

function readMods(mem: PhysicalMemory, mbi: Mbi): { start: number; end: number; string: number; reserved: number }[] {
  const out = [];
  for (let i = 0; i < mbi.modsCount; i++) {
    const a = mbi.modsAddr + 16 * i;
    out.push({ start: mem.read(a, 4), end: mem.read(a + 4, 4), string: mem.read(a + 8, 4), reserved: mem.read(a + 12, 4) });
  }
  return out;
}

function expectLoadError(fn: () => unknown, re: RegExp): void {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof LoadError, `expected LoadError, got ${(e as Error)?.constructor?.name}: ${(e as Error)?.message}`);
    assert.match((e as Error).message, re);
    assert.ok(!(e as Error).message.includes('\n'));
    return;
  }
  assert.fail(`expected a LoadError matching ${re}`);
}

const hex = (n: number) => '0x' + n.toString(16);
const e = (base: number, length: number, type: number): E820Entry => ({ base, length, type });

// SeaBIOS' map under QEMU (measured; see multiboot.ts for the sources).
const MMAP_256M: E820Entry[] = [
  e(0, 0x9fc00, 1), e(0x9fc00, 0x400, 2), e(0xf0000, 0x10000, 2), e(0x100000, 0xfee0000, 1), e(0xffe0000, 0x20000, 2),
  e(0xfffc0000, 0x40000, 2),
];
const MMAP_4G: E820Entry[] = [
  e(0, 0x9fc00, 1), e(0x9fc00, 0x400, 2), e(0xf0000, 0x10000, 2), e(0x100000, 0xbfee0000, 1), e(0xbffe0000, 0x20000, 2),
  e(0xfffc0000, 0x40000, 2), e(0x100000000, 0x40000000, 1),
];
const AMD_HT = e(0xfd00000000, 0x300000000, 2);

describe('loader: multiboot v1 (QEMU -kernel)', function () {
  this.timeout(60000);
  let probe: Built;
  let k32: Built;
  before(function () {
    if (!haveGcc()) this.skip();
    probe = qemuProbeKernel();
    k32 = mb32();
  });

  const mod1 = new TextEncoder().encode('hello module\n');
  const mod2 = new Uint8Array(5000).map((_, i) => (i * 7 + 3) & 0xff);

  it('QEMU 7.2, -m 256M -cpu qemu64: -append "foo bar" -initrd "mod1.bin arg1 arg2,mod2.bin"', () => {
    const mem = ram(256 * MiB);
    const r = loadMultiboot(mem, probe.bytes, {
      kernelPath: '/tmp/mbexp/k.elf',
      append: 'foo bar',
      modules: [{ path: '/tmp/mbexp/mod1.bin', args: 'arg1 arg2', data: mod1 }, { path: '/tmp/mbexp/mod2.bin', data: mod2 }],
      cpu: { vendor: 'amd', physAddrBits: 40 },
    });
    assert.strictEqual(r.entry, 0x10000c);
    assert.strictEqual(r.eax, 0x2badb002);
    assert.strictEqual(r.ebx, 0x9500);
    assert.strictEqual(r.loadAddr, 0x100000);
    assert.strictEqual(r.kernelEnd, 0x102014);
    const mbi = readMbi(mem);
    assert.deepStrictEqual(mbi, {
      flags: 0x24f, memLower: 0x27f, memUpper: 0x3fb80, bootDevice: 0x8000ffff, cmdline: 0x103052, modsCount: 2, modsAddr: 0x103000,
      syms: [0, 0, 0, 0], mmapLength: 0xa8, mmapAddr: 0x9000, drivesLength: 0, drivesAddr: 0, configTable: 0,
      bootLoaderName: 0x10306b, apmTable: 0, vbe: [0, 0, 0, 0],
    });
    assert.deepStrictEqual(readMmap(mem, mbi), [...MMAP_256M, AMD_HT]);
    assert.deepStrictEqual(readMods(mem, mbi), [
      { start: 0x104000, end: 0x10400d, string: 0x103020, reserved: 0 },
      { start: 0x105000, end: 0x106388, string: 0x10303e, reserved: 0 },
    ]);
    assert.strictEqual(cstr(mem, 0x103020), '/tmp/mbexp/mod1.bin arg1 arg2');
    assert.strictEqual(cstr(mem, 0x10303e), '/tmp/mbexp/mod2.bin');
    assert.strictEqual(cstr(mem, 0x103052), '/tmp/mbexp/k.elf foo bar');
    assert.strictEqual(cstr(mem, 0x10306b), 'qemu');
    assert.deepStrictEqual(mem.readBytes(0x104000, mod1.length), mod1);
    assert.deepStrictEqual(mem.readBytes(0x105000, mod2.length), mod2);
    assert.strictEqual(r.bufferEnd, 0x107000);
    assert.deepStrictEqual(r.modules.map((m) => [m.start, m.end, m.cmdline]), [
      [0x104000, 0x10400d, '/tmp/mbexp/mod1.bin arg1 arg2'],
      [0x105000, 0x106388, '/tmp/mbexp/mod2.bin'],
    ]);
    assert.deepStrictEqual(r.warnings, []);
  });

  it('QEMU 7.2, phys-bits=39: a comma in a module string (",," on QEMU\'s command line) and in -append', () => {
    const mem = ram(256 * MiB);
    // -append "a,,b c" -initrd "/tmp/mbexp/mo,,d.bin x,,y,/tmp/mbexp/mod2.bin"
    const mods = splitInitrdOption('/tmp/mbexp/mo,,d.bin x,,y,/tmp/mbexp/mod2.bin');
    assert.deepStrictEqual(mods, [
      { file: '/tmp/mbexp/mo,d.bin', cmdline: '/tmp/mbexp/mo,d.bin x,y' },
      { file: '/tmp/mbexp/mod2.bin', cmdline: '/tmp/mbexp/mod2.bin' },
    ]);
    loadMultiboot(mem, probe.bytes, {
      kernelPath: '/tmp/mbexp/k.elf',
      append: 'a,,b c',
      modules: [{ path: mods[0].cmdline, data: mod1 }, { path: mods[1].cmdline, data: mod2 }],
      cpu: { vendor: 'amd', physAddrBits: 39 },
    });
    const mbi = readMbi(mem);
    assert.strictEqual(mbi.cmdline, 0x10304c);
    assert.strictEqual(mbi.bootLoaderName, 0x103066);
    assert.strictEqual(mbi.mmapLength, 0x90, 'no HyperTransport hole below 40 physical address bits');
    assert.deepStrictEqual(readMods(mem, mbi), [
      { start: 0x104000, end: 0x10400d, string: 0x103020, reserved: 0 },
      { start: 0x105000, end: 0x106388, string: 0x103038, reserved: 0 },
    ]);
    assert.strictEqual(cstr(mem, 0x103020), '/tmp/mbexp/mo,d.bin x,y');
    assert.strictEqual(cstr(mem, 0x10304c), '/tmp/mbexp/k.elf a,,b c');
    assert.strictEqual(cstr(mem, 0x103066), 'qemu');
  });

  it('QEMU 7.2, -m 4G, Intel vendor, no -append, no modules: "path " command line and the 4 GiB map', () => {
    const mem = ram(4 * GiB);
    const r = loadMultiboot(mem, probe.bytes, { kernelPath: '/tmp/mbexp/k.elf', cpu: { vendor: 'intel', physAddrBits: 40 } });
    const mbi = readMbi(mem);
    assert.deepStrictEqual(mbi, {
      flags: 0x24f, memLower: 0x27f, memUpper: 0x2ffb80, bootDevice: 0x8000ffff, cmdline: 0x103000, modsCount: 0, modsAddr: 0x103000,
      syms: [0, 0, 0, 0], mmapLength: 0xa8, mmapAddr: 0x9000, drivesLength: 0, drivesAddr: 0, configTable: 0,
      bootLoaderName: 0x103012, apmTable: 0, vbe: [0, 0, 0, 0],
    });
    assert.strictEqual(cstr(mem, 0x103000), '/tmp/mbexp/k.elf ');
    assert.strictEqual(r.cmdline, '/tmp/mbexp/k.elf ');
    assert.deepStrictEqual(readMmap(mem, mbi), MMAP_4G);
    assert.strictEqual(r.memUpper, 0x2ffb80);
  });

  it('memory maps: -m 256M Intel, -m 4G AMD, -m 3583M / 3584M around the PCI hole', () => {
    assert.deepStrictEqual(qemuE820(pcRamLayout(256 * MiB), { vendor: 'intel', physAddrBits: 40 }), MMAP_256M);
    assert.deepStrictEqual(qemuE820(pcRamLayout(4 * GiB), { vendor: 'amd', physAddrBits: 40 }), [...MMAP_4G.slice(0, 7), AMD_HT]);
    // Measured: 3583M stays below 4 GiB; 3584M (0xe0000000) splits at 3 GiB.
    assert.deepStrictEqual(qemuE820(pcRamLayout(3583 * MiB))[3], e(0x100000, 0xdfde0000, 1));
    assert.deepStrictEqual(qemuE820(pcRamLayout(3584 * MiB)).slice(3), [
      e(0x100000, 0xbfee0000, 1), e(0xbffe0000, 0x20000, 2), e(0xfffc0000, 0x40000, 2), e(0x100000000, 0x20000000, 1),
    ]);
  });

  it('ELF32 kernel: PT_LOAD contents, zeroed bss, symbols, entry state and the option ROM GDT', () => {
    const mem = ram(256 * MiB);
    const r = loadMultiboot(mem, k32.bytes, { kernelPath: 'k32.elf', append: 'console=ttyS0' });
    const f = parseElf(k32.bytes);
    assert.strictEqual(r.entry, Number(f.entry));
    assert.ok(r.elf && r.elf.symbol('kmain'));
    let high = 0;
    for (const s of f.loadSegments) {
      const at = Number(s.paddr);
      assert.deepStrictEqual(mem.readBytes(at, s.filesz), k32.bytes.subarray(s.offset, s.offset + s.filesz));
      const zeros = mem.readBytes(at + s.filesz, s.memsz - s.filesz);
      assert.ok(zeros.every((b) => b === 0), 'bss is zero');
      high = Math.max(high, at + s.memsz);
    }
    assert.strictEqual(r.kernelEnd, high);
    const mbi = readMbi(mem);
    assert.strictEqual(mbi.modsAddr, Math.ceil(high / 4096) * 4096);
    assert.strictEqual(cstr(mem, mbi.cmdline), 'k32.elf console=ttyS0');
    assert.strictEqual(mbi.cmdline, mbi.modsAddr);
    assert.strictEqual(mbi.bootLoaderName, mbi.cmdline + 'k32.elf'.length + 1 + 'console=ttyS0'.length + 1);

    // Multiboot §3.2 machine state, with QEMU's option-ROM values.
    const c = r.cpu;
    assert.deepStrictEqual([c.eax, c.ebx, c.ecx, c.eip, c.esp, c.cr0, c.eflags, c.efer], [0x2badb002, 0x9500, r.entry, r.entry, 0x6f08, 0x11, 6, 0]);
    assert.strictEqual(c.cr0 & 0x80000001, 1, 'protected mode, paging off');
    assert.strictEqual(c.eflags & ((1 << 9) | (1 << 17)), 0, 'IF and VM clear');
    assert.ok(c.a20);
    assert.deepStrictEqual(c.cs, { selector: 8, base: 0, limit: 0xffffffff, access: 0x9a, flags: 0xc, ar: 0xc09a });
    for (const s of [c.ds, c.es, c.fs, c.gs, c.ss]) assert.deepStrictEqual(s, { selector: 0x10, base: 0, limit: 0xffffffff, access: 0x93, flags: 0xc, ar: 0xc093 });
    assert.deepStrictEqual(c.gdtr, { base: 0xc02b8, limit: 0x27 });
    assert.deepStrictEqual(c.idtr, { base: 0, limit: 0x3ff });
    assert.deepStrictEqual(mem.readBytes(QEMU_MULTIBOOT_GDT_ADDR, 40), QEMU_MULTIBOOT_GDT);
  });

  it('higher-half ELF32: the virtual e_entry becomes physical, as in QEMU load_elf', () => {
    const mem = ram(64 * MiB);
    const r = loadMultiboot(mem, higherHalf32().bytes, { kernelPath: 'hh.elf' });
    assert.strictEqual(r.entry, 0x10000c);
    assert.strictEqual(r.loadAddr, 0x100000);
    assert.strictEqual(mem.read(0x100000, 4), 0x1badb002);
  });

  it('ELF64 kernel through the a.out kludge (header flag bit 16)', () => {
    const k = mb64(true);
    const mem = ram(256 * MiB);
    const r = loadMultiboot(mem, k.bytes, { kernelPath: 'k64.elf', modules: [{ path: 'mod', data: mod1 }] });
    const f = parseElf(k.bytes);
    assert.ok(r.elf && r.elf.is64);
    assert.strictEqual(r.entry, Number(f.symbol('_start')!.value));
    assert.ok(r.header.aout);
    const end = Number(f.symbol('_end')!.value);
    const edata = Number(f.symbol('_edata')!.value);
    assert.strictEqual(r.loadAddr, 0x100000);
    assert.strictEqual(r.kernelEnd, end);
    // The file from the header's offset (minus header_addr - load_addr) up to load_end_addr.
    const textOffset = r.header.offset - (r.header.aout!.headerAddr - r.header.aout!.loadAddr);
    assert.deepStrictEqual(mem.readBytes(0x100000, edata - 0x100000), k.bytes.subarray(textOffset, textOffset + edata - 0x100000));
    assert.ok(mem.readBytes(edata, end - edata).every((b) => b === 0));
    const mbi = readMbi(mem);
    assert.strictEqual(mbi.modsAddr, Math.ceil(end / 4096) * 4096);
    assert.strictEqual(readMods(mem, mbi)[0].start % 4096, 0, 'modules are page aligned');
  });

  it('a raw (non-ELF) a.out-kludge image, header at the last offset QEMU searches', () => {
    const img = new Uint8Array(8192 + 64);
    const dv = new DataView(img.buffer);
    const off = 8192 - 48 - 4; // 8140: QEMU scans i < 8192 - 48
    const flags = 0x10000;
    dv.setUint32(off, 0x1badb002, true);
    dv.setUint32(off + 4, flags, true);
    dv.setUint32(off + 8, (-(0x1badb002 + flags)) >>> 0, true);
    dv.setUint32(off + 12, 0x200000 + off, true); // header_addr
    dv.setUint32(off + 16, 0x200000, true); // load_addr
    dv.setUint32(off + 20, 0, true); // load_end_addr 0: load the whole file
    dv.setUint32(off + 24, 0x210000, true); // bss_end_addr
    dv.setUint32(off + 28, 0x200000 + off + 32, true); // entry
    img.set([0xfa, 0xf4, 0xeb, 0xfd], off + 32);
    const mem = ram(64 * MiB);
    const r = loadMultiboot(mem, img, { kernelPath: 'raw.bin' });
    assert.strictEqual(r.elf, undefined);
    assert.strictEqual(r.entry, 0x200000 + off + 32);
    assert.deepStrictEqual(mem.readBytes(0x200000 + off + 32, 4), new Uint8Array([0xfa, 0xf4, 0xeb, 0xfd]));
    assert.strictEqual(r.kernelEnd, 0x210000);
    // One word later and QEMU no longer finds it.
    const late = new Uint8Array(8192 + 64);
    late.set(img.subarray(off, off + 64), off + 4);
    expectLoadError(() => loadMultiboot(ram(64 * MiB), late, { kernelPath: 'late.bin' }), /^late\.bin: not a multiboot kernel: no multiboot header/);
  });

  describe('errors', () => {
    it('an ELF64 kernel without the a.out kludge: QEMU\'s message', () => {
      expectLoadError(
        () => loadMultiboot(ram(64 * MiB), mb64(false).bytes, { kernelPath: 'k64.elf' }),
        /^k64\.elf: Cannot load x86-64 image, give a 32bit one\. /,
      );
    });

    it('no multiboot header in the first 8 KiB', () => {
      expectLoadError(
        () => loadMultiboot(ram(64 * MiB), noHeader32().bytes, { kernelPath: 'plain.elf' }),
        /^plain\.elf: not a multiboot kernel: no multiboot header \(magic 0x1BADB002 with a valid checksum, 4-byte aligned\) in the first 8144 bytes of this ELF file$/,
      );
    });

    it('/etc/passwd', function () {
      if (!fs.existsSync('/etc/passwd')) this.skip();
      expectLoadError(
        () => loadMultiboot(ram(64 * MiB), new Uint8Array(fs.readFileSync('/etc/passwd')), { kernelPath: '/etc/passwd' }),
        /^\/etc\/passwd: not a multiboot kernel: no multiboot header .* in the first 8144 bytes$/,
      );
    });

    it('bad checksum', () => {
      const b = k32.bytes.slice();
      const f = parseElf(b);
      const off = f.section('.multiboot')!.offset;
      b[off + 8] ^= 1;
      const dv = new DataView(b.buffer);
      const sum = (0x1badb002 + dv.getUint32(off + 4, true) + dv.getUint32(off + 8, true)) >>> 0;
      assert.ok(sum === 1 || sum === 0xffffffff);
      expectLoadError(
        () => loadMultiboot(ram(64 * MiB), b, { kernelPath: 'k.elf' }),
        new RegExp(`^k\\.elf: multiboot header at file offset 0x${off.toString(16)} has a bad checksum \\(magic \\+ flags \\+ checksum = 0x${sum.toString(16)}, must be 0\\)$`),
      );
    });

    it('a truncated ELF', () => {
      const f = parseElf(k32.bytes);
      const seg = f.loadSegments.find((s) => s.filesz > 0x20)!;
      const cut = k32.bytes.subarray(0, seg.offset + 0x20); // keeps the multiboot header
      expectLoadError(
        () => loadMultiboot(ram(64 * MiB), cut, { kernelPath: 'cut.elf' }),
        /^cut\.elf: Error while loading elf kernel: ELF program header \d+: file range 0x[0-9a-f]+\+0x[0-9a-f]+ beyond end of file \(size 0x[0-9a-f]+\)$/,
      );
    });

    it('a segment outside RAM', () => {
      const high = mb32('mbhigh', '0x20000000');
      expectLoadError(
        () => loadMultiboot(ram(256 * MiB), high.bytes, { kernelPath: 'high.elf' }),
        /^high\.elf: ELF program header \d+ \[0x20000000, 0x200[0-9a-f]+\) is outside RAM \(0x20000000 is not RAM; RAM is \[0x0, 0x10000000\)\)$/,
      );
    });

    it('modules that do not fit', () => {
      expectLoadError(
        () => loadMultiboot(ram(4 * MiB), k32.bytes, { kernelPath: 'k.elf', modules: [{ path: 'big.bin', data: new Uint8Array(4 * MiB) }] }),
        /^k\.elf: module 0 \(big\.bin, 0x400000 bytes\) does not fit in RAM: it would occupy \[0x10[0-9a-f]+, 0x50[0-9a-f]+\) \(RAM is \[0x0, 0x400000\)\)$/,
      );
    });

    it('a.out kludge address checks (QEMU\'s messages)', () => {
      const k = mb64(true);
      const off = parseElf(k.bytes).section('.multiboot')!.offset;
      const patch = (field: number, value: number, field2?: number, value2?: number) => {
        const b = k.bytes.slice();
        new DataView(b.buffer).setUint32(off + field, value >>> 0, true);
        if (field2 !== undefined) new DataView(b.buffer).setUint32(off + field2, value2! >>> 0, true);
        return b;
      };
      const opts: MultibootOptions = { kernelPath: 'k' };
      expectLoadError(() => loadMultiboot(ram(64 * MiB), patch(16, 0x100100), opts), /^k: invalid load_addr address: header_addr 0x100000 is below load_addr 0x100100$/);
      expectLoadError(() => loadMultiboot(ram(64 * MiB), patch(12, 0x100000 + off + 4), opts), /^k: invalid header_addr address: header_addr - load_addr = 0x[0-9a-f]+ but the header is at file offset 0x[0-9a-f]+$/);
      expectLoadError(() => loadMultiboot(ram(64 * MiB), patch(20, 0xff000), opts), /^k: invalid load_end_addr address: 0xff000 is below load_addr 0x100000$/);
      expectLoadError(() => loadMultiboot(ram(64 * MiB), patch(24, 0x100001), opts), /^k: invalid bss_end_addr address: 0x100001 is below the end of the loaded image 0x1[0-9a-f]+$/);
      expectLoadError(() => loadMultiboot(ram(64 * MiB), patch(20, 0x900000, 24, 0x900000), opts), /^k: fread\(\) failed: the a\.out kludge load range \(file offset 0x[0-9a-f]+\+0x800000\) goes beyond the end of the file/);
    });

    it('the VBE flag is a warning, as in QEMU', () => {
      const vbe = mb32('mbvbe', '0x100000', '0x7');
      const r = loadMultiboot(ram(64 * MiB), vbe.bytes, { kernelPath: 'v' });
      assert.deepStrictEqual(r.warnings, ["qemu: multiboot knows VBE. we don't."]);
    });
  });

  it('fuzz: mutated kernels only ever raise LoadError', function () {
    this.timeout(120000);
    const rnd = prng(0xb007);
    const bases = [k32.bytes, mb64(true).bytes, probe.bytes];
    let loaded = 0;
    for (let iter = 0; iter < 400; iter++) {
      const b = bases[iter % bases.length].slice();
      const n = 1 + Math.floor(rnd() * 6);
      for (let k = 0; k < n; k++) {
        const pos = rnd() < 0.6 ? Math.floor(rnd() * Math.min(b.length, 0x1100)) : Math.floor(rnd() * b.length);
        b[pos] = rnd() < 0.5 ? b[pos] ^ (1 << Math.floor(rnd() * 8)) : Math.floor(rnd() * 256);
      }
      const img = rnd() < 0.2 ? b.subarray(0, Math.floor(rnd() * b.length)) : b;
      try {
        loadMultiboot(ram(32 * MiB), img, { kernelPath: 'f', modules: [{ path: 'm', data: mod1 }] });
        loaded++;
      } catch (err) {
        if (!(err instanceof LoadError)) throw new Error(`iteration ${iter}: ${(err as Error)?.stack}`);
      }
    }
    assert.ok(loaded > 0);
  });

  it('hex helper sanity', () => assert.strictEqual(hex(MB_MMAP_ADDR), '0x9000'));
});
