// L0's emulation of VMRUN executed by L1 (AMD APM vol 3 "VMRUN"; vol 2
// §15.5 "VMRUN Instruction", §15.20 event injection; nested-svm.md §1, §3):
// instruction checks, snapshot of VMCB12, consistency checks (failure =
// #VMEXIT(VMEXIT_INVALID) to L1 naming the check), host state into VMCB01
// (and the HSAVE page), VMCB02 built, L2's state loaded, GIF = 1, EVENTINJ
// delivered, L2 runs. A round trip is the hot path of every L1: what did not
// change since the last VMRUN is not redone, with the same result — the
// checks answer from what they read last time (svm/vmrun-checks.ts memos),
// the merged MSRPM/IOPM and NPT02 stay until L1 writes under them or asks
// for a flush (svm-vmcb02.ts, svm-npt02.ts), and each level's TLB entries
// wait in a bank while the other runs (svm-tlb.ts, APM §15.16).
import type { Cpu } from '../x86/cpu';
import type { Insn } from '../x86/decode/insn';
import type { CpuFault } from '../x86/fault';
import { getFlags } from '../x86/flags';
import { fold, foldedHi } from '../x86/canon';
import { IF, TF, RF } from '../x86/regs';
import { gp0, ud } from '../x86/exec/sys-util';
import { raise, SHADOW_NEXT } from '../x86/exec/interrupts';
import { EventType } from '../x86/exec/sys-deliver';
import { vmcbInMemory } from '../svm/vmcb-access';
import { readPhysInto, writePhysFrom, quietPage } from '../svm/phys';
import { TLB_CONTROL, VMCB_SIZE, VMCB_OFF, EVENT_V, EVENT_EV, NESTED_CTL_NP_ENABLE, INT_STATE_SHADOW } from '../svm/vmcb-layout';
import type { SvmModelView, VmrunCpuState, VmrunFailure } from '../svm/vmrun-check-types';
import { runVmrunInstructionChecksMemo, runVmcbConsistencyChecksMemo } from '../svm/vmrun-checks';
import { vmrunVmcbAddress } from '../svm/vmrun-insn-checks';
import { toNumber } from '../svm/u64';
import type { SvmVcpuState } from './svm-state';
import { loadVmrunState, storeVmrunState } from './svm-guest-state';
import { buildVmcb02Control, signed64, halves } from './svm-vmcb02';
import { writeInvalidExit } from './svm-vmexit';
import { svmNonRootExit, reflect } from './svm-nonroot';
import { ruleName } from './svm-exit-rules';
import { emitTransition, emitTransitionWith } from './transitions';
import { attachNpt02, SvmExitInDelivery } from './svm-npt02';
import { bankOut, bankIn } from './svm-tlb';

const O = VMCB_OFF;

/** What VMRUN needs to know about the running level (VmrunCpuState of svm/vmrun-check-types.ts). */
export function vmrunCpuState(cpu: Cpu, s: SvmVcpuState, i: Insn): VmrunCpuState {
  return {
    efer: cpu.efer >>> 0, cr0: cpu.cr0 >>> 0, cpl: cpu.cpl,
    raxLo: cpu.regs[0] >>> 0, raxHi: cpu.regs[1] >>> 0,
    addressSize: i.asize === 8 ? 64 : i.asize === 4 ? 32 : 16,
    inGuestMode: s.level === 2,
    hsaveLo: s.level === 2 ? s.l2HsaveLo : s.hsaveLo, hsaveHi: s.level === 2 ? s.l2HsaveHi : s.hsaveHi,
  };
}

/** Reports a failed VMRUN/VMLOAD/VMSAVE check as a diagnostic naming it. */
export function diagnoseCheck(cpu: Cpu, f: VmrunFailure): void {
  cpu.plat.events.emit({ kind: 'diagnostic', code: 'vmrun-check', icount: cpu.icount, vcpu: cpu.id, rip: cpu.rip, message: f.message });
}

/** #UD / #GP(0) of a failed instruction check (with its diagnostic). */
export function faultOf(cpu: Cpu, f: VmrunFailure): CpuFault {
  diagnoseCheck(cpu, f);
  return f.outcome === '#UD' ? ud(f.message) : gp0(f.message);
}

