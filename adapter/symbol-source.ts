// The adapter's view of one level's symbols: names, source lines and
// unwinding, behind a small interface so the session does not depend on how
// they are read. `loadSymbols` uses adapter/symbols/ (ELF + DWARF + CFI,
// dwarf-symbol-source.ts); if that reader refuses a file, the ELF symbol
// table alone still gives names and function addresses (no lines,
// frame-pointer unwinding).
import * as path from 'path';
import type { Level } from '../emulator/events';
import { ElfFile, parseElf, STT_FUNC, STT_NOTYPE, SHN_UNDEF } from '../emulator/machine/elf';

import { createSymbolSource } from './dwarf-symbol-source';

const SHF_EXECINSTR = 4;

export interface LineRow { file: string; line: number; isStatement: boolean }

export interface FunctionInfo { name: string; start: number; end: number }

/** Register values and memory an unwinder reads (addresses as folded linear numbers). */
export interface UnwindContext {
  pc: number;
  sp: number;
  fp: number;
  /** pc is a return address (every frame but the innermost): look it up at pc - 1. */
  returnAddress: boolean;
  /** 64-bit code (8-byte stack slots) or 32-bit. */
  wide: boolean;
  /** Every general register known in this frame, by name (rax…r15, rip, rsp), as 64-bit values. */
  regs: Record<string, bigint>;
  /** Reads a stack slot (8 or 4 bytes); null when unreadable. */
  readSlot(addr: number): number | null;
  /** Reads `size` bytes little-endian; undefined when unreadable. */
  read(addr: bigint, size: number): bigint | undefined;
}

export interface UnwoundFrame { pc: number; sp: number; fp: number; regs?: Record<string, bigint> }

export interface SymbolSource {
  readonly path: string;
  readonly level: Level;
  /** True when a line table is available. */
  readonly hasLines: boolean;
  /** Source files named by the line table (absolute where the DWARF says so). */
  sources(): string[];
  /** The line-table row covering `address`; isStatement when a statement row starts exactly there. */
  lineAt(address: number): LineRow | undefined;
  /**
   * Addresses for a breakpoint on `file:line`: the first line at or after
   * `line` (within a few lines) that has code, and where its statements
   * start. undefined when the file or line has no code.
   */
  breakpointAddresses(file: string, line: number): { line: number; addresses: number[] } | undefined;
  functionNamed(name: string): FunctionInfo | undefined;
  /** Where `break NAME` stops (after the prologue when the symbols can tell), or undefined. */
  functionBreakpoint(name: string): number | undefined;
  /** The address of any symbol (function or data), or undefined. */
  addressOf(name: string): number | undefined;
  functionAt(address: number): FunctionInfo | undefined;
  /** The frame that called the one described by `ctx`, or undefined at the outermost frame. */
  unwind(ctx: UnwindContext): UnwoundFrame | undefined;
}

/** `name+0x12` for an address, or undefined. */
export function symbolize(s: SymbolSource, address: number): string | undefined {
  const f = s.functionAt(address);
  if (!f) return undefined;
  const off = address - f.start;
  return off ? `${f.name}+0x${off.toString(16)}` : f.name;
}

/** Whether two source paths name the same file (absolute comparison, else by trailing components). */
export function samePath(a: string, b: string): boolean {
  const na = path.normalize(a), nb = path.normalize(b);
  if (na === nb) return true;
  if (path.isAbsolute(na) && path.isAbsolute(nb)) return false;
  return na.endsWith(path.sep + nb) || nb.endsWith(path.sep + na);
}

// ------------------------------------------------------------ ELF fallback

/** Frame-pointer unwinding (the examples build with -fno-omit-frame-pointer). */
export function unwindWithFramePointer(ctx: UnwindContext, fn: FunctionInfo | undefined): UnwoundFrame | undefined {
  const frame0 = !ctx.returnAddress;
  const slot = ctx.wide ? 8 : 4;
  // At the first instruction the return address is at [sp]; after `push %rbp`
  // at [sp + slot]; in the body the frame pointer chain holds it.
  if (frame0 && fn && ctx.pc === fn.start) {
    const ret = ctx.readSlot(ctx.sp);
    return ret === null || ret === 0 ? undefined : { pc: ret, sp: ctx.sp + slot, fp: ctx.fp };
  }
  if (frame0 && fn && ctx.pc === fn.start + 1) {
    const ret = ctx.readSlot(ctx.sp + slot);
    return ret === null || ret === 0 ? undefined : { pc: ret, sp: ctx.sp + 2 * slot, fp: ctx.fp };
  }
  if (ctx.fp === 0 || ctx.fp < ctx.sp) return undefined;
  const savedFp = ctx.readSlot(ctx.fp);
  const ret = ctx.readSlot(ctx.fp + slot);
  if (savedFp === null || ret === null || ret === 0) return undefined;
  return { pc: ret, sp: ctx.fp + 2 * slot, fp: savedFp };
}

