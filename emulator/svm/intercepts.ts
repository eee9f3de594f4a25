// SVM intercept bits (AMD APM vol 2 Appendix B Table B-1; §15.8-§15.14),
// transcribed from ../shared/reference/svm-intercepts.tsv: six 32-bit
// intercept vectors at VMCB 0x000..0x017. Global bit = word*32 + bit, and
// for every defined bit the global bit number IS the #VMEXIT code it
// produces (exit codes 0x00..0xBF); the L0's "does L1 intercept this exit?"
// rule relies on that (exitCodeIntercepted).
//
// Also here: the predicates the L0 asks of a VMCB (exception n, CR n
// read/write, selective CR0 write), the IOPM lookup (§15.10.1) and the MSRPM
// lookup (§15.11).
import type { PhysRead } from './phys';
import { EXCEPTION_VECTORS, vectorName } from './exceptions';
import { VMCB_OFF } from './vmcb-layout';
import { toNumber } from './u64';

export interface SvmIntercept {
  readonly name: string;
  /** Intercept word 0..5 (the APM's intercept vectors 0/1 = CR, DR; 2 = exceptions; 3, 4, 5 = misc). */
  readonly word: number;
  /** VMCB offset of the 32-bit word. */
  readonly wordOffset: number;
  readonly bit: number;
  readonly globalBit: number;
  /** The #VMEXIT code this intercept produces (== globalBit). */
  readonly exitCode: number;
  readonly meaning: string;
  readonly apm: string;
  /** Does QEMU TCG implement it (svm-intercepts.tsv qemu_tcg column)? */
  readonly qemuTcg: 'yes' | 'no' | 'unverified';
  /** CPU feature (cpu-features.ts name) that gives the intercept a meaning, if any. */
  readonly feature?: string;
}

function i(word: number, bit: number, name: string, meaning: string, apm: string, qemuTcg: SvmIntercept['qemuTcg'], feature?: string): SvmIntercept {
  const g = word * 32 + bit;
  return { name, word, wordOffset: word * 4, bit, globalBit: g, exitCode: g, meaning, apm, qemuTcg, feature };
}

const QEMU_CRS = new Set([0, 2, 3, 4, 8]);

