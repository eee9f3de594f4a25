// A 16550A UART (National Semiconductor PC16550D datasheet), COM1 at 0x3f8 on
// IRQ4. Transmission is instant: a byte written to THR leaves at once, so the
// line status always shows THRE and TEMT after the write completes. Received
// bytes come from a host-side queue that feeds the 16-byte receive FIFO
// without overruns (the host waits for the guest, like hardware flow
// control), which keeps a run independent of how fast input is typed.
import { EventStream } from '../../events';
import { AccessSize, IrqSink, PortDevice } from '../bus';
import { Clock } from '../clock';

export const COM1_PORT = 0x3f8;
export const COM1_IRQ = 4;

// Register offsets (PC16550D, Table II).
const RBR_THR_DLL = 0, IER_DLM = 1, IIR_FCR = 2, LCR = 3, MCR = 4, LSR = 5, MSR = 6; // 7: scratch

// IER bits.
const IER_RDA = 0x01, IER_THRE = 0x02, IER_RLS = 0x04, IER_MS = 0x08;
// IIR interrupt identification codes, in priority order (PC16550D, Table IV).
const IIR_NONE = 0x01, IIR_RLS = 0x06, IIR_RDA = 0x04, IIR_TIMEOUT = 0x0c, IIR_THRE = 0x02, IIR_MS = 0x00;
/** IIR bits 7:6 read 11 when the FIFOs are enabled (FCR bit 0). */
const IIR_FIFO_ENABLED = 0xc0;
// FCR bits.
const FCR_ENABLE = 0x01, FCR_CLEAR_RX = 0x02;
const RX_TRIGGER = [1, 4, 8, 14];
// LCR.
const LCR_DLAB = 0x80;
// MCR bits.
const MCR_DTR = 0x01, MCR_RTS = 0x02, MCR_OUT1 = 0x04, MCR_OUT2 = 0x08, MCR_LOOP = 0x10;
// LSR bits.
const LSR_DR = 0x01, LSR_OE = 0x02, LSR_PE = 0x04, LSR_FE = 0x08, LSR_BI = 0x10, LSR_THRE = 0x20, LSR_TEMT = 0x40;
const LSR_ERRORS = LSR_OE | LSR_PE | LSR_FE | LSR_BI;
// MSR bits: deltas in 3:0, line states in 7:4.
const MSR_DCTS = 0x01, MSR_DDSR = 0x02, MSR_TERI = 0x04, MSR_DDCD = 0x08;
const MSR_CTS = 0x10, MSR_DSR = 0x20, MSR_RI = 0x40, MSR_DCD = 0x80;

const FIFO_SIZE = 16;

export class Uart16550 implements PortDevice {
  private ier = 0;
  private lcr = 0;
  private mcr = 0;
  private lsrErrors = 0;
  private msr = 0;
  private scr = 0;
  private dll = 0x0c; // 9600 baud at 1.8432 MHz, a common firmware default
  private dlm = 0;
  private fcr = 0;
  /** Receive FIFO (a holding register of 1 when FIFOs are disabled). */
  private rx: number[] = [];
  /** Host input not yet in the FIFO. */
  private input: number[] = [];
  /** The THRE interrupt source is latched until IIR is read or THR written. */
  private threPending = false;
  private irqLevel = false;

  constructor(
    private readonly base: number,
    private readonly irq: number,
    private readonly irqSink: IrqSink,
    private readonly events: EventStream,
    private readonly clock: Clock,
    private readonly serialOut: (text: string) => void,
  ) {
    this.reset();
  }

  reset(): void {
    this.ier = 0;
    this.lcr = 0;
    this.mcr = 0;
    this.lsrErrors = 0;
    this.scr = 0;
    this.fcr = 0;
    this.rx = [];
    this.threPending = false;
    // No modem attached: the host end is always ready, as QEMU reports it
    // (CTS, DSR and DCD asserted).
    this.msr = MSR_CTS | MSR_DSR | MSR_DCD;
    this.refill();
    this.updateIrq();
  }

  /** Queues bytes from the host (a string is taken as Latin-1). */
  pushInput(bytes: Uint8Array | string): void {
    if (typeof bytes === 'string') for (let i = 0; i < bytes.length; i++) this.input.push(bytes.charCodeAt(i) & 0xff);
    else for (const b of bytes) this.input.push(b);
    this.refill();
    this.updateIrq();
  }

  /** Bytes waiting in the host queue plus the FIFO. */
  get pendingInput(): number {
    return this.input.length + this.rx.length;
  }

  read(port: number, _size: AccessSize): number {
    switch (port - this.base) {
      case RBR_THR_DLL: {
        if (this.lcr & LCR_DLAB) return this.dll;
        const v = this.rx.length ? this.rx.shift()! : 0;
        this.refill();
        this.updateIrq();
        return v;
      }
      case IER_DLM:
        return this.lcr & LCR_DLAB ? this.dlm : this.ier;
      case IIR_FCR: {
        const id = this.interruptId();
        // PC16550D: reading IIR while THRE is the reported source clears it.
        if (id === IIR_THRE) {
          this.threPending = false;
          this.updateIrq();
        }
        return id | (this.fcr & FCR_ENABLE ? IIR_FIFO_ENABLED : 0);
      }
      case LCR:
        return this.lcr;
      case MCR:
        return this.mcr;
      case LSR: {
        const v = this.lsr();
        // Reading LSR clears the error bits (and with them the RLS interrupt).
        this.lsrErrors = 0;
        this.updateIrq();
        return v;
      }
      case MSR: {
        const v = this.msr;
        // Reading MSR clears the delta bits (and the modem-status interrupt).
        this.msr &= 0xf0;
        this.updateIrq();
        return v;
      }
      default: // SCR
        return this.scr;
    }
  }

