// Every VM transition of the run, as the session recorded it from the
// machine's event stream (DESIGN.md "Execution model": one stream), for the
// custom requests (transitions, stats, exportTrace), the exception filters'
// conditions and stop descriptions.
//
// A transition is recorded while the event is emitted, so what the emitter
// left out can be read from the state it describes at that instant: a
// reflected VMX exit's L2 RIP, raw qualification and interruption info are
// in VMCS12's exit-information and guest-state fields right then (SDM
// §28.2, §28.3), and an entry's L1 RIP is where L0 parked L1.
import type { TransitionEvent } from '../emulator/events';
import type { Cpu } from '../emulator/x86/cpu';
import { fold, hex64 } from '../emulator/x86/canon';
import { vmxStateOf } from '../emulator/l0/vmx-instructions';
import { VMCS } from '../emulator/vmx/fields';
import type { TransitionRecord, TransitionsArgs, TransitionsResponse, StatsResponse, ReasonStats } from './protocol';
import { hexHalves } from './registers';
import { l1WaitAddress } from './transition-nesting';
import { ParsedCondition, evalCondition } from './transition-conditions';
import { transitionSubject } from './transition-fields';

/** A recorded transition: the event, completed from the machine state of its instant. */
export type Transition = TransitionEvent & {
  /** VM-exit interruption information (VMX exception exits), when known. */
  intrInfo?: number;
};

export const PAGE_DEFAULT = 500;
export const PAGE_MAX = 5000;

/** The event with what its instant's state tells (see the header). Call only while the event is being emitted. */
export function completeTransition(e: TransitionEvent, cpu: Cpu | undefined): Transition {
  const t: Transition = { ...e, arch: e.arch ?? 'vmx' };
  const s = cpu && t.arch === 'vmx' ? vmxStateOf(cpu) : undefined;
  if (!s || !s.hasCurrentVmcs) return t;
  const v = s.vmcs12;
  if (t.type === 'reflect' || (t.type === 'exit' && t.to === 1)) {
    if (t.rip === undefined) t.rip = fold(v.lo(VMCS.GUEST_RIP), v.hi(VMCS.GUEST_RIP) | 0);
    if (t.qualLo === undefined) { t.qualLo = v.lo(VMCS.EXIT_QUALIFICATION) >>> 0; t.qualHi = v.hi(VMCS.EXIT_QUALIFICATION) >>> 0; }
    if (t.reason === 0) t.intrInfo = v.lo(VMCS.VM_EXIT_INTR_INFO) >>> 0;
    if (t.reason === 48 && t.gpa === undefined) t.gpa = (v.hi(VMCS.GUEST_PHYSICAL_ADDRESS) >>> 0) * 0x1_0000_0000 + (v.lo(VMCS.GUEST_PHYSICAL_ADDRESS) >>> 0);
  } else if (t.type === 'entry' && t.from === 1 && t.rip === undefined) {
    const at = l1WaitAddress(s);
    if (at !== undefined) t.rip = at;
  }
  return t;
}

/** The record the views read (protocol.ts). */
export function toRecord(t: Transition): TransitionRecord {
  const r: TransitionRecord = {
    seq: t.seq, icount: t.icount, vcpu: t.vcpu, from: t.from, to: t.to, type: t.type,
    arch: t.arch ?? 'vmx', reason: t.reason, reasonName: t.reasonName,
  };
  if (t.qualification !== undefined) r.qualification = t.qualification;
  if (t.handledBy !== undefined) r.handledBy = t.handledBy;
  if (t.rule !== undefined) r.rule = t.rule;
  if (t.rip !== undefined) r.rip = hex64(t.rip);
  if (t.qualLo !== undefined) r.qual = hexHalves(t.qualLo, t.qualHi ?? 0, false);
  if (t.gpa !== undefined) r.gpa = hex64(t.gpa);
  if (t.check) r.check = { ...t.check };
  return r;
}

export class TransitionLog {
  private readonly all: Transition[] = [];
  private readonly bySeq = new Map<number, Transition>();

  /** Records `e` once (listeners may see it in any order); returns the completed transition. */
  record(e: TransitionEvent, cpu: Cpu | undefined): Transition {
    const had = this.bySeq.get(e.seq);
    if (had) return had;
    const t = completeTransition(e, cpu);
    this.all.push(t);
    this.bySeq.set(t.seq, t);
    return t;
  }

