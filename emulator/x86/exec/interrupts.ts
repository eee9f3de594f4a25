// Exception and interrupt delivery policy (SDM vol 3A, chapter 6): which
// event is delivered, the double-fault and triple-fault rules (6.15 table
// 6-5), NMI blocking, the interrupt shadow, INIT and start-up IPIs. The
// mechanics of one delivery through the IVT/IDT are in sys-deliver.ts.
import type { Cpu, CpuHooks } from '../cpu';
import { Stop } from '../cpu';
import { CpuFault } from '../fault';
import { setFlags } from '../flags';
import { hex64 } from '../canon';
import { CS, SS, DS, ES, FS, GS, LDTR, TR, IF, RF, TF } from '../regs';
import { deliverOnce, EventType } from './sys-deliver';
import { svmEvents } from './svm-hook';


/**
 * `cpu.shadowUntil` protocol: STI, MOV SS and POP SS store SHADOW_NEXT; the
 * next interrupt check turns it into "icount + 1", so the shadow covers
 * exactly the instruction after them (SDM vol 3A, 6.8.3). A shadow is
 * active while shadowUntil > icount (SHADOW_NEXT is always greater).
 */
export const SHADOW_NEXT = Number.MAX_SAFE_INTEGER;

/** Whether an interrupt shadow is in effect (for VMX interruptibility state and tests). */
export function inShadow(cpu: Cpu): boolean { return cpu.shadowUntil > cpu.icount; }

/**
 * Starts the one-instruction shadow of STI (movSs = false) or MOV SS / POP
 * SS (movSs = true); VMX reports the two as different blocking bits (SDM vol
 * 3C 25.4.2 table 25-3).
 */
export function startShadow(cpu: Cpu, movSs: boolean): void {
  cpu.shadowUntil = SHADOW_NEXT;
  cpu.shadowMovSs = movSs;
}

/**
 * The event whose delivery is in progress when a later event is raised
 * (vector -1: none): VMX reports it as IDT-vectoring information when that
 * later event causes a VM exit (SDM vol 3C 28.2.4).
 */
export const vectoring = { vector: -1, type: 0 as EventType, errorCode: -1, carry: false };

/**
 * Where the VMX/SVM layer takes events before IDT delivery (exception bitmap,
 * external-interrupt exiting, NMI exiting, triple-fault exits). `event`
 * returns true if it consumed the event (for example with a VM exit).
 */
export interface EventInterceptor {
  event(cpu: Cpu, vector: number, type: EventType, errorCode: number, cr2: number): boolean;
  tripleFault(cpu: Cpu, reason: string): boolean;
}
export const interception: { hook: EventInterceptor | null } = { hook: null };

/**
 * Puts `h` in front of whatever interceptor is installed: nested VMX and SVM
 * each add theirs once per process, in either order, and each decides per
 * vCPU, so the first that consumes an event wins and the other sees the rest.
 */
export function chainEventInterceptor(h: EventInterceptor): void {
  const prev = interception.hook;
  if (!prev) { interception.hook = h; return; }
  interception.hook = {
    event: (c, v, t, ec, cr2) => h.event(c, v, t, ec, cr2) || prev.event(c, v, t, ec, cr2),
    tripleFault: (c, r) => h.tripleFault(c, r) || prev.tripleFault(c, r),
  };
}

/** The VMX layer's part of each instruction boundary (L0's vmx-events.ts), the twin of svmEvents. */
export interface VmxBoundaryGate {
  /**
   * A latched INIT: true if VMX took it (a VM exit from L2, or INIT blocked
   * in VMX root operation, SDM vol 3C 26.2 / 24.8), so the vCPU is not reset.
   */
  init(cpu: Cpu): boolean;
  /**
   * After debug traps and before NMIs and interrupts (SDM vol 3A 6.9): VM
   * exits of L2's window / timer / NMI / interrupt controls. `shadow` is the
   * STI or MOV SS blocking in effect. True if it caused a VM exit.
   */
  pending(cpu: Cpu, shadow: boolean): boolean;
}
export const vmxEvents: { gate: VmxBoundaryGate | null } = { gate: null };

// Exception classes for the double-fault rules (SDM vol 3A, 6.15 table 6-4).
const BENIGN = 0, CONTRIBUTORY = 1, PAGE_FAULT = 2;
function classOf(vector: number): number {
  if (vector === 14) return PAGE_FAULT;
  return vector === 0 || (vector >= 10 && vector <= 13) ? CONTRIBUTORY : BENIGN;
}

