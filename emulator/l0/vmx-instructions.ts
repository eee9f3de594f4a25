// L0's emulation of the VMX instructions L1 executes (SDM vol 3C ch. 31
// "VMX Instruction Reference": each handler follows that instruction's
// Operation pseudo-code, branch by branch, in order). L1 runs in VMX root
// operation; in L2 (VMX non-root, vmx-nonroot.ts) every VMX instruction but
// VMFUNC exits to L1 (vmx-insn-l2.ts).
//
// Results (SDM §31.2 "Conventions"): VMsucceed clears CF PF AF ZF SF OF;
// VMfailInvalid sets CF; VMfailValid(n) sets ZF and stores n in the
// VM-instruction error field of the current VMCS (VMCS12 in L0's cache).
// VMfail(n) is VMfailValid(n) when there is a current VMCS, else VMfailInvalid.
//
// INVEPT/INVVPID: vmx-invalidate.ts. VMLAUNCH/VMRESUME emulate every
// failure that does not need L2, including the VM-entry failure exit
// (vmx-entry-failure.ts); an entry that would succeed is #UD with the
// diagnostic "not implemented: nested VM entry (L2 execution)" - never a
// made-up result. Superseded: a passing entry now runs L2 (vmx-nonroot.ts)
// when VMCS12 uses only what that slice implements, else #UD + "not
// implemented: <what>".
import type { Cpu } from '../x86/cpu';
import type { Insn } from '../x86/decode/insn';
import { setArith, getFlags } from '../x86/flags';
import { CpuMode } from '../x86/state';
import { CR4_VMXE, VM, CS } from '../x86/regs';
import { gp0, ud, notImplemented } from '../x86/exec/sys-util';
import { attachVmxInstructions, VmxInstructionTable } from '../x86/exec/vmx-hook';
import { VMCS } from '../vmx/fields';
import { resolveVmxCaps, VmxCapabilitySource } from '../vmx/caps';
import { beyondPhys, hex64 } from '../vmx/bits';
import {
  runEntryChecks, formatEntryFailure, EntryCheckContext, EntryCheckFailure, RunEntryChecksOptions,
} from '../vmx/entry-checks';
import { VmxVcpuState } from './vmx-state';
import { makeInvept, makeInvvpid, VmxInsnOps } from './vmx-invalidate';
import { vmEntryFailureExit, transitionCheck } from './vmx-entry-failure';
import { emitTransition } from './transitions';
import { loadEntryMsrsBefore } from './vmx-entry-msrs';
import { exposeVmxCapabilityMsrs } from './vmx-msrs';
import { enterL2, setNonRootStateLookup } from './vmx-nonroot';
import { vmxInstructionExit } from './vmx-insn-l2';
import { inShadow } from '../x86/exec/interrupts';

type H = (cpu: Cpu, i: Insn) => void;

const CF = 0x1, PF = 0x4, AF = 0x10, ZF = 0x40, SF = 0x80, OF = 0x800;
const RESULT_FLAGS = CF | PF | AF | ZF | SF | OF;

/** IA32_FEATURE_CONTROL bits (SDM vol 4, MSR 3AH; vol 3C §24.7). */
const FC_LOCK = 1 << 0, FC_VMX_OUTSIDE_SMX = 1 << 2;
/** VMCS access-rights L bit (64-bit code segment), as the core stores CS. */
const AR_L = 1 << 13;
/** Secondary processor-based control 14: VMCS shadowing (a shadow VMCS may be made current). */
const SECONDARY_VMCS_SHADOWING = 14;

/** VM-instruction error numbers used here (vmx-instruction-errors.tsv, SDM §31.4). */
export const VMXERR = {
  VMCALL_IN_ROOT: 1,
  VMCLEAR_INVALID_ADDRESS: 2,
  VMCLEAR_VMXON_POINTER: 3,
  VMLAUNCH_NONCLEAR: 4,
  VMRESUME_NONLAUNCHED: 5,
  ENTRY_INVALID_CONTROLS: 7,
  ENTRY_INVALID_HOST_STATE: 8,
  VMPTRLD_INVALID_ADDRESS: 9,
  VMPTRLD_VMXON_POINTER: 10,
  VMPTRLD_INCORRECT_REVISION: 11,
  UNSUPPORTED_COMPONENT: 12,
  READ_ONLY_COMPONENT: 13,
  VMXON_IN_ROOT: 15,
} as const;

