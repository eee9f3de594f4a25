// Which arithmetic flags the SDM leaves undefined, per instruction (SDM vol 1,
// appendix A table A-2 "EFLAGS cross-reference", and each instruction's
// "Flags Affected"). The differential tests mask exactly these bits; every
// other flag must match the processor bit for bit.
import type { Meta } from './builder';

export const CF = 0x1, PF = 0x4, AF = 0x10, ZF = 0x40, SF = 0x80, OF = 0x800, DF = 0x400;
export const ARITH = CF | PF | AF | ZF | SF | OF;

const bits = (s: string): number =>
  s.split(/\s+/).filter(Boolean).reduce((m, f) => m | ({ CF, PF, AF, ZF, SF, OF } as Record<string, number>)[f], 0);

/**
 * Undefined flags by mnemonic. A string is unconditional; a function sees
 * the case (shift count, operand size). Instructions absent here define
 * every flag they touch.
 */
export const UNDEFINED_FLAGS: Record<string, string | ((m: Meta) => string)> = {
  // Logic ops: AF undefined (SDM vol 2A, AND: "The state of the AF flag is undefined").
  and: 'AF', or: 'AF', xor: 'AF', test: 'AF',
  // MUL/IMUL: "The SF, ZF, AF, and PF flags are undefined."
  mul: 'SF ZF AF PF', imul: 'SF ZF AF PF',
  // DIV/IDIV: "The CF, OF, SF, ZF, AF, and PF flags are undefined."
  div: 'CF OF SF ZF AF PF', idiv: 'CF OF SF ZF AF PF',
  // SAL/SAR/SHL/SHR: count 0 changes nothing; else AF undefined, OF undefined
  // unless the count is 1, CF undefined for SHL/SHR when count ≥ operand width.
  shl: (m) => shiftUndef(m, true), sal: (m) => shiftUndef(m, true), shr: (m) => shiftUndef(m, true),
  sar: (m) => shiftUndef(m, false),
  // ROL/ROR/RCL/RCR: only CF and OF change; OF undefined unless the count is 1.
  rol: (m) => (m.count && m.count !== 1 ? 'OF' : ''), ror: (m) => (m.count && m.count !== 1 ? 'OF' : ''),
  rcl: (m) => (m.count && m.count !== 1 ? 'OF' : ''), rcr: (m) => (m.count && m.count !== 1 ? 'OF' : ''),
  // SHLD/SHRD: AF undefined; OF undefined unless count 1; everything undefined when count > width.
  shld: (m) => dshUndef(m), shrd: (m) => dshUndef(m),
  // BT/BTS/BTR/BTC: "The ZF flag is unaffected. The OF, SF, AF, and PF flags are undefined."
  bt: 'OF SF AF PF', bts: 'OF SF AF PF', btr: 'OF SF AF PF', btc: 'OF SF AF PF',
  // BSF/BSR: "The CF, OF, SF, AF, and PF flags are undefined."
  bsf: 'CF OF SF AF PF', bsr: 'CF OF SF AF PF',
  // LZCNT/TZCNT: "The OF, SF, PF and AF flags are undefined."
  lzcnt: 'OF SF AF PF', tzcnt: 'OF SF AF PF',
  // BCD: DAA/DAS "The OF flag is undefined"; AAA/AAS "The OF, SF, ZF, and PF flags are
  // undefined"; AAM/AAD "The OF, AF, and CF flags are undefined".
  daa: 'OF', das: 'OF', aaa: 'OF SF ZF PF', aas: 'OF SF ZF PF', aam: 'OF AF CF', aad: 'OF AF CF',
};

function shiftUndef(m: Meta, cfWide: boolean): string {
  if (!m.count) return '';
  let s = 'AF';
  if (m.count !== 1) s += ' OF';
  if (cfWide && m.count >= m.size * 8) s += ' CF';
  return s;
}

function dshUndef(m: Meta): string {
  if (!m.count) return '';
  if (m.count > m.size * 8) return 'CF OF SF ZF AF PF';
  return m.count !== 1 ? 'AF OF' : 'AF';
}

/** The undefined-flag mask for a case. */
export function undefinedFlags(m: Meta): number {
  const e = UNDEFINED_FLAGS[m.mn];
  const s = e === undefined ? '' : typeof e === 'string' ? e : e(m);
  return bits(s) | (m.undefFlags ?? 0);
}
