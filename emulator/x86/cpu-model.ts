// The per-VM CPU model, chosen with QEMU's `-cpu` syntax:
//   max | host | qemu64   [, +feat | -feat | feat=on|off | feat | prop=value ]...
// e.g. `max,-vmx-shadow-vmcs`, `qemu64,+npt,+vgif`, `max,vmx-ept=off`.
//
// Semantics follow QEMU (target/i386/cpu.c x86_cpu_parse_featurestr /
// x86_cpu_expand_features), checked against qemu-system-x86_64 7.2:
//  - `feat=on|off` (and a bare `feat`, meaning on) are applied first, in
//    order; then every `+feat`; then every `-feat`. So `-feat` wins over
//    `+feat` and `+feat` over `feat=off`, whatever the order.
//  - '_' and '-' are the same in names; QEMU's aliases (sse3 = pni, xd = nx,
//    i64 = lm, ...) are accepted.
//  - Dependencies (QEMU feature_dependencies): a feature whose prerequisite
//    is off is dropped, with QEMU's warning "This feature depends on other
//    features that were not requested: MSR(48BH).vmx-ept [bit 1]" when it
//    was asked for explicitly.
//  - A feature nestvirt does not implement is never advertised; asking for
//    it gives a warning (like TCG's "TCG doesn't support requested
//    feature"), not an error. An unknown model, feature or property is an
//    error listing the valid names.
//  - `+svm` on an Intel-vendor model: QEMU advertises it anyway (CPUID
//    8000_0001 ECX[2] and leaf 8000_000A appear with vendor=GenuineIntel;
//    measured on 7.2), and so do we. `+vmx` on an AMD-vendor model likewise.
//    The vendor string is only CPUID data to the guest.
//
// Models:
//  - max  (= host): everything nestvirt implements, vendor GenuineIntel, VMX
//    with all implemented vmx-* capabilities, no SVM (an Intel CPU has none;
//    `max,+svm,+npt,+vgif` adds it). Family 6 model 15 stepping 11 (our
//    choice: a P6-family, VMX-era signature; Linux keeps PAT on model >= 15).
//    Brand "nestvirt virtual CPU".
//  - qemu64: QEMU's qemu64 (vendor AuthenticAMD, family 15 model 107
//    stepping 1, level 0xd, xlevel 0x8000000A, model-id "QEMU Virtual CPU
//    version 2.5+", features PPRO|mtrr|clflush|mca|pse36, sse3|cx16, lm|
//    syscall|nx, lahf-lm|svm, hypervisor) minus what nestvirt does not
//    implement (sse3/pni, mmx, pse36). Like QEMU's, it has SVM but no SVM
//    sub-features (add +npt,+vgif) and no vmx-* capabilities: `qemu64,+vmx`
//    gives VMX with the default1 controls only (use max for the full set).
//
// Facts used for CPUID values: Intel SDM vol 2A "CPUID—CPU Identification"
// (leaf layout, Table 3-8 to 3-11, "If a value entered for CPUID.EAX is
// higher than the maximum input value ... the data for the highest basic
// information leaf is returned"); AMD APM vol 3 Appendix E (8000_0001,
// 8000_0008, 8000_000A); values QEMU 7.2 TCG returns for qemu64 (measured
// with a multiboot kernel executing CPUID; see test/unit/cpu-model.test.ts).
// VMX capability MSRs: SDM vol 3 Appendix A (vmx-msrs.tsv, vmx-controls.tsv).

import {
  ALL_FEATURES, CPUID_FEATURES, VMX_FEATURES, CpuFeature, CpuidFeature, VmxFeature,
  FEATURE_DEPENDENCIES, dependencyTargets, describeFeature, lookupFeature, normalizeFeatureName,
} from './cpu-features';
import { buildCpuidLeaves } from './cpu-model-cpuid';
import { buildVmxMsrs } from './cpu-model-vmx';

