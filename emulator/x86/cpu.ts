// One vCPU: memory access through the TLBs, effective addresses, operand
// slots, the stack, the decoded-block cache and the run loop. Instruction
// semantics live in exec/; exception delivery in exec/interrupts.ts.
import { CpuState, CpuMode } from './state';
import { Mmu, Access, Tlb, TLB_SIZE } from './mmu';
import { CpuFault } from './fault';
import { Insn, OpKind, BASE_RIP } from './decode/insn';
import { decode, DecodeTables } from './decode/decoder';
import { F } from './decode/table-types';
import { CpuPlatform } from './platform';
import { CpuModelLike } from './model';
import { foldedHi } from './canon';
import { CR0_PE, EFER_LMA, SS, CS, FS, GS } from './regs';
import { AR_DB, AR_L, AR_UNUSABLE } from './state';
import { getFlags, testCond, getCF } from './flags';
import { compileBlock, CompiledBlock } from './jit';

const TWO32 = 0x1_0000_0000;
const MAX_BLOCK = 64;

/** A straight-line run of decoded instructions from one physical page. */
export interface Block {
  insns: Insn[]; n: number; key: number; pfn: number;
  /** Times interpreted; at JIT_THRESHOLD the block is compiled (jit.ts). */
  hits: number;
  fn: CompiledBlock | null;
}

/** Interpretations before a block is compiled: cold code is not worth generating. */
const JIT_THRESHOLD = 16;

/** Why run() returned. */
export const enum Stop { Budget = 0, Halted = 1, Requested = 2, TripleFault = 3, WaitSipi = 4, Breakpoint = 5 }

/** Hooks for exception delivery and other cross-cutting pieces installed by exec/. */
export interface CpuHooks {
  deliverFault(cpu: Cpu, f: CpuFault): void;
  checkInterrupts(cpu: Cpu): void;
}

// Counts drops of decoded blocks by any vCPU (invalidateCode, flushCodeCache):
// a block lookup kept aside (swapFastLookup) holds only if it did not change.
// A module variable, not a field: snapshots must not rewind it.
let codeGen = 0;

/** The number of times decoded blocks were dropped so far (only grows). */
export function codeGeneration(): number { return codeGen; }

/** A block lookup kept aside with a TLB bank (Cpu.swapFastLookup). */
export interface FastLookup {
  fastTag: Float64Array;
  fastEpoch: Float64Array;
  fastBlock: (Block | null)[];
}

export class Cpu extends CpuState {
  readonly mmu: Mmu;
  /** Read/write TLBs for the current privilege (user = CPL 3). */
  rt: Tlb;
  wt: Tlb;
  /** Address of the instruction after the one executing; branches overwrite it. */
  nextRip = 0;
  /** Second return value for 64-bit reads (bits 63:32). */
  hi = 0;
  /** Linear address of the memory operand of the executing instruction. */
  opLin = 0;
  /** Set to leave the current block after this instruction (mode change, code write, device request). */
  exitBlock = false;
  /** A stop requested from outside (debug-exit, breakpoint, triple fault). */
  stopReason = Stop.Budget;
  stopRequested = false;
  private cache = new Map<number, Block>();
  // Direct-mapped lookup by linear RIP + mode + user: an entry is valid while
  // mmu.epoch is the one it was stamped with. Nested SVM/VMX keep one per
  // TLB bank (swapFastLookup, l0/svm-tlb.ts), so it survives world switches.
  private fastTag: Float64Array = new Float64Array(4096).fill(-1);
  private fastEpoch: Float64Array = new Float64Array(4096);
  private fastBlock: (Block | null)[] = new Array(4096).fill(null);
  private pageBlocks = new Map<number, number[]>();
  /** Per-instruction mode for the decoder: code size 2, 4, 8. */
  codeSize = 2;
  hooks: CpuHooks | null = null;
  /** Event delivery in progress (for #DF / triple-fault rules): -1 none, else vector. */
  delivering = -1;
  /** The instruction being executed (for diagnostics). */
  cur: Insn | null = null;
  /** Index of the executing instruction inside its block (precise faults, Cpu.now); 0 between blocks. */
  jk = 0;
  /** Set false to run the interpreter only (tests of the compiled tier compare both). */
  jitEnabled = true;
  /**
   * Debugger breakpoints (linear addresses): run() returns Stop.Breakpoint
   * before executing an instruction at one of them, and blocks end before
   * them. The debugger calls flushCodeCache() when the set changes.
   */
  breakAt: Set<number> | null = null;
  /** Resuming from a breakpoint: do not stop again at this icount. */
  breakSkipIcount = -1;

