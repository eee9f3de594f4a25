// Checks on the host-state area and its consistency with the VM-exit/entry
// controls (SDM vol 3C §27.2.2 host control registers and MSRs, §27.2.3
// segment and descriptor-table registers, §27.2.4 address-space size).
// Any failure: VMfailValid(8). For VMCS12 the host area is L1's own state
// after an emulated VM exit, so these are checks of what L1 will run with.

import { check, EntryCheckDef, EntryCheckRun, EntryCheckFailure } from './entry-checks-types';
import { VMCS } from './fields';
import { EXIT, EXIT2 } from './controls';
import { beyondPhys, hex, hex64, isCanonical } from './bits';
import { fixedBitsProblem, patProblem, cetStateProblem, fredProblem, canonicalProblem, fieldList } from './entry-checks-common';

const F = VMCS;
type R = EntryCheckFailure | null;

const HOST_SYSENTER = fieldList(['HOST_IA32_SYSENTER_ESP', 'HOST_IA32_SYSENTER_EIP']);
const HOST_BASES = fieldList(['HOST_FS_BASE', 'HOST_GS_BASE', 'HOST_GDTR_BASE', 'HOST_IDTR_BASE', 'HOST_TR_BASE']);

const CR0_WP = 1 << 16;
const CR4_PAE = 1 << 5;
const CR4_PCIDE = 1 << 17;
const CR4_CET = 1 << 23;
const EFER_LMA = 1 << 10;

/** HOST-CR0-FIXED — SDM 27.2.2: host CR0 within IA32_VMX_CR0_FIXED0/1 (unrestricted guest does not relax it). */
function hostCr0Fixed(x: EntryCheckRun): R {
  const c = x.caps;
  const p = fixedBitsProblem(x.lo(F.HOST_CR0), x.hi(F.HOST_CR0), c.cr0Fixed0Lo, c.cr0Fixed0Hi, c.cr0Fixed1Lo, c.cr0Fixed1Hi, 'CR0');
  return p ? x.fail('HOST_CR0', x.hex(F.HOST_CR0), p) : null;
}

/** HOST-CR4-FIXED — SDM 27.2.2: host CR4 within IA32_VMX_CR4_FIXED0/1 (CR4.VMXE = 1). */
function hostCr4Fixed(x: EntryCheckRun): R {
  const c = x.caps;
  const p = fixedBitsProblem(x.lo(F.HOST_CR4), x.hi(F.HOST_CR4), c.cr4Fixed0Lo, c.cr4Fixed0Hi, c.cr4Fixed1Lo, c.cr4Fixed1Hi, 'CR4');
  return p ? x.fail('HOST_CR4', x.hex(F.HOST_CR4), p) : null;
}

/** Bits of CR3 allowed above MAXPHYADDR: 62:61 with LAM. */
export function cr3Beyond(lo: number, hi: number, maxPhys: number, lam: boolean): boolean {
  return beyondPhys(lo, lam ? hi & ~0x60000000 : hi, maxPhys);
}

/** HOST-CR3-RSVD — SDM 27.2.2: host CR3 sets no bit beyond MAXPHYADDR (62:61 allowed with LAM). */
function hostCr3Rsvd(x: EntryCheckRun): R {
  if (!cr3Beyond(x.lo(F.HOST_CR3), x.hi(F.HOST_CR3), x.caps.physAddrBits, x.caps.lam)) return null;
  return x.fail('HOST_CR3', x.hex(F.HOST_CR3), `bits 63:${x.caps.physAddrBits} = 0${x.caps.lam ? ' (except LAM bits 62:61)' : ''}`);
}

