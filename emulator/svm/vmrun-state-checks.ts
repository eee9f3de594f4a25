// VMRUN consistency checks on the guest state-save area (AMD APM vol 2
// §15.5.1 "Canonicalization and Consistency Checks"): illegal guest state
// makes VMRUN complete with #VMEXIT(VMEXIT_INVALID). One function per
// vmrun-checks.tsv row.
import { CR0_CD, CR0_NW, CR0_PE, CR0_PG, CR0_WP, CR4_PAE, EFER_LMA, EFER_LME, EFER_SVME } from '../x86/regs';
import { bitsAtOrAbove, hex, hex64, isCanonicalHi } from './u64';
import { ATTRIB_DB, ATTRIB_L, NESTED_CTL_NP_ENABLE, SEG_ATTRIB, VMCB_OFF } from './vmcb-layout';
import { CR4_CET, VmrunCheckContext, VmrunFailure, fail, hexField, hi32, lo32, supportsCet } from './vmrun-check-types';

const O = VMCB_OFF;

/** Guest EFER.LME and CR0.PG: the processor will run the guest in long mode (it recomputes LMA). */
function guestLongMode(ctx: VmrunCheckContext): boolean {
  return (lo32(ctx.vmcb, O.EFER) & EFER_LME) !== 0 && (lo32(ctx.vmcb, O.CR0) & CR0_PG) !== 0;
}

/** SVM-EFER-SVME — APM §15.5.1: guest EFER.SVME = 0 is illegal. */
export function checkEferSvme(ctx: VmrunCheckContext): VmrunFailure | null {
  if ((lo32(ctx.vmcb, O.EFER) & EFER_SVME) === 0) return fail('SVM-EFER-SVME', 'EFER', hexField(ctx.vmcb, O.EFER), 'EFER.SVME (bit 12) must be 1', O.EFER);
  return null;
}

/**
 * SVM-EFER-MBZ — APM §15.5.1: any MBZ bit of EFER set. MBZ = bits 63:16,
 * bit 9, bits 7:1, and the bits of features this CPU model lacks
 * (cpu-model eferValidMask; LMSLE and TCE are never implemented, as in
 * QEMU). LME/LMA are left to SVM-EFER-NOLM so that row names the problem.
 */
export function checkEferMbz(ctx: VmrunCheckContext): VmrunFailure | null {
  const lo = lo32(ctx.vmcb, O.EFER);
  const hi = hi32(ctx.vmcb, O.EFER);
  const allowed = (ctx.model.eferValidMask | EFER_LME | EFER_LMA) >>> 0;
  const bad = (lo & ~allowed) >>> 0;
  if (hi !== 0 || bad !== 0) {
    return fail('SVM-EFER-MBZ', 'EFER', hex64(lo, hi), `bits outside ${hex(allowed)} are MBZ on this CPU (offending ${hex64(bad, hi)})`, O.EFER);
  }
  return null;
}

/** SVM-EFER-NOLM — APM §15.5.1: EFER.LME or EFER.LMA set on a CPU without long mode (CPUID 8000_0001 EDX[29]). */
export function checkEferNoLm(ctx: VmrunCheckContext): VmrunFailure | null {
  const lo = lo32(ctx.vmcb, O.EFER);
  if ((lo & (EFER_LME | EFER_LMA)) !== 0 && !ctx.model.has('lm')) {
    return fail('SVM-EFER-NOLM', 'EFER', hexField(ctx.vmcb, O.EFER), 'EFER.LME/LMA must be 0: the CPU model has no long mode', O.EFER);
  }
  return null;
}

/** SVM-CR0-CD-NW — APM §15.5.1: CR0.CD = 0 with CR0.NW = 1 is illegal. */
export function checkCr0CdNw(ctx: VmrunCheckContext): VmrunFailure | null {
  const cr0 = lo32(ctx.vmcb, O.CR0);
  if ((cr0 & CR0_CD) === 0 && (cr0 & CR0_NW) !== 0) return fail('SVM-CR0-CD-NW', 'CR0', hexField(ctx.vmcb, O.CR0), 'CR0.NW=1 requires CR0.CD=1', O.CR0);
  return null;
}

/**
 * SVM-CR0-HI — APM §15.5.1: CR0[63:32] != 0. No other CR0 rule: paged real
 * mode (PG=1, PE=0, LME=0) is legal for SVM guests (APM §15.19).
 */
