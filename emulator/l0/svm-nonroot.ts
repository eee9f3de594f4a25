// While L2 runs under VMCB02: where the core asks L0 (the intercept checks
// of AMD APM vol 2 §15.7-§15.14 and the interrupt rules of §15.17, §15.21),
// and what L0 does with each exit: the "hardware" check is VMCB02 (L0's
// needs | VMCB12's, svm-vmcb02.ts); an exit VMCB02 takes goes to L1 when
// the named rule of svm-exit-rules.ts says L1 intercepts it, else L0
// handles it and L2 continues (nested-svm.md §4).
import type { Cpu } from '../x86/cpu';
import type { CpuState, NonRootInsn, NonRootDetail } from '../x86/state';
import { getFlags } from '../x86/flags';
import { IF } from '../x86/regs';
import { foldedHi } from '../x86/canon';
import { interception, raise, vectoring } from '../x86/exec/interrupts';
import type { EventInterceptor } from '../x86/exec/interrupts';
import { EventType } from '../x86/exec/sys-deliver';
import { svmEvents, svmInsn, SvmEventGate } from '../x86/exec/svm-hook';
import {
  VMCB_OFF, VINTR_V_IRQ, VINTR_V_IGN_TPR, VINTR_V_TPR_MASK, VINTR_V_INTR_MASKING, VINTR_V_INTR_PRIO_SHIFT, VINTR_V_GIF, VINTR_V_GIF_ENABLE, EVENT_V,
  EVENT_EV,
} from '../svm/vmcb-layout';
import { encodeIoioInfo } from '../svm/exit-codes';
import { cr0WriteExit } from '../svm/intercepts';
import { exitCodeName } from '../svm/exit-codes';
import type { SvmVcpuState } from './svm-state';
import * as R from './svm-exit-rules';
import { vmcb02Intercepts, msrpm02Intercepts, iopm02Intercepts } from './svm-vmcb02';
import { svmVmexit, SvmExit } from './svm-vmexit';
import { emitTransition } from './transitions';

const O = VMCB_OFF;

let stateOf: (cpu: Cpu) => SvmVcpuState | undefined = () => undefined;

/** The SVM state of a vCPU (set by svm-instructions.ts, which owns it; no import cycle). */
export function svmStateLookup(cpu: Cpu): SvmVcpuState | undefined {
  return stateOf(cpu);
}

/** svm-instructions.ts tells this module where the per-vCPU state lives (no import cycle). */
export function setSvmLookups(state: (cpu: Cpu) => SvmVcpuState | undefined): void {
  stateOf = state;
}

/** A #VMEXIT L1 asked for: write it to VMCB12 and return to L1. */
export function reflect(cpu: Cpu, s: SvmVcpuState, e: SvmExit): void {
  svmVmexit(cpu, s, e, s.linearBits, s.nrips);
}

/** An exit VMCB02 took that L1 does not intercept: L0 handles it and L2 continues (trace only). */
export function handledByL0(cpu: Cpu, code: number, what: string): void {
  emitTransition(cpu, {
    from: 2, to: 0, type: 'exit', reason: code, reasonName: exitCodeName(code), handledBy: 'L0',
    rule: `L1 does not intercept it: ${what}`, arch: 'svm', rip: cpu.rip,
  });
}

/**
 * The common decision: VMCB02 intercepts `code` (else false: the core runs
 * the instruction, no exit), then `l1` says whether it goes to L1 (true:
 * reflected) or L0 handles it (false: the core completes it for L2).
 */
function decide(cpu: Cpu, s: SvmVcpuState, code: number, l1: boolean, rule: string, e: Partial<SvmExit> = {}): boolean {
  if (!vmcb02Intercepts(s, code)) return false;
  if (l1) { reflect(cpu, s, { code, rule, ...e }); return true; }
  handledByL0(cpu, code, rule);
  return false;
}

// ---- instruction intercepts reported by the core (CpuState.nonRootExit) ----

type InsnRule = (cpu: Cpu, s: SvmVcpuState, qual: number, d?: NonRootDetail) => boolean;

