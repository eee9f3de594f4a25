// Linear -> physical translation (SDM vol 3A, chapter 4 "Paging") with
// direct-mapped TLBs. Each TLB holds, per linear page, the backing RAM page
// (fast path) or null for MMIO / unbacked / code pages (slow path).
//
// An optional second stage (EPT, SDM vol 3C 29.3; AMD nested paging, APM
// 15.25) translates every guest-physical address this MMU produces: the
// guest's own paging-structure reads and A/D writes (CR3 and the entries'
// addresses are guest-physical) and the final access, with paging off too
// (SDM vol 3C 29.3.1: with CR0.PG = 0 a linear address is a guest-physical
// address). TLB entries then hold the combined linear -> host-physical
// translation, so a TLB hit costs exactly what it costs without a second
// stage; the second stage runs only on misses.
import { PhysicalMemory, PAGE_SIZE } from '../mem/physmem';
import { CpuFault } from './fault';
import { CpuState } from './state';
import { CR0_PG, CR0_WP, CR4_PAE, CR4_PSE, CR4_SMEP, CR4_SMAP, EFER_LMA, EFER_NXE, AC } from './regs';

export const enum Access { Read = 0, Write = 1, Fetch = 2 }

const TLB_BITS = 10;
export const TLB_SIZE = 1 << TLB_BITS;
const TLB_MASK = TLB_SIZE - 1;
const TWO32 = 0x1_0000_0000;

// Source of Mmu.epoch values, shared by every MMU and only ever growing: a
// value it hands out was never handed out before, so a cache stamped with one
// epoch can never match another context's (or a later) epoch by accident,
// even though Mmu.epoch itself goes back to an older value when a TLB bank
// and its block lookup come back in (l0/svm-tlb.ts bankIn). A module
// variable, not a field: snapshots must not rewind it.
let epochSeq = 1;

/** A Mmu.epoch value never handed out before. */
export function freshEpoch(): number { return ++epochSeq; }

// #PF error code bits (SDM vol 3A, 4.7 figure 4-12).
export const PFEC_P = 1, PFEC_W = 2, PFEC_U = 4, PFEC_RSVD = 8, PFEC_I = 16;

export class Tlb {
  // Not readonly: swap() exchanges them with a bank L0 keeps (l0/svm-tlb.ts).
  tag = new Float64Array(TLB_SIZE).fill(-1);
  page: (Uint8Array | null)[] = new Array(TLB_SIZE).fill(null);
  phys = new Float64Array(TLB_SIZE);
  // Indices filled since the last flush: a flush (CR3 write, VM entry/exit
  // without VPID) resets only those instead of the whole array.
  used = new Int32Array(TLB_SIZE);
  nUsed = 0;
  overflow = false;

  /**
   * Exchanges all entries with `o` in O(1): an ASID-tagged TLB made of one
   * live set and banks for the contexts not running (l0/svm-tlb.ts, AMD APM
   * vol 2 §15.16). Callers renew Mmu.epoch (and swap the CPU's block lookup with it).
   */
  swap(o: Tlb): void {
    const tag = this.tag, page = this.page, phys = this.phys, used = this.used, nUsed = this.nUsed, overflow = this.overflow;
    this.tag = o.tag; this.page = o.page; this.phys = o.phys; this.used = o.used; this.nUsed = o.nUsed; this.overflow = o.overflow;
    o.tag = tag; o.page = page; o.phys = phys; o.used = used; o.nUsed = nUsed; o.overflow = overflow;
  }

  /** Records that entry i was filled (called when it goes from empty to full). */
  noteFill(i: number): void {
    if (this.nUsed < TLB_SIZE) this.used[this.nUsed++] = i;
    else this.overflow = true;
  }

  flush(): void {
    if (this.overflow) this.tag.fill(-1);
    else for (let k = 0; k < this.nUsed; k++) this.tag[this.used[k]] = -1;
    this.nUsed = 0;
    this.overflow = false;
  }
}

/**
 * The second stage of address translation, owned by whoever runs the guest
 * (L0's EPT02 for nested VMX, its NPT walk for nested SVM).
 */
