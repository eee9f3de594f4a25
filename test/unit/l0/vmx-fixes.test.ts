// Nested-VMX fixes, each rule with its SDM section:
// - cached linear mappings across L1 <-> L2 switches (SDM vol 3C §27.3.2.5,
//   §28.5.5 "Updating Non-Register State", §29.4 VPIDs): L1's and L2's
//   translations never serve each other;
// - where L1 waits while L2 runs: RIP, RSP, RBP at VMLAUNCH (debugger);
// - VMCALL exits from L2 in every mode, real mode included (§26.1.2, §31.3
//   VMCALL Operation);
// - PAE L2 under EPT: PDPTEs from VMCS12's GUEST_PDPTEn at entry (§27.3.2.4)
//   and back into them at exit (§28.3.4).
import { strict as assert } from 'assert';
import { exec, I, VmxRig, HOST_RIP } from './rig';
import { setupL2, L2_RIP } from './l2rig';
import { runCode } from '../../support/snippet';
import { VMCS } from '../../../emulator/vmx/fields';
import { PRIMARY, SECONDARY } from '../../../emulator/vmx/controls';

const le32 = (v: number): number[] => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24];
const load64 = (a: number): number[] => [0x8b, 0x04, 0x25, ...le32(a)]; // mov eax, [a] (64-bit mode)
const storeImm64 = (a: number, v: number): number[] => [0xc7, 0x04, 0x25, ...le32(a), ...le32(v)]; // mov dword [a], v
const put = (r: VmxRig, a: number, lo: number, hi = 0): void => { r.mem.write(a, 4, lo >>> 0); r.mem.write(a + 4, 4, hi >>> 0); };
const eax = (r: VmxRig): number => r.cpu.getReg(0, 4) >>> 0;

// The snippet rig's long-mode PD (0x3000) maps 2 MiB pages; PD[3] maps linear 6 MiB.
const PD = 0x3000;
const LIN = 0x600010;
const X = 0x600000, Y = 0x800000;
const MARK_X = 0x1111, MARK_Y = 0x2222;

describe('l0 nested VMX: cached translations across VM entry and exit (SDM vol 3C 27.3.2.5, 28.5.5, 29.4)', () => {
  function rig(code: number[], vpid: number): VmxRig {
    const r = setupL2(code, { primary: PRIMARY.HLT_EXITING, secondary: vpid ? SECONDARY.ENABLE_VPID : undefined });
    if (vpid) r.s.vmcs12.set(VMCS.VIRTUAL_PROCESSOR_ID, vpid);
    r.mem.write(X + 0x10, 4, MARK_X);
    r.mem.write(Y + 0x10, 4, MARK_Y);
    return r;
  }
  const remapToY = storeImm64(PD + 3 * 8, Y | 0x87);

  for (const vpid of [0, 1]) {
    const what = vpid ? 'with VPID (L2 has VPID 1, L1 VPID 0)' : 'without VPID (every entry and exit invalidates)';

    it(`entry ${what}: L1's cached translation does not serve L2`, () => {
      const r = rig(load64(LIN), vpid);
      runCode(r, load64(LIN));
      assert.equal(eax(r), MARK_X);
      runCode(r, remapToY); // no INVLPG: L1's TLB keeps LIN -> X ...
      runCode(r, load64(LIN));
      assert.equal(eax(r), MARK_X, 'the stale translation is observable in L1 (this test can fail)');
      exec(r, I.vmlaunch);
      assert.equal(r.s.vmcs12.lo(VMCS.VM_EXIT_REASON), 12, 'L2 ran to its HLT exit');
      assert.equal(eax(r), MARK_Y, 'L2 walked the paging structures: LIN -> Y');
    });

    it(`exit ${what}: L2's cached translation does not serve L1`, () => {
      const r = rig([...load64(LIN), ...remapToY], vpid);
      exec(r, I.vmlaunch);
      assert.equal(r.s.vmcs12.lo(VMCS.VM_EXIT_REASON), 12);
      assert.equal(eax(r), MARK_X, 'L2 read through LIN -> X, then remapped LIN without INVLPG');
      assert.equal(r.cpu.rip, HOST_RIP + 1, 'back in L1');
      runCode(r, load64(LIN));
      assert.equal(eax(r), MARK_Y, 'L1 walked the paging structures: LIN -> Y');
    });
  }
});

