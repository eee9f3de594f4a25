// Interrupt shadows side by side: what nested VMX and nested SVM report and
// honour for the one-instruction shadow of STI and MOV SS, across virtual
// VM exits / #VMEXITs to L1 and re-entries, and for interrupt windows.
//
// Manuals (Intel SDM numbering of the 2022+ editions, vol 3C; AMD APM vol 2):
// - SDM vol 3A 6.8.3 and vol 2B "STI": the shadow covers exactly the next
//   instruction; STI opens one only when it sets IF from 0.
// - SDM 25.4.2 table 25-3: interruptibility bit 0 blocking by STI, bit 1
//   blocking by MOV SS. 28.3.4: saved at every VM exit. 27.3.2.5 / 27.7.1:
//   a non-vectoring entry restores the blocking for the first guest
//   instruction. 26.7.5: interrupt-window exiting waits for IF = 1 and no
//   blocking. 27.3.1.5: entry checks on the interruptibility state.
// - APM 15.21.5 "Interrupt Shadows": one bit (VMCB 0x068 bit 0), no STI/MOV SS
//   distinction; bit 1 GUEST_INTERRUPT_MASK is RFLAGS.IF written at #VMEXIT
//   and not read by VMRUN. 15.21.4: V_IRQ is taken (or, with the VINTR
//   intercept, exits) only when L2 has IF = 1 and no shadow. 15.21.1:
//   physical INTR masking. 15.5.1: VMRUN's consistency checks (none on the
//   shadow or IF).
import { strict as assert } from 'assert';
import { VMCS } from '../../../emulator/vmx/fields';
import { PIN, PRIMARY } from '../../../emulator/vmx/controls';
import { stubVector, stackSlots } from '../../support/sysrig';
import type { VmxRig } from './rig';
import { setupL2, launch, exitSeen, transitions as vmxTransitions, L2_RIP as VMX_L2_RIP } from './l2rig';
import {
  makeSvmRig, validVmcb12, vmrun, intercept, get, set, transitions as svmTransitions, SvmRig, L2_RIP as SVM_L2_RIP,
} from './svm-rig';

const STI = [0xfb];
const NOP = [0x90];
const CPUID = [0x0f, 0xa2];
/** mov ax, 0x10; mov ss, ax (6 bytes): SS reloaded with the same flat data selector. */
const MOV_SS = [0x66, 0xb8, 0x10, 0x00, 0x8e, 0xd0];
const IF = 0x200;

/** VMX interruptibility bits (SDM 25.4.2 table 25-3). */
const BY_STI = 1, BY_MOV_SS = 2;
/** SVM INTERRUPT_STATE bits (APM 15.21.5, VMCB 0x068). */
const SHADOW = 1, GUEST_IF = 2;

/** A physical interrupt (vector) pending at the interrupt controller until acknowledged. */
function pendingInterrupt(r: VmxRig | SvmRig, vector: number): { pending: boolean; acks: number } {
  const st = { pending: true, acks: 0 };
  const ic = r.cpu.plat.intc as unknown as { hasInterrupt(): boolean; acknowledge(): number };
  ic.hasInterrupt = () => st.pending;
  ic.acknowledge = () => { st.pending = false; st.acks++; return vector; };
  return st;
}

/** VMX: L2 runs `code`, L1 sees the exit; returns [exit reason, GUEST_RIP - L2_RIP, GUEST_INTERRUPTIBILITY_INFO]. */
function vmxExit(code: number[], rflags = 0x2, tables = false): [number, number, number] {
  const r = setupL2(code, { rflags, tables });
  launch(r);
  assert.equal(r.s.level, 1, 'back in L1');
  return [exitSeen(r).reason, exitSeen(r).ripOff, r.s.vmcs12.lo(VMCS.GUEST_INTERRUPTIBILITY_INFO)];
}

/** SVM: L2 runs `code` with CPUID intercepted; returns [EXITCODE, RIP - L2_RIP, INTERRUPT_STATE] of VMCB12. */
function svmExit(code: number[], rflags = 0x2): [number, number, number] {
  const r = makeSvmRig();
  validVmcb12(r, code);
  intercept(r, 'CPUID');
  set(r, 'RFLAGS', rflags);
  vmrun(r);
  assert.equal(r.s.level, 1, 'back in L1');
  return [get(r, 'EXITCODE'), get(r, 'RIP') - SVM_L2_RIP, get(r, 'INTERRUPT_STATE')];
}