// CPUID tables live in cpu-model-cpuid.ts, the VMX capability MSRs in
// cpu-model-vmx.ts; their constants are re-exported here.
export { SVM_REVISION, SVM_NASID } from './cpu-model-cpuid';
export {
  NESTVIRT_VMCS_REVISION_ID, VMCS_REGION_SIZE, VMX_MEMTYPE_WB, VMX_PREEMPTION_TIMER_RATE, VMX_CR3_TARGET_COUNT,
  VMX_VMCS_ENUM_MAX_INDEX, VMX_PIN_DEFAULT1, VMX_PROC_DEFAULT1, VMX_EXIT_DEFAULT1, VMX_ENTRY_DEFAULT1,
  VMX_EXIT_HOST_ADDR_SPACE_SIZE, VMX_CR0_FIXED0, VMX_CR4_FIXED0,
} from './cpu-model-vmx';

export type CpuVendor = 'intel' | 'amd';

/** An error in a `-cpu` policy string (unknown model/feature/property, bad value). */
export class CpuPolicyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CpuPolicyError';
    Object.setPrototypeOf(this, CpuPolicyError.prototype);
  }
}

export const CR4 = {
  VME: 1 << 0, PVI: 1 << 1, TSD: 1 << 2, DE: 1 << 3, PSE: 1 << 4, PAE: 1 << 5, MCE: 1 << 6, PGE: 1 << 7,
  PCE: 1 << 8, OSFXSR: 1 << 9, OSXMMEXCPT: 1 << 10, UMIP: 1 << 11, LA57: 1 << 12, VMXE: 1 << 13, SMXE: 1 << 14,
  FSGSBASE: 1 << 16, PCIDE: 1 << 17, OSXSAVE: 1 << 18, SMEP: 1 << 20, SMAP: 1 << 21, PKE: 1 << 22,
} as const;

export const EFER = { SCE: 1 << 0, LME: 1 << 8, LMA: 1 << 10, NXE: 1 << 11, SVME: 1 << 12, FFXSR: 1 << 14 } as const;

interface BaseModel {
  readonly name: string;
  readonly vendor: CpuVendor;
  readonly family: number;
  readonly model: number;
  readonly stepping: number;
  readonly modelId: string;
  /** Highest basic leaf (QEMU `level`). */
  readonly level: number;
  /** Highest extended leaf before adjustments (QEMU `xlevel`). */
  readonly xlevel: number;
  /** Features on by default; 'implemented' = all implemented except the listed exclusions. */
  readonly features: readonly string[] | { implementedExcept: readonly string[] };
  readonly doc: string;
}

const SVM_SUBFEATURES = CPUID_FEATURES.filter((f) => f.leaf === 0x8000000a).map((f) => f.name);

const BASE_MODELS: readonly BaseModel[] = [
  {
    name: 'max',
    vendor: 'intel',
    family: 6,
    model: 15,
    stepping: 11,
    modelId: 'nestvirt virtual CPU',
    level: 0xd,
    xlevel: 0x80000008,
    features: { implementedExcept: ['svm', ...SVM_SUBFEATURES] },
    doc: 'every feature nestvirt implements: GenuineIntel with VMX',
  },
  {
    name: 'host',
    vendor: 'intel',
    family: 6,
    model: 15,
    stepping: 11,
    modelId: 'nestvirt virtual CPU',
    level: 0xd,
    xlevel: 0x80000008,
    features: { implementedExcept: ['svm', ...SVM_SUBFEATURES] },
    doc: 'same as max (there is no host CPU to pass through)',
  },
  {
    // QEMU target/i386/cpu.c builtin_x86_defs "qemu64"; CPUID values
    // measured on qemu-system-x86_64 7.2 TCG.
    name: 'qemu64',
    vendor: 'amd',
    family: 15,
    model: 107,
    stepping: 1,
    modelId: 'QEMU Virtual CPU version 2.5+',
    level: 0xd,
    xlevel: 0x8000000a,
    features: [
      // PPRO_FEATURES
      'fpu', 'de', 'pse', 'tsc', 'msr', 'mce', 'cx8', 'pge', 'cmov', 'pat', 'fxsr', 'mmx', 'sse', 'sse2', 'pae', 'sep', 'apic',
      'mtrr', 'clflush', 'mca', 'pse36',
      'pni', 'cx16', 'hypervisor',
      'lm', 'syscall', 'nx',
      'lahf-lm', 'svm',
    ],
    doc: "QEMU's default x86-64 model: AuthenticAMD family 15 model 107, SVM without sub-features",
  },
];

