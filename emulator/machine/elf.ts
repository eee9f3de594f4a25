// ELF32 / ELF64 reader for little-endian x86 and x86-64 files: file header,
// program headers, section headers (with names), the symbol table, and
// section lookup by name (the adapter reads .debug_* and .eh_frame through
// it). Layouts and constants: System V gABI "ELF-64 Object File Format" /
// TIS ELF 1.2 (e_ident, Elf32_Ehdr/Elf64_Ehdr, Elf*_Phdr, Elf*_Shdr,
// Elf*_Sym, extended numbering PN_XNUM/SHN_XINDEX).
//
// Every malformed input is reported as a LoadError with a one-line message;
// nothing else may escape (test/unit/loader/elf.test.ts fuzzes this). All
// loops are bounded by counts that were first checked against the file size.
//
// Addresses (entry, p_vaddr, p_paddr, sh_addr, st_value, st_size) are bigint
// because ELF64 kernels live at 0xffffffff80000000 and up, which a double
// cannot hold exactly. Offsets and sizes of things inside the file are plain
// numbers (checked to lie inside the file first).

import { LoadError, hex } from './load-error';

export const ELFCLASS32 = 1;
export const ELFCLASS64 = 2;
export const ELFDATA2LSB = 1;
export const ELFDATA2MSB = 2;

export const ET_REL = 1;
export const ET_EXEC = 2;
export const ET_DYN = 3;

export const EM_386 = 3;
export const EM_X86_64 = 62;

export const PT_NULL = 0;
export const PT_LOAD = 1;
export const PT_DYNAMIC = 2;
export const PT_INTERP = 3;
export const PT_NOTE = 4;
export const PT_PHDR = 6;
export const PT_TLS = 7;
/** e_phnum value meaning "the real count is in section 0's sh_info". */
export const PN_XNUM = 0xffff;

export const PF_X = 1;
export const PF_W = 2;
export const PF_R = 4;

export const SHT_NULL = 0;
export const SHT_PROGBITS = 1;
export const SHT_SYMTAB = 2;
export const SHT_STRTAB = 3;
export const SHT_NOBITS = 8;
export const SHT_DYNSYM = 11;
export const SHT_SYMTAB_SHNDX = 18;

export const SHN_UNDEF = 0;
export const SHN_LORESERVE = 0xff00;
export const SHN_ABS = 0xfff1;
export const SHN_COMMON = 0xfff2;
export const SHN_XINDEX = 0xffff;

export const STT_NOTYPE = 0;
export const STT_OBJECT = 1;
export const STT_FUNC = 2;
export const STT_SECTION = 3;
export const STT_FILE = 4;
export const STT_COMMON = 5;
export const STT_TLS = 6;

export const STB_LOCAL = 0;
export const STB_GLOBAL = 1;
export const STB_WEAK = 2;

/**
 * Largest p_memsz we accept: the most guest RAM PhysicalMemory can model
 * (64 GiB). Anything bigger cannot be loaded and is almost certainly a
 * corrupted header.
 */
export const MAX_SEGMENT_SIZE = 64 * 1024 * 1024 * 1024;
/** A kernel has a handful of PT_LOAD segments; this bounds the overlap check. */
export const MAX_LOAD_SEGMENTS = 1024;

const MACHINE_NAMES: Record<number, string> = {
  0: 'none', 2: 'SPARC', 8: 'MIPS', 20: 'PowerPC', 21: 'PowerPC64', 22: 'S/390', 40: 'ARM',
  42: 'SuperH', 50: 'IA-64', 183: 'AArch64', 243: 'RISC-V', 258: 'LoongArch',
};

