// Compares our decoder + disassembler with objdump, one case at a time, and
// names the few places where we deliberately differ from objdump's default
// x86-64 target. Every exception is listed in EXCEPTIONS with the reason.
import { decode, UD_ENTRY, VEX_ENTRY, PFX_VEX } from '../../../emulator/x86/decode/decoder';
import { disassemble } from '../../../emulator/x86/decode/disasm';
import { Insn, PFX_OPSIZE } from '../../../emulator/x86/decode/insn';
import { F, OpEntry, OpNode } from '../../../emulator/x86/decode/table-types';
import { decodeTables } from '../../../emulator/x86/index';
import { SIMD_0F, SIMD_0F38, SIMD_0F3A } from '../../../emulator/x86/decode/table/simd';
import { TWO_BYTE, THREE_BYTE_38, THREE_BYTE_3A } from '../../../emulator/x86/decode/table/two-byte';
import { Mode, ObjLine } from './objdump';

export function decodeBytes(bytes: ArrayLike<number>, mode: Mode): Insn {
  return decode(decodeTables(), (k) => (k < bytes.length ? bytes[k] : 0x90), mode === 64 ? 8 : mode === 32 ? 4 : 2);
}

export function hexBytes(bytes: ArrayLike<number>, n = bytes.length): string {
  const out: string[] = [];
  for (let k = 0; k < Math.min(n, bytes.length); k++) out.push(bytes[k].toString(16).padStart(2, '0'));
  return out.join(' ');
}

/**
 * Deliberate differences from objdump's default target, decided by what the
 * SDM says the processor does (we model Intel execution):
 */
export const EXCEPTIONS = {
  // objdump -mi386:x86-64 decodes like AMD64: 66 shrinks near CALL/JMP/Jcc/RET
  // to 16 bits (rel16). Intel ignores 66 on near branches in 64-bit mode (SDM
  // vol 2A, CALL/JMP/Jcc/RET: "operand size fixed at 64 bits"), so the length
  // differs; these cases are compared with `objdump -Mintel64` instead.
  intel64Branch: '66 on a near branch in 64-bit mode: Intel ignores it (compared with objdump -Mintel64)',
  // Far CALL/JMP through memory with REX.W take m16:64 on Intel, m16:32 on AMD
  // (SDM vol 2A, CALL: "CALL m16:64"): same length, different text.
  intel64Far: 'REX.W far indirect CALL/JMP is m16:64 on Intel (compared with objdump -Mintel64)',
  // MOVSXD with 66 reads r/m16 on Intel (SDM vol 2B, MOVSXD r16, r/m16).
  intel64Movsxd: '66 MOVSXD reads r/m16 on Intel (compared with objdump -Mintel64)',
  // A REX prefix followed by another prefix is ignored and decoding continues
  // (SDM vol 2A, 2.2.1 "REX prefixes"); objdump lists the REX as a line of its
  // own and restarts. Such a case is checked twice: the bytes without the
  // ignored REX bytes against objdump, and our decoding of the original against
  // our decoding of those bytes (same instruction, longer by the REX bytes).
  rexThenPrefix: 'REX followed by another prefix: ignored by the CPU, a separate line in objdump',
  // objdump folds FWAIT into a following x87 instruction (FSTSW for FWAIT
  // FNSTSW); the processor executes FWAIT as an instruction of its own (SDM
  // vol 2A, WAIT/FWAIT), so lengths differ by design.
  fwaitFold: 'FWAIT before an x87 instruction: objdump folds the two',
  // objdump prints a long run of redundant prefixes as a prefix-only line; the
  // processor accepts any prefixes within the 15-byte limit (SDM vol 2A, 2.3.11).
  prefixRun: 'objdump prints a run of prefixes without an instruction',
  // VEX/EVEX/XOP are not implemented (#UD); only their length is compared.
  vex: 'VEX/EVEX/XOP encoding (not implemented)',
} as const;
export type ExceptionKind = keyof typeof EXCEPTIONS;

export interface Verdict {
  ok: boolean;
  /** Set when an exception applied (ok is then true unless the exception's own check failed). */
  exception?: ExceptionKind;
  /** objdump said "(bad)" (and we agree it is #UD). */
  bad?: boolean;
  /** objdump decodes an instruction where our table has none (a gap, not a wrong entry). */
  missing?: boolean;
  simd: boolean;
  message: string;
}

const PREFIX_WORDS = new Set(['lock', 'rep', 'repz', 'repnz', 'data16', 'data32', 'addr16', 'addr32', 'es', 'cs', 'ss', 'ds',
  'fs', 'gs', 'rex', 'notrack', 'bnd', 'xacquire', 'xrelease']);
