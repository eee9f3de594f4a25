// nestvirt's custom DAP requests (protocol.ts NESTVIRT_REQUEST): the
// transition list, stats, nesting levels, step-to-transition, lint and
// trace export, answered from the session's TransitionLog and the machine.
// session.ts' customRequest hands every custom command here.
//
// Requests owned elsewhere plug in without touching this file's logic:
// `register(name, handler)` (controlBlocks / setControlField: the variables
// side), and `reverse` (gotoTransition, stepToTransition backward: the
// reverse-execution engine, adapter/session-reverse.ts). Until they are
// plugged in, those requests answer with an error that says so.
import * as fs from 'fs';
import * as path from 'path';
import type { Machine } from '../emulator/machine/machine';
import type { Cpu } from '../emulator/x86/cpu';
import type { Level } from '../emulator/events';
import { hex64 } from '../emulator/x86/canon';
import { RunControl } from '../emulator/debug/index';
import { toTraceEvent } from '../emulator/debug/trace-format';
import { ERR, RequestError } from './session-errors';
import {
  NESTVIRT_REQUEST, TransitionsArgs, StepToTransitionArgs, GotoTransitionArgs, LintArgs, ExportTraceArgs, ExportTraceResponse,
  NestingResponse, VcpuNesting, LevelInfo,
} from './protocol';
import { TransitionLog, toRecord, PAGE_MAX } from './transition-log';
import { parseCondition, ConditionSyntaxError, ParsedCondition } from './transition-conditions';
import { TRANSITION_SCHEMA } from './transition-fields';
import { suspendedLevels, controlBlockOf, archOf } from './transition-nesting';
import { lintVcpu } from './transition-lint';

/** The reverse-execution engine's entry points (adapter/session-reverse.ts), once it exists. */
export interface ReverseSeam {
  // Both stop at the same kind of point, "just after" a transition: the
  // instruction boundary after it completed, at the first instruction of the
  // level it went to (protocol.ts NESTVIRT_REQUEST.gotoTransition). So a step
  // back from just after transition n lands where gotoTransition(n - 1) does
  // (for one vCPU), and the state shown there is the new level's.
  /** Runs backwards to just after the previous transition of `vcpu` (the last one before now); a stopped event follows. */
  stepBackToTransition(vcpu: number): void;
  /** Runs forwards or backwards to just after transition `seq`; a stopped event follows. */
  gotoTransition(seq: number): void;
}

/** What the custom requests need from the session. */
export interface CustomHost {
  machine(): Machine | null;
  rc(): RunControl | null;
  readonly log: TransitionLog;
  /** Throws the session's RequestError unless launched and stopped. */
  requireStopped(): { machine: Machine; rc: RunControl };
  /** Starts a forward run to the vCPU's next transition (the session's resume + pump). */
  runToNextTransition(vcpu: number): void;
  /** "0x401000 in fn main.c:12" with the symbols of `level`. */
  describeCode(level: Level, address: number): string;
}

/** A handled request: the response body, and what to do once the response is sent (start running). */
export interface CustomResult { body: unknown; after?: () => void }
export type CustomHandler = (args: unknown) => CustomResult;

const bad = (message: string): RequestError => new RequestError(ERR.badRequest, message);

function argsObject(args: unknown, request: string): Record<string, unknown> {
  if (args === undefined || args === null) return {};
  if (typeof args !== 'object' || Array.isArray(args)) throw bad(`${request}: arguments must be an object`);
  return args as Record<string, unknown>;
}

function optInt(o: Record<string, unknown>, key: string, request: string, min = 0, max = Number.MAX_SAFE_INTEGER): number | undefined {
  const v = o[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw bad(`${request}: ${key} must be an integer from ${min} to ${max}, got ${JSON.stringify(v)}`);
  }
  return v;
}

function optList<T extends 'number' | 'string'>(o: Record<string, unknown>, key: string, type: T, request: string): (T extends 'number' ? number[] : string[]) | undefined {
  const v = o[key];
  if (v === undefined) return undefined;
  if (!Array.isArray(v) || v.some((x) => typeof x !== type)) throw bad(`${request}: filter.${key} must be a list of ${type}s, got ${JSON.stringify(v)}`);
  return v as T extends 'number' ? number[] : string[];
}

export class SessionCustom {
  /** Set by the reverse-execution engine (session-reverse.ts). */
  reverse: ReverseSeam | null = null;
  private readonly handlers = new Map<string, CustomHandler>();

