// Generic capture/restore of an object graph of plain data, so a snapshot
// picks up state that other modules add later without being told about it.
//
// What is traversed, from the roots: own enumerable properties of objects
// (class instances and plain objects alike), array elements, typed-array
// contents, Map entries and Set values. What a snapshot records per object:
//   - primitives (numbers, strings, booleans, null, undefined) by value;
//   - functions by reference (timer callbacks, hooks such as
//     CpuState.nonRootExit): a snapshot is restored into the same live
//     objects, so a closure over `this` stays valid. A closure over a mutable
//     local variable would not be captured; emulator code keeps state in
//     fields instead (this is the one rule new code must follow);
//   - objects by reference, plus their own contents as a separate record. On
//     restore a field gets back the very object it held, and that object's
//     contents are restored in place, so aliasing (one array held by two
//     devices) and identity (a callback's `this`) survive.
// Frozen objects are immutable and skipped. A SnapshotPolicy names what is
// left out: immutable configuration (decode tables, the CPU model, the ELF
// image: large and never written), caches the restore rebuilds (decoded
// blocks, TLBs, their epochs), and host wiring (event listeners, debugger
// breakpoints). Everything else is captured, including fields nobody told
// the snapshot about.

/** Why a class or a field is left out of snapshots (snapshot-policy.ts). */
export type ExclusionReason = 'immutable' | 'cache' | 'host' | 'ram';

export interface SnapshotPolicy {
  /** Instances of these classes (or subclasses) are not captured at all. */
  skipClasses: ReadonlyMap<Function, ExclusionReason>;
  /** Per class (or subclass): own fields not captured. */
  skipFields: ReadonlyMap<Function, ReadonlyMap<string, ExclusionReason>>;
}

const enum K { Fields, Typed, Array, Map, Set, Buffer }

type Rec =
  | { k: K.Fields; o: Record<string, unknown>; keys: string[]; vals: unknown[] }
  | { k: K.Typed; o: { set(a: ArrayLike<number> | ArrayLike<bigint>): void }; copy: ArrayLike<number> | ArrayLike<bigint> }
  | { k: K.Buffer; o: ArrayBuffer; copy: Uint8Array }
  | { k: K.Array; o: unknown[]; vals: unknown[] }
  | { k: K.Map; o: Map<unknown, unknown>; keys: unknown[]; vals: unknown[] }
  | { k: K.Set; o: Set<unknown>; vals: unknown[] };

/** The captured state of a graph: one record per reachable, non-excluded object. */
export interface GraphState {
  readonly records: readonly Rec[];
  /** Number of captured numbers/strings/booleans and typed-array elements (a size measure). */
  readonly cells: number;
}

interface Resolved { skip: ExclusionReason | null; fields: ReadonlyMap<string, ExclusionReason> | null }

const NO_FIELDS: ReadonlyMap<string, ExclusionReason> = new Map();

/** Resolves a policy per constructor once (walks the prototype chain for subclasses). */
export class PolicyIndex {
  private byCtor = new Map<Function, Resolved>();

  constructor(readonly policy: SnapshotPolicy) {}

  of(o: object): Resolved {
    const ctor = (o as { constructor?: Function }).constructor;
    if (typeof ctor !== 'function') return { skip: null, fields: null };
    let r = this.byCtor.get(ctor);
    if (r) return r;
    let skip: ExclusionReason | null = null;
    let fields: Map<string, ExclusionReason> | null = null;
    for (let p = ctor; typeof p === 'function' && p !== Object && p !== Function.prototype; p = Object.getPrototypeOf(p)) {
      skip = skip ?? this.policy.skipClasses.get(p) ?? null;
      const f = this.policy.skipFields.get(p);
      if (f) { fields ??= new Map(); for (const [k, v] of f) fields.set(k, v); }
    }
    r = { skip, fields: fields ?? NO_FIELDS };
    this.byCtor.set(ctor, r);
    return r;
  }
}

function isTyped(v: object): v is ArrayBufferView & { slice(): ArrayLike<number>; length: number } {
  return ArrayBuffer.isView(v) && !(v instanceof DataView);
}

/** Captures everything reachable from `roots` that the policy does not exclude. */
export function captureGraph(roots: readonly object[], index: PolicyIndex): GraphState {
  const seen = new Set<object>();
  const records: Rec[] = [];
  const stack: object[] = [];
  let cells = 0;
  const visit = (v: unknown): void => {
    if (v === null || typeof v !== 'object' || seen.has(v)) return;
    seen.add(v);
    stack.push(v);
  };
  for (const r of roots) visit(r);
  while (stack.length) {
    const o = stack.pop()!;
    if (Object.isFrozen(o)) continue;
    if (isTyped(o)) {
      records.push({ k: K.Typed, o: o as never, copy: o.slice() });
      cells += o.length;
      continue;
    }
    if (o instanceof ArrayBuffer) {
      records.push({ k: K.Buffer, o, copy: new Uint8Array(o.slice(0)) });
      cells += o.byteLength;
      continue;
    }
    if (o instanceof DataView) { visit(o.buffer); continue; }
    if (Array.isArray(o)) {
      const vals = o.slice();
      for (const v of vals) visit(v);
      records.push({ k: K.Array, o, vals });
      cells += vals.length;
      continue;
    }
    if (o instanceof Map) {
      const keys: unknown[] = [], vals: unknown[] = [];
      for (const [k, v] of o) { keys.push(k); vals.push(v); visit(k); visit(v); }
      records.push({ k: K.Map, o, keys, vals });
      cells += keys.length * 2;
      continue;
    }
    if (o instanceof Set) {
      const vals = [...o];
      for (const v of vals) visit(v);
      records.push({ k: K.Set, o, vals });
      cells += vals.length;
      continue;
    }
    const pol = index.of(o);
    if (pol.skip) continue;
    const rec = o as Record<string, unknown>;
    const keys: string[] = [];
    const vals: unknown[] = [];
    for (const key of Object.keys(rec)) {
      if (pol.fields && pol.fields.has(key)) continue;
      const v = rec[key];
      keys.push(key);
      vals.push(v);
      visit(v);
    }
    records.push({ k: K.Fields, o: rec, keys, vals });
    cells += keys.length;
  }
  return { records, cells };
}