  constructor(
    readonly id: number,
    readonly plat: CpuPlatform,
    readonly tables: DecodeTables,
    readonly model: CpuModelLike,
    readonly apicId: number = id,
  ) {
    super();
    this.mmu = new Mmu(this, plat.mem, model.physAddrBits);
    this.rt = this.mmu.tlbs[0];
    this.wt = this.mmu.tlbs[2];
    const prev = plat.mem.onCodeWrite;
    plat.mem.onCodeWrite = (pfn) => { prev?.(pfn); this.invalidateCode(pfn); };
    plat.mem.codeMarkListeners.push((pfn) => this.mmu.protectCodePage(pfn));
  }

  // ---------------------------------------------------------------- state

  setCpl(cpl: number): void {
    this.cpl = cpl;
    const u = cpl === 3 ? 1 : 0;
    this.rt = this.mmu.tlbs[u];
    this.wt = this.mmu.tlbs[2 + u];
  }

  /** Recomputes the decode mode from CR0.PE, EFER.LMA, CS.L/D (SDM vol 3A, 5.2.1). */
  updateMode(): void {
    const ar = this.segAr[CS];
    let mode: CpuMode;
    if (!(this.cr0 & CR0_PE)) mode = CpuMode.Real;
    else if (this.efer & EFER_LMA) mode = ar & AR_L ? CpuMode.Long64 : ar & AR_DB ? CpuMode.Compat32 : CpuMode.Compat16;
    else mode = ar & AR_DB ? CpuMode.Prot32 : CpuMode.Prot16;
    this.mode = mode;
    this.codeSize = mode === CpuMode.Long64 ? 8 : mode === CpuMode.Prot32 || mode === CpuMode.Compat32 ? 4 : 2;
    this.exitBlock = true;
  }

  get long64(): boolean { return this.mode === CpuMode.Long64; }

  /** Stack width in bytes: 8 in 64-bit mode, else SS.B (SDM vol 1, 6.2.3). */
  get stackSize(): number {
    return this.mode === CpuMode.Long64 ? 8 : this.segAr[SS] & AR_DB ? 4 : 2;
  }

  /** 64-bit RIP halves. */
  ripHi(): number { return this.mode === CpuMode.Long64 ? foldedHi(this.rip) : 0; }

  // ------------------------------------------------------------ registers

  /** Reads a GPR of `size` bytes; for size 8 the high half goes to this.hi. */
  getReg(r: number, size: number): number {
    const v = this.regs[r << 1];
    if (size === 4) return v >>> 0;
    if (size === 8) { this.hi = this.regs[(r << 1) + 1]; return v >>> 0; }
    if (size === 2) return v & 0xffff;
    return v & 0xff;
  }

  /** Writes a GPR; 32-bit writes zero bits 63:32 (SDM vol 1, 3.4.1.1). */
  setReg(r: number, size: number, lo: number, hi = 0): void {
    const k = r << 1;
    if (size === 4) { this.regs[k] = lo; this.regs[k + 1] = 0; }
    else if (size === 8) { this.regs[k] = lo; this.regs[k + 1] = hi; }
    else if (size === 2) this.regs[k] = (this.regs[k] & ~0xffff) | (lo & 0xffff);
    else this.regs[k] = (this.regs[k] & ~0xff) | (lo & 0xff);
  }

