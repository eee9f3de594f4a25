// The I/O APIC (Intel 82093AA datasheet; ICH "I/O Advanced Programmable
// Interrupt Controller" for version 0x20) at 0xFEC00000: IOREGSEL at +0x00,
// IOWIN at +0x10 and, from version 0x20 on, the EOI register at +0x40. 24
// pins; each redirection table entry sends an interrupt message to the local
// APICs over the ApicBus.
//
// ISA wiring as on QEMU's pc machine (and advertised by its MADT interrupt
// source override): ISA IRQ0 (the PIT) arrives on pin 2, every other ISA IRQ
// n on pin n. Pin inputs are logical "asserted" levels, so the polarity bit
// is stored but not applied (as in QEMU).
import { MmioHandler, MmioSize } from '../../mem/physmem';
import { IrqSink } from '../bus';
import { ApicBus, DM_EXTINT, DM_FIXED, DM_INIT, DM_LOWEST, DM_NMI, DM_SMI } from './lapic';
import { DeviceDiag } from './diag';

export const IOAPIC_BASE = 0xfec00000;
export const IOAPIC_MMIO_SIZE = 0x1000;
export const IOAPIC_PINS = 24;
/** QEMU's default IOAPIC version (0x11 is the 82093AA, without the EOI register). */
export const IOAPIC_DEFAULT_VERSION = 0x20;

const IOREGSEL = 0x00, IOWIN = 0x10, IOEOI = 0x40;
const REG_ID = 0x00, REG_VER = 0x01, REG_ARB = 0x02, REG_REDTBL = 0x10;

// Redirection table entry, low dword (82093AA, "IOREDTBL").
const RTE_DESTMOD = 1 << 11;
const RTE_REMOTE_IRR = 1 << 14;
const RTE_LEVEL = 1 << 15;
const RTE_MASKED = 1 << 16;
/** Writable: vector, delivery mode, destination mode, polarity, trigger mode, mask. */
const RTE_LO_WRITABLE = 0x1afff;
const RTE_HI_WRITABLE = 0xff000000;

/** The IOAPIC pin an ISA IRQ arrives on (QEMU pc: IRQ0 -> GSI 2). */
export function isaIrqToGsi(irq: number): number {
  return irq === 0 ? 2 : irq;
}

export class IoApic implements MmioHandler, IrqSink {
  private id = 0;
  private regsel = 0;
  readonly rteLo = new Uint32Array(IOAPIC_PINS);
  readonly rteHi = new Uint32Array(IOAPIC_PINS);
  private readonly lines = new Uint8Array(IOAPIC_PINS);

  constructor(private bus: ApicBus, private diag: DeviceDiag, readonly version = IOAPIC_DEFAULT_VERSION) {
    this.reset();
  }

  /** After reset every entry is masked, edge, fixed, vector 0 (82093AA). */
  reset(): void {
    this.id = 0;
    this.regsel = 0;
    this.rteLo.fill(RTE_MASKED);
    this.rteHi.fill(0);
    this.lines.fill(0);
  }

  /** Input pin `pin` (a GSI) at `level` (true = asserted). */
  setIrq(pin: number, level: boolean): void {
    if (pin < 0 || pin >= IOAPIC_PINS) return;
    const was = this.lines[pin] === 1;
    this.lines[pin] = level ? 1 : 0;
    const lo = this.rteLo[pin];
    if (lo & RTE_LEVEL) {
      if (level) this.serviceLevel(pin);
    } else if (level && !was && !(lo & RTE_MASKED)) {
      // Edge: one message per rising edge; an edge on a masked pin is lost
      // (82093AA, "Interrupt Mask": "not delivered nor held pending").
      this.send(pin);
    }
  }

  /** A local APIC's EOI for a level-triggered vector (SDM 11.8.5): clears remote IRR. */
  eoi(vector: number): void {
    for (let pin = 0; pin < IOAPIC_PINS; pin++) {
      const lo = this.rteLo[pin];
      if (lo & RTE_REMOTE_IRR && (lo & 0xff) === vector) {
        this.rteLo[pin] = lo & ~RTE_REMOTE_IRR;
        // Still asserted: the interrupt is delivered again.
        this.serviceLevel(pin);
      }
    }
  }

