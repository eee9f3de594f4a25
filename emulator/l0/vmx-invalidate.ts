// INVEPT and INVVPID executed by L1 (SDM vol 3C §31.3 INVEPT, INVVPID,
// Operation; §29.4.3.1 operations that invalidate cached mappings).
//
// Effect: INVEPT drops the EPT02 roots L0 derived from L1's EPTPs
// (vmx-ept02.ts inveptFlush) and L2's TLB bank if it was made under one of
// them (vmx-tlb.ts); the vCPU's live TLBs hold no combined mapping then
// (they are L1's while L1 runs). INVVPID: L2's entries of that VPID wait in
// L2's bank while L1 runs (vmx-tlb.ts): the page's (type 0) or all of them
// go; L1's (VPID 0, the live set) are never named by INVVPID. With 'enable
// VPID' = 0 L2's entries never outlive an exit. SDM §29.4.3.1 lets a
// processor invalidate more than asked, never less.
import type { Cpu } from '../x86/cpu';
import type { Insn } from '../x86/decode/insn';
import { ud } from '../x86/exec/sys-util';
import { VMCS } from '../vmx/fields';
import { PRIMARY, SECONDARY } from '../vmx/controls';
import { Vmcs } from '../vmx/vmcs';
import { isCanonical } from '../vmx/bits';
import { fold } from '../x86/canon';
import { ENTRY_CHECKS, EntryCheckRun, EntryCheckContext, EntryCheckFailure } from '../vmx/entry-checks';
import type { VmxCaps } from '../vmx/caps';
import type { VmxVcpuState } from './vmx-state';
import { inveptFlush } from './vmx-ept02';
import { invvpidBanks, inveptBanks } from './vmx-tlb';

/** VM-instruction error 28: invalid operand to INVEPT/INVVPID (vmx-instruction-errors.tsv). */
export const VMXERR_INVALID_INVEPT_INVVPID_OPERAND = 28;

/** The hooks vmx-instructions.ts lends (gate and results), so both files share one definition. */
export interface VmxInsnOps {
  gate(cpu: Cpu, s: VmxVcpuState, what: string): void;
  vmSucceed(cpu: Cpu): void;
  vmFail(cpu: Cpu, s: VmxVcpuState, error: number): void;
}

const capLo = (c: VmxCaps, bit: number): boolean => ((c.eptVpidLo >>> bit) & 1) === 1;
const capHi = (c: VmxCaps, bit: number): boolean => ((c.eptVpidHi >>> (bit - 32)) & 1) === 1;

/** The register operand (type): 64 bits in 64-bit mode, 32 outside. A value >= 2^32 is no supported type. */
function readType(cpu: Cpu, i: Insn): number {
  const lo = cpu.rd(i, 0) >>> 0;
  const hi = i.s0 === 8 ? cpu.hi >>> 0 : 0;
  return hi === 0 ? lo : -1;
}

/** The 128-bit in-memory descriptor as four dwords. */
function readDescriptor(cpu: Cpu, i: Insn): [number, number, number, number] {
  const lin = cpu.ea(i, 16);
  const a = cpu.read64(lin) >>> 0;
  const b = cpu.hi >>> 0;
  const c = cpu.read64(lin + 8) >>> 0;
  return [a, b, c, cpu.hi >>> 0];
}

const EPTP_CHECKS = ENTRY_CHECKS.filter((d) => d.kind === 'check' && d.id.startsWith('CTRL-EPTP-'));

/**
 * "VM entry with 'enable EPT' = 1 would fail due to the EPTP value" (INVEPT
 * single-context): the CTRL-EPTP-* entry checks themselves, run on a VMCS
 * holding only that EPTP.
 */
