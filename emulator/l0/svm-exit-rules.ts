// "Does L1 want this #VMEXIT?" — one named rule per SVM exit code, asked of
// VMCB12 when an exit of L2 reaches L0 (nested-svm.md §4; KVM
// nested_svm_intercept style: the decision is a function you can read and
// test on its own, and its name goes into the transition trace).
//
// AMD APM vol 2 App. C: for every exit code below 0xC0 the enabling
// intercept bit of VMCB12 has the same number (svm/intercepts.ts), so most
// rules are "bit n of VMCB12"; IOIO and MSR also consult L1's permission
// maps (§15.10, §15.11); VMRUN and VMEXIT_INVALID always go to L1 (§15.5).
import type { PhysRead } from '../svm/phys';
import {
  interceptBit, exceptionIntercepted, crReadIntercepted, crWriteIntercepted, drReadIntercepted, drWriteIntercepted, ioioExitTaken,
  msrExitTaken,
} from '../svm/intercepts';

/** A rule over VMCB12 (and L1 memory for the permission maps). */
export type L1Rule = (vmcb12: PhysRead) => boolean;

const bit = (code: number): L1Rule => (v) => interceptBit(v, code);

// ---- CR / DR accesses (§15.8), exceptions (§15.12): indexed rules ----

/** 0x00-0x0F: MOV from CRn (and SMSW for CR0): VMCB12 CR-read bit n. */
export function l1InterceptsCrRead(v: PhysRead, n: number): boolean { return crReadIntercepted(v, n); }
/** 0x10-0x1F: MOV to CRn (CR0 also LMSW/CLTS): VMCB12 CR-write bit n. */
export function l1InterceptsCrWrite(v: PhysRead, n: number): boolean { return crWriteIntercepted(v, n); }
/** 0x20-0x2F: MOV from DRn. */
export function l1InterceptsDrRead(v: PhysRead, n: number): boolean { return drReadIntercepted(v, n); }
/** 0x30-0x3F: MOV to DRn. */
export function l1InterceptsDrWrite(v: PhysRead, n: number): boolean { return drWriteIntercepted(v, n); }
/** 0x40-0x5F: exception vector n: VMCB12 exception bit n (§15.12). */
export function l1InterceptsException(v: PhysRead, vector: number): boolean { return exceptionIntercepted(v, vector); }

// ---- misc intercept vectors 3, 4 and 5 (§15.9, §15.13, §15.14) ----

