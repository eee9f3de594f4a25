// Events and L2's interrupt state (AMD APM vol 2 §15.20 EVENTINJ, §15.7.2
// EXITINTINFO, §15.21 INTR/V_IRQ/VINTR/V_INTR_MASKING/interrupt shadow,
// §15.17 GIF), NRIP (§15.7.1) and VMCB02's merged controls (nested-svm.md §3).
import { strict as assert } from 'assert';
import {
  makeSvmRig, validVmcb12, vmrun, runL1, intercept, get, getHi, set, transitions, SvmRig, L2_RIP, L2_RSP, MSRPM,
} from './svm-rig';
import { stubVector, stackSlots } from '../../support/sysrig';
import { setFlags, getFlags } from '../../../emulator/x86/flags';

function pendingInterrupt(r: SvmRig, vector: number): { pending: boolean; acks: number } {
  const st = { pending: true, acks: 0 };
  const ic = r.cpu.plat.intc as unknown as { hasInterrupt(): boolean; acknowledge(): number };
  ic.hasInterrupt = () => st.pending;
  ic.acknowledge = () => { st.pending = false; st.acks++; return vector; };
  return st;
}

describe('l0 nested SVM: event injection and EXITINTINFO (APM 15.20, 15.7.2)', () => {
  it('EVENTINJ #GP with error code: delivered through L2\'s IDT before its first instruction', () => {
    const r = makeSvmRig();
    validVmcb12(r, [0x90]);
    set(r, 'EVENTINJ', 0x80000b0d, 0x18); // V | EV | TYPE 3 | vector 13
    vmrun(r);
    assert.equal(r.s.level, 2);
    assert.equal(stubVector(r.cpu), 13);
    const [ec, rip] = stackSlots(r, 2, 8);
    assert.equal(ec, 0x18);
    assert.equal(rip, L2_RIP, 'a fault-type injection returns to the guest RIP');
  });

  it('EVENTINJ of its own intercepted vector is not intercepted (APM 15.20)', () => {
    const r = makeSvmRig();
    validVmcb12(r, [0x90]);
    intercept(r, 'EXCP_6');
    set(r, 'EVENTINJ', 0x80000306);
    vmrun(r);
    assert.equal(r.s.level, 2);
    assert.equal(stubVector(r.cpu), 6);
  });

  it('a delivery fault of the injected event that L1 intercepts: EXITINTINFO = the injected event, EVENTINJ.V cleared', () => {
    const r = makeSvmRig();
    validVmcb12(r, [0x90]);
    intercept(r, 'EXCP_13');
    set(r, 'IDTR.limit', 0); // vector 0x30 is beyond the IDT limit: #GP(0x30 << 3 | IDT | EXT)
    set(r, 'EVENTINJ', 0x80000030);
    vmrun(r);
    assert.equal(r.s.level, 1);
    assert.equal(get(r, 'EXITCODE'), 0x4d);
    assert.equal(get(r, 'EXITINFO1'), (0x30 << 3) | 3);
    assert.equal(get(r, 'EXITINTINFO'), 0x80000030);
    assert.equal(get(r, 'EVENTINJ') >>> 31, 0);
  });

  it('EVENTINJ software interrupt (TYPE 4) returns to NRIP (= L2 RIP without NRIPS)', () => {
    const r = makeSvmRig();
    validVmcb12(r, [0x90]);
    set(r, 'EVENTINJ', 0x80000440);
    vmrun(r);
    assert.equal(stubVector(r.cpu), 0x40);
    assert.equal(stackSlots(r, 1, 8)[0], L2_RIP);
  });
});