/** An instruction intercept with no EXITINFO (APM App. C: EXITINFO1/2 = 0; NRIP = next instruction). */
const simple = (code: number, rule: R.L1Rule): InsnRule => (cpu, s) =>
  decide(cpu, s, code, rule(s.v12), R.ruleName(code), { nrip: true });

/**
 * IOIO (APM §15.10.2): EXITINFO1 from the core's VMX-format qualification
 * (SDM 28.2.1 table 28-5: size - 1, IN, string, REP, port) plus the address
 * size; SEG only with decode assists (not advertised: 0). EXITINFO2 = the
 * next RIP, always.
 */
const ioio: InsnRule = (cpu, s, qual) => {
  const size = ((qual & 7) + 1) as 1 | 2 | 4;
  const port = qual >>> 16;
  if (!(vmcb02Intercepts(s, 0x7b) && iopm02Intercepts(s, port, size))) return false;
  const asize = cpu.cur ? cpu.cur.asize : cpu.codeSize;
  const info1 = encodeIoioInfo({
    in: (qual & 8) !== 0, string: (qual & 0x10) !== 0, rep: (qual & 0x20) !== 0, size,
    addrSize: asize === 2 ? 16 : asize === 4 ? 32 : 64, seg: 0, port,
  });
  const n = cpu.nextRip;
  if (!R.l1InterceptsIoio(s.v12, s.mem, port, size)) { handledByL0(cpu, 0x7b, 'l1InterceptsIoio'); return false; }
  reflect(cpu, s, {
    code: 0x7b, info1Lo: info1, info2Lo: n >>> 0, info2Hi: cpu.long64 ? foldedHi(n) >>> 0 : 0,
    nrip: true, rule: 'l1InterceptsIoio',
  });
  return true;
};

/** MSR (APM §15.11): EXITINFO1 = 0 RDMSR, 1 WRMSR; the merged MSRPM decides whether it exits at all. */
function msr(write: boolean): InsnRule {
  return (cpu, s) => {
    const ecx = cpu.regs[2] >>> 0;
    if (!(vmcb02Intercepts(s, 0x7c) && msrpm02Intercepts(s, ecx, write))) return false;
    if (!R.l1InterceptsMsr(s.v12, s.mem, ecx, write)) { handledByL0(cpu, 0x7c, 'l1InterceptsMsr'); return false; }
    reflect(cpu, s, { code: 0x7c, info1Lo: write ? 1 : 0, nrip: true, rule: 'l1InterceptsMsr' });
    return true;
  };
}

/**
 * MOV to/from CRn, CLTS, LMSW (§15.8), from the VMX-format qualification
 * (SDM 28.2.1 table 28-3: CR number 3:0, access type 5:4, GPR 11:8, LMSW
 * data 31:16). EXITINFO1 is 0 without decode assists. A CR0 write checks
 * the plain intercept (0x10) before the selective one (0x65).
 */
const movCr: InsnRule = (cpu, s, qual) => {
  const n = qual & 15, type = (qual >>> 4) & 3;
  const gpr = (qual >>> 8) & 15;
  if (type === 1) {
    if (decide(cpu, s, n, R.l1InterceptsCrRead(s.v12, n), 'l1InterceptsCrRead', { nrip: true })) return true;
    return n === 8 && cr8Virtual(cpu, s, gpr, false);
  }
  if (type === 0 && n !== 0) {
    if (decide(cpu, s, 0x10 + n, R.l1InterceptsCrWrite(s.v12, n), 'l1InterceptsCrWrite', { nrip: true })) return true;
    return n === 8 && cr8Virtual(cpu, s, gpr, true);
  }
  const newCr0 = type === 0 ? cpu.getReg(gpr, 4) : type === 3 ? (qual >>> 16) & 0xffff : cpu.cr0 & ~8;
  return cr0Write(cpu, s, newCr0, type === 0 ? 'mov' : type === 3 ? 'lmsw' : 'clts');
};

/**
 * CR8 with V_INTR_MASKING (APM §15.21.1, §15.21.3): L2's MOV to/from CR8
 * reads and writes V_TPR instead of the APIC's TPR, which stays L1's.
 * Returns true when L0 completed the instruction that way.
 */
