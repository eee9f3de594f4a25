// Guest-state checks on RIP/RFLAGS (SDM vol 3C §27.3.1.4), non-register
// state (§27.3.1.5) and PAE PDPTEs (§27.3.1.6). Failure: VM-entry failure,
// exit reason 0x80000021 (33), qualification 0, except: NMI injection under
// STI blocking -> 3, VMCS link pointer -> 4, PDPTEs -> 2 (SDM §27.8).

import { check, EntryCheckDef, EntryCheckRun, EntryCheckFailure } from './entry-checks-types';
import { VMCS } from './fields';
import { PIN, SECONDARY, ENTRY } from './controls';
import { beyondPhys, hex, hex64, isCanonical, toNumber } from './bits';

const F = VMCS;
/** Gate of the checks that only matter when an event is injected (VM-entry interruption information bit 31). */
const INJECT: readonly ['inject', number] = ['inject', 0x80000000];
type R = EntryCheckFailure | null;

const RFLAGS_TF = 1 << 8;
const RFLAGS_IF = 1 << 9;
const RFLAGS_VM = 1 << 17;
const RFLAGS_RSVD = 0xffc08028; // bits 31:22, 15, 5, 3
const ACT = ['active', 'HLT', 'shutdown', 'wait-for-SIPI'];
const INTR_TYPES = ['external interrupt', 'reserved', 'NMI', 'hardware exception', 'software interrupt', 'privileged software exception', 'software exception', 'other event'];

const csL = (x: EntryCheckRun) => ((x.lo(F.GUEST_CS_AR_BYTES) >>> 13) & 1) === 1;
const ssDpl = (x: EntryCheckRun) => (x.lo(F.GUEST_SS_AR_BYTES) >>> 5) & 3;
const rflags = (x: EntryCheckRun) => x.lo(F.GUEST_RFLAGS);
const intr = (x: EntryCheckRun) => x.lo(F.GUEST_INTERRUPTIBILITY_INFO);
const act = (x: EntryCheckRun) => x.lo(F.GUEST_ACTIVITY_STATE);
const injText = (x: EntryCheckRun) => `${hex(x.intrInfo)} (vector ${x.injVector}, type ${x.injType} ${INTR_TYPES[x.injType]})`;
const injRel = (x: EntryCheckRun) => [{ field: 'VM_ENTRY_INTR_INFO_FIELD', value: injText(x) }];
const actText = (a: number) => `${a} (${ACT[a] ?? 'undefined'})`;

// ---- 27.3.1.4 RIP and RFLAGS ----

/** GUEST-RIP-HIGH — SDM 27.3.1.4: outside 64-bit mode (not IA-32e guest or CS.L = 0), RIP bits 63:32 = 0. */
function guestRipHigh(x: EntryCheckRun): R {
  if ((x.ia32eGuest && csL(x)) || x.hi(F.GUEST_RIP) === 0) return null;
  return x.fail('GUEST_RIP', x.hex(F.GUEST_RIP), 'bits 63:32 = 0 (guest not in 64-bit mode)');
}

/** GUEST-RIP-CANON — SDM 27.3.1.4: in 64-bit mode, RIP canonical for the supported linear-address width. */
function guestRipCanon(x: EntryCheckRun): R {
  const w = x.caps.linearAddrBits;
  if (!x.ia32eGuest || !csL(x) || isCanonical(x.lo(F.GUEST_RIP), x.hi(F.GUEST_RIP), w)) return null;
  return x.fail('GUEST_RIP', x.hex(F.GUEST_RIP), `canonical (bits 63:${w - 1} identical) for a 64-bit guest`);
}

/** GUEST-RFLAGS-RSVD — SDM 27.3.1.4: RFLAGS bits 63:22, 15, 5, 3 = 0 and bit 1 = 1. */
function guestRflagsRsvd(x: EntryCheckRun): R {
  const lo = rflags(x);
  const hi = x.hi(F.GUEST_RFLAGS);
  if (hi === 0 && (lo & RFLAGS_RSVD) === 0 && lo & 2) return null;
  return x.fail('GUEST_RFLAGS', hex64(lo, hi), 'bits 63:22, 15, 5 and 3 = 0, bit 1 = 1');
}

