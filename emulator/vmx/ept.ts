// The EPT "hardware": EPTP validation and the 4-level walk that translates a
// guest-physical address (SDM vol 3C 29.3 "The extended page-table
// mechanism"), with its two ways to fail: EPT misconfiguration (29.3.3.1,
// exit reason 49) and EPT violation (29.3.3.2, exit reason 48). Memory is
// any physical-address space with dword access: whoever walks decides whose
// (L0 walks L1's EPT12 in L1-physical memory).
//
// Walks happen only when a cached translation is missing, so clarity beats
// speed here; no BigInt (64-bit entries are two dwords).
import type { VmxCaps } from './caps';

const TWO32 = 0x1_0000_0000;

/** Access kinds, as bits 2:0 of the EPT-violation exit qualification (SDM vol 3C table 28-7). */
export const EPT_READ = 1, EPT_WRITE = 2, EPT_EXEC = 4;

/** Exit reasons (vmx-exit-reasons.tsv). */
export const EXIT_EPT_VIOLATION = 48, EXIT_EPT_MISCONFIG = 49;

/** What the walker may rely on: IA32_VMX_EPT_VPID_CAP bits (SDM A.10) and MAXPHYADDR. */
export interface EptCaps {
  readonly physAddrBits: number;
  /** Bit 0: an entry may be execute-only (bits 2:0 = 100b). */
  readonly execOnly: boolean;
  /** Bit 6: 4-level walk. */
  readonly walk4: boolean;
  /** Bits 8 / 14: EPTP memory type UC / WB allowed. */
  readonly uc: boolean;
  readonly wb: boolean;
  /** Bits 16 / 17: 2 MiB / 1 GiB pages (bit 7 of a PDE / PDPTE may be 1). */
  readonly pages2m: boolean;
  readonly pages1g: boolean;
  /** Bit 21: accessed and dirty flags for EPT. */
  readonly ad: boolean;
}

export function eptCapsOf(c: VmxCaps): EptCaps {
  const b = (n: number): boolean => ((c.eptVpidLo >>> n) & 1) === 1;
  return {
    physAddrBits: c.physAddrBits, execOnly: b(0), walk4: b(6), uc: b(8), wb: b(14),
    pages2m: b(16), pages1g: b(17), ad: b(21),
  };
}

/** Bits 51:MAXPHYADDR of an entry's high dword (reserved; SDM vol 3C 29.3.2). */
function rsvdHiMask(physAddrBits: number): number {
  return physAddrBits >= 52 ? 0 : ((0xfffff << (physAddrBits - 32)) & 0xfffff) >>> 0;
}

/** The EPTP fields (SDM vol 3C 25.6.11 "Extended-Page-Table Pointer"). */
export interface Eptp {
  /** Bits 2:0: memory type of the EPT paging structures. */
  readonly memType: number;
  /** Bits 5:3 + 1: page-walk length. */
  readonly walkLength: number;
  /** Bit 6: accessed and dirty flags enabled. */
  readonly ad: boolean;
  /** Bits 51:12: physical address of the EPT PML4 table. */
  readonly pml4: number;
}

export function decodeEptp(lo: number, hi: number): Eptp {
  return {
    memType: lo & 7,
    walkLength: ((lo >>> 3) & 7) + 1,
    ad: (lo & 0x40) !== 0,
    pml4: ((lo & 0xfffff000) >>> 0) + (hi & 0xfffff) * TWO32,
  };
}

/**
 * Why VM entry would reject this EPTP, or null (SDM vol 3C 27.2.1.1, the
 * EPTP checks; the entry checks CTRL-EPTP-* state the same rules).
 */
