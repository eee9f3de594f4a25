// The VM-entry failure exit to L1 (SDM vol 3C §27.8) and the host-state load
// it shares with every VM exit (§28.5, §28.6, §28.7): VMCS12 exit
// information, L1's state from the host-state area, the transition event,
// the VM-entry MSR-load failure (reason 34) and a VMX abort from the VM-exit
// MSR-load list. Also: L1 reads the capability MSRs with RDMSR.
import { strict as assert } from 'assert';
import { makeVmxRig, exec, enterWithVmcs, I, VMCS_A, VmxRig, validVmcs, HOST_RIP, HOST_RSP } from './rig';
import { VMCS } from '../../../emulator/vmx/fields';
import { getFlags } from '../../../emulator/x86/flags';
import { readMsr, writeMsr } from '../../../emulator/x86/msr';
import { CS, SS, DS, FS, TR, LDTR } from '../../../emulator/x86/regs';
import { CpuMode, AR_UNUSABLE } from '../../../emulator/x86/state';
import { VMCS12_ABORT_OFFSET } from '../../../emulator/vmx/vmcs';
import type { DiagnosticEvent, TransitionEvent } from '../../../emulator/events';

const MSR_AREA = 0x403000;
const IA32_STAR = 0xc0000081;
const IA32_FS_BASE = 0xc0000100;

const diags = (r: VmxRig, code: string): DiagnosticEvent[] =>
  r.events.filter((e): e is DiagnosticEvent => e.kind === 'diagnostic' && e.code === code);
const transitions = (r: VmxRig): TransitionEvent[] =>
  r.events.filter((e): e is TransitionEvent => e.kind === 'transition');

function msrEntry(r: VmxRig, at: number, index: number, lo: number, hi = 0): void {
  r.mem.write(at, 4, index);
  r.mem.write(at + 4, 4, 0);
  r.mem.write(at + 8, 4, lo);
  r.mem.write(at + 12, 4, hi);
}

function setup(): VmxRig {
  const r = makeVmxRig();
  enterWithVmcs(r);
  validVmcs(r);
  return r;
}