export interface ElfSegment {
  /** Index in the program header table. */
  readonly index: number;
  readonly type: number;
  /** PF_R | PF_W | PF_X */
  readonly flags: number;
  readonly offset: number;
  readonly vaddr: bigint;
  readonly paddr: bigint;
  readonly filesz: number;
  readonly memsz: number;
  readonly align: bigint;
  /**
   * For PT_LOAD: how many bytes a loader places at paddr. It is memsz, except
   * when the zero-filled tail (filesz..memsz) would overlap another PT_LOAD
   * segment: then only filesz bytes are loaded. This is QEMU's load_elf rule
   * (include/hw/elf_ops.h: "truncate the loaded segment to the filesz size"),
   * which the multiboot loader reproduces. 0 for other types.
   */
  readonly loadSize: number;
}

export interface ElfSection {
  readonly index: number;
  readonly name: string;
  readonly type: number;
  /** Low 32 bits of sh_flags (SHF_WRITE 1, SHF_ALLOC 2, SHF_EXECINSTR 4, …). */
  readonly flags: number;
  readonly addr: bigint;
  readonly offset: number;
  readonly size: number;
  readonly link: number;
  readonly info: number;
  readonly addralign: number;
  readonly entsize: number;
}

export interface ElfSymbol {
  readonly name: string;
  readonly value: bigint;
  readonly size: bigint;
  /** STT_* */
  readonly type: number;
  /** STB_* */
  readonly binding: number;
  /** STV_* (st_other & 3) */
  readonly visibility: number;
  /** Section index (after SHN_XINDEX resolution), or SHN_UNDEF/SHN_ABS/SHN_COMMON. */
  readonly shndx: number;
  /** Name of the defining section, '*ABS*', '*COM*', or null if undefined. */
  readonly section: string | null;
}

export interface ElfHeader {
  /** 32 or 64 (EI_CLASS). */
  readonly bits: 32 | 64;
  readonly osabi: number;
  /** e_type: ET_REL, ET_EXEC, ET_DYN, … */
  readonly type: number;
  readonly machine: number;
  readonly version: number;
  readonly entry: bigint;
  readonly phoff: number;
  readonly shoff: number;
  readonly flags: number;
  readonly ehsize: number;
  readonly phentsize: number;
  /** Program header count after PN_XNUM resolution. */
  readonly phnum: number;
  readonly shentsize: number;
  /** Section count after extended-numbering resolution. */
  readonly shnum: number;
  readonly shstrndx: number;
}

function fail(msg: string): never {
  throw new LoadError(msg);
}

const utf8 = new TextDecoder('utf-8', { fatal: false });

/** Bounds-checked little-endian reads; callers check ranges first, this is the backstop. */
class Reader {
  private readonly dv: DataView;
  constructor(readonly bytes: Uint8Array) {
    this.dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  get length(): number {
    return this.bytes.length;
  }
  private need(off: number, n: number, what: string): void {
    if (off < 0 || off + n > this.bytes.length) {
      fail(`${what}: offset ${hex(off)}+${n} beyond end of file (size ${hex(this.bytes.length)})`);
    }
  }
  u8(off: number, what: string): number {
    this.need(off, 1, what);
    return this.bytes[off];
  }
  u16(off: number, what: string): number {
    this.need(off, 2, what);
    return this.dv.getUint16(off, true);
  }
  u32(off: number, what: string): number {
    this.need(off, 4, what);
    return this.dv.getUint32(off, true);
  }
  u64(off: number, what: string): bigint {
    this.need(off, 8, what);
    return this.dv.getBigUint64(off, true);
  }
  /** Word of the file's class: 4 bytes for ELF32, 8 for ELF64. */
  word(off: number, is64: boolean, what: string): bigint {
    return is64 ? this.u64(off, what) : BigInt(this.u32(off, what));
  }
}

/** Checks that [off, off+size) lies in the file and returns off as a number. */
function fileRange(off: bigint, size: bigint, fileSize: number, what: string): number {
  if (off + size > BigInt(fileSize)) {
    fail(`${what}: file range ${hex(off)}+${hex(size)} beyond end of file (size ${hex(fileSize)})`);
  }
  return Number(off);
}

export function isElf(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x7f && bytes[1] === 0x45 && bytes[2] === 0x4c && bytes[3] === 0x46;
}

export class ElfFile {
  readonly bytes: Uint8Array;
  readonly header: ElfHeader;
  /** Every program header, in table order. */
  readonly segments: readonly ElfSegment[];
  /** Every section header, in table order (index 0 is the null section). */
  readonly sections: readonly ElfSection[];
  /** .symtab (or .dynsym when there is no .symtab), in table order, without the null symbol 0. */
  readonly symbols: readonly ElfSymbol[];
  private readonly byName = new Map<string, ElfSection>();
  private symIndex: ElfSymbol[] | null = null;