export function eptpError(caps: EptCaps, lo: number, hi: number): string | null {
  const t = lo & 7;
  if (!((t === 0 && caps.uc) || (t === 6 && caps.wb))) return `memory type ${t} is not a supported one (UC 0 / WB 6)`;
  if (((lo >>> 3) & 7) !== 3 || !caps.walk4) return `page-walk length ${((lo >>> 3) & 7) + 1} is not supported (4)`;
  if ((lo & 0x40) && !caps.ad) return 'accessed/dirty flags enabled (bit 6) but IA32_VMX_EPT_VPID_CAP[21] = 0';
  // Bit 7 (supervisor shadow stacks) is not supported: reserved like bits 11:8.
  if (lo & 0xf80) return 'bits 11:7 must be 0';
  if ((hi >>> 20) !== 0 || (hi & rsvdHiMask(caps.physAddrBits)) !== 0) return `bits 63:${caps.physAddrBits} must be 0`;
  return null;
}

/** Physical memory the walk reads entries from and writes A/D flags to. */
export interface EptMemory {
  read(addr: number, size: 4): number;
  write(addr: number, size: 4, v: number): void;
}

export const enum EptOutcome { Ok = 0, Violation = 1, Misconfig = 2 }

export interface EptWalk {
  outcome: EptOutcome;
  /** Ok: the physical address `gpa` translates to. */
  hpa: number;
  /** Ok: size of the page the leaf maps (4 KiB, 2 MiB, 1 GiB). */
  pageSize: number;
  /**
   * Ok / Violation: logical AND of bits 2:0 (R, W, X) of the entries used,
   * 0 when one was not present (exit-qualification bits 5:3, table 28-7).
   */
  perms: number;
  /** Ok: whether the leaf's dirty flag is set (after this walk). */
  dirty: boolean;
  /** Ok: the leaf's EPT memory type (bits 5:3). */
  memType: number;
  /** Violation / Misconfig: which entry and why, for the trace. */
  detail: string;
}

const LEVEL_NAME = ['', 'PTE', 'PDE', 'PDPTE', 'PML4E'];

/**
 * Translates `gpa` (SDM vol 3C 29.3.2) for an access of the kinds in `access`
 * (EPT_READ | EPT_WRITE | EPT_EXEC; every kind given must be allowed).
 * `setAd`: set accessed/dirty flags (29.3.5) when the EPTP enables them;
 * false for side-effect-free lookups (a debugger).
 */
