// The E820 memory map SeaBIOS reports on QEMU's pc machine (SeaBIOS
// src/fw/paravirt.c + src/malloc.c, measured on QEMU 7.2), and the mem_lower /
// mem_upper values the multiboot option ROM derives from it
// (pc-bios/optionrom/multiboot.S).

import { RamRange } from '../mem/physmem';
import { LoadError, hex } from './load-error';

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

export const FOUR_GIB = 0x1_0000_0000;

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
