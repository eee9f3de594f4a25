// Debug-console and watch expressions: registers (`$rax`, `rax`), symbols
// (their address), numbers, + - * and parentheses, and memory reads in C or
// assembler spelling: `*(uint64_t*)0x1000`, `*(uint8_t*)($rsp+8)`,
// `[0x1000]` (8 bytes), `dword [$rsp]`. Arithmetic is 64-bit unsigned.
import type { Cpu } from '../emulator/x86/cpu';
import { CpuMode } from '../emulator/x86/state';
import { readHalves } from '../emulator/debug/guest-memory';
import { readRegister, bigOfHalves, foldBig } from './registers';

export interface EvalEnv {
  cpu: Cpu;
  /** Address of a symbol, or undefined. */
  symbol(name: string): number | undefined;
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
  uint64_t: 8, int64_t: 8, long: 8, 'unsigned long': 8, 'long long': 8, 'unsigned long long': 8, uintptr_t: 8, size_t: 8,
};
const ASM_SIZES: Record<string, number> = { byte: 1, word: 2, dword: 4, qword: 8 };

interface Token { kind: 'num' | 'id' | 'op'; text: string; pos: number; value?: bigint }

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    if (/\s/.test(c)) { i++; continue; }
    const num = /^(0x[0-9a-f]+|0b[01]+|[0-9]+)/i.exec(src.slice(i));
    if (num) {
      out.push({ kind: 'num', text: num[0], pos: i, value: BigInt(num[0].replace(/^0X/, '0x').replace(/^0B/, '0b')) });
      i += num[0].length;
      continue;
    }
    const id = /^\$?[A-Za-z_.][A-Za-z0-9_.$]*/.exec(src.slice(i));
    if (id) { out.push({ kind: 'id', text: id[0], pos: i }); i += id[0].length; continue; }
    if ('+-*()[]&'.includes(c)) { out.push({ kind: 'op', text: c, pos: i }); i++; continue; }
    throw new EvalError(`unexpected '${c}' at position ${i + 1}`, i);
  }
  return out;
}

export interface EvalResult { value: bigint; size: number; symbolic?: string }

export function evaluate(src: string, env: EvalEnv): EvalResult {
  const toks = tokenize(src);
  let k = 0;
  const peek = (): Token | undefined => toks[k];
  const at = (): number => (toks[k] ? toks[k].pos : src.length);
  const expect = (text: string): void => {
    const t = toks[k];
    if (!t || t.text !== text) throw new EvalError(`expected '${text}' at position ${at() + 1}`, at());
    k++;
  };
  const defaultSize = env.cpu.mode === CpuMode.Long64 ? 8 : 4;

  const read = (addr: bigint, size: number, pos: number): bigint => {
    const v = readHalves(env.cpu, foldBig(addr), size);
    if (!v) throw new EvalError(`cannot read ${size} byte${size > 1 ? 's' : ''} at 0x${addr.toString(16)}: not mapped or not RAM`, pos);
    return bigOfHalves(v[0], v[1]);
  };

  /** A C cast `( type * )` at the cursor: returns the pointee size, or 0 if not a cast. */
  const castSize = (): number => {
    if (peek()?.text !== '(') return 0;
    let j = k + 1;
    const words: string[] = [];
    while (toks[j] && toks[j].kind === 'id') words.push(toks[j++].text);
    if (!words.length || toks[j]?.text !== '*' || toks[j + 1]?.text !== ')') return 0;
    const size = C_TYPES[words.join(' ')];
    if (!size) throw new EvalError(`unknown type '${words.join(' ')}' (use uint8_t, uint16_t, uint32_t or uint64_t)`, toks[k + 1].pos);
    k = j + 2;
    return size;
  };

  const primary = (): bigint => {
    const t = peek();
    if (!t) throw new EvalError('expression expected at the end', src.length);
    if (t.kind === 'num') { k++; return t.value!; }
    if (t.text === '(') { k++; const v = sum(); expect(')'); return v; }
    if (t.text === '[') { k++; const a = sum(); expect(']'); return read(a, defaultSize, t.pos); }
    if (t.kind === 'id') {
      k++;
      const size = ASM_SIZES[t.text.toLowerCase()];
      if (size && peek()?.text === '[') {
        k++;
        const a = sum();
        expect(']');
        return read(a, size, t.pos);
      }
      const name = t.text.startsWith('$') ? t.text.slice(1) : t.text;
      const reg = readRegister(env.cpu, name);
      if (reg !== undefined && (t.text.startsWith('$') || env.symbol(name) === undefined)) return reg;
      const sym = env.symbol(name);
      if (sym !== undefined) return BigInt(sym) | (sym >= 2 ** 47 ? 0xffff_0000_0000_0000n : 0n);
      throw new EvalError(t.text.startsWith('$') ? `unknown register '${name}'` : `unknown register or symbol '${name}'`, t.pos);
    }
    throw new EvalError(`unexpected '${t.text}' at position ${t.pos + 1}`, t.pos);
  };

  const unary = (): bigint => {
    const t = peek();
    if (t?.text === '-') { k++; return (-unary()) & MASK64; }
    if (t?.text === '&') { k++; return unary(); }
    if (t?.text === '*') {
      k++;
      const size = castSize() || defaultSize;
      const pos = at();
      return read(unary(), size, pos);
    }
    return primary();
  };

  const product = (): bigint => {
    let v = unary();
    while (peek()?.text === '*') { k++; v = (v * unary()) & MASK64; }
    return v;
  };

  function sum(): bigint {
    let v = product();
    for (;;) {
      const t = peek();
      if (t?.text === '+') { k++; v = (v + product()) & MASK64; }
      else if (t?.text === '-') { k++; v = (v - product()) & MASK64; }
      else return v;
    }
  }

  if (!toks.length) throw new EvalError('empty expression', 0);
  const value = sum();
  if (k < toks.length) throw new EvalError(`unexpected '${toks[k].text}' at position ${toks[k].pos + 1}`, toks[k].pos);
  return { value, size: 8 };
}

export function formatValue(v: bigint): string {
  return v < 10n ? v.toString() : `0x${v.toString(16)} (${v.toString()})`;
}
