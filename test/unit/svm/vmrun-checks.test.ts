// Every row of vmrun-checks.tsv: from a valid baseline VMCB (a 64-bit guest,
// with nested paging off and on), a passing and a failing mutation, with the
// exact check id and outcome asserted. Behaviour rows (canonicalization, no
// other checks, order) assert the behaviour instead of a failure.
import { strict as assert } from 'assert';
import { parseCpuPolicy, CpuModel } from '../../../emulator/x86/cpu-model';
import { PhysicalMemory } from '../../../emulator/mem/physmem';
import { ByteRegion } from '../../../emulator/svm/phys';
import { VmcbLeafName, copyVmcb, readLo, vmcbImage, vmcbInMemory, writeField, writeSegment } from '../../../emulator/svm/vmcb-access';
import {
  CR4_CET, SvmModelView, VMRUN_CHECK_META, VmrunCheckId, VmrunCpuState, VmrunOutcome, VmrunPolicy, VmrunResult, vmrunCheckMeta,
} from '../../../emulator/svm/vmrun-check-types';
import {
  VMRUN_BEHAVIOUR_ROWS, VMRUN_CHECK_FNS, VMRUN_CONSISTENCY_ORDER, VMRUN_INSTRUCTION_ORDER, allVmcbConsistencyFailures,
  runVmcbConsistencyChecks, runVmrunChecks, runVmrunInstructionChecks, vmrunCheck,
} from '../../../emulator/svm/vmrun-checks';
import { vmloadCanonicalBases, vmrunCanonicalBases } from '../../../emulator/svm/vmrun-behaviour';
import { vmHsavePaWriteFault, vmrunVmcbAddress } from '../../../emulator/svm/vmrun-insn-checks';
import { readTsv } from './reference';

// ---- CPU models ----
const WITH_NPT = parseCpuPolicy('qemu64,+svm,+npt');
const NO_NPT = parseCpuPolicy('qemu64,+svm');
const NO_LM = parseCpuPolicy('qemu64,+svm,+npt,-lm');
const NO_SVM = parseCpuPolicy('qemu64,-svm');
/** nestvirt implements neither CET nor FlushByAsid; these views stand in for a CPU that has them. */
function withCet(m: CpuModel): SvmModelView {
  return { physAddrBits: m.physAddrBits, linearAddrBits: m.linearAddrBits, cr4ValidMask: (m.cr4ValidMask | CR4_CET) >>> 0, eferValidMask: m.eferValidMask, has: (f) => m.has(f) };
}
function withFlushByAsid(m: CpuModel): SvmModelView {
  return { physAddrBits: m.physAddrBits, linearAddrBits: m.linearAddrBits, cr4ValidMask: m.cr4ValidMask, eferValidMask: m.eferValidMask, has: (f) => f === 'flushbyasid' || m.has(f) };
}

// ---- architectural bits used below ----
const PE = 1 << 0, ET = 1 << 4, NE = 1 << 5, WP = 1 << 16, NW = 1 << 29, CD = 1 << 30, PG = 1 << 31;
const PAE = 1 << 5, PGE = 1 << 7, OSFXSR = 1 << 9, OSXMMEXCPT = 1 << 10, VMXE = 1 << 13;
const SCE = 1 << 0, LME = 1 << 8, LMA = 1 << 10, NXE = 1 << 11, SVME = 1 << 12;
const EV_V = 0x80000000, EV_EV = 1 << 11;
const ev = (type: number, vector: number) => (EV_V | (type << 8) | vector) >>> 0;
const TOP = 2 ** 40; // qemu64: MAXPHYADDR 40
const lo = (n: number) => n % 2 ** 32;
const hi = (n: number) => Math.floor(n / 2 ** 32);

// ---- the baseline: a valid 64-bit guest ----
interface Setup {
  vmcb: ByteRegion;
  mem: ByteRegion;
  cpu: VmrunCpuState;
  model: SvmModelView;
  policy: Partial<VmrunPolicy>;
}

const PDPT = 0x3000;
const CODE64 = 0xa9b, CODE32 = 0xc9b, DATA = 0xc93;