  constructor(bytes: Uint8Array) {
    this.bytes = bytes;
    const r = new Reader(bytes);
    this.header = parseHeader(r);
    this.segments = parseSegments(r, this.header);
    this.sections = parseSections(r, this.header);
    for (const s of this.sections) if (s.name && !this.byName.has(s.name)) this.byName.set(s.name, s);
    this.symbols = parseSymbols(r, this.header, this.sections);
  }

  get is64(): boolean {
    return this.header.bits === 64;
  }
  get machine(): number {
    return this.header.machine;
  }
  get entry(): bigint {
    return this.header.entry;
  }
  /** The PT_LOAD program headers, in table order. */
  get loadSegments(): ElfSegment[] {
    return this.segments.filter((s) => s.type === PT_LOAD);
  }

  /** First section with this name (e.g. '.debug_line'). */
  section(name: string): ElfSection | undefined {
    return this.byName.get(name);
  }

  /** File contents of a section (a view, not a copy); undefined for SHT_NOBITS/SHT_NULL or a missing section. */
  sectionData(s: string | ElfSection): Uint8Array | undefined {
    const sec = typeof s === 'string' ? this.section(s) : s;
    if (!sec || sec.type === SHT_NOBITS || sec.type === SHT_NULL) return undefined;
    return this.bytes.subarray(sec.offset, sec.offset + sec.size);
  }

  /** The symbol with this name; a global or weak definition is preferred over locals and undefined ones. */
  symbol(name: string): ElfSymbol | undefined {
    let best: ElfSymbol | undefined;
    for (const s of this.symbols) {
      if (s.name !== name) continue;
      if (s.shndx !== SHN_UNDEF && s.binding !== STB_LOCAL) return s;
      if (!best || (best.shndx === SHN_UNDEF && s.shndx !== SHN_UNDEF)) best = s;
    }
    return best;
  }

  /** The function or object symbol whose [value, value+size) contains addr (functions preferred). */
  symbolAt(addr: bigint): ElfSymbol | undefined {
    if (!this.symIndex) {
      this.symIndex = this.symbols
        .filter((s) => (s.type === STT_FUNC || s.type === STT_OBJECT || s.type === STT_NOTYPE) && s.shndx !== SHN_UNDEF && s.size > 0n)
        .sort((a, b) => (a.value < b.value ? -1 : a.value > b.value ? 1 : 0));
    }
    const idx = this.symIndex;
    let lo = 0;
    let hi = idx.length; // first index with value > addr
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (idx[mid].value <= addr) lo = mid + 1;
      else hi = mid;
    }
    let found: ElfSymbol | undefined;
    // Symbols may nest (an object inside a function's range is rare); look back a little.
    for (let i = lo - 1; i >= 0 && i >= lo - 64; i--) {
      const s = idx[i];
      if (addr < s.value + s.size) {
        if (s.type === STT_FUNC) return s;
        found ??= s;
      }
    }
    return found;
  }
}

/** Parses an x86 / x86-64 ELF file; throws LoadError for anything malformed. */
export function parseElf(bytes: Uint8Array): ElfFile {
  return new ElfFile(bytes);
}

