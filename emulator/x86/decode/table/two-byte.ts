// Two-byte opcode map 0F xx (SDM vol 2D, appendix A.3 table A-3) and groups
// 6, 7, 8, 9, 15, 16, P (table A-6): the general-purpose and system
// instructions, plus the 0F 38 / 0F 3A entries that are not SIMD. The SIMD
// entries (0F 10-17, 28-2F, 50-77, 7C-7F, C2-C6, D0-FE and most of 0F 38 /
// 0F 3A) come from simd.ts, merged over these maps by index.ts.
//
// Entries nestvirt does not execute (CET, SGX, TDX, SEV-SNP, MPX, PadLock,
// SSE4a, 3DNow!, ...) are here so that lengths and disassembly agree with the
// manuals and objdump; they have no handler and execute as "not implemented".
import { F, op, OpEntry, OpMap, OpNode } from '../table-types';

type N = OpNode | undefined;
const m: OpMap = new Array(256);
const E = F.END;
const P = F.PRIV;
/** A prefix that selects nothing here is printed as unused and does not change the entry. */
const NM = F.NOMAND;
/** 64-bit-mode only (user interrupts, SEAM, SEV-SNP, MSR lists): #UD elsewhere. */
const O64 = F.O64;

const none = (n: number): N[] => new Array(n).fill(undefined);
/** Mandatory-prefix split [none, 66, F3, F2] (SDM vol 2A, 2.1.2). */
const pf = (n: N, p66: N, f3: N, f2: N): OpNode => ({ pfx: [n, p66, f3, f2] });
/** ModRM.rm split of a register form; unlisted rm values are undefined. */
const rms = (list: N[]): OpNode => ({ rm: [...list, ...none(8 - list.length)] });
const memReg = (mem: N, reg: N): OpNode => ({ mod: [mem, reg] });

// ---- Group 6 (0F 00): SLDT/STR store 16 bits to memory, a full register otherwise
// (SDM vol 2B, SLDT: "SLDT r/m16", "SLDT r64/m16").
m[0x00] = { reg: [
  memReg(op('sldt', ['Mw']), op('sldt', ['Rv'])), memReg(op('str', ['Mw']), op('str', ['Rv'])),
  op('lldt', ['Ew'], E | P), op('ltr', ['Ew'], E | P),
  op('verr', ['Ew']), op('verw', ['Ew']), undefined, undefined,
] };

