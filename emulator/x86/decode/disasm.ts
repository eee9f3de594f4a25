// AT&T disassembler: prints a decoded instruction the way `objdump -d`
// (GNU binutils 2.40, default AT&T syntax, Intel64 decoding for the cases
// where AMD and Intel differ) prints it: reversed operands, `$` immediates,
// `disp(base,index,scale)` memory, size suffixes only where objdump uses them,
// branch targets as absolute addresses, and every prefix the instruction does
// not use named before the mnemonic ("data16", "rex.W", "ds", "repz", ...).
//
// The listing is for people (the debugger's disassembly view, diagnostics,
// traces); it is never on the execution path. It never throws: encodings the
// decoder rejects print as objdump's "(bad)".
import { Insn, OpKind, PFX_LOCK, PFX_REP, PFX_REPNE, PFX_OPSIZE, PFX_ADSIZE, PFX_REX, BASE_RIP } from './insn';
import { F, OpEntry, OpNode } from './table-types';
import { Method, OperandSpec, parseSpec } from './operand-spec';
import { PFX_MAND66, PFX_MANDF2, PFX_MANDF3, PFX_NOMAND_REP, PFX_SEG_MASK, PFX_SEG_SHIFT, PFX_VEX, UD_ENTRY } from './decoder';
import { MAPS } from './table';
import { attMnemonic, isRepString, x87Name } from './disasm-names';

export interface DisasmOptions {
  /**
   * Names a code address for branch targets and RIP-relative comments, e.g.
   * "main+0x1c"; the listing then shows `1c <main+0x1c>` like objdump does for
   * an ELF file with symbols. Without it (or when it returns undefined) the
   * address prints as `0x1c`, like objdump on a raw binary.
   */
  symbolize?: (addr: number) => string | undefined;
  /**
   * The instruction's bytes. With them the listing names every redundant or
   * ignored prefix in byte order exactly as objdump does; without them the
   * prefixes are reconstructed from the decoded fields (one of each kind).
   */
  bytes?: ArrayLike<number>;
}

export type DisasmMode = 16 | 32 | 64;

const R64 = ['rax', 'rcx', 'rdx', 'rbx', 'rsp', 'rbp', 'rsi', 'rdi', 'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15'];
const R32 = ['eax', 'ecx', 'edx', 'ebx', 'esp', 'ebp', 'esi', 'edi', 'r8d', 'r9d', 'r10d', 'r11d', 'r12d', 'r13d', 'r14d', 'r15d'];
const R16 = ['ax', 'cx', 'dx', 'bx', 'sp', 'bp', 'si', 'di', 'r8w', 'r9w', 'r10w', 'r11w', 'r12w', 'r13w', 'r14w', 'r15w'];
const R8 = ['al', 'cl', 'dl', 'bl', 'spl', 'bpl', 'sil', 'dil', 'r8b', 'r9b', 'r10b', 'r11b', 'r12b', 'r13b', 'r14b', 'r15b'];
const R8H = ['ah', 'ch', 'dh', 'bh'];
const SEG = ['es', 'cs', 'ss', 'ds', 'fs', 'gs', '?', '?'];

const TWO32 = 0x1_0000_0000;
const TWO48 = 0x1_0000_0000_0000;

/** Disassembles one decoded instruction at `address` (the folded linear RIP in 64-bit mode). */
export function disassemble(insn: Insn, address: number, mode: DisasmMode, opts: DisasmOptions = {}): string {
  try {
    return render(insn, address, mode, opts);
  } catch {
    return '(bad)';
  }
}

// ------------------------------------------------------------ table facts

let wEntries: WeakSet<OpEntry> | null = null;
let oszEntries: WeakSet<OpEntry> | null = null;
/** Entries chosen by REX.W (a `w` split) or by the operand size (an `osz` split): their name says the size. */
function splitFacts(): void {
  if (wEntries) return;
  wEntries = new WeakSet();
  oszEntries = new WeakSet();
  const walk = (n: OpNode | undefined, under: WeakSet<OpEntry> | null): void => {
    if (!n) return;
    if ((n as OpEntry).m !== undefined) { if (under) under.add(n as OpEntry); return; }
    const set = 'w' in n ? wEntries : 'osz' in n ? oszEntries : under;
    for (const v of Object.values(n) as (OpNode | undefined)[][]) for (const c of v) walk(c, set);
  };
  for (const mp of MAPS) for (const n of mp) walk(n, null);
}

