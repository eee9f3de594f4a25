// `--trace` (one readable line per VM transition or delivered exception) and
// `--trace-json` (Chrome/Perfetto trace events) writers over the event stream.
import * as fs from 'fs';
import { Machine } from '../emulator/machine/machine';
import { MachineEvent } from '../emulator/events';
import { formatTraceLine, toTraceEvent } from '../emulator/debug/trace-format';

export interface TraceSink { close(): void }

export function openTrace(machine: Machine, trace?: string, traceJson?: string, stdout?: { writeText(t: string): void }): TraceSink {
  const closers: (() => void)[] = [];
  if (trace) {
    // `-`: the same ordered writer as the guest's serial output.
    const fd = trace === '-' ? -1 : fs.openSync(trace, 'w');
    const write = (line: string): void => {
      if (fd < 0 && stdout) stdout.writeText(line);
      else fs.writeSync(fd < 0 ? 1 : fd, line);
    };
    const off = machine.events.on((e: MachineEvent) => {
      const line = formatTraceLine(e);
      if (line) write(line + '\n');
    });
    closers.push(() => { off(); if (fd >= 0) fs.closeSync(fd); });
  }
  if (traceJson) {
    const events: object[] = [];
    const off = machine.events.on((e: MachineEvent) => {
      const t = toTraceEvent(e);
      if (t) events.push(t);
    });
    closers.push(() => {
      off();
      fs.writeFileSync(traceJson, JSON.stringify({ traceEvents: events, displayTimeUnit: 'ns' }));
    });
  }
  return { close: () => closers.forEach((c) => c()) };
}
