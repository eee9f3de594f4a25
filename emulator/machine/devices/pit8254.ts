// The 8254 programmable interval timer (Intel 8254 datasheet) at 0x40–0x43,
// and system control port B (0x61: channel 2 gate, speaker data, refresh
// toggle, channel 2 OUT) as on the IBM PC/AT. Channel 0 drives ISA IRQ0.
//
// Time: the 8254 input clock is 1.193182 MHz. Its clock count is derived
// from guest time exactly: floor(ticks * 1193182 / 1e9), computed on the
// quotient and remainder of ticks by 1e9 so that no product exceeds 2^53 and
// nothing drifts, however long the run.
//
// Modelled: modes 0–5 (1 and 5 only on channel 2, whose gate is software
// controlled), binary counting, lobyte / hibyte / lobyte-then-hibyte access,
// the counter-latch and read-back commands, null count, and the gate.
// Simplifications (each noted where it applies): a count is loaded on the
// write itself (not on the next CLK edge); in modes 2 and 3 a new count
// restarts the period at once; BCD counting is treated as binary.
import { AccessSize, IrqSink, PortDevice } from '../bus';
import { Clock } from '../clock';
import { DeviceDiag } from './diag';

export const PIT_HZ = 1_193_182;
export const PIT_PORT_FIRST = 0x40;
export const PIT_PORT_CONTROL = 0x43;
export const PORT_B = 0x61;
const NS_PER_S = 1_000_000_000;
/** IBM PC/AT: port B bit 4 toggles with every DRAM refresh request, every 15.085 µs. */
const REFRESH_PERIOD_TICKS = 15_085;

/** PIT input clocks elapsed at guest tick `ticks` (exact, integer arithmetic). */
export function pitClocksAt(ticks: number): number {
  const q = Math.floor(ticks / NS_PER_S);
  const r = ticks - q * NS_PER_S;
  // r * PIT_HZ < 1.2e15 < 2^53, so the product is exact; the division is
  // correctly rounded and a non-integer quotient is at least 1e-9 away from
  // an integer, far more than one ulp, so floor() is exact.
  return q * PIT_HZ + Math.floor((r * PIT_HZ) / NS_PER_S);
}

/** The first guest tick at which pitClocksAt(tick) >= clocks. */
export function ticksForPitClocks(clocks: number): number {
  const a = Math.floor(clocks / PIT_HZ);
  const b = clocks - a * PIT_HZ;
  return a * NS_PER_S + Math.ceil((b * NS_PER_S) / PIT_HZ);
}

class PitChannel {
  mode = 3;
  /** RW bits of the control word: 1 lobyte, 2 hibyte, 3 lobyte then hibyte. */
  rw = 3;
  bcd = false;
  /** The count N (1..0x10000; a written 0 means 0x10000). */
  count = 0x10000;
  /** A count has been written since the last control word. */
  armed = false;
  /** PIT clock at which counting (re)started. */
  loadTime = 0;
  gate = true;
  /** Modes 1 and 5 count only after a gate trigger. */
  triggered = false;
  /** Elapsed clocks frozen while the gate is low (modes 0, 2, 3, 4), else null. */
  pausedElapsed: number | null = null;
  nullCount = true;
  latchedCount: number | null = null;
  latchedStatus: number | null = null;
  /** Read flip-flop for RW = 3 (next read returns the high byte). */
  readHi = false;
  /** Write flip-flop for RW = 3. */
  writeHi = false;
  writeLo = 0;
  timerId = 0;
  /** The next rising edge of OUT that was scheduled, in PIT clocks. */
  nextEdge = 0;

  constructor(readonly index: number) {}

  /** Clocks counted since the count was loaded. */
  elapsed(now: number): number {
    return this.pausedElapsed ?? now - this.loadTime;
  }

  counting(): boolean {
    return this.armed && ((this.mode !== 1 && this.mode !== 5) || this.triggered);
  }

  /** The counting element's value (8254 datasheet, per-mode descriptions). */
  value(now: number): number {
    if (!this.counting()) return this.count & 0xffff;
    const d = this.elapsed(now);
    const n = this.count;
    switch (this.mode) {
      case 2: return (n - (d % n)) & 0xffff; // N, N-1, ..., 1, reload
      case 3: return (n - ((2 * d) % n)) & 0xffff; // decrements by two, twice per period
      default: return (((n - d) % 0x10000) + 0x10000) % 0x10000; // modes 0,1,4,5 wrap after terminal count
    }
  }

  /** The OUT pin. */
  out(now: number): boolean {
    // After a control word OUT is low in mode 0 and high in every other mode.
    if (!this.armed) return this.mode !== 0;
    if (!this.counting()) return true;
    const d = this.elapsed(now);
    const n = this.count;
    switch (this.mode) {
      case 0: return d >= n; // low until terminal count, then high
      case 1: return d >= n; // low from trigger until terminal count
      case 2: return this.pausedElapsed !== null || d % n !== n - 1; // low for the clock when the count is 1
      case 3: return this.pausedElapsed !== null || d % n < Math.ceil(n / 2); // high for the first (larger) half
      default: return d !== n; // modes 4/5: one low clock at terminal count
    }
  }