const specCache = new WeakMap<OpEntry, OperandSpec[]>();
function specsOf(e: OpEntry): OperandSpec[] {
  let s = specCache.get(e);
  if (!s) { s = e.ops.map(parseSpec); specCache.set(e, s); }
  return s;
}

/** Operand-type codes whose size follows the operand-size attribute (66 and REX.W matter). */
function osizeDependent(t: string): boolean {
  return t === 'v' || t === 'z' || t === 'p' || t === 'a' || t === 'e' || t === 'st';
}

// ------------------------------------------------------------ formatting helpers

function hex(v: number): string {
  return v.toString(16);
}

/** Unsigned 64-bit value from 32-bit halves as hex digits. */
function hex64(lo: number, hi: number): string {
  hi >>>= 0; lo >>>= 0;
  return hi === 0 ? hex(lo) : hex(hi) + hex(lo).padStart(8, '0');
}

/** A signed integer (|v| < 2^53) as two's-complement 64-bit hex digits. */
function hexSigned64(v: number): string {
  const hi = Math.floor(v / TWO32);
  return hex64(v - hi * TWO32, hi);
}

function signedHex(v: number): string {
  return v < 0 ? '-0x' + hex(-v) : '0x' + hex(v);
}

function gpr(r: number, size: number): string {
  return '%' + (size === 8 ? R64[r] : size === 4 ? R32[r] : size === 2 ? R16[r] : R8[r]);
}

/** Address-size register name (memory operands, string operands). */
function areg(r: number, asize: number): string {
  return asize === 8 ? R64[r] : asize === 4 ? R32[r] : R16[r];
}

// ------------------------------------------------------------ the renderer

interface Ctx {
  i: Insn;
  e: OpEntry;
  key: string;
  mode: DisasmMode;
  address: number;
  opts: DisasmOptions;
  specs: OperandSpec[];
  /** The RIP-relative comment, when there is one. */
  comment: string;
}

function render(i: Insn, address: number, mode: DisasmMode, opts: DisasmOptions): string {
  const e = i.entry;
  if (!e || e === UD_ENTRY || (i.pfx & PFX_VEX) || e.m === '(bad)' || e.m === '(vex)') return '(bad)';
  const ctx: Ctx = { i, e, key: e.h ?? e.m, mode, address, opts, specs: specsOf(e), comment: '' };
  const ops = operands(ctx);
  const mn = mnemonic(ctx, ops);
  const pre = prefixNames(ctx, ops);
  const head = (pre.names ? pre.names + ' ' : '') + mn + pre.hint;
  const text = ops.texts.length ? head.padEnd(6) + ' ' + ops.texts.join(',') : head;
  return ctx.comment ? text + '        # ' + ctx.comment : text;
}

interface Operands {
  /** AT&T order, ready to join. */
  texts: string[];
  /** Some operand is a register that fixes the operand size (no suffix needed). */
  sizingReg: boolean;
  /** Index (Intel order) of the memory operand, or -1. */
  mem: number;
  /** The instruction touches memory through a segment (ModRM memory, moffs, string source, XLAT). */
  segMem: boolean;
  /** A memory operand or an address-size register is present (67 is then used). */
  usesAsize: boolean;
  /** A byte register SPL/BPL/SIL/DIL needed REX (REX's presence is used). */
  rexByte: boolean;
}

const NO_REVERSE = new Set(['enter', 'bound']);
const INDIRECT = new Set(['call_ind', 'jmp_ind', 'callf_ind', 'jmpf_ind']);