/** GUEST-RFLAGS-VM — SDM 27.3.1.4: RFLAGS.VM = 1 only for a protected-mode guest outside IA-32e mode. */
function guestRflagsVm(x: EntryCheckRun): R {
  if (!(rflags(x) & RFLAGS_VM)) return null;
  const pe = x.lo(F.GUEST_CR0) & 1;
  if (!x.ia32eGuest && pe) return null;
  return x.fail('GUEST_RFLAGS', x.hex(F.GUEST_RFLAGS), "VM (bit 17) = 0 for an IA-32e mode guest or with CR0.PE = 0", {
    related: [{ field: 'VM_ENTRY_CONTROLS', value: hex(x.entry) }, { field: 'GUEST_CR0', value: x.hex(F.GUEST_CR0) }],
  });
}

/** GUEST-RFLAGS-IF-INJ — SDM 27.3.1.4: injecting an external interrupt requires RFLAGS.IF = 1. */
function guestRflagsIfInj(x: EntryCheckRun): R {
  if (!x.inject || x.injType !== 0 || rflags(x) & RFLAGS_IF) return null;
  return x.fail('GUEST_RFLAGS', x.hex(F.GUEST_RFLAGS), 'IF (bit 9) = 1 when injecting an external interrupt', { related: injRel(x) });
}

/**
 * GUEST-FRED-SS — SDM 27.3.1.4 (FRED; per Bochs and the FRED spec, verify):
 * with CR4.FRED = 1, SS.DPL is 0 or 3; SS.DPL = 3 requires IOPL = 0 and
 * no STI blocking; a CPL-0 guest is not in compatibility mode.
 */
function guestFredSs(x: EntryCheckRun): R {
  if (!(x.hi(F.GUEST_CR4) & 1)) return null;
  const d = ssDpl(x);
  const iopl = (rflags(x) >>> 12) & 3;
  let why: string | null = null;
  if (d === 1 || d === 2) why = 'SS.DPL 0 or 3';
  else if (d === 3 && iopl !== 0) why = 'RFLAGS.IOPL = 0 when SS.DPL = 3';
  else if (d === 3 && intr(x) & 1) why = 'no blocking by STI when SS.DPL = 3';
  else if (d === 0 && x.ia32eGuest && !csL(x)) why = 'CS.L = 1 for an IA-32e mode guest at CPL 0';
  if (!why) return null;
  return x.fail('GUEST_SS_AR_BYTES', hex(x.lo(F.GUEST_SS_AR_BYTES)), `${why} (CR4.FRED = 1)`, {
    related: [{ field: 'GUEST_CR4', value: x.hex(F.GUEST_CR4) }, { field: 'GUEST_RFLAGS', value: x.hex(F.GUEST_RFLAGS) }],
  });
}

// ---- 27.3.1.5 non-register state ----

/** GUEST-ACT-RANGE — SDM 27.3.1.5: activity state 0-3 and supported (IA32_VMX_MISC bits 6-8). */
function guestActRange(x: EntryCheckRun): R {
  const a = act(x);
  const misc = x.caps.miscLo;
  if (a === 0 || (a <= 3 && (misc >>> (5 + a)) & 1)) return null;
  const ok = ['0 (active)', ...[1, 2, 3].filter((k) => (misc >>> (5 + k)) & 1).map(actText)].join(', ');
  return x.fail('GUEST_ACTIVITY_STATE', actText(a), `${ok} (IA32_VMX_MISC bits 6-8)`);
}

/** GUEST-ACT-HLT-DPL — SDM 27.3.1.5: HLT activity requires SS.DPL = 0. */
function guestActHltDpl(x: EntryCheckRun): R {
  if (act(x) !== 1 || ssDpl(x) === 0) return null;
  return x.fail('GUEST_ACTIVITY_STATE', actText(1), 'HLT only with SS.DPL = 0', { related: [{ field: 'GUEST_SS_AR_BYTES', value: hex(x.lo(F.GUEST_SS_AR_BYTES)) }] });
}

/** GUEST-ACT-BLOCKING — SDM 27.3.1.5: blocking by STI or MOV SS requires the active state. */
function guestActBlocking(x: EntryCheckRun): R {
  if (!(intr(x) & 3) || act(x) === 0) return null;
  return x.fail('GUEST_ACTIVITY_STATE', actText(act(x)), '0 (active) while blocking by STI or MOV SS', {
    related: [{ field: 'GUEST_INTERRUPTIBILITY_INFO', value: hex(intr(x)) }],
  });
}

