// A vCPU with L0's nested VMX installed, system tables (so faults land in
// per-vector stubs), CR4.VMXE set and IA32_FEATURE_CONTROL locked with VMX
// outside SMX enabled: the state an L1 hypervisor has just before VMXON.
import { runCode, DATA } from '../../support/snippet';
import { makeSysRig, SysRig } from '../../support/sysrig';
import { SnippetMode } from '../../support/snippet';
import { parseCpuPolicy } from '../../../emulator/x86/cpu-model';
import { CR4_VMXE } from '../../../emulator/x86/regs';
import { getFlags, setFlags } from '../../../emulator/x86/flags';
import { installNestedVmx, VmxVcpuState } from '../../../emulator/l0';
import type { VmxCapabilitySource } from '../../../emulator/vmx/caps';
import { VMCS } from '../../../emulator/vmx/fields';

/** validVmcs: L1 "returns" to a `hlt` at HOST_RIP on HOST_RSP. */
export const HOST_RIP = 0x170000;
export const HOST_RSP = 0x2f8000;

export const VMXON_REGION = 0x400000;
export const VMCS_A = 0x401000;
export const VMCS_B = 0x402000;
const PD32 = 0x5000;
/** Where pointer operands are placed ([rax] = DATA). */
export const PTR = DATA;

export const CF = 0x1, PF = 0x4, AF = 0x10, ZF = 0x40, SF = 0x80, OF = 0x800;
export const RESULT = CF | PF | AF | ZF | SF | OF;

export const I = {
  vmxon: [0xf3, 0x0f, 0xc7, 0x30], // vmxon [rax]
  vmclear: [0x66, 0x0f, 0xc7, 0x30], // vmclear [rax]
  vmptrld: [0x0f, 0xc7, 0x30], // vmptrld [rax]
  vmptrst: [0x0f, 0xc7, 0x38], // vmptrst [rax]
  vmxoff: [0x0f, 0x01, 0xc4],
  vmcall: [0x0f, 0x01, 0xc1],
  vmlaunch: [0x0f, 0x01, 0xc2],
  vmresume: [0x0f, 0x01, 0xc3],
  vmfunc: [0x0f, 0x01, 0xd4],
  vmreadRaxRcx: [0x0f, 0x78, 0xc8], // vmread rax <- field(rcx)
  vmreadMemRcx: [0x0f, 0x78, 0x0b], // vmread [rbx] <- field(rcx)
  vmwriteRcxRax: [0x0f, 0x79, 0xc8], // vmwrite field(rcx) <- rax
  vmwriteRcxMem: [0x0f, 0x79, 0x0b], // vmwrite field(rcx) <- [rbx]
};

export interface VmxRig extends SysRig { s: VmxVcpuState; rev: number }

/**
 * `vmxMsrs` replaces IA32_VMX_* MSRs of the policy's model (null removes one):
 * L0's capabilities and what L1 reads with RDMSR, for hardware rules that
 * depend on a capability the policy does not offer (never a policy change).
 */
export function makeVmxRig(mode: SnippetMode = 'long64', policy = 'max', paging32 = true,
  vmxMsrs: Record<number, readonly [number, number] | null> = {}): VmxRig {
  const model = parseCpuPolicy(policy);
  const r = makeSysRig(mode, model) as VmxRig;
  r.cpu.cr4 |= CR4_VMXE;
  r.cpu.featureControl = 0x5; // lock | VMX outside SMX
  if (mode === 'prot32' && paging32) {
    // IA32_VMX_CR0_FIXED0 includes PG: identity-map 4 GiB with 4 MiB pages (CR4.PSE; SDM vol 3A, 4.3).
    for (let k = 0; k < 1024; k++) r.mem.write(PD32 + k * 4, 4, ((k << 22) | 0x87) >>> 0);
    r.cpu.cr3 = PD32;
    r.cpu.cr4 |= 0x10;
    r.cpu.cr0 = (r.cpu.cr0 | 0x80000000) >>> 0;
    r.cpu.mmu.flushAll();
  }
  // The model with the replaced MSRs, everything else (MAXPHYADDR, EFER mask, ...) inherited.
  const source: VmxCapabilitySource = Object.keys(vmxMsrs).length === 0 ? model : Object.assign(Object.create(model), {
    vmxMsr: (i: number) => (i in vmxMsrs ? vmxMsrs[i] : model.vmxMsr(i)),
  });
  r.s = installNestedVmx(r.cpu, source);
  r.rev = r.s.caps.revisionId;
  for (const a of [VMXON_REGION, VMCS_A, VMCS_B]) r.mem.write(a, 4, r.rev);
  return r;
}

