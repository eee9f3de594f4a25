// The fields the transition condition language (transition-conditions.ts)
// reads, and how each derives from a recorded transition or an exception
// event: exit reasons by name (VMX and SVM tables), the decoded bits of the
// raw exit qualification / EXITINFO1 (SDM vol 3C §28.2.1 tables 28-1 ...;
// APM vol 2 §15.10.2, §15.25.6). docs/conditions.md is the user's copy of
// this table: keep them in step.
import type { ExceptionEvent } from '../emulator/events';
import { EXIT_REASONS } from '../emulator/vmx/exit-reasons';
import { svmExitByName, decodeIoioInfo, NPF_P, NPF_RW, NPF_US, NPF_ID } from '../emulator/svm/exit-codes';
import { excName } from '../emulator/debug/trace-format';
import { FieldDef, Schema, Subject, Value, NameValue } from './transition-conditions';
import type { Transition } from './transition-log';
import { bigOfHalves, foldedBig } from './registers';

const VMX_BY_NAME = new Map(EXIT_REASONS.map((r) => [r.name, r.number]));

/** SVM exit code of a name with or without the VMEXIT_ prefix (NPF, VMEXIT_NPF). */
function svmCode(name: string): number | undefined {
  const n = name.toUpperCase();
  return (svmExitByName(n) ?? svmExitByName(`VMEXIT_${n}`))?.code;
}