/** GUEST-ACT-INJ-HLT — SDM 27.3.1.5: in HLT, only external interrupts, NMIs, #DB, #MC or pending MTF may be injected. */
function guestActInjHlt(x: EntryCheckRun): R {
  if (!x.inject || act(x) !== 1) return null;
  const t = x.injType;
  const v = x.injVector;
  if (t === 0 || t === 2 || (t === 3 && (v === 1 || v === 18)) || (t === 7 && v === 0)) return null;
  return x.fail('VM_ENTRY_INTR_INFO_FIELD', injText(x), 'an external interrupt, NMI, #DB, #MC or pending MTF when the guest is in HLT', {
    related: [{ field: 'GUEST_ACTIVITY_STATE', value: actText(1) }],
  });
}

/** GUEST-ACT-INJ-SHUTDOWN — SDM 27.3.1.5: in shutdown, only NMI or #MC may be injected. */
function guestActInjShutdown(x: EntryCheckRun): R {
  if (!x.inject || act(x) !== 2) return null;
  if (x.injType === 2 || (x.injType === 3 && x.injVector === 18)) return null;
  return x.fail('VM_ENTRY_INTR_INFO_FIELD', injText(x), 'an NMI or #MC when the guest is in shutdown', { related: [{ field: 'GUEST_ACTIVITY_STATE', value: actText(2) }] });
}

/** GUEST-ACT-INJ-SIPI — SDM 27.3.1.5: nothing may be injected in wait-for-SIPI. */
function guestActInjSipi(x: EntryCheckRun): R {
  if (!x.inject || act(x) !== 3) return null;
  return x.fail('VM_ENTRY_INTR_INFO_FIELD', injText(x), 'no injection (valid bit 0) when the guest is in wait-for-SIPI', { related: [{ field: 'GUEST_ACTIVITY_STATE', value: actText(3) }] });
}

/** GUEST-ACT-SMM-SIPI — SDM 27.3.1.5: 'entry to SMM' excludes the wait-for-SIPI state. */
function guestActSmmSipi(x: EntryCheckRun): R {
  if (!(x.entry & ENTRY.ENTRY_TO_SMM) || act(x) !== 3) return null;
  return x.fail('GUEST_ACTIVITY_STATE', actText(3), "not wait-for-SIPI with 'entry to SMM' = 1", { related: [{ field: 'VM_ENTRY_CONTROLS', value: hex(x.entry) }] });
}

/** GUEST-INTR-RSVD — SDM 27.3.1.5: interruptibility bits 31:5 = 0; bit 4 only with SGX and without MOV-SS blocking. */
function guestIntrRsvd(x: EntryCheckRun): R {
  const i = intr(x);
  if ((i & 0xffffffe0) === 0 && (!(i & 0x10) || (x.caps.sgx && !(i & 2)))) return null;
  return x.fail('GUEST_INTERRUPTIBILITY_INFO', hex(i), `bits 31:5 = 0${x.caps.sgx ? '; bit 4 (enclave interruption) only without MOV-SS blocking' : '; bit 4 = 0 (no SGX)'}`);
}

/** GUEST-INTR-STI-MOVSS — SDM 27.3.1.5: not both blocking by STI and by MOV SS. */
function guestIntrStiMovss(x: EntryCheckRun): R {
  return (intr(x) & 3) === 3 ? x.fail('GUEST_INTERRUPTIBILITY_INFO', hex(intr(x)), 'not both bit 0 (STI) and bit 1 (MOV SS)') : null;
}

/** GUEST-INTR-STI-IF — SDM 27.3.1.5: blocking by STI requires RFLAGS.IF = 1. */
function guestIntrStiIf(x: EntryCheckRun): R {
  if (!(intr(x) & 1) || rflags(x) & RFLAGS_IF) return null;
  return x.fail('GUEST_INTERRUPTIBILITY_INFO', hex(intr(x)), 'bit 0 (blocking by STI) = 0 when RFLAGS.IF = 0', { related: [{ field: 'GUEST_RFLAGS', value: x.hex(F.GUEST_RFLAGS) }] });
}

