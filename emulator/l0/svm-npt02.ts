// NPT02, L0's shadow of L1's nested page tables (nested-svm.md §5; AMD APM
// vol 2 §15.25): L2-physical -> L1-physical, filled lazily one 4 KiB page
// at a time by walking NPT12 (svm/npt.ts) on a miss. L0 runs L1 without
// nested paging of its own (NPT01 is the identity), so NPT02 = NPT12 and
// its permissions are NPT12's. While L2 runs with NP it is the vCPU MMU's
// second stage (x86/mmu.ts Stage2): every guest-physical address L2's MMU
// produces — its own page-table reads and A/D writes (EXITINFO1 bit 33)
// and the final access (bit 32) — goes through it. A walk failure is
// #VMEXIT(NPF) to L1 with the L1-level error code and EXITINFO2 = the GPA
// (§15.25.6); whatever NPT12 says, the result is an address in L1's own
// physical space, so L2 never reaches memory L1 did not give it.
//
// Invalidation (SVM has no INVEPT, §15.16): TLB_CONTROL is the signal. The
// shadow is rebuilt at a VMRUN that asks for a flush or names another
// N_CR3 or ASID (attachNpt02), INVLPGA drops it, and so do snapshot take
// and restore (its map is a cache, snapshot-policy.ts).
import type { Cpu, CpuHooks } from '../x86/cpu';
import { CpuFault } from '../x86/fault';
import { vectoring } from '../x86/exec/interrupts';
import { EventType } from '../x86/exec/sys-deliver';
import { Access } from '../x86/mmu';
import type { Stage2 } from '../x86/mmu';
import type { PhysRW } from '../svm/phys';
import { nptWalk, nptFormatOf, NptFormat, NptAccess, NptFault } from '../svm/npt';
import { VMCB_OFF, EVENT_EV, EVENT_V } from '../svm/vmcb-layout';
import type { SvmVcpuState } from './svm-state';
import type { SvmExit } from './svm-vmexit';

interface Entry { page: number; writable: boolean; executable: boolean }

/** How the #VMEXIT(NPF) reaches L1 (svm-nonroot.ts reflect), injected to avoid an import cycle. */
export type NpfReflect = (cpu: Cpu, s: SvmVcpuState, e: SvmExit) => void;

const ACCESS: readonly NptAccess[] = ['read', 'write', 'fetch'];

export class Npt02 implements Stage2 {
  private readonly map = new Map<number, Entry>();
  /** NPT12 walks done (the debugger and tests see how lazy the shadow is). */
  walks = 0;
  /** The vCPU it serves while L2 runs (the exit needs it). */
  cpu: Cpu | null = null;

  constructor(
    readonly s: SvmVcpuState, private readonly mem: PhysRW, readonly ncr3Lo: number, readonly ncr3Hi: number,
    readonly format: NptFormat, private readonly reflectFn: NpfReflect, readonly asid = 0,
  ) {}

  flush(): void { this.map.clear(); }

  /** Stage2: L2-physical `gpa` -> L1-physical, or #VMEXIT(NPF) thrown. Nested walks are user accesses (§15.25.5). */
  translate(gpa: number, access: Access, _user: boolean, walk: boolean, _lin: number): number {
    const kind = ACCESS[access];
    const gfn = Math.floor(gpa / 4096);
    const off = gpa - gfn * 4096;
    const e = this.map.get(gfn);
    if (e && (kind !== 'write' || e.writable) && (kind !== 'fetch' || e.executable)) return e.page + off;
    this.walks++;
    const r = nptWalk(this.mem, this.ncr3Lo, this.ncr3Hi, this.format, gpa, kind, !walk);
    if (r.ok) {
      // Only a write walk set D in NPT12: a read-filled entry is not writable until a write walks again.
      this.map.set(gfn, { page: r.page, writable: r.writable && kind === 'write', executable: r.executable });
      return r.page + off;
    }
    throw this.npf(r);
  }

  private npf(f: NptFault): CpuFault | SvmExitInDelivery {
    const cpu = this.cpu;
    if (cpu === null) return new CpuFault(14, 0, 0, 'NPT02 used outside L2');
    const e: SvmExit = {
      code: 0x400, info1Lo: f.info1Lo, info1Hi: f.info1Hi, info2Lo: f.gpa >>> 0, info2Hi: Math.floor(f.gpa / 0x1_0000_0000),
      rule: `l1InterceptsNpf: NPT12 fault (${f.why})`,
    };
    const s = this.s, reflect = this.reflectFn;
    if (cpu.delivering >= 0) return new SvmExitInDelivery((info, ec) => reflect(cpu, s, { ...e, intInfo: info, intErr: ec }), cpu.delivering);
    return new SvmExitFault((info, ec) => reflect(cpu, s, info === undefined ? e : { ...e, intInfo: info, intErr: ec ?? 0 }), e.rule);
  }
}

// ---- raising the #VMEXIT from inside an access ----

/**
 * Thrown from an access in instruction context: the run loop treats it as a
 * fault of the instruction (which does not complete) and hands it to
 * CpuHooks.deliverFault, where SvmExitHooks performs the exit. Never delivered.
 */
