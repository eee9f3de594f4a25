// Events around L2 (SDM vol 3C): interrupt/NMI windows, NMIs, external
// interrupts with and without "acknowledge interrupt on exit", the
// VMX-preemption timer, INIT (§26.2, §26.5, §26.7); STI / MOV SS blocking
// kept apart across exits and entries (§25.4.2, §27.3.2.5, §28.3.4) and
// VMfailValid(26); VM-entry event injection (§27.6) and IDT-vectoring
// information (§28.2.4); the VM-entry MSR-load and VM-exit MSR-store lists
// (§27.4, §28.4).
import { strict as assert } from 'assert';
import { VMCS } from '../../../emulator/vmx/fields';
import { PIN, PRIMARY, EXIT } from '../../../emulator/vmx/controls';
import { STUBS } from '../../support/sysrig';
import { exec, I } from './rig';
import { setupL2, launch, exitSeen, transitions, L2_RIP, L2_RSP } from './l2rig';

const CPUID = [0x0f, 0xa2];

describe('l0 nested VMX: interrupts, NMIs, windows, timer, INIT (SDM 26.2, 26.5, 26.7)', () => {
  it('interrupt-window exiting: reason 7 before L2\'s first instruction when IF = 1; none while IF = 0', () => {
    const r = setupL2(CPUID, { primary: PRIMARY.INTERRUPT_WINDOW_EXITING, rflags: 0x202 });
    launch(r);
    assert.deepEqual([exitSeen(r).reason, exitSeen(r).ripOff, exitSeen(r).len, exitSeen(r).rule], [7, 0, 0, 'l1WantsInterruptWindow']);
    const off = setupL2(CPUID, { primary: PRIMARY.INTERRUPT_WINDOW_EXITING, rflags: 0x2 });
    launch(off);
    assert.equal(exitSeen(off).reason, 10);
  });

  it('NMI-window exiting (virtual NMIs): reason 8 without virtual-NMI blocking; held while blocked', () => {
    const pin = PIN.NMI_EXITING | PIN.VIRTUAL_NMIS;
    const r = setupL2(CPUID, { pin, primary: PRIMARY.NMI_WINDOW_EXITING });
    launch(r);
    assert.deepEqual([exitSeen(r).reason, exitSeen(r).ripOff], [8, 0]);
    const blocked = setupL2(CPUID, { pin, primary: PRIMARY.NMI_WINDOW_EXITING });
    blocked.s.vmcs12.set(VMCS.GUEST_INTERRUPTIBILITY_INFO, 8);
    launch(blocked);
    assert.equal(exitSeen(blocked).reason, 10);
    assert.equal(blocked.s.vmcs12.lo(VMCS.GUEST_INTERRUPTIBILITY_INFO), 8, 'virtual-NMI blocking saved');
  });

  it('NMI exiting: an NMI in L2 is reason 0 with interruption information 0x80000202', () => {
    const r = setupL2([0xeb, 0xfe], { pin: PIN.NMI_EXITING }); // jmp $
    r.s.vmcs12.set(VMCS.GUEST_RFLAGS, 0x2);
    exec(r, I.vmlaunch.concat([]), undefined);
    // L2 spins; raise the NMI and run on.
    if (r.s.level !== 2) throw new Error('L2 not running');
    r.cpu.plat.intc.nmiPending = true;
    r.cpu.run(50);
    assert.deepEqual([exitSeen(r).reason, r.s.vmcs12.lo(VMCS.VM_EXIT_INTR_INFO), exitSeen(r).ripOff], [0, 0x80000202, 0]);
    assert.equal(r.cpu.plat.intc.nmiPending, false);
  });

  it('external-interrupt exiting: reason 1 whatever IF says; with "acknowledge interrupt on exit" the vector is in the exit information', () => {
    for (const ack of [true, false]) {
      const r = setupL2([0xeb, 0xfe], { pin: PIN.EXTERNAL_INTERRUPT_EXITING, exit: ack ? EXIT.ACKNOWLEDGE_INTERRUPT_ON_EXIT : 0 });
      let pending = true;
      r.cpu.plat.intc.hasInterrupt = () => pending;
      r.cpu.plat.intc.acknowledge = () => { pending = false; return 0x31; };
      launch(r);
      assert.deepEqual([exitSeen(r).reason, r.s.vmcs12.lo(VMCS.VM_EXIT_INTR_INFO), pending], [1, ack ? 0x80000031 : 0, !ack]);
    }
  });

  it('without external-interrupt exiting L0 takes the physical interrupt and injects it into L2 (exit handled by L0)', () => {
    const r = setupL2([0xeb, 0xfe], { tables: true, rflags: 0x202 });
    let pending = true;
    r.cpu.plat.intc.hasInterrupt = () => pending;
    r.cpu.plat.intc.acknowledge = () => { pending = false; return 0x31; };
    launch(r);
    assert.equal(r.s.level, 2);
    assert.equal(r.cpu.rip, STUBS + 0x31 * 16 + 1, 'L2 took vector 0x31 through its IDT');
    const t = transitions(r).find((e) => e.reasonName === 'EXTERNAL_INTERRUPT');
    assert.deepEqual([t?.type, t?.handledBy, t?.rule, t?.from, t?.to], ['exit', 'L0', 'l0OwnsExternalInterrupts', 2, 2]);
    // Then L2 halts in its stub: HLT is L0's too (VMCS01), and VMCS02 holds that latest exit.
    assert.deepEqual(transitions(r).filter((e) => e.handledBy === 'L0' && e.type === 'exit').map((e) => e.reasonName), ['EXTERNAL_INTERRUPT', 'HLT']);
    assert.equal(r.s.vmcs02.lo(VMCS.VM_EXIT_REASON), 12);
  });

  it('VMX-preemption timer: value 0 exits before the first instruction; otherwise after value << IA32_VMX_MISC[4:0] instructions, saving 0', () => {
    const now = setupL2(CPUID, { pin: PIN.ACTIVATE_VMX_PREEMPTION_TIMER });
    launch(now);
    assert.deepEqual([exitSeen(now).reason, exitSeen(now).ripOff, exitSeen(now).rule], [52, 0, 'l1WantsPreemptionTimer']);
    const r = setupL2([0xeb, 0xfe], { pin: PIN.ACTIVATE_VMX_PREEMPTION_TIMER, exit: EXIT.SAVE_VMX_PREEMPTION_TIMER_VALUE });
    r.s.vmcs12.set(VMCS.VMX_PREEMPTION_TIMER_VALUE, 3);
    const rate = 1 << (r.s.caps.miscLo & 0x1f);
    launch(r);
    assert.equal(exitSeen(r).reason, 52);
    assert.equal(r.s.vmcs12.lo(VMCS.VMX_PREEMPTION_TIMER_VALUE), 0);
    const spun = transitions(r)[1].icount - transitions(r)[0].icount;
    assert.ok(spun > 2 * rate && spun <= 4 * rate, `${spun} instructions for 3 ticks of ${rate}`);
  });

  it('INIT: exits from L2 (reason 3); in VMX root it stays latched (the vCPU is not reset)', () => {
    const r = setupL2([0xeb, 0xfe]);
    launch(r);
    r.cpu.plat.intc.initPending = true;
    r.cpu.run(20);
    assert.deepEqual([exitSeen(r).reason, r.s.level, r.cpu.plat.intc.initPending], [3, 1, false]);
    r.cpu.plat.intc.initPending = true;
    r.cpu.halted = false;
    r.cpu.run(5);
    assert.equal(r.cpu.plat.intc.initPending, true);
    assert.equal(r.cpu.waitForSipi, false);
  });
});

