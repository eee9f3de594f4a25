// Running L2 (SDM vol 3C §27.3.2 loading guest state) and the virtual VM
// exits L0 reflects to L1 (§28): one test per exit rule of vmx-nonroot.ts,
// with L1's control on and off, and VMRESUME back into L2. Controls L0 does
// not implement for L2 are not offered by the `max` capability MSRs, so L1
// setting one gets VMfailValid(7) from the control checks: cpu-model.test.ts
// ("a VMCS12 that sets one anyway fails VM entry with VMfailValid(7)").
import { strict as assert } from 'assert';
import { makeVmxRig, exec, enterWithVmcs, validVmcs, I, VmxRig, HOST_RIP, HOST_RSP } from './rig';
import { VMCS } from '../../../emulator/vmx/fields';
import { PRIMARY } from '../../../emulator/vmx/controls';
import { unsupportedForL2 } from '../../../emulator/l0';
import { CS, SS } from '../../../emulator/x86/regs';
import { CpuMode } from '../../../emulator/x86/state';
import { CODE } from '../../support/snippet';
import type { DiagnosticEvent, TransitionEvent } from '../../../emulator/events';

const L2_RIP = 0x180000;
const L2_RSP = 0x2f0000;

const transitions = (r: VmxRig): TransitionEvent[] =>
  r.events.filter((e): e is TransitionEvent => e.kind === 'transition');
const notImpl = (r: VmxRig): string[] =>
  r.events.filter((e): e is DiagnosticEvent => e.kind === 'diagnostic' && e.code === 'not-implemented').map((d) => d.message);

/** A valid VMCS12 whose L2 runs `code` at L2_RIP; `primary` bits are added to the primary controls. */
function setup(code: number[], primary = 0, bitmap = 0): VmxRig {
  const r = makeVmxRig();
  enterWithVmcs(r);
  validVmcs(r);
  const v = r.s.vmcs12;
  v.set(VMCS.CPU_BASED_VM_EXEC_CONTROL, (v.lo(VMCS.CPU_BASED_VM_EXEC_CONTROL) | primary) >>> 0);
  v.set(VMCS.EXCEPTION_BITMAP, bitmap);
  v.set(VMCS.GUEST_RIP, L2_RIP);
  v.set(VMCS.GUEST_RSP, L2_RSP);
  r.mem.writeBytes(L2_RIP, Uint8Array.from([...code, 0xf4]));
  return r;
}

/** L1 is back at HOST_RIP (halted on its hlt) with VMCS12's exit information as given. */
function assertExit(r: VmxRig, reason: number, qual: number, len: number, rip: number, rule: string): void {
  const v = r.s.vmcs12, cpu = r.cpu;
  assert.equal(r.s.level, 1);
  assert.equal(v.lo(VMCS.VM_EXIT_REASON), reason);
  assert.equal(v.lo(VMCS.EXIT_QUALIFICATION), qual);
  assert.equal(v.lo(VMCS.VM_EXIT_INSTRUCTION_LEN), len);
  assert.equal(v.lo(VMCS.GUEST_RIP), rip, 'GUEST_RIP = the exiting instruction');
  assert.equal(v.lo(VMCS.GUEST_RSP), L2_RSP);
  assert.equal(cpu.rip, HOST_RIP + 1);
  assert.equal(cpu.getReg(4, 8), HOST_RSP);
  assert.equal(cpu.mode, CpuMode.Long64);
  const t = transitions(r);
  assert.deepEqual(t.map((e) => `${e.type} L${e.from}->L${e.to}`), ['entry L1->L2', 'reflect L2->L1']);
  assert.equal(t[1].reason, reason);
  assert.equal(t[1].handledBy, 'L1');
  assert.equal(t[1].rule, rule);
}

