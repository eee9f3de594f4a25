// L0's transitions on the machine's event stream (DESIGN.md "Execution
// model"): one sequence number per event stream, so every vCPU's
// transitions are totally ordered.
import type { Cpu } from '../x86/cpu';
import type { EventStream, TransitionEvent } from '../events';

const seqs = new WeakMap<EventStream, number>();

export type TransitionFields = Omit<TransitionEvent, 'kind' | 'seq' | 'icount' | 'vcpu'>;

/** Emits a transition of `cpu` now, numbered in stream order. */
export function emitTransition(cpu: Cpu, t: TransitionFields): TransitionEvent {
  const events = cpu.plat.events;
  const seq = seqs.get(events) ?? 0;
  seqs.set(events, seq + 1);
  const e: TransitionEvent = { kind: 'transition', seq, icount: cpu.icount + cpu.jk, vcpu: cpu.id, ...t };
  events.emit(e);
  return e;
}

/**
 * emitTransition for the hot paths (a nested round trip emits two): `make`
 * returns the whole event as one object literal, `kind`, `seq`, `icount`,
 * `vcpu` first as above, which spares the spread of a differently shaped
 * `t` at every call (nested SVM: svm-vmrun.ts, svm-vmexit.ts).
 */
export function emitTransitionWith(cpu: Cpu, make: (seq: number, icount: number, vcpu: number) => TransitionEvent): TransitionEvent {
  const events = cpu.plat.events;
  const seq = seqs.get(events) ?? 0;
  seqs.set(events, seq + 1);
  const e = make(seq, cpu.icount + cpu.jk, cpu.id);
  events.emit(e);
  return e;
}

/**
 * Transitions numbered so far on `events` (the next seq). Snapshots
 * (debug/snapshot.ts) save it and put it back on restore, so a replayed
 * transition gets the seq it had the first time.
 */
export function transitionCount(events: EventStream): number {
  return seqs.get(events) ?? 0;
}

export function setTransitionCount(events: EventStream, next: number): void {
  seqs.set(events, next);
}
