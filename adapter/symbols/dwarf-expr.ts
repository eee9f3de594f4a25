// A DWARF expression evaluator for the call-frame rules that use one
// (DW_CFA_def_cfa_expression, DW_CFA_expression, DW_CFA_val_expression,
// DWARF5 6.4.2.2-6.4.2.3): the stack operations of DWARF5 2.5.1 on 64-bit
// values. Operations that make no sense in a CFI rule (DW_OP_fbreg,
// DW_OP_call*, DW_OP_push_object_address, DW_OP_call_frame_cfa, pieces,
// register locations) end the evaluation with "unknown" (undefined).

import { fail, hex } from './errors';
import { ByteReader } from './reader';

export interface ExprContext {
  /** A register by DWARF number, or undefined when it is not known. */
  readRegister(reg: number): bigint | undefined;
  /** `size` bytes of memory at `address` (little-endian), or undefined when unreadable. */
  readMemory(address: bigint, size: number): bigint | undefined;
  addressSize: number;
}

/** A bound on executed operations, so DW_OP_skip / DW_OP_bra loops end. */
const MAX_STEPS = 10_000;
const MAX_STACK = 1_000;

/** DW_OP_* (DWARF5 7.7.1, Table 7.9). */
export const DW_OP = {
  addr: 0x03,
  deref: 0x06,
  const1u: 0x08,
  const1s: 0x09,
  const2u: 0x0a,
  const2s: 0x0b,
  const4u: 0x0c,
  const4s: 0x0d,
  const8u: 0x0e,
  const8s: 0x0f,
  constu: 0x10,
  consts: 0x11,
  dup: 0x12,
  drop: 0x13,
  over: 0x14,
  pick: 0x15,
  swap: 0x16,
  rot: 0x17,
  abs: 0x19,
  and: 0x1a,
  div: 0x1b,
  minus: 0x1c,
  mod: 0x1d,
  mul: 0x1e,
  neg: 0x1f,
  not: 0x20,
  or: 0x21,
  plus: 0x22,
  plus_uconst: 0x23,
  shl: 0x24,
  shr: 0x25,
  shra: 0x26,
  xor: 0x27,
  bra: 0x28,
  eq: 0x29,
  ge: 0x2a,
  gt: 0x2b,
  le: 0x2c,
  lt: 0x2d,
  ne: 0x2e,
  skip: 0x2f,
  lit0: 0x30,
  lit31: 0x4f,
  reg0: 0x50,
  reg31: 0x6f,
  breg0: 0x70,
  breg31: 0x8f,
  regx: 0x90,
  bregx: 0x92,
  deref_size: 0x94,
  nop: 0x96,
  stack_value: 0x9f,
} as const;

const M64 = (1n << 64n) - 1n;
const s64 = (v: bigint) => BigInt.asIntN(64, v);
const u64 = (v: bigint) => v & M64;

/**
 * Evaluates `expr` with `initial` pushed first (DW_CFA_expression pushes
 * the CFA). Returns the value on top of the stack, undefined when a
 * register or memory it needs is unknown or an operation is not supported
 * here; throws SymbolError for malformed bytes.
 */