  getReg8H(r: number): number { return (this.regs[r << 1] >> 8) & 0xff; }
  setReg8H(r: number, v: number): void { const k = r << 1; this.regs[k] = (this.regs[k] & ~0xff00) | ((v & 0xff) << 8); }

  /** Adds a signed delta to a register of `size` bytes (RSI/RDI/RCX/RSP updates), wrapping at that size. */
  addReg(r: number, size: number, delta: number): void {
    const k = r << 1;
    if (size === 8) {
      const t = (this.regs[k] >>> 0) + delta;
      this.regs[k] = t | 0;
      this.regs[k + 1] = (this.regs[k + 1] + Math.floor(t / TWO32)) | 0;
    } else if (size === 4) { this.regs[k] = ((this.regs[k] >>> 0) + delta) | 0; this.regs[k + 1] = 0; }
    else this.regs[k] = (this.regs[k] & ~0xffff) | (((this.regs[k] & 0xffff) + delta) & 0xffff);
  }

  // -------------------------------------------------------------- memory

  read8(lin: number): number {
    const lpn = Math.floor(lin / 4096);
    const t = this.rt;
    const x = lpn & (TLB_SIZE - 1);
    if (t.tag[x] === lpn) { const p = t.page[x]; if (p) return p[lin & 0xfff]; }
    return this.plat.mem.read8(this.mmu.translate(lin, Access.Read, this.cpl === 3));
  }

  read16(lin: number): number {
    const off = lin & 0xfff;
    if (off <= 0xffe) {
      const lpn = Math.floor(lin / 4096);
      const t = this.rt;
      const x = lpn & (TLB_SIZE - 1);
      if (t.tag[x] === lpn) { const p = t.page[x]; if (p) return p[off] | (p[off + 1] << 8); }
      return this.plat.mem.read(this.mmu.translate(lin, Access.Read, this.cpl === 3), 2);
    }
    return this.read8(lin) | (this.read8(lin + 1) << 8);
  }

  read32(lin: number): number {
    const off = lin & 0xfff;
    if (off <= 0xffc) {
      const lpn = Math.floor(lin / 4096);
      const t = this.rt;
      const x = lpn & (TLB_SIZE - 1);
      if (t.tag[x] === lpn) {
        const p = t.page[x];
        if (p) return (p[off] | (p[off + 1] << 8) | (p[off + 2] << 16) | (p[off + 3] << 24)) >>> 0;
      }
      return this.plat.mem.read(this.mmu.translate(lin, Access.Read, this.cpl === 3), 4);
    }
    return (this.read16(lin) | (this.read16(lin + 2) << 16)) >>> 0;
  }

  /** 64-bit read: returns bits 31:0, bits 63:32 in this.hi. */
  read64(lin: number): number {
    const lo = this.read32(lin);
    this.hi = this.read32(lin + 4) | 0;
    return lo;
  }

  readSize(lin: number, size: number): number {
    if (size === 4) return this.read32(lin);
    if (size === 8) return this.read64(lin);
    if (size === 2) return this.read16(lin);
    return this.read8(lin);
  }

  write8(lin: number, v: number): void {
    const lpn = Math.floor(lin / 4096);
    const t = this.wt;
    const x = lpn & (TLB_SIZE - 1);
    if (t.tag[x] === lpn) { const p = t.page[x]; if (p) { p[lin & 0xfff] = v; return; } }
    this.plat.mem.write8(this.mmu.translate(lin, Access.Write, this.cpl === 3), v & 0xff);
  }

  write16(lin: number, v: number): void {
    const off = lin & 0xfff;
    if (off <= 0xffe) {
      const lpn = Math.floor(lin / 4096);
      const t = this.wt;
      const x = lpn & (TLB_SIZE - 1);
      if (t.tag[x] === lpn) { const p = t.page[x]; if (p) { p[off] = v; p[off + 1] = v >> 8; return; } }
      this.plat.mem.write(this.mmu.translate(lin, Access.Write, this.cpl === 3), 2, v & 0xffff);
      return;
    }
    // Page-crossing: translate both pages, first page first (CR2 = the first
    // faulting byte), before writing either (no partial write on #PF).
    this.crossCheck(lin);
    this.write8(lin, v);
    this.write8(lin + 1, v >> 8);
  }

