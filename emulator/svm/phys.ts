// The memory interface the SVM structures are read through. A VMCB, an IOPM
// or an MSRPM is plain memory (APM vol 2 §15.5, §15.10, §15.11): the L0 reads
// VMCB12 in L1's physical memory, the debugger reads a copy, the tests a
// Uint8Array. PhysicalMemory (emulator/mem/physmem.ts) satisfies PhysRW.

export interface PhysRead {
  /** Little-endian unsigned read of 1, 2 or 4 bytes at a physical address (or offset). */
  read(addr: number, size: 1 | 2 | 4): number;
}

export interface PhysRW extends PhysRead {
  write(addr: number, size: 1 | 2 | 4, value: number): void;
}

/** A Uint8Array seen as physical memory at [base, base + length). Out-of-range access throws RangeError. */
export class ByteRegion implements PhysRW {
  /** The bytes as a DataView (offset 0 = `base`). */
  readonly dv: DataView;

  constructor(
    readonly bytes: Uint8Array,
    readonly base = 0,
  ) {
    this.dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  private off(addr: number, size: number): number {
    const o = addr - this.base;
    if (!(o >= 0 && o + size <= this.bytes.length)) {
      throw new RangeError(`access of ${size} bytes at 0x${addr.toString(16)} outside [0x${this.base.toString(16)}, +0x${this.bytes.length.toString(16)})`);
    }
    return o;
  }

  read(addr: number, size: 1 | 2 | 4): number {
    const o = this.off(addr, size);
    if (size === 1) return this.bytes[o];
    if (size === 2) return this.dv.getUint16(o, true);
    return this.dv.getUint32(o, true);
  }

  write(addr: number, size: 1 | 2 | 4, value: number): void {
    const o = this.off(addr, size);
    if (size === 1) this.bytes[o] = value;
    else if (size === 2) this.dv.setUint16(o, value & 0xffff, true);
    else this.dv.setUint32(o, value >>> 0, true);
  }
}

/** `mem` re-based so that offset 0 is physical address `base` (a VMCB in guest memory). */
export function regionAt(mem: PhysRW, base: number): PhysRW {
  return {
    read: (off, size) => mem.read(base + off, size),
    write: (off, size, value) => mem.write(base + off, size, value),
  };
}

// ---- bulk transfers (the L0's VMRUN / #VMEXIT hot path) ----

/** Memory that hands out its 4 KiB backing pages and marks pages whose writes must be seen (PhysicalMemory). */
interface PagedPhys {
  page(pfn: number): Uint8Array | null;
  readonly codePages: Uint8Array;
}

function paged(mem: PhysRead): PagedPhys | null {
  const m = mem as Partial<PagedPhys>;
  return typeof m.page === 'function' && m.codePages instanceof Uint8Array ? (m as PagedPhys) : null;
}

/** The backing page of RAM at physical `addr` (PhysicalMemory), or null (MMIO, nothing there, not paged memory). */
export function physPage(mem: PhysRead, addr: number): Uint8Array | null {
  const pm = paged(mem);
  return pm === null ? null : pm.page(Math.floor(addr / 4096));
}

/**
 * Copies `len` bytes (a multiple of 4) at physical `addr` into `dst` at
 * `dstOff`: one block copy when the range is inside one RAM page, else
 * dword reads (MMIO sees the same accesses as before).
 */
export function readPhysInto(mem: PhysRead, addr: number, dst: Uint8Array, dstOff: number, len: number): void {
  const pm = paged(mem);
  const pfn = Math.floor(addr / 4096), off = addr - pfn * 4096;
  const p = pm !== null && off + len <= 4096 ? pm.page(pfn) : null;
  if (p !== null) { dst.set(len === 4096 ? p : p.subarray(off, off + len), dstOff); return; }
  for (let k = 0; k < len; k += 4) {
    const v = mem.read(addr + k, 4);
    dst[dstOff + k] = v; dst[dstOff + k + 1] = v >>> 8; dst[dstOff + k + 2] = v >>> 16; dst[dstOff + k + 3] = v >>> 24;
  }
}

/**
 * The backing page of physical `addr` when plain stores to it need no
 * notification (RAM, not marked as code or watched); null otherwise, and
 * the caller writes through `mem.write` so invalidation and watches see it.
 */
export function quietPage(mem: PhysRead, addr: number): Uint8Array | null {
  const pm = paged(mem);
  if (pm === null) return null;
  const pfn = Math.floor(addr / 4096);
  if (pfn >= pm.codePages.length || pm.codePages[pfn] !== 0) return null;
  return pm.page(pfn);
}

/**
 * Writes `len` bytes (1 or a multiple of 4) of `src` at `srcOff` to
 * physical `addr`: a block copy into a quiet page (quietPage), else the
 * byte or dword writes a field-by-field copy makes.
 */
export function writePhysFrom(mem: PhysRW, addr: number, src: Uint8Array, srcOff: number, len: number): void {
  const off = addr % 4096;
  const p = off + len <= 4096 ? quietPage(mem, addr) : null;
  if (p !== null) {
    if (len <= 16) for (let k = 0; k < len; k++) p[off + k] = src[srcOff + k];
    else p.set(src.subarray(srcOff, srcOff + len), off);
    return;
  }
  if (len === 1) { mem.write(addr, 1, src[srcOff]); return; }
  for (let k = 0; k < len; k += 4) {
    mem.write(addr + k, 4, (src[srcOff + k] | (src[srcOff + k + 1] << 8) | (src[srcOff + k + 2] << 16) | (src[srcOff + k + 3] << 24)) >>> 0);
  }
}
