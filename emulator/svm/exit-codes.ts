// SVM #VMEXIT codes (AMD APM vol 2 Appendix C "SVM Intercept Exit Codes";
// §15.8-§15.14, §15.25 NPF), transcribed from
// ../shared/reference/svm-exit-codes.tsv: code, name, what EXITINFO1,
// EXITINFO2 and EXITINTINFO hold, whether NRIP is written (with NRIPS), the
// APM section. Plus the text decoders the trace, the debugger and the
// language server use (decodeExitInfo, decodeEventInfo) and the EXITINFO
// encoders the L0 uses to write exits exactly as hardware does.
import { EXCEPTION_VECTORS, vectorName } from './exceptions';
import { interceptForExitCode, SvmIntercept } from './intercepts';
import { U64Like, hex, hex64, toU64 } from './u64';

export interface SvmExitCode {
  /** The exit code; VMEXIT_INVALID is -1 and VMEXIT_BUSY -2 (all 64 bits of EXITCODE). */
  readonly code: number;
  readonly name: string;
  readonly cause: string;
  readonly exitInfo1: string;
  readonly exitInfo2: string;
  readonly exitIntInfo: string;
  /** NRIP (0x0C8) holds the next RIP after this exit when NRIPS is supported. */
  readonly nrip: boolean;
  readonly apm: string;
  /** Does QEMU TCG ever produce it? */
  readonly qemuTcg: 'yes' | 'no' | 'unverified';
}

export const VMEXIT_INVALID = -1;
export const VMEXIT_BUSY = -2;
export const VMEXIT_NPF = 0x400;

const EII = 'the event being delivered when the exit happened (V=1), else 0 (APM §15.7.2)';
const NOINFO = '0';

interface Row { code: number; name: string; cause: string; i1?: string; i2?: string; nrip?: boolean; apm: string; eii?: string; qemu?: SvmExitCode['qemuTcg'] }

function qemuOf(code: number, fallback: SvmExitCode['qemuTcg']): SvmExitCode['qemuTcg'] {
  const ic: SvmIntercept | undefined = interceptForExitCode(code);
  return ic ? ic.qemuTcg : fallback;
}