/** Vectors that push an error code (SDM vol 3A, 6.3.1 table 6-1: #DF #TS #NP #SS #GP #PF #AC #CP #VC #SX). */
const HAS_EC = new Uint8Array(32);
for (const v of [8, 10, 11, 12, 13, 14, 17, 21, 29, 30]) HAS_EC[v] = 1;

/** Fault-class exceptions push RF=1 (SDM vol 3A, 17.3.1.1); traps (#BP, #OF), NMI and aborts (#DF, #MC) do not. */
function isFaultClass(vector: number): boolean {
  return vector !== 2 && vector !== 3 && vector !== 4 && vector !== 8 && vector !== 18;
}

function isException(type: EventType): boolean {
  return type === EventType.HwException || type === EventType.SoftException || type === EventType.PrivSoftException;
}

function report(cpu: Cpu, vector: number, type: EventType, ec: number, cr2: number): void {
  if (!isException(type)) return;
  cpu.plat.events.emit({
    kind: 'exception', vcpu: cpu.id, vector, errorCode: ec >= 0 ? ec : undefined,
    cr2: vector === 14 ? cr2 : undefined, rip: cpu.rip, icount: cpu.icount,
  });
}

/**
 * Raises a hardware event and delivers it, applying the double-fault rules
 * when the delivery itself faults: contributory during contributory, or
 * contributory/#PF during #PF, becomes #DF; anything during #DF is a triple
 * fault (SDM vol 3A, 6.15 "Interrupt 8—Double Fault Exception"). Others are
 * delivered serially. `ret` is the RIP to push; `trap` marks a trap-class
 * hardware exception (single-step #DB). Never throws CpuFault.
 */
export function raise(cpu: Cpu, vector: number, type: EventType, ec: number, cr2: number, ret: number, trap = false): void {
  let v = vector, t = type, e = ec, c2 = cr2;
  let rf = type === EventType.HwException && !trap && isFaultClass(vector);
  // A faulting instruction does not complete, so no single-step trap follows it.
  cpu.tfArmed = false;
  // A fault of INT n's own delivery arrives here as a new event but is still "during delivery" (raiseSoftware).
  if (vectoring.carry) vectoring.carry = false; else vectoring.vector = -1;
  for (let n = 0; ; n++) {
    if (t === EventType.HwException && v < 32) e = HAS_EC[v] ? (e >= 0 ? e : 0) : -1;
    report(cpu, v, t, e, c2);
    const hook = interception.hook;
    // An intercepted #PF exits before CR2 is written (AMD APM vol 2 §15.12; SDM vol 3C 27.1).
    if (hook && hook.event(cpu, v, t, e, c2)) { vectoring.vector = -1; return; }
    // SDM vol 3A, 6.15 "Interrupt 14": CR2 is loaded with the faulting linear address before delivery.
    if (v === 14 && t === EventType.HwException) cpu.cr2 = c2;
    cpu.delivering = v;
    try {
      deliverOnce(cpu, v, t, e, ret, rf);
      cpu.delivering = -1;
      vectoring.vector = -1;
      if (t === EventType.Nmi) cpu.nmiBlocked = true; // SDM vol 3A, 6.7.1
      if (v === 1 && t !== EventType.External) cpu.dr[7] = cpu.dr[7] & ~0x2000; // #DB clears DR7.GD (SDM vol 3B, 17.2.4)
      return;
    } catch (x) {
      cpu.delivering = -1;
      if (!(x instanceof CpuFault)) throw x;
      // The next event (or #DF) arises while delivering this one (SDM vol 3C 28.2.4).
      vectoring.vector = v; vectoring.type = t; vectoring.errorCode = e;
      if ((v === 8 && t === EventType.HwException) || n >= 8) {
        tripleFault(cpu, `#${vectorName(x.vector)} while delivering ${v === 8 ? '#DF' : 'an exception'} (${x.detail})`);
        return;
      }
      const first = t === EventType.HwException ? classOf(v) : BENIGN;
      const second = classOf(x.vector);
      if ((first === CONTRIBUTORY && second === CONTRIBUTORY) || (first === PAGE_FAULT && second !== BENIGN)) {
        // The second exception is never delivered, but the user wants to see why #DF happened.
        // CR2 is loaded when a #PF is recognized, even one that turns into #DF.
        if (x.vector === 14) cpu.cr2 = x.cr2;
        report(cpu, x.vector, EventType.HwException, x.errorCode, x.cr2);
        v = 8; e = 0; rf = false;
      } else {
        v = x.vector; e = x.errorCode; c2 = x.cr2; rf = isFaultClass(v);
      }
      t = EventType.HwException;
    }
  }
}

