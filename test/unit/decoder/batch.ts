// Runs a list of byte strings through our decoder/disassembler and objdump in
// as few objdump runs as possible (one per mode, plus one -Mintel64 run for
// the Intel64 exceptions) and collects the verdicts.
import { layout, objdumpWindows, Mode, ObjLine } from './objdump';
import { decodeBytes, intel64Exception, judge, Verdict, ExceptionKind, rexThenPrefix, stripIgnoredRex } from './judge';

export interface Case { bytes: number[]; mode: Mode; what?: string }

export interface Summary {
  total: number;
  ok: number;
  bad: number;
  exceptions: Partial<Record<ExceptionKind, number>>;
  failures: { c: Case; v: Verdict }[];
  /** Wrong length/text/#UD in entries of table/simd.ts. */
  simdFailures: { c: Case; v: Verdict }[];
  /** Encodings objdump decodes where table/simd.ts has no entry yet. */
  simdMissing: { c: Case; v: Verdict }[];
}

/**
 * Cuts a case to the length we decode (when we decode a valid instruction), so
 * that objdump sees NOP padding right after it: a disagreement on the length
 * still shows (objdump reads into the padding or stops early) and no garbage
 * lines follow.
 */
export function trimToDecoded(c: Case): Case {
  const i = decodeBytes(c.bytes, c.mode);
  if (!i.invalid && i.len <= c.bytes.length) return { ...c, bytes: c.bytes.slice(0, i.len) };
  return { ...c, bytes: c.bytes.slice(0, 15) };
}

export async function runCases(all: Case[]): Promise<Summary> {
  const sum: Summary = { total: all.length, ok: 0, bad: 0, exceptions: {}, failures: [], simdFailures: [], simdMissing: [] };
  for (const mode of [64, 32, 16] as Mode[]) {
    const cases = all.filter((c) => c.mode === mode);
    if (!cases.length) continue;
    const nOwn = cases.length;
    // Cases with an ignored REX get a companion without it (see EXCEPTIONS.rexThenPrefix).
    const companion = new Map<number, number>();
    for (let n = 0; n < nOwn; n++) {
      if (!rexThenPrefix(cases[n].bytes, mode)) continue;
      companion.set(n, cases.length);
      cases.push(trimToDecoded({ bytes: stripIgnoredRex(cases[n].bytes), mode, what: 'stripped' }));
    }
    const { buf, starts } = layout(cases.map((c) => c.bytes));
    const lines = await objdumpWindows(buf, starts, mode);
    // Second opinion for the Intel64 exceptions, in a batch of their own.
    const intelIdx: number[] = [];
    if (mode === 64) cases.forEach((c, n) => { if (intel64Exception(decodeBytes(c.bytes, 64), 64)) intelIdx.push(n); });
    const intel: (ObjLine[] | undefined)[] = new Array(cases.length);
    if (intelIdx.length) {
      // Same addresses as in the main batch, so branch targets agree: pad with NOPs up to each start.
      const sub = Buffer.alloc(buf.length, 0x90);
      const subStarts: number[] = [];
      for (const n of intelIdx) { cases[n].bytes.forEach((b, k) => { sub[starts[n] + k] = b; }); subStarts.push(starts[n]); }
      const w = await objdumpWindows(sub, subStarts, 64, true);
      intelIdx.forEach((n, k) => { intel[n] = w[k]; });
    }
    cases.forEach((c, n) => {
      if (n >= nOwn) return;
      const m = companion.get(n);
      const stripped = m === undefined ? undefined : { bytes: cases[m].bytes, addr: starts[m], lines: lines[m], intel: intel[m] };
      const v = judge(c.bytes, mode, starts[n], lines[n], intel[n], stripped);
      if (v.exception) sum.exceptions[v.exception] = (sum.exceptions[v.exception] ?? 0) + 1;
      if (v.ok) { sum.ok++; if (v.bad) sum.bad++; }
      else if (v.simd) (v.missing ? sum.simdMissing : sum.simdFailures).push({ c, v });
      else sum.failures.push({ c, v });
    });
  }
  return sum;
}

/** One line per opcode position that objdump decodes and table/simd.ts lacks. */
export function missingSummary(s: Summary): string {
  const seen = new Map<string, string>();
  for (const { c, v } of s.simdMissing) {
    const m = /bytes ((?:[0-9a-f]{2} )*[0-9a-f]{2})/.exec(v.message);
    const t = /objdump: len \d+ "([^"]*)"/.exec(v.message);
    const name = t ? t[1].split(' ').filter((w) => /^[a-z0-9]+$/.test(w) && !/^(data16|data32|addr16|addr32|rex|repz|repnz|lock|[cdefgs]s)$/.test(w))[0] : '?';
    if (name && !seen.has(name)) seen.set(name, `${name} (e.g. mode ${c.mode}: ${m ? m[1] : ''})`);
  }
  return [...seen.values()].join('; ');
}

export function describe_(s: Summary, max = 40): string {
  const lines = s.failures.slice(0, max).map((f) => `  ${f.c.what ? f.c.what + ': ' : ''}${f.v.message}`);
  const more = s.failures.length > max ? `\n  ... and ${s.failures.length - max} more` : '';
  return `${s.failures.length} mismatches of ${s.total}:\n${lines.join('\n')}${more}`;
}
