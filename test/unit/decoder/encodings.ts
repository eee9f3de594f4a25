// Builds test encodings from the opcode table itself: for every entry, the
// path through the decoding tree (map, opcode, mandatory prefix, ModRM.reg /
// mod / rm, REX.W, mode, operand size) fixes some bytes; the rest are varied
// (register and memory forms of ModRM, SIB and displacement shapes, 66 / 67 /
// REX / segment / LOCK / REP prefixes) and an immediate pattern follows.
import { MAPS } from '../../../emulator/x86/decode/table';
import { F, OpEntry, OpNode } from '../../../emulator/x86/decode/table-types';
import { parseSpec, Method, needsModrm } from '../../../emulator/x86/decode/operand-spec';
import { Mode } from './objdump';

export interface TableCase { bytes: number[]; mode: Mode; what: string }

interface Path {
  map: number; op: number;
  pfx?: number; reg?: number; mod?: 'mem' | 'reg'; rm?: number; w?: number; mode?: number; rexb?: number;
  riprel?: number; osz?: number;
}

const ESC = [[], [0x0f], [0x0f, 0x38], [0x0f, 0x3a]];
const MAND = [[], [0x66], [0xf3], [0xf2]];
/** Immediate / displacement pattern appended after ModRM: negative bytes exercise sign extension. */
const IMM = [0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11];

/** Memory-form ModRM (+SIB, disp) shapes for 32/64-bit and 16-bit addressing; `reg` goes in bits 5:3. */
function memForms(asize16: boolean, riprel: number | undefined): number[][] {
  if (asize16) return [[0x00], [0x43, 0x12], [0x86, 0x34, 0x12], [0x06, 0x00, 0x10]];
  if (riprel === 1) return [[0x05, 0x00, 0x10, 0x00, 0x00]];
  const forms = [
    [0x00],                                    // (%rax)
    [0x43, 0x12],                              // 0x12(%rbx)
    [0x84, 0x9d, 0x78, 0x56, 0x34, 0x12],      // 0x12345678(%rbp,%rbx,4)
    [0x04, 0x25, 0xf0, 0xff, 0xff, 0xff],      // absolute (SIB, no base, no index)
    [0x44, 0x24, 0xf8],                        // -0x8(%rsp)
    [0x0c, 0x5e],                              // (%rsi,%rbx,2)
  ];
  if (riprel !== 0) forms.push([0x05, 0x00, 0x10, 0x00, 0x00]); // RIP-relative / disp32
  return forms;
}

function walk(n: OpNode | undefined, p: Path, out: { e: OpEntry; p: Path }[]): void {
  if (!n) return;
  if ((n as OpEntry).m !== undefined) { out.push({ e: n as OpEntry, p }); return; }
  const split = (list: (OpNode | undefined)[], f: (k: number) => Partial<Path>): void =>
    list.forEach((c, k) => walk(c, { ...p, ...f(k) }, out));
  if ('pfx' in n) split(n.pfx, (k) => ({ pfx: k }));
  else if ('reg' in n) split(n.reg, (k) => ({ reg: k }));
  else if ('mod' in n) split(n.mod, (k) => ({ mod: k ? 'reg' : 'mem' }));
  else if ('rm' in n) split(n.rm, (k) => ({ rm: k, mod: 'reg' }));
  else if ('w' in n) split(n.w, (k) => ({ w: k }));
  else if ('mode' in n) split(n.mode, (k) => ({ mode: k }));
  else if ('rexb' in n) split(n.rexb, (k) => ({ rexb: k }));
  else if ('riprel' in n) split(n.riprel, (k) => ({ riprel: k }));
  else if ('osz' in n) split(n.osz, (k) => ({ osz: k }));
}

/** Every (entry, path) of the merged maps. */
export function tablePaths(): { e: OpEntry; p: Path }[] {
  const out: { e: OpEntry; p: Path }[] = [];
  MAPS.forEach((m, map) => m.forEach((n, op) => walk(n, { map, op }, out)));
  return out;
}

function needsModrmPath(e: OpEntry, p: Path): boolean {
  return p.reg !== undefined || p.mod !== undefined || p.rm !== undefined || p.riprel !== undefined ||
    (e.f & F.MODRM) !== 0 || e.ops.some((o) => needsModrm(parseSpec(o).method));
}

