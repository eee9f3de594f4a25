// Linear -> physical translation (SDM vol 3A, chapter 4 "Paging") with
// direct-mapped TLBs. Each TLB holds, per linear page, the backing RAM page
// (fast path) or null for MMIO / unbacked / code pages (slow path).
import { PhysicalMemory, PAGE_SIZE } from '../mem/physmem';
import { CpuFault } from './fault';
import { CpuState } from './state';
import { CR0_PG, CR0_WP, CR4_PAE, CR4_PSE, CR4_SMEP, CR4_SMAP, EFER_LMA, EFER_NXE, AC } from './regs';

export const enum Access { Read = 0, Write = 1, Fetch = 2 }

const TLB_BITS = 10;
export const TLB_SIZE = 1 << TLB_BITS;
const TLB_MASK = TLB_SIZE - 1;
const TWO32 = 0x1_0000_0000;

// #PF error code bits (SDM vol 3A, 4.7 figure 4-12).
export const PFEC_P = 1, PFEC_W = 2, PFEC_U = 4, PFEC_RSVD = 8, PFEC_I = 16;

export class Tlb {
  readonly tag = new Float64Array(TLB_SIZE).fill(-1);
  readonly page: (Uint8Array | null)[] = new Array(TLB_SIZE).fill(null);
  readonly phys = new Float64Array(TLB_SIZE);
  // Indices filled since the last flush: a flush (CR3 write, VM entry/exit
  // without VPID) resets only those instead of the whole array.
  private readonly used = new Int32Array(TLB_SIZE);
  private nUsed = 0;
  private overflow = false;

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

export class Mmu {
  /** TLBs indexed by access*2 + (user ? 1 : 0). */
  readonly tlbs: Tlb[] = [new Tlb(), new Tlb(), new Tlb(), new Tlb(), new Tlb(), new Tlb()];
  /** Reserved physical-address bits above MAXPHYADDR in the high half of a 64-bit entry. */
  private rsvdHi: number;

  constructor(private s: CpuState, private mem: PhysicalMemory, readonly physAddrBits = 40) {
    this.rsvdHi = physAddrBits >= 52 ? 0 : ((0xfffff << (physAddrBits - 32)) & 0xfffff) >>> 0;
  }

  /** Bumped by every flush: linear-address caches (the CPU's block lookup) compare it. */
  epoch = 1;

  flushAll(): void { for (const t of this.tlbs) t.flush(); this.epoch++; }

  /** INVLPG semantics for one linear page (SDM vol 3A, 4.10.4.1). */
  flushPage(lin: number): void {
    const lpn = Math.floor(lin / PAGE_SIZE);
    const i = lpn & TLB_MASK;
    for (const t of this.tlbs) if (t.tag[i] === lpn) t.tag[i] = -1;
    this.epoch++;
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
    const physPage = (this.s.cr0 & CR0_PG) === 0 ? lpn * PAGE_SIZE : this.walk(lin, access, user, implicit);
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

  /** Reads a paging-structure entry: [lo, hi]. */
  private entry(addr: number, wide: boolean): [number, number] {
    const lo = this.mem.read(addr, 4);
    return [lo, wide ? this.mem.read(addr + 4, 4) : 0];
  }

  private setBits(addr: number, lo: number, bits: number): void {
    if ((lo & bits) !== bits) this.mem.write(addr, 4, (lo | bits) >>> 0);
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
      const [pde] = this.entry(pdeAddr, false);
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
        const [pte] = this.entry(pteAddr >>> 0, false);
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
        const [lo, hi] = this.entry(pdpteAddr, true);
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
        const [lo, hi] = this.entry(addr, true);
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
      this.setBits(path[j].addr, path[j].lo, leaf && access === Access.Write ? 0x60 : 0x20);
    }
    const within = lin % pageSize!;
    return pageBase! + (within - (within % PAGE_SIZE));
  }
}
