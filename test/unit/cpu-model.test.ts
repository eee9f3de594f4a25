import * as assert from 'assert';
import { parseCpuPolicy, CpuPolicyError, CpuModel, NESTVIRT_VMCS_REVISION_ID, CR4 } from '../../emulator/x86/cpu-model';
import {
  CPUID_FEATURES, VMX_FEATURES, lookupFeature, vmxFeatureMsr, vmxFeatureMsrBit, describeFeature,
  IA32_VMX_BASIC, IA32_VMX_PINBASED_CTLS, IA32_VMX_PROCBASED_CTLS, IA32_VMX_EXIT_CTLS, IA32_VMX_ENTRY_CTLS, IA32_VMX_MISC,
  IA32_VMX_CR0_FIXED0, IA32_VMX_CR0_FIXED1, IA32_VMX_CR4_FIXED0, IA32_VMX_CR4_FIXED1, IA32_VMX_VMCS_ENUM,
  IA32_VMX_PROCBASED_CTLS2, IA32_VMX_EPT_VPID_CAP, IA32_VMX_TRUE_PINBASED_CTLS, IA32_VMX_TRUE_PROCBASED_CTLS,
  IA32_VMX_TRUE_EXIT_CTLS, IA32_VMX_TRUE_ENTRY_CTLS, IA32_VMX_VMFUNC, IA32_VMX_PROCBASED_CTLS3, IA32_VMX_EXIT_CTLS2,
} from '../../emulator/x86/cpu-features';
import type { CpuModelLike } from '../../emulator/x86/model';
import { CONTROL_FIELD, ControlWord } from '../../emulator/vmx/controls';
import { VMCS } from '../../emulator/vmx/fields';
import type { TransitionEvent, DiagnosticEvent } from '../../emulator/events';
import { readTsv } from './vmx/helpers';
import { setupL2, launch, transitions } from './l0/l2rig';

const bit = (n: number) => (1 << n) >>> 0;
const has = (v: number, n: number) => ((v >>> n) & 1) === 1;

function policyError(spec: string, re: RegExp): CpuPolicyError {
  try {
    parseCpuPolicy(spec);
  } catch (e) {
    assert.ok(e instanceof CpuPolicyError, `expected CpuPolicyError, got ${(e as Error).message}`);
    assert.match((e as Error).message, re);
    return e as CpuPolicyError;
  }
  assert.fail(`'${spec}' should have been rejected`);
}

/**
 * CPUID of `-cpu qemu64` on qemu-system-x86_64 7.2 (TCG, -smp 1), read by a
 * multiboot kernel executing CPUID and printing to COM1.
 */
const QEMU72_QEMU64: Record<string, [number, number, number, number]> = {
  '0': [0x0000000d, 0x68747541, 0x444d4163, 0x69746e65],
  '1': [0x00060fb1, 0x00000800, 0x80002001, 0x078bfbfd],
  '5': [0, 0, 3, 0],
  '7': [0, 0, 0, 0],
  'b.0': [0, 1, 0x100, 0],
  'b.1': [0, 1, 0x201, 0],
  'b.2': [0, 0, 2, 0],
  'd': [0, 0, 0, 0],
  '80000000': [0x8000000a, 0x68747541, 0x444d4163, 0x69746e65],
  '80000001': [0x00060fb1, 0, 0x00000005, 0x2193fbfd],
  '80000002': [0x554d4551, 0x72695620, 0x6c617574, 0x55504320],
  '80000003': [0x72657620, 0x6e6f6973, 0x352e3220, 0x0000002b],
  '80000004': [0, 0, 0, 0],
  '80000005': [0x01ff01ff, 0x01ff01ff, 0x40020140, 0x40020140],
  '80000006': [0, 0x42004200, 0x02008140, 0x00808140],
  '80000007': [0, 0, 0, 0],
  '80000008': [0x00003028, 0, 0, 0],
  '8000000a': [1, 0x10, 0, 0],
};
/** What nestvirt leaves out of qemu64 because it does not implement it: sse3 (pni), pse36, mmx. */
const NOT_IMPLEMENTED_1_ECX = bit(0);
const NOT_IMPLEMENTED_1_EDX = bit(17) | bit(23);

