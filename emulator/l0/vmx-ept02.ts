// EPT02: how L0 gives L2 the guest-physical space L1 described in EPT12
// (nested-vmx.md §4, Turtles multi-dimensional paging). L0 maps L1
// identity (L1-physical = host-physical), so EPT02 = EPT12 ∘ identity:
// a cache of EPT12 translations, filled lazily. While L2 runs with "enable
// EPT", EPT02 is the vCPU MMU's second stage (x86/mmu.ts Stage2):
//   - EPT02 hit with the permissions the access needs: the host address;
//   - miss: walk EPT12 in L1 memory (vmx/ept.ts); a translation fills the
//     EPT02 entry, a fault is L1's: a virtual EPT violation (exit 48) or
//     EPT misconfiguration (49) reflected to L1 with EPT12's view of it
//     (SDM vol 3C 28.2.1 table 28-7; nested-vmx.md §4 "qualification from
//     EPT12's access rights").
// EPT02 outlives exits to L1, like the guest-physical mappings a processor
// caches (SDM vol 3C 29.4.1), until L1's INVEPT drops them (29.4.3.1): so an
// EPT12 change becomes visible to L2 after INVEPT, as on hardware.
//
// Hostile EPT12: whatever its entries say, a walk reads dwords of L1's
// physical space (beyond RAM: all ones, a misconfiguration) and yields an
// address in L1's own physical space; L2 never reaches anything L1 does not
// own, and nothing here can throw anything but the exit.
import type { Cpu, CpuHooks } from '../x86/cpu';
import { CpuFault } from '../x86/fault';
import { vectoring as coreVectoring } from '../x86/exec/interrupts';
import { Access } from '../x86/mmu';
import type { Stage2 } from '../x86/mmu';
import { VMCS } from '../vmx/fields';
import { PIN, PRIMARY, SECONDARY } from '../vmx/controls';
import {
  EptCaps, Eptp, EptOutcome, eptCapsOf, decodeEptp, eptWalk, eptViolationQualification,
  EPT_READ, EPT_WRITE, EPT_EXEC, EXIT_EPT_VIOLATION, EXIT_EPT_MISCONFIG,
} from '../vmx/ept';
import type { VmxVcpuState, L1PhysMemory } from './vmx-state';

const F = VMCS;
const PAGE = 4096;

/** EPT02 entry: host page number * 16 + R/W/X (bits 2:0) + EPT12 leaf dirty (bit 3). */
const DIRTY = 8;

/** What L0 hands to the virtual VM exit (vmx-nonroot.ts reflectExit's ExitInfo subset). */
export interface Ept02ExitInfo {
  reason: number;
  qualLo: number;
  qualHi: number;
  /** GUEST_PHYSICAL_ADDRESS (SDM vol 3C 28.2.1). */
  gpa: number;
  /** GUEST_LINEAR_ADDRESS when exit-qualification bit 7 says it is valid, else undefined. */
  linear?: number;
  rule: string;
}

/** The virtual VM exit to L1 (vmx-nonroot.ts reflectExit), injected to avoid an import cycle. */
export type ReflectFn = (cpu: Cpu, s: VmxVcpuState, e: Ept02ExitInfo) => void;

/** Rule names shown in the trace (the "does L1 want this exit?" of EPT-induced exits). */
export const RULE_VIOLATION = 'ept12Violation';
export const RULE_MISCONFIG = 'ept12Misconfig';

/** One EPT02 root: the shadow of the EPT12 an EPTP names. */
export class Ept02 implements Stage2 {
  /** L2 guest page number -> entry (DIRTY and permission bits, host page). */
  readonly entries = new Map<number, number>();
  readonly eptp: Eptp;
  readonly caps: EptCaps;

  /** `cpu`: the vCPU whose L2 it serves (roots are per vCPU, like the TLBs that hold them). */
  constructor(readonly cpu: Cpu, readonly s: VmxVcpuState, readonly mem: L1PhysMemory, readonly eptpLo: number, readonly eptpHi: number) {
    this.eptp = decodeEptp(eptpLo, eptpHi);
    this.caps = eptCapsOf(s.caps);
  }

