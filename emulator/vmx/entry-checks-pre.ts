// VMLAUNCH/VMRESUME checks before any VMCS field is examined (SDM vol 3C
// §31.3 VMLAUNCH/VMRESUME "Operation", §27.1 "Basic VM-entry checks").
// Order = the SDM's pseudo-code: #UD conditions, VM exit in non-root, #GP,
// then the VMfail conditions (vm-entry-checks.tsv lists PRE-NONROOT before
// PRE-MODE; the pseudo-code tests the mode first, and so do we).

import { check, EntryCheckDef, EntryCheckRun, EntryCheckFailure } from './entry-checks-types';
import { VMCS } from './fields';
import { ENTRY } from './controls';
import { beyondPhys, hex, hex64, toNumber } from './bits';

const CR0_PE = 1 << 0;
const CR4_VMXE = 1 << 13;
const EFER_LMA = 1 << 10;
const RFLAGS_VM = 1 << 17;

/** PRE-NOT-VMX — SDM §31.3, §27.1: not in VMX operation (or CR4.VMXE = 0) -> #UD. */
function preNotVmx(x: EntryCheckRun): EntryCheckFailure | null {
  const c = x.ctx.cpu;
  if (c.inVmxOperation && c.cr4 & CR4_VMXE) return null;
  return x.fail('VMX operation', c.inVmxOperation ? 'in VMX operation, CR4.VMXE = 0' : 'not in VMX operation', 'VMXON executed and CR4.VMXE = 1', {
    outcome: { kind: '#UD' },
    related: [{ field: 'CR4', value: hex(c.cr4) }],
  });
}

/** PRE-MODE — SDM §31.3: real mode, virtual-8086 mode or compatibility mode -> #UD. */
function preMode(x: EntryCheckRun): EntryCheckFailure | null {
  const c = x.ctx.cpu;
  const compat = (c.efer & EFER_LMA) !== 0 && !c.csL;
  if ((c.cr0 & CR0_PE) !== 0 && (c.rflags & RFLAGS_VM) === 0 && !compat) return null;
  const what = !(c.cr0 & CR0_PE) ? 'real-address mode' : c.rflags & RFLAGS_VM ? 'virtual-8086 mode (RFLAGS.VM = 1)' : 'compatibility mode (EFER.LMA = 1, CS.L = 0)';
  return x.fail('processor mode', what, 'protected mode or 64-bit mode', {
    outcome: { kind: '#UD' },
    related: [{ field: 'RFLAGS', value: hex(c.rflags) }, { field: 'IA32_EFER', value: hex(c.efer) }, { field: 'CS.L', value: c.csL ? '1' : '0' }],
  });
}

/** PRE-NONROOT — SDM §27.1, §26.1.2: VMLAUNCH/VMRESUME in VMX non-root operation exits (reason 20 / 24). */
function preNonRoot(x: EntryCheckRun): EntryCheckFailure | null {
  if (!x.ctx.cpu.nonRoot) return null;
  return x.fail('VMX mode', 'VMX non-root operation', 'VMX root operation', {
    outcome: { kind: 'vm-exit', reason: x.ctx.instruction === 'vmlaunch' ? 20 : 24 },
  });
}

/** PRE-CPL — SDM §31.3: CPL > 0 -> #GP(0). */
function preCpl(x: EntryCheckRun): EntryCheckFailure | null {
  if (x.ctx.cpu.cpl === 0) return null;
  return x.fail('CPL', String(x.ctx.cpu.cpl), '0', { outcome: { kind: '#GP', errorCode: 0 } });
}

/** PRE-NO-VMCS — SDM §31.3: current-VMCS pointer invalid (all ones) -> VMfailInvalid. */
function preNoVmcs(x: EntryCheckRun): EntryCheckFailure | null {
  if (x.ctx.currentVmcsPointer !== -1) return null;
  return x.fail('current-VMCS pointer', '0xffffffffffffffff (none)', 'a VMCS made current by VMPTRLD', { outcome: { kind: 'VMfailInvalid' } });
}

/** PRE-MOVSS — SDM §31.3: events blocked by MOV SS -> VMfailValid(26). */
function preMovSs(x: EntryCheckRun): EntryCheckFailure | null {
  if (!x.ctx.cpu.movSsBlocking) return null;
  return x.fail('blocking by MOV SS', '1 (VMLAUNCH/VMRESUME follows MOV SS or POP SS)', '0', { outcome: { kind: 'VMfailValid', error: 26 } });
}

/** PRE-LAUNCH-STATE — SDM §31.3: VMLAUNCH with a launched VMCS -> VMfailValid(4). */
function preLaunchState(x: EntryCheckRun): EntryCheckFailure | null {
  if (x.ctx.instruction !== 'vmlaunch' || !x.v.launched) return null;
  return x.fail('launch state', 'launched', 'clear (VMCLEAR the VMCS, or use VMRESUME)', { outcome: { kind: 'VMfailValid', error: 4 } });
}