  write32(lin: number, v: number): void {
    const off = lin & 0xfff;
    if (off <= 0xffc) {
      const lpn = Math.floor(lin / 4096);
      const t = this.wt;
      const x = lpn & (TLB_SIZE - 1);
      if (t.tag[x] === lpn) {
        const p = t.page[x];
        if (p) { p[off] = v; p[off + 1] = v >> 8; p[off + 2] = v >> 16; p[off + 3] = v >> 24; return; }
      }
      this.plat.mem.write(this.mmu.translate(lin, Access.Write, this.cpl === 3), 4, v >>> 0);
      return;
    }
    this.crossCheck(lin);
    for (let k = 0; k < 4; k++) this.write8(lin + k, v >>> (8 * k));
  }

  write64(lin: number, lo: number, hi: number): void {
    if ((lin & 0xfff) > 0xff8) this.crossCheck(lin);
    this.write32(lin, lo);
    this.write32(lin + 4, hi);
  }

  writeSize(lin: number, size: number, lo: number, hi = 0): void {
    if (size === 4) this.write32(lin, lo);
    else if (size === 8) this.write64(lin, lo, hi);
    else if (size === 2) this.write16(lin, lo);
    else this.write8(lin, lo);
  }

  /** Checks a write would succeed (translation + permissions) without writing. */
  probeWrite(lin: number, size: number): void {
    if ((lin & 0xfff) + size > 0x1000) this.crossCheck(lin);
    else this.mmu.translate(lin, Access.Write, this.cpl === 3);
  }

  /**
   * A write that crosses into the next page: both pages must be writable
   * before any byte is written; a fault on the second page reports its first
   * byte in CR2, as hardware does (checked against this machine's CPU).
   */
  private crossCheck(lin: number): void {
    this.mmu.translate(lin, Access.Write, this.cpl === 3);
    this.mmu.translate(lin - (lin % 4096) + 4096, Access.Write, this.cpl === 3);
  }

  /** Supervisor ("implicit") accesses to system structures: GDT, IDT, TSS (SDM vol 3A, 4.6). */
  readSys(lin: number, size: 1 | 2 | 4): number {
    if (size === 1 || (lin & 0xfff) + size <= 0x1000) return this.plat.mem.read(this.mmu.translate(lin, Access.Read, false, true), size);
    let v = 0;
    for (let k = size - 1; k >= 0; k--) v = v * 256 + this.plat.mem.read8(this.mmu.translate(lin + k, Access.Read, false, true));
    return v >>> 0;
  }

  writeSys(lin: number, size: 1 | 2 | 4, v: number): void {
    for (let k = 0; k < size; k++) this.plat.mem.write8(this.mmu.translate(lin + k, Access.Write, false, true), (v >>> (8 * k)) & 0xff);
  }

  // ------------------------------------------------- effective addresses