  /** Accesses to the guest's paging structures are writes for EPT when A/D flags are on (SDM vol 3C 29.3.3.2). */
  private kinds(access: Access, walk: boolean): number {
    if (walk) return access === Access.Write || this.eptp.ad ? EPT_READ | EPT_WRITE : EPT_READ;
    return access === Access.Read ? EPT_READ : access === Access.Write ? EPT_WRITE : EPT_EXEC;
  }

  translate(gpa: number, access: Access, user: boolean, walk: boolean, lin: number): number {
    const gfn = Math.floor(gpa / PAGE);
    const off = gpa - gfn * PAGE;
    const need = this.kinds(access, walk);
    const e = this.entries.get(gfn);
    // A hit needs every permission; a write with EPT A/D needs the dirty flag already set in EPT12.
    if (e !== undefined && (e & need) === need && (!(need & EPT_WRITE) || !this.eptp.ad || (e & DIRTY))) {
      return Math.floor(e / 16) * PAGE + off;
    }
    const w = eptWalk(this.mem, this.caps, this.eptp, gpa, need);
    if (w.outcome === EptOutcome.Ok) {
      const hpage = Math.floor(w.hpa / PAGE);
      this.entries.set(gfn, hpage * 16 + (w.perms & 7) + (w.dirty ? DIRTY : 0));
      return hpage * PAGE + off;
    }
    const cpu = this.cpu;
    const violation = w.outcome === EptOutcome.Violation;
    // Bit 7: the linear address is valid except for PDPTE loads by MOV to CR (table 28-7),
    // which this MMU does not make (it reads PDPTEs during the walk, with the linear address).
    const linValid = lin >= 0;
    const qual = violation
      ? eptViolationQualification(need, w.perms, linValid, !walk, nmiUnblockedByIret(cpu, this.s))
      : 0; // 28.2.1: the exit qualification of an EPT misconfiguration is 0 (undefined bits cleared)
    throw exitSignal(cpu, this.s, {
      reason: violation ? EXIT_EPT_VIOLATION : EXIT_EPT_MISCONFIG,
      qualLo: qual, qualHi: 0, gpa,
      // 28.2.1: GUEST_LINEAR_ADDRESS only for violations with bit 7 set.
      linear: violation && linValid ? lin : undefined,
      rule: `${violation ? RULE_VIOLATION : RULE_MISCONFIG}: ${w.detail}`,
    });
  }

  /** Side-effect-free lookup for debuggers: the host address, or null when EPT12 gives none. */
  peek(gpa: number): number | null {
    const w = eptWalk(this.mem, this.caps, this.eptp, gpa, EPT_READ, false);
    return w.outcome === EptOutcome.Ok ? w.hpa : null;
  }
}

// ---- EPT02 roots of a vCPU ----

/** At most this many EPT02 roots per vCPU (L1 switching EPTPs); the oldest goes first. */
const MAX_ROOTS = 8;

/** L0's EPT02 roots of one vCPU: a cache (dropping it is always allowed), so a WeakMap is enough. */
interface VcpuEpt {
  roots: Ept02[];
  reflect: ReflectFn | null;
}

const perVcpu = new WeakMap<VmxVcpuState, VcpuEpt>();

function vcpuEpt(s: VmxVcpuState): VcpuEpt {
  let v = perVcpu.get(s);
  if (!v) { v = { roots: [], reflect: null }; perVcpu.set(s, v); }
  return v;
}

/** The EPT02 roots L0 holds for this vCPU (tests, debugger). */
export function ept02Roots(s: VmxVcpuState): readonly Ept02[] {
  return vcpuEpt(s).roots;
}

/** Whether VMCS12 asks for EPT (secondary controls active and 'enable EPT'). */
export function eptEnabled12(s: VmxVcpuState): boolean {
  const v = s.vmcs12;
  return (v.lo(F.CPU_BASED_VM_EXEC_CONTROL) & PRIMARY.ACTIVATE_SECONDARY_CONTROLS) !== 0 &&
    (v.lo(F.SECONDARY_VM_EXEC_CONTROL) & SECONDARY.ENABLE_EPT) !== 0;
}