/** GUEST-INTR-INJ-EXTINT — SDM 27.3.1.5: injecting an external interrupt requires no STI/MOV-SS blocking. */
function guestIntrInjExtint(x: EntryCheckRun): R {
  if (!x.inject || x.injType !== 0 || !(intr(x) & 3)) return null;
  return x.fail('GUEST_INTERRUPTIBILITY_INFO', hex(intr(x)), 'bits 1:0 = 0 (no STI/MOV-SS blocking) when injecting an external interrupt', { related: injRel(x) });
}

/** GUEST-INTR-INJ-NMI-MOVSS — SDM 27.3.1.5: injecting an NMI requires no MOV-SS blocking. */
function guestIntrInjNmiMovss(x: EntryCheckRun): R {
  if (!x.inject || x.injType !== 2 || !(intr(x) & 2)) return null;
  return x.fail('GUEST_INTERRUPTIBILITY_INFO', hex(intr(x)), 'bit 1 (MOV-SS blocking) = 0 when injecting an NMI', { related: injRel(x) });
}

/** GUEST-INTR-INJ-NMI-STI — SDM 27.3.1.5, 27.8 (model-specific; nestvirt fails it): NMI injection under STI blocking -> qualification 3. */
function guestIntrInjNmiSti(x: EntryCheckRun): R {
  if (!x.inject || x.injType !== 2 || !(intr(x) & 1)) return null;
  return x.fail('GUEST_INTERRUPTIBILITY_INFO', hex(intr(x)), 'bit 0 (STI blocking) = 0 when injecting an NMI', { related: injRel(x), qualification: 3 });
}

/** GUEST-INTR-SMI-OUTSIDE-SMM — SDM 27.3.1.5: blocking by SMI only in SMM. */
function guestIntrSmiOutsideSmm(x: EntryCheckRun): R {
  if (!(intr(x) & 4) || x.inSmm) return null;
  return x.fail('GUEST_INTERRUPTIBILITY_INFO', hex(intr(x)), 'bit 2 (blocking by SMI) = 0 outside SMM');
}

/** GUEST-INTR-SMI-ENTRY-SMM — SDM 27.3.1.5: 'entry to SMM' requires blocking by SMI. */
function guestIntrSmiEntrySmm(x: EntryCheckRun): R {
  if (!(x.entry & ENTRY.ENTRY_TO_SMM) || intr(x) & 4) return null;
  return x.fail('GUEST_INTERRUPTIBILITY_INFO', hex(intr(x)), "bit 2 (blocking by SMI) = 1 with 'entry to SMM' = 1", { related: [{ field: 'VM_ENTRY_CONTROLS', value: hex(x.entry) }] });
}

/** GUEST-INTR-VNMI-INJ — SDM 27.3.1.5: with 'virtual NMIs', injecting an NMI requires no (virtual-)NMI blocking. */
function guestIntrVnmiInj(x: EntryCheckRun): R {
  if (!(x.pin & PIN.VIRTUAL_NMIS) || !x.inject || x.injType !== 2 || !(intr(x) & 8)) return null;
  return x.fail('GUEST_INTERRUPTIBILITY_INFO', hex(intr(x)), "bit 3 (virtual-NMI blocking) = 0 when injecting an NMI with 'virtual NMIs' = 1", { related: injRel(x) });
}

/** GUEST-PDE-RSVD — SDM 27.3.1.5: pending debug exceptions bits 11:4, 13, 15, 63:17 = 0. */
function guestPdeRsvd(x: EntryCheckRun): R {
  const lo = x.lo(F.GUEST_PENDING_DBG_EXCEPTIONS);
  const hi = x.hi(F.GUEST_PENDING_DBG_EXCEPTIONS);
  if ((lo & 0xfffeaff0) === 0 && hi === 0) return null;
  return x.fail('GUEST_PENDING_DBG_EXCEPTIONS', hex64(lo, hi), 'only B3:0 (bits 3:0), enabled breakpoint (12), BS (14), RTM (16)');
}

/**
 * GUEST-PDE-BS — SDM 27.3.1.5: with STI/MOV-SS blocking or HLT, BS (bit 14)
 * = 1 exactly when RFLAGS.TF = 1 and IA32_DEBUGCTL.BTF = 0.
 */