function build(): SvmExitCode[] {
  const rows: Row[] = [];
  for (let n = 0; n < 16; n++) {
    rows.push({ code: n, name: `VMEXIT_CR${n}_READ`, cause: n === 0 ? 'MOV from CR0 or SMSW' : `MOV from CR${n}`,
      i1: 'decode assists: bit 63 = 1 for MOV CRn (0 for SMSW), bits 3:0 = destination GPR; else 0', nrip: true, apm: '§15.8, §15.33' });
  }
  for (let n = 0; n < 16; n++) {
    rows.push({ code: 0x10 + n, name: `VMEXIT_CR${n}_WRITE`, cause: n === 0 ? 'MOV to CR0, LMSW or CLTS (before the write)' : `MOV to CR${n} (before the write)`,
      i1: 'decode assists: bit 63 = 1 for MOV CRn (0 for LMSW/CLTS), bits 3:0 = source GPR; else 0', nrip: true, apm: '§15.8, §15.33' });
  }
  for (let n = 0; n < 16; n++) {
    rows.push({ code: 0x20 + n, name: `VMEXIT_DR${n}_READ`, cause: `MOV from DR${n}`, i1: 'decode assists: bits 3:0 = GPR; else 0', nrip: true, apm: '§15.8, §15.33' });
  }
  for (let n = 0; n < 16; n++) {
    rows.push({ code: 0x30 + n, name: `VMEXIT_DR${n}_WRITE`, cause: `MOV to DR${n}`, i1: 'decode assists: bits 3:0 = GPR; else 0', nrip: true, apm: '§15.8, §15.33' });
  }
  for (let n = 0; n < 32; n++) {
    const e = EXCEPTION_VECTORS[n];
    rows.push({
      code: 0x40 + n, name: `VMEXIT_EXCP_${n}`,
      cause: n === 2 ? 'exception vector 2 (unused: NMIs exit with VMEXIT_NMI)' : `exception ${vectorName(n)} (${e.name}) with its intercept bit set; the exit replaces delivery`,
      i1: e.errorCode ? 'the error code the exception would push' : 'undefined (no error code)',
      i2: n === 14 ? 'faulting linear address (what would go to CR2; CR2 is not written)' : 'undefined',
      nrip: false, apm: '§15.12',
    });
  }
  const ins = (code: number, name: string, cause: string, extra: Partial<Row> = {}) =>
    rows.push({ code, name, cause, nrip: true, apm: '§15.9', ...extra });
  rows.push({ code: 0x60, name: 'VMEXIT_INTR', cause: 'physical maskable interrupt (at an instruction boundary; stays pending)', apm: '§15.13.1' });
  rows.push({ code: 0x61, name: 'VMEXIT_NMI', cause: 'physical NMI', apm: '§15.13.2' });
  rows.push({ code: 0x62, name: 'VMEXIT_SMI', cause: 'SMI', i1: 'implementation-specific (may describe the SMI source), usually 0', apm: '§15.13.3' });
  rows.push({ code: 0x63, name: 'VMEXIT_INIT', cause: 'INIT signal', apm: '§15.13.4' });
  rows.push({ code: 0x64, name: 'VMEXIT_VINTR', cause: 'virtual interrupt (V_IRQ) about to be taken: interrupt window', apm: '§15.21.6' });
  ins(0x65, 'VMEXIT_CR0_SEL_WRITE', 'MOV to CR0 or LMSW changing a bit other than TS/MP (selective CR0 write intercept)',
    { i1: 'decode assists: bit 63 = 1 for MOV CR0, bits 3:0 = source GPR; else 0', apm: '§15.8' });
  const simple: [number, string, string][] = [
    [0x66, 'VMEXIT_IDTR_READ', 'SIDT'], [0x67, 'VMEXIT_GDTR_READ', 'SGDT'], [0x68, 'VMEXIT_LDTR_READ', 'SLDT'],
    [0x69, 'VMEXIT_TR_READ', 'STR'], [0x6a, 'VMEXIT_IDTR_WRITE', 'LIDT'], [0x6b, 'VMEXIT_GDTR_WRITE', 'LGDT'],
    [0x6c, 'VMEXIT_LDTR_WRITE', 'LLDT'], [0x6d, 'VMEXIT_TR_WRITE', 'LTR'], [0x6e, 'VMEXIT_RDTSC', 'RDTSC'],
    [0x6f, 'VMEXIT_RDPMC', 'RDPMC'], [0x70, 'VMEXIT_PUSHF', 'PUSHF'], [0x71, 'VMEXIT_POPF', 'POPF'],
    [0x72, 'VMEXIT_CPUID', 'CPUID'], [0x73, 'VMEXIT_RSM', 'RSM'], [0x74, 'VMEXIT_IRET', 'IRET (before it executes)'],
  ];
  for (const [c, n, what] of simple) ins(c, n, what);
  ins(0x75, 'VMEXIT_SWINT', 'INTn (not INT3/INTO/INT1)', { i1: 'decode assists: bits 7:0 = vector n; else 0' });
  ins(0x76, 'VMEXIT_INVD', 'INVD');
  ins(0x77, 'VMEXIT_PAUSE', 'PAUSE (after the pause filter count reaches 0, with PauseFilter)', { apm: '§15.14.4' });
  ins(0x78, 'VMEXIT_HLT', 'HLT');
  ins(0x79, 'VMEXIT_INVLPG', 'INVLPG', { i1: 'decode assists: the linear address operand; else 0' });
  ins(0x7a, 'VMEXIT_INVLPGA', 'INVLPGA (rAX = linear address, ECX = ASID)', { i1: 'decode assists: rAX linear address; else 0' });
  ins(0x7b, 'VMEXIT_IOIO', 'IN/OUT/INS/OUTS with IOIO_PROT and an IOPM bit of the access set', {
    i1: 'bit 0 TYPE (1 = IN), bit 2 STR, bit 3 REP, bits 6:4 SZ8/SZ16/SZ32, bits 9:7 A16/A32/A64, bits 12:10 SEG (decode assists), bits 31:16 PORT',
    i2: 'rIP of the instruction after the IN/OUT (always, independent of NRIPS)', apm: '§15.10.2',
  });
  ins(0x7c, 'VMEXIT_MSR', 'RDMSR/WRMSR with MSR_PROT and the MSRPM bit set (or an MSR outside the mapped ranges)', { i1: '0 = RDMSR, 1 = WRMSR', apm: '§15.11' });
  ins(0x7d, 'VMEXIT_TASK_SWITCH', 'hardware task switch', {
    i1: 'bits 15:0 = target TSS selector',
    i2: 'bits 31:0 error code to push; bit 36 caused by IRET; bit 38 caused by far JMP; bit 44 has error code; bit 48 EFLAGS.RF to save', apm: '§15.14.1',
  });
  rows.push({ code: 0x7e, name: 'VMEXIT_FERR_FREEZE', cause: 'processor in FERR_FREEZE state', apm: '§15.14.2' });
  rows.push({ code: 0x7f, name: 'VMEXIT_SHUTDOWN', cause: 'the guest would enter shutdown (triple fault)', apm: '§15.14.3' });
  const m2: [number, string, string][] = [
    [0x80, 'VMEXIT_VMRUN', 'VMRUN'], [0x81, 'VMEXIT_VMMCALL', 'VMMCALL'], [0x82, 'VMEXIT_VMLOAD', 'VMLOAD'],
    [0x83, 'VMEXIT_VMSAVE', 'VMSAVE'], [0x84, 'VMEXIT_STGI', 'STGI'], [0x85, 'VMEXIT_CLGI', 'CLGI'],
    [0x86, 'VMEXIT_SKINIT', 'SKINIT'], [0x87, 'VMEXIT_RDTSCP', 'RDTSCP'], [0x88, 'VMEXIT_ICEBP', 'ICEBP (INT1, opcode F1)'],
    [0x89, 'VMEXIT_WBINVD', 'WBINVD/WBNOINVD'], [0x8a, 'VMEXIT_MONITOR', 'MONITOR/MONITORX'],
    [0x8b, 'VMEXIT_MWAIT', 'MWAIT/MWAITX (unconditional intercept)'], [0x8c, 'VMEXIT_MWAIT_CONDITIONAL', 'MWAIT/MWAITX with the monitor armed'],
    [0x8d, 'VMEXIT_XSETBV', 'XSETBV'], [0x8e, 'VMEXIT_RDPRU', 'RDPRU'],
  ];
  for (const [c, n, what] of m2) ins(c, n, what);
  ins(0x8f, 'VMEXIT_EFER_WRITE_TRAP', 'a write to EFER completed (trap: RIP is past the instruction)', { i1: 'new EFER value' });
  for (let n = 0; n < 16; n++) {
    ins(0x90 + n, `VMEXIT_CR${n}_WRITE_TRAP`, `a write to CR${n} completed (trap)`, { i1: `new CR${n} value` });
  }
  ins(0xa0, 'VMEXIT_INVLPGB', 'INVLPGB', { i1: 'decode assists: operands (rAX/ECX/EDX stay in registers)' });
  ins(0xa1, 'VMEXIT_INVLPGB_ILLEGAL', 'INVLPGB with illegal operands');
  ins(0xa2, 'VMEXIT_INVPCID', 'INVPCID', { i1: 'linear address of the INVPCID descriptor', i2: 'INVPCID type (register operand)' });
  ins(0xa3, 'VMEXIT_MCOMMIT', 'MCOMMIT');
  ins(0xa4, 'VMEXIT_TLBSYNC', 'TLBSYNC');
  rows.push({ code: 0xa5, name: 'VMEXIT_BUSLOCK', cause: 'bus-lock threshold counter reached 0', apm: '§15.9' });
  ins(0xa6, 'VMEXIT_IDLE_HLT', 'HLT while no virtual interrupt is pending');
  rows.push({
    code: VMEXIT_NPF, name: 'VMEXIT_NPF', cause: 'nested page fault: a guest-physical access the nested page tables (N_CR3) do not permit',
    i1: 'error code: bit 0 P, 1 RW, 2 US (NPT walks are user accesses), 3 RSV, 4 ID, 6 SS, 32 final GPA, 33 guest page-table walk, 37 SSS; 31/34-36 SNP',
    i2: 'faulting guest-physical address', apm: '§15.25.6', qemu: 'yes',
  });
  rows.push({ code: 0x401, name: 'VMEXIT_AVIC_INCOMPLETE_IPI', cause: 'AVIC IPI could not complete', i1: 'bits 31:0 ICR low, bits 63:32 ICR high',
    i2: 'bits 63:32 cause (0 invalid type, 1 target not running, 2 invalid target, 3 invalid backing page, 4 invalid vector); low bits index into the physical ID table', apm: '§15.29 (AVIC)', qemu: 'no' });
  rows.push({ code: 0x402, name: 'VMEXIT_AVIC_NOACCEL', cause: 'AVIC access to an APIC register that is not accelerated', i1: 'bits 11:4 APIC register offset; bit 32 write',
    i2: 'vector / extra information', apm: '§15.29 (AVIC)', qemu: 'no' });
  rows.push({ code: 0x403, name: 'VMEXIT_VMGEXIT', cause: 'SEV-ES VMGEXIT', i1: 'GHCB-defined', i2: 'GHCB-defined', apm: '§15.35 (SEV-ES)', qemu: 'no' });
  rows.push({ code: VMEXIT_INVALID, name: 'VMEXIT_INVALID', cause: 'VMRUN consistency check failed (vmrun-checks.tsv); the guest never ran',
    i1: '0', i2: '0', eii: 'not written', apm: '§15.5.1', qemu: 'yes' });
  rows.push({ code: VMEXIT_BUSY, name: 'VMEXIT_BUSY', cause: 'SEV-SNP: VMSA busy', i1: '-', i2: '-', eii: 'not written', apm: '§15.36 (SEV-SNP)', qemu: 'no' });
  return rows.map((r) => ({
    code: r.code, name: r.name, cause: r.cause, exitInfo1: r.i1 ?? NOINFO, exitInfo2: r.i2 ?? NOINFO, exitIntInfo: r.eii ?? EII,
    nrip: r.nrip ?? false, apm: `${r.apm}; App. C`, qemuTcg: r.qemu ?? qemuOf(r.code, 'no'),
  }));
}

