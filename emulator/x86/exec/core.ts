// Thin-path handlers: enough to boot the example runtime end to end. Domain
// modules (integer.ts, system.ts, sse.ts) replace these with complete ones.
import type { Cpu } from '../cpu';
import type { Insn } from '../decode/insn';
import { OpKind } from '../decode/insn';
import type { Handler } from '../decode/table';
import { LazyOp, testCond, getCF } from '../flags';
import { foldedHi } from '../canon';
import { CpuFault } from '../fault';

type H = (cpu: Cpu, i: Insn) => void;

const MASK = [0, 0xff, 0xffff, 0, 0xffffffff];

function alu(op: number): H {
  return (cpu, i) => {
    const s = i.s0;
    const a = cpu.rd(i, 0); const ah = cpu.hi;
    const b = cpu.rd(i, 1); const bh = s === 8 ? cpu.hi : 0;
    let r: number, rh = 0;
    let lop: LazyOp;
    switch (op) {
      case 0: case 2: { // add, adc
        const c = op === 2 ? (getCF(cpu) ? 1 : 0) : 0;
        const t = a + b + c;
        r = t >>> 0; if (s === 8) rh = (ah + bh + (t > 0xffffffff ? 1 : 0)) | 0;
        lop = op === 2 ? LazyOp.Adc : LazyOp.Add; cpu.lcf = c; break;
      }
      case 3: case 5: case 7: { // sbb, sub, cmp
        const c = op === 3 ? (getCF(cpu) ? 1 : 0) : 0;
        const t = a - b - c;
        r = t >>> 0; if (s === 8) rh = (ah - bh - (t < 0 ? 1 : 0)) | 0;
        lop = op === 3 ? LazyOp.Sbb : LazyOp.Sub; cpu.lcf = c; break;
      }
      case 1: r = (a | b) >>> 0; rh = ah | bh; lop = LazyOp.Logic; break;
      case 4: r = (a & b) >>> 0; rh = ah & bh; lop = LazyOp.Logic; break;
      default: r = (a ^ b) >>> 0; rh = ah ^ bh; lop = LazyOp.Logic; break; // xor
    }
    if (s < 4) r &= MASK[s];
    if (s !== 8) rh = 0;
    cpu.lop = lop; cpu.lsz = s; cpu.la = a; cpu.lah = s === 8 ? ah : 0; cpu.lb = b; cpu.lbh = bh; cpu.lr = r; cpu.lrh = rh;
    if (op !== 7) cpu.wr(i, 0, r, rh, true);
  };
}


function jumpTo(cpu: Cpu, target: number): void {
  // Near branch targets wrap at the operand size; 64-bit targets must be canonical (SDM vol 2A, JMP).
  if (cpu.long64) {
    const hi = Math.floor(target / 0x1_0000_0000);
    if (target < 0 || target >= 0x1_0000_0000_0000) {
      const folded = ((target % 0x1_0000_0000_0000) + 0x1_0000_0000_0000) % 0x1_0000_0000_0000;
      const bit47 = folded >= 0x8000_0000_0000;
      // Crossing the 2^47 boundary produces a non-canonical address.
      if (bit47 !== (target < 0)) throw new CpuFault(13, 0, 0, 'non-canonical branch target');
      target = folded;
    } else if (hi >= 0x8000) throw new CpuFault(13, 0, 0, 'non-canonical branch target');
    cpu.nextRip = target;
  } else cpu.nextRip = target >>> 0;
}

function relTarget(cpu: Cpu, i: Insn): number {
  if (cpu.long64) return cpu.nextRip + i.imm;
  const t = cpu.nextRip + i.imm;
  return i.osize === 2 ? t & 0xffff : t >>> 0;
}