function guestPdeBs(x: EntryCheckRun): R {
  if (!(intr(x) & 3) && act(x) !== 1) return null;
  const tf = (rflags(x) & RFLAGS_TF) !== 0;
  const btf = (x.lo(F.GUEST_IA32_DEBUGCTL) & 2) !== 0;
  const want = tf && !btf;
  const bs = (x.lo(F.GUEST_PENDING_DBG_EXCEPTIONS) & 0x4000) !== 0;
  if (bs === want) return null;
  return x.fail('GUEST_PENDING_DBG_EXCEPTIONS', x.hex(F.GUEST_PENDING_DBG_EXCEPTIONS), `BS (bit 14) = ${want ? 1 : 0} (RFLAGS.TF = ${tf ? 1 : 0}, DEBUGCTL.BTF = ${btf ? 1 : 0}) while blocking by STI/MOV SS or in HLT`, {
    related: [
      { field: 'GUEST_RFLAGS', value: x.hex(F.GUEST_RFLAGS) },
      { field: 'GUEST_IA32_DEBUGCTL', value: x.hex(F.GUEST_IA32_DEBUGCTL) },
      { field: 'GUEST_INTERRUPTIBILITY_INFO', value: hex(intr(x)) },
      { field: 'GUEST_ACTIVITY_STATE', value: actText(act(x)) },
    ],
  });
}

/** GUEST-PDE-RTM — SDM 27.3.1.5: RTM (bit 16) needs bits 11:0 and 15:13 = 0, bit 12 = 1, RTM support and no MOV-SS blocking. */
function guestPdeRtm(x: EntryCheckRun): R {
  const lo = x.lo(F.GUEST_PENDING_DBG_EXCEPTIONS);
  if (!(lo & 0x10000)) return null;
  let why: string | null = null;
  if (!x.caps.rtm) why = 'bit 16 (RTM) = 0: the CPU has no RTM';
  else if (lo & 0xefff) why = 'bits 11:0 and 15:13 = 0 with bit 16 (RTM)';
  else if (!(lo & 0x1000)) why = 'bit 12 (enabled breakpoint) = 1 with bit 16 (RTM)';
  else if (intr(x) & 2) why = 'no MOV-SS blocking with bit 16 (RTM)';
  if (!why) return null;
  return x.fail('GUEST_PENDING_DBG_EXCEPTIONS', x.hex(F.GUEST_PENDING_DBG_EXCEPTIONS), why);
}

function linkPointer(x: EntryCheckRun): [number, number] | null {
  const lo = x.lo(F.VMCS_LINK_POINTER);
  const hi = x.hi(F.VMCS_LINK_POINTER);
  return lo === 0xffffffff && hi === 0xffffffff ? null : [lo, hi];
}

/** GUEST-LINK-ALIGN — SDM 27.3.1.5: a VMCS link pointer other than all-ones is 4K aligned within MAXPHYADDR (qualification 4). */
function guestLinkAlign(x: EntryCheckRun): R {
  const p = linkPointer(x);
  if (!p || ((p[0] & 0xfff) === 0 && !beyondPhys(p[0], p[1], x.caps.physAddrBits))) return null;
  return x.fail('VMCS_LINK_POINTER', hex64(p[0], p[1]), `0xffffffffffffffff, or 4-KByte aligned below 2^${x.caps.physAddrBits}`, { qualification: 4 });
}

/**
 * GUEST-LINK-REVID — SDM 27.3.1.5: the VMCS at the link pointer has the
 * revision id in bits 30:0 and bit 31 = 'VMCS shadowing' (qualification 4).
 */
function guestLinkRevid(x: EntryCheckRun): R {
  const p = linkPointer(x);
  if (!p) return null;
  const dw = x.ctx.readPhys(toNumber(p[0], p[1]), 4) >>> 0;
  const shadowing = (x.sec & SECONDARY.VMCS_SHADOWING) !== 0 ? 1 : 0;
  if ((dw & 0x7fffffff) === x.caps.revisionId && dw >>> 31 === shadowing) return null;
  return x.fail('VMCS_LINK_POINTER', hex64(p[0], p[1]), `a VMCS whose dword 0 is ${hex((x.caps.revisionId | (shadowing << 31)) >>> 0)} (revision id, shadow bit = 'VMCS shadowing' ${shadowing})`, {
    related: [{ field: 'dword 0 at the link pointer', value: hex(dw) }],
    qualification: 4,
  });
}

