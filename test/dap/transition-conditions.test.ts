// The transition condition language (adapter/transition-conditions.ts,
// fields in transition-fields.ts, docs/conditions.md): parsing, the
// column of every kind of error, evaluation on transitions of both
// architectures with decoded qualification bits, and exception subjects.
import * as assert from 'assert';
import { parseCondition, evalCondition, ConditionSyntaxError, tokenize } from '../../adapter/transition-conditions';
import { TRANSITION_SCHEMA, EXCEPTION_SCHEMA, transitionSubject, exceptionSubject } from '../../adapter/transition-fields';
import type { Transition } from '../../adapter/transition-log';

function t(over: Partial<Transition>): Transition {
  return {
    kind: 'transition', seq: 0, icount: 100, vcpu: 0, from: 2, to: 1, type: 'reflect', arch: 'vmx',
    reason: 10, reasonName: 'CPUID', handledBy: 'L1', rule: 'l1WantsCpuid', rip: 0x401000, qualLo: 0, qualHi: 0, ...over,
  };
}

const holds = (src: string, tr: Transition): boolean => evalCondition(parseCondition(src, TRANSITION_SCHEMA), transitionSubject(tr));

function errorAt(src: string, column: number, message: RegExp, schema = TRANSITION_SCHEMA): void {
  assert.throws(() => parseCondition(src, schema), (e: unknown) => {
    assert.ok(e instanceof ConditionSyntaxError, String(e));
    assert.strictEqual(e.column, column, `${src}: ${e.message}`);
    assert.match(e.message, message);
    assert.match(e.message, new RegExp(`^column ${column}: `));
    return true;
  });
}

// EPT violation, data write, GPA 0x5000 (SDM table 28-7: bit 0 read, 1 write, 2 fetch).
const EPT_WRITE = t({ reason: 48, reasonName: 'EPT_VIOLATION', qualLo: 0b1010, gpa: 0x5000, rule: 'l1WantsEpt' });
// OUT 1 byte to port 0x80, immediate (table 28-5: size-1 in 2:0, direction 3, port 31:16).
const OUT_80 = t({ reason: 30, reasonName: 'IO_INSTRUCTION', qualLo: 0x00800040, rule: 'l1WantsIo' });
// IN 2 bytes from 0x3f8.
const IN_3F8 = t({ reason: 30, reasonName: 'IO_INSTRUCTION', qualLo: (0x3f8 << 16) | 8 | 1 });
// MOV to CR3 from RAX... via R12: cr 3, access 0, reg 12 (table 28-3).
const MOV_CR3 = t({ reason: 28, reasonName: 'CR_ACCESS', qualLo: 3 | (0 << 4) | (12 << 8) });
// SVM: NPF on an instruction fetch, IOIO IN from port 0x60 size 4.
const NPF_FETCH = t({ arch: 'svm', reason: 0x400, reasonName: 'VMEXIT_NPF', qualLo: 0x11, gpa: 0x7000 });
const SVM_IN = t({ arch: 'svm', reason: 0x7b, reasonName: 'VMEXIT_IOIO', qualLo: (0x60 << 16) | (1 << 6) | 1 });
const SVM_CPUID = t({ arch: 'svm', reason: 0x72, reasonName: 'VMEXIT_CPUID' });

