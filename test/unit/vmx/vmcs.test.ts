import { strict as assert } from 'assert';
import {
  Vmcs, VmcsProfile, VMCS12_SIZE, VMCS12_LAYOUT, VMCS12_OFFSET_BY_SLOT, VMCS12_FIELDS_END, vmcs12Offset,
  VMCS12_REVISION_OFFSET, VMCS12_ABORT_OFFSET, VMCS12_LAUNCH_STATE_OFFSET, VMXERR_UNSUPPORTED_COMPONENT, VMXERR_READ_ONLY_COMPONENT,
} from '../../../emulator/vmx/vmcs';
import { VMCS_FIELDS, VMCS, fieldByName, encIndex } from '../../../emulator/vmx/fields';
import { resolveVmxCaps } from '../../../emulator/vmx/caps';
import { parseCpuPolicy } from '../../../emulator/x86/cpu-model';
import { MAX_CAPS } from './helpers';

const out = new Uint32Array(2);
const LO = 0x89abcdef;
const HI = 0x01234567;

function expectRead(v: Vmcs, enc: number, lo: number, hi: number, what: string): void {
  out[0] = 0xdead;
  out[1] = 0xbeef;
  assert.equal(v.read(enc, out), 0, `${what}: VMREAD error`);
  assert.equal(out[0], lo >>> 0, `${what}: bits 31:0`);
  assert.equal(out[1], hi >>> 0, `${what}: bits 63:32`);
}

