// Rules shared by the host-state and guest-state checks (SDM vol 3C §27.2.2,
// §27.3.1.1): fixed CR bits, PAT memory types, CET and FRED MSR values,
// canonical addresses. Each returns a description of what is wrong or null.

import type { EntryCheckRun, EntryCheckFailure } from './entry-checks-types';
import { VMCS, VmcsFieldName } from './fields';
import { hex64, isCanonical } from './bits';

const CR0_NAMES: Record<number, string> = { 0: 'PE', 1: 'MP', 2: 'EM', 3: 'TS', 4: 'ET', 5: 'NE', 16: 'WP', 18: 'AM', 29: 'NW', 30: 'CD', 31: 'PG' };
const CR4_NAMES: Record<number, string> = {
  0: 'VME', 1: 'PVI', 2: 'TSD', 3: 'DE', 4: 'PSE', 5: 'PAE', 6: 'MCE', 7: 'PGE', 8: 'PCE', 9: 'OSFXSR', 10: 'OSXMMEXCPT', 11: 'UMIP',
  12: 'LA57', 13: 'VMXE', 14: 'SMXE', 16: 'FSGSBASE', 17: 'PCIDE', 18: 'OSXSAVE', 19: 'KL', 20: 'SMEP', 21: 'SMAP', 22: 'PKE',
  23: 'CET', 24: 'PKS', 25: 'UINTR', 27: 'LASS', 28: 'LAM_SUP', 32: 'FRED',
};

function bitNames(lo: number, hi: number, names: Record<number, string>): string {
  const out: string[] = [];
  for (let b = 0; b < 64; b++) {
    if ((b < 32 ? (lo >>> b) & 1 : (hi >>> (b - 32)) & 1) === 0) continue;
    out.push(names[b] ? `${names[b]} (bit ${b})` : `bit ${b}`);
  }
  return out.join(', ');
}

/**
 * A CR0/CR4 value against IA32_VMX_CRn_FIXED0 (bits that must be 1) and
 * FIXED1 (bits that may be 1), SDM Appendix A.7/A.8.
 */
export function fixedBitsProblem(lo: number, hi: number, f0Lo: number, f0Hi: number, f1Lo: number, f1Hi: number, reg: 'CR0' | 'CR4'): string | null {
  const m1Lo = (f0Lo & ~lo) >>> 0;
  const m1Hi = (f0Hi & ~hi) >>> 0;
  const m0Lo = (lo & ~f1Lo) >>> 0;
  const m0Hi = (hi & ~f1Hi) >>> 0;
  if (!m1Lo && !m1Hi && !m0Lo && !m0Hi) return null;
  const names = reg === 'CR0' ? CR0_NAMES : CR4_NAMES;
  const parts: string[] = [];
  if (m1Lo || m1Hi) parts.push(`${bitNames(m1Lo, m1Hi, names)} must be 1`);
  if (m0Lo || m0Hi) parts.push(`${bitNames(m0Lo, m0Hi, names)} must be 0`);
  return `bits set in IA32_VMX_${reg}_FIXED0 (${hex64(f0Lo, f0Hi)}) and none outside IA32_VMX_${reg}_FIXED1 (${hex64(f1Lo, f1Hi)}); ${parts.join('; ')}`;
}

/** Each PAT entry must be 0 (UC), 1 (WC), 4 (WT), 5 (WP), 6 (WB) or 7 (UC-) (SDM vol 3A §13.12.2). */
export function patProblem(lo: number, hi: number): string | null {
  for (let k = 0; k < 8; k++) {
    const t = ((k < 4 ? lo : hi) >>> ((k & 3) * 8)) & 0xff;
    if (t !== 0 && t !== 1 && (t < 4 || t > 7)) return `every entry in {0 UC, 1 WC, 4 WT, 5 WP, 6 WB, 7 UC-}; entry PA${k} = ${t}`;
  }
  return null;
}

function field(prefix: 'HOST' | 'GUEST', suffix: string): [string, number] {
  const name = `${prefix}_${suffix}` as VmcsFieldName;
  return [name, VMCS[name]];
}

/** Field names with their encodings, resolved once (checks run at every VM entry). */
export type FieldList = readonly (readonly [string, number])[];
export function fieldList(names: readonly VmcsFieldName[]): FieldList {
  return names.map((n) => [n, VMCS[n]] as const);
}