  constructor(private readonly host: CustomHost) {
    const R = NESTVIRT_REQUEST;
    this.handlers.set(R.transitions, (a) => ({ body: this.transitions(a) }));
    this.handlers.set(R.stats, () => ({ body: this.stats() }));
    this.handlers.set(R.nesting, () => ({ body: this.nesting() }));
    this.handlers.set(R.stepToTransition, (a) => this.stepToTransition(a));
    this.handlers.set(R.gotoTransition, (a) => this.gotoTransition(a));
    this.handlers.set(R.lint, (a) => ({ body: this.lint(a) }));
    this.handlers.set(R.exportTrace, (a) => ({ body: this.exportTrace(a) }));
  }

  /** Another module's handler for a custom request (replaces any earlier one). */
  register(command: string, handler: CustomHandler): void { this.handlers.set(command, handler); }

  /** Answers a custom request; undefined when the command is not one of ours. */
  handle(command: string, args: unknown): CustomResult | undefined {
    const h = this.handlers.get(command);
    if (!h) {
      if ((Object.values(NESTVIRT_REQUEST) as string[]).includes(command)) {
        throw bad(`${command} is not available in this adapter build yet`);
      }
      return undefined;
    }
    return h(args);
  }

  private icountNow(): number { return this.host.machine()?.instructions ?? 0; }

  private cpuOf(o: Record<string, unknown>, request: string): Cpu {
    const { machine } = this.host.requireStopped();
    const threadId = optInt(o, 'threadId', request, 1) ?? 1;
    const cpu = machine.cpus[threadId - 1];
    if (!cpu) throw bad(`${request}: no thread ${threadId} (threads 1..${machine.cpus.length})`);
    return cpu;
  }

  transitions(args: unknown): unknown {
    const req = NESTVIRT_REQUEST.transitions;
    const o = argsObject(args, req);
    const start = optInt(o, 'start', req) ?? 0;
    const count = optInt(o, 'count', req, 0, PAGE_MAX);
    const f = o.filter === undefined ? {} : argsObject(o.filter, `${req}: filter`);
    const filter: NonNullable<TransitionsArgs['filter']> = {
      vcpu: optList(f, 'vcpu', 'number', req), level: optList(f, 'level', 'number', req),
      reasonName: optList(f, 'reasonName', 'string', req), handledBy: optList(f, 'handledBy', 'string', req),
      type: optList(f, 'type', 'string', req),
    };
    let condition: ParsedCondition | undefined;
    if (f.condition !== undefined) {
      if (typeof f.condition !== 'string') throw bad(`${req}: filter.condition must be a string`);
      try {
        if (f.condition.trim()) condition = parseCondition(f.condition, TRANSITION_SCHEMA);
      } catch (e) {
        if (e instanceof ConditionSyntaxError) throw bad(`${req}: filter.condition: ${e.message}`);
        throw e;
      }
    }
    return this.host.log.page({ start, count, filter }, condition, this.icountNow());
  }

  stats(): unknown {
    const m = this.host.machine();
    return this.host.log.stats(this.icountNow(), (vcpu) => m?.cpus[vcpu]?.icount ?? 0);
  }

  nesting(): NestingResponse {
    const m = this.host.machine();
    const rc = this.host.rc();
    if (!m || !rc) return { vcpus: [] };
    return { vcpus: m.cpus.map((cpu) => this.vcpuNesting(cpu, rc)) };
  }

  private vcpuNesting(cpu: Cpu, rc: RunControl): VcpuNesting {
    const level = rc.levelOf(cpu);
    const last = this.host.log.last(cpu.id);
    const controlBlock = controlBlockOf(cpu);
    const levels: LevelInfo[] = [];
    const rip = cpu.ripLinear();
    // L1 between an exit to it and its next VM entry is handling that exit.
    const handling = level === 1 && last !== undefined && last.to === 1 && last.type !== 'entry';
    const activity: LevelInfo['activity'] = cpu.halted ? 'halted' : handling ? 'handling-exit' : 'running';
    const doing = activity === 'handling-exit' ? `handling ${last!.reasonName}` : activity;
    const where = rc.running ? '' : `, at ${this.host.describeCode(level, rip)}`;
    levels.push({ level, activity, description: `L${level} — ${doing}${where}`, rip: hex64(rip), controlBlock: level === 2 ? controlBlock : undefined });
    for (const s of suspendedLevels(cpu)) {
      levels.push({
        level: s.level, activity: 'waiting-in-vmentry',
        description: `L${s.level} — waiting in ${s.instruction} at ${this.host.describeCode(s.level, s.pc)}`,
        rip: hex64(s.pc), controlBlock,
      });
    }
    levels.push({ level: 0, activity: 'running', description: 'L0 — nestvirt (the built-in hypervisor)' });
    const out: VcpuNesting = { vcpu: cpu.id, levels };
    const arch = archOf(cpu);
    if (arch) out.arch = arch;
    if (last) out.lastTransition = toRecord(last);
    return out;
  }

