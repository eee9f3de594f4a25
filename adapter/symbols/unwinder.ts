// The unwinder (DWARF5 6.4.4): the CFA is the caller's stack pointer at the
// call, and an undefined return address rule means there is no caller; a
// frame-pointer (rbp chain) fallback where no FDE covers the pc.
//
// Registers are DWARF register numbers of the System V psABIs: x86-64
// (AMD64 psABI 3.6.2, Figure 3.36) and i386 (i386 psABI 2.5, Table 2.14).

import { SymbolError } from './errors';
import { ExprContext, evaluate } from './dwarf-expr';
import { MASK64, UnwindRow } from './cfi-types';
import { CallFrameInfo } from './cfi-parse';
import { executeInstructions } from './cfi-exec';

export type RegisterName = 'rax' | 'rdx' | 'rcx' | 'rbx' | 'rsi' | 'rdi' | 'rbp' | 'rsp' | 'r8' | 'r9' | 'r10' | 'r11' | 'r12' | 'r13' | 'r14' | 'r15' | 'rip';

/**
 * A frame's registers. rip and rsp are always known; others are present
 * when known. For i386 the same names hold eax, ecx, ... esp, eip.
 */
export type Registers = { rip: bigint; rsp: bigint } & { [K in Exclude<RegisterName, 'rip' | 'rsp'>]?: bigint };

/** Reads `size` bytes (little-endian) of the target's memory at a linear address; undefined when not readable. */
export type MemoryReader = (address: bigint, size: number) => bigint | undefined;

export type Arch = 'x86-64' | 'i386';

/** DWARF register number -> name (AMD64 psABI Figure 3.36; i386 psABI Table 2.14). */
const DWARF_REGS: Record<Arch, RegisterName[]> = {
  'x86-64': ['rax', 'rdx', 'rcx', 'rbx', 'rsi', 'rdi', 'rbp', 'rsp', 'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15', 'rip'],
  i386: ['rax', 'rcx', 'rdx', 'rbx', 'rsp', 'rbp', 'rsi', 'rdi', 'rip'],
};

/** Callee-saved registers (AMD64 psABI 3.2.1, Figure 3.4; i386 psABI 2.2.1): unchanged in the caller when no rule says otherwise. */
const CALLEE_SAVED: Record<Arch, RegisterName[]> = {
  'x86-64': ['rbx', 'rbp', 'r12', 'r13', 'r14', 'r15'],
  i386: ['rbx', 'rbp', 'rsi', 'rdi'],
};

export type UnwindMethod = 'cfi' | 'frame-pointer' | 'entry';

export interface UnwindStep {
  /** The caller's registers: rip is the return address, rsp the CFA. */
  registers: Registers;
  /** The callee's CFA (= the caller's rsp). */
  cfa: bigint;
  method: UnwindMethod;
  /** The callee was a signal frame (CIE 'S'): the caller's pc is exact, not a return address. */
  signalFrame: boolean;
}

export interface Frame {
  registers: Registers;
  /** How this frame was found: 'context' for the first one. */
  method: UnwindMethod | 'context';
  /**
   * The address to look up for symbols and lines: rip for the first frame
   * and after a signal frame, rip - 1 for return addresses (so a call at
   * the very end of a function still maps to that function).
   */
  lookupAddress: bigint;
}

export interface UnwinderOptions {
  arch?: Arch;
  /** The start of the function containing a pc (symbol table), for the frame-pointer fallback. */
  functionStart?: (pc: bigint) => bigint | undefined;
}

export class Unwinder {
  readonly arch: Arch;
  private readonly ptr: number;
  private readonly mask: bigint;
  private readonly names: RegisterName[];

  constructor(readonly cfi: CallFrameInfo | undefined, private readonly opts: UnwinderOptions = {}) {
    this.arch = opts.arch ?? 'x86-64';
    this.ptr = this.arch === 'x86-64' ? 8 : 4;
    this.mask = this.arch === 'x86-64' ? MASK64 : 0xffffffffn;
    this.names = DWARF_REGS[this.arch];
  }

