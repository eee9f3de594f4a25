// Guest-state checks on segment registers and descriptor-table registers
// (SDM vol 3C §27.3.1.2, §27.3.1.3). Any failure: VM-entry failure, exit
// reason 0x80000021 (33), qualification 0. "Usable" = access-rights bit 16
// (unusable) is 0. Access rights: type 3:0, S 4, DPL 6:5, P 7, AVL 12, L 13,
// D/B 14, G 15, unusable 16; bits 11:8 and 31:17 reserved.

import { check, EntryCheckDef, EntryCheckRun, EntryCheckFailure, SEG_ES, SEG_CS, SEG_SS, SEG_DS, SEG_FS, SEG_GS, SEG_LDTR, SEG_TR } from './entry-checks-types';
import { VMCS } from './fields';
import { hex, isCanonical } from './bits';

const F = VMCS;
type R = EntryCheckFailure | null;

/** A guest segment register: its index into the run's segment cache and its fields' encodings. */
interface Seg {
  readonly i: number;
  readonly name: string;
  readonly sel: number;
  readonly base: number;
  readonly limit: number;
  readonly ar: number;
}
function seg(i: number, name: 'ES' | 'CS' | 'SS' | 'DS' | 'FS' | 'GS' | 'LDTR' | 'TR'): Seg {
  return { i, name, sel: F[`GUEST_${name}_SELECTOR`], base: F[`GUEST_${name}_BASE`], limit: F[`GUEST_${name}_LIMIT`], ar: F[`GUEST_${name}_AR_BYTES`] };
}
const ES = seg(SEG_ES, 'ES');
const CS = seg(SEG_CS, 'CS');
const SS = seg(SEG_SS, 'SS');
const DS = seg(SEG_DS, 'DS');
const FS = seg(SEG_FS, 'FS');
const GS = seg(SEG_GS, 'GS');
const LDTR = seg(SEG_LDTR, 'LDTR');
const TR = seg(SEG_TR, 'TR');
/** The six segment registers in the order the SDM lists them. */
const SIX = [CS, SS, DS, ES, FS, GS];
const DATA = [DS, ES, FS, GS];
const TR_FS_GS = [TR, FS, GS];
const SS_DS_ES = [SS, DS, ES];
const DTR_BASES = [['GUEST_GDTR_BASE', F.GUEST_GDTR_BASE], ['GUEST_IDTR_BASE', F.GUEST_IDTR_BASE]] as const;
const DTR_LIMITS = [['GUEST_GDTR_LIMIT', F.GUEST_GDTR_LIMIT], ['GUEST_IDTR_LIMIT', F.GUEST_IDTR_LIMIT]] as const;

const SEL = (s: Seg) => `GUEST_${s.name}_SELECTOR`;
const BASE = (s: Seg) => `GUEST_${s.name}_BASE`;
const LIMIT = (s: Seg) => `GUEST_${s.name}_LIMIT`;
const AR = (s: Seg) => `GUEST_${s.name}_AR_BYTES`;

const ar = (x: EntryCheckRun, s: Seg) => x.segAr[s.i];
const sel = (x: EntryCheckRun, s: Seg) => x.segSel[s.i];
const limit = (x: EntryCheckRun, s: Seg) => x.segLimit[s.i];
const baseLo = (x: EntryCheckRun, s: Seg) => x.segBaseLo[s.i];
const baseHi = (x: EntryCheckRun, s: Seg) => x.segBaseHi[s.i];
const usable = (x: EntryCheckRun, s: Seg) => (x.segAr[s.i] & 0x10000) === 0;
const type = (a: number) => a & 15;
const sBit = (a: number) => (a >>> 4) & 1;
const dpl = (a: number) => (a >>> 5) & 3;
const present = (a: number) => (a >>> 7) & 1;
const AR_RSVD = 0xfffe0f00;

/** RFLAGS.VM of the guest: the virtual-8086 checks replace the protected-mode ones. */
const v86 = (x: EntryCheckRun) => ((x.lo(F.GUEST_RFLAGS) >>> 17) & 1) === 1;
/** CS or a usable SS/DS/ES/FS/GS (the registers most protected-mode checks cover). */
const checked = (x: EntryCheckRun, s: Seg) => s === CS || usable(x, s);

