// `--trace` (one readable line per VM transition or delivered exception) and
// `--trace-json` (Chrome/Perfetto trace events) writers over the event stream.
import * as fs from 'fs';
import { Machine } from '../emulator/machine/machine';
import { MachineEvent } from '../emulator/events';
import { formatTraceLine, toTraceEvent } from '../emulator/debug/trace-format';

export interface TraceSink { close(): void }

export function openTrace(machine: Machine, trace?: string, traceJson?: string): TraceSink {
  const closers: (() => void)[] = [];
  if (trace) {
    const fd = trace === '-' ? 1 : fs.openSync(trace, 'w');
    const off = machine.events.on((e: MachineEvent) => {
      const line = formatTraceLine(e);
      if (line) fs.writeSync(fd, line + '\n');
    });
    closers.push(() => { off(); if (fd !== 1) fs.closeSync(fd); });
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