  /**
   * One step: the caller's registers from the callee's, or undefined at the
   * end of the stack or when it cannot be found. `returnAddress` says that
   * regs.rip is a return address (every frame but the first): the FDE is
   * then looked up at rip - 1 (DWARF5 6.4.4 note on the return address
   * possibly being past the end of the function).
   */
  unwind(regs: Registers, read: MemoryReader, opts: { returnAddress?: boolean } = {}): UnwindStep | undefined {
    const pc = regs.rip & this.mask;
    const lookup = opts.returnAddress && pc > 0n ? pc - 1n : pc;
    const fde = this.cfi?.fdeFor(lookup);
    if (fde) {
      let row: UnwindRow;
      try {
        row = executeInstructions(fde, lookup, this.ptr);
      } catch (e) {
        if (!(e instanceof SymbolError)) throw e;
        return this.framePointer(regs, read);
      }
      try {
        return this.applyRow(row, regs, read);
      } catch (e) {
        if (!(e instanceof SymbolError)) throw e;
        return undefined;
      }
    }
    return this.framePointer(regs, read);
  }

  /**
   * Every frame from `regs` outwards, innermost first, at most `maxFrames`.
   * Stops at an undefined return address, a zero return address, or a stack
   * pointer that does not grow (a corrupt or cyclic chain).
   */
  backtrace(regs: Registers, read: MemoryReader, maxFrames = 64): Frame[] {
    const frames: Frame[] = [{ registers: regs, method: 'context', lookupAddress: regs.rip }];
    let cur = regs;
    let exact = true;
    while (frames.length < maxFrames) {
      const step = this.unwind(cur, read, { returnAddress: !exact });
      if (!step) break;
      const next = step.registers;
      if (next.rip === 0n) break;
      if (!step.signalFrame && next.rsp <= cur.rsp) break;
      exact = step.signalFrame;
      frames.push({ registers: next, method: step.method, lookupAddress: exact || next.rip === 0n ? next.rip : next.rip - 1n });
      cur = next;
    }
    return frames;
  }

  private reg(regs: Registers, n: number): bigint | undefined {
    const name = this.names[n];
    return name === undefined ? undefined : regs[name];
  }

  /** DWARF5 6.4.4: the CFA, then every register rule of the row. */
  private applyRow(row: UnwindRow, regs: Registers, read: MemoryReader): UnwindStep | undefined {
    const ctx: ExprContext = {
      readRegister: (n) => this.reg(regs, n),
      readMemory: read,
      addressSize: this.ptr,
    };
    let cfa: bigint | undefined;
    if (row.cfa.type === 'register') {
      const base = this.reg(regs, row.cfa.register);
      if (base === undefined) return undefined;
      cfa = (base + BigInt(row.cfa.offset)) & this.mask;
    } else {
      cfa = evaluate(row.cfa.expr, ctx);
      if (cfa === undefined) return undefined;
      cfa &= this.mask;
    }
    const caller: Registers = { rip: 0n, rsp: cfa };
    for (const name of CALLEE_SAVED[this.arch]) if (regs[name] !== undefined) caller[name] = regs[name];
    const raReg = row.fde.cie.returnAddressRegister;
    let ra: bigint | undefined;
    for (const [n, rule] of row.registers) {
      let v: bigint | undefined;
      switch (rule.type) {
        case 'undefined':
          if (n === raReg) return undefined; // DWARF5 6.4.4: no return address, no caller
          v = undefined;
          break;
        case 'sameValue':
          v = this.reg(regs, n);
          break;
        case 'offset':
          v = read((cfa + BigInt(rule.offset)) & this.mask, this.ptr);
          break;
        case 'valOffset':
          v = (cfa + BigInt(rule.offset)) & this.mask;
          break;
        case 'register':
          v = this.reg(regs, rule.register);
          break;
        case 'expression': {
          const at = evaluate(rule.expr, ctx, [cfa]);
          v = at === undefined ? undefined : read(at & this.mask, this.ptr);
          break;
        }
        case 'valExpression':
          v = evaluate(rule.expr, ctx, [cfa]);
          break;
      }
      if (n === raReg) {
        ra = v;
        continue;
      }
      const name = this.names[n];
      if (!name || name === 'rsp' || name === 'rip') continue;
      if (v === undefined) delete caller[name];
      else caller[name] = v & this.mask;
    }
    if (ra === undefined) return undefined;
    caller.rip = ra & this.mask;
    return { registers: caller, cfa, method: 'cfi', signalFrame: row.fde.cie.signalFrame };
  }

