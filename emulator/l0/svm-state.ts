// Per-vCPU SVM state L0 keeps for its L1 (AMD APM vol 2 ch. 15;
// nested-svm.md §3). The three VMCBs of the Turtles picture are kept as
// 4 KiB images in the VMCB layout (svm/vmcb-layout.ts) so the debugger can
// show them side by side:
//  - VMCB12 lives in L1 memory at `vmcb12Address`; `vmcb12` is the snapshot
//    L0 took at VMRUN, checked and used (nested-svm.md §11.10, TOCTOU);
//  - VMCB01 is L0's VMCB for running L1: its control area holds what L0
//    intercepts of L1, its save area L1's host state while L2 runs (KVM keeps
//    L1 there too; the HSAVE page format is implementation-specific, §15.30.4);
//  - VMCB02 is what L0 actually runs L2 with: merged controls and, while L2
//    runs, L2's state as of the last transition.
import { VMCB_SIZE } from '../svm/vmcb-layout';
import { ByteRegion } from '../svm/phys';
import { IOPM_SIZE, MSRPM_SIZE } from '../svm/intercepts';
import { VmrunCheckMemo } from '../svm/vmrun-checks';
import type { L1PhysMemory } from './vmx-state';
import type { Npt02 } from './svm-npt02';
import { TlbBank, protectBanksOnCodeMark } from './svm-tlb';

export class SvmVcpuState {
  /** The level the vCPU runs: 1 (L1, host of SVM) or 2 (L2 under VMCB02). */
  level: 1 | 2 = 1;
  /** The CPU model's linear-address width and NRIPS (CPUID 8000_000A EDX[3]), set when L0 is installed. */
  linearBits = 48;
  nrips = false;
  /** Global interrupt flag of L1 (APM §15.17): set by STGI and VMRUN, cleared by CLGI and #VMEXIT. Reset value 1. */
  gif = true;
  /** L2's GIF as L2 sees it (STGI/CLGI L1 did not intercept; APM §15.17, vGIF §15.33.4). */
  l2Gif = true;
  /** VM_CR (C001_0114, APM §15.30.1). */
  vmCr = 0;
  /** VM_HSAVE_PA (C001_0117, APM §15.30.4) as L1 wrote it, halves. */
  hsaveLo = 0;
  hsaveHi = 0;
  /** L2's own VM_CR / VM_HSAVE_PA: L0 intercepts them so L2 never reaches L1's (APM §15.30). */
  l2VmCr = 0;
  l2HsaveLo = 0;
  l2HsaveHi = 0;
  /** Physical address of the VMCB12 of the current (or last) VMRUN, -1 before the first. */
  vmcb12Address = -1;
  /** VMCB12 as checked at VMRUN (exit-time fields are written to L1 memory and here). */
  readonly vmcb12 = new Uint8Array(VMCB_SIZE);
  /** VMCB01: L0's intercepts of L1 and L1's host state while L2 runs. */
  readonly vmcb01 = new Uint8Array(VMCB_SIZE);
  /** VMCB02: the merged VMCB L2 runs under. */
  readonly vmcb02 = new Uint8Array(VMCB_SIZE);
  /** L0-owned merged permission maps VMCB02's MSRPM_BASE_PA/IOPM_BASE_PA stand for (APM §15.10, §15.11). */
  readonly msrpm02 = new Uint8Array(MSRPM_SIZE);
  readonly iopm02 = new Uint8Array(IOPM_SIZE);
  /** L1's RFLAGS.IF at VMRUN ("HIF", masks physical INTR with V_INTR_MASKING, APM §15.21.1). */
  hostIf = false;
  /** L1 had RFLAGS.TF = 1 at VMRUN: #DB after the #VMEXIT (nested-svm.md §11.13). */
  hostTf = false;
  /** The next intercept check is for the event VMRUN injects (not subject to its own intercept, §15.20). */
  injectSkip = false;
  /** ASID L0 gave the current L2 (APM §15.16); L1 keeps ASID 0's role of "host" as seen by itself. */
  asid02 = 0;
  /** Next ASID to hand out: one per distinct VMCB12 ASID (asidMap). */
  nextAsid = 1;
  /** VMCB12 GUEST_ASID -> the ASID L0 gave it (svm-vmcb02.ts asidFor; APM §15.16). */
  readonly asidMap = new Map<number, number>();
  /**
   * NPT02 (svm-npt02.ts): the shadow of the last VMRUN with nested paging,
   * kept for the next one with the same N_CR3, format and ASID unless
   * TLB_CONTROL asks for a flush (§15.16.1). Its map is a cache.
   */
  npt02: Npt02 | null = null;
  /** L1's TLB entries while L2 runs, L2's while L1 runs (svm-tlb.ts; caches). */
  readonly tlbL1 = new TlbBank();
  readonly tlbL2 = new TlbBank();
  /**
   * L1-physical address whose MSRPM / IOPM msrpm02 / iopm02 hold (merged
   * with L0's bits), NO_MAP for "protection off", -1 for nothing: the merge
   * is redone only when VMCB12 names another map or L1 memory under it was
   * written (svm-vmcb02.ts; caches, -1 after a snapshot restore).
   */
  msrpmFrom = -1;
  iopmFrom = -1;
  /** What the VMRUN consistency checks read when they last passed (svm/vmrun-checks.ts; a cache). */
  readonly checkMemo = new VmrunCheckMemo();
  /** The CPU state VMRUN's instruction checks last passed with (a cache). */
  readonly insnMemo = new VmrunCheckMemo();
  /** Views of the images (VMCB offsets 0..4095). */
  readonly v12: ByteRegion;
  readonly v01: ByteRegion;
  readonly v02: ByteRegion;
  /** The images as DataViews (the state moves of every VMRUN and #VMEXIT). */
  readonly dv12: DataView;
  readonly dv01: DataView;
  readonly dv02: DataView;
  /** VMCB01's save area (0x400..0x6FF), what VMRUN writes to the HSAVE page (svm-vmrun.ts). */
  readonly hsaveImage: Uint8Array;
  /** VMCB12 and VMCB02 as dwords (#VMEXIT copies its fields a dword at a time). */
  readonly w12: Int32Array;
  readonly w02: Int32Array;

