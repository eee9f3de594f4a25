// Running L2: the VM entry that succeeds (SDM vol 3C §27.3.2 "Loading Guest
// State") and the virtual VM exits L0 reflects to L1 (§28.2 exit
// information, §28.3 saving guest state, §28.5 loading host state).
//
// First slice (nested-vmx.md, Turtles): L0 runs L2 directly on the vCPU with
// VMCS12's guest state; VMCS02 is implicit (L0 itself wants no L2 exit yet,
// so VMCS02's controls equal VMCS12's). L2 uses L1's physical memory as is:
// VMCS12 without "enable EPT" (with EPT: #UD + "not implemented: EPT for L2").
// Every non-root exit goes through one named rule per exit reason ("does L1
// want this exit?", KVM nested.c style); in this slice every implemented
// exit is one L1 asked for, so it is reflected. Controls L0 does not
// implement yet make the entry #UD + "not implemented", never a silent
// missing exit.
import type { Cpu } from '../x86/cpu';
import type { CpuState, NonRootInsn } from '../x86/state';
import { setFlags, getFlags } from '../x86/flags';
import { fold, foldedHi } from '../x86/canon';
import { SS, EFER_LME, EFER_LMA } from '../x86/regs';
import { interception, SHADOW_NEXT, inShadow } from '../x86/exec/interrupts';
import type { EventInterceptor } from '../x86/exec/interrupts';
import { EventType } from '../x86/exec/sys-deliver';
import { VMCS } from '../vmx/fields';
import { PIN, PRIMARY, EXIT, ENTRY, PIN_DEFAULT1, PRIMARY_DEFAULT1, nameBits } from '../vmx/controls';
import { exitReasonName, decodeQualification } from '../vmx/exit-reasons';
import type { Vmcs } from '../vmx/vmcs';
import type { VmxVcpuState } from './vmx-state';
import { loadHostState } from './vmx-host-state';
import { vmxAbort } from './vmx-entry-failure';
import { emitTransition } from './transitions';

const F = VMCS;
const TWO32 = 0x1_0000_0000;

/** Basic exit reasons this slice produces (vmx-exit-reasons.tsv). */
export const REASON = {
  EXCEPTION_NMI: 0, TRIPLE_FAULT: 2, CPUID: 10, HLT: 12, VMCALL: 18,
  IO_INSTRUCTION: 30, MSR_READ: 31, MSR_WRITE: 32,
} as const;

// ---- "does L1 want this exit?" (one rule per exit reason) ----

/** Reason 10: CPUID exits unconditionally in VMX non-root (SDM §26.1.2). */
export function l1WantsCpuid(_v: Vmcs): boolean { return true; }
/** Reason 12: HLT exits iff primary "HLT exiting" (§26.1.3). */
export function l1WantsHlt(v: Vmcs): boolean { return (v.lo(F.CPU_BASED_VM_EXEC_CONTROL) & PRIMARY.HLT_EXITING) !== 0; }
/** Reason 18: VMCALL exits unconditionally in VMX non-root (§26.1.2). */
export function l1WantsVmcall(_v: Vmcs): boolean { return true; }
/**
 * Reason 30: with "use I/O bitmaps" = 0, I/O exits iff "unconditional I/O
 * exiting" (§26.1.3). (Entries with I/O bitmaps are refused for now.)
 */
export function l1WantsIo(v: Vmcs): boolean { return (v.lo(F.CPU_BASED_VM_EXEC_CONTROL) & PRIMARY.UNCONDITIONAL_IO_EXITING) !== 0; }
/** Reasons 31/32: with "use MSR bitmaps" = 0 every RDMSR/WRMSR exits (§26.1.3). */
export function l1WantsMsr(v: Vmcs): boolean { return (v.lo(F.CPU_BASED_VM_EXEC_CONTROL) & PRIMARY.USE_MSR_BITMAPS) === 0; }
/**
 * Reason 0: an exception exits iff its bit in the exception bitmap is 1;
 * #PF also compares the error code with PFEC_MASK/MATCH (§26.2 / §25.6.3).
 */
