// Guest-state checks on control registers, debug registers and MSRs
// (SDM vol 3C §27.3.1.1). Any failure: VM-entry failure, exit reason
// 0x80000021 (33), qualification 0.

import { check, EntryCheckDef, EntryCheckRun, EntryCheckFailure } from './entry-checks-types';
import { VMCS } from './fields';
import { ENTRY } from './controls';
import { hex, hex64, isCanonical } from './bits';
import { fixedBitsProblem, patProblem, cetStateProblem, fredProblem, canonicalProblem, fieldList } from './entry-checks-common';
import { cr3Beyond } from './entry-checks-host';

const F = VMCS;
type R = EntryCheckFailure | null;

const GUEST_SYSENTER = fieldList(['GUEST_SYSENTER_ESP', 'GUEST_SYSENTER_EIP']);

const CR0_PE = 1 << 0;
const CR0_WP = 1 << 16;
const CR0_NW_CD = (1 << 29) | (1 << 30);
const CR0_PG = (1 << 31) >>> 0;
const CR4_PAE = 1 << 5;
const CR4_PCIDE = 1 << 17;
const CR4_CET = 1 << 23;

const has = (v: number, m: number) => (v & m) !== 0;

/**
 * GUEST-CR0-FIXED — SDM 27.3.1.1: guest CR0 within IA32_VMX_CR0_FIXED0/1;
 * PE and PG are not checked with 'unrestricted guest', NW and CD never.
 */
function guestCr0Fixed(x: EntryCheckRun): R {
  const c = x.caps;
  const f0 = (c.cr0Fixed0Lo & ~CR0_NW_CD & ~(x.ug ? CR0_PE | CR0_PG : 0)) >>> 0;
  const f1 = (c.cr0Fixed1Lo | CR0_NW_CD) >>> 0;
  const p = fixedBitsProblem(x.lo(F.GUEST_CR0), x.hi(F.GUEST_CR0), f0, c.cr0Fixed0Hi, f1, c.cr0Fixed1Hi, 'CR0');
  if (!p) return null;
  return x.fail('GUEST_CR0', x.hex(F.GUEST_CR0), p + (x.ug ? ' (PE, PG free: unrestricted guest)' : ''));
}

/** GUEST-CR0-PG-PE — SDM 27.3.1.1: CR0.PG = 1 requires CR0.PE = 1 (reachable with unrestricted guest). */
function guestCr0PgPe(x: EntryCheckRun): R {
  const cr0 = x.lo(F.GUEST_CR0);
  if (!(cr0 & CR0_PG) || cr0 & CR0_PE) return null;
  return x.fail('GUEST_CR0', x.hex(F.GUEST_CR0), 'PE (bit 0) = 1 when PG (bit 31) = 1');
}

/** GUEST-CR4-FIXED — SDM 27.3.1.1: guest CR4 within IA32_VMX_CR4_FIXED0/1 (VMXE = 1 in the field; L1 hides it with the CR4 mask/shadow). */
function guestCr4Fixed(x: EntryCheckRun): R {
  const c = x.caps;
  const p = fixedBitsProblem(x.lo(F.GUEST_CR4), x.hi(F.GUEST_CR4), c.cr4Fixed0Lo, c.cr4Fixed0Hi, c.cr4Fixed1Lo, c.cr4Fixed1Hi, 'CR4');
  return p ? x.fail('GUEST_CR4', x.hex(F.GUEST_CR4), p) : null;
}

/** GUEST-CET-WP — SDM 27.3.1.1: guest CR4.CET = 1 requires CR0.WP = 1. */
function guestCetWp(x: EntryCheckRun): R {
  if (!has(x.lo(F.GUEST_CR4), CR4_CET) || has(x.lo(F.GUEST_CR0), CR0_WP)) return null;
  return x.fail('GUEST_CR0', x.hex(F.GUEST_CR0), 'WP (bit 16) = 1 when guest CR4.CET = 1', { related: [{ field: 'GUEST_CR4', value: x.hex(F.GUEST_CR4) }] });
}

