// The #VMEXIT L0 synthesizes for L1 (AMD APM vol 2 §15.6 "#VMEXIT", §15.7
// "Intercept Operation", App. C; nested-svm.md §2, §6): L2's state and the
// exit information go into VMCB02 and from there into VMCB12 exactly as
// hardware writes a VMCB, then L1's host state comes back from VMCB01.
import type { Cpu } from '../x86/cpu';
import { setFlags, getFlags } from '../x86/flags';
import { IF, RF, VM, TF, CR0_PE } from '../x86/regs';
import { foldedHi } from '../x86/canon';
import { inShadow } from '../x86/exec/interrupts';
import { CpuMode } from '../x86/state';
import { writePhysFrom, quietPage } from '../svm/phys';
import type { PhysRW } from '../svm/phys';
import {
  VMCB_OFF, VINTR_V_IRQ, VINTR_V_TPR_MASK, VINTR_V_GIF, EVENT_V, INT_STATE_SHADOW, INT_STATE_GUEST_IF, NESTED_CTL_NP_ENABLE,
} from '../svm/vmcb-layout';
import { exitCodeName, decodeExitInfo } from '../svm/exit-codes';
import type { SvmVcpuState } from './svm-state';
import { loadVmrunState, storeVmrunState } from './svm-guest-state';
import { signed64 } from './svm-vmcb02';
import { emitTransitionWith } from './transitions';
import { detachNpt02 } from './svm-npt02';
import { bankOut, bankIn } from './svm-tlb';

const O = VMCB_OFF;

/** Save-area fields #VMEXIT writes to the running VMCB (APM §15.6; xfer 'vmrun' minus G_PAT, which is not stored back). */
const SAVED_FIELDS: readonly number[] = [ // offset, length pairs
  O.ES, 16, O.CS, 16, O.SS, 16, O.DS, 16, O.GDTR, 16, O.IDTR, 16, O.CPL, 1, O.EFER, 8, O.CR4, 8, O.CR3, 8,
  O.CR0, 8, O.DR7, 8, O.DR6, 8, O.RFLAGS, 8, O.RIP, 8, O.RSP, 8, O.RAX, 8, O.CR2, 8,
];
/** Control-area fields #VMEXIT writes (8 bytes each; NRIP only with NRIPS, VINTR partly). */
const EXIT_FIELDS: readonly number[] = [O.EXITCODE, O.EXITINFO1, O.EXITINFO2, O.EXITINTINFO, O.INTERRUPT_STATE, O.EVENTINJ];

/** What an exit carries (APM App. C). */
export interface SvmExit {
  /** Exit code; -1 = VMEXIT_INVALID (written as all ones). */
  code: number;
  info1Lo?: number;
  info1Hi?: number;
  info2Lo?: number;
  info2Hi?: number;
  /** Instruction intercept: NRIP = the next instruction (with NRIPS, §15.7.1). */
  nrip?: boolean;
  /** EXITINTINFO (§15.7.2): the event whose delivery the exit interrupted, with its error code. */
  intInfo?: number;
  intErr?: number;
  /** The rule that sent it to L1. */
  rule: string;
}

function set64(d: DataView, off: number, lo: number, hi: number): void {
  d.setUint32(off, lo >>> 0, true);
  d.setUint32(off + 4, hi >>> 0, true);
}

function put64(v: PhysRW, off: number, lo: number, hi: number): void {
  v.write(off, 4, lo >>> 0);
  v.write(off + 4, 4, hi >>> 0);
}

/** SAVED_FIELDS (but CPL, one byte) and EXIT_FIELDS as runs of dword indices [start, end); NRIP apart (NRIPS only). */
const COPY_RUNS: Int32Array = (() => {
  const dw: number[] = [];
  for (let k = 0; k < SAVED_FIELDS.length; k += 2) {
    if (SAVED_FIELDS[k + 1] < 4) continue;
    for (let b = 0; b < SAVED_FIELDS[k + 1]; b += 4) dw.push((SAVED_FIELDS[k] + b) >>> 2);
  }
  for (const off of EXIT_FIELDS) dw.push(off >>> 2, (off >>> 2) + 1);
  dw.sort((x, y) => x - y);
  const runs: number[] = [];
  for (const i of dw) {
    if (runs.length && runs[runs.length - 1] === i) runs[runs.length - 1] = i + 1;
    else if (!runs.length || runs[runs.length - 1] < i) runs.push(i, i + 1);
  }
  return Int32Array.from(runs);
})();
const NRIP_DW = O.NRIP >>> 2;

