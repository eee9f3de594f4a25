// MSR-list checks: the VM-entry MSR-load area (SDM vol 3C §27.4; failure =
// VM-entry failure, exit reason 0x80000022 (34), qualification = 1-based
// number of the failing entry) and, for the VM exit that follows later, the
// VM-exit MSR-store and MSR-load areas (§28.4, §28.6; failure = VMX abort
// 1 or 4, §28.7). Entries are 16 bytes: bits 31:0 MSR index, 63:32 reserved,
// 127:64 value (§25.7.2).

import { check, EntryCheckDef, EntryCheckRun, EntryCheckFailure, MsrListEntry, MsrEntryCheckFn } from './entry-checks-types';
import { VMCS } from './fields';
import { hex, hex64, toNumber } from './bits';

const F = VMCS;
type R = EntryCheckFailure | null;

const IA32_FS_BASE = 0xc0000100;
const IA32_GS_BASE = 0xc0000101;
const IA32_SMBASE = 0x9e;
const IA32_SMM_MONITOR_CTL = 0x9b;
const IA32_BIOS_UPDT_TRIG = 0x79;

/** Reads entry i (0-based) of the MSR area at `base`. */
export function readMsrEntry(x: EntryCheckRun, base: number, i: number): MsrListEntry {
  const a = base + i * 16;
  const r = x.ctx.readPhys;
  return { index: r(a, 4) >>> 0, reserved: r(a + 4, 4) >>> 0, lo: r(a + 8, 4) >>> 0, hi: r(a + 12, 4) >>> 0 };
}

function entryText(e: MsrListEntry): string {
  return `MSR ${hex(e.index)}, reserved dword ${hex(e.reserved)}, value ${hex64(e.lo, e.hi)}`;
}

function entryFail(x: EntryCheckRun, e: MsrListEntry, n: number, allowed: string): EntryCheckFailure {
  const base = toNumber(x.lo(F.VM_ENTRY_MSR_LOAD_ADDR), x.hi(F.VM_ENTRY_MSR_LOAD_ADDR));
  return x.fail(`VM-entry MSR-load entry ${n} (at 0x${(base + (n - 1) * 16).toString(16)})`, entryText(e), allowed, { qualification: n });
}

/** Maximum number of entries a list should have: 512 * (IA32_VMX_MISC[27:25] + 1) (Appendix A.6). */
export function msrListLimit(x: EntryCheckRun): number {
  return 512 * (((x.caps.miscLo >>> 25) & 7) + 1);
}

// ---- per-entry checks of the VM-entry MSR-load area ----

/** MSR-LOAD-COUNT — SDM 27.4: entries beyond 512 * (MISC[27:25] + 1) are undefined; nestvirt fails at the first one. */
const msrLoadCount: MsrEntryCheckFn = (x, e, n) => {
  const max = msrListLimit(x);
  if (n <= max) return null;
  return x.fail('VM_ENTRY_MSR_LOAD_COUNT', String(x.lo(F.VM_ENTRY_MSR_LOAD_COUNT)), `at most ${max} entries (512 * (IA32_VMX_MISC[27:25] + 1)); entry ${n} is past it`, { qualification: n });
};

/** MSR-LOAD-FSGS — SDM 27.4: IA32_FS_BASE / IA32_GS_BASE cannot be loaded from the list. */
const msrLoadFsGs: MsrEntryCheckFn = (x, e, n) =>
  e.index === IA32_FS_BASE || e.index === IA32_GS_BASE ? entryFail(x, e, n, 'any MSR but IA32_FS_BASE (0xc0000100) and IA32_GS_BASE (0xc0000101); load them through the guest FS/GS base fields') : null;

/** MSR-LOAD-X2APIC — SDM 27.4: x2APIC MSRs (0x800-0x8FF) cannot be loaded from the list. */
const msrLoadX2apic: MsrEntryCheckFn = (x, e, n) => (e.index >>> 8 === 0x8 ? entryFail(x, e, n, 'an MSR outside the x2APIC range 0x800-0x8ff') : null);

/** MSR-LOAD-SMM-ONLY — SDM 27.4: MSRs writable only in SMM (IA32_SMM_MONITOR_CTL) fail outside SMM. */
const msrLoadSmmOnly: MsrEntryCheckFn = (x, e, n) =>
  e.index === IA32_SMM_MONITOR_CTL && !x.inSmm ? entryFail(x, e, n, 'not IA32_SMM_MONITOR_CTL (0x9b): writable only in SMM') : null;

/** MSR-LOAD-RSVD — SDM 27.4: entry bits 63:32 (the reserved dword) are 0. */
const msrLoadRsvd: MsrEntryCheckFn = (x, e, n) => (e.reserved !== 0 ? entryFail(x, e, n, 'reserved dword (entry bits 63:32) = 0') : null);