  /**
   * Linear address of the instruction's memory operand for an access of
   * `size` bytes: segmentation (limit checks outside 64-bit mode, SDM vol 3A,
   * 5.3) and the canonical check in 64-bit mode (SDM vol 3A, 6.15 #GP/#SS).
   */
  ea(i: Insn, size: number): number {
    const seg = i.seg;
    if (i.asize === 8 || (this.mode === CpuMode.Long64)) {
      let lo = 0, hi = 0;
      if (i.base >= 0) {
        if (i.base === BASE_RIP) { lo = this.nextRip >>> 0; hi = foldedHi(this.nextRip); }
        else { const k = i.base << 1; lo = this.regs[k] >>> 0; hi = this.regs[k + 1]; }
      }
      let t = lo + i.disp;
      if (i.index >= 0) {
        const k = i.index << 1;
        t += (this.regs[k] >>> 0) * (1 << i.scale);
        hi = (hi + (this.regs[k + 1] << i.scale)) | 0;
      }
      // moffs64 carries its own high half; disp32 sign-extends through the carry below.
      if (i.base === -1 && i.index === -1) hi = i.dispHi;
      lo = t >>> 0;
      hi = (hi + Math.floor(t / TWO32)) | 0;
      if (i.asize === 4) hi = 0;
      if (seg === FS || seg === GS) {
        const b = this.segBase[seg];
        const t2 = lo + (b >>> 0);
        lo = t2 >>> 0;
        hi = (hi + foldedHi(b) + Math.floor(t2 / TWO32)) | 0;
      }
      if (((hi << 16) >> 16) !== hi) throw new CpuFault(seg === SS ? 12 : 13, 0, 0, 'non-canonical address');
      return (hi & 0xffff) * TWO32 + lo;
    }
    let off: number;
    if (i.base === -1 && i.index === -1) off = i.disp;
    else {
      off = i.disp;
      if (i.base >= 0) off += this.regs[i.base << 1] >>> 0;
      if (i.index >= 0) off += (this.regs[i.index << 1] >>> 0) * (1 << i.scale);
    }
    off = i.asize === 2 ? off & 0xffff : off >>> 0;
    return this.segAddr(seg, off, size);
  }

  /** Segment base + offset with the limit check (outside 64-bit mode). */
  segAddr(seg: number, off: number, size: number): number {
    if (this.mode === CpuMode.Long64) {
      if (seg === FS || seg === GS) {
        const lin = off + this.segBase[seg];
        return lin >= 0x1_0000_0000_0000 ? lin - 0x1_0000_0000_0000 : lin;
      }
      return off;
    }
    const ar = this.segAr[seg];
    // A null (unusable) segment faults on any use outside 64-bit mode (SDM vol 3A, 3.4.2).
    if (ar & AR_UNUSABLE) throw new CpuFault(seg === SS ? 12 : 13, 0, 0, 'access through a null segment');
    const lim = this.segLimit[seg];
    // Expand-down data segments (type bit 2 with S=1, not code) invert the check (SDM vol 3A, 5.3).
    if ((ar & 0x1c) === 0x14) {
      const upper = ar & AR_DB ? 0xffffffff : 0xffff;
      if (off <= lim || off + size - 1 > upper) throw new CpuFault(seg === SS ? 12 : 13, 0, 0, 'expand-down segment limit');
    } else if (lim !== 0xffffffff && off + size - 1 > lim) {
      if (this.mode !== CpuMode.Real || off + size - 1 > 0xffff) {
        throw new CpuFault(seg === SS ? 12 : 13, 0, 0, `segment limit: offset 0x${off.toString(16)} > 0x${lim.toString(16)}`);
      }
    }
    return (this.segBase[seg] + off) % TWO32;
  }

  /**
   * Writes need a writable data segment outside 64-bit mode: code segments and
   * read-only data segments give #GP(0) (#SS(0) for SS) (SDM vol 3A, 5.5 and 6.15).
   */
  checkWritable(seg: number): void {
    const ar = this.segAr[seg];
    if (this.mode === CpuMode.Real) return;
    if ((ar & 0x18) !== 0x10 || (ar & 2) === 0) throw new CpuFault(seg === SS ? 12 : 13, 0, 0, 'write to a read-only or code segment');
  }

  /** Machine time at the executing instruction (instructions retired, exact inside a block). */
  now(): number { return this.plat.clock.ticks + this.jk; }

  // ---------------------------------------------------------- operands

  /** Reads operand slot n (0..2); 64-bit high half in this.hi. Memory operands set opLin. */
  rd(i: Insn, n: number): number {
    let k: number, r: number, s: number;
    if (n === 0) { k = i.k0; r = i.r0; s = i.s0; } else if (n === 1) { k = i.k1; r = i.r1; s = i.s1; } else { k = i.k2; r = i.r2; s = i.s2; }
    switch (k) {
      case OpKind.Reg: return this.getReg(r, s);
      case OpKind.Mem: { const lin = this.ea(i, s); this.opLin = lin; return this.readSize(lin, s); }
      case OpKind.Imm: this.hi = i.immHi; return i.imm;
      case OpKind.Reg8H: return this.getReg8H(r);
      case OpKind.Const: this.hi = 0; return r;
      default: throw new Error(`rd: operand kind ${k} is not a value operand`);
    }
  }

