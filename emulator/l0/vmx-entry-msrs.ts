// The VM-entry MSR-load list up to a failing entry (SDM vol 3C §27.4, §27.8):
// entries are processed in order, so when entry n fails, entries 1..n-1 have
// been loaded and stay loaded (the host-state load of the failure exit then
// overwrites only what it loads itself). L0 writes them with WRMSR
// semantics; one that WRMSR rejects becomes the failing entry
// (MSR-LOAD-WRMSR-GP), as the processor would have stopped there.
//
// On a successful entry the whole list is loaded after L2's guest state
// (vmx-msr-lists.ts); an entry WRMSR refuses there fails the entry the same
// way (entryMsrLoadFailure).
import type { Cpu } from '../x86/cpu';
import { writeMsr } from '../x86/msr';
import { CpuFault } from '../x86/fault';
import { VMCS } from '../vmx/fields';
import { toNumber, hex, hex64 } from '../vmx/bits';
import { entryCheck, defaultOutcome } from '../vmx/entry-checks';
import type { EntryCheckFailure } from '../vmx/entry-checks';
import type { VmxVcpuState } from './vmx-state';

/**
 * Loads entries 1..n-1 of VMCS12's VM-entry MSR-load list, n being the
 * failing entry `f` names (its qualification). Returns `f`, or the failure
 * of an earlier entry WRMSR refused.
 */
export function loadEntryMsrsBefore(cpu: Cpu, s: VmxVcpuState, f: EntryCheckFailure): EntryCheckFailure {
  if (f.outcome.kind !== 'entry-failure' || f.outcome.reason !== 34) return f;
  const n = f.outcome.qualification;
  const v = s.vmcs12;
  const base = toNumber(v.lo(VMCS.VM_ENTRY_MSR_LOAD_ADDR), v.hi(VMCS.VM_ENTRY_MSR_LOAD_ADDR));
  for (let k = 1; k < n; k++) {
    const a = base + (k - 1) * 16;
    const index = s.mem.read(a, 4) >>> 0;
    const lo = s.mem.read(a + 8, 4) >>> 0;
    const hi = s.mem.read(a + 12, 4) >>> 0;
    try {
      writeMsr(cpu, index, lo, hi);
    } catch (err) {
      if (!(err instanceof CpuFault)) throw err;
      return wrmsrRefused(k, a, index, lo, hi);
    }
  }
  return f;
}

/** MSR-LOAD-WRMSR-GP for entry `k` (1-based) at `a`: WRMSR refused its value (SDM §27.4, exit reason 34). */
function wrmsrRefused(k: number, a: number, index: number, lo: number, hi: number): EntryCheckFailure {
  const def = entryCheck('MSR-LOAD-WRMSR-GP');
  if (!def) throw new Error('vm-entry check MSR-LOAD-WRMSR-GP missing');
  return {
    ok: false, stage: 'msr-load', id: def.id, sdm: def.sdm, rule: def.rule,
    field: `VM-entry MSR-load entry ${k} (at 0x${a.toString(16)})`,
    value: `MSR ${hex(index)}, value ${hex64(lo, hi)}`,
    allowed: 'a value WRMSR at CPL 0 accepts',
    related: [],
    outcome: defaultOutcome('msr-load', k),
  };
}

/**
 * The failure of entry `k` of VMCS12's VM-entry MSR-load list that WRMSR
 * refused while loading it after L2's guest state (vmx-msr-lists.ts): the
 * VM-entry failure exit reports it (§27.8, qualification k).
 */
export function entryMsrLoadFailure(s: VmxVcpuState, k: number): EntryCheckFailure {
  const v = s.vmcs12;
  const a = toNumber(v.lo(VMCS.VM_ENTRY_MSR_LOAD_ADDR), v.hi(VMCS.VM_ENTRY_MSR_LOAD_ADDR)) + (k - 1) * 16;
  return wrmsrRefused(k, a, s.mem.read(a, 4) >>> 0, s.mem.read(a + 8, 4) >>> 0, s.mem.read(a + 12, 4) >>> 0);
}
