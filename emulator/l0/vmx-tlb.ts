// VPID-tagged TLBs for nested VMX (SDM vol 3C §29.4 "Virtual-Processor
// Identifiers", §29.4.3 "Maintaining Consistency of Cached Mappings"): the
// vCPU's MMU has one untagged set of TLBs; L0 keeps a bank per level, as for
// nested SVM's ASIDs (svm-tlb.ts, whose TlbBank and bankOut/bankIn this
// uses): L1's (VPID 0000H) while L2 runs, L2's (the VPID of VMCS12, and with
// EPT the EPT02 root of its EPTP, the bank's second stage) while L1 runs.
//
// With "enable VPID" = 1 a VM entry or exit invalidates nothing
// (§27.3.2.5, §28.5.5): at entry L1's entries go into its bank and L2's come
// out of its own if they were made with the same VPID, EPT02 root and paging
// context; at exit the other way round. With "enable VPID" = 0 entries and
// exits invalidate VPID 0's mappings: the live set is flushed (vmx-nonroot.ts,
// vmx-host-state.ts) and the banks are left alone (L2's holds another
// VPID's mappings, which such transitions do not invalidate).
//
// A bank is dropped (a superset invalidation is always allowed, §29.4.3.1):
//  - L2's: another VPID, another EPT02 root, L2 paging state other than when
//    it was swapped out (bankIn), INVVPID of its VPID (type 0: the page),
//    INVEPT of its EPTP (vmx-invalidate.ts);
//  - L1's: HOST_CR3/CR0/CR4/EFER other than L1's state at the entry, a
//    VM-entry failure (the entry's host-state load flushes);
//  - both at snapshot take and restore (caches, debug/snapshot.ts).
// MOV CR3, INVLPG and INVPCID act on the live set only: the current VPID.
import type { Cpu } from '../x86/cpu';
import { VMCS } from '../vmx/fields';
import { PRIMARY, SECONDARY } from '../vmx/controls';
import type { Vmcs } from '../vmx/vmcs';
import type { VmxVcpuState } from './vmx-state';
import { bankOut, bankIn } from './svm-tlb';
import { ept02Roots } from './vmx-ept02';

const F = VMCS;

/** The VPID L2 runs with under `v` (VMCS12), 0 when "enable VPID" is off (the entry checks make an enabled one nonzero). */
export function vpid12(v: Vmcs): number {
  if (!(v.lo(F.CPU_BASED_VM_EXEC_CONTROL) & PRIMARY.ACTIVATE_SECONDARY_CONTROLS)) return 0;
  if (!(v.lo(F.SECONDARY_VM_EXEC_CONTROL) & SECONDARY.ENABLE_VPID)) return 0;
  return v.lo(F.VIRTUAL_PROCESSOR_ID) & 0xffff;
}

/** VM entry with a VPID, before L2's state is loaded: L1's entries wait in its bank (the live set is left empty). */
export function bankOutL1(cpu: Cpu, s: VmxVcpuState): void { bankOut(cpu, s.tlbL1, 0); }

/** VM entry with VPID `vpid`, L2's state and second stage in place: L2's own entries come back if made in this context. */
export function bankInL2(cpu: Cpu, s: VmxVcpuState, vpid: number): void { bankIn(cpu, s.tlbL2, vpid); }

/** VM exit with VPID `vpid`, before the second stage goes: L2's entries wait in its bank. */
export function bankOutL2(cpu: Cpu, s: VmxVcpuState, vpid: number): void { bankOut(cpu, s.tlbL2, vpid); }

/** VM exit with a VPID, L1's host state loaded: L1's entries come back if HOST_CR3 etc. are L1's paging context at the entry. */
export function bankInL1(cpu: Cpu, s: VmxVcpuState): void { bankIn(cpu, s.tlbL1, 0); }

/**
 * INVVPID (§31.3): the linear and combined mappings of `vpid` (type 0: of
 * the page at `lin`, 1 and 3: all of them, 2: of every VPID but 0000H).
 * L1 executes it, so the live set holds VPID 0's mappings only: never touched.
 */
export function invvpidBanks(s: VmxVcpuState, type: number, vpid: number, lin: number): void {
  const b = s.tlbL2;
  if (!b.valid) return;
  if (type === 2) { b.drop(); return; }
  if (b.asid !== vpid) return;
  if (type === 0) b.flushPage(lin);
  else b.drop();
}

/** INVEPT (§31.3), after the EPT02 roots went: L2's combined mappings made under a dropped root go too. */
export function inveptBanks(s: VmxVcpuState): void {
  const b = s.tlbL2, st = b.stage2;
  if (b.valid && st !== null && !(ept02Roots(s) as readonly object[]).includes(st)) b.drop();
}