describe('l0 nested VMX: STI vs MOV SS blocking (SDM 25.4.2, 27.3.2.5, 28.3.4, 31.3)', () => {
  it('an exit right after STI saves blocking by STI (bit 0); right after MOV SS, blocking by MOV SS (bit 1)', () => {
    const sti = setupL2([0xfb, ...CPUID], { rflags: 0x2 });
    launch(sti);
    assert.deepEqual([exitSeen(sti).reason, sti.s.vmcs12.lo(VMCS.GUEST_INTERRUPTIBILITY_INFO)], [10, 1]);
    const ss = setupL2([0x66, 0xb8, 0x10, 0x00, 0x8e, 0xd0, ...CPUID], { tables: true }); // mov ax, 0x10; mov ss, ax; cpuid
    launch(ss);
    assert.deepEqual([exitSeen(ss).reason, ss.s.vmcs12.lo(VMCS.GUEST_INTERRUPTIBILITY_INFO)], [10, 2]);
  });

  it('the blocking kind round-trips through VMRESUME: entry with bit 1, an exit at the first instruction reports bit 1', () => {
    const r = setupL2([...CPUID, ...CPUID]);
    r.s.vmcs12.set(VMCS.GUEST_INTERRUPTIBILITY_INFO, 2);
    launch(r);
    assert.equal(r.s.vmcs12.lo(VMCS.GUEST_INTERRUPTIBILITY_INFO), 2);
    r.s.vmcs12.set(VMCS.GUEST_INTERRUPTIBILITY_INFO, 1);
    r.s.vmcs12.set(VMCS.GUEST_RFLAGS, 0x202);
    r.s.vmcs12.set(VMCS.GUEST_RIP, L2_RIP + 2);
    exec(r, I.vmresume);
    assert.deepEqual([exitSeen(r).ripOff, r.s.vmcs12.lo(VMCS.GUEST_INTERRUPTIBILITY_INFO)], [2, 1]);
  });

  it('VMLAUNCH right after MOV SS is VMfailValid(26); right after STI it launches', () => {
    const r = setupL2(CPUID);
    assert.equal(exec(r, [0x66, 0xb8, 0x10, 0x00, 0x8e, 0xd0, ...I.vmlaunch]), 'VMfailValid(26)');
    assert.equal(r.s.level, 1);
    const s = setupL2(CPUID);
    s.cpu.flagsRest &= ~0x200;
    exec(s, [0xfb, ...I.vmlaunch]);
    assert.equal(exitSeen(s).reason, 10);
  });
});