function baseline(np: boolean): Setup {
  const v = vmcbImage();
  const w = (n: VmcbLeafName, l: number, h = 0) => writeField(v, n, l, h);
  w('INTERCEPT_MISC1', (1 << 18) | (1 << 27) | (1 << 28)); // CPUID, IOIO_PROT, MSR_PROT
  w('INTERCEPT_MISC2', 0b11); // VMRUN, VMMCALL
  w('INTERCEPT_EXCEPTIONS', 1 << 14);
  w('IOPM_BASE_PA', 0x100000);
  w('MSRPM_BASE_PA', 0x104000);
  w('GUEST_ASID', 1);
  w('TLB_CONTROL', 1);
  w('EFER', SCE | LME | LMA | NXE | SVME);
  w('CR0', (PG | WP | NE | ET | PE) >>> 0);
  w('CR4', PAE | PGE | OSFXSR | OSXMMEXCPT);
  w('CR3', 0x1000);
  w('DR6', 0xffff0ff0);
  w('DR7', 0x400);
  w('RFLAGS', 0x2);
  w('RIP', 0x400000);
  w('RSP', 0x7ff000);
  w('G_PAT', 0x00070406, 0x00070406);
  writeSegment(v, 'CS', { selector: 0x8, attrib: CODE64, limit: 0xffffffff, baseLo: 0, baseHi: 0 });
  for (const s of ['ES', 'SS', 'DS'] as const) writeSegment(v, s, { selector: 0x10, attrib: DATA, limit: 0xffffffff, baseLo: 0, baseHi: 0 });
  writeSegment(v, 'GDTR', { selector: 0, attrib: 0, limit: 0x27, baseLo: 0x5000, baseHi: 0 });
  writeSegment(v, 'IDTR', { selector: 0, attrib: 0, limit: 0xfff, baseLo: 0x6000, baseHi: 0 });
  if (np) {
    w('NESTED_CTL', 1);
    w('N_CR3', 0x200000);
  }
  return {
    vmcb: v,
    mem: new ByteRegion(new Uint8Array(0x10000), 0),
    cpu: { efer: SCE | LME | LMA | NXE | SVME, cr0: (PG | PE | ET) >>> 0, cpl: 0, raxLo: 0x8000, raxHi: 0, addressSize: 64, inGuestMode: false, hsaveLo: 0x9000, hsaveHi: 0 },
    model: WITH_NPT,
    policy: {},
  };
}

const run = (s: Setup): VmrunResult => runVmrunChecks({ vmcb: s.vmcb, mem: s.mem, cpu: s.cpu, model: s.model, policy: s.policy });
const w = (s: Setup, n: VmcbLeafName, l: number, h = 0) => writeField(s.vmcb, n, l, h);
const or = (s: Setup, n: VmcbLeafName, bits: number) => writeField(s.vmcb, n, (readLo(s.vmcb, n) | bits) >>> 0);
const clear = (s: Setup, n: VmcbLeafName, bits: number) => writeField(s.vmcb, n, (readLo(s.vmcb, n) & ~bits) >>> 0);
const np = (s: Setup, on: boolean) => w(s, 'NESTED_CTL', on ? 1 : 0);
const csAttrib = (s: Setup, a: number) => w(s, 'CS.attrib', a);
/** A 32-bit guest with 2-level paging (no PAE, no long mode). */
function legacy32(s: Setup): void {
  w(s, 'EFER', SVME);
  w(s, 'CR0', (PG | ET | PE) >>> 0);
  w(s, 'CR4', 0);
  csAttrib(s, CODE32);
}
/** A 32-bit PAE guest without NP, its PDPT at 0x3000 holding `pdptes`. */
function pae32(s: Setup, pdptes: [number, number][] = [[0x5001, 0], [0, 0], [0, 0], [0, 0]]): void {
  legacy32(s);
  w(s, 'EFER', SVME | NXE);
  w(s, 'CR4', PAE);
  w(s, 'CR3', PDPT);
  np(s, false);
  pdptes.forEach(([l, h], i) => {
    s.mem.write(PDPT + i * 8, 4, l);
    s.mem.write(PDPT + i * 8 + 4, 4, h);
  });
}

type Mut = (s: Setup) => void;
interface RowCase {
  /** Mutations of the baseline that must pass every check. */
  pass: Mut[];
  /** Mutations that must fail with exactly this row's id and outcome. */
  fail?: Mut[];
  /** Behaviour rows: assertions about the (passing) mutated setup. */
  behaviour?: (s: Setup) => void;
}

