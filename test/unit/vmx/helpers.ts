// Test helpers for emulator/vmx: the reference TSVs (read here, never by the
// emulator), and a baseline VMCS for a 64-bit guest under a 64-bit host that
// passes every VM-entry check.
import * as fs from 'fs';
import * as path from 'path';
import { Vmcs, VmcsProfile } from '../../../emulator/vmx/vmcs';
import { VMCS, VmcsFieldName } from '../../../emulator/vmx/fields';
import { PIN, PRIMARY, SECONDARY, TERTIARY, EXIT, ENTRY } from '../../../emulator/vmx/controls';
import { VmxCaps, VmxCapabilitySource, resolveVmxCaps, everythingCapabilitySource } from '../../../emulator/vmx/caps';
import { EntryCheckContext } from '../../../emulator/vmx/entry-checks';
import { parseCpuPolicy } from '../../../emulator/x86/cpu-model';

// ---- reference TSVs ----

function findReferenceDir(): string {
  let d = __dirname;
  for (let i = 0; i < 8; i++) {
    const c = path.join(d, 'shared', 'reference');
    if (fs.existsSync(path.join(c, 'vmcs-fields.tsv'))) return c;
    d = path.dirname(d);
  }
  throw new Error('shared/reference not found above ' + __dirname);
}
export const REFERENCE_DIR = findReferenceDir();

/** Rows of a reference TSV as objects keyed by the header (comment lines skipped). */
export function readTsv(name: string): Record<string, string>[] {
  const lines = fs.readFileSync(path.join(REFERENCE_DIR, name), 'utf8').split('\n').filter((l) => l.length && !l.startsWith('#'));
  const header = lines[0].split('\t');
  return lines.slice(1).map((l) => {
    const cells = l.split('\t');
    const o: Record<string, string> = {};
    header.forEach((h, i) => (o[h] = cells[i] ?? ''));
    return o;
  });
}

// ---- capabilities ----

export const MAX_CAPS: VmxCaps = resolveVmxCaps(parseCpuPolicy('max'));
export const ALL_CAPS: VmxCaps = resolveVmxCaps(everythingCapabilitySource());

/** Everything-capabilities with some MSRs replaced (or removed with null). */
export function capsWith(over: Record<number, readonly [number, number] | null>, extra: Partial<VmxCapabilitySource> = {}): VmxCaps {
  const base = everythingCapabilitySource();
  return resolveVmxCaps({
    ...base,
    ...extra,
    vmxMsr: (i: number) => (i in over ? over[i] : base.vmxMsr(i)),
  });
}
export function allMsr(i: number): [number, number] {
  return everythingCapabilitySource().vmxMsr(i) as [number, number];
}

// ---- memory ----

export class Mem {
  private readonly bytes = new Map<number, number>();
  r8(a: number): number { return this.bytes.get(a) ?? 0; }
  w8(a: number, v: number): void { this.bytes.set(a, v & 0xff); }
  w32(a: number, v: number): void { for (let k = 0; k < 4; k++) this.w8(a + k, v >>> (8 * k)); }
  w64(a: number, lo: number, hi: number): void { this.w32(a, lo); this.w32(a + 4, hi); }
  read(a: number, size: 1 | 2 | 4): number {
    let v = 0;
    for (let k = size - 1; k >= 0; k--) v = (v << 8) | this.r8(a + k);
    return v >>> 0;
  }
  /** An MSR-list entry at base + 16 * i. */
  msrEntry(base: number, i: number, index: number, lo = 0, hi = 0, reserved = 0): void {
    const a = base + i * 16;
    this.w32(a, index);
    this.w32(a + 4, reserved);
    this.w64(a + 8, lo, hi);
  }
}

// ---- scenario ----

export interface CpuState {
  inVmxOperation: boolean;
  nonRoot: boolean;
  cr0: number;
  cr4: number;
  efer: number;
  rflags: number;
  csL: boolean;
  cpl: number;
  movSsBlocking: boolean;
  inSmm: boolean;
}