  constructor(readonly mem: L1PhysMemory) {
    this.v12 = new ByteRegion(this.vmcb12, 0);
    this.v01 = new ByteRegion(this.vmcb01, 0);
    this.v02 = new ByteRegion(this.vmcb02, 0);
    this.dv12 = new DataView(this.vmcb12.buffer);
    this.dv01 = new DataView(this.vmcb01.buffer);
    this.dv02 = new DataView(this.vmcb02.buffer);
    this.hsaveImage = this.vmcb01.subarray(0x400, 0x700);
    this.w12 = new Int32Array(this.vmcb12.buffer);
    this.w02 = new Int32Array(this.vmcb02.buffer);
    protectBanksOnCodeMark(this, mem, [this.tlbL1, this.tlbL2]);
  }

  /**
   * Drops what L0 keeps only to go faster (snapshot take and restore,
   * debug/snapshot.ts): the TLB banks, NPT02's entries, the merged maps'
   * sources, the consistency-check memo. Dropping them is always allowed (a superset flush, §15.16.1).
   */
  dropCaches(): void {
    this.tlbL1.drop();
    this.tlbL2.drop();
    this.npt02?.flush();
    this.msrpmFrom = -1;
    this.iopmFrom = -1;
    this.checkMemo.drop();
    this.insnMemo.drop();
  }

  /** VM_HSAVE_PA of the running level as a number (valid values are below 2^52). */
  get hsaveAddress(): number {
    return this.hsaveHi * 0x1_0000_0000 + this.hsaveLo;
  }
}
