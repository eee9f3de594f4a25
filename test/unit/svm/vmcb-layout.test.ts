import { strict as assert } from 'assert';
import { PhysicalMemory } from '../../../emulator/mem/physmem';
import {
  ATTRIB_BITS, CLEAN, CLEAN_BITS, EVENT_BITS, INTERRUPT_STATE_BITS, NESTED_CTL_BITS, VINTR_BITS, VIRT_EXT_BITS, VMCB_FIELDS,
  VMCB_LEAVES, VMCB_OFF, VMCB_SIZE, VmcbBitField, VmcbFieldDef, bitsOf, formatBitFields, vmcbField, vmcbFieldAt,
  ATTRIB_DB, ATTRIB_G, ATTRIB_L, ATTRIB_P, EVENT_EV, EVENT_RESERVED_MASK, EVENT_TYPE_MASK, EVENT_V, EVENT_VECTOR_MASK,
  INT_STATE_GUEST_IF, INT_STATE_SHADOW, NESTED_CTL_NP_ENABLE, NESTED_CTL_SEV_ENABLE, NESTED_CTL_SEV_ES_ENABLE,
  VINTR_V_GIF, VINTR_V_GIF_ENABLE, VINTR_V_IGN_TPR, VINTR_V_INTR_MASKING, VINTR_V_IRQ, VINTR_V_NMI, VINTR_V_NMI_ENABLE,
  VINTR_V_NMI_MASK, VINTR_V_TPR_MASK, VIRT_EXT_LBR, VIRT_EXT_VMLOAD_VMSAVE,
} from '../../../emulator/svm/vmcb-layout';
import {
  VmcbLeafName, copyVmcb, readFieldBig, readFieldBytes, readHi, readLo, readSegment, readU64, vmcbImage, vmcbInMemory,
  writeField, writeFieldBig, writeFieldBytes, writeSegment,
} from '../../../emulator/svm/vmcb-access';
import { ByteRegion } from '../../../emulator/svm/phys';
import { readTsv } from './reference';

const fields = VMCB_FIELDS as readonly VmcbFieldDef[];

/** Deterministic pseudo-random 32-bit values (xorshift). */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13; x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5; x >>>= 0;
    return x;
  };
}

function mask(t: readonly VmcbBitField[], name: string): number {
  const f = t.find((x) => x.name === name);
  assert.ok(f, `bit field ${name}`);
  assert.ok(f.hi < 32, `${name} is in the low dword`);
  const w = f.hi - f.lo + 1;
  return ((w === 32 ? 0xffffffff : (1 << w) - 1) << f.lo) >>> 0;
}

