// Keeps re-executed output from reaching the user twice. Every event the
// machine emits gets an ordinal (its index in the run's event sequence,
// deterministic like everything else); the frontier is the first ordinal the
// user has not seen. After a reverse step the machine re-executes history
// below the frontier, and:
//  - serial output and diagnostics below the frontier are dropped: the
//    user saw them the first time;
//  - other events (exceptions, transitions, halts, debug-exit) still reach
//    the listeners, because run control stops on them; a transition carries
//    the seq it had the first time (snapshots restore the counter), so a list
//    kept by seq stays consistent;
//  - while history itself replays to search (History.replaying), listeners
//    get only the events that end a run (debug-exit, triple fault).
// COM1's output callback is wrapped at construction for the same rule.
import type { Machine } from '../machine/machine';
import type { MachineEvent } from '../events';
import { EventStream } from '../events';

const RUN_ENDING = new Set<MachineEvent['kind']>(['debug-exit', 'triple-fault']);
const OUTPUT = new Set<MachineEvent['kind']>(['serial', 'diagnostic']);

export class ReplayGate {
  /** Ordinal of the next event. Saved in snapshots by History. */
  ordinal = 0;
  /** First ordinal the user has not seen. */
  frontier = 0;
  /** History is replaying to search: nothing reaches the user. */
  replaying = false;
  /** Sees every event, muted or not (History's searches listen here). */
  tap: ((e: MachineEvent) => void) | null = null;

  constructor(machine: Machine) {
    const events = machine.events;
    const deliver = EventStream.prototype.emit;
    events.emit = (e: MachineEvent): void => {
      const n = this.ordinal++;
      this.tap?.(e);
      if (this.replaying) {
        if (RUN_ENDING.has(e.kind)) deliver.call(events, e);
        return;
      }
      if (n < this.frontier && OUTPUT.has(e.kind)) return;
      if (n >= this.frontier) this.frontier = n + 1;
      deliver.call(events, e);
    };
    this.wrapSerial(machine);
  }

  /** True while output would be a repeat (or a search replay). */
  get muted(): boolean {
    return this.replaying || this.ordinal < this.frontier;
  }

  /** The future after the current point was rewritten (a debugger edit): whatever comes now is new. */
  resetFrontier(): void {
    this.frontier = this.ordinal;
  }

  /**
   * The UART hands each byte to the host's callback and then emits the
   * `serial` event (ordinal = the current one), so the callback is muted by
   * the same rule. The field is private to the UART; it is looked up by name
   * and a missing one is an error rather than silent double output.
   */
  private wrapSerial(machine: Machine): void {
    const uart = machine.chipset.uart as unknown as { serialOut?: (t: string) => void };
    const out = uart.serialOut;
    if (typeof out !== 'function') throw new Error('history-gate: Uart16550 no longer has `serialOut`; update wrapSerial()');
    uart.serialOut = (t: string): void => { if (!this.muted) out(t); };
  }
}
