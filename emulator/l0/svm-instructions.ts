// L0's emulation of the SVM instructions (AMD APM vol 3 "Instruction
// Reference": VMRUN, VMMCALL, VMLOAD, VMSAVE, STGI, CLGI, SKINIT, INVLPGA;
// vol 2 §15.5, §15.17, §15.16.2) for L1, and for L2 when L1 does not
// intercept them. Checks in the order of vmrun-checks.ts: #UD (SVM off,
// real mode), #GP(0) at CPL > 0, the intercept of the running VMCB, then the
// rAX operand (#GP(0): not 4 KiB aligned, beyond MAXPHYADDR).
import type { Cpu } from '../x86/cpu';
import type { Insn } from '../x86/decode/insn';
import { ud, notImplemented } from '../x86/exec/sys-util';
import { fold } from '../x86/canon';
import { attachSvmInstructions, SvmInstructionTable } from '../x86/exec/svm-hook';
import type { SvmModelView, VmrunFailure } from '../svm/vmrun-check-types';
import { checkInsnUdSvme, checkInsnGpCpl, checkInsnGpAlign, checkInsnGpMaxphy, vmrunVmcbAddress } from '../svm/vmrun-insn-checks';
import { vmcbInMemory } from '../svm/vmcb-access';
import { VMCB_OFF, VINTR_V_GIF, VINTR_V_GIF_ENABLE } from '../svm/vmcb-layout';
import { toNumber } from '../svm/u64';
import { SvmVcpuState } from './svm-state';
import { exposeSvmMsrs } from './svm-msrs';
import { vmloadState, vmsaveState } from './svm-guest-state';
import { initVmcb01, vmcb02Intercepts } from './svm-vmcb02';
import { vmrun, vmrunCpuState, faultOf } from './svm-vmrun';
import { setSvmLookups, reflect, handledByL0 } from './svm-nonroot';
import { installSvmSeams } from './svm-seams';
import * as R from './svm-exit-rules';
import { currentNpt02 } from './svm-npt02';

type H = (cpu: Cpu, i: Insn) => void;

interface Installed { s: SvmVcpuState; model: SvmModelView; nrips: boolean; vgif: boolean }
const installed = new WeakMap<Cpu, Installed>();

// The last vCPU looked up: a round trip's SVM instructions and interrupt
// checks all ask about the same vCPU (host wiring, not guest state).
let lastCpu: Cpu | null = null;
let last: Installed | undefined;

function lookup(cpu: Cpu): Installed | undefined {
  if (cpu !== lastCpu) { lastCpu = cpu; last = installed.get(cpu); }
  return last;
}

/** L0's SVM state of a vCPU, or undefined if nested SVM is not installed on it. */
export function svmStateOf(cpu: Cpu): SvmVcpuState | undefined {
  return lookup(cpu)?.s;
}

function get(cpu: Cpu): Installed {
  const x = lookup(cpu);
  if (!x) throw new Error('nested SVM: handler called on a vCPU without L0 SVM state');
  return x;
}

/** #UD (SVM off or real mode) then #GP(0) at CPL > 0: the simple exceptions every SVM instruction checks first. */
function simpleChecks(cpu: Cpu, x: Installed, i: Insn): void {
  const ctx = { model: x.model, cpu: vmrunCpuState(cpu, x.s, i) };
  const f: VmrunFailure | null = checkInsnUdSvme(ctx) ?? checkInsnGpCpl(ctx);
  if (f) throw faultOf(cpu, f);
}

/** rAX as a VMCB physical address (VMLOAD/VMSAVE): #GP(0) if unaligned or beyond MAXPHYADDR (APM vol 3 VMLOAD). */
function vmcbOperand(cpu: Cpu, x: Installed, i: Insn): number {
  const st = vmrunCpuState(cpu, x.s, i);
  const ctx = { model: x.model, cpu: st };
  const f = checkInsnGpAlign(ctx) ?? checkInsnGpMaxphy(ctx);
  if (f) throw faultOf(cpu, f);
  const a = vmrunVmcbAddress(st);
  return toNumber(a.lo, a.hi);
}

/**
 * In L2: VMCB02 intercepts every SVM instruction (L0_INTERCEPTS_L2); L1
 * gets the exit if VMCB12 asks, else L0 emulates the instruction for L2
 * (returns false).
 */
function l2Intercept(cpu: Cpu, s: SvmVcpuState, code: number, rule: R.L1Rule): boolean {
  if (s.level !== 2 || !vmcb02Intercepts(s, code)) return false;
  if (rule(s.v12)) { reflect(cpu, s, { code, nrip: true, rule: R.ruleName(code) }); return true; }
  handledByL0(cpu, code, `${R.ruleName(code)}: L0 emulates it for L2`);
  return false;
}

const vmrunH: H = (cpu, i) => {
  const x = get(cpu);
  vmrun(cpu, x.s, i, x.model, x.nrips, x.vgif);
};

/**
 * VMMCALL (APM vol 3 VMMCALL): no SVME or CPL check; in a guest it exits if
 * the VMCB intercepts it, else (and outside any guest) #UD. L0 does not
 * intercept L2's VMMCALL for itself, so VMCB02's bit is VMCB12's.
 */
const vmmcall: H = (cpu) => {
  const s = get(cpu).s;
  if (s.level === 2 && R.l1InterceptsVmmcall(s.v12)) { reflect(cpu, s, { code: 0x81, nrip: true, rule: 'l1InterceptsVmmcall' }); return; }
  throw ud(s.level === 2 ? 'VMMCALL not intercepted by VMCB12' : 'VMMCALL outside a guest');
};

