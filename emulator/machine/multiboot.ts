// Multiboot v1 kernel loading exactly as QEMU's `-kernel` does it on the pc
// machine: hw/i386/multiboot.c builds one buffer (kernel, module list,
// command lines, boot loader name, modules) and the multiboot option ROM
// (pc-bios/optionrom/multiboot.S) copies it into RAM, fills mem_lower,
// mem_upper and the memory map from the BIOS (SeaBIOS INT 12h / INT 15h
// E820), switches to 32-bit protected mode and jumps to the kernel.
//
// Facts, with their sources:
//  - Multiboot Specification 0.6.96: §3.1 header (magic, flags, checksum,
//    a.out kludge fields), §3.2 machine state, §3.3 boot information.
//  - QEMU hw/i386/multiboot.c (read, not copied): header search, ELF and
//    a.out-kludge paths and their error messages, buffer layout, mbi
//    address 0x9500 / e820 map at 0x9000, boot_device 0x8000ffff,
//    "%s %s" command line, module strings, boot loader name "qemu".
//  - QEMU pc-bios/optionrom/multiboot.S: mem_lower from INT 12h, mmap from
//    INT 15h E820 (20-byte entries + size field), mem_upper = contiguous RAM
//    above 1 MiB found in that map, GDT and segment values, EAX/EBX/ECX.
//  - SeaBIOS src/fw/paravirt.c + src/malloc.c: the E820 map it reports.
//  - Measured on QEMU 7.2 (TCG, SeaBIOS 1.16) with `-kernel` and the
//    monitor's `xp` / `info registers` (see test/unit/loader/multiboot.test.ts
//    for the values): mmap entries for -m 256M/3583M/3584M/4G, mem_lower 639,
//    the 128 KiB SeaBIOS keeps reserved below the top of low RAM, the AMD
//    HyperTransport hole entry, register and descriptor values at entry.

import { PhysicalMemory, RamRange, PAGE_SIZE } from '../mem/physmem';
import { LoadError, hex } from './load-error';
import { ElfFile, parseElf, isElf, EM_X86_64, PF_X } from './elf';

/** Multiboot spec §3.1.1: header magic. */
export const MULTIBOOT_HEADER_MAGIC = 0x1badb002;
/** Multiboot spec §3.2: EAX at kernel entry. */
export const MULTIBOOT_BOOTLOADER_MAGIC = 0x2badb002;
/** Spec §3.1: the header lies in the first 8192 bytes, 32-bit aligned. */
export const MULTIBOOT_SEARCH_BYTES = 8192;
/**
 * QEMU only tries offsets below 8192 - 48 ("The header is 12x32bit long, so
 * the latest entry may be 8192 - 48"), so a header in the last 48 bytes of
 * the window is not found even though the spec would allow it.
 */
export const QEMU_HEADER_SEARCH_LIMIT = MULTIBOOT_SEARCH_BYTES - 48;

/** Header flags (spec §3.1.2). */
export const MB_HDR_PAGE_ALIGN = 1 << 0;
export const MB_HDR_MEMORY_INFO = 1 << 1;
export const MB_HDR_VIDEO_MODE = 1 << 2;
export const MB_HDR_AOUT_KLUDGE = 1 << 16;

/** Where QEMU puts things (hw/i386/multiboot.c: MULTIBOOT_STRUCT_ADDR 0x9000). */
export const MB_MMAP_ADDR = 0x9000;
export const MB_INFO_ADDR = 0x9500;
/** QEMU's bootinfo buffer is 88 bytes: up to and including the APM/VBE words. */
export const MB_INFO_SIZE = 88;
/** Size of one module-list entry (spec §3.3: mod_start, mod_end, string, reserved). */
export const MB_MOD_SIZE = 16;

/** Boot information field offsets (spec §3.3, Figure "Boot information format"). */
export const MBI = {
  flags: 0,
  memLower: 4,
  memUpper: 8,
  bootDevice: 12,
  cmdline: 16,
  modsCount: 20,
  modsAddr: 24,
  syms: 28,
  mmapLength: 44,
  mmapAddr: 48,
  drivesLength: 52,
  drivesAddr: 56,
  configTable: 60,
  bootLoaderName: 64,
  apmTable: 68,
  vbeControlInfo: 72,
} as const;

