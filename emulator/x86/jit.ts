// The compiled tier: a block that has run a few times becomes one generated
// JS function. Register-only forms of the hottest instructions are inlined
// (same lazy-flag protocol as flags.ts); everything else calls its handler,
// so the compiled block computes exactly what the interpreter would.
// Faults stay precise: before any instruction that may fault, the function
// records which instruction it is in (cpu.jk) and sets cpu.rip to it.
import type { Block, Cpu } from './cpu';
import { Insn, OpKind } from './decode/insn';
import { CpuMode } from './state';
import { LazyOp, testCond, getCF } from './flags';

export type CompiledBlock = (cpu: Cpu, I: Insn[], T: typeof testCond, CFn: typeof getCF) => number;

const HALF48 = 140737488355328; // 2^47: canonical halves in the folded form
const TOP48 = 281474976710656;

const ALU_OPS: Record<string, number> = { add: 0, or: 1, and: 4, sub: 5, xor: 6, cmp: 7, test: 8 };

/** Register operand (GPR, not AH..BH) of size 4 or 8. */
function isReg(k: number, s: number): boolean {
  return k === OpKind.Reg && (s === 4 || s === 8);
}

function lazy(op: number, s: number): string {
  return `cpu.lop=${op};cpu.lsz=${s};cpu.la=a;cpu.lah=ah;cpu.lb=b;cpu.lbh=bh;cpu.lr=r;cpu.lrh=rh;`;
}

/** Inline code for an ALU op on a register destination, or null. */
function aluInline(i: Insn, key: string): string | null {
  const op = ALU_OPS[key];
  if (op === undefined || i.nops !== 2 || !isReg(i.k0, i.s0)) return null;
  const s = i.s0;
  const d = i.r0 << 1;
  let src: string;
  if (isReg(i.k1, i.s1) && i.s1 === s) src = `b=R[${i.r1 << 1}]>>>0;bh=${s === 8 ? `R[${(i.r1 << 1) + 1}]` : '0'};`;
  else if (i.k1 === OpKind.Imm) src = `b=${i.imm >>> 0};bh=${s === 8 ? i.immHi | 0 : 0};`;
  else return null;
  let body = `a=R[${d}]>>>0;ah=${s === 8 ? `R[${d + 1}]` : '0'};${src}`;
  switch (op) {
    case 0:
      body += s === 8 ? 't=a+b;r=t>>>0;rh=(ah+bh+(t>4294967295?1:0))|0;' : 't=a+b;r=t>>>0;rh=0;';
      body += lazy(LazyOp.Add, s);
      break;
    case 5: case 7:
      body += s === 8 ? 't=a-b;r=t>>>0;rh=(ah-bh-(t<0?1:0))|0;' : 't=a-b;r=t>>>0;rh=0;';
      body += lazy(LazyOp.Sub, s);
      break;
    case 1: body += `r=(a|b)>>>0;rh=${s === 8 ? 'ah|bh' : '0'};` + lazy(LazyOp.Logic, s); break;
    case 4: case 8: body += `r=(a&b)>>>0;rh=${s === 8 ? 'ah&bh' : '0'};` + lazy(LazyOp.Logic, s); break;
    default: body += `r=(a^b)>>>0;rh=${s === 8 ? 'ah^bh' : '0'};` + lazy(LazyOp.Logic, s); break;
  }
  // cmp/test only set flags; 32-bit results zero-extend into bits 63:32 (SDM vol 1, 3.4.1.1).
  if (op !== 7 && op !== 8) body += `R[${d}]=r|0;R[${d + 1}]=rh;`;
  return body;
}

function movInline(i: Insn): string | null {
  if (i.nops !== 2 || !isReg(i.k0, i.s0)) return null;
  const d = i.r0 << 1;
  if (isReg(i.k1, i.s1) && i.s1 === i.s0) {
    const s = i.r1 << 1;
    return i.s0 === 8 ? `R[${d}]=R[${s}];R[${d + 1}]=R[${s + 1}];` : `R[${d}]=R[${s}];R[${d + 1}]=0;`;
  }
  if (i.k1 === OpKind.Imm) return `R[${d}]=${i.imm | 0};R[${d + 1}]=${i.s0 === 8 ? i.immHi | 0 : 0};`;
  return null;
}

