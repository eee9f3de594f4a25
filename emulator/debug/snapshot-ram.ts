// Guest RAM in snapshots: dirty-page diffs, so a snapshot costs the pages
// written since the previous one, not the whole RAM.
//
// Write tracking without touching the hot path: after each snapshot every
// page is marked as holding code (PhysicalMemory.codePages) and the TLBs are
// flushed, so the first write to a page takes the slow path and reports it
// through onCodeWrite - the notification the core already uses to drop
// decoded blocks of written code. The core then clears the mark and later
// writes to that page are fast again. Cost: one slow write per page per
// snapshot interval.
//
// Versions: a snapshot stores a copy of each page written since the one
// before it (the first snapshot stores every allocated page). The content of
// page p at snapshot j is its latest version at or before j; a page with no
// such version was never written, i.e. zero. Dropping a snapshot hands its
// versions to its successor where the successor has none.
import { PhysicalMemory, PAGE_SIZE } from '../mem/physmem';

interface PageVersions { ids: number[]; data: Uint8Array[] }

/** PhysicalMemory's backing pages (private there: a sparse array by pfn). */
function backingPages(mem: PhysicalMemory): (Uint8Array | undefined)[] {
  const pages = (mem as unknown as { pages?: unknown }).pages;
  if (!Array.isArray(pages)) throw new Error('snapshot-ram: PhysicalMemory no longer keeps its pages in `pages`; update backingPages()');
  return pages as (Uint8Array | undefined)[];
}

const ZERO = new Uint8Array(PAGE_SIZE);

export class RamVersions {
  /** Pages written since `base` was taken or restored. */
  private dirty = new Set<number>();
  /** Snapshot id the live RAM equals, modulo `dirty`; -1 before the first snapshot. */
  private base = -1;
  /** Snapshot ids in order, with the pages each one stored. */
  private ids: number[] = [];
  private stored = new Map<number, number[]>();
  private versions = new Map<number, PageVersions>();
  /** Bytes of page copies held. */
  bytes = 0;

  /**
   * `firstWrite(pfn)` must drop cached write translations of the page: they
   * were made while the page was marked, so they point to the slow path and
   * would keep every later write to it slow until the next TLB flush.
   */
  constructor(private readonly mem: PhysicalMemory, firstWrite: (pfn: number) => void) {
    const prev = mem.onCodeWrite;
    mem.onCodeWrite = (pfn) => {
      if (!this.dirty.has(pfn)) { this.dirty.add(pfn); firstWrite(pfn); }
      prev?.(pfn);
    };
  }

  /**
   * Records RAM as snapshot `id` (ids increase). Callers flush every vCPU's
   * TLBs right after (a cached write translation would bypass tracking).
   */
  take(id: number): void {
    const pages = backingPages(this.mem);
    let changed: Iterable<number>;
    if (this.base < 0) {
      const all: number[] = [];
      pages.forEach((p, pfn) => { if (p) all.push(pfn); });
      changed = all;
    } else {
      const prev = this.ids.length ? this.ids[this.ids.length - 1] : -1;
      changed = new Set([...this.dirty, ...this.between(this.base, prev)]);
    }
    const list: number[] = [];
    for (const pfn of changed) {
      const p = pages[pfn];
      const copy = p ? p.slice() : new Uint8Array(PAGE_SIZE);
      let v = this.versions.get(pfn);
      if (!v) { v = { ids: [], data: [] }; this.versions.set(pfn, v); }
      v.ids.push(id);
      v.data.push(copy);
      this.bytes += PAGE_SIZE;
      list.push(pfn);
    }
    this.ids.push(id);
    this.stored.set(id, list);
    this.rebase(id);
  }

  /** Puts RAM back as it was at snapshot `id`. Callers flush TLBs and decoded code after. */
  restore(id: number): void {
    if (!this.stored.has(id)) throw new Error(`snapshot-ram: no snapshot ${id}`);
    const pages = backingPages(this.mem);
    const fix = new Set([...this.dirty, ...this.between(Math.min(this.base, id), Math.max(this.base, id))]);
    for (const pfn of fix) {
      const data = this.versionAt(pfn, id) ?? ZERO;
      const live = pages[pfn] ?? (data === ZERO ? null : this.mem.page(pfn));
      if (live) live.set(data);
    }
    this.rebase(id);
  }

  /** Forgets snapshot `id`; its pages pass to the next snapshot where that one has no copy. */
  drop(id: number): void {
    const at = this.ids.indexOf(id);
    if (at < 0) return;
    const next = at + 1 < this.ids.length ? this.ids[at + 1] : -1;
    const mine = this.stored.get(id)!;
    const nextList = next >= 0 ? this.stored.get(next)! : null;
    for (const pfn of mine) {
      const v = this.versions.get(pfn)!;
      const k = v.ids.indexOf(id);
      const nextHas = next >= 0 && v.ids[k + 1] === next;
      if (next >= 0 && !nextHas) {
        v.ids[k] = next; // the successor's content of this page is this version
        nextList!.push(pfn);
      } else {
        v.ids.splice(k, 1);
        v.data.splice(k, 1);
        this.bytes -= PAGE_SIZE;
        if (!v.ids.length) this.versions.delete(pfn);
      }
    }
    this.ids.splice(at, 1);
    this.stored.delete(id);
    // The live RAM was described relative to `id`: fold in what changed since the predecessor.
    if (this.base === id) {
      const prev = at > 0 ? this.ids[at - 1] : -1;
      for (const pfn of mine) this.dirty.add(pfn);
      this.base = prev;
      if (prev < 0) this.base = -1;
    }
  }

  /** Arms write tracking: every page reports its next write. */
  private rebase(id: number): void {
    this.base = id;
    this.dirty.clear();
    this.mem.codePages.fill(1);
  }

  /** Pages stored by snapshots with ids in (lo, hi]. */
  private between(lo: number, hi: number): number[] {
    const out: number[] = [];
    for (const id of this.ids) if (id > lo && id <= hi) out.push(...this.stored.get(id)!);
    return out;
  }

  private versionAt(pfn: number, id: number): Uint8Array | undefined {
    const v = this.versions.get(pfn);
    if (!v) return undefined;
    // Latest version at or before `id` (ids ascending): binary search.
    let lo = 0, hi = v.ids.length - 1, best = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (v.ids[mid] <= id) { best = mid; lo = mid + 1; } else hi = mid - 1;
    }
    return best >= 0 ? v.data[best] : undefined;
  }

  /** A digest of all RAM (tests compare runs with it). */
  static digest(mem: PhysicalMemory): string {
    let h1 = 0x811c9dc5 | 0, h2 = 0;
    backingPages(mem).forEach((p, pfn) => {
      if (!p) return;
      let nonzero = false;
      for (let i = 0; i < PAGE_SIZE; i++) if (p[i]) { nonzero = true; break; }
      if (!nonzero) return;
      h1 = Math.imul(h1 ^ pfn, 16777619);
      for (let i = 0; i < PAGE_SIZE; i += 4) {
        const w = p[i] | (p[i + 1] << 8) | (p[i + 2] << 16) | (p[i + 3] << 24);
        h1 = Math.imul(h1 ^ w, 16777619);
        h2 = (h2 + w + i) | 0;
      }
    });
    return `${(h1 >>> 0).toString(16)}:${(h2 >>> 0).toString(16)}`;
  }
}