function arText(a: number): string {
  return `${hex(a)} (type ${type(a)}, S ${sBit(a)}, DPL ${dpl(a)}, P ${present(a)}, L ${(a >>> 13) & 1}, D/B ${(a >>> 14) & 1}, G ${(a >>> 15) & 1}${(a >>> 16) & 1 ? ', unusable' : ''})`;
}

/** G-bit/limit consistency (SDM 27.3.1.2): G = 1 needs limit bits 11:0 all 1; G = 0 needs bits 31:20 all 0. */
function limitProblem(limit: number, a: number): string | null {
  const g = (a >>> 15) & 1;
  if (g && (limit & 0xfff) !== 0xfff) return 'G = 1 requires limit bits 11:0 = 0xfff';
  if (!g && (limit & 0xfff00000) !== 0) return 'G = 0 requires limit bits 31:20 = 0';
  return null;
}

// ---- 27.3.1.2 selectors ----

/** GUEST-TR-TI — SDM 27.3.1.2: TR selector TI (bit 2) = 0. */
function guestTrTi(x: EntryCheckRun): R {
  const s = sel(x, TR);
  return s & 4 ? x.fail(SEL(TR), hex(s), 'TI (bit 2) = 0 (TR selects from the GDT)') : null;
}

/** GUEST-LDTR-TI — SDM 27.3.1.2: usable LDTR selector TI = 0. */
function guestLdtrTi(x: EntryCheckRun): R {
  const s = sel(x, LDTR);
  if (!usable(x, LDTR) || !(s & 4)) return null;
  return x.fail(SEL(LDTR), hex(s), 'TI (bit 2) = 0 (LDTR selects from the GDT)');
}

/** GUEST-SS-CS-RPL — SDM 27.3.1.2: not v8086, no unrestricted guest: SS.RPL = CS.RPL. */
function guestSsCsRpl(x: EntryCheckRun): R {
  if (v86(x) || x.ug) return null;
  const ss = sel(x, SS);
  const cs = sel(x, CS);
  if ((ss & 3) === (cs & 3)) return null;
  return x.fail(SEL(SS), hex(ss), `RPL (bits 1:0) = CS.RPL = ${cs & 3}`, { related: [{ field: SEL(CS), value: hex(cs) }] });
}

// ---- virtual-8086 guests ----

/** GUEST-V86-BASE — SDM 27.3.1.2: RFLAGS.VM = 1: each base = selector << 4. */
function guestV86Base(x: EntryCheckRun): R {
  if (!v86(x)) return null;
  for (const s of SIX) {
    const want = (sel(x, s) & 0xffff) << 4;
    if (baseLo(x, s) !== want || baseHi(x, s) !== 0) {
      return x.fail(BASE(s), x.hex(s.base), `${hex(want)} (selector << 4, virtual-8086 guest)`, { related: [{ field: SEL(s), value: hex(sel(x, s)) }] });
    }
  }
  return null;
}

/** GUEST-V86-LIMIT — SDM 27.3.1.2: RFLAGS.VM = 1: each limit = 0xFFFF. */
function guestV86Limit(x: EntryCheckRun): R {
  if (!v86(x)) return null;
  for (const s of SIX) if (limit(x, s) !== 0xffff) return x.fail(LIMIT(s), hex(limit(x, s)), '0xffff (virtual-8086 guest)');
  return null;
}

/** GUEST-V86-AR — SDM 27.3.1.2: RFLAGS.VM = 1: each access-rights field = 0xF3. */
function guestV86Ar(x: EntryCheckRun): R {
  if (!v86(x)) return null;
  for (const s of SIX) if (ar(x, s) !== 0xf3) return x.fail(AR(s), arText(ar(x, s)), '0xf3 (present, DPL 3, accessed read/write data; virtual-8086 guest)');
  return null;
}

// ---- bases ----

/** GUEST-BASE-TR-FS-GS-CANON — SDM 27.3.1.2: TR, FS, GS bases canonical, usable or not (Intel 64 CPUs). */
function guestBaseTrFsGsCanon(x: EntryCheckRun): R {
  if (!x.caps.intel64) return null;
  const w = x.caps.linearAddrBits;
  for (const s of TR_FS_GS) {
    if (!isCanonical(baseLo(x, s), baseHi(x, s), w)) return x.fail(BASE(s), x.hex(s.base), `canonical (bits 63:${w - 1} identical)`);
  }
  return null;
}