  private stepToTransition(args: unknown): CustomResult {
    const req = NESTVIRT_REQUEST.stepToTransition;
    const o = argsObject(args, req) as Record<string, unknown> & StepToTransitionArgs;
    const direction = o.direction ?? 'forward';
    if (direction !== 'forward' && direction !== 'backward') throw bad(`${req}: direction must be 'forward' or 'backward', got ${JSON.stringify(direction)}`);
    const cpu = this.cpuOf(o, req);
    if (direction === 'backward') {
      const r = this.reverse;
      if (!r) throw bad(`${req}: stepping backward needs reverse execution, which this adapter build does not have yet`);
      return { body: {}, after: () => r.stepBackToTransition(cpu.id) };
    }
    return { body: {}, after: () => this.host.runToNextTransition(cpu.id) };
  }

  private gotoTransition(args: unknown): CustomResult {
    const req = NESTVIRT_REQUEST.gotoTransition;
    const o = argsObject(args, req) as Record<string, unknown> & Partial<GotoTransitionArgs>;
    this.host.requireStopped();
    const seq = optInt(o, 'seq', req);
    if (seq === undefined) throw bad(`${req}: seq (a transition's sequence number) is required`);
    if (!this.host.log.get(seq)) throw bad(`${req}: no transition ${seq} in this run (${this.host.log.count} so far)`);
    const r = this.reverse;
    if (!r) throw bad(`${req}: going to a transition needs reverse execution, which this adapter build does not have yet`);
    return { body: {}, after: () => r.gotoTransition(seq) };
  }

  private lint(args: unknown): unknown {
    const req = NESTVIRT_REQUEST.lint;
    const o = argsObject(args, req) as Record<string, unknown> & LintArgs & { instruction?: unknown };
    const cpu = this.cpuOf(o, req);
    const insn = o.instruction;
    if (insn !== undefined && insn !== 'vmlaunch' && insn !== 'vmresume') throw bad(`${req}: instruction must be 'vmlaunch' or 'vmresume', got ${JSON.stringify(insn)}`);
    return lintVcpu(cpu, insn as 'vmlaunch' | 'vmresume' | undefined);
  }

  /** Chrome / Perfetto trace-event JSON: an instant per transition, a slice per stretch a level ran. */
  exportTrace(args: unknown): ExportTraceResponse {
    const req = NESTVIRT_REQUEST.exportTrace;
    const o = argsObject(args, req) as Record<string, unknown> & ExportTraceArgs;
    if (o.path !== undefined && (typeof o.path !== 'string' || !path.isAbsolute(o.path))) {
      throw bad(`${req}: path must be an absolute file path, got ${JSON.stringify(o.path)}`);
    }
    const m = this.host.machine();
    const events: object[] = [];
    const us = (icount: number): number => icount / 1000; // trace-format.ts: 1 instruction = 1 ns
    for (const cpu of m?.cpus ?? []) {
      events.push({ name: 'thread_name', ph: 'M', pid: 1, tid: cpu.id, args: { name: `vCPU ${cpu.id}` } });
    }
    const open = new Map<number, { level: number; since: number }>();
    for (const t of this.host.log.list()) {
      const e = toTraceEvent(t);
      if (e) events.push(e);
      const was = open.get(t.vcpu);
      if (was && t.icount > was.since) {
        events.push({ name: `L${was.level}`, cat: 'level', ph: 'X', ts: us(was.since), dur: us(t.icount - was.since), pid: 1, tid: t.vcpu });
      }
      open.set(t.vcpu, { level: t.to, since: t.icount });
    }
    for (const [vcpu, was] of open) {
      const now = m?.cpus[vcpu]?.icount ?? was.since;
      if (now > was.since) events.push({ name: `L${was.level}`, cat: 'level', ph: 'X', ts: us(was.since), dur: us(now - was.since), pid: 1, tid: vcpu });
    }
    const json = JSON.stringify({ traceEvents: events, displayTimeUnit: 'ns', otherData: { producer: 'nestvirt', transitions: this.host.log.count } });
    if (o.path === undefined) return { json, events: events.length };
    try {
      fs.writeFileSync(o.path, json);
    } catch (e) {
      throw bad(`${req}: cannot write '${o.path}': ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    return { path: o.path, events: events.length };
  }
}
