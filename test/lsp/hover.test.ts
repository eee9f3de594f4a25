import { strict as assert } from 'assert';
import { fieldByEncoding, fieldByName, widthName } from '../../emulator/vmx/fields';
import { CONTROL_FIELD, CONTROL_BITS } from '../../emulator/vmx/controls';
import { EXIT_REASON, EXIT_REASONS } from '../../emulator/vmx/exit-reasons';
import { IA32_VMX_BASIC, vmxMsrDef } from '../../emulator/vmx/msrs';
import { VMCB_OFF, vmcbField } from '../../emulator/svm/vmcb-layout';
import { interceptByName } from '../../emulator/svm/intercepts';
import { svmExitByName } from '../../emulator/svm/exit-codes';
import { hoverAt } from '../../extension/server/hover';
import { hex4 } from '../../extension/server/source-text';
import { at } from './helpers';

function hover(src: string, kind: 'c' | 'asm', needle: string, into = 1) {
  return hoverAt(src, kind, at(src, needle, into));
}

const C = `
#include "vmx.h"
static void setup(struct vcpu *v)
{
    vmcs_writel(GUEST_RIP, v->entry);
    __vmwrite(VMCS_GUEST_RIP, v->entry);
    u64 pat = vmcs_read64(GUEST_IA32_PAT_HIGH);
    if (reason == EXIT_REASON_EPT_VIOLATION || reason == EPT_VIOLATION) return;
    wrmsr(MSR_IA32_VMX_BASIC, 0x480, 0x681e, 0x3f8);
    ctl |= CPU_BASED_HLT_EXITING | SECONDARY_EXEC_ENABLE_EPT;
    vmwrite(0x2, x);
    x = 0x2;
    y = svm->vmcb->control.exit_code + regs->rip + vmcb->save.rip;
    if (code == SVM_EXIT_CPUID && (ic & INTERCEPT_CPUID)) return;
    UtilVmWrite(VmcsField::kGuestRip, 0);
}
`;