/** VMEXIT_INVALID (APM §15.5.1): EXITCODE -1, L1 continues after VMRUN with GIF = 0, L2 never ran. */
function vmexitInvalid(cpu: Cpu, s: SvmVcpuState, f: VmrunFailure): void {
  diagnoseCheck(cpu, f);
  writeInvalidExit(s, vmcbInMemory(s.mem, s.vmcb12Address));
  s.gif = false; // every #VMEXIT clears GIF, this one too (nested-svm.md §11.3)
  cpu.flagsRest &= ~RF; // completion of VMRUN clears RF
  // TransitionCheck.section style: 'APM 15.5.1' (vol 3 rows keep their volume).
  const section = f.apm.replace(/^vol 2 /, '').replace(/§/g, '');
  emitTransition(cpu, {
    from: 1, to: 1, type: 'entry-fail', reason: -1, reasonName: 'VMEXIT_INVALID',
    qualification: f.message, handledBy: 'L1', rule: `${f.id} (APM ${section})`, arch: 'svm', rip: cpu.rip,
    qualLo: 0, qualHi: 0,
    check: { id: f.id, section: `APM ${section}`, rule: f.rule, field: f.field, value: f.value, allowed: f.allowed },
  });
}

/** Host state into VMCB01's save area (and the HSAVE page, QEMU's layout; APM §15.5.1 step 2, §15.30.4). */
function saveHostState(cpu: Cpu, s: SvmVcpuState): void {
  const fl = getFlags(cpu);
  storeVmrunState(cpu, s.dv01, true, fl); // G_PAT slot = L1's PAT, restored after an NP guest
  const n = cpu.nextRip;
  s.v01.write(O.RIP, 4, n >>> 0);
  s.v01.write(O.RIP + 4, 4, cpu.long64 ? foldedHi(n) >>> 0 : 0);
  const [tlo, thi] = halves(cpu.tscOffset);
  s.v01.write(O.TSC_OFFSET, 4, tlo);
  s.v01.write(O.TSC_OFFSET + 4, 4, thi);
  s.hostIf = (fl & IF) !== 0;
  s.hostTf = (fl & TF) !== 0;
  // The HSAVE page's format is implementation-specific (§15.30.4); we write
  // the save-area layout there as QEMU does, but reload from VMCB01 so L1
  // scribbling on the page cannot change what #VMEXIT restores.
  const hs = s.hsaveAddress + 0x400, page = hs % 4096 === 0x400 ? quietPage(s.mem, hs) : null;
  if (page !== null) page.set(s.hsaveImage, 0x400);
  else writePhysFrom(s.mem, hs, s.vmcb01, 0x400, 0x300);
}

/**
 * EVENTINJ (APM §15.20): delivered through L2's IDT as if it happened in L2,
 * before its first instruction. Delivered here, synchronously, so no
 * interrupt exit can overtake it (nested-svm.md §11.1).
 */
function injectEvent(cpu: Cpu, s: SvmVcpuState): void {
  const ej = s.dv02.getUint32(O.EVENTINJ, true);
  if (!(ej & EVENT_V)) return;
  const vector = ej & 0xff, type = (ej >>> 8) & 7;
  const ec = ej & EVENT_EV ? s.v02.read(O.EVENTINJ + 4, 4) >>> 0 : -1;
  const nripLo = s.v02.read(O.NRIP, 4) >>> 0, nripHi = s.v02.read(O.NRIP + 4, 4) | 0;
  const nr = cpu.long64 ? fold(nripLo, nripHi) : nripLo;
  const nrip = nr >= 0 ? nr : nripLo;
  s.injectSkip = true;
  try {
    if (type === 0) raise(cpu, vector, EventType.External, -1, 0, cpu.rip);
    else if (type === 2) raise(cpu, 2, EventType.Nmi, -1, 0, cpu.rip); // the vector field is ignored for NMI (QEMU)
    else if (type === 3 && (vector === 3 || vector === 4)) raise(cpu, vector, EventType.HwException, -1, 0, nrip, true); // #BP/#OF: trap-like, return to NRIP
    else if (type === 3) raise(cpu, vector, EventType.HwException, ec, cpu.cr2, cpu.rip);
    else raise(cpu, vector, EventType.SoftInt, -1, 0, nrip); // TYPE 4: INTn semantics, return to NRIP
  } catch (x) {
    // A #VMEXIT(NPF) while delivering it: EXITINTINFO = the injected event (§15.7.2).
    if (!(x instanceof SvmExitInDelivery)) throw x;
    x.perform((ej & ~0x7ffff000) >>> 0, ec >= 0 ? ec : 0);
  } finally {
    s.injectSkip = false;
  }
}