export const CPU_MODEL_NAMES: readonly string[] = BASE_MODELS.map((m) => m.name);

/** Model properties accepted as `prop=value` (a subset of QEMU's). */
const PROPERTIES = ['vendor', 'family', 'model', 'stepping', 'model-id', 'phys-bits'] as const;
type PropName = (typeof PROPERTIES)[number];

const VENDOR_STRINGS: Record<CpuVendor, string> = { intel: 'GenuineIntel', amd: 'AuthenticAMD' };

function validFeatureList(): string {
  return ALL_FEATURES.map((f) => f.name + (f.implemented ? '' : ' (not implemented)')).join(', ');
}

function parseBool(v: string, key: string, spec: string): boolean {
  const s = v.trim().toLowerCase();
  if (s === 'on' || s === 'true' || s === 'yes') return true;
  if (s === 'off' || s === 'false' || s === 'no') return false;
  throw new CpuPolicyError(`CPU policy '${spec}': '${key}=${v}': value must be on or off`);
}

function parseIntProp(v: string, key: string, spec: string, min: number, max: number): number {
  const s = v.trim();
  const n = /^0x[0-9a-f]+$/i.test(s) ? parseInt(s, 16) : /^[0-9]+$/.test(s) ? parseInt(s, 10) : NaN;
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new CpuPolicyError(`CPU policy '${spec}': '${key}=${v}': expected an integer from ${min} to ${max}`);
  }
  return n;
}

/** Splits on ',' with ",," standing for a literal comma (QEMU option syntax). */
function splitOptions(spec: string): string[] {
  const out: string[] = [];
  let cur = '';
  for (let i = 0; i < spec.length; i++) {
    const ch = spec[i];
    if (ch === ',') {
      if (spec[i + 1] === ',') {
        cur += ',';
        i++;
      } else {
        out.push(cur);
        cur = '';
      }
    } else {
      cur += ch;
    }
  }
  out.push(cur);
  return out;
}

interface ResolvedPolicy {
  spec: string;
  base: BaseModel;
  vendor: CpuVendor;
  family: number;
  model: number;
  stepping: number;
  modelId: string;
  physAddrBits: number;
  enabled: Set<string>;
  warnings: string[];
}

