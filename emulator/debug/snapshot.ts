// Snapshots of a whole Machine: every vCPU, L0's per-vCPU nested state, the
// chipset, the scheduler, the clock and its timers, RAM and the transition
// numbering. Taken and restored in place on the same Machine (the reverse
// debugger's use): object identity is kept, so callbacks that devices gave
// the clock stay valid.
//
// Objects are captured by the generic traversal of snapshot-graph.ts under
// snapshot-policy.ts; RAM by snapshot-ram.ts. State that the traversal cannot
// reach is added here by name: L0's per-vCPU state lives in WeakMaps keyed by
// the Cpu (found through the l0 accessors listed in L0_STATE_ACCESSORS), and
// the transition seq counter in a WeakMap keyed by the event stream.
//
// A snapshot must be taken and restored between runs (Machine.run returned),
// i.e. at an instruction boundary.
import type { Machine } from '../machine/machine';
import type { Cpu } from '../x86/cpu';
import * as l0 from '../l0/index';
import { transitionCount, setTransitionCount } from '../l0/transitions';
import { ept02Roots, Ept02 } from '../l0/vmx-ept02';
import { vmxStateOf } from '../l0/vmx-instructions';
import { captureGraph, restoreGraph, dumpGraph, GraphState, PolicyIndex, ExclusionReason } from './snapshot-graph';
import { SNAPSHOT_POLICY } from './snapshot-policy';
import { RamVersions } from './snapshot-ram';

/**
 * Exports of emulator/l0 that return a vCPU's nested state (kept in a
 * WeakMap there). An accessor not exported (yet) is skipped, so the SVM
 * state joins snapshots as soon as l0/index.ts exports `svmStateOf`.
 */
const L0_STATE_ACCESSORS = ['vmxStateOf', 'svmStateOf'];

export interface MachineSnapshot {
  readonly id: number;
  /** Machine.instructions when taken (the time axis of history). */
  readonly instructions: number;
  readonly ticks: number;
  readonly graph: GraphState;
  readonly transitionSeq: number;
}

const index = new PolicyIndex(SNAPSHOT_POLICY);

/** L0's nested state objects of each vCPU (VMX, SVM), by accessor name. */
export function l0StateRoots(m: Machine): Record<string, object> {
  const out: Record<string, object> = {};
  const mod = l0 as unknown as Record<string, unknown>;
  for (const name of L0_STATE_ACCESSORS) {
    const f = mod[name];
    if (typeof f !== 'function') continue;
    m.cpus.forEach((cpu: Cpu, i) => {
      const s = (f as (c: Cpu) => unknown)(cpu);
      if (s && typeof s === 'object') out[`${name}(cpu${i})`] = s;
    });
  }
  return out;
}

export class Snapshotter {
  readonly ram: RamVersions;
  private nextId = 0;

  constructor(readonly machine: Machine) {
    this.ram = new RamVersions(machine.mem, (pfn) => { for (const c of machine.cpus) c.mmu.protectCodePage(pfn); });
  }

  private roots(): object[] {
    return [this.machine, ...Object.values(l0StateRoots(this.machine))];
  }

  take(): MachineSnapshot {
    const m = this.machine;
    const id = this.nextId++;
    const graph = captureGraph(this.roots(), index);
    this.ram.take(id);
    // RAM tracking needs every write translation re-made (see snapshot-ram.ts);
    // restore flushes the same way, so a replay sees what the original run saw.
    for (const c of m.cpus) c.mmu.flushAll();
    dropL0Caches(m);
    return { id, instructions: m.instructions, ticks: m.clock.ticks, graph, transitionSeq: transitionCount(m.events) };
  }

  restore(s: MachineSnapshot): void {
    const m = this.machine;
    restoreGraph(s.graph, index);
    this.ram.restore(s.id);
    setTransitionCount(m.events, s.transitionSeq);
    // Everything derived from the old state goes: decoded blocks (and their
    // compiled code), TLBs, and with the epoch bump the block lookup.
    for (const c of m.cpus) {
      c.flushCodeCache();
      c.mmu.flushAll();
    }
    dropL0Caches(m);
  }

  /** Releases what only `s` needed (its RAM pages pass to the next snapshot). */
  drop(s: MachineSnapshot): void {
    this.ram.drop(s.id);
  }
}

/**
 * L0's translation caches, emptied where the TLBs are flushed: at take (so
 * the run goes on from the same cold state a replay starts from) and at
 * restore (they describe another point in time). Their owners allow it:
 * dropping them is never visible beyond stale mappings a guest must not
 * rely on without INVEPT.
 */
function dropL0Caches(m: Machine): void {
  for (const c of m.cpus) {
    const s = vmxStateOf(c);
    if (s) for (const r of ept02Roots(s)) r.entries.clear();
    if (s) { s.tlbL1.drop(); s.tlbL2.drop(); } // l0/vmx-tlb.ts
    const st = c.mmu.stage2;
    if (st instanceof Ept02) st.entries.clear();
    l0.svmStateOf(c)?.dropCaches();
  }
}

/**
 * Everything a snapshot should restore, rendered comparably: the object
 * graph (caches and host wiring left out, immutable configuration kept, so
 * a stray write to it shows), L0 state, the transition counter and a RAM
 * digest. Equal dumps before a snapshot and after its restore mean nothing
 * was missed.
 */
export function dumpMachine(m: Machine): Map<string, string> {
  const omit = (r: ExclusionReason): boolean => r === 'cache' || r === 'host' || r === 'ram';
  const out = dumpGraph({ machine: m, ...l0StateRoots(m) }, index, omit);
  out.set('transitionSeq', String(transitionCount(m.events)));
  out.set('ram', RamVersions.digest(m.mem));
  return out;
}