export function checkCr0Hi(ctx: VmrunCheckContext): VmrunFailure | null {
  if (hi32(ctx.vmcb, O.CR0) !== 0) return fail('SVM-CR0-HI', 'CR0', hexField(ctx.vmcb, O.CR0), 'CR0[63:32] must be 0', O.CR0);
  return null;
}

/**
 * SVM-CR3-MBZ — APM §15.5.1 "any MBZ bit of CR3": for a long-mode guest
 * (guest EFER.LME and CR0.PG, as KVM checks) bits 63:MAXPHYADDR. Reserved
 * low bits are not checked by VMRUN (kvm-unit-tests: the guest runs and
 * faults later). QEMU tests the *host's* EFER.LMA here (documented
 * difference).
 */
export function checkCr3Mbz(ctx: VmrunCheckContext): VmrunFailure | null {
  if (!guestLongMode(ctx)) return null;
  const m = ctx.model.physAddrBits;
  if (bitsAtOrAbove(lo32(ctx.vmcb, O.CR3), hi32(ctx.vmcb, O.CR3), m)) {
    return fail('SVM-CR3-MBZ', 'CR3', hexField(ctx.vmcb, O.CR3), `long mode: CR3 bits 63:${m} (MAXPHYADDR) must be 0`, O.CR3);
  }
  return null;
}

/** SVM-CR4-MBZ — APM §15.5.1: any reserved CR4 bit for this CPU's features (bits 63:32 always; cpu-model cr4ValidMask). */
export function checkCr4Mbz(ctx: VmrunCheckContext): VmrunFailure | null {
  const lo = lo32(ctx.vmcb, O.CR4);
  const hi = hi32(ctx.vmcb, O.CR4);
  const bad = (lo & ~ctx.model.cr4ValidMask) >>> 0;
  if (hi !== 0 || bad !== 0) {
    return fail('SVM-CR4-MBZ', 'CR4', hex64(lo, hi), `only bits ${hex(ctx.model.cr4ValidMask)} may be set on this CPU (offending ${hex64(bad, hi)})`, O.CR4);
  }
  return null;
}

/** SVM-DR6-HI — APM §15.5.1: DR6[63:32] != 0. */
export function checkDr6Hi(ctx: VmrunCheckContext): VmrunFailure | null {
  if (hi32(ctx.vmcb, O.DR6) !== 0) return fail('SVM-DR6-HI', 'DR6', hexField(ctx.vmcb, O.DR6), 'DR6[63:32] must be 0', O.DR6);
  return null;
}

/** SVM-DR7-HI — APM §15.5.1: DR7[63:32] != 0. */
export function checkDr7Hi(ctx: VmrunCheckContext): VmrunFailure | null {
  if (hi32(ctx.vmcb, O.DR7) !== 0) return fail('SVM-DR7-HI', 'DR7', hexField(ctx.vmcb, O.DR7), 'DR7[63:32] must be 0', O.DR7);
  return null;
}

/** SVM-LME-PG-NOPAE — APM §15.5.1: EFER.LME = 1 and CR0.PG = 1 with CR4.PAE = 0. */
export function checkLmePgNoPae(ctx: VmrunCheckContext): VmrunFailure | null {
  if (guestLongMode(ctx) && (lo32(ctx.vmcb, O.CR4) & CR4_PAE) === 0) {
    return fail('SVM-LME-PG-NOPAE', 'CR4', hexField(ctx.vmcb, O.CR4), 'with EFER.LME=1 and CR0.PG=1, CR4.PAE must be 1', O.CR4);
  }
  return null;
}

/** SVM-LME-PG-NOPE — APM §15.5.1: EFER.LME = 1 and CR0.PG = 1 with CR0.PE = 0. */
export function checkLmePgNoPe(ctx: VmrunCheckContext): VmrunFailure | null {
  if (guestLongMode(ctx) && (lo32(ctx.vmcb, O.CR0) & CR0_PE) === 0) {
    return fail('SVM-LME-PG-NOPE', 'CR0', hexField(ctx.vmcb, O.CR0), 'with EFER.LME=1 and CR0.PG=1, CR0.PE must be 1', O.CR0);
  }
  return null;
}

/**
 * SVM-LME-PG-PAE-CSLD — APM §15.5.1: EFER.LME, CR0.PG, CR4.PAE, CS.L and
 * CS.D all set. (EFER.LMA in the VMCB is not compared with LME and PG: the
 * processor recomputes it.)
 */