/** GUEST-BASE-LDTR-CANON — SDM 27.3.1.2: usable LDTR base canonical. */
function guestBaseLdtrCanon(x: EntryCheckRun): R {
  const w = x.caps.linearAddrBits;
  if (!x.caps.intel64 || !usable(x, LDTR) || isCanonical(baseLo(x, LDTR), baseHi(x, LDTR), w)) return null;
  return x.fail(BASE(LDTR), x.hex(LDTR.base), `canonical (bits 63:${w - 1} identical)`);
}

/** GUEST-BASE-CS-HIGH — SDM 27.3.1.2: CS base bits 63:32 = 0. */
function guestBaseCsHigh(x: EntryCheckRun): R {
  return baseHi(x, CS) !== 0 ? x.fail(BASE(CS), x.hex(CS.base), 'bits 63:32 = 0') : null;
}

/** GUEST-BASE-SS-DS-ES-HIGH — SDM 27.3.1.2: usable SS, DS, ES bases have bits 63:32 = 0. */
function guestBaseSsDsEsHigh(x: EntryCheckRun): R {
  for (const s of SS_DS_ES) if (usable(x, s) && baseHi(x, s) !== 0) return x.fail(BASE(s), x.hex(s.base), 'bits 63:32 = 0');
  return null;
}

// ---- access rights, not virtual-8086 ----

/** GUEST-CS-UNUSABLE — SDM 27.3.1.2 (as KVM): CS is always usable. */
function guestCsUnusable(x: EntryCheckRun): R {
  if (usable(x, CS)) return null;
  return x.fail(AR(CS), arText(ar(x, CS)), 'bit 16 (unusable) = 0: CS must be usable');
}

/** GUEST-CS-TYPE — SDM 27.3.1.2: CS type 9, 11, 13 or 15 (accessed code); 3 also with unrestricted guest. */
function guestCsType(x: EntryCheckRun): R {
  if (v86(x)) return null;
  const t = type(ar(x, CS));
  if (t === 9 || t === 11 || t === 13 || t === 15 || (x.ug && t === 3)) return null;
  return x.fail(AR(CS), arText(ar(x, CS)), `type 9, 11, 13 or 15 (accessed code)${x.ug ? ', or 3 (unrestricted guest)' : ''}`);
}

/** GUEST-SS-TYPE — SDM 27.3.1.2: usable SS type 3 or 7 (accessed read/write data). */
function guestSsType(x: EntryCheckRun): R {
  if (v86(x) || !usable(x, SS)) return null;
  const t = type(ar(x, SS));
  if (t === 3 || t === 7) return null;
  return x.fail(AR(SS), arText(ar(x, SS)), 'type 3 or 7 (accessed read/write data)');
}

/** GUEST-DATA-ACCESSED — SDM 27.3.1.2: usable DS/ES/FS/GS have the accessed bit (type bit 0) set. */
function guestDataAccessed(x: EntryCheckRun): R {
  if (v86(x)) return null;
  for (const s of DATA) if (usable(x, s) && !(ar(x, s) & 1)) return x.fail(AR(s), arText(ar(x, s)), 'type bit 0 (accessed) = 1');
  return null;
}

/** GUEST-DATA-CODE-READABLE — SDM 27.3.1.2: a usable DS/ES/FS/GS holding code must be readable. */
function guestDataCodeReadable(x: EntryCheckRun): R {
  if (v86(x)) return null;
  for (const s of DATA) {
    const a = ar(x, s);
    if (usable(x, s) && a & 8 && !(a & 2)) return x.fail(AR(s), arText(a), 'a readable code segment (type bit 1 = 1) when type bit 3 (code) = 1');
  }
  return null;
}

/** GUEST-SEG-S — SDM 27.3.1.2: CS and usable SS/DS/ES/FS/GS are code/data (S = 1). */
function guestSegS(x: EntryCheckRun): R {
  if (v86(x)) return null;
  for (const s of SIX) if (checked(x, s) && !sBit(ar(x, s))) return x.fail(AR(s), arText(ar(x, s)), 'S (bit 4) = 1 (code or data segment)');
  return null;
}