  get count(): number { return this.all.length; }
  get(seq: number): Transition | undefined { return this.bySeq.get(seq); }
  list(): readonly Transition[] { return this.all; }

  /**
   * Forgets the transitions that happen after each vCPU's `icountOf` (the
   * machine went back in time: reverse execution); replayed ones are
   * recorded again as they happen.
   */
  forgetAfter(icountOf: (vcpu: number) => number): void {
    const keep: Transition[] = [];
    for (const t of this.all) {
      if (t.icount <= icountOf(t.vcpu)) keep.push(t);
      else this.bySeq.delete(t.seq);
    }
    this.all.length = 0;
    for (const t of keep) this.all.push(t);
  }

  /**
   * Forgets transition `seq` and every later one: the debugger edited the
   * machine at a past point (History.onRewrite), so the run from there is a
   * new one whose transitions take those numbers again, with other content.
   */
  truncate(seq: number): void {
    const kept = this.all.filter((t) => t.seq < seq);
    for (const t of this.all) if (t.seq >= seq) this.bySeq.delete(t.seq);
    this.all.length = 0;
    for (const t of kept) this.all.push(t);
  }

  /** The last transition of a vCPU (any vCPU when not given). */
  last(vcpu?: number): Transition | undefined {
    for (let i = this.all.length - 1; i >= 0; i--) if (vcpu === undefined || this.all[i].vcpu === vcpu) return this.all[i];
    return undefined;
  }

  /** A page of the transitions that match `filter` (checked by the caller: session-custom.ts). */
  page(args: TransitionsArgs, condition: ParsedCondition | undefined, icountNow: number): TransitionsResponse {
    const f = args.filter ?? {};
    const keep = (t: Transition): boolean =>
      (!f.vcpu || f.vcpu.includes(t.vcpu)) &&
      (!f.level || f.level.includes(t.from) || f.level.includes(t.to)) &&
      (!f.reasonName || f.reasonName.includes(t.reasonName)) &&
      (!f.handledBy || (t.handledBy !== undefined && f.handledBy.includes(t.handledBy))) &&
      (!f.type || f.type.includes(t.type)) &&
      (!condition || evalCondition(condition, transitionSubject(t)));
    const matching = this.all.filter(keep);
    const start = args.start ?? 0;
    const count = args.count ?? PAGE_DEFAULT;
    return { total: matching.length, start, transitions: matching.slice(start, start + count).map(toRecord), icountNow };
  }

  /**
   * Counts per (arch, reason name, reason). Handling time of an exit: the
   * instructions its vCPU retired until its next transition (the entry back),
   * or until now (`icountOf`) when it is still being handled.
   */
  stats(icountNow: number, icountOf: (vcpu: number) => number): StatsResponse {
    const rows = new Map<string, ReasonStats>();
    const next = new Map<number, Transition>();
    const handling = new Map<Transition, number>();
    for (let i = this.all.length - 1; i >= 0; i--) {
      const t = this.all[i];
      const after = next.get(t.vcpu);
      handling.set(t, (after ? after.icount : icountOf(t.vcpu)) - t.icount);
      next.set(t.vcpu, t);
    }
    for (const t of this.all) {
      const arch = t.arch ?? 'vmx';
      const key = `${arch}:${t.reasonName}:${t.reason}`;
      let r = rows.get(key);
      if (!r) { r = { arch, reason: t.reason, reasonName: t.reasonName, count: 0, reflected: 0, handledByL0: 0, handlingInstructions: 0 }; rows.set(key, r); }
      r.count++;
      const exit = t.type === 'exit' || t.type === 'reflect';
      if (t.type === 'reflect' || (t.type === 'exit' && t.handledBy === 'L1')) r.reflected++;
      if (t.type === 'exit' && t.handledBy === 'L0') r.handledByL0++;
      if (exit) r.handlingInstructions += Math.max(0, handling.get(t) ?? 0);
    }
    const reasons = [...rows.values()].sort((a, b) => b.count - a.count || a.reasonName.localeCompare(b.reasonName));
    return { total: this.all.length, icountNow, reasons };
  }
}