/** Parses a `-cpu` policy string into a CpuModel. Throws CpuPolicyError. */
export function parseCpuPolicy(spec: string): CpuModel {
  const parts = splitOptions(spec.trim());
  const modelName = parts[0].trim().toLowerCase();
  if (!modelName) throw new CpuPolicyError(`empty CPU policy; valid models: ${CPU_MODEL_NAMES.join(', ')}`);
  const base = BASE_MODELS.find((m) => m.name === modelName);
  if (!base) {
    throw new CpuPolicyError(`unknown CPU model '${parts[0].trim()}' in CPU policy '${spec}'; valid models: ${CPU_MODEL_NAMES.join(', ')}`);
  }
  const warnings: string[] = [];
  const props: Partial<Record<PropName, string>> = {};
  const onOff: [CpuFeature, boolean][] = [];
  const plus = new Set<CpuFeature>();
  const minus = new Set<CpuFeature>();
  const unknown = (name: string): never => {
    throw new CpuPolicyError(
      `unknown CPU feature or property '${name}' in CPU policy '${spec}'; valid properties: ${PROPERTIES.join(', ')}; ` +
        `valid features: ${validFeatureList()}`,
    );
  };
  for (const raw of parts.slice(1)) {
    const tok = raw.trim();
    if (!tok) continue;
    if (tok[0] === '+' || tok[0] === '-') {
      const f = lookupFeature(tok.slice(1));
      if (!f) unknown(tok.slice(1));
      (tok[0] === '+' ? plus : minus).add(f as CpuFeature);
      continue;
    }
    const eq = tok.indexOf('=');
    const key = normalizeFeatureName(eq < 0 ? tok : tok.slice(0, eq));
    const val = eq < 0 ? 'on' : tok.slice(eq + 1);
    if ((PROPERTIES as readonly string[]).includes(key)) {
      if (eq < 0) throw new CpuPolicyError(`CPU policy '${spec}': property '${key}' needs a value (${key}=...)`);
      props[key as PropName] = val;
      continue;
    }
    const f = lookupFeature(key);
    if (!f) unknown(key);
    onOff.push([f as CpuFeature, parseBool(val, key, spec)]);
  }
  for (const f of plus) {
    if (minus.has(f) || onOff.some(([g]) => g === f)) {
      // QEMU: "Ambiguous CPU model string. Don't mix both \"-feat\" and \"+feat\" / \"feat=on|off\"".
      warnings.push(`Ambiguous CPU model string. Don't mix both "+${f.name}" and "-${f.name}" or "${f.name}=on|off"; -feat wins over +feat, which wins over feat=on|off`);
    }
  }

  // Defaults of the base model (only implemented features can ever be on).
  const enabled = new Set<string>();
  if (Array.isArray(base.features)) {
    for (const n of base.features) {
      const f = lookupFeature(n);
      if (f && f.implemented) enabled.add(f.name);
    }
  } else {
    const except = new Set((base.features as { implementedExcept: readonly string[] }).implementedExcept);
    for (const f of ALL_FEATURES) if (f.implemented && !except.has(f.name)) enabled.add(f.name);
  }
  const requested = new Set<string>(); // explicitly turned on by the user
  const set = (f: CpuFeature, on: boolean) => {
    if (on) {
      requested.add(f.name);
      if (!f.implemented) {
        warnings.push(`nestvirt doesn't implement requested feature: ${describeFeature(f)}`);
        return;
      }
      enabled.add(f.name);
    } else {
      requested.delete(f.name);
      enabled.delete(f.name);
    }
  };
  for (const [f, on] of onOff) set(f, on);
  for (const f of plus) set(f, true);
  for (const f of minus) set(f, false);

  // Dependencies, to a fixed point (QEMU applies its list once, in an order
  // where that already is the fixed point).
  for (let changed = true; changed; ) {
    changed = false;
    for (const d of FEATURE_DEPENDENCIES) {
      if (enabled.has(d.from)) continue;
      for (const t of dependencyTargets(d)) {
        if (!enabled.has(t)) continue;
        enabled.delete(t);
        changed = true;
        if (requested.has(t)) {
          warnings.push(`This feature depends on other features that were not requested: ${describeFeature(lookupFeature(t) as CpuFeature)}`);
        }
      }
    }
  }
  if (Array.isArray(base.features) && enabled.has('vmx') && !VMX_FEATURES.some((f) => enabled.has(f.name))) {
    warnings.push(
      `CPU model ${base.name} defines no vmx-* capabilities (as in QEMU): VMX has only the default1 controls; use max for nestvirt's full VMX set`,
    );
  }

  let vendor = base.vendor;
  if (props.vendor !== undefined) {
    const v = props.vendor.trim();
    const hit = (Object.keys(VENDOR_STRINGS) as CpuVendor[]).find((k) => VENDOR_STRINGS[k] === v);
    if (!hit) throw new CpuPolicyError(`CPU policy '${spec}': vendor '${v}' is not supported; valid vendors: GenuineIntel, AuthenticAMD`);
    vendor = hit;
  }
  const modelId = props['model-id'] ?? base.modelId;
  if (modelId.length > 48) throw new CpuPolicyError(`CPU policy '${spec}': model-id is longer than 48 characters`);
  return new CpuModel({
    spec,
    base,
    vendor,
    family: props.family !== undefined ? parseIntProp(props.family, 'family', spec, 0, 0xff + 0xf) : base.family,
    model: props.model !== undefined ? parseIntProp(props.model, 'model', spec, 0, 0xff) : base.model,
    stepping: props.stepping !== undefined ? parseIntProp(props.stepping, 'stepping', spec, 0, 0xf) : base.stepping,
    modelId,
    // QEMU TCG default phys-bits 40 (TCG_PHYS_ADDR_BITS); QEMU allows 32..52.
    physAddrBits: props['phys-bits'] !== undefined ? parseIntProp(props['phys-bits'], 'phys-bits', spec, 32, 52) : 40,
    enabled,
    warnings,
  });
}

