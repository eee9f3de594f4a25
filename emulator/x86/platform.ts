// What the CPU core needs from the machine around it. The machine layer
// implements these interfaces; the core never imports machine/.
import { EventStream } from '../events';
import { PhysicalMemory } from '../mem/physmem';

export interface PortIo {
  read(port: number, size: 1 | 2 | 4): number;
  write(port: number, size: 1 | 2 | 4, value: number): void;
}

/**
 * The interrupt inputs of one vCPU (its local APIC, and for the bootstrap
 * processor the 8259 PIC behind LINT0). The CPU asks before each instruction
 * boundary whether something is pending and acknowledges when it delivers.
 */
export interface InterruptInputs {
  /** True when a maskable interrupt is ready (the CPU still checks RFLAGS.IF, shadows, …). */
  hasInterrupt(): boolean;
  /** The CPU delivers it now: returns the vector (IRR->ISR, or the PIC's INTA cycle). */
  acknowledge(): number;
  /** NMI latched (cleared by the CPU when it delivers it). */
  nmiPending: boolean;
  /** INIT received (cleared by the CPU/machine when acted on). */
  initPending: boolean;
  /** Start-up IPI vector received while waiting for SIPI, or -1. */
  sipiVector: number;
  /** TPR as seen through CR8 (bits 3:0 = TPR[7:4]). */
  readCr8(): number;
  writeCr8(v: number): void;
}

/** MSRs owned by a device (the local APIC owns 0x1b and 0x800–0x8ff). */
export interface MsrDevice {
  /** Returns [lo, hi] or null if this device does not own the MSR. */
  rdmsr(index: number): [number, number] | null;
  /** Returns true if handled; throws GpFault-like errors are signalled with 'gp'. */
  wrmsr(index: number, lo: number, hi: number): boolean | 'gp';
}

export interface CpuPlatform {
  mem: PhysicalMemory;
  io: PortIo;
  events: EventStream;
  /** Machine-wide instructions retired; the CPU adds to it as it retires. */
  clock: {
    ticks: number; nextDeadline: number; fire(): void; running?: { jk: number } | null;
    /** Machine/Clock.schedule: the run loop ends blocks at every deadline (absent in bare-CPU rigs). */
    schedule?(at: number, cb: () => void): number;
  };
  intc: InterruptInputs;
  msrDevices: MsrDevice[];
}
