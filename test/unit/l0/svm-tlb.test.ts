// What L0 keeps across world switches instead of flushing it (AMD APM vol 2
// §15.16 TLB control): L1's and L2's TLB entries in per-level banks
// (l0/svm-tlb.ts), NPT02 (l0/svm-npt02.ts) and the merged MSRPM/IOPM
// (l0/svm-vmcb02.ts). Kept state must never serve the wrong level, must go
// when TLB_CONTROL, CR3, INVLPGA ask, and must follow L1's writes to the
// permission maps and code pages.
import { strict as assert } from 'assert';
import { makeSvmRig, validVmcb12, runL1, intercept, get, set, SvmRig, VMCB12, MSRPM, L2_RIP, I } from './svm-rig';
import { currentNpt02 } from '../../../emulator/l0';
import { VMCB_OFF } from '../../../emulator/svm/vmcb-layout';
import { msrpmBit } from '../../../emulator/svm/intercepts';

const X = 0x800010; // a linear address L1 and L2 map differently
const L2_PML4 = 0x600000;
const d32 = (v: number): number[] => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];
const MOV_RAX_X = [0x48, 0x8b, 0x04, 0x25, ...d32(X)];
const MOV_RDX_X = [0x48, 0x8b, 0x14, 0x25, ...d32(X)];
const MOV_RBX_X = [0x48, 0x8b, 0x1c, 0x25, ...d32(X)];
const CPUID = [0x0f, 0xa2];
/** mov qword [VMCB12.RIP], L2_RIP: L1 resumes L2 at its first instruction. */
const RESET_L2_RIP = [0x48, 0xc7, 0x04, 0x25, ...d32(VMCB12 + VMCB_OFF.RIP), ...d32(L2_RIP)];

/**
 * L2's own page tables at L2_PML4: L1's identity map (2 MiB pages) except
 * that linear 8..10 MiB maps to physical `page` (12 MiB unless told).
 */
function l2Tables(r: SvmRig, page = 0xc00000): void {
  const w = (a: number, v: number): void => { r.mem.write(a, 4, v >>> 0); r.mem.write(a + 4, 4, 0); };
  w(L2_PML4, (L2_PML4 + 0x1000) | 7);
  w(L2_PML4 + 0x1000, (L2_PML4 + 0x2000) | 7);
  for (let k = 0; k < 512; k++) w(L2_PML4 + 0x2000 + k * 8, r.mem.read(0x3000 + k * 8, 4));
  remapX(r, page);
  set(r, 'CR3', L2_PML4);
}
const remapX = (r: SvmRig, page: number): void => r.mem.write(L2_PML4 + 0x2000 + 4 * 8, 4, (page | 0x87) >>> 0);

function rig(): SvmRig {
  const r = makeSvmRig();
  r.mem.write(X, 4, 0x11111111);
  r.mem.write(0xc00000 + (X & 0x1fffff), 4, 0x22222222);
  r.mem.write(0xe00000 + (X & 0x1fffff), 4, 0x33333333);
  validVmcb12(r, [...MOV_RAX_X, ...CPUID]);
  intercept(r, 'CPUID');
  l2Tables(r);
  return r;
}

/** L1 reads X, runs L2 (which reads X and exits on CPUID), reads X again: [L1 before, L2, L1 after]. */
function roundTrip(r: SvmRig, before: number[] = []): [number, number, number] {
  runL1(r, [...before, ...RESET_L2_RIP, ...MOV_RDX_X, ...I.vmrun, ...MOV_RBX_X]);
  assert.equal(get(r, 'EXITCODE'), 0x72, 'L2 exited on CPUID');
  return [r.cpu.regs[4] >>> 0, get(r, 'RAX'), r.cpu.regs[6] >>> 0];
}

