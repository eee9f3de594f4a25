// The table-driven decoder (SDM vol 2A, chapter 2 "Instruction format").
// Prefixes, REX, opcode maps, ModRM/SIB/displacement and immediates; every
// decision about an opcode comes from the table (table/*.ts).
import { Insn, OpKind, PFX_LOCK, PFX_REP, PFX_REPNE, PFX_OPSIZE, PFX_ADSIZE, PFX_REX, BASE_RIP } from './insn';
import { F, OpEntry, OpNode, OpMap } from './table-types';
import { Method, OperandSpec, parseSpec, typeSize, needsModrm } from './operand-spec';
import { CpuFault } from '../fault';

export interface DecodeTables { maps: OpMap[] }

/** Why decoding produced #UD (no such instruction, or an encoding we do not implement). */
export const enum Bad { None = 0, Undefined = 1, Unimplemented = 2, TooLong = 3 }

// Extra Insn.pfx bits recorded for the disassembler (the low six are insn.ts's PFX_*).
/** 66 was consumed as a mandatory prefix (it selected the entry, it is not the operand size). */
export const PFX_MAND66 = 1 << 8;
/** F3 was consumed as a mandatory prefix. */
export const PFX_MANDF3 = 1 << 9;
/** F2 was consumed as a mandatory prefix. */
export const PFX_MANDF2 = 1 << 10;
/**
 * The last segment-override prefix byte as written, 1 + ES..GS (0 = none), in
 * bits 11-13, also when 64-bit mode ignores it (ES/CS/SS/DS, SDM vol 1, 3.3.7.1).
 */
export const PFX_SEG_SHIFT = 11;
export const PFX_SEG_MASK = 7 << PFX_SEG_SHIFT;
/** A VEX (C4/C5), EVEX (62) or XOP (8F) prefix started the instruction; Insn.opcode holds it. */
export const PFX_VEX = 1 << 14;
/**
 * An F2/F3 selected an entry that does not consume it (F.NOMAND, e.g. F3 0F 1C /0 is a
 * hint NOP, not CLDEMOTE): objdump then also lists 66 as unused although it sizes the operand.
 */
export const PFX_NOMAND_REP = 1 << 15;

interface PreparedEntry { specs: OperandSpec[]; modrm: boolean; regOnly: boolean }
const prepared = new WeakMap<OpEntry, PreparedEntry>();
function prepare(e: OpEntry): PreparedEntry {
  let p = prepared.get(e);
  if (!p) {
    const specs = e.ops.map(parseSpec);
    p = {
      specs,
      modrm: (e.f & F.MODRM) !== 0 || specs.some((s) => needsModrm(s.method)),
      // MOV to/from CR/DR use the register form regardless of mod (SDM vol 2B, MOV-Control Registers).
      regOnly: specs.some((s) => s.method === Method.C || s.method === Method.D || s.method === Method.T),
    };
    prepared.set(e, p);
  }
  return p;
}

function isEntry(n: OpNode): n is OpEntry {
  return (n as OpEntry).m !== undefined;
}

/** Does the node tree below `n` need ModRM to pick an entry? */
function nodeNeedsModrm(n: OpNode | undefined): boolean {
  if (!n) return false;
  if (isEntry(n)) return prepare(n).modrm;
  if ('reg' in n || 'mod' in n || 'rm' in n || 'riprel' in n) return true;
  for (const v of Object.values(n) as (OpNode | undefined)[][]) if (v.some(nodeNeedsModrm)) return true;
  return false;
}

/** The entry of undefined encodings; the disassembler prints it as objdump's "(bad)". */
export const UD_ENTRY: OpEntry = { m: '(bad)', ops: [], f: F.END };
/** VEX/EVEX/XOP encodings: decoded for length only. */
export const VEX_ENTRY: OpEntry = { m: '(vex)', ops: [], f: F.END };

/**
 * Decodes one instruction. `fetch(k)` returns the byte at offset k from the
 * instruction start (it may throw a page fault). `codeSize` is 2, 4 or 8.
 * Never throws anything else: invalid encodings come back with `invalid` set
 * and the #UD handler attached.
 */