describe('l0 L2 execution: VM entry and reflected exits (SDM 27.3.2, 28)', () => {
  it('VMLAUNCH loads VMCS12 guest state, marks the VMCS launched, and emits entry L1->L2', () => {
    const r = setup([]); // L2: hlt, no HLT exiting: L2 halts
    r.s.vmcs12.set(VMCS.GUEST_RFLAGS, 0x202);
    exec(r, I.vmlaunch);
    const cpu = r.cpu;
    assert.equal(r.s.level, 2);
    assert.equal(r.s.vmcs12.launched, true);
    assert.equal(cpu.rip, L2_RIP + 1);
    assert.equal(cpu.halted, true);
    assert.equal(cpu.getReg(4, 8), L2_RSP);
    assert.equal(cpu.segAr[CS], 0xa09b);
    assert.equal(cpu.segAr[SS], 0xc093);
    assert.equal(cpu.gdtrLimit, 0x3ff);
    assert.equal(cpu.flagsRest & 0x200, 0x200);
    const t = transitions(r);
    assert.deepEqual(t.map((e) => `${e.type} ${e.reasonName} ${e.handledBy}`), ['entry VMLAUNCH L0', 'exit HLT L0']);
    assert.equal(t[1].rule, 'l0WantsHlt', 'L1 has no HLT exiting: L0 idles L2 (VMCS01 HLT exiting)');
    assert.equal(r.s.vmcs02.lo(VMCS.VM_EXIT_REASON), 12, 'VMCS02 records the exit L0 took');
    assert.equal(r.s.vmcs12.lo(VMCS.VM_EXIT_REASON), 0, 'VMCS12 untouched');
  });

  it('CPUID: always reflected (l1WantsCpuid), length 2', () => {
    const r = setup([0x0f, 0xa2]);
    exec(r, I.vmlaunch);
    assertExit(r, 10, 0, 2, L2_RIP, 'l1WantsCpuid');
  });

  it('HLT: reflected iff HLT exiting (l1WantsHlt)', () => {
    const r = setup([], PRIMARY.HLT_EXITING);
    exec(r, I.vmlaunch);
    assertExit(r, 12, 0, 1, L2_RIP, 'l1WantsHlt');
  });

  it('OUT imm8: reflected with unconditional I/O exiting (qualification 0x800040), else executed', () => {
    const code = [0xb0, 0x42, 0xe6, 0x80]; // mov al, 0x42; out 0x80, al
    const r = setup(code, PRIMARY.UNCONDITIONAL_IO_EXITING);
    exec(r, I.vmlaunch);
    assertExit(r, 30, 0x800040, 2, L2_RIP + 2, 'l1WantsIo');
    assert.match(transitions(r)[1].qualification ?? '', /OUT 1-byte port 0x80 \(immediate\)/);
    const r2 = setup(code);
    exec(r2, I.vmlaunch);
    assert.equal(r2.s.level, 2);
    assert.ok(r2.ports.some((p) => p.port === 0x80 && p.value === 0x42), 'L2 wrote the port itself');
  });

  it('IN dx: qualification has direction IN, DX operand', () => {
    const r = setup([0x66, 0xba, 0xf8, 0x03, 0xec], PRIMARY.UNCONDITIONAL_IO_EXITING); // mov dx, 0x3f8; in al, dx
    exec(r, I.vmlaunch);
    assertExit(r, 30, (0x3f8 << 16) | 8, 1, L2_RIP + 4, 'l1WantsIo');
  });

  it('RDMSR / WRMSR without MSR bitmaps: reasons 31 / 32 (l1WantsMsr)', () => {
    const r = setup([0xb9, 0x74, 0x01, 0, 0, 0x0f, 0x32]); // mov ecx, 0x174; rdmsr
    exec(r, I.vmlaunch);
    assertExit(r, 31, 0, 2, L2_RIP + 5, 'l1WantsMsr');
    const w = setup([0xb9, 0x74, 0x01, 0, 0, 0x0f, 0x30]); // wrmsr
    exec(w, I.vmlaunch);
    assertExit(w, 32, 0, 2, L2_RIP + 5, 'l1WantsMsr');
  });

  it('VMCALL: always reflected, length 3', () => {
    const r = setup(I.vmcall);
    exec(r, I.vmlaunch);
    assertExit(r, 18, 0, 3, L2_RIP, 'l1WantsVmcall');
  });

  it('#UD with exception-bitmap bit 6: reason 0, interruption info 0x80000306', () => {
    const r = setup([0x0f, 0x0b], 0, 1 << 6); // ud2
    exec(r, I.vmlaunch);
    assertExit(r, 0, 0, 0, L2_RIP, 'l1WantsException');
    assert.equal(r.s.vmcs12.lo(VMCS.VM_EXIT_INTR_INFO), 0x80000306);
  });

  it('#UD without the bitmap bit is delivered through L2\'s IDT (no exit)', () => {
    const r = setup([0x0f, 0x0b]);
    const v = r.s.vmcs12, cpu = r.cpu;
    v.set(VMCS.GUEST_GDTR_BASE, cpu.gdtrBase);
    v.set(VMCS.GUEST_GDTR_LIMIT, cpu.gdtrLimit);
    v.set(VMCS.GUEST_IDTR_BASE, cpu.idtrBase);
    v.set(VMCS.GUEST_IDTR_LIMIT, cpu.idtrLimit);
    exec(r, I.vmlaunch);
    assert.equal(r.s.level, 2);
    assert.ok(!transitions(r).some((e) => e.type === 'reflect'));
    assert.ok(r.events.some((e) => e.kind === 'exception' && e.vector === 6));
  });

  it('a triple fault in L2 is reflected as reason 2 (l1WantsTripleFault)', () => {
    const r = setup([0x0f, 0x0b]); // #UD with IDTR base 0: delivery faults -> #DF -> triple fault
    r.s.vmcs12.set(VMCS.GUEST_IDTR_LIMIT, 0);
    exec(r, I.vmlaunch);
    assertExit(r, 2, 0, 0, L2_RIP, 'l1WantsTripleFault');
    assert.equal(r.cpu.shutdown, false);
  });

  it('VMRESUME resumes L2 from VMCS12 guest state', () => {
    const r = setup([0x0f, 0xa2, ...I.vmcall]); // cpuid; vmcall
    exec(r, I.vmlaunch);
    assertExit(r, 10, 0, 2, L2_RIP, 'l1WantsCpuid');
    const v = r.s.vmcs12;
    v.set(VMCS.GUEST_RIP, L2_RIP + 2);
    exec(r, I.vmresume);
    assert.equal(r.s.level, 1);
    assert.equal(v.lo(VMCS.VM_EXIT_REASON), 18);
    assert.equal(v.lo(VMCS.GUEST_RIP), L2_RIP + 2);
    assert.deepEqual(transitions(r).map((e) => e.reasonName), ['VMLAUNCH', 'CPUID', 'VMRESUME', 'VMCALL']);
  });

  it('a CPUID round-trip loop stays exact once its blocks are JIT-compiled', () => {
    // L1: vmlaunch; loop: mov ecx, GUEST_RIP; mov eax, L2_RIP; vmwrite rcx, rax; vmresume
    // with HOST_RIP = loop. L2: cpuid. GPRs are shared, so the loop reloads them.
    const r = setup([0x0f, 0xa2]);
    const loop = CODE + I.vmlaunch.length;
    r.s.vmcs12.set(VMCS.HOST_RIP, loop);
    const l1 = [...I.vmlaunch, 0xb9, 0x1e, 0x68, 0, 0, 0xb8, ...[0, 0, 0x18, 0], ...I.vmwriteRcxRax, ...I.vmresume];
    r.mem.writeBytes(CODE, Uint8Array.from(l1));
    r.cpu.flushCodeCache();
    r.cpu.rip = CODE;
    r.cpu.halted = false;
    r.cpu.run(3000);
    const t = transitions(r);
    assert.ok(t.length > 200, `only ${t.length} transitions`);
    t.forEach((e, k) => assert.equal(e.reasonName, k === 0 ? 'VMLAUNCH' : k % 2 ? 'CPUID' : 'VMRESUME'));
    assert.equal(r.s.vmcs12.lo(VMCS.GUEST_RIP), L2_RIP);
    assert.equal(notImpl(r).length, 0);
  });

  // The #UD + "not implemented" refusal (unsupportedForL2) is unreachable
  // under `max`: every control its capability MSRs allow is one L0 runs L2
  // with. The unimplemented ones fail VM entry with VMfailValid(7) instead,
  // tested in cpu-model.test.ts; this guards the other half of that contract.
  it('every control the max capability MSRs allow is one L0 implements for L2', () => {
    const r = setup([0x0f, 0xa2]);
    const c = r.s.caps, v = r.s.vmcs12;
    assert.equal(unsupportedForL2(v), null);
    const words: [number, number][] = [
      [VMCS.PIN_BASED_VM_EXEC_CONTROL, c.pin1], [VMCS.CPU_BASED_VM_EXEC_CONTROL, c.proc1],
      [VMCS.VM_EXIT_CONTROLS, c.exit1], [VMCS.VM_ENTRY_CONTROLS, c.entry1],
    ];
    for (const [field, allowed1] of words) {
      const base = v.lo(field) >>> 0;
      for (let b = 0; b < 32; b++) {
        if (!((allowed1 >>> b) & 1)) continue;
        v.set(field, (base | (1 << b)) >>> 0);
        assert.equal(unsupportedForL2(v), null, `field 0x${field.toString(16)} bit ${b}`);
        v.set(field, base);
      }
    }
    const primary = v.lo(VMCS.CPU_BASED_VM_EXEC_CONTROL) >>> 0;
    v.set(VMCS.CPU_BASED_VM_EXEC_CONTROL, (primary | PRIMARY.ACTIVATE_SECONDARY_CONTROLS) >>> 0);
    for (let b = 0; b < 32; b++) {
      if (!((c.proc2_1 >>> b) & 1)) continue;
      v.set(VMCS.SECONDARY_VM_EXEC_CONTROL, (1 << b) >>> 0);
      assert.equal(unsupportedForL2(v), null, `secondary bit ${b}`);
    }
    // L0 refuses activity states other than active/HLT; max offers neither shutdown nor wait-for-SIPI (IA32_VMX_MISC[8:7]).
    assert.equal((c.miscLo >>> 7) & 3, 0);
  });

  it('VMX instructions in L2 exit to L1 (VMXOFF: reason 26, length 3)', () => {
    const r = setup(I.vmxoff);
    exec(r, I.vmlaunch);
    assertExit(r, 26, 0, 3, L2_RIP, 'l1WantsVmxInstruction');
  });
});