/**
 * Writes a captured state back into the live objects. Values are only
 * written where they differ, so frozen-by-convention and unchanged objects
 * cost a comparison, and hidden classes stay stable.
 */
export function restoreGraph(state: GraphState, index: PolicyIndex): void {
  for (const r of state.records) {
    switch (r.k) {
      case K.Typed: r.o.set(r.copy as never); break;
      case K.Buffer: new Uint8Array(r.o).set(r.copy); break;
      case K.Array: {
        const a = r.o;
        if (a.length !== r.vals.length) a.length = r.vals.length;
        for (let i = 0; i < r.vals.length; i++) if (a[i] !== r.vals[i]) a[i] = r.vals[i];
        break;
      }
      case K.Map: {
        r.o.clear();
        for (let i = 0; i < r.keys.length; i++) r.o.set(r.keys[i], r.vals[i]);
        break;
      }
      case K.Set: {
        r.o.clear();
        for (const v of r.vals) r.o.add(v);
        break;
      }
      case K.Fields: {
        const o = r.o;
        for (let i = 0; i < r.keys.length; i++) if (o[r.keys[i]] !== r.vals[i]) o[r.keys[i]] = r.vals[i];
        // Own properties added since the capture (dictionary-like objects) go away.
        const now = Object.keys(o);
        if (now.length !== r.keys.length) {
          const pol = index.of(o);
          const had = new Set(r.keys);
          for (const key of now) if (!had.has(key) && !pol.fields?.has(key)) delete o[key];
        }
        break;
      }
    }
  }
}

/**
 * A canonical, comparable rendering of everything reachable from `roots`
 * (object identity as the path it was first reached by): two dumps are equal
 * exactly when the graphs hold the same data. Tests compare dumps taken
 * before a snapshot and after its restore. `omit` decides which exclusions
 * the dump honours (tests dump with caches left out, everything else in).
 */
export function dumpGraph(roots: Record<string, object>, index: PolicyIndex, omit: (r: ExclusionReason) => boolean): Map<string, string> {
  const out = new Map<string, string>();
  const pathOf = new Map<object, string>();
  const queue: [object, string][] = [];
  // Functions by identity (numbered in order of first sight): a callback swapped for another shows.
  const fnIds = new Map<Function, number>();
  const ref = (v: unknown, at: string): string => {
    if (v === null) return 'null';
    switch (typeof v) {
      case 'number': return Object.is(v, -0) ? '-0' : String(v);
      case 'string': return JSON.stringify(v);
      case 'boolean': case 'undefined': case 'bigint': return String(v);
      case 'function': {
        const f = v as Function;
        if (!fnIds.has(f)) fnIds.set(f, fnIds.size);
        return `fn#${fnIds.get(f)}:${f.name || 'anonymous'}`;
      }
      case 'symbol': return String(v);
    }
    const o = v as object;
    const p = pathOf.get(o);
    if (p !== undefined) return `@${p}`;
    pathOf.set(o, at);
    queue.push([o, at]);
    return `@${at}`;
  };
  for (const [name, r] of Object.entries(roots)) ref(r, name);
  for (let qi = 0; qi < queue.length; qi++) {
    const [o, at] = queue[qi];
    if (isTyped(o)) { out.set(at, `${o.constructor.name}[${Array.from(o as unknown as ArrayLike<number>).join(',')}]`); continue; }
    if (o instanceof ArrayBuffer) { out.set(at, `ArrayBuffer[${new Uint8Array(o).join(',')}]`); continue; }
    if (o instanceof DataView) { out.set(at, `DataView ${ref(o.buffer, `${at}.buffer`)}`); continue; }
    if (Array.isArray(o)) { out.set(at, `[${o.map((v, i) => ref(v, `${at}[${i}]`)).join(',')}]`); continue; }
    if (o instanceof Map) {
      const parts: string[] = [];
      let i = 0;
      for (const [k, v] of o) { parts.push(`${ref(k, `${at}.key${i}`)}=>${ref(v, `${at}.val${i}`)}`); i++; }
      out.set(at, `Map{${parts.join(',')}}`);
      continue;
    }
    if (o instanceof Set) { out.set(at, `Set{${[...o].map((v, i) => ref(v, `${at}.item${i}`)).join(',')}}`); continue; }
    const pol = index.of(o);
    if (pol.skip && omit(pol.skip)) { out.set(at, `<${pol.skip}>`); continue; }
    const rec = o as Record<string, unknown>;
    const parts: string[] = [];
    for (const key of Object.keys(rec)) {
      const why = pol.fields?.get(key);
      if (why && omit(why)) continue;
      parts.push(`${key}:${ref(rec[key], `${at}.${key}`)}`);
    }
    out.set(at, `${o.constructor?.name ?? 'Object'}{${parts.join(',')}}`);
  }
  return out;
}
