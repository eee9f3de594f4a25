// Shared fixtures for the device tests: a clock that advances like the run
// loop (stopping at every deadline), an event recorder, and a full chipset on
// a small machine.
import { EventStream, MachineEvent } from '../../../emulator/events';
import { IoBus, IrqSink } from '../../../emulator/machine/bus';
import { Clock } from '../../../emulator/machine/clock';
import { Chipset, ChipsetOptions, createChipset } from '../../../emulator/machine/devices';
import { DeviceDiag } from '../../../emulator/machine/devices/diag';
import { PhysicalMemory, pcRamLayout } from '../../../emulator/mem/physmem';

/** Moves guest time to `target`, firing each timer at its exact deadline as the run loop does. */
export function advanceTo(clock: Clock, target: number): void {
  while (clock.nextDeadline <= target) {
    clock.ticks = Math.max(clock.ticks, clock.nextDeadline);
    clock.fire();
  }
  clock.ticks = Math.max(clock.ticks, target);
}

export function advanceBy(clock: Clock, n: number): void {
  advanceTo(clock, clock.ticks + n);
}

export class Recorder {
  readonly events: MachineEvent[] = [];
  constructor(stream: EventStream) {
    stream.on((e) => this.events.push(e));
  }
  of<K extends MachineEvent['kind']>(kind: K): Extract<MachineEvent, { kind: K }>[] {
    return this.events.filter((e) => e.kind === kind) as Extract<MachineEvent, { kind: K }>[];
  }
}

/** An IrqSink that records line levels and every change. */
export class IrqLog implements IrqSink {
  readonly levels = new Map<number, boolean>();
  readonly changes: { line: number; level: boolean; at: number }[] = [];
  constructor(private clock?: Clock) {}
  setIrq(line: number, level: boolean): void {
    this.levels.set(line, level);
    this.changes.push({ line, level, at: this.clock ? this.clock.ticks : 0 });
  }
  level(line: number): boolean {
    return this.levels.get(line) ?? false;
  }
  rises(line: number): number[] {
    return this.changes.filter((c) => c.line === line && c.level).map((c) => c.at);
  }
}

export function makeDiag(name = 'test'): { clock: Clock; events: EventStream; diag: DeviceDiag; rec: Recorder } {
  const clock = new Clock();
  const events = new EventStream();
  const rec = new Recorder(events);
  return { clock, events, diag: new DeviceDiag(events, clock, name), rec };
}

export interface Board {
  clock: Clock;
  events: EventStream;
  io: IoBus;
  mem: PhysicalMemory;
  chipset: Chipset;
  rec: Recorder;
  serial: string[];
}

export function makeBoard(overrides: Partial<ChipsetOptions> = {}, ramBytes = 64 * 1024 * 1024): Board {
  const clock = new Clock();
  const events = new EventStream();
  const rec = new Recorder(events);
  const io = new IoBus(events);
  const layout = pcRamLayout(ramBytes);
  const mem = new PhysicalMemory(layout);
  const serial: string[] = [];
  const chipset = createChipset({
    clock, events, io, mem,
    ncpus: 1,
    ramBytes,
    ramBelow4g: layout[0].size,
    ramAbove4g: layout.length > 1 ? layout[1].size : 0,
    serialOut: (t) => serial.push(t),
    ...overrides,
  });
  return { clock, events, io, mem, chipset, rec, serial };
}