function prefixOnly(text: string): boolean {
  return text.split(' ').every((w) => PREFIX_WORDS.has(w) || /^rex\.[WRXB]+$/.test(w));
}
function objdumpBad(text: string): boolean {
  return text.includes('(bad)') || text.includes('%?') || text.startsWith('.byte');
}

// ---- which opcode positions belong to simd.ts (another engineer's table)

let simdEntries: WeakSet<OpEntry> | null = null;
function simdSet(): WeakSet<OpEntry> {
  if (!simdEntries) {
    simdEntries = new WeakSet();
    const walk = (n: OpNode | undefined): void => {
      if (!n) return;
      if ((n as OpEntry).m !== undefined) { simdEntries!.add(n as OpEntry); return; }
      for (const v of Object.values(n) as (OpNode | undefined)[][]) v.forEach(walk);
    };
    [SIMD_0F, SIMD_0F38, SIMD_0F3A].forEach((m) => m.forEach(walk));
  }
  return simdEntries;
}
const SIMD_0F_RANGES = [[0x10, 0x17], [0x28, 0x2f], [0x50, 0x77], [0x7a, 0x7f], [0xc2, 0xc6], [0xd0, 0xfe]];
/** Is this instruction (or undefined opcode position) in the domain of table/simd.ts? */
export function simdOwned(i: Insn): boolean {
  if (i.pfx & PFX_VEX) return false;
  if (i.entry && i.entry !== UD_ENTRY && simdSet().has(i.entry)) return true;
  if (i.entry && i.entry !== UD_ENTRY) return false;
  if (i.map === 1) return !TWO_BYTE[i.opcode] && SIMD_0F_RANGES.some(([a, b]) => i.opcode >= a && i.opcode <= b);
  if (i.map === 2) return !THREE_BYTE_38[i.opcode];
  if (i.map === 3) return !THREE_BYTE_3A[i.opcode];
  return false;
}

/** Which Intel64-vs-AMD64 exception applies to a 64-bit instruction, if any. */
export function intel64Exception(i: Insn, mode: Mode): ExceptionKind | undefined {
  if (mode !== 64 || !i.entry || i.entry === UD_ENTRY) return undefined;
  const key = i.entry.h ?? i.entry.m;
  const p66 = (i.pfx & PFX_OPSIZE) !== 0;
  if ((i.entry.f & F.F64) && p66) return 'intel64Branch';
  if ((key === 'callf_ind' || key === 'jmpf_ind') && (i.rex & 8)) return 'intel64Far';
  if (key === 'movsxd' && p66) return 'intel64Movsxd';
  return undefined;
}

/** The bytes without the REX prefixes that the CPU ignores (those followed by another prefix). */
export function stripIgnoredRex(bytes: ArrayLike<number>): number[] {
  const legacy = (x: number): boolean => [0xf0, 0xf2, 0xf3, 0x66, 0x67, 0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65].includes(x);
  const out: number[] = [];
  let inPrefixes = true;
  for (let k = 0; k < bytes.length; k++) {
    const x = bytes[k];
    if (inPrefixes && (x & 0xf0) === 0x40 && k + 1 < bytes.length && (legacy(bytes[k + 1]) || (bytes[k + 1] & 0xf0) === 0x40)) continue;
    if (inPrefixes && !legacy(x)) inPrefixes = false;
    out.push(x);
  }
  return out;
}

export function rexThenPrefix(bytes: ArrayLike<number>, mode: Mode): boolean {
  if (mode !== 64) return false;
  const legacy = (x: number): boolean => [0xf0, 0xf2, 0xf3, 0x66, 0x67, 0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65].includes(x);
  for (let k = 0; k + 1 < bytes.length && k < 14; k++) {
    const x = bytes[k];
    if ((x & 0xf0) === 0x40) { if (legacy(bytes[k + 1]) || (bytes[k + 1] & 0xf0) === 0x40) return true; }
    else if (!legacy(x)) return false;
  }
  return false;
}

/**
 * Judges one case: `lines` are objdump's lines starting within the case's first
 * 16 bytes (first = the line at the case start); `intel` the same from
 * `objdump -Mintel64` when an Intel64 exception applies.
 */
export interface Stripped { bytes: number[]; addr: number; lines: ObjLine[]; intel?: ObjLine[] }