const ZERO4 = new Uint32Array(4);

/**
 * A resolved CPU model. Built once per VM; every query is a table lookup.
 * Implements the core's CpuModelLike (emulator/x86/model.ts).
 */
export class CpuModel {
  /** The policy string it was parsed from. */
  readonly spec: string;
  /** Base model name: max, host or qemu64. */
  readonly name: string;
  readonly vendor: CpuVendor;
  /** 'GenuineIntel' or 'AuthenticAMD'. */
  readonly vendorString: string;
  readonly family: number;
  readonly model: number;
  readonly stepping: number;
  /** Brand string (CPUID 80000002H-80000004H). */
  readonly modelId: string;
  /** MAXPHYADDR (CPUID 80000008H EAX[7:0]). */
  readonly physAddrBits: number;
  /** Linear address width (CPUID 80000008H EAX[15:8]): 48, 4-level paging. */
  readonly linearAddrBits = 48;
  /** Highest basic / extended CPUID leaf. */
  readonly level: number;
  readonly xlevel: number;
  /** Non-fatal findings while parsing (QEMU prints the same warnings). */
  readonly warnings: readonly string[];

  // Precomputed booleans for the checks the core makes often.
  readonly fpu: boolean; readonly vme: boolean; readonly de: boolean; readonly pse: boolean; readonly tsc: boolean;
  readonly msr: boolean; readonly pae: boolean; readonly mce: boolean; readonly cx8: boolean; readonly apic: boolean;
  readonly sep: boolean; readonly mtrr: boolean; readonly pge: boolean; readonly mca: boolean; readonly cmov: boolean;
  readonly pat: boolean; readonly pse36: boolean; readonly clflush: boolean; readonly mmx: boolean; readonly fxsr: boolean;
  readonly sse: boolean; readonly sse2: boolean; readonly sse3: boolean; readonly cx16: boolean; readonly pcid: boolean;
  readonly x2apic: boolean; readonly popcnt: boolean; readonly tscDeadline: boolean; readonly xsave: boolean;
  readonly vmx: boolean; readonly svm: boolean; readonly hypervisor: boolean; readonly fsgsbase: boolean;
  readonly bmi1: boolean; readonly smep: boolean; readonly smap: boolean; readonly invpcid: boolean; readonly umip: boolean;
  readonly syscall: boolean; readonly nx: boolean; readonly pdpe1gb: boolean; readonly rdtscp: boolean; readonly lm: boolean;
  readonly lahfLm: boolean; readonly abm: boolean; readonly npt: boolean; readonly nripSave: boolean; readonly vgif: boolean;
  readonly svmeAddrChk: boolean;
  /** CR4 bits software may set (MOV to CR4 with any other bit is #GP; also IA32_VMX_CR4_FIXED1). */
  readonly cr4ValidMask: number;
  /** EFER bits software may set (WRMSR with any other bit is #GP). */
  readonly eferValidMask: number;

  private readonly enabled: ReadonlySet<string>;
  private readonly leaves = new Map<number, Uint32Array>();
  private readonly vmxMsrs = new Map<number, [number, number]>();