/** GUEST-CS-DPL-TYPE3 — SDM 27.3.1.2: CS type 3 (unrestricted guest) needs DPL 0. */
function guestCsDplType3(x: EntryCheckRun): R {
  const a = ar(x, CS);
  if (v86(x) || type(a) !== 3 || dpl(a) === 0) return null;
  return x.fail(AR(CS), arText(a), 'DPL 0 for CS type 3');
}

/** GUEST-CS-DPL-NONCONF — SDM 27.3.1.2: non-conforming CS (type 9, 11) has DPL = SS.DPL. */
function guestCsDplNonconf(x: EntryCheckRun): R {
  const a = ar(x, CS);
  const t = type(a);
  if (v86(x) || (t !== 9 && t !== 11) || dpl(a) === dpl(ar(x, SS))) return null;
  return x.fail(AR(CS), arText(a), `DPL = SS.DPL = ${dpl(ar(x, SS))} for non-conforming code`, { related: [{ field: AR(SS), value: hex(ar(x, SS)) }] });
}

/** GUEST-CS-DPL-CONF — SDM 27.3.1.2: conforming CS (type 13, 15) has DPL <= SS.DPL. */
function guestCsDplConf(x: EntryCheckRun): R {
  const a = ar(x, CS);
  const t = type(a);
  if (v86(x) || (t !== 13 && t !== 15) || dpl(a) <= dpl(ar(x, SS))) return null;
  return x.fail(AR(CS), arText(a), `DPL <= SS.DPL = ${dpl(ar(x, SS))} for conforming code`, { related: [{ field: AR(SS), value: hex(ar(x, SS)) }] });
}

/** GUEST-SS-DPL-RPL — SDM 27.3.1.2: without unrestricted guest, SS.DPL = SS.RPL. */
function guestSsDplRpl(x: EntryCheckRun): R {
  if (v86(x) || x.ug) return null;
  const a = ar(x, SS);
  const rpl = sel(x, SS) & 3;
  if (dpl(a) === rpl) return null;
  return x.fail(AR(SS), arText(a), `DPL = SS.RPL = ${rpl}`, { related: [{ field: SEL(SS), value: hex(sel(x, SS)) }] });
}

/** GUEST-SS-DPL-REAL — SDM 27.3.1.2: SS.DPL = 0 when CS type is 3 or CR0.PE = 0. */
function guestSsDplReal(x: EntryCheckRun): R {
  if (v86(x)) return null;
  const a = ar(x, SS);
  const real = type(ar(x, CS)) === 3 || (x.lo(F.GUEST_CR0) & 1) === 0;
  if (!real || dpl(a) === 0) return null;
  return x.fail(AR(SS), arText(a), 'DPL 0 (CS type 3 or CR0.PE = 0: real-mode guest)', {
    related: [{ field: AR(CS), value: hex(ar(x, CS)) }, { field: 'GUEST_CR0', value: x.hex(F.GUEST_CR0) }],
  });
}

/** GUEST-DATA-DPL-RPL — SDM 27.3.1.2: without unrestricted guest, usable DS/ES/FS/GS of type 0-11 have DPL >= RPL. */
function guestDataDplRpl(x: EntryCheckRun): R {
  if (v86(x) || x.ug) return null;
  for (const s of DATA) {
    const a = ar(x, s);
    const rpl = sel(x, s) & 3;
    if (usable(x, s) && type(a) <= 11 && dpl(a) < rpl) {
      return x.fail(AR(s), arText(a), `DPL >= RPL = ${rpl} (data or non-conforming code)`, { related: [{ field: SEL(s), value: hex(sel(x, s)) }] });
    }
  }
  return null;
}

/** GUEST-SEG-P — SDM 27.3.1.2: CS and usable SS/DS/ES/FS/GS are present. */
function guestSegP(x: EntryCheckRun): R {
  if (v86(x)) return null;
  for (const s of SIX) if (checked(x, s) && !present(ar(x, s))) return x.fail(AR(s), arText(ar(x, s)), 'P (bit 7) = 1');
  return null;
}

