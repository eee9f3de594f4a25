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
  private readonly dv: DataView;

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
