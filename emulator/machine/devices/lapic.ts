// Local APICs (Intel SDM vol. 3A ch. 11, "Advanced Programmable Interrupt
// Controller (APIC)") and the APIC bus that carries interrupt messages
// between them, the IOAPIC and the 8259's INTR.
//
// One LocalApic per vCPU. It is also that vCPU's InterruptInputs: the CPU
// asks hasInterrupt() (an O(1) read of a cached flag, recomputed whenever
// IRR, ISR, TPR, the enable state or the PIC's INTR changes) and calls
// acknowledge() when it delivers.
//
// Time: the APIC timer counts at 1 GHz / divide, i.e. one count per guest
// tick at divide-by-1 — the same rate as the TSC (TSC = Clock.ticks +
// tscOffset), so a guest that calibrates the APIC timer against the TSC sees
// a ratio of exactly 1:divide.
//
// xAPIC MMIO: one 4 KiB region at 0xFEE00000 is registered for the whole
// machine; each access goes to the APIC of ApicBus.current, which the run
// loop sets to the vCPU it is executing.
import { MmioSize } from '../../mem/physmem';
import { InterruptInputs, MsrDevice } from '../../x86/platform';
import {
  ALL_ONES, APIC_DEFAULT_BASE, APIC_DFR, APIC_EOI, APIC_ESR, APIC_ICR_HI, APIC_ICR_LO, APIC_ID, APIC_IRR, APIC_ISR,
  APIC_LDR, APIC_LVT_ERROR, APIC_LVT_LINT0, APIC_LVT_LINT1, APIC_LVT_PERF, APIC_LVT_THERMAL, APIC_LVT_TIMER, APIC_PPR,
  APIC_APR, APIC_RRD, APIC_SELF_IPI, APIC_SVR, APIC_TIMER_CURRENT, APIC_TIMER_DIVIDE, APIC_TIMER_INITIAL, APIC_TMR,
  APIC_TPR, APIC_VER, APIC_VERSION, BASE_BSP, BASE_EN, BASE_EXTD, DM_EXTINT, DM_FIXED, DM_INIT, DM_LOWEST, DM_NMI,
  DM_SMI, DM_STARTUP, ESR_ILLEGAL_REGISTER, ESR_RECV_ILLEGAL_VECTOR, ESR_SEND_ILLEGAL_VECTOR, ICR_LO_WRITABLE,
  LVT_ERROR_MASK, LVT_LINT_MASK, LVT_MASKED, LVT_THERMAL_PERF_MASK, LVT_TIMER_MASK, LVT_TIMER_TSC_DEADLINE,
  MSR_APIC_BASE, MSR_TSC_DEADLINE, MSR_X2APIC_FIRST, MSR_X2APIC_LAST, SVR_ENABLE, SVR_WRITABLE, X2APIC_ICR_RESERVED,
} from './apic-regs';
import { ApicBus, ApicMessage } from './apic-bus';
import { ApicTimer } from './lapic-timer';
import { hex } from './diag';

export {
  MSR_APIC_BASE, MSR_TSC_DEADLINE, MSR_X2APIC_FIRST, MSR_X2APIC_LAST, APIC_DEFAULT_BASE, APIC_MMIO_SIZE, APIC_VERSION,
  APIC_TIMER_HZ, DM_FIXED, DM_LOWEST, DM_SMI, DM_NMI, DM_INIT, DM_STARTUP, DM_EXTINT, APIC_ID, APIC_VER, APIC_TPR,
  APIC_APR, APIC_PPR, APIC_EOI, APIC_RRD, APIC_LDR, APIC_DFR, APIC_SVR, APIC_ISR, APIC_TMR, APIC_IRR, APIC_ESR,
  APIC_ICR_LO, APIC_ICR_HI, APIC_LVT_TIMER, APIC_LVT_THERMAL, APIC_LVT_PERF, APIC_LVT_LINT0, APIC_LVT_LINT1,
  APIC_LVT_ERROR, APIC_TIMER_INITIAL, APIC_TIMER_CURRENT, APIC_TIMER_DIVIDE, APIC_SELF_IPI,
} from './apic-regs';
export { ApicBus, ApicMessage } from './apic-bus';


