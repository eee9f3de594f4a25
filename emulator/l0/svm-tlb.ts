// ASID-tagged TLBs for nested SVM (AMD APM vol 2 §15.16 "TLB Control"):
// the vCPU's MMU has one untagged set of TLBs; L0 keeps a bank per level
// (Tlb objects whose arrays Tlb.swap exchanges with the live set in O(1)).
// At VMRUN L1's entries go into L1's bank and L2's come out of L2's; at
// #VMEXIT the other way round. L1's and L2's translations never serve each
// other (a bank is only swapped in, into an empty live set, in the very
// context it was swapped out of), and neither is flushed because the other
// ran.
//
// A bank is dropped (a superset flush is always allowed, §15.16.1):
//  - L2's: TLB_CONTROL != 0 at VMRUN (1 all ASIDs, 3/7 this guest's ASID),
//    another ASID, another NPT02, L2 paging state (CR0/CR3/CR4/EFER) other
//    than when it was swapped out, INVLPGA;
//  - L1's: TLB_CONTROL = 1 (every ASID, the host's too), L1 paging state
//    other than when it was swapped out (never: VMCB01 restores it);
//  - both at snapshot take and restore (caches, snapshot-policy.ts).
// Write entries of a page that becomes code are dropped from the banks too,
// as Mmu.protectCodePage drops them from the live set.
//
// The CPU's block lookup by linear RIP (Cpu.swapFastLookup) moves with the
// TLB entries it was made from, with the Mmu.epoch it was valid under: when
// the entries come back, so does the epoch, and the lookup holds again,
// unless decoded blocks were dropped meanwhile (self-modifying code, the
// debugger: codeGeneration()) or the bank lost entries (drop, flushPage).
import { codeGeneration } from '../x86/cpu';
import type { Cpu } from '../x86/cpu';
import { Tlb, TLB_SIZE } from '../x86/mmu';

/** The TLB entries of the level not running, and the context they were made in. */
export class TlbBank {
  readonly tlbs: Tlb[] = [new Tlb(), new Tlb(), new Tlb(), new Tlb(), new Tlb(), new Tlb()];
  /** Entries kept (false: the bank is empty). */
  valid = false;
  cr0 = 0;
  cr3 = 0;
  cr3Hi = 0;
  cr4 = 0;
  efer = 0;
  asid = 0;
  stage2: object | null = null;
  /** The block lookup kept with the entries (Cpu.swapFastLookup), */
  fastTag: Float64Array = new Float64Array(4096).fill(-1);
  fastEpoch: Float64Array = new Float64Array(4096);
  fastBlock: (import('../x86/cpu').Block | null)[] = new Array(4096).fill(null);
  /** valid under this Mmu.epoch (0: not valid), */
  epoch = 0;
  /** if codeGeneration() is still this. */
  codeGen = 0;

  /** Empties the bank. */
  drop(): void {
    for (const t of this.tlbs) t.flush();
    this.valid = false;
    this.stage2 = null;
    this.epoch = 0;
  }

  /** Drops the entries of linear page `lin` (INVVPID individual-address, vmx-tlb.ts). */
  flushPage(lin: number): void {
    if (!this.valid) return;
    const lpn = Math.floor(lin / 4096), i = lpn & (TLB_SIZE - 1);
    for (const t of this.tlbs) if (t.tag[i] === lpn) t.tag[i] = -1;
    this.epoch = 0; // (the block lookup: all of it)
  }

  /** Drops write entries that point at physical page `pfn` (it now holds decoded code; x86/mmu.ts protectCodePage). */
  protectCodePage(pfn: number): void {
    if (!this.valid) return;
    const base = pfn * 4096;
    for (let k = 2; k < 4; k++) {
      const t = this.tlbs[k], n = t.overflow ? TLB_SIZE : t.nUsed;
      for (let u = 0; u < n; u++) {
        const i = t.overflow ? u : t.used[u];
        if (t.tag[i] !== -1 && t.phys[i] === base) t.tag[i] = -1;
      }
    }
  }
}

/** Moves the vCPU's TLB entries into `bank`, tagged with its paging state, `asid` and second stage; the live set is left empty. */
export function bankOut(cpu: Cpu, bank: TlbBank, asid: number): void {
  if (bank.valid) bank.drop();
  const live = cpu.mmu.tlbs;
  for (let k = 0; k < live.length; k++) {
    const t = bank.tlbs[k];
    if (t.nUsed !== 0 || t.overflow) t.flush();
    if (live[k].nUsed !== 0 || live[k].overflow) live[k].swap(t); // (two empty sets: nothing to move)
  }
  cpu.swapFastLookup(bank);
  bank.epoch = cpu.mmu.epoch;
  bank.codeGen = codeGeneration();
  cpu.mmu.bumpEpoch(); // (the lookup now in place is another bank's: stale)
  bank.valid = true;
  bank.cr0 = cpu.cr0; bank.cr3 = cpu.cr3; bank.cr3Hi = cpu.cr3Hi; bank.cr4 = cpu.cr4; bank.efer = cpu.efer;
  bank.asid = asid;
  bank.stage2 = cpu.mmu.stage2;
}

/**
 * Brings `bank`'s entries back into the vCPU's (just flushed) TLBs if they
 * were made in the context the vCPU is in now; else drops them.
 */
export function bankIn(cpu: Cpu, bank: TlbBank, asid: number): void {
  if (!bank.valid) return;
  const mmu = cpu.mmu;
  if (bank.asid !== asid || bank.stage2 !== mmu.stage2 || bank.cr0 !== cpu.cr0 || bank.cr3 !== cpu.cr3 || bank.cr3Hi !== cpu.cr3Hi
    || bank.cr4 !== cpu.cr4 || bank.efer !== cpu.efer) {
    bank.drop();
    return;
  }
  const live = mmu.tlbs;
  for (let k = 0; k < live.length; k++) {
    if (live[k].nUsed !== 0 || live[k].overflow) live[k].flush();
    const t = bank.tlbs[k];
    if (t.nUsed !== 0 || t.overflow) live[k].swap(t);
  }
  cpu.swapFastLookup(bank);
  // The epoch was only ever in force with this lookup in place (freshEpoch):
  // it validates the lookup's entries and nothing else.
  if (bank.epoch !== 0 && bank.codeGen === codeGeneration()) mmu.epoch = bank.epoch;
  else mmu.bumpEpoch();
  bank.epoch = 0;
  bank.valid = false;
  bank.stage2 = null;
}

const protecting = new WeakSet<object>();

/** Has `mem` (PhysicalMemory) tell the banks when a page becomes code, once per bank owner (host wiring). */
export function protectBanksOnCodeMark(owner: object, mem: unknown, banks: readonly TlbBank[]): void {
  const m = mem as { codeMarkListeners?: ((pfn: number) => void)[] };
  if (protecting.has(owner) || !Array.isArray(m.codeMarkListeners)) return;
  protecting.add(owner);
  m.codeMarkListeners.push((pfn) => { for (const b of banks) b.protectCodePage(pfn); });
}