/** Folds an ELF address (bigint, maybe sign-extended) into the linear-address number form. */
function foldAddress(v: bigint): number {
  return Number(v & 0xffff_ffff_ffffn);
}

/**
 * Code symbols of an ELF file, sorted by address: functions, and the labels
 * assembly code leaves untyped (`_start`) in executable sections. Labels
 * without a size extend to the next symbol.
 */
export function elfFunctions(elf: ElfFile): FunctionInfo[] {
  const exec = new Set(elf.sections.filter((s) => s.flags & SHF_EXECINSTR).map((s) => s.index));
  const syms = elf.symbols
    .filter((s) => s.shndx !== SHN_UNDEF && s.name && !s.name.startsWith('.L') &&
      (s.type === STT_FUNC || (s.type === STT_NOTYPE && exec.has(s.shndx))))
    .map((s) => ({ name: s.name, start: foldAddress(s.value), size: Number(s.size), func: s.type === STT_FUNC }))
    .sort((a, b) => a.start - b.start || Number(b.func) - Number(a.func));
  const out: FunctionInfo[] = [];
  for (let i = 0; i < syms.length; i++) {
    const s = syms[i];
    if (out.length && out[out.length - 1].start === s.start) continue; // an alias: keep the typed one
    let end = s.start + s.size;
    if (s.size === 0) {
      const next = syms.slice(i + 1).find((n) => n.start > s.start);
      end = next ? Math.min(next.start, s.start + 0x10000) : s.start + 1;
    }
    out.push({ name: s.name, start: s.start, end });
  }
  return out;
}

export class ElfSymbolSource implements SymbolSource {
  readonly hasLines = false;
  private readonly funcs: FunctionInfo[];
  private readonly byName = new Map<string, FunctionInfo>();

  constructor(readonly path: string, readonly level: Level, private readonly elf: ElfFile) {
    this.funcs = elfFunctions(elf);
    for (const f of this.funcs) if (!this.byName.has(f.name)) this.byName.set(f.name, f);
  }

  sources(): string[] { return []; }
  lineAt(): LineRow | undefined { return undefined; }
  breakpointAddresses(): undefined { return undefined; }
  functionNamed(name: string): FunctionInfo | undefined { return this.byName.get(name); }
  functionBreakpoint(name: string): number | undefined { return this.byName.get(name)?.start; }

  addressOf(name: string): number | undefined {
    const s = this.elf.symbol(name);
    return s && s.shndx !== SHN_UNDEF ? foldAddress(s.value) : undefined;
  }

  functionAt(address: number): FunctionInfo | undefined {
    let lo = 0, hi = this.funcs.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.funcs[mid].start <= address) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo - 1; i >= 0 && i >= lo - 8; i--) {
      const f = this.funcs[i];
      if (address >= f.start && address < f.end) return f;
    }
    return undefined;
  }

  unwind(ctx: UnwindContext): UnwoundFrame | undefined {
    return unwindWithFramePointer(ctx, this.functionAt(ctx.returnAddress ? ctx.pc - 1 : ctx.pc));
  }
}

// ----------------------------------------------------------------- loading

export interface LoadedSymbols { source: SymbolSource; warning?: string }

/** Symbols of one ELF file for one level; throws LoadError for a file that is not an ELF. */
export function loadSymbols(file: string, level: Level, bytes: Uint8Array): LoadedSymbols {
  const elf = parseElf(bytes);
  try {
    const source = createSymbolSource(file, level, elf);
    const w = source.warnings;
    return { source, warning: w.length ? w.map((x) => `${path.basename(file)}: ${x}`).join('\n') : undefined };
  } catch (e) {
    // The DWARF reader refused the file: names from the ELF symbol table still work.
    return {
      source: new ElfSymbolSource(file, level, elf),
      warning: `${path.basename(file)}: debug information not usable (${(e as Error).message}); function names only`,
    };
  }
}
