// AT&T mnemonics for the disassembler (disasm.ts): the table keeps Intel
// mnemonics; AT&T spells some differently (cltq, movzbl, movslq, lret, ...)
// and adds a size suffix where no register operand shows the size. The rules
// follow what objdump (binutils 2.40) prints; GNU as documents the syntax in
// "i386-Mnemonics" (AT&T vs Intel mnemonic differences).
import type { Insn } from './insn';
import type { OperandSpec } from './operand-spec';

export interface MnemonicInfo {
  i: Insn;
  mode: 16 | 32 | 64;
  osize: number;
  asize: number;
  long: boolean;
  /** Size of the memory operand (0 when there is none). */
  memSize: number;
  /** A register operand shows the operand size. */
  sizingReg: boolean;
  hasMem: boolean;
  /** REX.W is set. */
  w: boolean;
  /** The entry was selected by REX.W (its name already says so). */
  wSplit: boolean;
  /** The mode's default operand size: 2 in 16-bit code, 4 otherwise. */
  defaultOsize: number;
  f: number;
}

function letter(s: number): string {
  return s === 1 ? 'b' : s === 2 ? 'w' : s === 4 ? 'l' : s === 8 ? 'q' : '';
}

/** Mnemonics that take a size suffix when no register operand shows the size ("addl $1,(%rax)"). */
const AUTO = new Set(['add', 'or', 'adc', 'sbb', 'and', 'sub', 'xor', 'cmp', 'test', 'mov', 'inc', 'dec', 'not', 'neg',
  'mul', 'imul', 'div', 'idiv', 'rol', 'ror', 'rcl', 'rcr', 'shl', 'shr', 'sal', 'sar', 'bt', 'bts', 'btr', 'btc', 'xchg',
  'nop']);

const CONVERT: Record<string, string> = { cbw: 'cbtw', cwde: 'cwtl', cdqe: 'cltq', cwd: 'cwtd', cdq: 'cltd', cqo: 'cqto' };

/** The XSAVE family names its 64-bit (REX.W) forms with a "64" suffix. */
const SAVE64 = new Set(['fxsave', 'fxrstor', 'xsave', 'xrstor', 'xsaveopt', 'xsavec', 'xsaves', 'xrstors']);

/** String instructions and the name objdump gives F3 on them. */
export function isRepString(m: string): '' | 'rep' | 'repz' {
  return m === 'movs' || m === 'stos' || m === 'lods' || m === 'ins' || m === 'outs' ? 'rep'
    : m === 'cmps' || m === 'scas' ? 'repz' : '';
}

