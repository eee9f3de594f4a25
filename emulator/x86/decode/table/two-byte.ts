// Two-byte opcode map 0F xx (SDM vol 2D, appendix A.3 table A-3) and groups
// 6, 7, 8, 9, 15 (table A-6): the general-purpose and system instructions.
// SSE entries are merged in from sse.ts.
import { F, op, OpMap, OpNode } from '../table-types';

const m: OpMap = new Array(256);
const E = F.END;
const P = F.PRIV;

m[0x00] = { reg: [
  op('sldt', ['Ew'], F.None), op('str', ['Ew'], F.None),
  op('lldt', ['Ew'], E | P), op('ltr', ['Ew'], E | P),
  op('verr', ['Ew'], F.None), op('verw', ['Ew'], F.None), undefined, undefined,
] };
const none = (n: number): (OpNode | undefined)[] => new Array(n).fill(undefined);
const rm1 = none(8); rm1[1] = op('vmcall', [], E); rm1[2] = op('vmlaunch', [], E); rm1[3] = op('vmresume', [], E); rm1[4] = op('vmxoff', [], E);
const rm1b = none(8); rm1b[0] = op('monitor', [], F.None); rm1b[1] = op('mwait', [], E); rm1b[2] = op('clac', [], F.None); rm1b[3] = op('stac', [], F.None);
const rm2 = none(8); rm2[0] = op('xgetbv', [], F.None); rm2[1] = op('xsetbv', [], E | P); rm2[4] = op('vmfunc', [], E);
const rm3 = none(8);
rm3[0] = op('vmrun', [], E); rm3[1] = op('vmmcall', [], E); rm3[2] = op('vmload', [], E); rm3[3] = op('vmsave', [], E);
rm3[4] = op('stgi', [], E); rm3[5] = op('clgi', [], E); rm3[6] = op('skinit', [], E); rm3[7] = op('invlpga', [], E);
const rm7 = none(8); rm7[0] = { mode: [undefined, op('swapgs', [], P)] }; rm7[1] = op('rdtscp', [], F.None);
m[0x01] = { reg: [
  { mod: [op('sgdt', ['Ms']), { rm: rm1 }] },
  { mod: [op('sidt', ['Ms']), { rm: rm1b }] },
  { mod: [op('lgdt', ['Ms'], E | P), { rm: rm2 }] },
  { mod: [op('lidt', ['Ms'], E | P), { rm: rm3 }] },
  op('smsw', ['Ew']),
  undefined,
  op('lmsw', ['Ew'], E | P),
  { mod: [op('invlpg', ['Mb'], E | P), { rm: rm7 }] },
] };
m[0x02] = op('lar', ['Gv', 'Ew']);
m[0x03] = op('lsl', ['Gv', 'Ew']);
m[0x05] = op('syscall', [], E);
m[0x06] = op('clts', [], P);
m[0x07] = op('sysret', [], E);
m[0x08] = op('invd', [], P);
m[0x09] = op('wbinvd', [], P);
m[0x0b] = op('ud2', [], E);
m[0x0d] = { reg: [op('prefetch', ['Mb']), op('prefetchw', ['Mb']), op('prefetch', ['Mb']), op('prefetch', ['Mb']),
  op('prefetch', ['Mb']), op('prefetch', ['Mb']), op('prefetch', ['Mb']), op('prefetch', ['Mb'])] };
m[0x18] = { mod: [{ reg: [op('prefetchnta', ['Mb'], F.None, 'nop'), op('prefetcht0', ['Mb'], F.None, 'nop'),
  op('prefetcht1', ['Mb'], F.None, 'nop'), op('prefetcht2', ['Mb'], F.None, 'nop'),
  op('nop', ['Ev'], F.None, 'nop'), op('nop', ['Ev'], F.None, 'nop'), op('nop', ['Ev'], F.None, 'nop'), op('nop', ['Ev'], F.None, 'nop')] },
  op('nop', ['Ev'], F.None, 'nop')] };