/** The 8259 pair as seen from LINT0: its INT output and the INTA cycle. */
export interface ExtIntController {
  readonly intr: boolean;
  intAck(): number;
}


/** Highest set bit in a 256-bit register held as 8 words, or -1. */
function highestBit(words: Uint32Array): number {
  for (let i = 7; i >= 0; i--) {
    const w = words[i];
    if (w) return i * 32 + 31 - Math.clz32(w);
  }
  return -1;
}

export class LocalApic implements InterruptInputs, MsrDevice {
  // ---- InterruptInputs ----
  nmiPending = false;
  initPending = false;
  sipiVector = -1;
  /**
   * Whether a SIPI would be taken now (SDM 9.4.4, 11.6.1: a SIPI only starts
   * a processor waiting for one; later SIPIs are ignored). True at power-on
   * for application processors and after an INIT is received; cleared when a
   * SIPI is latched into sipiVector. The machine may also set it.
   */
  waitingForSipi: boolean;
  /** TSC = Clock.ticks + tscOffset, for IA32_TSC_DEADLINE (set by whoever owns IA32_TSC). */
  tscOffset = 0;

  /** The cached answer of hasInterrupt(). */
  private pending = false;

  private apicBaseLo = 0;
  private apicBaseHi = 0;
  /** 8-bit xAPIC ID (writable in xAPIC mode). */
  private xapicId: number;
  private tpr = 0;
  private ldr = 0;
  private dfr = 0xffffffff;
  private svr = 0xff;
  private esr = 0;
  private esrPending = 0;
  private icrLo = 0;
  private icrHi = 0;
  private lvtTimer = LVT_MASKED;
  private lvtThermal = LVT_MASKED;
  private lvtPerf = LVT_MASKED;
  private lvtLint0 = LVT_MASKED;
  private lvtLint1 = LVT_MASKED;
  private lvtError = LVT_MASKED;
  private readonly irr = new Uint32Array(8);
  private readonly isr = new Uint32Array(8);
  private readonly tmr = new Uint32Array(8);
  private irrHighest = -1;
  private isrHighest = -1;
  private inErrorDelivery = false;

  // Timer (SDM 11.5.4).
  private readonly timer: ApicTimer;

  /** The 8259 behind LINT0 and its INTR level. */
  private extInt: ExtIntController | null = null;
  private extIntLine = false;
  /** An ExtINT message (IOAPIC RTE in ExtINT mode) waiting for the INTA cycle. */
  private extIntMessage = false;

  constructor(readonly index: number, readonly id: number, private readonly bus: ApicBus) {
    this.xapicId = id & 0xff;
    this.timer = new ApicTimer(bus.clock, () => this.lvtTimer, () => this.deliverLvt(this.lvtTimer));
    this.waitingForSipi = !this.isBsp;
    this.powerOnReset();
  }

  get isBsp(): boolean {
    return this.index === 0;
  }

  // ---- state ----

  /** IA32_APIC_BASE.EN: the APIC is globally enabled (SDM 11.4.3). */
  get hwEnabled(): boolean {
    return (this.apicBaseLo & BASE_EN) !== 0;
  }

  get x2apic(): boolean {
    return (this.apicBaseLo & BASE_EXTD) !== 0;
  }

  /** SVR bit 8: the APIC is software-enabled (SDM 11.4.7.2). */
  get swEnabled(): boolean {
    return this.hwEnabled && (this.svr & SVR_ENABLE) !== 0;
  }

  /** The physical base address from IA32_APIC_BASE. */
  get baseAddress(): number {
    return ((this.apicBaseLo & 0xfffff000) >>> 0) + this.apicBaseHi * 0x1_0000_0000;
  }