function build(): SvmIntercept[] {
  const t: SvmIntercept[] = [];
  // Word 0: CR reads (15:0) and writes (31:16) (§15.8).
  for (let n = 0; n < 16; n++) {
    t.push(i(0, n, `CR${n}_READ`, n === 0 ? 'MOV from CR0 (also SMSW)' : n === 8 ? 'MOV from CR8 (TPR; V_TPR with V_INTR_MASKING)' : `MOV from CR${n}`,
      '§15.8', QEMU_CRS.has(n) ? 'yes' : 'no'));
  }
  for (let n = 0; n < 16; n++) {
    t.push(i(0, 16 + n, `CR${n}_WRITE`, n === 0 ? 'MOV to CR0, LMSW, CLTS (fault-like, before the write)' : `MOV to CR${n}`,
      '§15.8', QEMU_CRS.has(n) ? 'yes' : 'no'));
  }
  // Word 1: DR reads and writes.
  for (let n = 0; n < 16; n++) t.push(i(1, n, `DR${n}_READ`, `MOV from DR${n}`, '§15.8', n < 8 ? 'yes' : 'no'));
  for (let n = 0; n < 16; n++) t.push(i(1, 16 + n, `DR${n}_WRITE`, `MOV to DR${n}`, '§15.8', n < 8 ? 'yes' : 'no'));
  // Word 2: exceptions (§15.12).
  for (let n = 0; n < 32; n++) {
    const e = EXCEPTION_VECTORS[n];
    const what = n === 2 ? 'vector 2 (no effect: NMIs use the NMI intercept)' : n === 14 ? '#PF (EXITINFO2 = address, CR2 not written)' : `${vectorName(n)} ${e.name}`;
    t.push(i(2, n, `EXCP_${n}`, `exception ${what}`, '§15.12', 'yes'));
  }
  // Word 3: misc vector 3 (0x00C).
  const m1: [string, string, string, SvmIntercept['qemuTcg']][] = [
    ['INTR', 'physical maskable interrupt (exit at an instruction boundary, interrupt stays pending)', '§15.13.1', 'yes'],
    ['NMI', 'physical NMI', '§15.13.2', 'yes'],
    ['SMI', 'SMI', '§15.13.3', 'unverified'],
    ['INIT', 'INIT signal', '§15.13.4', 'yes'],
    ['VINTR', 'virtual interrupt (V_IRQ) deliverable: interrupt-window exit', '§15.21.6', 'yes'],
    ['CR0_SEL_WRITE', 'MOV to CR0 / LMSW changing bits other than TS and MP (CR0_WRITE has priority)', '§15.8', 'no'],
    ['IDTR_READ', 'SIDT', '§15.9', 'yes'],
    ['GDTR_READ', 'SGDT', '§15.9', 'yes'],
    ['LDTR_READ', 'SLDT', '§15.9', 'yes'],
    ['TR_READ', 'STR', '§15.9', 'yes'],
    ['IDTR_WRITE', 'LIDT', '§15.9', 'yes'],
    ['GDTR_WRITE', 'LGDT', '§15.9', 'yes'],
    ['LDTR_WRITE', 'LLDT', '§15.9', 'yes'],
    ['TR_WRITE', 'LTR', '§15.9', 'yes'],
    ['RDTSC', 'RDTSC', '§15.9', 'yes'],
    ['RDPMC', 'RDPMC', '§15.9', 'yes'],
    ['PUSHF', 'PUSHF', '§15.9', 'yes'],
    ['POPF', 'POPF', '§15.9', 'yes'],
    ['CPUID', 'CPUID', '§15.9', 'yes'],
    ['RSM', 'RSM', '§15.9', 'yes'],
    ['IRET', 'IRET (exit before IRET executes)', '§15.9', 'yes'],
    ['SWINT', 'INTn (not INT3, INTO, INT1)', '§15.9', 'yes'],
    ['INVD', 'INVD', '§15.9', 'yes'],
    ['PAUSE', 'PAUSE (subject to the pause filter with PauseFilter)', '§15.14.4', 'yes'],
    ['HLT', 'HLT', '§15.9', 'yes'],
    ['INVLPG', 'INVLPG', '§15.9', 'yes'],
    ['INVLPGA', 'INVLPGA', '§15.9', 'yes'],
    ['IOIO_PROT', 'IN/OUT/INS/OUTS: consult the IOPM at IOPM_BASE_PA', '§15.10', 'yes'],
    ['MSR_PROT', 'RDMSR/WRMSR: consult the MSRPM at MSRPM_BASE_PA', '§15.11', 'yes'],
    ['TASK_SWITCH', 'hardware task switch', '§15.14.1', 'yes'],
    ['FERR_FREEZE', 'FERR_FREEZE (legacy FPU error freeze)', '§15.14.2', 'no'],
    ['SHUTDOWN', 'shutdown (triple fault)', '§15.14.3', 'yes'],
  ];
  m1.forEach(([name, meaning, apm, q], bit) => t.push(i(3, bit, name, meaning, apm, q)));
  // Word 4: misc vector 4 (0x010).
  const m2: [string, string, SvmIntercept['qemuTcg'], string?][] = [
    ['VMRUN', 'VMRUN; must be set in every VMCB or VMRUN fails with VMEXIT_INVALID', 'yes'],
    ['VMMCALL', 'VMMCALL (if clear, VMMCALL in the guest is #UD)', 'yes'],
    ['VMLOAD', 'VMLOAD', 'yes'],
    ['VMSAVE', 'VMSAVE', 'yes'],
    ['STGI', 'STGI', 'yes'],
    ['CLGI', 'CLGI', 'yes'],
    ['SKINIT', 'SKINIT', 'yes'],
    ['RDTSCP', 'RDTSCP', 'yes', 'rdtscp'],
    ['ICEBP', 'ICEBP / INT1 (opcode F1)', 'yes'],
    ['WBINVD', 'WBINVD and WBNOINVD', 'yes'],
    ['MONITOR', 'MONITOR/MONITORX', 'yes'],
    ['MWAIT', 'MWAIT/MWAITX unconditionally', 'yes'],
    ['MWAIT_COND', 'MWAIT/MWAITX only if the monitor is armed', 'no'],
    ['XSETBV', 'XSETBV', 'unverified', 'xsave'],
    ['RDPRU', 'RDPRU', 'no'],
    ['EFER_WRITE_TRAP', 'trap after a guest EFER write completes (EXITINFO1 = new value)', 'no'],
  ];
  m2.forEach(([name, meaning, q, feat], bit) => t.push(i(4, bit, name, meaning, '§15.9', q, feat)));
  for (let n = 0; n < 16; n++) {
    t.push(i(4, 16 + n, `CR${n}_WRITE_TRAP`, `trap after a write to CR${n} completes (EXITINFO1 = new value); SEV-ES oriented`, '§15.9', 'no'));
  }
  // Word 5: misc vector 5 (0x014); bits 31:7 reserved.
  const m3: [string, string][] = [
    ['INVLPGB', 'INVLPGB (all uses)'],
    ['INVLPGB_ILLEGAL', 'INVLPGB only when illegally specified'],
    ['INVPCID', 'INVPCID'],
    ['MCOMMIT', 'MCOMMIT'],
    ['TLBSYNC', 'TLBSYNC'],
    ['BUS_LOCK', 'bus lock (threshold counter at 0x120)'],
    ['IDLE_HLT', 'HLT when no virtual interrupt is pending'],
  ];
  m3.forEach(([name, meaning], bit) => t.push(i(5, bit, name, meaning, '§15.9', 'no')));
  return t;
}