/** Encodings of one table entry in one mode (before truncation to the decoded length). */
export function encodingsOf(e: OpEntry, p: Path, mode: Mode): TableCase[] {
  if (p.mode === 0 && mode === 64) return [];
  if (p.mode === 1 && mode !== 64) return [];
  if ((p.w === 1 || p.rexb === 1 || p.osz === 2) && mode !== 64) return [];
  const out: TableCase[] = [];
  const specs = e.ops.map(parseSpec);
  const modrm = needsModrmPath(e, p);
  const hasMemOperand = specs.some((s) => s.method === Method.E || s.method === Method.M || s.method === Method.W ||
    s.method === Method.Q || s.method === Method.BndE);
  const imm = e.sub ? [Number(Object.keys(e.sub)[0]), ...IMM.slice(1)] : IMM;
  // Operand-size selection by the osz split: 66 where it makes 16 (or 32 in 16-bit code).
  const osz66 = p.osz === undefined ? false : (p.osz === 0) !== (mode === 16);
  const base: number[] = [...MAND[p.pfx ?? 0]];
  if (osz66 && p.pfx !== 1) base.unshift(0x66);
  let rex = 0;
  if (p.w === 1 || p.osz === 2) rex |= 0x48;
  if (p.rexb === 1) rex |= 0x41;
  const what = `${['', '0f ', '0f 38 ', '0f 3a '][p.map]}${p.op.toString(16).padStart(2, '0')} ${e.m} ${e.ops.join(',')}`;
  const emit = (pre: number[], rexByte: number, body: number[], tag: string): void => {
    const bytes = [...pre, ...(rexByte ? [rexByte] : []), ...ESC[p.map], p.op, ...body, ...imm];
    out.push({ bytes, mode, what: `${what} [${tag}]` });
  };
  if (!modrm) {
    emit(base, rex, [], 'plain');
    if (mode === 64 && !rex) { emit(base, 0x48, [], 'rex.w'); emit(base, 0x41, [], 'rex.b'); }
    if (p.pfx === undefined && !osz66) emit([0x66, ...base], rex, [], '66');
    if (e.f & F.REP) { emit([0xf3, ...base], rex, [], 'rep'); emit([0xf2, ...base], rex, [], 'repne'); emit([0x67, ...base], rex, [], '67'); }
    if (specs.some((s) => s.method === Method.O)) { emit([0x67, ...base], rex, [], '67'); emit([0x64, ...base], rex, [], 'fs'); }
    return out;
  }
  const regs = p.reg !== undefined ? [p.reg] : [0, 3, 6];
  const wantReg = p.mod !== 'mem' && p.riprel === undefined;
  const wantMem = p.mod !== 'reg' && p.rm === undefined;
  const a16 = mode === 16;
  regs.forEach((reg, ri) => {
    if (wantReg) {
      const rms = p.rm !== undefined ? [p.rm] : [ri === 0 ? 0 : 5, 7 - ri];
      for (const rm of rms) {
        const body = [0xc0 | (reg << 3) | rm];
        emit(base, rex, body, 'reg');
        if (mode === 64) {
          emit(base, rex | 0x45, body, 'rex.rb');
          if (!rex) emit(base, 0x40, body, 'rex');
          if (!(rex & 8) && p.w === undefined) emit(base, rex | 0x48, body, 'rex.w');
        }
        if (p.pfx === undefined && !osz66) emit([0x66, ...base], rex, body, '66');
      }
    }
    if (wantMem) {
      const forms = memForms(a16, p.riprel);
      forms.forEach((f, fi) => {
        const body = [f[0] | (reg << 3), ...f.slice(1)];
        emit(base, rex, body, 'mem');
        if (fi === ri % forms.length || fi === 2) {
          if (p.pfx === undefined && !osz66) emit([0x66, ...base], rex, body, '66 mem');
          if (mode !== 64 || p.riprel === undefined) emit([0x67, ...base], rex, a16 ? [0x00 | (reg << 3)] : [f[0] | (reg << 3), ...f.slice(1)], '67 mem');
          emit([0x64, ...base], rex, body, 'fs mem');
          if (mode !== 64) emit([0x2e, ...base], rex, body, 'cs mem');
          if (mode === 64) {
            emit(base, rex | 0x43, body, 'rex.xb mem');
            if (!(rex & 8) && p.w === undefined) emit(base, rex | 0x48, body, 'rex.w mem');
          }
          if ((e.f & F.LOCK) && hasMemOperand) emit([0xf0, ...base], rex, body, 'lock mem');
        }
      });
    }
  });
  return out;
}