function operands(c: Ctx): Operands {
  const { i, specs } = c;
  const out: Operands = { texts: [], sizingReg: false, mem: -1, segMem: false, usesAsize: false, rexByte: false };
  const intel: string[] = [];
  let immSeen = 0;
  for (let n = 0; n < specs.length; n++) {
    const s = specs[n];
    const k = n === 0 ? i.k0 : n === 1 ? i.k1 : n === 2 ? i.k2 : i.k3;
    const r = n === 0 ? i.r0 : n === 1 ? i.r1 : n === 2 ? i.r2 : i.r3;
    const size = n === 0 ? i.s0 : n === 1 ? i.s1 : n === 2 ? i.s2 : i.s3;
    let t = '';
    switch (s.method) {
      case Method.X:
        t = stringOperand(c, true); out.segMem = true; out.usesAsize = true; break;
      case Method.Y:
        t = stringOperand(c, false); out.usesAsize = true; break;
      case Method.Bnd:
        t = '%bnd' + r; out.sizingReg = true; break;
      case Method.BndE:
        if (k === OpKind.Mem) { t = memory(c); out.mem = n; out.segMem = true; out.usesAsize = true; } else { t = '%bnd' + r; out.sizingReg = true; }
        break;
      case Method.Const:
        continue; // shifts by 1 print no count (objdump "shl %eax")
      case Method.T:
        t = '%tr' + (i.reg & 7); out.sizingReg = true; break;
      default:
        switch (k) {
          case OpKind.Reg:
            if (c.key === 'mov_to_sreg') { t = gpr(r, i.osize); out.sizingReg = true; break; } // objdump shows the full register
            if (s.method === Method.Fixed && s.text === 'DX' && (c.key === 'in' || c.key === 'out' || c.key === 'ins' || c.key === 'outs')) {
              t = '(%dx)';
              break;
            }
            t = gpr(r, size);
            if (size === 1 && r >= 4 && r < 8) out.rexByte = true;
            if (s.text !== 'CL') out.sizingReg = true;
            if (s.type === 'A') out.usesAsize = true;
            break;
          case OpKind.Reg8H: t = '%' + R8H[r]; out.sizingReg = true; break;
          case OpKind.Mem:
            // objdump still names 67 ("addr32") on a moffs operand, as if unused.
            t = s.method === Method.O ? moffs(c) : memory(c);
            out.mem = n; out.segMem = true; out.usesAsize = s.method !== Method.O;
            break;
          case OpKind.Imm: t = '$0x' + immediate(i, size, immSeen++); break;
          case OpKind.Seg: t = '%' + SEG[r]; out.sizingReg = true; break;
          case OpKind.Cr: t = '%cr' + r; out.sizingReg = true; break;
          case OpKind.Dr: t = '%db' + r; out.sizingReg = true; break;
          case OpKind.Xmm: t = '%xmm' + r; out.sizingReg = true; break;
          case OpKind.Mmx:
            // objdump names MMX registers XMM when an unconsumed 66 is present (3DNow!, MOVQ2DQ).
            t = ((i.pfx & PFX_OPSIZE) && !(i.pfx & PFX_MAND66) ? '%xmm' : '%mm') + r; out.sizingReg = true; break;
          case OpKind.St: t = s.text === 'ST' ? '%st' : '%st(' + r + ')'; out.sizingReg = true; break;
          case OpKind.Rel: t = target(c, branchTarget(c)); break;
          case OpKind.Far: t = '$0x' + hex(i.imm2) + ',$0x' + hex(i.imm >>> 0); break;
          default: t = '(bad)';
        }
    }
    intel.push(t);
  }
  if (c.e.sub) intel.pop(); // 3DNow!: the imm8 is the opcode, not an operand
  // Indirect branches mark their operand with '*' (AT&T).
  if (INDIRECT.has(c.key) && intel.length) intel[0] = '*' + intel[0];
  out.texts = NO_REVERSE.has(c.e.m) ? intel : intel.reverse();
  return out;
}

function immediate(i: Insn, size: number, nth: number): string {
  if (nth > 0) return hex(i.imm2 >>> 0);
  const lo = i.imm >>> 0;
  if (size === 8) return hex64(lo, i.immHi);
  return hex(size === 1 ? lo & 0xff : size === 2 ? lo & 0xffff : lo);
}