// ---- Group 7 (0F 01): descriptor tables in the memory forms, a zoo of system
// instructions in the register forms, selected by ModRM.rm (SDM vol 2D, table A-6 note 1).
const g7r0 = rms([
  op('enclv', [], E), op('vmcall', [], E), op('vmlaunch', [], E), op('vmresume', [], E), op('vmxoff', [], E),
  op('pconfig', [], E | P), pf(op('wrmsrns', [], E | P), undefined, op('wrmsrlist', [], E | P | O64), op('rdmsrlist', [], P | O64)),
]);
const g7r1 = rms([
  op('monitor', []), op('mwait', [], E), op('clac'), op('stac'),
  pf(undefined, op('tdcall', [], E), undefined, undefined), pf(undefined, op('seamret', [], E | O64), undefined, undefined),
  pf(undefined, op('seamops', [], E | O64), undefined, undefined), pf(op('encls', [], E), op('seamcall', [], E | O64), undefined, undefined),
]);
const g7r2 = rms([
  op('xgetbv'), op('xsetbv', [], E | P), undefined, undefined, op('vmfunc', [], E), op('xend', [], E), op('xtest'),
  op('enclu', [], E),
]);
const vmgexit = op('vmgexit', [], E);
const g7r3 = rms([
  op('vmrun', [], E), pf(op('vmmcall', [], E), undefined, vmgexit, vmgexit), op('vmload', [], E), op('vmsave', [], E),
  op('stgi', [], E), op('clgi', [], E), op('skinit', [], E), op('invlpga', [], E),
]);
const g7r5 = rms([
  pf(op('serialize'), undefined, op('setssbsy', [], E), op('xsusldtrk')),
  pf(undefined, undefined, undefined, op('xresldtrk')),
  pf(undefined, undefined, op('saveprevssp', [], E), undefined),
  undefined,
  pf(undefined, undefined, op('uiret', [], E | O64), undefined),
  pf(undefined, undefined, op('testui', [], O64), undefined),
  pf(op('rdpkru'), undefined, op('clui', [], O64), undefined),
  pf(op('wrpkru', [], E), undefined, op('stui', [], O64), undefined),
]);
const g7r7 = rms([
  // SWAPGS is valid only in 64-bit mode (SDM vol 2B, SWAPGS: "#UD if not in 64-bit mode").
  op('swapgs', [], F.O64 | P | E), op('rdtscp'),
  pf(op('monitorx'), undefined, op('mcommit'), undefined),
  pf(op('mwaitx', [], E), undefined, undefined, undefined),
  op('clzero'),
  pf(op('rdpru'), undefined, op('rmpquery', [], P | O64), undefined),
  pf(op('invlpgb', [], E | P), undefined, op('rmpadjust', [], E | P | O64), op('rmpupdate', [], E | P | O64)),
  pf(op('tlbsync', [], E | P), undefined, op('psmash', [], E | P | O64), op('pvalidate', [], E | P)),
]);
m[0x01] = { reg: [
  memReg(op('sgdt', ['Ms']), g7r0),
  memReg(op('sidt', ['Ms']), g7r1),
  memReg(op('lgdt', ['Ms'], E | P), g7r2),
  memReg(op('lidt', ['Ms'], E | P), g7r3),
  // SMSW stores 16 bits to memory and the operand size to a register (SDM vol 2B, SMSW).
  memReg(op('smsw', ['Mw']), op('smsw', ['Rv'])),
  memReg(pf(undefined, undefined, op('rstorssp', ['Mq'], E), undefined), g7r5),
  op('lmsw', ['Ew'], E | P),
  memReg(op('invlpg', ['Mb'], E | P), g7r7),
] };
// LAR/LSL read a 16-bit selector from memory; the register form names a full register
// whose low 16 bits are used (SDM vol 2A, LAR: "LAR r32, r32/m16").
m[0x02] = memReg(op('lar', ['Gv', 'Mw']), op('lar', ['Gv', 'Rv']));
m[0x03] = memReg(op('lsl', ['Gv', 'Mw']), op('lsl', ['Gv', 'Rv']));
m[0x05] = op('syscall', [], E);
m[0x06] = op('clts', [], P);
m[0x07] = op('sysret', [], E | P);
m[0x08] = op('invd', [], P);
m[0x09] = pf(op('wbinvd', [], P), undefined, op('wbnoinvd', [], P), undefined);
m[0x0b] = op('ud2', [], E);
// Group P (AMD prefetch): memory forms only; /3-/7 are aliases of /0 (AMD APM vol 3, PREFETCH).
const prefetch = op('prefetch', ['Mb']);
m[0x0d] = memReg({ reg: [prefetch, op('prefetchw', ['Mb']), op('prefetchwt1', ['Mb'], F.None, 'prefetch'), prefetch, prefetch,
  prefetch, prefetch, prefetch] }, undefined);
m[0x0e] = op('femms');
// 3DNow!: 0F 0F /r ib, the trailing byte selects the operation (AMD 3DNow! Technology
// Manual, table 9). Decoded for length only.
m[0x0f] = {
  ...op('3dnow', ['Pq', 'Qq', 'Ib']),
  sub: {
    0x0c: 'pi2fw', 0x0d: 'pi2fd', 0x1c: 'pf2iw', 0x1d: 'pf2id', 0x8a: 'pfnacc', 0x8e: 'pfpnacc', 0x90: 'pfcmpge',
    0x94: 'pfmin', 0x96: 'pfrcp', 0x97: 'pfrsqrt', 0x9a: 'pfsub', 0x9e: 'pfadd', 0xa0: 'pfcmpgt', 0xa4: 'pfmax',
    0xa6: 'pfrcpit1', 0xa7: 'pfrsqit1', 0xaa: 'pfsubr', 0xae: 'pfacc', 0xb0: 'pfcmpeq', 0xb4: 'pfmul',
    0xb6: 'pfrcpit2', 0xb7: 'pmulhrw', 0xbb: 'pswapd', 0xbf: 'pavgusb',
  },
};

