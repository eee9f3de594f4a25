// VMRUN consistency checks on the control area (AMD APM vol 2 §15.5.1,
// §15.10-§15.11 permission maps, §15.16 TLB control, §15.20 event
// injection, §15.25 nested paging). One function per vmrun-checks.tsv row.
import { CR0_PG, EFER_LMA } from '../x86/regs';
import { EXCEPTION_VECTORS } from './exceptions';
import { bitsAtOrAbove, hex, hex64, toNumber } from './u64';
import { EVENT_RESERVED_MASK, EVENT_TYPE, EVENT_TYPE_MASK, EVENT_TYPE_SHIFT, EVENT_V, NESTED_CTL_NP_ENABLE, TLB_CONTROL, VMCB_OFF } from './vmcb-layout';
import { VmrunCheckContext, VmrunFailure, fail, hexField, hi32, lo32, policyOf, supportsCet, SvmModelView } from './vmrun-check-types';

const O = VMCB_OFF;

function npEnabled(ctx: VmrunCheckContext): boolean {
  return (lo32(ctx.vmcb, O.NESTED_CTL) & NESTED_CTL_NP_ENABLE) !== 0;
}

/** SVM-VMRUN-INTERCEPT — APM §15.5.1: the VMRUN intercept bit (INTERCEPT_MISC2 bit 0) is clear. */
export function checkVmrunIntercept(ctx: VmrunCheckContext): VmrunFailure | null {
  const w = lo32(ctx.vmcb, O.INTERCEPT_MISC2);
  if ((w & 1) === 0) return fail('SVM-VMRUN-INTERCEPT', 'INTERCEPT_MISC2', hex(w), 'bit 0 (VMRUN intercept) must be 1', O.INTERCEPT_MISC2);
  return null;
}

/** SVM-ASID-ZERO — APM §15.5.1: GUEST_ASID = 0 (reserved for the host). ASID >= NASID is not a check. */
export function checkAsidZero(ctx: VmrunCheckContext): VmrunFailure | null {
  if (lo32(ctx.vmcb, O.GUEST_ASID) === 0) return fail('SVM-ASID-ZERO', 'GUEST_ASID', '0x0', 'GUEST_ASID must not be 0', O.GUEST_ASID);
  return null;
}

/**
 * True when a permission map of `reach` bytes at the page-aligned base of
 * the field at `off` "extends to a physical address >= the maximum
 * supported physical address" (APM §15.5.1): (base & ~0xFFF) + reach >=
 * 2^MAXPHYADDR. Checked whether or not the intercept that uses the map is
 * on (vmrun-checks.tsv; QEMU, hardware per kvm-unit-tests).
 */
function mapBeyondMaxPhys(ctx: VmrunCheckContext, off: number, reach: number): boolean {
  const base = toNumber(lo32(ctx.vmcb, off) & ~0xfff, hi32(ctx.vmcb, off));
  return base + reach >= 2 ** ctx.model.physAddrBits;
}

/** SVM-MSRPM-ADDR — APM §15.5.1, §15.11: (MSRPM_BASE_PA & ~0xFFF) + 8 KiB >= 2^MAXPHYADDR. Bits 11:0 ignored. */
export function checkMsrpmAddr(ctx: VmrunCheckContext): VmrunFailure | null {
  if (mapBeyondMaxPhys(ctx, O.MSRPM_BASE_PA, 0x2000)) {
    const m = ctx.model.physAddrBits;
    return fail('SVM-MSRPM-ADDR', 'MSRPM_BASE_PA', hexField(ctx.vmcb, O.MSRPM_BASE_PA),
      `the 8 KiB MSRPM must end below 2^${m}: (base & ~0xfff) + 0x2000 < ${hex64(0, 2 ** (m - 32))}`, O.MSRPM_BASE_PA);
  }
  return null;
}

/**
 * SVM-IOPM-ADDR — APM §15.5.1, §15.10: (IOPM_BASE_PA & ~0xFFF) + 8 KiB + 1
 * >= 2^MAXPHYADDR: VMRUN consults 64K bits plus the byte an access crossing
 * port 0xFFFF reaches. Bits 11:0 ignored.
 */