export function l1WantsException(v: Vmcs, vector: number, errorCode: number): boolean {
  const bit = (v.lo(F.EXCEPTION_BITMAP) >>> vector) & 1;
  if (vector !== 14) return bit === 1;
  const match = ((errorCode & v.lo(F.PAGE_FAULT_ERROR_CODE_MASK)) >>> 0) === v.lo(F.PAGE_FAULT_ERROR_CODE_MATCH) >>> 0;
  return match ? bit === 1 : bit === 0;
}
/** Reason 2: a triple fault in L2 always exits (§26.2). */
export function l1WantsTripleFault(_v: Vmcs): boolean { return true; }

const INSN_RULES: Record<NonRootInsn, { reason: number; rule: (v: Vmcs) => boolean }> = {
  cpuid: { reason: REASON.CPUID, rule: l1WantsCpuid },
  hlt: { reason: REASON.HLT, rule: l1WantsHlt },
  io: { reason: REASON.IO_INSTRUCTION, rule: l1WantsIo },
  rdmsr: { reason: REASON.MSR_READ, rule: l1WantsMsr },
  wrmsr: { reason: REASON.MSR_WRITE, rule: l1WantsMsr },
};

// ---- controls this slice implements ----

/** Primary controls L0 honours for L2 (the default1 bits other than CR3 load/store exiting have no effect). */
const PRIMARY_OK = ((PRIMARY_DEFAULT1 & ~(PRIMARY.CR3_LOAD_EXITING | PRIMARY.CR3_STORE_EXITING)) |
  PRIMARY.HLT_EXITING | PRIMARY.UNCONDITIONAL_IO_EXITING | PRIMARY.ACTIVATE_SECONDARY_CONTROLS) >>> 0;
const PIN_OK = PIN_DEFAULT1 >>> 0;
const ENTRY_OK = (ENTRY.LOAD_DEBUG_CONTROLS | ENTRY.IA32E_MODE_GUEST | ENTRY.LOAD_IA32_PAT | ENTRY.LOAD_IA32_EFER) >>> 0;
/** Entry-control bits that are default1 (reserved) and carry no meaning. */
const ENTRY_RESERVED1 = 0x11ff & ~(ENTRY.LOAD_DEBUG_CONTROLS | ENTRY.IA32E_MODE_GUEST);

/** What VMCS12 asks for that this slice cannot do yet, or null. */
export function unsupportedForL2(v: Vmcs): string | null {
  const primary = v.lo(F.CPU_BASED_VM_EXEC_CONTROL) >>> 0;
  const secondary = primary & PRIMARY.ACTIVATE_SECONDARY_CONTROLS ? v.lo(F.SECONDARY_VM_EXEC_CONTROL) >>> 0 : 0;
  if (secondary & 2) return 'EPT for L2';
  if (secondary) return `secondary controls for L2 (${nameBits('secondary', secondary)})`;
  const p = (primary & ~PRIMARY_OK & ~PRIMARY.USE_MSR_BITMAPS) >>> 0;
  if (p) return `primary controls for L2 (${nameBits('primary', p)})`;
  if (primary & PRIMARY.USE_MSR_BITMAPS) return 'MSR bitmaps for L2';
  const pin = (v.lo(F.PIN_BASED_VM_EXEC_CONTROL) & ~PIN_OK) >>> 0;
  if (pin) return `pin-based controls for L2 (${nameBits('pin', pin)})`;
  const entry = (v.lo(F.VM_ENTRY_CONTROLS) & ~ENTRY_OK & ~ENTRY_RESERVED1) >>> 0;
  if (entry) return `VM-entry controls for L2 (${nameBits('entry', entry)})`;
  if (v.lo(F.VM_ENTRY_INTR_INFO_FIELD) >>> 31) return 'VM-entry event injection';
  if (v.lo(F.VM_ENTRY_MSR_LOAD_COUNT) || v.lo(F.VM_EXIT_MSR_STORE_COUNT)) return 'VM-entry MSR-load / VM-exit MSR-store lists for L2';
  const act = v.lo(F.GUEST_ACTIVITY_STATE);
  if (act !== 0 && act !== 1) return `guest activity state ${act}`;
  return null;
}