/** Exception vector of '#UD', 'UD' or 'ud'. */
function vectorOf(name: string): number | undefined {
  const n = name.toUpperCase().replace(/^#?/, '#');
  for (let v = 0; v < 32; v++) if (excName(v) === n) return v;
  return undefined;
}

const num = (x: number | undefined): Value => (x === undefined ? undefined : BigInt(x));

const reasonNames = (name: string): NameValue | undefined => {
  const vmx = VMX_BY_NAME.get(name.toUpperCase());
  const svm = svmCode(name);
  if (vmx === undefined && svm === undefined) return undefined;
  // The same name can mean different numbers (CPUID: VMX 10, SVM 0x72): decided by the transition's arch.
  return (s) => num(s.get('arch') === 'svm' ? svm : vmx);
};

const stringsOf = (allowed: readonly string[]) => (name: string): NameValue | undefined => {
  const hit = allowed.find((a) => a.toLowerCase() === name.toLowerCase());
  return hit === undefined ? undefined : () => hit;
};

/** Any bare name stands for itself (rule names, check ids). */
const itself = (name: string): NameValue => () => name;

const n = (doc: string, extra: Partial<FieldDef> = {}): FieldDef => ({ type: 'number', doc, ...extra });
const s = (doc: string, extra: Partial<FieldDef> = {}): FieldDef => ({ type: 'string', doc, ...extra });

const VECTOR: FieldDef = n('exception vector (0-31): a number or a name such as UD, #PF', {
  names: (name) => { const v = vectorOf(name); return v === undefined ? undefined : () => BigInt(v); },
  namesDoc: 'an exception name such as UD, #GP or PF',
});

/** Fields of the VM-transition filters (exit reflected / handled by L0, entry failure, triple fault). */
export const TRANSITION_SCHEMA: Schema = {
  reason: n('exit reason number; names from the VMX table (EPT_VIOLATION) or the SVM table (NPF, VMEXIT_NPF)', {
    names: reasonNames, namesDoc: 'an exit reason name such as EPT_VIOLATION, CPUID, IO_INSTRUCTION (or an SVM name such as NPF)',
  }),
  exitcode: n('SVM #VMEXIT code (absent for VMX)', {
    names: (name) => { const c = svmCode(name); return c === undefined ? undefined : () => BigInt(c); },
    namesDoc: 'an SVM exit code name such as NPF or VMEXIT_IOIO',
  }),
  reasonName: s('the exit reason name as the trace shows it', { names: itself }),
  type: s('exit | entry | entry-fail | reflect | inject', { names: stringsOf(['exit', 'entry', 'entry-fail', 'reflect', 'inject']), namesDoc: 'exit, entry, entry-fail, reflect or inject' }),
  arch: s('vmx | svm', { names: stringsOf(['vmx', 'svm']), namesDoc: 'vmx or svm' }),
  level: n('the level the transition leaves (from)'),
  from: n('same as level'),
  to: n('the level it goes to'),
  vcpu: n('vCPU number'),
  rip: n('RIP of the level it leaves, when known'),
  qual: n('raw exit qualification (VMX) / EXITINFO1 (SVM)'),
  gpa: n('guest-physical address of an EPT violation / NPF'),
  vector: VECTOR,
  'qual.read': n('EPT violation / NPF: data read (0/1)'),
  'qual.write': n('EPT violation / NPF: data write (0/1)'),
  'qual.exec': n('EPT violation / NPF: instruction fetch (0/1)'),
  'qual.present': n('NPF: the nested page was present (0/1)'),
  'qual.user': n('NPF: user-mode access (0/1)'),
  'qual.port': n('I/O: port number'),
  'qual.in': n('I/O: 1 for IN/INS, 0 for OUT/OUTS'),
  'qual.size': n('I/O: access size in bytes (1, 2, 4)'),
  'qual.string': n('I/O: INS/OUTS (0/1)'),
  'qual.rep': n('I/O: REP prefix (0/1)'),
  'qual.cr': n('control-register access: CR number'),
  'qual.access': n('control-register access: 0 MOV to CR, 1 MOV from CR, 2 CLTS, 3 LMSW (SVM: 0 write, 1 read)'),
  'qual.reg': n('CR/DR access: general register number (0 = RAX … 15 = R15)'),
  'qual.dr': n('debug-register access: DR number'),
  handledBy: s('who handles it: L0 or L1', { names: stringsOf(['L0', 'L1', 'L2']), namesDoc: 'L0 or L1' }),
  rule: s("the rule that decided (e.g. l1WantsIo, or a failed check's id with its section)", { names: itself }),
  check: s('entry failures: the failed check id (e.g. GUEST-CS-L-DB)', { names: itself }),
};

/** Fields of the "Exception in L2" filter. */
export const EXCEPTION_SCHEMA: Schema = {
  vector: VECTOR,
  reason: { ...VECTOR, doc: 'same as vector' },
  errorcode: n('error code, when the exception has one'),
  cr2: n('#PF: the faulting linear address'),
  rip: n('RIP of the faulting instruction'),
  level: n('the level it happened in (2)'),
  vcpu: n('vCPU number'),
};

const bit = (v: number, b: number): bigint => BigInt((v >>> b) & 1);

/** Decoded qualification bits, by (arch, reason) (SDM tables 28-1..; APM §15.10.2, §15.25.6). */
function qualBits(t: Transition): Record<string, bigint> {
  const lo = (t.qualLo ?? 0) >>> 0;
  if (t.qualLo === undefined) return {};
  if ((t.arch ?? 'vmx') === 'vmx') {
    switch (t.reason) {
      case 48: return { 'qual.read': bit(lo, 0), 'qual.write': bit(lo, 1), 'qual.exec': bit(lo, 2) };
      case 30: return {
        'qual.size': BigInt((lo & 7) + 1), 'qual.in': bit(lo, 3), 'qual.string': bit(lo, 4), 'qual.rep': bit(lo, 5),
        'qual.port': BigInt((lo >>> 16) & 0xffff),
      };
      case 28: return { 'qual.cr': BigInt(lo & 15), 'qual.access': BigInt((lo >>> 4) & 3), 'qual.reg': BigInt((lo >>> 8) & 15) };
      case 29: return { 'qual.dr': BigInt(lo & 7), 'qual.access': bit(lo, 4), 'qual.reg': BigInt((lo >>> 8) & 15) };
      default: return {};
    }
  }
  const code = t.reason;
  if (code === 0x400) {
    const write = lo & NPF_RW ? 1n : 0n, exec = lo & NPF_ID ? 1n : 0n;
    return {
      'qual.read': write || exec ? 0n : 1n, 'qual.write': write, 'qual.exec': exec,
      'qual.present': lo & NPF_P ? 1n : 0n, 'qual.user': lo & NPF_US ? 1n : 0n,
    };
  }
  if (code === 0x7b) {
    const io = decodeIoioInfo(lo);
    return {
      'qual.port': BigInt(io.port), 'qual.in': io.in ? 1n : 0n, 'qual.size': BigInt(io.size),
      'qual.string': io.string ? 1n : 0n, 'qual.rep': io.rep ? 1n : 0n,
    };
  }
  if (code >= 0 && code < 0x20) {
    // Decode assists put the GPR in EXITINFO1[3:0] with bit 63 valid (APM §15.8.1).
    const out: Record<string, bigint> = { 'qual.cr': BigInt(code & 15), 'qual.access': code < 0x10 ? 1n : 0n };
    if ((t.qualHi ?? 0) >>> 31) out['qual.reg'] = BigInt(lo & 15);
    return out;
  }
  return {};
}

/** The exception vector of an exception exit (VMX reason 0 with valid interruption info; SVM EXCP_n). */
function exitVector(t: Transition): number | undefined {
  if ((t.arch ?? 'vmx') === 'svm') return t.reason >= 0x40 && t.reason < 0x60 ? t.reason - 0x40 : undefined;
  if (t.reason !== 0 || t.type === 'entry' || t.intrInfo === undefined || !(t.intrInfo >>> 31)) return undefined;
  return t.intrInfo & 0xff;
}

export function transitionSubject(t: Transition): Subject {
  const arch = t.arch ?? 'vmx';
  const bits = qualBits(t);
  const values: Record<string, Value> = {
    reason: BigInt(t.reason),
    exitcode: arch === 'svm' ? BigInt(t.reason) : undefined,
    reasonName: t.reasonName,
    type: t.type,
    arch,
    level: BigInt(t.from),
    from: BigInt(t.from),
    to: BigInt(t.to),
    vcpu: BigInt(t.vcpu),
    rip: t.rip === undefined ? undefined : foldedBig(t.rip),
    qual: t.qualLo === undefined ? undefined : bigOfHalves(t.qualLo, t.qualHi ?? 0),
    gpa: t.gpa === undefined ? undefined : BigInt(t.gpa),
    vector: num(exitVector(t)),
    handledBy: t.handledBy,
    rule: t.rule,
    check: t.check?.id,
    ...bits,
  };
  return { get: (f) => values[f] };
}

export function exceptionSubject(e: ExceptionEvent, level: number): Subject {
  const values: Record<string, Value> = {
    vector: BigInt(e.vector),
    reason: BigInt(e.vector),
    errorcode: num(e.errorCode),
    cr2: e.cr2 === undefined ? undefined : foldedBig(e.cr2),
    rip: foldedBig(e.rip),
    level: BigInt(level),
    vcpu: BigInt(e.vcpu),
  };
  return { get: (f) => values[f] };
}