export function decode(tables: DecodeTables, fetch: (k: number) => number, codeSize: number, out: Insn = new Insn()): Insn {
  const i = out;
  i.invalid = '';
  i.map = 0; i.opcode = 0; i.osize = 4; i.asize = 4; i.seg = 3;
  i.pfx = 0; i.rex = 0; i.segOverride = -1; i.modrm = -1; i.mod = 0; i.reg = 0; i.rm = 0;
  i.base = -1; i.index = -1; i.scale = 0; i.disp = 0; i.dispHi = 0; i.imm = 0; i.immHi = 0; i.imm2 = 0;
  i.nops = 0; i.k0 = i.k1 = i.k2 = i.k3 = 0; i.r0 = i.r1 = i.r2 = i.r3 = 0; i.s0 = i.s1 = i.s2 = i.s3 = 0;
  let k = 0;
  let b = 0;
  const long = codeSize === 8;
  // Last of F2/F3 wins as the mandatory/repeat prefix; 66 is remembered separately.
  let lastRep = 0;

  // ---- legacy prefixes and REX (SDM vol 2A, 2.1.1 and 2.2.1) ----
  for (;;) {
    if (k >= 15) return bad(i, Bad.TooLong, 15, 'instruction longer than 15 bytes');
    b = fetch(k);
    if (b === 0xf0) i.pfx |= PFX_LOCK;
    else if (b === 0xf2) { i.pfx = (i.pfx | PFX_REPNE) & ~PFX_REP; lastRep = 0xf2; }
    else if (b === 0xf3) { i.pfx = (i.pfx | PFX_REP) & ~PFX_REPNE; lastRep = 0xf3; }
    else if (b === 0x66) i.pfx |= PFX_OPSIZE;
    else if (b === 0x67) i.pfx |= PFX_ADSIZE;
    else if (b === 0x26 || b === 0x2e || b === 0x36 || b === 0x3e) {
      // ES/CS/SS/DS overrides are ignored in 64-bit mode (SDM vol 1, 3.3.7.1).
      const sr = (b >> 3) & 3;
      if (!long) i.segOverride = sr;
      i.pfx = (i.pfx & ~PFX_SEG_MASK) | ((sr + 1) << PFX_SEG_SHIFT);
    } else if (b === 0x64 || b === 0x65) {
      i.segOverride = b - 0x60;
      i.pfx = (i.pfx & ~PFX_SEG_MASK) | ((b - 0x60 + 1) << PFX_SEG_SHIFT);
    } else if (long && (b & 0xf0) === 0x40) {
      // REX must come last; a legacy prefix or another REX after it cancels it (SDM vol 2A, 2.2.1).
      if (k + 1 >= 15) return bad(i, Bad.TooLong, 15, 'instruction longer than 15 bytes');
      const nb = fetch(k + 1);
      if (isLegacyPrefix(nb) || (nb & 0xf0) === 0x40) { k++; continue; }
      i.rex = b & 0xf;
      i.pfx |= PFX_REX;
      k++;
      b = fetch(k);
      break;
    } else break;
    k++;
  }

  // ---- opcode (SDM vol 2A, 2.1.2) ----
  let map = 0;
  if (b === 0x0f) {
    k++;
    b = fetch(k);
    if (b === 0x38) { map = 2; k++; b = fetch(k); }
    else if (b === 0x3a) { map = 3; k++; b = fetch(k); }
    else map = 1;
  } else if (b === 0xc4 || b === 0xc5 || b === 0x62 || b === 0x8f) {
    // VEX (C4/C5), EVEX (62) and XOP (8F): in 64-bit mode C4/C5/62 always; elsewhere
    // only when the next byte would be a register-form ModRM, which LES/LDS/BOUND
    // cannot take (SDM vol 2A, 2.3.5 and 2.6.1). XOP needs a map select >= 8, which
    // POP r/m (8F /0) cannot have (AMD APM vol 3, 1.8).
    const nb = fetch(k + 1);
    const isVex = b === 0x8f ? (nb & 0x1f) >= 8 : long || (nb & 0xc0) === 0xc0;
    if (isVex) return vexLength(i, fetch, k, b, codeSize);
  }
  i.map = map;
  i.opcode = b;
  k++;

  // ---- select the entry ----
  let node: OpNode | undefined = tables.maps[map][b];
  const opsize66 = (i.pfx & PFX_OPSIZE) !== 0;
  let consumed66 = false;
  let mand = 0;
  const rexW = (i.rex & 8) !== 0;
  while (node && !isEntry(node)) {
    if ('pfx' in node) {
      // Mandatory prefix: F3/F2 (the last one) take precedence over 66 (SDM vol 2A, 2.1.2).
      let sel = lastRep === 0xf3 ? 2 : lastRep === 0xf2 ? 3 : opsize66 ? 1 : 0;
      let next = node.pfx[sel];
      // An F2/F3 slot marked F.FALLBACK selects as if the prefix were absent.
      if (sel >= 2 && next && isEntry(next) && (next.f & F.FALLBACK)) { sel = opsize66 ? 1 : 0; next = node.pfx[sel]; }
      if (sel === 1) { consumed66 = true; mand = PFX_MAND66; }
      else if (sel === 2) mand = PFX_MANDF3;
      else if (sel === 3) mand = PFX_MANDF2;
      node = next;
    } else if ('reg' in node) { k = readModrm(i, fetch, k); node = node.reg[(i.modrm >> 3) & 7]; }
    else if ('mod' in node) { k = readModrm(i, fetch, k); node = node.mod[i.mod === 3 ? 1 : 0]; }
    else if ('rm' in node) { k = readModrm(i, fetch, k); node = i.mod === 3 ? node.rm[i.modrm & 7] : undefined; }
    else if ('w' in node) node = node.w[rexW ? 1 : 0];
    else if ('mode' in node) node = node.mode[long ? 1 : 0];
    else if ('rexb' in node) node = node.rexb[i.rex & 1];
    else if ('riprel' in node) {
      k = readModrm(i, fetch, k);
      node = node.riprel[long && i.mod === 0 && (i.modrm & 7) === 5 ? 1 : 0];
    } else { // osz
      const os = long && rexW ? 8 : (codeSize === 2) !== opsize66 ? 2 : 4;
      node = node.osz[os === 2 ? 0 : os === 4 ? 1 : 2];
    }
  }
  if (!node) {
    if (i.modrm < 0 && nodeNeedsModrm(tables.maps[map][b])) k = readModrm(i, fetch, k);
    return bad(i, Bad.Undefined, k, 'undefined opcode');
  }
  const e = node;
  const pe = prepare(e);
  // Not consumed: 66 stays the operand size (still recorded as selecting the entry), F2/F3 stay repeat prefixes.
  if (e.f & F.NOMAND) {
    consumed66 = false;
    if (mand === PFX_MANDF2 || mand === PFX_MANDF3) { mand = 0; i.pfx |= PFX_NOMAND_REP; }
  }
  if (mand) {
    // A consumed F2/F3 is not a repeat prefix (SDM vol 2A, 2.1.1 "mandatory prefix").
    if (mand !== PFX_MAND66) i.pfx &= ~(PFX_REP | PFX_REPNE);
    i.pfx |= mand;
  }
  i.entry = e;
  // Opcodes that do not exist in 64-bit mode are undefined there (SDM vol 2D, table A-2 "i64").
  if ((e.f & F.I64) && long) return bad(i, Bad.Undefined, k, 'instruction invalid in 64-bit mode');
  let invalid = '';
  if ((e.f & F.O64) && !long) invalid = 'instruction valid only in 64-bit mode';

  // ---- operand and address size (SDM vol 2A, 2.2.1.2 table 2-4; vol 1, 3.6) ----
  const use66 = opsize66 && !consumed66;
  let osize: number;
  if (e.f & F.SYS64) osize = long ? 8 : 4;
  else if (long) {
    // Near branches: 64-bit operands, 66 ignored (SDM vol 2A, JMP/CALL/Jcc/RET "In 64-bit mode
    // the operand size is fixed at 64 bits"). AMD honours 66 there (rel16, 16-bit RIP) and so
    // does objdump's default x86-64 target; `objdump -Mintel64` matches us.
    if (e.f & F.F64) osize = 8;
    else if (rexW && !(e.f & F.NOREXW)) osize = 8;
    else if (use66) osize = 2;
    else osize = e.f & F.D64 ? 8 : 4;
  } else {
    osize = (codeSize === 2) !== use66 ? 2 : 4;
  }
  i.osize = osize;
  const adsz = (i.pfx & PFX_ADSIZE) !== 0;
  // MPX ignores 67 in 64-bit mode (SDM vol 1, 17.5.1 "BNDLDX/BNDSTX in 64-bit mode").
  i.asize = long ? (adsz && !(e.f & F.MPX) ? 4 : 8) : (codeSize === 2) !== adsz ? 2 : 4;

  // ---- ModRM, SIB, displacement (SDM vol 2A, 2.1.5 tables 2-1..2-3) ----
  if (pe.modrm) {
    k = readModrm(i, fetch, k);
    if (i.mod !== 3 && !pe.regOnly) k = decodeMemory(i, fetch, k, long);
    if ((e.f & F.MPX) && i.mod !== 3) {
      // MPX: no 16-bit addressing; BNDMK/BNDLDX/BNDSTX (plain M operands, a "mib" for the
      // latter two) cannot be RIP-relative (SDM vol 2A, BNDMK / BNDLDX "#UD").
      if (i.asize === 2) return bad(i, Bad.Undefined, k, 'MPX with 16-bit addressing');
      if (i.base === BASE_RIP && pe.specs.some((sp) => sp.method === Method.M)) return bad(i, Bad.Undefined, k, 'RIP-relative MPX operand');
    }
  }
  if ((e.f & F.MEMONLY) && i.mod === 3) return bad(i, Bad.Undefined, k, 'register form of a memory-only instruction');

  // ---- operands and immediates ----
  let immCount = 0;
  for (let n = 0; n < pe.specs.length; n++) {
    const s = pe.specs[n];
    let kind = OpKind.None, r = 0, size = s.type === 'A' ? i.asize : typeSize(s.type, osize);
    switch (s.method) {
      case Method.E: case Method.W: case Method.Q:
        if (i.mod === 3) {
          kind = s.method === Method.E ? OpKind.Reg : s.method === Method.W ? OpKind.Xmm : OpKind.Mmx;
          r = s.method === Method.Q ? i.modrm & 7 : i.rm;
          if (kind === OpKind.Reg && size === 1 && !(i.pfx & PFX_REX) && r >= 4 && r < 8) { kind = OpKind.Reg8H; r -= 4; }
        } else kind = OpKind.Mem;
        break;
      case Method.M:
        if (i.mod === 3) return bad(i, Bad.Undefined, k, 'register operand where memory is required');
        kind = OpKind.Mem;
        break;
      case Method.G:
        kind = OpKind.Reg; r = i.reg;
        if (size === 1 && !(i.pfx & PFX_REX) && r >= 4 && r < 8) { kind = OpKind.Reg8H; r -= 4; }
        break;
      case Method.R:
        // R names a general register in ModRM.rm; only the register form exists, except
        // for MOV CR/DR, which ignore mod (handled by regOnly above).
        if (i.mod !== 3 && !pe.regOnly) return bad(i, Bad.Undefined, k, 'memory operand where a register is required');
        kind = OpKind.Reg; r = i.rm;
        break;
      case Method.V: kind = OpKind.Xmm; r = i.reg; break;
      case Method.U:
        if (i.mod !== 3) return bad(i, Bad.Undefined, k, 'memory operand where a register is required');
        kind = OpKind.Xmm; r = i.rm;
        break;
      case Method.P: kind = OpKind.Mmx; r = (i.modrm >> 3) & 7; break;
      case Method.N:
        if (i.mod !== 3) return bad(i, Bad.Undefined, k, 'memory operand where a register is required');
        kind = OpKind.Mmx; r = i.modrm & 7;
        break;
      case Method.S:
        kind = OpKind.Seg; r = (i.modrm >> 3) & 7;
        if (r > 5) return bad(i, Bad.Undefined, k, 'segment register 6/7 does not exist');
        // MOV to CS is #UD (SDM vol 2B, MOV: "If an attempt is made to load the CS register").
        if (n === 0 && r === 1) invalid = 'MOV to CS';
        break;
      case Method.C:
        kind = OpKind.Cr; r = i.reg;
        // AMD's alternate encoding of CR8 outside 64-bit mode: LOCK MOV CR0 (AMD APM vol 3,
        // MOV CRn, "AltMovCr8"). Intel raises #UD (SDM vol 2B, MOV-Control Registers).
        if ((i.pfx & PFX_LOCK) && !long) { r |= 8; invalid = 'LOCK MOV CR (AMD CR8 alias, #UD on Intel)'; }
        break;
      case Method.T: r = i.reg & 7; break;
      case Method.D: kind = OpKind.Dr; r = i.reg; break;
      case Method.Z:
        kind = OpKind.Reg; r = (b & 7) | ((i.rex & 1) << 3);
        if (size === 1 && !(i.pfx & PFX_REX) && r >= 4 && r < 8) { kind = OpKind.Reg8H; r -= 4; }
        break;
      case Method.Fixed:
        if (s.fixedClass === 'seg') { kind = OpKind.Seg; r = s.fixedReg; }
        else {
          kind = OpKind.Reg; r = s.fixedReg;
          if (s.type === 'b' && r >= 4) { kind = OpKind.Reg8H; r -= 4; }
        }
        break;
      case Method.Const: kind = OpKind.Const; r = s.value; size = 1; break;
      case Method.St: kind = OpKind.St; r = s.value < 0 ? i.modrm & 7 : s.value; break;
      case Method.X: case Method.Y: kind = OpKind.None; break;
      case Method.Bnd: case Method.BndE:
        // MPX has four bound registers (SDM vol 1, 17.4.1).
        r = s.method === Method.Bnd ? i.reg : i.rm;
        if (s.method === Method.BndE && i.mod !== 3) kind = OpKind.Mem;
        else if (r > 3) return bad(i, Bad.Undefined, k, 'bound register 4-15 does not exist');
        break;
      case Method.O: {
        // moffs: an address-size offset, no ModRM (SDM vol 2A, MOV opcodes A0-A3).
        kind = OpKind.Mem;
        i.base = -1; i.index = -1;
        i.seg = i.segOverride >= 0 ? i.segOverride : 3;
        const n2 = i.asize;
        i.disp = readImm(fetch, k, Math.min(n2, 4), false);
        if (n2 === 8) i.dispHi = readImm(fetch, k + 4, 4, false);
        k += n2;
        break;
      }
      case Method.I: {
        kind = OpKind.Imm;
        // Ibs and Iz are extended to the operand size: the slot carries the extended value.
        if (s.signExt || s.type === 'z') size = osize;
        let n2: number;
        if (s.signExt || s.type === 'b') n2 = 1;
        else if (s.type === 'w') n2 = 2;
        else if (s.type === 'v') n2 = osize; // MOV r64, imm64
        else n2 = osize === 2 ? 2 : 4; // z
        const raw = readImm(fetch, k, Math.min(n2, 4), s.signExt || (s.type === 'z' && osize === 8));
        let hi = n2 === 8 ? readImm(fetch, k + 4, 4, false) : 0;
        k += n2;
        let lo = raw;
        if (s.signExt) {
          const se = (raw << 24) >> 24;
          lo = size === 1 ? se & 0xff : size === 2 ? se & 0xffff : se >>> 0;
          hi = se < 0 && size === 8 ? -1 : 0;
        } else if (s.type === 'z' && osize === 8) {
          hi = raw < 0 ? -1 : 0; lo = raw >>> 0;
        }
        if (immCount++ > 0) { i.imm2 = lo >>> 0; break; } // ENTER Iw, Ib: the second immediate
        i.imm = lo >>> 0; i.immHi = hi | 0;
        break;
      }
      case Method.J: {
        kind = OpKind.Rel;
        const n2 = s.type === 'b' ? 1 : osize === 2 ? 2 : 4;
        i.imm = readImm(fetch, k, n2, true);
        k += n2;
        break;
      }
      case Method.A: {
        kind = OpKind.Far;
        const n2 = osize === 2 ? 2 : 4;
        i.imm = readImm(fetch, k, n2, false) >>> 0;
        i.imm2 = readImm(fetch, k + n2, 2, false);
        k += n2 + 2;
        break;
      }
    }
    setSlot(i, n, kind, r, size);
  }
  i.nops = pe.specs.length;
  if (k > 15) return bad(i, Bad.TooLong, 15, 'instruction longer than 15 bytes');
  i.len = k;
  // 3DNow!: the trailing imm8 is the opcode (AMD 3DNow! manual, "Instruction formats").
  if (e.sub && e.sub[i.imm] === undefined) return bad(i, Bad.Undefined, k, 'undefined 3DNow! opcode');

  // LOCK is legal only on listed instructions with a memory destination (SDM vol 2A, LOCK).
  if ((i.pfx & PFX_LOCK) && (!(e.f & F.LOCK) || i.k0 !== OpKind.Mem) && !invalid) {
    return bad(i, Bad.Undefined, k, 'LOCK prefix not allowed here', e);
  }
  if (invalid) return bad(i, Bad.Undefined, k, invalid, e);
  i.exec = e.exec ?? notImplementedExec;
  return i;
}