/** VMLOAD (APM §15.5.2): FS, GS, TR, LDTR, KernelGSBase, STAR/LSTAR/CSTAR/SFMASK, SYSENTER_* from the VMCB at rAX. */
const vmload: H = (cpu, i) => {
  const x = get(cpu);
  simpleChecks(cpu, x, i);
  if (l2Intercept(cpu, x.s, 0x82, R.l1InterceptsVmload)) return;
  const addr = vmcbOperand(cpu, x, i);
  // Without virtual VMLOAD/VMSAVE the address is physical one level up:
  // L1-physical for both L1 and L2 (nested-svm.md §8).
  vmloadState(cpu, vmcbInMemory(x.s.mem, addr), x.model.linearAddrBits);
  cpu.exitBlock = true;
};

/** VMSAVE (APM §15.5.2): the VMLOAD fields into the VMCB at rAX. */
const vmsave: H = (cpu, i) => {
  const x = get(cpu);
  simpleChecks(cpu, x, i);
  if (l2Intercept(cpu, x.s, 0x83, R.l1InterceptsVmsave)) return;
  const addr = vmcbOperand(cpu, x, i);
  vmsaveState(cpu, vmcbInMemory(x.s.mem, addr));
};

/**
 * STGI/CLGI (APM §15.17): set/clear GIF. In L2 without L1's intercept they
 * act on L2's GIF: V_GIF when VMCB12 enables vGIF (§15.33.4), else the GIF
 * L0 keeps for L2.
 */
function gifInsn(set: boolean): H {
  const code = set ? 0x84 : 0x85;
  const rule = set ? R.l1InterceptsStgi : R.l1InterceptsClgi;
  return (cpu, i) => {
    const x = get(cpu);
    simpleChecks(cpu, x, i);
    const s = x.s;
    if (l2Intercept(cpu, s, code, rule)) return;
    if (s.level === 2) {
      const vintr = s.v02.read(VMCB_OFF.VINTR, 4) >>> 0;
      if (x.vgif && (vintr & VINTR_V_GIF_ENABLE)) s.v02.write(VMCB_OFF.VINTR, 4, (set ? vintr | VINTR_V_GIF : vintr & ~VINTR_V_GIF) >>> 0);
      else s.l2Gif = set;
    } else {
      s.gif = set;
    }
    // Pending interrupts are looked at again at the next boundary.
    cpu.exitBlock = true;
  };
}

/** SKINIT (APM vol 3 SKINIT): not modelled and not advertised (CPUID 8000_0001 ECX[12] = 0). */
const skinit: H = (cpu, i) => {
  const x = get(cpu);
  simpleChecks(cpu, x, i);
  if (l2Intercept(cpu, x.s, 0x86, R.l1InterceptsSkinit)) return;
  throw notImplemented(cpu, 'SKINIT (secure init and jump)');
};

/**
 * INVLPGA (APM §15.16.2): invalidates the TLB entry of the linear address in
 * rAX for the ASID in ECX. The page is dropped from the running context's
 * TLB and all of L2's kept entries go (a superset is allowed), and L0's
 * NPT02 shadow too, since L2's mappings may have changed.
 */
const invlpga: H = (cpu, i) => {
  const x = get(cpu);
  simpleChecks(cpu, x, i);
  if (l2Intercept(cpu, x.s, 0x7a, R.l1InterceptsInvlpga)) return;
  const lo = cpu.regs[0] >>> 0, hi = cpu.regs[1] | 0;
  const lin = i.asize === 8 ? fold(lo, hi) : i.asize === 4 ? lo : lo & 0xffff;
  if (lin >= 0) cpu.mmu.flushPage(lin); else cpu.mmu.flushAll();
  currentNpt02(x.s)?.flush();
  x.s.tlbL2.drop(); // the guest's kept entries (svm-tlb.ts): every ASID's, a superset
  cpu.exitBlock = true;
};

export const SVM_INSTRUCTIONS: SvmInstructionTable = {
  vmrun: vmrunH, vmmcall, vmload, vmsave, stgi: gifInsn(true), clgi: gifInsn(false), skinit, invlpga,
};

/**
 * Gives a vCPU L0's nested SVM (for a CPU policy with `svm`): the
 * instructions, VM_CR/VM_HSAVE_PA, the interrupt gate and the intercept
 * seams. VMCB12s live in the vCPU's physical memory (L1-physical = machine
 * memory: L0 runs L1 without nested paging).
 */
export function installNestedSvm(cpu: Cpu, model: SvmModelView = cpu.model as unknown as SvmModelView): SvmVcpuState {
  if (typeof model.cr4ValidMask !== 'number' || typeof model.eferValidMask !== 'number') {
    throw new Error('nested SVM needs a CPU model with CR4/EFER masks (parseCpuPolicy)');
  }
  const s = new SvmVcpuState(cpu.plat.mem);
  s.linearBits = model.linearAddrBits;
  s.nrips = model.has('nrip-save');
  initVmcb01(s);
  installed.set(cpu, { s, model, nrips: s.nrips, vgif: model.has('vgif') });
  lastCpu = null;
  setSvmLookups(svmStateOf);
  exposeSvmMsrs(svmStateOf);
  installSvmSeams();
  attachSvmInstructions(cpu, SVM_INSTRUCTIONS);
  return s;
}