// ---- VM entry: loading guest state (§27.3.2) ----

/** A natural-width guest field as a folded linear address (canonical per the guest checks). */
function linear(v: Vmcs, enc: number): number {
  const lo = v.lo(enc), hi = v.hi(enc);
  const f = fold(lo, hi);
  return f >= 0 ? f : (hi & 0xffff) * TWO32 + (lo >>> 0);
}

function put(v: Vmcs, enc: number, x: number): void {
  v.set(enc, x >>> 0, x < TWO32 && x >= 0 ? 0 : foldedHi(x) >>> 0);
}

const SEG_SEL = F.GUEST_ES_SELECTOR, SEG_LIMIT = F.GUEST_ES_LIMIT, SEG_AR = F.GUEST_ES_AR_BYTES, SEG_BASE = F.GUEST_ES_BASE;

/** §27.3.2.1-27.3.2.5: CRs, debug state, MSRs, segments, descriptor tables, RIP/RSP/RFLAGS, interruptibility. */
function loadGuestState(cpu: Cpu, v: Vmcs): void {
  const entry = v.lo(F.VM_ENTRY_CONTROLS);
  const ia32e = (entry & ENTRY.IA32E_MODE_GUEST) !== 0;
  // CR0/CR4 guest/host masks and read shadows are a later slice: loaded as written.
  cpu.cr0 = v.lo(F.GUEST_CR0) >>> 0;
  cpu.cr3 = v.lo(F.GUEST_CR3) >>> 0;
  cpu.cr3Hi = v.hi(F.GUEST_CR3) >>> 0;
  cpu.cr4 = v.lo(F.GUEST_CR4) >>> 0;
  if (entry & ENTRY.LOAD_DEBUG_CONTROLS) { cpu.dr[7] = v.lo(F.GUEST_DR7) >>> 0; cpu.drHi[7] = 0; }
  cpu.sysenterCs = v.lo(F.GUEST_SYSENTER_CS) >>> 0;
  cpu.sysenterEsp = v.lo(F.GUEST_SYSENTER_ESP) >>> 0;
  cpu.sysenterEspHi = v.hi(F.GUEST_SYSENTER_ESP) >>> 0;
  cpu.sysenterEip = v.lo(F.GUEST_SYSENTER_EIP) >>> 0;
  cpu.sysenterEipHi = v.hi(F.GUEST_SYSENTER_EIP) >>> 0;
  if (entry & ENTRY.LOAD_IA32_PAT) { cpu.pat = v.lo(F.GUEST_IA32_PAT) >>> 0; cpu.patHi = v.hi(F.GUEST_IA32_PAT) >>> 0; }
  if (entry & ENTRY.LOAD_IA32_EFER) {
    cpu.efer = v.lo(F.GUEST_IA32_EFER) >>> 0;
  } else {
    // §27.3.2.1: LMA = "IA-32e mode guest"; LME too if CR0.PG = 1.
    let efer = ia32e ? cpu.efer | EFER_LMA : cpu.efer & ~EFER_LMA;
    if (cpu.cr0 & 0x80000000) efer = ia32e ? efer | EFER_LME : efer & ~EFER_LME;
    cpu.efer = efer >>> 0;
  }
  // §27.3.2.2: segments in the core's order ES CS SS DS FS GS LDTR TR (= the
  // encodings' order); the access-rights format is the core's segAr format.
  for (let s = 0; s < 8; s++) {
    cpu.segSel[s] = v.lo(SEG_SEL + 2 * s) & 0xffff;
    cpu.segBase[s] = linear(v, SEG_BASE + 2 * s);
    cpu.segLimit[s] = v.lo(SEG_LIMIT + 2 * s) >>> 0;
    cpu.segAr[s] = v.lo(SEG_AR + 2 * s) & 0x1f0ff;
  }
  cpu.gdtrBase = linear(v, F.GUEST_GDTR_BASE);
  cpu.gdtrLimit = v.lo(F.GUEST_GDTR_LIMIT) & 0xffff;
  cpu.idtrBase = linear(v, F.GUEST_IDTR_BASE);
  cpu.idtrLimit = v.lo(F.GUEST_IDTR_LIMIT) & 0xffff;
  // §27.3.2.3: RIP, RSP, RFLAGS.
  cpu.setReg(4, 8, v.lo(F.GUEST_RSP) >>> 0, v.hi(F.GUEST_RSP) >>> 0);
  cpu.nextRip = ia32e ? linear(v, F.GUEST_RIP) : v.lo(F.GUEST_RIP) >>> 0;
  cpu.rip = cpu.nextRip;
  setFlags(cpu, v.lo(F.GUEST_RFLAGS) >>> 0);
  // §27.3.2.5 interruptibility and activity state. The core's interrupt
  // shadow does not tell STI from MOV SS: either becomes a one-instruction shadow.
  const intr = v.lo(F.GUEST_INTERRUPTIBILITY_INFO);
  cpu.shadowUntil = intr & 3 ? SHADOW_NEXT : -1;
  cpu.nmiBlocked = (intr & 8) !== 0;
  cpu.halted = v.lo(F.GUEST_ACTIVITY_STATE) === 1;
  // CPL = SS.DPL (§27.3.2.2 note; the checks made CS.DPL agree where required).
  cpu.setCpl((cpu.segAr[SS] >>> 5) & 3);
  cpu.updateMode();
  cpu.mmu.flushAll();
  cpu.exitBlock = true;
}