describe('interrupt shadows, VMX vs SVM: the shadow at a nested exit (SDM 25.4.2, 28.3.4; APM 15.21.5)', () => {
  // SDM 28.3.4 + table 25-3: bit 0 is saved iff the exiting instruction is the one right after an STI
  // that set IF. APM 15.21.5: INTERRUPT_SHADOW is written at #VMEXIT with the same meaning, bit 1 = IF.
  it('STI shadow: VMX reports blocking-by-STI (bit 0); SVM reports INTERRUPT_SHADOW (bit 0) with GUEST_INTERRUPT_MASK', () => {
    assert.deepEqual(vmxExit([...STI, ...CPUID]), [10, 1, BY_STI], 'VMX: CPUID right after STI');
    assert.deepEqual(svmExit([...STI, ...CPUID]), [0x72, 1, SHADOW | GUEST_IF], 'SVM: CPUID right after STI');
  });

  it('STI shadow ends after one instruction: VMX and SVM both report no blocking for an exit two instructions after STI', () => {
    assert.deepEqual(vmxExit([...STI, ...NOP, ...CPUID]), [10, 2, 0], 'VMX: sti; nop; cpuid');
    assert.deepEqual(svmExit([...STI, ...NOP, ...CPUID]), [0x72, 2, GUEST_IF], 'SVM: sti; nop; cpuid');
  });

  // SDM vol 2B STI / vol 3A 6.8.3: STI with IF already 1 opens no shadow (table 25-3 bit 0 "execution of STI with IF = 0").
  it('STI with IF already 1: no blocking-by-STI on VMX; no INTERRUPT_SHADOW on SVM', () => {
    assert.deepEqual(vmxExit([...STI, ...CPUID], 0x202), [10, 1, 0]);
    assert.deepEqual(svmExit([...STI, ...CPUID], 0x202), [0x72, 1, GUEST_IF]);
  });

  // Table 25-3 bit 1 (MOV SS / POP SS) vs APM 15.21.5's single shadow bit (no kind recorded).
  it('MOV SS shadow: VMX reports blocking-by-MOV-SS (bit 1, not bit 0); SVM reports just INTERRUPT_SHADOW', () => {
    assert.deepEqual(vmxExit([...MOV_SS, ...CPUID], 0x2, true), [10, 6, BY_MOV_SS], 'VMX, IF = 0');
    assert.deepEqual(vmxExit([...MOV_SS, ...CPUID], 0x202, true), [10, 6, BY_MOV_SS], 'VMX, IF = 1');
    assert.deepEqual(svmExit([...MOV_SS, ...CPUID]), [0x72, 6, SHADOW], 'SVM, IF = 0');
    assert.deepEqual(svmExit([...MOV_SS, ...CPUID], 0x202), [0x72, 6, SHADOW | GUEST_IF], 'SVM, IF = 1');
  });

  it('MOV SS shadow ends after one instruction: VMX and SVM report no blocking one instruction later', () => {
    assert.deepEqual(vmxExit([...MOV_SS, ...NOP, ...CPUID], 0x2, true), [10, 7, 0]);
    assert.deepEqual(svmExit([...MOV_SS, ...NOP, ...CPUID]), [0x72, 7, 0]);
  });
});