  /**
   * Power-on / RESET (SDM 11.4.7.1 and 11.12.5.1): xAPIC mode, ID = initial
   * ID, LVTs masked, SVR = 0xFF. As QEMU and KVM do on behalf of the BIOS,
   * the BSP's LINT0 starts in ExtINT mode (0x700) so that the 8259's
   * interrupts reach it while the APIC is still software-disabled.
   */
  powerOnReset(): void {
    this.apicBaseLo = (APIC_DEFAULT_BASE | BASE_EN | (this.isBsp ? BASE_BSP : 0)) >>> 0;
    this.apicBaseHi = 0;
    this.xapicId = this.id & 0xff;
    this.resetRegisters();
    if (this.isBsp) this.lvtLint0 = DM_EXTINT << 8;
    this.nmiPending = false;
    this.initPending = false;
    this.sipiVector = -1;
    this.waitingForSipi = !this.isBsp;
    this.extIntMessage = false;
    this.update();
  }

  /**
   * The APIC part of INIT (SDM 11.4.7.3): every register is reset except the
   * APIC ID and IA32_APIC_BASE. The machine calls this when it acts on
   * initPending (INIT is latched, not taken, in VMX operation). A SIPI that
   * arrived after the INIT (sipiVector) is kept: with vCPUs taking turns, an
   * AP usually sees INIT and SIPI together and must act on INIT first.
   */
  initReset(): void {
    this.resetRegisters();
    this.initPending = false;
    this.extIntMessage = false;
    this.update();
  }

  private resetRegisters(): void {
    this.tpr = 0;
    this.ldr = this.x2apic ? this.x2apicLdr() : 0;
    this.dfr = 0xffffffff;
    this.svr = 0xff;
    this.esr = 0;
    this.esrPending = 0;
    this.icrLo = 0;
    this.icrHi = 0;
    this.lvtTimer = LVT_MASKED;
    this.lvtThermal = LVT_MASKED;
    this.lvtPerf = LVT_MASKED;
    this.lvtLint0 = LVT_MASKED;
    this.lvtLint1 = LVT_MASKED;
    this.lvtError = LVT_MASKED;
    this.irr.fill(0);
    this.isr.fill(0);
    this.tmr.fill(0);
    this.irrHighest = -1;
    this.isrHighest = -1;
    this.timer.reset();
  }

  /** x2APIC logical ID: cluster = ID[19:4] in bits 31:16, bit (ID[3:0]) in 15:0 (SDM 11.12.10.2). */
  private x2apicLdr(): number {
    return (((this.id >>> 4) << 16) | (1 << (this.id & 0xf))) >>> 0;
  }

  // ---- wiring ----

  connectExtInt(pic: ExtIntController): void {
    this.extInt = pic;
    this.extIntLine = pic.intr;
    this.update();
  }

  /** The 8259's INT output changed (it is wired to LINT0). */
  setExtIntLine(level: boolean): void {
    if (level === this.extIntLine) return;
    this.extIntLine = level;
    // LINT0 programmed as fixed or NMI sees the rising edge as an interrupt (SDM 11.5.1).
    if (level && this.hwEnabled && !(this.lvtLint0 & LVT_MASKED)) {
      const mode = (this.lvtLint0 >> 8) & 7;
      if (mode === DM_FIXED) this.accept(DM_FIXED, this.lvtLint0 & 0xff, false, true);
      else if (mode === DM_NMI) this.nmiPending = true;
    }
    this.update();
  }

  // ---- InterruptInputs ----

  hasInterrupt(): boolean {
    return this.pending;
  }

  acknowledge(): number {
    if (!this.hwEnabled) {
      // With the APIC globally disabled the 8259's INTR goes to the CPU directly (SDM 11.4.3).
      return this.extInt ? this.extInt.intAck() : this.svr & 0xff;
    }
    // ExtINT first, as KVM delivers it: the vector comes from the 8259's INTA
    // cycle and bypasses IRR/ISR and the priority check (SDM 11.5.1, 11.6.1).
    if (this.extIntMessage || this.lint0PassesExtInt()) {
      this.extIntMessage = false;
      const v = this.extInt ? this.extInt.intAck() : this.svr & 0xff;
      this.update();
      return v;
    }
    const v = this.irrHighest;
    if (v < 0 || (v & 0xf0) <= (this.ppr() & 0xf0)) {
      // Nothing deliverable any more: the spurious vector, without touching ISR (SDM 11.9).
      return this.svr & 0xff;
    }
    // IRR -> ISR (SDM 11.8.4).
    this.irr[v >> 5] &= ~(1 << (v & 31));
    this.isr[v >> 5] |= 1 << (v & 31);
    this.irrHighest = highestBit(this.irr);
    this.isrHighest = v > this.isrHighest ? v : this.isrHighest;
    this.update();
    return v;
  }

