// Conditions, hit counts and log points of source, function and
// instruction breakpoints (DAP `condition`, `hitCondition`, `logMessage`).
//
// - condition: an expression of evaluate.ts (registers, symbols, memory
//   reads, `== != < <= > >=`, `&& || !`); the breakpoint counts a hit only
//   when it is non-zero.
// - hitCondition, over the hits counted so far (this one included):
//   `N` or `== N` stop on the Nth hit only; `>= N`, `> N`, `<= N`, `< N`;
//   `% N` every Nth hit (N, 2N, ...).
// - logMessage: text with `{expression}` parts (`{{` and `}}` for literal
//   braces); printed as an output event instead of stopping. A value prints
//   in decimal below 10, else as 0x hex.
// Every part is parsed when the breakpoint is set: an error is reported in
// the setBreakpoints response with its position.
import { parseExpression, checkNames, evalExpression, EvalEnv, EvalError, Expr } from './evaluate';

export interface HitCondition { op: '==' | '>=' | '>' | '<=' | '<' | '%'; n: number }

export type LogPart = string | { expr: Expr; src: string };

export interface BreakpointCondition {
  condition?: Expr;
  hit?: HitCondition;
  log?: LogPart[];
  /** Hits counted so far (the condition was true). */
  hits: number;
}

export class ConditionError extends Error {
  constructor(message: string) { super(message); Object.setPrototypeOf(this, ConditionError.prototype); }
}

export function parseHitCondition(src: string): HitCondition {
  const m = /^\s*(==|=|>=|>|<=|<|%)?\s*([0-9]+)\s*$/.exec(src);
  if (!m) throw new ConditionError(`hitCondition: expected N, '>= N' or '% N' (also == > < <=), got '${src}'`);
  const op = (m[1] === '=' || !m[1] ? '==' : m[1]) as HitCondition['op'];
  const n = Number(m[2]);
  if (op === '%' && n === 0) throw new ConditionError(`hitCondition: '% 0' never matches: use '% N' with N >= 1`);
  return { op, n };
}

export function hitMatches(h: HitCondition, count: number): boolean {
  switch (h.op) {
    case '==': return count === h.n;
    case '>=': return count >= h.n;
    case '>': return count > h.n;
    case '<=': return count <= h.n;
    case '<': return count < h.n;
    case '%': return count % h.n === 0;
  }
}

/** Splits a log message into text and `{expression}` parts; positions in errors are in the whole message. */
export function parseLogMessage(src: string): LogPart[] {
  const parts: LogPart[] = [];
  let text = '';
  for (let i = 0; i < src.length; i++) {
    const c = src[i];
    if ((c === '{' || c === '}') && src[i + 1] === c) { text += c; i++; continue; }
    if (c === '}') throw new ConditionError(`logMessage: unmatched '}' at position ${i + 1} (write '}}' for a brace)`);
    if (c !== '{') { text += c; continue; }
    const end = src.indexOf('}', i + 1);
    if (end < 0) throw new ConditionError(`logMessage: unclosed '{' at position ${i + 1}`);
    const inner = src.slice(i + 1, end);
    try {
      parts.push(text, { expr: parseExpression(inner), src: inner });
    } catch (e) {
      if (e instanceof EvalError) throw new ConditionError(`logMessage: {${inner}}: ${shiftPosition(e, i + 1)}`);
      throw e;
    }
    text = '';
    i = end;
  }
  if (text) parts.push(text);
  return parts.filter((p) => p !== '');
}

/** An EvalError's message with its position moved by `offset` (an expression inside a larger text). */
function shiftPosition(e: EvalError, offset: number): string {
  return e.message.replace(/position (\d+)/, (_, n) => `position ${Number(n) + offset}`);
}

/**
 * The condition parts of a DAP breakpoint, parsed. With `env` (the kernel is
 * loaded) names are checked against registers and symbols too. Throws
 * ConditionError naming the attribute and the position.
 */
export function parseBreakpointCondition(a: { condition?: string; hitCondition?: string; logMessage?: string }, env?: EvalEnv): BreakpointCondition | undefined {
  const out: BreakpointCondition = { hits: 0 };
  if (a.condition !== undefined && a.condition.trim() !== '') {
    try {
      out.condition = parseExpression(a.condition);
      if (env) checkNames(out.condition, env);
    } catch (e) {
      if (e instanceof EvalError) throw new ConditionError(`condition: ${e.message}`);
      throw e;
    }
  }
  if (a.hitCondition !== undefined && a.hitCondition.trim() !== '') out.hit = parseHitCondition(a.hitCondition);
  if (a.logMessage !== undefined && a.logMessage !== '') {
    out.log = parseLogMessage(a.logMessage);
    if (env) {
      for (const p of out.log) {
        if (typeof p === 'string') continue;
        try {
          checkNames(p.expr, env);
        } catch (e) {
          if (e instanceof EvalError) throw new ConditionError(`logMessage: {${p.src}}: ${e.message}`);
          throw e;
        }
      }
    }
  }
  return out.condition || out.hit || out.log ? out : undefined;
}

export type HitDecision = { kind: 'skip' } | { kind: 'stop'; error?: string } | { kind: 'log'; text: string };

/** What a breakpoint does when execution reaches it. Counts the hit. */
export function decideHit(c: BreakpointCondition, env: EvalEnv): HitDecision {
  if (c.condition) {
    let v: bigint;
    try {
      v = evalExpression(c.condition, env);
    } catch (e) {
      // A condition that cannot be evaluated here stops, so the user sees why.
      if (e instanceof EvalError) return { kind: 'stop', error: `condition: ${e.message}` };
      throw e;
    }
    if (v === 0n) return { kind: 'skip' };
  }
  c.hits++;
  if (c.hit && !hitMatches(c.hit, c.hits)) return { kind: 'skip' };
  if (c.log) return { kind: 'log', text: formatLog(c.log, env) };
  return { kind: 'stop' };
}

function formatLog(parts: LogPart[], env: EvalEnv): string {
  return parts.map((p) => {
    if (typeof p === 'string') return p;
    try {
      const v = evalExpression(p.expr, env);
      return v < 10n ? v.toString() : `0x${v.toString(16)}`;
    } catch (e) {
      if (e instanceof EvalError) return `<${p.src}: ${e.message}>`;
      throw e;
    }
  }).join('');
}