/** Every exit code, ascending (VMEXIT_INVALID and VMEXIT_BUSY last). */
export const SVM_EXIT_CODES: readonly SvmExitCode[] = build();

const byCode = new Map(SVM_EXIT_CODES.map((e) => [e.code, e]));
const byName = new Map(SVM_EXIT_CODES.map((e) => [e.name, e]));

/**
 * The exit code as a number from EXITCODE's halves: -1 / -2 for the
 * all-ones codes, the low half when the high half is 0, NaN otherwise.
 */
export function exitCodeFromHalves(lo: number, hi: number): number {
  lo >>>= 0;
  hi >>>= 0;
  if (hi === 0) return lo;
  if (hi === 0xffffffff && lo >= 0xfffffffe) return lo === 0xffffffff ? VMEXIT_INVALID : VMEXIT_BUSY;
  return NaN;
}

function normCode(code: U64Like): number {
  if (typeof code === 'number' && code < 0) return code;
  const h = toU64(code);
  return exitCodeFromHalves(h.lo, h.hi);
}

export function svmExit(code: U64Like): SvmExitCode | undefined {
  return byCode.get(normCode(code));
}

export function svmExitByName(name: string): SvmExitCode | undefined {
  return byName.get(name);
}

/** 'VMEXIT_IOIO', or 'VMEXIT_UNKNOWN(0x...)'. */
export function exitCodeName(code: U64Like): string {
  const e = svmExit(code);
  if (e) return e.name;
  const h = toU64(code);
  return `VMEXIT_UNKNOWN(${hex64(h.lo, h.hi)})`;
}

