// VMLAUNCH/VMRESUME from L1, the paths that stay in L1 (SDM vol 3C §31.3,
// §27.1-27.2): VMfailInvalid, launch-state VMfailValid(4)/(5), control and
// host-state checks VMfailValid(7)/(8) with a diagnostic naming the check;
// past them a guest-state failure exits to L1 (entry-failure.test.ts).
import { strict as assert } from 'assert';
import { makeVmxRig, exec, enterWithVmcs, I, VMXON_REGION, VMCS_A, VmxRig } from './rig';
import { enterUser } from '../../support/sysrig';
import { VMCS } from '../../../emulator/vmx/fields';
import { VMCS12_LAUNCH_STATE_OFFSET } from '../../../emulator/vmx/vmcs';
import type { DiagnosticEvent } from '../../../emulator/events';

const diags = (r: VmxRig, code: string): DiagnosticEvent[] =>
  r.events.filter((e): e is DiagnosticEvent => e.kind === 'diagnostic' && e.code === code);

/** Controls at their allowed-0 (default) settings, 64-bit host: passes the control checks. */
function validControls(r: VmxRig): void {
  const c = r.s.caps, v = r.s.vmcs12;
  v.set(VMCS.PIN_BASED_VM_EXEC_CONTROL, c.pin0);
  v.set(VMCS.CPU_BASED_VM_EXEC_CONTROL, c.proc0);
  v.set(VMCS.VM_EXIT_CONTROLS, c.exit0 | (1 << 9));
  v.set(VMCS.VM_ENTRY_CONTROLS, c.entry0 | (1 << 9));
}

/** Host state = the vCPU's current state (what L1 would store before VMLAUNCH). */
function validHost(r: VmxRig): void {
  const v = r.s.vmcs12, cpu = r.cpu;
  v.set(VMCS.HOST_CR0, cpu.cr0 >>> 0);
  v.set(VMCS.HOST_CR3, cpu.cr3 >>> 0);
  v.set(VMCS.HOST_CR4, cpu.cr4 >>> 0);
  v.set(VMCS.HOST_CS_SELECTOR, 0x08);
  v.set(VMCS.HOST_SS_SELECTOR, 0x10);
  v.set(VMCS.HOST_DS_SELECTOR, 0x10);
  v.set(VMCS.HOST_ES_SELECTOR, 0x10);
  v.set(VMCS.HOST_TR_SELECTOR, 0x48);
  v.set(VMCS.HOST_RIP, 0x100000);
  v.set(VMCS.HOST_RSP, 0x300000);
}

describe('l0 VMLAUNCH / VMRESUME (SDM 31.3, 27.1-27.2)', () => {
  it('#UD outside VMX operation; #GP(0) at CPL > 0', () => {
    assert.equal(exec(makeVmxRig(), I.vmlaunch), '#UD');
    assert.equal(exec(makeVmxRig(), I.vmresume), '#UD');
    const r = makeVmxRig();
    exec(r, I.vmxon, VMXON_REGION);
    enterUser(r);
    assert.equal(exec(r, I.vmlaunch), '#GP(0)');
  });
  it('no current VMCS: VMfailInvalid', () => {
    const r = makeVmxRig();
    exec(r, I.vmxon, VMXON_REGION);
    assert.equal(exec(r, I.vmlaunch), 'VMfailInvalid');
    assert.equal(exec(r, I.vmresume), 'VMfailInvalid');
  });
  it('VMRESUME of a clear VMCS: VMfailValid(5); VMLAUNCH of a launched VMCS: VMfailValid(4)', () => {
    const r = makeVmxRig();
    enterWithVmcs(r);
    assert.equal(exec(r, I.vmresume), 'VMfailValid(5)');
    exec(r, I.vmclear, VMCS_A);
    r.mem.write(VMCS_A + VMCS12_LAUNCH_STATE_OFFSET, 4, 1); // launched, as a VMCLEAR-less region would say
    assert.equal(exec(r, I.vmptrld, VMCS_A), 'VMsucceed');
    assert.equal(r.s.vmcs12.launched, true);
    assert.equal(exec(r, I.vmlaunch), 'VMfailValid(4)');
    assert.ok(diags(r, 'vm-entry-check').some((d) => /PRE-LAUNCH-STATE/.test(d.message)));
  });
  it('invalid controls: VMfailValid(7) and a diagnostic naming check, field, value, allowed values, SDM section', () => {
    const r = makeVmxRig();
    enterWithVmcs(r);
    assert.equal(exec(r, I.vmlaunch), 'VMfailValid(7)');
    const d = diags(r, 'vm-entry-check');
    assert.equal(d.length, 1);
    assert.match(d[0].message, /^VMLAUNCH: CTRL-[A-Z0-9-]+ \(SDM 27\.2\.1[.0-9]*\): [A-Z_0-9]+ = 0x[0-9a-f]+.*allowed: .* -> VMfailValid\(7\)$/);
    assert.equal(r.s.vmcs12.launched, false);
  });
  it('invalid host state: VMfailValid(8)', () => {
    const r = makeVmxRig();
    enterWithVmcs(r);
    validControls(r);
    assert.equal(exec(r, I.vmlaunch), 'VMfailValid(8)');
    assert.match(diags(r, 'vm-entry-check')[0].message, /^VMLAUNCH: HOST-[A-Z0-9-]+ \(SDM 27\.2\.[234]/);
  });
  it('past the control and host checks, a guest-state failure is the VM-entry failure exit (entry-failure.test.ts)', () => {
    const r = makeVmxRig();
    enterWithVmcs(r);
    validControls(r);
    validHost(r);
    r.s.vmcs12.set(VMCS.HOST_RIP, 0x170000);
    r.mem.write(0x170000, 1, 0xf4); // L1 continues at HOST_RIP: a hlt
    exec(r, I.vmlaunch);
    assert.equal(r.s.vmcs12.lo(VMCS.VM_EXIT_REASON), 0x80000021);
    assert.match(diags(r, 'vm-entry-check')[0].message, /^VMLAUNCH: GUEST-[A-Z0-9-]+ \(SDM 27\.3/);
    assert.equal(diags(r, 'not-implemented').length, 0);
    assert.equal(r.s.vmcs12.launched, false, 'launch state unchanged');
  });
});