const states = new WeakMap<Cpu, VmxVcpuState>();

/** L0's VMX state of a vCPU, or undefined if nested VMX is not installed on it. */
export function vmxStateOf(cpu: Cpu): VmxVcpuState | undefined {
  return states.get(cpu);
}

function stateOf(cpu: Cpu): VmxVcpuState {
  const s = states.get(cpu);
  if (!s) throw new Error('nested VMX: handler called on a vCPU without L0 VMX state');
  return s;
}

// ---- results (SDM §31.2) ----

function vmSucceed(cpu: Cpu): void {
  setArith(cpu, RESULT_FLAGS, 0);
}
function vmFailInvalid(cpu: Cpu): void {
  setArith(cpu, RESULT_FLAGS, CF);
}
function vmFailValid(cpu: Cpu, s: VmxVcpuState, error: number): void {
  s.vmcs12.set(VMCS.VM_INSTRUCTION_ERROR, error);
  setArith(cpu, RESULT_FLAGS, ZF);
}
function vmFail(cpu: Cpu, s: VmxVcpuState, error: number): void {
  if (s.hasCurrentVmcs) vmFailValid(cpu, s, error);
  else vmFailInvalid(cpu);
}

// ---- gates ----

const compatMode = (cpu: Cpu): boolean => cpu.mode === CpuMode.Compat16 || cpu.mode === CpuMode.Compat32;

/**
 * #UD rows shared by every VMX instruction (SDM §31.3, each Operation's first
 * IF, and the "Real-Address Mode / Virtual-8086 Mode / Compatibility Mode
 * Exceptions" lists): not recognized in real-address mode, RFLAGS.VM = 1,
 * IA32_EFER.LMA = 1 with CS.L = 0.
 */
function udModes(cpu: Cpu, what: string): void {
  if (cpu.mode === CpuMode.Real || (cpu.cr0 & 1) === 0) throw ud(`${what} in real-address mode`);
  if (cpu.flagsRest & VM) throw ud(`${what} in virtual-8086 mode`);
  if (compatMode(cpu)) throw ud(`${what} in compatibility mode`);
}

/**
 * Every VMX instruction but VMXON (SDM §31.3): #UD outside VMX operation
 * (CR4.VMXE = 0 implies that), in real/virtual-8086/compatibility mode;
 * (VMX non-root -> VM exit: not reachable yet); CPL > 0 -> #GP(0).
 */
function gate(cpu: Cpu, s: VmxVcpuState, what: string): void {
  // (In L2 the handlers never get here: fromL2 below makes the VM exit.)
  if (!s.inVmxOperation || (cpu.cr4 & CR4_VMXE) === 0) throw ud(`${what} outside VMX operation`);
  udModes(cpu, what);
  if (cpu.cpl > 0) throw gp0(`${what} at CPL ${cpu.cpl}`);
}

/** A 64-bit physical-address memory operand (VMXON, VMCLEAR, VMPTRLD: always 64 bits, SDM §31.3). */
function readPointer(cpu: Cpu, i: Insn): { lo: number; hi: number } {
  const lin = cpu.ea(i, 8);
  const lo = cpu.read64(lin) >>> 0;
  return { lo, hi: cpu.hi >>> 0 };
}

/** "addr is not 4KB-aligned or sets any bits beyond the physical-address width" (SDM §31.3). */
function badPointer(s: VmxVcpuState, p: { lo: number; hi: number }): boolean {
  return (p.lo & 0xfff) !== 0 || beyondPhys(p.lo, p.hi, s.caps.physAddrBits);
}

const addrOf = (p: { lo: number; hi: number }): number => p.hi * 0x1_0000_0000 + p.lo;

/** (value & fixed0) = fixed0 and (value & ~fixed1) = 0, bits 31:0 (SDM §24.8, appendix A.7/A.8). */
function fixedOk(value: number, fixed0: number, fixed1: number): boolean {
  return ((value & fixed0) >>> 0) === fixed0 >>> 0 && (value & ~fixed1) >>> 0 === 0;
}