describe('l0 nested SVM: interrupts while L2 runs (APM 15.21)', () => {
  it('INTR intercepted, L2 IF = 1: #VMEXIT(INTR), the interrupt stays pending for L1', () => {
    const r = makeSvmRig();
    validVmcb12(r, [0x90, 0x90]);
    intercept(r, 'INTR');
    set(r, 'RFLAGS', 0x202);
    const st = pendingInterrupt(r, 0x30);
    vmrun(r);
    assert.equal(get(r, 'EXITCODE'), 0x60);
    assert.equal(st.pending, true);
    assert.equal(st.acks, 0);
    assert.equal(transitions(r)[1].rule, 'l1InterceptsIntr');
  });

  /** An NMI that arrives once L2 runs (L1 would take it first otherwise). */
  function nmiInL2(r: SvmRig): void {
    let taken = false;
    Object.defineProperty(r.cpu.plat.intc, 'nmiPending', {
      get: () => r.s.level === 2 && !taken, set: (v: boolean) => { if (!v) taken = true; }, configurable: true,
    });
  }

  it('NMI: intercepted -> #VMEXIT(NMI) with the NMI still pending; not intercepted -> L2 takes vector 2', () => {
    const r = makeSvmRig();
    validVmcb12(r, [0x90, 0x90]);
    intercept(r, 'NMI');
    nmiInL2(r);
    vmrun(r);
    assert.equal(get(r, 'EXITCODE'), 0x61);
    assert.equal(transitions(r)[1].rule, 'l1InterceptsNmi');
    const q = makeSvmRig();
    validVmcb12(q, [0x90, 0x90]);
    nmiInL2(q);
    vmrun(q);
    assert.equal(q.s.level, 2);
    assert.equal(stubVector(q.cpu), 2);
    assert.equal(q.cpu.plat.intc.nmiPending, false);
  });

  it('INIT: intercepted -> #VMEXIT(INIT), then held by GIF = 0 in L1; not intercepted -> the vCPU resets, nested mode ends', () => {
    const r = makeSvmRig();
    validVmcb12(r, [0x90, 0x90]);
    intercept(r, 'INIT');
    Object.defineProperty(r.cpu.plat.intc, 'initPending', { get: () => r.s.level === 2 || !r.s.gif, set: () => undefined, configurable: true });
    vmrun(r);
    assert.equal(get(r, 'EXITCODE'), 0x63);
    assert.equal(r.cpu.waitForSipi, false, 'L1 was not reset: GIF = 0 holds the INIT');
    const q = makeSvmRig();
    validVmcb12(q, [0x90, 0x90]);
    let init = false;
    Object.defineProperty(q.cpu.plat.intc, 'initPending', { get: () => q.s.level === 2 && !init, set: (v: boolean) => { if (!v) init = true; }, configurable: true });
    vmrun(q);
    assert.equal(q.cpu.waitForSipi, true);
    assert.equal(q.s.level, 1);
    assert.equal(q.cpu.nonRootExit, null);
  });

  it('V_INTR_MASKING = 1 and L1 had IF = 0 at VMRUN: the physical interrupt is held, L2 runs on', () => {
    const r = makeSvmRig();
    validVmcb12(r, [0x90, 0x90]);
    intercept(r, 'INTR');
    set(r, 'RFLAGS', 0x202);
    set(r, 'VINTR', 1 << 24);
    pendingInterrupt(r, 0x30);
    vmrun(r);
    assert.equal(r.s.level, 2);
    assert.equal(r.cpu.halted, true);
  });

  it('V_INTR_MASKING = 1 with L1 IF = 1: INTR exits even though L2 has IF = 0', () => {
    const r = makeSvmRig();
    validVmcb12(r, [0x90, 0x90]);
    intercept(r, 'INTR');
    set(r, 'VINTR', 1 << 24);
    setFlags(r.cpu, getFlags(r.cpu) | 0x200);
    const st = pendingInterrupt(r, 0x30);
    st.pending = false; // nothing while L1 runs with IF = 1
    r.cpu.plat.intc.hasInterrupt = () => r.s.level === 2;
    vmrun(r);
    assert.equal(get(r, 'EXITCODE'), 0x60);
  });

  it('INTR not intercepted: L2 (IF = 1) takes the interrupt through its IDT', () => {
    const r = makeSvmRig();
    validVmcb12(r, [0x90, 0x90]);
    set(r, 'RFLAGS', 0x202);
    const st = pendingInterrupt(r, 0x30);
    vmrun(r);
    assert.equal(r.s.level, 2);
    assert.equal(stubVector(r.cpu), 0x30);
    assert.equal(st.acks, 1);
  });

  it('V_IRQ (V_IGN_TPR): L2 takes V_INTR_VECTOR; V_IRQ = 0 is written back on the next #VMEXIT', () => {
    const r = makeSvmRig();
    validVmcb12(r, [0x90]);
    intercept(r, 'HLT');
    set(r, 'RFLAGS', 0x202);
    set(r, 'VINTR', (1 << 8) | (1 << 20), 0x41);
    vmrun(r);
    assert.equal(get(r, 'EXITCODE'), 0x78, 'the stub\'s hlt exits');
    assert.equal(get(r, 'RIP') - 0x180000, 0x41 * 16, 'L2 was in the vector 0x41 stub');
    assert.equal(get(r, 'VINTR') & (1 << 8), 0, 'V_IRQ cleared when taken');
    assert.equal(get(r, 'VINTR') & (1 << 20), 1 << 20, 'L1\'s other VINTR bits kept');
  });

  it('V_IRQ with the VINTR intercept: #VMEXIT(VINTR) (interrupt window), V_IRQ still set', () => {
    const r = makeSvmRig();
    validVmcb12(r, [0x90]);
    intercept(r, 'VINTR');
    set(r, 'RFLAGS', 0x202);
    set(r, 'VINTR', (1 << 8) | (1 << 20), 0x41);
    vmrun(r);
    assert.equal(get(r, 'EXITCODE'), 0x64);
    assert.equal(get(r, 'VINTR') & (1 << 8), 1 << 8);
  });

  it('V_IRQ below V_TPR is not taken', () => {
    const r = makeSvmRig();
    validVmcb12(r, [0x90]);
    intercept(r, 'VINTR');
    set(r, 'RFLAGS', 0x202);
    set(r, 'VINTR', (1 << 8) | (2 << 16) | 5, 0x41); // priority 2, V_TPR 5
    vmrun(r);
    assert.equal(r.s.level, 2);
    assert.equal(r.cpu.halted, true);
  });

  it('INTERRUPT_STATE shadow from VMCB12 delays V_IRQ by one instruction; a shadow at exit is written back with IF', () => {
    const r = makeSvmRig();
    validVmcb12(r, [0x90]);
    set(r, 'RFLAGS', 0x202);
    set(r, 'INTERRUPT_STATE', 1);
    set(r, 'VINTR', (1 << 8) | (1 << 20), 0x41);
    vmrun(r);
    assert.equal(stubVector(r.cpu), 0x41);
    // Not before the first L2 instruction (the core recognizes it at its next block boundary).
    assert.ok(stackSlots(r, 1, 8)[0] > L2_RIP, 'the shadow covers the first L2 instruction');
    const r2 = makeSvmRig();
    validVmcb12(r2, [0xfb, 0x0f, 0xa2]); // sti; cpuid (in STI's shadow)
    intercept(r2, 'CPUID');
    vmrun(r2);
    assert.equal(get(r2, 'EXITCODE'), 0x72);
    assert.equal(get(r2, 'INTERRUPT_STATE'), 0x3, 'shadow | guest IF');
  });

  it('V_INTR_MASKING: L2\'s CR8 is V_TPR (written back on #VMEXIT), the APIC TPR stays L1\'s', () => {
    const r = makeSvmRig();
    // mov eax, 5; mov cr8, rax; mov rbx, cr8; cpuid
    validVmcb12(r, [0xb8, 5, 0, 0, 0, 0x44, 0x0f, 0x22, 0xc0, 0x44, 0x0f, 0x20, 0xc3, 0x0f, 0xa2]);
    intercept(r, 'CPUID');
    set(r, 'VINTR', 1 << 24);
    let apicWrites = 0;
    r.cpu.plat.intc.writeCr8 = () => { apicWrites++; };
    vmrun(r);
    assert.equal(get(r, 'EXITCODE'), 0x72);
    assert.equal(get(r, 'VINTR') & 0xff, 5);
    assert.equal(r.cpu.getReg(3, 8), 5, 'RBX (not switched by #VMEXIT) holds what L2 read');
    assert.equal(apicWrites, 0);
  });

  it('GIF = 0 after #VMEXIT holds L1\'s interrupt until STGI (APM 15.17)', () => {
    const r = makeSvmRig();
    validVmcb12(r, [0x0f, 0xa2]);
    intercept(r, 'CPUID');
    setFlags(r.cpu, getFlags(r.cpu) | 0x200);
    vmrun(r);
    assert.equal(r.s.gif, false);
    const st = pendingInterrupt(r, 0x30);
    runL1(r, [0x90, 0x90, 0x0f, 0x01, 0xdc, 0x90]); // nop; nop; stgi; nop
    assert.equal(st.acks, 1);
    assert.equal(stubVector(r.cpu), 0x30);
    assert.equal(stackSlots(r, 1, 8)[0], 0x100000 + 5, 'taken right after STGI');
  });
});

