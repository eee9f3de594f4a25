// The SVM MSRs L0 implements for L1 (and, separately, for L2): VM_CR
// (C001_0114, AMD APM vol 2 §15.30.1), VM_HSAVE_PA (C001_0117, §15.30.4),
// and the EFER.SVME rules of §15.4 that depend on them. EFER itself stays in
// the core's MSR table (msr.ts): it already refuses SVME on a CPU model
// without SVM; this provider adds the VM_CR.SVMDIS rule and GIF's reset
// when SVM is turned off.
//
// L2 gets its own VM_CR and VM_HSAVE_PA (L0 keeps these MSRs intercepted in
// VMCB02's MSRPM), so an L2 writing them never changes L1's host-save area.
import type { Cpu } from '../x86/cpu';
import { registerMsrProvider, MsrProvider } from '../x86/msr';
import { gp0 } from '../x86/exec/sys-util';
import { EFER_SVME } from '../x86/regs';
import { vmHsavePaWriteFault } from '../svm/vmrun-insn-checks';
import { hex64 } from '../svm/u64';
import type { SvmVcpuState } from './svm-state';

export const MSR_EFER = 0xc0000080;
export const MSR_VM_CR = 0xc0010114;
export const MSR_VM_HSAVE_PA = 0xc0010117;

/** VM_CR bits (APM §15.30.1). */
export const VM_CR_DPD = 1 << 0, VM_CR_R_INIT = 1 << 1, VM_CR_DIS_A20M = 1 << 2, VM_CR_LOCK = 1 << 3, VM_CR_SVMDIS = 1 << 4;
/** Bits 63:5 are reserved: writing 1 is #GP (APM §15.30.1). */
const VM_CR_DEFINED = 0x1f;
/** Bits nestvirt does not model: INIT redirection to #SX and A20M masking control. */
const VM_CR_UNMODELLED: readonly [number, string][] = [[VM_CR_R_INIT, 'VM_CR.R_INIT (INIT as #SX)'], [VM_CR_DIS_A20M, 'VM_CR.DIS_A20M']];

let lookup: (cpu: Cpu) => SvmVcpuState | undefined = () => undefined;

function vmCrWrite(cpu: Cpu, s: SvmVcpuState, lo: number, hi: number): void {
  const l2 = s.level === 2;
  const old = l2 ? s.l2VmCr : s.vmCr;
  if (hi !== 0 || (lo & ~VM_CR_DEFINED)) throw gp0(`WRMSR VM_CR ${hex64(lo, hi)}: bits 63:5 are reserved (APM §15.30.1)`);
  for (const [bit, what] of VM_CR_UNMODELLED) {
    if (lo & bit & ~old) {
      cpu.plat.events.diagnoseOnce(`ni:${what}`, {
        kind: 'diagnostic', code: 'not-implemented', icount: cpu.icount, vcpu: cpu.id, rip: cpu.rip,
        message: `not implemented: ${what}; WRMSR VM_CR gets #GP(0)`,
      });
      throw gp0(`not implemented: ${what}`);
    }
  }
  let v = lo & VM_CR_DEFINED;
  // LOCK = 1: writes to LOCK and SVMDIS are ignored (APM §15.30.1).
  if (old & VM_CR_LOCK) v = (v & ~(VM_CR_LOCK | VM_CR_SVMDIS)) | (old & (VM_CR_LOCK | VM_CR_SVMDIS));
  // Setting SVMDIS while EFER.SVME = 1 is #GP (APM §15.30.1).
  if ((v & VM_CR_SVMDIS) && (cpu.efer & EFER_SVME)) throw gp0('WRMSR VM_CR.SVMDIS = 1 while EFER.SVME = 1 (APM §15.30.1)');
  if (l2) s.l2VmCr = v; else s.vmCr = v;
}

function hsaveWrite(cpu: Cpu, s: SvmVcpuState, lo: number, hi: number): void {
  // Bits 11:0 MBZ and the address below MAXPHYADDR, else #GP (APM §15.30.4).
  const why = vmHsavePaWriteFault(lo >>> 0, hi >>> 0, cpu.model.physAddrBits);
  if (why) throw gp0(`WRMSR ${why} (APM §15.30.4)`);
  if (s.level === 2) { s.l2HsaveLo = lo >>> 0; s.l2HsaveHi = hi >>> 0; } else { s.hsaveLo = lo >>> 0; s.hsaveHi = hi >>> 0; }
}

const provider: MsrProvider = {
  rdmsr(cpu, index) {
    if (index !== MSR_VM_CR && index !== MSR_VM_HSAVE_PA) return null;
    const s = lookup(cpu);
    if (!s) return null;
    const l2 = s.level === 2;
    if (index === MSR_VM_CR) { cpu.hi = 0; return l2 ? s.l2VmCr : s.vmCr; }
    cpu.hi = (l2 ? s.l2HsaveHi : s.hsaveHi) | 0;
    return l2 ? s.l2HsaveLo : s.hsaveLo;
  },
  wrmsr(cpu, index, lo, hi) {
    if (index !== MSR_VM_CR && index !== MSR_VM_HSAVE_PA && index !== MSR_EFER) return false;
    const s = lookup(cpu);
    if (!s) return false;
    if (index === MSR_VM_CR) { vmCrWrite(cpu, s, lo >>> 0, hi >>> 0); return true; }
    if (index === MSR_VM_HSAVE_PA) { hsaveWrite(cpu, s, lo, hi); return true; }
    // EFER: SVME may not be set while VM_CR.SVMDIS = 1 (APM §15.4, §15.30.1).
    const vmCr = s.level === 2 ? s.l2VmCr : s.vmCr;
    if ((lo & EFER_SVME) && (vmCr & VM_CR_SVMDIS)) throw gp0('WRMSR EFER.SVME = 1 while VM_CR.SVMDIS = 1 (APM §15.4)');
    // Turning SVM off in L1 leaves no way to execute STGI (#UD without
    // SVME): GIF goes back to its reset value 1, as KVM does (nested-svm.md
    // §7; APM §15.17 reset value).
    if (s.level === 1 && !(lo & EFER_SVME)) s.gif = true;
    return false; // the core's EFER row does the rest
  },
};

/** Makes VM_CR/VM_HSAVE_PA and the EFER.SVME rules live for vCPUs with SVM state. */
export function exposeSvmMsrs(stateOf: (cpu: Cpu) => SvmVcpuState | undefined): void {
  lookup = stateOf;
  registerMsrProvider(provider);
}