/** HOST-CET-WP — SDM 27.2.2: host CR4.CET = 1 requires CR0.WP = 1. */
function hostCetWp(x: EntryCheckRun): R {
  if (!(x.lo(F.HOST_CR4) & CR4_CET) || x.lo(F.HOST_CR0) & CR0_WP) return null;
  return x.fail('HOST_CR0', x.hex(F.HOST_CR0), 'CR0.WP (bit 16) = 1 when host CR4.CET = 1', { related: [{ field: 'HOST_CR4', value: x.hex(F.HOST_CR4) }] });
}

/** HOST-SYSENTER-CANON — SDM 27.2.2: host IA32_SYSENTER_ESP/EIP canonical (Intel 64 CPUs). */
function hostSysenterCanon(x: EntryCheckRun): R {
  if (!x.caps.intel64) return null;
  return canonicalProblem(x, HOST_SYSENTER);
}

/** HOST-PERF-GLOBAL — SDM 27.2.2: with exit 'load IA32_PERF_GLOBAL_CTRL', no reserved bits in the host value. */
function hostPerfGlobal(x: EntryCheckRun): R {
  if (!(x.exit & EXIT.LOAD_IA32_PERF_GLOBAL_CTRL)) return null;
  const lo = x.lo(F.HOST_IA32_PERF_GLOBAL_CTRL);
  const hi = x.hi(F.HOST_IA32_PERF_GLOBAL_CTRL);
  const c = x.caps;
  if ((lo & ~c.perfGlobalCtrlValidLo) === 0 && (hi & ~c.perfGlobalCtrlValidHi) === 0) return null;
  return x.fail('HOST_IA32_PERF_GLOBAL_CTRL', hex64(lo, hi), `only bits in ${hex64(c.perfGlobalCtrlValidLo, c.perfGlobalCtrlValidHi)}`);
}

/** HOST-PAT — SDM 27.2.2: with exit 'load IA32_PAT', every PAT entry is 0, 1, 4, 5, 6 or 7. */
function hostPat(x: EntryCheckRun): R {
  if (!(x.exit & EXIT.LOAD_IA32_PAT)) return null;
  const p = patProblem(x.lo(F.HOST_IA32_PAT), x.hi(F.HOST_IA32_PAT));
  return p ? x.fail('HOST_IA32_PAT', x.hex(F.HOST_IA32_PAT), p) : null;
}

/** HOST-EFER-RSVD — SDM 27.2.2: with exit 'load IA32_EFER', no reserved EFER bits. */
function hostEferRsvd(x: EntryCheckRun): R {
  if (!(x.exit & EXIT.LOAD_IA32_EFER)) return null;
  const lo = x.lo(F.HOST_IA32_EFER);
  const hi = x.hi(F.HOST_IA32_EFER);
  if ((lo & ~x.caps.eferValidMask) === 0 && hi === 0) return null;
  return x.fail('HOST_IA32_EFER', hex64(lo, hi), `only bits in ${hex(x.caps.eferValidMask)}`);
}

/** HOST-EFER-LMA-LME — SDM 27.2.2: with exit 'load IA32_EFER', EFER.LMA and EFER.LME equal 'host address-space size'. */
function hostEferLmaLme(x: EntryCheckRun): R {
  if (!(x.exit & EXIT.LOAD_IA32_EFER)) return null;
  const efer = x.lo(F.HOST_IA32_EFER);
  const want = x.hostAsz ? 1 : 0;
  if (((efer >>> 10) & 1) === want && ((efer >>> 8) & 1) === want) return null;
  return x.fail('HOST_IA32_EFER', x.hex(F.HOST_IA32_EFER), `LMA (bit 10) = LME (bit 8) = ${want} ('host address-space size')`, {
    related: [{ field: 'VM_EXIT_CONTROLS', value: hex(x.exit) }],
  });
}

/** HOST-CET-STATE — SDM 27.2.2: with exit 'load CET state', valid S_CET, SSP and interrupt SSP table address. */
function hostCetState(x: EntryCheckRun): R {
  if (!(x.exit & EXIT.LOAD_CET_STATE)) return null;
  return cetStateProblem(x, 'HOST', x.hostAsz);
}