describe('interrupt shadows, VMX vs SVM: re-entry with the shadow set holds a pending interrupt for one L2 instruction (SDM 27.7.1; APM 15.21.5)', () => {
  // SDM 27.3.2.5 / 27.7.1: a non-vectoring entry with blocking by STI keeps
  // the blocking until the first guest instruction completes. With
  // "external-interrupt exiting" (SDM 26.2) the interrupt then exits at the
  // second instruction; the blocking is no longer reported (28.3.4).
  it('external interrupt: VMX (external-interrupt exiting, entry with blocking-by-STI) exits after 1 L2 instruction; SVM (INTR intercept, INTERRUPT_SHADOW = 1) #VMEXITs after 1', () => {
    const x = setupL2([...NOP, ...NOP, ...NOP, ...NOP], { pin: PIN.EXTERNAL_INTERRUPT_EXITING, rflags: 0x202 });
    x.s.vmcs12.set(VMCS.GUEST_INTERRUPTIBILITY_INFO, BY_STI);
    const xs = pendingInterrupt(x, 0x31);
    launch(x);
    assert.deepEqual([exitSeen(x).reason, exitSeen(x).ripOff, x.s.vmcs12.lo(VMCS.GUEST_INTERRUPTIBILITY_INFO), xs.pending],
      [1, 1, 0, true], 'VMX: reason 1 at GUEST_RIP = L2_RIP + 1, no blocking left');
    // APM 15.21.1 (V_INTR_MASKING = 0: L2's IF and shadow gate physical INTR) and 15.21.5.
    const s = makeSvmRig();
    validVmcb12(s, [...NOP, ...NOP, ...NOP, ...NOP]);
    intercept(s, 'INTR');
    set(s, 'RFLAGS', 0x202);
    set(s, 'INTERRUPT_STATE', SHADOW);
    const ss = pendingInterrupt(s, 0x31);
    vmrun(s);
    assert.deepEqual([get(s, 'EXITCODE'), get(s, 'RIP') - SVM_L2_RIP, get(s, 'INTERRUPT_STATE'), ss.pending],
      [0x60, 1, GUEST_IF, true], 'SVM: #VMEXIT(INTR) at RIP = L2_RIP + 1, shadow gone');
  });

  it('MOV SS: VMX re-entry with blocking by MOV SS (bit 1) holds the interrupt exit for one instruction; an L2 MOV SS holds it on VMX and SVM alike', () => {
    const x = setupL2([...NOP, ...NOP, ...NOP], { pin: PIN.EXTERNAL_INTERRUPT_EXITING, rflags: 0x202 });
    x.s.vmcs12.set(VMCS.GUEST_INTERRUPTIBILITY_INFO, BY_MOV_SS);
    pendingInterrupt(x, 0x31);
    launch(x);
    assert.deepEqual([exitSeen(x).reason, exitSeen(x).ripOff, x.s.vmcs12.lo(VMCS.GUEST_INTERRUPTIBILITY_INFO)], [1, 1, 0], 'VMX re-entry');
    // The interrupt arrives once L2 has left its first instruction (MOV SS, 2 instructions of 6 bytes):
    // it is held for the instruction in MOV SS's shadow (SDM vol 3A 6.8.3; APM 15.21.5).
    const arrivesAfterMovSs = (r: VmxRig | SvmRig, l2Rip: number, level: () => number): void => {
      const ic = r.cpu.plat.intc as unknown as { hasInterrupt(): boolean };
      ic.hasInterrupt = () => level() === 2 && r.cpu.rip >= l2Rip + 6;
    };
    const y = setupL2([...MOV_SS, ...NOP, ...NOP], { pin: PIN.EXTERNAL_INTERRUPT_EXITING, rflags: 0x202, tables: true });
    arrivesAfterMovSs(y, VMX_L2_RIP, () => y.s.level);
    launch(y);
    assert.deepEqual([exitSeen(y).reason, exitSeen(y).ripOff, y.s.vmcs12.lo(VMCS.GUEST_INTERRUPTIBILITY_INFO)], [1, 7, 0], 'VMX: L2 MOV SS');
    const s = makeSvmRig();
    validVmcb12(s, [...MOV_SS, ...NOP, ...NOP]);
    intercept(s, 'INTR');
    set(s, 'RFLAGS', 0x202);
    arrivesAfterMovSs(s, SVM_L2_RIP, () => s.s.level);
    vmrun(s);
    assert.deepEqual([get(s, 'EXITCODE'), get(s, 'RIP') - SVM_L2_RIP, get(s, 'INTERRUPT_STATE')], [0x60, 7, GUEST_IF], 'SVM: L2 MOV SS');
  });

  // Not intercepted by L1: VMX's L0 takes the interrupt and injects it into
  // L2 (nested-vmx.md 6), SVM's L2 takes it directly (APM 15.21.1); either
  // way L2's IDT frame shows the return RIP = the second L2 instruction.
  it('interrupt delivered to L2: after the first L2 instruction on both VMX (blocking-by-STI) and SVM (INTERRUPT_SHADOW)', () => {
    const x = setupL2([...NOP, ...NOP, ...NOP, ...NOP], { tables: true, rflags: 0x202 });
    x.s.vmcs12.set(VMCS.GUEST_INTERRUPTIBILITY_INFO, BY_STI);
    pendingInterrupt(x, 0x31);
    launch(x);
    assert.equal(x.s.level, 2);
    assert.equal(stubVector(x.cpu), 0x31, 'VMX: L2 took vector 0x31');
    assert.equal(stackSlots(x, 1, 8)[0] - VMX_L2_RIP, 1, 'VMX: pushed RIP = the second L2 instruction');
    const s = makeSvmRig();
    validVmcb12(s, [...NOP, ...NOP, ...NOP, ...NOP]);
    set(s, 'RFLAGS', 0x202);
    set(s, 'INTERRUPT_STATE', SHADOW);
    pendingInterrupt(s, 0x31);
    vmrun(s);
    assert.equal(s.s.level, 2);
    assert.equal(stubVector(s.cpu), 0x31, 'SVM: L2 took vector 0x31');
    assert.equal(stackSlots(s, 1, 8)[0] - SVM_L2_RIP, 1, 'SVM: pushed RIP = the second L2 instruction');
  });

  it('V_IRQ: SVM delivers V_INTR_VECTOR after the first L2 instruction of a shadowed VMRUN (APM 15.21.4/15.21.5)', () => {
    const s = makeSvmRig();
    validVmcb12(s, [...NOP, ...NOP, ...NOP, ...NOP]);
    set(s, 'RFLAGS', 0x202);
    set(s, 'INTERRUPT_STATE', SHADOW);
    set(s, 'VINTR', (1 << 8) | (1 << 20), 0x41); // V_IRQ, V_IGN_TPR, vector 0x41
    vmrun(s);
    assert.equal(stubVector(s.cpu), 0x41);
    assert.equal(stackSlots(s, 1, 8)[0] - SVM_L2_RIP, 1, 'pushed RIP = the second L2 instruction');
  });
});

