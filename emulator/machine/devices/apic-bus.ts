// The APIC bus: carries interrupt messages (IPIs, IOAPIC redirections, MSIs)
// between the local APICs, and dispatches the machine's one xAPIC MMIO
// region to the APIC of the vCPU being run (SDM 11.6).
import { MmioHandler, MmioSize } from '../../mem/physmem';
import { Clock } from '../clock';
import { DM_LOWEST } from './apic-regs';
import { DeviceDiag } from './diag';
import type { LocalApic } from './lapic';

/** An interrupt message on the APIC bus: an IPI, an IOAPIC redirection or an MSI. */
export interface ApicMessage {
  /** Destination field: 8 bits (xAPIC ICR, IOAPIC) or 32 bits (x2APIC ICR, `wide`). */
  dest: number;
  wide: boolean;
  logical: boolean;
  mode: number;
  vector: number;
  /** Trigger mode: true = level (sets TMR, EOI is broadcast). */
  levelTriggered: boolean;
  /** Level: false only for the INIT level de-assert IPI. */
  assert: boolean;
  /** 0 none, 1 self, 2 all including self, 3 all excluding self. */
  shorthand: number;
  source: LocalApic | null;
}

/** The local APICs of the machine and the bus between them. */
export class ApicBus implements MmioHandler {
  readonly lapics: LocalApic[] = [];
  /** The vCPU whose APIC answers xAPIC MMIO accesses (set by the run loop). */
  current = 0;
  /** EOI of a level-triggered vector: the IOAPIC clears remote IRR (SDM 11.8.5). */
  onLevelEoi: ((vector: number) => void) | null = null;

  constructor(readonly clock: Clock, readonly diag: DeviceDiag, readonly physAddrBits: number) {}

  add(apic: LocalApic): void {
    this.lapics.push(apic);
  }

  read(offset: number, size: MmioSize): number {
    return this.lapics[this.current].mmioRead(offset, size);
  }

  write(offset: number, size: MmioSize, value: number): void {
    this.lapics[this.current].mmioWrite(offset, size, value);
  }

  /**
   * Delivers a message; returns how many APICs accepted it. Destination
   * matching follows SDM 11.6.2 (physical, logical flat/cluster, x2APIC
   * cluster) and 11.6.1 for the shorthands.
   */
  send(m: ApicMessage): number {
    const targets: LocalApic[] = [];
    for (const a of this.lapics) {
      if (!a.hwEnabled) continue; // a globally disabled APIC is off the bus (SDM 11.4.3)
      switch (m.shorthand) {
        case 1: if (a === m.source) targets.push(a); break;
        case 2: targets.push(a); break;
        case 3: if (a !== m.source) targets.push(a); break;
        default: if (a.matches(m.dest, m.logical, m.wide)) targets.push(a);
      }
    }
    if (m.mode === DM_LOWEST && targets.length > 1) {
      // Lowest priority (SDM 11.6.2.4): the target with the lowest processor
      // priority; ties go to the lowest vCPU index, which keeps runs
      // deterministic (hardware arbitrates with rotating arbitration IDs).
      let best: LocalApic | null = null;
      for (const a of targets) {
        if (!a.swEnabled) continue;
        if (!best || a.ppr() < best.ppr()) best = a;
      }
      if (!best) return 0;
      return best.accept(m.mode, m.vector, m.levelTriggered, m.assert) ? 1 : 0;
    }
    let n = 0;
    for (const a of targets) if (a.accept(m.mode, m.vector, m.levelTriggered, m.assert)) n++;
    return n;
  }

  broadcastEoi(vector: number): void {
    if (this.onLevelEoi) this.onLevelEoi(vector);
  }
}
