// x87 escape opcodes D8-DF (SDM vol 2D, appendix A.5, tables ):
// decoded for length and disassembly; not executed (nestvirt targets -O2
// freestanding integer/SSE code), so they run as "not implemented" (#UD).
// Mnemonics and operand order are Intel's (destination first); the
// disassembler applies the AT&T size suffixes and the AT&T fsub/fsubr swap.
// Memory operand types: w/d/q integers or reals by size, t = 80-bit
// (extended real or packed BCD), e = FPU environment, st = FPU state.
// The undocumented register aliases (D9 D8-DF, DC D0-DF, DD C8-CF, DE D0-D7,
// DF C8-DF) are left undefined, as objdump treats them.
import { op, OpEntry, OpNode } from '../table-types';

type N = OpNode | undefined;
const x = (m: string, ops: string[] = []): OpEntry => op(m, ops);
const mem8 = (ms: string[], type: string): N[] => ms.map((mn) => (mn ? x(mn, ['M' + type]) : undefined));
const eight = (f: (i: number) => N): N[] => [0, 1, 2, 3, 4, 5, 6, 7].map(f);
/** Register forms with ST(i) per rm: "op ST(0), ST(i)" or "op ST(i), ST(0)" or "op ST(i)". */
const sti = (mn: string, form: 'st,sti' | 'sti,st' | 'sti'): OpEntry =>
  x(mn, form === 'st,sti' ? ['ST', 'STi'] : form === 'sti,st' ? ['STi', 'ST'] : ['STi']);
const rmList = (names: (string | OpEntry | undefined)[]): OpNode =>
  ({ rm: names.map((n) => (typeof n === 'string' ? x(n) : n)) });
const node = (memForms: N[], regForms: N[]): OpNode => ({ mod: [{ reg: memForms }, { reg: regForms }] });

const ARITH = ['fadd', 'fmul', 'fcom', 'fcomp', 'fsub', 'fsubr', 'fdiv', 'fdivr'];
const DC_REG = ['fadd', 'fmul', '', '', 'fsubr', 'fsub', 'fdivr', 'fdiv'];
const IARITH = ['fiadd', 'fimul', 'ficom', 'ficomp', 'fisub', 'fisubr', 'fidiv', 'fidivr'];

/** Nodes for D8..DF, index 0 = D8. */
export const X87: (OpNode | undefined)[] = [
  // D8: single-real arithmetic; register forms ST(0) op= ST(i).
  node(mem8(ARITH, 'd'), eight((r) => sti(ARITH[r], r === 2 || r === 3 ? 'sti' : 'st,sti'))),
  // D9: loads/stores, control word and environment, constants and transcendentals.
  node([x('fld', ['Md']), undefined, x('fst', ['Md']), x('fstp', ['Md']), x('fldenv', ['Me']), x('fldcw', ['Mw']),
    x('fnstenv', ['Me']), x('fnstcw', ['Mw'])], [
    sti('fld', 'sti'), sti('fxch', 'sti'),
    rmList(['fnop']),
    undefined,
    rmList(['fchs', 'fabs', undefined, undefined, 'ftst', 'fxam']),
    rmList(['fld1', 'fldl2t', 'fldl2e', 'fldpi', 'fldlg2', 'fldln2', 'fldz']),
    rmList(['f2xm1', 'fyl2x', 'fptan', 'fpatan', 'fxtract', 'fprem1', 'fdecstp', 'fincstp']),
    rmList(['fprem', 'fyl2xp1', 'fsqrt', 'fsincos', 'frndint', 'fscale', 'fsin', 'fcos']),
  ]),
  // DA: 32-bit integer arithmetic; FCMOVcc; FUCOMPP.
  node(mem8(IARITH, 'd'), [
    sti('fcmovb', 'st,sti'), sti('fcmove', 'st,sti'), sti('fcmovbe', 'st,sti'), sti('fcmovu', 'st,sti'),
    undefined, rmList([undefined, 'fucompp']), undefined, undefined,
  ]),
  // DB: 32-bit integer load/store, 80-bit real load/store; FCMOVNcc, FNCLEX/FNINIT, FUCOMI/FCOMI.
  node([x('fild', ['Md']), x('fisttp', ['Md']), x('fist', ['Md']), x('fistp', ['Md']), undefined,
    x('fld', ['Mt']), undefined, x('fstp', ['Mt'])], [
    sti('fcmovnb', 'st,sti'), sti('fcmovne', 'st,sti'), sti('fcmovnbe', 'st,sti'), sti('fcmovnu', 'st,sti'),
    // 8087/287 leftovers: no-ops on later FPUs (SDM vol 1, 8.3.13 note); objdump names them.
    rmList(['fneni', 'fndisi', 'fnclex', 'fninit', 'fnsetpm', 'frstpm']),
    sti('fucomi', 'st,sti'), sti('fcomi', 'st,sti'), undefined,
  ]),
  // DC: double-real arithmetic; register forms ST(i) op= ST(0), where E0/F0 are the
  // reversed forms FSUBR/FDIVR (SDM vol 2A, FSUBR: "DC E0+i FSUBR ST(i), ST(0)").
  node(mem8(ARITH, 'q'), eight((r) => (r === 2 || r === 3 ? undefined : sti(DC_REG[r], 'sti,st')))),
  // DD: double-real load/store, FISTTP m64, FRSTOR/FNSAVE, FNSTSW m16; FFREE, FST/FSTP/FUCOM(P) ST(i).
  node([x('fld', ['Mq']), x('fisttp', ['Mq']), x('fst', ['Mq']), x('fstp', ['Mq']), x('frstor', ['Mst']),
    undefined, x('fnsave', ['Mst']), x('fnstsw', ['Mw'])], [
    sti('ffree', 'sti'), undefined, sti('fst', 'sti'), sti('fstp', 'sti'), sti('fucom', 'sti'), sti('fucomp', 'sti'),
    undefined, undefined,
  ]),
  // DE: 16-bit integer arithmetic; pop forms ST(i) op= ST(0), FCOMPP.
  node(mem8(IARITH, 'w'), [
    sti('faddp', 'sti,st'), sti('fmulp', 'sti,st'), undefined, rmList([undefined, 'fcompp']),
    sti('fsubrp', 'sti,st'), sti('fsubp', 'sti,st'), sti('fdivrp', 'sti,st'), sti('fdivp', 'sti,st'),
  ]),
  // DF: 16/64-bit integer load/store, packed BCD; FFREEP, FNSTSW AX, FUCOMIP/FCOMIP.
  node([x('fild', ['Mw']), x('fisttp', ['Mw']), x('fist', ['Mw']), x('fistp', ['Mw']), x('fbld', ['Mt']),
    x('fild', ['Mq']), x('fbstp', ['Mt']), x('fistp', ['Mq'])], [
    sti('ffreep', 'sti'), undefined, undefined, undefined, rmList([x('fnstsw', ['AX'])]), sti('fucomip', 'st,sti'),
    sti('fcomip', 'st,sti'), undefined,
  ]),
];