/** Every defined intercept bit, in global-bit order (167 entries; word 5 bits 31:7 reserved). */
export const SVM_INTERCEPTS: readonly SvmIntercept[] = build();

const byName = new Map(SVM_INTERCEPTS.map((x) => [x.name, x]));
const byGlobal: (SvmIntercept | undefined)[] = [];
for (const x of SVM_INTERCEPTS) byGlobal[x.globalBit] = x;

/** Intercept words are 6 x 32 bits; global bits 0..191. */
export const INTERCEPT_WORDS = 6;
export const INTERCEPT_GLOBAL_BITS = 192;

export function interceptByName(name: string): SvmIntercept | undefined {
  return byName.get(name);
}

/** The intercept bit that enables exit code `code` (codes below 0xC0), if defined. */
export function interceptForExitCode(code: number): SvmIntercept | undefined {
  return code >= 0 && code < INTERCEPT_GLOBAL_BITS ? byGlobal[code] : undefined;
}

/** Global bit of a named intercept; throws on an unknown name (a typo in L0 code should fail loudly). */
export function interceptBitOf(name: string): number {
  const x = byName.get(name);
  if (!x) throw new RangeError(`no SVM intercept named '${name}'`);
  return x.globalBit;
}

/** Is global intercept bit `g` (0..191) set in the VMCB? */
export function interceptBit(vmcb: PhysRead, g: number): boolean {
  return ((vmcb.read((g >>> 5) << 2, 4) >>> (g & 31)) & 1) === 1;
}

export function isIntercepted(vmcb: PhysRead, name: string): boolean {
  return interceptBit(vmcb, interceptBitOf(name));
}

/**
 * Does this VMCB intercept exit code `code`? For codes below 0xC0 the
 * intercept bit number equals the exit code (APM Appendix C; KVM
 * vmcb12_is_intercept). IOIO and MSR need the permission maps as well
 * (ioioExitTaken, msrExitTaken); NPF depends on NESTED_CTL, not a bit.
 */
export function exitCodeIntercepted(vmcb: PhysRead, code: number): boolean {
  return code >= 0 && code < INTERCEPT_GLOBAL_BITS && interceptBit(vmcb, code);
}