/**
 * An event raised by an instruction (INT n, INT3, INTO, INT1): delivered in
 * place, its faults propagate to the run loop as faults of the instruction
 * (SDM vol 2A, INT n: RIP still points at the INT instruction then).
 */
export function raiseSoftware(cpu: Cpu, vector: number, type: EventType): void {
  // The handler starts with TF=0, so no single-step trap follows the INT itself.
  cpu.tfArmed = false;
  report(cpu, vector, type, -1, 0);
  const hook = interception.hook;
  if (hook && hook.event(cpu, vector, type, -1, 0)) return;
  try {
    deliverOnce(cpu, vector, type, -1, cpu.nextRip, false);
  } catch (x) {
    // The fault is the instruction's, raised next (deliverFault -> raise) while this event is being delivered (SDM vol 3C 28.2.4).
    if (x instanceof CpuFault) { vectoring.vector = vector; vectoring.type = type; vectoring.errorCode = -1; vectoring.carry = true; }
    throw x;
  }
}

/** Shutdown after a triple fault (SDM vol 3A, 6.15): the machine decides (reset, report, stop). */
export function tripleFault(cpu: Cpu, reason: string): void {
  const hook = interception.hook;
  if (hook && hook.tripleFault(cpu, reason)) return;
  cpu.plat.events.emit({ kind: 'triple-fault', vcpu: cpu.id, rip: cpu.rip, icount: cpu.icount, reason: `triple fault at rip ${hex64(cpu.rip)}: ${reason}` });
  cpu.shutdown = true;
  cpu.halted = true;
  cpu.requestStop(Stop.TripleFault);
}

const NAMES = ['DE', 'DB', 'NMI', 'BP', 'OF', 'BR', 'UD', 'NM', 'DF', 'CSO', 'TS', 'NP', 'SS', 'GP', 'PF', '15', 'MF', 'AC', 'MC', 'XM', 'VE', 'CP'];
function vectorName(v: number): string { return NAMES[v] ?? String(v); }

// -------------------------------------------------------------- INIT / SIPI

/**
 * INIT: the register state of SDM vol 3A, 9.1.1 table 9-1 (column "INIT"),
 * keeping what INIT keeps (x87/SSE state, MSRs other than EFER, CR0.CD/NW),
 * then wait for a start-up IPI (9.4.3).
 */
export function initReset(cpu: Cpu): void {
  cpu.regs.fill(0);
  cpu.setReg(2, 4, 0x600); // EDX: processor signature (family/model/stepping); the model refines it via CPUID
  setFlags(cpu, 0x2);
  cpu.cr0 = (cpu.cr0 & 0x60000000) | 0x10;
  cpu.cr2 = 0; cpu.cr3 = 0; cpu.cr3Hi = 0; cpu.cr4 = 0; cpu.efer = 0;
  cpu.xcr0 = 1;
  for (const s of [ES, SS, DS, FS, GS]) { cpu.segSel[s] = 0; cpu.segBase[s] = 0; cpu.segLimit[s] = 0xffff; cpu.segAr[s] = 0x93; }
  cpu.segSel[CS] = 0xf000; cpu.segBase[CS] = 0xffff0000; cpu.segLimit[CS] = 0xffff; cpu.segAr[CS] = 0x9b;
  cpu.segSel[LDTR] = 0; cpu.segBase[LDTR] = 0; cpu.segLimit[LDTR] = 0xffff; cpu.segAr[LDTR] = 0x82;
  cpu.segSel[TR] = 0; cpu.segBase[TR] = 0; cpu.segLimit[TR] = 0xffff; cpu.segAr[TR] = 0x8b;
  cpu.gdtrBase = 0; cpu.gdtrLimit = 0xffff; cpu.idtrBase = 0; cpu.idtrLimit = 0xffff;
  for (let k = 0; k < 4; k++) { cpu.dr[k] = 0; cpu.drHi[k] = 0; }
  cpu.dr[6] = 0xffff0ff0; cpu.dr[7] = 0x400;
  cpu.rip = 0xfff0; cpu.nextRip = 0xfff0;
  cpu.nmiBlocked = false; cpu.shadowUntil = -1; cpu.shadowMovSs = false; cpu.halted = false; cpu.shutdown = false;
  cpu.setCpl(0);
  cpu.mmu.flushAll();
  cpu.updateMode();
  cpu.waitForSipi = true;
}

