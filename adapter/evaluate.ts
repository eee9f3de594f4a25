// Debug-console, watch and breakpoint-condition expressions: registers
// (`$rax`, `rax`), symbols (their address), VMCS12 / VMCB12 field names
// (their value), numbers (decimal, 0x hex, 0b binary), + - * and
// parentheses, memory reads in C or assembler spelling
// (`*(uint64_t*)0x1000`, `*(u32*)($rsp+8)`, `[0x1000]` (8 bytes; 4 outside
// 64-bit mode), `dword [$rsp]`), comparisons `== != < <= > >=` (1 or 0,
// unsigned), logical `&& || !` (short-circuit). Arithmetic is 64-bit unsigned.
// Precedence, loosest first: ||, &&, comparisons, + -, *, unary (- ! * &).
//
// A memory read may name the address space it reads (memory-references.ts):
// `[l2:0x401000]`, `qword [gpa:0x2000]`, `*(u32*)l1:$rsp`, `[l2gpa:0x1000]`;
// without a prefix it reads the running level's virtual addresses. The
// prefix covers the whole bracketed expression, or the operand after a `*`.
//
// An expression is parsed once (`parseExpression`, which reports syntax
// errors with their position without needing a CPU) and evaluated any
// number of times (`evalExpression`), so a breakpoint condition is checked
// when it is set and costs no parsing when it is hit.
import type { Cpu } from '../emulator/x86/cpu';
import { CpuMode } from '../emulator/x86/state';
import { readHalves } from '../emulator/debug/guest-memory';
import { readRegister, bigOfHalves, foldBig } from './registers';
import { ADDRESS_SPACES, AddressSpace } from './memory-references';

export interface EvalEnv {
  cpu: Cpu;
  /** Address of a symbol, or undefined. */
  symbol(name: string): number | undefined;
  /** A field of the vCPU's current VMCS12 by name (GUEST_RIP), or undefined. */
  vmcsField?(name: string): bigint | undefined;
  /** Reads 1..8 bytes in an address space (null: the running level's virtual), or says why it cannot. */
  readMemory?(space: AddressSpace | null, addr: bigint, size: number): [number, number] | string;
}

export class EvalError extends Error {
  constructor(message: string, readonly position: number) {
    super(message);
    Object.setPrototypeOf(this, EvalError.prototype);
  }
}

const MASK64 = (1n << 64n) - 1n;

const C_TYPES: Record<string, number> = {
  uint8_t: 1, int8_t: 1, char: 1, 'unsigned char': 1, 'signed char': 1,
  uint16_t: 2, int16_t: 2, short: 2, 'unsigned short': 2,
  uint32_t: 4, int32_t: 4, int: 4, 'unsigned int': 4, unsigned: 4,
  u8: 1, u16: 2, u32: 4, u64: 8, i8: 1, i16: 2, i32: 4, i64: 8,
  uint64_t: 8, int64_t: 8, long: 8, 'unsigned long': 8, 'long long': 8, 'unsigned long long': 8, uintptr_t: 8, size_t: 8,
};
const ASM_SIZES: Record<string, number> = { byte: 1, word: 2, dword: 4, qword: 8 };

/** Two-character operators first, so `<=` is not read as `<` `=`. */
const OPS = ['==', '!=', '<=', '>=', '&&', '||', '+', '-', '*', '(', ')', '[', ']', '&', '<', '>', '!', ':'];

interface Token { kind: 'num' | 'id' | 'op'; text: string; pos: number; value?: bigint }

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    if (/\s/.test(c)) { i++; continue; }
    const num = /^(0x[0-9a-f]+|0b[01]+|[0-9]+)(?![A-Za-z0-9_])/i.exec(src.slice(i));
    if (num) {
      out.push({ kind: 'num', text: num[0], pos: i, value: BigInt(num[0].replace(/^0X/, '0x').replace(/^0B/, '0b')) });
      i += num[0].length;
      continue;
    }
    if (/[0-9]/.test(c)) throw new EvalError(`bad number at position ${i + 1}`, i);
    const id = /^\$?[A-Za-z_.][A-Za-z0-9_.$]*/.exec(src.slice(i));
    if (id) { out.push({ kind: 'id', text: id[0], pos: i }); i += id[0].length; continue; }
    const op = OPS.find((o) => src.startsWith(o, i));
    if (op) { out.push({ kind: 'op', text: op, pos: i }); i += op.length; continue; }
    throw new EvalError(`unexpected '${c}' at position ${i + 1}`, i);
  }
  return out;
}

