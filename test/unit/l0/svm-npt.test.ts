// Nested paging for L2 (AMD APM vol 2 §15.25): NPT12 in L1 memory drives
// NPT02, L0's shadow, as the MMU's second stage; its faults are #VMEXIT(NPF)
// to L1 with EXITINFO1 bit 32 (final GPA) or bit 33 (L2's own page-table
// access) and EXITINFO2 = the L2-physical address (§15.25.6).
import { strict as assert } from 'assert';
import { makeSvmRig, validVmcb12, vmrun, intercept, get, getHi, set, transitions, SvmRig, L2_RIP } from './svm-rig';
import { currentNpt02 } from '../../../emulator/l0';

const NPT = 0x500000;

/** NPT12: L2-physical 0..16 MiB identity (2 MiB pages, user, writable) except the 2 MiB pages in `holes`. */
function npt12(r: SvmRig, holes: number[] = []): void {
  const w = (a: number, lo: number, hi = 0): void => { r.mem.write(a, 4, lo >>> 0); r.mem.write(a + 4, 4, hi); };
  for (let k = 0; k < 3 * 4096; k += 4) r.mem.write(NPT + k, 4, 0);
  w(NPT, (NPT + 0x1000) | 7);
  w(NPT + 0x1000, (NPT + 0x2000) | 7);
  for (let k = 0; k < 8; k++) if (!holes.includes(k)) w(NPT + 0x2000 + k * 8, (k << 21) | 0x87);
  set(r, 'NESTED_CTL', 1);
  set(r, 'N_CR3', NPT);
}