/** Boot information flags (spec §3.3). */
export const MBI_FLAG_MEMORY = 1 << 0;
export const MBI_FLAG_BOOT_DEVICE = 1 << 1;
export const MBI_FLAG_CMDLINE = 1 << 2;
export const MBI_FLAG_MODS = 1 << 3;
export const MBI_FLAG_MMAP = 1 << 6;
export const MBI_FLAG_LOADER_NAME = 1 << 9;
/** The flags QEMU always sets (hw/i386/multiboot.c: MEMORY|BOOT_DEVICE|CMDLINE|MODULES|MMAP|BOOTLOADER = 0x24f). */
export const QEMU_MBI_FLAGS =
  MBI_FLAG_MEMORY | MBI_FLAG_BOOT_DEVICE | MBI_FLAG_CMDLINE | MBI_FLAG_MODS | MBI_FLAG_MMAP | MBI_FLAG_LOADER_NAME;
/** "XXX: use the -boot switch?" — QEMU always reports BIOS drive 0x80, no partition. */
export const QEMU_BOOT_DEVICE = 0x8000ffff;
export const QEMU_BOOTLOADER_NAME = 'qemu';

/** E820 types (ACPI spec "Address Range Types"; multiboot mmap uses the same values). */
export const E820_RAM = 1;
export const E820_RESERVED = 2;

export interface E820Entry {
  base: number;
  length: number;
  type: number;
}

// SeaBIOS' map on QEMU (src/fw/paravirt.c qemu_preinit, src/malloc.c
// malloc_preinit/prepboot, src/config.h):
/** Conventional memory ends where SeaBIOS puts its 1 KiB EBDA; INT 12h reports 639 KiB. */
export const SEABIOS_EBDA_START = 0x9fc00;
export const SEABIOS_LOWRAM_END = 0xa0000;
/** BUILD_BIOS_ADDR / BUILD_BIOS_SIZE: the BIOS segment, reserved. */
export const SEABIOS_BIOS_ADDR = 0xf0000;
export const SEABIOS_BIOS_SIZE = 0x10000;
/** "reserve 256KB BIOS area at the end of 4 GB". */
export const SEABIOS_HIGH_BIOS_ADDR = 0xfffc0000;
export const SEABIOS_HIGH_BIOS_SIZE = 0x40000;
/**
 * SeaBIOS reserves BUILD_MAX_HIGHTABLE (256 KiB) below the top of low RAM
 * for its tables and gives the unused whole pages back at boot; with QEMU's
 * pc machine what stays reserved is 128 KiB (measured: 0x0ffe0000-0x0fffffff
 * for -m 256M, 0xbffe0000-0xbfffffff for -m 4G; the familiar
 * "BIOS-e820: ... 0x...fe0000 reserved" line in Linux guests).
 */
export const SEABIOS_HIGHTABLE_RESERVED = 0x20000;
/**
 * QEMU >= 7.1 pc_memory_init: on an AMD-vendor CPU with phys-bits >= 40 the
 * HyperTransport range [0xfd00000000, 0x10000000000) is added as reserved
 * (measured with -cpu qemu64 and -cpu max under TCG; absent with
 * vendor=GenuineIntel or phys-bits=39).
 */
export const AMD_HT_START = 0xfd_0000_0000;
export const AMD_HT_SIZE = 0x3_0000_0000;

const FOUR_GIB = 0x1_0000_0000;

/**
 * The E820 map SeaBIOS reports on QEMU's pc machine for a RAM layout from
 * pcRamLayout(), sorted by address as SeaBIOS keeps it. The multiboot mmap is
 * exactly this list.
 */
export function qemuE820(ranges: readonly RamRange[], cpu?: { vendor: 'intel' | 'amd'; physAddrBits: number }): E820Entry[] {
  const low = ranges.find((r) => r.base === 0);
  if (!low || low.size < 0x100000 + 2 * SEABIOS_HIGHTABLE_RESERVED) {
    throw new LoadError(`machine RAM layout has no low RAM range of at least ${hex(0x100000 + 2 * SEABIOS_HIGHTABLE_RESERVED)} bytes at address 0`);
  }
  const lowTop = Math.min(low.size, SEABIOS_HIGH_BIOS_ADDR);
  const map: E820Entry[] = [
    { base: 0, length: SEABIOS_EBDA_START, type: E820_RAM },
    { base: SEABIOS_EBDA_START, length: SEABIOS_LOWRAM_END - SEABIOS_EBDA_START, type: E820_RESERVED },
    { base: SEABIOS_BIOS_ADDR, length: SEABIOS_BIOS_SIZE, type: E820_RESERVED },
    { base: 0x100000, length: lowTop - SEABIOS_HIGHTABLE_RESERVED - 0x100000, type: E820_RAM },
    { base: lowTop - SEABIOS_HIGHTABLE_RESERVED, length: SEABIOS_HIGHTABLE_RESERVED, type: E820_RESERVED },
    { base: SEABIOS_HIGH_BIOS_ADDR, length: SEABIOS_HIGH_BIOS_SIZE, type: E820_RESERVED },
  ];
  for (const r of ranges) {
    if (r.base >= FOUR_GIB && r.size > 0) map.push({ base: r.base, length: r.size, type: E820_RAM });
  }
  if (cpu && cpu.vendor === 'amd' && cpu.physAddrBits >= 40) {
    map.push({ base: AMD_HT_START, length: AMD_HT_SIZE, type: E820_RESERVED });
  }
  return map.sort((a, b) => a.base - b.base);
}