/** GUEST-LINK-SELF — SDM 27.3.1.5: outside SMM (or with 'entry to SMM'), the link pointer is not the current-VMCS pointer (qualification 4). */
function guestLinkSelf(x: EntryCheckRun): R {
  const p = linkPointer(x);
  if (!p || (x.inSmm && !(x.entry & ENTRY.ENTRY_TO_SMM))) return null;
  if (toNumber(p[0], p[1]) !== x.ctx.currentVmcsPointer) return null;
  return x.fail('VMCS_LINK_POINTER', hex64(p[0], p[1]), 'not the current-VMCS pointer', { qualification: 4 });
}

// ---- 27.3.1.6 PDPTEs ----

const PDPTE_RSVD = 0x1e6; // bits 8:5, 2:1

/** Guest uses PAE paging: CR0.PG = 1, CR4.PAE = 1, not IA-32e mode. */
function paePaging(x: EntryCheckRun): boolean {
  return (x.lo(F.GUEST_CR0) >>> 31) === 1 && (x.lo(F.GUEST_CR4) & 0x20) !== 0 && !x.ia32eGuest;
}

function pdpteProblem(lo: number, hi: number, maxPhys: number): boolean {
  return (lo & 1) === 1 && ((lo & PDPTE_RSVD) !== 0 || beyondPhys(lo, hi, maxPhys));
}

const PDPTE_FIELDS = ['GUEST_PDPTE0', 'GUEST_PDPTE1', 'GUEST_PDPTE2', 'GUEST_PDPTE3'] as const;

/** GUEST-PDPTE-EPT — SDM 27.3.1.6: PAE guest with EPT: present PDPTE fields have no reserved bits (qualification 2). */
function guestPdpteEpt(x: EntryCheckRun): R {
  if (!paePaging(x) || !x.ept) return null;
  for (const n of PDPTE_FIELDS) {
    const e = F[n];
    if (pdpteProblem(x.lo(e), x.hi(e), x.caps.physAddrBits)) {
      return x.fail(n, x.hex(e), `P = 0, or bits 2:1, 8:5 and 63:${x.caps.physAddrBits} = 0`, { qualification: 2 });
    }
  }
  return null;
}

/** GUEST-PDPTE-MEM — SDM 27.3.1.6, 27.3.2.4: PAE guest without EPT: the PDPTEs loaded from CR3[31:5] have no reserved bits (qualification 2). */
function guestPdpteMem(x: EntryCheckRun): R {
  if (!paePaging(x) || x.ept) return null;
  const base = (x.lo(F.GUEST_CR3) & 0xffffffe0) >>> 0;
  for (let i = 0; i < 4; i++) {
    const a = base + i * 8;
    const lo = x.ctx.readPhys(a, 4) >>> 0;
    const hi = x.ctx.readPhys(a + 4, 4) >>> 0;
    if (pdpteProblem(lo, hi, x.caps.physAddrBits)) {
      return x.fail(`PDPTE${i} at ${hex(a)} (GUEST_CR3 ${x.hex(F.GUEST_CR3)})`, hex64(lo, hi), `P = 0, or bits 2:1, 8:5 and 63:${x.caps.physAddrBits} = 0`, { qualification: 2 });
    }
  }
  return null;
}

const S4 = '27.3.1.4';
const S5 = '27.3.1.5';
const S6 = '27.3.1.6';

