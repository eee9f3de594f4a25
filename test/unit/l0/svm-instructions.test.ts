// The SVM instructions as L1 executes them (AMD APM vol 3 VMRUN, VMLOAD,
// VMSAVE, STGI, CLGI, VMMCALL, SKINIT, INVLPGA; vol 2 §15.4, §15.5.2,
// §15.17) and the SVM MSRs (§15.30): #UD without EFER.SVME, #GP(0) at
// CPL > 0 and for a bad rAX, VMLOAD/VMSAVE fields, GIF.
import { strict as assert } from 'assert';
import { makeSvmRig, runL1, I, SvmRig, VMCB12, VMCB_B, diagnostics } from './svm-rig';
import { enterUser, stubVector, makeSysRig } from '../../support/sysrig';
import { EFER_SVME, FS, TR } from '../../../emulator/x86/regs';
import { readMsr } from '../../../emulator/x86/msr';
import { vmcbInMemory, writeField, writeSegment, readLo, readHi, readSegment } from '../../../emulator/svm/vmcb-access';
import { parseCpuPolicy } from '../../../emulator/x86/cpu-model';

/** '#UD', '#GP(0)' or 'ok' for the first exception the run raised. */
function outcome(r: SvmRig): string {
  const ex = r.events.find((e) => e.kind === 'exception') as { vector: number; errorCode?: number } | undefined;
  if (!ex) return 'ok';
  return ex.vector === 6 ? '#UD' : ex.vector === 13 ? `#GP(${ex.errorCode ?? 0})` : `#${ex.vector}`;
}

function run(r: SvmRig, code: number[], rax = VMCB_B): string {
  r.events.length = 0;
  runL1(r, code, rax);
  return outcome(r);
}

const wrmsr = (msr: number, lo: number, hi = 0): number[] => [
  0xb9, msr & 0xff, (msr >>> 8) & 0xff, (msr >>> 16) & 0xff, msr >>> 24, // mov ecx, msr
  0xb8, lo & 0xff, (lo >>> 8) & 0xff, (lo >>> 16) & 0xff, lo >>> 24, // mov eax, lo
  0xba, hi & 0xff, (hi >>> 8) & 0xff, (hi >>> 16) & 0xff, hi >>> 24, // mov edx, hi
  0x0f, 0x30,
];

describe('l0 nested SVM: instruction faults (APM vol 3, vol 2 15.4-15.5)', () => {
  it('EFER.SVME = 0: VMRUN, VMLOAD, VMSAVE, STGI, CLGI, INVLPGA, SKINIT are #UD; VMMCALL is #UD', () => {
    for (const [name, code] of Object.entries(I)) {
      const r = makeSvmRig();
      r.cpu.efer = (r.cpu.efer & ~EFER_SVME) >>> 0;
      assert.equal(run(r, code), '#UD', name);
      assert.equal(stubVector(r.cpu), 6, name);
    }
  });

  it('the #UD names its check in a diagnostic', () => {
    const r = makeSvmRig();
    r.cpu.efer = (r.cpu.efer & ~EFER_SVME) >>> 0;
    run(r, I.vmrun);
    assert.ok(diagnostics(r, 'vmrun-check').some((m) => m.includes('SVM-INSN-UD-SVME')));
  });

  it('CPL 3: #GP(0) for VMRUN, VMLOAD, VMSAVE, STGI, CLGI, INVLPGA, SKINIT; VMMCALL stays #UD', () => {
    for (const [name, code] of Object.entries(I)) {
      const r = makeSvmRig();
      enterUser(r);
      assert.equal(run(r, code), name === 'vmmcall' ? '#UD' : '#GP(0)', name);
    }
  });

  it('rAX not 4 KiB aligned or at/above 2^MAXPHYADDR (40): #GP(0) for VMRUN, VMLOAD, VMSAVE', () => {
    for (const code of [I.vmrun, I.vmload, I.vmsave]) {
      assert.equal(run(makeSvmRig(), code, VMCB_B + 8), '#GP(0)');
      assert.equal(run(makeSvmRig(), code, 2 ** 40), '#GP(0)');
      assert.equal(run(makeSvmRig(), code, 2 ** 40 - 4096), 'ok', 'the last page below 2^40 is a legal operand');
    }
  });

  it('VMRUN with VM_HSAVE_PA = 0: #GP(0) (SVM-INSN-HSAVE)', () => {
    const r = makeSvmRig();
    r.s.hsaveLo = 0;
    assert.equal(run(r, I.vmrun, VMCB12), '#GP(0)');
    assert.ok(diagnostics(r, 'vmrun-check').some((m) => m.includes('SVM-INSN-HSAVE')));
  });

  it('SKINIT with SVM on is not implemented: #UD + "not implemented: SKINIT"', () => {
    const r = makeSvmRig();
    assert.equal(run(r, I.skinit), '#UD');
    assert.ok(diagnostics(r, 'not-implemented').some((m) => m.includes('SKINIT')));
  });
});

