// The nesting levels of a vCPU as the debugger shows them (DESIGN.md: a
// vCPU's call stack is its nesting stack): which level runs, where each
// suspended outer level waits, and that level's registers.
//
// While L2 runs, L1 is parked in its VMLAUNCH/VMRESUME. What is known of L1
// then (SDM vol 3C §28.5 "Loading Host State", l0/vmx-nonroot.ts enterL2):
// - where it waits: L0 keeps L1's next RIP (`l1.rip`); the instruction is
//   the 3-byte VMLAUNCH (0F 01 C2) / VMRESUME (0F 01 C3) just before it;
// - where it resumes, and on which stack, control registers, segments:
//   VMCS12's host-state area, loaded at the next exit;
// - its general registers other than RSP: shared with L2 (a VM exit neither
//   saves nor loads them), so L1 sees L2's values at the exit.
// For unwinding L1's frames below the waiting instruction L0 also keeps
// L1's RSP and RBP at the VMLAUNCH (`l1.rsp`, `l1.rbp`), and VMCS01's guest
// area holds L1's paging registers then: L1's stack is read through them,
// not through L2's paging.
import type { Level } from '../emulator/events';
import type { Cpu } from '../emulator/x86/cpu';
import { fold, hex64 } from '../emulator/x86/canon';
import { vmxStateOf } from '../emulator/l0/vmx-instructions';
import type { VmxVcpuState } from '../emulator/l0/vmx-state';
import type { PagingRegs } from '../emulator/debug/guest-memory';
import { VMCS } from '../emulator/vmx/fields';
import { GPR64, EFER_LMA } from '../emulator/x86/regs';
import { VarNode, hexHalves, hex32 } from './registers';

/** VMLAUNCH and VMRESUME are 0F 01 C2 / 0F 01 C3 (SDM vol 2, no prefixes used). */
const VMENTRY_INSN_LEN = 3;

/** Where L1 waits while L2 runs: the address of its VMLAUNCH/VMRESUME, or undefined when L2 is not running. */
export function l1WaitAddress(s: VmxVcpuState): number | undefined {
  return s.level === 2 && s.l1 ? s.l1.rip - VMENTRY_INSN_LEN : undefined;
}

/** An outer level suspended while an inner one runs. */
export interface SuspendedLevel {
  level: Level;
  /** The instruction it waits in ('VMRESUME'). */
  instruction: string;
  /** Address of that instruction (folded linear, in the level's own address space). */
  pc: number;
  /** Where it continues at the next exit (HOST_RIP). */
  resumeAt: number;
  /** Its stack and frame pointers at the entry (l0/vmx-state.ts `l1`), folded. */
  sp: number;
  fp: number;
  /** It ran 64-bit code (IA-32e mode) at the entry. */
  wide: boolean;
  /** Its paging registers at the entry (VMCS01's guest area): its stack is read through them. */
  paging: PagingRegs;
}

/** The outer levels waiting on `cpu`, innermost first (today: L1 while L2 runs). */
export function suspendedLevels(cpu: Cpu): SuspendedLevel[] {
  const s = vmxStateOf(cpu);
  if (!s || s.level !== 2 || !s.l1) return [];
  const v = s.vmcs12, v01 = s.vmcs01;
  // VMCS01's guest area: L1's state as of its VMLAUNCH/VMRESUME (l0/vmcs01.ts refreshVmcs01).
  const paging: PagingRegs = {
    cr0: v01.lo(VMCS.GUEST_CR0) >>> 0, cr3: v01.lo(VMCS.GUEST_CR3) >>> 0, cr3Hi: v01.hi(VMCS.GUEST_CR3) >>> 0,
    cr4: v01.lo(VMCS.GUEST_CR4) >>> 0, efer: v01.lo(VMCS.GUEST_IA32_EFER) >>> 0, plat: cpu.plat,
  };
  return [{
    level: 1,
    instruction: s.l1.instruction,
    pc: l1WaitAddress(s)!,
    resumeAt: fold(v.lo(VMCS.HOST_RIP), v.hi(VMCS.HOST_RIP) | 0),
    sp: s.l1.rsp,
    fp: s.l1.rbp,
    wide: (paging.efer & EFER_LMA) !== 0,
    paging,
  }];
}

/** The VMCS12 pointer of the vCPU (hex), when L1 has a current VMCS. */
export function controlBlockOf(cpu: Cpu): string | undefined {
  const s = vmxStateOf(cpu);
  return s && s.hasCurrentVmcs ? hex64(s.currentVmcsPointer) : undefined;
}

export function archOf(cpu: Cpu): 'vmx' | undefined {
  return vmxStateOf(cpu) ? 'vmx' : undefined;
}

/**
 * The registers of suspended L1 while L2 runs (see the header for where
 * each comes from). Values as the Registers scope shows them.
 */
export function suspendedL1Registers(cpu: Cpu): VarNode[] {
  const s = vmxStateOf(cpu);
  if (!s || s.level !== 2 || !s.l1) return [];
  const v = s.vmcs12;
  const field = (name: string, enc: number, note?: string): VarNode => {
    const value = hexHalves(v.lo(enc), v.hi(enc));
    return { name, value: note ? `${value} (${note})` : value, evaluateName: Object.keys(VMCS).find((k) => VMCS[k as keyof typeof VMCS] === enc) };
  };
  const nodes: VarNode[] = [
    { name: 'rip', value: `${hex64(l1WaitAddress(s)!)} (waiting in ${s.l1.instruction})`, memoryReference: hex64(l1WaitAddress(s)!) },
    field('resumes at', VMCS.HOST_RIP, 'HOST_RIP'),
    field('rsp', VMCS.HOST_RSP, 'HOST_RSP: the stack it resumes on'),
  ];
  for (let r = 0; r < 16; r++) {
    if (r === 4) continue;
    nodes.push({
      name: GPR64[r],
      value: `${hexHalves(cpu.regs[r << 1], cpu.regs[(r << 1) + 1])} (shared with L2)`,
    });
  }
  nodes.push(
    field('cr0', VMCS.HOST_CR0, 'HOST_CR0'),
    field('cr3', VMCS.HOST_CR3, 'HOST_CR3'),
    field('cr4', VMCS.HOST_CR4, 'HOST_CR4'),
    { name: 'cs', value: hex32(v.lo(VMCS.HOST_CS_SELECTOR) & 0xffff) },
    { name: 'ss', value: hex32(v.lo(VMCS.HOST_SS_SELECTOR) & 0xffff) },
    { name: 'ds', value: hex32(v.lo(VMCS.HOST_DS_SELECTOR) & 0xffff) },
    { name: 'es', value: hex32(v.lo(VMCS.HOST_ES_SELECTOR) & 0xffff) },
    { name: 'fs', value: hex32(v.lo(VMCS.HOST_FS_SELECTOR) & 0xffff) },
    { name: 'gs', value: hex32(v.lo(VMCS.HOST_GS_SELECTOR) & 0xffff) },
    { name: 'tr', value: hex32(v.lo(VMCS.HOST_TR_SELECTOR) & 0xffff) },
    field('gdtr base', VMCS.HOST_GDTR_BASE),
    field('idtr base', VMCS.HOST_IDTR_BASE),
  );
  return nodes;
}