export interface Stage2 {
  /**
   * Host-physical address of guest-physical `gpa`. `access` is the kind of
   * the access itself: Read for reading a guest paging-structure entry, Write
   * for setting its A/D flags, else the kind of the original access. `user`:
   * the original access is a CPL-3 one. `walk`: the access is to an entry of
   * the guest's own paging structures (SDM vol 3C table 28-7 bit 8; APM
   * 15.25.6 EXITINFO1 bits 32/33). `lin`: the guest-linear address being
   * translated (= gpa with paging off), or -1 when there is none. When the
   * access faults in the second stage, the owner raises its exit (a VM exit,
   * a #VMEXIT) by throwing; it never returns an address it did not map.
   */
  translate(gpa: number, access: Access, user: boolean, walk: boolean, lin: number): number;
  /** Side-effect-free lookup (debugger): host-physical of `gpa`, or null when unmapped. */
  peek?(gpa: number): number | null;
}

export class Mmu {
  /** TLBs indexed by access*2 + (user ? 1 : 0). */
  readonly tlbs: Tlb[] = [new Tlb(), new Tlb(), new Tlb(), new Tlb(), new Tlb(), new Tlb()];
  /** Reserved physical-address bits above MAXPHYADDR in the high half of a 64-bit entry. */
  private rsvdHi: number;

  constructor(private s: CpuState, private mem: PhysicalMemory, readonly physAddrBits = 40) {
    this.rsvdHi = physAddrBits >= 52 ? 0 : ((0xfffff << (physAddrBits - 32)) & 0xfffff) >>> 0;
  }

  /**
   * Renewed (bumpEpoch) by every flush: linear-address caches (the CPU's
   * block lookup) compare it. Always a freshEpoch() value, or the value it
   * had when the block lookup now in place was last in place (svm-tlb.ts).
   */
  epoch = freshEpoch();

  /** Invalidates everything stamped with the current epoch. */
  bumpEpoch(): void { this.epoch = ++epochSeq; }

  private s2: Stage2 | null = null;

  /**
   * PDPTE registers [lo, hi] x 4 a VM entry loaded from the VMCS (SDM vol 3C
   * §27.3.2.4: PAE guest with 'enable EPT'), used by PAE walks instead of the
   * table at CR3. null: the PDPTEs are the table's, read at each walk (the
   * MMU's model of the loads by MOV to CR0/CR3/CR4, SDM vol 3A 4.4.1), as
   * after any such MOV (sys-cr.ts) or a change of the second stage.
   */
  pdptes: Uint32Array | null = null;

  /** The second stage in force, null when guest-physical = host-physical. */
  get stage2(): Stage2 | null { return this.s2; }

  /**
   * Installs or removes the second stage. Every TLB entry holds a combined
   * translation, so all of them go (and with them the block lookup's).
   */
  setStage2(s2: Stage2 | null): void {
    this.s2 = s2;
    this.pdptes = null;
    this.flushAll();
  }

  flushAll(): void { for (const t of this.tlbs) t.flush(); this.bumpEpoch(); }

  /** INVLPG semantics for one linear page (SDM vol 3A, 4.10.4.1). */
  flushPage(lin: number): void {
    const lpn = Math.floor(lin / PAGE_SIZE);
    const i = lpn & TLB_MASK;
    for (const t of this.tlbs) if (t.tag[i] === lpn) t.tag[i] = -1;
    this.bumpEpoch();
  }

  /** Drops write entries that point at a physical page (it now holds decoded code). */
  protectCodePage(pfn: number): void {
    for (let k = 2; k < 4; k++) {
      const t = this.tlbs[k];
      for (let i = 0; i < TLB_SIZE; i++) if (t.tag[i] !== -1 && t.phys[i] === pfn * PAGE_SIZE) t.tag[i] = -1;
    }
  }

