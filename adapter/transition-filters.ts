// The exception breakpoint filters of nestvirt (DAP setExceptionBreakpoints):
// the guest-exception filter and one per kind of VM transition, each with an
// optional condition in the transition condition language
// (transition-conditions.ts, docs/conditions.md). Decides which event stops
// the run and says, in words, why it stopped (stopped event description,
// exceptionInfo).
import type { DebugProtocol } from '@vscode/debugprotocol';
import type { ExceptionEvent, TripleFaultEvent } from '../emulator/events';
import { hex64 } from '../emulator/x86/canon';
import { describeException } from '../emulator/debug/index';
import { ConditionSyntaxError, ParsedCondition, Schema, evalCondition, parseCondition } from './transition-conditions';
import { TRANSITION_SCHEMA, EXCEPTION_SCHEMA, transitionSubject, exceptionSubject } from './transition-fields';
import type { Transition } from './transition-log';

export const FILTER = {
  guestException: 'guest-exception',
  exitReflected: 'vm-exit-reflected',
  exitL0: 'vm-exit-l0',
  entryFailure: 'vm-entry-failure',
  l2Exception: 'l2-exception',
  tripleFault: 'triple-fault',
} as const;
export type FilterId = (typeof FILTER)[keyof typeof FILTER];

const TRANSITION_CONDITION = 'A condition on the transition, e.g. `reason == EPT_VIOLATION && qual.write`, `reason == 48`, '
  + '`qual.port == 0x80 && qual.in == 0`, `rip >= 0x401000`, `check == GUEST-CS-L-DB`. Fields: reason exitcode type level to vcpu rip '
  + 'qual qual.read/write/exec qual.port/in/size qual.cr/access/reg gpa vector handledBy rule check; == != < <= > >= && || ! ( ); '
  + 'numbers in hex (0x) or decimal, strings in quotes. See docs/conditions.md.';
const EXCEPTION_CONDITION = 'A condition on the exception, e.g. `vector == PF && cr2 >= 0x400000`, `vector == UD`. '
  + 'Fields: vector errorcode cr2 rip level vcpu; == != < <= > >= && || ! ( ). See docs/conditions.md.';

interface FilterDef { def: DebugProtocol.ExceptionBreakpointsFilter; schema: Schema }

const DEFS: FilterDef[] = [
  {
    def: {
      filter: FILTER.guestException, label: 'Exception in the guest',
      description: 'Stop when an exception (#PF, #GP, #UD, …) is delivered to the guest, at the first instruction of its handler',
      default: false, supportsCondition: true, conditionDescription: EXCEPTION_CONDITION,
    },
    schema: EXCEPTION_SCHEMA,
  },
  {
    def: {
      filter: FILTER.exitReflected, label: 'VM exit reflected to L1',
      description: 'Stop when L0 reflects an L2 exit to L1, at L1\'s exit handler (HOST_RIP)',
      default: false, supportsCondition: true, conditionDescription: TRANSITION_CONDITION,
    },
    schema: TRANSITION_SCHEMA,
  },
  {
    def: {
      filter: FILTER.exitL0, label: 'VM exit handled by L0',
      description: 'Stop when L0 handles an exit itself (L1 does not see it), just after L0 resumed the guest',
      default: false, supportsCondition: true, conditionDescription: TRANSITION_CONDITION,
    },
    schema: TRANSITION_SCHEMA,
  },
  {
    def: {
      filter: FILTER.entryFailure, label: 'VM-entry failure',
      description: 'Stop when VMLAUNCH/VMRESUME (or VMRUN) fails a check: VMfailValid, or a VM-entry failure exit; names the failed check',
      default: true, supportsCondition: true, conditionDescription: TRANSITION_CONDITION,
    },
    schema: TRANSITION_SCHEMA,
  },
  {
    def: {
      filter: FILTER.l2Exception, label: 'Exception in L2',
      description: 'Stop when an exception happens while L2 runs (whether L1 intercepts it or L2 handles it)',
      default: false, supportsCondition: true, conditionDescription: EXCEPTION_CONDITION,
    },
    schema: EXCEPTION_SCHEMA,
  },
  {
    def: {
      filter: FILTER.tripleFault, label: 'Triple fault / shutdown',
      description: 'Stop at a triple fault: L2\'s (a TRIPLE_FAULT / SHUTDOWN exit) or the vCPU\'s own shutdown, before the run ends',
      default: true, supportsCondition: true, conditionDescription: TRANSITION_CONDITION,
    },
    schema: TRANSITION_SCHEMA,
  },
];

