// EPT02 (l0/vmx-ept02.ts): L0 shadows L1's EPT12 lazily while L2 runs with
// "enable EPT"; EPT12 faults become virtual EPT violations (exit 48, SDM
// vol 3C 28.2.1 table 28-7) or misconfigurations (49) for L1; INVEPT makes
// EPT12 changes visible (29.4.3.1); no L2 translation survives into L1 (VPID).
import { strict as assert } from 'assert';
import { makeVmxRig, exec, enterWithVmcs, validVmcs, I, VmxRig, HOST_RIP } from './rig';
import { runCode, DATA } from '../../support/snippet';
import { setupL2 } from './l2rig';
import { VMCS } from '../../../emulator/vmx/fields';
import { PRIMARY, SECONDARY } from '../../../emulator/vmx/controls';
import { ept02Roots, Ept02 } from '../../../emulator/l0/vmx-ept02';
import type { TransitionEvent } from '../../../emulator/events';

const L2_RIP = 0x180000;
const L2_RSP = 0x2f0000;
// EPT12 in L1 memory: identity with 2 MiB pages over 16 MiB, except 6..8 MiB through a 4 KiB PT.
const PML4 = 0x900000, PDPT = 0x901000, PD = 0x902000, PT = 0x903000;
const RWX = 7, WB = 6 << 3;
const PAGE_A = 0x600000; // mapped RW by PT[0]
const PAGE_RO = 0x601000; // read-only
const PAGE_NONE = 0x605000; // not present
const PAGE_BAD = 0x606000; // write-only: misconfiguration
const HOST_X = 0xa00000, HOST_Y = 0xa01000;

const put = (r: VmxRig, a: number, lo: number, hi = 0): void => { r.mem.write(a, 4, lo >>> 0); r.mem.write(a + 4, 4, hi >>> 0); };
const le32 = (v: number): number[] => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24];
const transitions = (r: VmxRig): TransitionEvent[] => r.events.filter((e): e is TransitionEvent => e.kind === 'transition');

function buildEpt12(r: VmxRig, ad = false): number {
  put(r, PML4, PDPT | RWX);
  put(r, PDPT, PD | RWX);
  for (let k = 0; k < 8; k++) put(r, PD + 8 * k, (k << 21) | 0x80 | RWX | WB);
  put(r, PD + 3 * 8, PT | RWX);
  for (let k = 0; k < 512; k++) put(r, PT + 8 * k, (PAGE_A + k * 4096) | RWX | WB);
  put(r, PT + 8 * ((PAGE_RO - PAGE_A) / 4096), PAGE_RO | 1 | WB);
  put(r, PT + 8 * ((PAGE_NONE - PAGE_A) / 4096), 0);
  put(r, PT + 8 * ((PAGE_BAD - PAGE_A) / 4096), PAGE_BAD | 2 | WB);
  return (PML4 | (3 << 3) | 6 | (ad ? 0x40 : 0)) >>> 0;
}

/** L1 in VMX operation with a VMCS12 whose L2 runs `code` (then hlt) under EPT12. */
function setup(code: number[], opts: { ad?: boolean; vpid?: number; eptp?: number } = {}): VmxRig {
  const r = makeVmxRig();
  enterWithVmcs(r);
  validVmcs(r);
  const v = r.s.vmcs12;
  v.set(VMCS.CPU_BASED_VM_EXEC_CONTROL, (v.lo(VMCS.CPU_BASED_VM_EXEC_CONTROL) | PRIMARY.ACTIVATE_SECONDARY_CONTROLS) >>> 0);
  v.set(VMCS.SECONDARY_VM_EXEC_CONTROL, SECONDARY.ENABLE_EPT | (opts.vpid ? SECONDARY.ENABLE_VPID : 0));
  if (opts.vpid) v.set(VMCS.VIRTUAL_PROCESSOR_ID, opts.vpid);
  const eptp = buildEpt12(r, opts.ad);
  v.set(VMCS.EPT_POINTER, opts.eptp ?? eptp, 0);
  v.set(VMCS.GUEST_RIP, L2_RIP);
  v.set(VMCS.GUEST_RSP, L2_RSP);
  r.mem.writeBytes(L2_RIP, Uint8Array.from([...code, 0xf4]));
  return r;
}

const load = (a: number): number[] => [0x8b, 0x04, 0x25, ...le32(a)]; // mov eax, [a]
const store = (a: number): number[] => [0x89, 0x04, 0x25, ...le32(a)]; // mov [a], eax