function readModrm(i: Insn, fetch: (k: number) => number, k: number): number {
  if (i.modrm >= 0) return k;
  const m = fetch(k);
  i.modrm = m;
  i.mod = m >> 6;
  i.reg = ((m >> 3) & 7) | ((i.rex & 4) << 1);
  i.rm = (m & 7) | ((i.rex & 1) << 3);
  return k + 1;
}

function isLegacyPrefix(b: number): boolean {
  return b === 0xf0 || b === 0xf2 || b === 0xf3 || b === 0x66 || b === 0x67 ||
    b === 0x26 || b === 0x2e || b === 0x36 || b === 0x3e || b === 0x64 || b === 0x65;
}

function readImm(fetch: (k: number) => number, k: number, n: number, signed: boolean): number {
  let v = 0;
  for (let j = n - 1; j >= 0; j--) v = v * 256 + fetch(k + j);
  if (signed) {
    if (n === 1) return (v << 24) >> 24;
    if (n === 2) return (v << 16) >> 16;
    return v | 0;
  }
  return n === 4 ? v >>> 0 : v;
}

function setSlot(i: Insn, n: number, kind: number, r: number, size: number): void {
  if (n === 0) { i.k0 = kind; i.r0 = r; i.s0 = size; }
  else if (n === 1) { i.k1 = kind; i.r1 = r; i.s1 = size; }
  else if (n === 2) { i.k2 = kind; i.r2 = r; i.s2 = size; }
  else { i.k3 = kind; i.r3 = r; i.s3 = size; }
}

