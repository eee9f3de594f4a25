// Stops of the DAP session as the client hears of them: the stopped event
// for each way a forward run stops (breakpoint, step, pause, data breakpoint,
// exception, transition, triple fault) with its description, the end of the
// run, nestvirt/transitionsChanged at a stop, and the exceptionInfo answer
// for the last stop. Separate from the request dispatch: this is what the
// session says, not what it was asked.
import { TerminatedEvent, ExitedEvent, StoppedEvent, Event } from '@vscode/debugadapter';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { hex64 } from '../emulator/x86/canon';
import { StopInfo, describeStop, describeEnd, exitCodeOf } from '../emulator/debug/index';
import { excName } from '../emulator/debug/trace-format';
import type { SessionBreakpoints } from './session-breakpoints';
import { describeTransition, transitionExceptionInfo, describeL2Exception, FILTER } from './transition-filters';
import { NESTVIRT_EVENT, TransitionsChangedBody } from './protocol';
import { SessionContext, threadOf } from './session-context';
import { consoleOut, flushSerial } from './session-output';

export function stoppedEvent(reason: string, vcpu: number, description?: string, text?: string): DebugProtocol.StoppedEvent {
  const ev = new StoppedEvent(reason, threadOf(vcpu)) as unknown as DebugProtocol.StoppedEvent;
  ev.body.allThreadsStopped = true;
  if (description) ev.body.description = description;
  if (text) ev.body.text = text;
  return ev;
}

export function stopped(ctx: SessionContext, reason: string, vcpu: number, description?: string, text?: string): void {
  ctx.io.sendEvent(stoppedEvent(reason, vcpu, description, text));
}

/** The run is over (once): exited (with the guest's exit code, when it has one) and terminated. */
export function endRun(ctx: SessionContext, exitCode?: number): void {
  if (ctx.terminated) return;
  ctx.terminated = true;
  flushSerial(ctx);
  if (exitCode !== undefined) ctx.io.sendEvent(new ExitedEvent(exitCode));
  ctx.io.sendEvent(new TerminatedEvent());
}

/** nestvirt/transitionsChanged at a stop, when transitions happened since the last one. */
export function announceTransitions(ctx: SessionContext): void {
  if (ctx.log.count === ctx.announcedTransitions) return;
  ctx.announcedTransitions = ctx.log.count;
  const body: TransitionsChangedBody = { total: ctx.log.count, icountNow: ctx.machine?.instructions ?? 0 };
  ctx.io.sendEvent(new Event(NESTVIRT_EVENT.transitionsChanged, body));
}

/** Reports the stop a forward run slice ended with. */
export function reportStop(ctx: SessionContext, bps: SessionBreakpoints, s: StopInfo): void {
  ctx.lastStop = s;
  const dataHit = ctx.dataBps?.takeHit();
  if (s.reason !== 'end') announceTransitions(ctx);
  switch (s.reason) {
    case 'end': {
      consoleOut(ctx, `nestvirt: ${describeEnd(s.end)}\n`);
      endRun(ctx, exitCodeOf(s.end));
      return;
    }
    case 'breakpoint': {
      const hit = bps.dapBreakpointsFor(s.ids);
      const kind = hit[0]?.kind ?? 'instruction';
      const reason = kind === 'function' ? 'function breakpoint' : kind === 'instruction' ? 'instruction breakpoint' : 'breakpoint';
      const where = ctx.describeAddress(s.level, s.address);
      const ev = stoppedEvent(reason, s.vcpu, `Paused on ${reason} at ${where}`);
      ev.body.hitBreakpointIds = hit.map((b) => b.dap.id!).filter((x) => x !== undefined);
      ctx.io.sendEvent(ev);
      return;
    }
    case 'step': {
      const t = s.transition ? ctx.log.get(s.transition.seq) : undefined;
      const note = t ? `${describeTransition(t)}; now in L${t.to} at ${ctx.describeHere(s.vcpu)}` : s.note;
      stopped(ctx, 'step', s.vcpu, note ? `Paused after step: ${note}` : undefined);
      return;
    }
    case 'pause': {
      if (dataHit) {
        // A data breakpoint ended the run (data-breakpoints.ts): after the instruction that wrote.
        const ev = stoppedEvent('data breakpoint', dataHit.vcpu, `Paused on data breakpoint: ${dataHit.description}; now at ${ctx.describeHere(dataHit.vcpu)}`);
        ev.body.hitBreakpointIds = dataHit.dapIds;
        ctx.io.sendEvent(ev);
        return;
      }
      stopped(ctx, 'pause', s.vcpu, `Paused at ${ctx.describeHere(s.vcpu)}`);
      return;
    }
    case 'exception': {
      const e = s.event;
      const inL2 = ctx.lastFilterStop?.filter === FILTER.l2Exception;
      const what = inL2 ? describeL2Exception(e) : `Paused on exception: ${describeStop(s)}`;
      stopped(ctx, 'exception', s.vcpu, inL2 ? `${what}; now in L${ctx.rc!.levelOf(ctx.machine!.cpus[s.vcpu])} at ${ctx.describeHere(s.vcpu)}` : what, `${excName(e.vector)} (vector ${e.vector})`);
      return;
    }
    case 'transition': {
      const t = ctx.log.get(s.event.seq) ?? s.event;
      stopped(ctx, 'exception', s.vcpu, describeTransition(t), t.check ? `${t.check.id} (${t.check.section})` : `${t.reasonName} (${t.reason})`);
      return;
    }
    case 'triple-fault': {
      stopped(ctx, 'exception', s.vcpu, `Triple fault on vCPU ${s.vcpu} at ${hex64(s.event.rip)}: ${s.event.reason} (continuing ends the run)`, 'triple fault');
      return;
    }
  }
}

/** The exceptionInfo body for the last stop; undefined when it was not on an exception. */
export function exceptionInfoBody(ctx: SessionContext): DebugProtocol.ExceptionInfoResponse['body'] | undefined {
  const s = ctx.lastStop;
  if (s && (s.reason === 'transition' || s.reason === 'triple-fault')) {
    const t = s.reason === 'transition' ? ctx.log.get(s.event.seq) ?? s.event : ctx.lastFilterStop?.transition;
    if (t) {
      const body = transitionExceptionInfo(t);
      if (s.reason === 'triple-fault') body.description = `Triple fault on vCPU ${s.vcpu}: ${s.event.reason}`;
      return body;
    }
  }
  if (!s || s.reason !== 'exception') return undefined;
  const e = s.event;
  return {
    exceptionId: excName(e.vector),
    description: describeStop(s),
    breakMode: 'always',
    details: { message: describeStop(s), typeName: `${excName(e.vector)} (vector ${e.vector})` },
  };
}
