// One-byte opcode map (SDM vol 2D, appendix A.3 table A-2) and its groups
// (table A-6). Mnemonics are Intel's; the disassembler maps them to AT&T.
// Prefix bytes (26 2E 36 3E 64-67 F0 F2 F3), REX (40-4F in 64-bit mode) and
// the escapes (0F; C4/C5/62/8F when they start VEX/EVEX/XOP) are consumed by
// the decoder and have no entry here.
import { F, op, OpMap, OpNode } from '../table-types';

const m: OpMap = new Array(256);
const ALU = ['add', 'or', 'adc', 'sbb', 'and', 'sub', 'xor', 'cmp'];
const L = F.LOCK;
const E = F.END;

// 00-3F: the eight ALU ops in six forms each (SDM vol 2A, ADD and friends).
for (let n = 0; n < 8; n++) {
  const b = n * 8;
  const lock = ALU[n] === 'cmp' ? 0 : L;
  m[b + 0] = op(ALU[n], ['Eb', 'Gb'], lock);
  m[b + 1] = op(ALU[n], ['Ev', 'Gv'], lock);
  m[b + 2] = op(ALU[n], ['Gb', 'Eb']);
  m[b + 3] = op(ALU[n], ['Gv', 'Ev']);
  m[b + 4] = op(ALU[n], ['AL', 'Ib']);
  m[b + 5] = op(ALU[n], ['rAX', 'Iz']);
}
// Segment register push/pop are invalid in 64-bit mode (SDM vol 2B, PUSH/POP).
m[0x06] = op('push', ['ES'], F.I64, 'push_sreg');
m[0x07] = op('pop', ['ES'], F.I64 | E, 'pop_sreg');
m[0x0e] = op('push', ['CS'], F.I64, 'push_sreg');
m[0x16] = op('push', ['SS'], F.I64, 'push_sreg');
m[0x17] = op('pop', ['SS'], F.I64 | E, 'pop_sreg');
m[0x1e] = op('push', ['DS'], F.I64, 'push_sreg');
m[0x1f] = op('pop', ['DS'], F.I64 | E, 'pop_sreg');
// BCD adjustments are invalid in 64-bit mode (SDM vol 2A, DAA: "#UD in 64-bit mode").
m[0x27] = op('daa', [], F.I64);
m[0x2f] = op('das', [], F.I64);
m[0x37] = op('aaa', [], F.I64);
m[0x3f] = op('aas', [], F.I64);
// 40-4F: INC/DEC r (REX prefixes in 64-bit mode, consumed by the decoder; SDM vol 2A, 2.2.1).
for (let r = 0; r < 8; r++) {
  m[0x40 + r] = op('inc', ['Zv'], F.I64);
  m[0x48 + r] = op('dec', ['Zv'], F.I64);
  m[0x50 + r] = op('push', ['Zv'], F.D64);
  m[0x58 + r] = op('pop', ['Zv'], F.D64);
}
m[0x60] = { osz: [op('pushaw', [], F.I64, 'pusha'), op('pushal', [], F.I64, 'pusha'), undefined] };
m[0x61] = { osz: [op('popaw', [], F.I64, 'popa'), op('popal', [], F.I64, 'popa'), undefined] };
// BOUND's register form (C0-FF ModRM) is EVEX outside 64-bit mode (SDM vol 2A, 2.6.1).
m[0x62] = op('bound', ['Gv', 'Ma'], F.I64);
// 63: ARPL outside 64-bit mode; MOVSXD in 64-bit mode, whose source is r/m16 with 66
// and r/m32 otherwise (SDM vol 2B, MOVSX/MOVSXD: "MOVSXD r16, r/m16").
m[0x63] = { mode: [op('arpl', ['Ew', 'Gw'], F.None), op('movsxd', ['Gv', 'Ez'])] };
m[0x68] = op('push', ['Iz'], F.D64);
m[0x69] = op('imul', ['Gv', 'Ev', 'Iz'], F.None, 'imul3');
m[0x6a] = op('push', ['Ibs'], F.D64);
m[0x6b] = op('imul', ['Gv', 'Ev', 'Ibs'], F.None, 'imul3');
m[0x6c] = op('ins', ['Yb', 'DX'], F.REP);
m[0x6d] = op('ins', ['Yz', 'DX'], F.REP);
m[0x6e] = op('outs', ['DX', 'Xb'], F.REP);
m[0x6f] = op('outs', ['DX', 'Xz'], F.REP);
const JCC = ['jo', 'jno', 'jb', 'jae', 'je', 'jne', 'jbe', 'ja', 'js', 'jns', 'jp', 'jnp', 'jl', 'jge', 'jle', 'jg'];
for (let c = 0; c < 16; c++) m[0x70 + c] = op(JCC[c], ['Jb'], F.F64 | E, 'jcc');
// Group 1 (80, 81, 83; 82 is an alias of 80 outside 64-bit mode: SDM vol 2D, table A-2 note).
const grp1 = (dst: string, src: string, extra = 0): OpNode => ({
  reg: ALU.map((a) => op(a, [dst, src], (a === 'cmp' ? 0 : L) | extra)),
});
m[0x80] = grp1('Eb', 'Ib');
m[0x81] = grp1('Ev', 'Iz');
m[0x82] = grp1('Eb', 'Ib', F.I64);
m[0x83] = grp1('Ev', 'Ibs');
m[0x84] = op('test', ['Eb', 'Gb']);
m[0x85] = op('test', ['Ev', 'Gv']);
m[0x86] = op('xchg', ['Eb', 'Gb'], L);
m[0x87] = op('xchg', ['Ev', 'Gv'], L);
m[0x88] = op('mov', ['Eb', 'Gb']);
m[0x89] = op('mov', ['Ev', 'Gv']);
m[0x8a] = op('mov', ['Gb', 'Eb']);
m[0x8b] = op('mov', ['Gv', 'Ev']);
// MOV from a segment register: a register destination takes the operand size, memory is
// always 16 bits (SDM vol 2B, MOV: "MOV r/m16, Sreg" and "MOV r16/r32/r64, Sreg").
m[0x8c] = { mod: [op('mov', ['Mw', 'Sw'], F.None, 'mov_from_sreg'), op('mov', ['Rv', 'Sw'], F.None, 'mov_from_sreg')] };
m[0x8d] = op('lea', ['Gv', 'M']);
m[0x8e] = op('mov', ['Sw', 'Ew'], E, 'mov_to_sreg');
// 8F /1-/7 start an XOP prefix (decoder); only /0 is POP.
m[0x8f] = { reg: [op('pop', ['Ev'], F.D64)] };
// 90: NOP, unless REX.B makes it XCHG r8, rAX (SDM vol 2B, NOP and XCHG). F3 90 is PAUSE;
// 66 90 is XCHG AX, AX; F2 is ignored (same entry as no prefix, so not consumed).
const nop90 = op('nop', [], F.NOMAND | F.FALLBACK, 'nop');
// With REX.B, F3 still makes PAUSE (the REX.B is then unused).
const pause = op('pause', []);
const xchgR8 = op('xchg', ['Zv', 'rAX'], F.NOMAND | F.FALLBACK);
m[0x90] = { rexb: [{ pfx: [nop90, op('xchg', ['Zv', 'rAX'], F.NOMAND, 'xchg'), pause, nop90] }, { pfx: [xchgR8, xchgR8, pause, xchgR8] }] };
for (let r = 1; r < 8; r++) m[0x90 + r] = op('xchg', ['Zv', 'rAX']);
m[0x98] = { osz: [op('cbw', [], F.None, 'cbw'), op('cwde', [], F.None, 'cbw'), op('cdqe', [], F.None, 'cbw')] };
m[0x99] = { osz: [op('cwd', [], F.None, 'cwd'), op('cdq', [], F.None, 'cwd'), op('cqo', [], F.None, 'cwd')] };
m[0x9a] = op('call', ['Ap'], F.I64 | E, 'callf');
m[0x9b] = op('fwait');
m[0x9c] = op('pushf', [], F.D64);
m[0x9d] = op('popf', [], F.D64 | E);
m[0x9e] = op('sahf');
m[0x9f] = op('lahf');
// MOV moffs: an address-size offset (SDM vol 2B, MOV opcodes A0-A3).
m[0xa0] = op('mov', ['AL', 'Ob']);
m[0xa1] = op('mov', ['rAX', 'Ov']);
m[0xa2] = op('mov', ['Ob', 'AL']);
m[0xa3] = op('mov', ['Ov', 'rAX']);
m[0xa4] = op('movs', ['Yb', 'Xb'], F.REP);
m[0xa5] = op('movs', ['Yv', 'Xv'], F.REP);
m[0xa6] = op('cmps', ['Xb', 'Yb'], F.REP);
m[0xa7] = op('cmps', ['Xv', 'Yv'], F.REP);
m[0xa8] = op('test', ['AL', 'Ib']);
m[0xa9] = op('test', ['rAX', 'Iz']);
m[0xaa] = op('stos', ['Yb', 'AL'], F.REP);
m[0xab] = op('stos', ['Yv', 'rAX'], F.REP);
m[0xac] = op('lods', ['AL', 'Xb'], F.REP);
m[0xad] = op('lods', ['rAX', 'Xv'], F.REP);
m[0xae] = op('scas', ['AL', 'Yb'], F.REP);
m[0xaf] = op('scas', ['rAX', 'Yv'], F.REP);
for (let r = 0; r < 8; r++) {
  m[0xb0 + r] = op('mov', ['Zb', 'Ib']);
  m[0xb8 + r] = op('mov', ['Zv', 'Iv']);
}
// Group 2: /6 is an undocumented alias of SHL (SAL); objdump prints it as shl.
const SHIFTS = ['rol', 'ror', 'rcl', 'rcr', 'shl', 'shr', 'sal', 'sar'];
const grp2 = (dst: string, cnt: string): OpNode => ({ reg: SHIFTS.map((s) => op(s, [dst, cnt])) });
m[0xc0] = grp2('Eb', 'Ib');
m[0xc1] = grp2('Ev', 'Ib');
m[0xc2] = op('ret', ['Iw'], F.F64 | E, 'ret');
m[0xc3] = op('ret', [], F.F64 | E, 'ret');
m[0xc4] = op('les', ['Gz', 'Mp'], F.I64 | E, 'lfp');
m[0xc5] = op('lds', ['Gz', 'Mp'], F.I64 | E, 'lfp');
// Group 11: MOV /0; C6 F8 / C7 F8 are XABORT / XBEGIN (SDM vol 2D, table A-6; vol 2C, XBEGIN).
const rmOnly0 = (e: OpNode): (OpNode | undefined)[] => [e, undefined, undefined, undefined, undefined, undefined, undefined, undefined];
m[0xc6] = { reg: [op('mov', ['Eb', 'Ib']), undefined, undefined, undefined, undefined, undefined, undefined,
  { mod: [undefined, { rm: rmOnly0(op('xabort', ['Ib'], E)) }] }] };