/** First non-canonical field of a list, as a failure. */
export function canonicalProblem(x: EntryCheckRun, fields: FieldList): EntryCheckFailure | null {
  const w = x.caps.linearAddrBits;
  for (let i = 0; i < fields.length; i++) {
    const enc = fields[i][1];
    if (!isCanonical(x.lo(enc), x.hi(enc), w)) return x.fail(fields[i][0], x.hex(enc), `canonical (bits 63:${w - 1} identical)`);
  }
  return null;
}

/**
 * S_CET, SSP, interrupt SSP table address loaded on VM entry/exit with 'load
 * CET state' (SDM 27.2.2, 27.3.1.1): S_CET bits 9:6 reserved, SUPPRESS (10)
 * and TRACKER (11) not both 1, legacy-bitmap base (63:12) canonical; SSP
 * bits 1:0 = 0 and canonical (64-bit) or bits 63:32 = 0 (32-bit); interrupt
 * SSP table address canonical.
 */
export function cetStateProblem(x: EntryCheckRun, prefix: 'HOST' | 'GUEST', long: boolean): EntryCheckFailure | null {
  const w = x.caps.linearAddrBits;
  const [sName, sEnc] = field(prefix, 'S_CET');
  const sLo = x.lo(sEnc);
  const sHi = x.hi(sEnc);
  if (sLo & 0x3c0) return x.fail(sName, hex64(sLo, sHi), 'bits 9:6 = 0 (reserved)');
  if ((sLo & 0xc00) === 0xc00) return x.fail(sName, hex64(sLo, sHi), 'not both SUPPRESS (bit 10) and TRACKER (bit 11)');
  if (!isCanonical(sLo & ~0xfff, sHi, w)) return x.fail(sName, hex64(sLo, sHi), `a canonical legacy-bitmap base (bits 63:12)`);
  const [pName, pEnc] = field(prefix, 'SSP');
  const pLo = x.lo(pEnc);
  const pHi = x.hi(pEnc);
  if (pLo & 3) return x.fail(pName, hex64(pLo, pHi), 'bits 1:0 = 0');
  if (long ? !isCanonical(pLo, pHi, w) : pHi !== 0) return x.fail(pName, hex64(pLo, pHi), long ? `canonical (bits 63:${w - 1} identical)` : 'bits 63:32 = 0 (not IA-32e mode)');
  const [tName, tEnc] = field(prefix, 'INTR_SSP_TABLE_ADDR');
  if (!isCanonical(x.lo(tEnc), x.hi(tEnc), w)) return x.fail(tName, x.hex(tEnc), `canonical (bits 63:${w - 1} identical)`);
  return null;
}

/**
 * FRED MSRs loaded with 'load FRED' (SDM 27.2.2, 27.3.1.1; per KVM's nested
 * checks): IA32_FRED_CONFIG bits 2, 5:4, 11 reserved and canonical;
 * RSP1-3 64-byte aligned (bits 5:0) and canonical; SSP1-3 bits 2:0 = 0 and
 * canonical.
 */
export function fredProblem(x: EntryCheckRun, prefix: 'HOST' | 'GUEST'): EntryCheckFailure | null {
  const w = x.caps.linearAddrBits;
  const canon = `canonical (bits 63:${w - 1} identical)`;
  const [cName, cEnc] = field(prefix, 'IA32_FRED_CONFIG');
  const cLo = x.lo(cEnc);
  const cHi = x.hi(cEnc);
  if (cLo & 0x834) return x.fail(cName, hex64(cLo, cHi), 'bits 2, 5:4 and 11 = 0 (reserved)');
  if (!isCanonical(cLo, cHi, w)) return x.fail(cName, hex64(cLo, cHi), canon);
  for (const n of ['RSP1', 'RSP2', 'RSP3']) {
    const [name, enc] = field(prefix, `IA32_FRED_${n}`);
    if (x.lo(enc) & 0x3f) return x.fail(name, x.hex(enc), 'bits 5:0 = 0 (64-byte aligned)');
    if (!isCanonical(x.lo(enc), x.hi(enc), w)) return x.fail(name, x.hex(enc), canon);
  }
  for (const n of ['SSP1', 'SSP2', 'SSP3']) {
    const [name, enc] = field(prefix, `IA32_FRED_${n}`);
    if (x.lo(enc) & 7) return x.fail(name, x.hex(enc), 'bits 2:0 = 0');
    if (!isCanonical(x.lo(enc), x.hi(enc), w)) return x.fail(name, x.hex(enc), canon);
  }
  return null;
}