// ---- 0F 18-1F: hint NOPs (SDM vol 2B, NOP: "0F 1F /0 NOP r/m16/32") and the
// instructions later assigned inside that space.
const hnop = (): OpEntry => op('nop', ['Ev'], NM, 'nop');
const nopEv = hnop();
// 0F 18: PREFETCHh /0-/3; PREFETCHIT0/1 are /7 and /6 with a RIP-relative operand only
// (SDM vol 2B, PREFETCHITx); everything else is a hint NOP.
const ripOnly = (e: OpEntry): OpNode => ({ riprel: [nopEv, e] });
// In the PREFETCHIT rows F3/F2 select a hint NOP and are consumed (objdump prints no "repz").
const nopF3F2 = op('nop', ['Ev'], F.None, 'nop');
m[0x18] = memReg({ reg: [
  op('prefetchnta', ['Mb'], F.None, 'nop'), op('prefetcht0', ['Mb'], F.None, 'nop'),
  op('prefetcht1', ['Mb'], F.None, 'nop'), op('prefetcht2', ['Mb'], F.None, 'nop'), nopEv, nopEv,
  { mode: [nopEv, pf(ripOnly(op('prefetchit1', ['Mb'], F.None, 'nop')), nopEv, nopF3F2, nopF3F2)] },
  { mode: [nopEv, pf(ripOnly(op('prefetchit0', ['Mb'], F.None, 'nop')), nopEv, nopF3F2, nopF3F2)] },
] }, nopEv);
m[0x19] = nopEv;
// MPX (0F 1A/1B, SDM vol 1, 17.4 "Intel MPX"; removed from later processors, where these
// encodings are NOPs): decoded for disassembly, not executed.
// Their GPR operands are 64-bit in 64-bit mode whatever REX.W says (SDM vol 2A, BNDCL).
const MPX = F.MPX;
const MPXG = F.MPX | F.SYS64;
m[0x1a] = pf(memReg(op('bndldx', ['Bnd', 'M'], MPX), nopEv), op('bndmov', ['Bnd', 'BndE'], MPX), op('bndcl', ['Bnd', 'Ey'], MPXG),
  op('bndcu', ['Bnd', 'Ey'], MPXG));
m[0x1b] = pf(memReg(op('bndstx', ['M', 'Bnd'], MPX), nopEv), op('bndmov', ['BndE', 'Bnd'], MPX),
  memReg(op('bndmk', ['Bnd', 'M'], MPX), nopEv), op('bndcn', ['Bnd', 'Ey'], MPXG));
// 0F 1C /0 (memory) is CLDEMOTE (SDM vol 2A, CLDEMOTE).
// objdump treats the whole row as prefix-selected (66 is then "used" even with REX.W).
const nop1c = pf(nopEv, nopEv, nopEv, nopEv);
m[0x1c] = memReg({ reg: [pf(op('cldemote', ['Mb'], F.None, 'nop'), nopEv, nopEv, nopEv), nop1c, nop1c, nop1c, nop1c, nop1c,
  nop1c, nop1c] }, nop1c);
m[0x1d] = nopEv;
// 0F 1E with F3: RDSSPD/Q (/1, register) and ENDBR64/32 (FA/FB) (SDM vol 2A, ENDBR64;
// vol 2B, RDSSPD); NOPs on processors without CET.
const rdssp = { w: [op('rdsspd', ['Rd']), op('rdsspq', ['Rq'])] } as OpNode;
const f3_1e: OpNode = memReg(nopEv, { reg: [nopEv, rdssp, nopEv, nopEv, nopEv, nopEv, nopEv,
  { rm: [nopEv, nopEv, op('endbr64', [], F.None), op('endbr32', [], F.None), nopEv, nopEv, nopEv, nopEv] }] });
m[0x1e] = pf(nopEv, nopEv, f3_1e, op('nop', ['Ev'], NM | F.FALLBACK, 'nop'));
m[0x1f] = nopEv;