function assertEptExit(r: VmxRig, reason: number, qual: number, gpa: number, lin: number | null, rip = L2_RIP): void {
  const v = r.s.vmcs12;
  assert.equal(r.s.level, 1, 'back in L1');
  assert.equal(r.cpu.rip, HOST_RIP + 1, 'L1 ran its hlt at HOST_RIP');
  assert.equal(v.lo(VMCS.VM_EXIT_REASON), reason);
  assert.equal(v.lo(VMCS.EXIT_QUALIFICATION), qual, `qualification 0x${v.lo(VMCS.EXIT_QUALIFICATION).toString(16)}`);
  assert.equal(v.lo(VMCS.GUEST_PHYSICAL_ADDRESS), gpa);
  if (lin !== null) assert.equal(v.lo(VMCS.GUEST_LINEAR_ADDRESS), lin);
  assert.equal(v.lo(VMCS.GUEST_RIP), rip, 'GUEST_RIP = the instruction that faulted');
  const t = transitions(r).at(-1)!;
  assert.equal(t.type, 'reflect');
  assert.equal(t.reason, reason);
  assert.equal(t.gpa, gpa);
  assert.equal(r.cpu.mmu.stage2, null, 'L1 runs without a second stage');
}

describe('l0 EPT02: EPT12 shadowed lazily (nested-vmx.md §4)', () => {
  it('an EPT02 miss walks EPT12 and fills EPT02; L2 runs on without any exit', () => {
    const r0 = setup(load(PAGE_A + 0x10));
    r0.mem.write(PAGE_A + 0x10, 4, 0x5a5a);
    exec(r0, I.vmlaunch);
    assert.equal(r0.s.level, 2, 'L2 halted on its hlt, no exit');
    assert.equal(r0.cpu.getReg(0, 4), 0x5a5a);
    const root = r0.cpu.mmu.stage2 as Ept02;
    assert.ok(root instanceof Ept02);
    assert.ok(root.entries.has(PAGE_A / 4096), 'EPT02 holds the data page');
    assert.ok(root.entries.has(L2_RIP / 4096), 'and the code page');
    assert.ok(root.entries.has(0x1000 / 4096), "and L2's own paging structures");
    assert.ok(!transitions(r0).some((e) => e.type === 'reflect' || e.reason === 48 || e.reason === 49), 'no EPT exit, nothing reflected');
  });

  it('EPT12 translations are used: a guest page EPT12 maps elsewhere reads that host page', () => {
    const r = setup(load(PAGE_A + 0x10));
    put(r, PT, HOST_X | RWX | WB);
    r.mem.write(HOST_X + 0x10, 4, 0x1234);
    r.mem.write(PAGE_A + 0x10, 4, 0x9999);
    exec(r, I.vmlaunch);
    assert.equal(r.cpu.getReg(0, 4), 0x1234);
  });

  it('read of a not-present page: exit 48, qualification read | linear valid | translation (0x181)', () => {
    const r = setup(load(PAGE_NONE + 0x24));
    exec(r, I.vmlaunch);
    assertEptExit(r, 48, 0x181, PAGE_NONE + 0x24, PAGE_NONE + 0x24);
    assert.match(transitions(r).at(-1)!.rule ?? '', /ept12Violation/);
  });

  it('write to a read-only page: qualification write | R (bits 3) | 0x180 = 0x18a; nothing written', () => {
    const r = setup([0xb8, ...le32(0x77), ...store(PAGE_RO + 8)]); // mov eax, 0x77; mov [ro], eax
    r.mem.write(PAGE_RO + 8, 4, 0x11);
    exec(r, I.vmlaunch);
    assertEptExit(r, 48, 0x18a, PAGE_RO + 8, PAGE_RO + 8, L2_RIP + 5);
    assert.equal(r.mem.read(PAGE_RO + 8, 4), 0x11);
  });

  it('instruction fetch from a page EPT12 gives no X: qualification fetch | RW | 0x180', () => {
    const r = setup([0xe9, ...le32(PAGE_RO + 0x100 - (L2_RIP + 5))]); // jmp PAGE_RO+0x100
    put(r, PT + 8, PAGE_RO | 3 | WB); // RW, no X
    exec(r, I.vmlaunch);
    assertEptExit(r, 48, 0x4 | 0x18 | 0x180, PAGE_RO + 0x100, PAGE_RO + 0x100, PAGE_RO + 0x100);
  });

  it("a violation on L2's own paging structures clears bit 8 and reports the entry's address", () => {
    const r = setup(load(PAGE_A));
    // L2's CR3 points at a page EPT12 does not map: the first fetch's PML4E read faults.
    r.s.vmcs12.set(VMCS.GUEST_CR3, PAGE_NONE);
    exec(r, I.vmlaunch);
    assertEptExit(r, 48, 0x81, PAGE_NONE, L2_RIP);
  });

  it('with EPT A/D flags, paging-structure accesses are writes: bits 0 and 1 (0x83) on a read-only table', () => {
    const r = setup(load(PAGE_A), { ad: true });
    // Copy L1's PML4 (identity tables at 0x1000) into the read-only page and use it as L2's CR3.
    for (let k = 0; k < 4096; k += 4) r.mem.write(PAGE_RO + k, 4, r.mem.read(0x1000 + k, 4));
    r.s.vmcs12.set(VMCS.GUEST_CR3, PAGE_RO);
    exec(r, I.vmlaunch);
    assertEptExit(r, 48, 0x83 | 0x08, PAGE_RO, L2_RIP);
  });

  it('EPT A/D: the walk of a successful L2 write sets A in EPT12 entries and D in the leaf', () => {
    const r = setup(store(PAGE_A + 0x40), { ad: true });
    exec(r, I.vmlaunch);
    assert.equal(r.s.level, 2);
    assert.equal(r.mem.read(PT, 4) & 0x300, 0x300, 'A and D in the PTE of the written page');
    assert.equal(r.mem.read(PD + 3 * 8, 4) & 0x300, 0x100, 'A only in the PDE');
  });

  it('IRET that unblocks NMIs faulting on its stack: bit 12 (NMI unblocking due to IRET) set; not blocked: clear', () => {
    for (const blocked of [true, false]) {
      const r = setup([0x48, 0xcf]); // iretq
      r.s.vmcs12.set(VMCS.GUEST_RSP, PAGE_NONE + 0x100);
      r.s.vmcs12.set(VMCS.GUEST_INTERRUPTIBILITY_INFO, blocked ? 8 : 0);
      exec(r, I.vmlaunch);
      assertEptExit(r, 48, 0x181 | (blocked ? 0x1000 : 0), PAGE_NONE + 0x100, PAGE_NONE + 0x100);
    }
  });

  it('a misconfigured EPT12 entry (write-only): exit 49, qualification 0, GUEST_PHYSICAL_ADDRESS', () => {
    const r = setup(load(PAGE_BAD + 0x30));
    exec(r, I.vmlaunch);
    assertEptExit(r, 49, 0, PAGE_BAD + 0x30, null);
    assert.match(transitions(r).at(-1)!.rule ?? '', /ept12Misconfig.*writable but not readable/);
  });

  it('hostile EPT12: an EPTP beyond RAM is a misconfiguration at the first fetch, a leaf beyond RAM reads all ones', () => {
    const r = setup(load(PAGE_A), { eptp: (0x7fff0000 | (3 << 3) | 6) >>> 0 });
    exec(r, I.vmlaunch);
    assertEptExit(r, 49, 0, 0x1000, null); // the first access: L2's PML4E (CR3 = 0x1000)
    const r2 = setup(load(PAGE_A + 4));
    put(r2, PT, 0xfff00000 | RWX | WB, 0x3f); // host 0x3f_fff00000: inside MAXPHYADDR, no RAM
    exec(r2, I.vmlaunch);
    assert.equal(r2.s.level, 2);
    assert.equal(r2.cpu.getReg(0, 4), 0xffffffff);
  });

  it('INVEPT makes EPT12 changes visible: EPT02 keeps the old translation until single- or all-context INVEPT', () => {
    const r = setup([...load(PAGE_A), ...I.vmcall]);
    put(r, PT, HOST_X | RWX | WB);
    r.mem.write(HOST_X, 4, 0x1111);
    r.mem.write(HOST_Y, 4, 0x2222);
    exec(r, I.vmlaunch);
    assert.equal(r.s.vmcs12.lo(VMCS.VM_EXIT_REASON), 18);
    assert.equal(lastL2Eax(r), 0x1111);
    put(r, PT, HOST_Y | RWX | WB); // L1 remaps without INVEPT
    // Cached guest-physical mappings may be used until INVEPT (29.4.1): ours are.
    assert.equal(runL2(r), 0x1111);
    const eptp = r.s.vmcs12.lo(VMCS.EPT_POINTER);
    invept(r, 1, (eptp ^ 0x40) >>> 0); // same EPT12 PML4, A/D flipped: the same context (EPTP[51:12])
    assert.equal(ept02Roots(r.s).length, 0, 'single-context INVEPT dropped the root of that PML4');
    assert.equal(runL2(r), 0x2222);
    invept(r, 1, 0x800000 | (3 << 3) | 6); // another context: ours stays
    assert.equal(ept02Roots(r.s).length, 1);
    put(r, PT, HOST_X | RWX | WB);
    invept(r, 2, 0);
    assert.equal(ept02Roots(r.s).length, 0);
    assert.equal(runL2(r), 0x1111, 'all-context INVEPT');
  });

  it('VPID: no L2 translation survives into L1 (VPID 0 and nonzero), nor L1 ones into L2', () => {
    for (const vpid of [0, 5]) {
      const r = setup([...load(PAGE_A), ...I.vmcall], { vpid });
      put(r, PT, HOST_X | RWX | WB);
      r.mem.write(HOST_X, 4, 0xaaaa);
      r.mem.write(PAGE_A, 4, 0xbbbb);
      runCode(r, load(PAGE_A)); // L1 caches linear PAGE_A -> physical PAGE_A
      assert.equal(r.cpu.getReg(0, 4), 0xbbbb);
      exec(r, I.vmlaunch);
      assert.equal(r.s.vmcs12.lo(VMCS.VM_EXIT_REASON), 18, `vpid ${vpid}`);
      assert.equal(lastL2Eax(r), 0xaaaa, `L2 saw EPT12's page (vpid ${vpid})`);
      runCode(r, load(PAGE_A));
      assert.equal(r.cpu.getReg(0, 4), 0xbbbb, `L1 sees its own page again (vpid ${vpid})`);
    }
  });
});