export function judge(bytes: ArrayLike<number>, mode: Mode, addr: number, lines: ObjLine[], intel?: ObjLine[], stripped?: Stripped): Verdict {
  let i: Insn;
  let ours: string;
  try {
    i = decodeBytes(bytes, mode);
    ours = disassemble(i, addr, mode, { bytes });
  } catch (err) {
    return { ok: false, simd: false, message: `decoder/disassembler threw on ${hexBytes(bytes)}: ${String(err)}` };
  }
  const simd = simdOwned(i);
  const first = lines.find((l) => l.addr === addr);
  const where = `mode ${mode}, bytes ${hexBytes(bytes, Math.max(i.len, first?.len ?? 0, 1))}`;
  const ourDesc = `ours: len ${i.len} "${ours}"${i.invalid ? ` [#UD: ${i.invalid}]` : ''}`;
  if (!first) return { ok: false, simd, message: `${where}: objdump has no line at the case start (out of step); ${ourDesc}` };
  const theirs = `objdump: len ${first.len} "${first.text}"`;
  const fail = (why: string): Verdict => ({ ok: false, simd, message: `${where}: ${why}; ${ourDesc}; ${theirs}` });

  if (i.pfx & PFX_VEX || i.entry === VEX_ENTRY) {
    // Not implemented (#UD), but the length must still agree where objdump knows the instruction.
    if (objdumpBad(first.text) || prefixOnly(first.text) || first.len === i.len) return { ok: true, simd: false, exception: 'vex', message: '' };
    return fail('VEX/EVEX/XOP length differs');
  }
  if (i.entry && (i.entry.h ?? i.entry.m) === 'fwait' && first.len > i.len) {
    return { ok: true, simd, exception: 'fwaitFold', message: '' };
  }
  if (rexThenPrefix(bytes, mode)) {
    if (!stripped) return fail(`${EXCEPTIONS.rexThenPrefix}: no stripped case`);
    const sv = judge(stripped.bytes, mode, stripped.addr, stripped.lines, stripped.intel);
    if (!sv.ok) return { ...sv, message: `${EXCEPTIONS.rexThenPrefix}; without the ignored REX: ${sv.message}` };
    // Same instruction as without the ignored REX bytes, which print as prefix names.
    const s = decodeBytes(stripped.bytes, mode);
    const removed = bytes.length - stripped.bytes.length;
    if (s.invalid || i.invalid) return (s.invalid !== '') === (i.invalid !== '') ? { ok: true, simd, exception: 'rexThenPrefix', message: '' }
      : fail(`${EXCEPTIONS.rexThenPrefix}: #UD differs from the stripped decoding`);
    if (s.len + removed !== i.len) return fail(`${EXCEPTIONS.rexThenPrefix}: length is not the stripped length + ${removed}`);
    const sText = disassemble(s, stripped.addr, mode, { bytes: stripped.bytes }).replace(/\s+/g, ' ');
    const words0 = ours.replace(/\s+/g, ' ').split(' ');
    // Drop the ignored REX names (they come first among the REX words, in byte order).
    let toDrop = removed;
    const words = words0.filter((w) => { if (toDrop > 0 && /^rex(\.[WRXB]+)?$/.test(w)) { toDrop--; return false; } return true; });
    const mine = words.join(' ');
    // Branch targets and RIP-relative comments differ by the address shift; compare the rest.
    const norm = (t: string): string => t.replace(/0x[0-9a-f]+( <[^>]*>)?$/, '').replace(/# .*$/, '').replace(/\s+/g, ' ').trim();
    return norm(mine) === norm(sText) ? { ok: true, simd, exception: 'rexThenPrefix', message: '' }
      : fail(`${EXCEPTIONS.rexThenPrefix}: differs from the decoding without the ignored REX "${sText}"`);
  }
  if (objdumpBad(first.text)) {
    return i.invalid ? { ok: true, simd, bad: true, message: '' } : fail('objdump says (bad) but we decode a valid instruction');
  }
  if (prefixOnly(first.text)) return { ok: true, simd, exception: 'prefixRun', message: '' };

  let ref = first;
  const exc = intel64Exception(i, mode);
  if (exc) {
    const alt = intel?.find((l) => l.addr === addr);
    if (!alt) return fail(`${EXCEPTIONS[exc]}: no -Mintel64 line`);
    ref = alt;
  }
  if (!i.entry || i.entry === UD_ENTRY) return { ...fail('objdump decodes an instruction we call undefined'), missing: true };
  if (objdumpBad(ref.text)) return i.invalid ? { ok: true, simd, bad: true, exception: exc, message: '' } : fail('objdump -Mintel64 says (bad)');
  if (ref.len !== i.len) return fail(`length differs${exc ? ` (${EXCEPTIONS[exc]}: "${ref.text}")` : ''}`);
  const norm = ours.replace(/\s+/g, ' ').trim();
  if (norm !== ref.text) return fail(`text differs${exc ? ` (-Mintel64: "${ref.text}")` : ''}`);
  return { ok: true, simd, exception: exc, message: '' };
}