describe('transition condition language', () => {
  it('tokenizes names with dots, dashes and #, hex and decimal numbers, both quotes', () => {
    assert.deepStrictEqual(tokenize(`qual.write && check == GUEST-CS-L-DB || vector == #UD && rip >= 0x10 && x == 'a b' && y != "c"`)
      .map((k) => k.kind + ':' + k.text), [
      'name:qual.write', 'op:&&', 'name:check', 'op:==', 'name:GUEST-CS-L-DB', 'op:||', 'name:vector', 'op:==', 'name:#UD', 'op:&&',
      'name:rip', 'op:>=', 'num:0x10', 'op:&&', 'name:x', 'op:==', 'str:a b', 'op:&&', 'name:y', 'op:!=', 'str:c', 'end:',
    ]);
  });

  it('compares reasons by name or number, per architecture', () => {
    assert.strictEqual(holds('reason == EPT_VIOLATION', EPT_WRITE), true);
    assert.strictEqual(holds('reason == 48', EPT_WRITE), true);
    assert.strictEqual(holds('reason == 0x30', EPT_WRITE), true);
    assert.strictEqual(holds('reason == CPUID', EPT_WRITE), false);
    assert.strictEqual(holds('reason == cpuid', t({})), true);
    // CPUID is 10 in VMX, 0x72 in SVM: the name follows the transition's arch.
    assert.strictEqual(holds('reason == CPUID', SVM_CPUID), true);
    assert.strictEqual(holds('reason == 10', SVM_CPUID), false);
    assert.strictEqual(holds('exitcode == NPF', NPF_FETCH), true);
    assert.strictEqual(holds('exitcode == VMEXIT_NPF', NPF_FETCH), true);
    assert.strictEqual(holds('reason == NPF', NPF_FETCH), true);
    // exitcode does not apply to VMX: every comparison with it is false, != included.
    assert.strictEqual(holds('exitcode != NPF', EPT_WRITE), false);
    assert.strictEqual(holds('reasonName == "EPT_VIOLATION"', EPT_WRITE), true);
  });

  it('decodes qualification bits from the raw qualification', () => {
    assert.strictEqual(holds('qual.write && !qual.read && !qual.exec', EPT_WRITE), true);
    assert.strictEqual(holds('qual == 10 && gpa == 0x5000', EPT_WRITE), true);
    assert.strictEqual(holds('qual.port == 0x80 && qual.in == 0 && qual.size == 1', OUT_80), true);
    assert.strictEqual(holds('qual.port == 0x3f8 && qual.in && qual.size == 2', IN_3F8), true);
    assert.strictEqual(holds('qual.port == 0x80', EPT_WRITE), false);
    assert.strictEqual(holds('qual.cr == 3 && qual.access == 0 && qual.reg == 12', MOV_CR3), true);
    assert.strictEqual(holds('qual.exec && !qual.write && !qual.read && qual.present && gpa == 0x7000', NPF_FETCH), true);
    assert.strictEqual(holds('qual.port == 0x60 && qual.in && qual.size == 4', SVM_IN), true);
  });

  it('reads the other fields; && binds tighter than ||; ! and parentheses', () => {
    assert.strictEqual(holds('level == 2 && to == 1 && vcpu == 0 && type == reflect && handledBy == L1', t({})), true);
    assert.strictEqual(holds('rip >= 0x401000 && rip < 0x402000', t({})), true);
    assert.strictEqual(holds('rule == l1WantsCpuid', t({})), true);
    assert.strictEqual(holds("rule == 'l1WantsIo'", t({})), false);
    assert.strictEqual(holds('reason == HLT || reason == CPUID && level == 2', t({})), true);
    assert.strictEqual(holds('(reason == HLT || reason == CPUID) && level == 1', t({})), false);
    assert.strictEqual(holds('!(reason == HLT)', t({})), true);
    assert.strictEqual(holds('!!qual.write', EPT_WRITE), true);
    const fail = t({ type: 'entry-fail', from: 1, to: 1, reason: 33, reasonName: 'INVALID_GUEST_STATE',
      check: { id: 'GUEST-CS-L-DB', section: 'SDM 27.3.1.2', rule: 'r', field: 'GUEST_CS_AR_BYTES', value: '0xe09b', allowed: 'a' } });
    assert.strictEqual(holds('check == GUEST-CS-L-DB && type == entry-fail', fail), true);
    assert.strictEqual(holds('check == "GUEST-CS-L-DB"', fail), true);
    assert.strictEqual(holds('check == GUEST-CS-L-DB', t({})), false);
    // RIP in the upper half compares with its canonical 64-bit value.
    assert.strictEqual(holds('rip == 0xffff800000001000', t({ rip: 0x8000_0000_1000 })), true);
  });

  it('vector of an exception exit comes from the interruption information', () => {
    const ud = t({ reason: 0, reasonName: 'EXCEPTION_NMI', intrInfo: 0x80000306 });
    assert.strictEqual(holds('reason == EXCEPTION_NMI && vector == UD', ud), true);
    assert.strictEqual(holds('vector == #UD', ud), true);
    assert.strictEqual(holds('vector == 6', t({ reason: 0, reasonName: 'EXCEPTION_NMI', intrInfo: 6 })), false, 'info not valid');
    assert.strictEqual(holds('vector == PF', t({ arch: 'svm', reason: 0x4e, reasonName: 'VMEXIT_EXCP_14' })), true);
  });

  it('reports the column of each kind of error', () => {
    errorAt('', 1, /the condition is empty/);
    errorAt('reason == EPT_VIOLATIO', 11, /'EPT_VIOLATIO' is not a value of reason: expected an exit reason name/);
    errorAt('reasn == 48', 1, /unknown field 'reasn' \(fields: reason, /);
    errorAt('qual.port = 0x80', 11, /'=' is not an operator: use '=='/);
    errorAt('level == 2 & to == 1', 12, /'&' is not an operator: use '&&'/);
    errorAt('level == 2 &&', 14, /ends too early/);
    errorAt('(level == 2', 12, /missing '\)'/);
    errorAt('level == 2)', 11, /unexpected '\)' after a complete condition/);
    errorAt('level == 2 to == 1', 12, /unexpected 'to'.*missing && or \|\|/);
    errorAt('rip == 0x', 8, /bad number '0x'/);
    errorAt('rip == 12abc', 8, /bad number '12abc'/);
    errorAt('qual == 0b1010', 9, /bad number '0b1010'/);
    errorAt('rip == 0x10000000000000000', 8, /does not fit in 64 bits/);
    errorAt('rule == "abc', 9, /unclosed string/);
    errorAt('level == "2"', 10, /level is a number, compared with a string/);
    errorAt('handledBy < L0', 11, /strings compare only with == and !=/);
    errorAt('handledBy == L7', 14, /'L7' is not a value of handledBy: expected L0 or L1/);
    errorAt('level == 2 == 1', 12, /unexpected '=='/);
    errorAt('level == @', 10, /unexpected character '@'/);
    errorAt('CPUID == reason && FOO', 20, /unknown field 'FOO'/);
    errorAt('errorcode == 0', 1, /unknown field 'errorcode'/);
    errorAt('vector == UD && qual.write', 17, /unknown field 'qual.write'/, EXCEPTION_SCHEMA);
  });

  it('evaluates exception subjects (Exception in L2 / guest exceptions)', () => {
    const pf = exceptionSubject({ kind: 'exception', vcpu: 0, vector: 14, errorCode: 2, cr2: 0x400123, rip: 0x401000, icount: 5 }, 2);
    const c = (src: string): boolean => evalCondition(parseCondition(src, EXCEPTION_SCHEMA), pf);
    assert.strictEqual(c('vector == PF && errorcode == 2 && cr2 >= 0x400000 && level == 2'), true);
    assert.strictEqual(c('reason == #PF'), true);
    assert.strictEqual(c('vector == GP'), false);
    const ud = exceptionSubject({ kind: 'exception', vcpu: 1, vector: 6, rip: 0x401000, icount: 5 }, 1);
    // No error code: absent, so no comparison holds.
    assert.strictEqual(evalCondition(parseCondition('errorcode == 0 || errorcode != 0', EXCEPTION_SCHEMA), ud), false);
  });
});
