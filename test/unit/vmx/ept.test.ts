// The EPT walk (SDM vol 3C 29.3.2), misconfigurations (29.3.3.1), violations
// (29.3.3.2), accessed/dirty flags (29.3.5), EPTP validation (27.2.1.1) and
// the EPT-violation exit qualification (28.2.1 table 28-7).
import { strict as assert } from 'assert';
import { PhysicalMemory } from '../../../emulator/mem/physmem';
import {
  eptWalk, EptCaps, EptOutcome, decodeEptp, eptpError, eptViolationQualification, eptCapsOf,
  EPT_READ, EPT_WRITE, EPT_EXEC,
} from '../../../emulator/vmx/ept';
import { eptpProblem } from '../../../emulator/l0/vmx-invalidate';
import { resolveVmxCaps } from '../../../emulator/vmx/caps';
import { parseCpuPolicy } from '../../../emulator/x86/cpu-model';

const PML4 = 0x10000, PDPT = 0x11000, PD = 0x12000, PT = 0x13000;
const ALL: EptCaps = { physAddrBits: 40, execOnly: true, walk4: true, uc: true, wb: true, pages2m: true, pages1g: true, ad: true };
const RWX = 7, WB = 6 << 3;

function mem(): PhysicalMemory { return new PhysicalMemory([{ base: 0, size: 64 << 20 }]); }
function put(m: PhysicalMemory, addr: number, lo: number, hi = 0): void { m.write(addr, 4, lo >>> 0); m.write(addr + 4, 4, hi >>> 0); }
const eptp = (ad = false) => decodeEptp((PML4 | (3 << 3) | 6 | (ad ? 0x40 : 0)) >>> 0, 0);

/** gpa 0x40_0000 (PML4[0] PDPT[0] PD[2]) -> PT; PT[5] maps gpa 0x405000 to host `host` with `leaf` bits. */
function fourK(m: PhysicalMemory, leaf: number, host = 0x800000, upper = RWX): void {
  put(m, PML4, PDPT | upper);
  put(m, PDPT, PD | upper);
  put(m, PD + 2 * 8, PT | upper);
  put(m, PT + 5 * 8, host | leaf);
}
const GPA = 0x405123;

