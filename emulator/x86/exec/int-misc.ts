// Small integer instructions: NOP forms and hints, UD0/UD1/UD2, the flag
// instructions CLC/STC/CMC/CLD/STD/LAHF/SAHF, CBW/CWDE/CDQE, CWD/CDQ/CQO and
// XLAT (SDM vol 2A/2B instruction pages).
import { CpuFault } from '../fault';
import { CpuMode } from '../state';
import { getCF, getFlags, setArith } from '../flags';
import { CF, PF, AF, ZF, SF, DF } from '../regs';
import { H, linOf, dsSeg, INT_FEAT } from './int-util';

/** NOP, multi-byte NOP (0F 1F /0, 0F 19-1F hints), PAUSE, PREFETCH*: no architectural effect. */
const nop: H = () => {};

/** SDM vol 2B, UD: UD0, UD1, UD2 raise #UD (their ModRM bytes are decoded, never accessed). */
const ud: H = () => { throw new CpuFault(6, -1, 0, 'UD instruction'); };

// SDM vol 2A, CLC/STC/CMC: CF ← 0 / 1 / ¬CF; CLD/STD: DF ← 0 / 1. No other flag changes.
const clc: H = (cpu) => setArith(cpu, CF, 0);
const stc: H = (cpu) => setArith(cpu, CF, CF);
const cmc: H = (cpu) => setArith(cpu, CF, getCF(cpu) ? 0 : CF);
const cld: H = (cpu) => { cpu.flagsRest = (cpu.flagsRest & ~DF) >>> 0; };
const std: H = (cpu) => { cpu.flagsRest = (cpu.flagsRest | DF) >>> 0; };

/**
 * SDM vol 2A, LAHF: AH ← SF:ZF:0:AF:0:PF:1:CF. SAHF: SF ZF AF PF CF ← AH.
 * In 64-bit mode both need CPUID.80000001H:ECX.LAHF-SAHF[bit 0], else #UD.
 */
function lahfSahfOk(cpu: Parameters<H>[0]): void {
  if (cpu.mode === CpuMode.Long64 && !cpu.model.has(INT_FEAT.lahfLm)) throw new CpuFault(6, -1, 0, 'LAHF/SAHF in 64-bit mode without CPUID.LAHF-SAHF');
}
const lahf: H = (cpu) => {
  lahfSahfOk(cpu);
  cpu.setReg8H(0, (getFlags(cpu) & (SF | ZF | AF | PF | CF)) | 2);
};
const sahf: H = (cpu) => {
  lahfSahfOk(cpu);
  setArith(cpu, SF | ZF | AF | PF | CF, cpu.getReg8H(0));
};

/** SDM vol 2A, CBW/CWDE/CDQE: sign-extend AL→AX, AX→EAX, EAX→RAX (by operand size). */
const cbw: H = (cpu, i) => {
  const regs = cpu.regs;
  if (i.osize === 2) cpu.setReg(0, 2, ((regs[0] << 24) >> 24) & 0xffff);
  else if (i.osize === 4) { regs[0] = (regs[0] << 16) >> 16; regs[1] = 0; }
  else regs[1] = regs[0] >> 31;
};

/** SDM vol 2A, CWD/CDQ/CQO: rDX ← the sign of rAX replicated (by operand size). */
const cwd: H = (cpu, i) => {
  const regs = cpu.regs;
  if (i.osize === 2) cpu.setReg(2, 2, (regs[0] << 16) >> 31);
  else if (i.osize === 4) { regs[4] = regs[0] >> 31; regs[5] = 0; }
  else { const s = regs[1] >> 31; regs[4] = s; regs[5] = s; }
};

/**
 * SDM vol 2B, XLAT: AL ← [seg:rBX + ZeroExtend(AL)], the sum at the address
 * size (BX, EBX or RBX), DS unless overridden.
 */
const xlat: H = (cpu, i) => {
  const regs = cpu.regs;
  const al = regs[0] & 0xff;
  let lo: number, hi = 0;
  if (i.asize === 8) {
    const t = (regs[6] >>> 0) + al;
    lo = t >>> 0; hi = (regs[7] + (t >= 0x1_0000_0000 ? 1 : 0)) | 0;
  } else if (i.asize === 4) lo = ((regs[6] >>> 0) + al) >>> 0;
  else lo = (regs[6] + al) & 0xffff;
  const v = cpu.read8(linOf(cpu, dsSeg(i), lo, hi, 1));
  cpu.setReg(0, 1, v);
};

export const miscHandlers: Record<string, H> = {
  // PAUSE, PREFETCH and UD0/1/2 belong to the system module (sys-misc.ts).
  nop,
  clc, stc, cmc, cld, std, lahf, sahf, cbw, cwd, xlat,
};