export function eptWalk(mem: EptMemory, caps: EptCaps, eptp: Eptp, gpa: number, access: number, setAd = true): EptWalk {
  const rsvdHi = rsvdHiMask(caps.physAddrBits);
  const fail = (outcome: EptOutcome, perms: number, detail: string): EptWalk =>
    ({ outcome, hpa: 0, pageSize: 0, perms, dirty: false, memType: 0, detail });
  let table = eptp.pml4;
  let perms = 7;
  const used: number[] = [];
  const usedLo: number[] = [];
  for (let level = 4; level >= 1; level--) {
    const shift = 12 + 9 * (level - 1);
    const addr = table + (Math.floor(gpa / 2 ** shift) & 0x1ff) * 8;
    const lo = mem.read(addr, 4) >>> 0;
    const hi = mem.read(addr + 4, 4) >>> 0;
    const name = LEVEL_NAME[level];
    const rwx = lo & 7;
    // 29.3.2: bits 2:0 all 0 = not present; its other bits are ignored.
    if (rwx === 0) return fail(EptOutcome.Violation, 0, `${name} at 0x${addr.toString(16)} not present`);
    // 29.3.3.1: write without read, or execute-only without support, is a misconfiguration.
    if ((rwx & 3) === 2) return fail(EptOutcome.Misconfig, 0, `${name} at 0x${addr.toString(16)}: writable but not readable (bits 2:0 = ${rwx.toString(2).padStart(3, '0')}b)`);
    if (rwx === 4 && !caps.execOnly) return fail(EptOutcome.Misconfig, 0, `${name} at 0x${addr.toString(16)}: execute-only, not supported`);
    if (hi & rsvdHi) return fail(EptOutcome.Misconfig, 0, `${name} at 0x${addr.toString(16)}: address bits beyond MAXPHYADDR ${caps.physAddrBits}`);
    const large = level > 1 && (lo & 0x80) !== 0;
    const leaf = level === 1 || large;
    // Reserved bits by entry type (29.3.2, formats of the EPT entries).
    if (level === 4 && (lo & 0xf8)) return fail(EptOutcome.Misconfig, 0, `${name} at 0x${addr.toString(16)}: reserved bits 7:3 set`);
    if (large && level === 3 && !caps.pages1g) return fail(EptOutcome.Misconfig, 0, `${name} at 0x${addr.toString(16)}: 1-GByte page (bit 7), not supported`);
    if (large && level === 2 && !caps.pages2m) return fail(EptOutcome.Misconfig, 0, `${name} at 0x${addr.toString(16)}: 2-MByte page (bit 7), not supported`);
    if (!leaf && level < 4 && (lo & 0xf8)) return fail(EptOutcome.Misconfig, 0, `${name} at 0x${addr.toString(16)}: reserved bits 7:3 set`);
    if (large) {
      // Bits 29:12 (1 GiB) / 20:12 (2 MiB) of a large-page entry are reserved.
      const rsvdLow = level === 3 ? 0x3ffff000 : 0x001ff000;
      if (lo & rsvdLow) return fail(EptOutcome.Misconfig, 0, `${name} at 0x${addr.toString(16)}: reserved bits ${level === 3 ? 29 : 20}:12 set`);
    }
    // 29.3.3.1: memory type 2, 3 or 7 in the entry that maps the page.
    const mt = (lo >>> 3) & 7;
    if (leaf && (mt === 2 || mt === 3 || mt === 7)) return fail(EptOutcome.Misconfig, 0, `${name} at 0x${addr.toString(16)}: reserved memory type ${mt}`);
    perms &= rwx;
    used.push(addr);
    usedLo.push(lo);
    const base = ((lo & 0xfffff000) >>> 0) + (hi & 0xfffff) * TWO32;
    if (!leaf) { table = base; continue; }
    const pageSize = 2 ** shift;
    // 29.3.3.2: each kind of the access needs its permission in every entry used.
    const missing = access & ~perms & 7;
    if (missing) {
      const what = missing & EPT_WRITE ? 'write' : missing & EPT_EXEC ? 'instruction fetch' : 'read';
      return fail(EptOutcome.Violation, perms, `${what} not allowed (R/W/X of the translation = ${perms.toString(2).padStart(3, '0')}b)`);
    }
    let dirty = (lo & 0x200) !== 0;
    if (eptp.ad && setAd) {
      // 29.3.5: accessed flag in every entry used; dirty flag in the leaf on writes.
      for (let k = 0; k < used.length; k++) {
        const want = k === used.length - 1 && (access & EPT_WRITE) ? 0x300 : 0x100;
        if ((usedLo[k] & want) !== want) mem.write(used[k], 4, (usedLo[k] | want) >>> 0);
      }
      if (access & EPT_WRITE) dirty = true;
    }
    return { outcome: EptOutcome.Ok, hpa: base - (base % pageSize) + (gpa % pageSize), pageSize, perms, dirty, memType: mt, detail: '' };
  }
  throw new Error('unreachable: an EPT PTE is always a leaf');
}

/**
 * The EPT-violation exit qualification (SDM vol 3C 28.2.1 table 28-7): bits
 * 2:0 the access, 5:3 the translation's R/W/X, 7 guest-linear address valid,
 * 8 (only with 7) the access was to the translation of that linear address
 * rather than to a guest paging-structure entry, 12 NMI unblocking due to
 * IRET. Bits 6 and 9-11 need mode-based execute control / advanced VM-exit
 * information (IA32_VMX_EPT_VPID_CAP[22]), which are not reported: 0.
 */
export function eptViolationQualification(access: number, perms: number, linearValid: boolean, translation: boolean, nmiUnblocking: boolean): number {
  let q = (access & 7) | ((perms & 7) << 3);
  if (linearValid) q |= 0x80 | (translation ? 0x100 : 0);
  if (nmiUnblocking) q |= 0x1000;
  return q >>> 0;
}