describe('svm/vmcb-layout: the table', () => {
  it('covers the 4 KiB page exactly, in offset order, without overlap', () => {
    let at = 0;
    for (const f of fields) {
      assert.equal(f.offset, at, `${f.name} starts at 0x${at.toString(16)}`);
      assert.ok(f.size > 0);
      at += f.size;
    }
    assert.equal(at, VMCB_SIZE);
  });

  it('has unique names and areas split at 0x400', () => {
    const names = fields.filter((f) => !f.reserved).map((f) => f.name);
    assert.equal(new Set(names).size, names.length);
    for (const f of fields) assert.equal(f.area, f.offset < 0x400 ? 'control' : 'save', f.name);
    for (const f of fields) assert.match(f.apm, /App\. B Table B-[12]/, f.name);
  });

  it('matches vmcb-layout.tsv row for row: area, offset, size, name, clean bit', () => {
    const rows = readTsv('vmcb-layout.tsv');
    assert.equal(rows.length, fields.length);
    rows.forEach((r, i) => {
      const f = fields[i];
      assert.equal(f.area, r.area, `row ${i}`);
      assert.equal(f.offset, parseInt(r.offset, 16), `row ${i} ${r.name}`);
      assert.equal(f.size, parseInt(r.size, 10), r.name);
      assert.equal(f.name, r.name);
      const m = /clean=(\S+?)[;)\s]|clean=(\S+)$/.exec(r.meaning);
      const clean = m ? (m[1] ?? m[2]) : undefined;
      const expected = clean === undefined || clean === '-' ? null : parseInt(clean, 10);
      assert.equal(f.clean, expected, `${r.name} clean bit (${r.meaning})`);
    });
  });

  it('VMCB_OFF names the offsets the rest of the code uses', () => {
    assert.equal(VMCB_OFF.INTERCEPT_MISC2, 0x010);
    assert.equal(VMCB_OFF.EXITCODE, 0x070);
    assert.equal(VMCB_OFF.EVENTINJ, 0x0a8);
    assert.equal(VMCB_OFF.NRIP, 0x0c8);
    assert.equal(VMCB_OFF.CS, 0x410);
    assert.equal(VMCB_OFF.CPL, 0x4cb);
    assert.equal(VMCB_OFF.EFER, 0x4d0);
    assert.equal(VMCB_OFF.RAX, 0x5f8);
    assert.equal(VMCB_OFF.G_PAT, 0x668);
    assert.equal(Object.keys(VMCB_OFF).length, fields.filter((f) => !f.reserved).length);
  });

  it('expands segment slots into selector/attrib/limit/base leaves and descriptor tables into limit/base', () => {
    assert.equal(vmcbField('CS.selector')?.offset, 0x410);
    assert.equal(vmcbField('CS.attrib')?.offset, 0x412);
    assert.equal(vmcbField('CS.limit')?.offset, 0x414);
    assert.equal(vmcbField('CS.base')?.offset, 0x418);
    assert.equal(vmcbField('CS.base')?.size, 8);
    assert.equal(vmcbField('GDTR.limit')?.offset, 0x464);
    assert.equal(vmcbField('GDTR.selector'), undefined);
    assert.equal(vmcbField('TR.base')?.xfer, 'vmload');
    assert.equal(vmcbField('CS.attrib')?.bits, ATTRIB_BITS);
    // 8 segments x 4 + 2 descriptor tables x 2 leaves; every other named field once.
    const scalars = fields.filter((f) => !f.reserved && f.kind !== 'segment' && f.kind !== 'dtr').length;
    assert.equal(VMCB_LEAVES.length, scalars + 8 * 4 + 2 * 2);
    assert.equal(vmcbFieldAt(0x0c1)?.name, 'VMCB_CLEAN');
    assert.equal(vmcbFieldAt(0x0c5)?.reserved, true);
    assert.equal(vmcbFieldAt(0x1000), undefined);
  });

  it('records which instruction moves each save-area field (VMRUN vs VMLOAD)', () => {
    const vmrun = fields.filter((f) => f.xfer === 'vmrun').map((f) => f.name);
    const vmload = fields.filter((f) => f.xfer === 'vmload').map((f) => f.name);
    assert.deepEqual(vmrun, ['ES', 'CS', 'SS', 'DS', 'GDTR', 'IDTR', 'CPL', 'EFER', 'CR4', 'CR3', 'CR0', 'DR7', 'DR6', 'RFLAGS', 'RIP', 'RSP', 'RAX', 'CR2', 'G_PAT']);
    assert.deepEqual(vmload, ['FS', 'GS', 'LDTR', 'TR', 'STAR', 'LSTAR', 'CSTAR', 'SFMASK', 'KERNEL_GS_BASE', 'SYSENTER_CS', 'SYSENTER_ESP', 'SYSENTER_EIP']);
  });

  it('hot-path bit constants agree with the bit tables', () => {
    assert.equal(VINTR_V_TPR_MASK, mask(VINTR_BITS, 'V_TPR'));
    assert.equal(VINTR_V_IRQ, mask(VINTR_BITS, 'V_IRQ'));
    assert.equal(VINTR_V_GIF, mask(VINTR_BITS, 'V_GIF'));
    assert.equal(VINTR_V_NMI, mask(VINTR_BITS, 'V_NMI'));
    assert.equal(VINTR_V_NMI_MASK, mask(VINTR_BITS, 'V_NMI_MASK'));
    assert.equal(VINTR_V_IGN_TPR, mask(VINTR_BITS, 'V_IGN_TPR'));
    assert.equal(VINTR_V_INTR_MASKING, mask(VINTR_BITS, 'V_INTR_MASKING'));
    assert.equal(VINTR_V_GIF_ENABLE, mask(VINTR_BITS, 'V_GIF_ENABLE'));
    assert.equal(VINTR_V_NMI_ENABLE, mask(VINTR_BITS, 'V_NMI_ENABLE'));
    assert.deepEqual(VINTR_BITS.find((x) => x.name === 'V_INTR_VECTOR'), { name: 'V_INTR_VECTOR', lo: 32, hi: 39, doc: 'vector delivered for V_IRQ' });
    assert.equal(INT_STATE_SHADOW, mask(INTERRUPT_STATE_BITS, 'INTERRUPT_SHADOW'));
    assert.equal(INT_STATE_GUEST_IF, mask(INTERRUPT_STATE_BITS, 'GUEST_INTERRUPT_MASK'));
    assert.equal(EVENT_VECTOR_MASK, mask(EVENT_BITS, 'VECTOR'));
    assert.equal(EVENT_TYPE_MASK, mask(EVENT_BITS, 'TYPE'));
    assert.equal(EVENT_EV, mask(EVENT_BITS, 'EV'));
    assert.equal(EVENT_RESERVED_MASK, mask(EVENT_BITS, 'reserved'));
    assert.equal(EVENT_V >>> 0, mask(EVENT_BITS, 'V'));
    assert.equal(NESTED_CTL_NP_ENABLE, mask(NESTED_CTL_BITS, 'NP_ENABLE'));
    assert.equal(NESTED_CTL_SEV_ENABLE, mask(NESTED_CTL_BITS, 'SEV_ENABLE'));
    assert.equal(NESTED_CTL_SEV_ES_ENABLE, mask(NESTED_CTL_BITS, 'SEV_ES_ENABLE'));
    assert.equal(VIRT_EXT_LBR, mask(VIRT_EXT_BITS, 'LBR_VIRTUALIZATION_ENABLE'));
    assert.equal(VIRT_EXT_VMLOAD_VMSAVE, mask(VIRT_EXT_BITS, 'VIRTUALIZED_VMSAVE_VMLOAD'));
    assert.equal(ATTRIB_P, mask(ATTRIB_BITS, 'P'));
    assert.equal(ATTRIB_L, mask(ATTRIB_BITS, 'L'));
    assert.equal(ATTRIB_DB, mask(ATTRIB_BITS, 'DB'));
    assert.equal(ATTRIB_G, mask(ATTRIB_BITS, 'G'));
    for (const [name, bit] of Object.entries(CLEAN)) assert.equal(mask(CLEAN_BITS, name), (1 << bit) >>> 0, name);
  });

  it('bitsOf reads ranges in either half and across bit 32', () => {
    assert.equal(bitsOf(0x00000100, 0, { lo: 8, hi: 8 }), 1);
    assert.equal(bitsOf(0, 0x000000ab, { lo: 32, hi: 39 }), 0xab);
    assert.equal(bitsOf(0xf0000000, 0x3, { lo: 28, hi: 33 }), 0x3f);
    assert.equal(bitsOf(0x12345678, 0x9abcdef0, { lo: 0, hi: 31 }), 0x12345678);
    assert.equal(bitsOf(0x12345678, 0x9abcdef0, { lo: 32, hi: 63 }), 0x9abcdef0);
  });

  it('formats field values through their bit tables', () => {
    assert.equal(formatBitFields(VINTR_BITS, 0x01000102, 0x20), 'V_TPR=0x2 V_IRQ V_INTR_MASKING V_INTR_VECTOR=0x20');
    assert.equal(formatBitFields(EVENT_BITS, 0x80000b0e, 0x2), 'VECTOR=0xe TYPE=0x3 EV V ERRORCODE=0x2');
    assert.equal(formatBitFields(EVENT_BITS, 0x00001000, 0), 'reserved[30:12]=0x1');
    assert.equal(formatBitFields(INTERRUPT_STATE_BITS, 0, 0), '0');
    assert.equal(formatBitFields(ATTRIB_BITS, 0xa9b, 0), 'TYPE=0xb S P L G');
  });
});