  constructor(p: ResolvedPolicy) {
    this.spec = p.spec;
    this.name = p.base.name;
    this.vendor = p.vendor;
    this.vendorString = VENDOR_STRINGS[p.vendor];
    this.family = p.family;
    this.model = p.model;
    this.stepping = p.stepping;
    this.modelId = p.modelId;
    this.physAddrBits = p.physAddrBits;
    this.enabled = p.enabled;
    this.warnings = p.warnings;
    const on = (n: string) => p.enabled.has(n);
    this.fpu = on('fpu'); this.vme = on('vme'); this.de = on('de'); this.pse = on('pse'); this.tsc = on('tsc');
    this.msr = on('msr'); this.pae = on('pae'); this.mce = on('mce'); this.cx8 = on('cx8'); this.apic = on('apic');
    this.sep = on('sep'); this.mtrr = on('mtrr'); this.pge = on('pge'); this.mca = on('mca'); this.cmov = on('cmov');
    this.pat = on('pat'); this.pse36 = on('pse36'); this.clflush = on('clflush'); this.mmx = on('mmx'); this.fxsr = on('fxsr');
    this.sse = on('sse'); this.sse2 = on('sse2'); this.sse3 = on('pni'); this.cx16 = on('cx16'); this.pcid = on('pcid');
    this.x2apic = on('x2apic'); this.popcnt = on('popcnt'); this.tscDeadline = on('tsc-deadline'); this.xsave = on('xsave');
    this.vmx = on('vmx'); this.svm = on('svm'); this.hypervisor = on('hypervisor'); this.fsgsbase = on('fsgsbase');
    this.bmi1 = on('bmi1'); this.smep = on('smep'); this.smap = on('smap'); this.invpcid = on('invpcid'); this.umip = on('umip');
    this.syscall = on('syscall'); this.nx = on('nx'); this.pdpe1gb = on('pdpe1gb'); this.rdtscp = on('rdtscp'); this.lm = on('lm');
    this.lahfLm = on('lahf-lm'); this.abm = on('abm'); this.npt = on('npt'); this.nripSave = on('nrip-save'); this.vgif = on('vgif');
    this.svmeAddrChk = on('svme-addr-chk');

    // QEMU raises xlevel to 0x8000000A when SVM is on (x86_cpu_adjust_level).
    this.level = p.base.level;
    this.xlevel = this.svm ? Math.max(p.base.xlevel, 0x8000000a) : p.base.xlevel;

    // SDM vol 3 §2.5 (CR4 bits and the CPUID bit that makes each one legal).
    let cr4 = CR4.TSD | CR4.PCE;
    if (this.vme) cr4 |= CR4.VME | CR4.PVI;
    if (this.de) cr4 |= CR4.DE;
    if (this.pse) cr4 |= CR4.PSE;
    if (this.pae) cr4 |= CR4.PAE;
    if (this.mce) cr4 |= CR4.MCE;
    if (this.pge) cr4 |= CR4.PGE;
    if (this.fxsr) cr4 |= CR4.OSFXSR;
    if (this.sse) cr4 |= CR4.OSXMMEXCPT;
    if (this.umip) cr4 |= CR4.UMIP;
    if (on('la57')) cr4 |= CR4.LA57;
    if (this.vmx) cr4 |= CR4.VMXE;
    if (on('smx')) cr4 |= CR4.SMXE;
    if (this.fsgsbase) cr4 |= CR4.FSGSBASE;
    if (this.pcid) cr4 |= CR4.PCIDE;
    if (this.xsave) cr4 |= CR4.OSXSAVE;
    if (this.smep) cr4 |= CR4.SMEP;
    if (this.smap) cr4 |= CR4.SMAP;
    if (on('pku')) cr4 |= CR4.PKE;
    this.cr4ValidMask = cr4 >>> 0;
    // SDM vol 3 §2.2.1 / APM vol 2 §3.1.7 (EFER).
    let efer = 0;
    if (this.syscall) efer |= EFER.SCE;
    if (this.lm) efer |= EFER.LME | EFER.LMA;
    if (this.nx) efer |= EFER.NXE;
    if (this.svm) efer |= EFER.SVME;
    if (on('fxsr-opt')) efer |= EFER.FFXSR;
    this.eferValidMask = efer;

    buildCpuidLeaves(this, this.enabled, this.leaves);
    if (this.vmx) buildVmxMsrs(this.enabled, this.lm, this.cr4ValidMask, this.vmxMsrs);
  }

  /** Whether a feature (QEMU name or alias, e.g. 'nx', 'sse3', 'vmx-ept') is on. Throws on an unknown name. */
  has(feature: string): boolean {
    const hit = this.enabled.has(feature);
    if (hit) return true;
    const f = lookupFeature(feature);
    if (!f) throw new Error(`CpuModel.has: unknown CPU feature name '${feature}'`);
    return this.enabled.has(f.name);
  }