/** GUEST-SEG-AR-RSVD — SDM 27.3.1.2: CS and usable SS/DS/ES/FS/GS have access-rights bits 11:8 and 31:17 = 0. */
function guestSegArRsvd(x: EntryCheckRun): R {
  if (v86(x)) return null;
  for (const s of SIX) if (checked(x, s) && ar(x, s) & AR_RSVD) return x.fail(AR(s), arText(ar(x, s)), 'bits 11:8 and 31:17 = 0 (reserved)');
  return null;
}

/** GUEST-CS-L-DB — SDM 27.3.1.2: IA-32e mode guest with CS.L = 1 needs CS.D/B = 0. */
function guestCsLDb(x: EntryCheckRun): R {
  const a = ar(x, CS);
  if (v86(x) || !x.ia32eGuest || !((a >>> 13) & 1) || !((a >>> 14) & 1)) return null;
  return x.fail(AR(CS), arText(a), "D/B (bit 14) = 0 when L (bit 13) = 1 in an IA-32e mode guest");
}

/** GUEST-SEG-G-LIMIT — SDM 27.3.1.2: CS and usable SS/DS/ES/FS/GS have limits consistent with G. */
function guestSegGLimit(x: EntryCheckRun): R {
  if (v86(x)) return null;
  for (const s of SIX) {
    if (!checked(x, s)) continue;
    const p = limitProblem(limit(x, s), ar(x, s));
    if (p) return x.fail(LIMIT(s), hex(limit(x, s)), p, { related: [{ field: AR(s), value: hex(ar(x, s)) }] });
  }
  return null;
}

// ---- TR ----

/** GUEST-TR-TYPE — SDM 27.3.1.2: TR type 11 (busy 32/64-bit TSS), or 3 (busy 16-bit TSS) outside IA-32e mode. */
function guestTrType(x: EntryCheckRun): R {
  const a = ar(x, TR);
  const t = type(a);
  if (t === 11 || (t === 3 && !x.ia32eGuest)) return null;
  return x.fail(AR(TR), arText(a), x.ia32eGuest ? 'type 11 (busy 64-bit TSS) in an IA-32e mode guest' : 'type 3 (busy 16-bit TSS) or 11 (busy 32-bit TSS)');
}

/** GUEST-TR-S — SDM 27.3.1.2: TR is a system segment (S = 0). */
function guestTrS(x: EntryCheckRun): R {
  const a = ar(x, TR);
  return sBit(a) ? x.fail(AR(TR), arText(a), 'S (bit 4) = 0 (system segment)') : null;
}

/** GUEST-TR-P — SDM 27.3.1.2: TR is present. */
function guestTrP(x: EntryCheckRun): R {
  const a = ar(x, TR);
  return present(a) ? null : x.fail(AR(TR), arText(a), 'P (bit 7) = 1');
}

/** GUEST-TR-AR-RSVD — SDM 27.3.1.2: TR access-rights bits 11:8 and 31:17 = 0. */
function guestTrArRsvd(x: EntryCheckRun): R {
  const a = ar(x, TR);
  return a & AR_RSVD ? x.fail(AR(TR), arText(a), 'bits 11:8 and 31:17 = 0 (reserved)') : null;
}

/** GUEST-TR-G-LIMIT — SDM 27.3.1.2: TR limit consistent with G. */
function guestTrGLimit(x: EntryCheckRun): R {
  const p = limitProblem(limit(x, TR), ar(x, TR));
  return p ? x.fail(LIMIT(TR), hex(limit(x, TR)), p, { related: [{ field: AR(TR), value: hex(ar(x, TR)) }] }) : null;
}

/** GUEST-TR-UNUSABLE — SDM 27.3.1.2: TR is usable. */
function guestTrUnusable(x: EntryCheckRun): R {
  return usable(x, TR) ? null : x.fail(AR(TR), arText(ar(x, TR)), 'bit 16 (unusable) = 0: TR must be usable');
}

// ---- LDTR (only if usable) ----

/** GUEST-LDTR-TYPE — SDM 27.3.1.2: usable LDTR has type 2. */
function guestLdtrType(x: EntryCheckRun): R {
  const a = ar(x, LDTR);
  return usable(x, LDTR) && type(a) !== 2 ? x.fail(AR(LDTR), arText(a), 'type 2 (LDT)') : null;
}

