// What run control needs to know about the guest's source, supplied from
// outside (the adapter's symbol files): emulator/ has no DWARF knowledge.
import type { Level } from '../events';
import type { Cpu } from '../x86/cpu';

export interface SourceLine { file: string; line: number }

/** Address -> source line, per level (each level has its own symbols). */
export interface LineOracle {
  /** The line whose code contains `address`, or undefined when no line table covers it. */
  lineAt(level: Level, address: number): SourceLine | undefined;
  /**
   * True when `address` starts a line-table row that is a statement
   * (DWARF is_stmt): the places a source-level step may stop. Oracles that
   * cannot tell return true for any address with a line.
   */
  isStatement(level: Level, address: number): boolean;
}

/** The caller of the innermost frame, for step-out (from CFI or frame pointers). */
export interface CallerFrame {
  /** Where execution continues in the caller. */
  returnAddress: number;
  /** Stack pointer value once the callee has returned (the canonical frame address). */
  cfa: number;
}

export interface FrameOracle {
  callerOf(cpu: Cpu, level: Level): CallerFrame | undefined;
}