// ---- 0F 20-23: MOV to/from CR and DR; the register form is used whatever ModRM.mod
// says, and the operand size is 64 bits in 64-bit mode (SDM vol 2B, MOV-Control Registers).
m[0x20] = op('mov', ['Ry', 'Cy'], P | F.SYS64, 'mov_from_cr');
m[0x21] = op('mov', ['Ry', 'Dy'], P | F.SYS64, 'mov_from_dr');
m[0x22] = op('mov', ['Cy', 'Ry'], E | P | F.SYS64, 'mov_to_cr');
m[0x23] = op('mov', ['Dy', 'Ry'], E | P | F.SYS64, 'mov_to_dr');
// 0F 24 / 0F 26: MOV from/to the 386/486 test registers; #UD on later processors and in
// 64-bit mode, decoded (as objdump does) for disassembly only.
m[0x24] = op('mov', ['Rd', 'Td'], F.I64 | P, 'mov_from_tr');
m[0x26] = op('mov', ['Td', 'Rd'], F.I64 | P, 'mov_to_tr');
m[0x30] = op('wrmsr', [], E | P);
m[0x31] = op('rdtsc');
m[0x32] = op('rdmsr', [], P);
m[0x33] = op('rdpmc');
m[0x34] = op('sysenter', [], E);
m[0x35] = op('sysexit', [], E | P);
m[0x37] = op('getsec', [], E);
const CC = ['o', 'no', 'b', 'ae', 'e', 'ne', 'be', 'a', 's', 'ns', 'p', 'np', 'l', 'ge', 'le', 'g'];
for (let c = 0; c < 16; c++) {
  m[0x40 + c] = op('cmov' + CC[c], ['Gv', 'Ev'], F.None, 'cmovcc');
  m[0x80 + c] = op('j' + CC[c], ['Jz'], F.F64 | E, 'jcc');
  m[0x90 + c] = op('set' + CC[c], ['Eb'], F.None, 'setcc');
}
// 0F 78/79: VMREAD/VMWRITE without prefix (64-bit operands in 64-bit mode, SDM vol 3C,
// 31.3); AMD SSE4a EXTRQ/INSERTQ with 66/F2 (AMD APM vol 4), register forms only.
m[0x78] = pf(op('vmread', ['Ey', 'Gy'], F.SYS64 | E),
  memReg(undefined, op('extrq', ['Ux', 'Ib', 'Ib'])),
  undefined, memReg(undefined, op('insertq', ['Vx', 'Ux', 'Ib', 'Ib'])));
m[0x79] = pf(op('vmwrite', ['Gy', 'Ey'], F.SYS64 | E), memReg(undefined, op('extrq', ['Vx', 'Ux'])), undefined,
  memReg(undefined, op('insertq', ['Vx', 'Ux'])));
m[0xa0] = op('push', ['FS'], F.D64, 'push_sreg');
m[0xa1] = op('pop', ['FS'], F.D64, 'pop_sreg');
m[0xa2] = op('cpuid', [], E);
m[0xa3] = op('bt', ['Ev', 'Gv']);
m[0xa4] = op('shld', ['Ev', 'Gv', 'Ib']);
m[0xa5] = op('shld', ['Ev', 'Gv', 'CL']);
// VIA PadLock (register forms; the rm field is ignored): decoded for disassembly only.
// VIA PadLock: register forms with rm = 0 only (C0, C8, D0, ...); decoded for disassembly only.
const padlock = (names: string[]): OpNode => ({ mod: [undefined, { reg: [...names.map((n) => rms([op(n, [], F.REP)])), ...none(8 - names.length)] }] });
m[0xa6] = padlock(['montmul', 'xsha1', 'xsha256']);
m[0xa7] = padlock(['xstore-rng', 'xcrypt-ecb', 'xcrypt-cbc', 'xcrypt-ctr', 'xcrypt-cfb', 'xcrypt-ofb']);
m[0xa8] = op('push', ['GS'], F.D64, 'push_sreg');
m[0xa9] = op('pop', ['GS'], F.D64, 'pop_sreg');
m[0xaa] = op('rsm', [], E);
m[0xab] = op('bts', ['Ev', 'Gv'], F.LOCK);
m[0xac] = op('shrd', ['Ev', 'Gv', 'Ib']);
m[0xad] = op('shrd', ['Ev', 'Gv', 'CL']);