/** The instruction's address as a signed integer (64-bit mode folds RIP to 48 bits). */
function linearStart(c: Ctx): number {
  return c.mode === 64 && c.address >= TWO48 / 2 ? c.address - TWO48 : c.address;
}

function branchTarget(c: Ctx): number {
  const { i, mode } = c;
  const t = linearStart(c) + i.len + i.imm;
  // A 16-bit displacement wraps IP at 64K (SDM vol 2A, JMP: "EIP <- tempEIP AND 0000FFFFH");
  // objdump shows other targets at the address width (32 bits outside 64-bit mode).
  const rel16 = i.osize === 2 && c.specs.some((s) => s.method === Method.J && s.type !== 'b');
  if (rel16) {
    const t16 = ((t % 0x10000) + 0x10000) % 0x10000;
    // objdump keeps 16-bit code in the 64K segment of the next instruction.
    if (mode === 16 && !(i.pfx & PFX_OPSIZE)) { const next = linearStart(c) + i.len; return next - (next % 0x10000) + t16; }
    return t16;
  }
  if (mode === 64) return t;
  return ((t % TWO32) + TWO32) % TWO32;
}

/**
 * A code address as objdump prints it: `0x1c`, or `1c <sym+0x4>` when a symbol names it.
 * `symbolize` gets the address in the caller's form (folded to 48 bits in 64-bit mode).
 */
function target(c: Ctx, t: number): string {
  const digits = c.mode === 64 ? hexSigned64(t) : hex(t);
  const folded = c.mode === 64 ? ((t % TWO48) + TWO48) % TWO48 : t;
  const sym = c.opts.symbolize ? c.opts.symbolize(folded) : undefined;
  return sym ? `${digits} <${sym}>` : '0x' + digits;
}

/** Segment override text for a memory operand, or '' (64-bit mode honours only FS/GS). */
function segText(c: Ctx): string {
  const ov = c.i.segOverride;
  if (ov < 0 || isNotrack(c)) return '';
  return '%' + SEG[ov] + ':';
}

function memory(c: Ctx): string {
  const { i } = c;
  const seg = segText(c);
  if (i.base === BASE_RIP) {
    // RIP-relative: objdump adds the target address as a comment.
    c.comment = target(c, linearStart(c) + i.len + i.disp);
    return seg + signedHex(i.disp) + (i.asize === 4 ? '(%eip)' : '(%rip)');
  }
  if (i.asize === 2) {
    const names = ['bx', 'cx', 'dx', 'bx', 'sp', 'bp', 'si', 'di'];
    if (i.base < 0) return seg + signedHex((i.disp << 16) >> 16);
    const inner = '%' + names[i.base] + (i.index >= 0 ? ',%' + names[i.index] : '');
    return seg + (i.mod === 0 ? '' : signedHex(i.disp)) + '(' + inner + ')';
  }
  const sib = (i.modrm & 7) === 4;
  if (i.base < 0 && i.index < 0) {
    // Absolute disp32: objdump writes a SIB form without base and index as a zero
    // index, except for scale 1 with 64-bit addressing; without SIB it is plain.
    if (!sib || (i.asize === 8 && i.scale === 0)) return seg + '0x' + (i.asize === 8 ? hexSigned64(i.disp) : hex(i.disp >>> 0));
    const d = c.mode === 64 && i.asize === 4 ? '0x' + hex(i.disp >>> 0) : signedHex(i.disp);
    return seg + d + '(,' + (i.asize === 8 ? '%riz,' : '%eiz,') + (1 << i.scale) + ')';
  }
  let inner = i.base >= 0 ? '%' + areg(i.base, i.asize) : '';
  if (i.index >= 0) inner += ',%' + areg(i.index, i.asize) + ',' + (1 << i.scale);
  // A SIB byte without index prints the "zero index" pseudo-register unless it only
  // names RSP/R12 as base (objdump's %riz/%eiz).
  else if (sib && (i.scale !== 0 || i.base < 0 || (i.base & 7) !== 4)) inner += (i.asize === 8 ? ',%riz,' : ',%eiz,') + (1 << i.scale);
  const disp = i.mod !== 0 || i.base < 0 ? signedHex(i.disp) : '';
  return seg + disp + '(' + inner + ')';
}