/** GUEST-LDTR-S — SDM 27.3.1.2: usable LDTR is a system segment (S = 0). */
function guestLdtrS(x: EntryCheckRun): R {
  const a = ar(x, LDTR);
  return usable(x, LDTR) && sBit(a) ? x.fail(AR(LDTR), arText(a), 'S (bit 4) = 0 (system segment)') : null;
}

/** GUEST-LDTR-P — SDM 27.3.1.2: usable LDTR is present. */
function guestLdtrP(x: EntryCheckRun): R {
  const a = ar(x, LDTR);
  return usable(x, LDTR) && !present(a) ? x.fail(AR(LDTR), arText(a), 'P (bit 7) = 1') : null;
}

/** GUEST-LDTR-AR-RSVD — SDM 27.3.1.2: usable LDTR access-rights bits 11:8 and 31:17 = 0. */
function guestLdtrArRsvd(x: EntryCheckRun): R {
  const a = ar(x, LDTR);
  return usable(x, LDTR) && a & AR_RSVD ? x.fail(AR(LDTR), arText(a), 'bits 11:8 and 31:17 = 0 (reserved)') : null;
}

/** GUEST-LDTR-G-LIMIT — SDM 27.3.1.2: usable LDTR limit consistent with G. */
function guestLdtrGLimit(x: EntryCheckRun): R {
  if (!usable(x, LDTR)) return null;
  const p = limitProblem(limit(x, LDTR), ar(x, LDTR));
  return p ? x.fail(LIMIT(LDTR), hex(limit(x, LDTR)), p, { related: [{ field: AR(LDTR), value: hex(ar(x, LDTR)) }] }) : null;
}

// ---- 27.3.1.3 descriptor-table registers ----

/** GUEST-GDTR-IDTR-BASE — SDM 27.3.1.3: GDTR and IDTR bases canonical (Intel 64 CPUs). */
function guestGdtrIdtrBase(x: EntryCheckRun): R {
  if (!x.caps.intel64) return null;
  const w = x.caps.linearAddrBits;
  for (const [n, e] of DTR_BASES) {
    if (!isCanonical(x.lo(e), x.hi(e), w)) return x.fail(n, x.hex(e), `canonical (bits 63:${w - 1} identical)`);
  }
  return null;
}

/** GUEST-GDTR-IDTR-LIMIT — SDM 27.3.1.3: GDTR and IDTR limits have bits 31:16 = 0. */
function guestGdtrIdtrLimit(x: EntryCheckRun): R {
  for (const [n, e] of DTR_LIMITS) {
    if (x.lo(e) & 0xffff0000) return x.fail(n, hex(x.lo(e)), '0x0-0xffff (bits 31:16 = 0)');
  }
  return null;
}

const S2 = '27.3.1.2';
const S3 = '27.3.1.3';