/** GUEST-DEBUGCTL-RSVD — SDM 27.3.1.1: with 'load debug controls', no reserved IA32_DEBUGCTL bits. */
function guestDebugctlRsvd(x: EntryCheckRun): R {
  if (!has(x.entry, ENTRY.LOAD_DEBUG_CONTROLS)) return null;
  const lo = x.lo(F.GUEST_IA32_DEBUGCTL);
  const hi = x.hi(F.GUEST_IA32_DEBUGCTL);
  if ((lo & ~x.caps.debugctlValidMask) === 0 && hi === 0) return null;
  return x.fail('GUEST_IA32_DEBUGCTL', hex64(lo, hi), `only bits in ${hex(x.caps.debugctlValidMask)}`);
}

/** GUEST-DR7-HIGH — SDM 27.3.1.1: with 'load debug controls', DR7 bits 63:32 = 0. */
function guestDr7High(x: EntryCheckRun): R {
  if (!has(x.entry, ENTRY.LOAD_DEBUG_CONTROLS) || x.hi(F.GUEST_DR7) === 0) return null;
  return x.fail('GUEST_DR7', x.hex(F.GUEST_DR7), 'bits 63:32 = 0');
}

/** GUEST-64-PG — SDM 27.3.1.1: 'IA-32e mode guest' requires CR0.PG = 1. */
function guest64Pg(x: EntryCheckRun): R {
  if (!x.ia32eGuest || has(x.lo(F.GUEST_CR0), CR0_PG)) return null;
  return x.fail('GUEST_CR0', x.hex(F.GUEST_CR0), "PG (bit 31) = 1 for an IA-32e mode guest (entry control bit 9)", { related: [{ field: 'VM_ENTRY_CONTROLS', value: hex(x.entry) }] });
}

/** GUEST-64-PAE — SDM 27.3.1.1: 'IA-32e mode guest' requires CR4.PAE = 1. */
function guest64Pae(x: EntryCheckRun): R {
  if (!x.ia32eGuest || has(x.lo(F.GUEST_CR4), CR4_PAE)) return null;
  return x.fail('GUEST_CR4', x.hex(F.GUEST_CR4), "PAE (bit 5) = 1 for an IA-32e mode guest (entry control bit 9)", { related: [{ field: 'VM_ENTRY_CONTROLS', value: hex(x.entry) }] });
}

/** GUEST-32-PCIDE — SDM 27.3.1.1: without 'IA-32e mode guest', CR4.PCIDE = 0 (and CR4.FRED = 0). */
function guest32Pcide(x: EntryCheckRun): R {
  if (x.ia32eGuest) return null;
  if (!has(x.lo(F.GUEST_CR4), CR4_PCIDE) && !(x.hi(F.GUEST_CR4) & 1)) return null;
  return x.fail('GUEST_CR4', x.hex(F.GUEST_CR4), "PCIDE (bit 17) = 0 and FRED (bit 32) = 0 unless 'IA-32e mode guest' = 1", { related: [{ field: 'VM_ENTRY_CONTROLS', value: hex(x.entry) }] });
}

/** GUEST-CR3-RSVD — SDM 27.3.1.1: guest CR3 sets no bit beyond MAXPHYADDR (62:61 allowed with LAM). */
function guestCr3Rsvd(x: EntryCheckRun): R {
  if (!cr3Beyond(x.lo(F.GUEST_CR3), x.hi(F.GUEST_CR3), x.caps.physAddrBits, x.caps.lam)) return null;
  return x.fail('GUEST_CR3', x.hex(F.GUEST_CR3), `bits 63:${x.caps.physAddrBits} = 0${x.caps.lam ? ' (except LAM bits 62:61)' : ''}`);
}

/** GUEST-SYSENTER-CANON — SDM 27.3.1.1: guest IA32_SYSENTER_ESP/EIP canonical (Intel 64 CPUs). */
function guestSysenterCanon(x: EntryCheckRun): R {
  if (!x.caps.intel64) return null;
  return canonicalProblem(x, GUEST_SYSENTER);
}