describe('VMCS storage: VMREAD / VMWRITE (SDM 31.3)', () => {
  const misc29 = new VmcsProfile(() => true, true, true);

  describe('every field, by width', () => {
    for (const d of VMCS_FIELDS) {
      it(`${d.name} (${d.width === 'natural' ? 'natural' : d.width + '-bit'}${d.readOnly ? ', read-only' : ''})`, () => {
        const v = new Vmcs(misc29);
        assert.equal(v.write(d.encoding, LO, HI), 0);
        const wantLo = d.width === 16 ? LO & 0xffff : LO;
        const wantHi = d.width === 64 || d.width === 'natural' ? HI : 0;
        expectRead(v, d.encoding, wantLo, wantHi, 'full');
        if (d.width === 64) {
          expectRead(v, d.encoding | 1, HI, 0, 'high access read');
          assert.equal(v.write(d.encoding | 1, 0x7777, 0xffff), 0);
          expectRead(v, d.encoding, LO, 0x7777, 'high access write keeps bits 31:0');
          // a full-access write from 32-bit code supplies hi = 0 and clears bits 63:32
          assert.equal(v.write(d.encoding, 0x1234), 0);
          expectRead(v, d.encoding, 0x1234, 0, '32-bit full write');
        } else {
          assert.equal(v.read(d.encoding | 1, out), VMXERR_UNSUPPORTED_COMPONENT, 'high access of a non-64-bit field');
          assert.equal(v.write(d.encoding | 1, 1), VMXERR_UNSUPPORTED_COMPONENT, 'high access write of a non-64-bit field');
        }
        // read-only fields without IA32_VMX_MISC[29]
        const strict = new Vmcs();
        const err = strict.write(d.encoding, 1, 0);
        assert.equal(err, d.readOnly ? VMXERR_READ_ONLY_COMPONENT : 0);
        if (d.readOnly) {
          expectRead(strict, d.encoding, 0, 0, 'unchanged after failed VMWRITE');
          strict.set(d.encoding, 5); // the processor itself writes exit information
          expectRead(strict, d.encoding, 5, 0, 'hardware write');
        }
      });
    }
  });

  it('16-bit and 32-bit fields zero-extend and truncate', () => {
    const v = new Vmcs();
    assert.equal(v.write(VMCS.GUEST_CS_SELECTOR, 0xabcd1234, 0xffffffff), 0);
    expectRead(v, VMCS.GUEST_CS_SELECTOR, 0x1234, 0, '16-bit');
    assert.equal(v.write(VMCS.GUEST_CS_LIMIT, 0xffffffff, 0xffffffff), 0);
    expectRead(v, VMCS.GUEST_CS_LIMIT, 0xffffffff, 0, '32-bit');
  });

  it('access-rights reserved bits are stored as written (the entry checks see them)', () => {
    const v = new Vmcs();
    v.write(VMCS.GUEST_CS_AR_BYTES, 0xfffe0f00);
    expectRead(v, VMCS.GUEST_CS_AR_BYTES, 0xfffe0f00, 0, 'AR');
  });

  it('invalid encodings are error 12', () => {
    const v = new Vmcs();
    for (const enc of [0x1000, 0x681e | 0x1000, 0x8000, 0x681e | 0x8000, 0x80000000, 0xffffffff, 0x6890, 0x000c, 0x4c02, 0x2054]) {
      assert.equal(v.read(enc, out), VMXERR_UNSUPPORTED_COMPONENT, `read 0x${enc.toString(16)}`);
      assert.equal(v.write(enc, 1), VMXERR_UNSUPPORTED_COMPONENT, `write 0x${enc.toString(16)}`);
    }
    assert.equal(v.read(VMCS.GUEST_RIP, out, 1), VMXERR_UNSUPPORTED_COMPONENT, 'encoding operand bits 63:32');
    assert.equal(v.write(VMCS.GUEST_RIP, 1, 0, 1), VMXERR_UNSUPPORTED_COMPONENT);
  });

  it('error 12 is checked before error 13', () => {
    const v = new Vmcs();
    assert.equal(v.write(VMCS.VM_EXIT_REASON | 1, 1), VMXERR_UNSUPPORTED_COMPONENT);
    assert.equal(v.write(VMCS.GUEST_PHYSICAL_ADDRESS | 1, 1), VMXERR_READ_ONLY_COMPONENT);
  });

  it('fields the CPU lacks are error 12 (max model: no TSC multiplier, no tertiary controls)', () => {
    const v = new Vmcs(VmcsProfile.fromCaps(MAX_CAPS));
    assert.equal(v.read(VMCS.TSC_MULTIPLIER, out), VMXERR_UNSUPPORTED_COMPONENT);
    assert.equal(v.write(VMCS.TERTIARY_VM_EXEC_CONTROL | 1, 0), VMXERR_UNSUPPORTED_COMPONENT);
    assert.equal(v.write(VMCS.EPT_POINTER, 0x1e), 0);
  });

  it('the max model reports VMWRITE to read-only fields (MISC[29]); -vmx-vmwrite-vmexit-fields does not', () => {
    assert.equal(new Vmcs(VmcsProfile.fromCaps(MAX_CAPS)).write(VMCS.EXIT_QUALIFICATION, 1), 0);
    const strict = resolveVmxCaps(parseCpuPolicy('max,-vmx-vmwrite-vmexit-fields'));
    assert.equal(new Vmcs(VmcsProfile.fromCaps(strict)).write(VMCS.EXIT_QUALIFICATION, 1), VMXERR_READ_ONLY_COMPONENT);
  });

  it('natural-width fields are 32 bits on a CPU without Intel 64', () => {
    const caps = resolveVmxCaps(parseCpuPolicy('max,-lm'));
    assert.equal(caps.intel64, false);
    const v = new Vmcs(VmcsProfile.fromCaps(caps));
    v.write(VMCS.GUEST_RIP, 0x1000, 0xffff);
    expectRead(v, VMCS.GUEST_RIP, 0x1000, 0, 'natural on IA-32');
    v.write(VMCS.VMCS_LINK_POINTER, 0xffffffff, 0xffffffff);
    expectRead(v, VMCS.VMCS_LINK_POINTER, 0xffffffff, 0xffffffff, '64-bit stays 64-bit');
  });

  it('hardware-side accessors: lo/hi/set/num/hex', () => {
    const v = new Vmcs();
    v.set(VMCS.GUEST_RIP, 0x1000, 0xffff8000);
    assert.equal(v.lo(VMCS.GUEST_RIP), 0x1000);
    assert.equal(v.hi(VMCS.GUEST_RIP), 0xffff8000);
    assert.equal(v.hex(VMCS.GUEST_RIP), '0xffff800000001000');
    v.set(VMCS.GUEST_ES_SELECTOR, 0x12345);
    assert.equal(v.lo(VMCS.GUEST_ES_SELECTOR), 0x2345);
    v.set(VMCS.EPT_POINTER, 0x5000, 0x10);
    assert.equal(v.num(VMCS.EPT_POINTER), 0x10_0000_5000);
  });
});