// ---- instructions ----

/** VMXON (SDM §31.3 VMXON, Operation). */
const vmxon: H = (cpu, i) => {
  const s = stateOf(cpu);
  if ((cpu.cr4 & CR4_VMXE) === 0) throw ud('VMXON with CR4.VMXE = 0');
  udModes(cpu, 'VMXON');
  if (s.inVmxOperation) {
    // "ELSIF in VMX root operation": CPL > 0 -> #GP(0), else VMfail(15).
    if (cpu.cpl > 0) throw gp0(`VMXON at CPL ${cpu.cpl}`);
    vmFail(cpu, s, VMXERR.VMXON_IN_ROOT);
    return;
  }
  const c = s.caps;
  if (cpu.cpl > 0) throw gp0(`VMXON at CPL ${cpu.cpl}`);
  if (!fixedOk(cpu.cr0, c.cr0Fixed0Lo, c.cr0Fixed1Lo)) {
    throw gp0(`VMXON with CR0 = ${hex64(cpu.cr0 >>> 0, 0)} outside IA32_VMX_CR0_FIXED0/1 (${hex64(c.cr0Fixed0Lo, 0)}/${hex64(c.cr0Fixed1Lo, 0)})`);
  }
  if (!fixedOk(cpu.cr4, c.cr4Fixed0Lo, c.cr4Fixed1Lo)) {
    throw gp0(`VMXON with CR4 = ${hex64(cpu.cr4 >>> 0, 0)} outside IA32_VMX_CR4_FIXED0/1 (${hex64(c.cr4Fixed0Lo, 0)}/${hex64(c.cr4Fixed1Lo, 0)})`);
  }
  if ((cpu.featureControl & FC_LOCK) === 0) throw gp0('VMXON with IA32_FEATURE_CONTROL unlocked (bit 0 = 0)');
  // nestvirt has no SMX (GETSEC), so only the outside-SMX enable counts.
  if ((cpu.featureControl & FC_VMX_OUTSIDE_SMX) === 0) throw gp0('VMXON with IA32_FEATURE_CONTROL bit 2 (VMX outside SMX) = 0');
  const p = readPointer(cpu, i);
  if (badPointer(s, p)) { vmFailInvalid(cpu); return; }
  const addr = addrOf(p);
  const rev = s.mem.read(addr, 4);
  // "rev[30:0] != VMCS revision identifier or rev[31] = 1" (SDM §31.3 VMXON).
  if ((rev & 0x7fffffff) !== c.revisionId || rev >>> 31 === 1) { vmFailInvalid(cpu); return; }
  s.enter(addr);
  vmSucceed(cpu);
};

/** VMXOFF (SDM §31.3 VMXOFF). No SMM: the dual-monitor VMfail(23) row cannot apply. */
const vmxoff: H = (cpu) => {
  const s = stateOf(cpu);
  gate(cpu, s, 'VMXOFF');
  s.leave();
  vmSucceed(cpu);
};

/** VMCLEAR (SDM §31.3 VMCLEAR). */
const vmclear: H = (cpu, i) => {
  const s = stateOf(cpu);
  gate(cpu, s, 'VMCLEAR');
  const p = readPointer(cpu, i);
  if (badPointer(s, p)) { vmFail(cpu, s, VMXERR.VMCLEAR_INVALID_ADDRESS); return; }
  const addr = addrOf(p);
  if (addr === s.vmxonPointer) { vmFail(cpu, s, VMXERR.VMCLEAR_VMXON_POINTER); return; }
  s.clear(addr);
  vmSucceed(cpu);
};

/** VMPTRLD (SDM §31.3 VMPTRLD). */
const vmptrld: H = (cpu, i) => {
  const s = stateOf(cpu);
  gate(cpu, s, 'VMPTRLD');
  const p = readPointer(cpu, i);
  if (badPointer(s, p)) { vmFail(cpu, s, VMXERR.VMPTRLD_INVALID_ADDRESS); return; }
  const addr = addrOf(p);
  if (addr === s.vmxonPointer) { vmFail(cpu, s, VMXERR.VMPTRLD_VMXON_POINTER); return; }
  const rev = s.mem.read(addr, 4);
  const shadowOk = s.caps.allowed1('secondary', SECONDARY_VMCS_SHADOWING);
  if ((rev & 0x7fffffff) !== s.caps.revisionId || (rev >>> 31 === 1 && !shadowOk)) {
    vmFail(cpu, s, VMXERR.VMPTRLD_INCORRECT_REVISION);
    return;
  }
  s.makeCurrent(addr);
  vmSucceed(cpu);
};

