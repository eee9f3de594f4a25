// The nested page table walk (AMD APM vol 2 §15.25): formats by host mode,
// user-access semantics, A/D bits, and the #NPF error code (§15.25.6).
import { strict as assert } from 'assert';
import { ByteRegion } from '../../../emulator/svm/phys';
import { nptWalk, nptFormatOf, NptResult } from '../../../emulator/svm/npt';

const mem = (): ByteRegion => new ByteRegion(new Uint8Array(0x20000), 0);
const LONG = nptFormatOf(0x20, 0xd00, 40); // CR4.PAE, EFER.LMA|NXE|LME
const w = (m: ByteRegion, a: number, lo: number, hi = 0): void => { m.write(a, 4, lo >>> 0); m.write(a + 4, 4, hi >>> 0); };

/** 4-level NPT at 0x1000: GPA 0x200000 (PD index 1) -> 4 KiB page 0x9000 via PT at 0x4000; `leaf` flags on the PTE. */
function tables(leaf = 0x7, hi = 0): ByteRegion {
  const m = mem();
  w(m, 0x1000, 0x2007); // PML4[0] -> PDPT 0x2000
  w(m, 0x2000, 0x3007); // PDPT[0] -> PD 0x3000
  w(m, 0x3008, 0x4007); // PD[1] -> PT 0x4000
  w(m, 0x4000, 0x9000 | leaf, hi); // PT[0] -> 0x9000
  return m;
}

function fault(r: NptResult): [number, number] {
  assert.equal(r.ok, false);
  return r.ok ? [0, 0] : [r.info1Lo, r.info1Hi];
}

describe('svm/npt: nested page walk (APM 15.25)', () => {
  it('format follows the host paging mode at VMRUN: long 4-level, PAE 3-level, legacy 2-level', () => {
    assert.equal(nptFormatOf(0x20, 0x500, 40).levels, 4);
    assert.equal(nptFormatOf(0x20, 0, 40).levels, 3);
    assert.equal(nptFormatOf(0x10, 0, 40).levels, 2);
  });

  it('translates and sets accessed bits on every level, dirty on the leaf for writes', () => {
    const m = tables();
    const r = nptWalk(m, 0x1000, 0, LONG, 0x200123, 'write', true);
    assert.deepEqual(r, { ok: true, page: 0x9000, writable: true, executable: true });
    assert.equal(m.read(0x1000, 4) & 0x20, 0x20);
    assert.equal(m.read(0x3008, 4) & 0x20, 0x20);
    assert.equal(m.read(0x4000, 4) & 0x60, 0x60);
  });

  it('not present: EXITINFO1 = US (user access) | bit 32 for the final GPA, bit 33 for a guest page-table access', () => {
    const m = tables();
    assert.deepEqual(fault(nptWalk(m, 0x1000, 0, LONG, 0x400000, 'read', true)), [0x4, 0x1]);
    assert.deepEqual(fault(nptWalk(m, 0x1000, 0, LONG, 0x400000, 'read', false)), [0x4, 0x2]);
  });

  it('write to a read-only page: P | RW | US; fetch from XD page: P | US | ID', () => {
    assert.deepEqual(fault(nptWalk(tables(0x5), 0x1000, 0, LONG, 0x200000, 'write', true)), [0x7, 1]);
    assert.deepEqual(fault(nptWalk(tables(0x7, 0x80000000), 0x1000, 0, LONG, 0x200000, 'fetch', true)), [0x15, 1]);
  });

  it('U/S = 0 anywhere faults even for reads: nested walks are user accesses (APM 15.25.5)', () => {
    assert.deepEqual(fault(nptWalk(tables(0x3), 0x1000, 0, LONG, 0x200000, 'read', true)), [0x5, 1]);
  });

  it('reserved bits (above MAXPHYADDR; XD without EFER.NXE) give P | RSV', () => {
    assert.deepEqual(fault(nptWalk(tables(0x7, 0x100), 0x1000, 0, LONG, 0x200000, 'read', true)), [0xd, 1]);
    const noNx = nptFormatOf(0x20, 0x500, 40);
    assert.deepEqual(fault(nptWalk(tables(0x7, 0x80000000), 0x1000, 0, noNx, 0x200000, 'read', true)), [0xd, 1]);
  });

  it('2 MiB pages: base + offset; reserved low bits fault', () => {
    const m = mem();
    w(m, 0x1000, 0x2007); w(m, 0x2000, 0x3007);
    w(m, 0x3000, 0x600000 | 0x87);
    const r = nptWalk(m, 0x1000, 0, LONG, 0x12345, 'read', true);
    assert.equal(r.ok && r.page, 0x612000);
    w(m, 0x3000, 0x602000 | 0x87);
    assert.deepEqual(fault(nptWalk(m, 0x1000, 0, LONG, 0x12345, 'read', true)), [0xd, 1]);
  });

  it('legacy 2-level format (32-bit host without PAE)', () => {
    const m = mem();
    const fmt = nptFormatOf(0, 0, 40);
    m.write(0x1000 + 1 * 4, 4, 0x2007); // PDE[1] (GPA 0x400000-0x7fffff) -> PT 0x2000
    m.write(0x2000 + 3 * 4, 4, 0x8007); // PTE[3] -> 0x8000
    const r = nptWalk(m, 0x1000, 0, fmt, 0x403abc, 'read', true);
    assert.equal(r.ok && r.page, 0x8000);
  });

  it('hostile tables: entries of all ones (unbacked memory) are reserved-bit faults, never an address', () => {
    const ones = { read: () => 0xffffffff, write: () => undefined };
    assert.deepEqual(fault(nptWalk(ones, 0xfffff000, 0xff, LONG, 0x1000, 'read', true)), [0xd, 1]);
  });
});
