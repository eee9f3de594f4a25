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
//    HyperTransport hole entry, register and descriptor values at entry.//
// The pieces: multiboot-header.ts (header search), multiboot-e820.ts (the
// SeaBIOS memory map), multiboot-cpu.ts (entry state and GDT),
// multiboot-info.ts (mbi and mmap); this module loads and re-exports them.

import { PhysicalMemory, PAGE_SIZE } from '../mem/physmem';
import { LoadError, hex } from './load-error';
import { ElfFile, parseElf, isElf, EM_X86_64, PF_X } from './elf';
import {
  MULTIBOOT_HEADER_MAGIC, MULTIBOOT_BOOTLOADER_MAGIC, QEMU_HEADER_SEARCH_LIMIT, MB_HDR_VIDEO_MODE, MultibootHeader,
  findMultibootHeader, u32,
} from './multiboot-header';
import { E820Entry, FOUR_GIB, QEMU_MEM_LOWER, qemuE820, memUpperFromE820 } from './multiboot-e820';
import { MultibootCpuState, QEMU_MULTIBOOT_GDT, QEMU_MULTIBOOT_GDT_ADDR, multibootCpuState } from './multiboot-cpu';
import {
  MB_MMAP_ADDR, MB_INFO_ADDR, MB_MOD_SIZE, QEMU_BOOTLOADER_NAME, multibootMmap, multibootInfo,
} from './multiboot-info';

export {
  MULTIBOOT_HEADER_MAGIC, MULTIBOOT_BOOTLOADER_MAGIC, MULTIBOOT_SEARCH_BYTES, QEMU_HEADER_SEARCH_LIMIT,
  MB_HDR_PAGE_ALIGN, MB_HDR_MEMORY_INFO, MB_HDR_VIDEO_MODE, MB_HDR_AOUT_KLUDGE, MultibootHeader, findMultibootHeader,
} from './multiboot-header';
export {
  E820_RAM, E820_RESERVED, E820Entry, SEABIOS_EBDA_START, SEABIOS_LOWRAM_END, SEABIOS_BIOS_ADDR, SEABIOS_BIOS_SIZE,
  SEABIOS_HIGH_BIOS_ADDR, SEABIOS_HIGH_BIOS_SIZE, SEABIOS_HIGHTABLE_RESERVED, AMD_HT_START, AMD_HT_SIZE, qemuE820,
  memUpperFromE820, QEMU_MEM_LOWER,
} from './multiboot-e820';
export {
  SegmentValue, MultibootCpuState, QEMU_MULTIBOOT_GDT, QEMU_MULTIBOOT_GDT_ADDR, multibootCpuState,
} from './multiboot-cpu';
export {
  MB_MMAP_ADDR, MB_INFO_ADDR, MB_INFO_SIZE, MB_MOD_SIZE, MBI, MBI_FLAG_MEMORY, MBI_FLAG_BOOT_DEVICE, MBI_FLAG_CMDLINE,
  MBI_FLAG_MODS, MBI_FLAG_MMAP, MBI_FLAG_LOADER_NAME, QEMU_MBI_FLAGS, QEMU_BOOT_DEVICE, QEMU_BOOTLOADER_NAME,
} from './multiboot-info';

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
  const mmap = multibootMmap(e820);
  const mbi = multibootInfo({
    memUpper, cmdlineAddr, modsCount: mods.length, modsAddr: loadAddr + offMbinfo, mmapLength: mmap.length, bootLoaderNameAddr,
  });

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
