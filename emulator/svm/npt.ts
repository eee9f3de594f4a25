// The nested page table walk (AMD APM vol 2 §15.25 "Nested Paging"): a
// guest-physical address through the tables rooted at N_CR3, in the format
// of the host's paging mode at VMRUN (§15.25.3: long mode 4-level, PAE
// 3-level, legacy 2-level 32-bit), every access treated as a user access
// (§15.25.5: U/S must be 1 at every level), A/D bits set in the entries
// (§15.25.4), and the #NPF error code of a failure (§15.25.6: EXITINFO1 =
// P/RW/US/RSV/ID plus bit 32 "final guest-physical address" or bit 33
// "guest page-table access"; EXITINFO2 = the faulting GPA).
import type { PhysRW } from './phys';
import { NPF_P, NPF_RW, NPF_US, NPF_RSV, NPF_ID, NPF_HI_FINAL_GPA, NPF_HI_GPT } from './exit-codes';

const TWO32 = 0x1_0000_0000;

export type NptAccess = 'read' | 'write' | 'fetch';

/** The NPT format: from the host's CR4.PAE/PSE and EFER.LMA/NXE at VMRUN (§15.25.3). */
export interface NptFormat {
  readonly levels: 2 | 3 | 4;
  /** EFER.NXE of the host: bit 63 is XD, else reserved. */
  readonly nx: boolean;
  /** CR4.PSE for the 2-level format (4 MiB pages). */
  readonly pse: boolean;
  readonly physAddrBits: number;
}

export function nptFormatOf(hostCr4: number, hostEfer: number, physAddrBits: number): NptFormat {
  const pae = (hostCr4 & (1 << 5)) !== 0, lma = (hostEfer & (1 << 10)) !== 0;
  return { levels: lma ? 4 : pae ? 3 : 2, nx: (hostEfer & (1 << 11)) !== 0, pse: (hostCr4 & (1 << 4)) !== 0, physAddrBits };
}

/** A successful walk: the 4 KiB page frame and the combined permissions. */
export interface NptTranslation {
  ok: true;
  /** Physical (here: L1-physical) address of the 4 KiB page holding the GPA. */
  page: number;
  writable: boolean;
  executable: boolean;
}

/** A failed walk: the #NPF EXITINFO1 halves and EXITINFO2 (the GPA). */
export interface NptFault {
  ok: false;
  info1Lo: number;
  info1Hi: number;
  gpa: number;
  /** One line for diagnostics. */
  why: string;
}

export type NptResult = NptTranslation | NptFault;

/**
 * Walks the NPT for `gpa` (a number below 2^52). `final`: the access is the
 * guest's own access (bit 32) rather than a read/write of a guest page-table
 * entry (bit 33). Sets accessed (and for writes, dirty on the leaf) bits.
 */