describe('svm/vmcb-access: reading and writing fields', () => {
  it('round-trips every scalar leaf at its size, with 64-bit values as halves', () => {
    const next = rng(0x5eed);
    const v = vmcbImage();
    const written = new Map<string, [number, number]>();
    for (const l of VMCB_LEAVES) {
      if (l.kind === 'bytes') continue;
      const lo = next();
      const hi = next();
      writeField(v, l.name as VmcbLeafName, lo, hi);
      const bits = l.size * 8;
      written.set(l.name, [bits >= 32 ? lo >>> 0 : lo & ((1 << bits) - 1), l.size === 8 ? hi >>> 0 : 0]);
    }
    // Read back after all writes: fields must not overlap.
    for (const [name, [lo, hi]] of written) {
      assert.equal(readLo(v, name as VmcbLeafName), lo, name);
      assert.equal(readHi(v, name as VmcbLeafName), hi, name);
      assert.deepEqual(readU64(v, name as VmcbLeafName), { lo, hi }, name);
    }
  });

  it('keeps values little-endian at the table offsets', () => {
    const v = vmcbImage();
    writeField(v, 'EXITCODE', 0xffffffff, 0xffffffff);
    writeField(v, 'TSC_OFFSET', 0x89abcdef, 0x01234567);
    const b = v.bytes;
    assert.deepEqual([...b.subarray(0x50, 0x58)], [0xef, 0xcd, 0xab, 0x89, 0x67, 0x45, 0x23, 0x01]);
    assert.deepEqual([...b.subarray(0x70, 0x78)], [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
    assert.equal(readFieldBig(v, 'EXITCODE'), 0xffffffffffffffffn);
    writeFieldBig(v, 'EXITCODE', -1n);
    assert.equal(readFieldBig(v, 'EXITCODE'), 0xffffffffffffffffn);
    writeFieldBig(v, 'RIP', 0xffff800000001000n);
    assert.deepEqual(readU64(v, 'RIP'), { lo: 0x00001000, hi: 0xffff8000 });
  });

  it('truncates writes to the field size and leaves neighbours alone', () => {
    const v = vmcbImage();
    writeField(v, 'ERAP_CTL', 0xff);
    writeField(v, 'TLB_CONTROL', 0x1ff);
    assert.equal(readLo(v, 'TLB_CONTROL'), 0xff);
    assert.equal(readLo(v, 'ERAP_CTL'), 0xff);
    writeField(v, 'GUEST_ASID', 0xdeadbeef);
    assert.equal(readLo(v, 'TLB_CONTROL'), 0xff);
    writeField(v, 'CS.attrib', 0x12a9b);
    assert.equal(readLo(v, 'CS.attrib'), 0x2a9b);
    assert.equal(readLo(v, 'CS.selector'), 0);
  });

  it('reads and writes whole segment slots', () => {
    const v = vmcbImage();
    const cs = { selector: 0x8, attrib: 0xa9b, limit: 0xffffffff, baseLo: 0x1000, baseHi: 0xffff8000 };
    writeSegment(v, 'CS', cs);
    assert.deepEqual(readSegment(v, 'CS'), cs);
    assert.equal(readLo(v, 'CS.attrib'), 0xa9b);
    assert.deepEqual(readU64(v, 'CS.base'), { lo: 0x1000, hi: 0xffff8000 });
    writeSegment(v, 'GDTR', { selector: 0, attrib: 0, limit: 0x27, baseLo: 0x5000, baseHi: 0 });
    assert.equal(readLo(v, 'GDTR.limit'), 0x27);
    assert.throws(() => readSegment(v, 'EFER' as never), /not a segment slot/);
    assert.throws(() => readLo(v, 'CS' as never), /segment slot/);
    assert.throws(() => readLo(v, 'NOPE' as never), /no VMCB field/);
  });

  it('reads and writes byte fields', () => {
    const v = vmcbImage();
    writeFieldBytes(v, 'GUEST_INSN_BYTES', new Uint8Array([0x0f, 0x01, 0xd8]));
    writeField(v, 'GUEST_INSN_LEN', 3);
    assert.deepEqual([...readFieldBytes(v, 'GUEST_INSN_BYTES').subarray(0, 4)], [0x0f, 0x01, 0xd8, 0]);
    assert.throws(() => writeFieldBytes(v, 'GUEST_INSN_BYTES', new Uint8Array(16)), /do not fit/);
  });

  it('works on a VMCB in guest-physical memory, and copyVmcb snapshots it', () => {
    const mem = new PhysicalMemory([{ base: 0, size: 0x100000 }]);
    const v = vmcbInMemory(mem, 0x7000);
    writeField(v, 'EXITINFO2', 0xcafe0000, 0x12);
    writeSegment(v, 'SS', { selector: 0x10, attrib: 0xc93, limit: 0xfffff, baseLo: 0, baseHi: 0 });
    assert.equal(mem.read(0x7080, 4), 0xcafe0000);
    assert.equal(mem.read(0x7084, 4), 0x12);
    assert.equal(mem.read(0x7422, 2), 0xc93);
    const snap = copyVmcb(v);
    writeField(v, 'EXITINFO2', 0, 0);
    assert.deepEqual(readU64(snap, 'EXITINFO2'), { lo: 0xcafe0000, hi: 0x12 });
    assert.equal(readSegment(snap, 'SS').attrib, 0xc93);
  });

  it('ByteRegion refuses accesses outside its bytes', () => {
    const r = new ByteRegion(new Uint8Array(16), 0x1000);
    r.write(0x100c, 4, 0x11223344);
    assert.equal(r.read(0x100c, 4), 0x11223344);
    assert.throws(() => r.read(0x100e, 4), RangeError);
    assert.throws(() => r.read(0xfff, 1), RangeError);
    assert.throws(() => vmcbImage(new Uint8Array(100)), /4096/);
  });
});
