// VMREAD/VMWRITE instructions in GNU as, with the field encoding traced back
// to the immediate that was moved into the encoding register.
//
// Operand order (SDM vol 3C §31.3 VMREAD/VMWRITE; AT&T reverses Intel):
//   AT&T   vmwrite SRC, ENC     vmread ENC, DST
//   Intel  vmwrite ENC, SRC     vmread DST, ENC
// The encoding is always a register. Tracing is deliberately narrow, so a
// traced value is the value the instruction sees: walking back from the
// VMREAD/VMWRITE over straight-line code, the first statement that mentions
// the register must be `mov $imm, %reg` (`mov reg, imm` in Intel syntax)
// writing all of it (32 or 64 bits; a 32-bit write zero-extends). The walk
// gives up at a label, a preprocessor line, a macro/conditional directive,
// any branch/call/return, any instruction that writes registers it does not
// name (CPUID, RDMSR, MUL, string instructions, ...), any other statement
// naming the register, and after MAX_LOOKBACK statements.

import { asmStatements, Operand, Statement } from './asm-statements';
import { VmcsAccess } from './vmcs-access';
import { gpr, mentionsFamily } from './x86-registers';

const MAX_LOOKBACK = 64;

const VMX_ACCESS = /^vm(read|write)[lq]?$/;
const STOPS_FLOW = /^(?:j[a-z]+|call[lq]?|ret[lqfw]?|iret[lqdw]?|loop[a-z]*|int[o3]?|syscall|sysret[lq]?|sysenter|sysexit|vmlaunch|vmresume|vmcall|vmmcall|vmrun|ud2|hlt)$/;
const IMPLICIT_WRITES = /^(?:cpuid|rdmsr|rdtscp?|rdpmc|xgetbv|rdpkru|rdpid|(?:i?mul|i?div)[bwlq]?|c[lwq]t[dlq]|cqto|cltd|cwtd|cq?o|cdqe?|cwde?|cbw|cltq|xchg[bwlq]?|cmpxchg[a-z0-9]*|xadd[bwlq]?|rep[a-z]*|lods[bwlq]?|stos[bwlq]?|movs[bwlq]?|scas[bwlq]?|cmps[bwlq]?|ins[bwl]?|outs[bwl]?|in[bwl]?|enter[lq]?|leave[lq]?|lahf|xlatb?|rdrand[a-z]*|rdseed[a-z]*)$/;
const BLOCK_DIRECTIVE = /^\.(?:macro|endm|rept|irp|irpc|endr|if[a-z]*|else|elseif|endif)$/;
const MOV = /^(?:mov[lq]?|movabsq?)$/;

function encodingOperand(st: Statement, op: 'read' | 'write'): Operand | undefined {
  if (st.operands.length !== 2) return undefined;
  const att = op === 'write' ? 1 : 0;
  return st.operands[st.intel ? 1 - att : att];
}

/** The immediate operand if `st` moves an immediate into all (32/64 bits) of `family`. */
function movImmediate(st: Statement, family: string): Operand | undefined {
  if (!MOV.test(st.mnemonic) || st.operands.length !== 2) return undefined;
  const [src, dst] = st.intel ? [st.operands[1], st.operands[0]] : st.operands;
  const reg = gpr(dst.text);
  if (!reg || reg.family !== family || reg.width < 32) return undefined;
  if (st.intel) {
    if (/[[\]]/.test(src.text) || gpr(src.text) || /^offset\b/i.test(src.text)) return undefined;
    return src;
  }
  if (!src.text.startsWith('$')) return undefined;
  return { text: src.text.slice(1).trim(), start: src.start + 1, end: src.end };
}

function trace(stmts: readonly Statement[], at: number, family: string): { imm: Operand; st: Statement } | undefined {
  for (let k = at - 1; k >= 0 && k >= at - MAX_LOOKBACK; k--) {
    const st = stmts[k];
    const m = st.mnemonic;
    if (m === '#' || BLOCK_DIRECTIVE.test(m) || STOPS_FLOW.test(m) || IMPLICIT_WRITES.test(m)) return undefined;
    if (st.operands.some((o) => mentionsFamily(o.text, family))) {
      const imm = movImmediate(st, family);
      return imm && { imm, st };
    }
    if (st.labelled) return undefined;
  }
  return undefined;
}

/** Every VMREAD/VMWRITE whose encoding register was loaded with a traceable immediate. */
export function findAsmAccesses(masked: string): VmcsAccess[] {
  const stmts = asmStatements(masked);
  const out: VmcsAccess[] = [];
  stmts.forEach((st, k) => {
    const kind = VMX_ACCESS.exec(st.mnemonic);
    if (!kind) return;
    const op = kind[1] as 'read' | 'write';
    const enc = encodingOperand(st, op);
    const reg = enc && gpr(enc.text);
    if (!reg) return;
    const found = trace(stmts, k, reg.family);
    if (!found) return;
    out.push({
      op,
      accessor: st.mnemonic,
      operand: found.imm.text,
      operandStart: found.imm.start,
      operandEnd: found.imm.end,
      start: st.mnemonicStart,
      end: st.operands[st.operands.length - 1].end,
      via: `${enc.text} = ${st.intel ? '' : '$'}${found.imm.text}, line ${found.st.line + 1}`,
    });
  });
  return out;
}