  readCr8(): number {
    // CR8[3:0] = TPR[7:4] (SDM 11.8.6.1).
    return this.tpr >> 4;
  }

  writeCr8(v: number): void {
    this.tpr = (v & 0xf) << 4;
    this.update();
  }

  // ---- priorities (SDM 11.8.3) ----

  /** Processor priority: TPR or the class of the highest in-service vector. */
  ppr(): number {
    const isrv = this.isrHighest < 0 ? 0 : this.isrHighest;
    return (this.tpr >> 4) >= (isrv >> 4) ? this.tpr : isrv & 0xf0;
  }

  private lint0PassesExtInt(): boolean {
    // LINT0 unmasked in ExtINT mode passes the 8259's INTR (KVM's rule,
    // regardless of the software enable, which is what makes the reset value
    // 0x700 work before the OS enables the APIC).
    return this.extIntLine && !(this.lvtLint0 & LVT_MASKED) && ((this.lvtLint0 >> 8) & 7) === DM_EXTINT;
  }

  /** Recomputes the cached hasInterrupt() answer. */
  private update(): void {
    if (!this.hwEnabled) {
      this.pending = this.extIntLine;
      return;
    }
    if (this.extIntMessage || this.lint0PassesExtInt()) {
      this.pending = true;
      return;
    }
    // A vector is delivered only if its class is above the processor priority class (SDM 11.8.3.1).
    const v = this.irrHighest;
    this.pending = v >= 0 && (v & 0xf0) > (this.ppr() & 0xf0);
  }

  // ---- message acceptance ----

  /** Does an 8/32-bit destination select this APIC (SDM 11.6.2.1, 11.6.2.2, 11.12.9)? */
  matches(dest: number, logical: boolean, wide: boolean): boolean {
    const broadcast = wide ? dest >>> 0 === 0xffffffff : (dest & 0xff) === 0xff;
    if (broadcast) return true;
    if (!logical) return this.x2apic ? this.id === dest >>> 0 : this.xapicId === (dest & 0xff);
    if (this.x2apic) {
      // x2APIC logical: cluster ID in 31:16 must match, then a bit in 15:0.
      return dest >>> 16 === this.ldr >>> 16 && (dest & this.ldr & 0xffff) !== 0;
    }
    const mda = dest & 0xff;
    const lid = this.ldr >>> 24;
    if (this.dfr >>> 28 === 0xf) return (mda & lid) !== 0; // flat model
    // Cluster model: cluster in bits 7:4 must match, one of the APIC bits in 3:0.
    return mda >> 4 === lid >> 4 && (mda & lid & 0xf) !== 0;
  }

  /** A message arrived for this APIC; returns true if it was accepted. */
  accept(mode: number, vector: number, levelTriggered: boolean, assert: boolean): boolean {
    switch (mode) {
      case DM_FIXED:
      case DM_LOWEST: {
        // A software-disabled APIC takes only NMI, SMI, INIT and SIPI (SDM 11.4.7.2).
        if (!this.swEnabled) return false;
        if (vector < 16) {
          // Vectors 0-15 are illegal (SDM 11.5.2 / 11.5.3, "Received Illegal Vector").
          this.raiseError(ESR_RECV_ILLEGAL_VECTOR);
          return false;
        }
        const w = vector >> 5, bit = 1 << (vector & 31);
        this.irr[w] |= bit;
        // TMR records the trigger mode so EOI knows whether to broadcast (SDM 11.8.4).
        if (levelTriggered) this.tmr[w] |= bit; else this.tmr[w] &= ~bit;
        if (vector > this.irrHighest) this.irrHighest = vector;
        this.update();
        return true;
      }
      case DM_NMI:
        this.nmiPending = true;
        return true;
      case DM_INIT:
        // INIT level de-assert (level 0, trigger level) only resynchronizes
        // arbitration IDs on old processors; nothing to do (SDM 11.6.1).
        if (!assert && levelTriggered) return true;
        this.initPending = true;
        // INIT leaves the processor waiting for a SIPI; a SIPI sent before this INIT is void.
        this.waitingForSipi = true;
        this.sipiVector = -1;
        return true;
      case DM_STARTUP:
        // A SIPI is taken only in wait-for-SIPI; a second SIPI (the usual
        // INIT-SIPI-SIPI sequence) is ignored (SDM 11.6.1, 9.4.4).
        if (this.waitingForSipi) {
          this.sipiVector = vector;
          this.waitingForSipi = false;
        }
        return true;
      case DM_EXTINT:
        this.extIntMessage = true;
        this.update();
        return true;
      case DM_SMI:
        this.bus.diag.once('smi', 'not-implemented', 'an SMI was sent; system management mode is not emulated', this.index);
        return false;
      default:
        return false;
    }
  }