/** HOST-PKRS — SDM 27.2.2: with exit 'load PKRS', bits 63:32 of host IA32_PKRS are 0. */
function hostPkrs(x: EntryCheckRun): R {
  if (!(x.exit & EXIT.LOAD_PKRS) || x.hi(F.HOST_IA32_PKRS) === 0) return null;
  return x.fail('HOST_IA32_PKRS', x.hex(F.HOST_IA32_PKRS), 'bits 63:32 = 0');
}

/** HOST-FRED — SDM 27.2.2: with secondary exit 'load FRED', valid host FRED MSRs. */
function hostFred(x: EntryCheckRun): R {
  if (!(x.exit2Lo & EXIT2.LOAD_IA32_FRED)) return null;
  return fredProblem(x, 'HOST');
}

const HOST_SELECTORS: readonly [string, number][] = [
  ['HOST_ES_SELECTOR', F.HOST_ES_SELECTOR], ['HOST_CS_SELECTOR', F.HOST_CS_SELECTOR], ['HOST_SS_SELECTOR', F.HOST_SS_SELECTOR],
  ['HOST_DS_SELECTOR', F.HOST_DS_SELECTOR], ['HOST_FS_SELECTOR', F.HOST_FS_SELECTOR], ['HOST_GS_SELECTOR', F.HOST_GS_SELECTOR],
  ['HOST_TR_SELECTOR', F.HOST_TR_SELECTOR],
];

/** HOST-SEL-RPL-TI — SDM 27.2.3: host selectors have RPL = 0 and TI = 0. */
function hostSelRplTi(x: EntryCheckRun): R {
  for (let i = 0; i < HOST_SELECTORS.length; i++) {
    const s = x.lo(HOST_SELECTORS[i][1]);
    if (s & 7) return x.fail(HOST_SELECTORS[i][0], hex(s), 'RPL (bits 1:0) = 0 and TI (bit 2) = 0');
  }
  return null;
}

/** HOST-CS-NULL — SDM 27.2.3: host CS selector is not 0. */
function hostCsNull(x: EntryCheckRun): R {
  return x.lo(F.HOST_CS_SELECTOR) === 0 ? x.fail('HOST_CS_SELECTOR', '0x0', 'a non-null selector') : null;
}

/** HOST-TR-NULL — SDM 27.2.3: host TR selector is not 0. */
function hostTrNull(x: EntryCheckRun): R {
  return x.lo(F.HOST_TR_SELECTOR) === 0 ? x.fail('HOST_TR_SELECTOR', '0x0', 'a non-null selector') : null;
}

/** HOST-SS-NULL — SDM 27.2.3: host SS selector is not 0 unless 'host address-space size' = 1. */
function hostSsNull(x: EntryCheckRun): R {
  if (x.hostAsz || x.lo(F.HOST_SS_SELECTOR) !== 0) return null;
  return x.fail('HOST_SS_SELECTOR', '0x0', "a non-null selector ('host address-space size' = 0)", { related: [{ field: 'VM_EXIT_CONTROLS', value: hex(x.exit) }] });
}

/** HOST-BASE-CANON — SDM 27.2.3: host FS, GS, GDTR, IDTR, TR bases canonical (Intel 64 CPUs). */
function hostBaseCanon(x: EntryCheckRun): R {
  if (!x.caps.intel64) return null;
  return canonicalProblem(x, HOST_BASES);
}

/** HOST-ASZ-OUTSIDE-LM — SDM 27.2.4: outside IA-32e mode, 'IA-32e mode guest' and 'host address-space size' are 0. */
function hostAszOutsideLm(x: EntryCheckRun): R {
  if (x.ctx.cpu.efer & EFER_LMA || (!x.ia32eGuest && !x.hostAsz)) return null;
  const field = x.hostAsz ? 'VM_EXIT_CONTROLS' : 'VM_ENTRY_CONTROLS';
  return x.fail(field, hex(x.hostAsz ? x.exit : x.entry), "HOST_ADDRESS_SPACE_SIZE (exit bit 9) = IA32E_MODE_GUEST (entry bit 9) = 0 when VMLAUNCH/VMRESUME runs outside IA-32e mode", {
    related: [{ field: 'IA32_EFER (executing)', value: hex(x.ctx.cpu.efer) }],
  });
}