describe('l0 VM-entry failure exit to L1 (SDM 27.8, 28.5)', () => {
  it('a valid VMCS12 passes every check and runs L2 (vmx-nonroot.test.ts has its exits)', () => {
    const r = setup();
    r.mem.write(0x180000, 1, 0xf4); // L2: hlt (no HLT exiting: L2 halts)
    r.s.vmcs12.set(VMCS.GUEST_RIP, 0x180000);
    exec(r, I.vmlaunch);
    assert.equal(r.s.level, 2);
    assert.equal(r.cpu.rip, 0x180001);
    assert.equal(diags(r, 'not-implemented').length, 0);
    assert.equal(diags(r, 'vm-entry-check').length, 0);
  });

  it('guest-state failure: reason 0x80000021, L1 at HOST_RIP with VMCS12 host state, launch state unchanged', () => {
    const r = setup();
    const v = r.s.vmcs12, cpu = r.cpu;
    v.set(VMCS.GUEST_CS_AR_BYTES, 0xe09b); // L = 1 and D = 1
    v.set(VMCS.VM_EXIT_INTR_INFO, 0x80000b0e);
    v.set(VMCS.GUEST_RIP, 0x123456);
    cpu.star = 0x5555;
    exec(r, I.vmlaunch);
    assert.equal(v.lo(VMCS.VM_EXIT_REASON), 0x80000021);
    assert.equal(v.lo(VMCS.EXIT_QUALIFICATION), 0);
    assert.equal(v.lo(VMCS.VM_EXIT_INTR_INFO), 0, 'exit interruption information invalid');
    assert.equal(v.lo(VMCS.GUEST_RIP), 0x123456, 'no guest state saved');
    assert.equal(v.launched, false);
    // Host state (28.5): halted on the hlt at HOST_RIP.
    assert.equal(cpu.rip, HOST_RIP + 1);
    assert.equal(cpu.getReg(4, 8), HOST_RSP);
    assert.equal(getFlags(cpu), 0x2);
    assert.equal(cpu.mode, CpuMode.Long64);
    assert.equal(cpu.cpl, 0);
    assert.equal(cpu.segSel[CS], 0x08);
    assert.equal(cpu.segAr[CS], 0xa09b);
    assert.equal(cpu.segAr[SS], 0xc093);
    assert.equal(cpu.segSel[DS], 0x10);
    assert.equal(cpu.segAr[FS] & AR_UNUSABLE, AR_UNUSABLE, 'FS selector 0: unusable');
    assert.equal(cpu.segBase[FS], 0x8000_1234_5000, 'FS base from HOST_FS_BASE (folded canonical)');
    assert.equal(cpu.segBase[TR], 0xa000);
    assert.equal(cpu.segLimit[TR], 0x67);
    assert.equal(cpu.segAr[TR], 0x8b);
    assert.equal(cpu.segAr[LDTR], AR_UNUSABLE);
    assert.equal(cpu.gdtrBase, 0x8000);
    assert.equal(cpu.gdtrLimit, 0xffff);
    assert.equal(cpu.idtrBase, 0x9000);
    assert.equal(cpu.dr[7], 0x400);
    assert.equal(cpu.sysenterCs, 0x77);
    assert.equal(cpu.star, 0x5555, 'MSRs not in the host area are untouched');
    // The event and the diagnostic name the check.
    const t = transitions(r);
    assert.equal(t.length, 1);
    assert.deepEqual(
      { type: t[0].type, from: t[0].from, to: t[0].to, reason: t[0].reason, reasonName: t[0].reasonName, handledBy: t[0].handledBy, rule: t[0].rule },
      { type: 'entry-fail', from: 1, to: 1, reason: 33, reasonName: 'INVALID_GUEST_STATE', handledBy: 'L1', rule: 'GUEST-CS-L-DB (SDM 27.3.1.2)' },
    );
    assert.match(diags(r, 'vm-entry-check')[0].message, /^VMLAUNCH: GUEST-CS-L-DB \(SDM 27\.3\.1\.2\): GUEST_CS_AR_BYTES = 0xe09b.* -> VM-entry failure, exit reason 0x80000021 \(33\), qualification 0$/);
    // Launch state still clear: VMRESUME fails with 5, VMLAUNCH is allowed again.
    assert.equal(exec(r, I.vmresume), 'VMfailValid(5)');
  });

  it('qualification 4 for an invalid VMCS link pointer', () => {
    const r = setup();
    r.s.vmcs12.set(VMCS.VMCS_LINK_POINTER, 0x1000);
    exec(r, I.vmlaunch);
    assert.equal(r.s.vmcs12.lo(VMCS.VM_EXIT_REASON), 0x80000021);
    assert.equal(r.s.vmcs12.lo(VMCS.EXIT_QUALIFICATION), 4);
    assert.equal(transitions(r)[0].qualification?.startsWith('4'), true);
  });

  it('MSR-load failure: reason 0x80000022, qualification = failing entry, earlier entries loaded', () => {
    const r = setup();
    const v = r.s.vmcs12;
    msrEntry(r, MSR_AREA, IA32_STAR, 0x00100008, 0x00230010);
    msrEntry(r, MSR_AREA + 16, IA32_FS_BASE, 0x1000);
    v.set(VMCS.VM_ENTRY_MSR_LOAD_ADDR, MSR_AREA);
    v.set(VMCS.VM_ENTRY_MSR_LOAD_COUNT, 2);
    exec(r, I.vmlaunch);
    assert.equal(v.lo(VMCS.VM_EXIT_REASON), 0x80000022);
    assert.equal(v.lo(VMCS.EXIT_QUALIFICATION), 2);
    assert.equal(r.cpu.star >>> 0, 0x00100008, 'entry 1 was loaded before entry 2 failed');
    assert.equal(r.cpu.rip, HOST_RIP + 1);
    const t = transitions(r)[0];
    assert.equal(t.reason, 34);
    assert.equal(t.reasonName, 'MSR_LOAD_FAIL');
    assert.equal(t.rule, 'MSR-LOAD-FSGS (SDM 27.4)');
  });

  it('VM-exit MSR-load list: good entries loaded after host state; a bad one is VMX abort 4 and shutdown', () => {
    const ok = setup();
    ok.s.vmcs12.set(VMCS.GUEST_CS_AR_BYTES, 0xe09b);
    msrEntry(ok, MSR_AREA, IA32_STAR, 0x1234);
    ok.s.vmcs12.set(VMCS.VM_EXIT_MSR_LOAD_ADDR, MSR_AREA);
    ok.s.vmcs12.set(VMCS.VM_EXIT_MSR_LOAD_COUNT, 1);
    exec(ok, I.vmlaunch);
    assert.equal(ok.cpu.star, 0x1234);
    assert.equal(ok.cpu.shutdown, false);

    const r = setup();
    r.s.vmcs12.set(VMCS.GUEST_CS_AR_BYTES, 0xe09b);
    msrEntry(r, MSR_AREA, IA32_STAR, 0x1234);
    msrEntry(r, MSR_AREA + 16, IA32_FS_BASE, 0x1000);
    r.s.vmcs12.set(VMCS.VM_EXIT_MSR_LOAD_ADDR, MSR_AREA);
    r.s.vmcs12.set(VMCS.VM_EXIT_MSR_LOAD_COUNT, 2);
    exec(r, I.vmlaunch);
    assert.equal(r.cpu.shutdown, true);
    assert.equal(r.mem.read(VMCS_A + VMCS12_ABORT_OFFSET, 4), 4, 'abort indicator in the VMCS12 region');
    assert.match(diags(r, 'vmx-abort')[0].message, /VMX abort, indicator 4 .*VM-exit MSR-load entry 2/);
  });

  it('L1 reads the IA32_VMX_* capability MSRs with RDMSR; WRMSR to them is #GP', () => {
    const r = makeVmxRig();
    assert.equal(readMsr(r.cpu, 0x480) & 0x7fffffff, r.s.caps.revisionId);
    assert.equal(readMsr(r.cpu, 0x486) >>> 0, r.s.caps.cr0Fixed0Lo >>> 0);
    assert.throws(() => writeMsr(r.cpu, 0x480, 0, 0), (e: { vector?: number }) => e.vector === 13);
  });
});