/** GUEST-PERF-GLOBAL — SDM 27.3.1.1: with 'load IA32_PERF_GLOBAL_CTRL', no reserved bits. */
function guestPerfGlobal(x: EntryCheckRun): R {
  if (!has(x.entry, ENTRY.LOAD_IA32_PERF_GLOBAL_CTRL)) return null;
  const c = x.caps;
  return reserved(x, 'GUEST_IA32_PERF_GLOBAL_CTRL', F.GUEST_IA32_PERF_GLOBAL_CTRL, c.perfGlobalCtrlValidLo, c.perfGlobalCtrlValidHi);
}

function reserved(x: EntryCheckRun, name: string, enc: number, vLo: number, vHi: number): R {
  const lo = x.lo(enc);
  const hi = x.hi(enc);
  if ((lo & ~vLo) === 0 && (hi & ~vHi) === 0) return null;
  return x.fail(name, hex64(lo, hi), `only bits in ${hex64(vLo, vHi)}`);
}

/** GUEST-PAT — SDM 27.3.1.1: with 'load IA32_PAT', every PAT entry is a valid memory type. */
function guestPat(x: EntryCheckRun): R {
  if (!has(x.entry, ENTRY.LOAD_IA32_PAT)) return null;
  const p = patProblem(x.lo(F.GUEST_IA32_PAT), x.hi(F.GUEST_IA32_PAT));
  return p ? x.fail('GUEST_IA32_PAT', x.hex(F.GUEST_IA32_PAT), p) : null;
}

/** GUEST-EFER-RSVD — SDM 27.3.1.1: with 'load IA32_EFER', no reserved EFER bits. */
function guestEferRsvd(x: EntryCheckRun): R {
  if (!has(x.entry, ENTRY.LOAD_IA32_EFER)) return null;
  return reserved(x, 'GUEST_IA32_EFER', F.GUEST_IA32_EFER, x.caps.eferValidMask, 0);
}

/** GUEST-EFER-LMA — SDM 27.3.1.1: with 'load IA32_EFER', EFER.LMA = 'IA-32e mode guest'. */
function guestEferLma(x: EntryCheckRun): R {
  if (!has(x.entry, ENTRY.LOAD_IA32_EFER)) return null;
  const lma = (x.lo(F.GUEST_IA32_EFER) >>> 10) & 1;
  if (lma === (x.ia32eGuest ? 1 : 0)) return null;
  return x.fail('GUEST_IA32_EFER', x.hex(F.GUEST_IA32_EFER), `LMA (bit 10) = ${x.ia32eGuest ? 1 : 0} ('IA-32e mode guest')`, { related: [{ field: 'VM_ENTRY_CONTROLS', value: hex(x.entry) }] });
}

/** GUEST-EFER-LME — SDM 27.3.1.1: with 'load IA32_EFER' and CR0.PG = 1, EFER.LME = 'IA-32e mode guest'. */
function guestEferLme(x: EntryCheckRun): R {
  if (!has(x.entry, ENTRY.LOAD_IA32_EFER) || !has(x.lo(F.GUEST_CR0), CR0_PG)) return null;
  const lme = (x.lo(F.GUEST_IA32_EFER) >>> 8) & 1;
  if (lme === (x.ia32eGuest ? 1 : 0)) return null;
  return x.fail('GUEST_IA32_EFER', x.hex(F.GUEST_IA32_EFER), `LME (bit 8) = ${x.ia32eGuest ? 1 : 0} ('IA-32e mode guest', paging on)`, {
    related: [{ field: 'VM_ENTRY_CONTROLS', value: hex(x.entry) }, { field: 'GUEST_CR0', value: x.hex(F.GUEST_CR0) }],
  });
}

/** GUEST-BNDCFGS — SDM 27.3.1.1: with 'load IA32_BNDCFGS', bits 11:2 = 0 and bits 63:12 canonical. */
function guestBndcfgs(x: EntryCheckRun): R {
  if (!has(x.entry, ENTRY.LOAD_IA32_BNDCFGS)) return null;
  const lo = x.lo(F.GUEST_IA32_BNDCFGS);
  const hi = x.hi(F.GUEST_IA32_BNDCFGS);
  if ((lo & 0xffc) === 0 && isCanonical(lo & ~0xfff, hi, x.caps.linearAddrBits)) return null;
  return x.fail('GUEST_IA32_BNDCFGS', hex64(lo, hi), 'bits 11:2 = 0 and a canonical base (bits 63:12)');
}