function moffs(c: Ctx): string {
  const { i } = c;
  const v = i.asize === 8 ? hex64(i.disp, i.dispHi) : hex(i.asize === 2 ? i.disp & 0xffff : i.disp >>> 0);
  return segText(c) + '0x' + v;
}

/** String instruction operands: source DS:rSI (overridable), destination ES:rDI. */
function stringOperand(c: Ctx, source: boolean): string {
  const { i } = c;
  if (!source) return '%es:(%' + areg(7, i.asize) + ')';
  const ov = i.segOverride;
  return '%' + (ov >= 0 ? SEG[ov] : 'ds') + ':(%' + areg(6, i.asize) + ')';
}

// ------------------------------------------------------------ mnemonics

function modeOsize(mode: DisasmMode): number {
  return mode === 16 ? 2 : 4;
}

function mnemonic(c: Ctx, ops: Operands): string {
  const { i, e, key, mode } = c;
  if (e.sub) return e.sub[i.imm] ?? '(bad)';
  // CMPPS & co. with a predicate 0-7 print as the pseudo-op (cmpneqps), without the imm8.
  const cmp = CMP_PSEUDO[e.m];
  if (cmp && (i.imm & 0xff) < 8) { ops.texts.shift(); return 'cmp' + CMP_PRED[i.imm & 7] + cmp; }
  if (i.map === 0 && i.opcode >= 0xd8 && i.opcode <= 0xdf) return x87Name(e.m, i, c.specs, mode === 16, (i.pfx & PFX_OPSIZE) !== 0);
  const implicit = implicitOperands(c);
  if (implicit) ops.texts = implicit;
  // The SSE4.1 variable blends and SHA256RNDS2 read XMM0 implicitly; AT&T lists it first.
  if (XMM0_IMPLICIT.has(e.m)) ops.texts.unshift('%xmm0');
  splitFacts();
  return attMnemonic(e.m, key, {
    i, mode, osize: i.osize, asize: i.asize, long: mode === 64,
    memSize: ops.mem === 0 ? i.s0 : ops.mem === 1 ? i.s1 : ops.mem === 2 ? i.s2 : ops.mem >= 0 ? i.s3 : 0,
    sizingReg: ops.sizingReg,
    hasMem: ops.mem >= 0,
    w: (i.rex & 8) !== 0,
    wSplit: wEntries!.has(e),
    defaultOsize: modeOsize(mode),
    f: e.f,
  });
}

const XMM0_IMPLICIT = new Set(['pblendvb', 'blendvps', 'blendvpd', 'sha256rnds2']);
const CMP_PSEUDO: Record<string, string> = { cmpps: 'ps', cmppd: 'pd', cmpss: 'ss', cmpsd: 'sd' };
/** SSE compare predicates (SDM vol 2A, CMPPS table 3-1, imm8 0-7). */
const CMP_PRED = ['eq', 'lt', 'le', 'unord', 'neq', 'nlt', 'nle', 'ord'];

/** Operands objdump prints that the table leaves implicit (MONITOR's rAX, XLAT's table). */
function implicitOperands(c: Ctx): string[] | null {
  const { i } = c;
  switch (c.e.m) {
    case 'monitor': case 'monitorx': return ['%' + areg(0, i.asize), '%ecx', '%edx'];
    case 'mwait': return ['%eax', '%ecx'];
    case 'mwaitx': return ['%eax', '%ecx', '%ebx'];
    case 'xlat': return ['%' + (i.segOverride >= 0 ? SEG[i.segOverride] : 'ds') + ':(%' + areg(3, i.asize) + ')'];
    default: return null;
  }
}

// ------------------------------------------------------------ prefixes

const BRANCH_KEYS = new Set(['jcc', 'jmp', 'call', 'ret', 'call_ind', 'jmp_ind']);
const HLE_MOV = new Set([0x88, 0x89, 0xc6, 0xc7]);