// ---- EXITINFO encoders/decoders ----

/** IOIO EXITINFO1 bits (APM §15.10.2 Figure 15-2). */
export const IOIO_TYPE_IN = 1 << 0, IOIO_STR = 1 << 2, IOIO_REP = 1 << 3;
export const IOIO_SZ8 = 1 << 4, IOIO_SZ16 = 1 << 5, IOIO_SZ32 = 1 << 6;
export const IOIO_A16 = 1 << 7, IOIO_A32 = 1 << 8, IOIO_A64 = 1 << 9;
export const IOIO_SEG_SHIFT = 10, IOIO_PORT_SHIFT = 16;

export interface IoioInfo {
  in: boolean;
  string: boolean;
  rep: boolean;
  size: 1 | 2 | 4;
  addrSize: 16 | 32 | 64;
  /** Effective segment of a string instruction (0 ES .. 5 GS), with decode assists; else 0. */
  seg: number;
  port: number;
}

export function encodeIoioInfo(x: IoioInfo): number {
  return (
    (x.in ? IOIO_TYPE_IN : 0) | (x.string ? IOIO_STR : 0) | (x.rep ? IOIO_REP : 0) |
    (x.size === 1 ? IOIO_SZ8 : x.size === 2 ? IOIO_SZ16 : IOIO_SZ32) |
    (x.addrSize === 16 ? IOIO_A16 : x.addrSize === 32 ? IOIO_A32 : IOIO_A64) |
    ((x.seg & 7) << IOIO_SEG_SHIFT) | ((x.port & 0xffff) << IOIO_PORT_SHIFT)
  ) >>> 0;
}