export function nptWalk(mem: PhysRW, ncr3Lo: number, ncr3Hi: number, fmt: NptFormat, gpa: number, access: NptAccess, final: boolean): NptResult {
  const hiBit = final ? NPF_HI_FINAL_GPA : NPF_HI_GPT;
  const acc = (access === 'write' ? NPF_RW : 0) | NPF_US | (access === 'fetch' && fmt.nx ? NPF_ID : 0);
  const fault = (present: boolean, rsv: boolean, why: string): NptFault => ({
    ok: false, info1Lo: (acc | (present ? NPF_P : 0) | (rsv ? NPF_RSV | NPF_P : 0)) >>> 0, info1Hi: hiBit, gpa, why,
  });
  const rsvdHi = fmt.physAddrBits >= 52 ? 0 : ((0xfffff << (fmt.physAddrBits - 32)) & 0xfffff) >>> 0;
  const wide = fmt.levels !== 2;
  let writable = true, user = true, nx = false;
  const path: { addr: number; lo: number }[] = [];
  let table: number;
  let level: number;
  if (fmt.levels === 4) { table = toNum(ncr3Lo & 0xfffff000, ncr3Hi & 0xfffff); level = 4; }
  else if (fmt.levels === 3) {
    // PAE: N_CR3 points at a 4-entry PDPT (32-byte aligned); PDPTEs have no R/W, U/S (§15.25.3 legacy PAE).
    if (gpa >= TWO32) return fault(false, false, `GPA 0x${gpa.toString(16)} beyond the 32-bit PAE nested space`);
    const pa = ((ncr3Lo & 0xffffffe0) >>> 0) + (Math.floor(gpa / 2 ** 30) & 3) * 8;
    const lo = mem.read(pa, 4) >>> 0, hi = mem.read(pa + 4, 4) >>> 0;
    if (!(lo & 1)) return fault(false, false, 'PDPTE not present');
    if ((lo & 0x1e6) || (hi & rsvdHi)) return fault(true, true, 'PDPTE reserved bits');
    table = toNum(lo & 0xfffff000, hi & 0xfffff);
    level = 2;
  } else {
    if (gpa >= TWO32) return fault(false, false, `GPA 0x${gpa.toString(16)} beyond the 32-bit legacy nested space`);
    table = (ncr3Lo & 0xfffff000) >>> 0;
    level = 2;
  }
  for (;;) {
    const shift = wide ? 12 + 9 * (level - 1) : level === 2 ? 22 : 12;
    const idx = Math.floor(gpa / 2 ** shift) & (wide ? 0x1ff : 0x3ff);
    const addr = table + idx * (wide ? 8 : 4);
    const lo = mem.read(addr, 4) >>> 0;
    const hi = wide ? mem.read(addr + 4, 4) >>> 0 : 0;
    if (!(lo & 1)) return fault(false, false, `level-${level} entry at 0x${addr.toString(16)} not present`);
    if ((hi & rsvdHi) || (!fmt.nx && hi >>> 31)) return fault(true, true, `level-${level} entry reserved bits`);
    if (!(lo & 2)) writable = false;
    if (!(lo & 4)) user = false;
    if (fmt.nx && hi >>> 31) nx = true;
    path.push({ addr, lo });
    const large = level > 1 && (lo & 0x80) !== 0 && (wide || fmt.pse);
    if (level === 4 && (lo & 0x80)) return fault(true, true, 'PS set in a PML4 entry');
    if (level === 1 || large) {
      let page: number;
      if (!wide) {
        page = large ? ((lo & 0xffc00000) >>> 0) + (gpa & 0x3ff000) : (lo & 0xfffff000) >>> 0;
        if (large && (lo & 0x200000)) return fault(true, true, '4 MiB entry reserved bit 21');
      } else {
        const size = 2 ** shift;
        const base = toNum(lo & 0xfffff000, hi & 0xfffff);
        if (large && ((base % size) & ~0x1000) !== 0) return fault(true, true, `large level-${level} entry reserved bits`);
        page = large ? base - (base % size) + (gpa % size) - (gpa % 4096) : base;
      }
      // Permissions: nested walks are user accesses (§15.25.5).
      if (!user) return fault(true, false, 'U/S = 0 in a nested entry (nested accesses are user accesses)');
      if (access === 'write' && !writable) return fault(true, false, 'write to a read-only nested page');
      if (access === 'fetch' && nx) return fault(true, false, 'fetch from a no-execute nested page');
      for (let j = 0; j < path.length; j++) {
        const bits = j === path.length - 1 && access === 'write' ? 0x60 : 0x20;
        if ((path[j].lo & bits) !== bits) mem.write(path[j].addr, 4, (path[j].lo | bits) >>> 0);
      }
      return { ok: true, page, writable, executable: !nx };
    }
    table = wide ? toNum(lo & 0xfffff000, hi & 0xfffff) : (lo & 0xfffff000) >>> 0;
    level--;
  }
}

function toNum(lo: number, hi: number): number {
  return (hi >>> 0) * TWO32 + (lo >>> 0);
}
