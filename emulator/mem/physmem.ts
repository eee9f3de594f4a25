// Guest-physical memory: sparse RAM pages allocated on first touch (so
// `-m 4G` commits only what the guest uses), MMIO regions, and the
// "nothing here" behaviour of real chipsets (reads all-ones, writes dropped).
// Both the CPU core and the machine's loader/devices use this layer.

export const PAGE_SHIFT = 12;
export const PAGE_SIZE = 1 << PAGE_SHIFT;
export const PAGE_MASK = PAGE_SIZE - 1;

export type MmioSize = 1 | 2 | 4 | 8;
export interface MmioHandler {
  /** For size 8 the handler returns the low 32 bits; see read64 callers. */
  read(offset: number, size: MmioSize): number;
  write(offset: number, size: MmioSize, value: number): void;
}

interface Region { base: number; end: number; dev: MmioHandler; name: string }

/** A RAM range in guest-physical address space, [base, base+size). */
export interface RamRange { base: number; size: number }

export class PhysicalMemory {
  /** Page frame number -> backing page; undefined = not yet touched. */
  private pages: (Uint8Array | undefined)[] = [];
  private ramPfn: Uint8Array; // 1 where the pfn is RAM (max 64 GiB / 4K = 16M entries)
  private regions: Region[] = [];
  /** Set by the CPU core: called when a page that holds decoded code is written. */
  onCodeWrite: ((pfn: number) => void) | null = null;
  /** pfn -> 1 if some decoded block came from this page. */
  readonly codePages: Uint8Array;
  /** Every vCPU's MMU: told when a page becomes code so no fast write path bypasses invalidation. */
  readonly codeMarkListeners: ((pfn: number) => void)[] = [];
  /**
   * pfn -> 1 where a debugger watch covers part of the page (emulator/debug/
   * watch-memory.ts); null until the first watch. A watched page is kept
   * marked as code too, so the CPU's fast write paths (TLB page pointers,
   * bulk string stores) leave it to the slow path below: writes to pages no
   * watch covers cost nothing extra.
   */
  private watchPages: Uint8Array | null = null;
  /** Called after a write of `size` bytes at `addr` on a watched page. */
  onWatchedWrite: ((addr: number, size: number) => void) | null = null;
  readonly maxPfn: number;
  bytesCommitted = 0;

  constructor(readonly ranges: RamRange[]) {
    let top = 0;
    for (const r of ranges) top = Math.max(top, r.base + r.size);
    // Address space covers RAM plus the 4 GiB below (for MMIO near 4G).
    const limit = Math.max(top, 0x1_0000_0000);
    this.maxPfn = Math.ceil(limit / PAGE_SIZE);
    this.ramPfn = new Uint8Array(this.maxPfn);
    this.codePages = new Uint8Array(this.maxPfn);
    for (const r of ranges) {
      for (let p = Math.floor(r.base / PAGE_SIZE); p < Math.ceil((r.base + r.size) / PAGE_SIZE); p++) this.ramPfn[p] = 1;
    }
  }

  /** Total RAM in bytes. */
  get ramSize(): number {
    return this.ranges.reduce((s, r) => s + r.size, 0);
  }

  addMmio(base: number, size: number, dev: MmioHandler, name: string): void {
    this.regions.push({ base, end: base + size, dev, name });
    for (let p = Math.floor(base / PAGE_SIZE); p < Math.ceil((base + size) / PAGE_SIZE); p++) {
      if (p < this.maxPfn) this.ramPfn[p] = 0;
    }
  }

  /** Marks a page as holding decoded code: from now on every write to it goes through onCodeWrite. */
  markCode(pfn: number): void {
    if (this.codePages[pfn]) return;
    this.codePages[pfn] = 1;
    for (const l of this.codeMarkListeners) l(pfn);
  }

  /** Starts (on) or stops (off) routing writes to page `pfn` through onWatchedWrite. */
  setWatched(pfn: number, on: boolean): void {
    if (pfn < 0 || pfn >= this.maxPfn) return;
    if (!this.watchPages) this.watchPages = new Uint8Array(this.maxPfn);
    this.watchPages[pfn] = on ? 1 : 0;
    if (on) this.markCode(pfn);
  }

  /** A write to a page marked as code: code invalidation, then any watch. */
  private protectedWrite(pfn: number, addr: number, size: number): void {
    if (this.onCodeWrite) this.onCodeWrite(pfn);
    const w = this.watchPages;
    if (w !== null && w[pfn] === 1) {
      // Invalidation clears the code mark; a watched page keeps it (see watchPages).
      this.codePages[pfn] = 1;
      if (this.onWatchedWrite) this.onWatchedWrite(addr, size);
    }
  }