export interface Scenario {
  vmcs: Vmcs;
  caps: VmxCaps;
  cpu: CpuState;
  mem: Mem;
  instruction: 'vmlaunch' | 'vmresume';
  currentVmcsPointer: number;
  vmxonPointer: number;
  launchStateLost: boolean;
  wrmsrFault?: (index: number, lo: number, hi: number) => string | null;
  rdmsrFault?: (index: number) => string | null;
  executiveVmcsLaunched?: (p: number) => boolean;
}

export const CURRENT_VMCS = 0x10000;
export const VMXON_REGION = 0x11000;

export function ctxOf(s: Scenario): EntryCheckContext {
  return {
    instruction: s.instruction,
    vmcs: s.vmcs,
    caps: s.caps,
    cpu: { ...s.cpu },
    currentVmcsPointer: s.currentVmcsPointer,
    vmxonPointer: s.vmxonPointer,
    readPhys: (a, size) => s.mem.read(a, size),
    wrmsrFault: s.wrmsrFault,
    rdmsrFault: s.rdmsrFault,
    launchStateLost: s.launchStateLost,
    executiveVmcsLaunched: s.executiveVmcsLaunched,
  };
}

// field helpers
export function set(s: Scenario, f: VmcsFieldName, lo: number, hi = 0): void { s.vmcs.set(VMCS[f], lo >>> 0, hi >>> 0); }
export function get(s: Scenario, f: VmcsFieldName): number { return s.vmcs.lo(VMCS[f]); }
export function getHi(s: Scenario, f: VmcsFieldName): number { return s.vmcs.hi(VMCS[f]); }
export function or(s: Scenario, f: VmcsFieldName, bits: number): void { set(s, f, get(s, f) | bits, getHi(s, f)); }
export function clr(s: Scenario, f: VmcsFieldName, bits: number): void { set(s, f, get(s, f) & ~bits, getHi(s, f)); }
export function setHi(s: Scenario, f: VmcsFieldName, hi: number): void { set(s, f, get(s, f), hi); }
export function sec(s: Scenario, bits: number): void { or(s, 'CPU_BASED_VM_EXEC_CONTROL', PRIMARY.ACTIVATE_SECONDARY_CONTROLS); or(s, 'SECONDARY_VM_EXEC_CONTROL', bits); }
export function clrSec(s: Scenario, bits: number): void { clr(s, 'SECONDARY_VM_EXEC_CONTROL', bits); }
export function ter(s: Scenario, bits: number): void { or(s, 'CPU_BASED_VM_EXEC_CONTROL', PRIMARY.ACTIVATE_TERTIARY_CONTROLS); or(s, 'TERTIARY_VM_EXEC_CONTROL', bits); }

export const CR0_64 = 0x80050033; // PG AM WP NE ET MP PE
export const CR4_64 = 0x2020; // VMXE PAE
export const AR_CODE64 = 0xa09b; // type 11, S, DPL 0, P, L, G
export const AR_CODE32 = 0xc09b; // type 11, S, DPL 0, P, D/B, G
export const AR_DATA = 0xc093; // type 3, S, DPL 0, P, D/B, G
export const AR_TSS = 0x8b; // busy TSS, P
export const AR_UNUSABLE = 0x10000;

/**
 * A 64-bit host (IA-32e mode) launching a 64-bit guest with EPT, VPID, MSR
 * bitmaps, HLT exiting and EFER loaded on entry and exit. Passes every
 * check under `caps` (MAX_CAPS: the `max` CPU model; ALL_CAPS: everything).
 */