describe('l0 nested VMX: event injection and IDT-vectoring information (SDM 27.6, 28.2.4)', () => {
  it('an injected #UD is delivered through L2\'s IDT even with its exception-bitmap bit set', () => {
    const r = setupL2(CPUID, { tables: true, bitmap: 1 << 6 });
    r.s.vmcs12.set(VMCS.VM_ENTRY_INTR_INFO_FIELD, 0x80000306);
    launch(r);
    assert.equal(r.s.level, 2);
    assert.equal(r.cpu.rip, STUBS + 6 * 16 + 1);
    assert.ok(transitions(r).some((t) => t.type === 'inject' && t.reason === 6));
  });

  it('an injected software interrupt returns after VM_ENTRY_INSTRUCTION_LEN bytes', () => {
    const r = setupL2(CPUID, { tables: true });
    r.s.vmcs12.set(VMCS.VM_ENTRY_INTR_INFO_FIELD, 0x80000421);
    r.s.vmcs12.set(VMCS.VM_ENTRY_INSTRUCTION_LEN, 2);
    launch(r);
    assert.equal(r.cpu.rip, STUBS + 0x21 * 16 + 1);
    const sp = r.cpu.getReg(4, 8);
    assert.equal(r.mem.read(sp, 4), L2_RIP + 2, 'pushed RIP');
  });

  it('a #GP while delivering an injected interrupt exits with IDT-vectoring information = the injected event', () => {
    // An external interrupt is injected only into an L2 with RFLAGS.IF = 1 (SDM 27.3.1.5).
    const r = setupL2(CPUID, { tables: true, bitmap: 1 << 13, rflags: 0x202 });
    r.s.vmcs12.set(VMCS.GUEST_IDTR_LIMIT, 0x3ff); // vector 0x40 is beyond the IDT limit
    r.s.vmcs12.set(VMCS.VM_ENTRY_INTR_INFO_FIELD, 0x80000040);
    launch(r);
    const v = r.s.vmcs12;
    assert.deepEqual([exitSeen(r).reason, v.lo(VMCS.VM_EXIT_INTR_INFO), v.lo(VMCS.VM_EXIT_INTR_ERROR_CODE)], [0, 0x80000b0d, 0x40 * 8 + 3]);
    assert.deepEqual([v.lo(VMCS.IDT_VECTORING_INFO_FIELD), v.lo(VMCS.VM_ENTRY_INTR_INFO_FIELD)], [0x80000040, 0x40], 'vectoring = injected event; entry valid bit cleared');
    assert.equal(exitSeen(r).ripOff, 0);
  });

  it('a #GP while delivering L2\'s own INT n reports a software-interrupt vectoring event with the INT\'s length', () => {
    const r = setupL2([0xcd, 0x40], { tables: true, bitmap: 1 << 13 });
    r.s.vmcs12.set(VMCS.GUEST_IDTR_LIMIT, 0x3ff);
    launch(r);
    const v = r.s.vmcs12;
    assert.deepEqual([exitSeen(r).reason, v.lo(VMCS.IDT_VECTORING_INFO_FIELD), exitSeen(r).len], [0, 0x80000440, 2]);
  });
});