// RDFSBASE and friends exist only in 64-bit mode (SDM vol 2B, RDFSBASE: "#UD if not 64-bit
// mode"); outside it they are decoded (as objdump does) with an operand-size register, and #UD.
const fsgs = (mn: string): OpNode => pf(undefined, undefined, { mode: [op(mn, ['Rv'], F.O64), op(mn, ['Ry'], F.O64)] }, undefined);
// ---- Group 15 (0F AE), SDM vol 2D table A-6: state save/restore and CLFLUSH in memory
// forms, fences and the FS/GS-base, CET, WAITPKG instructions in register forms.
m[0xae] = memReg(
  { reg: [
    op('fxsave', ['M']), op('fxrstor', ['M']), op('ldmxcsr', ['Md']), op('stmxcsr', ['Md']),
    pf(op('xsave', ['M']), undefined, op('ptwrite', ['Ey']), undefined),
    pf(op('xrstor', ['M']), undefined, undefined, undefined),
    pf(op('xsaveopt', ['M']), op('clwb', ['Mb'], F.None, 'nop'), op('clrssbsy', ['Mq'], E), undefined),
    pf(op('clflush', ['Mb']), op('clflushopt', ['Mb'], F.None, 'clflush'), undefined, undefined),
  ] },
  { reg: [
    fsgs('rdfsbase'), fsgs('rdgsbase'), fsgs('wrfsbase'), fsgs('wrgsbase'),
    pf(undefined, undefined, op('ptwrite', ['Ey']), undefined),
    pf(op('lfence', [], F.None, 'fence'), undefined, { w: [op('incsspd', ['Rd']), op('incsspq', ['Rq'])] }, undefined),
    pf(rms([op('mfence', [], F.None, 'fence')]), op('tpause', ['Ry'], E), op('umonitor', ['RA']), op('umwait', ['Ry'], E)),
    rms([op('sfence', [], F.None, 'fence')]),
  ] },
);
m[0xaf] = op('imul', ['Gv', 'Ev'], F.None, 'imul2');
m[0xb0] = op('cmpxchg', ['Eb', 'Gb'], F.LOCK);
m[0xb1] = op('cmpxchg', ['Ev', 'Gv'], F.LOCK);
m[0xb2] = op('lss', ['Gv', 'Mp'], E, 'lfp');
m[0xb3] = op('btr', ['Ev', 'Gv'], F.LOCK);
m[0xb4] = op('lfs', ['Gv', 'Mp'], F.None, 'lfp');
m[0xb5] = op('lgs', ['Gv', 'Mp'], F.None, 'lfp');
m[0xb6] = op('movzx', ['Gv', 'Eb']);
m[0xb7] = op('movzx', ['Gv', 'Ew']);
// POPCNT needs F3 (SDM vol 2B, POPCNT); 0F B8 without it is JMPE (IA-64 only), #UD here.
m[0xb8] = pf(undefined, undefined, op('popcnt', ['Gv', 'Ev']), undefined);
m[0xb9] = op('ud1', ['Gv', 'Ev'], E);
m[0xba] = { reg: [undefined, undefined, undefined, undefined,
  op('bt', ['Ev', 'Ib']), op('bts', ['Ev', 'Ib'], F.LOCK), op('btr', ['Ev', 'Ib'], F.LOCK), op('btc', ['Ev', 'Ib'], F.LOCK)] };
m[0xbb] = op('btc', ['Ev', 'Gv'], F.LOCK);
// F3 turns BSF/BSR into TZCNT/LZCNT (SDM vol 2B, TZCNT); 66 stays the operand size.
const bsf = op('bsf', ['Gv', 'Ev'], NM);
const bsr = op('bsr', ['Gv', 'Ev'], NM);
m[0xbc] = pf(bsf, bsf, op('tzcnt', ['Gv', 'Ev']), undefined);
m[0xbd] = pf(bsr, bsr, op('lzcnt', ['Gv', 'Ev']), undefined);
m[0xbe] = op('movsx', ['Gv', 'Eb']);
m[0xbf] = op('movsx', ['Gv', 'Ew']);
m[0xc0] = op('xadd', ['Eb', 'Gb'], F.LOCK);
m[0xc1] = op('xadd', ['Ev', 'Gv'], F.LOCK);