export function attMnemonic(m: string, key: string, x: MnemonicInfo): string {
  const { i, osize, long } = x;
  // Group 2 /6 is an alias of SHL (/4); objdump prints it as shl.
  if (m === 'sal') m = 'shl';
  const stackDefault = long ? 8 : x.defaultOsize;
  const sizeIfNot = (dflt: number): string => (osize !== dflt ? letter(osize) : '');
  const conv = CONVERT[m];
  if (conv) return conv;
  switch (m) {
    case 'movzx': return 'movz' + letter(i.s1) + letter(osize);
    case 'movsx': return 'movs' + letter(i.s1) + letter(osize);
    case 'movsxd': return x.w ? 'movslq' : 'movsxd';
    case 'pushaw': case 'pushal': return 'pusha' + sizeIfNot(x.defaultOsize);
    case 'popaw': case 'popal': return 'popa' + sizeIfNot(x.defaultOsize);
    case 'pushf': case 'popf': case 'enter': case 'leave': return m + sizeIfNot(stackDefault);
    case 'iret': case 'lret': case 'lcall': case 'ljmp': return m + sizeIfNot(x.defaultOsize);
    case 'loop': case 'loope': case 'loopne': {
      const dflt = long ? 8 : x.defaultOsize;
      return m + (x.asize !== dflt ? letter(x.asize) : '');
    }
    case 'jrcxz': return x.asize === 8 ? 'jrcxz' : x.asize === 4 ? 'jecxz' : 'jcxz';
    case 'sysret': case 'sysexit': return long ? m + (x.w ? 'q' : 'l') : m;
    case 'movs': case 'cmps': case 'ins': return m + letter(i.s0);
    case 'outs': return m + letter(i.s1);
    case 'crc32': return x.hasMem ? m + letter(x.memSize) : m;
    // A GPR-or-memory source whose size only REX.W can change: named for memory in 64-bit mode.
    case 'ptwrite': case 'cvtsi2ss': case 'cvtsi2sd': return long && x.hasMem ? m + letter(x.memSize) : m;
    // PCMPESTRx take RAX/RDX lengths under REX.W (SDM vol 2B, PCMPESTRI).
    case 'pcmpestrm': case 'pcmpestri': return x.w ? m + 'q' : m;
    // The descriptor-table instructions spell the operand size outside 64-bit mode.
    case 'sgdt': case 'sidt': case 'lgdt': case 'lidt': return long ? m : m + letter(osize);
    case 'xbegin': return osize === 2 && x.defaultOsize !== 2 ? 'xbeginw' : osize === 4 && x.defaultOsize === 2 ? 'xbeginl' : m;
    default: break;
  }
  if (SAVE64.has(m)) return x.w ? m + '64' : m;
  if (key === 'push' || key === 'pop') return x.sizingReg ? m : m + sizeIfNot(stackDefault);
  if (key === 'push_sreg' || key === 'pop_sreg') return m + sizeIfNot(stackDefault);
  if (key === 'callf') return 'lcall' + sizeIfNot(x.defaultOsize);
  if (key === 'ret' || key === 'call' || key === 'jmp' || key === 'call_ind' || key === 'jmp_ind') {
    // Near branches in 64-bit mode always use 64-bit operands (SDM vol 2A, CALL: "66H is ignored");
    // a rel8 displacement does not show the operand size.
    if (long || (i.map === 0 && i.opcode === 0xeb)) return m;
    // Indirect branches show the size only for a memory operand ("callw *(%eax)", "call *%ax").
    if ((key === 'call_ind' || key === 'jmp_ind') && x.sizingReg) return m;
    return m + sizeIfNot(x.defaultOsize);
  }
  if (m === 'mov') {
    // objdump calls the 64-bit-offset and 64-bit-immediate forms "movabs".
    if (long && ((i.map === 0 && i.opcode >= 0xa0 && i.opcode <= 0xa3 && x.asize === 8) ||
      (i.map === 0 && i.opcode >= 0xb8 && i.opcode <= 0xbf && osize === 8))) return 'movabs';
  }
  if (AUTO.has(m) && x.hasMem && !x.sizingReg) return m + letter(x.memSize || osize);
  return m;
}

// ---- x87

const X87_ALIAS: Record<string, string> = {
  fneni: 'fneni(8087 only)', fndisi: 'fndisi(8087 only)', fnsetpm: 'fnsetpm(287 only)', frstpm: 'frstpm(287 only)',
};
const X87_FLOAT = new Set(['fadd', 'fmul', 'fcom', 'fcomp', 'fsub', 'fsubr', 'fdiv', 'fdivr', 'fld', 'fst', 'fstp']);
const X87_INT = new Set(['fiadd', 'fimul', 'ficom', 'ficomp', 'fisub', 'fisubr', 'fidiv', 'fidivr', 'fild', 'fist', 'fistp', 'fisttp']);
/**
 * AT&T's historical reversal of the non-commutative register forms with ST(i) as
 * destination (DC E0-FF, DE E0-FF): Intel FSUBR ST(i),ST(0) is AT&T "fsub %st,%st(i)"
 * (GNU as manual, "i386-Bugs").
 */
const X87_SWAP: Record<string, string> = {
  fsub: 'fsubr', fsubr: 'fsub', fdiv: 'fdivr', fdivr: 'fdiv', fsubp: 'fsubrp', fsubrp: 'fsubp', fdivp: 'fdivrp', fdivrp: 'fdivp',
};

export function x87Name(m: string, i: Insn, specs: OperandSpec[], code16: boolean, p66: boolean): string {
  const alias = X87_ALIAS[m];
  if (alias) return alias;
  if (i.mod !== 3) {
    const t = specs.length ? specs[0].type : '';
    // Environment and state images come in 16- and 32-bit layouts (SDM vol 1, 8.1.10).
    // REX.W does not change them; only 66 does.
    if (t === 'e' || t === 'st') return p66 ? m + (code16 ? 'l' : 's') : m;
    if (X87_FLOAT.has(m)) return m + (t === 'd' ? 's' : t === 'q' ? 'l' : t === 't' ? 't' : '');
    if (X87_INT.has(m)) return m + (t === 'w' ? 's' : t === 'd' ? 'l' : t === 'q' ? 'll' : '');
    return m;
  }
  if ((i.opcode === 0xdc || i.opcode === 0xde) && ((i.modrm >> 3) & 7) >= 4) return X87_SWAP[m] ?? m;
  return m;
}