/** VMRUN (APM vol 3 VMRUN; vol 2 §15.5). */
export function vmrun(cpu: Cpu, s: SvmVcpuState, i: Insn, model: SvmModelView, nrips: boolean, vgif: boolean): void {
  const l1Rip = cpu.rip;
  const st = vmrunCpuState(cpu, s, i);
  const r = runVmrunInstructionChecksMemo({ model, cpu: st }, s.insnMemo);
  if (!r.ok) {
    // In L2, VMRUN always exits to L1 (every valid VMCB intercepts it, §15.5.1).
    if (r.outcome === '#VMEXIT(VMRUN)') { reflect(cpu, s, { code: 0x80, nrip: true, rule: ruleName(0x80) }); return; }
    throw faultOf(cpu, r);
  }
  const a = vmrunVmcbAddress(st);
  const addr = toNumber(a.lo, a.hi);
  s.vmcb12Address = addr;
  // One snapshot, checked and then used (nested-svm.md §11.10).
  readPhysInto(s.mem, addr, s.vmcb12, 0, VMCB_SIZE);
  const c = runVmcbConsistencyChecksMemo({ model, cpu: st, vmcb: s.v12, mem: s.mem }, s.checkMemo);
  if (!c.ok) { vmexitInvalid(cpu, s, c); return; }
  const np = (s.dv12.getUint32(O.NESTED_CTL, true) & NESTED_CTL_NP_ENABLE) !== 0;

  saveHostState(cpu, s);
  // TLB_CONTROL (§15.16.1): 0 keeps every ASID's entries, 1 flushes all
  // (the host's, L1's, too), 3 and 7 this guest's (we flush all of its).
  const tlbControl = s.vmcb12[O.TLB_CONTROL];
  if (tlbControl === TLB_CONTROL.FLUSH_ALL) s.tlbL1.drop();
  else bankOut(cpu, s.tlbL1, 1);
  const l2RipLo = s.dv12.getUint32(O.RIP, true), l2RipHi = s.dv12.getUint32(O.RIP + 4, true);
  buildVmcb02Control(s, { nrips, vgif, l1TscOffset: cpu.tscOffset, l1mem: s.mem, l2RipLo, l2RipHi });
  if (tlbControl !== TLB_CONTROL.NOTHING) s.tlbL2.drop();
  // Guest state (§15.5.1): loaded into the vCPU, then stored into VMCB02 so it shows what runs.
  loadVmrunState(cpu, s.dv12, model.linearAddrBits, np);
  storeVmrunState(cpu, s.dv02, np);
  cpu.tscOffset = signed64(s.v02, O.TSC_OFFSET);
  cpu.shadowUntil = s.dv02.getUint32(O.INTERRUPT_STATE, true) & INT_STATE_SHADOW ? SHADOW_NEXT : -1;
  cpu.halted = false;
  // A single-step trap of VMRUN itself comes after the #VMEXIT (svm-vmexit.ts), not in L2.
  cpu.tfArmed = false;
  // Nested paging (§15.25): NPT02 becomes the MMU's second stage, kept from
  // the last VMRUN unless TLB_CONTROL, N_CR3 or the ASID say otherwise.
  // The state load flushed the TLB: L2's own entries come back if they
  // were made in this very context (svm-tlb.ts).
  if (np) attachNpt02(cpu, s, reflect, tlbControl !== TLB_CONTROL.NOTHING);
  bankIn(cpu, s.tlbL2, s.asid02);
  s.level = 2;
  s.gif = true; // VMRUN sets GIF (§15.17)
  s.l2Gif = true;
  cpu.nonRootExit = svmNonRootExit;
  emitTransitionWith(cpu, (seq, icount, vcpu) => ({
    kind: 'transition', seq, icount, vcpu, from: 1, to: 2, type: 'entry', reason: 0x80, reasonName: 'VMRUN', handledBy: 'L0', arch: 'svm', rip: l1Rip,
  }));
  injectEvent(cpu, s);
  cpu.exitBlock = true;
}