/** The fields #VMEXIT writes, but CPL and VINTR, from `src` to `dst` (VMCB images as dwords). */
function copyFields(dst: Int32Array, src: Int32Array, nrips: boolean): void {
  const r = COPY_RUNS;
  for (let k = 0; k < r.length; k += 2) for (let i = r[k]; i < r[k + 1]; i++) dst[i] = src[i];
  if (nrips) { dst[NRIP_DW] = src[NRIP_DW]; dst[NRIP_DW + 1] = src[NRIP_DW + 1]; }
}

/** A RAM page as dwords; the last one is kept (VMCB12 stays put across round trips; a derived view, not state). */
let viewOf: Uint8Array | null = null;
let viewW: Int32Array = new Int32Array(0);
function dwordsOf(page: Uint8Array): Int32Array {
  if (page !== viewOf) { viewW = new Int32Array(page.buffer, page.byteOffset, 1024); viewOf = page; }
  return viewW;
}

/** Writes EXITCODE/EXITINFO1/EXITINFO2 (and clears EXITINTINFO) of a VMEXIT_INVALID into both VMCB12 copies. */
export function writeInvalidExit(s: SvmVcpuState, vmcb12: PhysRW): void {
  // EXITCODE = -1 in all 64 bits; EXITINFO1 = EXITINFO2 = 0 (KVM, QEMU; nested-svm.md §11.2).
  for (const v of [vmcb12, s.v12]) {
    put64(v, O.EXITCODE, 0xffffffff, 0xffffffff);
    put64(v, O.EXITINFO1, 0, 0);
    put64(v, O.EXITINFO2, 0, 0);
  }
}

/**
 * L1's host state from VMCB01's save area (APM §15.6 step 2): segments,
 * descriptor tables, EFER, CR0 with PE forced, CR3, CR4, RFLAGS without VM
 * and RF, RIP (after L1's VMRUN), RSP, RAX; DR7 with every breakpoint
 * disabled (QEMU keeps the other bits); CPL 0. Then GIF = 0 (§15.17) and
 * L1's TSC offset (§15.30.5).
 */
export function loadHostState(cpu: Cpu, s: SvmVcpuState, linearBits: number): void {
  const v01 = s.v01;
  const fl = v01.read(O.RFLAGS, 4) >>> 0;
  const dr7 = v01.read(O.DR7, 4) >>> 0;
  loadVmrunState(cpu, s.dv01, linearBits, false);
  cpu.cr0 = (cpu.cr0 | CR0_PE) >>> 0;
  setFlags(cpu, fl & ~(VM | RF));
  cpu.dr[7] = (dr7 & ~0xff) >>> 0;
  cpu.setCpl(0);
  cpu.updateMode();
  cpu.tscOffset = signed64(v01, O.TSC_OFFSET);
  s.gif = false;
  cpu.halted = false;
  cpu.shadowUntil = -1;
}

/**
 * #VMEXIT from L2 to L1 (APM §15.6): VMCB02 gets L2's state and the exit
 * information, VMCB12 (in L1 memory and L0's snapshot) gets the same fields
 * hardware writes, the vCPU gets L1's host state; GIF := 0.
 */