const CASES: Record<VmrunCheckId, RowCase> = {
  'SVM-INSN-UD-SVME': {
    pass: [() => {}, (s) => { s.cpu.cr0 = PE; s.cpu.efer = SVME; np(s, false); }],
    fail: [(s) => { s.cpu.efer &= ~SVME; }, (s) => { s.model = NO_SVM; }, (s) => { s.cpu.cr0 = 0; s.cpu.efer = SVME; }],
  },
  'SVM-INSN-GP-CPL': {
    pass: [(s) => { s.cpu.cpl = 0; }],
    fail: [(s) => { s.cpu.cpl = 3; }, (s) => { s.cpu.cpl = 1; }],
  },
  'SVM-INSN-GP-ALIGN': {
    pass: [(s) => { s.cpu.addressSize = 32; s.cpu.raxHi = 0xdead; }, (s) => { s.cpu.addressSize = 16; s.cpu.raxLo = 0x18000; }],
    fail: [(s) => { s.cpu.raxLo = 0x8010; }, (s) => { s.cpu.addressSize = 32; s.cpu.raxLo = 0x8001; }, (s) => { s.cpu.addressSize = 16; s.cpu.raxLo = 0x10800; }],
  },
  'SVM-INSN-GP-MAXPHY': {
    pass: [(s) => { s.cpu.raxLo = 0xfffff000; s.cpu.raxHi = 0xff; }, (s) => { s.cpu.addressSize = 32; s.cpu.raxHi = 0x100; }],
    fail: [(s) => { s.cpu.raxHi = 0x100; }, (s) => { s.cpu.raxHi = 0x80000000; }],
  },
  'SVM-INSN-INTERCEPT': {
    pass: [(s) => { s.cpu.inGuestMode = false; }],
    fail: [(s) => { s.cpu.inGuestMode = true; }, (s) => { s.cpu.inGuestMode = true; s.cpu.raxLo = 0x8008; s.cpu.raxHi = 0x100; }],
  },
  'SVM-INSN-HSAVE': {
    pass: [(s) => { s.cpu.hsaveLo = 0; s.cpu.hsaveHi = 0; s.policy.hsaveZero = 'ignore'; }, (s) => { s.cpu.hsaveLo = 0; s.cpu.hsaveHi = 1; }],
    fail: [(s) => { s.cpu.hsaveLo = 0; s.cpu.hsaveHi = 0; }],
  },
  'SVM-EFER-SVME': {
    pass: [() => {}],
    fail: [(s) => clear(s, 'EFER', SVME), (s) => w(s, 'EFER', 0)],
  },
  'SVM-EFER-MBZ': {
    pass: [(s) => w(s, 'EFER', LME | LMA | SVME)],
    fail: [(s) => or(s, 'EFER', 1 << 9), (s) => or(s, 'EFER', 1 << 1), (s) => or(s, 'EFER', 1 << 13), (s) => or(s, 'EFER', 1 << 14),
      (s) => or(s, 'EFER', 1 << 15), (s) => or(s, 'EFER', 1 << 16), (s) => w(s, 'EFER', SCE | LME | LMA | NXE | SVME, 1)],
  },
  'SVM-EFER-NOLM': {
    pass: [(s) => { s.model = NO_LM; legacy32(s); }],
    fail: [(s) => { s.model = NO_LM; }, (s) => { s.model = NO_LM; legacy32(s); or(s, 'EFER', LMA); }],
  },
  'SVM-CR0-CD-NW': {
    pass: [(s) => or(s, 'CR0', CD | NW), (s) => or(s, 'CR0', CD)],
    fail: [(s) => or(s, 'CR0', NW)],
  },
  'SVM-CR0-HI': {
    pass: [() => {}],
    fail: [(s) => w(s, 'CR0', readLo(s.vmcb, 'CR0'), 1), (s) => w(s, 'CR0', readLo(s.vmcb, 'CR0'), 0x80000000)],
  },
  'SVM-CR3-MBZ': {
    pass: [(s) => w(s, 'CR3', 0x1000, 0xff), (s) => { legacy32(s); w(s, 'CR3', 0x1000, 0x100); }],
    fail: [(s) => w(s, 'CR3', 0x1000, 0x100), (s) => w(s, 'CR3', 0x1000, 0x80000000)],
  },
  'SVM-CR4-MBZ': {
    pass: [(s) => or(s, 'CR4', 1 << 2 | 1 << 8)],
    fail: [(s) => or(s, 'CR4', VMXE), (s) => or(s, 'CR4', CR4_CET), (s) => w(s, 'CR4', readLo(s.vmcb, 'CR4'), 1)],
  },
  'SVM-DR6-HI': {
    pass: [(s) => w(s, 'DR6', 0xffffffff)],
    fail: [(s) => w(s, 'DR6', 0xffff0ff0, 1)],
  },
  'SVM-DR7-HI': {
    pass: [(s) => w(s, 'DR7', 0xffffffff)],
    fail: [(s) => w(s, 'DR7', 0x400, 0x10)],
  },
  'SVM-LME-PG-NOPAE': {
    pass: [(s) => legacy32(s)],
    fail: [(s) => clear(s, 'CR4', PAE)],
  },
  'SVM-LME-PG-NOPE': {
    // Paged real mode (PG=1, PE=0, LME=0) is legal for SVM guests (APM §15.19).
    pass: [(s) => { legacy32(s); w(s, 'CR0', (PG | ET) >>> 0); }],
    fail: [(s) => clear(s, 'CR0', PE)],
  },
  'SVM-LME-PG-PAE-CSLD': {
    pass: [(s) => csAttrib(s, CODE32), (s) => { pae32(s); csAttrib(s, CODE64 | 0x400); }],
    fail: [(s) => csAttrib(s, CODE64 | 0x400)],
  },
  'SVM-VMRUN-INTERCEPT': {
    pass: [(s) => w(s, 'INTERCEPT_MISC2', 1)],
    fail: [(s) => w(s, 'INTERCEPT_MISC2', 0), (s) => w(s, 'INTERCEPT_MISC2', 0xfffffffe)],
  },
  'SVM-ASID-ZERO': {
    pass: [(s) => w(s, 'GUEST_ASID', 0xffffffff)],
    fail: [(s) => w(s, 'GUEST_ASID', 0)],
  },
  'SVM-MSRPM-ADDR': {
    pass: [(s) => w(s, 'MSRPM_BASE_PA', lo(TOP - 0x3000), hi(TOP - 0x3000)), (s) => w(s, 'MSRPM_BASE_PA', lo(TOP - 0x3000) + 0xfff, hi(TOP - 0x3000))],
    fail: [(s) => w(s, 'MSRPM_BASE_PA', lo(TOP - 0x2000), hi(TOP - 0x2000)), (s) => w(s, 'MSRPM_BASE_PA', lo(TOP - 0x1000) + 0x123, hi(TOP - 0x1000)),
      (s) => w(s, 'MSRPM_BASE_PA', 0, 0xffffffff), (s) => { clear(s, 'INTERCEPT_MISC1', 1 << 28); w(s, 'MSRPM_BASE_PA', 0, hi(TOP)); }],
  },
  'SVM-IOPM-ADDR': {
    pass: [(s) => w(s, 'IOPM_BASE_PA', lo(TOP - 0x3000), hi(TOP - 0x3000)), (s) => w(s, 'IOPM_BASE_PA', lo(TOP - 0x3000) + 0xfff, hi(TOP - 0x3000))],
    fail: [(s) => w(s, 'IOPM_BASE_PA', lo(TOP - 0x2000), hi(TOP - 0x2000)), (s) => { clear(s, 'INTERCEPT_MISC1', 1 << 27); w(s, 'IOPM_BASE_PA', 0, 0x1000); }],
  },
  'SVM-EVENTINJ-TYPE': {
    pass: [(s) => w(s, 'EVENTINJ', 0x100), (s) => w(s, 'EVENTINJ', ev(2, 0)), (s) => w(s, 'EVENTINJ', ev(0, 0x20)),
      (s) => w(s, 'EVENTINJ', ev(4, 0x80)), (s) => w(s, 'EVENTINJ', ev(3, 13) | EV_EV, 0x10)],
    fail: [(s) => w(s, 'EVENTINJ', ev(1, 0x20)), (s) => w(s, 'EVENTINJ', ev(5, 0x20)), (s) => w(s, 'EVENTINJ', ev(6, 3)), (s) => w(s, 'EVENTINJ', ev(7, 0))],
  },
  'SVM-EVENTINJ-VECTOR': {
    pass: [(s) => w(s, 'EVENTINJ', ev(3, 14) | EV_EV, 2), (s) => w(s, 'EVENTINJ', ev(3, 30) | EV_EV), (s) => w(s, 'EVENTINJ', ev(3, 28)),
      (s) => w(s, 'EVENTINJ', ev(3, 0)), (s) => w(s, 'EVENTINJ', ev(0, 15)), (s) => { s.model = withCet(WITH_NPT); w(s, 'EVENTINJ', ev(3, 21) | EV_EV); }],
    fail: [2, 9, 15, 20, 21, 22, 27, 29, 31, 32, 0xff].map((vec) => (s: Setup) => w(s, 'EVENTINJ', ev(3, vec))),
  },
  'SVM-EVENTINJ-RSVD': {
    pass: [(s) => w(s, 'EVENTINJ', (ev(3, 6) | 0x1000) >>> 0), (s) => { s.policy.eventInjReserved = 'invalid'; w(s, 'EVENTINJ', 0x7ffff000); }],
    fail: [(s) => { s.policy.eventInjReserved = 'invalid'; w(s, 'EVENTINJ', (ev(3, 6) | 0x1000) >>> 0); },
      (s) => { s.policy.eventInjReserved = 'invalid'; w(s, 'EVENTINJ', (ev(0, 0x30) | 0x40000000) >>> 0); }],
  },
  'SVM-NP-UNSUPPORTED': {
    pass: [(s) => { s.model = NO_NPT; np(s, false); }],
    fail: [(s) => { s.model = NO_NPT; np(s, true); }],
  },
  'SVM-NP-HOSTPG': {
    pass: [(s) => { np(s, false); s.cpu.cr0 = PE; s.cpu.efer = SVME; }],
    fail: [(s) => { np(s, true); s.cpu.cr0 = PE; s.cpu.efer = SVME; }],
  },
  'SVM-NP-GPAT': {
    pass: [(s) => { np(s, false); w(s, 'G_PAT', 0x02020202, 0x03030303); }, (s) => { np(s, true); w(s, 'G_PAT', 0x07070707, 0x07070707); },
      (s) => { np(s, true); w(s, 'G_PAT', 0, 0); }],
    fail: [(s) => { np(s, true); w(s, 'G_PAT', 0x00070402, 0x00070406); }, (s) => { np(s, true); w(s, 'G_PAT', 0x03070406, 0x00070406); },
      (s) => { np(s, true); w(s, 'G_PAT', 0x00070406, 0x08070406); }],
  },
  'SVM-NP-NCR3': {
    pass: [(s) => { np(s, true); w(s, 'N_CR3', 0x1000, 0xff); }, (s) => { np(s, true); w(s, 'N_CR3', 0x1000, 0x100); s.cpu.efer = SVME; }],
    fail: [(s) => { np(s, true); w(s, 'N_CR3', 0x1000, 0x100); }],
  },
  'SVM-PDPTE': {
    pass: [(s) => pae32(s), (s) => pae32(s, [[0x5019, 0xff], [0xfffffffe, 0xffffffff], [0x6001, 0], [0, 0]]),
      (s) => { pae32(s, [[0x5003, 0], [0, 0], [0, 0], [0, 0]]); np(s, true); }],
    fail: [(s) => pae32(s, [[0x5003, 0], [0, 0], [0, 0], [0, 0]]), (s) => pae32(s, [[0x5001, 0], [0, 0], [0, 0], [0x7001, 0x100]]),
      (s) => pae32(s, [[0x5001, 0], [0, 0], [0x5001, 0x80000000], [0, 0]]), (s) => pae32(s, [[0x5101, 0], [0, 0], [0, 0], [0, 0]])],
  },
  'SVM-TLBCTL': {
    pass: [(s) => w(s, 'TLB_CONTROL', 0), (s) => { s.model = withFlushByAsid(WITH_NPT); w(s, 'TLB_CONTROL', 3); },
      (s) => { s.model = withFlushByAsid(WITH_NPT); w(s, 'TLB_CONTROL', 7); }],
    fail: [(s) => w(s, 'TLB_CONTROL', 3), (s) => w(s, 'TLB_CONTROL', 7), (s) => w(s, 'TLB_CONTROL', 2), (s) => w(s, 'TLB_CONTROL', 0xff),
      (s) => { s.model = withFlushByAsid(WITH_NPT); w(s, 'TLB_CONTROL', 5); }],
  },
  'SVM-CET': {
    pass: [(s) => { s.model = withCet(WITH_NPT); or(s, 'CR4', CR4_CET); }, (s) => { w(s, 'S_CET', 0xffffffff); w(s, 'SSP', 0, 0x1234); }],
    fail: [(s) => { s.model = withCet(WITH_NPT); or(s, 'CR4', CR4_CET); clear(s, 'CR0', WP); },
      (s) => { s.model = withCet(WITH_NPT); w(s, 'S_CET', 1 << 6); },
      (s) => { s.model = withCet(WITH_NPT); w(s, 'SSP', 0x1000, 0x00008000); },
      (s) => { s.model = withCet(WITH_NPT); w(s, 'ISST_ADDR', 0, 0x12340000); }],
  },
  'SVM-CANON-VMRUN': {
    pass: [(s) => { w(s, 'ES.base', 0x1000, 0x00009234); w(s, 'GDTR.base', 0x5000, 0x00800000); }],
    behaviour: (s) => {
      const b = vmrunCanonicalBases(s.vmcb, s.model);
      assert.deepEqual(b.map((x) => x.field), ['ES.base', 'CS.base', 'SS.base', 'DS.base', 'GDTR.base', 'IDTR.base']);
      assert.deepEqual(b[0], { field: 'ES.base', lo: 0x1000, hi: 0xffff9234, changed: true });
      assert.deepEqual(b[4], { field: 'GDTR.base', lo: 0x5000, hi: 0, changed: true });
      assert.equal(b[1].changed, false);
      assert.equal(readLo(s.vmcb, 'ES.base'), 0x1000, 'the VMCB copy is not rewritten');
    },
  },
  'SVM-CANON-VMLOAD': {
    pass: [(s) => { w(s, 'FS.base', 0, 0x00008000); w(s, 'KERNEL_GS_BASE', 0xabc, 0x7fff0000); w(s, 'TR.base', 0x100, 0xffff8000); }],
    behaviour: (s) => {
      const b = vmloadCanonicalBases(s.vmcb, s.model);
      assert.deepEqual(b.map((x) => [x.field, x.hi, x.changed]), [
        ['FS.base', 0xffff8000, true], ['GS.base', 0, false], ['TR.base', 0xffff8000, false], ['LDTR.base', 0, false], ['KERNEL_GS_BASE', 0, true],
      ]);
    },
  },
  'SVM-STATE-NOCHECK': {
    pass: [(s) => {
      w(s, 'SS.attrib', 0xcf3); // DPL 3 with CPL 0
      w(s, 'CPL', 3);
      w(s, 'DS.attrib', 0); // not present
      w(s, 'RFLAGS', 0xffffffff, 0xffffffff);
      w(s, 'RIP', 0, 0x00008000); // non-canonical
      w(s, 'TR.attrib', 0xffff);
      w(s, 'CS.limit', 0);
    }],
  },
  'SVM-ORDER': {
    pass: [() => {}],
    behaviour: (s) => {
      clear(s, 'EFER', SVME);
      w(s, 'GUEST_ASID', 0);
      w(s, 'TLB_CONTROL', 2);
      const r = run(s);
      assert.ok(!r.ok && r.id === 'SVM-EFER-SVME', 'the first consistency check in order is reported');
      assert.deepEqual(allVmcbConsistencyFailures({ ...s }).map((f) => f.id), ['SVM-EFER-SVME', 'SVM-ASID-ZERO', 'SVM-TLBCTL']);
      s.cpu.efer &= ~SVME;
      const r2 = run(s);
      assert.ok(!r2.ok && r2.id === 'SVM-INSN-UD-SVME' && r2.outcome === '#UD', 'instruction checks come first');
    },
  },
};

