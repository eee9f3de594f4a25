// VMRUN from L1 (AMD APM vol 2 §15.5) and the #VMEXITs L0 reflects
// (§15.6, App. C): L2 runs, the intercepted event comes back to L1 with
// VMCB12 written as hardware writes it; VMEXIT_INVALID names its check.
import { strict as assert } from 'assert';
import {
  makeSvmRig, validVmcb12, vmrun, runL1, I, intercept, get, getHi, set, transitions, diagnostics, SvmRig, VMCB12, L2_RIP, L2_RSP, IOPM, MSRPM,
} from './svm-rig';
import { CODE } from '../../support/snippet';
import { stubVector } from '../../support/sysrig';

/** L1 is back after its VMRUN (halted on the hlt after it), in 64-bit mode, GIF = 0. */
function assertBackInL1(r: SvmRig): void {
  assert.equal(r.s.level, 1);
  assert.equal(r.cpu.rip, CODE + 4, 'L1 resumes after VMRUN (and halts on the next hlt)');
  assert.equal(r.s.gif, false, '#VMEXIT clears GIF (APM §15.17)');
  assert.equal(r.cpu.getReg(0, 8), VMCB12, 'RAX is L1\'s again');
}

function assertExit(r: SvmRig, code: number, info1: number, info2: number, rip: number, rule: string): void {
  assertBackInL1(r);
  assert.equal(get(r, 'EXITCODE'), code);
  assert.equal(getHi(r, 'EXITCODE'), 0, 'EXITCODE bits 63:32 are 0 for ordinary exits');
  assert.equal(get(r, 'EXITINFO1'), info1);
  assert.equal(get(r, 'EXITINFO2'), info2);
  assert.equal(get(r, 'EXITINTINFO'), 0);
  assert.equal(get(r, 'RIP'), rip, 'VMCB12 RIP = the intercepted instruction');
  assert.equal(get(r, 'RSP'), L2_RSP);
  const t = transitions(r);
  assert.deepEqual(t.map((e) => `${e.type} L${e.from}->L${e.to}`), ['entry L1->L2', 'reflect L2->L1']);
  assert.equal(t[1].reason, code);
  assert.equal(t[1].arch, 'svm');
  assert.equal(t[1].rule, rule);
  assert.equal(t[1].handledBy, 'L1');
}