describe('l0 nested SVM: VMLOAD / VMSAVE (APM 15.5.2)', () => {
  it('VMLOAD loads FS, TR, KernelGSBase, STAR, LSTAR, SYSENTER_*, canonicalizing bases; VMSAVE stores them back', () => {
    const r = makeSvmRig();
    const v = vmcbInMemory(r.mem, VMCB_B);
    writeSegment(v, 'FS', { selector: 0x33, attrib: 0xc93, limit: 0xfffff, baseLo: 0x1000, baseHi: 0x8000 }); // bit 47 set: non-canonical
    writeSegment(v, 'TR', { selector: 0x48, attrib: 0x08b, limit: 0x67, baseLo: 0xa000, baseHi: 0 });
    writeField(v, 'KERNEL_GS_BASE', 0x2000, 0x00012345); // non-canonical
    writeField(v, 'STAR', 0x11112222, 0x00230010);
    writeField(v, 'LSTAR', 0x401000, 0xffffffff);
    writeField(v, 'SYSENTER_CS', 0x10);
    writeField(v, 'SYSENTER_EIP', 0xdead0000);
    assert.equal(run(r, I.vmload), 'ok');
    const cpu = r.cpu;
    assert.equal(cpu.segSel[FS], 0x33);
    assert.equal(cpu.segLimit[FS], 0xfffff);
    assert.equal(cpu.segSel[TR], 0x48);
    assert.equal(cpu.star, 0x11112222);
    assert.equal(cpu.starHi, 0x00230010);
    assert.equal(cpu.sysenterEip, 0xdead0000);
    // VMSAVE into another page: canonical values (kvm-unit-tests test_canonicalization).
    assert.equal(run(r, I.vmsave, VMCB12), 'ok');
    const w = vmcbInMemory(r.mem, VMCB12);
    const fs = readSegment(w, 'FS');
    assert.equal(fs.baseLo, 0x1000);
    assert.equal(fs.baseHi, 0xffff8000, 'FS base sign-extended from bit 47');
    assert.equal(fs.attrib, 0xc93);
    assert.equal(readHi(w, 'KERNEL_GS_BASE'), 0x00002345 | 0, 'bits 63:48 cleared (bit 47 = 0)');
    assert.equal(readLo(w, 'LSTAR'), 0x401000);
    assert.equal(readHi(w, 'LSTAR'), 0xffffffff);
    assert.equal(readLo(w, 'SYSENTER_CS'), 0x10);
    assert.equal(readSegment(w, 'TR').limit, 0x67);
  });

  it('VMLOAD does not touch ES/CS/SS/DS, RIP or RSP (VMRUN-only fields)', () => {
    const r = makeSvmRig();
    const v = vmcbInMemory(r.mem, VMCB_B);
    writeSegment(v, 'CS', { selector: 0x99, attrib: 0, limit: 0, baseLo: 0, baseHi: 0 });
    writeField(v, 'RSP', 0x1234);
    assert.equal(run(r, I.vmload), 'ok');
    assert.equal(r.cpu.segSel[1], 0x08);
  });
});

