// Per-vCPU VMX state L0 keeps for its L1 (SDM vol 3C §24.11 "VMX operation",
// §25.1 "Overview" of the current-VMCS pointer, §25.11 "Software use of the
// VMCS"). VMCS12 lives in L1 memory in the layout vmx/vmcs.ts documents; L0
// caches the current one between VMPTRLD and VMCLEAR / VMPTRLD of another /
// VMXOFF, as the SDM allows a processor to (§25.11.1: software must not touch
// an active VMCS region in memory; we never re-read it while it is current).
import { Vmcs, VmcsProfile, VMCS12_SIZE, VMCS12_LAUNCH_STATE_OFFSET } from '../vmx/vmcs';
import type { VmxCaps } from '../vmx/caps';

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
  /** The nesting level the vCPU runs: 1 (L1, VMX root) or 2 (L2 under VMCS12, vmx-nonroot.ts). */
  level: 1 | 2 = 1;
  /** What L0 keeps of L1 while L2 runs (VMCS12's host area holds the rest). */
  l1: { nmiBlocked: boolean; rip: number; instruction: 'VMLAUNCH' | 'VMRESUME' } | null = null;

  constructor(readonly caps: VmxCaps, readonly mem: L1PhysMemory) {
    this.vmcs12 = new Vmcs(VmcsProfile.fromCaps(caps));
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
