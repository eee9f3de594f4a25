// Constants a document defines for itself: `#define NAME value` (C and
// preprocessed .S), `.equ NAME, value` / `.set NAME, value` / `NAME = value`
// (GNU as). Only the value text is kept; vmcs-operand.ts resolves it, so a
// local `#define MY_FIELD 0x4402` or `.equ F, GUEST_RIP` is followed once.

export type Defines = ReadonlyMap<string, string>;

const C_DEFINE = /^[ \t]*#[ \t]*define[ \t]+([A-Za-z_]\w*)[ \t]+([^\n]*?)[ \t]*$/gm;
const GAS_EQU = /^[ \t]*\.(?:equ|set)[ \t]+([A-Za-z_.$][\w.$]*)[ \t]*,[ \t]*([^\n;]*?)[ \t]*$/gm;
const GAS_ASSIGN = /^[ \t]*([A-Za-z_.$][\w.$]*)[ \t]*=[ \t]*([^\n;=]*?)[ \t]*$/gm;

/** Collects the definitions of a comment-masked text (function-like macros are skipped). */
export function collectDefines(masked: string): Defines {
  const out = new Map<string, string>();
  for (const re of [C_DEFINE, GAS_EQU, GAS_ASSIGN]) {
    re.lastIndex = 0;
    for (let m = re.exec(masked); m; m = re.exec(masked)) if (m[2]) out.set(m[1], m[2]);
  }
  return out;
}