/**
 * VM entry to L2 with "enable EPT" (SDM vol 3C 27.3.2): the EPT02 root of
 * VMCS12's EPTP (kept or new) becomes the MMU's second stage. The entry
 * checks have validated the EPTP (27.2.1.1).
 */
export function attachEpt02(cpu: Cpu, s: VmxVcpuState, reflect: ReflectFn): void {
  const v = vcpuEpt(s);
  v.reflect = reflect;
  const lo = s.vmcs12.lo(F.EPT_POINTER) >>> 0, hi = s.vmcs12.hi(F.EPT_POINTER) >>> 0;
  let root = v.roots.find((r) => r.eptpLo === lo && r.eptpHi === hi);
  if (!root) {
    root = new Ept02(cpu, s, s.mem, lo, hi);
    v.roots.push(root);
    if (v.roots.length > MAX_ROOTS) v.roots.shift();
  }
  cpu.mmu.setStage2(root);
  if (cpu.hooks !== null && !(cpu.hooks instanceof ExitAwareHooks)) cpu.hooks = new ExitAwareHooks(cpu.hooks);
  if (cpu.hooks instanceof ExitAwareHooks) cpu.hooks.nmiBlockedAtBlock = cpu.nmiBlocked;
}

/** Any VM exit to L1: L1 runs on its own physical memory again (EPT02 stays cached). */
export function detachEpt02(cpu: Cpu, _s: VmxVcpuState): void {
  const st = cpu.mmu.stage2;
  if (st instanceof Ept02) cpu.mmu.setStage2(null);
  if (cpu.hooks instanceof ExitAwareHooks) cpu.hooks = cpu.hooks.base;
}

/**
 * INVEPT (SDM vol 3C 31.3 INVEPT; 29.4.3.1): single-context drops the
 * guest-physical and combined mappings derived from EPTP[51:12] (every
 * EPT02 root whose EPT12 PML4 is there), all-context drops all of them.
 * L2 is not running (INVEPT is an L1 instruction), so the MMU holds none.
 */
export function inveptFlush(s: VmxVcpuState, type: 1 | 2, eptpLo: number, eptpHi: number): void {
  const v = vcpuEpt(s);
  if (type === 2) { v.roots.length = 0; return; }
  const pml4 = decodeEptp(eptpLo, eptpHi).pml4;
  v.roots = v.roots.filter((r) => r.eptp.pml4 !== pml4);
}

// ---- raising the exit from inside an access ----

/**
 * Thrown from an access in instruction context: the run loop treats it as a
 * fault of the instruction (it does not complete) and hands it to
 * CpuHooks.deliverFault, where exitAwareHooks performs the exit instead of a
 * delivery. The vector is never delivered.
 */
export class Stage2ExitFault extends CpuFault {
  constructor(readonly perform: () => void, detail: string) { super(-1, -1, 0, detail); }
}

/**
 * Thrown from an access made while an event is being delivered (raise(),
 * exec/interrupts.ts): not a CpuFault, so the double-fault logic lets it
 * through to exitAwareHooks, which performs the exit with IDT-vectoring
 * information (SDM vol 3C 28.2.4).
 */
export class Stage2ExitInDelivery {
  constructor(readonly perform: (idtVectoring: number, idtErrorCode: number) => void, readonly vector: number) {}
}

/** Event types of the IDT-vectoring information field (SDM vol 3C 25.9.3). */
const IDT_EXTERNAL = 0, IDT_NMI = 2, IDT_HW_EXCEPTION = 3;
/** Exceptions that push an error code (SDM vol 3A 6.3.1 table 6-1). */
const HAS_EC = new Set([8, 10, 11, 12, 13, 14, 17, 21, 29, 30]);

