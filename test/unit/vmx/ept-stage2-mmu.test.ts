// The MMU's second stage (x86/mmu.ts Stage2): every guest-physical access of
// a translation goes through it - the guest's paging-structure reads and A/D
// writes, and the final access - with paging off too (SDM vol 3C 29.3.1);
// TLB entries hold the combined translation; installing a stage flushes.
import { strict as assert } from 'assert';
import { makeRig, runCode, DATA, CODE, SnippetRig } from '../../support/snippet';
import { Access, Stage2 } from '../../../emulator/x86/mmu';
import { CpuFault } from '../../../emulator/x86/fault';

interface Call { gpa: number; access: Access; user: boolean; walk: boolean; lin: number }

/** Identity, except guest page `from` -> host page `to`; pages in `deny` fault. Records every call. */
class TestStage implements Stage2 {
  calls: Call[] = [];
  remap = new Map<number, number>();
  deny = new Set<number>();
  translate(gpa: number, access: Access, user: boolean, walk: boolean, lin: number): number {
    this.calls.push({ gpa, access, user, walk, lin });
    const gfn = Math.floor(gpa / 4096);
    if (this.deny.has(gfn)) throw new CpuFault(14, 0, lin, 'test stage-2 fault');
    const h = this.remap.get(gfn);
    return h === undefined ? gpa : h * 4096 + (gpa % 4096);
  }
}

const MOV_EAX_DATA = [0xa1, ...le32(DATA + 0x10), 0, 0, 0, 0]; // mov eax, [moffs64 DATA+0x10]
function le32(v: number): number[] { return [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24]; }

function rig(mode: 'long64' | 'prot32' = 'long64'): SnippetRig {
  return makeRig(mode);
}

describe('MMU second stage (SDM vol 3C 29.3.1)', () => {
  it('64-bit paging: each paging-structure read, each A/D write and the final access are guest-physical', () => {
    const r = rig();
    const st = new TestStage();
    r.cpu.mmu.setStage2(st);
    r.mem.write(DATA + 0x10, 4, 0x11223344);
    runCode(r, MOV_EAX_DATA);
    assert.equal(r.cpu.getReg(0, 4), 0x11223344);
    const data = st.calls.filter((c) => c.lin === DATA + 0x10);
    // PML4E (0x1000), PDPTE (0x2000), PDE of the 2 MiB page (0x3000 + 8), then the data itself.
    const reads = data.filter((c) => c.walk && c.access === Access.Read).map((c) => c.gpa);
    assert.deepEqual(reads, [0x1000, 0x2000, 0x3000 + 8]);
    for (const c of data.filter((x) => x.walk && x.access === Access.Write)) assert.ok([0x1000, 0x2000, 0x3008].includes(c.gpa), 'A/D writes hit the entries');
    const fin = data.filter((c) => !c.walk);
    assert.deepEqual(fin.map((c) => [c.gpa, c.access, c.user]), [[DATA + 0x10, Access.Read, false]]);
    // The fetch of the code page went through it as a fetch.
    assert.ok(st.calls.some((c) => !c.walk && c.access === Access.Fetch && c.gpa === CODE && c.lin === CODE));
  });

  it('TLB entries hold the combined translation: a remapped guest page reads host memory, hits skip the stage', () => {
    const r = rig();
    const st = new TestStage();
    st.remap.set(DATA / 4096, 0x500);
    r.mem.write(0x500000 + 0x10, 4, 0xcafe0001);
    r.mem.write(DATA + 0x10, 4, 0xdead);
    r.cpu.mmu.setStage2(st);
    // Two loads of the same page: the second is a TLB hit.
    runCode(r, [...MOV_EAX_DATA, 0x89, 0xc3, ...MOV_EAX_DATA]); // mov; mov ebx, eax; mov
    assert.equal(r.cpu.getReg(3, 4), 0xcafe0001);
    assert.equal(r.cpu.getReg(0, 4), 0xcafe0001);
    assert.equal(st.calls.filter((c) => !c.walk && c.gpa === DATA + 0x10).length, 1, 'second access hit the TLB');
  });

  it('installing or removing a stage flushes the TLBs', () => {
    const r = rig();
    r.mem.write(DATA + 0x10, 4, 0x1111);
    r.mem.write(0x500010, 4, 0x2222);
    runCode(r, MOV_EAX_DATA);
    assert.equal(r.cpu.getReg(0, 4), 0x1111);
    const st = new TestStage();
    st.remap.set(DATA / 4096, 0x500);
    r.cpu.mmu.setStage2(st);
    runCode(r, MOV_EAX_DATA);
    assert.equal(r.cpu.getReg(0, 4), 0x2222);
    r.cpu.mmu.setStage2(null);
    assert.equal(r.cpu.mmu.stage2, null);
    runCode(r, MOV_EAX_DATA);
    assert.equal(r.cpu.getReg(0, 4), 0x1111);
  });

  it('paging off: the linear address is the guest-physical address (walk = false, lin = gpa)', () => {
    const r = rig('prot32');
    r.cpu.cr0 = (r.cpu.cr0 & ~0x80000000) >>> 0;
    r.cpu.mmu.flushAll();
    const st = new TestStage();
    st.remap.set(DATA / 4096, 0x500);
    r.mem.write(0x500010, 4, 0x3333);
    r.cpu.mmu.setStage2(st);
    runCode(r, [0xa1, ...le32(DATA + 0x10)]); // mov eax, [DATA+0x10]
    assert.equal(r.cpu.getReg(0, 4), 0x3333);
    assert.ok(st.calls.every((c) => !c.walk));
    assert.ok(st.calls.some((c) => c.gpa === DATA + 0x10 && c.lin === DATA + 0x10 && c.access === Access.Read));
  });

  it('a fault in the second stage ends the instruction before it completes', () => {
    const r = rig();
    const st = new TestStage();
    st.deny.add(DATA / 4096);
    r.cpu.mmu.setStage2(st);
    r.cpu.setReg(0, 8, 0x77, 0);
    runCode(r, MOV_EAX_DATA);
    assert.equal(r.cpu.getReg(0, 4), 0x77, 'EAX not written');
    assert.ok(r.events.some((e) => e.kind === 'exception' && e.vector === 14));
  });

  it('a fault on a paging-structure page is reported as a walk access', () => {
    const r = rig();
    const st = new TestStage();
    st.deny.add(0x3000 / 4096); // the PD: the first fetch of the code already needs its entry 0
    r.cpu.mmu.setStage2(st);
    runCode(r, MOV_EAX_DATA);
    const c = st.calls[0];
    assert.deepEqual([c.gpa, c.walk, c.access, c.lin], [0x1000, true, Access.Read, CODE]);
    const denied = st.calls.find((x) => Math.floor(x.gpa / 4096) === 3)!;
    assert.deepEqual([denied.gpa, denied.walk, denied.access, denied.lin], [0x3000, true, Access.Read, CODE]);
    assert.equal(st.calls.indexOf(denied), 2, 'after the PML4E and PDPTE reads');
  });
});