/** L2's EAX at its last exit: L0 leaves L2's GPRs in the vCPU (L1's host state does not load them). */
function lastL2Eax(r: VmxRig): number { return r.cpu.getReg(0, 4); }

/** VMRESUME L2 at its start (load then VMCALL); returns the value L2 loaded. */
function runL2(r: VmxRig): number {
  r.s.vmcs12.set(VMCS.GUEST_RIP, L2_RIP);
  exec(r, I.vmresume);
  assert.equal(r.s.vmcs12.lo(VMCS.VM_EXIT_REASON), 18, 'L2 reached its VMCALL');
  return r.cpu.getReg(0, 4);
}

function invept(r: VmxRig, type: number, eptp: number): void {
  const DESC = DATA + 0x200;
  r.mem.write(DESC, 4, eptp >>> 0); r.mem.write(DESC + 4, 4, 0); r.mem.write(DESC + 8, 4, 0); r.mem.write(DESC + 12, 4, 0);
  r.cpu.setReg(3, 8, DESC);
  assert.equal(exec(r, [0x48, 0xb8, ...le32(type), 0, 0, 0, 0, 0x66, 0x0f, 0x38, 0x80, 0x03]), 'VMsucceed');
}

describe('l0 EPT02: unrestricted guest (SDM vol 3C 25.6.2, 27.3.1.1)', () => {
  /** L2 in real mode (CR0.PE = PG = 0) at CS:IP = 0x1800:0, or unpaged 32-bit protected mode. */
  function unrestricted(code: number[], real: boolean): VmxRig {
    const r = setup(code);
    const v = r.s.vmcs12;
    v.set(VMCS.SECONDARY_VM_EXEC_CONTROL, SECONDARY.ENABLE_EPT | SECONDARY.UNRESTRICTED_GUEST);
    v.set(VMCS.VM_ENTRY_CONTROLS, (v.lo(VMCS.VM_ENTRY_CONTROLS) & ~(1 << 9)) >>> 0); // not IA-32e
    v.set(VMCS.GUEST_CR0, real ? 0x10 | 0x20 : 0x11 | 0x20);
    v.set(VMCS.GUEST_CR4, 0x2000);
    v.set(VMCS.GUEST_IA32_EFER, 0);
    const field = VMCS as Readonly<Record<string, number>>;
    for (const n of ['ES', 'CS', 'SS', 'DS', 'FS', 'GS']) {
      const cs = n === 'CS';
      if (real) {
        v.set(field[`GUEST_${n}_SELECTOR`], cs ? L2_RIP >> 4 : 0);
        v.set(field[`GUEST_${n}_BASE`], cs ? L2_RIP : 0);
        v.set(field[`GUEST_${n}_LIMIT`], 0xffff);
        v.set(field[`GUEST_${n}_AR_BYTES`], cs ? 0x9b : 0x93);
      } else {
        v.set(field[`GUEST_${n}_AR_BYTES`], cs ? 0xc09b : 0xc093);
      }
    }
    v.set(VMCS.GUEST_RIP, real ? 0 : L2_RIP);
    v.set(VMCS.GUEST_RSP, 0x8000);
    return r;
  }

  it('real-mode L2: fetches and data accesses are guest-physical through EPT12', () => {
    const r = unrestricted([], true);
    put(r, PD, HOST_X | 0x80 | RWX | WB); // gpa 0..2M -> 10 MiB..12 MiB
    r.mem.write(HOST_X + 0x10, 2, 0x4242);
    r.mem.writeBytes(HOST_X + L2_RIP, Uint8Array.from([0xa1, 0x10, 0x00, 0x0f, 0xa2])); // mov ax, [0x10] (DS = 0); cpuid
    exec(r, I.vmlaunch);
    assert.equal(r.s.vmcs12.lo(VMCS.VM_EXIT_REASON), 10, 'CPUID exit');
    assert.equal(r.s.vmcs12.lo(VMCS.GUEST_RIP), 3);
    assert.equal(r.cpu.getReg(0, 2), 0x4242);
  });

  it('unpaged protected-mode L2: an EPT12 hole is an EPT violation with the linear address = guest-physical', () => {
    const r = unrestricted(load(PAGE_NONE + 4), false);
    exec(r, I.vmlaunch);
    assertEptExit(r, 48, 0x181, PAGE_NONE + 4, PAGE_NONE + 4);
  });
});