/** Runs one instruction with RAX = PTR holding the 64-bit pointer `ptr` (if given); returns the outcome. */
export function exec(r: VmxRig, code: number[], ptr?: number | [number, number]): string {
  if (ptr !== undefined) {
    const [lo, hi] = typeof ptr === 'number' ? [ptr >>> 0, Math.floor(ptr / 0x1_0000_0000)] : ptr;
    r.mem.write(PTR, 4, lo >>> 0);
    r.mem.write(PTR + 4, 4, hi >>> 0);
  }
  r.cpu.setReg(0, 8, PTR, 0);
  setFlags(r.cpu, getFlags(r.cpu) | RESULT); // every result flag set: VMsucceed must clear them all
  const before = r.events.length;
  runCode(r, code);
  const ex = r.events.slice(before).find((e) => e.kind === 'exception') as { vector: number; errorCode?: number } | undefined;
  if (ex) return ex.vector === 6 ? '#UD' : ex.vector === 13 ? `#GP(${ex.errorCode ?? 0})` : `#${ex.vector}`;
  const f = getFlags(r.cpu) & RESULT;
  if (f === 0) return 'VMsucceed';
  if (f === CF) return 'VMfailInvalid';
  if (f === ZF) return `VMfailValid(${r.s.vmcs12.lo(VMCS.VM_INSTRUCTION_ERROR)})`;
  return `flags 0x${f.toString(16)}`;
}

/** VMXON with a good region, then VMPTRLD of VMCS_A (after clearing it). */
export function enterWithVmcs(r: VmxRig, vmcs = VMCS_A): void {
  if (exec(r, I.vmxon, VMXON_REGION) !== 'VMsucceed') throw new Error('VMXON failed');
  if (exec(r, I.vmclear, vmcs) !== 'VMsucceed') throw new Error('VMCLEAR failed');
  if (exec(r, I.vmptrld, vmcs) !== 'VMsucceed') throw new Error('VMPTRLD failed');
}

/** Controls, host state and a 64-bit guest that pass every check; tests then break one thing. */
export function validVmcs(r: VmxRig): void {
  const c = r.s.caps, v = r.s.vmcs12, cpu = r.cpu;
  v.set(VMCS.PIN_BASED_VM_EXEC_CONTROL, c.pin0);
  v.set(VMCS.CPU_BASED_VM_EXEC_CONTROL, c.proc0);
  v.set(VMCS.VM_EXIT_CONTROLS, c.exit0 | (1 << 9)); // host address-space size
  v.set(VMCS.VM_ENTRY_CONTROLS, c.entry0 | (1 << 9)); // IA-32e mode guest
  v.set(VMCS.HOST_CR0, cpu.cr0 >>> 0);
  v.set(VMCS.HOST_CR3, cpu.cr3 >>> 0);
  v.set(VMCS.HOST_CR4, cpu.cr4 >>> 0);
  v.set(VMCS.HOST_CS_SELECTOR, 0x08);
  v.set(VMCS.HOST_SS_SELECTOR, 0x10);
  v.set(VMCS.HOST_DS_SELECTOR, 0x10);
  v.set(VMCS.HOST_ES_SELECTOR, 0x10);
  v.set(VMCS.HOST_TR_SELECTOR, 0x48);
  v.set(VMCS.HOST_TR_BASE, 0xa000);
  v.set(VMCS.HOST_FS_BASE, 0x12345000, 0xffff8000);
  v.set(VMCS.HOST_GDTR_BASE, 0x8000);
  v.set(VMCS.HOST_IDTR_BASE, 0x9000);
  v.set(VMCS.HOST_IA32_SYSENTER_CS, 0x77);
  v.set(VMCS.HOST_RIP, HOST_RIP);
  v.set(VMCS.HOST_RSP, HOST_RSP);
  r.mem.write(HOST_RIP, 1, 0xf4);
  // Guest: 64-bit, flat, L1's own tables.
  v.set(VMCS.GUEST_CR0, cpu.cr0 >>> 0);
  v.set(VMCS.GUEST_CR3, cpu.cr3 >>> 0);
  v.set(VMCS.GUEST_CR4, cpu.cr4 >>> 0);
  v.set(VMCS.GUEST_DR7, 0x400);
  v.set(VMCS.GUEST_RFLAGS, 0x2);
  v.set(VMCS.GUEST_RIP, 0x100000);
  v.set(VMCS.GUEST_RSP, 0x300000);
  const field = VMCS as Readonly<Record<string, number>>;
  for (const n of ['ES', 'CS', 'SS', 'DS', 'FS', 'GS']) {
    const code = n === 'CS';
    v.set(field[`GUEST_${n}_SELECTOR`], code ? 0x08 : 0x10);
    v.set(field[`GUEST_${n}_LIMIT`], 0xffffffff);
    v.set(field[`GUEST_${n}_AR_BYTES`], code ? 0xa09b : 0xc093);
  }
  v.set(VMCS.GUEST_LDTR_AR_BYTES, 0x10000);
  v.set(VMCS.GUEST_TR_SELECTOR, 0x48);
  v.set(VMCS.GUEST_TR_BASE, 0xa000);
  v.set(VMCS.GUEST_TR_LIMIT, 0x67);
  v.set(VMCS.GUEST_TR_AR_BYTES, 0x8b);
  v.set(VMCS.GUEST_GDTR_LIMIT, 0x3ff);
  v.set(VMCS.GUEST_IDTR_LIMIT, 0xfff);
  v.set(VMCS.VMCS_LINK_POINTER, 0xffffffff, 0xffffffff);
}