export function checkIopmAddr(ctx: VmrunCheckContext): VmrunFailure | null {
  if (mapBeyondMaxPhys(ctx, O.IOPM_BASE_PA, 0x2001)) {
    const m = ctx.model.physAddrBits;
    return fail('SVM-IOPM-ADDR', 'IOPM_BASE_PA', hexField(ctx.vmcb, O.IOPM_BASE_PA),
      `the IOPM (8 KiB + 1 byte consulted) must end below 2^${m}: (base & ~0xfff) + 0x2001 <= ${hex64(0, 2 ** (m - 32))}`, O.IOPM_BASE_PA);
  }
  return null;
}

const VALID_EVENT_TYPES = new Set<number>([EVENT_TYPE.INTR, EVENT_TYPE.NMI, EVENT_TYPE.EXCEPTION, EVENT_TYPE.SOFT_INT]);

/** SVM-EVENTINJ-TYPE — APM §15.20: EVENTINJ.V = 1 with TYPE 1, 5, 6 or 7 (reserved). */
export function checkEventInjType(ctx: VmrunCheckContext): VmrunFailure | null {
  const ev = lo32(ctx.vmcb, O.EVENTINJ);
  if ((ev & EVENT_V) === 0) return null;
  const type = (ev & EVENT_TYPE_MASK) >>> EVENT_TYPE_SHIFT;
  if (!VALID_EVENT_TYPES.has(type)) {
    return fail('SVM-EVENTINJ-TYPE', 'EVENTINJ', hexField(ctx.vmcb, O.EVENTINJ), `TYPE ${type} is reserved; valid: 0 INTR, 2 NMI, 3 exception, 4 software INT`, O.EVENTINJ);
  }
  return null;
}

/**
 * Is `vector` an exception EVENTINJ TYPE 3 may name on this CPU? The
 * defined AMD exceptions (KVM's list: #DE #DB #BP #OF #BR #UD #NM #DF #TS
 * #NP #SS #GP #PF #MF #AC #MC #XF #HV #SX), plus #CP with CET; #VC needs
 * SEV-ES, which nestvirt does not model. Not vector 2 (NMI uses TYPE 2).
 */
export function injectableException(vector: number, model: SvmModelView): boolean {
  const e = EXCEPTION_VECTORS[vector];
  if (!e || !e.defined) return false;
  if (e.feature === 'cet') return supportsCet(model);
  if (e.feature === 'sev-es' || e.feature === 'sev-snp') return false;
  return true;
}

/**
 * SVM-EVENTINJ-VECTOR — APM §15.20: TYPE 3 (exception) with a vector that
 * is not an exception (2, reserved vectors, >= 32). QEMU rejects only 2
 * and >= 31 (documented difference).
 */
export function checkEventInjVector(ctx: VmrunCheckContext): VmrunFailure | null {
  const ev = lo32(ctx.vmcb, O.EVENTINJ);
  if ((ev & EVENT_V) === 0 || (ev & EVENT_TYPE_MASK) >>> EVENT_TYPE_SHIFT !== EVENT_TYPE.EXCEPTION) return null;
  const vector = ev & 0xff;
  if (!injectableException(vector, ctx.model)) {
    return fail('SVM-EVENTINJ-VECTOR', 'EVENTINJ', hexField(ctx.vmcb, O.EVENTINJ),
      `TYPE 3 needs an exception vector (0,1,3-8,10-14,16-19,28,30${supportsCet(ctx.model) ? ',21' : ''}); ${vector} is not one`, O.EVENTINJ);
  }
  return null;
}

/**
 * SVM-EVENTINJ-RSVD — APM §15.20 (bits 30:12 reserved): only under the
 * Xen-strict policy (`eventInjReserved: 'invalid'`); hardware as observed by
 * QEMU and KVM ignores them, which is the default.
 */
export function checkEventInjRsvd(ctx: VmrunCheckContext): VmrunFailure | null {
  if (policyOf(ctx).eventInjReserved !== 'invalid') return null;
  const ev = lo32(ctx.vmcb, O.EVENTINJ);
  if ((ev & EVENT_V) !== 0 && (ev & EVENT_RESERVED_MASK) !== 0) {
    return fail('SVM-EVENTINJ-RSVD', 'EVENTINJ', hexField(ctx.vmcb, O.EVENTINJ), 'bits 30:12 are reserved (MBZ)', O.EVENTINJ);
  }
  return null;
}