describe('VMCS12 memory layout', () => {
  it('every field has its own offset inside the 4 KiB region, after the 16-byte header', () => {
    const used = new Uint8Array(VMCS12_SIZE);
    used.fill(1, 0, 16);
    for (const d of VMCS_FIELDS) {
      const o = VMCS12_OFFSET_BY_SLOT[d.slot];
      const size = d.width === 16 ? 2 : d.width === 32 ? 4 : 8;
      assert.ok(o >= 16 && o + size <= VMCS12_FIELDS_END, d.name);
      assert.equal(o % size, 0, `${d.name} aligned`);
      for (let k = 0; k < size; k++) {
        assert.equal(used[o + k], 0, `${d.name} overlaps`);
        used[o + k] = 1;
      }
      assert.equal(vmcs12Offset(d.encoding), o);
    }
    assert.ok(VMCS12_FIELDS_END <= VMCS12_SIZE);
    assert.equal(VMCS12_FIELDS_END, 0xbd0);
  });

  it('offsets are a function of the encoding alone (documented examples)', () => {
    assert.equal(vmcs12Offset(VMCS.GUEST_RIP), 0x690 + 0x0f * 8);
    assert.equal(vmcs12Offset(VMCS.GUEST_RIP), 0x708);
    assert.equal(vmcs12Offset(VMCS.VIRTUAL_PROCESSOR_ID), 0xb10);
    assert.equal(vmcs12Offset(VMCS.IO_BITMAP_A), 0x010);
    assert.equal(vmcs12Offset(VMCS.VM_EXIT_REASON), 0x9d0 + 1 * 4);
    assert.equal(vmcs12Offset(VMCS.HOST_RIP), 0x810 + 0x0b * 8);
    assert.equal(vmcs12Offset(VMCS.GUEST_RIP | 1), -1);
    assert.equal(vmcs12Offset(0x6890), -1);
    for (const c of VMCS12_LAYOUT) {
      for (const d of VMCS_FIELDS.filter((f) => f.width === c.width && f.type === c.type)) {
        assert.equal(vmcs12Offset(d.encoding), c.base + encIndex(d.encoding) * c.size, d.name);
      }
    }
  });

  it('round-trips through serializeTo / loadFrom, header included', () => {
    const v = new Vmcs();
    v.revisionId = 0x4e560001;
    v.shadow = true;
    v.abortIndicator = 4;
    v.launched = true;
    let seed = 12345;
    const rnd = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0);
    for (const d of VMCS_FIELDS) v.set(d.encoding, rnd(), rnd());
    const bytes = new Uint8Array(VMCS12_SIZE + 8).fill(0xcc);
    v.serializeTo(bytes, 8);
    assert.equal(bytes[0], 0xcc, 'nothing before the offset');
    const dv = new DataView(bytes.buffer, 8);
    assert.equal(dv.getUint32(VMCS12_REVISION_OFFSET, true), 0xce560001);
    assert.equal(dv.getUint32(VMCS12_ABORT_OFFSET, true), 4);
    assert.equal(dv.getUint32(VMCS12_LAUNCH_STATE_OFFSET, true), 1);
    assert.equal(dv.getUint32(vmcs12Offset(VMCS.GUEST_RIP), true), v.lo(VMCS.GUEST_RIP));
    assert.equal(dv.getUint32(vmcs12Offset(VMCS.GUEST_RIP) + 4, true), v.hi(VMCS.GUEST_RIP));
    assert.equal(dv.getUint16(vmcs12Offset(VMCS.GUEST_CS_SELECTOR), true), v.lo(VMCS.GUEST_CS_SELECTOR));
    for (let o = VMCS12_FIELDS_END; o < VMCS12_SIZE; o++) assert.equal(dv.getUint8(o), 0);
    const w = new Vmcs();
    w.loadFrom(bytes, 8);
    assert.deepEqual(w.data, v.data);
    assert.equal(w.revisionId, 0x4e560001);
    assert.equal(w.shadow, true);
    assert.equal(w.abortIndicator, 4);
    assert.equal(w.launched, true);
  });

  it('loads a region L1 wrote byte by byte (launch state bit 0, values truncated to the profile)', () => {
    const bytes = new Uint8Array(VMCS12_SIZE);
    const dv = new DataView(bytes.buffer);
    dv.setUint32(0, 0x4e560001, true);
    dv.setUint32(8, 0xfffffffe, true); // bit 0 clear: launch state clear
    dv.setUint32(vmcs12Offset(VMCS.GUEST_RIP), 0x1000, true);
    dv.setUint32(vmcs12Offset(VMCS.GUEST_RIP) + 4, 0xffffffff, true);
    const v = new Vmcs(VmcsProfile.fromCaps(resolveVmxCaps(parseCpuPolicy('max,-lm'))));
    v.loadFrom(bytes);
    assert.equal(v.launched, false);
    assert.equal(v.shadow, false);
    assert.equal(v.lo(VMCS.GUEST_RIP), 0x1000);
    assert.equal(v.hi(VMCS.GUEST_RIP), 0, 'natural width is 32 bits without Intel 64');
    assert.throws(() => v.loadFrom(new Uint8Array(100)), RangeError);
  });

  it('clear() and copyFrom()', () => {
    const v = new Vmcs();
    v.set(VMCS.GUEST_RIP, 5);
    v.launched = true;
    const w = new Vmcs();
    w.copyFrom(v);
    assert.equal(w.lo(VMCS.GUEST_RIP), 5);
    assert.equal(w.launched, true);
    w.clear();
    assert.equal(w.lo(VMCS.GUEST_RIP), 0);
    assert.equal(w.launched, false);
  });

  it('field access by encoding is a table lookup (1e6 VMREADs well under a second)', () => {
    const v = new Vmcs();
    const t0 = process.hrtime.bigint();
    let x = 0;
    for (let i = 0; i < 1_000_000; i++) {
      v.read(VMCS.GUEST_RIP, out);
      x ^= out[0];
      x ^= v.lo(VMCS.VM_EXIT_REASON);
    }
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    assert.ok(ms < 1000, `${ms} ms`);
    assert.equal(typeof x, 'number');
    assert.ok(fieldByName('GUEST_RIP'));
  });
});
