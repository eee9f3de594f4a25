// BCD adjustments DAA, DAS, AAA, AAS, AAM, AAD (SDM vol 2A, each page's
// "Operation"). All are #UD in 64-bit mode (the opcode table marks them I64).
// Flags the SDM leaves undefined get a fixed value here, noted per handler.
import { CpuFault } from '../fault';
import { getAF, getCF } from '../flags';
import { CF, AF } from '../regs';
import { H, explicit, setAllArith } from './int-util';
import { PARITY } from '../flags';

/** SF ZF PF of an 8-bit result, as arithmetic-flag bits. */
function szp(v: number): number {
  return (v & 0x80 ? 0x80 : 0) | (v === 0 ? 0x40 : 0) | (PARITY[v] ? 0x4 : 0);
}

/**
 * DAA: if (AL & 0F) > 9 or AF: AL += 6, CF ← old CF | carry, AF ← 1; then if
 * old AL > 99H or old CF: AL += 60H, CF ← 1 (else CF ← 0). SF ZF PF from AL;
 * OF undefined (we give 0).
 */
const daa: H = (cpu) => {
  const regs = cpu.regs;
  const old = regs[0] & 0xff;
  const oldCf = getCF(cpu);
  let al = old, cf = false, af = false;
  if ((al & 0xf) > 9 || getAF(cpu)) { al += 6; cf = oldCf || al > 0xff; al &= 0xff; af = true; }
  if (old > 0x99 || oldCf) { al = (al + 0x60) & 0xff; cf = true; } else cf = false;
  cpu.setReg(0, 1, al);
  setAllArith(cpu, szp(al) | (cf ? CF : 0) | (af ? AF : 0));
};

/** DAS: as DAA with subtraction (AL −= 6 with borrow into CF; AL −= 60H). */
const das: H = (cpu) => {
  const regs = cpu.regs;
  const old = regs[0] & 0xff;
  const oldCf = getCF(cpu);
  let al = old, cf = false, af = false;
  if ((al & 0xf) > 9 || getAF(cpu)) { cf = oldCf || al < 6; al = (al - 6) & 0xff; af = true; }
  if (old > 0x99 || oldCf) { al = (al - 0x60) & 0xff; cf = true; }
  cpu.setReg(0, 1, al);
  setAllArith(cpu, szp(al) | (cf ? CF : 0) | (af ? AF : 0));
};

/**
 * AAA: if (AL & 0F) > 9 or AF: AX ← AX + 106H, AF ← CF ← 1; else AF ← CF ←
 * 0; then AL ← AL & 0FH. OF SF ZF PF undefined (we give SF ZF PF of the
 * final AL, OF 0).
 */
const aaa: H = (cpu) => {
  const regs = cpu.regs;
  let ax = regs[0] & 0xffff;
  const adj = (ax & 0xf) > 9 || getAF(cpu);
  if (adj) ax = (ax + 0x106) & 0xffff;
  ax &= 0xff0f;
  cpu.setReg(0, 2, ax);
  setAllArith(cpu, szp(ax & 0xff) | (adj ? CF | AF : 0));
};

/** AAS: if (AL & 0F) > 9 or AF: AX ← AX − 6, AH ← AH − 1, AF ← CF ← 1; then AL ← AL & 0FH. */
const aas: H = (cpu) => {
  const regs = cpu.regs;
  let ax = regs[0] & 0xffff;
  const adj = (ax & 0xf) > 9 || getAF(cpu);
  if (adj) { ax = (ax - 6) & 0xffff; ax = (ax - 0x100) & 0xffff; }
  ax &= 0xff0f;
  cpu.setReg(0, 2, ax);
  setAllArith(cpu, szp(ax & 0xff) | (adj ? CF | AF : 0));
};

/** AAM imm8: AH ← AL / imm8, AL ← AL MOD imm8; #DE if imm8 = 0. SF ZF PF from AL; OF AF CF undefined (0). */
const aam: H = (cpu, i) => {
  const base = i.imm & 0xff;
  if (base === 0) throw new CpuFault(0, -1, 0, 'AAM with a zero base');
  const al = cpu.regs[0] & 0xff;
  const r = al % base;
  cpu.setReg(0, 2, (Math.floor(al / base) << 8) | r);
  explicit(cpu, 1, r, 0, 0, 0);
};

/** AAD imm8: AL ← (AL + AH × imm8) & FFH, AH ← 0. SF ZF PF from AL; OF AF CF undefined (0). */
const aad: H = (cpu, i) => {
  const regs = cpu.regs;
  const r = ((regs[0] & 0xff) + ((regs[0] >> 8) & 0xff) * (i.imm & 0xff)) & 0xff;
  cpu.setReg(0, 2, r);
  explicit(cpu, 1, r, 0, 0, 0);
};

export const bcdHandlers: Record<string, H> = { daa, das, aaa, aas, aam, aad };