describe('l0 nested VMX: VM-entry MSR-load and VM-exit MSR-store lists (SDM 27.4, 28.4)', () => {
  const LIST = 0x420000;
  it('loads IA32_KERNEL_GS_BASE for L2 and stores it back at the exit', () => {
    const r = setupL2(CPUID);
    const v = r.s.vmcs12;
    r.mem.write(LIST, 4, 0xc0000102); r.mem.write(LIST + 4, 4, 0); r.mem.write(LIST + 8, 4, 0x12345000); r.mem.write(LIST + 12, 4, 0);
    const STORE = LIST + 0x100;
    r.mem.write(STORE, 4, 0xc0000102); r.mem.write(STORE + 4, 4, 0); r.mem.write(STORE + 8, 4, 0xdead); r.mem.write(STORE + 12, 4, 0xdead);
    v.set(VMCS.VM_ENTRY_MSR_LOAD_ADDR, LIST); v.set(VMCS.VM_ENTRY_MSR_LOAD_COUNT, 1);
    v.set(VMCS.VM_EXIT_MSR_STORE_ADDR, STORE); v.set(VMCS.VM_EXIT_MSR_STORE_COUNT, 1);
    launch(r);
    assert.equal(exitSeen(r).reason, 10);
    assert.equal(r.cpu.kernelGsBase, 0x12345000);
    assert.deepEqual([r.mem.read(STORE + 8, 4), r.mem.read(STORE + 12, 4)], [0x12345000, 0]);
  });

  it('a VM-exit MSR-store entry for an x2APIC MSR is a VMX abort with indicator 1', () => {
    const r = setupL2(CPUID);
    r.mem.write(LIST, 4, 0x808); r.mem.write(LIST + 4, 4, 0);
    r.s.vmcs12.set(VMCS.VM_EXIT_MSR_STORE_ADDR, LIST); r.s.vmcs12.set(VMCS.VM_EXIT_MSR_STORE_COUNT, 1);
    launch(r);
    assert.equal(r.cpu.shutdown, true);
    assert.equal(r.s.vmcs12.abortIndicator, 1);
    assert.ok(r.events.some((e) => e.kind === 'diagnostic' && e.code === 'vmx-abort' && /MSR-store entry 1/.test(e.message)));
    assert.equal(L2_RSP, 0x2f0000);
  });
});