describe('l0 nested VMX: VPID-tagged translations kept across round trips (SDM vol 3C 29.4.3, 31.3 INVVPID)', () => {
  const Z = 0xa00000, MARK_Z = 0x3333;
  const DESC = 0x7f000;
  /** INVVPID single-context of `vpid`: mov eax, 1; mov ebx, DESC; invvpid rax, [rbx]. */
  const invvpid = (r: VmxRig, vpid: number): string => {
    [vpid, 0, 0, 0].forEach((d, k) => r.mem.write(DESC + 4 * k, 4, d));
    return exec(r, [0xb8, ...le32(1), 0xbb, ...le32(DESC), 0x66, 0x0f, 0x38, 0x81, 0x03]);
  };
  const resume = (r: VmxRig): void => {
    r.s.vmcs12.set(VMCS.GUEST_RIP, L2_RIP); // L2 reads LIN again, then its HLT exits
    assert.equal(exec(r, I.vmresume), 'VMsucceed');
    assert.equal(r.s.vmcs12.lo(VMCS.VM_EXIT_REASON), 12, 'L2 ran to its HLT exit');
  };

  it('L1\'s and L2\'s mappings of one linear address never serve each other; INVVPID single-context shows L2 the change', () => {
    const r = setupL2(load64(LIN), { primary: PRIMARY.HLT_EXITING, secondary: SECONDARY.ENABLE_VPID });
    r.s.vmcs12.set(VMCS.VIRTUAL_PROCESSOR_ID, 1);
    r.mem.write(X + 0x10, 4, MARK_X);
    r.mem.write(Y + 0x10, 4, MARK_Y);
    r.mem.write(Z + 0x10, 4, MARK_Z);
    runCode(r, load64(LIN));
    assert.equal(eax(r), MARK_X, 'L1 caches LIN -> X');
    runCode(r, storeImm64(PD + 3 * 8, Y | 0x87)); // remap without INVLPG
    exec(r, I.vmlaunch);
    assert.equal(r.s.vmcs12.lo(VMCS.VM_EXIT_REASON), 12);
    assert.equal(eax(r), MARK_Y, 'L2 (VPID 1) walked: LIN -> Y');
    runCode(r, storeImm64(PD + 3 * 8, Z | 0x87)); // remap again, no invalidation of any VPID
    for (let k = 0; k < 4; k++) {
      runCode(r, load64(LIN));
      assert.equal(eax(r), MARK_X, `round ${k}: L1 (VPID 0) keeps LIN -> X, L2's Y does not serve it`);
      resume(r);
      assert.equal(eax(r), MARK_Y, `round ${k}: L2 (VPID 1) keeps LIN -> Y, L1's X does not serve it`);
    }
    assert.ok(r.s.tlbL2.valid, 'L2\'s entries wait in their bank while L1 runs');
    // INVVPID single-context of another VPID changes nothing; of VPID 1 L2 walks again.
    assert.equal(invvpid(r, 2), 'VMsucceed');
    resume(r);
    assert.equal(eax(r), MARK_Y, 'INVVPID of VPID 2 left VPID 1\'s mapping');
    assert.equal(invvpid(r, 1), 'VMsucceed');
    runCode(r, load64(LIN));
    assert.equal(eax(r), MARK_X, 'INVVPID never invalidates VPID 0 (L1)');
    resume(r);
    assert.equal(eax(r), MARK_Z, 'after INVVPID single-context L2 sees its page-table change: LIN -> Z');
    runCode(r, load64(LIN));
    assert.equal(eax(r), MARK_X, 'and L2\'s new mapping does not serve L1');
  });
});