/**
 * The successful VMLAUNCH/VMRESUME (all checks passed). Returns a reason the
 * entry cannot be done yet (the caller raises #UD "not implemented"), or
 * null once the vCPU runs L2.
 */
export function enterL2(cpu: Cpu, s: VmxVcpuState, launch: boolean): string | null {
  const v = s.vmcs12;
  const why = unsupportedForL2(v);
  if (why) return why;
  // L1 state L1's host-state area does not restore, kept by L0 (the part of
  // "VMCS01" that matters here): NMI blocking, and where L1 waits (DAP call stack).
  s.l1 = { nmiBlocked: cpu.nmiBlocked, rip: cpu.nextRip, instruction: launch ? 'VMLAUNCH' : 'VMRESUME' };
  if (launch) v.launched = true; // §31.3 VMLAUNCH: launch state := launched
  loadGuestState(cpu, v);
  s.level = 2;
  installInterceptor();
  cpu.nonRootExit = nonRootExit;
  emitTransition(cpu, {
    from: 1, to: 2, type: 'entry', reason: 0,
    reasonName: launch ? 'VMLAUNCH' : 'VMRESUME',
    handledBy: 'L0',
  });
  return null;
}

// ---- VM exit to L1 (§28) ----

export interface ExitInfo {
  reason: number;
  qualLo?: number;
  qualHi?: number;
  /** VM_EXIT_INSTRUCTION_LEN (instruction exits, software exceptions). */
  instrLen?: number;
  /** VM_EXIT_INTR_INFO (exception exits), 0 = invalid. */
  intrInfo?: number;
  errorCode?: number;
  rule: string;
}