describe('l0 INVVPID flushing (SDM vol 3C 31.3 INVVPID, 29.4.3.1)', () => {
  const INVVPID = [0x66, 0x0f, 0x38, 0x81, 0x03]; // invvpid rax, [rbx]
  function invvpid(r: VmxRig, type: number, vpid: number, lin: number): string {
    const DESC = DATA + 0x200;
    r.mem.write(DESC, 4, vpid); r.mem.write(DESC + 4, 4, 0); r.mem.write(DESC + 8, 4, lin >>> 0); r.mem.write(DESC + 12, 4, 0);
    r.cpu.setReg(3, 8, DESC);
    return exec(r, [0x48, 0xb8, ...le32(type), 0, 0, 0, 0, ...INVVPID]);
  }
  const cached = (r: VmxRig, lin: number): boolean => r.cpu.mmu.tlbs[0].tag[Math.floor(lin / 4096) & 1023] === Math.floor(lin / 4096);

  /** Whether L2's bank (VPID-tagged entries kept while L1 runs, l0/vmx-tlb.ts) holds `lin`. */
  const banked = (r: VmxRig, lin: number): boolean =>
    r.s.tlbL2.valid && r.s.tlbL2.tlbs[0].tag[Math.floor(lin / 4096) & 1023] === Math.floor(lin / 4096);

  it('drops L2\'s mappings of that VPID (individual-address: the page; all-context: every VPID\'s), never L1\'s (VPID 0)', () => {
    // L2 (VPID 1) reads both pages and halts: its entries wait in its bank while L1 runs.
    const r = setupL2([...load(PAGE_A), ...load(PAGE_RO)], { primary: PRIMARY.HLT_EXITING, secondary: SECONDARY.ENABLE_VPID });
    r.s.vmcs12.set(VMCS.VIRTUAL_PROCESSOR_ID, 1);
    exec(r, I.vmlaunch);
    assert.equal(r.s.vmcs12.lo(VMCS.VM_EXIT_REASON), 12);
    assert.ok(banked(r, PAGE_A) && banked(r, PAGE_RO));
    runCode(r, load(PAGE_RO));
    assert.ok(cached(r, PAGE_RO), 'L1 caches PAGE_RO under VPID 0');
    assert.equal(invvpid(r, 0, 2, PAGE_A), 'VMsucceed');
    assert.ok(banked(r, PAGE_A), 'type 0 of another VPID: L2\'s page stays');
    assert.equal(invvpid(r, 0, 1, PAGE_A), 'VMsucceed');
    assert.ok(!banked(r, PAGE_A), 'type 0: the page is gone');
    assert.ok(banked(r, PAGE_RO), 'type 0: other pages stay');
    assert.equal(invvpid(r, 2, 0, 0), 'VMsucceed');
    assert.ok(!r.s.tlbL2.valid, 'type 2: all of L2\'s gone');
    assert.ok(cached(r, PAGE_RO), 'L1\'s (VPID 0) mapping stays');
  });
});