/** Names of every set intercept bit, in bit order; set reserved bits appear as 'reserved(word.bit)'. */
export function interceptNames(vmcb: PhysRead): string[] {
  const out: string[] = [];
  for (let w = 0; w < INTERCEPT_WORDS; w++) {
    const v = vmcb.read(w * 4, 4) >>> 0;
    if (v === 0) continue;
    for (let bit = 0; bit < 32; bit++) {
      if (((v >>> bit) & 1) === 0) continue;
      const x = byGlobal[w * 32 + bit];
      out.push(x ? x.name : `reserved(${w}.${bit})`);
    }
  }
  return out;
}

// ---- predicates the L0 asks ----

/** Exception vector n (0..31) intercepted? (§15.12) */
export function exceptionIntercepted(vmcb: PhysRead, vector: number): boolean {
  return vector >= 0 && vector < 32 && ((vmcb.read(VMCB_OFF.INTERCEPT_EXCEPTIONS, 4) >>> vector) & 1) === 1;
}

/** MOV from CRn intercepted? (§15.8) */
export function crReadIntercepted(vmcb: PhysRead, n: number): boolean {
  return n >= 0 && n < 16 && ((vmcb.read(VMCB_OFF.INTERCEPT_CR_READ, 2) >>> n) & 1) === 1;
}

/** MOV to CRn intercepted (plain write intercept; see cr0WriteExit for CR0)? */
export function crWriteIntercepted(vmcb: PhysRead, n: number): boolean {
  return n >= 0 && n < 16 && ((vmcb.read(VMCB_OFF.INTERCEPT_CR_WRITE, 2) >>> n) & 1) === 1;
}

export function drReadIntercepted(vmcb: PhysRead, n: number): boolean {
  return n >= 0 && n < 16 && ((vmcb.read(VMCB_OFF.INTERCEPT_DR_READ, 2) >>> n) & 1) === 1;
}

export function drWriteIntercepted(vmcb: PhysRead, n: number): boolean {
  return n >= 0 && n < 16 && ((vmcb.read(VMCB_OFF.INTERCEPT_DR_WRITE, 2) >>> n) & 1) === 1;
}

/** CR0 bits the selective CR0 write intercept ignores (§15.8): TS and MP. */
export const CR0_SELECTIVE_IGNORED = (1 << 3) | (1 << 1);

/**
 * The exit a CR0 write causes, or null. The plain CR0 write intercept
 * (exit 0x10) has priority over the selective one (0x65) and catches MOV,
 * LMSW and CLTS. The selective intercept catches MOV to CR0 that changes a
 * bit other than TS/MP, and LMSW that changes any bit it writes (CR0[3:0];
 * it cannot clear PE) — svm-exit-codes.tsv 0x065: LMSW is caught even when
 * it changes only MP; CLTS never is.
 */
export function cr0WriteExit(vmcb: PhysRead, oldCr0: number, newCr0: number, via: 'mov' | 'lmsw' | 'clts'): 0x10 | 0x65 | null {
  if (crWriteIntercepted(vmcb, 0)) return 0x10;
  if (via === 'clts' || !isSelectiveCr0(vmcb)) return null;
  if (via === 'lmsw') {
    let nv = newCr0 & 0xf;
    if (oldCr0 & 1) nv |= 1;
    return ((oldCr0 & 0xf) ^ nv) !== 0 ? 0x65 : null;
  }
  return ((oldCr0 ^ newCr0) & ~CR0_SELECTIVE_IGNORED) !== 0 ? 0x65 : null;
}

function isSelectiveCr0(vmcb: PhysRead): boolean {
  return ((vmcb.read(VMCB_OFF.INTERCEPT_MISC1, 4) >>> 5) & 1) === 1;
}

// ---- I/O permission map (APM §15.10.1) ----

/** The IOPM occupies 12 KiB; bits for ports 0..0xFFFF plus those an access crossing 0xFFFF reaches. */
export const IOPM_SIZE = 0x3000;
/** The MSRPM occupies 8 KiB. */
export const MSRPM_SIZE = 0x2000;

