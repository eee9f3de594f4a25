// VMCS12's MSR lists on the success paths (SDM vol 3C §27.4 VM-entry MSR
// loading, §28.4 VM-exit MSR storing; the VM-exit MSR-load list is
// vmx-host-state.ts, §28.6). The lists live in L1 memory as 16-byte entries
// (index, reserved dword, 64-bit value, §25.7.2 table 25-15); at most
// 512 * (IA32_VMX_MISC[27:25] + 1) entries are processed, as the checks
// bound them. The failure side of the entry list is vmx-entry-msrs.ts.
import type { Cpu } from '../x86/cpu';
import { readMsr, writeMsr } from '../x86/msr';
import { CpuFault } from '../x86/fault';
import { VMCS } from '../vmx/fields';
import { hex } from '../vmx/bits';
import { exitMsrStoreProblem } from '../vmx/entry-checks';
import type { MsrListEntry } from '../vmx/entry-checks';
import type { VmxVcpuState } from './vmx-state';
import type { VmxAbort } from './vmx-host-state';
import { getU64 } from './vmx-u64';

const F = VMCS;

function listLimit(s: VmxVcpuState): number { return 512 * (((s.caps.miscLo >>> 25) & 7) + 1); }

function entryAt(cpu: Cpu, a: number): MsrListEntry {
  const mem = cpu.plat.mem;
  return { index: mem.read(a, 4) >>> 0, reserved: mem.read(a + 4, 4) >>> 0, lo: mem.read(a + 8, 4) >>> 0, hi: mem.read(a + 12, 4) >>> 0 };
}

/**
 * §27.4: after L2's guest state is loaded, each VM-entry MSR-load entry is
 * written with WRMSR semantics. The entry checks already accepted every
 * entry (vmx-instructions.ts runs the 'msr-load' stage first), so a WRMSR
 * refusal here is a value the checks cannot judge ahead of the guest state
 * (e.g. EFER.LME against guest CR0.PG): it is returned as the 1-based index
 * of the entry, for the VM-entry failure exit (reason 34).
 */
export function loadEntryMsrs(cpu: Cpu, s: VmxVcpuState): number {
  const v = s.vmcs12;
  const count = Math.min(v.lo(F.VM_ENTRY_MSR_LOAD_COUNT) >>> 0, listLimit(s));
  const base = getU64(v, F.VM_ENTRY_MSR_LOAD_ADDR);
  for (let k = 0; k < count; k++) {
    const e = entryAt(cpu, base + k * 16);
    try {
      writeMsr(cpu, e.index, e.lo, e.hi);
    } catch (err) {
      if (err instanceof CpuFault) return k + 1;
      throw err;
    }
  }
  return 0;
}

/**
 * §28.4: each VM-exit MSR-store entry gets the MSR's value (RDMSR semantics,
 * in L2's context, before host state is loaded). An entry the processor
 * cannot store (x2APIC range, IA32_SMBASE outside SMM, reserved dword set,
 * RDMSR #GP) is a VMX abort with indicator 1 (§28.7); entries before it stay
 * stored.
 */
export function storeExitMsrs(cpu: Cpu, s: VmxVcpuState): VmxAbort | null {
  const v = s.vmcs12;
  const count = Math.min(v.lo(F.VM_EXIT_MSR_STORE_COUNT) >>> 0, listLimit(s));
  if (count === 0) return null;
  const base = getU64(v, F.VM_EXIT_MSR_STORE_ADDR);
  const mem = cpu.plat.mem;
  for (let k = 0; k < count; k++) {
    const a = base + k * 16;
    const e = entryAt(cpu, a);
    const where = `VM-exit MSR-store entry ${k + 1} (at 0x${a.toString(16)}: MSR ${hex(e.index)})`;
    let why = exitMsrStoreProblem(e, false);
    let lo = 0, hi = 0;
    if (!why) {
      try {
        lo = readMsr(cpu, e.index) >>> 0;
        hi = cpu.hi >>> 0;
      } catch (err) {
        if (!(err instanceof CpuFault)) throw err;
        why = 'RDMSR would #GP';
      }
    }
    if (why) return { indicator: 1, message: `${where}: ${why}` };
    mem.write(a + 8, 4, lo);
    mem.write(a + 12, 4, hi);
  }
  return null;
}
