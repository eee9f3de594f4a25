// The PC's cascaded pair of 8259A programmable interrupt controllers (Intel
// 8259A datasheet): master at 0x20/0x21 with the slave's INT on its IR2, slave
// at 0xa0/0xa1, and the edge/level control registers (ELCR) at 0x4d0/0x4d1
// of PIIX/ICH chipsets. The master's INT output goes to LINT0 of the local
// APICs (or straight to the CPU when an APIC is hardware-disabled).
//
// Modelled: ICW1–ICW4, OCW1 (IMR), OCW2 (non-specific / specific EOI,
// rotation, set priority), OCW3 (IRR/ISR read select, poll, special mask),
// auto-EOI, edge and level triggering, the INTA cycle with cascade and the
// spurious IR7 / IR15 vectors. Not modelled: 8080/8085 mode, buffered mode,
// special fully nested mode (accepted and ignored).
import { AccessSize, IrqSink, PortDevice } from '../bus';
import { DeviceDiag } from './diag';

export const PIC_MASTER_CMD = 0x20;
export const PIC_MASTER_DATA = 0x21;
export const PIC_SLAVE_CMD = 0xa0;
export const PIC_SLAVE_DATA = 0xa1;
export const PIC_ELCR1 = 0x4d0;
export const PIC_ELCR2 = 0x4d1;
/** The master input the slave is cascaded on. */
const CASCADE_IR = 2;

// ICW1 bits.
const ICW1_IC4 = 0x01, ICW1_SNGL = 0x02, ICW1_LTIM = 0x08, ICW1_INIT = 0x10;
// ICW4 bits.
const ICW4_UPM = 0x01, ICW4_AEOI = 0x02;
// OCW3 bits.
const OCW3_RIS = 0x01, OCW3_RR = 0x02, OCW3_POLL = 0x04, OCW3_SMM = 0x20, OCW3_ESMM = 0x40;

/** One 8259A. */
class Pic8259Chip {
  irr = 0;
  isr = 0;
  imr = 0;
  /** Current level of each IR input. */
  lines = 0;
  /** Level-triggered inputs as set by the ELCR. */
  elcr = 0;
  /** ICW1.LTIM: every input level-triggered. */
  ltim = false;
  vectorBase = 0;
  /** 0 = operational, else the ICW expected next (2, 3, 4). */
  initStep = 0;
  icw1 = 0;
  icw3 = 0;
  icw4 = 0;
  autoEoi = false;
  rotateOnAutoEoi = false;
  /** The IR with the highest priority (rotation moves it; 0 after init). */
  priorityBase = 0;
  readIsr = false;
  pollPending = false;
  specialMask = false;
  /** INT output level. */
  intr = false;

  constructor(readonly elcrMask: number) {}

  isLevel(mask: number): boolean {
    return this.ltim || (this.elcr & mask) !== 0;
  }

  /** The highest-priority IR in `bits`, or -1 (8259A fully nested mode with rotation). */
  highest(bits: number): number {
    if (!bits) return -1;
    for (let i = 0; i < 8; i++) {
      const ir = (this.priorityBase + i) & 7;
      if (bits & (1 << ir)) return ir;
    }
    return -1;
  }

  /** Rank of an IR: 0 = highest priority. */
  rank(ir: number): number {
    return (ir - this.priorityBase) & 7;
  }

  /**
   * The IR the chip would interrupt the CPU for now, or -1: the highest
   * unmasked request that outranks every in-service level (8259A "Priority
   * Resolver"). In special mask mode, masked in-service levels do not block.
   */
  request(): number {
    const req = this.highest(this.irr & ~this.imr);
    if (req < 0) return -1;
    const inService = this.specialMask ? this.isr & ~this.imr : this.isr;
    const svc = this.highest(inService);
    if (svc >= 0 && this.rank(svc) <= this.rank(req)) return -1;
    return req;
  }

  setLine(ir: number, level: boolean): void {
    const mask = 1 << ir;
    if (this.isLevel(mask)) {
      // Level mode: the request follows the input.
      if (level) this.irr |= mask; else this.irr &= ~mask;
    } else if (level && !(this.lines & mask)) {
      // Edge mode: a low-to-high transition latches the request; it stays
      // latched until acknowledged even if the input drops (like QEMU; the
      // datasheet's spurious-IR7 case for short pulses is not modelled).
      this.irr |= mask;
    }
    if (level) this.lines |= mask; else this.lines &= ~mask;
  }

  /** INTA for `ir`: IRR -> ISR (8259A, "Interrupt Sequence"). */
  ack(ir: number): void {
    const mask = 1 << ir;
    if (!this.isLevel(mask)) this.irr &= ~mask;
    if (this.autoEoi) {
      // AEOI: the ISR bit is reset at the end of the second INTA pulse.
      if (this.rotateOnAutoEoi) this.priorityBase = (ir + 1) & 7;
    } else {
      this.isr |= mask;
    }
  }