describe('l0 nested SVM: VMRUN and reflected #VMEXITs (APM 15.5, 15.6)', () => {
  it('CPUID intercepted: #VMEXIT(VMEXIT_CPUID) with VMCB12 written, L2 state saved, L1 restored', () => {
    const r = makeSvmRig();
    validVmcb12(r, [0x48, 0xc7, 0xc0, 0x55, 0, 0, 0, 0x0f, 0xa2]); // mov rax, 0x55; cpuid
    intercept(r, 'CPUID');
    vmrun(r);
    assertExit(r, 0x72, 0, 0, L2_RIP + 7, 'l1InterceptsCpuid');
    assert.equal(get(r, 'RAX'), 0x55, 'L2 RAX saved into VMCB12');
    assert.equal(get(r, 'CPL'), 0);
    assert.equal(get(r, 'CS.selector'), 0x08);
    assert.equal(get(r, 'CS.attrib'), 0xa9b);
    assert.equal(get(r, 'EFER'), 0x1d01);
    assert.equal(get(r, 'INTERRUPT_STATE'), 0, 'no shadow, L2 IF = 0');
    assert.equal(transitions(r)[1].reasonName, 'VMEXIT_CPUID');
    // VMCB02 is what L2 ran under: CPUID intercept (VMCB12's) | L0's VMLOAD intercept.
    const d = new DataView(r.s.vmcb02.buffer);
    assert.ok(d.getUint32(0xc, true) & (1 << 18), 'CPUID intercept in VMCB02');
    assert.ok(d.getUint32(0x10, true) & (1 << 2), 'L0 intercepts VMLOAD in VMCB02');
    assert.equal(d.getUint32(0x58, true) !== 0, true, 'L0 chose an ASID');
    assert.equal(d.getUint32(0x70, true), 0x72, 'VMCB02 holds the exit too');
  });

  it('CPUID not intercepted: L2 executes it and halts (HLT not intercepted)', () => {
    const r = makeSvmRig();
    validVmcb12(r, [0x31, 0xc0, 0x0f, 0xa2]); // xor eax,eax; cpuid
    vmrun(r);
    assert.equal(r.s.level, 2);
    assert.equal(r.cpu.halted, true);
    assert.equal(r.cpu.rip, L2_RIP + 5);
    assert.equal(r.s.gif, true, 'VMRUN sets GIF');
  });

  it('HLT intercepted: VMEXIT_HLT', () => {
    const r = makeSvmRig();
    validVmcb12(r, [0x90]);
    intercept(r, 'HLT');
    vmrun(r);
    assertExit(r, 0x78, 0, 0, L2_RIP + 1, 'l1InterceptsHlt');
  });

  it('IOIO: IOPM bit set -> VMEXIT_IOIO with EXITINFO1 per APM 15.10.2 and EXITINFO2 = next RIP; bit clear -> the OUT happens', () => {
    const r = makeSvmRig();
    validVmcb12(r, [0xe6, 0x80, 0x66, 0xe5, 0x71]); // out 0x80, al; in ax, 0x71
    intercept(r, 'IOIO_PROT');
    r.mem.write(IOPM + (0x71 >>> 3), 1, 1 << (0x71 & 7)); // only port 0x71
    vmrun(r);
    // in ax, 0x71: TYPE=IN, SZ16, A64 (64-bit address size), port 0x71.
    assertExit(r, 0x7b, (0x71 << 16) | (1 << 9) | (1 << 5) | 1, L2_RIP + 5, L2_RIP + 2, 'l1InterceptsIoio');
    assert.deepEqual(r.ports.map((p) => p.port), [0x80], 'the OUT to 0x80 was not intercepted');
  });

  it('IOIO: a 2-byte access intercepted by the bit of its second port', () => {
    const r = makeSvmRig();
    validVmcb12(r, [0x66, 0xe7, 0x87]); // out 0x87, ax  (ports 0x87, 0x88)
    intercept(r, 'IOIO_PROT');
    r.mem.write(IOPM + (0x88 >>> 3), 1, 1 << (0x88 & 7));
    vmrun(r);
    assertExit(r, 0x7b, (0x87 << 16) | (1 << 9) | (1 << 5), L2_RIP + 3, L2_RIP, 'l1InterceptsIoio');
  });

  it('MSR: MSRPM read bit -> VMEXIT_MSR EXITINFO1 = 0; write bit clear -> WRMSR executes in L2', () => {
    const r = makeSvmRig();
    // mov ecx, 0xc0000081 (STAR); xor eax,eax; xor edx,edx; wrmsr; rdmsr
    validVmcb12(r, [0xb9, 0x81, 0, 0, 0xc0, 0x31, 0xc0, 0x31, 0xd2, 0x0f, 0x30, 0x0f, 0x32]);
    intercept(r, 'MSR_PROT');
    const bit = 0x800 * 8 + 0x81 * 2; // read bit of C000_0081
    r.mem.write(MSRPM + (bit >>> 3), 1, 1 << (bit & 7));
    vmrun(r);
    assertExit(r, 0x7c, 0, 0, L2_RIP + 11, 'l1InterceptsMsr');
  });

  it('MSR: an MSR outside the three MSRPM ranges always exits with MSR_PROT', () => {
    const r = makeSvmRig();
    validVmcb12(r, [0xb9, 0, 0, 0, 0x40, 0x0f, 0x32]); // mov ecx, 0x40000000; rdmsr
    intercept(r, 'MSR_PROT');
    vmrun(r);
    assertExit(r, 0x7c, 0, 0, L2_RIP + 5, 'l1InterceptsMsr');
  });

  it('#UD intercepted: VMEXIT_EXCP_6 from ud2, RIP = the ud2', () => {
    const r = makeSvmRig();
    validVmcb12(r, [0x90, 0x0f, 0x0b]);
    intercept(r, 'EXCP_6');
    vmrun(r);
    assertExit(r, 0x46, 0, 0, L2_RIP + 1, 'l1InterceptsException');
  });

  it('#GP not intercepted: delivered through L2\'s IDT (L2 halts in the #GP stub)', () => {
    const r = makeSvmRig();
    validVmcb12(r, [0x0f, 0x22, 0xe0]); // mov cr4, rax with RAX=0x1234 (reserved bits): #GP
    intercept(r, 'EXCP_6');
    vmrun(r);
    assert.equal(r.s.level, 2);
    assert.equal(stubVector(r.cpu), 13);
  });

  it('#PF intercepted: EXITINFO1 = error code, EXITINFO2 = address, CR2 not written', () => {
    const r = makeSvmRig();
    validVmcb12(r, [0x48, 0xa1, 0, 0, 0, 0, 0x10, 0, 0, 0]); // mov rax, [0x1000000000] (not mapped)
    intercept(r, 'EXCP_14');
    set(r, 'CR2', 0x777);
    vmrun(r);
    assertExit(r, 0x4e, 0, 0, L2_RIP, 'l1InterceptsException');
    assert.equal(get(r, 'EXITINFO2'), 0, 'low half of 0x10_0000_0000');
    assert.equal(getHi(r, 'EXITINFO2'), 0x10);
    assert.equal(get(r, 'CR2'), 0x777, 'CR2 is not written by an intercepted #PF');
  });

  it('VMMCALL: intercepted -> VMEXIT_VMMCALL; not intercepted -> #UD in L2', () => {
    const r = makeSvmRig();
    validVmcb12(r, [0x0f, 0x01, 0xd9]);
    intercept(r, 'VMMCALL');
    vmrun(r);
    assertExit(r, 0x81, 0, 0, L2_RIP, 'l1InterceptsVmmcall');
    const r2 = makeSvmRig();
    validVmcb12(r2, [0x0f, 0x01, 0xd9]);
    vmrun(r2);
    assert.equal(r2.s.level, 2);
    assert.equal(stubVector(r2.cpu), 6);
  });

  it('VMRUN in L2 always exits to L1 (VMEXIT_VMRUN)', () => {
    const r = makeSvmRig();
    validVmcb12(r, [0x0f, 0x01, 0xd8]);
    vmrun(r);
    assertExit(r, 0x80, 0, 0, L2_RIP, 'l1InterceptsVmrun');
  });

  it('L2 triple fault with SHUTDOWN intercepted -> VMEXIT_SHUTDOWN', () => {
    const r = makeSvmRig();
    validVmcb12(r, [0x0f, 0x0b]); // ud2 with an empty IDT -> #GP -> #DF -> triple fault
    set(r, 'IDTR.limit', 0);
    intercept(r, 'SHUTDOWN');
    vmrun(r);
    assertBackInL1(r);
    assert.equal(get(r, 'EXITCODE'), 0x7f);
  });

  it('RESUME: L1 can VMRUN the same VMCB12 again after an exit (the exit RIP advanced by L1)', () => {
    const r = makeSvmRig();
    validVmcb12(r, [0x0f, 0xa2, 0x0f, 0xa2]);
    intercept(r, 'CPUID');
    vmrun(r);
    assert.equal(get(r, 'RIP'), L2_RIP);
    set(r, 'RIP', L2_RIP + 2);
    vmrun(r);
    assert.equal(get(r, 'RIP'), L2_RIP + 2);
    assert.equal(transitions(r).length, 4);
  });
});