/** GUEST-RTIT-CTL — SDM 27.3.1.1: with 'load IA32_RTIT_CTL', no reserved bits. */
function guestRtitCtl(x: EntryCheckRun): R {
  if (!has(x.entry, ENTRY.LOAD_IA32_RTIT_CTL)) return null;
  return reserved(x, 'GUEST_IA32_RTIT_CTL', F.GUEST_IA32_RTIT_CTL, x.caps.rtitCtlValidLo, x.caps.rtitCtlValidHi);
}

/** GUEST-CET-STATE — SDM 27.3.1.1: with 'load CET state', valid S_CET, SSP and interrupt SSP table address. */
function guestCetState(x: EntryCheckRun): R {
  if (!has(x.entry, ENTRY.LOAD_CET_STATE)) return null;
  return cetStateProblem(x, 'GUEST', x.ia32eGuest);
}

/** GUEST-LBR-CTL — SDM 27.3.1.1: with 'load guest IA32_LBR_CTL', no reserved bits. */
function guestLbrCtl(x: EntryCheckRun): R {
  if (!has(x.entry, ENTRY.LOAD_IA32_LBR_CTL)) return null;
  return reserved(x, 'GUEST_IA32_LBR_CTL', F.GUEST_IA32_LBR_CTL, x.caps.lbrCtlValidLo, x.caps.lbrCtlValidHi);
}

/** GUEST-PKRS — SDM 27.3.1.1: with 'load PKRS', bits 63:32 = 0. */
function guestPkrs(x: EntryCheckRun): R {
  if (!has(x.entry, ENTRY.LOAD_PKRS) || x.hi(F.GUEST_IA32_PKRS) === 0) return null;
  return x.fail('GUEST_IA32_PKRS', x.hex(F.GUEST_IA32_PKRS), 'bits 63:32 = 0');
}

/** GUEST-UINV — SDM 27.3.1.1: with 'load UINV', bits 15:8 of the guest UINV = 0. */
function guestUinv(x: EntryCheckRun): R {
  if (!has(x.entry, ENTRY.LOAD_UINV) || (x.lo(F.GUEST_UINV) & 0xff00) === 0) return null;
  return x.fail('GUEST_UINV', x.hex(F.GUEST_UINV), '0x00-0xff (bits 15:8 = 0)');
}

/** GUEST-FRED — SDM 27.3.1.1 (per KVM's nested checks): with 'load FRED' and an IA-32e guest, valid FRED MSRs. */
function guestFred(x: EntryCheckRun): R {
  if (!has(x.entry, ENTRY.LOAD_IA32_FRED) || !x.ia32eGuest) return null;
  return fredProblem(x, 'GUEST');
}

/** GUEST-SPEC-CTRL — (Bochs; verify) with 'load IA32_SPEC_CTRL', no reserved bits. */
function guestSpecCtrl(x: EntryCheckRun): R {
  if (!has(x.entry, ENTRY.LOAD_IA32_SPEC_CTRL)) return null;
  return reserved(x, 'GUEST_IA32_SPEC_CTRL', F.GUEST_IA32_SPEC_CTRL, x.caps.specCtrlValidLo, x.caps.specCtrlValidHi);
}

const S = '27.3.1.1';