  /** Writes operand slot n. For memory, uses opLin when `reuse` (read-modify-write). */
  wr(i: Insn, n: number, lo: number, hi = 0, reuse = false): void {
    let k: number, r: number, s: number;
    if (n === 0) { k = i.k0; r = i.r0; s = i.s0; } else if (n === 1) { k = i.k1; r = i.r1; s = i.s1; } else { k = i.k2; r = i.r2; s = i.s2; }
    switch (k) {
      case OpKind.Reg: this.setReg(r, s, lo, hi); return;
      case OpKind.Mem:
        if (this.mode !== CpuMode.Long64) this.checkWritable(i.seg);
        this.writeSize(reuse ? this.opLin : this.ea(i, s), s, lo, hi);
        return;
      case OpKind.Reg8H: this.setReg8H(r, lo); return;
      default: throw new Error(`wr: operand kind ${k} is not writable`);
    }
  }

  // -------------------------------------------------------------- stack

  /** Pushes `size` bytes (2, 4, 8). Checks the write before moving RSP. */
  push(size: number, lo: number, hi = 0): void {
    const ss = this.stackSize;
    const sp = this.getReg(4, ss === 8 ? 8 : ss);
    const spHi = ss === 8 ? this.hi : 0;
    let lin: number;
    if (ss === 8) {
      const t = sp - size;
      const nlo = t >>> 0;
      const nhi = (spHi + Math.floor(t / TWO32)) | 0;
      if (((nhi << 16) >> 16) !== nhi) throw new CpuFault(12, 0, 0, 'non-canonical stack');
      lin = (nhi & 0xffff) * TWO32 + nlo;
      this.writeSize(lin, size, lo, hi);
      this.regs[8] = nlo | 0; this.regs[9] = nhi;
    } else {
      const nsp = ss === 4 ? (sp - size) >>> 0 : (sp - size) & 0xffff;
      lin = this.segAddr(SS, nsp, size);
      this.writeSize(lin, size, lo, hi);
      this.setReg(4, ss, nsp);
    }
  }

  /** Pops `size` bytes; high half in this.hi. RSP moves only after the read succeeds. */
  pop(size: number): number {
    const v = this.peek(size, 0);
    const h = this.hi;
    this.addReg(4, this.stackSize, size);
    this.hi = h;
    return v;
  }

  /** Reads `size` bytes at RSP + offset without popping. */
  peek(size: number, offset: number): number {
    const ss = this.stackSize;
    if (ss === 8) {
      const t = (this.regs[8] >>> 0) + offset;
      const hi = (this.regs[9] + Math.floor(t / TWO32)) | 0;
      if (((hi << 16) >> 16) !== hi) throw new CpuFault(12, 0, 0, 'non-canonical stack');
      return this.readSize((hi & 0xffff) * TWO32 + (t >>> 0), size);
    }
    const sp = ss === 4 ? ((this.regs[8] >>> 0) + offset) >>> 0 : ((this.regs[8] & 0xffff) + offset) & 0xffff;
    return this.readSize(this.segAddr(SS, sp, size), size);
  }

  // ---------------------------------------------------------- decoding

  /** Linear address of RIP. */
  ripLinear(): number {
    return this.mode === CpuMode.Long64 ? this.rip : (this.segBase[CS] + this.rip) % TWO32;
  }

  private invalidateCode(pfn: number): void {
    const keys = this.pageBlocks.get(pfn);
    if (keys) for (const k of keys) this.cache.delete(k);
    this.pageBlocks.delete(pfn);
    this.plat.mem.codePages[pfn] = 0;
    this.exitBlock = true;
    this.mmu.bumpEpoch();
    codeGen++;
  }

