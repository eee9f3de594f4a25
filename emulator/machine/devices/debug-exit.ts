// QEMU's isa-debug-exit device as launched with
// `-device isa-debug-exit,iobase=0xf4,iosize=0x04`: any guest write to the
// four ports ends the run, and QEMU's process exit status is
// (value << 1) | 1 (QEMU hw/misc/debugexit.c behaviour, documented in its
// device help). An odd status can therefore never be confused with QEMU's own
// exit code 0. We report the same status, computed without 32-bit overflow.
import { EventStream } from '../../events';
import { AccessSize, PortDevice } from '../bus';
import { Clock } from '../clock';

export const DEBUG_EXIT_PORT = 0xf4;
export const DEBUG_EXIT_IOSIZE = 4;

/** The process exit status QEMU uses for a write of `value`. */
export function debugExitStatus(value: number): number {
  return (value >>> 0) * 2 + 1;
}

export class DebugExit implements PortDevice {
  /** Called after the event is emitted; the machine stops the run here. */
  onExit: ((status: number, value: number) => void) | null = null;
  /** The last exit requested, or null. */
  exited: { value: number; status: number } | null = null;

  constructor(private events: EventStream, private clock: Clock) {}

  read(_port: number, _size: AccessSize): number {
    // The device has no readable register; QEMU returns 0.
    return 0;
  }

  write(_port: number, _size: AccessSize, value: number): void {
    const v = value >>> 0;
    const status = debugExitStatus(v);
    this.exited = { value: v, status };
    this.events.emit({ kind: 'debug-exit', value: v, status, icount: this.clock.now() });
    if (this.onExit) this.onExit(status, v);
  }

  reset(): void {
    this.exited = null;
  }
}