  /**
   * Translates and fills the TLB. Returns the physical address.
   * `user`: the access is made at CPL 3 (explicit accesses only; descriptor
   * table and TSS accesses are supervisor accesses, SDM vol 3A, 4.6).
   */
  translate(lin: number, access: Access, user: boolean, implicit = false): number {
    const lpn = Math.floor(lin / PAGE_SIZE);
    const off = lin - lpn * PAGE_SIZE;
    const k = access * 2 + (user ? 1 : 0);
    const t = this.tlbs[k];
    const i = lpn & TLB_MASK;
    if (t.tag[i] === lpn) return t.phys[i] + off;
    let physPage = (this.s.cr0 & CR0_PG) === 0 ? lpn * PAGE_SIZE : this.walk(lin, access, user, implicit);
    const s2 = this.s2;
    if (s2 !== null) physPage = s2.translate(physPage + off, access, user, false, lin) - off;
    const pfn = physPage / PAGE_SIZE;
    if (t.tag[i] === -1) t.noteFill(i);
    t.tag[i] = lpn;
    t.phys[i] = physPage;
    t.page[i] = access === Access.Write && this.mem.codePages[pfn] ? null : this.mem.page(pfn);
    return physPage + off;
  }

  private pf(lin: number, code: number, access: Access, user: boolean): CpuFault {
    let ec = code;
    if (access === Access.Write) ec |= PFEC_W;
    if (user) ec |= PFEC_U;
    // I/D is reported only when NX or SMEP is enabled (SDM vol 3A, 4.7).
    if (access === Access.Fetch && ((this.s.efer & EFER_NXE) || (this.s.cr4 & CR4_SMEP))) ec |= PFEC_I;
    return new CpuFault(14, ec, lin, 'page fault');
  }

  /**
   * Reads a paging-structure entry at guest-physical `addr`: [lo, hi]. An
   * entry is 4 or 8 aligned bytes, so one second-stage translation covers it.
   */
  private entry(addr: number, wide: boolean, user: boolean, lin: number): [number, number] {
    const a = this.s2 === null ? addr : this.s2.translate(addr, Access.Read, user, true, lin);
    const lo = this.mem.read(a, 4);
    return [lo, wide ? this.mem.read(a + 4, 4) : 0];
  }

  /** Sets A/D flags in the entry at guest-physical `addr` (a write of the guest's paging structures). */
  private setBits(addr: number, lo: number, bits: number, user: boolean, lin: number): void {
    if ((lo & bits) === bits) return;
    const a = this.s2 === null ? addr : this.s2.translate(addr, Access.Write, user, true, lin);
    this.mem.write(a, 4, (lo | bits) >>> 0);
  }