function incDecInline(i: Insn, d: number): string | null {
  if (i.nops !== 1 || !isReg(i.k0, i.s0)) return null;
  const s = i.s0;
  const k = i.r0 << 1;
  // INC/DEC leave CF alone (SDM vol 2A, INC): the lazy record carries the old CF.
  return `cpu.lcf=CFn(cpu)?1:0;a=R[${k}]>>>0;ah=${s === 8 ? `R[${k + 1}]` : '0'};b=1;bh=0;t=a${d > 0 ? '+' : '-'}1;r=t>>>0;` +
    (s === 8 ? `rh=(ah+(t>4294967295?1:t<0?-1:0))|0;` : 'rh=0;') +
    lazy(d > 0 ? LazyOp.Inc : LazyOp.Dec, s) + `R[${k}]=r|0;R[${k + 1}]=rh;`;
}

/**
 * SHL/SAL/SHR/SAR of a register by a constant count (SDM vol 2B, SAL/SAR/SHL/SHR):
 * same results as exec/int-shift.ts, flags recorded as LazyOp.Explicit
 * (CF = last bit out, OF by the count-1 formula for every count, as there).
 * A masked count of 0 is left to the handler (flags untouched).
 */
function shiftInline(i: Insn, key: string): string | null {
  if (key !== 'shl' && key !== 'sal' && key !== 'shr' && key !== 'sar') return null;
  if (i.nops !== 2 || !isReg(i.k0, i.s0)) return null;
  const s = i.s0;
  const raw = i.k1 === OpKind.Const ? 1 : i.k1 === OpKind.Imm ? i.imm : -1;
  if (raw < 0) return null;
  const c = raw & (s === 8 ? 63 : 31);
  if (c === 0) return null;
  const k = i.r0 << 1;
  const bit = (n: number): string => (n < 32 ? `((a>>>${n})&1)` : `((ah>>>${n - 32})&1)`);
  let body = `a=R[${k}]>>>0;ah=${s === 8 ? `R[${k + 1}]|0` : '0'};`;
  const left = key === 'shl' || key === 'sal';
  if (s === 4) {
    if (left) body += `r=(a<<${c})>>>0;rh=0;b=(a>>>${32 - c})&1;bh=(r>>>31)^b;`;
    else if (key === 'shr') body += `r=a>>>${c};rh=0;b=(a>>>${c - 1})&1;bh=a>>>31;`;
    else body += `r=((a|0)>>${c})>>>0;rh=0;b=((a|0)>>${c - 1})&1;bh=0;`;
  } else if (left) {
    body += c < 32 ? `rh=(ah<<${c})|(a>>>${32 - c});r=(a<<${c})>>>0;` : `rh=a<<${c - 32};r=0;`;
    body += `b=${bit(64 - c)};bh=(rh>>>31)^b;`;
  } else if (key === 'shr') {
    body += c < 32 ? `r=((a>>>${c})|(ah<<${32 - c}))>>>0;rh=(ah>>>${c})|0;` : `r=ah>>>${c - 32};rh=0;`;
    body += `b=${bit(c - 1)};bh=ah>>>31;`;
  } else {
    body += c < 32 ? `r=((a>>>${c})|(ah<<${32 - c}))>>>0;rh=ah>>${c};` : `r=(ah>>${c - 32})>>>0;rh=ah>>31;`;
    body += `b=${bit(c - 1)};bh=0;`;
  }
  body += `cpu.lop=${LazyOp.Explicit};cpu.lsz=${s};cpu.lr=r;cpu.lrh=rh;cpu.lcf=b;cpu.lof=bh;R[${k}]=r|0;R[${k + 1}]=rh;`;
  return body;
}

/**
 * IMUL r64, r64 (0F AF; SDM vol 2A, IMUL): the low 64 bits of the product from
 * one exact 32x32 product plus the two cross terms' low halves; CF/OF are left
 * lazy (LazyOp.Imul64), SF/ZF/PF come from the truncated result as in int-muldiv.
 */