const h: Record<string, H> = {
  nop: () => {},
  // ENDBR32/64 are NOPs when CET is not enabled (SDM vol 2A, ENDBR64); gcc with
  // -fcf-protection (Ubuntu's default) puts one at every function entry.
  endbr64: () => {},
  endbr32: () => {},
  mov: (cpu, i) => { const v = cpu.rd(i, 1); cpu.wr(i, 0, v, i.s0 === 8 ? cpu.hi : 0); },
  lea: (cpu, i) => {
    // The address computation without segmentation (SDM vol 2A, LEA).
    const seg = i.seg; i.seg = 3;
    const save = cpu.segBase[3];
    cpu.segBase[3] = 0;
    try {
      const lin = leaOffset(cpu, i);
      cpu.setReg(i.r0, i.s0, lin >>> 0, i.s0 === 8 ? cpu.hi : 0);
    } finally { cpu.segBase[3] = save; i.seg = seg; }
  },
  add: alu(0), or: alu(1), adc: alu(2), sbb: alu(3), and: alu(4), sub: alu(5), xor: alu(6), cmp: alu(7),
  test: (cpu, i) => {
    const s = i.s0;
    const a = cpu.rd(i, 0); const ah = cpu.hi;
    const b = cpu.rd(i, 1); const bh = cpu.hi;
    cpu.lop = LazyOp.Logic; cpu.lsz = s; cpu.lr = (a & b) >>> 0; cpu.lrh = s === 8 ? ah & bh : 0;
  },
  inc: (cpu, i) => incdec(cpu, i, 1),
  dec: (cpu, i) => incdec(cpu, i, -1),
  jmp: (cpu, i) => jumpTo(cpu, relTarget(cpu, i)),
  jcc: (cpu, i) => { if (testCond(cpu, i.opcode & 0xf)) jumpTo(cpu, relTarget(cpu, i)); },
  call: (cpu, i) => {
    const t = relTarget(cpu, i);
    const size = cpu.long64 ? 8 : i.osize;
    cpu.push(size, cpu.nextRip >>> 0, cpu.long64 ? foldedHi(cpu.nextRip) : 0);
    jumpTo(cpu, t);
  },
  ret: (cpu, i) => {
    const size = cpu.long64 ? 8 : i.osize;
    const lo = cpu.peek(size, 0); const hi = size === 8 ? cpu.hi : 0;
    let t: number;
    if (size === 8) {
      if (((hi << 16) >> 16) !== hi) throw new CpuFault(13, 0, 0, 'non-canonical return address');
      t = (hi & 0xffff) * 0x1_0000_0000 + lo;
    } else t = size === 2 ? lo & 0xffff : lo;
    cpu.addReg(4, cpu.stackSize, size + (i.k0 === OpKind.Imm ? i.imm : 0));
    cpu.nextRip = t;
  },
  push: (cpu, i) => {
    const v = cpu.rd(i, 0);
    const size = i.osize;
    cpu.push(size, v, size === 8 ? cpu.hi : 0);
  },
  pop: (cpu, i) => {
    const size = i.osize;
    const v = cpu.pop(size);
    cpu.wr(i, 0, v, size === 8 ? cpu.hi : 0);
  },
  cli: (cpu) => { cpu.flagsRest &= ~0x200; },
  sti: (cpu) => { cpu.flagsRest |= 0x200; cpu.shadowUntil = cpu.icount + 1; cpu.exitBlock = true; },
  cld: (cpu) => { cpu.flagsRest &= ~0x400; },
  std: (cpu) => { cpu.flagsRest |= 0x400; },
  hlt: (cpu) => {
    if (cpu.cpl !== 0) throw new CpuFault(13, 0);
    cpu.halted = true;
    cpu.exitBlock = true;
  },
  out: (cpu, i) => {
    const port = i.k0 === OpKind.Imm ? i.imm : cpu.getReg(2, 2);
    const size = i.s1 as 1 | 2 | 4;
    cpu.plat.io.write(port, size, cpu.getReg(0, size));
    cpu.exitBlock = true;
  },
  in: (cpu, i) => {
    const port = i.k1 === OpKind.Imm ? i.imm : cpu.getReg(2, 2);
    const size = i.s0 as 1 | 2 | 4;
    cpu.setReg(0, size, cpu.plat.io.read(port, size));
  },
};

function leaOffset(cpu: Cpu, i: Insn): number {
  // Effective address arithmetic only, at the address size, truncated to the operand size.
  let lo = 0, hi = 0;
  if (i.base >= 0) {
    if (i.base === 16) { lo = cpu.nextRip >>> 0; hi = foldedHi(cpu.nextRip); }
    else { lo = cpu.regs[i.base << 1] >>> 0; hi = cpu.regs[(i.base << 1) + 1]; }
  }
  let t = lo + i.disp;
  if (i.index >= 0) { t += (cpu.regs[i.index << 1] >>> 0) * (1 << i.scale); hi = (hi + (cpu.regs[(i.index << 1) + 1] << i.scale)) | 0; }
  lo = t >>> 0;
  hi = (hi + Math.floor(t / 0x1_0000_0000)) | 0;
  if (i.asize === 2) { lo &= 0xffff; hi = 0; }
  else if (i.asize === 4) hi = 0;
  if (i.s0 === 2) lo &= 0xffff;
  cpu.hi = i.s0 === 8 ? hi : 0;
  return lo;
}

function incdec(cpu: Cpu, i: Insn, d: number): void {
  const s = i.s0;
  const a = cpu.rd(i, 0); const ah = cpu.hi;
  cpu.lcf = getCF(cpu) ? 1 : 0;
  const t = a + d;
  let r = t >>> 0, rh = 0;
  if (s === 8) rh = (ah + (t > 0xffffffff ? 1 : t < 0 ? -1 : 0)) | 0;
  if (s < 4) r &= MASK[s];
  cpu.lop = d > 0 ? LazyOp.Inc : LazyOp.Dec; cpu.lsz = s;
  cpu.la = a; cpu.lah = s === 8 ? ah : 0; cpu.lb = 1; cpu.lbh = 0; cpu.lr = r; cpu.lrh = rh;
  cpu.wr(i, 0, r, rh, true);
}

export const handlers: Record<string, Handler> = h as Record<string, Handler>;
