// Helpers shared by the case generators.
import { B } from './builder';

export const ALU = ['add', 'or', 'adc', 'sbb', 'and', 'sub', 'xor', 'cmp'];
export const SHIFTS = ['rol', 'ror', 'rcl', 'rcr', 'shl', 'shr', 'sal', 'sar'];
export const CC = ['o', 'no', 'b', 'ae', 'e', 'ne', 'be', 'a', 's', 'ns', 'p', 'np', 'l', 'ge', 'le', 'g'];

/** Opcode for a byte form (op) or the full-size form (op + 1). */
export const sized = (op: number, size: number): number => (size === 1 ? op : op + 1);

/** A LOCK prefix sometimes when the destination is memory (and the instruction allows it). */
export function lockPfx(b: B, isMem: boolean, allowed = true): number[] {
  return allowed && isMem && b.rng.int(3) === 0 ? [0xf0] : [];
}