  /** The next rising edge of OUT at or after `now` (PIT clocks), or -1. */
  nextRise(now: number): number {
    if (!this.counting() || this.pausedElapsed !== null) return -1;
    const n = this.count;
    const d = now - this.loadTime;
    switch (this.mode) {
      case 0: case 1: return d < n ? this.loadTime + n : -1;
      case 2: case 3: return this.loadTime + (Math.floor(d / n) + 1) * n;
      default: return d < n + 1 ? this.loadTime + n + 1 : -1;
    }
  }

  status(now: number): number {
    // Read-back status byte: OUT, null count, RW, mode, BCD.
    return (this.out(now) ? 0x80 : 0) | (this.nullCount ? 0x40 : 0) | (this.rw << 4) | (this.mode << 1) | (this.bcd ? 1 : 0);
  }
}

export class Pit8254 implements PortDevice {
  readonly channels = [new PitChannel(0), new PitChannel(1), new PitChannel(2)];
  private speakerData = false;
  private portBLow = 0;
  /** The IRQ0 line as we drive it: mode 0 holds it at OUT, other modes pulse it at each rising edge of OUT. */
  private irq0Level = false;

  constructor(private clock: Clock, private irqSink: IrqSink, private diag: DeviceDiag) {
    this.reset();
  }

  /** PIT clocks now. */
  now(): number {
    return pitClocksAt(this.clock.now());
  }

  /**
   * Power-on: every channel idle (mode 3, no count loaded) until the guest
   * programs it; the 8254 does not count before a count is written. QEMU
   * instead starts channel 0 at 18.2 Hz (the BIOS tick); we do not, so that a
   * guest that never uses the PIT has no timer armed and an idle machine can
   * be recognized as such. Channel 2's gate (port 0x61 bit 0) starts low.
   */
  reset(): void {
    for (const ch of this.channels) {
      if (ch.timerId) this.clock.cancel(ch.timerId);
      ch.timerId = 0;
      ch.mode = 3;
      ch.rw = 3;
      ch.bcd = false;
      ch.count = 0x10000;
      ch.armed = false;
      ch.loadTime = 0;
      ch.gate = ch.index !== 2;
      ch.triggered = false;
      ch.pausedElapsed = null;
      ch.nullCount = true;
      ch.latchedCount = null;
      ch.latchedStatus = null;
      ch.readHi = false;
      ch.writeHi = false;
    }
    this.speakerData = false;
    this.portBLow = 0;
    this.setIrq0(false);
  }

  read(port: number, _size: AccessSize): number {
    if (port === PORT_B) return this.readPortB();
    if (port === PIT_PORT_CONTROL) return 0xff; // the control register is write-only
    const ch = this.channels[port - PIT_PORT_FIRST];
    if (ch.latchedStatus !== null) {
      const s = ch.latchedStatus;
      ch.latchedStatus = null;
      return s;
    }
    const latched = ch.latchedCount !== null;
    const v = latched ? ch.latchedCount! : ch.value(this.now());
    let byte: number;
    switch (ch.rw) {
      case 1: byte = v & 0xff; if (latched) ch.latchedCount = null; break;
      case 2: byte = (v >> 8) & 0xff; if (latched) ch.latchedCount = null; break;
      default:
        byte = ch.readHi ? (v >> 8) & 0xff : v & 0xff;
        ch.readHi = !ch.readHi;
        // A latch is released once both bytes have been read.
        if (latched && !ch.readHi) ch.latchedCount = null;
    }
    return byte;
  }

  write(port: number, _size: AccessSize, value: number): void {
    value &= 0xff;
    if (port === PORT_B) { this.writePortB(value); return; }
    if (port === PIT_PORT_CONTROL) { this.writeControl(value); return; }
    const ch = this.channels[port - PIT_PORT_FIRST];
    const now = this.now();
    switch (ch.rw) {
      case 1: this.load(ch, value, now); break;
      case 2: this.load(ch, value << 8, now); break;
      default:
        if (!ch.writeHi) {
          ch.writeLo = value;
          ch.writeHi = true;
          // Mode 0: writing the first byte stops the count (8254, mode 0).
          if (ch.mode === 0 && ch.armed) {
            ch.pausedElapsed = ch.elapsed(now);
            this.schedule(ch, now);
          }
        } else {
          ch.writeHi = false;
          this.load(ch, ch.writeLo | (value << 8), now);
        }
    }
  }