export const EXCEPTION_BREAKPOINT_FILTERS: DebugProtocol.ExceptionBreakpointsFilter[] = DEFS.map((d) => d.def);

/** A filter the client enabled; `condition` absent = every event of its kind. */
interface Enabled { id: FilterId; condition?: ParsedCondition }

const isTripleFaultExit = (t: Transition): boolean => ((t.arch ?? 'vmx') === 'svm' ? t.reason === 0x7f : t.reason === 2) && t.type !== 'entry';

export class TransitionFilters {
  private enabled = new Map<FilterId, Enabled>();

  /**
   * Sets the enabled filters from a setExceptionBreakpoints request; the
   * response's breakpoints in request order (filters, then filterOptions).
   */
  set(args: DebugProtocol.SetExceptionBreakpointsArguments): DebugProtocol.Breakpoint[] {
    const wanted: { filterId: string; condition?: string }[] = [
      ...(args.filters ?? []).map((filterId) => ({ filterId })),
      ...(args.filterOptions ?? []),
    ];
    const next = new Map<FilterId, Enabled>();
    const results = wanted.map((w): DebugProtocol.Breakpoint => {
      const d = DEFS.find((x) => x.def.filter === w.filterId);
      if (!d) return { verified: false, message: `unknown exception filter '${w.filterId}' (known: ${DEFS.map((x) => x.def.filter).join(', ')})` };
      const id = d.def.filter as FilterId;
      const src = w.condition?.trim();
      if (!src) {
        if (!next.has(id)) next.set(id, { id });
        return { verified: true };
      }
      try {
        next.set(id, { id, condition: parseCondition(src, d.schema) });
        return { verified: true };
      } catch (e) {
        if (!(e instanceof ConditionSyntaxError)) throw e;
        return { verified: false, message: `${d.def.label}: condition: ${e.message}`, reason: 'failed' } as DebugProtocol.Breakpoint;
      }
    });
    this.enabled = next;
    return results;
  }

  has(id: FilterId): boolean { return this.enabled.has(id); }

  private passes(id: FilterId, subject: () => ReturnType<typeof transitionSubject>): boolean {
    const f = this.enabled.get(id);
    return !!f && (!f.condition || evalCondition(f.condition, subject()));
  }

  /** The filter a transition stops on, if any (first match in the order of the filter list). */
  matchTransition(t: Transition): FilterId | undefined {
    const subject = (): ReturnType<typeof transitionSubject> => transitionSubject(t);
    if (t.type === 'entry-fail' && this.passes(FILTER.entryFailure, subject)) return FILTER.entryFailure;
    if (isTripleFaultExit(t) && this.passes(FILTER.tripleFault, subject)) return FILTER.tripleFault;
    const reflected = t.type === 'reflect' || (t.type === 'exit' && t.handledBy === 'L1');
    if (reflected && this.passes(FILTER.exitReflected, subject)) return FILTER.exitReflected;
    if (t.type === 'exit' && t.handledBy === 'L0' && this.passes(FILTER.exitL0, subject)) return FILTER.exitL0;
    return undefined;
  }