const ROW_IDS = VMRUN_CHECK_META.map((x) => x.id);

describe('svm/vmrun-checks: the rows of vmrun-checks.tsv', () => {
  const tsv = readTsv('vmrun-checks.tsv');

  it('every TSV row id has a check function, metadata and test cases (data-driven)', () => {
    const ids = tsv.map((r) => r.id);
    assert.ok(ids.length >= 36);
    assert.deepEqual(ROW_IDS, ids, 'VMRUN_CHECK_META lists the TSV rows in order');
    for (const id of ids) {
      assert.equal(typeof VMRUN_CHECK_FNS[id as VmrunCheckId], 'function', `${id} has a function`);
      assert.ok(CASES[id as VmrunCheckId], `${id} has test cases`);
      assert.ok(vmrunCheck(id), id);
    }
    assert.deepEqual(Object.keys(VMRUN_CHECK_FNS).sort(), [...ids].sort());
    assert.deepEqual(Object.keys(CASES).sort(), [...ids].sort());
  });

  it("every check carries the TSV's APM section(s) and a result matching the TSV", () => {
    for (const r of tsv) {
      const meta = vmrunCheckMeta(r.id);
      assert.ok(meta, r.id);
      for (const sec of r.apm_section.match(/§[\d.]+/g) ?? []) assert.ok(meta.apm.includes(sec), `${r.id}: ${sec} in '${meta.apm}'`);
      if (/vol ?3/.test(r.apm_section)) assert.match(meta.apm, /vol 3/, r.id);
      if (meta.stage === 'consistency') assert.equal(meta.outcome, '#VMEXIT(VMEXIT_INVALID)');
      if (r.result === '#UD') assert.equal(meta.outcome, '#UD', r.id);
      if (r.result === '#GP(0)') assert.equal(meta.outcome, '#GP(0)', r.id);
      if (r.result === 'VMEXIT_INVALID') assert.equal(meta.outcome, '#VMEXIT(VMEXIT_INVALID)', r.id);
    }
  });

  it('the run order: APM instruction order, then every consistency row in TSV order', () => {
    assert.deepEqual(VMRUN_INSTRUCTION_ORDER, ['SVM-INSN-UD-SVME', 'SVM-INSN-GP-CPL', 'SVM-INSN-INTERCEPT', 'SVM-INSN-GP-ALIGN', 'SVM-INSN-GP-MAXPHY', 'SVM-INSN-HSAVE']);
    assert.deepEqual([...VMRUN_INSTRUCTION_ORDER, ...VMRUN_CONSISTENCY_ORDER, ...VMRUN_BEHAVIOUR_ROWS].sort(), [...ROW_IDS].sort());
    assert.deepEqual(VMRUN_CONSISTENCY_ORDER, ROW_IDS.filter((id) => vmrunCheckMeta(id)?.stage === 'consistency'));
  });
});