/** VMPTRST (SDM §31.3 VMPTRST): stores the current-VMCS pointer (all ones if none); always VMsucceed. */
const vmptrst: H = (cpu, i) => {
  const s = stateOf(cpu);
  gate(cpu, s, 'VMPTRST');
  const ptr = s.currentVmcsPointer;
  const lo = ptr < 0 ? 0xffffffff : ptr >>> 0;
  const hi = ptr < 0 ? 0xffffffff : Math.floor(ptr / 0x1_0000_0000);
  cpu.write64(cpu.ea(i, 8), lo, hi);
  vmSucceed(cpu);
};

const OUT = new Uint32Array(2);

/**
 * VMREAD (SDM §31.3 VMREAD): operand size is 64 bits in 64-bit mode and 32
 * outside it (the encoding's bits 63:32 and the value's bits 63:32 exist
 * only in 64-bit mode). The destination is written before the flags, so a
 * fault on a memory destination leaves RFLAGS alone.
 */
const vmread: H = (cpu, i) => {
  const s = stateOf(cpu);
  gate(cpu, s, 'VMREAD');
  if (!s.hasCurrentVmcs) { vmFailInvalid(cpu); return; }
  const enc = cpu.rd(i, 1) >>> 0;
  const encHi = i.s1 === 8 ? cpu.hi >>> 0 : 0;
  const err = s.vmcs12.read(enc, OUT, encHi);
  if (err) { vmFailValid(cpu, s, err); return; }
  cpu.wr(i, 0, OUT[0], i.s0 === 8 ? OUT[1] : 0);
  vmSucceed(cpu);
};

/** VMWRITE (SDM §31.3 VMWRITE): the value (register or memory) is read before the encoding is checked. */
const vmwrite: H = (cpu, i) => {
  const s = stateOf(cpu);
  gate(cpu, s, 'VMWRITE');
  if (!s.hasCurrentVmcs) { vmFailInvalid(cpu); return; }
  const lo = cpu.rd(i, 1) >>> 0;
  const hi = i.s1 === 8 ? cpu.hi >>> 0 : 0;
  const enc = cpu.rd(i, 0) >>> 0;
  const encHi = i.s0 === 8 ? cpu.hi >>> 0 : 0;
  const err = s.vmcs12.write(enc, lo, hi, encHi);
  if (err) { vmFailValid(cpu, s, err); return; }
  vmSucceed(cpu);
};

/**
 * VMCALL in VMX root operation (SDM §31.3 VMCALL): nestvirt has no SMM, so
 * IA32_SMM_MONITOR_CTL[0] = 0 and the result is VMfail(1). Outside VMX
 * operation VMCALL is #UD.
 */
const vmcall: H = (cpu) => {
  const s = stateOf(cpu);
  gate(cpu, s, 'VMCALL');
  vmFail(cpu, s, VMXERR.VMCALL_IN_ROOT);
};

/** VMFUNC (SDM §31.3 VMFUNC): #UD unless in VMX non-root operation, which L1 never is. */
const vmfunc: H = () => {
  throw ud('VMFUNC outside VMX non-root operation');
};

/** Emits the failed entry check as a diagnostic: id, field, value, allowed values, SDM section. */
function reportEntryFailure(cpu: Cpu, what: string, f: EntryCheckFailure): void {
  cpu.plat.events.emit({
    kind: 'diagnostic', code: 'vm-entry-check', icount: cpu.icount, vcpu: cpu.id, rip: cpu.rip,
    message: `${what}: ${formatEntryFailure(f)}`,
  });
}