export function baseline(caps: VmxCaps = ALL_CAPS): Scenario {
  const vmcs = new Vmcs(VmcsProfile.fromCaps(caps));
  vmcs.revisionId = caps.revisionId;
  const s: Scenario = {
    vmcs,
    caps,
    cpu: { inVmxOperation: true, nonRoot: false, cr0: CR0_64, cr4: CR4_64, efer: 0x501, rflags: 0x2, csL: true, cpl: 0, movSsBlocking: false, inSmm: false },
    mem: new Mem(),
    instruction: 'vmlaunch',
    currentVmcsPointer: CURRENT_VMCS,
    vmxonPointer: VMXON_REGION,
    launchStateLost: false,
  };
  s.mem.w32(CURRENT_VMCS, caps.revisionId);
  s.mem.w32(VMXON_REGION, caps.revisionId);
  // controls
  set(s, 'PIN_BASED_VM_EXEC_CONTROL', caps.pin0 | PIN.EXTERNAL_INTERRUPT_EXITING | PIN.NMI_EXITING);
  set(s, 'CPU_BASED_VM_EXEC_CONTROL', caps.proc0 | PRIMARY.HLT_EXITING | PRIMARY.USE_MSR_BITMAPS | PRIMARY.ACTIVATE_SECONDARY_CONTROLS);
  set(s, 'SECONDARY_VM_EXEC_CONTROL', SECONDARY.ENABLE_EPT | SECONDARY.ENABLE_VPID);
  set(s, 'VM_EXIT_CONTROLS', caps.exit0 | EXIT.HOST_ADDRESS_SPACE_SIZE | EXIT.SAVE_IA32_EFER | EXIT.LOAD_IA32_EFER);
  set(s, 'VM_ENTRY_CONTROLS', caps.entry0 | ENTRY.IA32E_MODE_GUEST | ENTRY.LOAD_IA32_EFER);
  set(s, 'EPT_POINTER', 0x00200000 | (3 << 3) | 6);
  set(s, 'VIRTUAL_PROCESSOR_ID', 1);
  set(s, 'MSR_BITMAP', 0x20000);
  set(s, 'CR0_GUEST_HOST_MASK', 0x60000020);
  set(s, 'CR4_GUEST_HOST_MASK', 0x2000);
  set(s, 'CR4_READ_SHADOW', 0);
  // host state
  set(s, 'HOST_CR0', CR0_64);
  set(s, 'HOST_CR3', 0x1000);
  set(s, 'HOST_CR4', CR4_64);
  set(s, 'HOST_IA32_EFER', 0x501);
  set(s, 'HOST_CS_SELECTOR', 0x08);
  for (const f of ['HOST_SS_SELECTOR', 'HOST_DS_SELECTOR', 'HOST_ES_SELECTOR', 'HOST_FS_SELECTOR', 'HOST_GS_SELECTOR'] as const) set(s, f, 0x10);
  set(s, 'HOST_TR_SELECTOR', 0x18);
  set(s, 'HOST_TR_BASE', 0x3000);
  set(s, 'HOST_GDTR_BASE', 0x4000);
  set(s, 'HOST_IDTR_BASE', 0x5000);
  set(s, 'HOST_RIP', 0x100000);
  set(s, 'HOST_RSP', 0x200000);
  // guest state
  set(s, 'GUEST_CR0', CR0_64);
  set(s, 'GUEST_CR3', 0x8000);
  set(s, 'GUEST_CR4', CR4_64);
  set(s, 'GUEST_DR7', 0x400);
  set(s, 'GUEST_RFLAGS', 0x2);
  set(s, 'GUEST_RIP', 0x400000);
  set(s, 'GUEST_RSP', 0x500000);
  set(s, 'GUEST_IA32_EFER', 0x500);
  set(s, 'GUEST_IA32_PAT', 0x00070406, 0x00070406);
  set(s, 'GUEST_CS_SELECTOR', 0x08);
  set(s, 'GUEST_CS_LIMIT', 0xffffffff);
  set(s, 'GUEST_CS_AR_BYTES', AR_CODE64);
  for (const r of ['SS', 'DS', 'ES', 'FS', 'GS'] as const) {
    set(s, `GUEST_${r}_SELECTOR`, 0x10);
    set(s, `GUEST_${r}_LIMIT`, 0xffffffff);
    set(s, `GUEST_${r}_AR_BYTES`, AR_DATA);
  }
  set(s, 'GUEST_LDTR_AR_BYTES', AR_UNUSABLE);
  set(s, 'GUEST_TR_SELECTOR', 0x18);
  set(s, 'GUEST_TR_BASE', 0x6000);
  set(s, 'GUEST_TR_LIMIT', 0x67);
  set(s, 'GUEST_TR_AR_BYTES', AR_TSS);
  set(s, 'GUEST_GDTR_BASE', 0x7000);
  set(s, 'GUEST_GDTR_LIMIT', 0x27);
  set(s, 'GUEST_IDTR_BASE', 0x7100);
  set(s, 'GUEST_IDTR_LIMIT', 0xfff);
  set(s, 'VMCS_LINK_POINTER', 0xffffffff, 0xffffffff);
  return s;
}

