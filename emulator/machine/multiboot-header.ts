// The multiboot v1 header (Multiboot Specification 0.6.96 §3.1): magic,
// flags, checksum and the a.out kludge address fields, found the way QEMU's
// hw/i386/multiboot.c searches for it.

import { LoadError, hex } from './load-error';

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

export interface MultibootHeader {
  /** File offset of the magic. */
  offset: number;
  flags: number;
  checksum: number;
  /** Present when flags bit 16 (a.out kludge) is set. */
  aout?: { headerAddr: number; loadAddr: number; loadEndAddr: number; bssEndAddr: number; entryAddr: number };
}

export function u32(b: Uint8Array, off: number): number {
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
