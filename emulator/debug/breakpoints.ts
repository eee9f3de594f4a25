// Breakpoints keyed by (nesting level, linear address) (DESIGN.md "Execution
// model"). A level's breakpoints fire only while that level runs; each level
// has its own address space. Several user breakpoints may share an address
// (a line breakpoint and an instruction breakpoint): they are kept apart by
// id and reported together.
import type { Level } from '../events';

export type BreakpointKind = 'line' | 'function' | 'instruction';

export interface Breakpoint {
  readonly id: number;
  readonly level: Level;
  /** Linear address (folded 48-bit form in long mode, see x86/canon.ts). */
  readonly address: number;
  readonly kind: BreakpointKind;
  /** Times this breakpoint stopped the run. */
  hits: number;
}

export class BreakpointTable {
  private byId = new Map<number, Breakpoint>();
  /** level -> address -> ids */
  private byAddr: Map<number, number[]>[] = [new Map(), new Map(), new Map()];
  private nextId = 1;
  /** Bumped on every change; run control caches per generation. */
  generation = 0;

  add(level: Level, address: number, kind: BreakpointKind): Breakpoint {
    const bp: Breakpoint = { id: this.nextId++, level, address, kind, hits: 0 };
    this.byId.set(bp.id, bp);
    const m = this.byAddr[level];
    const ids = m.get(address);
    if (ids) ids.push(bp.id);
    else m.set(address, [bp.id]);
    this.generation++;
    return bp;
  }

  remove(id: number): void {
    const bp = this.byId.get(id);
    if (!bp) return;
    this.byId.delete(id);
    const m = this.byAddr[bp.level];
    const ids = m.get(bp.address)!.filter((x) => x !== id);
    if (ids.length) m.set(bp.address, ids);
    else m.delete(bp.address);
    this.generation++;
  }

  /** Removes every breakpoint of one kind (DAP sets each kind as a whole list). */
  clearKind(kind: BreakpointKind): void {
    for (const bp of [...this.byId.values()]) if (bp.kind === kind) this.remove(bp.id);
  }

  get(id: number): Breakpoint | undefined { return this.byId.get(id); }

  /** Ids of the breakpoints at an address of a level (empty when none). */
  at(level: Level, address: number): readonly number[] {
    return this.byAddr[level].get(address) ?? [];
  }

  /** The addresses of one level that have at least one breakpoint. */
  addresses(level: Level): IterableIterator<number> { return this.byAddr[level].keys(); }

  count(level: Level): number { return this.byAddr[level].size; }

  /** Addresses with a breakpoint over every level (run control runs exactly when any level has one). */
  get armed(): number { return this.byAddr[0].size + this.byAddr[1].size + this.byAddr[2].size; }

  all(): Breakpoint[] { return [...this.byId.values()]; }
}
