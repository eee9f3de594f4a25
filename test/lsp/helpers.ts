// Snippet helpers for the language-server tests: the position of a piece of
// text inside a snippet, so tests read as "hover on GUEST_RIP in ...".

import { LineMap } from '../../extension/server/source-text';
import type { Position } from '../../extension/server/types';

/** Position `into` characters inside the `nth` occurrence (0-based) of `needle` in `text`. */
export function at(text: string, needle: string, into = 1, nth = 0): Position {
  let k = -1;
  for (let i = 0; i <= nth; i++) {
    k = text.indexOf(needle, k + 1);
    if (k < 0) throw new Error(`'${needle}' (#${nth}) not in snippet`);
  }
  return new LineMap(text).positionAt(k + into);
}

/** Position just after `needle` (where a cursor is when it has been typed). */
export function after(text: string, needle: string): Position {
  return at(text, needle, needle.length);
}