m[0xc7] = { reg: [op('mov', ['Ev', 'Iz']), undefined, undefined, undefined, undefined, undefined, undefined,
  { mod: [undefined, { rm: rmOnly0(op('xbegin', ['Jz'], E)) }] }] };
m[0xc8] = op('enter', ['Iw', 'Ib'], F.D64);
m[0xc9] = op('leave', [], F.D64);
m[0xca] = op('lret', ['Iw'], E, 'retf');
m[0xcb] = op('lret', [], E, 'retf');
m[0xcc] = op('int3', [], E);
m[0xcd] = op('int', ['Ib'], E);
m[0xce] = op('into', [], F.I64 | E);
m[0xcf] = op('iret', [], E);
m[0xd0] = grp2('Eb', '1');
m[0xd1] = grp2('Ev', '1');
m[0xd2] = grp2('Eb', 'CL');
m[0xd3] = grp2('Ev', 'CL');
m[0xd4] = op('aam', ['Ib'], F.I64);
m[0xd5] = op('aad', ['Ib'], F.I64);
// D6 (SALC) is undocumented: left undefined (#UD), as objdump treats it.
m[0xd7] = op('xlat', []);
// D8-DF: x87 escape, filled by x87.ts.
m[0xe0] = op('loopne', ['Jb'], F.F64 | E, 'loop');
m[0xe1] = op('loope', ['Jb'], F.F64 | E, 'loop');
m[0xe2] = op('loop', ['Jb'], F.F64 | E, 'loop');
m[0xe3] = op('jrcxz', ['Jb'], F.F64 | E, 'jrcxz');
m[0xe4] = op('in', ['AL', 'Ib']);
m[0xe5] = op('in', ['eAX', 'Ib']);
m[0xe6] = op('out', ['Ib', 'AL']);
m[0xe7] = op('out', ['Ib', 'eAX']);
m[0xe8] = op('call', ['Jz'], F.F64 | E);
m[0xe9] = op('jmp', ['Jz'], F.F64 | E);
m[0xea] = op('ljmp', ['Ap'], F.I64 | E, 'jmpf');
m[0xeb] = op('jmp', ['Jb'], F.F64 | E);
m[0xec] = op('in', ['AL', 'DX']);
m[0xed] = op('in', ['eAX', 'DX']);
m[0xee] = op('out', ['DX', 'AL']);
m[0xef] = op('out', ['DX', 'eAX']);
m[0xf1] = op('int1', [], E);
m[0xf4] = op('hlt', [], E | F.PRIV);
m[0xf5] = op('cmc');
// Group 3: /1 is an undocumented alias of TEST (objdump decodes it as test).
m[0xf6] = { reg: [op('test', ['Eb', 'Ib']), op('test', ['Eb', 'Ib']), op('not', ['Eb'], L), op('neg', ['Eb'], L),
  op('mul', ['Eb']), op('imul', ['Eb'], F.None, 'imul1'), op('div', ['Eb']), op('idiv', ['Eb'])] };