  write(port: number, _size: AccessSize, value: number): void {
    value &= 0xff;
    switch (port - this.base) {
      case RBR_THR_DLL:
        if (this.lcr & LCR_DLAB) { this.dll = value; return; }
        this.transmit(value);
        return;
      case IER_DLM: {
        if (this.lcr & LCR_DLAB) { this.dlm = value; return; }
        const old = this.ier;
        this.ier = value & 0x0f;
        // Enabling ETBEI while THR is empty raises a THRE interrupt at once
        // (PC16550D; drivers such as Linux's 8250 rely on this to start TX).
        if (this.ier & IER_THRE && !(old & IER_THRE)) this.threPending = true;
        this.updateIrq();
        return;
      }
      case IIR_FCR:
        this.writeFcr(value);
        return;
      case LCR:
        this.lcr = value;
        return;
      case MCR:
        this.writeMcr(value & 0x1f);
        return;
      case LSR:
      case MSR:
        return; // read-only (factory-test writes are not modelled)
      default: // SCR
        this.scr = value;
    }
  }

  private transmit(byte: number): void {
    if (this.mcr & MCR_LOOP) {
      // Loopback: the transmitter output is wired to the receiver input and
      // nothing leaves the chip (PC16550D, MCR bit 4).
      if (this.rx.length < this.fifoCapacity()) this.rx.push(byte);
      else this.lsrErrors |= LSR_OE;
    } else {
      const text = String.fromCharCode(byte);
      this.serialOut(text);
      this.events.emit({ kind: 'serial', port: this.base, text, icount: this.clock.now() });
    }
    // The write cleared THRE; the instant transmission sets it again, which
    // raises a new THRE interrupt if enabled.
    this.threPending = (this.ier & IER_THRE) !== 0;
    this.updateIrq();
  }

  private writeFcr(value: number): void {
    const enableChanged = (value ^ this.fcr) & FCR_ENABLE;
    // Changing the FIFO enable bit clears both FIFOs (PC16550D, FCR bit 0).
    if (enableChanged || value & FCR_CLEAR_RX) this.rx = [];
    // FCR bit 2 (clear TX FIFO) has nothing to do: transmission is instant.
    this.fcr = value & 0xc9;
    this.refill();
    this.updateIrq();
  }

  private writeMcr(value: number): void {
    this.mcr = value;
    const old = this.msr;
    let lines: number;
    if (value & MCR_LOOP) {
      // Loopback wiring (PC16550D, MCR bit 4): RTS->CTS, DTR->DSR, OUT1->RI, OUT2->DCD.
      lines = (value & MCR_RTS ? MSR_CTS : 0) | (value & MCR_DTR ? MSR_DSR : 0) |
        (value & MCR_OUT1 ? MSR_RI : 0) | (value & MCR_OUT2 ? MSR_DCD : 0);
    } else {
      lines = MSR_CTS | MSR_DSR | MSR_DCD;
    }
    let delta = old & 0x0f;
    const changed = (old ^ lines) & 0xf0;
    if (changed & MSR_CTS) delta |= MSR_DCTS;
    if (changed & MSR_DSR) delta |= MSR_DDSR;
    if (changed & MSR_DCD) delta |= MSR_DDCD;
    // TERI flags the trailing edge of RI (RI going from 1 to 0).
    if (old & MSR_RI && !(lines & MSR_RI)) delta |= MSR_TERI;
    this.msr = lines | delta;
    this.refill();
    this.updateIrq();
  }

  private fifoCapacity(): number {
    return this.fcr & FCR_ENABLE ? FIFO_SIZE : 1;
  }

  /** Moves host input into the FIFO; in loopback the external input is disconnected. */
  private refill(): void {
    if (this.mcr & MCR_LOOP) return;
    const cap = this.fifoCapacity();
    while (this.input.length && this.rx.length < cap) this.rx.push(this.input.shift()!);
  }

  private lsr(): number {
    return (this.rx.length ? LSR_DR : 0) | this.lsrErrors | LSR_THRE | LSR_TEMT;
  }

  /** The highest-priority pending source (PC16550D, Table IV). */
  private interruptId(): number {
    if (this.ier & IER_RLS && this.lsrErrors & LSR_ERRORS) return IIR_RLS;
    if (this.ier & IER_RDA && this.rx.length) {
      // With FIFOs on, "received data available" means the trigger level is
      // reached; fewer bytes are reported as a character timeout. Real chips
      // wait four character times first; we report it at once, which keeps
      // delivery deterministic and never leaves bytes stranded.
      if (!(this.fcr & FCR_ENABLE)) return IIR_RDA;
      return this.rx.length >= RX_TRIGGER[this.fcr >> 6] ? IIR_RDA : IIR_TIMEOUT;
    }
    if (this.ier & IER_THRE && this.threPending) return IIR_THRE;
    if (this.ier & IER_MS && this.msr & 0x0f) return IIR_MS;
    return IIR_NONE;
  }

  private updateIrq(): void {
    // The INTR pin is not gated by MCR.OUT2 here: QEMU's 16550 does not gate
    // it either, and binaries are expected to behave the same in both.
    const level = this.interruptId() !== IIR_NONE;
    if (level !== this.irqLevel) {
      this.irqLevel = level;
      this.irqSink.setIrq(this.irq, level);
    }
  }
}
