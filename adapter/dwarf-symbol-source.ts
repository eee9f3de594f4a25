// A SymbolSource over adapter/symbols' SymbolFile (ELF symbols, DWARF line
// tables, CFI unwinding). Addresses cross this boundary as folded linear
// numbers (emulator/x86/canon.ts) on our side and bigints on theirs.
import type { Level } from '../emulator/events';
import type { ElfFile } from '../emulator/machine/elf';
import { SymbolFile } from './symbols/symbols';
import type { Registers } from './symbols/cfi';
import type { SymbolSource, LineRow, FunctionInfo, UnwindContext, UnwoundFrame } from './symbol-source';

const fold = (v: bigint): number => Number(v & 0xffff_ffff_ffffn);

export class DwarfSymbolSource implements SymbolSource {
  readonly hasLines: boolean;

  constructor(readonly file: SymbolFile, readonly path: string, readonly level: Level) {
    this.hasLines = file.hasLineInfo;
  }

  get warnings(): readonly string[] { return this.file.warnings; }

  sources(): string[] { return this.file.sources(); }

  lineAt(address: number): LineRow | undefined {
    const loc = this.file.lineAt(address);
    // Line 0: compiler-generated code that belongs to no line (DWARF5 6.2.5.1).
    if (!loc || loc.line === 0) return undefined;
    return { file: loc.file, line: loc.line, isStatement: loc.isStmt && fold(loc.address) === address };
  }

  breakpointAddresses(file: string, line: number): { line: number; addresses: number[] } | undefined {
    const bp = this.file.breakpoint(file, line);
    if (!bp || bp.locations.length === 0) return undefined;
    return { line: bp.line, addresses: bp.locations.map((l) => fold(l.address)) };
  }

  functionNamed(name: string): FunctionInfo | undefined {
    const a = this.file.lookup(name);
    if (a === undefined) return undefined;
    const f = this.file.functionAt(a);
    return f && f.start === a ? { name: f.name, start: fold(f.start), end: fold(f.end) } : { name, start: fold(a), end: fold(a) + 1 };
  }

  functionBreakpoint(name: string): number | undefined {
    const a = this.file.functionBreakpoint(name);
    return a === undefined ? undefined : fold(a);
  }

  addressOf(name: string): number | undefined {
    const a = this.file.lookup(name);
    return a === undefined ? undefined : fold(a);
  }

  functionAt(address: number): FunctionInfo | undefined {
    const f = this.file.functionAt(address);
    return f ? { name: f.name, start: fold(f.start), end: fold(f.end) } : undefined;
  }

  unwind(ctx: UnwindContext): UnwoundFrame | undefined {
    const regs = { ...ctx.regs } as Registers;
    const step = this.file.unwinder.unwind(regs, (a, n) => ctx.read(a, n), { returnAddress: ctx.returnAddress });
    if (!step) return undefined;
    const r = step.registers as Record<string, bigint | undefined>;
    const out: Record<string, bigint> = {};
    for (const [k, v] of Object.entries(r)) if (v !== undefined) out[k] = v;
    return { pc: fold(step.registers.rip), sp: fold(step.registers.rsp), fp: r.rbp !== undefined ? fold(r.rbp) : ctx.fp, regs: out };
  }
}

export function createSymbolSource(path: string, level: Level, elf: ElfFile): DwarfSymbolSource {
  return new DwarfSymbolSource(new SymbolFile(elf, path), path, level);
}