export function evaluate(expr: Uint8Array, ctx: ExprContext, initial: bigint[] = []): bigint | undefined {
  const r = new ByteReader(expr, 'DWARF expression');
  const st: bigint[] = initial.map(u64);
  const pop = (): bigint => {
    const v = st.pop();
    if (v === undefined) return fail(`DWARF expression: stack underflow at ${hex(r.pos)}`);
    return v;
  };
  const push = (v: bigint) => {
    if (st.length >= MAX_STACK) fail('DWARF expression: stack overflow');
    st.push(u64(v));
  };
  const branch = (off: number) => {
    const to = r.pos + off;
    if (to < 0 || to > expr.length) fail(`DWARF expression: branch to ${hex(to)} outside the expression`);
    r.pos = to;
  };
  for (let steps = 0; r.pos < expr.length; steps++) {
    if (steps > MAX_STEPS) fail('DWARF expression: too many steps (a loop?)');
    const op = r.u8('DW_OP');
    if (op >= DW_OP.lit0 && op <= DW_OP.lit31) {
      push(BigInt(op - DW_OP.lit0));
      continue;
    }
    if (op >= DW_OP.breg0 && op <= DW_OP.breg31) {
      const v = ctx.readRegister(op - DW_OP.breg0);
      const off = r.slebBig();
      if (v === undefined) return undefined;
      push(v + off);
      continue;
    }
    if (op >= DW_OP.reg0 && op <= DW_OP.reg31) return undefined; // a register location, not a value
    switch (op) {
      case DW_OP.addr:
        push(r.address(ctx.addressSize));
        break;
      case DW_OP.deref:
      case DW_OP.deref_size: {
        const size = op === DW_OP.deref ? ctx.addressSize : r.u8('DW_OP_deref_size size');
        if (size < 1 || size > 8) fail(`DW_OP_deref_size ${size}`);
        const v = ctx.readMemory(pop(), size);
        if (v === undefined) return undefined;
        push(v);
        break;
      }
      case DW_OP.const1u:
        push(BigInt(r.u8()));
        break;
      case DW_OP.const1s:
        push(BigInt(r.i8()));
        break;
      case DW_OP.const2u:
        push(BigInt(r.u16()));
        break;
      case DW_OP.const2s:
        push(BigInt(r.i16()));
        break;
      case DW_OP.const4u:
        push(BigInt(r.u32()));
        break;
      case DW_OP.const4s:
        push(BigInt(r.i32()));
        break;
      case DW_OP.const8u:
        push(r.u64());
        break;
      case DW_OP.const8s:
        push(r.i64());
        break;
      case DW_OP.constu:
        push(r.ulebBig());
        break;
      case DW_OP.consts:
        push(r.slebBig());
        break;
      case DW_OP.dup: {
        const v = pop();
        push(v);
        push(v);
        break;
      }
      case DW_OP.drop:
        pop();
        break;
      case DW_OP.over:
      case DW_OP.pick: {
        const i = op === DW_OP.over ? 1 : r.u8('DW_OP_pick index');
        if (i >= st.length) fail(`DW_OP_pick ${i} beyond the stack`);
        push(st[st.length - 1 - i]);
        break;
      }
      case DW_OP.swap: {
        const a = pop();
        const b = pop();
        push(a);
        push(b);
        break;
      }
      case DW_OP.rot: {
        // DWARF5 2.5.1.3: the top entry becomes the second, the second the third, the third the top.
        const a = pop();
        const b = pop();
        const c = pop();
        push(b);
        push(a);
        push(c);
        break;
      }
      case DW_OP.abs: {
        const a = s64(pop());
        push(a < 0n ? -a : a);
        break;
      }
      case DW_OP.neg:
        push(-s64(pop()));
        break;
      case DW_OP.not:
        push(~pop());
        break;
      case DW_OP.plus_uconst:
        push(pop() + r.ulebBig());
        break;
      case DW_OP.and:
      case DW_OP.div:
      case DW_OP.minus:
      case DW_OP.mod:
      case DW_OP.mul:
      case DW_OP.or:
      case DW_OP.plus:
      case DW_OP.shl:
      case DW_OP.shr:
      case DW_OP.shra:
      case DW_OP.xor:
      case DW_OP.eq:
      case DW_OP.ge:
      case DW_OP.gt:
      case DW_OP.le:
      case DW_OP.lt:
      case DW_OP.ne: {
        const b = pop();
        const a = pop();
        const v = binary(op, a, b);
        if (v === undefined) return undefined;
        push(v);
        break;
      }
      case DW_OP.skip:
        branch(r.i16('DW_OP_skip offset'));
        break;
      case DW_OP.bra: {
        const off = r.i16('DW_OP_bra offset');
        if (pop() !== 0n) branch(off);
        break;
      }
      case DW_OP.bregx: {
        const v = ctx.readRegister(r.uleb('DW_OP_bregx register'));
        const off = r.slebBig();
        if (v === undefined) return undefined;
        push(v + off);
        break;
      }
      case DW_OP.nop:
        break;
      case DW_OP.stack_value:
        // Ends a value description (DWARF5 2.6.1.1.4): the top is the value.
        return st.length > 0 ? st[st.length - 1] : undefined;
      default:
        return undefined;
    }
  }
  return st.length > 0 ? st[st.length - 1] : undefined;
}

/** DWARF5 2.5.1.4: arithmetic and relational operations ("signed" ones compare as signed). */
function binary(op: number, a: bigint, b: bigint): bigint | undefined {
  switch (op) {
    case DW_OP.and:
      return a & b;
    case DW_OP.or:
      return a | b;
    case DW_OP.xor:
      return a ^ b;
    case DW_OP.plus:
      return a + b;
    case DW_OP.minus:
      return a - b;
    case DW_OP.mul:
      return a * b;
    case DW_OP.div:
      return b === 0n ? undefined : s64(a) / s64(b);
    case DW_OP.mod:
      return b === 0n ? undefined : a % b;
    case DW_OP.shl:
      return b >= 64n ? 0n : a << b;
    case DW_OP.shr:
      return b >= 64n ? 0n : a >> b;
    case DW_OP.shra:
      return s64(a) >> (b >= 64n ? 63n : b);
    case DW_OP.eq:
      return a === b ? 1n : 0n;
    case DW_OP.ne:
      return a !== b ? 1n : 0n;
    case DW_OP.ge:
      return s64(a) >= s64(b) ? 1n : 0n;
    case DW_OP.gt:
      return s64(a) > s64(b) ? 1n : 0n;
    case DW_OP.le:
      return s64(a) <= s64(b) ? 1n : 0n;
    case DW_OP.lt:
      return s64(a) < s64(b) ? 1n : 0n;
    default:
      return undefined;
  }
}