function isNotrack(c: Ctx): boolean {
  // CET: 3E on an indirect near CALL/JMP is the NOTRACK prefix (SDM vol 1, 18.3.8).
  const seg = (c.i.pfx & PFX_SEG_MASK) >> PFX_SEG_SHIFT;
  // objdump drops it in 64-bit mode under 66 (it names the segment instead).
  return seg === 4 && (c.key === 'call_ind' || c.key === 'jmp_ind') && !(c.mode === 64 && (c.i.pfx & PFX_OPSIZE));
}

/** Prefix bytes as written (legacy prefixes and REX, in order). */
function prefixBytes(c: Ctx): number[] {
  const { i, mode, opts } = c;
  const b = opts.bytes;
  const out: number[] = [];
  if (b) {
    for (let k = 0; k < b.length && k < 15; k++) {
      const x = b[k];
      if (x === 0xf0 || x === 0xf2 || x === 0xf3 || x === 0x66 || x === 0x67 || x === 0x26 || x === 0x2e ||
        x === 0x36 || x === 0x3e || x === 0x64 || x === 0x65 || (mode === 64 && (x & 0xf0) === 0x40)) {
        out.push(x);
        if (mode === 64 && (x & 0xf0) === 0x40) {
          const nx = b[k + 1];
          const more = nx === 0xf0 || nx === 0xf2 || nx === 0xf3 || nx === 0x66 || nx === 0x67 || nx === 0x26 ||
            nx === 0x2e || nx === 0x36 || nx === 0x3e || nx === 0x64 || nx === 0x65 || (nx & 0xf0) === 0x40;
          if (!more) break;
        }
      } else break;
    }
    return out;
  }
  const seg = (i.pfx & PFX_SEG_MASK) >> PFX_SEG_SHIFT;
  if (i.pfx & PFX_LOCK) out.push(0xf0);
  if (seg) out.push([0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65][seg - 1]);
  if (i.pfx & PFX_OPSIZE) out.push(0x66);
  if (i.pfx & PFX_ADSIZE) out.push(0x67);
  if (i.pfx & (PFX_REP | PFX_MANDF3)) out.push(0xf3);
  else if (i.pfx & (PFX_REPNE | PFX_MANDF2)) out.push(0xf2);
  if (i.pfx & PFX_REX) out.push(0x40 | i.rex);
  return out;
}

interface PrefixText { names: string; hint: string }

