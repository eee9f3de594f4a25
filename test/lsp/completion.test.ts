import { strict as assert } from 'assert';
import { VMCS_FIELDS, fieldByName } from '../../emulator/vmx/fields';
import { EXIT_REASONS } from '../../emulator/vmx/exit-reasons';
import { SVM_EXIT_CODES } from '../../emulator/svm/exit-codes';
import { completeAt } from '../../extension/server/completion';
import { hex4 } from '../../extension/server/source-text';
import { after } from './helpers';

const complete = (src: string, kind: 'c' | 'asm', upTo: string) => completeAt(src, kind, after(src, upTo));

describe('lsp completion', () => {
  it('in a VMWRITE field operand: VMCS fields only, by name', () => {
    const src = 'void f(void) { vmcs_writel(GUEST_R';
    const list = complete(src, 'c', 'GUEST_R');
    const labels = list.items.map((i) => i.label);
    assert.ok(labels.includes('GUEST_RIP') && labels.includes('GUEST_RSP'));
    assert.ok(list.items.every((i) => i.kind === 'vmcs-field'));
    assert.deepEqual(labels.filter((l) => !l.endsWith('_HIGH')).sort(), VMCS_FIELDS.filter((f) => f.name.startsWith('GUEST_R')).map((f) => f.name).sort());
    const rip = list.items.find((i) => i.label === 'GUEST_RIP')!;
    assert.ok(rip.detail.includes(hex4(fieldByName('GUEST_RIP')!.encoding)) && rip.documentation.includes('natural-width'));
  });

  it('in a field operand, a typed digit completes encodings', () => {
    const list = complete('__vmread(0x68', 'c', '0x68');
    const want = VMCS_FIELDS.filter((f) => hex4(f.encoding).startsWith('0x68'));
    assert.deepEqual(list.items.map((i) => i.label).sort(), want.map((f) => hex4(f.encoding)).sort());
    assert.ok(list.items.find((i) => i.label === '0x681e')!.documentation.includes('GUEST_RIP'));
  });

  it('elsewhere: every table spelling with the typed prefix, one item per symbol', () => {
    const reasons = complete('switch (r) { case EXIT_REASON_', 'c', 'EXIT_REASON_').items;
    assert.deepEqual(reasons.map((i) => i.label).sort(), EXIT_REASONS.map((x) => 'EXIT_REASON_' + x.name).sort());
    const linux = complete('if (code == SVM_EXIT_', 'c', 'SVM_EXIT_').items;
    assert.equal(linux.length, SVM_EXIT_CODES.filter((x) => x.name.startsWith('VMEXIT_')).length);
    assert.ok(linux.every((i) => i.kind === 'svm-exit-code'));
    const msrs = complete('rdmsr(MSR_IA32_VMX_', 'c', 'MSR_IA32_VMX_').items.map((i) => i.label);
    assert.ok(msrs.includes('MSR_IA32_VMX_BASIC') && msrs.includes('MSR_IA32_VMX_PROCBASED_CTLS2'));
    const ctl = complete('ctl |= SECONDARY_EXEC_EN', 'c', 'SECONDARY_EXEC_EN').items.map((i) => i.label);
    assert.ok(ctl.includes('SECONDARY_EXEC_ENABLE_EPT') && ctl.includes('SECONDARY_EXEC_ENABLE_VPID'));
    const vmcb = complete('x = VMCB_EXITI', 'c', 'VMCB_EXITI').items.map((i) => i.label).sort();
    assert.deepEqual(vmcb, ['VMCB_EXITINFO1', 'VMCB_EXITINFO2', 'VMCB_EXITINTINFO']);
  });

  it('asm: names after $', () => {
    const items = complete('\tmov $VM_EXIT_RE', 'asm', 'VM_EXIT_RE').items;
    assert.ok(items.some((i) => i.label === 'VM_EXIT_REASON' && i.kind === 'vmcs-field'));
  });

  it('nothing without a typed word outside a field operand', () => {
    const list = complete('int x = ', 'c', 'x = ');
    assert.deepEqual(list.items, []);
    assert.equal(list.isIncomplete, true);
  });
});
