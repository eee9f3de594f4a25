// Building VMCB02 from VMCB12 (nested-svm.md §3, AMD APM vol 2 ch. 15) and
// VMCB01's control area. What L0 itself needs is a table per level
// (L0_INTERCEPTS_L1, L0_INTERCEPTS_L2); VMCB02's intercepts are L0's needs
// ORed with VMCB12's (Xen's plain OR; KVM recalc_intercepts), so every exit
// either L0 or L1 wants happens, and svm-nonroot.ts then asks the named
// rule of svm-exit-rules.ts whether L1 wanted it.
import { readPhysInto, physPage } from '../svm/phys';
import type { PhysRead } from '../svm/phys';
import { VMCB_OFF, VINTR_V_GIF, VINTR_V_GIF_ENABLE, NESTED_CTL_NP_ENABLE, TLB_CONTROL } from '../svm/vmcb-layout';
import { interceptBitOf, INTERCEPT_WORDS, IOPM_SIZE, MSRPM_SIZE, msrpmBit, vmcbIopmBase, vmcbMsrpmBase } from '../svm/intercepts';
import type { SvmVcpuState } from './svm-state';
import { MSR_VM_CR, MSR_VM_HSAVE_PA } from './svm-msrs';

const O = VMCB_OFF;
const TWO32 = 0x1_0000_0000;

/**
 * What L0 intercepts while L1 runs (VMCB01): the SVM instructions it
 * emulates (VMRUN is mandatory, §15.5.1; VMLOAD/VMSAVE/STGI/CLGI/SKINIT/
 * INVLPGA act on state L0 owns), the SVM MSRs (MSR_PROT with those bits in
 * its MSRPM), and SHUTDOWN (a triple-faulting L1 is reported by L0).
 */
export const L0_INTERCEPTS_L1: readonly string[] = ['VMRUN', 'VMLOAD', 'VMSAVE', 'STGI', 'CLGI', 'SKINIT', 'INVLPGA', 'MSR_PROT', 'SHUTDOWN'];

/**
 * What L0 needs while L2 runs (VMCB02, before ORing VMCB12's): the same SVM
 * instructions — without virtual VMLOAD/VMSAVE a non-intercepted VMLOAD in
 * L2 would touch "host" memory, so L0 catches it (nested-svm.md §8) —, the
 * SVM MSRs (L2 gets its own VM_CR/VM_HSAVE_PA, svm-msrs.ts) and SHUTDOWN.
 * L0 owns no interrupt sources of its own (every device belongs to L1), so
 * it needs neither INTR nor NMI; it drops nothing of VMCB12's.
 */
export const L0_INTERCEPTS_L2: readonly string[] = ['VMRUN', 'VMLOAD', 'VMSAVE', 'STGI', 'CLGI', 'SKINIT', 'INVLPGA', 'MSR_PROT', 'SHUTDOWN'];

/** MSRs L0 keeps in its own MSRPM for both levels (read and write). */
export const L0_MSRS: readonly number[] = [MSR_VM_CR, MSR_VM_HSAVE_PA];

function setIntercepts(words: Uint32Array, names: readonly string[]): void {
  for (const n of names) {
    const g = interceptBitOf(n);
    words[g >>> 5] |= 1 << (g & 31);
  }
}

const L0_WORDS_L1 = new Uint32Array(INTERCEPT_WORDS);
setIntercepts(L0_WORDS_L1, L0_INTERCEPTS_L1);
const L0_WORDS_L2 = new Uint32Array(INTERCEPT_WORDS);
setIntercepts(L0_WORDS_L2, L0_INTERCEPTS_L2);

function setMsrpm(map: Uint8Array, msrs: readonly number[]): void {
  for (const m of msrs) {
    for (const w of [false, true]) {
      const b = msrpmBit(m, w);
      if (b >= 0) map[b >>> 3] |= 1 << (b & 7);
    }
  }
}

function put64(dv: DataView, off: number, lo: number, hi: number): void {
  dv.setUint32(off, lo >>> 0, true);
  dv.setUint32(off + 4, hi >>> 0, true);
}

function copy(dst: Uint8Array, src: Uint8Array, off: number, len: number): void {
  for (let k = 0; k < len; k++) dst[off + k] = src[off + k];
}

// ---- the merged permission maps (APM §15.10, §15.11) ----

/** msrpmFrom / iopmFrom of a map whose protection bit is off in VMCB12: L0's bits alone. */
export const NO_MAP = -2;

/** What the write tracking needs of L1 memory (PhysicalMemory). */
interface TrackedMemory {
  onCodeWrite: ((pfn: number) => void) | null;
  markCode(pfn: number): void;
  isRam(addr: number): boolean;
}

function trackable(mem: unknown): TrackedMemory | null {
  const m = mem as Partial<TrackedMemory>;
  return typeof m.markCode === 'function' && typeof m.isRam === 'function' && 'onCodeWrite' in m ? (m as TrackedMemory) : null;
}

/** States whose merged maps follow writes to L1 memory (host wiring, kept across snapshot restores). */
const tracking = new WeakSet<SvmVcpuState>();