  private raiseError(bits: number): void {
    this.esrPending |= bits;
    // An error raises the LVT error interrupt (SDM 11.5.3).
    if (this.inErrorDelivery) return;
    this.inErrorDelivery = true;
    this.deliverLvt(this.lvtError);
    this.inErrorDelivery = false;
  }

  private deliverLvt(lvt: number): void {
    if (lvt & LVT_MASKED) return;
    this.accept((lvt >> 8) & 7, lvt & 0xff, false, true);
  }

  private eoi(): void {
    const v = this.isrHighest;
    if (v < 0) return;
    const w = v >> 5, bit = 1 << (v & 31);
    this.isr[w] &= ~bit;
    this.isrHighest = highestBit(this.isr);
    // A level-triggered vector's EOI is broadcast to the IOAPICs (SDM 11.8.5).
    if (this.tmr[w] & bit) this.bus.broadcastEoi(v);
    this.update();
  }

  // ---- IPIs (SDM 11.6.1) ----

  private sendIpi(lo: number, dest: number, wide: boolean): void {
    const vector = lo & 0xff;
    const mode = (lo >> 8) & 7;
    const msg: ApicMessage = {
      dest, wide,
      logical: (lo & 0x800) !== 0,
      mode, vector,
      assert: (lo & 0x4000) !== 0,
      levelTriggered: (lo & 0x8000) !== 0,
      shorthand: (lo >> 18) & 3,
      source: this,
    };
    if ((mode === DM_FIXED || mode === DM_LOWEST) && vector < 16) {
      this.raiseError(ESR_SEND_ILLEGAL_VECTOR);
      return;
    }
    if (mode === 3 || mode === DM_EXTINT) {
      this.bus.diag.once(`icr-mode:${mode}`, 'invalid-ipi', `ICR delivery mode ${mode} is reserved for IPIs; IPI dropped`, this.index);
      return;
    }
    if (mode === DM_INIT && !msg.assert && this.x2apic) return; // no INIT de-assert in x2APIC mode (SDM 11.12.9)
    // Fixed and NMI IPIs are sent at once; the delivery status bit (ICR 12)
    // therefore reads 0 by the time software can look at it.
    this.bus.send(msg);
  }

  // ---- timer (SDM 11.5.4; the count lives in ApicTimer) ----

  private writeLvtTimer(v: number): void {
    const oldMode = this.timer.timerMode();
    this.lvtTimer = this.forceMask(v & LVT_TIMER_MASK);
    this.timer.lvtWritten(oldMode);
  }

  // ---- registers ----

  /** LVT mask bits cannot be cleared while the APIC is software-disabled (SDM 11.4.7.2). */
  private forceMask(v: number): number {
    return this.svr & SVR_ENABLE ? v : v | LVT_MASKED;
  }

