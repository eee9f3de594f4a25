// One replay of history: from a restored snapshot, run the machine forward
// to a position (Machine.instructions) at full speed, noting every point
// where a stop condition holds. Conditions are of two kinds:
//  - arrival at an address: the core stops there on its own (Cpu.breakAt,
//    checked as each block starts; blocks are cut before those addresses),
//    so the replay costs no decode-ahead; `atAddress` then decides
//    (breakpoint level, condition);
//  - an event (a VM transition matching a filter): the machine is stopped
//    at the next instruction boundary, which is "just after" it.
// Candidates are numbered in the order they occur. The same replay from the
// same snapshot finds the same candidates (determinism), so a second replay
// told to stop at candidate k lands exactly on it.
import type { Machine } from '../machine/machine';
import type { Cpu } from '../x86/cpu';
import type { MachineEvent } from '../events';
import type { ReplayGate } from './history-gate';

export interface ReverseQuery {
  /** Linear addresses (of any level) where `atAddress` is asked. */
  addresses?: ReadonlySet<number>;
  /** At one of `addresses`: does this arrival count? Must have no side effects (it is asked again on the second replay). */
  atAddress?: (cpu: Cpu) => boolean;
  /** Does this event count? The stop is at the next instruction boundary. */
  onEvent?: (e: MachineEvent) => boolean;
}

export interface Candidate {
  /** Order of occurrence within the replay. */
  index: number;
  /** Machine.instructions where the machine stands at this stop. */
  instructions: number;
  hit: { kind: 'address'; vcpu: number } | { kind: 'event'; event: MachineEvent };
}

export interface Progress { done: number; total: number }

export interface ReplayOptions {
  /** Stop at this candidate (the machine stays there); -1: run to `until`, noting all. */
  stopAt: number;
  /** Instructions per Machine.run between progress reports. */
  chunk: number;
  /** Search replays are muted entirely; a forward run (goto) shows its output. */
  search: boolean;
}

export interface ReplayResult { candidates: Candidate[]; stopped: Candidate | null }

/** Runs from the current state to `until`; yields progress between chunks. */
export function* replay(m: Machine, gate: ReplayGate, until: number, q: ReverseQuery, o: ReplayOptions): Generator<Progress, ReplayResult> {
  const candidates: Candidate[] = [];
  const pending: MachineEvent[] = [];
  const saved = m.cpus.map((c) => c.breakAt);
  const addresses = q.addresses && q.addresses.size ? new Set(q.addresses) : null;
  if (addresses) for (const c of m.cpus) { c.breakAt = addresses; c.breakSkipIcount = -1; c.flushCodeCache(); }
  const wasReplaying = gate.replaying;
  gate.replaying = o.search;
  const prevTap = gate.tap;
  const onEvent = q.onEvent;
  gate.tap = onEvent ? (e) => { prevTap?.(e); if (onEvent(e)) { pending.push(e); m.stop(); } } : prevTap;
  const start = m.instructions;
  const note = (hit: Candidate['hit']): Candidate => {
    const c: Candidate = { index: candidates.length, instructions: m.instructions, hit };
    candidates.push(c);
    return c;
  };
  try {
    while (m.instructions < until) {
      const r = m.run(Math.min(o.chunk, until - m.instructions));
      for (const e of pending.splice(0)) {
        const c = note({ kind: 'event', event: e });
        if (c.index === o.stopAt) return { candidates, stopped: c };
      }
      if (r.kind === 'breakpoint') {
        const cpu = m.cpus[r.vcpu];
        if (!q.atAddress || q.atAddress(cpu)) {
          const c = note({ kind: 'address', vcpu: r.vcpu });
          if (c.index === o.stopAt) return { candidates, stopped: c };
        }
        cpu.breakSkipIcount = cpu.icount;
        continue;
      }
      if (r.kind !== 'limit' && r.kind !== 'stopped') break; // the run ended (as it did the first time)
      yield { done: m.instructions - start, total: until - start };
    }
    return { candidates, stopped: null };
  } finally {
    gate.replaying = wasReplaying;
    gate.tap = prevTap;
    if (addresses) m.cpus.forEach((c, i) => { c.breakAt = saved[i]; c.breakSkipIcount = -1; c.flushCodeCache(); });
  }
}