  /**
   * Exchanges the block lookup with `o` (a TLB bank's, l0/svm-tlb.ts), as
   * Tlb.swap exchanges the TLBs: its entries hold for the translations of
   * the TLBs they move with, under the epoch of the moment they were swapped
   * out, and unless codeGeneration() changed since (blocks were dropped).
   */
  swapFastLookup(o: FastLookup): void {
    const tag = this.fastTag, ep = this.fastEpoch, blk = this.fastBlock;
    this.fastTag = o.fastTag; this.fastEpoch = o.fastEpoch; this.fastBlock = o.fastBlock;
    o.fastTag = tag; o.fastEpoch = ep; o.fastBlock = blk;
  }

  /** Drops every decoded block (used when the debugger writes memory, on reset). */
  flushCodeCache(): void {
    // codePages stays set: other vCPUs may still hold blocks of those pages.
    this.cache.clear();
    this.pageBlocks.clear();
    this.mmu.bumpEpoch();
    codeGen++;
  }

  /** Decodes (or finds) the block at the current RIP. */
  private block(): Block {
    const lin = this.ripLinear();
    const user = this.cpl === 3;
    const fk = lin * 16 + this.mode * 2 + (user ? 1 : 0);
    const x = lin & 4095;
    if (this.fastTag[x] === fk && this.fastEpoch[x] === this.mmu.epoch) return this.fastBlock[x]!;
    const b = this.lookupBlock(lin, user);
    if (b.hits >= 0) { this.fastTag[x] = fk; this.fastEpoch[x] = this.mmu.epoch; this.fastBlock[x] = b; }
    return b;
  }

  private lookupBlock(lin: number, user: boolean): Block {
    const phys = this.mmu.translate(lin, Access.Fetch, user);
    const key = phys * 8 + this.mode;
    const hit = this.cache.get(key);
    if (hit) return hit;
    const mem = this.plat.mem;
    const pfn = Math.floor(phys / 4096);
    const page = mem.page(pfn);
    const insns: Insn[] = [];
    let off = phys - pfn * 4096;
    let linCur = lin;
    let cacheable = page !== null;
    for (let n = 0; n < MAX_BLOCK; n++) {
      if (n > 0 && this.breakAt !== null && this.breakAt.has(linCur)) break;
      const base = off;
      const baseLin = linCur;
      const fetch = (k: number): number => {
        const o = base + k;
        if (page && o < 4096) return page[o];
        // Crosses into the next page (or MMIO): translate that byte on its own.
        cacheable = cacheable && o < 4096;
        return mem.read8(this.mmu.translate(baseLin + k, Access.Fetch, user));
      };
      let insn: Insn;
      try {
        insn = decode(this.tables, fetch, this.codeSize);
      } catch (e) {
        // A fetch fault on a later instruction ends the block before it; the
        // fault is raised when execution actually reaches that instruction.
        if (n > 0 && e instanceof CpuFault) { cacheable = false; break; }
        throw e;
      }
      insns.push(insn);
      off += insn.len;
      linCur += insn.len;
      if (insn.entry.f & F.END || insn.invalid || off >= 4096 || !cacheable) break;
    }
    const b: Block = { insns, n: insns.length, key, pfn, hits: cacheable ? 0 : -1e9, fn: null };
    if (cacheable) {
      this.cache.set(key, b);
      let list = this.pageBlocks.get(pfn);
      if (!list) { list = []; this.pageBlocks.set(pfn, list); }
      list.push(key);
      mem.markCode(pfn);
    }
    return b;
  }

  /** Decodes the instruction at a linear address without executing it (debugger, diagnostics). */
  decodeAt(lin: number): Insn {
    const user = this.cpl === 3;
    return decode(this.tables, (k) => this.plat.mem.read8(this.mmu.translate(lin + k, Access.Fetch, user)), this.codeSize);
  }

  // ---------------------------------------------------------- running

