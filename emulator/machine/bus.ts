// Port I/O and MMIO dispatch. Devices register ranges; the CPU core calls
// in/out and the physical-memory layer calls the MMIO handlers.
import { EventStream } from '../events';

export type AccessSize = 1 | 2 | 4;

export interface PortDevice {
  /** Returns the value read (only the low `size` bytes are used). */
  read(port: number, size: AccessSize): number;
  write(port: number, size: AccessSize, value: number): void;
}

export interface MmioDevice {
  /** `offset` is relative to the region base. */
  read(offset: number, size: AccessSize | 8): number;
  write(offset: number, size: AccessSize | 8, value: number): void;
}

export interface MmioRegion { base: number; size: number; dev: MmioDevice; name: string }

const ALL_ONES = [0, 0xff, 0xffff, 0, 0xffffffff] as const;

export class IoBus {
  private ports: (PortDevice | undefined)[] = new Array(0x10000);
  /** Where the CPU is, for diagnostics (set by the run loop). */
  currentRip = 0;
  currentIcount = 0;

  constructor(private events: EventStream) {}

  register(first: number, count: number, dev: PortDevice): void {
    for (let p = first; p < first + count; p++) this.ports[p & 0xffff] = dev;
  }

  isClaimed(port: number): boolean {
    return this.ports[port & 0xffff] !== undefined;
  }

  read(port: number, size: AccessSize): number {
    const dev = this.ports[port & 0xffff];
    if (!dev) {
      this.unclaimed('read', port, size);
      return ALL_ONES[size];
    }
    return dev.read(port & 0xffff, size) & ALL_ONES[size];
  }

  write(port: number, size: AccessSize, value: number): void {
    const dev = this.ports[port & 0xffff];
    if (!dev) {
      this.unclaimed('write', port, size);
      return;
    }
    dev.write(port & 0xffff, size, value & ALL_ONES[size]);
  }

  private unclaimed(dir: string, port: number, size: number): void {
    const hex = (v: number) => '0x' + v.toString(16);
    this.events.diagnoseOnce(`port:${dir}:${port}:${size}`, {
      kind: 'diagnostic',
      code: 'unclaimed-port',
      message: `unclaimed I/O port ${dir}: port ${hex(port)}, size ${size}, rip ${hex(this.currentRip)}` +
        (dir === 'read' ? ' (returned all-ones)' : ' (dropped)'),
      icount: this.currentIcount,
      rip: this.currentRip,
    });
  }
}

/** An edge/level interrupt input, e.g. an ISA IRQ line into the PIC/IOAPIC. */
export interface IrqSink {
  setIrq(line: number, level: boolean): void;
}