function cr8Virtual(cpu: Cpu, s: SvmVcpuState, gpr: number, write: boolean): boolean {
  const vintr = s.v02.read(O.VINTR, 4) >>> 0;
  if (!(vintr & VINTR_V_INTR_MASKING)) return false;
  if (write) s.v02.write(O.VINTR, 4, ((vintr & ~VINTR_V_TPR_MASK) | (cpu.getReg(gpr, 4) & 0xf)) >>> 0);
  else cpu.setReg(gpr, 8, vintr & 0xf, 0);
  return true;
}

function cr0Write(cpu: Cpu, s: SvmVcpuState, newCr0: number, via: 'mov' | 'lmsw' | 'clts'): boolean {
  const code02 = cr0WriteExit(s.v02, cpu.cr0, newCr0, via);
  if (code02 === null) return false;
  const code12 = cr0WriteExit(s.v12, cpu.cr0, newCr0, via);
  if (code12 !== null) {
    reflect(cpu, s, { code: code12, nrip: true, rule: code12 === 0x10 ? 'l1InterceptsCrWrite' : 'l1InterceptsCr0SelWrite' });
    return true;
  }
  handledByL0(cpu, code02, 'l1InterceptsCrWrite');
  return false;
}

/** MOV to/from DRn (§15.8): VMX-format qualification (DR number 2:0, direction bit 4: 1 = MOV from DR). */
const movDr: InsnRule = (cpu, s, qual) => {
  const n = qual & 7;
  if (qual & 0x10) return decide(cpu, s, 0x20 + n, R.l1InterceptsDrRead(s.v12, n), 'l1InterceptsDrRead', { nrip: true });
  return decide(cpu, s, 0x30 + n, R.l1InterceptsDrWrite(s.v12, n), 'l1InterceptsDrWrite', { nrip: true });
};

/** Every NonRootInsn kind, by its SVM intercept (APM App. C). */
const INSN_RULES: Record<NonRootInsn, InsnRule> = {
  cpuid: simple(0x72, R.l1InterceptsCpuid),
  hlt: simple(0x78, R.l1InterceptsHlt),
  io: ioio,
  rdmsr: msr(false),
  wrmsr: msr(true),
  rdtsc: simple(0x6e, R.l1InterceptsRdtsc),
  rdtscp: simple(0x87, R.l1InterceptsRdtscp),
  rdpmc: simple(0x6f, R.l1InterceptsRdpmc),
  invlpg: simple(0x79, R.l1InterceptsInvlpg),
  invpcid: simple(0xa2, R.l1InterceptsInvpcid),
  'mov-cr': movCr,
  clts: (cpu, s) => cr0Write(cpu, s, cpu.cr0 & ~8, 'clts'),
  lmsw: (cpu, s, qual) => cr0Write(cpu, s, (qual >>> 16) & 0xffff, 'lmsw'),
  'mov-dr': movDr,
  monitor: simple(0x8a, R.l1InterceptsMonitor),
  // MWAIT: the unconditional intercept (0x8B). The conditional one (0x8C)
  // needs an armed monitor, which is not modelled: it never fires.
  mwait: simple(0x8b, R.l1InterceptsMwait),
  pause: simple(0x77, R.l1InterceptsPause),
  wbinvd: simple(0x89, R.l1InterceptsWbinvd),
  invd: simple(0x76, R.l1InterceptsInvd),
  xsetbv: simple(0x8d, R.l1InterceptsXsetbv),
  sgdt: simple(0x67, R.l1InterceptsGdtrRead),
  sidt: simple(0x66, R.l1InterceptsIdtrRead),
  lgdt: simple(0x6b, R.l1InterceptsGdtrWrite),
  lidt: simple(0x6a, R.l1InterceptsIdtrWrite),
  sldt: simple(0x68, R.l1InterceptsLdtrRead),
  str: simple(0x69, R.l1InterceptsTrRead),
  lldt: simple(0x6c, R.l1InterceptsLdtrWrite),
  ltr: simple(0x6d, R.l1InterceptsTrWrite),
};

/** CpuState.nonRootExit while the vCPU runs an SVM guest. */
export function svmNonRootExit(c: CpuState, insn: NonRootInsn, qual: number, d?: NonRootDetail): boolean {
  const cpu = c as Cpu;
  const s = stateOf(cpu);
  if (!s || s.level !== 2) return false;
  const r = INSN_RULES[insn];
  return r ? r(cpu, s, qual >>> 0, d) : false;
}