  /**
   * Executes up to `budget` instructions. Returns why it stopped. Faults are
   * delivered through the hooks; interrupts are checked between blocks.
   */
  run(budget: number): Stop {
    const clock = this.plat.clock;
    let left = budget;
    this.stopRequested = false;
    // Devices read the executing instruction's time through the clock (Clock.now).
    clock.running = this;
    while (left > 0) {
      if (this.halted || this.waitForSipi) {
        this.hooks!.checkInterrupts(this);
        if (this.halted || this.waitForSipi) return this.waitForSipi ? Stop.WaitSipi : Stop.Halted;
      }
      if (clock.ticks >= clock.nextDeadline) clock.fire();
      this.hooks!.checkInterrupts(this);
      if (this.stopRequested) return this.stopReason;
      if (this.breakAt !== null && this.icount !== this.breakSkipIcount && this.breakAt.has(this.ripLinear())) return Stop.Breakpoint;
      let b: Block;
      try {
        b = this.block();
      } catch (e) {
        left -= this.faulted(e, 0);
        continue;
      }
      const insns = b.insns;
      // With RFLAGS.TF set, one instruction at a time so the single-step #DB
      // comes after each instruction (SDM vol 3A, 17.3.1.4).
      let n = this.flagsRest & 0x100 ? 1 : b.n <= left ? b.n : left;
      // An interrupt shadow (STI, MOV SS/POP SS, or restored by VM entry /
      // VMRUN) covers exactly one instruction (SDM vol 3A 6.8.3; vol 3C
      // 27.7.1; AMD APM vol 2 §15.21.5): run that one alone, so the next
      // boundary check sees the shadow over (events held by it are taken
      // after that instruction, not after the block) and icount, which
      // inShadow() reads at VM exits, is not stale mid-block.
      if (this.shadowUntil !== -1) n = 1;
      // A deadline armed during this run (a timer programmed mid-block) fires
      // at its own tick, not at the end of whichever block crosses it: block
      // boundaries depend on how the run was sliced, the guest's time must not.
      const due = clock.nextDeadline - clock.ticks;
      if (due < n) n = due > 0 ? due : 1;
      let k = 0;
      this.exitBlock = false;
      if (b.fn !== null && n === b.n) {
        // Compiled tier: the whole block, or up to an instruction that ended it.
        try {
          k = b.fn(this, insns, testCond, getCF);
        } catch (e) {
          left -= this.faulted(e, this.jk);
          if (this.stopRequested) return this.stopReason;
          continue;
        }
        // jk is 0 between blocks so that icount + jk (now(), transition
        // icounts) is exact there too, whatever block ran last.
        this.icount += k; clock.ticks += k; left -= k; this.jk = 0;
        if (this.stopRequested) return this.stopReason;
        continue;
      }
      if (++b.hits === JIT_THRESHOLD && this.jitEnabled) b.fn = compileBlock(b, this.mode);
      try {
        for (; k < n; k++) {
          const i = insns[k];
          this.cur = i;
          this.jk = k;
          this.nextRip = this.rip + i.len;
          i.exec(this, i);
          this.rip = this.nextRip;
          if (this.exitBlock) { k++; break; }
        }
      } catch (e) {
        left -= this.faulted(e, k);
        if (this.stopRequested) return this.stopReason;
        continue;
      }
      this.icount += k; clock.ticks += k; left -= k; this.jk = 0;
      if (this.stopRequested) return this.stopReason;
    }
    return Stop.Budget;
  }

  /**
   * A fault while executing instruction `k` of a block: the k before it
   * retired; the fault is delivered and counts as one step (so a budget
   * always makes progress). Returns the steps consumed. Non-architectural
   * errors are bugs and propagate.
   */
  private faulted(e: unknown, k: number): number {
    if (!(e instanceof CpuFault)) throw e;
    this.icount += k + 1;
    this.plat.clock.ticks += k + 1;
    // The k + 1 steps are in icount now: an exit raised by the delivery is at icount.
    this.jk = 0;
    this.hooks!.deliverFault(this, e);
    return k + 1;
  }

  /** Requests the run loop to stop after the current instruction. */
  requestStop(reason: Stop): void {
    this.stopReason = reason;
    this.stopRequested = true;
    this.exitBlock = true;
  }

  rflags(): number { return getFlags(this); }

}
