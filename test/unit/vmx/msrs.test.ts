import { strict as assert } from 'assert';
import { VMX_MSRS, vmxMsrDef, IA32_FEATURE_CONTROL, FEATURE_CONTROL } from '../../../emulator/vmx/msrs';
import { resolveVmxCaps, everythingCapabilitySource } from '../../../emulator/vmx/caps';
import { parseCpuPolicy, NESTVIRT_VMCS_REVISION_ID } from '../../../emulator/x86/cpu-model';
import { readTsv } from './helpers';

describe('VMX MSRs (vmx-msrs.tsv)', () => {
  it('lists every TSV MSR with its index', () => {
    const rows = readTsv('vmx-msrs.tsv');
    assert.equal(VMX_MSRS.length, rows.length);
    for (const r of rows) {
      const d = vmxMsrDef(parseInt(r.address, 16));
      assert.ok(d, r.name);
      assert.equal(d.name, r.name);
      assert.ok(d.description.length > 10);
    }
    assert.equal(IA32_FEATURE_CONTROL, 0x3a);
    assert.equal(FEATURE_CONTROL.LOCK | FEATURE_CONTROL.VMX_OUTSIDE_SMX, 5);
  });

  it('resolves the max model into the values the checks use', () => {
    const c = resolveVmxCaps(parseCpuPolicy('max'));
    assert.equal(c.revisionId, NESTVIRT_VMCS_REVISION_ID);
    assert.equal(c.physAddrBits, 40);
    assert.equal(c.linearAddrBits, 48);
    assert.equal(c.intel64, true);
    assert.equal(c.cr0Fixed0Lo, 0x80000021);
    assert.equal(c.cr4Fixed0Lo, 0x2000);
    assert.equal((c.miscLo >>> 16) & 0x1ff, 4);
    assert.equal((c.miscLo >>> 29) & 1, 1);
    assert.ok(c.allowed1('secondary', 1));
    assert.ok(!c.allowed1('secondary', 0));
    assert.ok(!c.allowed1('tertiary', 0));
    assert.ok(!c.allowed1('secondary', 13), 'enable VM functions: not implemented for L2');
    assert.ok(!c.allowed1('vmfunc', 0), 'EPTP switching: not implemented for L2');
    assert.equal(c.vmfuncLo, 0);
    assert.equal(c.fred, false);
  });

  it('a model without secondary controls has no secondary, tertiary or VM-function capabilities', () => {
    const c = resolveVmxCaps(parseCpuPolicy('max,-vmx-secondary-ctls'));
    assert.equal(c.proc2_1, 0);
    assert.equal(c.vmfuncLo, 0);
    assert.ok(!c.allowed1('secondary', 1));
  });

  it('the everything source allows every named control', () => {
    const c = resolveVmxCaps(everythingCapabilitySource());
    assert.ok(c.allowed1('tertiary', 8) && c.allowed1('exit2', 3) && c.allowed1('entry', 24) && c.allowed1('basic', 49));
    assert.ok(!c.allowed1('tertiary', 5));
    assert.equal(c.fred, true);
  });
});
