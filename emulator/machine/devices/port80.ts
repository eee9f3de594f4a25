// POST-code port 0x80. Firmware and OSes write progress codes here and also
// use it as a ~1 µs I/O delay (Linux's outb_p / `slow_down_io`). Nothing is
// attached on our board: writes are dropped silently (no diagnostic, since a
// delay loop would flood the stream) and reads return 0. The last code is
// kept for the debugger's benefit.
import { AccessSize, PortDevice } from '../bus';

export const POST_PORT = 0x80;

export class Port80 implements PortDevice {
  /** Last value written (a POST code), -1 if none. */
  lastCode = -1;

  read(_port: number, _size: AccessSize): number {
    return 0;
  }

  write(_port: number, _size: AccessSize, value: number): void {
    this.lastCode = value;
  }

  reset(): void {
    this.lastCode = -1;
  }
}