function exitSignal(cpu: Cpu, s: VmxVcpuState, e: Ept02ExitInfo): Stage2ExitFault | Stage2ExitInDelivery {
  const v = vcpuEpt(s);
  const reflect = v.reflect!;
  if (cpu.delivering >= 0) {
    return new Stage2ExitInDelivery((info, ec) => {
      // 28.2.4: the event being delivered when the exit happened, where the
      // exit path looks for it (the core's record of an interrupted delivery)...
      coreVectoring.vector = info & 0xff;
      coreVectoring.type = (info >>> 8) & 7;
      coreVectoring.errorCode = info & (1 << 11) ? ec : -1;
      reflect(cpu, s, e);
      // ...and in VMCS12 itself, for an exit path that does not look.
      s.vmcs12.set(F.IDT_VECTORING_INFO_FIELD, info >>> 0);
      s.vmcs12.set(F.IDT_VECTORING_ERROR_CODE, ec >>> 0);
    }, cpu.delivering);
  }
  return new Stage2ExitFault(() => reflect(cpu, s, e), e.rule);
}

/**
 * 28.2.1 table 28-7 bit 12: the access was made by IRET and NMIs (virtual
 * NMIs, with that control) were blocked before it. Undefined - here 0 - with
 * "NMI exiting" but not "virtual NMIs", and during event delivery. IRET ends
 * the block it is in, and only event delivery (between blocks) blocks NMIs,
 * so the blocking at the block's start is the blocking before the IRET.
 */
function nmiUnblockedByIret(cpu: Cpu, s: VmxVcpuState): boolean {
  const i = cpu.cur;
  if (i === null || cpu.delivering >= 0 || !i.entry.m.startsWith('iret')) return false;
  const pin = s.vmcs12.lo(F.PIN_BASED_VM_EXEC_CONTROL);
  if ((pin & PIN.NMI_EXITING) && !(pin & PIN.VIRTUAL_NMIS)) return false;
  return cpu.hooks instanceof ExitAwareHooks && cpu.hooks.nmiBlockedAtBlock;
}

/** IDT-vectoring information for an exit while delivering `vector` from `where`. */
function vectoring(vector: number, fromInterruptCheck: boolean, errorCode: number): [number, number] {
  let type: number;
  if (!fromInterruptCheck || vector === 1) type = IDT_HW_EXCEPTION;
  else if (vector === 2) type = IDT_NMI;
  else type = vector < 32 ? IDT_HW_EXCEPTION : IDT_EXTERNAL;
  const ecValid = type === IDT_HW_EXCEPTION && HAS_EC.has(vector) && errorCode >= 0;
  return [(vector | (type << 8) | (ecValid ? 1 << 11 : 0) | 0x80000000) >>> 0, ecValid ? errorCode : 0];
}

/**
 * The vCPU's delivery hooks while L2 runs with EPT: a Stage2ExitFault reaching
 * deliverFault, or a Stage2ExitInDelivery escaping a delivery, becomes the
 * virtual VM exit it carries; everything else goes to the core's hooks. A
 * field of the Cpu (not a closure or a WeakMap), so snapshots see it.
 */
export class ExitAwareHooks implements CpuHooks {
  /** NMI blocking at the start of the current block (exit-qualification bit 12). */
  nmiBlockedAtBlock = false;

  constructor(readonly base: CpuHooks) {}

  deliverFault(cpu: Cpu, f: CpuFault): void {
    if (f instanceof Stage2ExitFault) { f.perform(); return; }
    try {
      this.base.deliverFault(cpu, f);
    } catch (x) {
      if (!(x instanceof Stage2ExitInDelivery)) throw x;
      // The error code is known only for the fault that started the delivery.
      const [info, ec] = vectoring(x.vector, false, x.vector === f.vector ? f.errorCode : -1);
      x.perform(info, ec);
    }
  }

  checkInterrupts(cpu: Cpu): void {
    try {
      this.base.checkInterrupts(cpu);
    } catch (x) {
      if (!(x instanceof Stage2ExitInDelivery)) throw x;
      const [info, ec] = vectoring(x.vector, true, -1);
      x.perform(info, ec);
    }
    this.nmiBlockedAtBlock = cpu.nmiBlocked;
  }
}