function prefixNames(c: Ctx, ops: Operands): PrefixText {
  const { i, e, key, mode, specs } = c;
  const bytes = prefixBytes(c);
  if (bytes.length === 0) return { names: '', hint: '' };
  const last = (p: (x: number) => boolean): number => { for (let k = bytes.length - 1; k >= 0; k--) if (p(bytes[k])) return k; return -1; };
  const isSeg = (x: number): boolean => x === 0x26 || x === 0x2e || x === 0x36 || x === 0x3e || x === 0x64 || x === 0x65;
  const lastSeg = last(isSeg);
  const last66 = last((x) => x === 0x66);
  const last67 = last((x) => x === 0x67);
  const lastF2 = last((x) => x === 0xf2);
  const lastF3 = last((x) => x === 0xf3);
  const rexAt = mode === 64 && bytes.length && (bytes[bytes.length - 1] & 0xf0) === 0x40 ? bytes.length - 1 : -1;

  // Is the operand size used by this instruction (so 66 is not "data16")?
  const f64 = mode === 64 && (e.f & F.F64) !== 0;
  splitFacts();
  const sized = !f64 && !(e.f & F.SYS64) && (specs.some((s) => (osizeDependent(s.type) || s.signExt) && s.method !== Method.J) ||
    specs.some((s) => s.method === Method.J && s.type !== 'b') || oszEntries!.has(e) || SIZE_NAMED.has(key) ||
    (key === 'mov_to_sreg' && i.mod === 3));
  // REX.W overrides 66 (SDM vol 2A, 2.2.1.2): then 66 only counts when it selected the entry.
  const x87 = i.map === 0 && i.opcode >= 0xd8 && i.opcode <= 0xdf;
  const wSizes = !x87 && (i.rex & 8) !== 0 && i.osize === 8 && !(e.f & (F.F64 | F.SYS64));
  const mmxOperand = specs.some((s) => s.method === Method.P || s.method === Method.N || s.method === Method.Q);
  const used66 = !(i.pfx & PFX_NOMAND_REP) && ((i.pfx & PFX_MAND66) !== 0 || (sized && !wSizes) || mmxOperand ||
    (mode !== 64 && DT_NAMES.has(e.m)));
  // objdump counts 67 as used when a register shows the address size; a 32-bit absolute
  // address in 16-bit code shows none.
  const absolute32in16 = mode === 16 && i.asize === 4 && ops.mem >= 0 && i.base < 0 && i.index < 0;
  const used67 = (ops.usesAsize && !(mode === 64 && (e.f & F.MPX)) && !absolute32in16) || key === 'jrcxz' || key === 'loop' ||
    e.m === 'monitor' || e.m === 'monitorx' || e.m === 'xlat';
  // Segment prefixes: the active one (in 64-bit mode only FS/GS count) is used by a memory
  // operand; objdump then hides the last segment prefix byte, whichever it is. String
  // sources and XLAT read through DS by default, so they always "use" it.
  const dsDefault = specs.some((s) => s.method === Method.X) || e.m === 'xlat';
  const segUsed = lastSeg >= 0 && (dsDefault || (ops.segMem && i.segOverride >= 0));
  // Static branch hints (SDM vol 2A, 2.1.1): 2E "not taken", 3E "taken" on Jcc; objdump
  // prints them as ",pn" / ",pt".
  // objdump gives the hint when exactly one of CS/DS appears, and then hides the last segment byte.
  let hint = '';
  const hasCs = bytes.includes(0x2e), hasDs = bytes.includes(0x3e);
  if ((key === 'jcc' || key === 'loop' || key === 'jrcxz') && hasCs !== hasDs) hint = hasDs ? ',pt' : ',pn';
  const lastLock = mode !== 64 && specs.some((s) => s.method === Method.C) ? last((x) => x === 0xf0) : -1;
  const names: string[] = [];
  for (let k = 0; k < bytes.length; k++) {
    const x = bytes[k];
    let name = '';
    // LOCK MOV CRn names CR8-15 (AMD); objdump shows the register instead of the prefix.
    if (x === 0xf0) name = k === lastLock ? '' : 'lock';
    else if (x === 0xf2 || x === 0xf3) name = repName(c, x, k === (x === 0xf2 ? lastF2 : lastF3), ops);
    else if (x === 0x66) name = k === last66 && used66 ? '' : mode === 16 ? 'data32' : 'data16';
    else if (x === 0x67) name = k === last67 && used67 ? '' : mode === 32 ? 'addr16' : 'addr32';
    else if (isSeg(x)) {
      if (k === lastSeg && x === 0x3e && isNotrack(c)) name = 'notrack';
      else if (k === lastSeg && (segUsed || hint)) name = '';
      else name = SEG[x === 0x64 ? 4 : x === 0x65 ? 5 : (x >> 3) & 3];
    } else if ((x & 0xf0) === 0x40) name = k === rexAt ? rexName(c, x, ops) : rexText(x);
    if (name) names.push(name);
  }
  return { names: names.join(' '), hint };
}

/** Instructions whose mnemonic suffix shows the operand size (66/REX.W are used by it). */
const SIZE_NAMED = new Set(['pushf', 'popf', 'iret', 'retf', 'ret', 'enter', 'leave', 'push_sreg', 'pop_sreg', 'pusha', 'popa']);
/** LGDT and friends spell the operand size outside 64-bit mode ("lgdtl"). */
const DT_NAMES = new Set(['sgdt', 'sidt', 'lgdt', 'lidt']);

/**
 * The name of an F2/F3 byte. objdump tracks the last F2 and the last F3 separately:
 * those may be used (repeat, BND, HLE, mandatory); earlier copies print as repnz/repz.
 */