/** HOST-ASZ-INSIDE-LM — SDM 27.2.4: inside IA-32e mode, 'host address-space size' is 1. */
function hostAszInsideLm(x: EntryCheckRun): R {
  if (!(x.ctx.cpu.efer & EFER_LMA) || x.hostAsz) return null;
  return x.fail('VM_EXIT_CONTROLS', hex(x.exit), 'HOST_ADDRESS_SPACE_SIZE (bit 9) = 1 when VMLAUNCH/VMRESUME runs in IA-32e mode', {
    related: [{ field: 'IA32_EFER (executing)', value: hex(x.ctx.cpu.efer) }],
  });
}

/** HOST-32-GUEST64 — SDM 27.2.4: 'host address-space size' = 0 requires 'IA-32e mode guest' = 0 (shadowed by HOST-ASZ-* on a real run). */
function host32Guest64(x: EntryCheckRun): R {
  if (x.hostAsz || !x.ia32eGuest) return null;
  return x.fail('VM_ENTRY_CONTROLS', hex(x.entry), "IA32E_MODE_GUEST (bit 9) = 0 when 'host address-space size' = 0", { related: [{ field: 'VM_EXIT_CONTROLS', value: hex(x.exit) }] });
}

/** HOST-32-PCIDE — SDM 27.2.4: 'host address-space size' = 0 requires host CR4.PCIDE = 0 (and CR4.FRED = 0). */
function host32Pcide(x: EntryCheckRun): R {
  if (x.hostAsz) return null;
  if ((x.lo(F.HOST_CR4) & CR4_PCIDE) === 0 && (x.hi(F.HOST_CR4) & 1) === 0) return null;
  return x.fail('HOST_CR4', x.hex(F.HOST_CR4), "PCIDE (bit 17) = 0 and FRED (bit 32) = 0 for a 32-bit host ('host address-space size' = 0)");
}

/** HOST-32-RIP — SDM 27.2.4: 'host address-space size' = 0 requires host RIP bits 63:32 = 0. */
function host32Rip(x: EntryCheckRun): R {
  if (x.hostAsz || x.hi(F.HOST_RIP) === 0) return null;
  return x.fail('HOST_RIP', x.hex(F.HOST_RIP), "bits 63:32 = 0 for a 32-bit host ('host address-space size' = 0)");
}

/** HOST-64-PAE — SDM 27.2.4: 'host address-space size' = 1 requires host CR4.PAE = 1. */
function host64Pae(x: EntryCheckRun): R {
  if (!x.hostAsz || x.lo(F.HOST_CR4) & CR4_PAE) return null;
  return x.fail('HOST_CR4', x.hex(F.HOST_CR4), "PAE (bit 5) = 1 for a 64-bit host ('host address-space size' = 1)");
}

/** HOST-64-RIP — SDM 27.2.4: 'host address-space size' = 1 requires a canonical host RIP. */
function host64Rip(x: EntryCheckRun): R {
  if (!x.hostAsz || isCanonical(x.lo(F.HOST_RIP), x.hi(F.HOST_RIP), x.caps.linearAddrBits)) return null;
  return x.fail('HOST_RIP', x.hex(F.HOST_RIP), `canonical (bits 63:${x.caps.linearAddrBits - 1} identical) for a 64-bit host`);
}

const S2 = '27.2.2';
const S3 = '27.2.3';
const S4 = '27.2.4';

