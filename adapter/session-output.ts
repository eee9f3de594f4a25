// Output of the DAP session: the guest's serial output (buffered, flushed
// before anything else is said so the console keeps its order), nestvirt's
// console messages and diagnostics, and the `trace` launch attribute.
// Separate because every other part of the session writes through it.
import * as fs from 'fs';
import { OutputEvent } from '@vscode/debugadapter';
import type { Machine } from '../emulator/machine/machine';
import type { MachineEvent } from '../emulator/events';
import { formatTraceLine } from '../emulator/debug/trace-format';
import { LaunchError, LaunchPlan } from './launch-config';
import type { SessionContext } from './session-context';

/** Sends the buffered serial output, if any. */
export function flushSerial(ctx: SessionContext): void {
  if (!ctx.serial) return;
  const text = ctx.serial;
  ctx.serial = '';
  ctx.io.sendEvent(new OutputEvent(text, 'stdout'));
}

export function consoleOut(ctx: SessionContext, text: string): void {
  ctx.io.sendEvent(new OutputEvent(text, 'console'));
}

export function onMachineEvent(ctx: SessionContext, e: MachineEvent): void {
  if (e.kind === 'diagnostic') {
    flushSerial(ctx);
    consoleOut(ctx, `nestvirt: ${e.message}\n`);
  }
}

/**
 * The launch attribute `trace`: the same lines `nestvirt run --trace` prints,
 * one per transition, to the debug console or appended to a file.
 */
export function traceTo(ctx: SessionContext, machine: Machine, t: NonNullable<LaunchPlan['trace']>): void {
  let fd = -1;
  if (t.to === 'file') {
    try { fd = fs.openSync(t.path, 'w'); } catch (e) { throw new LaunchError('trace', `cannot write '${t.path}': ${(e as Error).message}`); }
  }
  // Going forward again after a reverse step re-emits transitions with their
  // original numbers: each is traced once.
  let next = 0;
  machine.events.on((e) => {
    if (e.kind !== 'transition' || e.seq < next) return;
    next = e.seq + 1;
    const line = formatTraceLine(e);
    if (line === null) return;
    if (fd >= 0) fs.writeSync(fd, line + '\n');
    else { flushSerial(ctx); consoleOut(ctx, line + '\n'); }
  });
}
