// The chipset: every device of the machine, created and wired the way QEMU's
// `pc` machine wires them, so that binaries written for `qemu-system-x86_64
// -kernel` find the same hardware here.
//
//   ISA IRQ n ──► 8259 pair (n) ──INTR──► LINT0 of each local APIC (ExtINT)
//             └─► IOAPIC pin n (IRQ0 → pin 2) ──messages──► local APICs
//   PIT ch0 → IRQ0, COM1 → IRQ4; local APIC IPIs and EOIs go over the ApicBus.
import { EventStream } from '../../events';
import { PhysicalMemory } from '../../mem/physmem';
import { InterruptInputs, MsrDevice } from '../../x86/platform';
import { IoBus, IrqSink } from '../bus';
import { Clock } from '../clock';
import { A20Gate, PORT_A } from './a20';
import { Cmos, CMOS_PORT_INDEX } from './cmos';
import { DebugExit, DEBUG_EXIT_IOSIZE, DEBUG_EXIT_PORT } from './debug-exit';
import { DeviceDiag } from './diag';
import { FwCfg, FW_CFG_PORT_SEL } from './fwcfg';
import { IoApic, IOAPIC_BASE, IOAPIC_DEFAULT_VERSION, IOAPIC_MMIO_SIZE, isaIrqToGsi } from './ioapic';
import { APIC_DEFAULT_BASE, APIC_MMIO_SIZE, ApicBus, LocalApic } from './lapic';
import { Pic8259, PIC_ELCR1, PIC_MASTER_CMD, PIC_SLAVE_CMD } from './pic8259';
import { Pit8254, PIT_PORT_FIRST, PORT_B } from './pit8254';
import { Port80, POST_PORT } from './port80';
import { COM1_IRQ, COM1_PORT, Uart16550 } from './uart16550';

export interface ChipsetOptions {
  clock: Clock;
  events: EventStream;
  io: IoBus;
  mem: PhysicalMemory;
  ncpus: number;
  ramBytes: number;
  ramBelow4g: number;
  ramAbove4g: number;
  /** Bytes the guest sends on COM1, as Latin-1 text (one call per byte). */
  serialOut: (text: string) => void;
  /** Bytes available on COM1's receive side from the start. */
  serialIn?: string | Uint8Array;
  /** isa-debug-exit: the guest asked to end the run with this status. */
  onDebugExit?: (status: number, value: number) => void;
  /** The guest asked for a machine reset (port 0x92 fast reset). */
  onResetRequest?: (source: string) => void;
  /** MAXPHYADDR, for IA32_APIC_BASE reserved bits; default 40 (QEMU's TCG default). */
  physAddrBits?: number;
  /** IOAPIC version: 0x20 (QEMU's default, with an EOI register) or 0x11 (82093AA). */
  ioapicVersion?: 0x11 | 0x20;
}

/** ISA IRQ lines 0–15, each wired to the 8259 pair and to the IOAPIC. */
class IsaIrqRouter implements IrqSink {
  constructor(private pic: Pic8259, private ioapic: IoApic) {}

  setIrq(line: number, level: boolean): void {
    if (line < 0 || line > 15 || line === 2) return; // IRQ2 is the 8259 cascade, not an ISA line
    this.pic.setIrq(line, level);
    this.ioapic.setIrq(isaIrqToGsi(line), level);
  }
}

export class Chipset {
  readonly uart: Uart16550;
  readonly debugExit: DebugExit;
  readonly pic: Pic8259;
  readonly pit: Pit8254;
  readonly apicBus: ApicBus;
  readonly lapics: LocalApic[] = [];
  readonly ioapic: IoApic;
  readonly cmos: Cmos;
  readonly port80: Port80;
  readonly a20: A20Gate;
  readonly fwcfg: FwCfg;
  /** The ISA interrupt lines (IRQ 0–15); devices raise their IRQs here. */
  readonly isa: IrqSink;
  private readonly msrs: MsrDevice[][];