function repName(c: Ctx, x: number, isLast: boolean, ops: Operands): string {
  const { i, e, key } = c;
  if (isLast) {
    // The consumed mandatory prefix is the last of F2/F3 (the decoder's choice).
    if ((i.pfx & PFX_MANDF3 && x === 0xf3) || (i.pfx & PFX_MANDF2 && x === 0xf2)) return '';
    const memDest = ops.mem === 0;
    // HLE hints (SDM vol 1, 16.3.3): XACQUIRE/XRELEASE on locked read-modify-writes and
    // XCHG with memory; XRELEASE also on MOV to memory.
    if (memDest && (((i.pfx & PFX_LOCK) && (e.f & F.LOCK)) || e.m === 'xchg')) return x === 0xf2 ? 'xacquire' : 'xrelease';
    if (memDest && x === 0xf3 && i.map === 0 && HLE_MOV.has(i.opcode) && (i.pfx & PFX_REP)) return 'xrelease';
    // MPX: F2 on a near branch is the BND prefix (SDM vol 1, 17.4.2).
    if (x === 0xf2 && BRANCH_KEYS.has(key)) return 'bnd';
    const rep = isRepString(e.m);
    if (rep) return x === 0xf2 ? 'repnz' : rep;
  }
  return x === 0xf2 ? 'repnz' : 'repz';
}

function rexText(x: number): string {
  const bits = (x & 8 ? 'W' : '') + (x & 4 ? 'R' : '') + (x & 2 ? 'X' : '') + (x & 1 ? 'B' : '');
  return bits ? 'rex.' + bits : 'rex';
}

/** The effective REX is hidden when every bit it sets mattered (objdump's rule). */
function rexName(c: Ctx, x: number, ops: Operands): string {
  const { i, e, specs, key } = c;
  let used = 0;
  if (x & 8) {
    // 'z' operands stay 32-bit under REX.W (IN/OUT eAX, INS/OUTS), so z alone does not use W.
    const wSized = !(e.f & (F.D64 | F.F64 | F.SYS64)) && specs.some((s) => s.method !== Method.J &&
      (s.type === 'v' || s.type === 'p' || s.type === 'y' || s.signExt || (s.type === 'z' && s.method === Method.I)));
    if (wSized || wEntries!.has(e) || oszEntries!.has(e) || W_NAMED.has(e.m) || (key === 'mov_to_sreg' && i.mod === 3)) used |= 8;
  }
  if (x & 4) {
    if (specs.some((s) => s.method === Method.G || s.method === Method.C || s.method === Method.D ||
      s.method === Method.V || s.method === Method.Bnd)) used |= 4;
  }
  const hasSib = i.mod !== 3 && i.modrm >= 0 && (i.modrm & 7) === 4 && i.asize !== 2 && ops.mem >= 0 && i.base !== BASE_RIP;
  if (x & 2 && hasSib) used |= 2;
  if (x & 1) {
    const rmReg = specs.some((s) => s.method === Method.R) || (i.mod === 3 && specs.some((s) => s.method === Method.E ||
      s.method === Method.W || s.method === Method.U));
    // objdump counts REX.B as used whenever ModRM addresses memory (even RIP-relative or no base).
    const baseReg = ops.mem >= 0 && i.modrm >= 0 && i.mod !== 3;
    const opReg = specs.some((s) => s.method === Method.Z);
    if (rmReg || baseReg || opReg) used |= 1;
  }
  if (used === (x & 0xf) && (used !== 0 || ops.rexByte)) return '';
  return rexText(x);
}

/** Mnemonics that spell out REX.W (fxsave64, iretq, sysretq, ...). */
const W_NAMED = new Set(['fxsave', 'fxrstor', 'xsave', 'xrstor', 'xsaveopt', 'xsavec', 'xsaves', 'xrstors', 'iret', 'lret',
  'sysret', 'sysexit', 'lcall', 'ljmp', 'movsxd', 'pcmpestrm', 'pcmpestri']);