describe('l0 nested SVM: GIF (APM 15.17)', () => {
  function withInterrupt(r: SvmRig, vector: number): { pending: boolean } {
    const st = { pending: false };
    const ic = r.cpu.plat.intc as unknown as { hasInterrupt(): boolean; acknowledge(): number };
    ic.hasInterrupt = () => st.pending;
    ic.acknowledge = () => { st.pending = false; return vector; };
    return st;
  }

  it('CLGI holds a pending interrupt with IF = 1; STGI lets it in at the next boundary', () => {
    const r = makeSvmRig();
    const st = withInterrupt(r, 0x30);
    st.pending = true;
    // clgi; sti; nop; nop; stgi; nop
    assert.equal(run(r, [...I.clgi, 0xfb, 0x90, 0x90, ...I.stgi, 0x90]), 'ok');
    assert.equal(stubVector(r.cpu), 0x30);
    assert.equal(st.pending, false);
    // The interrupt frame's RIP is the instruction after STGI.
    const frameRip = r.mem.read((r.cpu.regs[8] >>> 0), 4);
    assert.equal(frameRip, 0x100000 + 9);
  });

  it('CLGI/STGI toggle the GIF L0 keeps for L1', () => {
    const r = makeSvmRig();
    run(r, I.clgi);
    assert.equal(r.s.gif, false);
    run(r, I.stgi);
    assert.equal(r.s.gif, true);
  });

  it('clearing EFER.SVME puts GIF back to 1 (otherwise STGI could never run again)', () => {
    const r = makeSvmRig();
    run(r, [...I.clgi, ...wrmsr(0xc0000080, 0xd01)]);
    assert.equal(r.cpu.efer & EFER_SVME, 0);
    assert.equal(r.s.gif, true);
  });
});

describe('l0 nested SVM: VM_CR, VM_HSAVE_PA and EFER.SVME (APM 15.30, 15.4)', () => {
  it('VM_HSAVE_PA: aligned value below MAXPHYADDR is stored; bits 11:0 or beyond 2^40 are #GP(0)', () => {
    const r = makeSvmRig();
    assert.equal(run(r, wrmsr(0xc0010117, 0x7000)), 'ok');
    assert.equal(readMsr(r.cpu, 0xc0010117), 0x7000);
    assert.equal(run(r, wrmsr(0xc0010117, 0x7008)), '#GP(0)');
    assert.equal(run(r, wrmsr(0xc0010117, 0, 0x100)), '#GP(0)');
    assert.equal(r.s.hsaveLo, 0x7000);
  });

  it('VM_CR: reserved bits #GP; SVMDIS with EFER.SVME = 1 #GP; EFER.SVME with SVMDIS #GP; LOCK freezes SVMDIS', () => {
    const r = makeSvmRig();
    assert.equal(run(r, wrmsr(0xc0010114, 0x20)), '#GP(0)');
    assert.equal(run(r, wrmsr(0xc0010114, 0x10)), '#GP(0)', 'SVMDIS while SVME = 1');
    assert.equal(run(r, [...wrmsr(0xc0000080, 0xd01), ...wrmsr(0xc0010114, 0x18)]), 'ok', 'SVMDIS | LOCK with SVME = 0');
    assert.equal(readMsr(r.cpu, 0xc0010114), 0x18);
    assert.equal(run(r, wrmsr(0xc0000080, 0x1d01)), '#GP(0)', 'EFER.SVME while SVMDIS = 1');
    assert.equal(run(r, wrmsr(0xc0010114, 0)), 'ok', 'LOCK: the write of SVMDIS/LOCK is ignored');
    assert.equal(readMsr(r.cpu, 0xc0010114), 0x18);
  });

  it('VM_CR.R_INIT is not modelled: #GP(0) + "not implemented"', () => {
    const r = makeSvmRig();
    assert.equal(run(r, wrmsr(0xc0010114, 0x2)), '#GP(0)');
    assert.ok(diagnostics(r, 'not-implemented').some((m) => m.includes('R_INIT')));
  });

  it('a CPU policy without SVM: CPUID 8000_0001 ECX.SVM = 0, leaf 8000_000A zero, EFER.SVME #GP', () => {
    const m = parseCpuPolicy('qemu64,-svm');
    assert.equal(m.cpuid(0x80000001, 0)[2] & 4, 0);
    assert.deepEqual(m.cpuid(0x8000000a, 0), [0, 0, 0, 0]);
    const q = parseCpuPolicy('qemu64,+svm');
    assert.equal(q.cpuid(0x80000001, 0)[2] & 4, 4);
    assert.equal(q.cpuid(0x8000000a, 0)[3], 0, 'qemu64,+svm advertises no SVM sub-feature');
    const r = makeSysRig('long64', m) as SvmRig;
    assert.equal(run(r, wrmsr(0xc0000080, 0x1d01)), '#GP(0)');
  });
});
