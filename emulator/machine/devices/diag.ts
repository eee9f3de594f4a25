// Diagnostics shared by the devices: one place that stamps a device message
// with the guest time, so every device reports the same way.
import { EventStream } from '../../events';
import { Clock } from '../clock';

export const hex = (v: number): string => '0x' + (v >>> 0).toString(16);

export class DeviceDiag {
  constructor(private events: EventStream, private clock: Clock, private device: string) {}

  /** Reported once per run for a given key (a guest can repeat the access in a loop). */
  once(key: string, code: string, message: string, vcpu?: number): void {
    this.events.diagnoseOnce(`${this.device}:${key}`, {
      kind: 'diagnostic',
      code,
      message: `${this.device}: ${message}`,
      icount: this.clock.now(),
      vcpu,
    });
  }

  /** Reported every time. */
  emit(code: string, message: string, vcpu?: number): void {
    this.events.emit({ kind: 'diagnostic', code, message: `${this.device}: ${message}`, icount: this.clock.now(), vcpu });
  }
}