  constructor(opts: ChipsetOptions) {
    const { clock, events, io, mem } = opts;
    const diag = (name: string) => new DeviceDiag(events, clock, name);
    if (opts.ncpus < 1 || opts.ncpus > 255) throw new Error(`ncpus must be 1..255 (xAPIC IDs), got ${opts.ncpus}`);

    this.pic = new Pic8259(diag('pic'));
    this.apicBus = new ApicBus(clock, diag('lapic'), opts.physAddrBits ?? 40);
    this.ioapic = new IoApic(this.apicBus, diag('ioapic'), opts.ioapicVersion ?? IOAPIC_DEFAULT_VERSION);
    this.apicBus.onLevelEoi = (v) => this.ioapic.eoi(v);
    this.isa = new IsaIrqRouter(this.pic, this.ioapic);

    for (let i = 0; i < opts.ncpus; i++) {
      const apic = new LocalApic(i, i, this.apicBus);
      // The 8259's INTR is wired to LINT0 of every processor (only the BSP's
      // LINT0 is unmasked at reset).
      apic.connectExtInt(this.pic);
      this.apicBus.add(apic);
      this.lapics.push(apic);
    }
    this.pic.onIntr = (level) => {
      for (const a of this.lapics) a.setExtIntLine(level);
    };
    this.msrs = this.lapics.map((a) => [a]);

    this.pit = new Pit8254(clock, this.isa, diag('pit'));
    this.uart = new Uart16550(COM1_PORT, COM1_IRQ, this.isa, events, clock, opts.serialOut);
    if (opts.serialIn !== undefined) this.uart.pushInput(opts.serialIn);
    this.debugExit = new DebugExit(events, clock);
    if (opts.onDebugExit) this.debugExit.onExit = opts.onDebugExit;
    this.cmos = new Cmos(clock, diag('cmos'), { ramBelow4g: opts.ramBelow4g, ramAbove4g: opts.ramAbove4g, ncpus: opts.ncpus });
    this.port80 = new Port80();
    this.a20 = new A20Gate(diag('a20'));
    if (opts.onResetRequest) this.a20.onResetRequest = opts.onResetRequest;
    this.fwcfg = new FwCfg({ ramBytes: opts.ramBytes, ncpus: opts.ncpus });

    io.register(COM1_PORT, 8, this.uart);
    io.register(DEBUG_EXIT_PORT, DEBUG_EXIT_IOSIZE, this.debugExit);
    io.register(PIC_MASTER_CMD, 2, this.pic);
    io.register(PIC_SLAVE_CMD, 2, this.pic);
    io.register(PIC_ELCR1, 2, this.pic);
    io.register(PIT_PORT_FIRST, 4, this.pit);
    io.register(PORT_B, 1, this.pit);
    io.register(CMOS_PORT_INDEX, 2, this.cmos);
    io.register(POST_PORT, 1, this.port80);
    io.register(PORT_A, 1, this.a20);
    io.register(FW_CFG_PORT_SEL, 2, this.fwcfg);
    mem.addMmio(APIC_DEFAULT_BASE, APIC_MMIO_SIZE, this.apicBus, 'lapic');
    mem.addMmio(IOAPIC_BASE, IOAPIC_MMIO_SIZE, this.ioapic, 'ioapic');
  }

  /** The vCPU the run loop is executing: it receives xAPIC MMIO accesses. */
  get currentVcpu(): number {
    return this.apicBus.current;
  }

  set currentVcpu(i: number) {
    this.apicBus.current = i;
  }

  /** vCPU i's interrupt inputs (its local APIC, with the 8259 behind LINT0). */
  vcpuInterrupts(i: number): InterruptInputs {
    return this.lapics[i];
  }

  /** MSRs owned by devices for vCPU i: IA32_APIC_BASE, IA32_TSC_DEADLINE, x2APIC 0x800–0x8ff. */
  msrDevices(i: number): MsrDevice[] {
    return this.msrs[i];
  }

  lapic(i: number): LocalApic {
    return this.lapics[i];
  }

  get onDebugExit(): ((status: number, value: number) => void) | null {
    return this.debugExit.onExit;
  }

  set onDebugExit(cb: ((status: number, value: number) => void) | null) {
    this.debugExit.onExit = cb;
  }

  get onResetRequest(): ((source: string) => void) | null {
    return this.a20.onResetRequest;
  }

  set onResetRequest(cb: ((source: string) => void) | null) {
    this.a20.onResetRequest = cb;
  }

  /** Machine reset (power-on state of every device; timers cancelled and restarted). */
  reset(): void {
    this.ioapic.reset();
    this.pic.reset();
    for (const a of this.lapics) a.powerOnReset();
    this.pit.reset();
    this.uart.reset();
    this.debugExit.reset();
    this.cmos.reset();
    this.port80.reset();
    this.a20.reset();
    this.fwcfg.reset();
  }
}

export function createChipset(opts: ChipsetOptions): Chipset {
  return new Chipset(opts);
}

export { A20Gate } from './a20';
export { Cmos } from './cmos';
export { DebugExit, debugExitStatus } from './debug-exit';
export { FwCfg } from './fwcfg';
export { IoApic, isaIrqToGsi } from './ioapic';
export { ApicBus, LocalApic, APIC_TIMER_HZ } from './lapic';
export { Pic8259 } from './pic8259';
export { Pit8254, PIT_HZ, pitClocksAt, ticksForPitClocks } from './pit8254';
export { Port80 } from './port80';
export { Uart16550 } from './uart16550';