function parseHeader(r: Reader): ElfHeader {
  const b = r.bytes;
  if (b.length < 4) {
    const shown = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join(' ');
    fail(`not an ELF file: only ${b.length} byte${b.length === 1 ? '' : 's'}${shown ? ` (${shown})` : ''}`);
  }
  if (!isElf(b)) {
    const shown = Array.from(b.subarray(0, 4), (x) => x.toString(16).padStart(2, '0')).join(' ');
    fail(`not an ELF file: bad magic ${shown}`);
  }
  if (b.length < 16) fail(`ELF header truncated: file is ${b.length} bytes, e_ident needs 16`);
  const cls = b[4];
  if (cls !== ELFCLASS32 && cls !== ELFCLASS64) {
    fail(`ELF header: bad class ${cls} (expected 1 = ELFCLASS32 or 2 = ELFCLASS64)`);
  }
  const data = b[5];
  if (data === ELFDATA2MSB) fail('ELF header: big-endian (ELFDATA2MSB) file; x86 ELF files are little-endian');
  if (data !== ELFDATA2LSB) fail(`ELF header: bad data encoding ${data} (expected 1 = ELFDATA2LSB)`);
  const is64 = cls === ELFCLASS64;
  const ehsize = is64 ? 64 : 52;
  if (b.length < ehsize) {
    fail(`ELF header truncated: file is ${b.length} bytes, the ELF${is64 ? 64 : 32} header needs ${ehsize}`);
  }
  const what = 'ELF header';
  const machine = r.u16(18, what);
  if (machine !== EM_386 && machine !== EM_X86_64) {
    const n = MACHINE_NAMES[machine];
    fail(`ELF header: machine ${machine}${n ? ` (${n})` : ''} is not x86 (EM_386 = 3) or x86-64 (EM_X86_64 = 62)`);
  }
  // Elf32_Ehdr / Elf64_Ehdr field offsets.
  const o = is64
    ? { entry: 24, phoff: 32, shoff: 40, flags: 48, ehsize: 52, phentsize: 54, phnum: 56, shentsize: 58, shnum: 60, shstrndx: 62 }
    : { entry: 24, phoff: 28, shoff: 32, flags: 36, ehsize: 40, phentsize: 42, phnum: 44, shentsize: 46, shnum: 48, shstrndx: 50 };
  const phoff = r.word(o.phoff, is64, what);
  const shoff = r.word(o.shoff, is64, what);
  const phentsize = r.u16(o.phentsize, what);
  const shentsize = r.u16(o.shentsize, what);
  let phnum = r.u16(o.phnum, what);
  let shnum = r.u16(o.shnum, what);
  let shstrndx = r.u16(o.shstrndx, what);
  const wantSh = is64 ? 64 : 40;
  const wantPh = is64 ? 56 : 32;

  let shoffN = 0;
  if (shoff !== 0n) {
    if (shentsize !== wantSh) fail(`ELF header: e_shentsize is ${shentsize}, expected ${wantSh} for ELF${is64 ? 64 : 32}`);
    shoffN = shoff > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(shoff);
    // Extended numbering lives in section 0 (gABI "Sections", Figure 4-11);
    // read it only when used, so a truncated file reports its program data first.
    if (shnum === 0 || shstrndx === SHN_XINDEX || phnum === PN_XNUM) {
      fileRange(shoff, BigInt(wantSh), b.length, 'ELF section header 0');
    }
    if (shnum === 0) {
      const sz = r.word(shoffN + (is64 ? 32 : 20), is64, 'ELF section header 0');
      if (sz > BigInt(b.length)) fail(`ELF section header 0: extended section count ${hex(sz)} is larger than the file`);
      shnum = Number(sz);
    }
    if (shstrndx === SHN_XINDEX) shstrndx = r.u32(shoffN + (is64 ? 40 : 24), 'ELF section header 0');
    if (phnum === PN_XNUM) phnum = r.u32(shoffN + (is64 ? 44 : 28), 'ELF section header 0');
    // The whole table is checked in parseSections, after the program
    // headers, so that a truncated file reports the loadable data it lost.
  } else {
    shnum = 0;
    shstrndx = 0;
    if (phnum === PN_XNUM) fail('ELF header: e_phnum is PN_XNUM but there is no section header 0 to hold the count');
  }

  let phoffN = 0;
  if (phnum > 0) {
    if (phentsize !== wantPh) fail(`ELF header: e_phentsize is ${phentsize}, expected ${wantPh} for ELF${is64 ? 64 : 32}`);
    phoffN = fileRange(phoff, BigInt(phnum) * BigInt(wantPh), b.length, `ELF program header table (${phnum} entries)`);
  }

  return {
    bits: is64 ? 64 : 32,
    osabi: b[7],
    type: r.u16(16, what),
    machine,
    version: r.u32(20, what),
    entry: r.word(o.entry, is64, what),
    phoff: phoffN,
    shoff: shoffN,
    flags: r.u32(o.flags, what),
    ehsize: r.u16(o.ehsize, what),
    phentsize,
    phnum,
    shentsize,
    shnum,
    shstrndx,
  };
}

