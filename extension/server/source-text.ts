// Source text helpers shared by hover, completion and diagnostics: a copy
// of the text with comments and string literals blanked (same length, same
// line breaks, so offsets still match the document), offset <-> position,
// the token under the cursor and C/GAS integer literals.

import type { Position, Range, SourceKind } from './types';

const PREPROCESSOR_LINE = /^[ \t]*#[ \t]*(?:define|undef|include|if|ifdef|ifndef|elif|else|endif|error|warning|pragma|line)\b/;

/**
 * Blanks comments and string/char literals. C: // and block comments. GNU as
 * for x86 (the .S files go through cpp first): the same, plus '#' to the end
 * of the line unless the line is a preprocessor directive.
 */
export function maskComments(text: string, kind: SourceKind): string {
  const out = text.split('');
  const blank = (from: number, to: number) => { for (let k = from; k < to; k++) if (out[k] !== '\n' && out[k] !== '\r') out[k] = ' '; };
  let i = 0;
  let lineStart = 0;
  while (i < text.length) {
    const ch = text[i];
    if (ch === '\n') { i++; lineStart = i; continue; }
    if (ch === '/' && text[i + 1] === '/') {
      const end = lineEnd(text, i);
      blank(i, end); i = end; continue;
    }
    if (ch === '/' && text[i + 1] === '*') {
      const close = text.indexOf('*/', i + 2);
      const end = close < 0 ? text.length : close + 2;
      blank(i, end); i = end; continue;
    }
    if (ch === '"' || (ch === '\'' && kind === 'c')) {
      const end = literalEnd(text, i);
      blank(i + 1, end - 1); i = end; continue;
    }
    if (ch === '#' && kind === 'asm' && !PREPROCESSOR_LINE.test(text.slice(lineStart, lineEnd(text, lineStart)))) {
      const end = lineEnd(text, i);
      blank(i, end); i = end; continue;
    }
    i++;
  }
  return out.join('');
}

function lineEnd(text: string, from: number): number {
  const n = text.indexOf('\n', from);
  return n < 0 ? text.length : n;
}

function literalEnd(text: string, open: number): number {
  const q = text[open];
  for (let k = open + 1; k < text.length; k++) {
    if (text[k] === '\\') { k++; continue; }
    if (text[k] === q || text[k] === '\n') return k + 1;
  }
  return text.length;
}

/** Offset <-> position for one document. */
export class LineMap {
  private readonly starts: number[] = [0];
  constructor(readonly text: string) {
    for (let i = 0; i < text.length; i++) if (text[i] === '\n') this.starts.push(i + 1);
  }
  positionAt(offset: number): Position {
    let lo = 0, hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid] <= offset) lo = mid; else hi = mid - 1;
    }
    return { line: lo, character: offset - this.starts[lo] };
  }
  offsetAt(p: Position): number {
    const start = this.starts[Math.min(p.line, this.starts.length - 1)] ?? 0;
    return Math.min(start + p.character, this.text.length);
  }
  range(from: number, to: number): Range {
    return { start: this.positionAt(from), end: this.positionAt(to) };
  }
}

export interface Token {
  readonly text: string;
  readonly start: number;
  readonly end: number;
  readonly kind: 'ident' | 'number';
}

const WORD_CHAR = /[A-Za-z0-9_]/;

/** The identifier or number literal touching `offset` (cursor just after it counts). */
export function tokenAt(text: string, offset: number): Token | undefined {
  let s = offset, e = offset;
  while (s > 0 && WORD_CHAR.test(text[s - 1])) s--;
  while (e < text.length && WORD_CHAR.test(text[e])) e++;
  if (s === e) return undefined;
  const t = text.slice(s, e);
  return { text: t, start: s, end: e, kind: /^[0-9]/.test(t) ? 'number' : 'ident' };
}

/**
 * Value of a C or GAS integer literal (0x.., 0b.., 0.., decimal, C suffixes
 * u/l/ul/ull), undefined if it is none. Values above 2^53 are not encodings
 * or MSR indices, so they are refused rather than rounded.
 */
export function parseIntLiteral(text: string): number | undefined {
  const m = /^(0[xX][0-9a-fA-F]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)(?:[uU]?[lL]{0,2}|[lL]{1,2}[uU])$/.exec(text.trim());
  if (!m) return undefined;
  const lit = m[1];
  const v = /^0[xX]/.test(lit) ? parseInt(lit.slice(2), 16)
    : /^0[bB]/.test(lit) ? parseInt(lit.slice(2), 2)
      : lit.length > 1 && lit[0] === '0' ? parseInt(lit, 8) : parseInt(lit, 10);
  return Number.isSafeInteger(v) ? v : undefined;
}

/** `0x681e` as the SDM writes encodings (at least four hex digits). */
export function hex4(v: number): string {
  return '0x' + (v >>> 0).toString(16).padStart(4, '0');
}