  read(offset: number, size: MmioSize): number {
    const reg = offset & ~3;
    const shift = 8 * (offset & 3);
    let v: number;
    if (reg === IOREGSEL) v = this.regsel;
    else if (reg === IOWIN) v = this.readIndirect(this.regsel);
    else v = 0; // IOEOI is write-only; the rest of the page is unused
    v >>>= shift;
    return size >= 4 ? v >>> 0 : v & (size === 1 ? 0xff : 0xffff);
  }

  write(offset: number, size: MmioSize, value: number): void {
    const reg = offset & ~3;
    if (reg === IOREGSEL) {
      this.regsel = value & 0xff;
    } else if (reg === IOWIN) {
      if (size < 4) {
        this.diag.once(`narrow:${size}`, 'ioapic-bad-access', `${size}-byte write to IOWIN dropped (the window takes 32-bit writes)`);
        return;
      }
      this.writeIndirect(this.regsel, value >>> 0);
    } else if (reg === IOEOI && this.version >= 0x20) {
      this.eoi(value & 0xff);
    }
  }

  private readIndirect(index: number): number {
    switch (index) {
      case REG_ID: return (this.id << 24) >>> 0;
      // Version: maximum redirection entry (pins - 1) in bits 23:16.
      case REG_VER: return ((IOAPIC_PINS - 1) << 16) | this.version;
      case REG_ARB: return (this.id << 24) >>> 0; // the arbitration ID is loaded from the ID
      default: {
        const pin = (index - REG_REDTBL) >> 1;
        if (index < REG_REDTBL || pin >= IOAPIC_PINS) return 0;
        return index & 1 ? this.rteHi[pin] : this.rteLo[pin];
      }
    }
  }

  private writeIndirect(index: number, v: number): void {
    if (index === REG_ID) { this.id = (v >>> 24) & 0xf; return; }
    const pin = (index - REG_REDTBL) >> 1;
    if (index < REG_REDTBL || pin >= IOAPIC_PINS) return; // version and arbitration are read-only
    if (index & 1) {
      this.rteHi[pin] = v & RTE_HI_WRITABLE;
      return;
    }
    const old = this.rteLo[pin];
    let lo = (v & RTE_LO_WRITABLE) | (old & RTE_REMOTE_IRR);
    // Switching a pin to edge clears remote IRR; Linux relies on this to
    // unstick a level pin on IOAPICs without an EOI register (QEMU does the same).
    if (!(lo & RTE_LEVEL)) lo &= ~RTE_REMOTE_IRR;
    this.rteLo[pin] = lo >>> 0;
    const mode = (lo >> 8) & 7;
    if (mode === DM_SMI || mode === 3 || mode === 6) {
      this.diag.once(`rte-mode:${mode}`, 'not-implemented', `redirection entry ${pin} uses delivery mode ${mode}, which is not delivered`);
    }
    // A level-triggered input that is already asserted is delivered once unmasked.
    if (lo & RTE_LEVEL) this.serviceLevel(pin);
  }

  private serviceLevel(pin: number): void {
    const lo = this.rteLo[pin];
    if (!this.lines[pin] || lo & RTE_MASKED || lo & RTE_REMOTE_IRR) return;
    // Remote IRR is set when a local APIC accepts the level interrupt and
    // cleared by the matching EOI (82093AA, "Remote IRR").
    if (this.send(pin) > 0 && this.isApicTargeted(lo)) this.rteLo[pin] = lo | RTE_REMOTE_IRR;
  }

  private isApicTargeted(lo: number): boolean {
    const mode = (lo >> 8) & 7;
    return mode === DM_FIXED || mode === DM_LOWEST;
  }

  private send(pin: number): number {
    const lo = this.rteLo[pin];
    const mode = (lo >> 8) & 7;
    if (mode !== DM_FIXED && mode !== DM_LOWEST && mode !== DM_NMI && mode !== DM_INIT && mode !== DM_EXTINT) return 0;
    // The delivery status bit (RTE bit 12) never shows "send pending": messages go out at once.
    return this.bus.send({
      dest: this.rteHi[pin] >>> 24,
      wide: false,
      logical: (lo & RTE_DESTMOD) !== 0,
      mode,
      vector: lo & 0xff,
      levelTriggered: (lo & RTE_LEVEL) !== 0,
      assert: true,
      shorthand: 0,
      source: null,
    });
  }
}
