// A VMX rig whose VMCS12 is valid and whose L2 runs given code at L2_RIP on
// L1's page tables and (optionally) L1's GDT/IDT, for the exit-routing tests.
import { makeVmxRig, enterWithVmcs, validVmcs, exec, I, VmxRig } from './rig';
import { VMCS } from '../../../emulator/vmx/fields';
import { PRIMARY } from '../../../emulator/vmx/controls';
import type { TransitionEvent } from '../../../emulator/events';

export const L2_RIP = 0x1a0000;
export const L2_RSP = 0x2f0000;

export interface L2Opts {
  primary?: number; secondary?: number; pin?: number; exit?: number; entry?: number;
  bitmap?: number; rflags?: number;
  /** Give L2 L1's GDT and IDT (hlt stubs per vector, sysrig.ts). */
  tables?: boolean;
}

/** A valid VMCS12 with the given extra controls whose L2 runs `code` (then hlt). */
export function setupL2(code: number[], o: L2Opts = {}): VmxRig {
  const r = makeVmxRig();
  enterWithVmcs(r);
  validVmcs(r);
  const v = r.s.vmcs12, cpu = r.cpu;
  const add = (enc: number, bits: number | undefined): void => { if (bits) v.set(enc, (v.lo(enc) | bits) >>> 0); };
  add(VMCS.CPU_BASED_VM_EXEC_CONTROL, o.primary);
  if (o.secondary !== undefined) {
    add(VMCS.CPU_BASED_VM_EXEC_CONTROL, PRIMARY.ACTIVATE_SECONDARY_CONTROLS);
    v.set(VMCS.SECONDARY_VM_EXEC_CONTROL, o.secondary);
  }
  add(VMCS.PIN_BASED_VM_EXEC_CONTROL, o.pin);
  add(VMCS.VM_EXIT_CONTROLS, o.exit);
  add(VMCS.VM_ENTRY_CONTROLS, o.entry);
  v.set(VMCS.EXCEPTION_BITMAP, o.bitmap ?? 0);
  v.set(VMCS.GUEST_RIP, L2_RIP);
  v.set(VMCS.GUEST_RSP, L2_RSP);
  if (o.rflags !== undefined) v.set(VMCS.GUEST_RFLAGS, o.rflags);
  if (o.tables) {
    v.set(VMCS.GUEST_GDTR_BASE, cpu.gdtrBase);
    v.set(VMCS.GUEST_GDTR_LIMIT, cpu.gdtrLimit);
    v.set(VMCS.GUEST_IDTR_BASE, cpu.idtrBase);
    v.set(VMCS.GUEST_IDTR_LIMIT, cpu.idtrLimit);
  }
  r.mem.writeBytes(L2_RIP, Uint8Array.from([...code, 0xf4]));
  return r;
}

/** VMLAUNCH and run until L1 (or L2) halts. */
export function launch(r: VmxRig): string { return exec(r, I.vmlaunch); }

export const transitions = (r: VmxRig): TransitionEvent[] =>
  r.events.filter((e): e is TransitionEvent => e.kind === 'transition');

/** The exit L1 saw: reason, qualification (lo), length, VMCS12 GUEST_RIP offset from L2_RIP, instruction info, rule. */
export function exitSeen(r: VmxRig): { level: number; reason: number; qual: number; qualHi: number; len: number; ripOff: number; info: number; rule?: string } {
  const v = r.s.vmcs12;
  const t = transitions(r).filter((e) => e.type === 'reflect');
  return {
    level: r.s.level, reason: v.lo(VMCS.VM_EXIT_REASON), qual: v.lo(VMCS.EXIT_QUALIFICATION), qualHi: v.hi(VMCS.EXIT_QUALIFICATION),
    len: v.lo(VMCS.VM_EXIT_INSTRUCTION_LEN), ripOff: v.lo(VMCS.GUEST_RIP) - L2_RIP, info: v.lo(VMCS.VMX_INSTRUCTION_INFO),
    rule: t.length ? t[t.length - 1].rule : undefined,
  };
}
