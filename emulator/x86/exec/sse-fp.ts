// SSE/SSE2 floating-point arithmetic, square root, min/max, compares
// (SDM vol 2A/2B: ADDPS..ADDSD, SUB*, MUL*, DIV*, SQRT*, MIN*, MAX*, CMP*,
// COMISS/COMISD, UCOMISS/UCOMISD). Packed forms take an aligned m128; scalar
// forms an m32/m64 with no alignment rule and leave the upper destination
// lanes unchanged. Results go to the R scratch and are written only after
// fpCommit() found no unmasked exception.
import type { Cpu } from '../cpu';
import { LazyOp } from '../flags';
import { ARITH_FLAGS, CF, PF, ZF } from '../regs';
import { H, sse, ldS, ldS32, ldS64, stR, I32, R32, S32 } from './sse-common';
import { fp, fpBegin, fpCommit } from './sse-round';
import { Op, arith32, arith64, sqrt32, sqrt64, cmp32, cmp64, comi32, comi64 } from './sse-fpops';

const enum Form { PS, PD, SS, SD }

/** A binary operation in one of the four forms. */
function binop(op: Op, form: Form): H {
  return (cpu, i) => {
    sse(cpu);
    const x = cpu.xmm, d = i.r0 << 2;
    if (form === Form.PS) {
      ldS(cpu, i, true);
      fpBegin(cpu);
      for (let k = 0; k < 4; k++) I32[R32 + k] = arith32(op, x[d + k], I32[S32 + k]);
      fpCommit(cpu);
      stR(cpu, i);
    } else if (form === Form.PD) {
      ldS(cpu, i, true);
      fpBegin(cpu);
      for (let k = 0; k < 4; k += 2) {
        I32[R32 + k] = arith64(op, x[d + k], x[d + k + 1], I32[S32 + k], I32[S32 + k + 1]);
        I32[R32 + k + 1] = fp.hi;
      }
      fpCommit(cpu);
      stR(cpu, i);
    } else if (form === Form.SS) {
      ldS32(cpu, i);
      fpBegin(cpu);
      const r = arith32(op, x[d], I32[S32]);
      fpCommit(cpu);
      x[d] = r;
    } else {
      ldS64(cpu, i);
      fpBegin(cpu);
      const lo = arith64(op, x[d], x[d + 1], I32[S32], I32[S32 + 1]), hi = fp.hi;
      fpCommit(cpu);
      x[d] = lo; x[d + 1] = hi;
    }
  };
}

/** SQRT in the four forms: the result depends on the source only. */
function sqrt(form: Form): H {
  return (cpu, i) => {
    sse(cpu);
    const x = cpu.xmm, d = i.r0 << 2;
    if (form === Form.PS) {
      ldS(cpu, i, true);
      fpBegin(cpu);
      for (let k = 0; k < 4; k++) I32[R32 + k] = sqrt32(I32[S32 + k]);
      fpCommit(cpu);
      stR(cpu, i);
    } else if (form === Form.PD) {
      ldS(cpu, i, true);
      fpBegin(cpu);
      for (let k = 0; k < 4; k += 2) { I32[R32 + k] = sqrt64(I32[S32 + k], I32[S32 + k + 1]); I32[R32 + k + 1] = fp.hi; }
      fpCommit(cpu);
      stR(cpu, i);
    } else if (form === Form.SS) {
      ldS32(cpu, i);
      fpBegin(cpu);
      const r = sqrt32(I32[S32]);
      fpCommit(cpu);
      x[d] = r;
    } else {
      ldS64(cpu, i);
      fpBegin(cpu);
      const lo = sqrt64(I32[S32], I32[S32 + 1]), hi = fp.hi;
      fpCommit(cpu);
      x[d] = lo; x[d + 1] = hi;
    }
  };
}

/**
 * CMPPS/CMPPD/CMPSS/CMPSD: predicate imm8[2:0] (legacy SSE encodes eight
 * predicates; imm8[7:3] are ignored here), all-ones or all-zeros per lane.
 */
function cmp(form: Form): H {
  return (cpu, i) => {
    sse(cpu);
    const x = cpu.xmm, d = i.r0 << 2, pred = i.imm & 7;
    if (form === Form.PS) {
      ldS(cpu, i, true);
      fpBegin(cpu);
      for (let k = 0; k < 4; k++) I32[R32 + k] = cmp32(pred, x[d + k], I32[S32 + k]) ? -1 : 0;
      fpCommit(cpu);
      stR(cpu, i);
    } else if (form === Form.PD) {
      ldS(cpu, i, true);
      fpBegin(cpu);
      for (let k = 0; k < 4; k += 2) {
        const r = cmp64(pred, x[d + k], x[d + k + 1], I32[S32 + k], I32[S32 + k + 1]) ? -1 : 0;
        I32[R32 + k] = r; I32[R32 + k + 1] = r;
      }
      fpCommit(cpu);
      stR(cpu, i);
    } else if (form === Form.SS) {
      ldS32(cpu, i);
      fpBegin(cpu);
      const r = cmp32(pred, x[d], I32[S32]) ? -1 : 0;
      fpCommit(cpu);
      x[d] = r;
    } else {
      ldS64(cpu, i);
      fpBegin(cpu);
      const r = cmp64(pred, x[d], x[d + 1], I32[S32], I32[S32 + 1]) ? -1 : 0;
      fpCommit(cpu);
      x[d] = r; x[d + 1] = r;
    }
  };
}

/** ZF, PF, CF for the comparison codes greater, less, equal, unordered; OF, SF, AF cleared (SDM vol 2A, COMISS). */
const COMI_FLAGS = [0, CF, ZF, ZF | PF | CF];

function comi(double: boolean, signalQuiet: boolean): H {
  return (cpu, i) => {
    sse(cpu);
    const x = cpu.xmm, d = i.r0 << 2;
    let code: number;
    if (double) {
      ldS64(cpu, i);
      fpBegin(cpu);
      code = comi64(x[d], x[d + 1], I32[S32], I32[S32 + 1], signalQuiet);
    } else {
      ldS32(cpu, i);
      fpBegin(cpu);
      code = comi32(x[d], I32[S32], signalQuiet);
    }
    fpCommit(cpu);
    setComiFlags(cpu, COMI_FLAGS[code]);
  };
}

function setComiFlags(cpu: Cpu, f: number): void {
  // All six arithmetic flags are replaced, so pending lazy flags need not be materialized.
  cpu.flagsRest = ((cpu.flagsRest & ~ARITH_FLAGS) | f) >>> 0;
  cpu.lop = LazyOp.None;
}

function forms(name: string, op: Op, into: Record<string, H>): void {
  into[name + 'ps'] = binop(op, Form.PS);
  into[name + 'pd'] = binop(op, Form.PD);
  into[name + 'ss'] = binop(op, Form.SS);
  into[name + 'sd'] = binop(op, Form.SD);
}

export const handlers: Record<string, H> = {
  sqrtps: sqrt(Form.PS), sqrtpd: sqrt(Form.PD), sqrtss: sqrt(Form.SS), sqrtsd: sqrt(Form.SD),
  cmpps: cmp(Form.PS), cmppd: cmp(Form.PD), cmpss: cmp(Form.SS), cmpsd: cmp(Form.SD),
  comiss: comi(false, true), ucomiss: comi(false, false),
  comisd: comi(true, true), ucomisd: comi(true, false),
};
forms('add', Op.Add, handlers);
forms('sub', Op.Sub, handlers);
forms('mul', Op.Mul, handlers);
forms('div', Op.Div, handlers);
forms('min', Op.Min, handlers);
forms('max', Op.Max, handlers);