  isRam(addr: number): boolean {
    const pfn = Math.floor(addr / PAGE_SIZE);
    return pfn < this.maxPfn && this.ramPfn[pfn] === 1;
  }

  /** The backing page of a RAM pfn (allocated on first use), or null for MMIO/unbacked. */
  page(pfn: number): Uint8Array | null {
    if (pfn >= this.maxPfn || this.ramPfn[pfn] !== 1) return null;
    let p = this.pages[pfn];
    if (!p) {
      p = new Uint8Array(PAGE_SIZE);
      this.pages[pfn] = p;
      this.bytesCommitted += PAGE_SIZE;
    }
    return p;
  }

  private region(addr: number): Region | undefined {
    for (const r of this.regions) if (addr >= r.base && addr < r.end) return r;
    return undefined;
  }

  // ---- slow-path accessors (any alignment, page crossing, MMIO) ----

  read8(addr: number): number {
    const pfn = Math.floor(addr / PAGE_SIZE);
    const p = this.page(pfn);
    if (p) return p[addr & PAGE_MASK];
    const r = this.region(addr);
    return r ? r.dev.read(addr - r.base, 1) & 0xff : 0xff;
  }

  write8(addr: number, v: number): void {
    const pfn = Math.floor(addr / PAGE_SIZE);
    const p = this.page(pfn);
    if (p) {
      p[addr & PAGE_MASK] = v;
      if (this.codePages[pfn]) this.protectedWrite(pfn, addr, 1);
      return;
    }
    const r = this.region(addr);
    if (r) r.dev.write(addr - r.base, 1, v & 0xff);
  }

  /** Little-endian read of 1, 2 or 4 bytes; MMIO regions see one access of that size. */
  read(addr: number, size: 1 | 2 | 4): number {
    const off = addr & PAGE_MASK;
    if (off + size <= PAGE_SIZE) {
      const p = this.page(Math.floor(addr / PAGE_SIZE));
      if (p) {
        if (size === 1) return p[off];
        if (size === 2) return p[off] | (p[off + 1] << 8);
        return (p[off] | (p[off + 1] << 8) | (p[off + 2] << 16) | (p[off + 3] << 24)) >>> 0;
      }
      const r = this.region(addr);
      if (r) return r.dev.read(addr - r.base, size) >>> 0;
    }
    let v = 0;
    for (let i = size - 1; i >= 0; i--) v = v * 256 + this.read8(addr + i);
    return v >>> 0;
  }

  write(addr: number, size: 1 | 2 | 4, v: number): void {
    const off = addr & PAGE_MASK;
    if (off + size <= PAGE_SIZE) {
      const pfn = Math.floor(addr / PAGE_SIZE);
      const p = this.page(pfn);
      if (p) {
        p[off] = v;
        if (size > 1) p[off + 1] = v >>> 8;
        if (size > 2) { p[off + 2] = v >>> 16; p[off + 3] = v >>> 24; }
        if (this.codePages[pfn]) this.protectedWrite(pfn, addr, size);
        return;
      }
      const r = this.region(addr);
      if (r) { r.dev.write(addr - r.base, size, v >>> 0); return; }
    }
    for (let i = 0; i < size; i++) this.write8(addr + i, (v >>> (8 * i)) & 0xff);
  }

  readBytes(addr: number, len: number): Uint8Array {
    const out = new Uint8Array(len);
    for (let i = 0; i < len; i++) out[i] = this.read8(addr + i);
    return out;
  }

  writeBytes(addr: number, data: Uint8Array): void {
    let i = 0;
    while (i < data.length) {
      const a = addr + i;
      const pfn = Math.floor(a / PAGE_SIZE);
      const p = this.page(pfn);
      const off = a & PAGE_MASK;
      const n = Math.min(PAGE_SIZE - off, data.length - i);
      if (p) {
        p.set(data.subarray(i, i + n), off);
        if (this.codePages[pfn]) this.protectedWrite(pfn, a, n);
      } else {
        for (let j = 0; j < n; j++) this.write8(a + j, data[i + j]);
      }
      i += n;
    }
  }
}

/**
 * The guest-physical RAM layout QEMU's pc machine uses for `-m size`:
 * everything below 4 GiB when it fits under the PCI hole, else 3 GiB low and
 * the rest above 4 GiB.
 */
export function pcRamLayout(bytes: number): RamRange[] {
  const lowMax = 0xe000_0000;
  if (bytes < lowMax) return [{ base: 0, size: bytes }];
  const low = 0xc000_0000;
  return [{ base: 0, size: low }, { base: 0x1_0000_0000, size: bytes - low }];
}
