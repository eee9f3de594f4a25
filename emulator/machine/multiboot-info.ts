// The multiboot information structure (spec §3.3) as QEMU builds it: where
// it and the memory map go, its field offsets and flags, and the bytes of
// the mbi and the mmap the option ROM writes.

import { E820Entry, FOUR_GIB, QEMU_MEM_LOWER } from './multiboot-e820';

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

/** The multiboot memory map (spec §3.3) of an E820 map, as the option ROM writes it. */
export function multibootMmap(e820: readonly E820Entry[]): Uint8Array {
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
  return mmap;
}

/** The values of the mbi fields that depend on the boot. */
export interface MultibootInfoFields {
  memUpper: number;
  cmdlineAddr: number;
  modsCount: number;
  modsAddr: number;
  mmapLength: number;
  bootLoaderNameAddr: number;
}

/** The multiboot information structure (QEMU's 88-byte bootinfo buffer). */
export function multibootInfo(f: MultibootInfoFields): Uint8Array {
  const mbi = new Uint8Array(MB_INFO_SIZE);
  const bdv = new DataView(mbi.buffer);
  bdv.setUint32(MBI.flags, QEMU_MBI_FLAGS, true);
  bdv.setUint32(MBI.memLower, QEMU_MEM_LOWER, true);
  bdv.setUint32(MBI.memUpper, f.memUpper, true);
  bdv.setUint32(MBI.bootDevice, QEMU_BOOT_DEVICE, true);
  bdv.setUint32(MBI.cmdline, f.cmdlineAddr, true);
  bdv.setUint32(MBI.modsCount, f.modsCount, true);
  bdv.setUint32(MBI.modsAddr, f.modsAddr, true);
  bdv.setUint32(MBI.mmapLength, f.mmapLength, true);
  bdv.setUint32(MBI.mmapAddr, MB_MMAP_ADDR, true);
  bdv.setUint32(MBI.bootLoaderName, f.bootLoaderNameAddr, true);
  return mbi;
}