/** MSR-LOAD-WRMSR-GP — SDM 27.4: the value is one WRMSR at CPL 0 would accept; IA32_BIOS_UPDT_TRIG (0x79) is never loaded. */
const msrLoadWrmsrGp: MsrEntryCheckFn = (x, e, n) => {
  if (e.index === IA32_BIOS_UPDT_TRIG) return entryFail(x, e, n, 'not IA32_BIOS_UPDT_TRIG (0x79): microcode updates cannot be loaded on VM entry');
  const why = x.ctx.wrmsrFault?.(e.index, e.lo, e.hi) ?? null;
  return why ? entryFail(x, e, n, `a value WRMSR accepts (it would #GP: ${why})`) : null;
};

/** Applies one per-entry check to the whole VM-entry MSR-load list (used to run that check alone). */
function overEntryList(fn: MsrEntryCheckFn): (x: EntryCheckRun) => R {
  return (x) => {
    const count = x.lo(F.VM_ENTRY_MSR_LOAD_COUNT);
    const base = toNumber(x.lo(F.VM_ENTRY_MSR_LOAD_ADDR), x.hi(F.VM_ENTRY_MSR_LOAD_ADDR));
    const n = Math.min(count, msrListLimit(x) + 1);
    for (let i = 0; i < n; i++) {
      const r = fn(x, readMsrEntry(x, base, i), i + 1);
      if (r) return r;
    }
    return null;
  };
}

/**
 * MSR-LOAD-ORDER — SDM 27.4, 27.8: entries are processed in order after the
 * guest state is loaded; the first failing one ends the entry (guest state
 * discarded, host state loaded as on a VM exit). runMsrLoadChecks applies
 * the per-entry checks in list order; as a check it never fails.
 */
function msrLoadOrder(): null {
  return null;
}

// ---- VM-exit MSR areas (checked when the VM exit happens) ----

/** Why a VM-exit MSR-store entry would cause a VMX abort (indicator 1), or null (SDM §28.4). */
export function exitMsrStoreProblem(e: MsrListEntry, inSmm: boolean, rdmsrFault?: (index: number) => string | null): string | null {
  if (e.index === IA32_SMBASE && !inSmm) return 'IA32_SMBASE (0x9e) is readable only in SMM';
  if (e.index >>> 8 === 0x8) return 'x2APIC MSRs (0x800-0x8ff) cannot be stored';
  if (e.reserved !== 0) return 'reserved dword (entry bits 63:32) must be 0';
  const why = rdmsrFault?.(e.index) ?? null;
  return why ? `RDMSR would #GP: ${why}` : null;
}

/** Why a VM-exit MSR-load entry would cause a VMX abort (indicator 4), or null (SDM §28.6). */
export function exitMsrLoadProblem(e: MsrListEntry, inSmm: boolean, wrmsrFault?: (index: number, lo: number, hi: number) => string | null): string | null {
  if (e.index === IA32_FS_BASE || e.index === IA32_GS_BASE) return 'IA32_FS_BASE/IA32_GS_BASE cannot be loaded from the list';
  if (e.index >>> 8 === 0x8) return 'x2APIC MSRs (0x800-0x8ff) cannot be loaded';
  if (e.index === IA32_SMM_MONITOR_CTL && !inSmm) return 'IA32_SMM_MONITOR_CTL (0x9b) is writable only in SMM';
  if (e.index === IA32_BIOS_UPDT_TRIG) return 'IA32_BIOS_UPDT_TRIG (0x79) cannot be loaded';
  if (e.reserved !== 0) return 'reserved dword (entry bits 63:32) must be 0';
  const why = wrmsrFault?.(e.index, e.lo, e.hi) ?? null;
  return why ? `WRMSR would #GP: ${why}` : null;
}

function exitList(x: EntryCheckRun, countEnc: number, addrEnc: number, area: string, indicator: number, problem: (e: MsrListEntry) => string | null): R {
  const count = Math.min(x.lo(countEnc), msrListLimit(x));
  const base = toNumber(x.lo(addrEnc), x.hi(addrEnc));
  for (let i = 0; i < count; i++) {
    const e = readMsrEntry(x, base, i);
    const why = problem(e);
    if (why) {
      return x.fail(`${area} entry ${i + 1} (at 0x${(base + i * 16).toString(16)})`, entryText(e), `an entry the processor can process (${why})`, {
        outcome: { kind: 'vmx-abort', indicator },
      });
    }
  }
  return null;
}

/** EXIT-MSR-STORE-FAIL — SDM 28.4: a bad VM-exit MSR-store entry is a VMX abort with indicator 1. */
function exitMsrStoreFail(x: EntryCheckRun): R {
  return exitList(x, F.VM_EXIT_MSR_STORE_COUNT, F.VM_EXIT_MSR_STORE_ADDR, 'VM-exit MSR-store', 1, (e) => exitMsrStoreProblem(e, x.inSmm, x.ctx.rdmsrFault));
}