/** SVM-NP-UNSUPPORTED — APM §15.25.3: NP_ENABLE = 1 but the CPU model has no nested paging (KVM; Bochs ignores the bit). */
export function checkNpUnsupported(ctx: VmrunCheckContext): VmrunFailure | null {
  if (npEnabled(ctx) && !ctx.model.has('npt')) {
    return fail('SVM-NP-UNSUPPORTED', 'NESTED_CTL', hexField(ctx.vmcb, O.NESTED_CTL), 'NP_ENABLE needs nested paging (CPUID 8000_000A EDX[0], +npt)', O.NESTED_CTL);
  }
  return null;
}

/** SVM-NP-HOSTPG — APM §15.25.3: NP_ENABLE = 1 while the CPU executing VMRUN has paging off (Bochs). */
export function checkNpHostPg(ctx: VmrunCheckContext): VmrunFailure | null {
  if (npEnabled(ctx) && (ctx.cpu.cr0 & CR0_PG) === 0) {
    return fail('SVM-NP-HOSTPG', 'NESTED_CTL', hexField(ctx.vmcb, O.NESTED_CTL), 'nested paging needs host paging (host CR0.PG=1): the NPT format follows the host paging mode', O.NESTED_CTL);
  }
  return null;
}

/** PAT memory types 2, 3 and >= 8 are reserved (APM vol 2 §7.8.1). */
function validPatType(t: number): boolean {
  return t < 8 && t !== 2 && t !== 3;
}

/** SVM-NP-GPAT — APM §15.25.8: with NP_ENABLE, G_PAT holds a reserved memory type in some byte (Bochs). */
export function checkNpGpat(ctx: VmrunCheckContext): VmrunFailure | null {
  if (!npEnabled(ctx)) return null;
  const lo = lo32(ctx.vmcb, O.G_PAT);
  const hi = hi32(ctx.vmcb, O.G_PAT);
  for (let i = 0; i < 8; i++) {
    const t = ((i < 4 ? lo : hi) >>> ((i & 3) * 8)) & 0xff;
    if (!validPatType(t)) {
      return fail('SVM-NP-GPAT', 'G_PAT', hex64(lo, hi), `PA${i} = ${hex(t)}: each byte must be a memory type 0, 1, 4, 5, 6 or 7`, O.G_PAT);
    }
  }
  return null;
}

/** SVM-NP-NCR3 — APM §15.25: with NP_ENABLE and a long-mode host, N_CR3 bits at or above MAXPHYADDR (Bochs). */
export function checkNpNcr3(ctx: VmrunCheckContext): VmrunFailure | null {
  if (!npEnabled(ctx) || (ctx.cpu.efer & EFER_LMA) === 0) return null;
  const m = ctx.model.physAddrBits;
  if (bitsAtOrAbove(lo32(ctx.vmcb, O.N_CR3), hi32(ctx.vmcb, O.N_CR3), m)) {
    return fail('SVM-NP-NCR3', 'N_CR3', hexField(ctx.vmcb, O.N_CR3), `N_CR3 bits 63:${m} (MAXPHYADDR) must be 0`, O.N_CR3);
  }
  return null;
}

/**
 * SVM-TLBCTL — APM §15.16.1: TLB_CONTROL values other than 0, 1, 3, 7 are
 * reserved, and 3/7 need FlushByAsid (CPUID 8000_000A EDX[6]). Reserved
 * values are undefined on hardware; like KVM we fail them with
 * VMEXIT_INVALID (QEMU treats them as 0: documented difference).
 */
export function checkTlbControl(ctx: VmrunCheckContext): VmrunFailure | null {
  const t = ctx.vmcb.read(O.TLB_CONTROL, 1);
  if (t === TLB_CONTROL.NOTHING || t === TLB_CONTROL.FLUSH_ALL) return null;
  const byAsid = ctx.model.has('flushbyasid');
  if ((t === TLB_CONTROL.FLUSH_ASID || t === TLB_CONTROL.FLUSH_ASID_NONGLOBAL) && byAsid) return null;
  return fail('SVM-TLBCTL', 'TLB_CONTROL', hex(t), byAsid ? 'valid values: 0, 1, 3, 7' : 'valid values: 0, 1 (3 and 7 need FlushByAsid, which this CPU model lacks)', O.TLB_CONTROL);
}