for (const withNp of [false, true]) {
  describe(`svm/vmrun-checks: 64-bit baseline, nested paging ${withNp ? 'on' : 'off'}`, () => {
    it('the baseline passes every check, each check function on its own too', () => {
      const s = baseline(withNp);
      assert.deepEqual(run(s), { ok: true });
      for (const id of ROW_IDS) assert.equal(VMRUN_CHECK_FNS[id]({ ...s }), null, id);
    });

    for (const id of ROW_IDS) {
      const c = CASES[id];
      const meta = vmrunCheckMeta(id)!;
      describe(id, () => {
        it(`passes (${c.pass.length} case${c.pass.length > 1 ? 's' : ''})`, () => {
          c.pass.forEach((mut, i) => {
            const s = baseline(withNp);
            mut(s);
            const r = run(s);
            assert.ok(r.ok, `pass case ${i}: ${r.ok ? '' : r.message}`);
            assert.equal(VMRUN_CHECK_FNS[id]({ ...s }), null, `pass case ${i}: ${id} alone`);
            if (c.behaviour) c.behaviour(s);
          });
        });
        if (c.fail) {
          it(`fails with ${id} -> ${meta.outcome} (${c.fail.length} case${c.fail.length > 1 ? 's' : ''})`, () => {
            c.fail!.forEach((mut, i) => {
              const s = baseline(withNp);
              mut(s);
              const r = run(s);
              assert.ok(!r.ok, `fail case ${i} passed`);
              assert.equal(r.id, id, `fail case ${i}: ${r.message}`);
              assert.equal(r.outcome, meta.outcome as VmrunOutcome);
              assert.equal(r.apm, meta.apm);
              assert.ok(r.message.startsWith(`VMRUN check ${id} failed: `), r.message);
              assert.ok(r.message.includes(r.value) && r.message.includes(meta.outcome), r.message);
              const alone = VMRUN_CHECK_FNS[id]({ ...s });
              assert.ok(alone && alone.id === id, `fail case ${i}: ${id} alone`);
            });
          });
        }
      });
    }
  });
}