/** A parsed expression. `pos` is the 0-based offset in the source, for error messages. */
export type Expr =
  | { k: 'num'; value: bigint }
  | { k: 'name'; name: string; dollar: boolean; pos: number }
  | { k: 'read'; size: number; addr: Expr; pos: number; space?: AddressSpace }
  | { k: 'neg' | 'not'; e: Expr }
  | { k: 'bin'; op: string; a: Expr; b: Expr };

const BINARY: string[][] = [['||'], ['&&'], ['==', '!=', '<', '<=', '>', '>='], ['+', '-'], ['*']];

/** Parses an expression; throws EvalError naming the position (1-based) of the first error. */
export function parseExpression(src: string): Expr {
  const toks = tokenize(src);
  let k = 0;
  const peek = (): Token | undefined => toks[k];
  const at = (): number => (toks[k] ? toks[k].pos : src.length);
  const expect = (text: string): void => {
    const t = toks[k];
    if (!t || t.text !== text) throw new EvalError(`expected '${text}' at position ${at() + 1}`, at());
    k++;
  };

  /** A C cast `( type * )` at the cursor: returns the pointee size, or 0 if not a cast. */
  const castSize = (): number => {
    if (peek()?.text !== '(') return 0;
    let j = k + 1;
    const words: string[] = [];
    while (toks[j] && toks[j].kind === 'id') words.push(toks[j++].text);
    if (!words.length || toks[j]?.text !== '*' || toks[j + 1]?.text !== ')') return 0;
    const size = C_TYPES[words.join(' ')];
    if (!size) throw new EvalError(`unknown type '${words.join(' ')}' at position ${toks[k + 1].pos + 1} (use uint8_t, uint16_t, uint32_t or uint64_t)`, toks[k + 1].pos);
    k = j + 2;
    return size;
  };

  /** An address-space prefix `l2:` at the cursor (consumed), or undefined. */
  const spacePrefix = (): AddressSpace | undefined => {
    const t = peek();
    const sp = t?.kind === 'id' ? t.text.toLowerCase() as AddressSpace : undefined;
    if (!sp || !ADDRESS_SPACES.includes(sp) || toks[k + 1]?.text !== ':') return undefined;
    k += 2;
    return sp;
  };

  const primary = (): Expr => {
    const t = peek();
    if (!t) throw new EvalError(`expression expected at position ${src.length + 1} (the end)`, src.length);
    if (t.kind === 'num') { k++; return { k: 'num', value: t.value! & MASK64 }; }
    if (t.text === '(') { k++; const v = binary(0); expect(')'); return v; }
    if (t.text === '[') { k++; const space = spacePrefix(); const a = binary(0); expect(']'); return { k: 'read', size: 0, addr: a, pos: t.pos, space }; }
    if (t.kind === 'id') {
      k++;
      const size = ASM_SIZES[t.text.toLowerCase()];
      if (size && peek()?.text === '[') {
        k++;
        const space = spacePrefix();
        const a = binary(0);
        expect(']');
        return { k: 'read', size, addr: a, pos: t.pos, space };
      }
      const dollar = t.text.startsWith('$');
      return { k: 'name', name: dollar ? t.text.slice(1) : t.text, dollar, pos: t.pos };
    }
    throw new EvalError(`unexpected '${t.text}' at position ${t.pos + 1}`, t.pos);
  };

  const unary = (): Expr => {
    const t = peek();
    if (t?.text === '-') { k++; return { k: 'neg', e: unary() }; }
    if (t?.text === '!') { k++; return { k: 'not', e: unary() }; }
    if (t?.text === '&') { k++; return unary(); }
    if (t?.text === '*') {
      k++;
      const size = castSize();
      const pos = at();
      const space = spacePrefix();
      return { k: 'read', size, addr: unary(), pos, space };
    }
    return primary();
  };

  function binary(level: number): Expr {
    if (level === BINARY.length) return unary();
    let a = binary(level + 1);
    for (;;) {
      const t = peek();
      if (!t || t.kind !== 'op' || !BINARY[level].includes(t.text)) return a;
      k++;
      a = { k: 'bin', op: t.text, a, b: binary(level + 1) };
    }
  }

  if (!toks.length) throw new EvalError('empty expression', 0);
  const e = binary(0);
  if (k < toks.length) throw new EvalError(`unexpected '${toks[k].text}' at position ${toks[k].pos + 1}`, toks[k].pos);
  return e;
}