describe('l0 nested SVM: TLB banks, kept NPT02, check memo and merged maps (APM 15.16)', () => {
  it('L1 and L2 translations of the same linear address never serve each other, round trip after round trip', () => {
    const r = rig();
    assert.deepEqual(roundTrip(r), [0x11111111, 0x22222222, 0x11111111]);
    assert.ok(r.s.tlbL2.valid, 'L2\'s entries were kept in its bank, not flushed');
    assert.deepEqual(roundTrip(r), [0x11111111, 0x22222222, 0x11111111]);
    assert.deepEqual(roundTrip(r), [0x11111111, 0x22222222, 0x11111111]);
  });

  it('TLB_CONTROL = 0 keeps L2\'s translations (L1 changed its tables without a flush); 1 flushes them', () => {
    const r = rig();
    roundTrip(r);
    remapX(r, 0xe00000);
    // §15.16.1: without a flush request L2 may go on using the old translation (we keep it).
    assert.equal(roundTrip(r)[1], 0x22222222);
    set(r, 'TLB_CONTROL', 1);
    assert.equal(roundTrip(r)[1], 0x33333333);
    assert.equal(roundTrip(r)[2], 0x11111111, 'L1 unaffected');
  });

  it('another CR3 in VMCB12 or INVLPGA by L1: L2 translates afresh', () => {
    const r = rig();
    roundTrip(r);
    set(r, 'CR3', 0x1000); // L1's own tables
    assert.equal(roundTrip(r)[1], 0x11111111);
    set(r, 'CR3', L2_PML4);
    assert.equal(roundTrip(r)[1], 0x22222222);
    remapX(r, 0xe00000);
    // mov eax, X; mov ecx, 1; invlpga; mov eax, VMCB12 (APM §15.16.2)
    const invlpga = [0xb8, ...d32(X), 0xb9, 1, 0, 0, 0, ...I.invlpga, 0xb8, ...d32(VMCB12)];
    assert.equal(roundTrip(r, invlpga)[1], 0x33333333);
  });

  it('a page L2 wrote becomes code while L2 waits: L2\'s next write to it still invalidates the decoded code', () => {
    const P = 0x210000;
    const r = makeSvmRig();
    r.mem.writeBytes(P, Uint8Array.from([0xb9, 1, 0, 0, 0, 0xc3])); // mov ecx, imm32; ret
    validVmcb12(r, [0x88, 0x14, 0x25, ...d32(P + 1), ...CPUID]); // mov [P+1], dl; cpuid
    intercept(r, 'CPUID');
    runL1(r, [
      0xb2, 2, ...I.vmrun, // L2 patches the immediate to 2
      0xbe, ...d32(P), 0xff, 0xd6, 0x41, 0x89, 0xc8, // call P (now code); r8d = ecx
      0xb2, 3, ...RESET_L2_RIP, ...I.vmrun, // L2 patches it to 3 through the entries it kept
      0xff, 0xd6, // call P
    ]);
    assert.equal(r.cpu.regs[16] >>> 0, 2);
    assert.equal(r.cpu.regs[2] >>> 0, 3, 'the second call ran the code L2 wrote');
  });

  it('NPT02 is kept for the same N_CR3 with TLB_CONTROL = 0 and rebuilt with TLB_CONTROL = 1', () => {
    const r = rig();
    const NPT = 0x500000;
    const w = (a: number, lo: number): void => { r.mem.write(a, 4, lo >>> 0); r.mem.write(a + 4, 4, 0); };
    w(NPT, (NPT + 0x1000) | 7);
    w(NPT + 0x1000, (NPT + 0x2000) | 7);
    for (let k = 0; k < 512; k++) w(NPT + 0x2000 + k * 8, (k * 0x200000 + 0x87) >>> 0);
    set(r, 'NESTED_CTL', 1);
    set(r, 'N_CR3', NPT);
    set(r, 'G_PAT', 0x00070406, 0x00070406);
    assert.deepEqual(roundTrip(r), [0x11111111, 0x22222222, 0x11111111]);
    const n = currentNpt02(r.s)!;
    const walks = n.walks;
    assert.ok(walks > 0);
    assert.deepEqual(roundTrip(r), [0x11111111, 0x22222222, 0x11111111]);
    assert.equal(currentNpt02(r.s), n, 'the same shadow');
    assert.equal(n.walks, walks, 'L2\'s kept TLB entries needed no NPT12 walk');
    set(r, 'TLB_CONTROL', 1);
    assert.deepEqual(roundTrip(r), [0x11111111, 0x22222222, 0x11111111]);
    assert.notEqual(currentNpt02(r.s), n, 'a fresh shadow after the flush');
  });

  it('the consistency checks answered from what they read last time: a changed field or PDPTE still fails VMRUN', () => {
    const r = makeSvmRig();
    validVmcb12(r, CPUID);
    intercept(r, 'CPUID', 'EXCP_14', 'SHUTDOWN');
    runL1(r, I.vmrun);
    assert.equal(get(r, 'EXITCODE'), 0x72);
    set(r, 'EFER', 0x0d01); // SVME clear
    runL1(r, [...RESET_L2_RIP, ...I.vmrun]);
    assert.equal(get(r, 'EXITCODE') >>> 0, 0xffffffff, 'VMEXIT_INVALID (SVM-EFER-SVME), not the memo of the last pass');
    // A legacy-PAE L2 without NP: its PDPTEs are read from memory at VMRUN (SVM-PDPTE).
    set(r, 'EFER', 0x1000);
    set(r, 'CR0', 0x80000011);
    set(r, 'CR4', 0x20);
    set(r, 'CR3', 0x700000);
    set(r, 'CS.attrib', 0xc9b);
    for (let k = 0; k < 32; k += 4) r.mem.write(0x700000 + k, 4, 0);
    runL1(r, [...RESET_L2_RIP, ...I.vmrun]);
    assert.notEqual(get(r, 'EXITCODE') >>> 0, 0xffffffff, 'passes with no PDPTE present');
    r.mem.write(0x700008, 4, 0x1007); // PDPTE1 present with reserved bits 2:1
    runL1(r, [...RESET_L2_RIP, ...I.vmrun]);
    assert.equal(get(r, 'EXITCODE') >>> 0, 0xffffffff, 'fails SVM-PDPTE: the memo re-reads memory');
  });

  it('L1 writes its MSRPM between VMRUNs: the merged map follows (APM 15.11)', () => {
    const r = makeSvmRig();
    validVmcb12(r, [0xb9, 0x74, 0x01, 0, 0, 0x0f, 0x32, ...CPUID]); // mov ecx, 0x174; rdmsr; cpuid
    intercept(r, 'CPUID', 'MSR_PROT');
    runL1(r, I.vmrun);
    assert.equal(get(r, 'EXITCODE'), 0x72, 'RDMSR of SYSENTER_CS not intercepted');
    const bit = msrpmBit(0x174, false);
    // mov byte [MSRPM + bit/8], 1 << bit%8 (through L1's TLB, a fast-path write)
    runL1(r, [0xc6, 0x04, 0x25, ...d32(MSRPM + (bit >>> 3)), 1 << (bit & 7), ...RESET_L2_RIP, ...I.vmrun]);
    assert.equal(get(r, 'EXITCODE'), 0x7c, 'now VMEXIT_MSR');
    runL1(r, [0xc6, 0x04, 0x25, ...d32(MSRPM + (bit >>> 3)), 0, ...RESET_L2_RIP, ...I.vmrun]);
    assert.equal(get(r, 'EXITCODE'), 0x72, 'and back');
  });
});