describe('CPU model (-cpu policy)', () => {
  describe('parsing', () => {
    it('accepts the base models and implements the core interface', () => {
      for (const spec of ['max', 'host', 'qemu64', 'QEMU64', ' max ']) {
        const m: CpuModelLike = parseCpuPolicy(spec);
        assert.ok(m.vendor === 'intel' || m.vendor === 'amd');
        assert.strictEqual(m.physAddrBits, 40);
      }
      assert.strictEqual(parseCpuPolicy('max').vendor, 'intel');
      assert.strictEqual(parseCpuPolicy('qemu64').vendor, 'amd');
      assert.deepStrictEqual(parseCpuPolicy('host').features(), parseCpuPolicy('max').features());
    });

    it('+feat, -feat, feat=on|off, bare feat, and QEMU precedence (-feat > +feat > feat=on|off)', () => {
      assert.ok(!parseCpuPolicy('max,-vmx-ept').has('vmx-ept'));
      assert.ok(!parseCpuPolicy('max,vmx-ept=off').has('vmx-ept'));
      assert.ok(parseCpuPolicy('max,vmx-ept=off,vmx-ept=on').has('vmx-ept'));
      assert.ok(!parseCpuPolicy('max,-vmx-ept,+vmx-ept').has('vmx-ept'), '-feat wins whatever the order');
      assert.ok(parseCpuPolicy('max,+vmx-ept,vmx-ept=off').has('vmx-ept'), '+feat wins over feat=off');
      assert.ok(parseCpuPolicy('qemu64,npt').has('npt'), 'bare name means on');
      assert.ok(parseCpuPolicy('qemu64,+npt,+vgif').has('vgif'));
      const m = parseCpuPolicy('max,-vmx-ept,+vmx-ept');
      assert.ok(m.warnings.some((w) => w.startsWith('Ambiguous CPU model string')));
    });

    it('accepts QEMU aliases and _ for -', () => {
      const m = parseCpuPolicy('qemu64,-lahf_lm,-xd,+nrip_save');
      assert.ok(!m.has('lahf-lm') && !m.has('nx') && !m.has('xd'));
      assert.ok(!m.has('sse3') && !m.has('pni'));
      assert.ok(parseCpuPolicy('max').has('i64'));
      assert.strictEqual(lookupFeature('tsc_deadline')!.name, 'tsc-deadline');
      assert.strictEqual(lookupFeature('sse4_2')!.name, 'sse4.2');
    });

    it('qemu64,+svm and +svm on an Intel-vendor model (QEMU advertises it anyway)', () => {
      assert.ok(parseCpuPolicy('qemu64').svm, 'qemu64 has SVM by default, as in QEMU');
      assert.ok(parseCpuPolicy('qemu64,+svm').svm);
      assert.ok(!parseCpuPolicy('max').svm);
      const m = parseCpuPolicy('max,+svm,+npt,+vgif');
      assert.strictEqual(m.vendor, 'intel');
      assert.ok(m.svm && m.vmx && m.npt && m.vgif);
      assert.ok(has(m.cpuid(0x80000001, 0)[2], 2));
      assert.strictEqual(m.xlevel, 0x8000000a, 'xlevel raised for SVM');
      assert.deepStrictEqual(m.cpuid(0x8000000a, 0), [1, 16, 0, bit(0) | bit(16)]);
    });

    it('unknown models, features and bad values are errors that list the valid names', () => {
      policyError('foo', /^unknown CPU model 'foo' in CPU policy 'foo'; valid models: max, host, qemu64$/);
      policyError('', /^empty CPU policy; valid models: max, host, qemu64$/);
      const e = policyError('max,+vmx-eptt', /^unknown CPU feature or property 'vmx-eptt' in CPU policy 'max,\+vmx-eptt'; valid properties: vendor, family, model, stepping, model-id, phys-bits; valid features: fpu, /);
      for (const name of ['sse2', 'vmx-ept', 'vmx-shadow-vmcs', 'npt', 'nrip-save', 'pni (not implemented)']) assert.ok(e.message.includes(name), name);
      policyError('max,frobnicate=on', /unknown CPU feature or property 'frobnicate'/);
      policyError('max,vmx-ept=maybe', /'vmx-ept=maybe': value must be on or off$/);
      policyError('max,family=abc', /'family=abc': expected an integer/);
      policyError('max,phys-bits=60', /'phys-bits=60': expected an integer from 32 to 52$/);
      policyError('max,vendor=CyrixInstead', /vendor 'CyrixInstead' is not supported; valid vendors: GenuineIntel, AuthenticAMD$/);
      policyError('max,vendor', /property 'vendor' needs a value/);
    });

    it('unimplemented features are refused with a warning, never advertised', () => {
      const m = parseCpuPolicy('max,+sse4.2,+pni');
      assert.ok(!m.has('sse4.2') && !m.has('sse3'));
      assert.deepStrictEqual(m.warnings, [
        "nestvirt doesn't implement requested feature: CPUID.01H:ECX.sse4.2 [bit 20]",
        "nestvirt doesn't implement requested feature: CPUID.01H:ECX.pni [bit 0]",
      ]);
      assert.strictEqual(m.cpuid(1, 0)[2] & (bit(0) | bit(20)), 0);
    });

    it('dependencies drop what lost its prerequisite, warning like QEMU when it was requested', () => {
      const m = parseCpuPolicy('qemu64,+npt,-svm');
      assert.ok(!m.has('npt'));
      assert.deepStrictEqual(m.warnings, ['This feature depends on other features that were not requested: CPUID.8000000AH:EDX.npt [bit 0]']);
      const v = parseCpuPolicy('max,-vmx-secondary-ctls,+vmx-ept');
      assert.ok(!v.has('vmx-ept') && !v.has('vmx-unrestricted-guest') && !v.has('vmx-ept-2mb'));
      assert.ok(v.warnings.includes('This feature depends on other features that were not requested: MSR(48BH).vmx-ept [bit 1]'));
      const nolm = parseCpuPolicy('max,-lm');
      assert.ok(!nolm.has('vmx-entry-ia32e-mode'));
      assert.ok(!parseCpuPolicy('max,-rdtscp').has('vmx-rdtscp-exit'));
      assert.ok(!parseCpuPolicy('max,-invpcid').has('vmx-invpcid-exit'));
      const novmx = parseCpuPolicy('max,-vmx');
      assert.ok(VMX_FEATURES.every((f) => !novmx.has(f.name)));
    });

    it('properties: vendor, family/model/stepping, model-id, phys-bits', () => {
      const m = parseCpuPolicy('qemu64,vendor=GenuineIntel,family=6,model=0x55,stepping=4,model-id=My CPU,,v2,phys-bits=46');
      assert.strictEqual(m.vendor, 'intel');
      assert.strictEqual(m.modelId, 'My CPU,v2');
      assert.strictEqual(m.cpuid(1, 0)[0], 0x00050654);
      assert.strictEqual(m.cpuid(0x80000008, 0)[0], 0x302e);
      assert.strictEqual(m.physAddrBits, 46);
      // Intel vendor: no AMD aliases of leaf-1 EDX bits in 80000001 EDX (QEMU 7.2, vendor=GenuineIntel: 0x20100800).
      assert.strictEqual(m.cpuid(0x80000001, 0)[3], 0x20100800);
    });
  });

  describe('CPUID', () => {
    it('qemu64 matches QEMU 7.2 TCG, minus sse3/pse36/mmx which nestvirt does not implement', () => {
      const m = parseCpuPolicy('qemu64');
      for (const [key, q] of Object.entries(QEMU72_QEMU64)) {
        const [leafHex, sub] = key.split('.');
        const leaf = parseInt(leafHex, 16);
        const expected = [...q];
        if (leaf === 1) {
          expected[2] = (expected[2] & ~NOT_IMPLEMENTED_1_ECX) >>> 0;
          expected[3] = (expected[3] & ~NOT_IMPLEMENTED_1_EDX) >>> 0;
        }
        if (leaf === 0x80000001) expected[3] = (expected[3] & ~NOT_IMPLEMENTED_1_EDX) >>> 0;
        assert.deepStrictEqual(m.cpuid(leaf, sub ? parseInt(sub, 16) : 0, 0), expected, `leaf ${key}`);
      }
      assert.strictEqual(m.family, 15);
      assert.strictEqual(m.model, 107);
      assert.strictEqual(m.stepping, 1);
      // QEMU 7.2 with -cpu qemu64,+npt,+vgif: 8000000A EDX = 0x00010001.
      assert.strictEqual(parseCpuPolicy('qemu64,+npt,+vgif').cpuid(0x8000000a, 0)[3], 0x00010001);
    });

    it('max: GenuineIntel, VMX, the implemented feature set, brand and address widths', () => {
      const m = parseCpuPolicy('max');
      const [l0, l1] = [m.cpuid(0, 0), m.cpuid(1, 0, 3)];
      assert.deepStrictEqual(l0, [0xd, 0x756e6547, 0x6c65746e, 0x49656e69]); // "GenuineIntel"
      assert.strictEqual(l1[0], 0x000006fb); // family 6, model 15, stepping 11
      assert.strictEqual(l1[1], (3 << 24) | (8 << 8), 'APIC ID 3, CLFLUSH 64 bytes');
      for (const n of [5, 13, 17, 21, 23, 24, 26, 31]) assert.ok(has(l1[2], n), `leaf 1 ECX bit ${n}`); // vmx cx16 pcid x2apic popcnt tsc-deadline xsave hypervisor
      for (const n of [0, 9, 12, 19, 20, 27, 28]) assert.ok(!has(l1[2], n), `leaf 1 ECX bit ${n} off`); // sse3 ssse3 fma sse4.1 sse4.2 osxsave avx
      for (const n of [0, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 13, 14, 15, 16, 19, 24, 25, 26]) assert.ok(has(l1[3], n), `leaf 1 EDX bit ${n}`);
      const l7 = m.cpuid(7, 0);
      assert.deepStrictEqual(l7, [0, bit(0) | bit(7) | bit(10) | bit(20), 0, 0]); // fsgsbase smep invpcid smap (bmi1: VEX forms not implemented)
      const e1 = m.cpuid(0x80000001, 0);
      assert.strictEqual(e1[2], bit(0) | bit(5)); // lahf-lm, abm (LZCNT); no svm on Intel max
      assert.strictEqual(e1[3], bit(11) | bit(20) | bit(26) | bit(27) | bit(29)); // syscall nx pdpe1gb rdtscp lm
      const brand = [2, 3, 4].flatMap((k) => m.cpuid(0x80000000 + k, 0)).map((w) => String.fromCharCode(w & 255, (w >> 8) & 255, (w >> 16) & 255, w >>> 24)).join('');
      assert.strictEqual(brand.replace(/\0+$/, ''), 'nestvirt virtual CPU');
      assert.deepStrictEqual(m.cpuid(0x80000008, 0), [0x3028, 0, 0, 0]); // 40-bit physical, 48-bit linear
      assert.strictEqual(m.cpuid(0x80000000, 0)[0], 0x80000008);
      assert.deepStrictEqual(m.cpuid(0xd, 0), [3, 576, 576, 0], 'XSAVE: x87+SSE, 576-byte area');
      assert.deepStrictEqual(m.cpuid(0xd, 1), [0, 0, 0, 0]);
    });

    it('per-vCPU and dynamic bits: APIC ID in leaf 1 and 0BH, OSXSAVE from CR4', () => {
      const m = parseCpuPolicy('max');
      assert.deepStrictEqual(m.cpuid(0xb, 0, 5), [0, 1, 0x100, 5]);
      assert.deepStrictEqual(m.cpuid(0xb, 1, 5), [0, 1, 0x201, 5]);
      assert.deepStrictEqual(m.cpuid(0xb, 7, 5), [0, 0, 7, 5]);
      assert.ok(!has(m.cpuid(1, 0, 0, 0)[2], 27));
      assert.ok(has(m.cpuid(1, 0, 0, CR4.OSXSAVE)[2], 27));
      assert.ok(!has(parseCpuPolicy('max,-xsave').cpuid(1, 0, 0, CR4.OSXSAVE)[2], 27));
      const out = new Uint32Array(4);
      m.cpuidInto(out, 1, 0, 2);
      assert.deepStrictEqual(Array.from(out), m.cpuid(1, 0, 2));
    });

    it('leaves above the maximum return the highest basic leaf (SDM CPUID, as QEMU)', () => {
      const m = parseCpuPolicy('max');
      assert.deepStrictEqual(m.cpuid(0x20, 0), m.cpuid(0xd, 0));
      assert.deepStrictEqual(m.cpuid(0x40000000, 0), m.cpuid(0xd, 0));
      assert.deepStrictEqual(m.cpuid(0x8000000a, 0), m.cpuid(0xd, 0), 'Intel max stops at 80000008H');
      assert.deepStrictEqual(m.cpuid(0x80000001, 5), m.cpuid(0x80000001, 0), 'subleaf ignored where unused');
      assert.deepStrictEqual(m.cpuid(7, 1), [0, 0, 0, 0]);
    });

    it('has() and the precomputed booleans agree with CPUID', () => {
      for (const spec of ['max', 'qemu64', 'max,-nx,-popcnt,+svm,+npt', 'qemu64,-lm']) {
        const m = parseCpuPolicy(spec);
        for (const f of CPUID_FEATURES) {
          if (f.leaf > (f.leaf >= 0x80000000 ? m.xlevel : m.level)) continue;
          const r = m.cpuid(f.leaf, f.subleaf)[['eax', 'ebx', 'ecx', 'edx'].indexOf(f.reg)];
          assert.strictEqual(has(r, f.bit), m.has(f.name), `${spec}: ${describeFeature(f)}`);
          if (has(r, f.bit)) assert.ok(f.implemented, `${f.name} advertised but not implemented`);
        }
        assert.strictEqual(m.nx, m.has('nx'));
        assert.strictEqual(m.lm, m.has('lm'));
        assert.strictEqual(m.sse2, m.has('sse2'));
        assert.strictEqual(m.popcnt, m.has('popcnt'));
      }
      assert.throws(() => parseCpuPolicy('max').has('nonsense'), /unknown CPU feature name 'nonsense'/);
    });

    it('CR4 and EFER masks follow the features', () => {
      const m = parseCpuPolicy('max');
      assert.ok(m.cr4ValidMask & CR4.VMXE && m.cr4ValidMask & CR4.SMEP && m.cr4ValidMask & CR4.PCIDE);
      assert.strictEqual(m.cr4ValidMask & (CR4.VME | CR4.LA57 | CR4.PKE | CR4.UMIP), 0);
      const q = parseCpuPolicy('qemu64');
      assert.strictEqual(q.cr4ValidMask & (CR4.VMXE | CR4.SMEP | CR4.FSGSBASE), 0);
      assert.strictEqual(q.eferValidMask, 0x1d01); // SCE LME LMA NXE SVME
      assert.strictEqual(m.eferValidMask, 0x0d01);
    });
  });

  describe('VMX capability MSRs', () => {
    const lo = (m: CpuModel, i: number) => m.vmxMsr(i)![0];
    const hi = (m: CpuModel, i: number) => m.vmxMsr(i)![1];

    it('max reports a consistent set (SDM Appendix A)', () => {
      const m = parseCpuPolicy('max');
      const basic = m.vmxMsr(IA32_VMX_BASIC)!;
      assert.strictEqual(basic[0], NESTVIRT_VMCS_REVISION_ID);
      assert.strictEqual(basic[0] >>> 31, 0);
      assert.strictEqual(basic[1] & 0x1fff, 4096, 'VMCS size');
      assert.strictEqual((basic[1] >>> 18) & 0xf, 6, 'write-back');
      assert.ok(has(basic[1], 22) && has(basic[1], 23), 'INS/OUTS info, TRUE controls');
      assert.ok(!has(basic[1], 16), '64-bit addresses');
      // allowed-0 ⊆ allowed-1 and default1 bits present in every control MSR
      for (const [i, d1] of [[IA32_VMX_PINBASED_CTLS, 0x16], [IA32_VMX_PROCBASED_CTLS, 0x0401e172], [IA32_VMX_EXIT_CTLS, 0x36dff], [IA32_VMX_ENTRY_CTLS, 0x11ff]]) {
        assert.strictEqual(lo(m, i), d1, `0x${i.toString(16)} allowed-0`);
        assert.strictEqual((lo(m, i) & ~hi(m, i)) >>> 0, 0);
        assert.strictEqual((lo(m, i + 0xc) & ~hi(m, i + 0xc)) >>> 0, 0, 'TRUE variant');
        assert.strictEqual(hi(m, i + 0xc), hi(m, i), 'TRUE allowed-1 equals the plain one');
      }
      assert.strictEqual(lo(m, IA32_VMX_TRUE_PROCBASED_CTLS), 0x04006172, 'CR3-load/store exiting may be 0');
      assert.strictEqual(lo(m, IA32_VMX_TRUE_EXIT_CTLS), 0x36dfb);
      assert.strictEqual(lo(m, IA32_VMX_TRUE_ENTRY_CTLS), 0x11fb);
      assert.ok(has(hi(m, IA32_VMX_PROCBASED_CTLS), 31), 'secondary controls');
      assert.ok(!has(hi(m, IA32_VMX_PROCBASED_CTLS), 17), 'no tertiary controls');
      assert.ok(has(hi(m, IA32_VMX_EXIT_CTLS), 9), 'host address-space size (long mode)');
      assert.ok(!has(hi(m, IA32_VMX_EXIT_CTLS), 31), 'no secondary exit controls');
      assert.ok(has(hi(m, IA32_VMX_ENTRY_CTLS), 9), 'IA-32e mode guest');
      const sec = hi(m, IA32_VMX_PROCBASED_CTLS2);
      for (const n of [1, 5, 7]) assert.ok(has(sec, n), `secondary bit ${n}`); // ept vpid unrestricted
      for (const n of [13, 14]) assert.ok(!has(sec, n), `secondary bit ${n} off`); // vmfunc, shadow-vmcs: not implemented for L2
      for (const n of [21, 27]) assert.ok(!has(hi(m, IA32_VMX_PROCBASED_CTLS), n), `primary bit ${n} off`); // TPR shadow, MTF: not implemented for L2
      assert.strictEqual(lo(m, IA32_VMX_PROCBASED_CTLS2), 0);
      const misc = lo(m, IA32_VMX_MISC);
      assert.strictEqual(misc & 0x1f, 5);
      assert.ok(has(misc, 5) && has(misc, 6) && !has(misc, 7) && !has(misc, 8) && has(misc, 29));
      assert.strictEqual((misc >>> 16) & 0x1ff, 4);
      assert.deepStrictEqual(m.vmxMsr(IA32_VMX_CR0_FIXED0), [0x80000021, 0]);
      assert.deepStrictEqual(m.vmxMsr(IA32_VMX_CR0_FIXED1), [0xffffffff, 0]);
      assert.deepStrictEqual(m.vmxMsr(IA32_VMX_CR4_FIXED0), [0x2000, 0]);
      assert.deepStrictEqual(m.vmxMsr(IA32_VMX_CR4_FIXED1), [m.cr4ValidMask, 0]);
      assert.deepStrictEqual(m.vmxMsr(IA32_VMX_VMCS_ENUM), [0x2e, 0]);
      const ept = m.vmxMsr(IA32_VMX_EPT_VPID_CAP)!;
      for (const n of [0, 6, 8, 14, 16, 17, 20, 21, 25, 26]) assert.ok(has(ept[0], n), `EPT cap bit ${n}`);
      for (const n of [0, 8, 9, 10, 11]) assert.ok(has(ept[1], n), `VPID cap bit ${32 + n}`);
      assert.strictEqual(m.vmxMsr(IA32_VMX_VMFUNC), null, 'no VM functions: the MSR exists only with enable VM functions (A.11)');
      assert.strictEqual(m.vmxMsr(IA32_VMX_PROCBASED_CTLS3), null);
      assert.strictEqual(m.vmxMsr(IA32_VMX_EXIT_CTLS2), null);
      assert.strictEqual(m.vmxMsr(0x3a), null);
    });

    it('every enabled vmx-* feature shows at its (MSR, bit), every disabled one does not', () => {
      for (const spec of ['max', 'max,-vmx-shadow-vmcs,-vmx-preemption-timer,-vmx-eptad,-vmx-invvpid-single-addr,-vmx-exit-ack-intr,-vmx-activity-hlt']) {
        const m = parseCpuPolicy(spec);
        for (const f of VMX_FEATURES) {
          const msr = m.vmxMsr(vmxFeatureMsr(f));
          if (!msr) {
            assert.ok(!m.has(f.name), `${f.name} on but its MSR is missing`);
            continue;
          }
          const b = vmxFeatureMsrBit(f);
          const set = has(b >= 32 ? msr[1] : msr[0], b & 31);
          assert.strictEqual(f.inverted ? !set : set, m.has(f.name), `${spec}: ${describeFeature(f)}`);
        }
      }
    });

    it('-vmx-ept removes EPT, its capabilities and unrestricted guest; VPID stays', () => {
      const m = parseCpuPolicy('max,-vmx-ept');
      const sec = hi(m, IA32_VMX_PROCBASED_CTLS2);
      assert.ok(!has(sec, 1) && !has(sec, 7) && has(sec, 5));
      const cap = m.vmxMsr(IA32_VMX_EPT_VPID_CAP)!;
      assert.strictEqual(cap[0], 0, 'no EPT capability bits');
      assert.strictEqual(cap[1], hi(parseCpuPolicy('max'), IA32_VMX_EPT_VPID_CAP));
      // VM functions are not implemented, with or without EPT.
      assert.strictEqual(m.vmxMsr(IA32_VMX_VMFUNC), null);
      assert.strictEqual(parseCpuPolicy('max,-vmx-ept,-vmx-vpid').vmxMsr(IA32_VMX_EPT_VPID_CAP), null);
      assert.strictEqual(parseCpuPolicy('max,vmx-ept=off').vmxMsr(IA32_VMX_EPT_VPID_CAP)![0], 0);
    });

    it('-vmx-true-ctls, -vmx-secondary-ctls, -vmx-cr3-load-noexit, -vmx', () => {
      const t = parseCpuPolicy('max,-vmx-true-ctls');
      assert.ok(!has(hi(t, IA32_VMX_BASIC), 23));
      for (const i of [IA32_VMX_TRUE_PINBASED_CTLS, IA32_VMX_TRUE_PROCBASED_CTLS, IA32_VMX_TRUE_EXIT_CTLS, IA32_VMX_TRUE_ENTRY_CTLS]) {
        assert.strictEqual(t.vmxMsr(i), null);
      }
      const s = parseCpuPolicy('max,-vmx-secondary-ctls');
      assert.ok(!has(hi(s, IA32_VMX_PROCBASED_CTLS), 31));
      assert.strictEqual(s.vmxMsr(IA32_VMX_PROCBASED_CTLS2), null);
      assert.strictEqual(s.vmxMsr(IA32_VMX_EPT_VPID_CAP), null);
      assert.strictEqual(s.vmxMsr(IA32_VMX_VMFUNC), null);
      const c = parseCpuPolicy('max,-vmx-cr3-load-noexit');
      assert.ok(has(lo(c, IA32_VMX_TRUE_PROCBASED_CTLS), 15) && !has(lo(c, IA32_VMX_TRUE_PROCBASED_CTLS), 16));
      assert.ok(has(hi(c, IA32_VMX_PROCBASED_CTLS), 15), 'the control itself stays allowed');
      const n = parseCpuPolicy('max,-vmx');
      assert.ok(!has(n.cpuid(1, 0)[2], 5));
      for (let i = 0x480; i <= 0x493; i++) assert.strictEqual(n.vmxMsr(i), null);
      assert.strictEqual(n.cr4ValidMask & CR4.VMXE, 0);
    });

    /** QEMU feature words of the VMX control words, and the vmx-controls.tsv field name of each. */
    const CONTROL_WORDS: Record<string, ControlWord> = { pin: 'pin', primary: 'primary', secondary: 'secondary', exit: 'exit', entry: 'entry' };
    const tsvName = (word: ControlWord, bit: number): string => {
      const row = readTsv('vmx-controls.tsv').find((r) => r.field === word && Number(r.bit) === bit);
      assert.ok(row, `vmx-controls.tsv has no ${word} bit ${bit}`);
      return row.name;
    };
    const unimplementedControls = VMX_FEATURES.filter((f) => !f.implemented && !f.inverted && f.word in CONTROL_WORDS);

    it('controls nestvirt does not honour for L2 are refused with a warning, never advertised', () => {
      assert.ok(unimplementedControls.length >= 5);
      for (const n of ['vmx-mtf', 'vmx-flexpriority', 'vmx-shadow-vmcs', 'vmx-vmfunc', 'vmx-eptp-switching']) {
        const f = lookupFeature(n)!;
        assert.ok(!f.implemented, `${n} must not be implemented`);
        const m = parseCpuPolicy(`max,+${n}`);
        assert.ok(!m.has(n), n);
        assert.ok(m.warnings.includes(`nestvirt doesn't implement requested feature: ${describeFeature(f)}`), m.warnings.join('\n'));
      }
      const m = parseCpuPolicy('max');
      for (const f of unimplementedControls) {
        const msr = m.vmxMsr(vmxFeatureMsr(f));
        if (msr) assert.ok(!has(msr[1], f.bit), `${describeFeature(f)} advertised by max`);
        // The non-TRUE MSR too: L1 without TRUE controls reads that one.
        const plain = f.word === 'secondary' ? null : m.vmxMsr(vmxFeatureMsr(f) - 0xc);
        if (plain) assert.ok(!has(plain[1], f.bit), `${describeFeature(f)} advertised by the non-TRUE MSR`);
      }
    });

    it('a VMCS12 that sets one anyway fails VM entry with VMfailValid(7) naming the control (SDM 27.2.1)', () => {
      for (const f of unimplementedControls) {
        const word = CONTROL_WORDS[f.word];
        const name = tsvName(word, f.bit);
        const bitMask = (1 << f.bit) >>> 0;
        // A valid VMCS12 (l2rig), plus the control; L2 would run CPUID then HLT.
        const r = setupL2([0x0f, 0xa2], word === 'secondary' ? { secondary: bitMask } : { [word]: bitMask });
        assert.strictEqual(launch(r), 'VMfailValid(7)', `${f.name}: ${name}`);
        assert.strictEqual(r.s.level, 1, `${f.name}: L2 never ran`);
        assert.strictEqual(r.s.vmcs12.launched, false);
        const t = transitions(r).find((e: TransitionEvent) => e.type === 'entry-fail');
        assert.ok(t && t.check, `${f.name}: entry-fail transition with the check`);
        assert.strictEqual(t.check.field, CONTROL_FIELD[word]);
        assert.ok(t.check.allowed.includes(`${name} (bit ${f.bit}) must be 0`), `${f.name}: ${t.check.allowed}`);
        const d = r.events.find((e): e is DiagnosticEvent => e.kind === 'diagnostic' && e.code === 'vm-entry-check');
        assert.ok(d && d.message.includes(name) && d.message.includes('VMfailValid(7)'), d?.message);
        assert.strictEqual(r.s.vmcs12.lo(VMCS.VM_INSTRUCTION_ERROR), 7);
      }
    });

    it('qemu64,+vmx: VMX with the default1 controls only, as QEMU, with a warning', () => {
      const m = parseCpuPolicy('qemu64,+vmx');
      assert.deepStrictEqual(m.vmxMsr(IA32_VMX_PINBASED_CTLS), [0x16, 0x16]);
      assert.deepStrictEqual(m.vmxMsr(IA32_VMX_PROCBASED_CTLS), [0x0401e172, 0x0401e172]);
      assert.deepStrictEqual(m.vmxMsr(IA32_VMX_EXIT_CTLS), [0x36dff, 0x36dff | bit(9)]);
      assert.strictEqual(m.vmxMsr(IA32_VMX_TRUE_PINBASED_CTLS), null);
      assert.ok(m.warnings.some((w) => w.includes('defines no vmx-* capabilities')));
      assert.ok(parseCpuPolicy('qemu64,+vmx,+vmx-secondary-ctls,+vmx-ept').has('vmx-ept'));
    });
  });

  describe('feature table', () => {
    it('has unique names, aliases and bit positions', () => {
      const names = new Set<string>();
      for (const f of [...CPUID_FEATURES, ...VMX_FEATURES]) {
        for (const n of [f.name, ...(f.aliases ?? [])]) {
          assert.ok(!names.has(n), `duplicate ${n}`);
          names.add(n);
        }
      }
      const pos = new Set<string>();
      for (const f of CPUID_FEATURES) {
        const k = `${f.leaf}.${f.subleaf}.${f.reg}.${f.bit}`;
        assert.ok(!pos.has(k), `duplicate position ${k}`);
        pos.add(k);
      }
      const vpos = new Set<string>();
      for (const f of VMX_FEATURES) {
        const k = `${f.word}.${f.bit}`;
        assert.ok(!vpos.has(k), `duplicate ${k}`);
        vpos.add(k);
      }
      assert.ok(!lookupFeature('pni')!.implemented, 'sse3 is never advertised');
      for (const n of ['sse2', 'vmx', 'svm', 'npt', 'nx', 'lm', 'pdpe1gb', 'x2apic', 'popcnt', 'abm', 'fsgsbase', 'invpcid', 'pcid', 'smep', 'smap', 'rdtscp', 'xsave', 'tsc-deadline', 'syscall', 'fxsr', 'pge', 'pse', 'pae', 'apic', 'msr', 'tsc', 'cx8', 'cx16', 'cmov', 'clflush', 'sep', 'mtrr', 'pat', 'fpu', 'de', 'mce', 'mca', 'sse']) {
        assert.ok(lookupFeature(n)?.implemented, `${n} implemented`);
      }
    });
  });
});