/** PUSHF, POPF, IRET (svm-hook.ts svmInsn): intercepts only SVM has. */
const SVM_ONLY: ReadonlyMap<number, R.L1Rule> = new Map([[0x70, R.l1InterceptsPushf], [0x71, R.l1InterceptsPopf], [0x74, R.l1InterceptsIret]]);
export function svmOnlyIntercept(c: Cpu, code: number): boolean {
  const s = stateOf(c);
  const rule = SVM_ONLY.get(code);
  if (!s || s.level !== 2 || !rule) return false;
  return decide(c, s, code, rule(s.v12), R.ruleName(code), { nrip: true });
}

// ---- exceptions, INTn, ICEBP, shutdown (interrupts.ts interception hook) ----

/** EXITINTINFO TYPE of a core event (APM §15.7.2): INT3/INTO/INT1 are exceptions, INTn is type 4. */
function svmType(t: EventType): number {
  if (t === EventType.External) return 0;
  if (t === EventType.Nmi) return 2;
  if (t === EventType.SoftInt) return 4;
  return 3;
}

/** EXITINTINFO when an exception exit interrupts the delivery of another event (the core's `vectoring` record). */
function interrupted(): Partial<SvmExit> {
  if (vectoring.vector < 0) return {};
  const ev = vectoring.errorCode >= 0 && svmType(vectoring.type) === 3;
  return {
    intInfo: ((vectoring.vector & 0xff) | (svmType(vectoring.type) << 8) | (ev ? EVENT_EV : 0) | EVENT_V) >>> 0,
    intErr: ev ? vectoring.errorCode >>> 0 : 0,
  };
}

/** Exceptions, INTn, ICEBP and triple faults of L2 (the core's interception hook). */
export const l2Events: EventInterceptor = {
  event(c, vector, type, errorCode, cr2) {
    const cpu = c as Cpu;
    const s = stateOf(cpu);
    if (!s || s.level !== 2) return false;
    // The event VMRUN injects is not subject to its own exception intercept (§15.20).
    if (s.injectSkip) { s.injectSkip = false; return false; }
    if (type === EventType.SoftInt) {
      // INTn (§15.9 SWINT); EXITINFO1 = vector only with decode assists.
      if (decide(cpu, s, 0x75, R.l1InterceptsSwint(s.v12), 'l1InterceptsSwint', { nrip: true })) return true;
    } else if (type === EventType.PrivSoftException && vector === 1) {
      // ICEBP (INT1) is an instruction intercept, before the #DB exception intercept.
      if (decide(cpu, s, 0x88, R.l1InterceptsIcebp(s.v12), 'l1InterceptsIcebp', { nrip: true })) return true;
    }
    if (type !== EventType.External && type !== EventType.Nmi && type !== EventType.SoftInt && vector < 32) {
      // Exception intercepts (§15.12): EXITINFO1 = error code, EXITINFO2 = #PF address (CR2 not written).
      const pf = vector === 14;
      if (decide(cpu, s, 0x40 + vector, R.l1InterceptsException(s.v12, vector), 'l1InterceptsException', {
        info1Lo: errorCode >= 0 ? errorCode >>> 0 : 0,
        info2Lo: pf ? cr2 >>> 0 : 0, info2Hi: pf ? foldedHi(cr2) >>> 0 : 0, ...interrupted(),
      })) return true;
    }
    return false;
  },
  tripleFault(c, reason) {
    const cpu = c as Cpu;
    const s = stateOf(cpu);
    if (!s || s.level !== 2) return false;
    // SHUTDOWN (§15.14.3): L0 always intercepts it; L1 gets it if it asked,
    // else the shutdown is L1's CPU's (nested-svm.md §11.7).
    if (R.l1InterceptsShutdown(s.v12)) { reflect(cpu, s, { code: 0x7f, rule: 'l1InterceptsShutdown', ...interrupted() }); return true; }
    handledByL0(cpu, 0x7f, `l1InterceptsShutdown (L2 triple fault: ${reason}); L1's CPU shuts down`);
    return false;
  },
};