export const GUEST_REG_CHECKS: readonly EntryCheckDef[] = [
  check('GUEST-CR0-FIXED', S, 'guest', 'guest CR0 must respect IA32_VMX_CR0_FIXED0/FIXED1 (PE/PG free with unrestricted guest)', guestCr0Fixed),
  check('GUEST-CR0-PG-PE', S, 'guest', 'guest CR0.PG = 1 requires CR0.PE = 1', guestCr0PgPe),
  check('GUEST-CR4-FIXED', S, 'guest', 'guest CR4 must respect IA32_VMX_CR4_FIXED0/FIXED1', guestCr4Fixed),
  check('GUEST-CET-WP', S, 'guest', 'guest CR4.CET = 1 requires CR0.WP = 1', guestCetWp),
  check('GUEST-DEBUGCTL-RSVD', S, 'guest', 'guest IA32_DEBUGCTL must not set reserved bits', guestDebugctlRsvd, { gate: ['entry', ENTRY.LOAD_DEBUG_CONTROLS] }),
  check('GUEST-DR7-HIGH', S, 'guest', 'guest DR7 bits 63:32 must be 0', guestDr7High, { gate: ['entry', ENTRY.LOAD_DEBUG_CONTROLS] }),
  check('GUEST-64-PG', S, 'guest', 'an IA-32e mode guest needs CR0.PG = 1', guest64Pg),
  check('GUEST-64-PAE', S, 'guest', 'an IA-32e mode guest needs CR4.PAE = 1', guest64Pae),
  check('GUEST-32-PCIDE', S, 'guest', 'a guest outside IA-32e mode needs CR4.PCIDE = 0', guest32Pcide),
  check('GUEST-CR3-RSVD', S, 'guest', 'guest CR3 must not set bits beyond MAXPHYADDR', guestCr3Rsvd),
  check('GUEST-SYSENTER-CANON', S, 'guest', 'guest SYSENTER_ESP/EIP must be canonical', guestSysenterCanon),
  check('GUEST-PERF-GLOBAL', S, 'guest', 'guest IA32_PERF_GLOBAL_CTRL must not set reserved bits', guestPerfGlobal, { gate: ['entry', ENTRY.LOAD_IA32_PERF_GLOBAL_CTRL] }),
  check('GUEST-PAT', S, 'guest', 'guest IA32_PAT entries must be valid memory types', guestPat, { gate: ['entry', ENTRY.LOAD_IA32_PAT] }),
  check('GUEST-EFER-RSVD', S, 'guest', 'guest IA32_EFER must not set reserved bits', guestEferRsvd, { gate: ['entry', ENTRY.LOAD_IA32_EFER] }),
  check('GUEST-EFER-LMA', S, 'guest', "guest EFER.LMA must equal 'IA-32e mode guest'", guestEferLma, { gate: ['entry', ENTRY.LOAD_IA32_EFER] }),
  check('GUEST-EFER-LME', S, 'guest', "with paging, guest EFER.LME must equal 'IA-32e mode guest'", guestEferLme, { gate: ['entry', ENTRY.LOAD_IA32_EFER] }),
  check('GUEST-BNDCFGS', S, 'guest', 'guest IA32_BNDCFGS must have bits 11:2 = 0 and a canonical base', guestBndcfgs, { gate: ['entry', ENTRY.LOAD_IA32_BNDCFGS] }),
  check('GUEST-RTIT-CTL', S, 'guest', 'guest IA32_RTIT_CTL must not set reserved bits', guestRtitCtl, { gate: ['entry', ENTRY.LOAD_IA32_RTIT_CTL] }),
  check('GUEST-CET-STATE', S, 'guest', 'guest S_CET, SSP and interrupt SSP table address must be valid', guestCetState, { gate: ['entry', ENTRY.LOAD_CET_STATE] }),
  check('GUEST-LBR-CTL', S, 'guest', 'guest IA32_LBR_CTL must not set reserved bits', guestLbrCtl, { gate: ['entry', ENTRY.LOAD_IA32_LBR_CTL] }),
  check('GUEST-PKRS', S, 'guest', 'guest IA32_PKRS bits 63:32 must be 0', guestPkrs, { gate: ['entry', ENTRY.LOAD_PKRS] }),
  check('GUEST-UINV', S, 'guest', 'guest UINV bits 15:8 must be 0', guestUinv, { gate: ['entry', ENTRY.LOAD_UINV] }),
  check('GUEST-FRED', S, 'guest', 'guest FRED MSRs must be valid', guestFred, { gate: ['entry', ENTRY.LOAD_IA32_FRED] }),
  check('GUEST-SPEC-CTRL', S, 'guest', 'guest IA32_SPEC_CTRL must not set reserved bits', guestSpecCtrl, { gate: ['entry', ENTRY.LOAD_IA32_SPEC_CTRL] }),
];