describe('interrupt windows, VMX vs SVM: interrupt-window exiting vs the VINTR intercept (SDM 26.7.5; APM 15.21.4)', () => {
  // SDM 26.7.5: the exit happens before an instruction when RFLAGS.IF = 1 and there is no blocking by STI or MOV SS.
  // APM 15.21.4: the VINTR intercept fires when V_IRQ would be taken: IF = 1, no shadow, priority above V_TPR.
  it('STI opening the window: VMX exits with reason 7 and SVM with #VMEXIT(VINTR) only after the instruction in STI\'s shadow', () => {
    const x = setupL2([...STI, ...NOP, ...NOP, ...CPUID], { primary: PRIMARY.INTERRUPT_WINDOW_EXITING, rflags: 0x2 });
    launch(x);
    assert.deepEqual([exitSeen(x).reason, exitSeen(x).ripOff, exitSeen(x).len, x.s.vmcs12.lo(VMCS.GUEST_INTERRUPTIBILITY_INFO), exitSeen(x).rule],
      [7, 2, 0, 0, 'l1WantsInterruptWindow'], 'VMX: reason 7 at GUEST_RIP = L2_RIP + 2');
    const s = makeSvmRig();
    validVmcb12(s, [...STI, ...NOP, ...NOP, ...CPUID]);
    intercept(s, 'VINTR', 'CPUID');
    set(s, 'RFLAGS', 0x2);
    set(s, 'VINTR', (1 << 8) | (1 << 20), 0x41);
    vmrun(s);
    assert.deepEqual([get(s, 'EXITCODE'), get(s, 'RIP') - SVM_L2_RIP, get(s, 'INTERRUPT_STATE'), get(s, 'VINTR') & (1 << 8)],
      [0x64, 2, GUEST_IF, 1 << 8], 'SVM: #VMEXIT(VINTR) at RIP = L2_RIP + 2, V_IRQ still pending');
    assert.equal(svmTransitions(s).at(-1)?.rule, 'l1InterceptsVintr');
  });

  it('entry inside the shadow with IF = 1: VMX (blocking by STI or by MOV SS) and SVM (INTERRUPT_SHADOW) open the window one instruction late', () => {
    for (const blocking of [BY_STI, BY_MOV_SS]) {
      const x = setupL2([...NOP, ...NOP, ...CPUID], { primary: PRIMARY.INTERRUPT_WINDOW_EXITING, rflags: 0x202 });
      x.s.vmcs12.set(VMCS.GUEST_INTERRUPTIBILITY_INFO, blocking);
      launch(x);
      assert.deepEqual([exitSeen(x).reason, exitSeen(x).ripOff, x.s.vmcs12.lo(VMCS.GUEST_INTERRUPTIBILITY_INFO)], [7, 1, 0], `VMX, interruptibility ${blocking}`);
    }
    const s = makeSvmRig();
    validVmcb12(s, [...NOP, ...NOP, ...CPUID]);
    intercept(s, 'VINTR', 'CPUID');
    set(s, 'RFLAGS', 0x202);
    set(s, 'INTERRUPT_STATE', SHADOW);
    set(s, 'VINTR', (1 << 8) | (1 << 20), 0x41);
    vmrun(s);
    assert.deepEqual([get(s, 'EXITCODE'), get(s, 'RIP') - SVM_L2_RIP, get(s, 'INTERRUPT_STATE')], [0x64, 1, GUEST_IF]);
  });

  // APM 15.21.1/15.21.4: V_INTR_MASKING moves physical INTR masking to L1's IF, but virtual interrupts stay
  // masked by L2's IF and shadow; VMX's window likewise looks only at L2's RFLAGS.IF (26.7.5).
  it('L2 with IF = 0 never opens the window: no reason 7 on VMX, no #VMEXIT(VINTR) on SVM even with V_INTR_MASKING and L1 IF = 1', () => {
    const x = setupL2([...NOP, ...CPUID], { primary: PRIMARY.INTERRUPT_WINDOW_EXITING, rflags: 0x2 });
    launch(x);
    assert.deepEqual([exitSeen(x).reason, exitSeen(x).ripOff], [10, 1]);
    const s = makeSvmRig();
    validVmcb12(s, [...NOP, ...CPUID]);
    intercept(s, 'VINTR', 'CPUID');
    set(s, 'RFLAGS', 0x2);
    set(s, 'VINTR', (1 << 24) | (1 << 8) | (1 << 20), 0x41);
    s.cpu.flagsRest |= IF;
    vmrun(s);
    assert.deepEqual([get(s, 'EXITCODE'), get(s, 'RIP') - SVM_L2_RIP], [0x72, 1]);
  });
});