/** 0x60 INTR: a physical interrupt for L1 while L2 runs (§15.13.1). */
export const l1InterceptsIntr: L1Rule = bit(0x60);
/** 0x61 NMI (§15.13.2). */
export const l1InterceptsNmi: L1Rule = bit(0x61);
/** 0x62 SMI (§15.13.3). */
export const l1InterceptsSmi: L1Rule = bit(0x62);
/** 0x63 INIT (§15.13.4). */
export const l1InterceptsInit: L1Rule = bit(0x63);
/** 0x64 VINTR: V_IRQ deliverable (interrupt window, §15.21.6). */
export const l1InterceptsVintr: L1Rule = bit(0x64);
/** 0x65 selective CR0 write (§15.8); CR0_WRITE (0x10) has priority. */
export const l1InterceptsCr0SelWrite: L1Rule = bit(0x65);
export const l1InterceptsIdtrRead: L1Rule = bit(0x66);
export const l1InterceptsGdtrRead: L1Rule = bit(0x67);
export const l1InterceptsLdtrRead: L1Rule = bit(0x68);
export const l1InterceptsTrRead: L1Rule = bit(0x69);
export const l1InterceptsIdtrWrite: L1Rule = bit(0x6a);
export const l1InterceptsGdtrWrite: L1Rule = bit(0x6b);
export const l1InterceptsLdtrWrite: L1Rule = bit(0x6c);
export const l1InterceptsTrWrite: L1Rule = bit(0x6d);
export const l1InterceptsRdtsc: L1Rule = bit(0x6e);
export const l1InterceptsRdpmc: L1Rule = bit(0x6f);
export const l1InterceptsPushf: L1Rule = bit(0x70);
export const l1InterceptsPopf: L1Rule = bit(0x71);
export const l1InterceptsCpuid: L1Rule = bit(0x72);
export const l1InterceptsRsm: L1Rule = bit(0x73);
/** 0x74 IRET: the exit comes before IRET executes (§15.9). */
export const l1InterceptsIret: L1Rule = bit(0x74);
/** 0x75 INTn (not INT3/INTO/INT1, which are exceptions #BP/#OF and ICEBP). */
export const l1InterceptsSwint: L1Rule = bit(0x75);
export const l1InterceptsInvd: L1Rule = bit(0x76);
export const l1InterceptsPause: L1Rule = bit(0x77);
export const l1InterceptsHlt: L1Rule = bit(0x78);
export const l1InterceptsInvlpg: L1Rule = bit(0x79);
export const l1InterceptsInvlpga: L1Rule = bit(0x7a);
export const l1InterceptsTaskSwitch: L1Rule = bit(0x7d);
export const l1InterceptsFerrFreeze: L1Rule = bit(0x7e);
/** 0x7F SHUTDOWN: L2 would triple-fault (§15.14.3); not intercepted, the shutdown is L1's (nested-svm.md §11.7). */
export const l1InterceptsShutdown: L1Rule = bit(0x7f);
/** 0x80 VMRUN: always (every valid VMCB12 intercepts VMRUN, §15.5.1). */
export const l1InterceptsVmrun: L1Rule = () => true;
/** 0x81 VMMCALL: VMCB12 bit; not intercepted, VMMCALL is #UD in L2 (APM vol 3 VMMCALL). */
export const l1InterceptsVmmcall: L1Rule = bit(0x81);
export const l1InterceptsVmload: L1Rule = bit(0x82);
export const l1InterceptsVmsave: L1Rule = bit(0x83);
export const l1InterceptsStgi: L1Rule = bit(0x84);
export const l1InterceptsClgi: L1Rule = bit(0x85);
export const l1InterceptsSkinit: L1Rule = bit(0x86);
export const l1InterceptsRdtscp: L1Rule = bit(0x87);
/** 0x88 ICEBP (INT1, opcode F1): checked before the #DB exception intercept. */
export const l1InterceptsIcebp: L1Rule = bit(0x88);
export const l1InterceptsWbinvd: L1Rule = bit(0x89);
export const l1InterceptsMonitor: L1Rule = bit(0x8a);
export const l1InterceptsMwait: L1Rule = bit(0x8b);
export const l1InterceptsMwaitConditional: L1Rule = bit(0x8c);
export const l1InterceptsXsetbv: L1Rule = bit(0x8d);
export const l1InterceptsRdpru: L1Rule = bit(0x8e);
export const l1InterceptsInvpcid: L1Rule = bit(0xa2);

/**
 * 0x7B IOIO (§15.10): VMCB12 IOIO_PROT and a set bit in L1's IOPM for any
 * byte of port..port+size-1, read from L1 memory now (KVM does the same at
 * exit time).
 */
export function l1InterceptsIoio(v: PhysRead, l1mem: PhysRead, port: number, size: 1 | 2 | 4): boolean {
  return ioioExitTaken(v, l1mem, port, size);
}

/** 0x7C MSR (§15.11): VMCB12 MSR_PROT and (MSR outside the three ranges, or L1's MSRPM bit for the access). */
export function l1InterceptsMsr(v: PhysRead, l1mem: PhysRead, msr: number, write: boolean): boolean {
  return msrExitTaken(v, l1mem, msr, write);
}

/** VMEXIT_INVALID (-1): a failed consistency check always completes L1's VMRUN (§15.5.1). */
export const l1GetsVmexitInvalid: L1Rule = () => true;

