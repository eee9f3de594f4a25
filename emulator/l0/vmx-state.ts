// Per-vCPU VMX state L0 keeps for its L1 (SDM vol 3C §24.11 "VMX operation",
// §25.1 "Overview" of the current-VMCS pointer, §25.11 "Software use of the
// VMCS"). VMCS12 lives in L1 memory in the layout vmx/vmcs.ts documents; L0
// caches the current one between VMPTRLD and VMCLEAR / VMPTRLD of another /
// VMXOFF, as the SDM allows a processor to (§25.11.1: software must not touch
// an active VMCS region in memory; we never re-read it while it is current).
import { Vmcs, VmcsProfile, VMCS12_SIZE, VMCS12_LAUNCH_STATE_OFFSET } from '../vmx/vmcs';
import type { VmxCaps } from '../vmx/caps';
import { EntryCheckMemo } from '../vmx/entry-checks';
import { initVmcs01 } from './vmcs01';
import { TlbBank, protectBanksOnCodeMark } from './svm-tlb';

/** "No current VMCS": the current-VMCS pointer is all ones (SDM §25.1). */
export const NO_VMCS = -1;

/** L1 guest-physical memory as L0 sees it (PhysicalMemory satisfies it). */
export interface L1PhysMemory {
  read(addr: number, size: 1 | 2 | 4): number;
  write(addr: number, size: 1 | 2 | 4, v: number): void;
  readBytes(addr: number, len: number): Uint8Array;
  writeBytes(addr: number, data: Uint8Array): void;
}

export class VmxVcpuState {
  /** Between VMXON and VMXOFF (SDM §24.7). nestvirt's L1 never runs in VMX non-root. */
  inVmxOperation = false;
  /** Physical address of the VMXON region, NO_VMCS outside VMX operation. */
  vmxonPointer = NO_VMCS;
  /** Physical address of the current VMCS12 region, or NO_VMCS. */
  currentVmcsPointer = NO_VMCS;
  /** The cached current VMCS12 (meaningful only while currentVmcsPointer !== NO_VMCS). */
  readonly vmcs12: Vmcs;
  private readonly region = new Uint8Array(VMCS12_SIZE);
  /**
   * VMCS01 (Turtles, nested-vmx.md): the VMCS under which L0 runs L1 - the
   * controls L0 itself needs (vmcs01.ts), L0's host state, and L1's guest
   * state as of L1's last VMLAUNCH/VMRESUME. L0's own "hardware" VMCS, so
   * every field exists (profile ALL).
   */
  readonly vmcs01 = new Vmcs();
  /**
   * VMCS02: the merge of VMCS01 and VMCS12 under which L2 runs
   * (vmcs02-merge.ts), built at each entry to L2; its guest area is L2's
   * state as of the last exit from L2.
   */
  readonly vmcs02 = new Vmcs();
  /**
   * The VM-entry checks VMCS12 passed at L1's last VMLAUNCH/VMRESUME and
   * the fields they read (vmx/entry-checks.ts): a nested round trip
   * re-runs only the checks whose fields changed.
   */
  readonly entryMemo = new EntryCheckMemo();
  /** The nesting level the vCPU runs: 1 (L1, VMX root) or 2 (L2 under VMCS02, vmx-nonroot.ts). */
  level: 1 | 2 = 1;
  /**
   * What L0 keeps of L1 while L2 runs (VMCS12's host area holds the rest):
   * NMI blocking, and for the debugger where L1 waits - the RIP after its
   * VMLAUNCH/VMRESUME, and RSP/RBP then (folded in 64-bit mode, else
   * ESP/EBP), so L1's frames below the waiting instruction unwind.
   */
  l1: { nmiBlocked: boolean; rip: number; rsp: number; rbp: number; instruction: 'VMLAUNCH' | 'VMRESUME' } | null = null;
  /** Per-entry state of L2's run that is not a VMCS field (vmx-nonroot.ts). */
  readonly l2 = {
    /** TSC >> IA32_VMX_MISC[4:0] at entry, and the timer value loaded (SDM 26.5.1). */
    timerBase: 0, timerValue: 0, timerOn: false,
    /** MONITOR executed in L2 since entry: MWAIT's exit qualification bit 0 (SDM 28.2.1). */
    monitorArmed: false,
    /** The next event through the exception interceptor is the VM-entry injection (SDM 27.6.1: no bitmap check). */
    injecting: false,
    /** VMCS12's TSC offset that the vCPU's TSC includes while L2 runs (SDM 26.3 TSC offsetting). */
    tscOffset12: 0,
  };
  /** L1's TLB entries (VPID 0) while L2 runs, L2's (its VPID) while L1 runs, when VMCS12 enables VPID (vmx-tlb.ts; caches). */
  readonly tlbL1 = new TlbBank();
  readonly tlbL2 = new TlbBank();

  constructor(readonly caps: VmxCaps, readonly mem: L1PhysMemory) {
    this.vmcs12 = new Vmcs(VmcsProfile.fromCaps(caps));
    initVmcs01(this.vmcs01);
    protectBanksOnCodeMark(this, mem, [this.tlbL1, this.tlbL2]);
  }

  get hasCurrentVmcs(): boolean {
    return this.currentVmcsPointer !== NO_VMCS;
  }

  /** VMXON succeeded (SDM §31.3 VMXON): in VMX root operation with no current VMCS. */
  enter(vmxonPointer: number): void {
    this.inVmxOperation = true;
    this.vmxonPointer = vmxonPointer;
    this.currentVmcsPointer = NO_VMCS;
  }

  /**
   * VMXOFF (SDM §31.3 VMXOFF). The SDM lets cached VMCS data be lost here;
   * nested-vmx.md: we flush it, so the region keeps the state L1 last saw.
   */
  leave(): void {
    this.flushCurrent();
    this.inVmxOperation = false;
    this.vmxonPointer = NO_VMCS;
    this.currentVmcsPointer = NO_VMCS;
  }

  /** VMPTRLD (SDM §31.3 VMPTRLD): the old current VMCS is written back, the new one cached. */
  makeCurrent(pointer: number): void {
    if (pointer === this.currentVmcsPointer) return; // already cached: memory is not re-read
    this.flushCurrent();
    this.vmcs12.loadFrom(this.mem.readBytes(pointer, VMCS12_SIZE));
    this.currentVmcsPointer = pointer;
  }

  /**
   * VMCLEAR (SDM §31.3 VMCLEAR): cached data written to the region, launch
   * state clear; a current VMCS stops being current.
   */
  clear(pointer: number): void {
    if (pointer === this.currentVmcsPointer) {
      this.vmcs12.launched = false;
      this.flushCurrent();
      this.currentVmcsPointer = NO_VMCS;
    } else {
      // Not cached here: only the launch-state dword of our layout changes.
      this.mem.write(pointer + VMCS12_LAUNCH_STATE_OFFSET, 4, 0);
    }
  }

  /** Writes the cached VMCS12 (if any) back to its region in L1 memory. */
  flushCurrent(): void {
    if (this.currentVmcsPointer === NO_VMCS) return;
    this.vmcs12.serializeTo(this.region);
    this.mem.writeBytes(this.currentVmcsPointer, this.region);
  }
}