  /** Walks the paging structures for `lin` (SDM vol 3A, 4.3, 4.4, 4.5). Returns the 4 KiB physical page base. */
  private walk(lin: number, access: Access, user: boolean, implicit: boolean): number {
    const s = this.s;
    const nxe = (s.efer & EFER_NXE) !== 0;
    let writable = true, userOk = true, nx = false;
    const path: { addr: number; lo: number }[] = [];
    let pageBase: number;
    let pageSize: number;

    const check = (lo: number, hi: number, leafLevel: boolean): void => {
      if ((lo & 1) === 0) throw this.pf(lin, 0, access, user);
      // Reserved bits: above MAXPHYADDR, and XD when EFER.NXE=0 (SDM vol 3A, 4.4.2 / 4.5.4).
      if ((hi & this.rsvdHi) !== 0 || (!nxe && hi >>> 31)) throw this.pf(lin, PFEC_P | PFEC_RSVD, access, user);
      if ((lo & 2) === 0) writable = false;
      if ((lo & 4) === 0) userOk = false;
      if (nxe && hi >>> 31) nx = true;
      void leafLevel;
    };

    if ((s.cr4 & CR4_PAE) === 0) {
      // 32-bit paging (SDM vol 3A, 4.3).
      const pdeAddr = (s.cr3 & 0xfffff000) + ((lin >>> 22) << 2);
      const [pde] = this.entry(pdeAddr, false, user, lin);
      check(pde, 0, false);
      path.push({ addr: pdeAddr, lo: pde });
      if ((pde & 0x80) && (s.cr4 & CR4_PSE)) {
        // 4 MiB page; PSE-36 bits 20:13 give physical bits 39:32.
        pageBase = (pde & 0xffc00000) >>> 0;
        pageBase += ((pde >>> 13) & 0xff) * TWO32;
        pageSize = 0x400000;
        if (pde & 0x200000) throw this.pf(lin, PFEC_P | PFEC_RSVD, access, user);
      } else {
        const pteAddr = (pde & 0xfffff000) + (((lin >>> 12) & 0x3ff) << 2);
        const [pte] = this.entry(pteAddr >>> 0, false, user, lin);
        check(pte, 0, true);
        path.push({ addr: pteAddr >>> 0, lo: pte });
        pageBase = (pte & 0xfffff000) >>> 0;
        pageSize = PAGE_SIZE;
      }
    } else {
      const long = (s.efer & EFER_LMA) !== 0;
      let tableBase: number;
      let level: number;
      if (long) {
        tableBase = (s.cr3 & 0xfffff000) >>> 0;
        tableBase += (s.cr3Hi & 0xfffff) * TWO32;
        level = 4;
      } else {
        // PAE: the PDPTE selected by bits 31:30 (SDM vol 3A, 4.4.1). Its
        // P bit and reserved bits are checked; it has no R/W or U/S bits.
        const pdpteAddr = ((s.cr3 & 0xffffffe0) >>> 0) + ((lin >>> 30) << 3);
        const r = this.pdptes, k = (lin >>> 30) * 2;
        const [lo, hi] = r !== null ? [r[k], r[k + 1]] : this.entry(pdpteAddr, true, user, lin);
        if ((lo & 1) === 0) throw this.pf(lin, 0, access, user);
        if ((lo & 0x1e6) || (hi & this.rsvdHi) || hi >>> 31) throw this.pf(lin, PFEC_P | PFEC_RSVD, access, user);
        tableBase = ((lo & 0xfffff000) >>> 0) + (hi & 0xfffff) * TWO32;
        level = 2;
      }
      for (;;) {
        // Index bits for this level: 47:39, 38:30, 29:21, 20:12.
        const shift = 12 + 9 * (level - 1);
        const idx = Math.floor(lin / 2 ** shift) & 0x1ff;
        const addr = tableBase + idx * 8;
        const [lo, hi] = this.entry(addr, true, user, lin);
        check(lo, hi, level === 1);
        path.push({ addr, lo });
        const base = ((lo & 0xfffff000) >>> 0) + (hi & 0xfffff) * TWO32;
        if (level === 1) { pageBase = base; pageSize = PAGE_SIZE; break; }
        if (lo & 0x80) {
          // Large page: PS=1 in a PDE (2 MiB) or PDPTE (1 GiB; SDM vol 3A, 4.5.4).
          if (level === 4) throw this.pf(lin, PFEC_P | PFEC_RSVD, access, user);
          pageSize = 2 ** shift;
          // Bits between 12 and the page size (except PAT bit 12) are reserved.
          const rsvdLow = (pageSize - 1) & 0xffffe000;
          if ((lo & rsvdLow) || (level === 3 && (hi & ((pageSize - 1) / TWO32)))) {
            throw this.pf(lin, PFEC_P | PFEC_RSVD, access, user);
          }
          pageBase = base - (base % pageSize);
          break;
        }
        tableBase = base;
        level--;
      }
    }

    // Permission checks (SDM vol 3A, 4.6).
    const cr4 = s.cr4;
    if (user) {
      if (!userOk) throw this.pf(lin, PFEC_P, access, user);
      if (access === Access.Write && !writable) throw this.pf(lin, PFEC_P, access, user);
    } else {
      if (access === Access.Write && !writable && (s.cr0 & CR0_WP)) throw this.pf(lin, PFEC_P, access, user);
      if (userOk && access === Access.Fetch && (cr4 & CR4_SMEP)) throw this.pf(lin, PFEC_P, access, user);
      if (userOk && access !== Access.Fetch && (cr4 & CR4_SMAP) && (implicit || (s.flagsRest & AC) === 0)) {
        throw this.pf(lin, PFEC_P, access, user);
      }
    }
    if (access === Access.Fetch && nx) throw this.pf(lin, PFEC_P, access, user);

    // Accessed flags on every entry used, dirty on the leaf for writes (SDM vol 3A, 4.8).
    for (let j = 0; j < path.length; j++) {
      const leaf = j === path.length - 1;
      this.setBits(path[j].addr, path[j].lo, leaf && access === Access.Write ? 0x60 : 0x20, user, lin);
    }
    const within = lin % pageSize!;
    return pageBase! + (within - (within % PAGE_SIZE));
  }
}
