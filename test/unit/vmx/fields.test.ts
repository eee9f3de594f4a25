import { strict as assert } from 'assert';
import {
  VMCS_FIELDS, VMCS, FIELD_GROUPS, SLOT_BY_ENCODING, fieldByEncoding, fieldByName, encodingName, encodingProblem,
  encAccessHigh, encIndex, encType, encWidth, encReservedBitsSet, makeEncoding, fieldsInGroup, highestIndex,
} from '../../../emulator/vmx/fields';
import { VmcsProfile } from '../../../emulator/vmx/vmcs';
import { VMX_VMCS_ENUM_MAX_INDEX } from '../../../emulator/x86/cpu-model';
import { VMX_FEATURES } from '../../../emulator/x86/cpu-features';
import { readTsv, MAX_CAPS, ALL_CAPS } from './helpers';

const ROWS = readTsv('vmcs-fields.tsv');
const TSV_WIDTH: Record<string, string> = { '16': '16', '32': '32', '64': '64', natural: 'natural' };
const TSV_TYPE: Record<string, string> = { control: 'control', guest: 'guest', host: 'host', 'exit-info(read-only)': 'exit-info' };

describe('VMCS field table (vmcs-fields.tsv)', () => {
  it('has exactly the TSV rows, in TSV order, with the same encodings, widths and types', () => {
    assert.equal(VMCS_FIELDS.length, ROWS.length);
    ROWS.forEach((r, i) => {
      const d = VMCS_FIELDS[i];
      assert.equal(d.name, r.name);
      assert.equal(d.encoding, parseInt(r.encoding, 16), r.name);
      assert.equal(String(d.width), TSV_WIDTH[r.width], `${r.name} width`);
      assert.equal(d.type, TSV_TYPE[r.type], `${r.name} type`);
      assert.equal(d.readOnly, r.type === 'exit-info(read-only)');
      if (r.notes) assert.ok(d.description === r.notes || d.description.endsWith(': ' + r.notes), `${r.name} description: ${d.description}`);
      assert.ok(d.description.length > 0);
      assert.equal(d.slot, i);
    });
  });

  it('every field has a group, an SDM section in ch. 25 and a consistent group/type', () => {
    for (const d of VMCS_FIELDS) {
      assert.ok(FIELD_GROUPS.includes(d.group), d.name);
      assert.match(d.sdm, /^25\.\d+(\.\d+)?$/, d.name);
      if (d.type === 'guest') assert.ok(d.group.startsWith('Guest'), d.name);
      if (d.type === 'host') assert.equal(d.group, 'Host state', d.name);
      if (d.type === 'exit-info') assert.equal(d.group, 'VM-exit information', d.name);
      if (d.type === 'control') assert.ok(d.group.endsWith('controls'), d.name);
      assert.equal(d.shadowable, true);
    }
    for (const g of FIELD_GROUPS) assert.ok(fieldsInGroup(g).length > 0, g);
    assert.deepEqual(fieldsInGroup('VM-entry controls').map((d) => d.name), [
      'VM_ENTRY_MSR_LOAD_ADDR', 'INJECTED_EVENT_DATA', 'VM_ENTRY_CONTROLS', 'VM_ENTRY_MSR_LOAD_COUNT',
      'VM_ENTRY_INTR_INFO_FIELD', 'VM_ENTRY_EXCEPTION_ERROR_CODE', 'VM_ENTRY_INSTRUCTION_LEN',
    ]);
  });

  it('records the control that makes a field exist where the TSV names one', () => {
    assert.deepEqual(fieldByName('EPT_POINTER')!.requires, [{ ctl: 'secondary', bit: 1 }]);
    assert.deepEqual(fieldByName('VIRTUAL_PROCESSOR_ID')!.requires, [{ ctl: 'secondary', bit: 5 }]);
    assert.deepEqual(fieldByName('GUEST_IA32_EFER')!.requires, [{ ctl: 'entry', bit: 15 }, { ctl: 'exit', bit: 20 }]);
    assert.deepEqual(fieldByName('TERTIARY_VM_EXEC_CONTROL')!.requires, [{ ctl: 'primary', bit: 17 }]);
    assert.deepEqual(fieldByName('SHARED_EPT_POINTER')!.requires, [{ ctl: 'never', bit: 0 }]);
    assert.deepEqual(fieldByName('GUEST_RIP')!.requires, []);
  });

  it('name -> encoding map and O(1) encoding -> slot map agree', () => {
    assert.equal(VMCS.GUEST_RIP, 0x681e);
    assert.equal(VMCS.VM_EXIT_REASON, 0x4402);
    for (const d of VMCS_FIELDS) {
      assert.equal(VMCS[d.name as keyof typeof VMCS], d.encoding);
      assert.equal(SLOT_BY_ENCODING[d.encoding], d.slot);
      assert.equal(fieldByEncoding(d.encoding), d);
      assert.equal(fieldByName(d.name), d);
    }
    let mapped = 0;
    for (let e = 0; e < SLOT_BY_ENCODING.length; e++) if (SLOT_BY_ENCODING[e] >= 0) mapped++;
    assert.equal(mapped, VMCS_FIELDS.length);
  });

  describe('encoding decode helpers (SDM Appendix B)', () => {
    it('split an encoding into access type, index, type and width', () => {
      // GUEST_PDPTE1 high: 64-bit, guest, index 6, high access
      assert.equal(encAccessHigh(0x280d), true);
      assert.equal(encIndex(0x280d), 6);
      assert.equal(encType(0x280d), 'guest');
      assert.equal(encWidth(0x280d), 64);
      assert.equal(encType(0x4402), 'exit-info');
      assert.equal(encWidth(0x4402), 32);
      assert.equal(encWidth(0x0c02), 16);
      assert.equal(encType(0x0c02), 'host');
      assert.equal(encWidth(0x6c16), 'natural');
      assert.equal(makeEncoding('natural', 'host', 0xb), 0x6c16);
      assert.equal(makeEncoding(64, 'control', 0xd), 0x201a);
    });
    it('reserved bits 31:15 and 12 and a nonzero upper operand are flagged', () => {
      assert.equal(encReservedBitsSet(0x681e), false);
      assert.equal(encReservedBitsSet(0x681e | 0x1000), true);
      assert.equal(encReservedBitsSet(0x681e | 0x8000), true);
      assert.equal(encReservedBitsSet((0x681e | 0x80000000) >>> 0), true);
      assert.equal(encReservedBitsSet(0x681e, 1), true);
    });
    it('explain why an encoding is unsupported (error 12)', () => {
      assert.equal(encodingProblem(0x681e), null);
      assert.equal(encodingProblem(0x2801), null); // VMCS_LINK_POINTER high
      assert.match(encodingProblem(0x681f)!, /high-access encoding of natural-width field GUEST_RIP/);
      assert.match(encodingProblem(0x4403)!, /high-access encoding of 32-bit field VM_EXIT_REASON/);
      assert.match(encodingProblem(0x0803)!, /16-bit field GUEST_CS_SELECTOR/);
      assert.match(encodingProblem(0x6890)!, /no VMCS field has encoding 0x6890/);
      assert.match(encodingProblem(0x1000)!, /reserved encoding bits/);
      assert.match(encodingProblem(0x681e, 1)!, /bits 63:32/);
      assert.equal(encodingName(0x2801), 'VMCS_LINK_POINTER_HIGH');
      assert.equal(encodingName(0x681e), 'GUEST_RIP');
      assert.equal(encodingName(0x6890), '0x6890');
      assert.equal(fieldByEncoding(0x681f), undefined);
    });
  });

  it('IA32_VMX_VMCS_ENUM of the max CPU model matches the fields that exist under it', () => {
    const max = VmcsProfile.fromCaps(MAX_CAPS);
    assert.equal(max.highestIndex(), VMX_VMCS_ENUM_MAX_INDEX);
    assert.equal(MAX_CAPS.vmcsEnum >>> 1, VMX_VMCS_ENUM_MAX_INDEX);
    assert.equal(VmcsProfile.fromCaps(ALL_CAPS).highestIndex(), highestIndex(VMCS_FIELDS.filter((d) => d.name !== 'SHARED_EPT_POINTER' && d.name !== 'SEAM_GUEST_KEYID')));
  });

  it('fields of features the max model lacks do not exist there', () => {
    const p = VmcsProfile.fromCaps(MAX_CAPS);
    const exists = (n: string) => p.isSupported(fieldByName(n)!);
    // Derived from the feature table, independently of the capability MSRs:
    // `max` turns on exactly the implemented vmx-* features, and a field
    // exists iff one of the controls/capabilities it requires is on.
    const on = (ctl: string, bit: number) =>
      VMX_FEATURES.some((f) => f.implemented && !f.inverted && f.word === ctl && f.bit === bit);
    for (const d of VMCS_FIELDS) {
      const expected = d.requires.length === 0 || d.requires.some((r) => on(r.ctl, r.bit));
      assert.equal(p.isSupported(d), expected, d.name);
    }
    // Spot checks, including fields of features max does not implement for L2
    // (VMCS shadowing, VM functions/EPTP switching, TPR shadow).
    for (const n of ['GUEST_RIP', 'EPT_POINTER', 'VIRTUAL_PROCESSOR_ID', 'GUEST_IA32_EFER', 'VMX_PREEMPTION_TIMER_VALUE', 'TSC_OFFSET', 'MSR_BITMAP']) {
      assert.ok(exists(n), n);
    }
    for (const n of ['TSC_MULTIPLIER', 'PML_ADDRESS', 'POSTED_INTR_DESC_ADDR', 'APIC_ACCESS_ADDR', 'TERTIARY_VM_EXEC_CONTROL', 'GUEST_IA32_FRED_CONFIG', 'SHARED_EPT_POINTER', 'HOST_IA32_PERF_GLOBAL_CTRL', 'EXECUTIVE_VMCS_POINTER',
      'VMREAD_BITMAP', 'VMWRITE_BITMAP', 'VM_FUNCTION_CONTROL', 'EPTP_LIST_ADDRESS', 'TPR_THRESHOLD', 'VIRTUAL_APIC_PAGE_ADDR']) {
      assert.ok(!exists(n), n);
    }
  });
});