/** EntryCheckContext with the members vmentry refills at each VMLAUNCH/VMRESUME. */
interface EntryCtx {
  instruction: 'vmlaunch' | 'vmresume';
  readonly vmcs: EntryCheckContext['vmcs'];
  readonly caps: EntryCheckContext['caps'];
  readonly cpu: { inVmxOperation: true; nonRoot: false; cr0: number; cr4: number; efer: number; rflags: number; csL: boolean; cpl: number; movSsBlocking: boolean };
  currentVmcsPointer: number;
  vmxonPointer: number;
  readPhys(addr: number, size: 1 | 2 | 4): number;
}

/**
 * One context per vCPU, refilled at each entry: a nested round trip ends
 * in a VMRESUME, so building a fresh context (and its readPhys closure)
 * there would allocate on every exit L1 handles.
 */
const entryCtxs = new WeakMap<VmxVcpuState, { ctx: EntryCtx; opts: RunEntryChecksOptions }>();

function entryContext(cpu: Cpu, s: VmxVcpuState, instruction: 'vmlaunch' | 'vmresume'): { ctx: EntryCtx; opts: RunEntryChecksOptions } {
  let e = entryCtxs.get(s);
  if (!e) {
    const mem = s.mem;
    e = {
      ctx: {
        instruction, vmcs: s.vmcs12, caps: s.caps,
        cpu: { inVmxOperation: true, nonRoot: false, cr0: 0, cr4: 0, efer: 0, rflags: 0, csL: false, cpl: 0, movSsBlocking: false },
        currentVmcsPointer: -1, vmxonPointer: -1,
        readPhys: (addr, size) => mem.read(addr, size),
      },
      opts: { memo: s.entryMemo },
    };
    entryCtxs.set(s, e);
  }
  const c = e.ctx, p = c.cpu;
  c.instruction = instruction;
  p.cr0 = cpu.cr0 >>> 0;
  p.cr4 = cpu.cr4 >>> 0;
  p.efer = cpu.efer >>> 0;
  p.rflags = getFlags(cpu) >>> 0;
  p.csL = (cpu.segAr[CS] & AR_L) !== 0;
  p.cpl = cpu.cpl;
  // Blocking by MOV SS / POP SS (not by STI): VMfailValid(26) (SDM §31.3 VMLAUNCH).
  p.movSsBlocking = inShadow(cpu) && cpu.shadowMovSs;
  c.currentVmcsPointer = s.currentVmcsPointer;
  c.vmxonPointer = s.vmxonPointer;
  return e;
}

/**
 * VMLAUNCH / VMRESUME (SDM §31.3, §27.1-27.2): the checks run on the cached
 * VMCS12 against the capabilities L0 reports to L1. Failures that stay in
 * L1 (VMfailInvalid, VMfailValid 4/5/7/8) are emulated exactly, and so
 * is a guest-state or MSR-load failure (the VM-entry failure exit that
 * loads VMCS12's host state, §27.8); passing every check would need L2
 * execution: #UD + diagnostic.
 */
function vmentry(instruction: 'vmlaunch' | 'vmresume'): H {
  const what = instruction.toUpperCase();
  return (cpu) => {
    const s = stateOf(cpu);
    gate(cpu, s, what);
    const { ctx, opts } = entryContext(cpu, s, instruction);
    // All stages in one run (processor order, first failure wins); the
    // failed check's stage says which kind of failure it is.
    const r = runEntryChecks(ctx, opts);
    if (!r.ok) {
      if (r.stage === 'guest') {
        // Guest state (SDM §27.3): the VM-entry failure exit to L1 (§27.8).
        reportEntryFailure(cpu, what, r);
        vmEntryFailureExit(cpu, s, r);
        return;
      }
      if (r.stage === 'msr-load') {
        // The VM-entry MSR-load list (§27.4): entries before the bad one are loaded, then the failure exit (§27.8).
        const f = loadEntryMsrsBefore(cpu, s, r);
        reportEntryFailure(cpu, what, f);
        vmEntryFailureExit(cpu, s, f);
        return;
      }
      // pre, ctrl, host: the instruction fails and L1 continues (§31.3, §27.2).
      const o = r.outcome;
      switch (o.kind) {
        case 'VMfailInvalid': vmFailInvalid(cpu); return;
        case 'VMfailValid':
          reportEntryFailure(cpu, what, r);
          // A VMfailValid entry is still a failed VM entry the debugger can break on.
          emitTransition(cpu, {
            from: 1, to: 1, type: 'entry-fail', reason: o.error,
            reasonName: 'VMfailValid',
            qualification: `${what}: VM-instruction error ${o.error}`,
            handledBy: 'L1', rule: `${r.id} (SDM ${r.sdm})`,
            arch: 'vmx', rip: cpu.rip, check: transitionCheck(r),
          });
          vmFailValid(cpu, s, o.error);
          return;
        case '#UD': throw ud(`${what}: ${r.id}`);
        case '#GP': throw gp0(`${what}: ${r.id}`);
        default:
          reportEntryFailure(cpu, what, r);
          throw notImplemented(cpu, `${what} outcome ${o.kind}`);
      }
    }
    // Every check passed: load guest state and run L2 (vmx-nonroot.ts),
    // unless VMCS12 asks for something this slice does not do yet.
    const why = enterL2(cpu, s, instruction === 'vmlaunch');
    if (why) throw notImplemented(cpu, why);
  };
}