/**
 * mem_upper as the option ROM computes it: KiB of RAM contiguous from 1 MiB,
 * following type-1 entries below 4 GiB in any order (multiboot.S
 * upper_mem_entry loop).
 */
export function memUpperFromE820(map: readonly E820Entry[]): number {
  let end = 0x100000;
  for (let progress = true; progress; ) {
    progress = false;
    for (const e of map) {
      if (e.type !== E820_RAM || e.base >= FOUR_GIB) continue;
      const eEnd = Math.min(e.base + e.length, FOUR_GIB);
      if (e.base <= end && end < eEnd) {
        end = eEnd;
        progress = true;
      }
    }
  }
  return Math.floor((end - 0x100000) / 1024);
}

/** mem_lower: INT 12h, i.e. conventional memory below SeaBIOS' EBDA, in KiB (639). */
export const QEMU_MEM_LOWER = SEABIOS_EBDA_START / 1024;

export interface MultibootHeader {
  /** File offset of the magic. */
  offset: number;
  flags: number;
  checksum: number;
  /** Present when flags bit 16 (a.out kludge) is set. */
  aout?: { headerAddr: number; loadAddr: number; loadEndAddr: number; bssEndAddr: number; entryAddr: number };
}

function u32(b: Uint8Array, off: number): number {
  return (b[off] | (b[off + 1] << 8) | (b[off + 2] << 16) | (b[off + 3] << 24)) >>> 0;
}

/**
 * Finds the multiboot header the way QEMU does: the first 4-aligned offset
 * below 8192 - 48 whose magic + flags + checksum == 0 (mod 2^32). Returns the
 * header, or the first candidate with a bad checksum (for the error message).
 */
export function findMultibootHeader(image: Uint8Array): { header: MultibootHeader | null; badChecksumAt: number | null } {
  let badChecksumAt: number | null = null;
  for (let i = 0; i < QEMU_HEADER_SEARCH_LIMIT && i + 12 <= image.length; i += 4) {
    if (u32(image, i) !== MULTIBOOT_HEADER_MAGIC) continue;
    const flags = u32(image, i + 4);
    const checksum = u32(image, i + 8);
    if (((MULTIBOOT_HEADER_MAGIC + flags + checksum) >>> 0) !== 0) {
      badChecksumAt ??= i;
      continue;
    }
    const header: MultibootHeader = { offset: i, flags, checksum };
    if (flags & MB_HDR_AOUT_KLUDGE) {
      if (i + 32 > image.length) {
        throw new LoadError(`multiboot header at file offset ${hex(i)} has flag bit 16 (a.out kludge) but the file ends before its address fields`);
      }
      header.aout = {
        headerAddr: u32(image, i + 12),
        loadAddr: u32(image, i + 16),
        loadEndAddr: u32(image, i + 20),
        bssEndAddr: u32(image, i + 24),
        entryAddr: u32(image, i + 28),
      };
    }
    return { header, badChecksumAt };
  }
  return { header: null, badChecksumAt };
}

/** A segment register as the CPU caches it. */
export interface SegmentValue {
  selector: number;
  base: number;
  /** Byte-granular limit (already scaled by G). */
  limit: number;
  /** Descriptor byte 5: type, S, DPL, P. */
  access: number;
  /** Descriptor flags nibble: AVL (0), L (1), D/B (2), G (3). */
  flags: number;
  /** The same as VMX access rights (SDM vol 3 §25.4.1 Table 25-2): access | flags << 12. */
  ar: number;
}

function seg(selector: number, base: number, limit: number, access: number, flags: number): SegmentValue {
  return { selector, base, limit, access, flags, ar: (access | (flags << 12)) >>> 0 };
}