describe('interrupt shadows, VMX vs SVM: invalid combinations at entry (SDM 27.3.1.5; APM 15.5.1, 15.21.5)', () => {
  function vmxEntryFail(intr: number, rflags: number): { reason: number; check?: string; level: number } {
    const r = setupL2(CPUID, { rflags });
    r.s.vmcs12.set(VMCS.GUEST_INTERRUPTIBILITY_INFO, intr);
    launch(r);
    const t = vmxTransitions(r).find((e) => e.type === 'entry-fail');
    return { reason: r.s.vmcs12.lo(VMCS.VM_EXIT_REASON), check: t?.check?.id, level: r.s.level };
  }

  it('blocking by STI with RFLAGS.IF = 0: VMX fails the entry (GUEST-INTR-STI-IF, reason 0x80000021); SVM VMRUN accepts INTERRUPT_SHADOW with IF = 0', () => {
    assert.deepEqual(vmxEntryFail(BY_STI, 0x2), { reason: 0x80000021, check: 'GUEST-INTR-STI-IF', level: 1 });
    // The same blocking with IF = 1 enters (control for the check above).
    assert.deepEqual(vmxEntryFail(BY_STI, 0x202), { reason: 10, check: undefined, level: 1 });
    // APM 15.5.1 lists no check on INTERRUPT_STATE or IF: the shadow is just loaded.
    const s = makeSvmRig();
    validVmcb12(s, [...NOP, ...CPUID]);
    intercept(s, 'CPUID');
    set(s, 'RFLAGS', 0x2);
    set(s, 'INTERRUPT_STATE', SHADOW);
    vmrun(s);
    assert.deepEqual(svmTransitions(s).map((t) => t.type), ['entry', 'reflect']);
    assert.deepEqual([get(s, 'EXITCODE'), get(s, 'RIP') - SVM_L2_RIP, get(s, 'INTERRUPT_STATE')], [0x72, 1, 0]);
  });

  it('STI and MOV SS blocking both set: VMX fails the entry (GUEST-INTR-STI-MOVSS); SVM has one shadow bit and ignores bit 1 (GUEST_INTERRUPT_MASK) at VMRUN', () => {
    assert.deepEqual(vmxEntryFail(BY_STI | BY_MOV_SS, 0x202), { reason: 0x80000021, check: 'GUEST-INTR-STI-MOVSS', level: 1 });
    // INTERRUPT_STATE = 3 with L2 IF = 0: bit 1 is written by #VMEXIT only (APM 15.21.5), VMRUN does not read it.
    const s = makeSvmRig();
    validVmcb12(s, [...NOP, ...CPUID]);
    intercept(s, 'CPUID');
    set(s, 'RFLAGS', 0x2);
    set(s, 'INTERRUPT_STATE', SHADOW | GUEST_IF);
    vmrun(s);
    assert.deepEqual(svmTransitions(s).map((t) => t.type), ['entry', 'reflect']);
    assert.deepEqual([get(s, 'EXITCODE'), get(s, 'INTERRUPT_STATE')], [0x72, 0], 'exit reports IF = 0 (L2\'s real IF), no shadow');
  });
});