describe('svm/vmrun-checks: failure records and entry points', () => {
  it('names field, VMCB offset, value, allowed values and APM section', () => {
    const s = baseline(false);
    clear(s, 'EFER', SVME);
    const r = run(s);
    assert.ok(!r.ok);
    assert.deepEqual({ ...r, message: undefined }, {
      ok: false, id: 'SVM-EFER-SVME', field: 'EFER', offset: 0x4d0, value: '0xd01', allowed: 'EFER.SVME (bit 12) must be 1',
      rule: 'guest EFER.SVME = 1', apm: 'vol 2 §15.5.1', outcome: '#VMEXIT(VMEXIT_INVALID)', message: undefined,
    });
    assert.equal(r.message, 'VMRUN check SVM-EFER-SVME failed: VMCB.EFER (0x4d0) = 0xd01; EFER.SVME (bit 12) must be 1 [AMD APM vol 2 §15.5.1] -> #VMEXIT(VMEXIT_INVALID)');
  });

  it('instruction checks run without a VMCB; consistency checks without the instruction state mattering', () => {
    const s = baseline(true);
    assert.deepEqual(runVmrunInstructionChecks({ cpu: s.cpu, model: s.model }), { ok: true });
    s.cpu.cpl = 3;
    const r = runVmrunInstructionChecks({ cpu: s.cpu, model: s.model });
    assert.ok(!r.ok && r.id === 'SVM-INSN-GP-CPL' && r.outcome === '#GP(0)');
    assert.deepEqual(runVmcbConsistencyChecks({ ...s }), { ok: true });
  });

  it('VMRUN in a guest is intercepted before rAX is checked (APM §15.9; QEMU differs)', () => {
    const s = baseline(false);
    s.cpu.inGuestMode = true;
    s.cpu.raxLo = 0x123;
    const r = run(s);
    assert.ok(!r.ok && r.outcome === '#VMEXIT(VMRUN)');
    s.cpu.cpl = 3;
    const r2 = run(s);
    assert.ok(!r2.ok && r2.outcome === '#GP(0)' && r2.id === 'SVM-INSN-GP-CPL', 'CPL is a simple exception: before the intercept');
  });

  it('the VMCB address comes from AX, EAX or RAX by address size', () => {
    const cpu = baseline(false).cpu;
    cpu.raxLo = 0x12345678;
    cpu.raxHi = 0x9;
    assert.deepEqual(vmrunVmcbAddress(cpu), { lo: 0x12345678, hi: 0x9 });
    cpu.addressSize = 32;
    assert.deepEqual(vmrunVmcbAddress(cpu), { lo: 0x12345678, hi: 0 });
    cpu.addressSize = 16;
    assert.deepEqual(vmrunVmcbAddress(cpu), { lo: 0x5678, hi: 0 });
  });

  it('VM_HSAVE_PA writes: 4 KiB aligned and below MAXPHYADDR', () => {
    assert.equal(vmHsavePaWriteFault(0x9000, 0, 40), null);
    assert.match(vmHsavePaWriteFault(0x9008, 0, 40) ?? '', /bits 11:0/);
    assert.match(vmHsavePaWriteFault(0, 0x100, 40) ?? '', /below 2\^40/);
  });

  it('a CPU without CET rejects CR4.CET as an MBZ bit, not as a CET check', () => {
    const s = baseline(false);
    or(s, 'CR4', CR4_CET);
    clear(s, 'CR0', WP);
    const r = run(s);
    assert.ok(!r.ok && r.id === 'SVM-CR4-MBZ');
  });

  it('checks VMCB12 in L1 memory through a snapshot (the L0 path)', () => {
    const mem = new PhysicalMemory([{ base: 0, size: 0x200000 }]);
    const s = baseline(true);
    const vmcb12 = vmcbInMemory(mem, 0x8000);
    for (let off = 0; off < 4096; off += 4) vmcb12.write(off, 4, s.vmcb.read(off, 4));
    const snap = copyVmcb(vmcb12);
    assert.deepEqual(runVmrunChecks({ vmcb: snap, mem, cpu: s.cpu, model: s.model }), { ok: true });
    // L1 changing VMCB12 after the snapshot does not change what was checked.
    writeField(vmcb12, 'GUEST_ASID', 0);
    assert.deepEqual(runVmrunChecks({ vmcb: snap, mem, cpu: s.cpu, model: s.model }), { ok: true });
    const r = runVmrunChecks({ vmcb: copyVmcb(vmcb12), mem, cpu: s.cpu, model: s.model });
    assert.ok(!r.ok && r.id === 'SVM-ASID-ZERO');
  });
});