/** Same host, a 32-bit protected-mode guest with 32-bit paging (no PAE). */
export function guest32(s: Scenario): Scenario {
  clr(s, 'VM_ENTRY_CONTROLS', ENTRY.IA32E_MODE_GUEST | ENTRY.LOAD_IA32_EFER);
  set(s, 'GUEST_IA32_EFER', 0);
  set(s, 'GUEST_CR4', 0x2000);
  set(s, 'GUEST_CS_AR_BYTES', AR_CODE32);
  return s;
}

/** A 32-bit host running outside IA-32e mode (legacy protected mode, 32-bit paging) with a 32-bit guest. */
export function host32(s: Scenario): Scenario {
  guest32(s);
  s.cpu.efer = 0;
  s.cpu.csL = false;
  s.cpu.cr4 = 0x2000;
  clr(s, 'VM_EXIT_CONTROLS', EXIT.HOST_ADDRESS_SPACE_SIZE | EXIT.LOAD_IA32_EFER);
  set(s, 'HOST_IA32_EFER', 0);
  set(s, 'HOST_CR4', 0x2000);
  return s;
}

/** A virtual-8086 guest (32-bit, RFLAGS.VM = 1) with consistent real-mode-style segments. */
export function v86(s: Scenario): Scenario {
  guest32(s);
  set(s, 'GUEST_RFLAGS', 0x20002);
  for (const r of ['CS', 'SS', 'DS', 'ES', 'FS', 'GS'] as const) {
    set(s, `GUEST_${r}_SELECTOR`, 0x1000);
    set(s, `GUEST_${r}_BASE`, 0x10000);
    set(s, `GUEST_${r}_LIMIT`, 0xffff);
    set(s, `GUEST_${r}_AR_BYTES`, 0xf3);
  }
  return s;
}

/** VM entry executed in SMM (dual-monitor treatment): executive-VMCS pointer = VMXON pointer. */
export function smm(s: Scenario, entryToSmm = true): Scenario {
  s.cpu.inSmm = true;
  set(s, 'EXECUTIVE_VMCS_POINTER', VMXON_REGION);
  if (entryToSmm) {
    or(s, 'VM_ENTRY_CONTROLS', ENTRY.ENTRY_TO_SMM);
    or(s, 'GUEST_INTERRUPTIBILITY_INFO', 4);
  }
  return s;
}

/** Posted interrupts with all prerequisites. */
export function postedInterrupts(s: Scenario): Scenario {
  or(s, 'PIN_BASED_VM_EXEC_CONTROL', PIN.PROCESS_POSTED_INTERRUPTS | PIN.EXTERNAL_INTERRUPT_EXITING);
  or(s, 'CPU_BASED_VM_EXEC_CONTROL', PRIMARY.USE_TPR_SHADOW);
  set(s, 'VIRTUAL_APIC_PAGE_ADDR', 0x40000);
  sec(s, SECONDARY.VIRTUAL_INTERRUPT_DELIVERY);
  or(s, 'VM_EXIT_CONTROLS', EXIT.ACKNOWLEDGE_INTERRUPT_ON_EXIT);
  set(s, 'POSTED_INTR_NV', 0xf2);
  set(s, 'POSTED_INTR_DESC_ADDR', 0x50000);
  return s;
}

export { PIN, PRIMARY, SECONDARY, TERTIARY, EXIT, ENTRY, VMCS };
