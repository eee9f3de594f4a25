// The condition language of the VM-transition exception filters (DAP
// `exceptionOptions` / `filterOptions[].condition`), documented for users in
// docs/conditions.md. Its own lexer and parser, no eval:
//
//   expr    := or
//   or      := and ('||' and)*
//   and     := unary ('&&' unary)*
//   unary   := '!' unary | compare
//   compare := operand (('=='|'!='|'<'|'<='|'>'|'>=') operand)?
//   operand := NUMBER | STRING | NAME | '(' expr ')'
//
// NUMBER is decimal or 0x hex (64 bits); STRING is "…" or '…'. A NAME is a
// field of the schema (reason, qual.write, …) or, compared with a field that
// has a name domain, a symbolic value of it (`reason == EPT_VIOLATION`,
// `handledBy == L0`). A field that does not apply to an event (qual.port of
// a CPUID exit) is absent: every comparison with it is false, and as a truth
// value it is false. Errors name the 1-based column.
//
// What the fields are and how names resolve is the schema's business
// (transition-fields.ts): this module knows only the language.

export type Value = bigint | string | undefined;

export type FieldType = 'number' | 'string';

/** A symbolic value of a field: resolved once when parsed, per subject when evaluated (arch-dependent names). */
export type NameValue = (subject: Subject) => Value;

export interface FieldDef {
  type: FieldType;
  /** One line for the docs / error messages. */
  doc: string;
  /**
   * Resolves a bare NAME compared with this field, or returns undefined
   * when the name means nothing for it. Absent: only numbers/strings compare.
   */
  names?: (name: string) => NameValue | undefined;
  /** What names are allowed, for the error message ("an exit reason name such as EPT_VIOLATION"). */
  namesDoc?: string;
}

export type Schema = Readonly<Record<string, FieldDef>>;

/** The thing a condition is evaluated on: field name -> value (undefined = absent). */
export interface Subject { get(field: string): Value }

export class ConditionSyntaxError extends Error {
  constructor(readonly column: number, message: string) {
    super(`column ${column}: ${message}`);
    Object.setPrototypeOf(this, ConditionSyntaxError.prototype);
  }
}

// ------------------------------------------------------------------- lexer

type TokKind = 'num' | 'str' | 'name' | 'op' | '(' | ')' | 'end';
interface Token { kind: TokKind; text: string; col: number; num?: bigint }

const OPS = ['==', '!=', '<=', '>=', '&&', '||', '<', '>', '!'];

export function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    const col = i + 1;
    if (/\s/.test(c)) { i++; continue; }
    if (c === '(' || c === ')') { out.push({ kind: c, text: c, col }); i++; continue; }
    const op = OPS.find((o) => src.startsWith(o, i));
    if (op) { out.push({ kind: 'op', text: op, col }); i += op.length; continue; }
    if (c === '=') throw new ConditionSyntaxError(col, "'=' is not an operator: use '==' to compare");
    if (c === '&' || c === '|') throw new ConditionSyntaxError(col, `'${c}' is not an operator: use '${c}${c}'`);
    if (/[0-9]/.test(c)) {
      const m = /^(0[xX][0-9a-fA-F]+|[0-9]+)(?![A-Za-z0-9_])/.exec(src.slice(i));
      if (!m) throw new ConditionSyntaxError(col, `bad number '${/^[0-9A-Za-z_]+/.exec(src.slice(i))![0]}' (decimal, or hex with 0x)`);
      const num = BigInt(m[1]);
      if (num >= 1n << 64n) throw new ConditionSyntaxError(col, `number ${m[1]} does not fit in 64 bits`);
      out.push({ kind: 'num', text: m[1], col, num });
      i += m[1].length;
      continue;
    }
    if (c === '"' || c === "'") {
      const end = src.indexOf(c, i + 1);
      if (end < 0) throw new ConditionSyntaxError(col, `unclosed string (no closing ${c})`);
      out.push({ kind: 'str', text: src.slice(i + 1, end), col });
      i = end + 1;
      continue;
    }
    // Names may hold '.', '-' and a leading '#' (qual.write, GUEST-CS-L-DB, #UD): the language has no arithmetic.
    const m = /^[A-Za-z_#][A-Za-z0-9_.\-]*/.exec(src.slice(i));
    if (m) { out.push({ kind: 'name', text: m[0], col }); i += m[0].length; continue; }
    throw new ConditionSyntaxError(col, `unexpected character '${c}'`);
  }
  out.push({ kind: 'end', text: '', col: src.length + 1 });
  return out;
}

// ------------------------------------------------------------------ parser

export type CompareOp = '==' | '!=' | '<' | '<=' | '>' | '>=';

export type Node =
  | { k: 'lit'; v: bigint | string; col: number }
  | { k: 'field'; name: string; def: FieldDef; col: number }
  | { k: 'named'; text: string; resolve: NameValue; col: number }
  | { k: 'not'; e: Node }
  | { k: 'and' | 'or'; a: Node; b: Node }
  | { k: 'cmp'; op: CompareOp; a: Node; b: Node; col: number };

/** A name not (yet) known to be a field: resolved against the other side of a comparison. */
type Raw = Node | { k: 'bare'; text: string; col: number };

export interface ParsedCondition { readonly source: string; readonly root: Node }

