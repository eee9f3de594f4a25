// Builds one random differential test case: random registers and flags, a
// random 256-byte buffer, and helpers that pick registers and memory
// operands so that every memory access lands inside the buffer.
import { NativeCase, MEM_ADDR, CODE_ADDR } from '../../support/native';
import { Enc, Mode, Rm, Rng, encode, le } from './encode';

export type Size = 1 | 2 | 4 | 8;

/** What the comparison needs to know about a case beyond its inputs. */
export interface Meta {
  /** Key into the undefined-flags table (undefined.ts). */
  mn: string;
  size: number;
  /** Shift/rotate count after masking, when the flags depend on it. */
  count?: number;
  /** Extra undefined flag bits for this case. */
  undefFlags?: number;
  /** Registers with undefined bits in the result: [register, mask of undefined bits]. */
  undefRegs?: [number, bigint][];
  /** The memory result is undefined (not compared). */
  undefMem?: boolean;
  /** Human-readable form, for failure messages. */
  form: string;
}

export interface Built { c: NativeCase; meta: Meta }

export const RAX = 0, RCX = 1, RDX = 2, RBX = 3, RSP = 4, RBP = 5, RSI = 6, RDI = 7;

export class B {
  readonly regs: bigint[] = [];
  readonly mem: Uint8Array;
  flags: number;
  memAddr = MEM_ADDR;
  readonly memRegs: [number, number][] = [];
  /** Registers given a fixed role (pointer, count...): random picks avoid them. */
  readonly used = new Set<number>();
  code: number[] = [];
  readonly meta: Meta = { mn: '', size: 0, form: '' };

  constructor(readonly rng: Rng, readonly mode: Mode) {
    for (let r = 0; r < 16; r++) this.regs.push(mode === 'compat32' && r >= 8 ? 0n : rng.value());
    this.mem = rng.bytes(256);
    this.flags = rng.flags();
    // Sometimes the buffer straddles a page boundary, so accesses cross pages.
    this.memAddr = rng.pick([MEM_ADDR, MEM_ADDR, 0x200f80, 0x200ff0]);
  }

  get long(): boolean { return this.mode === 'long64'; }
  get nregs(): number { return this.long ? 16 : 8; }

  /** A random operand size from `from` valid in this mode (no 64-bit in compatibility mode). */
  size(from: Size[] = [1, 2, 4, 8]): Size {
    const ok = from.filter((s) => s !== 8 || this.long);
    return this.rng.pick(ok);
  }

  /** A register number not yet given a role (any register when `any`). */
  reg(any = false): number {
    for (;;) {
      const r = this.rng.int(this.nregs);
      if (any || !this.used.has(r)) return r;
    }
  }

  /** Claims a register (it keeps a role) and returns it. */
  claim(r: number): number { this.used.add(r); return r; }

  set(r: number, v: bigint): void { this.regs[r] = BigInt.asUintN(64, v); }

  /** Points register r at buffer + off. */
  point(r: number, off: number): void {
    this.claim(r);
    this.memRegs.push([r, off]);
  }

  /** Operand-size prefixes for `size`: 66 for 16-bit, REX.W for 64-bit. */
  osz(size: number): { pfx: number[]; w: boolean } {
    return { pfx: size === 2 ? [0x66] : [], w: size === 8 };
  }

  /**
   * A memory operand of `size` bytes inside the buffer (at `off`, random
   * when omitted): base + disp8/disp32, base + index*scale + disp, RIP-
   * relative, or (64-bit mode) 32-bit addressing via 67h. Pointer registers
   * avoid RAX, RCX, RDX (implicit operands of many instructions) and `avoid`.
   * Returns the r/m operand and any 67h prefix.
   */
  memOp(size: number, off?: number, avoid: number[] = []): { rm: Rm; pfx: number[] } {
    const rng = this.rng;
    const o = off ?? rng.int(256 - size + 1);
    const target = this.memAddr + o;
    const pool = (this.long ? [3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15] : [3, 4, 5, 6, 7])
      .filter((r) => !this.used.has(r) && !avoid.includes(r));
    const kind = rng.int(this.long ? 5 : 3);
    if (kind === 3) return { rm: { rip: true, disp: target - CODE_ADDR }, pfx: [] };
    const base = rng.pick(pool);
    this.claim(base);
    const disp = rng.int(3) === 0 ? rng.int(0x2000) - 0x1000 : rng.int(256) - 128;
    const disp32 = disp < -128 || disp > 127 || rng.int(8) === 0;
    if (kind === 2) {
      const idxPool = pool.filter((r) => r !== base && r !== 4);
      if (idxPool.length) {
        const index = rng.pick(idxPool);
        this.claim(index);
        const scale = rng.pick([1, 2, 4, 8]);
        const iv = rng.int(64) - 32;
        this.set(index, BigInt(iv));
        this.set(base, BigInt(target - disp - iv * scale));
        return { rm: { base, index, scale, disp, disp32 }, pfx: [] };
      }
    }
    this.set(base, BigInt(target - disp));
    if (kind === 4) {
      // 32-bit addressing in 64-bit mode: garbage in the base's upper half must be ignored.
      this.regs[base] |= BigInt(rng.u32()) << 32n;
      return { rm: { base, disp, disp32 }, pfx: [0x67] };
    }
    return { rm: { base, disp, disp32 }, pfx: [] };
  }

  /** Register or memory r/m operand (memory with probability pMem). */
  rmOp(size: number, pMem = 0.4, avoid: number[] = []): { rm: Rm; pfx: number[]; isMem: boolean } {
    if (this.rng.u32() / 2 ** 32 < pMem) return { ...this.memOp(size, undefined, avoid), isMem: true };
    return { rm: { reg: this.reg() }, pfx: [], isMem: false };
  }

  /** Immediate bytes: 'b' (1), 'z' (2 for 16-bit else 4), 'v' (operand size). */
  imm(kind: 'b' | 'z' | 'v' | 'w', size: number): number[] {
    const n = kind === 'b' ? 1 : kind === 'w' ? 2 : kind === 'z' ? (size === 2 ? 2 : 4) : size;
    return le(this.rng.value(), n);
  }

  emit(e: Omit<Enc, 'mode'>): void {
    this.code.push(...encode({ ...e, mode: this.mode }));
  }

  /** Byte-register encodings: in 64-bit mode sometimes force REX (SPL..DIL instead of AH..BH). */
  byteRex(size: number): boolean {
    return size === 1 && this.long && this.rng.int(3) === 0;
  }

  build(mn: string, size: number, form: string): Built {
    this.meta.mn = mn; this.meta.size = size; this.meta.form = form;
    return {
      c: {
        code: this.code, regs: this.regs, rflags: this.flags, mem: this.mem, memAddr: this.memAddr,
        memRegs: this.memRegs, mode: this.mode,
      },
      meta: this.meta,
    };
  }
}
