// GNU as statements of a comment-masked text: labels, mnemonic, operands
// split at top-level commas, with offsets; and the syntax in force
// (.intel_syntax / .att_syntax) at each statement.

export interface Operand { readonly text: string; readonly start: number; readonly end: number }

export interface Statement {
  readonly line: number;
  readonly start: number;
  readonly end: number;
  /** A label is defined at the start of this statement: control can arrive here from elsewhere. */
  readonly labelled: boolean;
  /** Lower-case mnemonic or directive ('.equ'), '#' for a preprocessor line, '' for none. */
  readonly mnemonic: string;
  readonly mnemonicStart: number;
  readonly operands: readonly Operand[];
  readonly intel: boolean;
}

function splitOperands(s: string, base: number): Operand[] {
  const out: Operand[] = [];
  let depth = 0, from = 0;
  const push = (to: number) => {
    const raw = s.slice(from, to);
    const lead = raw.length - raw.trimStart().length;
    const t = raw.trim();
    if (t) out.push({ text: t, start: base + from + lead, end: base + from + lead + t.length });
  };
  for (let k = 0; k < s.length; k++) {
    if (s[k] === '(' || s[k] === '[') depth++;
    else if (s[k] === ')' || s[k] === ']') depth--;
    else if (s[k] === ',' && depth === 0) { push(k); from = k + 1; }
  }
  push(s.length);
  return out;
}

const LABEL = /^\s*(?:[A-Za-z_.$][\w.$]*|\d+):/;

function parse(text: string, start: number, line: number, intel: boolean): Statement {
  let s = text, off = start, labelled = false;
  for (let m = LABEL.exec(s); m; m = LABEL.exec(s)) { labelled = true; off += m[0].length; s = s.slice(m[0].length); }
  const lead = s.length - s.trimStart().length;
  const body = s.trim();
  if (body.startsWith('#')) return { line, start, end: start + text.length, labelled, mnemonic: '#', mnemonicStart: off + lead, operands: [], intel };
  const mm = /^[A-Za-z_.][\w.]*/.exec(body);
  if (!mm) return { line, start, end: start + text.length, labelled, mnemonic: '', mnemonicStart: off + lead, operands: [], intel };
  const rest = body.slice(mm[0].length);
  return {
    line, start, end: start + text.length, labelled, mnemonic: mm[0].toLowerCase(), mnemonicStart: off + lead,
    operands: splitOperands(rest, off + lead + mm[0].length), intel,
  };
}

/** Every statement in order (';' separates statements on a line, except on preprocessor lines). */
export function asmStatements(masked: string): Statement[] {
  const out: Statement[] = [];
  let intel = false, offset = 0, line = 0;
  for (const text of masked.split('\n')) {
    const parts = /^\s*#/.test(text) ? [text] : text.split(';');
    let off = offset;
    for (const p of parts) {
      const st = parse(p, off, line, intel);
      if (st.mnemonic === '.intel_syntax') intel = true;
      else if (st.mnemonic === '.att_syntax') intel = false;
      out.push({ ...st, intel: st.mnemonic === '.intel_syntax' ? true : st.intel });
      off += p.length + 1;
    }
    offset += text.length + 1;
    line++;
  }
  return out;
}