export function svmVmexit(cpu: Cpu, s: SvmVcpuState, e: SvmExit, linearBits: number, nrips: boolean): void {
  const d = s.dv02;
  const np = (d.getUint32(O.NESTED_CTL, true) & NESTED_CTL_NP_ENABLE) !== 0;
  const fl = getFlags(cpu);
  storeVmrunState(cpu, d, np, fl);
  // Exit information (§15.6, §15.7): EXITCODE's high half is 0 for every
  // code but the negative ones (nested-svm.md §11.2).
  const code = e.code;
  set64(d, O.EXITCODE, code >>> 0, code < 0 ? 0xffffffff : 0);
  set64(d, O.EXITINFO1, e.info1Lo ?? 0, e.info1Hi ?? 0);
  set64(d, O.EXITINFO2, e.info2Lo ?? 0, e.info2Hi ?? 0);
  // EXITINTINFO: the event being delivered when the exit happened (§15.7.2).
  set64(d, O.EXITINTINFO, e.intInfo ?? 0, e.intInfo ? e.intErr ?? 0 : 0);
  // Interrupt shadow and guest IF (§15.21.5: bit 1 written by hardware only).
  set64(d, O.INTERRUPT_STATE, (inShadow(cpu) ? INT_STATE_SHADOW : 0) | (fl & IF ? INT_STATE_GUEST_IF : 0), 0);
  // NRIP (§15.7.1): the next sequential instruction of instruction intercepts, with NRIPS only.
  if (nrips) {
    const n = e.nrip ? cpu.nextRip : 0;
    set64(d, O.NRIP, n >>> 0, cpu.mode === CpuMode.Long64 ? foldedHi(n) : 0);
  }
  // EVENTINJ: V cleared — the event was delivered, or its interrupted
  // delivery is now in EXITINTINFO for L1 to re-inject (§15.20, §15.7.2).
  d.setUint32(O.EVENTINJ, (d.getUint32(O.EVENTINJ, true) & ~EVENT_V) >>> 0, true);

  // VMCB12 = what hardware would have written into L1's VMCB (§15.6): L0's
  // snapshot first, then the same fields copied from it into L1 memory.
  const b12 = s.vmcb12, b02 = s.vmcb02;
  copyFields(s.w12, s.w02, nrips);
  b12[O.CPL] = b02[O.CPL];
  // VINTR: L1's word with V_TPR, V_IRQ (and V_GIF with vGIF) as L2 left them.
  const keep = VINTR_V_TPR_MASK | VINTR_V_IRQ | VINTR_V_GIF;
  s.dv12.setUint32(O.VINTR, ((s.dv12.getUint32(O.VINTR, true) & ~keep) | (d.getUint32(O.VINTR, true) & keep)) >>> 0, true);
  const a12 = s.vmcb12Address, mem = s.mem;
  // VMCB12 is 4 KiB aligned (SVM-INSN-GP-ALIGN): one page. Stores go
  // straight into it unless writes to it must be seen (code, watches).
  const page = quietPage(mem, a12);
  if (page !== null && page.byteOffset % 4 === 0 && page.length === 4096) {
    const w = dwordsOf(page);
    copyFields(w, s.w12, nrips);
    page[O.CPL] = b12[O.CPL];
    w[O.VINTR >>> 2] = s.w12[O.VINTR >>> 2];
  } else {
    for (let k = 0; k < SAVED_FIELDS.length; k += 2) writePhysFrom(mem, a12 + SAVED_FIELDS[k], b12, SAVED_FIELDS[k], SAVED_FIELDS[k + 1]);
    for (let k = 0; k < EXIT_FIELDS.length; k++) writePhysFrom(mem, a12 + EXIT_FIELDS[k], b12, EXIT_FIELDS[k], 8);
    if (nrips) writePhysFrom(mem, a12 + O.NRIP, b12, O.NRIP, 8);
    writePhysFrom(mem, a12 + O.VINTR, b12, O.VINTR, 4);
  }

  // Back to L1.
  const l2Rip = cpu.rip;
  s.level = 1;
  cpu.nonRootExit = null;
  // L2's TLB entries are kept under its ASID, L1's come back (svm-tlb.ts, §15.16).
  bankOut(cpu, s.tlbL2, s.asid02);
  detachNpt02(cpu, s);
  loadHostState(cpu, s, linearBits);
  bankIn(cpu, s.tlbL1, 1);
  // With NP, L2 used G_PAT (§15.25.8): L1's PAT comes back from VMCB01.
  if (np) { cpu.pat = s.dv01.getUint32(O.G_PAT, true); cpu.patHi = s.dv01.getUint32(O.G_PAT + 4, true); }
  const i1lo = e.info1Lo ?? 0, i1hi = e.info1Hi ?? 0;
  const reasonName = exitCodeName(code);
  const qualification = decodeExitInfo(code, { lo: i1lo, hi: i1hi }, { lo: e.info2Lo ?? 0, hi: e.info2Hi ?? 0 });
  const gpa = code === 0x400 ? (e.info2Hi ?? 0) * 0x1_0000_0000 + ((e.info2Lo ?? 0) >>> 0) : undefined;
  emitTransitionWith(cpu, (seq, icount, vcpu) => ({
    kind: 'transition', seq, icount, vcpu, from: 2, to: 1, type: 'reflect', reason: code, reasonName, qualification,
    handledBy: 'L1', rule: e.rule, arch: 'svm', rip: l2Rip, qualLo: i1lo >>> 0, qualHi: i1hi >>> 0, gpa,
  }));
  // VMRUN with RFLAGS.TF = 1 "completes" at this #VMEXIT: the single-step
  // #DB trap is delivered to L1 now (nested-svm.md §11.13).
  // (An L2 single-step armed before the exiting instruction is L2's, not L1's.)
  cpu.tfArmed = s.hostTf && (getFlags(cpu) & TF) !== 0;
  cpu.exitBlock = true;
}