/** Checks that every name in `e` is a register or a symbol of `env` (without reading memory). */
export function checkNames(e: Expr, env: EvalEnv): void {
  switch (e.k) {
    case 'name': resolveName(e, env); return;
    case 'read': checkNames(e.addr, env); return;
    case 'neg': case 'not': checkNames(e.e, env); return;
    case 'bin': checkNames(e.a, env); checkNames(e.b, env); return;
  }
}

function resolveName(e: Extract<Expr, { k: 'name' }>, env: EvalEnv): bigint {
  const reg = readRegister(env.cpu, e.name);
  if (reg !== undefined && (e.dollar || env.symbol(e.name) === undefined)) return reg;
  const sym = env.symbol(e.name);
  if (sym !== undefined) return BigInt(sym) | (sym >= 2 ** 47 ? 0xffff_0000_0000_0000n : 0n);
  const field = e.dollar ? undefined : env.vmcsField?.(e.name);
  if (field !== undefined) return field;
  throw new EvalError(`${e.dollar ? `unknown register '${e.name}'` : `unknown register or symbol '${e.name}'`} at position ${e.pos + 1}`, e.pos);
}

export function evalExpression(e: Expr, env: EvalEnv): bigint {
  switch (e.k) {
    case 'num': return e.value;
    case 'name': return resolveName(e, env);
    case 'neg': return (-evalExpression(e.e, env)) & MASK64;
    case 'not': return evalExpression(e.e, env) === 0n ? 1n : 0n;
    case 'read': {
      const addr = evalExpression(e.addr, env);
      const size = e.size || (env.cpu.mode === CpuMode.Long64 ? 8 : 4);
      const where = `${e.space ? e.space + ':' : ''}0x${addr.toString(16)}`;
      const bytes = `${size} byte${size > 1 ? 's' : ''}`;
      if (env.readMemory) {
        const r = env.readMemory(e.space ?? null, addr, size);
        if (typeof r === 'string') throw new EvalError(`cannot read ${bytes} at ${where}: ${r}`, e.pos);
        return bigOfHalves(r[0], r[1]);
      }
      if (e.space) throw new EvalError(`cannot read ${where}: address spaces are not available here`, e.pos);
      const v = readHalves(env.cpu, foldBig(addr), size);
      if (!v) throw new EvalError(`cannot read ${bytes} at ${where}: not mapped or not RAM`, e.pos);
      return bigOfHalves(v[0], v[1]);
    }
    case 'bin': {
      const a = evalExpression(e.a, env);
      if (e.op === '&&') return a !== 0n && evalExpression(e.b, env) !== 0n ? 1n : 0n;
      if (e.op === '||') return a !== 0n || evalExpression(e.b, env) !== 0n ? 1n : 0n;
      const b = evalExpression(e.b, env);
      switch (e.op) {
        case '+': return (a + b) & MASK64;
        case '-': return (a - b) & MASK64;
        case '*': return (a * b) & MASK64;
        case '==': return a === b ? 1n : 0n;
        case '!=': return a !== b ? 1n : 0n;
        case '<': return a < b ? 1n : 0n;
        case '<=': return a <= b ? 1n : 0n;
        case '>': return a > b ? 1n : 0n;
        case '>=': return a >= b ? 1n : 0n;
      }
      throw new Error(`operator ${e.op}`);
    }
  }
}

export interface EvalResult { value: bigint; size: number; symbolic?: string }

export function evaluate(src: string, env: EvalEnv): EvalResult {
  return { value: evalExpression(parseExpression(src), env), size: 8 };
}

export function formatValue(v: bigint): string {
  return v < 10n ? v.toString() : `0x${v.toString(16)} (${v.toString()})`;
}