  /** Reads a register by xAPIC offset; null for a register that does not exist in the current mode. */
  readRegister(off: number): number | null {
    const x2 = this.x2apic;
    switch (off) {
      case APIC_ID: return x2 ? this.id : (this.xapicId << 24) >>> 0;
      case APIC_VER: return APIC_VERSION;
      case APIC_TPR: return this.tpr;
      case APIC_APR: return x2 ? null : 0;
      case APIC_PPR: return this.ppr();
      case APIC_EOI: return x2 ? null : 0; // write-only in x2APIC mode
      case APIC_RRD: return x2 ? null : 0;
      case APIC_LDR: return this.ldr;
      case APIC_DFR: return x2 ? null : this.dfr;
      case APIC_SVR: return this.svr;
      case APIC_ESR: return this.esr;
      case APIC_ICR_LO: return this.icrLo;
      case APIC_ICR_HI: return x2 ? null : this.icrHi;
      case APIC_LVT_TIMER: return this.lvtTimer;
      case APIC_LVT_THERMAL: return this.lvtThermal;
      case APIC_LVT_PERF: return this.lvtPerf;
      case APIC_LVT_LINT0: return this.lvtLint0;
      case APIC_LVT_LINT1: return this.lvtLint1;
      case APIC_LVT_ERROR: return this.lvtError;
      case APIC_TIMER_INITIAL: return this.timer.timerInitial;
      case APIC_TIMER_CURRENT: return this.timer.currentCount();
      case APIC_TIMER_DIVIDE: return this.timer.timerDcr;
      default:
        if (off >= APIC_ISR && off < APIC_ISR + 0x80) return this.isr[(off - APIC_ISR) >> 4];
        if (off >= APIC_TMR && off < APIC_TMR + 0x80) return this.tmr[(off - APIC_TMR) >> 4];
        if (off >= APIC_IRR && off < APIC_IRR + 0x80) return this.irr[(off - APIC_IRR) >> 4];
        return null; // includes CMCI (0x2f0): not present with max LVT 5
    }
  }

  /** Writes a register by xAPIC offset; false if the register is not writable in this mode. */
  writeRegister(off: number, v: number): boolean {
    v >>>= 0;
    const x2 = this.x2apic;
    switch (off) {
      case APIC_ID:
        if (x2) return false; // read-only x2APIC ID
        this.xapicId = v >>> 24;
        return true;
      case APIC_TPR:
        this.tpr = v & 0xff;
        this.update();
        return true;
      case APIC_EOI:
        this.eoi();
        return true;
      case APIC_LDR:
        if (x2) return false; // derived from the x2APIC ID, read-only
        this.ldr = v & 0xff000000;
        return true;
      case APIC_DFR:
        if (x2) return false;
        this.dfr = (v & 0xf0000000) | 0x0fffffff;
        return true;
      case APIC_SVR:
        this.writeSvr(v);
        return true;
      case APIC_ESR:
        // A write latches the errors seen since the last write and clears them (SDM 11.5.3).
        this.esr = this.esrPending;
        this.esrPending = 0;
        return true;
      case APIC_ICR_LO:
        this.icrLo = v & ICR_LO_WRITABLE;
        this.sendIpi(this.icrLo, this.icrHi >>> 24, false);
        return true;
      case APIC_ICR_HI:
        if (x2) return false;
        this.icrHi = v & 0xff000000;
        return true;
      case APIC_LVT_TIMER: this.writeLvtTimer(v); return true;
      case APIC_LVT_THERMAL: this.lvtThermal = this.forceMask(v & LVT_THERMAL_PERF_MASK); return true;
      case APIC_LVT_PERF: this.lvtPerf = this.forceMask(v & LVT_THERMAL_PERF_MASK); return true;
      case APIC_LVT_LINT0: this.lvtLint0 = this.forceMask(v & LVT_LINT_MASK); this.update(); return true;
      case APIC_LVT_LINT1: this.lvtLint1 = this.forceMask(v & LVT_LINT_MASK); return true;
      case APIC_LVT_ERROR: this.lvtError = this.forceMask(v & LVT_ERROR_MASK); return true;
      case APIC_TIMER_INITIAL: this.timer.writeInitialCount(v); return true;
      case APIC_TIMER_DIVIDE: this.timer.writeDivide(v); return true;
      case APIC_SELF_IPI:
        if (!x2) return false;
        // SELF IPI: a fixed, edge-triggered IPI to this APIC (SDM 11.12.11).
        this.sendIpi((v & 0xff) | (1 << 18), 0, true);
        return true;
      default:
        return false; // read-only or reserved
    }
  }