/** CPU state at the kernel's first instruction. */
export interface MultibootCpuState {
  eax: number;
  ebx: number;
  ecx: number;
  edx: number;
  esi: number;
  edi: number;
  ebp: number;
  esp: number;
  eip: number;
  eflags: number;
  cr0: number;
  cr3: number;
  cr4: number;
  efer: number;
  cs: SegmentValue;
  ds: SegmentValue;
  es: SegmentValue;
  fs: SegmentValue;
  gs: SegmentValue;
  ss: SegmentValue;
  ldtr: SegmentValue;
  tr: SegmentValue;
  gdtr: { base: number; limit: number };
  idtr: { base: number; limit: number };
  a20: boolean;
}

/**
 * The option ROM's GDT (multiboot.S "gdt:"): null, 0x08 flat 32-bit code
 * (9a cf), 0x10 flat 32-bit data (92 cf), 0x18 16-bit code, 0x20 16-bit data.
 */
export const QEMU_MULTIBOOT_GDT = new Uint8Array([
  0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
  0xff, 0xff, 0x00, 0x00, 0x00, 0x9a, 0xcf, 0x00,
  0xff, 0xff, 0x00, 0x00, 0x00, 0x92, 0xcf, 0x00,
  0xff, 0xff, 0x00, 0x00, 0x00, 0x9e, 0x00, 0x00,
  0xff, 0xff, 0x00, 0x00, 0x00, 0x92, 0x00, 0x00,
]);
/**
 * Where that GDT sits: inside the option ROM, which SeaBIOS places at 0xc0000
 * when no VGA BIOS comes first (measured GDTR 000c02b8/0027 with -nodefaults;
 * 000cb2b8 with the default VGA card). nestvirt has no VGA ROM.
 */
export const QEMU_MULTIBOOT_GDT_ADDR = 0xc02b8;

/**
 * Register state QEMU hands to a multiboot kernel (spec §3.2 plus what the
 * option ROM leaves behind). Spec-mandated: EAX magic, EBX mbi, CS flat
 * 32-bit code, DS/ES/FS/GS/SS flat 32-bit data, A20 on, CR0.PG=0, CR0.PE=1,
 * EFLAGS.VM=0 and IF=0. The rest is what `info registers` shows on QEMU 7.2
 * at the first kernel instruction: ECX = entry (the ROM jumps through ECX),
 * ESP 0x6f08 (SeaBIOS' stack; kernels that forget to set up a stack run on
 * it), EDI 0x1000, CR0 0x11 (PE|ET), EFLAGS 0x6 (PF from the ROM's last
 * compare), CS access byte 0x9a (the far jump does not set the accessed
 * bit), data segments 0x93, LDTR/TR left at their reset values, IDTR the
 * real-mode IVT. EDX holds an fw_cfg DMA leftover that varies between
 * configurations (0x00010511, 0x002f0511, ...); we use 0.
 */
export function multibootCpuState(entry: number, mbiAddr: number): MultibootCpuState {
  const data = () => seg(0x10, 0, 0xffffffff, 0x93, 0xc);
  return {
    eax: MULTIBOOT_BOOTLOADER_MAGIC,
    ebx: mbiAddr,
    ecx: entry,
    edx: 0,
    esi: 0,
    edi: 0x1000,
    ebp: 0,
    esp: 0x6f08,
    eip: entry,
    eflags: 0x00000006,
    cr0: 0x00000011,
    cr3: 0,
    cr4: 0,
    efer: 0,
    cs: seg(0x08, 0, 0xffffffff, 0x9a, 0xc),
    ds: data(),
    es: data(),
    fs: data(),
    gs: data(),
    ss: data(),
    ldtr: seg(0, 0, 0xffff, 0x82, 0),
    tr: seg(0, 0, 0xffff, 0x8b, 0),
    gdtr: { base: QEMU_MULTIBOOT_GDT_ADDR, limit: QEMU_MULTIBOOT_GDT.length - 1 },
    idtr: { base: 0, limit: 0x3ff },
    a20: true,
  };
}

export interface MultibootModuleInput {
  /**
   * The module's string as QEMU builds it from one `-initrd` element: the
   * file path, optionally followed by a space and arguments
   * (`-initrd "file arg1 arg2"` gives "file arg1 arg2").
   */
  path: string;
  data: Uint8Array;
  /** Extra arguments appended after a space (convenience for callers that keep them apart). */
  args?: string;
}

export interface MultibootOptions {
  /** The `-kernel` path as given; the kernel command line starts with it. */
  kernelPath: string;
  /** The `-append` string (default ''). */
  append?: string;
  modules?: MultibootModuleInput[];
  /** Default 'qemu', as QEMU says. */
  bootloaderName?: string;
  /** The VM's CPU model: decides whether QEMU's AMD HyperTransport hole shows in the mmap. */
  cpu?: { vendor: 'intel' | 'amd'; physAddrBits: number };
}

