// Random case generators, one per instruction family, covering every form
// and operand size of the integer instruction set (register and memory
// operands, immediates, LOCK where allowed). Each generator builds one case
// in the builder's mode; the test runs it natively and on the emulator.
import { B, Built } from './builder';
import { alu, test, incdec, negnot, muldiv, imulN, shift, dshift, bt, scan, setcc } from './families-arith';
import { mov, movx, lea, xchg, cmpxchg, cmpxchg8b, xadd, bswap, convert, crossing } from './families-data';
import { branch, stack, strings, canonical, flagOps, xlat, bcd, nops, lockUd } from './families-flow';

export interface Family {
  name: string;
  /** Which modes the family runs in. */
  modes: ('long64' | 'compat32')[];
  /** Relative share of the case budget. */
  weight: number;
  gen(b: B): Built;
}

export const FAMILIES: Family[] = [
  { name: 'alu', modes: ['long64', 'compat32'], weight: 12, gen: alu },
  { name: 'test', modes: ['long64', 'compat32'], weight: 3, gen: test },
  { name: 'inc/dec', modes: ['long64', 'compat32'], weight: 3, gen: incdec },
  { name: 'neg/not', modes: ['long64', 'compat32'], weight: 2, gen: negnot },
  { name: 'mul/div', modes: ['long64', 'compat32'], weight: 6, gen: muldiv },
  { name: 'imul 2/3-op', modes: ['long64', 'compat32'], weight: 3, gen: imulN },
  { name: 'mov', modes: ['long64', 'compat32'], weight: 5, gen: mov },
  { name: 'movzx/movsx/movsxd', modes: ['long64', 'compat32'], weight: 3, gen: movx },
  { name: 'lea', modes: ['long64', 'compat32'], weight: 3, gen: lea },
  { name: 'xchg', modes: ['long64', 'compat32'], weight: 2, gen: xchg },
  { name: 'cmpxchg', modes: ['long64', 'compat32'], weight: 3, gen: cmpxchg },
  { name: 'cmpxchg8b/16b', modes: ['long64', 'compat32'], weight: 2, gen: cmpxchg8b },
  { name: 'xadd', modes: ['long64', 'compat32'], weight: 2, gen: xadd },
  { name: 'bswap', modes: ['long64', 'compat32'], weight: 1, gen: bswap },
  { name: 'cbw/cwd', modes: ['long64', 'compat32'], weight: 1, gen: convert },
  { name: 'shift/rotate', modes: ['long64', 'compat32'], weight: 10, gen: shift },
  { name: 'shld/shrd', modes: ['long64', 'compat32'], weight: 4, gen: dshift },
  { name: 'bt/bts/btr/btc', modes: ['long64', 'compat32'], weight: 4, gen: bt },
  { name: 'bsf/bsr/popcnt/lzcnt/tzcnt', modes: ['long64', 'compat32'], weight: 4, gen: scan },
  { name: 'setcc/cmovcc', modes: ['long64', 'compat32'], weight: 4, gen: setcc },
  { name: 'branches', modes: ['long64', 'compat32'], weight: 5, gen: branch },
  { name: 'stack', modes: ['long64', 'compat32'], weight: 5, gen: stack },
  { name: 'flag ops', modes: ['long64', 'compat32'], weight: 1, gen: flagOps },
  { name: 'xlat', modes: ['long64', 'compat32'], weight: 1, gen: xlat },
  { name: 'bcd', modes: ['compat32'], weight: 2, gen: bcd },
  { name: 'nop/ud', modes: ['long64', 'compat32'], weight: 1, gen: nops },
  { name: 'lock #UD', modes: ['long64', 'compat32'], weight: 1, gen: lockUd },
  { name: 'strings', modes: ['long64', 'compat32'], weight: 8, gen: strings },
  { name: 'page-crossing faults', modes: ['long64', 'compat32'], weight: 1, gen: crossing },
  { name: 'non-canonical addresses', modes: ['long64'], weight: 1, gen: canonical },
];