export function eptpProblem(caps: VmxCaps, lo: number, hi: number): EntryCheckFailure | null {
  const v = new Vmcs();
  v.set(VMCS.CPU_BASED_VM_EXEC_CONTROL, PRIMARY.ACTIVATE_SECONDARY_CONTROLS);
  v.set(VMCS.SECONDARY_VM_EXEC_CONTROL, SECONDARY.ENABLE_EPT);
  v.set(VMCS.EPT_POINTER, lo, hi);
  const ctx: EntryCheckContext = {
    instruction: 'vmlaunch', vmcs: v, caps, currentVmcsPointer: -1, readPhys: () => 0,
    cpu: { inVmxOperation: true, nonRoot: false, cr0: 0, cr4: 0, efer: 0, rflags: 2, csL: true, cpl: 0, movSsBlocking: false },
  };
  const x = new EntryCheckRun(ctx);
  for (const d of EPTP_CHECKS) {
    x.current = d;
    const f = d.fn(x);
    if (f) return f;
  }
  return null;
}

/** INVEPT (SDM §31.3 INVEPT). */
export function makeInvept(ops: VmxInsnOps, stateOf: (cpu: Cpu) => VmxVcpuState) {
  return (cpu: Cpu, i: Insn): void => {
    const s = stateOf(cpu);
    const c = s.caps;
    // #UD when EPT or INVEPT is not supported (PROCBASED_CTLS2[33], EPT_VPID_CAP[20]).
    if (!c.allowed1('secondary', 1) || !capLo(c, 20)) throw ud('INVEPT: not supported by this CPU model');
    ops.gate(cpu, s, 'INVEPT');
    const type = readType(cpu, i);
    // Types: 1 single-context (cap bit 25), 2 all-context (cap bit 26).
    if (!((type === 1 && capLo(c, 25)) || (type === 2 && capLo(c, 26)))) {
      ops.vmFail(cpu, s, VMXERR_INVALID_INVEPT_INVVPID_OPERAND);
      return;
    }
    const [eptpLo, eptpHi] = readDescriptor(cpu, i);
    if (type === 1 && eptpProblem(c, eptpLo, eptpHi)) {
      ops.vmFail(cpu, s, VMXERR_INVALID_INVEPT_INVVPID_OPERAND);
      return;
    }
    // Guest-physical and combined mappings of EPTP[51:12] (type 1) or of every EPTP (type 2).
    inveptFlush(s, type as 1 | 2, eptpLo, eptpHi);
    inveptBanks(s);
    ops.vmSucceed(cpu);
  };
}

/** INVVPID (SDM §31.3 INVVPID). */
export function makeInvvpid(ops: VmxInsnOps, stateOf: (cpu: Cpu) => VmxVcpuState) {
  return (cpu: Cpu, i: Insn): void => {
    const s = stateOf(cpu);
    const c = s.caps;
    // #UD when VPIDs or INVVPID are not supported (PROCBASED_CTLS2[37], EPT_VPID_CAP[32]).
    if (!c.allowed1('secondary', 5) || !capHi(c, 32)) throw ud('INVVPID: not supported by this CPU model');
    ops.gate(cpu, s, 'INVVPID');
    const type = readType(cpu, i);
    // Types 0 individual-address, 1 single-context, 2 all-context, 3 single-context-retaining-globals: cap bits 40-43.
    if (type < 0 || type > 3 || !capHi(c, 40 + type)) {
      ops.vmFail(cpu, s, VMXERR_INVALID_INVEPT_INVVPID_OPERAND);
      return;
    }
    const [d0, d1, addrLo, addrHi] = readDescriptor(cpu, i);
    const vpid = d0 & 0xffff;
    const bad =
      d0 >>> 16 !== 0 || d1 !== 0 || // INVVPID_DESC[63:16] != 0
      (type !== 2 && vpid === 0) || // VPID 0 for types 0, 1, 3
      (type === 0 && !isCanonical(addrLo, addrHi, c.linearAddrBits)); // non-canonical linear address
    if (bad) {
      ops.vmFail(cpu, s, VMXERR_INVALID_INVEPT_INVVPID_OPERAND);
      return;
    }
    // Linear/combined mappings tagged with that VPID (or all VPIDs but 0): L2's bank (header comment).
    invvpidBanks(s, type, vpid, type === 0 ? fold(addrLo, addrHi | 0) : 0);
    ops.vmSucceed(cpu);
  };
}