/** Start-up IPI: real mode at vector:0000 (SDM vol 3A, 9.4.4.1 / 11.6.1 "Start-Up"). */
export function startup(cpu: Cpu, vector: number): void {
  cpu.segSel[CS] = (vector & 0xff) << 8;
  cpu.segBase[CS] = (vector & 0xff) << 12;
  cpu.segLimit[CS] = 0xffff;
  cpu.segAr[CS] = 0x9b;
  cpu.rip = 0; cpu.nextRip = 0;
  cpu.waitForSipi = false;
  cpu.halted = false;
  cpu.updateMode();
}

// ------------------------------------------------------------- the hooks

export const hooks: CpuHooks = {
  deliverFault(cpu: Cpu, f: CpuFault): void {
    raise(cpu, f.vector, EventType.HwException, f.errorCode, f.cr2, cpu.rip);
  },

  /**
   * Called at instruction (block) boundaries: INIT, start-up IPIs, then NMI,
   * then a maskable interrupt when RFLAGS.IF=1, both held off by an
   * interrupt shadow (SDM vol 3A, 6.9 priorities, 6.8.3 shadows).
   */
  checkInterrupts(cpu: Cpu): void {
    const ic = cpu.plat.intc;
    const vmx = vmxEvents.gate;
    // SVM: GIF = 0 holds INIT pending (AMD APM vol 2 §15.17.1). VMX: INIT exits from L2, is blocked in VMX root.
    if (ic.initPending && !svmEvents.gate?.holdInit(cpu) && !(vmx !== null && vmx.init(cpu))) {
      ic.initPending = false;
      initReset(cpu);
      // Nothing runs until a start-up IPI; the run loop checks this only at its top.
      cpu.requestStop(Stop.WaitSipi);
      return;
    }
    if (cpu.waitForSipi) {
      if (ic.sipiVector >= 0) { const v = ic.sipiVector; ic.sipiVector = -1; startup(cpu, v); }
      return;
    }
    if (cpu.shutdown) return;
    let shadow = false;
    const su = cpu.shadowUntil;
    if (su !== -1) {
      if (su === SHADOW_NEXT) { cpu.shadowUntil = cpu.icount + 1; shadow = true; }
      else if (cpu.icount < su) shadow = true;
      else cpu.shadowUntil = -1;
    }
    // Single-step: the instruction just executed began with TF=1, so a #DB trap
    // (DR6.BS) follows it, before NMI and interrupts (SDM vol 3B, 17.3.1.4; vol 3A, 6.9).
    // It relies on the run loop executing one instruction per block while TF=1.
    if (cpu.tfArmed) {
      cpu.tfArmed = false;
      cpu.dr[6] = (cpu.dr[6] | 0x4000) >>> 0;
      raise(cpu, 1, EventType.HwException, -1, 0, cpu.rip, true);
    }
    cpu.tfArmed = (cpu.flagsRest & TF) !== 0;
    // VMX: the VM exits of L2's window / timer / NMI / interrupt controls (L0, vmx-events.ts).
    if (vmx !== null && vmx.pending(cpu, shadow)) {
      if (cpu.flagsRest & RF) cpu.flagsRest &= ~RF;
      return;
    }
    // SVM: GIF and the guest interrupt rules (AMD APM vol 2 §15.17, §15.21) decide first.
    const svm = svmEvents.gate;
    if (svm !== null && svm.boundary(cpu, shadow)) {
      // held pending, delivered to the guest, or turned into a #VMEXIT
    } else if (!shadow) {
      if (ic.nmiPending && !cpu.nmiBlocked) {
        ic.nmiPending = false;
        cpu.halted = false;
        raise(cpu, 2, EventType.Nmi, -1, 0, cpu.rip);
      } else if ((cpu.flagsRest & IF) !== 0 && ic.hasInterrupt()) {
        const v = ic.acknowledge();
        cpu.halted = false;
        raise(cpu, v & 0xff, EventType.External, -1, 0, cpu.rip);
      }
    }
    // RF is cleared at the start of the next instruction (SDM vol 3B, 17.3.1.1); IRET may have set it.
    if (cpu.flagsRest & RF) cpu.flagsRest &= ~RF;
  },
};
