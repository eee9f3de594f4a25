// One-byte opcode map (SDM vol 2D, appendix A.3 table A-2) and its groups
// (table A-6). Mnemonics are Intel's; the disassembler maps them to AT&T.
import { F, op, OpMap, OpNode } from '../table-types';

const m: OpMap = new Array(256);
const ALU = ['add', 'or', 'adc', 'sbb', 'and', 'sub', 'xor', 'cmp'];
const L = F.LOCK;

// 00-3F: the eight ALU ops in six forms each.
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
m[0x06] = op('push', ['ES'], F.I64, 'push_sreg');
m[0x07] = op('pop', ['ES'], F.I64 | F.END, 'pop_sreg');
m[0x0e] = op('push', ['CS'], F.I64, 'push_sreg');
m[0x16] = op('push', ['SS'], F.I64, 'push_sreg');
m[0x17] = op('pop', ['SS'], F.I64 | F.END, 'pop_sreg');
m[0x1e] = op('push', ['DS'], F.I64, 'push_sreg');
m[0x1f] = op('pop', ['DS'], F.I64 | F.END, 'pop_sreg');
// 0x26/2E/36/3E are segment prefixes, 0x0F the escape.
m[0x27] = op('daa', [], F.I64);
m[0x2f] = op('das', [], F.I64);
m[0x37] = op('aaa', [], F.I64);
m[0x3f] = op('aas', [], F.I64);
// 40-4F: INC/DEC (REX in 64-bit mode, handled by the decoder).
for (let r = 0; r < 8; r++) {
  m[0x40 + r] = op('inc', ['Zv'], F.I64);
  m[0x48 + r] = op('dec', ['Zv'], F.I64);
  m[0x50 + r] = op('push', ['Zv'], F.D64);
  m[0x58 + r] = op('pop', ['Zv'], F.D64);
}
m[0x60] = { osz: [op('pushaw', [], F.I64, 'pusha'), op('pushal', [], F.I64, 'pusha'), undefined] };
m[0x61] = { osz: [op('popaw', [], F.I64, 'popa'), op('popal', [], F.I64, 'popa'), undefined] };
m[0x62] = op('bound', ['Gv', 'Ma'], F.I64);
m[0x63] = { mode: [op('arpl', ['Ew', 'Gw'], F.None), op('movsxd', ['Gv', 'Ed'])] };
m[0x68] = op('push', ['Iz'], F.D64);
m[0x69] = op('imul', ['Gv', 'Ev', 'Iz'], F.None, 'imul3');
m[0x6a] = op('push', ['Ibs'], F.D64);
m[0x6b] = op('imul', ['Gv', 'Ev', 'Ibs'], F.None, 'imul3');
m[0x6c] = op('ins', ['Yb', 'DX'], F.REP);
m[0x6d] = op('ins', ['Yz', 'DX'], F.REP);
m[0x6e] = op('outs', ['DX', 'Xb'], F.REP);
m[0x6f] = op('outs', ['DX', 'Xz'], F.REP);
const JCC = ['jo', 'jno', 'jb', 'jae', 'je', 'jne', 'jbe', 'ja', 'js', 'jns', 'jp', 'jnp', 'jl', 'jge', 'jle', 'jg'];
for (let c = 0; c < 16; c++) m[0x70 + c] = op(JCC[c], ['Jb'], F.F64 | F.END, 'jcc');
// Group 1 (80, 81, 83; 82 is 80 in legacy modes).
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
m[0x8c] = op('mov', ['Ev', 'Sw'], F.None, 'mov_from_sreg');
m[0x8d] = op('lea', ['Gv', 'M']);
m[0x8e] = op('mov', ['Sw', 'Ew'], F.END, 'mov_to_sreg');
m[0x8f] = { reg: [op('pop', ['Ev'], F.D64)] };
m[0x90] = { pfx: [op('nop', [], F.None, 'nop'), op('xchg', ['Zv', 'rAX'], F.None, 'xchg'), op('pause', [], F.None), undefined] };
for (let r = 1; r < 8; r++) m[0x90 + r] = op('xchg', ['Zv', 'rAX']);
m[0x98] = { osz: [op('cbw', [], F.None, 'cbw'), op('cwde', [], F.None, 'cbw'), op('cdqe', [], F.None, 'cbw')] };
m[0x99] = { osz: [op('cwd', [], F.None, 'cwd'), op('cdq', [], F.None, 'cwd'), op('cqo', [], F.None, 'cwd')] };
m[0x9a] = op('call', ['Ap'], F.I64 | F.END, 'callf');
m[0x9b] = op('fwait');
m[0x9c] = op('pushf', [], F.D64);
m[0x9d] = op('popf', [], F.D64 | F.END);
m[0x9e] = op('sahf');
m[0x9f] = op('lahf');
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
const SHIFTS = ['rol', 'ror', 'rcl', 'rcr', 'shl', 'shr', 'sal', 'sar'];
const grp2 = (dst: string, cnt: string): OpNode => ({ reg: SHIFTS.map((s) => op(s, [dst, cnt])) });
m[0xc0] = grp2('Eb', 'Ib');
m[0xc1] = grp2('Ev', 'Ib');
m[0xc2] = op('ret', ['Iw'], F.F64 | F.END, 'ret');
m[0xc3] = op('ret', [], F.F64 | F.END, 'ret');
m[0xc4] = op('les', ['Gz', 'Mp'], F.I64 | F.END, 'lfp');
m[0xc5] = op('lds', ['Gz', 'Mp'], F.I64 | F.END, 'lfp');
m[0xc6] = { reg: [op('mov', ['Eb', 'Ib'])], };
m[0xc7] = { reg: [op('mov', ['Ev', 'Iz'])] };
m[0xc8] = op('enter', ['Iw', 'Ib'], F.D64);
m[0xc9] = op('leave', [], F.D64);
m[0xca] = op('lret', ['Iw'], F.END, 'retf');
m[0xcb] = op('lret', [], F.END, 'retf');
m[0xcc] = op('int3', [], F.END);
m[0xcd] = op('int', ['Ib'], F.END);
m[0xce] = op('into', [], F.I64 | F.END);
m[0xcf] = op('iret', [], F.END);
m[0xd0] = grp2('Eb', '1');
m[0xd1] = grp2('Ev', '1');
m[0xd2] = grp2('Eb', 'CL');
m[0xd3] = grp2('Ev', 'CL');
m[0xd4] = op('aam', ['Ib'], F.I64);
m[0xd5] = op('aad', ['Ib'], F.I64);
m[0xd6] = op('salc', [], F.I64);
m[0xd7] = op('xlat', []);
// D8-DF: x87 escape, filled by x87.ts.
m[0xe0] = op('loopne', ['Jb'], F.F64 | F.END, 'loop');
m[0xe1] = op('loope', ['Jb'], F.F64 | F.END, 'loop');
m[0xe2] = op('loop', ['Jb'], F.F64 | F.END, 'loop');
m[0xe3] = op('jrcxz', ['Jb'], F.F64 | F.END, 'jrcxz');
m[0xe4] = op('in', ['AL', 'Ib']);
m[0xe5] = op('in', ['eAX', 'Ib']);
m[0xe6] = op('out', ['Ib', 'AL']);
m[0xe7] = op('out', ['Ib', 'eAX']);
m[0xe8] = op('call', ['Jz'], F.F64 | F.END);
m[0xe9] = op('jmp', ['Jz'], F.F64 | F.END);
m[0xea] = op('ljmp', ['Ap'], F.I64 | F.END, 'jmpf');
m[0xeb] = op('jmp', ['Jb'], F.F64 | F.END);
m[0xec] = op('in', ['AL', 'DX']);
m[0xed] = op('in', ['eAX', 'DX']);
m[0xee] = op('out', ['DX', 'AL']);
m[0xef] = op('out', ['DX', 'eAX']);
m[0xf1] = op('int1', [], F.END);
m[0xf4] = op('hlt', [], F.END | F.PRIV);
m[0xf5] = op('cmc');
m[0xf6] = { reg: [op('test', ['Eb', 'Ib']), op('test', ['Eb', 'Ib']), op('not', ['Eb'], L), op('neg', ['Eb'], L),
  op('mul', ['Eb']), op('imul', ['Eb'], F.None, 'imul1'), op('div', ['Eb']), op('idiv', ['Eb'])] };
m[0xf7] = { reg: [op('test', ['Ev', 'Iz']), op('test', ['Ev', 'Iz']), op('not', ['Ev'], L), op('neg', ['Ev'], L),
  op('mul', ['Ev']), op('imul', ['Ev'], F.None, 'imul1'), op('div', ['Ev']), op('idiv', ['Ev'])] };
m[0xf8] = op('clc');
m[0xf9] = op('stc');
m[0xfa] = op('cli');
m[0xfb] = op('sti', [], F.END);
m[0xfc] = op('cld');
m[0xfd] = op('std');
m[0xfe] = { reg: [op('inc', ['Eb'], L), op('dec', ['Eb'], L)] };
m[0xff] = { reg: [
  op('inc', ['Ev'], L), op('dec', ['Ev'], L),
  op('call', ['Ev'], F.F64 | F.END, 'call_ind'), op('lcall', ['Mp'], F.END, 'callf_ind'),
  op('jmp', ['Ev'], F.F64 | F.END, 'jmp_ind'), op('ljmp', ['Mp'], F.END, 'jmpf_ind'),
  op('push', ['Ev'], F.D64), undefined,
] };

export const ONE_BYTE: OpMap = m;