/** §28.3: the guest-state area gets L2's state as it is at the exit. */
function saveGuestState(cpu: Cpu, v: Vmcs): void {
  const exitCtl = v.lo(F.VM_EXIT_CONTROLS);
  v.set(F.GUEST_CR0, cpu.cr0 >>> 0, 0);
  v.set(F.GUEST_CR3, cpu.cr3 >>> 0, cpu.cr3Hi >>> 0);
  v.set(F.GUEST_CR4, cpu.cr4 >>> 0, 0);
  if (exitCtl & EXIT.SAVE_DEBUG_CONTROLS) v.set(F.GUEST_DR7, cpu.dr[7] >>> 0, 0);
  for (let s = 0; s < 8; s++) {
    v.set(SEG_SEL + 2 * s, cpu.segSel[s]);
    put(v, SEG_BASE + 2 * s, cpu.segBase[s]);
    v.set(SEG_LIMIT + 2 * s, cpu.segLimit[s] >>> 0);
    v.set(SEG_AR + 2 * s, cpu.segAr[s] & 0x1f0ff);
  }
  put(v, F.GUEST_GDTR_BASE, cpu.gdtrBase);
  v.set(F.GUEST_GDTR_LIMIT, cpu.gdtrLimit & 0xffff);
  put(v, F.GUEST_IDTR_BASE, cpu.idtrBase);
  v.set(F.GUEST_IDTR_LIMIT, cpu.idtrLimit & 0xffff);
  // RIP of the instruction that exited (or faulted), RSP, RFLAGS (§28.3.3).
  put(v, F.GUEST_RIP, cpu.rip);
  v.set(F.GUEST_RSP, cpu.regs[8] >>> 0, cpu.regs[9] >>> 0);
  v.set(F.GUEST_RFLAGS, getFlags(cpu) >>> 0, 0);
  v.set(F.GUEST_SYSENTER_CS, cpu.sysenterCs >>> 0);
  v.set(F.GUEST_SYSENTER_ESP, cpu.sysenterEsp >>> 0, cpu.sysenterEspHi >>> 0);
  v.set(F.GUEST_SYSENTER_EIP, cpu.sysenterEip >>> 0, cpu.sysenterEipHi >>> 0);
  if (exitCtl & EXIT.SAVE_IA32_PAT) v.set(F.GUEST_IA32_PAT, cpu.pat >>> 0, cpu.patHi >>> 0);
  if (exitCtl & EXIT.SAVE_IA32_EFER) v.set(F.GUEST_IA32_EFER, cpu.efer >>> 0, 0);
  // §28.3.4: interruptibility (STI shadow reported as blocking by STI), activity state.
  v.set(F.GUEST_INTERRUPTIBILITY_INFO, (inShadow(cpu) ? 1 : 0) | (cpu.nmiBlocked ? 8 : 0));
  v.set(F.GUEST_ACTIVITY_STATE, cpu.halted ? 1 : 0);
  v.set(F.GUEST_PENDING_DBG_EXCEPTIONS, 0, 0);
  // §28.3 (nested-vmx.md §3.2): the "IA-32e mode guest" entry control := EFER.LMA.
  const entry = v.lo(F.VM_ENTRY_CONTROLS);
  v.set(F.VM_ENTRY_CONTROLS, (cpu.efer & EFER_LMA ? entry | ENTRY.IA32E_MODE_GUEST : entry & ~ENTRY.IA32E_MODE_GUEST) >>> 0);
  // §28.2: every VM exit clears the valid bit of the VM-entry interruption information.
  v.set(F.VM_ENTRY_INTR_INFO_FIELD, v.lo(F.VM_ENTRY_INTR_INFO_FIELD) & 0x7fffffff);
}

/**
 * A virtual VM exit from L2 to L1: exit information and L2's state into
 * VMCS12, VMCS12's host state into the vCPU (L1 continues at HOST_RIP).
 */
export function reflectExit(cpu: Cpu, s: VmxVcpuState, e: ExitInfo): void {
  const v = s.vmcs12;
  const qlo = (e.qualLo ?? 0) >>> 0, qhi = (e.qualHi ?? 0) >>> 0;
  v.set(F.VM_EXIT_REASON, e.reason >>> 0);
  v.set(F.EXIT_QUALIFICATION, qlo, qhi);
  v.set(F.VM_EXIT_INSTRUCTION_LEN, (e.instrLen ?? 0) >>> 0);
  v.set(F.VM_EXIT_INTR_INFO, (e.intrInfo ?? 0) >>> 0);
  v.set(F.VM_EXIT_INTR_ERROR_CODE, (e.errorCode ?? 0) >>> 0);
  v.set(F.IDT_VECTORING_INFO_FIELD, 0);
  saveGuestState(cpu, v);
  s.level = 1;
  cpu.nonRootExit = null;
  cpu.halted = false;
  const abort = loadHostState(cpu, v, s.caps);
  cpu.nmiBlocked = s.l1?.nmiBlocked ?? cpu.nmiBlocked;
  cpu.exitBlock = true;
  emitTransition(cpu, {
    from: 2, to: 1, type: 'reflect', reason: e.reason,
    reasonName: exitReasonName(e.reason),
    qualification: decodeQualification(e.reason, qlo, qhi, e.intrInfo),
    handledBy: 'L1',
    rule: e.rule,
  });
  if (abort) vmxAbort(cpu, s, abort.indicator, abort.message);
}