describe('EPT walk (SDM vol 3C 29.3.2)', () => {
  it('4 KiB pages: host address, page size, R/W/X = AND of the entries, memory type of the leaf', () => {
    const m = mem();
    fourK(m, RWX | WB, 0x800000, 3);
    const w = eptWalk(m, ALL, eptp(), GPA, EPT_READ);
    assert.equal(w.outcome, EptOutcome.Ok);
    assert.equal(w.hpa, 0x800123);
    assert.equal(w.pageSize, 4096);
    assert.equal(w.perms, 3);
    assert.equal(w.memType, 6);
  });

  it('2 MiB and 1 GiB pages keep the low bits of the guest-physical address', () => {
    const m = mem();
    put(m, PML4, PDPT | RWX);
    put(m, PDPT, PD | RWX);
    put(m, PD + 8, 0x2400000 | 0x80 | RWX | WB); // gpa 2M..4M -> 36M
    let w = eptWalk(m, ALL, eptp(), 0x212345, EPT_READ);
    assert.deepEqual([w.outcome, w.hpa, w.pageSize], [EptOutcome.Ok, 0x2412345, 2 << 20]);
    put(m, PDPT + 8, 0x80000000 | 0x80 | RWX | WB); // gpa 1G..2G -> 2G
    w = eptWalk(m, ALL, eptp(), 0x40123456, EPT_WRITE);
    assert.deepEqual([w.outcome, w.hpa, w.pageSize], [EptOutcome.Ok, 0x80123456, 1 << 30]);
  });

  it('not present (bits 2:0 = 0) at any level: violation with permissions 0', () => {
    const m = mem();
    fourK(m, 0);
    const w = eptWalk(m, ALL, eptp(), GPA, EPT_READ);
    assert.equal(w.outcome, EptOutcome.Violation);
    assert.equal(w.perms, 0);
    put(m, PD + 2 * 8, 0); // upper level gone
    assert.equal(eptWalk(m, ALL, eptp(), GPA, EPT_READ).outcome, EptOutcome.Violation);
  });

  it('permissions: each kind of the access needs its bit in every entry (29.3.3.2)', () => {
    const m = mem();
    fourK(m, 1 | WB); // read-only leaf
    assert.equal(eptWalk(m, ALL, eptp(), GPA, EPT_READ).outcome, EptOutcome.Ok);
    const w = eptWalk(m, ALL, eptp(), GPA, EPT_WRITE);
    assert.deepEqual([w.outcome, w.perms], [EptOutcome.Violation, 1]);
    assert.equal(eptWalk(m, ALL, eptp(), GPA, EPT_EXEC).outcome, EptOutcome.Violation);
    // An upper level without X takes X away from the translation.
    fourK(m, RWX | WB, 0x800000, 3);
    assert.deepEqual([eptWalk(m, ALL, eptp(), GPA, EPT_EXEC).outcome, eptWalk(m, ALL, eptp(), GPA, EPT_EXEC).perms], [EptOutcome.Violation, 3]);
    // Read-and-write access (a paging-structure access with EPT A/D) needs both.
    fourK(m, 1 | WB);
    assert.equal(eptWalk(m, ALL, eptp(), GPA, EPT_READ | EPT_WRITE).outcome, EptOutcome.Violation);
  });

  it('execute-only entries: allowed when IA32_VMX_EPT_VPID_CAP[0], else a misconfiguration', () => {
    const m = mem();
    fourK(m, 4 | WB);
    const w = eptWalk(m, ALL, eptp(), GPA, EPT_EXEC);
    assert.deepEqual([w.outcome, w.perms], [EptOutcome.Ok, 4]);
    assert.equal(eptWalk(m, ALL, eptp(), GPA, EPT_READ).outcome, EptOutcome.Violation);
    assert.equal(eptWalk(m, { ...ALL, execOnly: false }, eptp(), GPA, EPT_EXEC).outcome, EptOutcome.Misconfig);
  });

  it('misconfigurations (29.3.3.1): write without read, reserved bits, reserved memory types, unsupported large pages', () => {
    const cases: [string, (m: PhysicalMemory) => void, EptCaps?][] = [
      ['W only', (m) => fourK(m, 2 | WB)],
      ['W+X without R', (m) => fourK(m, 6 | WB)],
      ['W only in an upper level', (m) => { fourK(m, RWX | WB); put(m, PDPT, PD | 2); }],
      ['PML4E bit 7', (m) => { fourK(m, RWX | WB); put(m, PML4, PDPT | 0x80 | RWX); }],
      ['PML4E bits 7:3', (m) => { fourK(m, RWX | WB); put(m, PML4, PDPT | 0x8 | RWX); }],
      ['PDE (table) bits 7:3', (m) => { fourK(m, RWX | WB); put(m, PD + 16, PT | 0x30 | RWX); }],
      ['memory type 2', (m) => fourK(m, RWX | (2 << 3))],
      ['memory type 3', (m) => fourK(m, RWX | (3 << 3))],
      ['memory type 7', (m) => fourK(m, RWX | (7 << 3))],
      ['address beyond MAXPHYADDR', (m) => fourK(m, RWX | WB), { ...ALL, physAddrBits: 36 }],
      ['2 MiB page bits 20:12', (m) => { fourK(m, RWX | WB); put(m, PD + 16, 0x400000 | 0x1000 | 0x80 | RWX | WB); }],
      ['2 MiB page without support', (m) => { fourK(m, RWX | WB); put(m, PD + 16, 0x400000 | 0x80 | RWX | WB); }, { ...ALL, pages2m: false }],
      ['1 GiB page without support', (m) => { fourK(m, RWX | WB); put(m, PDPT, 0x80 | RWX | WB); }, { ...ALL, pages1g: false }],
      ['1 GiB page bits 29:12', (m) => { fourK(m, RWX | WB); put(m, PDPT, 0x200000 | 0x80 | RWX | WB); }],
    ];
    for (const [name, build, caps] of cases) {
      const m = mem();
      build(m);
      if (name === 'address beyond MAXPHYADDR') put(m, PT + 5 * 8, 0x800000 | RWX | WB, 0x10); // bit 36
      const w = eptWalk(m, caps ?? ALL, eptp(), GPA, EPT_READ);
      assert.equal(w.outcome, EptOutcome.Misconfig, `${name}: ${w.detail}`);
    }
    // A not-present entry's other bits are ignored: violation, not misconfiguration.
    const m = mem();
    fourK(m, 0xf8);
    assert.equal(eptWalk(m, ALL, eptp(), GPA, EPT_READ).outcome, EptOutcome.Violation);
  });

  it('hostile EPTP / entries pointing beyond RAM read all ones: a misconfiguration, never a crash', () => {
    const m = mem();
    const far = decodeEptp((0xf0000000 | (3 << 3) | 6) >>> 0, 0x12);
    assert.equal(eptWalk(m, ALL, far, GPA, EPT_READ).outcome, EptOutcome.Misconfig);
    fourK(m, RWX | WB);
    put(m, PD + 16, 0xfff000 | RWX, 0x7f); // PT at 0x7f_00fff000: no RAM there
    assert.equal(eptWalk(m, ALL, eptp(), GPA, EPT_READ).outcome, EptOutcome.Misconfig);
  });

  it('accessed/dirty flags (29.3.5): A in every entry used, D in the leaf on writes, only with EPTP[6]', () => {
    const m = mem();
    fourK(m, RWX | WB);
    eptWalk(m, ALL, eptp(false), GPA, EPT_WRITE);
    assert.equal(m.read(PT + 40, 4) & 0x300, 0, 'no flags without EPTP bit 6');
    let w = eptWalk(m, ALL, eptp(true), GPA, EPT_READ);
    assert.equal(w.dirty, false);
    for (const a of [PML4, PDPT, PD + 16, PT + 40]) assert.equal(m.read(a, 4) & 0x300, 0x100, `A at 0x${a.toString(16)}`);
    w = eptWalk(m, ALL, eptp(true), GPA, EPT_WRITE);
    assert.equal(w.dirty, true);
    assert.equal(m.read(PT + 40, 4) & 0x300, 0x300, 'D in the leaf');
    assert.equal(m.read(PD + 16, 4) & 0x200, 0, 'no D in non-leaf entries');
    // A debugger lookup sets nothing; a violation sets nothing.
    const m2 = mem();
    fourK(m2, 1 | WB);
    eptWalk(m2, ALL, eptp(true), GPA, EPT_READ, false);
    eptWalk(m2, ALL, eptp(true), GPA, EPT_WRITE);
    assert.equal(m2.read(PT + 40, 4) & 0x300, 0);
  });
});