export interface MultibootModuleInfo {
  start: number;
  /** Exclusive end (QEMU stores start + length). */
  end: number;
  cmdline: string;
  cmdlineAddr: number;
}

export interface MultibootResult {
  entry: number;
  /** 0x2BADB002 */
  eax: number;
  /** Physical address of the multiboot information structure (0x9500). */
  ebx: number;
  /** The parsed ELF, when the image is one (also on the a.out-kludge path, for symbols). */
  elf?: ElfFile;
  header: MultibootHeader;
  /** Full register state for the boot CPU; see multibootCpuState(). */
  cpu: MultibootCpuState;
  /** Lowest address written for the kernel (mh_load_addr / lowest PT_LOAD). */
  loadAddr: number;
  /** End of the kernel image including bss. */
  kernelEnd: number;
  /** End of the kernel + module list + strings + modules, page aligned. */
  bufferEnd: number;
  mbiAddr: number;
  mmapAddr: number;
  e820: E820Entry[];
  memLower: number;
  memUpper: number;
  cmdline: string;
  cmdlineAddr: number;
  bootLoaderNameAddr: number;
  modsAddr: number;
  modules: MultibootModuleInfo[];
  /** Non-fatal findings (QEMU prints the same to stderr). */
  warnings: string[];
}

const textEncoder = new TextEncoder();

function alignPage(n: number): number {
  return Math.ceil(n / PAGE_SIZE) * PAGE_SIZE;
}

function describeRam(mem: PhysicalMemory): string {
  return mem.ranges.map((r) => `[${hex(r.base)}, ${hex(r.base + r.size)})`).join(' and ');
}

/** First address in [start, end) that is not RAM, or -1. */
function firstNonRam(mem: PhysicalMemory, start: number, end: number): number {
  if (end <= start) return -1;
  for (let p = Math.floor(start / PAGE_SIZE); p * PAGE_SIZE < end; p++) {
    if (!mem.isRam(p * PAGE_SIZE)) return Math.max(start, p * PAGE_SIZE);
  }
  return -1;
}

interface Piece {
  addr: number;
  data: Uint8Array;
}

/**
 * Loads a multiboot v1 kernel (and modules) into RAM as QEMU's `-kernel`
 * would, writes the multiboot information, memory map and the option ROM's
 * GDT, and returns the entry state. Expects RAM as at power-on (all zero).
 * Throws LoadError for anything QEMU would refuse and for images that do not
 * fit in RAM.
 */