for (let b = 0x19; b <= 0x1f; b++) m[b] = op('nop', ['Ev'], F.None, 'nop');
m[0x20] = op('mov', ['Ry', 'Cy'], P | F.SYS64, 'mov_from_cr');
m[0x21] = op('mov', ['Ry', 'Dy'], P | F.SYS64, 'mov_from_dr');
m[0x22] = op('mov', ['Cy', 'Ry'], E | P | F.SYS64, 'mov_to_cr');
m[0x23] = op('mov', ['Dy', 'Ry'], E | P | F.SYS64, 'mov_to_dr');
m[0x30] = op('wrmsr', [], E | P);
m[0x31] = op('rdtsc');
m[0x32] = op('rdmsr', [], P);
m[0x33] = op('rdpmc');
m[0x34] = op('sysenter', [], E);
m[0x35] = op('sysexit', [], E);
m[0x37] = op('getsec', [], E);
const CC = ['o', 'no', 'b', 'ae', 'e', 'ne', 'be', 'a', 's', 'ns', 'p', 'np', 'l', 'ge', 'le', 'g'];
for (let c = 0; c < 16; c++) {
  m[0x40 + c] = op('cmov' + CC[c], ['Gv', 'Ev'], F.None, 'cmovcc');
  m[0x80 + c] = op('j' + CC[c], ['Jz'], F.F64 | E, 'jcc');
  m[0x90 + c] = op('set' + CC[c], ['Eb'], F.None, 'setcc');
}
m[0x78] = { pfx: [op('vmread', ['Ey', 'Gy'], F.SYS64 | E), undefined, undefined, undefined] };
m[0x79] = { pfx: [op('vmwrite', ['Gy', 'Ey'], F.SYS64 | E), undefined, undefined, undefined] };
m[0xa0] = op('push', ['FS'], F.D64, 'push_sreg');
m[0xa1] = op('pop', ['FS'], F.D64, 'pop_sreg');
m[0xa2] = op('cpuid', [], E);
m[0xa3] = op('bt', ['Ev', 'Gv']);
m[0xa4] = op('shld', ['Ev', 'Gv', 'Ib']);
m[0xa5] = op('shld', ['Ev', 'Gv', 'CL']);
m[0xa8] = op('push', ['GS'], F.D64, 'push_sreg');
m[0xa9] = op('pop', ['GS'], F.D64, 'pop_sreg');
m[0xaa] = op('rsm', [], E);
m[0xab] = op('bts', ['Ev', 'Gv'], F.LOCK);
m[0xac] = op('shrd', ['Ev', 'Gv', 'Ib']);
m[0xad] = op('shrd', ['Ev', 'Gv', 'CL']);
m[0xae] = { pfx: [
  { mod: [
    { reg: [op('fxsave', ['M']), op('fxrstor', ['M']), op('ldmxcsr', ['Md']), op('stmxcsr', ['Md']),
      op('xsave', ['M']), op('xrstor', ['M']), op('xsaveopt', ['M']), op('clflush', ['Mb'])] },
    { reg: [undefined, undefined, undefined, undefined, undefined,
      op('lfence', [], F.None, 'fence'), op('mfence', [], F.None, 'fence'), op('sfence', [], F.None, 'fence')] },
  ] },
  { mod: [{ reg: [undefined, undefined, undefined, undefined, undefined, undefined, op('clwb', ['Mb'], F.None, 'nop'), op('clflushopt', ['Mb'], F.None, 'clflush')] }, undefined] },
  { mod: [undefined, { reg: [op('rdfsbase', ['Ry'], F.O64), op('rdgsbase', ['Ry'], F.O64),
    op('wrfsbase', ['Ry'], F.O64), op('wrgsbase', ['Ry'], F.O64), undefined, undefined, undefined, undefined] }] },
  undefined,
] };
m[0xaf] = op('imul', ['Gv', 'Ev'], F.None, 'imul2');
m[0xb0] = op('cmpxchg', ['Eb', 'Gb'], F.LOCK);
m[0xb1] = op('cmpxchg', ['Ev', 'Gv'], F.LOCK);
m[0xb2] = op('lss', ['Gv', 'Mp'], E, 'lfp');
m[0xb3] = op('btr', ['Ev', 'Gv'], F.LOCK);
m[0xb4] = op('lfs', ['Gv', 'Mp'], F.None, 'lfp');
m[0xb5] = op('lgs', ['Gv', 'Mp'], F.None, 'lfp');
m[0xb6] = op('movzx', ['Gv', 'Eb']);
m[0xb7] = op('movzx', ['Gv', 'Ew']);
m[0xb8] = { pfx: [undefined, undefined, op('popcnt', ['Gv', 'Ev']), undefined] };
m[0xb9] = op('ud1', ['Gv', 'Ev'], E);
m[0xba] = { reg: [undefined, undefined, undefined, undefined,
  op('bt', ['Ev', 'Ib']), op('bts', ['Ev', 'Ib'], F.LOCK), op('btr', ['Ev', 'Ib'], F.LOCK), op('btc', ['Ev', 'Ib'], F.LOCK)] };