describe('l0 nested VMX: L1\'s stack while L2 runs', () => {
  it('keeps RIP, RSP and RBP of L1\'s VMLAUNCH', () => {
    const r = setupL2([]); // L2 halts in L2 (no HLT exiting)
    r.cpu.setReg(4, 8, 0x2fe008, 0);
    r.cpu.setReg(5, 8, 0x2fe100, 0);
    exec(r, I.vmlaunch);
    assert.equal(r.s.level, 2, 'L2 halted in L2');
    assert.ok(r.s.l1);
    assert.equal(r.s.l1.rsp, 0x2fe008);
    assert.equal(r.s.l1.rbp, 0x2fe100);
    assert.equal(r.s.l1.instruction, 'VMLAUNCH');
  });
});

// EPT12 in L1 memory: identity over the first 16 MiB with 2 MiB pages.
const EPT_PML4 = 0x900000, EPT_PDPT = 0x901000, EPT_PD = 0x902000;
function identityEpt(r: VmxRig): void {
  put(r, EPT_PML4, EPT_PDPT | 7);
  put(r, EPT_PDPT, EPT_PD | 7);
  for (let k = 0; k < 8; k++) put(r, EPT_PD + 8 * k, (k << 21) | 0x80 | 7 | (6 << 3));
}

/** L2 not in IA-32e mode, under an identity EPT12, with the given CR0/CR4 and segment setup. */
function legacyL2(code: number[], o: { cr0: number; cr4: number; real: boolean; secondary?: number; bitmap?: number }): VmxRig {
  const r = setupL2(code, { primary: PRIMARY.HLT_EXITING, secondary: SECONDARY.ENABLE_EPT | (o.secondary ?? 0), bitmap: o.bitmap });
  identityEpt(r);
  const v = r.s.vmcs12;
  v.set(VMCS.EPT_POINTER, (EPT_PML4 | (3 << 3) | 6) >>> 0, 0);
  v.set(VMCS.VM_ENTRY_CONTROLS, (v.lo(VMCS.VM_ENTRY_CONTROLS) & ~(1 << 9)) >>> 0); // not IA-32e
  v.set(VMCS.GUEST_CR0, o.cr0);
  v.set(VMCS.GUEST_CR4, o.cr4);
  const field = VMCS as Readonly<Record<string, number>>;
  for (const n of ['ES', 'CS', 'SS', 'DS', 'FS', 'GS']) {
    const cs = n === 'CS';
    if (o.real) {
      v.set(field[`GUEST_${n}_SELECTOR`], cs ? L2_RIP >> 4 : 0);
      v.set(field[`GUEST_${n}_BASE`], cs ? L2_RIP : 0);
      v.set(field[`GUEST_${n}_LIMIT`], 0xffff);
      v.set(field[`GUEST_${n}_AR_BYTES`], cs ? 0x9b : 0x93);
    } else {
      v.set(field[`GUEST_${n}_AR_BYTES`], cs ? 0xc09b : 0xc093);
    }
  }
  v.set(VMCS.GUEST_RIP, o.real ? 0 : L2_RIP);
  v.set(VMCS.GUEST_RSP, 0x8000);
  return r;
}

describe('l0 nested VMX: VMCALL in a real-mode L2 (SDM vol 3C 26.1.2, 31.3 VMCALL)', () => {
  it('exits to L1 with reason 18 instead of raising #UD', () => {
    // Exception bitmap bit 6: a #UD would exit too, with reason 0.
    const r = legacyL2([0x0f, 0x01, 0xc1], { cr0: 0x30, cr4: 0x2000, real: true, secondary: SECONDARY.UNRESTRICTED_GUEST, bitmap: 1 << 6 });
    exec(r, I.vmlaunch);
    const v = r.s.vmcs12;
    assert.equal(v.lo(VMCS.VM_EXIT_REASON), 18, `exit reason ${v.lo(VMCS.VM_EXIT_REASON)}`);
    assert.equal(v.lo(VMCS.GUEST_RIP), 0, 'GUEST_RIP = the VMCALL');
    assert.equal(v.lo(VMCS.VM_EXIT_INSTRUCTION_LEN), 3);
    assert.equal(r.s.level, 1);
  });
});