export function checkLmePgPaeCsLd(ctx: VmrunCheckContext): VmrunFailure | null {
  if (!guestLongMode(ctx) || (lo32(ctx.vmcb, O.CR4) & CR4_PAE) === 0) return null;
  const attrib = ctx.vmcb.read(O.CS + SEG_ATTRIB, 2);
  if ((attrib & ATTRIB_L) !== 0 && (attrib & ATTRIB_DB) !== 0) {
    return fail('SVM-LME-PG-PAE-CSLD', 'CS.attrib', hex(attrib), 'in long mode CS.L=1 requires CS.D=0', O.CS + SEG_ATTRIB);
  }
  return null;
}

/** PDPTE reserved bits in PAE paging (APM vol 2 §5.3.2; KVM's PDPTE mask): bits 2:1, 8:5 and 63:MAXPHYADDR. */
const PDPTE_RSVD_LO = 0x1e6;

/**
 * SVM-PDPTE — APM §15.5.1 with vol 2 §5.3: a legacy-PAE guest (CR0.PG,
 * CR4.PAE, not long mode) without nested paging loads its four PDPTEs from
 * guest CR3 at VMRUN; a present PDPTE with a reserved bit set fails (KVM
 * load_pdptrs, Bochs CheckPDPTR; QEMU does not check). With NP the PDPTEs
 * are guest-physical and read later, through the NPT.
 */
export function checkPdpte(ctx: VmrunCheckContext): VmrunFailure | null {
  const v = ctx.vmcb;
  if (lo32(v, O.NESTED_CTL) & NESTED_CTL_NP_ENABLE) return null;
  if ((lo32(v, O.CR0) & CR0_PG) === 0 || (lo32(v, O.CR4) & CR4_PAE) === 0 || (lo32(v, O.EFER) & EFER_LME) !== 0) return null;
  // PAE CR3: bits 31:5 locate the 32-byte aligned PDPT (APM vol 2 §5.3.2).
  const pdpt = (lo32(v, O.CR3) & 0xffffffe0) >>> 0;
  const m = ctx.model.physAddrBits;
  for (let i = 0; i < 4; i++) {
    const lo = ctx.mem.read(pdpt + i * 8, 4) >>> 0;
    const hi = ctx.mem.read(pdpt + i * 8 + 4, 4) >>> 0;
    if ((lo & 1) === 0) continue;
    if ((lo & PDPTE_RSVD_LO) !== 0 || bitsAtOrAbove(0, hi, m)) {
      return fail('SVM-PDPTE', `PDPTE${i} at ${hex(pdpt + i * 8)} (from CR3)`, hex64(lo, hi),
        `a present PDPTE must have bits 2:1, 8:5 and 63:${m} clear`);
    }
  }
  return null;
}

/** S_CET reserved bits 9:6 (CET MSR layout, APM vol 2 §18.2). */
const S_CET_RSVD = 0x3c0;

/**
 * SVM-CET — APM §15.5.1 (newer revisions; vmrun-checks.tsv asks to verify):
 * only when the CPU has CET (CR4.CET settable): CR4.CET=1 with CR0.WP=0,
 * reserved S_CET bits, or a non-canonical SSP / ISST_ADDR. Without CET the
 * CET fields are not loaded and CR4.CET is already an MBZ bit (SVM-CR4-MBZ).
 */
export function checkCet(ctx: VmrunCheckContext): VmrunFailure | null {
  if (!supportsCet(ctx.model)) return null;
  const v = ctx.vmcb;
  if ((lo32(v, O.CR4) & CR4_CET) !== 0 && (lo32(v, O.CR0) & CR0_WP) === 0) {
    return fail('SVM-CET', 'CR0', hexField(v, O.CR0), 'CR4.CET=1 requires CR0.WP=1', O.CR0);
  }
  if ((lo32(v, O.S_CET) & S_CET_RSVD) !== 0) return fail('SVM-CET', 'S_CET', hexField(v, O.S_CET), 'S_CET bits 9:6 are reserved', O.S_CET);
  const bits = ctx.model.linearAddrBits;
  if (!isCanonicalHi(hi32(v, O.SSP), bits)) return fail('SVM-CET', 'SSP', hexField(v, O.SSP), 'SSP must be canonical', O.SSP);
  if (!isCanonicalHi(hi32(v, O.ISST_ADDR), bits)) return fail('SVM-CET', 'ISST_ADDR', hexField(v, O.ISST_ADDR), 'ISST_ADDR must be canonical', O.ISST_ADDR);
  return null;
}