export function decodeIoioInfo(info1: number): IoioInfo {
  const size = info1 & IOIO_SZ8 ? 1 : info1 & IOIO_SZ16 ? 2 : 4;
  const addrSize = info1 & IOIO_A16 ? 16 : info1 & IOIO_A32 ? 32 : 64;
  return {
    in: (info1 & IOIO_TYPE_IN) !== 0, string: (info1 & IOIO_STR) !== 0, rep: (info1 & IOIO_REP) !== 0,
    size, addrSize, seg: (info1 >>> IOIO_SEG_SHIFT) & 7, port: info1 >>> IOIO_PORT_SHIFT,
  };
}

/** NPF EXITINFO1 bits (APM §15.25.6); bits 32+ are given as bit numbers of the high dword. */
export const NPF_P = 1 << 0, NPF_RW = 1 << 1, NPF_US = 1 << 2, NPF_RSV = 1 << 3, NPF_ID = 1 << 4, NPF_SS = 1 << 6;
export const NPF_HI_FINAL_GPA = 1 << 0, NPF_HI_GPT = 1 << 1, NPF_HI_SSS = 1 << 5;

const SEGS = ['ES', 'CS', 'SS', 'DS', 'FS', 'GS', 'seg6', 'seg7'];
const GPRS = ['rax', 'rcx', 'rdx', 'rbx', 'rsp', 'rbp', 'rsi', 'rdi', 'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15'];
const EVENT_TYPES = ['external interrupt', 'reserved type 1', 'NMI', 'exception', 'software interrupt', 'reserved type 5', 'reserved type 6', 'reserved type 7'];

/** "not present, write, user, final GPA" style text of a #PF error code (APM vol 2 §8.4.2). */
export function decodePfErrorCode(ec: number): string {
  return [
    ec & 1 ? 'protection' : 'not present',
    ec & 2 ? 'write' : 'read',
    ec & 4 ? 'user' : 'supervisor',
    ...(ec & 8 ? ['reserved bit'] : []),
    ...(ec & 0x10 ? ['instruction fetch'] : []),
    ...(ec & 0x20 ? ['protection key'] : []),
    ...(ec & 0x40 ? ['shadow stack'] : []),
    ...(ec & 0x80000000 ? ['RMP'] : []),
  ].join(', ');
}