/** The rule of an instruction-intercept exit code (0x60..0xBF), by exit code; undefined for the indexed ones. */
export const L1_RULES: ReadonlyMap<number, L1Rule> = new Map<number, L1Rule>([
  [0x60, l1InterceptsIntr], [0x61, l1InterceptsNmi], [0x62, l1InterceptsSmi], [0x63, l1InterceptsInit],
  [0x64, l1InterceptsVintr], [0x65, l1InterceptsCr0SelWrite], [0x66, l1InterceptsIdtrRead], [0x67, l1InterceptsGdtrRead],
  [0x68, l1InterceptsLdtrRead], [0x69, l1InterceptsTrRead], [0x6a, l1InterceptsIdtrWrite], [0x6b, l1InterceptsGdtrWrite],
  [0x6c, l1InterceptsLdtrWrite], [0x6d, l1InterceptsTrWrite], [0x6e, l1InterceptsRdtsc], [0x6f, l1InterceptsRdpmc],
  [0x70, l1InterceptsPushf], [0x71, l1InterceptsPopf], [0x72, l1InterceptsCpuid], [0x73, l1InterceptsRsm],
  [0x74, l1InterceptsIret], [0x75, l1InterceptsSwint], [0x76, l1InterceptsInvd], [0x77, l1InterceptsPause],
  [0x78, l1InterceptsHlt], [0x79, l1InterceptsInvlpg], [0x7a, l1InterceptsInvlpga], [0x7d, l1InterceptsTaskSwitch],
  [0x7e, l1InterceptsFerrFreeze], [0x7f, l1InterceptsShutdown], [0x80, l1InterceptsVmrun], [0x81, l1InterceptsVmmcall],
  [0x82, l1InterceptsVmload], [0x83, l1InterceptsVmsave], [0x84, l1InterceptsStgi], [0x85, l1InterceptsClgi],
  [0x86, l1InterceptsSkinit], [0x87, l1InterceptsRdtscp], [0x88, l1InterceptsIcebp], [0x89, l1InterceptsWbinvd],
  [0x8a, l1InterceptsMonitor], [0x8b, l1InterceptsMwait], [0x8c, l1InterceptsMwaitConditional], [0x8d, l1InterceptsXsetbv],
  [0x8e, l1InterceptsRdpru], [0xa2, l1InterceptsInvpcid],
]);

/** Name of the rule deciding exit `code` (for the trace): 'l1InterceptsCpuid', 'l1InterceptsException', ... */
export function ruleName(code: number): string {
  if (code < 0) return 'l1GetsVmexitInvalid';
  if (code < 0x10) return 'l1InterceptsCrRead';
  if (code < 0x20) return 'l1InterceptsCrWrite';
  if (code < 0x30) return 'l1InterceptsDrRead';
  if (code < 0x40) return 'l1InterceptsDrWrite';
  if (code < 0x60) return 'l1InterceptsException';
  if (code === 0x7b) return 'l1InterceptsIoio';
  if (code === 0x7c) return 'l1InterceptsMsr';
  if (code === 0x400) return 'l1InterceptsNpf';
  const r = L1_RULES.get(code);
  return r ? ruleNames.get(r) ?? `exit 0x${code.toString(16)}` : `exit 0x${code.toString(16)}`;
}

// `bit(...)` closures are anonymous: names come from the exported bindings.
const ruleNames = new Map<L1Rule, string>();
{
  const named: Record<string, L1Rule> = {
    l1InterceptsIntr, l1InterceptsNmi, l1InterceptsSmi, l1InterceptsInit, l1InterceptsVintr, l1InterceptsCr0SelWrite,
    l1InterceptsIdtrRead, l1InterceptsGdtrRead, l1InterceptsLdtrRead, l1InterceptsTrRead, l1InterceptsIdtrWrite,
    l1InterceptsGdtrWrite, l1InterceptsLdtrWrite, l1InterceptsTrWrite, l1InterceptsRdtsc, l1InterceptsRdpmc, l1InterceptsPushf,
    l1InterceptsPopf, l1InterceptsCpuid, l1InterceptsRsm, l1InterceptsIret, l1InterceptsSwint, l1InterceptsInvd,
    l1InterceptsPause, l1InterceptsHlt, l1InterceptsInvlpg, l1InterceptsInvlpga, l1InterceptsTaskSwitch, l1InterceptsFerrFreeze,
    l1InterceptsShutdown, l1InterceptsVmrun, l1InterceptsVmmcall, l1InterceptsVmload, l1InterceptsVmsave, l1InterceptsStgi,
    l1InterceptsClgi, l1InterceptsSkinit, l1InterceptsRdtscp, l1InterceptsIcebp, l1InterceptsWbinvd, l1InterceptsMonitor,
    l1InterceptsMwait, l1InterceptsMwaitConditional, l1InterceptsXsetbv, l1InterceptsRdpru, l1InterceptsInvpcid,
  };
  for (const [n, f] of Object.entries(named)) ruleNames.set(f, n);
}