  private writeSvr(v: number): void {
    const wasEnabled = (this.svr & SVR_ENABLE) !== 0;
    this.svr = v & SVR_WRITABLE;
    if (wasEnabled && !(this.svr & SVR_ENABLE)) {
      // Software disable sets every LVT mask bit (SDM 11.4.7.2).
      this.lvtTimer |= LVT_MASKED;
      this.lvtThermal |= LVT_MASKED;
      this.lvtPerf |= LVT_MASKED;
      this.lvtLint0 |= LVT_MASKED;
      this.lvtLint1 |= LVT_MASKED;
      this.lvtError |= LVT_MASKED;
    }
    this.update();
  }

  // ---- xAPIC MMIO ----

  private mmioLive(): boolean {
    return this.hwEnabled && !this.x2apic && this.baseAddress === APIC_DEFAULT_BASE;
  }

  mmioRead(offset: number, size: MmioSize): number {
    if (!this.mmioLive()) {
      // Globally disabled or in x2APIC mode the MMIO page behaves as if no
      // APIC were there (SDM 11.12.2): reads return all ones.
      this.mmioOff('read', offset);
      return ALL_ONES[size];
    }
    const reg = offset & 0xff0;
    const byte = offset & 0xf;
    const v = this.readRegister(reg);
    if (v === null) {
      this.raiseError(ESR_ILLEGAL_REGISTER);
      return 0;
    }
    if (byte >= 4) return 0; // bytes 4-15 of each 16-byte slot are reserved
    const shifted = v >>> (8 * byte);
    return size >= 4 ? shifted >>> 0 : shifted & ALL_ONES[size];
  }

  mmioWrite(offset: number, size: MmioSize, value: number): void {
    if (!this.mmioLive()) {
      this.mmioOff('write', offset);
      return;
    }
    // Registers are written with aligned 32-bit stores (SDM 11.4.1); other
    // accesses are dropped, as KVM does.
    if ((size !== 4 && size !== 8) || offset & 0xf) {
      this.bus.diag.once(`mmio-size:${offset}:${size}`, 'apic-bad-access',
        `${size}-byte write to APIC register ${hex(offset)} dropped (APIC registers take aligned 32-bit writes)`, this.index);
      return;
    }
    if (!this.writeRegister(offset & 0xff0, value)) {
      if (this.readRegister(offset & 0xff0) === null) this.raiseError(ESR_ILLEGAL_REGISTER);
    }
  }

  private mmioOff(dir: string, offset: number): void {
    const why = !this.hwEnabled ? 'the APIC is globally disabled (IA32_APIC_BASE.EN = 0)'
      : this.x2apic ? 'the APIC is in x2APIC mode (use the MSRs 0x800-0x8ff)'
        : `the APIC base was moved to ${hex(this.baseAddress)} (relocation is not emulated)`;
    this.bus.diag.once(`mmio-off:${dir}`, 'apic-mmio-unavailable',
      `xAPIC MMIO ${dir} at offset ${hex(offset)} ignored: ${why}`, this.index);
  }

  // ---- MSRs ----

  rdmsr(index: number): [number, number] | null {
    if (index === MSR_APIC_BASE) return [this.apicBaseLo >>> 0, this.apicBaseHi];
    if (index === MSR_TSC_DEADLINE) {
      const v = this.timer.timerMode() === LVT_TIMER_TSC_DEADLINE ? this.timer.tscDeadline : 0;
      return [v % 0x1_0000_0000, Math.floor(v / 0x1_0000_0000)];
    }
    if (index < MSR_X2APIC_FIRST || index > MSR_X2APIC_LAST) return null;
    // Outside x2APIC mode, or for a register without an MSR, RDMSR faults:
    // returning null lets the CPU raise #GP as for any unknown MSR (SDM 11.12.1.2).
    if (!this.x2apic) return null;
    const off = (index - MSR_X2APIC_FIRST) << 4;
    if (off === APIC_ICR_LO) return [this.icrLo, this.icrHi];
    if (off === APIC_SELF_IPI) return null; // write-only
    const v = this.readRegister(off);
    return v === null ? null : [v >>> 0, 0];
  }