  /**
   * No FDE: the classic frame layout (push %rbp; mov %rsp,%rbp). At the
   * function's first instruction the return address is still on top of the
   * stack; right after the push it is one slot up; after that, rbp chains:
   * [rbp] = caller's rbp, [rbp + ptr] = return address.
   */
  private framePointer(regs: Registers, read: MemoryReader): UnwindStep | undefined {
    const p = BigInt(this.ptr);
    const pc = regs.rip & this.mask;
    const start = this.opts.functionStart?.(pc);
    if (start !== undefined) {
      const prologue = this.prologueState(start, pc, read);
      if (prologue === 'entry') {
        const ra = read(regs.rsp, this.ptr);
        if (ra === undefined) return undefined;
        return { registers: { ...this.calleeSaved(regs), rip: ra, rsp: (regs.rsp + p) & this.mask }, cfa: (regs.rsp + p) & this.mask, method: 'entry', signalFrame: false };
      }
      if (prologue === 'pushed') {
        const savedBp = read(regs.rsp, this.ptr);
        const ra = read((regs.rsp + p) & this.mask, this.ptr);
        if (ra === undefined || savedBp === undefined) return undefined;
        const cfa = (regs.rsp + 2n * p) & this.mask;
        return { registers: { ...this.calleeSaved(regs), rbp: savedBp, rip: ra, rsp: cfa }, cfa, method: 'entry', signalFrame: false };
      }
    }
    const bp = regs.rbp;
    if (bp === undefined || bp === 0n || bp < regs.rsp || bp % p !== 0n) return undefined;
    const savedBp = read(bp, this.ptr);
    const ra = read((bp + p) & this.mask, this.ptr);
    if (savedBp === undefined || ra === undefined) return undefined;
    const cfa = (bp + 2n * p) & this.mask;
    return { registers: { ...this.calleeSaved(regs), rbp: savedBp, rip: ra, rsp: cfa }, cfa, method: 'frame-pointer', signalFrame: false };
  }

  private calleeSaved(regs: Registers): Partial<Registers> {
    const out: Partial<Registers> = {};
    for (const name of CALLEE_SAVED[this.arch]) if (regs[name] !== undefined) out[name] = regs[name];
    return out;
  }

  /**
   * Where pc is in a standard prologue, read from the code itself:
   * [endbr64/endbr32] push %rbp; mov %rsp,%rbp. 'entry' before the push,
   * 'pushed' right after it, 'body' after the mov (or when the function
   * does not start that way and pc is past its first instruction).
   */
  private prologueState(start: bigint, pc: bigint, read: MemoryReader): 'entry' | 'pushed' | 'body' {
    if (pc === start) return 'entry';
    const bytes: number[] = [];
    for (let i = 0n; i < 8n; i++) {
      const b = read(start + i, 1);
      if (b === undefined) break;
      bytes.push(Number(b));
    }
    let i = 0;
    // ENDBR64 f3 0f 1e fa / ENDBR32 f3 0f 1e fb (Intel CET).
    if (bytes[0] === 0xf3 && bytes[1] === 0x0f && bytes[2] === 0x1e && (bytes[3] === 0xfa || bytes[3] === 0xfb)) i = 4;
    if (pc <= start + BigInt(i)) return 'entry';
    // push %rbp (55): between it and the next instruction (mov %rsp,%rbp)
    // the saved rbp is on top and the return address above it.
    if (bytes[i] === 0x55 && pc === start + BigInt(i + 1)) return 'pushed';
    return 'body';
  }
}