// 16-bit ModRM base/index pairs (SDM vol 2A, table 2-1): BX+SI, BX+DI, BP+SI, BP+DI, SI, DI, BP, BX.
const BASE16 = [3, 3, 5, 5, 6, 7, 5, 3];
const INDEX16 = [6, 7, 6, 7, -1, -1, -1, -1];

function decodeMemory(i: Insn, fetch: (k: number) => number, k: number, long: boolean): number {
  const rm = i.modrm & 7;
  if (i.asize === 2) {
    if (i.mod === 0 && rm === 6) {
      i.base = -1; i.index = -1;
      i.disp = readImm(fetch, k, 2, false); k += 2;
    } else {
      i.base = BASE16[rm]; i.index = INDEX16[rm];
      if (i.mod === 1) { i.disp = readImm(fetch, k, 1, true); k += 1; }
      else if (i.mod === 2) { i.disp = readImm(fetch, k, 2, true); k += 2; }
    }
    i.scale = 0;
    // BP-based forms use SS (SDM vol 2A, table 2-1 footnote; vol 1, 3.7.5).
    const ssDefault = i.base === 5;
    i.seg = i.segOverride >= 0 ? i.segOverride : ssDefault ? 2 : 3;
    return k;
  }
  let base = -1, index = -1, scale = 0;
  if (rm === 4) {
    const sib = fetch(k++);
    scale = sib >> 6;
    index = ((sib >> 3) & 7) | ((i.rex & 2) << 2);
    if (index === 4) index = -1; // no index (SDM vol 2A, table 2-3)
    const sb = sib & 7;
    if (sb === 5 && i.mod === 0) {
      base = -1;
      i.disp = readImm(fetch, k, 4, true); k += 4;
    } else base = sb | ((i.rex & 1) << 3);
  } else if (rm === 5 && i.mod === 0) {
    // disp32: RIP-relative in 64-bit mode (SDM vol 2A, 2.2.1.6), absolute otherwise.
    base = long ? BASE_RIP : -1;
    i.disp = readImm(fetch, k, 4, true); k += 4;
  } else base = rm | ((i.rex & 1) << 3);
  if (i.mod === 1) { i.disp = readImm(fetch, k, 1, true); k += 1; }
  else if (i.mod === 2) { i.disp = readImm(fetch, k, 4, true); k += 4; }
  i.base = base; i.index = index; i.scale = scale;
  const ssDefault = base === 4 || base === 5;
  i.seg = i.segOverride >= 0 ? i.segOverride : ssDefault ? 2 : 3;
  return k;
}