const OPS: VmxInsnOps = { gate, vmSucceed, vmFail };

/**
 * In L2 (VMX non-root) a VMX instruction makes its #UD checks - not in
 * real/virtual-8086/compatibility mode (VMCALL excepted); VMXON also needs CR4.VMXE - and then
 * exits to L1 unconditionally, before the CPL check (SDM §31.3 Operation
 * sections, "ELSIF in VMX non-root operation THEN VM exit"; §26.1.2).
 * VMFUNC is not among them: without VM functions offered it is #UD in L2.
 */
function fromL2(mnemonic: string, h: H): H {
  return (cpu, i) => {
    const s = stateOf(cpu);
    if (s.level !== 2) { h(cpu, i); return; }
    if (mnemonic === 'VMXON' && (cpu.cr4 & CR4_VMXE) === 0) throw ud('VMXON with CR4.VMXE = 0');
    // §31.3 VMCALL Operation: "ELSIF in VMX non-root operation THEN VM exit"
    // comes before its mode checks - VMCALL exits from a real-mode, virtual-8086
    // or compatibility-mode L2 too (§26.1.2); the others are #UD there.
    if (mnemonic !== 'VMCALL') udModes(cpu, mnemonic);
    vmxInstructionExit(cpu, s, mnemonic);
  };
}

export const VMX_INSTRUCTIONS: VmxInstructionTable = {
  vmxon: fromL2('VMXON', vmxon), vmxoff: fromL2('VMXOFF', vmxoff), vmclear: fromL2('VMCLEAR', vmclear),
  vmptrld: fromL2('VMPTRLD', vmptrld), vmptrst: fromL2('VMPTRST', vmptrst),
  vmread: fromL2('VMREAD', vmread), vmwrite: fromL2('VMWRITE', vmwrite),
  vmlaunch: fromL2('VMLAUNCH', vmentry('vmlaunch')), vmresume: fromL2('VMRESUME', vmentry('vmresume')),
  vmcall: fromL2('VMCALL', vmcall), vmfunc,
  invept: fromL2('INVEPT', makeInvept(OPS, stateOf)), invvpid: fromL2('INVVPID', makeInvvpid(OPS, stateOf)),
};

/**
 * Gives a vCPU L0's nested VMX: its capabilities are the IA32_VMX_* MSRs of
 * the VM's CPU model (what L1 reads with RDMSR: vmx-msrs.ts), its VMCS12 regions live in the vCPU's
 * physical memory (L1 guest-physical = machine memory while L0 runs L1
 * without EPT01).
 */
export function installNestedVmx(cpu: Cpu, source: VmxCapabilitySource = cpu.model as unknown as VmxCapabilitySource): VmxVcpuState {
  if (typeof source.vmxMsr !== 'function') throw new Error('nested VMX needs a CPU model with IA32_VMX_* MSRs (parseCpuPolicy)');
  const s = new VmxVcpuState(resolveVmxCaps(source), cpu.plat.mem);
  states.set(cpu, s);
  setNonRootStateLookup(vmxStateOf);
  attachVmxInstructions(cpu, VMX_INSTRUCTIONS);
  exposeVmxCapabilityMsrs(cpu, source);
  return s;
}