describe('l0 nested SVM: NRIP and VMCB02 merging (APM 15.7.1, nested-svm.md 3)', () => {
  it('NRIPS advertised: NRIP = the next instruction on an instruction intercept; not advertised: NRIP untouched', () => {
    const r = makeSvmRig('qemu64,+svm,+nrip-save');
    validVmcb12(r, [0x90, 0x0f, 0xa2]);
    intercept(r, 'CPUID');
    vmrun(r);
    assert.equal(get(r, 'NRIP'), L2_RIP + 3);
    const q = makeSvmRig('qemu64,+svm');
    validVmcb12(q, [0x90, 0x0f, 0xa2]);
    intercept(q, 'CPUID');
    set(q, 'NRIP', 0x5a5a);
    vmrun(q);
    assert.equal(get(q, 'NRIP'), 0x5a5a);
  });

  it('TSC_OFFSET: VMCB02 = L1\'s + VMCB12\'s; L2 RDTSC sees it; L1\'s offset back after #VMEXIT', () => {
    const r = makeSvmRig();
    validVmcb12(r, [0x0f, 0x31, 0x0f, 0xa2]); // rdtsc; cpuid
    intercept(r, 'CPUID');
    r.cpu.tscOffset = 5;
    set(r, 'TSC_OFFSET', 1_000_000);
    vmrun(r);
    const d = new DataView(r.s.vmcb02.buffer);
    assert.equal(d.getUint32(0x50, true), 1_000_005);
    assert.ok(get(r, 'RAX') >= 1_000_005, 'L2 time includes the offset');
    assert.equal(r.cpu.tscOffset, 5);
    // A negative VMCB12 offset (two's complement) works too.
    set(r, 'TSC_OFFSET', 0xfffffffe, 0xffffffff);
    set(r, 'RIP', L2_RIP);
    vmrun(r);
    assert.equal(d.getUint32(0x50, true), 3);
    assert.equal(d.getUint32(0x54, true), 0);
  });

  it('MSRPM02 = L1\'s map | L0\'s own bits (VM_HSAVE_PA), and L2 gets its own VM_HSAVE_PA', () => {
    const r = makeSvmRig();
    // mov ecx, 0xc0010117; mov eax, 0x9000; xor edx, edx; wrmsr; cpuid
    validVmcb12(r, [0xb9, 0x17, 0x01, 0x01, 0xc0, 0xb8, 0x00, 0x90, 0, 0, 0x31, 0xd2, 0x0f, 0x30, 0x0f, 0xa2]);
    intercept(r, 'CPUID', 'MSR_PROT');
    const bit = 0x800 * 8 + 0x81 * 2;
    r.mem.write(MSRPM + (bit >>> 3), 1, 1 << (bit & 7));
    const before = r.s.hsaveLo;
    vmrun(r);
    assert.equal(get(r, 'EXITCODE'), 0x72, 'the WRMSR was L0\'s business, not an exit to L1');
    assert.equal(r.s.hsaveLo, before, 'L1\'s VM_HSAVE_PA untouched');
    assert.equal(r.s.l2HsaveLo, 0x9000);
    assert.ok(r.s.msrpm02[bit >>> 3] & (1 << (bit & 7)), 'L1\'s bit merged');
    const hs = 0x1000 * 8 + 0x117 * 2;
    assert.ok(r.s.msrpm02[hs >>> 3] & (3 << (hs & 7)), 'L0\'s VM_HSAVE_PA bits');
    assert.ok(transitions(r).some((t) => t.handledBy === 'L0' && t.reasonName === 'VMEXIT_MSR'));
  });

  it('VMCB01 holds L1\'s state while L2 runs (RIP after VMRUN, RSP, CR3) for the debugger', () => {
    const r = makeSvmRig();
    validVmcb12(r, [0x90]);
    vmrun(r);
    const d = new DataView(r.s.vmcb01.buffer);
    assert.equal(d.getUint32(0x578, true), 0x100000 + 3);
    assert.equal(d.getUint32(0x550, true), 0x1000);
    assert.equal(d.getUint32(0x10, true) & 1, 1, 'L0 intercepts L1\'s VMRUN');
    assert.equal(getHi(r, 'RSP'), 0);
    assert.equal(get(r, 'RSP'), L2_RSP);
  });
});