export class SvmExitFault extends CpuFault {
  /** `perform(intInfo, intErr)`: the exit, with EXITINTINFO when it interrupted an event's delivery. */
  constructor(readonly perform: (intInfo?: number, intErr?: number) => void, detail: string) { super(-1, -1, 0, detail); }
}

/**
 * Thrown from an access made while an event is being delivered: not a
 * CpuFault, so raise()'s double-fault logic lets it through to
 * SvmExitHooks, which performs the exit with EXITINTINFO (APM §15.7.2).
 */
export class SvmExitInDelivery {
  constructor(readonly perform: (intInfo: number, intErr: number) => void, readonly vector: number) {}
}

const HAS_EC = new Set([8, 10, 11, 12, 13, 14, 17, 21, 29, 30]);

/** EXITINTINFO of an interrupted delivery (APM §15.7.2): TYPE 0 INTR, 2 NMI, 3 exception. */
export function exitIntInfo(vector: number, fromInterruptCheck: boolean, errorCode: number): [number, number] {
  const type = !fromInterruptCheck || vector === 1 ? 3 : vector === 2 ? 2 : vector < 32 ? 3 : 0;
  const ev = type === 3 && HAS_EC.has(vector) && errorCode >= 0;
  return [((vector & 0xff) | (type << 8) | (ev ? EVENT_EV : 0) | EVENT_V) >>> 0, ev ? errorCode >>> 0 : 0];
}

/** The vCPU's delivery hooks while L2 runs with NP: NPF signals become #VMEXITs, the rest goes to the core. */
export class SvmExitHooks implements CpuHooks {
  constructor(readonly base: CpuHooks) {}

  deliverFault(cpu: Cpu, f: CpuFault): void {
    if (f instanceof SvmExitFault) {
      // An access of an instruction's own event delivery (INT n, INT3, INTO,
      // INT1: interrupts.ts raiseSoftware marks it `carry`): EXITINTINFO
      // names that event, TYPE 4 for INT n, 3 for the exceptions (§15.7.2).
      if (vectoring.carry && vectoring.vector >= 0) {
        const info = ((vectoring.vector & 0xff) | ((vectoring.type === EventType.SoftInt ? 4 : 3) << 8) | EVENT_V) >>> 0;
        vectoring.carry = false;
        vectoring.vector = -1;
        f.perform(info, 0);
      } else {
        f.perform();
      }
      return;
    }
    try {
      this.base.deliverFault(cpu, f);
    } catch (x) {
      if (!(x instanceof SvmExitInDelivery)) throw x;
      const [info, ec] = exitIntInfo(x.vector, false, x.vector === f.vector ? f.errorCode : -1);
      x.perform(info, ec);
    }
  }

  checkInterrupts(cpu: Cpu): void {
    try {
      this.base.checkInterrupts(cpu);
    } catch (x) {
      if (!(x instanceof SvmExitInDelivery)) throw x;
      const [info, ec] = exitIntInfo(x.vector, true, -1);
      x.perform(info, ec);
    }
  }
}

/**
 * VMRUN with NP_ENABLE (§15.25.3): NPT02 for VMCB12's N_CR3 in the format
 * of L1's paging mode now, installed as the second stage. The previous
 * VMRUN's shadow is kept when it was made for the same N_CR3, format and
 * ASID and TLB_CONTROL asks for no flush (§15.16.1): like the TLB entries it
 * stands for, it may be stale only where L1 changed NPT12 without the flush
 * the APM requires (not-present entries are never cached, so a mapping
 * added after a #VMEXIT(NPF) needs none).
 */
export function attachNpt02(cpu: Cpu, s: SvmVcpuState, reflect: NpfReflect, flush: boolean): Npt02 {
  const fmt = nptFormatOf(cpu.cr4, cpu.efer, cpu.model.physAddrBits);
  const lo = s.v12.read(VMCB_OFF.N_CR3, 4) >>> 0, hi = s.v12.read(VMCB_OFF.N_CR3 + 4, 4) >>> 0;
  let n = s.npt02;
  if (n === null || flush || n.ncr3Lo !== lo || n.ncr3Hi !== hi || n.asid !== s.asid02 || !sameFormat(n.format, fmt)) {
    n = new Npt02(s, s.mem, lo, hi, fmt, reflect, s.asid02);
    s.npt02 = n;
  }
  n.cpu = cpu;
  cpu.mmu.setStage2(n);
  if (cpu.hooks !== null && !(cpu.hooks instanceof SvmExitHooks)) cpu.hooks = new SvmExitHooks(cpu.hooks);
  return n;
}

function sameFormat(a: NptFormat, b: NptFormat): boolean {
  return a.levels === b.levels && a.nx === b.nx && a.pse === b.pse && a.physAddrBits === b.physAddrBits;
}

/** Any #VMEXIT: L1 runs on its own physical memory again. */
export function detachNpt02(cpu: Cpu, s: SvmVcpuState): void {
  const n = s.npt02;
  if (n) n.cpu = null;
  if (cpu.mmu.stage2 instanceof Npt02) cpu.mmu.setStage2(null);
  if (cpu.hooks instanceof SvmExitHooks) cpu.hooks = cpu.hooks.base;
}

/** The current NPT02 of a vCPU's SVM state (INVLPGA flushes it; tests read it). */
export function currentNpt02(s: SvmVcpuState): Npt02 | undefined {
  return s.npt02 ?? undefined;
}