/** Text of an NPF error code (EXITINFO1 halves). */
export function decodeNpfErrorCode(lo: number, hi: number): string {
  const parts = [decodePfErrorCode(lo & 0x7fffffff)];
  if (hi & NPF_HI_FINAL_GPA) parts.push('final guest-physical address');
  if (hi & NPF_HI_GPT) parts.push('guest page-table walk');
  if (hi & NPF_HI_SSS) parts.push('supervisor shadow stack');
  if (lo & 0x80000000 || hi & 0x1c) parts.push('SNP bits ' + hex64(lo & 0x80000000, hi & 0x1c));
  return parts.join(', ');
}

/** Text of a selector error code (#TS, #NP, #SS, #GP; APM vol 2 §8.4.1). */
export function decodeSelectorErrorCode(ec: number): string {
  if (ec === 0) return 'error code 0';
  const table = ec & 2 ? 'IDT' : ec & 4 ? 'LDT' : 'GDT';
  return `error code ${hex(ec)} (${table} index ${hex((ec & 0xffff) >>> 3)}${ec & 1 ? ', external' : ''})`;
}

/**
 * Text of an EVENTINJ / EXITINTINFO value (APM §15.20 Figure 15-4), e.g.
 * "exception #PF (vector 14), error code 0x2" or "none".
 */
export function decodeEventInfo(v: U64Like): string {
  const { lo, hi } = toU64(v);
  if ((lo & 0x80000000) === 0) return 'none';
  const vector = lo & 0xff;
  const type = (lo >>> 8) & 7;
  let s: string;
  if (type === 3) s = `exception ${vectorName(vector)} (vector ${vector})`;
  else if (type === 2) s = 'NMI';
  else s = `${EVENT_TYPES[type]} vector ${hex(vector)}`;
  if (lo & 0x800) s += `, error code ${hex(hi)}`;
  if (lo & 0x7ffff000) s += `, reserved bits ${hex(lo & 0x7ffff000)} set`;
  return s;
}

/**
 * Human-readable EXITINFO1/EXITINFO2 of an exit: IOIO (direction, size,
 * port, string/rep, next RIP), NPF (error-code bits, GPA), CR/DR accesses
 * (with decode assists), exceptions (vector, error code, #PF address), MSR
 * read/write, task switches, write traps. Exits that carry no information
 * give their cause.
 */
