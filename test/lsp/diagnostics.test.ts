import { strict as assert } from 'assert';
import { encodingProblem, fieldByName, VMCS_FIELDS } from '../../emulator/vmx/fields';
import { diagnose } from '../../extension/server/diagnostics';
import { Severity } from '../../extension/server/types';
import { at } from './helpers';

const codes = (src: string, kind: 'c' | 'asm') => diagnose(src, kind).map((d) => d.code);

describe('lsp diagnostics', () => {
  it('VMWRITE to a read-only field, by name, by number and through a local #define', () => {
    const ro = fieldByName('VM_EXIT_REASON')!;
    assert.ok(ro.readOnly);
    const src = [
      '#define MY_FIELD 0x4402',
      'void f(void) {',
      '    vmwrite(VM_EXIT_REASON, 0);',
      '    __vmwrite(0x4402, 0);',
      '    vmcs_write32(MY_FIELD, 0);',
      '    x = vmcs_read32(VM_EXIT_REASON);',
      '    vmcs_writel(GUEST_RIP, 0);',
      '}',
    ].join('\n');
    const d = diagnose(src, 'c');
    assert.deepEqual(d.map((x) => [x.code, x.range.start.line]), [['read-only-write', 2], ['read-only-write', 3], ['read-only-write', 4]]);
    assert.ok(d.every((x) => x.severity === Severity.Warning && x.message.includes(ro.name) && x.message.includes(`§${ro.sdm}`)));
    assert.deepEqual(d[0].range.start, at(src, 'vmwrite', 0));
  });

  it('every read-only field of the table is reported, no read/write field is', () => {
    for (const f of VMCS_FIELDS) {
      const got = codes(`vmwrite(${f.name}, v);`, 'c');
      assert.deepEqual(got, f.readOnly ? ['read-only-write'] : [], f.name);
    }
  });

  it('unsupported encodings: unknown number, reserved bits, NAME_HIGH / odd encoding of a non-64-bit field', () => {
    const cases = ['0x4401', '0x681f', '0x1681e', 'GUEST_RIP_HIGH', '0x6ffe'];
    for (const c of cases) {
      const d = diagnose(`x = vmcs_readl(${c});`, 'c');
      assert.equal(d.length, 1, c);
      assert.equal(d[0].code, 'unsupported-encoding', c);
      assert.equal(d[0].severity, Severity.Error);
    }
    // The reason is the emulator's own (fields.ts encodingProblem).
    assert.ok(diagnose('vmread(0x681f, &v);', 'c')[0].message.includes(encodingProblem(0x681f)!));
    assert.deepEqual(codes('vmread(GUEST_IA32_PAT_HIGH, &v);', 'c'), [], 'PAT is 64-bit: its high half exists');
  });

  it('accessor width suffixes against the field width; a 64-bit access through the high encoding', () => {
    assert.deepEqual(codes('vmcs_write16(GUEST_RIP, 0);', 'c'), ['accessor-width']);
    assert.deepEqual(codes('x = vmcs_read32(TSC_OFFSET);', 'c'), ['accessor-width']);
    assert.deepEqual(codes('x = vmcs_read64(TSC_OFFSET);', 'c'), []);
    assert.deepEqual(codes('x = vmcs_readl(GUEST_CR3);', 'c'), []);
    assert.deepEqual(codes('x = vmcs_read16(GUEST_CS_SELECTOR);', 'c'), []);
    assert.deepEqual(codes('vmcs_write64(TSC_OFFSET_HIGH, 0);', 'c'), ['high-access-64']);
    assert.deepEqual(codes('vmcs_write32(TSC_OFFSET_HIGH, 0);', 'c'), []);
  });

  it('ignores variables, expressions, declarations, comments and strings', () => {
    const src = [
      'static inline void vmcs_write32(unsigned long field, u32 value);',
      '#define vmcs_write(f, v) __vmwrite(f, v)',
      'void g(unsigned long field) { vmwrite(field, 0); vmwrite(base + 2, 0); }',
      '// vmwrite(VM_EXIT_REASON, 0);',
      '/* __vmwrite(0x4401, 0); */',
      'printf("vmwrite(VM_EXIT_REASON, 0)");',
    ].join('\n');
    assert.deepEqual(diagnose(src, 'c'), []);
  });

  it('casts and C++ scoped names around the field operand', () => {
    assert.deepEqual(codes('__vmx_vmwrite((size_t)VM_EXIT_REASON, 0);', 'c'), ['read-only-write']);
    assert.deepEqual(codes('UtilVmWrite(VmcsField::kVmExitReason, 0);', 'c'), ['read-only-write']);
  });

  it('asm (AT&T): VMWRITE whose encoding register was loaded with an immediate', () => {
    const src = [
      '#include "vmx.h"',
      'write_reason:',
      '\tmov $0x4402, %rbx',
      '\tvmwrite %rax, %rbx',
      '\tmovq $VM_EXIT_REASON, %rcx',
      '\tvmwriteq %rax, %rcx    # read-only field through its name',
      '\tmov $0x4402, %edx',
      '\tvmread %rdx, %rax      # reading is fine',
      '\tmov $0x681f, %esi',
      '\tvmread %rsi, %rax',
    ].join('\n');
    const d = diagnose(src, 'asm');
    assert.deepEqual(d.map((x) => [x.code, x.range.start.line]), [['read-only-write', 3], ['read-only-write', 5], ['unsupported-encoding', 9]]);
    assert.ok(d[0].message.includes('%rbx = $0x4402, line 3'), d[0].message);
  });

  it('asm: the trace stops where the register may hold something else', () => {
    const stops = [
      '\tmov $0x4402, %rbx\n1:\n\tvmwrite %rax, %rbx',
      '\tmov $0x4402, %rbx\n\tcpuid\n\tvmwrite %rax, %rbx',
      '\tmov $0x4402, %rbx\n\tadd %rcx, %rbx\n\tvmwrite %rax, %rbx',
      '\tmov $0x4402, %rbx\n\tmov $1, %bl\n\tvmwrite %rax, %rbx',
      '\tmov $0x4402, %bx\n\tvmwrite %rax, %rbx',
      '\tmov $0x4402, %rbx\n\tcall f\n\tvmwrite %rax, %rbx',
      '\tmov 8(%rsp), %rbx\n\tvmwrite %rax, %rbx',
    ];
    for (const s of stops) assert.deepEqual(diagnose(s, 'asm'), [], s);
    // Unrelated registers and the stack in between do not stop it.
    assert.deepEqual(codes('\tmov $0x4402, %rbx\n\tmov %rsp, %rax\n\tpush %rcx\n\tvmwrite %rax, %rbx', 'asm'), ['read-only-write']);
  });

  it('asm (Intel syntax): operands reversed', () => {
    const src = '.intel_syntax noprefix\n\tmov rbx, 0x4402\n\tvmwrite rbx, rax\n\tmov ecx, 0x4401\n\tvmread rax, rcx\n';
    assert.deepEqual(codes(src, 'asm'), ['read-only-write', 'unsupported-encoding']);
  });
});