/** IOPM_BASE_PA with bits 11:0 ignored (§15.10.1), as a number (valid bases are below 2^52). */
export function vmcbIopmBase(vmcb: PhysRead): number {
  return toNumber(vmcb.read(VMCB_OFF.IOPM_BASE_PA, 4) & ~0xfff, vmcb.read(VMCB_OFF.IOPM_BASE_PA + 4, 4));
}

/** MSRPM_BASE_PA with bits 11:0 ignored (§15.11). */
export function vmcbMsrpmBase(vmcb: PhysRead): number {
  return toNumber(vmcb.read(VMCB_OFF.MSRPM_BASE_PA, 4) & ~0xfff, vmcb.read(VMCB_OFF.MSRPM_BASE_PA + 4, 4));
}

/**
 * Does the IOPM at `iopmBase` intercept an access of `size` bytes at
 * `port`? One bit per port; an access is intercepted if the bit of any byte
 * it touches is set, so a 2- or 4-byte access reads up to two IOPM bytes,
 * and one that crosses port 0xFFFF reads the bits of "ports" 0x10000..0x10002
 * (byte 0x2000, inside the 12 KiB map; the access does not wrap to port 0).
 */
export function iopmIntercepts(mem: PhysRead, iopmBase: number, port: number, size: 1 | 2 | 4): boolean {
  port &= 0xffff;
  const first = port >>> 3;
  const shift = port & 7;
  const mask = ((1 << size) - 1) << shift;
  let bits = mem.read(iopmBase + first, 1);
  if (shift + size > 8) bits |= mem.read(iopmBase + first + 1, 1) << 8;
  return (bits & mask) !== 0;
}

/** IN/OUT/INS/OUTS exit: IOIO_PROT set and an IOPM bit of the access set (§15.10). */
export function ioioExitTaken(vmcb: PhysRead, mem: PhysRead, port: number, size: 1 | 2 | 4): boolean {
  if (((vmcb.read(VMCB_OFF.INTERCEPT_MISC1, 4) >>> 27) & 1) === 0) return false;
  return iopmIntercepts(mem, vmcbIopmBase(vmcb), port, size);
}

// ---- MSR permission map (APM §15.11) ----

/** The three MSR ranges the MSRPM covers, 2 bits per MSR (even bit = read, odd = write); 0x1800-0x1FFF reserved. */
export const MSRPM_RANGES: readonly { readonly first: number; readonly last: number; readonly byteOffset: number }[] = [
  { first: 0x0000_0000, last: 0x0000_1fff, byteOffset: 0x000 },
  { first: 0xc000_0000, last: 0xc000_1fff, byteOffset: 0x800 },
  { first: 0xc001_0000, last: 0xc001_1fff, byteOffset: 0x1000 },
];

/** Bit number within the MSRPM for (msr, read/write), or -1 when the MSR is outside the three ranges. */
export function msrpmBit(msr: number, write: boolean): number {
  msr >>>= 0;
  for (const r of MSRPM_RANGES) {
    if (msr >= r.first && msr <= r.last) return r.byteOffset * 8 + (msr - r.first) * 2 + (write ? 1 : 0);
  }
  return -1;
}

/** Does the MSRPM at `msrpmBase` intercept this access? MSRs outside the three ranges always are (§15.11). */
export function msrpmIntercepts(mem: PhysRead, msrpmBase: number, msr: number, write: boolean): boolean {
  const bit = msrpmBit(msr, write);
  if (bit < 0) return true;
  return ((mem.read(msrpmBase + (bit >>> 3), 1) >>> (bit & 7)) & 1) === 1;
}

/** RDMSR/WRMSR exit: MSR_PROT set and (MSR outside the ranges or its MSRPM bit set) (§15.11). */
export function msrExitTaken(vmcb: PhysRead, mem: PhysRead, msr: number, write: boolean): boolean {
  if (((vmcb.read(VMCB_OFF.INTERCEPT_MISC1, 4) >>> 28) & 1) === 0) return false;
  return msrpmIntercepts(mem, vmcbMsrpmBase(vmcb), msr, write);
}
