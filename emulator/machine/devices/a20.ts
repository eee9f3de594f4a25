// System control port A (port 0x92, "fast A20 and reset", PS/2 and every PC
// chipset since: Intel PIIX/ICH datasheets, "Port 92h"): bit 1 is the A20
// gate, bit 0 is a fast reset (a 0 -> 1 transition resets the processors).
// We never mask address line 20 (a boot of a multiboot kernel starts with A20
// on, and nothing modern turns it off), so a guest that clears bit 1 gets a
// diagnostic instead of wrapped addresses.
import { AccessSize, PortDevice } from '../bus';
import { DeviceDiag } from './diag';

export const PORT_A = 0x92;

const FAST_RESET = 0x01;
const A20_GATE = 0x02;

export class A20Gate implements PortDevice {
  /** Bits as last written; bit 0 reads back as written like QEMU's port92. */
  private value = A20_GATE;
  /** Called on a fast-reset request; the machine performs the reset. */
  onResetRequest: ((source: string) => void) | null = null;

  constructor(private diag: DeviceDiag) {}

  /** A20 as the guest last set it (true = enabled, the state we always emulate). */
  get a20Enabled(): boolean {
    return (this.value & A20_GATE) !== 0;
  }

  read(_port: number, _size: AccessSize): number {
    return this.value;
  }

  write(_port: number, _size: AccessSize, value: number): void {
    const old = this.value;
    this.value = value & 0xff;
    if (!(value & A20_GATE) && old & A20_GATE) {
      this.diag.once('a20-off', 'not-implemented',
        'the guest disabled the A20 gate (port 0x92 bit 1 = 0); A20 masking is not emulated, addresses do not wrap at 1 MiB');
    }
    // Port 92h: the reset is triggered by the 0 -> 1 transition of bit 0.
    if (value & FAST_RESET && !(old & FAST_RESET) && this.onResetRequest) this.onResetRequest('port 0x92 fast reset');
  }

  reset(): void {
    // After a reset the machine starts again with A20 enabled.
    this.value = A20_GATE;
  }
}