export const GUEST_STATE_CHECKS: readonly EntryCheckDef[] = [
  check('GUEST-RIP-HIGH', S4, 'guest', 'RIP bits 63:32 must be 0 outside 64-bit mode', guestRipHigh),
  check('GUEST-RIP-CANON', S4, 'guest', 'RIP must be canonical in 64-bit mode', guestRipCanon),
  check('GUEST-RFLAGS-RSVD', S4, 'guest', 'RFLAGS reserved bits must be 0 and bit 1 must be 1', guestRflagsRsvd),
  check('GUEST-RFLAGS-VM', S4, 'guest', 'RFLAGS.VM = 1 needs a protected-mode guest outside IA-32e mode', guestRflagsVm),
  check('GUEST-RFLAGS-IF-INJ', S4, 'guest', 'injecting an external interrupt needs RFLAGS.IF = 1', guestRflagsIfInj, { gate: INJECT }),
  check('GUEST-FRED-SS', S4, 'guest', 'with CR4.FRED = 1, SS.DPL, IOPL and STI blocking must be consistent', guestFredSs),
  check('GUEST-ACT-RANGE', S5, 'guest', 'activity state must be 0-3 and supported', guestActRange),
  check('GUEST-ACT-HLT-DPL', S5, 'guest', 'HLT activity state needs SS.DPL = 0', guestActHltDpl),
  check('GUEST-ACT-BLOCKING', S5, 'guest', 'STI/MOV-SS blocking needs the active state', guestActBlocking),
  check('GUEST-ACT-INJ-HLT', S5, 'guest', 'in HLT, only external interrupts, NMI, #DB, #MC or pending MTF may be injected', guestActInjHlt, { gate: INJECT }),
  check('GUEST-ACT-INJ-SHUTDOWN', S5, 'guest', 'in shutdown, only NMI or #MC may be injected', guestActInjShutdown, { gate: INJECT }),
  check('GUEST-ACT-INJ-SIPI', S5, 'guest', 'in wait-for-SIPI, nothing may be injected', guestActInjSipi, { gate: INJECT }),
  check('GUEST-ACT-SMM-SIPI', S5, 'guest', "'entry to SMM' excludes wait-for-SIPI", guestActSmmSipi, { gate: ['entry', ENTRY.ENTRY_TO_SMM] }),
  check('GUEST-INTR-RSVD', S5, 'guest', 'interruptibility-state reserved bits must be 0', guestIntrRsvd),
  check('GUEST-INTR-STI-MOVSS', S5, 'guest', 'blocking by STI and by MOV SS cannot both be set', guestIntrStiMovss),
  check('GUEST-INTR-STI-IF', S5, 'guest', 'blocking by STI needs RFLAGS.IF = 1', guestIntrStiIf),
  check('GUEST-INTR-INJ-EXTINT', S5, 'guest', 'injecting an external interrupt needs no STI/MOV-SS blocking', guestIntrInjExtint, { gate: INJECT }),
  check('GUEST-INTR-INJ-NMI-MOVSS', S5, 'guest', 'injecting an NMI needs no MOV-SS blocking', guestIntrInjNmiMovss, { gate: INJECT }),
  check('GUEST-INTR-INJ-NMI-STI', S5, 'guest', 'injecting an NMI needs no STI blocking (qualification 3)', guestIntrInjNmiSti, { gate: INJECT }),
  check('GUEST-INTR-SMI-OUTSIDE-SMM', S5, 'guest', 'blocking by SMI only in SMM', guestIntrSmiOutsideSmm),
  check('GUEST-INTR-SMI-ENTRY-SMM', S5, 'guest', "'entry to SMM' needs blocking by SMI", guestIntrSmiEntrySmm, { gate: ['entry', ENTRY.ENTRY_TO_SMM] }),
  check('GUEST-INTR-VNMI-INJ', S5, 'guest', 'with virtual NMIs, injecting an NMI needs no virtual-NMI blocking', guestIntrVnmiInj, { gate: INJECT }),
  check('GUEST-PDE-RSVD', S5, 'guest', 'pending debug exceptions reserved bits must be 0', guestPdeRsvd),
  check('GUEST-PDE-BS', S5, 'guest', 'pending BS must match RFLAGS.TF and DEBUGCTL.BTF when blocking or in HLT', guestPdeBs),
  check('GUEST-PDE-RTM', S5, 'guest', 'pending RTM debug exception must be consistent', guestPdeRtm),
  check('GUEST-LINK-ALIGN', S5, 'guest', 'VMCS link pointer must be all-ones or 4K aligned within MAXPHYADDR (qualification 4)', guestLinkAlign),
  check('GUEST-LINK-REVID', S5, 'guest', 'the VMCS at the link pointer must have the right revision id and shadow bit (qualification 4)', guestLinkRevid),
  check('GUEST-LINK-SELF', S5, 'guest', 'VMCS link pointer must not be the current VMCS (qualification 4)', guestLinkSelf),
  check('GUEST-PDPTE-EPT', S6, 'guest', 'PAE guest with EPT: PDPTE fields must not set reserved bits (qualification 2)', guestPdpteEpt),
  check('GUEST-PDPTE-MEM', `${S6}, 27.3.2.4`, 'guest', 'PAE guest without EPT: PDPTEs at CR3 must not set reserved bits (qualification 2)', guestPdpteMem),
];