/** PRE-RESUME-AFTER-VMXOFF — SDM §31.4 Table 31-1: VMRESUME after a VMXOFF/VMXON cycle -> VMfailValid(6). */
function preResumeAfterVmxoff(x: EntryCheckRun): EntryCheckFailure | null {
  if (x.ctx.instruction !== 'vmresume' || !x.ctx.launchStateLost) return null;
  return x.fail('launch state', 'lost (VMXOFF and VMXON since VMLAUNCH)', 'launched in the current VMX operation', { outcome: { kind: 'VMfailValid', error: 6 } });
}

/** PRE-RESUME-STATE — SDM §31.3: VMRESUME with a clear VMCS -> VMfailValid(5). */
function preResumeState(x: EntryCheckRun): EntryCheckFailure | null {
  if (x.ctx.instruction !== 'vmresume' || x.v.launched) return null;
  return x.fail('launch state', 'clear', 'launched (use VMLAUNCH for a clear VMCS)', { outcome: { kind: 'VMfailValid', error: 5 } });
}

/**
 * PRE-SMM-EXEC-VMCS — SDM §27.1, §34.15: VM entry from SMM under the
 * dual-monitor treatment checks the executive-VMCS pointer: deactivating
 * with a pointer other than the VMXON pointer -> VMfailValid(18); an
 * invalid pointer -> 16; a non-launched executive VMCS -> 17. (Error 25,
 * invalid controls in the executive VMCS, is not checked.) nestvirt has no
 * SMM, so this only fires for contexts that claim inSmm.
 */
function preSmmExecVmcs(x: EntryCheckRun): EntryCheckFailure | null {
  if (!x.inSmm) return null;
  const lo = x.lo(VMCS.EXECUTIVE_VMCS_POINTER);
  const hi = x.hi(VMCS.EXECUTIVE_VMCS_POINTER);
  const ptr = toNumber(lo, hi);
  const vmxon = x.ctx.vmxonPointer ?? -1;
  const val = hex64(lo, hi);
  if (x.entry & ENTRY.DEACTIVATE_DUAL_MONITOR) {
    if (ptr === vmxon) return null;
    return x.fail('EXECUTIVE_VMCS_POINTER', val, `the VMXON pointer (${vmxon < 0 ? 'none' : hex64(vmxon % 0x1_0000_0000, Math.floor(vmxon / 0x1_0000_0000))}) when deactivating the dual-monitor treatment`, {
      outcome: { kind: 'VMfailValid', error: 18 },
    });
  }
  if (lo & 0xfff || beyondPhys(lo, hi, x.caps.physAddrBits)) {
    return x.fail('EXECUTIVE_VMCS_POINTER', val, `4-KByte aligned, below 2^${x.caps.physAddrBits}`, { outcome: { kind: 'VMfailValid', error: 16 } });
  }
  if (ptr !== vmxon && !(x.ctx.executiveVmcsLaunched?.(ptr) ?? false)) {
    return x.fail('EXECUTIVE_VMCS_POINTER', val, 'the VMXON pointer or a launched VMCS', { outcome: { kind: 'VMfailValid', error: 17 } });
  }
  return null;
}

/**
 * PRE-ORDER — SDM §27.2: basic checks, then control checks (27.2.1), then
 * host-state checks (27.2.2-27.2.4); the first failure wins and a VMfailValid
 * modifies nothing but the VM-instruction error field. Implemented by
 * runEntryChecks (stage order, stop at the first failure, checks never write
 * the VMCS); as a check it never fails.
 */
function preOrder(): null {
  return null;
}

export const PRE_CHECKS: readonly EntryCheckDef[] = [
  check('PRE-NOT-VMX', '31.3, 27.1', 'pre', 'VMLAUNCH/VMRESUME outside VMX operation is #UD', preNotVmx),
  check('PRE-MODE', '27.1', 'pre', 'VMLAUNCH/VMRESUME in real, virtual-8086 or compatibility mode is #UD', preMode),
  check('PRE-NONROOT', '27.1', 'pre', 'VMLAUNCH/VMRESUME in VMX non-root operation causes a VM exit', preNonRoot),
  check('PRE-CPL', '27.1', 'pre', 'VMLAUNCH/VMRESUME at CPL > 0 is #GP(0)', preCpl),
  check('PRE-NO-VMCS', '27.1', 'pre', 'VMLAUNCH/VMRESUME without a current VMCS is VMfailInvalid', preNoVmcs),
  check('PRE-MOVSS', '27.1', 'pre', 'VMLAUNCH/VMRESUME in a MOV-SS shadow is VMfailValid(26)', preMovSs),
  check('PRE-LAUNCH-STATE', '27.1', 'pre', 'VMLAUNCH needs a VMCS whose launch state is clear', preLaunchState),
  check('PRE-RESUME-AFTER-VMXOFF', '31.4 Table 31-1', 'pre', 'VMRESUME of a VMCS launched before VMXOFF is VMfailValid(6)', preResumeAfterVmxoff),
  check('PRE-RESUME-STATE', '27.1', 'pre', 'VMRESUME needs a VMCS whose launch state is launched', preResumeState),
  check('PRE-SMM-EXEC-VMCS', '27.1, 34.15', 'pre', 'VM entry from SMM needs a valid executive-VMCS pointer', preSmmExecVmcs),
  check('PRE-ORDER', '27.2', 'pre', 'basic, control, then host-state checks; first failure wins; VMfailValid changes only the VM-instruction error', preOrder, { kind: 'rule' }),
];