/**
 * A write to a page under a merged map's source invalidates the merge. The
 * pages are marked as code (PhysicalMemory.markCode) so every write to them
 * reaches onCodeWrite, as snapshot-ram.ts tracks dirty pages; the first
 * write clears the mark and the next merge sets it again.
 */
function track(s: SvmVcpuState, mem: TrackedMemory): void {
  if (tracking.has(s)) return;
  tracking.add(s);
  const prev = mem.onCodeWrite;
  mem.onCodeWrite = (pfn) => {
    prev?.(pfn);
    const a = pfn * 4096;
    if (s.msrpmFrom >= 0 && a >= s.msrpmFrom && a < s.msrpmFrom + MSRPM_SIZE) s.msrpmFrom = -1;
    if (s.iopmFrom >= 0 && a >= s.iopmFrom && a < s.iopmFrom + IOPM_SIZE) s.iopmFrom = -1;
  };
}

/**
 * `dst` := the map of `size` bytes at L1-physical `base` (NO_MAP: zeros),
 * read as the byte reads of a copy make them. Returns the `from` to record:
 * `base` when later writes under it are tracked, else -1 (merge again).
 */
function loadMap(s: SvmVcpuState, l1mem: PhysRead, dst: Uint8Array, base: number, size: number): number {
  if (base === NO_MAP) { dst.fill(0); return NO_MAP; }
  for (let k = 0; k < size; k += 4096) {
    if (physPage(l1mem, base + k) !== null) readPhysInto(l1mem, base + k, dst, k, 4096);
    else for (let j = k; j < Math.min(k + 4096, size); j++) dst[j] = l1mem.read(base + j, 1);
  }
  const tm = trackable(l1mem);
  if (tm === null || base % 4096 !== 0) return -1;
  for (let k = 0; k < size; k += 4096) if (!tm.isRam(base + k)) return -1;
  track(s, tm);
  for (let k = 0; k < size; k += 4096) tm.markCode((base + k) / 4096);
  return base;
}

/** VMCB01's control area: L0's intercepts of L1, ASID 1, L0's MSRPM (APM §15.5.1, §15.16). */
export function initVmcb01(s: SvmVcpuState): void {
  const dv = new DataView(s.vmcb01.buffer);
  for (let w = 0; w < INTERCEPT_WORDS; w++) dv.setUint32(w * 4, L0_WORDS_L1[w], true);
  dv.setUint32(O.GUEST_ASID, 1, true);
}

/** A signed 64-bit VMCB value as a number (TSC offsets; exact below 2^53). */
export function signed64(v: PhysRead, off: number): number {
  return (v.read(off + 4, 4) | 0) * TWO32 + (v.read(off, 4) >>> 0);
}

/** Halves of a signed number (two's complement for negatives). */
export function halves(x: number): [number, number] {
  const hi = Math.floor(x / TWO32);
  return [(x - hi * TWO32) >>> 0, hi >>> 0];
}

/**
 * The ASID L0 gives L2 (APM §15.16: ASIDs tag TLB entries; L1's ASIDs name
 * L1's guests, L0 maps each to one of its own). It is what VMCB02 shows and
 * the tag of the L2 TLB entries L0 keeps across #VMEXITs (svm-tlb.ts).
 */
function asidFor(s: SvmVcpuState, asid12: number): number {
  const a = s.asidMap;
  let x = a.get(asid12);
  if (x === undefined) {
    x = 1 + s.nextAsid++; // ASID 1 is L1's (VMCB01)
    a.set(asid12, x);
  }
  return x;
}

export interface Vmcb02Options {
  /** The CPU model advertises NRIPS (CPUID 8000_000A EDX[3]). */
  nrips: boolean;
  /** The CPU model advertises vGIF (EDX[16]). */
  vgif: boolean;
  /** L1's TSC offset (the vCPU's while L1 runs). */
  l1TscOffset: number;
  /** L1 physical memory (the permission maps VMCB12 points at). */
  l1mem: PhysRead;
  /** L2's RIP (NRIP stand-in without NRIPS). */
  l2RipLo: number;
  l2RipHi: number;
}

/**
 * The control area of VMCB02 (nested-svm.md §3 table). The save area is
 * filled by the caller from the vCPU after loading VMCB12's guest state, so
 * VMCB02 shows exactly what runs.
 */