export const GUEST_SEG_CHECKS: readonly EntryCheckDef[] = [
  check('GUEST-TR-TI', S2, 'guest', 'TR selector TI must be 0', guestTrTi),
  check('GUEST-LDTR-TI', S2, 'guest', 'a usable LDTR selector must have TI = 0', guestLdtrTi),
  check('GUEST-SS-CS-RPL', S2, 'guest', 'SS.RPL must equal CS.RPL (no unrestricted guest, not virtual-8086)', guestSsCsRpl),
  check('GUEST-V86-BASE', S2, 'guest', 'virtual-8086 guest: segment bases must be selector << 4', guestV86Base),
  check('GUEST-V86-LIMIT', S2, 'guest', 'virtual-8086 guest: segment limits must be 0xFFFF', guestV86Limit),
  check('GUEST-V86-AR', S2, 'guest', 'virtual-8086 guest: access rights must be 0xF3', guestV86Ar),
  check('GUEST-BASE-TR-FS-GS-CANON', S2, 'guest', 'TR, FS and GS bases must be canonical', guestBaseTrFsGsCanon),
  check('GUEST-BASE-LDTR-CANON', S2, 'guest', 'a usable LDTR base must be canonical', guestBaseLdtrCanon),
  check('GUEST-BASE-CS-HIGH', S2, 'guest', 'CS base bits 63:32 must be 0', guestBaseCsHigh),
  check('GUEST-BASE-SS-DS-ES-HIGH', S2, 'guest', 'usable SS, DS, ES bases must have bits 63:32 = 0', guestBaseSsDsEsHigh),
  check('GUEST-CS-UNUSABLE', S2, 'guest', 'CS must be usable', guestCsUnusable),
  check('GUEST-CS-TYPE', S2, 'guest', 'CS must be accessed code (type 9, 11, 13, 15; 3 with unrestricted guest)', guestCsType),
  check('GUEST-SS-TYPE', S2, 'guest', 'a usable SS must be accessed read/write data (type 3 or 7)', guestSsType),
  check('GUEST-DATA-ACCESSED', S2, 'guest', 'usable DS/ES/FS/GS must have the accessed bit set', guestDataAccessed),
  check('GUEST-DATA-CODE-READABLE', S2, 'guest', 'a usable DS/ES/FS/GS code segment must be readable', guestDataCodeReadable),
  check('GUEST-SEG-S', S2, 'guest', 'CS and usable SS/DS/ES/FS/GS must have S = 1', guestSegS),
  check('GUEST-CS-DPL-TYPE3', S2, 'guest', 'CS type 3 requires DPL 0', guestCsDplType3),
  check('GUEST-CS-DPL-NONCONF', S2, 'guest', 'non-conforming CS DPL must equal SS DPL', guestCsDplNonconf),
  check('GUEST-CS-DPL-CONF', S2, 'guest', 'conforming CS DPL must not exceed SS DPL', guestCsDplConf),
  check('GUEST-SS-DPL-RPL', S2, 'guest', 'SS DPL must equal SS RPL (no unrestricted guest)', guestSsDplRpl),
  check('GUEST-SS-DPL-REAL', S2, 'guest', 'SS DPL must be 0 in real mode (CS type 3 or CR0.PE = 0)', guestSsDplReal),
  check('GUEST-DATA-DPL-RPL', S2, 'guest', 'usable DS/ES/FS/GS (type 0-11) need DPL >= RPL (no unrestricted guest)', guestDataDplRpl),
  check('GUEST-SEG-P', S2, 'guest', 'CS and usable SS/DS/ES/FS/GS must be present', guestSegP),
  check('GUEST-SEG-AR-RSVD', S2, 'guest', 'CS and usable SS/DS/ES/FS/GS access-rights reserved bits must be 0', guestSegArRsvd),
  check('GUEST-CS-L-DB', S2, 'guest', 'IA-32e mode guest: CS.L = 1 requires CS.D/B = 0', guestCsLDb),
  check('GUEST-SEG-G-LIMIT', S2, 'guest', 'segment limits must be consistent with G', guestSegGLimit),
  check('GUEST-TR-TYPE', S2, 'guest', 'TR must be a busy TSS (type 11; or 3 outside IA-32e mode)', guestTrType),
  check('GUEST-TR-S', S2, 'guest', 'TR must have S = 0', guestTrS),
  check('GUEST-TR-P', S2, 'guest', 'TR must be present', guestTrP),
  check('GUEST-TR-AR-RSVD', S2, 'guest', 'TR access-rights reserved bits must be 0', guestTrArRsvd),
  check('GUEST-TR-G-LIMIT', S2, 'guest', 'TR limit must be consistent with G', guestTrGLimit),
  check('GUEST-TR-UNUSABLE', S2, 'guest', 'TR must be usable', guestTrUnusable),
  check('GUEST-LDTR-TYPE', S2, 'guest', 'a usable LDTR must have type 2', guestLdtrType),
  check('GUEST-LDTR-S', S2, 'guest', 'a usable LDTR must have S = 0', guestLdtrS),
  check('GUEST-LDTR-P', S2, 'guest', 'a usable LDTR must be present', guestLdtrP),
  check('GUEST-LDTR-AR-RSVD', S2, 'guest', 'usable LDTR access-rights reserved bits must be 0', guestLdtrArRsvd),
  check('GUEST-LDTR-G-LIMIT', S2, 'guest', 'a usable LDTR limit must be consistent with G', guestLdtrGLimit),
  check('GUEST-GDTR-IDTR-BASE', S3, 'guest', 'GDTR and IDTR bases must be canonical', guestGdtrIdtrBase),
  check('GUEST-GDTR-IDTR-LIMIT', S3, 'guest', 'GDTR and IDTR limits must have bits 31:16 = 0', guestGdtrIdtrLimit),
];
