// The CPUID leaf tables of a CpuModel (Intel SDM vol 2A "CPUID—CPU
// Identification"; AMD APM vol 3 Appendix E; the values QEMU 7.2 TCG returns
// for qemu64). Built once per model; CpuModel.cpuidInto reads them.

import { CPUID_FEATURES } from './cpu-features';
import type { CpuVendor } from './cpu-model';

/** SVM revision and ASID count in CPUID 8000_000A EAX/EBX (the values QEMU TCG reports: 1 and 16). */
export const SVM_REVISION = 1;
export const SVM_NASID = 16;

/** CPUID.01H:EDX bits AMD mirrors into 80000001H:EDX: fpu..apic, mtrr..pse36, mmx, fxsr (QEMU CPUID_EXT2_AMD_ALIASES). */
const AMD_ALIASES = 0x0183f3ff;

function toAscii4(s: string, i: number): number {
  let v = 0;
  for (let k = 3; k >= 0; k--) v = (v << 8) | (s.charCodeAt(i + k) & 0xff);
  return v >>> 0;
}

/** The model values the CPUID tables are built from. */
export interface CpuidInputs {
  readonly vendor: CpuVendor;
  readonly vendorString: string;
  readonly family: number;
  readonly model: number;
  readonly stepping: number;
  readonly modelId: string;
  readonly physAddrBits: number;
  readonly linearAddrBits: number;
  readonly level: number;
  readonly xlevel: number;
  readonly svm: boolean;
  readonly xsave: boolean;
}

/** Fills `leaves` (leaf -> EAX, EBX, ECX, EDX per subleaf) for model `m` with the features `enabled`. */
export function buildCpuidLeaves(m: CpuidInputs, enabled: ReadonlySet<string>, leaves: Map<number, Uint32Array>): void {
  const reg = (leaf: number, subleaf: number, reg: 'eax' | 'ebx' | 'ecx' | 'edx'): number => {
    let v = 0;
    for (const f of CPUID_FEATURES) {
      if (f.leaf === leaf && f.subleaf === subleaf && f.reg === reg && enabled.has(f.name)) v |= 1 << f.bit;
    }
    return v >>> 0;
  };
  const put = (leaf: number, ...subleaves: number[][]): void => {
    const a = new Uint32Array(subleaves.length * 4);
    subleaves.forEach((r, i) => a.set(r.map((x) => x >>> 0), i * 4));
    leaves.set(leaf, a);
  };

  const vs = m.vendorString;
  const vendorRegs = [toAscii4(vs, 0), toAscii4(vs, 8), toAscii4(vs, 4)]; // EBX, ECX, EDX
  // Leaf 1 EAX: stepping[3:0], model[7:4], family[11:8], ext model[19:16],
  // ext family[27:20] (SDM Figure 3-6; family > 15 goes to ext family).
  const fam = m.family;
  const sig =
    m.stepping |
    ((m.model & 0xf) << 4) |
    ((fam > 0xf ? 0xf : fam) << 8) |
    (((m.model >> 4) & 0xf) << 16) |
    ((fam > 0xf ? fam - 0xf : 0) << 20);

  // 00H: max basic leaf and vendor.
  put(0, [m.level, vendorRegs[0], vendorRegs[1], vendorRegs[2]]);
  // 01H: EBX[15:8] CLFLUSH line size in 8-byte units (QEMU always 8);
  // EBX[31:24] APIC ID is filled per vCPU.
  put(1, [sig, 8 << 8, reg(1, 0, 'ecx'), reg(1, 0, 'edx')]);
  // 02H/04H: cache descriptors. Intel: AL=01H and only null descriptors;
  // leaf 4 type 0 = no more caches. AMD (QEMU): all zero.
  put(2, [m.vendor === 'intel' ? 1 : 0, 0, 0, 0]);
  put(4, [0, 0, 0, 0]);
  // 05H: MONITOR/MWAIT. QEMU reports ECX = EMX|IBE (3) even without MONITOR.
  put(5, [0, 0, 3, 0]);
  put(6, [reg(6, 0, 'eax'), 0, 0, 0]);
  // 07H subleaf 0: EAX = highest subleaf (0).
  put(7, [0, reg(7, 0, 'ebx'), reg(7, 0, 'ecx'), reg(7, 0, 'edx')]);
  // 0BH: filled dynamically in cpuidInto (needs the APIC ID).
  put(0xb, [0, 0, 0, 0]);
  // 0DH: XSAVE with the x87 and SSE components only: XCR0 may be 1 or 3;
  // the area is the 512-byte legacy region + 64-byte header = 576 bytes
  // for either (SDM vol 1 §13.4, Table 3-8 leaf 0DH).
  if (m.xsave) put(0xd, [0x3, 576, 576, 0], [reg(0xd, 1, 'eax'), 0, 0, 0]);
  else put(0xd, [0, 0, 0, 0]);

  // 80000000H: max extended leaf; QEMU repeats the vendor string.
  put(0x80000000, [m.xlevel, vendorRegs[0], vendorRegs[1], vendorRegs[2]]);
  // 80000001H: EAX = the signature (QEMU); on AMD the leaf-1 EDX bits
  // fpu..fxsr are mirrored into EDX (QEMU CPUID_EXT2_AMD_ALIASES; APM vol 3 E.4.2).
  let extEdx = reg(0x80000001, 0, 'edx');
  if (m.vendor === 'amd') extEdx |= reg(1, 0, 'edx') & AMD_ALIASES;
  put(0x80000001, [sig, 0, reg(0x80000001, 0, 'ecx'), extEdx]);
  // 80000002H-80000004H: brand string, NUL padded to 48 bytes.
  const brand = (m.modelId + '\0'.repeat(48)).slice(0, 48);
  for (let k = 0; k < 3; k++) {
    const s = brand.slice(k * 16, k * 16 + 16);
    put(0x80000002 + k, [toAscii4(s, 0), toAscii4(s, 4), toAscii4(s, 8), toAscii4(s, 12)]);
  }
  // 80000005H/80000006H: QEMU's legacy AMD L1/L2 cache descriptions (reported for both vendors).
  put(0x80000005, [0x01ff01ff, 0x01ff01ff, 0x40020140, 0x40020140]);
  put(0x80000006, [0, 0x42004200, 0x02008140, 0x00808140]);
  put(0x80000007, [0, 0, 0, reg(0x80000007, 0, 'edx')]);
  // 80000008H: EAX[7:0] physical, [15:8] linear address bits.
  put(0x80000008, [m.physAddrBits | (m.linearAddrBits << 8), 0, 0, 0]);
  put(0x80000009, [0, 0, 0, 0]);
  // 8000000AH: SVM revision, number of ASIDs, feature bits (APM vol 2 §15.4).
  if (m.svm) put(0x8000000a, [SVM_REVISION, SVM_NASID, 0, reg(0x8000000a, 0, 'edx')]);
  else put(0x8000000a, [0, 0, 0, 0]);
}