  wrmsr(index: number, lo: number, hi: number): boolean | 'gp' {
    if (index === MSR_APIC_BASE) return this.writeApicBase(lo >>> 0, hi >>> 0);
    if (index === MSR_TSC_DEADLINE) {
      this.timer.writeTscDeadline((hi >>> 0) * 0x1_0000_0000 + (lo >>> 0), this.tscOffset);
      return true;
    }
    if (index < MSR_X2APIC_FIRST || index > MSR_X2APIC_LAST) return false;
    if (!this.x2apic) return 'gp';
    const off = (index - MSR_X2APIC_FIRST) << 4;
    lo >>>= 0;
    hi >>>= 0;
    switch (off) {
      case APIC_ICR_LO:
        // 64-bit ICR: destination in bits 63:32 (SDM 11.12.9); reserved bits fault.
        if (lo & X2APIC_ICR_RESERVED) return 'gp';
        this.icrLo = lo;
        this.icrHi = hi;
        this.sendIpi(lo, hi, true);
        return true;
      case APIC_EOI:
      case APIC_ESR:
        // Only 0 may be written to EOI and ESR in x2APIC mode (SDM 11.12.1.2).
        if (lo !== 0 || hi !== 0) return 'gp';
        break;
      case APIC_TPR:
      case APIC_SELF_IPI:
        if (lo & 0xffffff00 || hi) return 'gp';
        break;
      default:
        if (hi) return 'gp';
    }
    return this.writeRegister(off, lo) ? true : 'gp';
  }

  /**
   * IA32_APIC_BASE (SDM 11.4.4 and 11.12.5, Figure 11-27): EN and EXTD
   * select disabled / xAPIC / x2APIC; EN=0 with EXTD=1, x2APIC -> xAPIC and
   * disabled -> x2APIC are illegal (#GP), as are reserved bits. Clearing EN
   * loses all APIC state except the ID; setting it again re-enables the APIC
   * in its reset state, as KVM and QEMU allow.
   */
  private writeApicBase(lo: number, hi: number): boolean | 'gp' {
    const addrBits = this.bus.physAddrBits;
    const hiMask = addrBits >= 64 ? 0xffffffff : addrBits <= 32 ? 0 : (2 ** (addrBits - 32)) - 1;
    // Bits 7:0 and 9 are reserved, as are the address bits at or above MAXPHYADDR.
    if (lo & 0x2ff || hi & ~hiMask) return 'gp';
    const en = (lo & BASE_EN) !== 0;
    const extd = (lo & BASE_EXTD) !== 0;
    const wasEn = this.hwEnabled;
    const wasX2 = this.x2apic;
    if (!en && extd) return 'gp';
    if (wasX2 && en && !extd) return 'gp';
    if (!wasEn && en && extd) return 'gp';
    const base = (lo & 0xfffff000) >>> 0;
    // The BSP flag is set by hardware and not changed by writes.
    this.apicBaseLo = (base | (lo & (BASE_EN | BASE_EXTD)) | (this.apicBaseLo & BASE_BSP)) >>> 0;
    this.apicBaseHi = hi;
    if (this.baseAddress !== APIC_DEFAULT_BASE && en) {
      this.bus.diag.once('relocate', 'not-implemented',
        `APIC base moved to ${hex(this.baseAddress)}; only the default 0xfee00000 is mapped, so xAPIC MMIO is unavailable`, this.index);
    }
    if (wasEn && !en) {
      // Disabled: all state but the ID is lost (SDM 11.12.5.1, "x2APIC Transitions From x2APIC Mode").
      this.resetRegisters();
      this.extIntMessage = false;
    } else if (!wasX2 && extd) {
      // xAPIC -> x2APIC: the x2APIC ID is kept and the logical ID is derived from it (SDM 11.12.5.1).
      this.ldr = this.x2apicLdr();
    }
    this.update();
    return true;
  }

  // ---- inspection (debugger, tests) ----

  /** IRR / ISR / TMR as 256-bit registers (word 0 = vectors 0–31). */
  get irrWords(): Uint32Array { return this.irr; }
  get isrWords(): Uint32Array { return this.isr; }
  get tmrWords(): Uint32Array { return this.tmr; }

  /** Guest tick of the next timer interrupt, or -1. */
  get timerDeadlineTick(): number {
    return this.timer.timerDeadlineTick;
  }
}