  /** The filter an exception stops on, `level` being the level it happened in. */
  matchException(e: ExceptionEvent, level: number): FilterId | undefined {
    const subject = (): ReturnType<typeof exceptionSubject> => exceptionSubject(e, level);
    if (level === 2 && this.passes(FILTER.l2Exception, subject)) return FILTER.l2Exception;
    if (this.passes(FILTER.guestException, subject)) return FILTER.guestException;
    return undefined;
  }

  /**
   * A vCPU's own triple fault (shutdown, the run ends). The condition sees it
   * as an exit TRIPLE_FAULT (2) from the level that faulted to L0.
   */
  matchTripleFault(e: TripleFaultEvent, level: 0 | 1 | 2): boolean {
    return this.passes(FILTER.tripleFault, () => transitionSubject(tripleFaultAsTransition(e, level)));
  }
}

/** A vCPU's shutdown in the shape of a transition (conditions, descriptions). */
export function tripleFaultAsTransition(e: TripleFaultEvent, level: 0 | 1 | 2): Transition {
  return {
    kind: 'transition', seq: -1, icount: e.icount, vcpu: e.vcpu, from: level, to: 0, type: 'exit', arch: 'vmx',
    reason: 2, reasonName: 'TRIPLE_FAULT', handledBy: 'L0', rule: e.reason, rip: e.rip,
  };
}

const at = (rip: number | undefined): string => (rip === undefined ? '' : ` at ${hex64(rip)}`);

/** One line for the stopped event: "VM exit EPT_VIOLATION (48) from L2 at 0x401000 — reflected to L1: l1WantsEpt". */
export function describeTransition(t: Transition): string {
  const name = `${t.reasonName} (${t.reason})`;
  switch (t.type) {
    case 'reflect':
      return `VM exit ${name} from L${t.from}${at(t.rip)} — reflected to L${t.to}${t.rule ? `: ${t.rule}` : ''}`;
    case 'exit':
      return `VM exit ${name} from L${t.from}${at(t.rip)} — handled by ${t.handledBy ?? `L${t.to}`}${t.rule ? `: ${t.rule}` : ''}`;
    case 'entry-fail': {
      const c = t.check;
      const why = c ? `${c.id} (${c.section}): ${c.field} = ${c.value}; allowed: ${c.allowed}` : t.rule ?? '';
      return `VM-entry failure ${name} in L${t.from}${at(t.rip)} — ${why}`;
    }
    case 'entry':
      return `VM entry ${t.reasonName} L${t.from} → L${t.to}${at(t.rip)}`;
    case 'inject':
      return `Event injection ${name} into L${t.to}${t.rule ? `: ${t.rule}` : ''}`;
  }
}

/** exceptionInfo of a stop on a transition: the failed check (entry failures) or the exit and its rule. */
export function transitionExceptionInfo(t: Transition): DebugProtocol.ExceptionInfoResponse['body'] {
  const c = t.check;
  if (t.type === 'entry-fail' && c) {
    return {
      exceptionId: c.id,
      description: `VM-entry failure: ${c.rule}`,
      breakMode: 'always',
      details: {
        message: `${c.id} (${c.section}): ${c.field} = ${c.value}; allowed: ${c.allowed}. ${c.rule}`,
        typeName: `VM-entry failure ${t.reasonName} (${t.reason})`,
        fullTypeName: `${c.section} ${c.id}`,
        evaluateName: c.field,
        stackTrace: t.qualification,
      },
    };
  }
  return {
    exceptionId: t.reasonName,
    description: describeTransition(t),
    breakMode: 'always',
    details: {
      message: [describeTransition(t), t.qualification ? `qualification: ${t.qualification}` : ''].filter(Boolean).join('\n'),
      typeName: `${t.type} ${t.reasonName} (${t.reason})`,
      fullTypeName: `${(t.arch ?? 'vmx').toUpperCase()} exit reason ${t.reason}`,
    },
  };
}

export function describeL2Exception(e: ExceptionEvent): string {
  return `Exception in L2: ${describeException(e).replace(/ delivered in the guest$/, '')}`;
}
