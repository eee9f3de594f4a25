// Interrupts and GIF for a vCPU with SVM state, asked at every instruction
// boundary (x86/exec/svm-hook.ts svmEvents): GIF = 0 holds INIT, NMI and
// INTR pending (AMD APM vol 2 §15.17); while L2 runs, the guest interrupt
// rules of §15.21 (INTR/NMI intercepts, V_INTR_MASKING, V_IRQ/V_TPR, the
// VINTR interrupt-window intercept, vGIF) decide between delivering to L2
// and a #VMEXIT to L1.
import type { Cpu } from '../x86/cpu';
import { getFlags } from '../x86/flags';
import { IF } from '../x86/regs';
import { raise } from '../x86/exec/interrupts';
import { EventType } from '../x86/exec/sys-deliver';
import type { SvmEventGate } from '../x86/exec/svm-hook';
import {
  VMCB_OFF, VINTR_V_IRQ, VINTR_V_IGN_TPR, VINTR_V_INTR_MASKING, VINTR_V_INTR_PRIO_SHIFT, VINTR_V_GIF, VINTR_V_GIF_ENABLE,
} from '../svm/vmcb-layout';
import type { SvmVcpuState } from './svm-state';
import * as R from './svm-exit-rules';
import { vmcb02Intercepts } from './svm-vmcb02';
import { reflect, svmStateLookup } from './svm-nonroot';
import { detachNpt02 } from './svm-npt02';

const O = VMCB_OFF;

/** The core's SVM interrupt gate (svm-hook.ts svmEvents). */
export const svmGate: SvmEventGate = {
  holdInit(c) {
    const s = svmStateLookup(c as Cpu);
    if (!s) return false;
    if (s.level === 1) return !s.gif; // GIF = 0 holds INIT (§15.17.1)
    if (!s.l2Gif) return true;
    // INIT while L2 runs (§15.13.4): #VMEXIT(INIT) if intercepted; INIT stays pending, held by GIF = 0 in L1.
    if (vmcb02Intercepts(s, 0x63) && R.l1InterceptsInit(s.v12)) { reflect(c as Cpu, s, { code: 0x63, rule: 'l1InterceptsInit' }); return true; }
    // Not intercepted: the INIT resets the processor L1 owns, so nested mode
    // ends with it (KVM leaves guest mode the same way; GIF back to its reset value 1).
    leaveNested(c as Cpu, s);
    return false;
  },
  boundary(c, shadow) {
    const cpu = c as Cpu;
    const s = svmStateLookup(cpu);
    if (!s) return false;
    // L1: GIF = 0 holds NMI and INTR pending (§15.17); GIF = 1: the ordinary rules.
    if (s.level === 1) return !s.gif;
    return l2Boundary(cpu, s, shadow);
  },
};

/**
 * Interrupts while L2 runs (GIF = 1 since VMRUN, unless L2 executed a CLGI
 * L1 did not intercept). Physical NMI/INTR belong to L1: they exit to L1 if
 * VMCB12 intercepts them, else they are taken by L2 under L2's rules.
 * V_INTR_MASKING (§15.21.1): physical INTR is masked by L1's IF at VMRUN
 * instead of L2's IF, and with the INTR intercept it exits even when L2 has
 * IF = 0 or is in an interrupt shadow (KVM svm_interrupt_blocked). Then the
 * virtual interrupt V_IRQ (§15.21.4): taken when L2 has IF = 1, no shadow,
 * V_IGN_TPR or V_INTR_PRIO > V_TPR, (vGIF) V_GIF = 1; with the VINTR
 * intercept it exits instead (interrupt window).
 */
function l2Boundary(cpu: Cpu, s: SvmVcpuState, shadow: boolean): boolean {
  if (!s.l2Gif) return true;
  const ic = cpu.plat.intc;
  const v02 = s.v02;
  const guestIf = (getFlags(cpu) & IF) !== 0;
  if (ic.nmiPending) {
    if (vmcb02Intercepts(s, 0x61) && R.l1InterceptsNmi(s.v12)) { reflect(cpu, s, { code: 0x61, rule: 'l1InterceptsNmi' }); return true; }
    if (!shadow && !cpu.nmiBlocked) {
      ic.nmiPending = false;
      cpu.halted = false;
      raise(cpu, 2, EventType.Nmi, -1, 0, cpu.rip);
      return true;
    }
  }
  const vintr = v02.read(O.VINTR, 4) >>> 0;
  const masking = (vintr & VINTR_V_INTR_MASKING) !== 0;
  if (ic.hasInterrupt()) {
    const intercepted = vmcb02Intercepts(s, 0x60);
    const open = masking ? s.hostIf && (intercepted || (guestIf && !shadow)) : guestIf && !shadow;
    if (open) {
      if (intercepted && R.l1InterceptsIntr(s.v12)) { reflect(cpu, s, { code: 0x60, rule: 'l1InterceptsIntr' }); return true; }
      const v = ic.acknowledge();
      cpu.halted = false;
      raise(cpu, v & 0xff, EventType.External, -1, 0, cpu.rip);
      return true;
    }
  }
  if ((vintr & VINTR_V_IRQ) && guestIf && !shadow) {
    const vgifOk = !(vintr & VINTR_V_GIF_ENABLE) || (vintr & VINTR_V_GIF) !== 0;
    const prio = (vintr >>> VINTR_V_INTR_PRIO_SHIFT) & 0xf;
    if (vgifOk && ((vintr & VINTR_V_IGN_TPR) || prio > (vintr & 0xf))) {
      if (vmcb02Intercepts(s, 0x64) && R.l1InterceptsVintr(s.v12)) { reflect(cpu, s, { code: 0x64, rule: 'l1InterceptsVintr' }); return true; }
      // Taken: V_IRQ is cleared and the vector delivered like an external interrupt (§15.21.4).
      v02.write(O.VINTR, 4, (vintr & ~VINTR_V_IRQ) >>> 0);
      cpu.halted = false;
      raise(cpu, v02.read(O.VINTR + 4, 1), EventType.External, -1, 0, cpu.rip);
      return true;
    }
  }
  return true;
}

/** Drops L2 without a #VMEXIT (an INIT L1 did not intercept resets the vCPU underneath both). */
function leaveNested(cpu: Cpu, s: SvmVcpuState): void {
  s.level = 1;
  s.gif = true;
  cpu.nonRootExit = null;
  detachNpt02(cpu, s);
}