describe('l0 nested VMX: PAE L2 under EPT (SDM vol 3C 27.3.2.4, 28.3.4)', () => {
  // L2's PAE tables (guest-physical = L1-physical through the identity EPT12):
  // the PDPT in memory points at PD_A (identity), GUEST_PDPTE0 at PD_B (6 MiB -> Y).
  const PDPT = 0x700000, PD_A = 0x701000, PD_B = 0x702000;
  const load32 = (a: number): number[] => [0x8b, 0x05, ...le32(a)]; // mov eax, [a] (32-bit mode)
  const movCr3 = (a: number): number[] => [0xb8, ...le32(a), 0x0f, 0x22, 0xd8]; // mov eax, a; mov cr3, eax

  function paeL2(code: number[]): VmxRig {
    const r = legacyL2(code, { cr0: 0x80000031, cr4: 0x2020, real: false });
    for (let k = 0; k < 512; k++) {
      put(r, PD_A + 8 * k, k < 8 ? (k << 21) | 0x83 : 0);
      put(r, PD_B + 8 * k, k < 8 ? ((k === 3 ? Y : k << 21) | 0x83) >>> 0 : 0);
    }
    put(r, PDPT, PD_A | 1);
    for (let k = 1; k < 4; k++) put(r, PDPT + 8 * k, 0);
    const v = r.s.vmcs12;
    v.set(VMCS.GUEST_CR3, PDPT);
    v.set(VMCS.GUEST_PDPTE0, PD_B | 1, 0);
    v.set(VMCS.GUEST_PDPTE1, 0, 0);
    v.set(VMCS.GUEST_PDPTE2, 0, 0);
    v.set(VMCS.GUEST_PDPTE3, 0, 0);
    r.mem.write(X + 0x10, 4, MARK_X);
    r.mem.write(Y + 0x10, 4, MARK_Y);
    return r;
  }

  it('the entry loads the PDPTEs from GUEST_PDPTE0-3, not from the table at CR3', () => {
    const r = paeL2(load32(LIN));
    exec(r, I.vmlaunch);
    const v = r.s.vmcs12;
    assert.equal(v.lo(VMCS.VM_EXIT_REASON), 12, `exit reason ${v.lo(VMCS.VM_EXIT_REASON)}`);
    assert.equal(eax(r), MARK_Y, 'PDPTE0 from the VMCS: PD_B maps LIN to Y');
    assert.equal(v.lo(VMCS.GUEST_PDPTE0), PD_B | 1, 'saved back at the exit');
    assert.equal(r.cpu.mmu.pdptes, null, 'L1 (64-bit) runs without them');
  });

  it('MOV to CR3 in L2 reloads them from memory; the exit saves what L2 used', () => {
    const r = paeL2([...movCr3(PDPT), ...load32(LIN)]);
    exec(r, I.vmlaunch);
    const v = r.s.vmcs12;
    assert.equal(v.lo(VMCS.VM_EXIT_REASON), 12, `exit reason ${v.lo(VMCS.VM_EXIT_REASON)}`);
    assert.equal(eax(r), MARK_X, 'PDPTE0 from the table at CR3: PD_A maps LIN to X');
    assert.equal(v.lo(VMCS.GUEST_PDPTE0), PD_A | 1, 'GUEST_PDPTE0 = the PDPTE L2 used');
  });

  it('without EPT the PDPTEs come from the table at CR3 (GUEST_PDPTEn unused)', () => {
    const r = paeL2(load32(LIN));
    const v = r.s.vmcs12;
    v.set(VMCS.SECONDARY_VM_EXEC_CONTROL, 0);
    exec(r, I.vmlaunch);
    assert.equal(v.lo(VMCS.VM_EXIT_REASON), 12, `exit reason ${v.lo(VMCS.VM_EXIT_REASON)}`);
    assert.equal(eax(r), MARK_X);
  });
});