/** Parses `src` against `schema`; throws ConditionSyntaxError with the column. */
export function parseCondition(src: string, schema: Schema): ParsedCondition {
  const toks = tokenize(src);
  let p = 0;
  const peek = (): Token => toks[p];
  const next = (): Token => toks[p++];
  const fieldNames = (): string => Object.keys(schema).join(', ');

  const finish = (r: Raw): Node => {
    if (r.k !== 'bare') return r;
    throw new ConditionSyntaxError(r.col, `unknown field '${r.text}' (fields: ${fieldNames()})`);
  };

  const operand = (): Raw => {
    const t = next();
    switch (t.kind) {
      case 'num': return { k: 'lit', v: t.num!, col: t.col };
      case 'str': return { k: 'lit', v: t.text, col: t.col };
      case 'name': {
        const def = Object.prototype.hasOwnProperty.call(schema, t.text) ? schema[t.text] : undefined;
        return def ? { k: 'field', name: t.text, def, col: t.col } : { k: 'bare', text: t.text, col: t.col };
      }
      case '(': {
        const e = or();
        const c = next();
        if (c.kind !== ')') throw new ConditionSyntaxError(c.col, c.kind === 'end' ? "missing ')'" : `expected ')', found '${c.text}'`);
        return e;
      }
      case 'end': throw new ConditionSyntaxError(t.col, 'the condition ends too early: expected a field, number or string');
      default: throw new ConditionSyntaxError(t.col, `expected a field, number or string, found '${t.text}'`);
    }
  };

  /** A bare name on one side of a comparison with a field: a symbolic value of that field. */
  const resolveAgainst = (bare: { text: string; col: number }, field: Raw): Node => {
    if (field.k !== 'field') {
      throw new ConditionSyntaxError(bare.col, `unknown field '${bare.text}' (fields: ${fieldNames()})`);
    }
    const r = field.def.names?.(bare.text);
    if (!r) {
      const what = field.def.namesDoc ? `: expected ${field.def.namesDoc}` : ` (${field.name} compares with a ${field.def.type})`;
      throw new ConditionSyntaxError(bare.col, `'${bare.text}' is not a value of ${field.name}${what}`);
    }
    return { k: 'named', text: bare.text, resolve: r, col: bare.col };
  };

  const typeOf = (n: Node): FieldType | 'any' | 'bool' => {
    switch (n.k) {
      case 'lit': return typeof n.v === 'string' ? 'string' : 'number';
      case 'field': return n.def.type;
      case 'named': return 'any';
      default: return 'bool';
    }
  };

  const compare = (): Raw => {
    const left = operand();
    const t = peek();
    if (t.kind !== 'op' || !['==', '!=', '<', '<=', '>', '>='].includes(t.text)) return left;
    next();
    const right = operand();
    const a = left.k === 'bare' ? resolveAgainst(left, right) : left;
    const b = right.k === 'bare' ? resolveAgainst(right, left) : right;
    const op = t.text as CompareOp;
    const ta = typeOf(a), tb = typeOf(b);
    if (ta === 'bool' || tb === 'bool') throw new ConditionSyntaxError(t.col, `'${op}' compares values, not conditions: add parentheses or use && / ||`);
    if (ta !== 'any' && tb !== 'any' && ta !== tb) {
      const f = a.k === 'field' ? a : b.k === 'field' ? b : undefined;
      const lit = f === a ? b : a;
      const col = 'col' in lit ? lit.col : t.col;
      throw new ConditionSyntaxError(col, f ? `${f.name} is a ${f.def.type}, compared with a ${f === a ? tb : ta}` : `cannot compare a ${ta} with a ${tb}`);
    }
    if ((ta === 'string' || tb === 'string') && op !== '==' && op !== '!=') {
      throw new ConditionSyntaxError(t.col, `strings compare only with == and !=, not '${op}'`);
    }
    return { k: 'cmp', op, a, b, col: t.col };
  };

  const unary = (): Raw => {
    const t = peek();
    if (t.kind === 'op' && t.text === '!') { next(); return { k: 'not', e: finish(unary()) }; }
    return compare();
  };

  const and = (): Raw => {
    let a = unary();
    while (peek().kind === 'op' && peek().text === '&&') { next(); a = { k: 'and', a: finish(a), b: finish(unary()) }; }
    return a;
  };

  function or(): Raw {
    let a = and();
    while (peek().kind === 'op' && peek().text === '||') { next(); a = { k: 'or', a: finish(a), b: finish(and()) }; }
    return a;
  }

  if (peek().kind === 'end') throw new ConditionSyntaxError(1, 'the condition is empty');
  const root = finish(or());
  const t = peek();
  if (t.kind !== 'end') throw new ConditionSyntaxError(t.col, `unexpected '${t.text}' after a complete condition (missing && or ||?)`);
  return { source: src, root };
}

// --------------------------------------------------------------- evaluator

function valueOf(n: Node, s: Subject): Value {
  switch (n.k) {
    case 'lit': return n.v;
    case 'field': return s.get(n.name);
    case 'named': return n.resolve(s);
    default: return truth(n, s) ? 1n : 0n;
  }
}

function truth(n: Node, s: Subject): boolean {
  switch (n.k) {
    case 'not': return !truth(n.e, s);
    case 'and': return truth(n.a, s) && truth(n.b, s);
    case 'or': return truth(n.a, s) || truth(n.b, s);
    case 'cmp': {
      const a = valueOf(n.a, s), b = valueOf(n.b, s);
      if (a === undefined || b === undefined || typeof a !== typeof b) return false;
      switch (n.op) {
        case '==': return a === b;
        case '!=': return a !== b;
        case '<': return a < b;
        case '<=': return a <= b;
        case '>': return a > b;
        case '>=': return a >= b;
      }
      return false;
    }
    default: {
      const v = valueOf(n, s);
      return v !== undefined && v !== 0n && v !== '';
    }
  }
}

/** Whether the condition holds for `subject`. Never throws: absent fields make comparisons false. */
export function evalCondition(c: ParsedCondition, subject: Subject): boolean {
  return truth(c.root, subject);
}