export function loadMultiboot(mem: PhysicalMemory, image: Uint8Array, opts: MultibootOptions): MultibootResult {
  const name = opts.kernelPath;
  const fail: (msg: string) => never = (msg) => {
    throw new LoadError(`${name}: ${msg}`);
  };
  const warnings: string[] = [];

  const { header, badChecksumAt } = findMultibootHeader(image);
  if (!header) {
    if (badChecksumAt !== null) {
      const flags = u32(image, badChecksumAt + 4);
      const sum = (MULTIBOOT_HEADER_MAGIC + flags + u32(image, badChecksumAt + 8)) >>> 0;
      fail(`multiboot header at file offset ${hex(badChecksumAt)} has a bad checksum (magic + flags + checksum = ${hex(sum)}, must be 0)`);
    }
    fail(
      `not a multiboot kernel: no multiboot header (magic 0x1BADB002 with a valid checksum, 4-byte aligned) in the first ${QEMU_HEADER_SEARCH_LIMIT} bytes` +
        (isElf(image) ? ' of this ELF file' : ''),
    );
  }
  const h = header as MultibootHeader;
  if (h.flags & MB_HDR_VIDEO_MODE) warnings.push('qemu: multiboot knows VBE. we don\'t.');

  let elf: ElfFile | undefined;
  let loadAddr: number;
  let kernelSize: number;
  let entry: number;
  const kernelPieces: Piece[] = []; // addresses relative to loadAddr until placed
  const segmentRanges: { what: string; start: number; end: number }[] = [];

  if (h.aout) {
    // a.out kludge (spec §3.1.3): file bytes from header_addr's offset go to
    // load_addr..load_end_addr, zero to bss_end_addr; checks and messages as
    // in QEMU's load_multiboot.
    const a = h.aout;
    const i = h.offset;
    loadAddr = a.loadAddr;
    if (a.headerAddr < a.loadAddr) fail(`invalid load_addr address: header_addr ${hex(a.headerAddr)} is below load_addr ${hex(a.loadAddr)}`);
    if (a.headerAddr - a.loadAddr > i) {
      fail(`invalid header_addr address: header_addr - load_addr = ${hex(a.headerAddr - a.loadAddr)} but the header is at file offset ${hex(i)}`);
    }
    const textOffset = i - (a.headerAddr - a.loadAddr);
    let loadSize: number;
    if (a.loadEndAddr) {
      if (a.loadEndAddr < a.loadAddr) fail(`invalid load_end_addr address: ${hex(a.loadEndAddr)} is below load_addr ${hex(a.loadAddr)}`);
      loadSize = a.loadEndAddr - a.loadAddr;
    } else {
      if (image.length < textOffset) fail('invalid kernel_file_size');
      loadSize = image.length - textOffset;
    }
    if (loadSize > 0xffffffff - a.loadAddr) fail(`kernel does not fit in address space: load_addr ${hex(a.loadAddr)} + ${hex(loadSize)} bytes`);
    if (a.bssEndAddr) {
      if (a.bssEndAddr < a.loadAddr + loadSize) {
        fail(`invalid bss_end_addr address: ${hex(a.bssEndAddr)} is below the end of the loaded image ${hex(a.loadAddr + loadSize)}`);
      }
      kernelSize = a.bssEndAddr - a.loadAddr;
    } else {
      kernelSize = loadSize;
    }
    if (textOffset + loadSize > image.length) {
      fail(
        `fread() failed: the a.out kludge load range (file offset ${hex(textOffset)}+${hex(loadSize)}) ` +
          `goes beyond the end of the file (size ${hex(image.length)})`,
      );
    }
    entry = a.entryAddr;
    kernelPieces.push({ addr: 0, data: image.subarray(textOffset, textOffset + loadSize) });
    segmentRanges.push({ what: 'kernel image (a.out kludge load_addr..bss_end_addr)', start: loadAddr, end: loadAddr + kernelSize });
    if (isElf(image)) {
      try {
        elf = parseElf(image);
      } catch (e) {
        if (!(e instanceof LoadError)) throw e;
        warnings.push(`ELF symbols unavailable: ${e.message}`);
      }
    }
  } else {
    // ELF path. QEMU looks at e_machine (offset 18 in both classes) before
    // anything else and refuses x86-64 outright.
    if (image.length >= 20 && (image[18] | (image[19] << 8)) === EM_X86_64) {
      fail(
        'Cannot load x86-64 image, give a 32bit one. (QEMU boots an x86-64 ELF only through the ' +
          'multiboot a.out kludge: set header flag bit 16 and the address fields, or objcopy -O elf32-i386)',
      );
    }
    try {
      elf = parseElf(image);
    } catch (e) {
      if (!(e instanceof LoadError)) throw e;
      fail(`Error while loading elf kernel: ${e.message}`);
    }
    const f = elf as ElfFile;
    // QEMU load_elf: entry = e_entry, moved from virtual to physical when it
    // lies in an executable PT_LOAD whose vaddr != paddr; low/high span every
    // PT_LOAD (the effective size after the zero-tail rule).
    let e = f.entry;
    let low = -1n;
    let high = 0n;
    for (const s of f.loadSegments) {
      if (s.vaddr !== s.paddr && f.entry >= s.vaddr && f.entry < s.vaddr + BigInt(s.filesz) && s.flags & PF_X) {
        e = f.entry - s.vaddr + s.paddr;
      }
      if (low < 0n || s.paddr < low) low = s.paddr;
      const end = s.paddr + BigInt(s.loadSize);
      if (end > high) high = end;
    }
    if (low < 0n) fail('Error while fetching elf kernel from rom: the ELF file has no PT_LOAD segment');
    if (high > BigInt(FOUR_GIB)) fail(`ELF PT_LOAD segments reach ${hex(high)}, beyond the 32-bit physical address space`);
    loadAddr = Number(low);
    kernelSize = Number(high - low);
    entry = Number(e & 0xffffffffn);
    for (const s of f.loadSegments) {
      if (s.loadSize === 0) continue;
      const start = Number(s.paddr);
      segmentRanges.push({ what: `ELF program header ${s.index}`, start, end: start + s.loadSize });
      const n = Math.min(s.filesz, s.loadSize);
      if (n > 0) kernelPieces.push({ addr: start - loadAddr, data: f.bytes.subarray(s.offset, s.offset + n) });
    }
  }

  // ---- the buffer QEMU hands to the option ROM (hw/i386/multiboot.c) ----
  const append = opts.append ?? '';
  const loaderName = opts.bootloaderName ?? QEMU_BOOTLOADER_NAME;
  const mods = opts.modules ?? [];
  const modStrings = mods.map((m) => (m.args !== undefined && m.args !== '' ? `${m.path} ${m.args}` : m.path));
  const blen = (s: string) => textEncoder.encode(s).length;
  let bufSize = alignPage(kernelSize);
  const offMbinfo = bufSize;
  // cmdline_len counts the kernel path, the append string and the whole
  // -initrd option as written on QEMU's command line, where a comma inside a
  // module string is escaped as ",,"; each counted with its NUL.
  let cmdlineLen = blen(name) + 1 + blen(append) + 1;
  for (const s of modStrings) cmdlineLen += blen(s) + (s.match(/,/g)?.length ?? 0) + 1;
  bufSize += cmdlineLen + MB_MOD_SIZE * mods.length + blen(loaderName) + 1;
  bufSize = alignPage(bufSize);
  let offCmdlines = offMbinfo + MB_MOD_SIZE * mods.length;
  const offBootloader = offCmdlines + cmdlineLen;

  const infoPieces: Piece[] = [];
  const addString = (s: string): number => {
    const bytes = textEncoder.encode(s + '\0');
    infoPieces.push({ addr: loadAddr + offCmdlines, data: bytes });
    const at = loadAddr + offCmdlines;
    offCmdlines += bytes.length;
    return at;
  };

  const modules: MultibootModuleInfo[] = [];
  const modTable = new Uint8Array(MB_MOD_SIZE * mods.length);
  const modDv = new DataView(modTable.buffer);
  const modPieces: Piece[] = [];
  mods.forEach((m, k) => {
    const offs = bufSize;
    const cmdlineAddr = addString(modStrings[k]);
    bufSize = alignPage(offs + m.data.length);
    const start = loadAddr + offs;
    const end = start + m.data.length;
    if (end > FOUR_GIB) fail(`module ${k} (${m.path}) would end at ${hex(end)}, beyond 4 GiB where multiboot addresses stop`);
    modules.push({ start, end, cmdline: modStrings[k], cmdlineAddr });
    modDv.setUint32(k * MB_MOD_SIZE + 0, start, true);
    modDv.setUint32(k * MB_MOD_SIZE + 4, end, true);
    modDv.setUint32(k * MB_MOD_SIZE + 8, cmdlineAddr, true);
    if (m.data.length > 0) modPieces.push({ addr: start, data: m.data });
  });
  if (mods.length) infoPieces.push({ addr: loadAddr + offMbinfo, data: modTable });

  // "%s %s": the kernel path, a space, the -append string (so a trailing
  // space when there is no -append).
  const cmdline = `${name} ${append}`;
  const cmdlineAddr = addString(cmdline);
  const loaderBytes = textEncoder.encode(loaderName + '\0');
  const bootLoaderNameAddr = loadAddr + offBootloader;
  infoPieces.push({ addr: bootLoaderNameAddr, data: loaderBytes });
  const bufferEnd = loadAddr + bufSize;

  // ---- everything must land in RAM ----
  for (const r of segmentRanges) {
    const bad = firstNonRam(mem, r.start, r.end);
    if (bad >= 0) fail(`${r.what} [${hex(r.start)}, ${hex(r.end)}) is outside RAM (${hex(bad)} is not RAM; RAM is ${describeRam(mem)})`);
  }
  const infoStart = loadAddr + offMbinfo;
  const infoEnd = loadAddr + alignPage(offBootloader + loaderBytes.length);
  {
    const bad = firstNonRam(mem, infoStart, infoEnd);
    if (bad >= 0) {
      fail(`multiboot module list and command lines [${hex(infoStart)}, ${hex(infoEnd)}) after the kernel are outside RAM (RAM is ${describeRam(mem)})`);
    }
  }
  modules.forEach((m, k) => {
    const bad = firstNonRam(mem, m.start, alignPage(m.end));
    if (bad >= 0) {
      fail(
        `module ${k} (${mods[k].path}, ${hex(mods[k].data.length)} bytes) does not fit in RAM: it would occupy [${hex(m.start)}, ${hex(m.end)}) ` +
          `(RAM is ${describeRam(mem)})`,
      );
    }
  });

  // ---- what the option ROM writes before copying the kernel ----
  const e820 = qemuE820(mem.ranges, opts.cpu);
  const memUpper = memUpperFromE820(e820);
  const mmap = new Uint8Array(e820.length * 24);
  const mdv = new DataView(mmap.buffer);
  e820.forEach((e, k) => {
    // Multiboot mmap entry (spec §3.3): size (20, not counting itself), base_addr, length, type.
    const o = k * 24;
    mdv.setUint32(o, 20, true);
    mdv.setUint32(o + 4, e.base % FOUR_GIB, true);
    mdv.setUint32(o + 8, Math.floor(e.base / FOUR_GIB), true);
    mdv.setUint32(o + 12, e.length % FOUR_GIB, true);
    mdv.setUint32(o + 16, Math.floor(e.length / FOUR_GIB), true);
    mdv.setUint32(o + 20, e.type, true);
  });
  const mbi = new Uint8Array(MB_INFO_SIZE);
  const bdv = new DataView(mbi.buffer);
  bdv.setUint32(MBI.flags, QEMU_MBI_FLAGS, true);
  bdv.setUint32(MBI.memLower, QEMU_MEM_LOWER, true);
  bdv.setUint32(MBI.memUpper, memUpper, true);
  bdv.setUint32(MBI.bootDevice, QEMU_BOOT_DEVICE, true);
  bdv.setUint32(MBI.cmdline, cmdlineAddr, true);
  bdv.setUint32(MBI.modsCount, mods.length, true);
  bdv.setUint32(MBI.modsAddr, loadAddr + offMbinfo, true);
  bdv.setUint32(MBI.mmapLength, mmap.length, true);
  bdv.setUint32(MBI.mmapAddr, MB_MMAP_ADDR, true);
  bdv.setUint32(MBI.bootLoaderName, bootLoaderNameAddr, true);

  const early: Piece[] = [
    { addr: MB_MMAP_ADDR, data: mmap },
    { addr: MB_INFO_ADDR, data: mbi },
    { addr: QEMU_MULTIBOOT_GDT_ADDR, data: QEMU_MULTIBOOT_GDT },
  ];
  for (const p of early) {
    if (firstNonRam(mem, p.addr, p.addr + p.data.length) >= 0) {
      // The GDT copy is a courtesy (in QEMU it is option-ROM memory); the map and mbi are not optional.
      if (p.data === QEMU_MULTIBOOT_GDT) continue;
      fail(`boot structures at ${hex(p.addr)} are not in RAM (RAM is ${describeRam(mem)})`);
    }
    mem.writeBytes(p.addr, p.data);
  }

  // ---- then the buffer, which wins where it overlaps (the ROM copies it last) ----
  // Fresh RAM reads as zero, so only the early structures inside the
  // buffer's range need explicit zeroing (bss, padding, gaps).
  for (const p of early) {
    const s = Math.max(p.addr, loadAddr);
    const e = Math.min(p.addr + p.data.length, bufferEnd);
    if (s < e) mem.writeBytes(s, new Uint8Array(e - s));
  }
  for (const p of kernelPieces) mem.writeBytes(loadAddr + p.addr, p.data);
  for (const p of infoPieces) mem.writeBytes(p.addr, p.data);
  for (const p of modPieces) mem.writeBytes(p.addr, p.data);

  return {
    entry,
    eax: MULTIBOOT_BOOTLOADER_MAGIC,
    ebx: MB_INFO_ADDR,
    elf,
    header: h,
    cpu: multibootCpuState(entry, MB_INFO_ADDR),
    loadAddr,
    kernelEnd: loadAddr + kernelSize,
    bufferEnd,
    mbiAddr: MB_INFO_ADDR,
    mmapAddr: MB_MMAP_ADDR,
    e820,
    memLower: QEMU_MEM_LOWER,
    memUpper,
    cmdline,
    cmdlineAddr,
    bootLoaderNameAddr,
    modsAddr: loadAddr + offMbinfo,
    modules,
    warnings,
  };
}

/**
 * Splits a QEMU `-initrd` option value into module strings: elements are
 * separated by ',' and ",," stands for a literal comma (QEMU get_opt_value).
 * The file to read is each string up to its first space.
 */
export function splitInitrdOption(value: string): { file: string; cmdline: string }[] {
  const out: string[] = [];
  let cur = '';
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    if (c === ',') {
      if (value[i + 1] === ',') {
        cur += ',';
        i++;
        continue;
      }
      out.push(cur);
      cur = '';
      continue;
    }
    cur += c;
  }
  out.push(cur);
  return out.map((s) => {
    const sp = s.indexOf(' ');
    return { file: sp < 0 ? s : s.slice(0, sp), cmdline: s };
  });
}