m[0xbb] = op('btc', ['Ev', 'Gv'], F.LOCK);
m[0xbc] = { pfx: [op('bsf', ['Gv', 'Ev']), op('bsf', ['Gv', 'Ev']), op('tzcnt', ['Gv', 'Ev']), op('bsf', ['Gv', 'Ev'])] };
m[0xbd] = { pfx: [op('bsr', ['Gv', 'Ev']), op('bsr', ['Gv', 'Ev']), op('lzcnt', ['Gv', 'Ev']), op('bsr', ['Gv', 'Ev'])] };
m[0xbe] = op('movsx', ['Gv', 'Eb']);
m[0xbf] = op('movsx', ['Gv', 'Ew']);
m[0xc0] = op('xadd', ['Eb', 'Gb'], F.LOCK);
m[0xc1] = op('xadd', ['Ev', 'Gv'], F.LOCK);
m[0xc7] = { mod: [
  { reg: [undefined, { w: [op('cmpxchg8b', ['Mq'], F.LOCK), op('cmpxchg16b', ['Mdq'], F.LOCK)] }, undefined, undefined, undefined, undefined,
    { pfx: [op('vmptrld', ['Mq'], E), op('vmclear', ['Mq'], E), op('vmxon', ['Mq'], E), undefined] },
    { pfx: [op('vmptrst', ['Mq'], E), undefined, undefined, undefined] }] },
  { reg: [undefined, undefined, undefined, undefined, undefined, undefined, op('rdrand', ['Rv']), op('rdseed', ['Rv'])] },
] };
for (let r = 0; r < 8; r++) m[0xc8 + r] = op('bswap', ['Zv']);
m[0xff] = op('ud0', ['Gv', 'Ev'], E);

export const TWO_BYTE: OpMap = m;

// 0F 38 and 0F 3A: the non-SSE entries (INVEPT/INVVPID/INVPCID, MOVBE, CRC32).
const m38: OpMap = new Array(256);
m38[0x80] = { pfx: [undefined, op('invept', ['Gy', 'Mdq'], E | F.SYS64 | F.MEMONLY), undefined, undefined] };
m38[0x81] = { pfx: [undefined, op('invvpid', ['Gy', 'Mdq'], E | F.SYS64 | F.MEMONLY), undefined, undefined] };
m38[0x82] = { pfx: [undefined, op('invpcid', ['Gy', 'Mdq'], E | F.SYS64 | F.MEMONLY), undefined, undefined] };
m38[0xf0] = { pfx: [op('movbe', ['Gv', 'Mv']), undefined, undefined, op('crc32', ['Gy', 'Eb'])] };
m38[0xf1] = { pfx: [op('movbe', ['Mv', 'Gv']), undefined, undefined, op('crc32', ['Gy', 'Ev'])] };
export const THREE_BYTE_38: OpMap = m38;
export const THREE_BYTE_3A: OpMap = new Array(256);
