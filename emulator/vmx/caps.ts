// The VMX capabilities a VMCS is checked against: the IA32_VMX_* MSR values
// a CPU reports (for VMCS12: what L0 reports to L1 from the VM's -cpu policy;
// for VMCS02: nestvirt's own "hardware"), resolved once into plain numbers so
// the entry checks and VMREAD/VMWRITE never look anything up by name.
//
// SDM vol 3C Appendix A (A.1 BASIC, A.3-A.5 controls, A.6 MISC, A.7/A.8 fixed
// CR bits, A.9 VMCS_ENUM, A.10 EPT/VPID, A.11 VMFUNC); vmx-msrs.tsv.

import {
  IA32_VMX_BASIC, IA32_VMX_MISC, IA32_VMX_CR0_FIXED0, IA32_VMX_CR0_FIXED1, IA32_VMX_CR4_FIXED0, IA32_VMX_CR4_FIXED1,
  IA32_VMX_VMCS_ENUM, IA32_VMX_EPT_VPID_CAP,
} from '../x86/cpu-features';
import { ControlWord, allowedSettings, controlCapabilityMsr } from './controls';

/**
 * What the VMX layer needs from a CPU model. `CpuModel` (x86/cpu-model.ts)
 * satisfies it; the optional members describe MSR/feature details the
 * capability MSRs do not carry (defaults: what nestvirt's core implements).
 */
export interface VmxCapabilitySource {
  /** IA32_VMX_* MSR as [lo, hi], null if the MSR does not exist. */
  vmxMsr(index: number): readonly [number, number] | null;
  /** MAXPHYADDR (CPUID 80000008H:EAX[7:0]). */
  readonly physAddrBits: number;
  /** Linear-address width, 48 (or 57 with LA57). Default 48. */
  readonly linearAddrBits?: number;
  /** IA32_EFER bits WRMSR accepts (bits 31:0; 63:32 are reserved). Default SCE|LME|LMA|NXE. */
  readonly eferValidMask?: number;
  /** IA32_DEBUGCTL bits 31:0 that are not reserved. Default 0xFFC3 (bits 0, 1, 6-15; SDM vol 3B §18.4.1). */
  readonly debugctlValidMask?: number;
  /** IA32_PERF_GLOBAL_CTRL valid bits [lo, hi]. Default [0, 0]: nestvirt has no PMU. */
  readonly perfGlobalCtrlValid?: readonly [number, number];
  /** IA32_RTIT_CTL valid bits [lo, hi]. Default [0, 0]: no Intel PT. */
  readonly rtitCtlValid?: readonly [number, number];
  /** IA32_LBR_CTL valid bits [lo, hi]. Default [0, 0]: no architectural LBRs. */
  readonly lbrCtlValid?: readonly [number, number];
  /** IA32_SPEC_CTRL valid bits [lo, hi]. Default [0, 0]: not implemented. */
  readonly specCtrlValid?: readonly [number, number];
  /** RTM (TSX) supported: pending-debug-exceptions bit 16 allowed. Default false. */
  readonly rtm?: boolean;
  /** SGX supported: interruptibility bit 4 (enclave interruption) allowed. Default false. */
  readonly sgx?: boolean;
  /** LAM supported: CR3 bits 62:61 allowed. Default false. */
  readonly lam?: boolean;
}

/** Resolved capabilities: every value a check reads, as plain numbers. */
export interface VmxCaps {
  readonly basicLo: number;
  readonly basicHi: number;
  /** IA32_VMX_BASIC[55]: the TRUE control MSRs govern pin/primary/exit/entry. */
  readonly trueCtls: boolean;
  /** Bits 30:0 of IA32_VMX_BASIC. */
  readonly revisionId: number;
  /** Allowed-0 / allowed-1 masks of the 32-bit control words (from TRUE MSRs when trueCtls). */
  readonly pin0: number; readonly pin1: number;
  readonly proc0: number; readonly proc1: number;
  readonly proc2_0: number; readonly proc2_1: number;
  readonly exit0: number; readonly exit1: number;
  readonly entry0: number; readonly entry1: number;
  /** Allowed-1 masks of the 64-bit words. */
  readonly proc3Lo: number; readonly proc3Hi: number;
  readonly exit2Lo: number; readonly exit2Hi: number;
  readonly vmfuncLo: number; readonly vmfuncHi: number;
  readonly miscLo: number; readonly miscHi: number;
  readonly cr0Fixed0Lo: number; readonly cr0Fixed0Hi: number;
  readonly cr0Fixed1Lo: number; readonly cr0Fixed1Hi: number;
  readonly cr4Fixed0Lo: number; readonly cr4Fixed0Hi: number;
  readonly cr4Fixed1Lo: number; readonly cr4Fixed1Hi: number;
  readonly vmcsEnum: number;
  readonly eptVpidLo: number; readonly eptVpidHi: number;
  readonly physAddrBits: number;
  readonly linearAddrBits: number;
  /** "Processor supports Intel 64": exit control 'host address-space size' may be 1. */
  readonly intel64: boolean;
  /** CR4.FRED (bit 32) may be 1 (CR4_FIXED1 bit 32). */
  readonly fred: boolean;
  /** CR4.CET (bit 23) may be 1. */
  readonly cet: boolean;
  readonly eferValidMask: number;
  readonly debugctlValidMask: number;
  readonly perfGlobalCtrlValidLo: number; readonly perfGlobalCtrlValidHi: number;
  readonly rtitCtlValidLo: number; readonly rtitCtlValidHi: number;
  readonly lbrCtlValidLo: number; readonly lbrCtlValidHi: number;
  readonly specCtrlValidLo: number; readonly specCtrlValidHi: number;
  readonly rtm: boolean;
  readonly sgx: boolean;
  readonly lam: boolean;
  /** Allowed-1 lookup for field existence: may `word` bit `bit` be 1? */
  allowed1(word: ControlWord | 'basic', bit: number): boolean;
}