function imulInline(i: Insn, key: string): string | null {
  if (key !== 'imul2' || i.s0 !== 8 || !isReg(i.k0, 8) || !isReg(i.k1, 8)) return null;
  const d = i.r0 << 1, s = i.r1 << 1;
  return `a=R[${d}]>>>0;ah=R[${d + 1}]|0;b=R[${s}]>>>0;bh=R[${s + 1}]|0;` +
    `t=(a&65535)*(b>>>16)+(a>>>16)*(b&65535);` + // middle partial products (< 2^33)
    `r=Math.imul(a,b)>>>0;` +
    `rh=((a>>>16)*(b>>>16)+Math.floor(((a&65535)*(b&65535)/65536+t)/65536))>>>0;` +
    `rh=(rh+Math.imul(a,bh)+Math.imul(ah,b))|0;` +
    lazy(LazyOp.Imul64, 8) + `R[${d}]=r|0;R[${d + 1}]=rh;`;
}

/** The folded target of a relative branch, with the checks the interpreter makes. */
function branchTarget(mode: CpuMode, osize: number, end: number, imm: number): string {
  if (mode === CpuMode.Long64) return `(r0+${end + imm})`;
  if (osize === 2) return `((r0+${end + imm})&65535)`;
  return `((r0+${end + imm})>>>0)`;
}

/**
 * Generates the function for a block, or null when nothing in it benefits
 * (a block of one generic instruction gains nothing from compilation).
 */
export function compileBlock(b: Block, mode: CpuMode): CompiledBlock | null {
  const lines: string[] = ['const R=cpu.regs;const r0=cpu.rip;let a=0,ah=0,b=0,bh=0,r=0,rh=0,t=0;'];
  let off = 0;
  let inlined = 0;
  for (let k = 0; k < b.n; k++) {
    const i = b.insns[k];
    const key = i.entry.h ?? i.entry.m;
    const last = k === b.n - 1;
    const end = off + i.len;
    let code: string | null = null;
    if (!i.invalid) {
      if (key === 'mov') code = movInline(i);
      else if (key === 'inc') code = incDecInline(i, 1);
      else if (key === 'dec') code = incDecInline(i, -1);
      else if (key === 'nop') code = '';
      else code = aluInline(i, key) ?? shiftInline(i, key) ?? imulInline(i, key);
      if (code === null && last && (key === 'jcc' || key === 'jmp') && i.k0 === OpKind.Rel) {
        const tgt = branchTarget(mode, i.osize, end, i.imm);
        const cond = key === 'jcc' ? `T(cpu,${i.opcode & 15})` : 'true';
        // A long-mode target outside the folded canonical half of the block goes to the handler (#GP rules).
        const guard = mode === CpuMode.Long64 ? `t=${tgt};if(t<0||t>=${TOP48}||((t>=${HALF48})!==(r0>=${HALF48}))){cpu.jk=${k};cpu.rip=r0+${off};cpu.nextRip=r0+${end};I[${k}].exec(cpu,I[${k}]);cpu.rip=cpu.nextRip;return ${b.n};}` : `t=${tgt};`;
        lines.push(`if(${cond}){${guard}cpu.rip=t;}else cpu.rip=r0+${end};return ${b.n};`);
        inlined++;
        off = end;
        continue;
      }
    }
    if (code !== null) {
      lines.push(code);
      inlined++;
      if (last) lines.push(`cpu.rip=r0+${end};return ${b.n};`);
    } else {
      // Generic: the handler sees exactly the interpreter's state.
      lines.push(`cpu.jk=${k};cpu.rip=r0+${off};cpu.nextRip=r0+${end};cpu.cur=I[${k}];I[${k}].exec(cpu,I[${k}]);`);
      if (last) lines.push(`cpu.rip=cpu.nextRip;return ${b.n};`);
      else lines.push(`if(cpu.exitBlock){cpu.rip=cpu.nextRip;return ${k + 1};}`);
    }
    off = end;
  }
  if (inlined === 0) return null;
  // eslint-disable-next-line no-new-func
  return new Function('cpu', 'I', 'T', 'CFn', lines.join('\n')) as CompiledBlock;
}