  /** Re-evaluates level-triggered requests after LTIM/ELCR changes. */
  resampleLevels(): void {
    for (let ir = 0; ir < 8; ir++) {
      const mask = 1 << ir;
      if (this.isLevel(mask)) {
        if (this.lines & mask) this.irr |= mask; else this.irr &= ~mask;
      }
    }
  }
}

export class Pic8259 implements PortDevice, IrqSink {
  readonly master = new Pic8259Chip(0xf8); // IRQ0-2 cannot be level (PIIX ELCR1)
  readonly slave = new Pic8259Chip(0xde); // IRQ8 and IRQ13 cannot be level (PIIX ELCR2)
  /** Called when the master's INT output changes. */
  onIntr: ((level: boolean) => void) | null = null;

  constructor(private diag: DeviceDiag) {
    this.reset();
  }

  /**
   * State after power-on plus what the firmware (SeaBIOS under QEMU) leaves
   * behind for a `-kernel` boot: both chips initialized in 8086 mode with
   * vectors 0x08 (IRQ0-7) and 0x70 (IRQ8-15), everything masked except the
   * cascade input and IRQ0 (the BIOS timer). A guest that starts the PIT and
   * enables interrupts without reprogramming the PIC therefore sees IRQ0 on
   * vector 8, exactly as it would under QEMU (and gets a diagnostic).
   */
  reset(): void {
    for (const [chip, base, imr] of [[this.master, 0x08, 0xfa], [this.slave, 0x70, 0xff]] as const) {
      chip.irr = 0;
      chip.isr = 0;
      chip.imr = imr;
      chip.lines = 0;
      chip.elcr = 0;
      chip.ltim = false;
      chip.vectorBase = base;
      chip.initStep = 0;
      chip.icw1 = ICW1_INIT | ICW1_IC4;
      chip.icw3 = chip === this.master ? 1 << CASCADE_IR : CASCADE_IR;
      chip.icw4 = ICW4_UPM;
      chip.autoEoi = false;
      chip.rotateOnAutoEoi = false;
      chip.priorityBase = 0;
      chip.readIsr = false;
      chip.pollPending = false;
      chip.specialMask = false;
      chip.intr = false;
    }
    this.update();
  }

  /** ISA IRQ lines 0–15 (IRQ2 is the cascade and not an external input on a PC). */
  setIrq(line: number, level: boolean): void {
    if (line === CASCADE_IR) return; // driven by the slave only
    if (line < 8) this.master.setLine(line, level);
    else if (line < 16) this.slave.setLine(line - 8, level);
    this.update();
  }

  /** The master's INT output. */
  get intr(): boolean {
    return this.master.intr;
  }

  /**
   * The CPU's interrupt-acknowledge cycle; returns the vector (8259A,
   * "Interrupt Sequence" and "Cascade Mode"). With nothing to deliver the
   * chip answers IR7 without setting ISR (the spurious interrupt).
   */
  intAck(): number {
    const irq = this.master.request();
    let vector: number;
    if (irq < 0) {
      vector = this.master.vectorBase | 7;
    } else if (irq === CASCADE_IR && this.isCascaded()) {
      this.master.ack(irq);
      const sirq = this.slave.request();
      if (sirq < 0) {
        // Spurious IRQ15: the master's ISR bit 2 is set, the slave's is not
        // (the handler must send an EOI to the master only).
        vector = this.slave.vectorBase | 7;
      } else {
        this.slave.ack(sirq);
        vector = this.slave.vectorBase | sirq;
      }
      // The slave's INT changed; its level feeds the master's IR2.
      this.update();
    } else {
      this.master.ack(irq);
      vector = this.master.vectorBase | irq;
    }
    this.update();
    if (vector < 0x20 && irq >= 0 && irq !== CASCADE_IR) {
      this.diag.once(`low-vector:${vector}`, 'pic-vector-in-exception-range',
        `the 8259 delivered IRQ${irq} on vector ${vector}, a CPU exception vector outside real mode; ` +
        'the PIC still has the firmware\'s vector base (reprogram it with ICW2 or mask the IRQ)');
    }
    return vector;
  }

  read(port: number, _size: AccessSize): number {
    if (port === PIC_ELCR1) return this.master.elcr;
    if (port === PIC_ELCR2) return this.slave.elcr;
    const chip = port < PIC_SLAVE_CMD ? this.master : this.slave;
    if (port & 1) return chip.imr;
    if (chip.pollPending) return this.poll(chip);
    return chip.readIsr ? chip.isr : chip.irr;
  }

  write(port: number, _size: AccessSize, value: number): void {
    value &= 0xff;
    if (port === PIC_ELCR1 || port === PIC_ELCR2) {
      const chip = port === PIC_ELCR1 ? this.master : this.slave;
      chip.elcr = value & chip.elcrMask;
      chip.resampleLevels();
      this.update();
      return;
    }
    const chip = port < PIC_SLAVE_CMD ? this.master : this.slave;
    if (port & 1) this.writeData(chip, value);
    else this.writeCommand(chip, value);
    this.update();
  }

