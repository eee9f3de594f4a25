// VMREAD/VMWRITE accessor calls in C. Every hypervisor code base we know
// passes the field encoding as the first argument: Linux vmcs_read16/32/64/l
// and vmcs_write*, Xen __vmread/__vmwrite, KVM selftests vmread/vmwrite,
// MSVC __vmx_vmread/__vmx_vmwrite, HyperPlatform UtilVmRead/UtilVmWrite(64).
// A call is recognised by the callee's name alone; its first argument is
// only analysed further when it resolves to a VMCS field or a number
// (vmcs-operand.ts), so declarations, macros and wrappers taking a variable
// are never reported.

import { suffixWidth, VmcsAccess } from './vmcs-access';

/** [prefix_][util]vm[cs][_](read|write)[16|32|64|l], any case. */
export const ACCESSOR_NAME = /^_*(?:[A-Za-z0-9]+_)*?(?:util)?vm(?:cs)?_?(read|write)(16|32|64|l)?$/i;

const CALL = /\b([A-Za-z_]\w*)\s*\(/g;

/** The first argument of the call whose '(' is at `open`: up to the first top-level ',' or ')'. */
function firstArgument(masked: string, open: number): { start: number; end: number; closed: boolean } {
  let depth = 0;
  for (let k = open + 1; k < masked.length; k++) {
    const c = masked[k];
    if (c === '(' || c === '[') depth++;
    else if ((c === ')' || c === ']') && depth > 0) depth--;
    else if ((c === ',' || c === ')') && depth === 0) return { start: open + 1, end: k, closed: true };
    else if (c === ';' || c === '{' || c === '}') break;
  }
  return { start: open + 1, end: open + 1, closed: false };
}

/** Every accessor call in a comment-masked C text. */
export function findCAccesses(masked: string): VmcsAccess[] {
  const out: VmcsAccess[] = [];
  CALL.lastIndex = 0;
  for (let m = CALL.exec(masked); m; m = CALL.exec(masked)) {
    const name = ACCESSOR_NAME.exec(m[1]);
    if (!name) continue;
    const open = m.index + m[0].length - 1;
    const arg = firstArgument(masked, open);
    if (!arg.closed) continue;
    const raw = masked.slice(arg.start, arg.end);
    const lead = raw.length - raw.trimStart().length;
    const operand = raw.trim();
    if (!operand) continue;
    out.push({
      op: name[1].toLowerCase() === 'read' ? 'read' : 'write',
      accessor: m[1],
      width: suffixWidth(name[2]),
      operand,
      operandStart: arg.start + lead,
      operandEnd: arg.start + lead + operand.length,
      start: m.index,
      end: arg.end + 1,
    });
  }
  return out;
}