m[0xf7] = { reg: [op('test', ['Ev', 'Iz']), op('test', ['Ev', 'Iz']), op('not', ['Ev'], L), op('neg', ['Ev'], L),
  op('mul', ['Ev']), op('imul', ['Ev'], F.None, 'imul1'), op('div', ['Ev']), op('idiv', ['Ev'])] };
m[0xf8] = op('clc');
m[0xf9] = op('stc');
m[0xfa] = op('cli');
m[0xfb] = op('sti', [], E);
m[0xfc] = op('cld');
m[0xfd] = op('std');
m[0xfe] = { reg: [op('inc', ['Eb'], L), op('dec', ['Eb'], L)] };
// Group 5: near CALL/JMP default to 64-bit operands; far forms take m16:16/32/64
// (REX.W: m16:64, SDM vol 2A, CALL / JMP).
m[0xff] = { reg: [
  op('inc', ['Ev'], L), op('dec', ['Ev'], L),
  op('call', ['Ev'], F.F64 | E, 'call_ind'), op('lcall', ['Mp'], E, 'callf_ind'),
  op('jmp', ['Ev'], F.F64 | E, 'jmp_ind'), op('ljmp', ['Mp'], E, 'jmpf_ind'),
  op('push', ['Ev'], F.D64), undefined,
] };

export const ONE_BYTE: OpMap = m;
