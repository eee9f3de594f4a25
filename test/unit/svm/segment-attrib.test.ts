import { strict as assert } from 'assert';
import { arToAttrib, attribToAr, describeAttrib } from '../../../emulator/svm/segment-attrib';
import { AR_DB, AR_G, AR_L, AR_P, AR_S, AR_UNUSABLE, AR_AVL } from '../../../emulator/x86/state';
import { arOf, makeDescriptor } from '../../../emulator/x86/segments';

/** VMCB attrib straight from a descriptor's high dword (APM Table B-2: desc bits 47:40 and 55:52). */
const attribOfDescriptor = (hi: number): number => ((hi >>> 8) & 0xff) | ((hi >>> 12) & 0xf00);

describe('svm/segment-attrib: VMCB attrib <-> core access rights', () => {
  it('maps each attribute bit to its access-rights bit', () => {
    assert.equal(attribToAr(0x0080), AR_P);
    assert.equal(attribToAr(0x0090), AR_P | AR_S);
    assert.equal(attribToAr(0x0180), AR_P | AR_AVL);
    assert.equal(attribToAr(0x0280), AR_P | AR_L);
    assert.equal(attribToAr(0x0480), AR_P | AR_DB);
    assert.equal(attribToAr(0x0880), AR_P | AR_G);
    assert.equal(attribToAr(0x00e0), AR_P | (3 << 5));
    assert.equal(attribToAr(0x008b), AR_P | 0xb);
  });

  it('converts the usual 64-bit segments', () => {
    // 64-bit code, DPL0: type B, S, P, L, G.
    assert.equal(attribToAr(0xa9b), 0xa09b);
    assert.equal(arToAttrib(0xa09b), 0xa9b);
    // Flat 32-bit data: type 3, S, P, D/B, G.
    assert.equal(attribToAr(0xc93), 0xc093);
    // 64-bit TSS (busy), system segment.
    assert.equal(attribToAr(0x8b), 0x8b);
  });

  it('round-trips every present attribute value (reserved bits 15:12 dropped)', () => {
    for (let a = 0; a < 0x10000; a++) {
      if (!(a & 0x80)) continue;
      const ar = attribToAr(a);
      assert.equal(ar & AR_UNUSABLE, 0);
      assert.equal(arToAttrib(ar), a & 0xfff, `attrib 0x${a.toString(16)}`);
    }
  });

  it('round-trips every usable access-rights value (AR bits 11:8 are reserved in the core format)', () => {
    for (let hi = 0; hi < 16; hi++) {
      for (let lo = 0; lo < 256; lo++) {
        if (!(lo & 0x80)) continue;
        const ar = lo | (hi << 12);
        assert.equal(attribToAr(arToAttrib(ar)), ar);
      }
    }
  });

  it('maps P=0 to unusable and back (KVM convention), keeping the other bits', () => {
    // A null data segment as the core loads it: unusable, S, type 4... DPL 3 for SS.
    const nullSs = AR_UNUSABLE | AR_S | 0x4 | (3 << 5);
    const attrib = arToAttrib(nullSs);
    assert.equal(attrib & 0x80, 0);
    assert.equal((attrib >> 5) & 3, 3, 'SS.DPL survives');
    assert.equal(attribToAr(attrib), nullSs);
    assert.equal(attribToAr(0), AR_UNUSABLE);
    // An unusable segment whose AR still has P set is stored not-present.
    assert.equal(arToAttrib(AR_UNUSABLE | AR_P | AR_S | 3) & 0x80, 0);
  });

  it('agrees with the core descriptor decoding: attribToAr(attrib of descriptor) == arOf(descriptor)', () => {
    const ars = [0xa09b, 0xc093, 0x409b, 0x00f3, 0x8089, 0x0082, 0xc0fb, 0x10f3];
    for (const ar of ars) {
      const [, hi] = makeDescriptor(0x12345678, 0xfffff, ar);
      assert.equal(attribToAr(attribOfDescriptor(hi)), arOf(hi), `ar 0x${ar.toString(16)}`);
    }
  });

  it('describes attributes for the debugger', () => {
    assert.equal(describeAttrib(0xa9b), 'code execute/read, accessed, DPL0, P, L, G');
    assert.equal(describeAttrib(0xc93), 'data read/write, accessed, DPL0, P, D/B, G');
    assert.equal(describeAttrib(0x08b), 'system TSS (busy), DPL0, P');
    assert.equal(describeAttrib(0x0f3 & ~0x80), 'data read/write, accessed, DPL3, not present');
  });
});