  private writeControl(v: number): void {
    const sc = v >> 6;
    const now = this.now();
    if (sc === 3) {
      // Read-back command (8254 only): bit 5 = 0 latches counts, bit 4 = 0
      // latches status, bits 3:1 select the counters.
      for (let i = 0; i < 3; i++) {
        if (!(v & (2 << i))) continue;
        const ch = this.channels[i];
        if (!(v & 0x10) && ch.latchedStatus === null) ch.latchedStatus = ch.status(now);
        if (!(v & 0x20) && ch.latchedCount === null) { ch.latchedCount = ch.value(now); ch.readHi = false; }
      }
      return;
    }
    const ch = this.channels[sc];
    const rw = (v >> 4) & 3;
    if (rw === 0) {
      // Counter latch command: the count is held until read; a second latch
      // before the read is ignored.
      if (ch.latchedCount === null) { ch.latchedCount = ch.value(now); ch.readHi = false; }
      return;
    }
    let mode = (v >> 1) & 7;
    if (mode > 5) mode -= 4; // 110b and 111b are modes 2 and 3
    if (v & 1) this.diag.once(`bcd:${sc}`, 'not-implemented', `channel ${sc} programmed for BCD counting; counting in binary`);
    if (ch.timerId) { this.clock.cancel(ch.timerId); ch.timerId = 0; }
    ch.mode = mode;
    ch.rw = rw;
    ch.bcd = (v & 1) !== 0;
    ch.armed = false;
    ch.triggered = false;
    ch.pausedElapsed = null;
    ch.nullCount = true;
    ch.readHi = false;
    ch.writeHi = false;
    ch.latchedCount = null;
    ch.latchedStatus = null;
    // Mode 0 drives OUT low on the control word.
    if (sc === 0) this.setIrq0(false);
  }

  /** Loads count `n` (0 = 0x10000) and starts counting as the mode says. */
  private load(ch: PitChannel, n: number, now: number): void {
    ch.count = n & 0xffff || 0x10000;
    if ((ch.mode === 2 || ch.mode === 3) && ch.count === 1) {
      this.diag.once(`count1:${ch.index}`, 'invalid-count', `channel ${ch.index}: count 1 is illegal in mode ${ch.mode}; using 2`);
      ch.count = 2;
    }
    ch.armed = true;
    ch.nullCount = false;
    ch.loadTime = now;
    ch.triggered = false;
    // With the gate low, modes 0, 2, 3 and 4 hold the count.
    ch.pausedElapsed = !ch.gate && ch.mode !== 1 && ch.mode !== 5 ? 0 : null;
    if (ch.index === 0 && ch.mode === 0) this.setIrq0(false);
    this.schedule(ch, now);
  }

  private setGate(ch: PitChannel, level: boolean): void {
    if (level === ch.gate) return;
    const now = this.now();
    ch.gate = level;
    if (!ch.armed) return;
    if (!level) {
      // Gate low: modes 0 and 4 suspend counting; modes 2 and 3 stop and force OUT high.
      if (ch.mode !== 1 && ch.mode !== 5) ch.pausedElapsed = ch.elapsed(now);
    } else if (ch.mode === 0 || ch.mode === 4) {
      // Counting resumes where it stopped.
      if (ch.pausedElapsed !== null) { ch.loadTime = now - ch.pausedElapsed; ch.pausedElapsed = null; }
    } else {
      // Rising gate edge: modes 2 and 3 reload the count, modes 1 and 5 are triggered.
      ch.pausedElapsed = null;
      ch.loadTime = now;
      ch.triggered = true;
    }
    this.schedule(ch, now);
  }

  private schedule(ch: PitChannel, now: number): void {
    if (ch.timerId) { this.clock.cancel(ch.timerId); ch.timerId = 0; }
    // Only channel 0 has a listener (IRQ0); channel 2's OUT is computed when
    // port B is read and channel 1 (DRAM refresh) drives nothing.
    if (ch.index !== 0) return;
    const edge = ch.nextRise(now);
    if (edge < 0) return;
    ch.nextEdge = edge;
    ch.timerId = this.clock.schedule(ticksForPitClocks(edge), () => this.onEdge(ch));
  }

  private onEdge(ch: PitChannel): void {
    ch.timerId = 0;
    if (ch.mode === 0) {
      this.setIrq0(true);
    } else {
      // A rising edge for the edge-triggered PIC / IOAPIC input.
      this.setIrq0(true);
      this.setIrq0(false);
    }
    // The next edge comes strictly after the one just delivered; if the run
    // loop was late by more than a period, the missed edges merge into one,
    // as a latched edge-triggered request would on hardware.
    this.schedule(ch, Math.max(this.now(), ch.nextEdge + 1));
  }

  private setIrq0(level: boolean): void {
    if (level === this.irq0Level) return;
    this.irq0Level = level;
    this.irqSink.setIrq(0, level);
  }

  private readPortB(): number {
    const ch2 = this.channels[2];
    const refresh = Math.floor(this.clock.now() / REFRESH_PERIOD_TICKS) & 1;
    return (this.portBLow & 0x0c) | (ch2.gate ? 0x01 : 0) | (this.speakerData ? 0x02 : 0) |
      (refresh << 4) | (ch2.out(this.now()) ? 0x20 : 0);
  }

  private writePortB(v: number): void {
    this.portBLow = v & 0x0f;
    this.speakerData = (v & 0x02) !== 0;
    this.setGate(this.channels[2], (v & 0x01) !== 0);
  }
}