const EFER_DEFAULT_VALID = (1 << 0) | (1 << 8) | (1 << 10) | (1 << 11);

/** Reads every IA32_VMX_* MSR once. */
export function resolveVmxCaps(src: VmxCapabilitySource): VmxCaps {
  const get = (i: number): readonly [number, number] => src.vmxMsr(i) ?? [0, 0];
  const [basicLo, basicHi] = get(IA32_VMX_BASIC);
  const trueCtls = ((basicHi >>> 23) & 1) === 1;
  const set = (w: ControlWord) => allowedSettings(w, src.vmxMsr(controlCapabilityMsr(w, trueCtls)));
  const pin = set('pin');
  const proc = set('primary');
  // Secondary/tertiary/secondary-exit MSRs exist only if the primary control
  // that activates them may be 1 (Appendix A.3.3, A.3.4, A.4.2).
  const proc2 = proc.allowed1Lo >>> 31 ? set('secondary') : allowedSettings('secondary', null);
  const proc3 = (proc.allowed1Lo >>> 17) & 1 ? set('tertiary') : allowedSettings('tertiary', null);
  const exit = set('exit');
  const exit2 = exit.allowed1Lo >>> 31 ? set('exit2') : allowedSettings('exit2', null);
  const entry = set('entry');
  const vmfunc = (proc2.allowed1Lo >>> 13) & 1 ? set('vmfunc') : allowedSettings('vmfunc', null);
  const [miscLo, miscHi] = get(IA32_VMX_MISC);
  const [cr0Fixed0Lo, cr0Fixed0Hi] = get(IA32_VMX_CR0_FIXED0);
  const [cr0Fixed1Lo, cr0Fixed1Hi] = get(IA32_VMX_CR0_FIXED1);
  const [cr4Fixed0Lo, cr4Fixed0Hi] = get(IA32_VMX_CR4_FIXED0);
  const [cr4Fixed1Lo, cr4Fixed1Hi] = get(IA32_VMX_CR4_FIXED1);
  const [eptVpidLo, eptVpidHi] = get(IA32_VMX_EPT_VPID_CAP);
  const pair = (v: readonly [number, number] | undefined) => (v ? [v[0] >>> 0, v[1] >>> 0] : [0, 0]);
  const [pgLo, pgHi] = pair(src.perfGlobalCtrlValid);
  const [rtLo, rtHi] = pair(src.rtitCtlValid);
  const [lbLo, lbHi] = pair(src.lbrCtlValid);
  const [scLo, scHi] = pair(src.specCtrlValid);
  const words: Record<ControlWord, [number, number]> = {
    pin: [pin.allowed1Lo, 0], primary: [proc.allowed1Lo, 0], secondary: [proc2.allowed1Lo, 0],
    tertiary: [proc3.allowed1Lo, proc3.allowed1Hi], exit: [exit.allowed1Lo, 0], exit2: [exit2.allowed1Lo, exit2.allowed1Hi],
    entry: [entry.allowed1Lo, 0], vmfunc: [vmfunc.allowed1Lo, vmfunc.allowed1Hi],
  };
  return {
    basicLo: basicLo >>> 0, basicHi: basicHi >>> 0, trueCtls, revisionId: basicLo & 0x7fffffff,
    pin0: pin.allowed0Lo, pin1: pin.allowed1Lo,
    proc0: proc.allowed0Lo, proc1: proc.allowed1Lo,
    proc2_0: proc2.allowed0Lo, proc2_1: proc2.allowed1Lo,
    exit0: exit.allowed0Lo, exit1: exit.allowed1Lo,
    entry0: entry.allowed0Lo, entry1: entry.allowed1Lo,
    proc3Lo: proc3.allowed1Lo, proc3Hi: proc3.allowed1Hi,
    exit2Lo: exit2.allowed1Lo, exit2Hi: exit2.allowed1Hi,
    vmfuncLo: vmfunc.allowed1Lo, vmfuncHi: vmfunc.allowed1Hi,
    miscLo: miscLo >>> 0, miscHi: miscHi >>> 0,
    cr0Fixed0Lo: cr0Fixed0Lo >>> 0, cr0Fixed0Hi: cr0Fixed0Hi >>> 0, cr0Fixed1Lo: cr0Fixed1Lo >>> 0, cr0Fixed1Hi: cr0Fixed1Hi >>> 0,
    cr4Fixed0Lo: cr4Fixed0Lo >>> 0, cr4Fixed0Hi: cr4Fixed0Hi >>> 0, cr4Fixed1Lo: cr4Fixed1Lo >>> 0, cr4Fixed1Hi: cr4Fixed1Hi >>> 0,
    vmcsEnum: get(IA32_VMX_VMCS_ENUM)[0] >>> 0,
    eptVpidLo: eptVpidLo >>> 0, eptVpidHi: eptVpidHi >>> 0,
    physAddrBits: src.physAddrBits,
    linearAddrBits: src.linearAddrBits ?? 48,
    intel64: ((exit.allowed1Lo >>> 9) & 1) === 1,
    fred: (cr4Fixed1Hi & 1) === 1,
    cet: ((cr4Fixed1Lo >>> 23) & 1) === 1,
    eferValidMask: (src.eferValidMask ?? EFER_DEFAULT_VALID) >>> 0,
    debugctlValidMask: (src.debugctlValidMask ?? 0xffc3) >>> 0,
    perfGlobalCtrlValidLo: pgLo, perfGlobalCtrlValidHi: pgHi,
    rtitCtlValidLo: rtLo, rtitCtlValidHi: rtHi,
    lbrCtlValidLo: lbLo, lbrCtlValidHi: lbHi,
    specCtrlValidLo: scLo, specCtrlValidHi: scHi,
    rtm: src.rtm ?? false,
    sgx: src.sgx ?? false,
    lam: src.lam ?? false,
    allowed1(word: ControlWord | 'basic', bit: number): boolean {
      if (word === 'basic') return (bit < 32 ? (basicLo >>> bit) & 1 : (basicHi >>> (bit - 32)) & 1) === 1;
      const [lo, hi] = words[word];
      return (bit < 32 ? (lo >>> bit) & 1 : (hi >>> (bit - 32)) & 1) === 1;
    },
  };
}