export function buildVmcb02Control(s: SvmVcpuState, o: Vmcb02Options): void {
  const v12 = s.v12, img = s.vmcb02, b12 = s.vmcb12, d12 = s.dv12;
  img.fill(0, 0, 0x400);
  const dv = s.dv02;
  // Intercepts: L0's | VMCB12's (Xen; KVM recalc_intercepts also ORs).
  for (let w = 0; w < INTERCEPT_WORDS; w++) dv.setUint32(w * 4, (L0_WORDS_L2[w] | d12.getUint32(w * 4, true)) >>> 0, true);
  // Permission maps (§15.10, §15.11): L0-owned merged copies. VMCB02 points
  // at them symbolically (0): they live in L0, not in any guest's memory.
  const misc1 = d12.getUint32(O.INTERCEPT_MISC1, true);
  const ioProt = ((misc1 >>> 27) & 1) === 1;
  const msrProt = ((misc1 >>> 28) & 1) === 1;
  // Merged again only when VMCB12 names another map or L1 wrote under it.
  const iopmAt = ioProt ? vmcbIopmBase(v12) : NO_MAP, msrpmAt = msrProt ? vmcbMsrpmBase(v12) : NO_MAP;
  if (s.iopmFrom !== iopmAt) s.iopmFrom = loadMap(s, o.l1mem, s.iopm02, iopmAt, IOPM_SIZE);
  if (s.msrpmFrom !== msrpmAt) {
    s.msrpmFrom = loadMap(s, o.l1mem, s.msrpm02, msrpmAt, MSRPM_SIZE);
    setMsrpm(s.msrpm02, L0_MSRS);
  }
  // TSC offset: L1's plus VMCB12's (§15.30.5; no TSC scaling advertised).
  const tsc = o.l1TscOffset + ((d12.getInt32(O.TSC_OFFSET + 4, true) * TWO32) + d12.getUint32(O.TSC_OFFSET, true));
  const thi = Math.floor(tsc / TWO32);
  put64(dv, O.TSC_OFFSET, tsc - thi * TWO32, thi);
  // ASID chosen by L0 (§15.16). TLB_CONTROL: L1's (as Xen copies it): L0
  // flushes L2's ASID exactly when L1 asks (svm-vmrun.ts, svm-tlb.ts),
  // and beyond that only when L2's paging context changed (a superset
  // flush is always allowed, §15.16.1).
  s.asid02 = asidFor(s, d12.getUint32(O.GUEST_ASID, true));
  dv.setUint32(O.GUEST_ASID, s.asid02, true);
  img[O.TLB_CONTROL] = b12[O.TLB_CONTROL];
  // VINTR (§15.21): L1's virtual-interrupt settings. L0 has no interrupt
  // source of its own (KVM forces V_INTR_MASKING=1 to keep host interrupts;
  // here every interrupt is L1's), so L1's V_INTR_MASKING stands. vGIF bits
  // only if vGIF is advertised.
  let vintr = d12.getUint32(O.VINTR, true);
  if (!o.vgif) vintr &= ~(VINTR_V_GIF | VINTR_V_GIF_ENABLE);
  put64(dv, O.VINTR, vintr, d12.getUint32(O.VINTR + 4, true));
  put64(dv, O.INTERRUPT_STATE, d12.getUint32(O.INTERRUPT_STATE, true) & 1, 0);
  copy(img, b12, O.EVENTINJ, 8);
  // Nested paging: NPT02 = NPT12 ∘ L1-physical (svm-npt02.ts); without NP
  // in VMCB12, L2 uses L1-physical memory directly (L0 runs L1 without NPT).
  // N_CR3 shows NPT12's root: NPT02 is L0's lazily filled map, not a table
  // in any guest's memory.
  if (d12.getUint32(O.NESTED_CTL, true) & NESTED_CTL_NP_ENABLE) {
    dv.setUint32(O.NESTED_CTL, NESTED_CTL_NP_ENABLE, true);
    copy(img, b12, O.N_CR3, 8);
  }
  // NRIP input for soft-event injection (§15.20): VMCB12's with NRIPS,
  // else the L2 RIP, as a CPU without NRIPS behaves (nested-svm.md §11.5).
  if (o.nrips) copy(img, b12, O.NRIP, 8);
  else put64(dv, O.NRIP, o.l2RipLo, o.l2RipHi);
  // Clean bits 0: L0 reloads everything on every VMRUN. Always correct:
  // a clear bit only says "reload" (APM §15.15.3), and VMCB12's clean bits
  // are never trusted (nested-svm.md §11.11).
  dv.setUint32(O.VMCB_CLEAN, 0, true);
}

/** Does VMCB02 intercept global bit / exit code `code` (< 0xC0)? ("hardware" check of the merged VMCB). */
export function vmcb02Intercepts(s: SvmVcpuState, code: number): boolean {
  return ((s.vmcb02[(code >>> 3)] >>> (code & 7)) & 1) === 1;
}

/** The merged MSRPM's decision (MSRs outside the mapped ranges always exit, §15.11). */
export function msrpm02Intercepts(s: SvmVcpuState, msr: number, write: boolean): boolean {
  const b = msrpmBit(msr, write);
  return b < 0 || ((s.msrpm02[b >>> 3] >>> (b & 7)) & 1) === 1;
}

/** The merged IOPM's decision for an access of `size` bytes at `port` (§15.10.1). */
export function iopm02Intercepts(s: SvmVcpuState, port: number, size: number): boolean {
  port &= 0xffff;
  const first = port >>> 3, shift = port & 7;
  let bits = s.iopm02[first];
  if (shift + size > 8) bits |= s.iopm02[first + 1] << 8;
  return (bits & (((1 << size) - 1) << shift)) !== 0;
}