describe('l0 nested SVM: nested paging (APM 15.25)', () => {
  it('L2 runs through NPT12 (identity) and its CPUID exit is reflected as without NP', () => {
    const r = makeSvmRig();
    validVmcb12(r, [0x0f, 0xa2]);
    intercept(r, 'CPUID');
    npt12(r);
    vmrun(r);
    assert.equal(get(r, 'EXITCODE'), 0x72);
    assert.ok((currentNpt02(r.s)?.walks ?? 0) > 0, 'NPT02 was filled by NPT12 walks');
    assert.equal(r.cpu.mmu.stage2, null, 'L1 runs without a second stage after #VMEXIT');
  });

  it('final GPA not mapped by NPT12: #VMEXIT(NPF), EXITINFO1 = US | bit 32, EXITINFO2 = GPA, RIP = the access', () => {
    const r = makeSvmRig();
    validVmcb12(r, [0x8b, 0x04, 0x25, 0x10, 0x00, 0x80, 0x00]); // mov eax, [0x800010]
    npt12(r, [4]); // hole at 8..10 MiB
    vmrun(r);
    assert.equal(r.s.level, 1);
    assert.equal(get(r, 'EXITCODE'), 0x400);
    assert.equal(get(r, 'EXITINFO1'), 0x4);
    assert.equal(getHi(r, 'EXITINFO1'), 0x1);
    assert.equal(get(r, 'EXITINFO2'), 0x800010);
    assert.equal(get(r, 'RIP'), L2_RIP);
    const t = transitions(r)[1];
    assert.equal(t.reasonName, 'VMEXIT_NPF');
    assert.equal(t.gpa, 0x800010);
    assert.match(t.rule ?? '', /^l1InterceptsNpf/);
  });

  it('write to a read-only NPT12 page: P | RW | US, bit 32', () => {
    const r = makeSvmRig();
    validVmcb12(r, [0x89, 0x04, 0x25, 0x10, 0x00, 0x80, 0x00]); // mov [0x800010], eax
    npt12(r);
    r.mem.write(NPT + 0x2000 + 4 * 8, 4, (4 << 21) | 0x85); // 8 MiB page read-only
    vmrun(r);
    assert.equal(get(r, 'EXITCODE'), 0x400);
    assert.equal(get(r, 'EXITINFO1'), 0x7);
    assert.equal(getHi(r, 'EXITINFO1'), 0x1);
  });

  it('L2\'s own page tables not mapped: #VMEXIT(NPF) with bit 33 (guest page-table access)', () => {
    const r = makeSvmRig();
    validVmcb12(r, [0x90]);
    npt12(r, [5]); // hole at 10..12 MiB
    // L2's PML4 lives at L2-physical 0xa00000, which NPT12 does not map.
    for (let k = 0; k < 4096; k += 4) r.mem.write(0xa00000 + k, 4, r.mem.read(0x1000 + k, 4));
    set(r, 'CR3', 0xa00000);
    vmrun(r);
    assert.equal(get(r, 'EXITCODE'), 0x400);
    assert.equal(getHi(r, 'EXITINFO1'), 0x2);
    assert.equal(get(r, 'EXITINFO2'), 0xa00000);
  });

  it('L1 fixes the hole and VMRUNs again: L2 reads the page L1 mapped (NPT02 rebuilt at VMRUN)', () => {
    const r = makeSvmRig();
    validVmcb12(r, [0x8b, 0x04, 0x25, 0x10, 0x00, 0x80, 0x00, 0x0f, 0xa2]); // mov eax, [0x800010]; cpuid
    intercept(r, 'CPUID');
    npt12(r, [4]);
    vmrun(r);
    assert.equal(get(r, 'EXITCODE'), 0x400);
    r.mem.write(NPT + 0x2000 + 4 * 8, 4, (6 << 21) | 0x87); // 8 MiB of L2 -> 12 MiB of L1
    r.mem.write((6 << 21) + 0x10, 4, 0xfeedbeef);
    vmrun(r);
    assert.equal(get(r, 'EXITCODE'), 0x72);
    assert.equal(get(r, 'RAX'), 0xfeedbeef);
  });

  it('INT n whose delivery hits an NPT12 hole (the stack): #VMEXIT(NPF) with EXITINTINFO = the INT n, TYPE 4 (APM 15.7.2)', () => {
    const r = makeSvmRig();
    validVmcb12(r, [0xcd, 0x30]); // int 0x30: the push of the return frame is in 2..4 MiB
    npt12(r, [1]);
    vmrun(r);
    assert.equal(get(r, 'EXITCODE'), 0x400);
    assert.equal(getHi(r, 'EXITINFO1'), 0x1, 'final GPA');
    assert.equal(get(r, 'EXITINFO2') >>> 21, 1, 'a GPA in the hole');
    assert.equal(get(r, 'EXITINTINFO') >>> 0, (0x80000000 | (4 << 8) | 0x30) >>> 0, 'V | TYPE 4 (software interrupt) | vector 0x30');
    assert.equal(get(r, 'RIP'), L2_RIP, 'INT n did not complete');
    // The next VMRUN (L1 would re-inject the event from EXITINTINFO) starts clean: nothing left "being delivered".
    npt12(r);
    set(r, 'EXITINTINFO', 0);
    intercept(r, 'CPUID');
    r.mem.writeBytes(L2_RIP, Uint8Array.from([0x0f, 0xa2]));
    vmrun(r);
    assert.equal(get(r, 'EXITCODE'), 0x72);
    assert.equal(get(r, 'EXITINTINFO'), 0);
  });

  it('hostile N_CR3 (unbacked memory): NPF with the reserved-bit error code, never an emulator error', () => {
    const r = makeSvmRig();
    validVmcb12(r, [0x90]);
    npt12(r);
    set(r, 'N_CR3', 0x7ffff000, 0x7f);
    vmrun(r);
    assert.equal(r.s.level, 1);
    assert.equal(get(r, 'EXITCODE'), 0x400);
    assert.equal(get(r, 'EXITINFO1') & 0x9, 0x9, 'P | RSV');
  });

  it('NP_ENABLE without +npt in the CPU policy: VMEXIT_INVALID (SVM-NP-UNSUPPORTED)', () => {
    const r = makeSvmRig('qemu64,+svm');
    validVmcb12(r);
    npt12(r);
    vmrun(r);
    assert.equal(get(r, 'EXITCODE'), 0xffffffff);
    assert.equal(transitions(r)[0].check?.id, 'SVM-NP-UNSUPPORTED');
  });
});
