// The local APIC timer (SDM 11.5.4): one-shot, periodic and TSC-deadline
// modes, counting at APIC_TIMER_HZ / divide. The LocalApic owns the LVT timer
// register; this class holds the count, the divide configuration and the
// deadline, and calls `fire` when the timer interrupt is due.
import { Clock } from '../clock';
import { LVT_TIMER_PERIODIC, LVT_TIMER_TSC_DEADLINE } from './apic-regs';

export class ApicTimer {
  // Timer (SDM 11.5.4).
  timerInitial = 0;
  timerDcr = 0;
  private timerDivide = 2;
  private timerRunning = false;
  private timerStartTick = 0;
  private timerStartCount = 0;
  private timerDeadline = 0;
  private timerId = 0;
  tscDeadline = 0;

  /**
   * @param lvtTimer reads the LVT timer register (its mode bits 18:17)
   * @param fire delivers the LVT timer interrupt
   */
  constructor(private readonly clock: Clock, private readonly lvtTimer: () => number, private readonly fire: () => void) {}

  /** The timer part of resetRegisters(). */
  reset(): void {
    this.stopTimer();
    this.timerInitial = 0;
    this.timerDcr = 0;
    this.timerDivide = 2;
    this.tscDeadline = 0;
  }

  timerMode(): number {
    return (this.lvtTimer() >> 17) & 3;
  }

  stopTimer(): void {
    if (this.timerId) this.clock.cancel(this.timerId);
    this.timerId = 0;
    this.timerRunning = false;
  }

  /** Starts counting down from `count` now (count > 0). */
  private startCount(count: number): void {
    this.stopTimer();
    if (count <= 0) return;
    const now = this.clock.now();
    this.timerRunning = true;
    this.timerStartTick = now;
    this.timerStartCount = count;
    this.timerDeadline = now + count * this.timerDivide;
    this.timerId = this.clock.schedule(this.timerDeadline, () => this.onTimerExpired());
  }

  private onTimerExpired(): void {
    this.timerId = 0;
    const now = this.clock.now();
    if (this.timerMode() === LVT_TIMER_PERIODIC && this.timerInitial > 0) {
      // Periodic: reload from the initial count; the next deadline is an
      // exact multiple of the period from the last, so nothing drifts.
      const period = this.timerInitial * this.timerDivide;
      let next = this.timerDeadline + period;
      while (next <= now) next += period;
      this.timerStartTick = next - period;
      this.timerStartCount = this.timerInitial;
      this.timerDeadline = next;
      this.timerId = this.clock.schedule(next, () => this.onTimerExpired());
    } else {
      this.timerRunning = false;
    }
    // A masked timer still counts; only the interrupt is suppressed (SDM 11.5.4).
    this.fire();
  }

  currentCount(): number {
    if (!this.timerRunning || this.timerMode() === LVT_TIMER_TSC_DEADLINE) return 0;
    const elapsed = Math.floor((this.clock.now() - this.timerStartTick) / this.timerDivide);
    if (elapsed < this.timerStartCount) return this.timerStartCount - elapsed;
    if (this.timerMode() === LVT_TIMER_PERIODIC && this.timerInitial > 0) {
      return this.timerInitial - ((elapsed - this.timerStartCount) % this.timerInitial);
    }
    return 0;
  }

  writeDivide(v: number): void {
    this.timerDcr = v & 0xb;
    // Divide value: bits 3,1,0; 111b is divide by 1, else 2^(value+1) (SDM Figure 11-10).
    const code = (v & 3) | ((v >> 1) & 4);
    const divide = code === 7 ? 1 : 2 << code;
    if (divide === this.timerDivide) return;
    // The count continues at the new rate from its current value.
    const running = this.timerRunning && this.timerMode() !== LVT_TIMER_TSC_DEADLINE;
    const cur = running ? this.currentCount() : 0;
    this.timerDivide = divide;
    if (running) this.startCount(cur);
  }

  writeInitialCount(v: number): void {
    // Ignored in TSC-deadline mode (SDM 11.5.4.1).
    if (this.timerMode() === LVT_TIMER_TSC_DEADLINE) return;
    this.timerInitial = v >>> 0;
    this.startCount(this.timerInitial);
  }

  /** The LVT timer was written; `oldMode` is the mode before the write. */
  lvtWritten(oldMode: number): void {
    const mode = this.timerMode();
    // Switching into or out of TSC-deadline mode disarms the timer (SDM 11.5.4.1).
    if ((oldMode === LVT_TIMER_TSC_DEADLINE) !== (mode === LVT_TIMER_TSC_DEADLINE)) {
      this.stopTimer();
      this.timerInitial = 0;
      this.tscDeadline = 0;
    }
  }

  /** IA32_TSC_DEADLINE written; TSC = Clock.ticks + tscOffset. */
  writeTscDeadline(value: number, tscOffset: number): void {
    // Writes outside TSC-deadline mode are ignored (SDM 11.5.4.1).
    if (this.timerMode() !== LVT_TIMER_TSC_DEADLINE) return;
    this.stopTimer();
    this.tscDeadline = value;
    if (value === 0) return; // writing 0 disarms
    const at = value - tscOffset;
    if (at <= this.clock.now()) {
      // A deadline already passed fires at once.
      this.onDeadline();
      return;
    }
    this.timerRunning = true;
    this.timerDeadline = at;
    this.timerId = this.clock.schedule(at, () => this.onDeadline());
  }

  private onDeadline(): void {
    this.timerId = 0;
    this.timerRunning = false;
    this.tscDeadline = 0; // the MSR reads 0 once the timer has fired
    this.fire();
  }

  /** Guest tick of the next timer interrupt, or -1. */
  get timerDeadlineTick(): number {
    return this.timerRunning ? this.timerDeadline : -1;
  }
}