function readString(r: Reader, table: ElfSection, off: number, what: string): string {
  if (off >= table.size) {
    fail(`${what}: name offset ${hex(off)} beyond string table ${table.name || `#${table.index}`} (size ${hex(table.size)})`);
  }
  const start = table.offset + off;
  const end = table.offset + table.size;
  // Search only inside the table, so a table without NULs costs O(table), not O(file).
  const rel = r.bytes.subarray(start, end).indexOf(0);
  if (rel < 0) fail(`${what}: name at offset ${hex(off)} is not NUL-terminated inside its string table`);
  return utf8.decode(r.bytes.subarray(start, start + rel));
}

function parseSections(r: Reader, h: ElfHeader): ElfSection[] {
  const is64 = h.bits === 64;
  if (h.shnum > 0) {
    fileRange(BigInt(h.shoff), BigInt(h.shnum) * BigInt(h.shentsize), r.length, `ELF section header table (${h.shnum} entries)`);
    if (h.shstrndx !== SHN_UNDEF && h.shstrndx >= h.shnum) fail(`ELF header: e_shstrndx ${h.shstrndx} out of range (${h.shnum} sections)`);
  }
  const raw: { nameOff: number; s: Omit<ElfSection, 'name'> }[] = [];
  for (let i = 0; i < h.shnum; i++) {
    const base = h.shoff + i * h.shentsize;
    const what = `ELF section header ${i}`;
    const nameOff = r.u32(base, what);
    const type = r.u32(base + 4, what);
    const flags = is64 ? Number(r.u64(base + 8, what) & 0xffffffffn) : r.u32(base + 8, what);
    const addr = r.word(base + (is64 ? 16 : 12), is64, what);
    const offset = r.word(base + (is64 ? 24 : 16), is64, what);
    const size = r.word(base + (is64 ? 32 : 20), is64, what);
    const link = r.u32(base + (is64 ? 40 : 24), what);
    const info = r.u32(base + (is64 ? 44 : 28), what);
    const addralign = r.word(base + (is64 ? 48 : 32), is64, what);
    const entsize = r.word(base + (is64 ? 56 : 36), is64, what);
    let offN = 0;
    let sizeN = 0;
    if (i === 0 || type === SHT_NULL) {
      // Section 0 holds extended-numbering values, not a section.
    } else if (type === SHT_NOBITS) {
      if (size > BigInt(MAX_SEGMENT_SIZE)) fail(`${what}: SHT_NOBITS size ${hex(size)} is too large`);
      sizeN = Number(size);
      offN = offset <= BigInt(r.length) ? Number(offset) : 0;
    } else {
      offN = fileRange(offset, size, r.length, what);
      sizeN = Number(size);
    }
    raw.push({
      nameOff,
      s: {
        index: i, type, flags, addr, offset: offN, size: sizeN, link, info,
        // Alignment and entry size are small in any real file; clamp garbage.
        addralign: addralign > 0xffffffffn ? 0xffffffff : Number(addralign),
        entsize: entsize > 0xffffffffn ? 0xffffffff : Number(entsize),
      },
    });
  }
  let strtab: ElfSection | undefined;
  if (h.shnum > 0 && h.shstrndx !== SHN_UNDEF) {
    const t = raw[h.shstrndx].s;
    if (t.type !== SHT_STRTAB) fail(`ELF section header ${h.shstrndx} (section names) has type ${t.type}, not SHT_STRTAB (3)`);
    strtab = { ...t, name: '' };
  }
  return raw.map(({ nameOff, s }) => ({
    ...s,
    name: strtab && s.index !== 0 ? readString(r, strtab, nameOff, `ELF section header ${s.index}`) : '',
  }));
}

function parseSegments(r: Reader, h: ElfHeader): ElfSegment[] {
  const is64 = h.bits === 64;
  const addrLimit = is64 ? 1n << 64n : 1n << 32n;
  const segs: (Omit<ElfSegment, 'loadSize'> & { loadSize: number })[] = [];
  let loads = 0;
  for (let i = 0; i < h.phnum; i++) {
    const base = h.phoff + i * h.phentsize;
    const what = `ELF program header ${i}`;
    // Elf32_Phdr: type, offset, vaddr, paddr, filesz, memsz, flags, align.
    // Elf64_Phdr: type, flags, offset, vaddr, paddr, filesz, memsz, align.
    const type = r.u32(base, what);
    const flags = r.u32(base + (is64 ? 4 : 24), what);
    const offset = r.word(base + (is64 ? 8 : 4), is64, what);
    const vaddr = r.word(base + (is64 ? 16 : 8), is64, what);
    const paddr = r.word(base + (is64 ? 24 : 12), is64, what);
    const filesz = r.word(base + (is64 ? 32 : 16), is64, what);
    const memsz = r.word(base + (is64 ? 40 : 20), is64, what);
    const align = r.word(base + (is64 ? 48 : 28), is64, what);
    const offN = filesz > 0n ? fileRange(offset, filesz, r.length, what) : offset <= BigInt(r.length) ? Number(offset) : 0;
    let memN = 0;
    if (type === PT_LOAD) {
      if (++loads > MAX_LOAD_SEGMENTS) fail(`ELF program headers: more than ${MAX_LOAD_SEGMENTS} PT_LOAD segments`);
      // QEMU load_elf: "file_size > mem_size" is ELF_LOAD_TOO_BIG.
      if (filesz > memsz) fail(`${what}: p_filesz ${hex(filesz)} is larger than p_memsz ${hex(memsz)}`);
      if (memsz > BigInt(MAX_SEGMENT_SIZE)) fail(`${what}: p_memsz ${hex(memsz)} is too large (limit 64 GiB)`);
      if (paddr + memsz > addrLimit) {
        fail(`${what}: physical range ${hex(paddr)}+${hex(memsz)} wraps past the end of the ${is64 ? 64 : 32}-bit address space`);
      }
      if (vaddr + memsz > addrLimit) {
        fail(`${what}: virtual range ${hex(vaddr)}+${hex(memsz)} wraps past the end of the ${is64 ? 64 : 32}-bit address space`);
      }
      memN = Number(memsz);
    } else {
      memN = memsz > BigInt(MAX_SEGMENT_SIZE) ? MAX_SEGMENT_SIZE : Number(memsz);
    }
    segs.push({ index: i, type, flags, offset: offN, vaddr, paddr, filesz: Number(filesz), memsz: memN, align, loadSize: 0 });
  }
  const loadSegs = segs.filter((s) => s.type === PT_LOAD);
  // QEMU's rule for a zero-filled tail that overlaps another segment
  // (include/hw/elf_ops.h, load_elf): load only filesz bytes of this one.
  for (const s of loadSegs) {
    let size = s.memsz;
    if (s.memsz > s.filesz) {
      const zs = s.paddr + BigInt(s.filesz);
      const ze = s.paddr + BigInt(s.memsz);
      for (const o of loadSegs) {
        if (o === s) continue;
        const os = o.paddr;
        const oe = o.paddr + BigInt(o.memsz);
        if (!(os >= ze || zs >= oe)) {
          size = s.filesz;
          break;
        }
      }
    }
    s.loadSize = size;
  }
  // What is left must not overlap (QEMU rejects overlapping ROM blobs in
  // hw/core/loader.c: "rom: requested regions overlap").
  const placed = loadSegs.filter((s) => s.loadSize > 0).sort((a, b) => (a.paddr < b.paddr ? -1 : a.paddr > b.paddr ? 1 : a.index - b.index));
  for (let i = 1; i < placed.length; i++) {
    const a = placed[i - 1];
    const b = placed[i];
    const aEnd = a.paddr + BigInt(a.loadSize);
    if (b.paddr < aEnd) {
      const [x, y] = a.index < b.index ? [a, b] : [b, a];
      fail(
        `ELF program headers ${x.index} and ${y.index} overlap in physical memory: ` +
          `[${hex(x.paddr)}, ${hex(x.paddr + BigInt(x.loadSize))}) and [${hex(y.paddr)}, ${hex(y.paddr + BigInt(y.loadSize))})`,
      );
    }
  }
  return segs;
}

function parseSymbols(r: Reader, h: ElfHeader, sections: readonly ElfSection[]): ElfSymbol[] {
  const is64 = h.bits === 64;
  const symtab = sections.find((s) => s.type === SHT_SYMTAB) ?? sections.find((s) => s.type === SHT_DYNSYM);
  if (!symtab) return [];
  const what = `ELF section header ${symtab.index} (${symtab.name || 'symbol table'})`;
  const entsize = is64 ? 24 : 16;
  if (symtab.entsize !== entsize && symtab.entsize !== 0) fail(`${what}: sh_entsize is ${symtab.entsize}, expected ${entsize}`);
  if (symtab.size % entsize !== 0) fail(`${what}: size ${hex(symtab.size)} is not a multiple of the symbol size ${entsize}`);
  if (symtab.link === 0 || symtab.link >= sections.length) fail(`${what}: sh_link ${symtab.link} is not a valid string table index`);
  const strtab = sections[symtab.link];
  if (strtab.type !== SHT_STRTAB) fail(`${what}: sh_link ${symtab.link} names a section of type ${strtab.type}, not SHT_STRTAB (3)`);
  const xindex = sections.find((s) => s.type === SHT_SYMTAB_SHNDX && s.link === symtab.index);
  const count = symtab.size / entsize;
  const out: ElfSymbol[] = [];
  for (let i = 1; i < count; i++) {
    const base = symtab.offset + i * entsize;
    const w = `ELF symbol ${i}`;
    // Elf32_Sym: name, value, size, info, other, shndx.
    // Elf64_Sym: name, info, other, shndx, value, size.
    const nameOff = r.u32(base, w);
    const info = r.u8(base + (is64 ? 4 : 12), w);
    const other = r.u8(base + (is64 ? 5 : 13), w);
    let shndx = r.u16(base + (is64 ? 6 : 14), w);
    const value = r.word(base + (is64 ? 8 : 4), is64, w);
    const size = r.word(base + (is64 ? 16 : 8), is64, w);
    if (shndx === SHN_XINDEX && xindex && i * 4 + 4 <= xindex.size) shndx = r.u32(xindex.offset + i * 4, w);
    let section: string | null = null;
    if (shndx === SHN_ABS) section = '*ABS*';
    else if (shndx === SHN_COMMON) section = '*COM*';
    else if (shndx !== SHN_UNDEF && shndx !== SHN_XINDEX && shndx < sections.length) section = sections[shndx].name;
    out.push({
      name: readString(r, strtab, nameOff, w),
      value,
      size,
      type: info & 0xf,
      binding: info >> 4,
      visibility: other & 3,
      shndx,
      section,
    });
  }
  return out;
}