export const HOST_CHECKS: readonly EntryCheckDef[] = [
  check('HOST-CR0-FIXED', S2, 'host', 'host CR0 must respect IA32_VMX_CR0_FIXED0/FIXED1', hostCr0Fixed),
  check('HOST-CR4-FIXED', S2, 'host', 'host CR4 must respect IA32_VMX_CR4_FIXED0/FIXED1', hostCr4Fixed),
  check('HOST-CR3-RSVD', S2, 'host', 'host CR3 must not set bits beyond MAXPHYADDR', hostCr3Rsvd),
  check('HOST-CET-WP', S2, 'host', 'host CR4.CET = 1 requires CR0.WP = 1', hostCetWp),
  check('HOST-SYSENTER-CANON', S2, 'host', 'host SYSENTER_ESP/EIP must be canonical', hostSysenterCanon),
  check('HOST-PERF-GLOBAL', S2, 'host', 'host IA32_PERF_GLOBAL_CTRL must not set reserved bits', hostPerfGlobal, { gate: ['exit', EXIT.LOAD_IA32_PERF_GLOBAL_CTRL] }),
  check('HOST-PAT', S2, 'host', 'host IA32_PAT entries must be valid memory types', hostPat, { gate: ['exit', EXIT.LOAD_IA32_PAT] }),
  check('HOST-EFER-RSVD', S2, 'host', 'host IA32_EFER must not set reserved bits', hostEferRsvd, { gate: ['exit', EXIT.LOAD_IA32_EFER] }),
  check('HOST-EFER-LMA-LME', S2, 'host', "host EFER.LMA and EFER.LME must equal 'host address-space size'", hostEferLmaLme, { gate: ['exit', EXIT.LOAD_IA32_EFER] }),
  check('HOST-CET-STATE', S2, 'host', 'host S_CET, SSP and interrupt SSP table address must be valid', hostCetState, { gate: ['exit', EXIT.LOAD_CET_STATE] }),
  check('HOST-PKRS', S2, 'host', 'host IA32_PKRS bits 63:32 must be 0', hostPkrs, { gate: ['exit', EXIT.LOAD_PKRS] }),
  check('HOST-FRED', S2, 'host', 'host FRED MSRs must be valid', hostFred, { gate: ['exit2', EXIT2.LOAD_IA32_FRED] }),
  check('HOST-SEL-RPL-TI', S3, 'host', 'host selectors must have RPL = 0 and TI = 0', hostSelRplTi),
  check('HOST-CS-NULL', S3, 'host', 'host CS selector must not be null', hostCsNull),
  check('HOST-TR-NULL', S3, 'host', 'host TR selector must not be null', hostTrNull),
  check('HOST-SS-NULL', S3, 'host', 'host SS selector must not be null for a 32-bit host', hostSsNull),
  check('HOST-BASE-CANON', S3, 'host', 'host FS/GS/GDTR/IDTR/TR bases must be canonical', hostBaseCanon),
  check('HOST-ASZ-OUTSIDE-LM', S4, 'host', "outside IA-32e mode, 'IA-32e mode guest' and 'host address-space size' must be 0", hostAszOutsideLm),
  check('HOST-ASZ-INSIDE-LM', S4, 'host', "in IA-32e mode, 'host address-space size' must be 1", hostAszInsideLm),
  check('HOST-32-GUEST64', S4, 'host', "a 32-bit host cannot enter an IA-32e mode guest", host32Guest64),
  check('HOST-32-PCIDE', S4, 'host', 'a 32-bit host must have CR4.PCIDE = 0', host32Pcide),
  check('HOST-32-RIP', S4, 'host', 'a 32-bit host must have RIP bits 63:32 = 0', host32Rip),
  check('HOST-64-PAE', S4, 'host', 'a 64-bit host must have CR4.PAE = 1', host64Pae),
  check('HOST-64-RIP', S4, 'host', 'a 64-bit host must have a canonical RIP', host64Rip),
];