  /** Names of every enabled feature, in table order. */
  features(): string[] {
    return ALL_FEATURES.filter((f) => this.enabled.has(f.name)).map((f) => f.name);
  }

  /**
   * CPUID for one vCPU. `apicId` fills CPUID.01H:EBX[31:24] and the x2APIC ID
   * of leaf 0BH; `cr4` supplies the dynamic OSXSAVE bit (CPUID.01H:ECX[27]
   * mirrors CR4.OSXSAVE, SDM Table 3-10).
   */
  cpuid(leaf: number, subleaf: number, apicId = 0, cr4 = 0): [number, number, number, number] {
    const o = scratch;
    this.cpuidInto(o, leaf, subleaf, apicId, cr4);
    return [o[0], o[1], o[2], o[3]];
  }

  /** Allocation-free cpuid(): writes EAX, EBX, ECX, EDX into out[0..3]. */
  cpuidInto(out: Uint32Array, leaf: number, subleaf: number, apicId = 0, cr4 = 0): void {
    leaf >>>= 0;
    subleaf >>>= 0;
    // SDM: a leaf above the maximum returns the highest basic leaf's data
    // (QEMU does the same for both vendors, for basic, hypervisor and
    // extended ranges).
    if (leaf >= 0x80000000) {
      if (leaf > this.xlevel) leaf = this.level;
    } else if (leaf > this.level) {
      leaf = this.level;
    }
    const t = this.leaves.get(leaf);
    // Leaves without subleaves ignore ECX; a subleaf past the table reads as zeros.
    const off = SUBLEAF_LEAVES.has(leaf) ? subleaf * 4 : 0;
    const src = t && off + 4 <= t.length ? t : ZERO4;
    const b = src === ZERO4 ? 0 : off;
    out[0] = src[b];
    out[1] = src[b + 1];
    out[2] = src[b + 2];
    out[3] = src[b + 3];
    if (leaf === 1) {
      out[1] = (out[1] & 0x00ffffff) | ((apicId & 0xff) << 24);
      if (this.xsave && cr4 & CR4.OSXSAVE) out[2] |= 1 << 27;
      out[1] >>>= 0;
      out[2] >>>= 0;
    } else if (leaf === 0xb) {
      // Extended topology (SDM Table 3-8, leaf 0BH): one thread per core,
      // one core per package; ECX[7:0] echoes the subleaf, EDX is the x2APIC ID.
      if (subleaf === 0) {
        out[0] = 0; out[1] = 1; out[2] = (1 << 8) | 0;
      } else if (subleaf === 1) {
        out[0] = 0; out[1] = 1; out[2] = (2 << 8) | 1;
      } else {
        out[0] = 0; out[1] = 0; out[2] = subleaf & 0xff;
      }
      out[3] = apicId >>> 0;
    }
  }

  /**
   * IA32_VMX_* capability MSR as [low, high], or null when the MSR does not
   * exist for this model (no VMX; secondary controls, EPT/VPID, TRUE
   * controls or VM functions not reported; tertiary/secondary-exit never).
   * RDMSR of a null one is #GP.
   */
  vmxMsr(index: number): [number, number] | null {
    const v = this.vmxMsrs.get(index);
    return v ? [v[0], v[1]] : null;
  }

  /** One line for logs: model, vendor and enabled features. */
  describe(): string {
    return `${this.name} (${this.vendorString}, family ${this.family} model ${this.model} stepping ${this.stepping}): ${this.features().join(' ')}`;
  }
}

/** Leaves whose output depends on ECX (others ignore the subleaf). */
const SUBLEAF_LEAVES = new Set([4, 7, 0xb, 0xd]);
const scratch = new Uint32Array(4);

/** The features a name list would enable on top of nothing; for docs and the language server. */
export function describeCpuFeatures(): { name: string; where: string; implemented: boolean; doc: string }[] {
  return ALL_FEATURES.map((f) => ({ name: f.name, where: describeFeature(f), implemented: f.implemented, doc: f.doc }));
}

export type { CpuFeature, CpuidFeature, VmxFeature };