/**
 * A capability source that allows every control and feature the tables
 * know (all allowed-1 bits, no allowed-0 bits beyond default1 in the
 * non-TRUE MSRs, every EPT/VPID capability, all activity states,
 * MISC[29]/[30]; BASIC[56] and [58] off). For tests and tools that want to exercise every check;
 * never what a VM reports.
 */
export function everythingCapabilitySource(physAddrBits = 46): VmxCapabilitySource {
  const msrs = new Map<number, [number, number]>([
    [0x480, [0x4e560001, (4096 | (6 << 18) | (1 << 17) | (1 << 22) | (1 << 23)) >>> 0]],
    [0x481, [0x16, 0xff]], [0x48d, [0, 0xff]],
    [0x482, [0x0401e172, 0xfffbfffe]], [0x48e, [0, 0xfffbfffe]],
    [0x48b, [0, 0xdfffffff]],
    [0x492, [0x1df, 0]],
    [0x483, [0x00036dff, 0xffffffff]], [0x48f, [0, 0xffffffff]],
    [0x493, [0xf, 0]],
    [0x484, [0x000011ff, 0x01ffffff]], [0x490, [0, 0x01ffffff]],
    [0x485, [(5 | (1 << 5) | (1 << 6) | (1 << 7) | (1 << 8) | (4 << 16) | (1 << 29) | (1 << 30)) >>> 0, 0]],
    [0x486, [0x80000021, 0]], [0x487, [0xffffffff, 0]],
    [0x488, [0x2000, 0]], [0x489, [0x01ff7fff, 1]],
    [0x48a, [0x2a << 1, 0]],
    [0x48c, [(1 | (1 << 6) | (1 << 7) | (1 << 8) | (1 << 14) | (1 << 16) | (1 << 17) | (1 << 20) | (1 << 21) | (1 << 22) | (1 << 23) | (1 << 25) | (1 << 26)) >>> 0,
      (1 | (1 << 8) | (1 << 9) | (1 << 10) | (1 << 11)) >>> 0]],
    [0x491, [1, 0]],
  ]);
  return {
    vmxMsr: (i) => msrs.get(i) ?? null,
    physAddrBits,
    linearAddrBits: 48,
    eferValidMask: 0xd01,
    debugctlValidMask: 0xffc3,
    perfGlobalCtrlValid: [0xf, 0x7],
    rtitCtlValid: [0x3fff, 0],
    lbrCtlValid: [0x3f000f, 0],
    specCtrlValid: [0x7, 0],
    rtm: true,
    sgx: true,
    lam: true,
  };
}