  private writeCommand(chip: Pic8259Chip, v: number): void {
    if (v & ICW1_INIT) {
      // ICW1 (8259A, "Initialization Command Words"): the edge-sense circuit
      // is reset, IMR cleared, IR7 gets lowest priority, special mask mode is
      // cleared, status read is set to IRR; without IC4 the ICW4 functions
      // are zero. Requests latched before initialization are dropped.
      chip.icw1 = v;
      chip.ltim = (v & ICW1_LTIM) !== 0;
      chip.imr = 0;
      chip.isr = 0;
      chip.irr = 0;
      chip.resampleLevels();
      chip.priorityBase = 0;
      chip.specialMask = false;
      chip.readIsr = false;
      chip.pollPending = false;
      chip.rotateOnAutoEoi = false;
      if (!(v & ICW1_IC4)) { chip.icw4 = 0; chip.autoEoi = false; }
      chip.initStep = 2;
      return;
    }
    if (v & 0x08) {
      // OCW3 (bits 4:3 = 01).
      if (v & OCW3_ESMM) chip.specialMask = (v & OCW3_SMM) !== 0;
      if (v & OCW3_POLL) chip.pollPending = true;
      if (v & OCW3_RR) chip.readIsr = (v & OCW3_RIS) !== 0;
      return;
    }
    // OCW2 (bits 4:3 = 00): R, SL, EOI in bits 7:5, level in 2:0.
    const level = v & 7;
    switch (v >> 5) {
      case 1: { // non-specific EOI: reset the highest-priority ISR bit
        const ir = chip.highest(chip.isr);
        if (ir >= 0) chip.isr &= ~(1 << ir);
        break;
      }
      case 3: // specific EOI
        chip.isr &= ~(1 << level);
        break;
      case 5: { // rotate on non-specific EOI: the serviced IR becomes lowest
        const ir = chip.highest(chip.isr);
        if (ir >= 0) { chip.isr &= ~(1 << ir); chip.priorityBase = (ir + 1) & 7; }
        break;
      }
      case 4: chip.rotateOnAutoEoi = true; break; // rotate in AEOI mode (set)
      case 0: chip.rotateOnAutoEoi = false; break; // rotate in AEOI mode (clear)
      case 7: // rotate on specific EOI
        chip.isr &= ~(1 << level);
        chip.priorityBase = (level + 1) & 7;
        break;
      case 6: // set priority: `level` becomes the lowest
        chip.priorityBase = (level + 1) & 7;
        break;
      default: // 2: no operation
        break;
    }
  }

  private writeData(chip: Pic8259Chip, v: number): void {
    switch (chip.initStep) {
      case 2: // ICW2: T7-T3 of the vector (8086 mode)
        chip.vectorBase = v & 0xf8;
        chip.initStep = chip.icw1 & ICW1_SNGL ? (chip.icw1 & ICW1_IC4 ? 4 : 0) : 3;
        return;
      case 3: // ICW3: cascade wiring (master: slave bit map, slave: its ID)
        chip.icw3 = v;
        chip.initStep = chip.icw1 & ICW1_IC4 ? 4 : 0;
        return;
      case 4: // ICW4
        chip.icw4 = v;
        chip.autoEoi = (v & ICW4_AEOI) !== 0;
        if (!(v & ICW4_UPM)) {
          this.diag.once('8080-mode', 'not-implemented', 'ICW4 selects 8080/8085 mode; the PIC keeps answering with 8086-mode vectors');
        }
        chip.initStep = 0;
        return;
      default: // OCW1: the interrupt mask
        chip.imr = v;
    }
  }

  /**
   * Poll command (OCW3.P): the next read of the command port is an INTA
   * without the CPU: bit 7 = interrupt present, bits 2:0 = the level.
   */
  private poll(chip: Pic8259Chip): number {
    chip.pollPending = false;
    const ir = chip.request();
    if (ir < 0) return 0;
    // A master poll that reports the cascade input leaves the slave to be polled separately.
    chip.ack(ir);
    this.update();
    return 0x80 | ir;
  }

  private isCascaded(): boolean {
    return !(this.master.icw1 & ICW1_SNGL);
  }

  /** Propagates the slave's INT into the master's IR2 and the master's INT to the CPU side. */
  private update(): void {
    const slaveInt = this.slave.request() >= 0;
    if (slaveInt !== this.slave.intr) {
      this.slave.intr = slaveInt;
      this.master.setLine(CASCADE_IR, slaveInt);
    }
    const masterInt = this.master.request() >= 0;
    if (masterInt !== this.master.intr) {
      this.master.intr = masterInt;
      if (this.onIntr) this.onIntr(masterInt);
    }
  }
}