/**
 * VEX (SDM vol 2A, 2.3), EVEX (2.6) and XOP (AMD APM vol 3, 1.8) encodings are not
 * implemented: they decode to "not implemented" (#UD). The length is computed from
 * the prefix's map field, ModRM/SIB/displacement and the immediate the map implies,
 * so a disassembly listing stays in step. `k` is the offset of the C4/C5/62/8F byte.
 */
function vexLength(i: Insn, fetch: (k: number) => number, k: number, esc: number, codeSize: number): Insn {
  const long = codeSize === 8;
  i.pfx |= PFX_VEX;
  i.opcode = esc;
  const p0 = fetch(k + 1);
  let mapSel: number;
  let p = k;
  if (esc === 0xc5) { mapSel = 1; p += 2; }
  else if (esc === 0x62) { mapSel = p0 & 7; p += 4; }
  else { mapSel = p0 & 0x1f; p += 3; }
  const op = fetch(p);
  p++;
  i.map = mapSel;
  // VZEROUPPER/VZEROALL (VEX 0F 77) are the only VEX instructions without ModRM.
  const hasModrm = !(esc !== 0x62 && esc !== 0x8f && mapSel === 1 && op === 0x77);
  if (hasModrm) {
    p = readModrm(i, fetch, p);
    if (i.mod !== 3) {
      const adsz = (i.pfx & PFX_ADSIZE) !== 0;
      i.asize = long ? (adsz ? 4 : 8) : (codeSize === 2) !== adsz ? 2 : 4;
      p = decodeMemory(i, fetch, p, long);
    }
  }
  let imm = 0;
  if (esc === 0x8f) imm = mapSel === 8 ? 1 : mapSel === 0xa ? 4 : 0;
  else if (mapSel === 3) imm = 1;
  else if (mapSel === 1 && ((op >= 0x70 && op <= 0x73) || (op >= 0xc4 && op <= 0xc6) || op === 0xc2)) imm = 1;
  p += imm;
  const why = esc === 0x62 ? 'EVEX' : esc === 0x8f ? 'XOP' : 'VEX';
  return bad(i, Bad.Unimplemented, p, `${why}-encoded instruction`, VEX_ENTRY);
}

/** The handler for decoded-but-unimplemented forms; replaced by the CPU's own (#UD + diagnostic). */
export let notImplementedExec: (cpu: any, i: Insn) => void = () => { throw new Error('not-implemented handler not installed'); };
export let undefinedExec: (cpu: any, i: Insn) => void = () => { throw new Error('#UD handler not installed'); };
export function installFallbackHandlers(notImpl: (cpu: any, i: Insn) => void, ud: (cpu: any, i: Insn) => void): void {
  notImplementedExec = notImpl;
  undefinedExec = ud;
}

/** More than 15 bytes: #GP(0), not #UD (SDM vol 2A, 2.3.11 "instruction length limit"). */
function tooLongExec(): void {
  throw new CpuFault(13, 0, 0, 'instruction longer than 15 bytes');
}

function bad(i: Insn, why: Bad, len: number, msg: string, e?: OpEntry): Insn {
  i.entry = e ?? UD_ENTRY;
  i.len = Math.max(1, Math.min(len, 15));
  i.invalid = msg;
  i.exec = why === Bad.Unimplemented ? notImplementedExec : why === Bad.TooLong ? tooLongExec : undefinedExec;
  return i;
}