describe('lsp hover', () => {
  it('GUEST_RIP: encoding, width, type, group, access and SDM section from the VMCS table', () => {
    const f = fieldByName('GUEST_RIP')!;
    const h = hover(C, 'c', 'GUEST_RIP');
    assert.ok(h);
    for (const s of [hex4(f.encoding), widthName(f.width), f.group, `§${f.sdm}`, 'read/write', 'guest state']) assert.ok(h.markdown.includes(s), `${s} in ${h.markdown}`);
    assert.equal(hex4(f.encoding), '0x681e');
    assert.equal(widthName(f.width), 'natural-width');
    assert.deepEqual(h.range, { start: at(C, 'GUEST_RIP', 0), end: at(C, 'GUEST_RIP', 'GUEST_RIP'.length) });
  });

  it('VMCS_GUEST_RIP, kGuestRip and the number 0x681e name the same field', () => {
    const f = fieldByName('GUEST_RIP')!;
    for (const [needle, into] of [['VMCS_GUEST_RIP', 1], ['kGuestRip', 1], ['0x681e', 3]] as const) {
      const h = hover(C, 'c', needle, into);
      assert.ok(h, needle);
      assert.equal(h.refs.length, 1, needle);
      assert.equal(h.refs[0].symbol.def, f, needle);
    }
  });

  it('NAME_HIGH is the high-access encoding of a 64-bit field', () => {
    const f = fieldByName('GUEST_IA32_PAT')!;
    const h = hover(C, 'c', 'GUEST_IA32_PAT_HIGH')!;
    assert.equal(h.refs[0].highAccess, true);
    assert.ok(h.markdown.includes(hex4(f.encoding | 1)) && h.markdown.includes('bits 63:32'));
  });

  it('a read-only field says so; a field with an existence condition names the control', () => {
    const ro = hoverAt('x = vmcs_read32(VM_EXIT_REASON);', 'c', at('x = vmcs_read32(VM_EXIT_REASON);', 'VM_EXIT_REASON'))!;
    assert.ok(fieldByName('VM_EXIT_REASON')!.readOnly);
    assert.ok(ro.markdown.includes('read-only'));
    const ept = fieldByName('EPT_POINTER')!;
    const req = ept.requires[0];
    assert.equal(req.ctl, 'secondary');
    const bit = CONTROL_BITS.find((b) => b.word === req.ctl && b.bit === req.bit)!;
    const h = hoverAt('vmwrite(EPT_POINTER, eptp);', 'c', { line: 0, character: 9 })!;
    assert.ok(h.markdown.includes(bit.name) && h.markdown.includes(CONTROL_FIELD.secondary), h.markdown);
  });

  it('exit reasons in Linux and bare spelling: number, qualification and the nested rule', () => {
    const x = EXIT_REASONS.find((r) => r.number === EXIT_REASON.EPT_VIOLATION)!;
    for (const h of [hover(C, 'c', 'EXIT_REASON_EPT_VIOLATION'), hover(C, 'c', '== EPT_VIOLATION', 4)]) {
      assert.ok(h);
      assert.equal(h.refs[0].symbol.def, x);
      assert.ok(h.markdown.includes(`exit reason ${x.number}`) && h.markdown.includes(x.nestedRule.slice(0, 40)));
    }
  });

  it('MSRs by name (MSR_ prefix) and by number', () => {
    const m = vmxMsrDef(IA32_VMX_BASIC)!;
    const byName = hover(C, 'c', 'MSR_IA32_VMX_BASIC')!;
    const byNum = hover(C, 'c', '0x480', 3)!;
    for (const h of [byName, byNum]) {
      assert.equal(h.refs[0].symbol.def, m);
      assert.ok(h.markdown.includes(`§${m.sdm}`) && h.markdown.includes(hex4(m.index)));
    }
  });

  it('control bits with Linux prefixes: word, bit, mask and VMCS field', () => {
    const h = hover(C, 'c', 'CPU_BASED_HLT_EXITING')!;
    const b = CONTROL_BITS.find((c) => c.word === 'primary' && c.name === 'HLT_EXITING')!;
    assert.equal(h.refs[0].symbol.def, b);
    assert.ok(h.markdown.includes(`bit ${b.bit}`) && h.markdown.includes(`0x${(1 << b.bit).toString(16)}`) && h.markdown.includes(CONTROL_FIELD.primary));
    const e = hover(C, 'c', 'SECONDARY_EXEC_ENABLE_EPT')!;
    assert.equal((e.refs[0].symbol.def as { word: string }).word, 'secondary');
  });

  it('small numbers are not read as encodings, except as a VMREAD/VMWRITE field operand', () => {
    const inCall = hover(C, 'c', '0x2, x', 2)!;
    assert.ok(inCall);
    assert.equal(inCall.refs[0].symbol.def, fieldByEncoding(0x2));
    assert.equal(hover(C, 'c', '0x2;', 2), undefined);
    assert.equal(hover(C, 'c', '0x3f8', 2), undefined);
  });

  it('VMCB members behind a vmcb pointer, and VMCB_ names', () => {
    const h = hover(C, 'c', 'exit_code')!;
    assert.equal(h.refs[0].symbol.def, vmcbField('EXITCODE'));
    assert.ok(h.markdown.includes(`0x${VMCB_OFF.EXITCODE.toString(16).padStart(3, '0')}`));
    assert.equal(hover(C, 'c', 'rip +', 1), undefined, 'regs->rip is not a VMCB field');
    assert.equal(hover(C, 'c', 'save.rip', 6)!.refs[0].symbol.def, vmcbField('RIP'));
    const v = hoverAt('off = VMCB_EXITINFO1;', 'c', { line: 0, character: 8 })!;
    assert.equal(v.refs[0].symbol.def, vmcbField('EXITINFO1'));
  });

  it('SVM exit codes (Linux SVM_EXIT_) and intercepts (INTERCEPT_, Xen GENERAL1_INTERCEPT_)', () => {
    const x = svmExitByName('VMEXIT_CPUID')!;
    const h = hover(C, 'c', 'SVM_EXIT_CPUID')!;
    assert.equal(h.refs[0].symbol.def, x);
    assert.ok(h.markdown.includes(`0x${x.code.toString(16)}`));
    const i = interceptByName('CPUID')!;
    const ih = hover(C, 'c', 'INTERCEPT_CPUID')!;
    assert.equal(ih.refs[0].symbol.def, i);
    assert.ok(ih.markdown.includes(`bit ${i.bit}`) && ih.markdown.includes(x.name), 'intercept hover names the exit it produces');
    const xen = hoverAt('v |= GENERAL1_INTERCEPT_CPUID;', 'c', { line: 0, character: 8 })!;
    assert.equal(xen.refs[0].symbol.def, i);
  });

  it('asm: hover on the immediate and on names after $', () => {
    const src = '\tmov $0x4402, %rbx\n\tvmread %rbx, %rax\n\tmov $GUEST_CR3, %rdx # GUEST_RIP in a comment\n';
    assert.equal(hoverAt(src, 'asm', at(src, '0x4402', 3))!.refs[0].symbol.def, fieldByName('VM_EXIT_REASON'));
    assert.equal(hoverAt(src, 'asm', at(src, 'GUEST_CR3'))!.refs[0].symbol.def, fieldByName('GUEST_CR3'));
    assert.equal(hoverAt(src, 'asm', at(src, 'GUEST_RIP'))!.refs[0].symbol.def, fieldByName('GUEST_RIP'));
    assert.equal(hoverAt(src, 'asm', at(src, 'mov', 1)), undefined);
  });

  it('a bare name in several tables shows every row', () => {
    const h = hoverAt('LOAD_IA32_PAT', 'c', { line: 0, character: 2 })!;
    const words = h.refs.map((r) => (r.symbol.def as { word: string }).word).sort();
    assert.deepEqual(words, CONTROL_BITS.filter((b) => b.name === 'LOAD_IA32_PAT').map((b) => b.word).sort());
    assert.ok(words.length > 1);
  });
});