describe('EPTP validation (SDM vol 3C 27.2.1.1)', () => {
  it('memory type UC/WB, 4-level walk, A/D only if supported, reserved bits', () => {
    const good = (PML4 | (3 << 3) | 6) >>> 0;
    assert.equal(eptpError(ALL, good, 0), null);
    assert.equal(eptpError(ALL, (PML4 | (3 << 3)) >>> 0, 0), null, 'UC');
    assert.match(eptpError(ALL, (PML4 | (3 << 3) | 1) >>> 0, 0) ?? '', /memory type 1/);
    assert.match(eptpError({ ...ALL, wb: false }, good, 0) ?? '', /memory type 6/);
    assert.match(eptpError(ALL, (PML4 | (4 << 3) | 6) >>> 0, 0) ?? '', /page-walk length 5/);
    assert.equal(eptpError(ALL, good | 0x40, 0), null);
    assert.match(eptpError({ ...ALL, ad: false }, good | 0x40, 0) ?? '', /bit 6/);
    assert.match(eptpError(ALL, good | 0x100, 0) ?? '', /11:7/);
    assert.match(eptpError(ALL, good, 0x100) ?? '', /63:40/);
  });

  it('agrees with the VM-entry checks (CTRL-EPTP-*) for the caps of the max CPU model', () => {
    const caps = resolveVmxCaps(parseCpuPolicy('max') as never);
    const ec = eptCapsOf(caps);
    const values: [number, number][] = [];
    for (const mt of [0, 1, 6, 7]) for (const wl of [2, 3, 4]) for (const ad of [0, 0x40]) for (const rs of [0, 0x100]) values.push([(PML4 | mt | (wl << 3) | ad | rs) >>> 0, 0]);
    values.push([(PML4 | (3 << 3) | 6) >>> 0, 1 << (caps.physAddrBits - 32)]);
    for (const [lo, hi] of values) {
      assert.equal(eptpError(ec, lo, hi) === null, eptpProblem(caps, lo, hi) === null, `EPTP 0x${hi.toString(16)}_${lo.toString(16)}`);
    }
  });
});

describe('EPT-violation exit qualification (SDM vol 3C 28.2.1 table 28-7)', () => {
  it('access bits 2:0, permission bits 5:3, linear-address valid 7, translation 8, NMI unblocking 12', () => {
    assert.equal(eptViolationQualification(EPT_WRITE, 1, true, true, false), 0x2 | 0x8 | 0x80 | 0x100);
    assert.equal(eptViolationQualification(EPT_READ, 0, true, false, false), 0x81, 'paging-structure access: bit 8 clear');
    assert.equal(eptViolationQualification(EPT_EXEC, 3, false, true, false), 0x4 | 0x18, 'bit 8 only with bit 7');
    assert.equal(eptViolationQualification(EPT_READ | EPT_WRITE, 5, true, false, true), 0x3 | 0x28 | 0x80 | 0x1000);
  });
});