// ---- where the core asks ----

let stateOf: (cpu: Cpu) => VmxVcpuState | undefined = () => undefined;

/** vmx-instructions.ts tells this module where the per-vCPU state lives (no import cycle). */
export function setNonRootStateLookup(f: (cpu: Cpu) => VmxVcpuState | undefined): void {
  stateOf = f;
}

/** CpuState.nonRootExit while the vCPU runs L2. */
function nonRootExit(c: CpuState, insn: NonRootInsn, qual: number): boolean {
  const cpu = c as Cpu;
  const s = stateOf(cpu);
  if (!s || s.level !== 2) return false;
  const r = INSN_RULES[insn];
  if (!r.rule(s.vmcs12)) return false; // L0 runs the instruction for L2 (e.g. HLT without HLT exiting)
  reflectExit(cpu, s, { reason: r.reason, qualLo: qual, instrLen: cpu.nextRip - cpu.rip, rule: r.rule.name });
  return true;
}

/** VMCALL from L2 (the VMX-instruction seam, vmx-hook.ts): always an exit to L1. */
export function vmcallFromL2(cpu: Cpu, s: VmxVcpuState): void {
  reflectExit(cpu, s, { reason: REASON.VMCALL, instrLen: cpu.nextRip - cpu.rip, rule: l1WantsVmcall.name });
}

const SOFT_TYPES = new Set<EventType>([EventType.SoftException, EventType.PrivSoftException]);

/**
 * Exceptions and triple faults of L2 (§26.2, §28.2.2): the exception bitmap
 * decides; intr info = vector | type << 8 | error-code valid (11) | valid (31).
 */
const l2Events: EventInterceptor = {
  event(c, vector, type, errorCode, cr2) {
    const cpu = c as Cpu;
    const s = stateOf(cpu);
    if (!s || s.level !== 2) return false;
    if (type !== EventType.HwException && !SOFT_TYPES.has(type)) return false;
    if (vector >= 32 || !l1WantsException(s.vmcs12, vector, errorCode < 0 ? 0 : errorCode)) return false;
    const soft = SOFT_TYPES.has(type);
    const info = (vector | (type << 8) | (errorCode >= 0 ? 1 << 11 : 0) | 0x80000000) >>> 0;
    reflectExit(cpu, s, {
      reason: REASON.EXCEPTION_NMI,
      qualLo: vector === 14 ? cr2 >>> 0 : 0, qualHi: vector === 14 ? foldedHi(cr2) >>> 0 : 0,
      instrLen: soft ? cpu.nextRip - cpu.rip : 0,
      intrInfo: info, errorCode: errorCode >= 0 ? errorCode : 0,
      rule: l1WantsException.name,
    });
    return true;
  },
  tripleFault(c) {
    const cpu = c as Cpu;
    const s = stateOf(cpu);
    if (!s || s.level !== 2 || !l1WantsTripleFault(s.vmcs12)) return false;
    reflectExit(cpu, s, { reason: REASON.TRIPLE_FAULT, rule: l1WantsTripleFault.name });
    return true;
  },
};

/** Chains L0's L2 interceptor in front of any other (global table, per-vCPU decision). */
function installInterceptor(): void {
  const prev = interception.hook;
  if (prev === l2Events || (prev as { l2?: boolean } | null)?.l2) return;
  if (!prev) { interception.hook = l2Events; return; }
  interception.hook = Object.assign({
    event: (c: Cpu, v: number, t: EventType, ec: number, cr2: number) => l2Events.event(c, v, t, ec, cr2) || prev.event(c, v, t, ec, cr2),
    tripleFault: (c: Cpu, r: string) => l2Events.tripleFault(c, r) || prev.tripleFault(c, r),
  }, { l2: true });
}