// ---- Group 9 (0F C7), SDM vol 2D table A-6.
const rdrand = op('rdrand', ['Rv'], NM);
const rdseed = op('rdseed', ['Rv'], NM);
m[0xc7] = memReg(
  { reg: [undefined, { w: [op('cmpxchg8b', ['Mq'], F.LOCK), op('cmpxchg16b', ['Mdq'], F.LOCK)] }, undefined,
    op('xrstors', ['M'], P), op('xsavec', ['M']), op('xsaves', ['M'], P),
    pf(op('vmptrld', ['Mq'], E), op('vmclear', ['Mq'], E), op('vmxon', ['Mq'], E), undefined),
    op('vmptrst', ['Mq'], E)] },
  { reg: [undefined, undefined, undefined, undefined, undefined, undefined,
    pf(rdrand, rdrand, op('senduipi', ['Rq'], F.O64), undefined),
    // RDPID reads a 64-bit register in 64-bit mode (SDM vol 2B, RDPID: "RDPID r64").
    pf(rdseed, rdseed, op('rdpid', ['Ry'], F.SYS64), undefined)] },
);
for (let r = 0; r < 8; r++) m[0xc8 + r] = op('bswap', ['Zv']);
m[0xff] = op('ud0', ['Gv', 'Ev'], E);

export const TWO_BYTE: OpMap = m;

// ---- 0F 38: the non-SIMD entries (SDM vol 2D, table A-4).
const m38: OpMap = new Array(256);
m38[0x80] = pf(undefined, op('invept', ['Gy', 'Mdq'], E | P | F.SYS64), undefined, undefined);
m38[0x81] = pf(undefined, op('invvpid', ['Gy', 'Mdq'], E | P | F.SYS64), undefined, undefined);
m38[0x82] = pf(undefined, op('invpcid', ['Gy', 'Mdq'], E | P | F.SYS64), undefined, undefined);
// MOVBE (no prefix, 66 = 16-bit operand) and CRC32 (F2) share 0F 38 F0/F1 (SDM vol 2B, MOVBE; vol 2A, CRC32).
const movbeLd = op('movbe', ['Gv', 'Mv'], NM);
const movbeSt = op('movbe', ['Mv', 'Gv'], NM);
m38[0xf0] = pf(movbeLd, movbeLd, undefined, op('crc32', ['Gy', 'Eb']));
m38[0xf1] = pf(movbeSt, movbeSt, undefined, op('crc32', ['Gy', 'Ev']));
// CET shadow-stack stores (SDM vol 2D, WRSS / WRUSS) and ADCX/ADOX (vol 2A).
m38[0xf5] = pf(undefined, memReg({ w: [op('wrussd', ['Md', 'Gd'], P), op('wrussq', ['Mq', 'Gq'], P)] }, undefined), undefined, undefined);
m38[0xf6] = pf(memReg({ w: [op('wrssd', ['Md', 'Gd']), op('wrssq', ['Mq', 'Gq'])] }, undefined),
  op('adcx', ['Gy', 'Ey']), op('adox', ['Gy', 'Ey']), undefined);
// MOVDIR64B / ENQCMD(S): the destination register holds an address (address size).
m38[0xf8] = pf(undefined, op('movdir64b', ['GA', 'M']), op('enqcmds', ['GA', 'M'], P), op('enqcmd', ['GA', 'M']));
m38[0xf9] = pf(op('movdiri', ['My', 'Gy']), undefined, undefined, undefined);
m38[0xfa] = pf(undefined, undefined, memReg(undefined, op('encodekey128', ['Gd', 'Rd'])), undefined);
m38[0xfb] = pf(undefined, undefined, memReg(undefined, op('encodekey256', ['Gd', 'Rd'])), undefined);
// RAO-INT atomics (SDM vol 2A, AADD): memory destination only.
m38[0xfc] = pf(op('aadd', ['My', 'Gy']), op('aand', ['My', 'Gy']), op('axor', ['My', 'Gy']), op('aor', ['My', 'Gy']));
export const THREE_BYTE_38: OpMap = m38;

// ---- 0F 3A: the non-SIMD entries (SDM vol 2D, table A-5): HRESET (F3 0F 3A F0 C0 ib).
const m3a: OpMap = new Array(256);
m3a[0xf0] = pf(undefined, undefined, memReg(undefined, { reg: [rms([op('hreset', ['Ib'], E | P)])] }), undefined);
export const THREE_BYTE_3A: OpMap = m3a;