export function decodeExitInfo(code: U64Like, info1: U64Like, info2: U64Like): string {
  const c = normCode(code);
  const i1 = toU64(info1);
  const i2 = toU64(info2);
  const e = byCode.get(c);
  if (!e) return `unknown exit code, EXITINFO1 ${hex64(i1.lo, i1.hi)}, EXITINFO2 ${hex64(i2.lo, i2.hi)}`;
  if (c >= 0 && c < 0x10) {
    const n = c;
    if (i1.hi & 0x80000000) return `MOV from CR${n} to ${GPRS[i1.lo & 15]}`;
    return n === 0 ? 'CR0 read (SMSW, or no decode assists)' : `CR${n} read (no decode assists)`;
  }
  if (c >= 0x10 && c < 0x20) {
    const n = c - 0x10;
    if (i1.hi & 0x80000000) return `MOV to CR${n} from ${GPRS[i1.lo & 15]}`;
    return n === 0 ? 'CR0 write (LMSW/CLTS, or no decode assists)' : `CR${n} write (no decode assists)`;
  }
  if (c >= 0x20 && c < 0x40) {
    const write = c >= 0x30;
    const n = c & 15;
    return `MOV ${write ? 'to' : 'from'} DR${n} (GPR ${GPRS[i1.lo & 15]} with decode assists)`;
  }
  if (c >= 0x40 && c < 0x60) {
    const v = c - 0x40;
    const x = EXCEPTION_VECTORS[v];
    if (v === 14) return `#PF at ${hex64(i2.lo, i2.hi)}, error code ${hex(i1.lo)} (${decodePfErrorCode(i1.lo)})`;
    if (v === 10 || v === 11 || v === 12 || v === 13) return `${x.mnemonic} ${decodeSelectorErrorCode(i1.lo)}`;
    if (x.errorCode) return `${vectorName(v)} error code ${hex(i1.lo)}`;
    return `${vectorName(v)} (${x.name})`;
  }
  switch (c) {
    case 0x65:
      return i1.hi & 0x80000000 ? `selective CR0 write: MOV to CR0 from ${GPRS[i1.lo & 15]}` : 'selective CR0 write (LMSW, or no decode assists)';
    case 0x75:
      return i1.lo & 0xff ? `INT ${hex(i1.lo & 0xff)}` : 'INTn (vector not given without decode assists)';
    case 0x79:
    case 0x7a:
      return `${c === 0x79 ? 'INVLPG' : 'INVLPGA'} ${hex64(i1.lo, i1.hi)} (with decode assists)`;
    case 0x7b: {
      const io = decodeIoioInfo(i1.lo);
      const what = `${io.string ? (io.in ? 'INS' : 'OUTS') : io.in ? 'IN' : 'OUT'}`;
      const seg = io.string && io.seg ? `, ${SEGS[io.seg]}` : '';
      return `${io.rep ? 'REP ' : ''}${what} ${io.size} byte${io.size > 1 ? 's' : ''} ${io.in ? 'from' : 'to'} port ${hex(io.port)}, a${io.addrSize}${seg}, next RIP ${hex64(i2.lo, i2.hi)}`;
    }
    case 0x7c:
      return i1.lo === 0 ? 'RDMSR' : i1.lo === 1 ? 'WRMSR' : `MSR access with EXITINFO1 ${hex64(i1.lo, i1.hi)} (expected 0 or 1)`;
    case 0x7d: {
      const why = i2.hi & (1 << 4) ? 'IRET' : i2.hi & (1 << 6) ? 'far JMP' : 'CALL/INT/exception';
      const err = i2.hi & (1 << 12) ? `, error code ${hex(i2.lo)}` : '';
      return `task switch to TSS ${hex(i1.lo & 0xffff)} by ${why}${err}${i2.hi & (1 << 16) ? ', RF=1' : ''}`;
    }
    case 0x8f:
      return `EFER written: ${hex64(i1.lo, i1.hi)}`;
    case 0xa2:
      return `INVPCID type ${hex64(i2.lo, i2.hi)}, descriptor at ${hex64(i1.lo, i1.hi)}`;
    case VMEXIT_NPF:
      return `GPA ${hex64(i2.lo, i2.hi)}: ${decodeNpfErrorCode(i1.lo, i1.hi)} (error code ${hex64(i1.lo, i1.hi)})`;
    case 0x401:
      return `ICR ${hex64(i1.lo, i1.hi)}, cause ${i2.hi}, index ${hex(i2.lo)}`;
    case 0x402:
      return `APIC register ${hex(i1.lo & 0xff0)} ${i1.hi & 1 ? 'write' : 'read'}, info ${hex(i2.lo)}`;
    case VMEXIT_INVALID:
      return 'VMRUN consistency check failed; the guest never ran';
    default:
      break;
  }
  if (c >= 0x90 && c < 0xa0) return `CR${c - 0x90} written: ${hex64(i1.lo, i1.hi)}`;
  const extra = i1.lo | i1.hi | i2.lo | i2.hi ? ` (EXITINFO1 ${hex64(i1.lo, i1.hi)}, EXITINFO2 ${hex64(i2.lo, i2.hi)})` : '';
  return e.cause + extra;
}

/** "VMEXIT_IOIO: OUT 1 byte to port 0x3f8, ..." */
export function describeExit(code: U64Like, info1: U64Like, info2: U64Like): string {
  return `${exitCodeName(code)}: ${decodeExitInfo(code, info1, info2)}`;
}
