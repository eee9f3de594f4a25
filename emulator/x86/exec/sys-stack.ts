// Building a stack frame on a stack that is not (yet) the current one: event
// delivery, far CALL through a call gate. Every slot is checked (segment
// limit, canonical form, paging) before anything is written, so a fault
// leaves the machine state untouched (precise exceptions, SDM vol 3A, 6.5).
// Values are collected in a fixed scratch frame: no allocation per use.
import type { Cpu } from '../cpu';
import { Access } from '../mmu';
import { CpuFault } from '../fault';
import { AR_DB } from '../state';

const TWO32 = 0x1_0000_0000;
const MAX = 8;
const fLo = new Int32Array(MAX + 32);
const fHi = new Int32Array(MAX + 32);
const fLin = new Float64Array(MAX + 32);
let fN = 0;

/** Starts a new frame. */
export function frameReset(): void { fN = 0; }
/** Appends a slot, pushed in call order (first pushed = highest address). */
export function framePush(lo: number, hi = 0): void { fLo[fN] = lo | 0; fHi[fN] = hi | 0; fN++; }
export function frameCount(): number { return fN; }

/**
 * Places the frame on a 16/32-bit stack: SS described by base/limit/ar, stack
 * pointer `sp`, slot width 2 or 4. Returns the new stack pointer. Limit
 * violations raise #SS with `errCode` (SDM vol 3A, 6.12.1 and 5.3).
 */
export function framePlaceLegacy(cpu: Cpu, base: number, limit: number, ar: number, sp: number, width: number, errCode: number, user: boolean): number {
  const big = (ar & AR_DB) !== 0;
  const mask = big ? 0xffffffff : 0xffff;
  const expandDown = (ar & 0x1c) === 0x14;
  const upper = big ? 0xffffffff : 0xffff;
  let cur = sp >>> 0;
  for (let k = 0; k < fN; k++) {
    cur = ((cur - width) & mask) >>> 0;
    const last = cur + width - 1;
    const ok = expandDown ? cur > limit && last <= upper : last <= limit;
    if (!ok) throw new CpuFault(12, errCode, 0, 'stack segment limit during a privilege transfer');
    const lin = (base + cur) % TWO32;
    probe(cpu, lin, width, user);
    fLin[k] = lin;
  }
  return cur;
}

/**
 * Places the frame on a 64-bit stack at RSP halves lo/hi (already aligned as
 * the caller wants), slots of `width` bytes (8, or 4/2 for far CALL with a
 * smaller operand size). Non-canonical slots raise #SS(errCode) (SDM vol 3A,
 * 6.14.2). Returns the new RSP low half; the high half is left in frameRspHi.
 */
export let frameRspHi = 0;
export function framePlace64(cpu: Cpu, lo: number, hi: number, width: number, errCode: number, user: boolean): number {
  let l = lo >>> 0, h = hi | 0;
  for (let k = 0; k < fN; k++) {
    const t = l - width;
    l = t >>> 0;
    if (t < 0) h = (h - 1) | 0;
    if (((h << 16) >> 16) !== h) throw new CpuFault(12, errCode, 0, 'non-canonical stack during event delivery');
    const lin = (h & 0xffff) * TWO32 + l;
    probe(cpu, lin, width, user);
    fLin[k] = lin;
  }
  frameRspHi = h;
  return l;
}

/** Writes the placed frame (cannot fault: every page was translated by the place step). */
export function frameWrite(cpu: Cpu, width: number, user: boolean): void {
  for (let k = 0; k < fN; k++) {
    const lin = fLin[k];
    if (width === 8) { writeLin(cpu, lin, 4, fLo[k], user); writeLin(cpu, lin + 4, 4, fHi[k], user); }
    else writeLin(cpu, lin, width, fLo[k], user);
  }
}

function probe(cpu: Cpu, lin: number, size: number, user: boolean): void {
  cpu.mmu.translate(lin, Access.Write, user);
  if ((lin & 0xfff) + size > 0x1000) cpu.mmu.translate(lin + size - 1, Access.Write, user);
}

/** A write at a privilege other than the current one (the new stack of a privilege change). */
export function writeLin(cpu: Cpu, lin: number, size: number, v: number, user: boolean): void {
  const mem = cpu.plat.mem;
  if ((lin & 0xfff) + size <= 0x1000) { mem.write(cpu.mmu.translate(lin, Access.Write, user), size as 1 | 2 | 4, v >>> 0); return; }
  for (let k = 0; k < size; k++) mem.write8(cpu.mmu.translate(lin + k, Access.Write, user), (v >>> (8 * k)) & 0xff);
}

/** A read at a given privilege (reading the outer stack during RET/IRET is at the current CPL). */
export function readLin(cpu: Cpu, lin: number, size: number, user: boolean): number {
  const mem = cpu.plat.mem;
  if ((lin & 0xfff) + size <= 0x1000) return mem.read(cpu.mmu.translate(lin, Access.Read, user), size as 1 | 2 | 4);
  let v = 0;
  for (let k = size - 1; k >= 0; k--) v = v * 256 + mem.read8(cpu.mmu.translate(lin + k, Access.Read, user));
  return v >>> 0;
}