/** EXIT-MSR-LOAD-FAIL — SDM 28.6: a bad VM-exit MSR-load entry is a VMX abort with indicator 4. */
function exitMsrLoadFail(x: EntryCheckRun): R {
  return exitList(x, F.VM_EXIT_MSR_LOAD_COUNT, F.VM_EXIT_MSR_LOAD_ADDR, 'VM-exit MSR-load', 4, (e) => exitMsrLoadProblem(e, x.inSmm, x.ctx.wrmsrFault));
}

/**
 * EXIT-HOST-PDPTE-FAIL — SDM 28.5.4: a VM exit to a 32-bit host using PAE
 * paging (host address-space size 0, HOST_CR0.PG, HOST_CR4.PAE) loads the
 * PDPTEs from HOST_CR3[31:5]; a present one with reserved bits set is a VMX
 * abort with indicator 2.
 */
function exitHostPdpteFail(x: EntryCheckRun): R {
  if (x.hostAsz || !(x.lo(F.HOST_CR0) >>> 31) || !(x.lo(F.HOST_CR4) & 0x20)) return null;
  const base = (x.lo(F.HOST_CR3) & 0xffffffe0) >>> 0;
  for (let i = 0; i < 4; i++) {
    const lo = x.ctx.readPhys(base + i * 8, 4) >>> 0;
    const hi = x.ctx.readPhys(base + i * 8 + 4, 4) >>> 0;
    if (lo & 1 && (lo & 0x1e6 || (x.caps.physAddrBits < 64 && hi >>> (x.caps.physAddrBits - 32) !== 0))) {
      return x.fail(`host PDPTE${i} at ${hex(base + i * 8)} (HOST_CR3 ${x.hex(F.HOST_CR3)})`, hex64(lo, hi), `P = 0, or bits 2:1, 8:5 and 63:${x.caps.physAddrBits} = 0`, {
        outcome: { kind: 'vmx-abort', indicator: 2 },
      });
    }
  }
  return null;
}

/** Per-entry VM-entry MSR-load checks, in the order applied to each entry. */
export const MSR_LOAD_ENTRY_CHECKS: readonly EntryCheckDef[] = [
  check('MSR-LOAD-COUNT', '27.4', 'msr-load', 'the VM-entry MSR-load list must not exceed 512 * (IA32_VMX_MISC[27:25] + 1) entries', overEntryList(msrLoadCount), { entryFn: msrLoadCount }),
  check('MSR-LOAD-FSGS', '27.4', 'msr-load', 'IA32_FS_BASE and IA32_GS_BASE cannot be in the VM-entry MSR-load list', overEntryList(msrLoadFsGs), { entryFn: msrLoadFsGs }),
  check('MSR-LOAD-X2APIC', '27.4', 'msr-load', 'x2APIC MSRs cannot be in the VM-entry MSR-load list', overEntryList(msrLoadX2apic), { entryFn: msrLoadX2apic }),
  check('MSR-LOAD-SMM-ONLY', '27.4', 'msr-load', 'SMM-only MSRs cannot be loaded outside SMM', overEntryList(msrLoadSmmOnly), { entryFn: msrLoadSmmOnly }),
  check('MSR-LOAD-RSVD', '27.4', 'msr-load', 'MSR-load entry bits 63:32 must be 0', overEntryList(msrLoadRsvd), { entryFn: msrLoadRsvd }),
  check('MSR-LOAD-WRMSR-GP', '27.4', 'msr-load', 'each MSR-load entry must be a write WRMSR accepts', overEntryList(msrLoadWrmsrGp), { entryFn: msrLoadWrmsrGp }),
];

export const MSR_CHECKS: readonly EntryCheckDef[] = [
  ...MSR_LOAD_ENTRY_CHECKS,
  check('MSR-LOAD-ORDER', '27.4, 27.8', 'msr-load', 'MSR-load entries are processed in order; the first failure ends the VM entry', msrLoadOrder, { kind: 'rule' }),
  check('EXIT-MSR-STORE-FAIL', '28.4, 28.6', 'msr-load', 'a bad VM-exit MSR-store entry causes VMX abort 1', exitMsrStoreFail, { kind: 'exit' }),
  check('EXIT-MSR-LOAD-FAIL', '28.4, 28.6', 'msr-load', 'a bad VM-exit MSR-load entry causes VMX abort 4', exitMsrLoadFail, { kind: 'exit' }),
  check('EXIT-HOST-PDPTE-FAIL', '28.5.4', 'host', 'bad host PDPTEs on a VM exit to a PAE host cause VMX abort 2', exitHostPdpteFail, { kind: 'exit' }),
];