describe('l0 nested SVM: VMEXIT_INVALID (APM 15.5.1 consistency checks)', () => {
  it('GUEST_ASID = 0: EXITCODE = -1 (64 bits), check SVM-ASID-ZERO named, GIF = 0, L2 never ran', () => {
    const r = makeSvmRig();
    validVmcb12(r, [0x0f, 0x0b]);
    set(r, 'GUEST_ASID', 0);
    set(r, 'EXITINFO1', 0x99);
    r.s.gif = true;
    vmrun(r);
    assertBackInL1(r);
    assert.equal(get(r, 'EXITCODE'), 0xffffffff);
    assert.equal(getHi(r, 'EXITCODE'), 0xffffffff);
    assert.equal(get(r, 'EXITINFO1'), 0);
    const t = transitions(r);
    assert.equal(t.length, 1);
    assert.equal(t[0].type, 'entry-fail');
    assert.equal(t[0].check?.id, 'SVM-ASID-ZERO');
    assert.equal(t[0].check?.field, 'GUEST_ASID');
    assert.match(t[0].check?.section ?? '', /APM 15\.5\.1/);
    assert.ok(diagnostics(r, 'vmrun-check').some((m) => m.includes('SVM-ASID-ZERO')));
  });

  it('VMRUN intercept clear, EFER.SVME = 0, MSRPM beyond MAXPHYADDR: each named', () => {
    const cases: [string, (r: SvmRig) => void][] = [
      ['SVM-VMRUN-INTERCEPT', (r) => set(r, 'INTERCEPT_MISC2', 0)],
      ['SVM-EFER-SVME', (r) => set(r, 'EFER', 0xd01)],
      ['SVM-MSRPM-ADDR', (r) => set(r, 'MSRPM_BASE_PA', 0xfffff000, 0xff)],
      ['SVM-EVENTINJ-TYPE', (r) => set(r, 'EVENTINJ', 0x80000100)],
    ];
    for (const [id, breakIt] of cases) {
      const r = makeSvmRig();
      validVmcb12(r);
      breakIt(r);
      vmrun(r);
      assert.equal(get(r, 'EXITCODE'), 0xffffffff, id);
      assert.equal(transitions(r)[0].check?.id, id);
    }
  });

  it('a VMCB12 in unbacked memory fails its checks without touching L1 (hostile address)', () => {
    const r = makeSvmRig();
    runL1(r, I.vmrun, 0x40000000); // 1 GiB: no RAM in the 16 MiB rig
    assert.equal(r.s.level, 1);
    assert.equal(transitions(r)[0].type, 'entry-fail');
  });
});
