// The disassembly view: instructions around an address, decoded without side
// effects through the emulator's own decoder (so the view shows exactly what
// the CPU will execute) and printed by emulator/x86/decode/disasm.ts (AT&T
// syntax, as objdump prints it, branch targets symbolized).
import type { Cpu } from '../emulator/x86/cpu';
import type { Insn } from '../emulator/x86/decode/insn';
import { CpuMode } from '../emulator/x86/state';
import { decode } from '../emulator/x86/decode/decoder';
import { disassemble, DisasmMode } from '../emulator/x86/decode/disasm';
import { readLinear } from '../emulator/debug/guest-memory';

export interface DisasmLine {
  address: number;
  /** Hex bytes separated by spaces. */
  bytes: string;
  text: string;
  /** Length in bytes (1 for an unreadable or undecodable byte). */
  length: number;
  invalid: boolean;
}

/** If the disassembler fails on an instruction: the table's mnemonic and operand specs. */
function placeholder(i: Insn): string {
  return `${i.entry.m}${i.entry.ops.length ? ' ' + i.entry.ops.join(',') : ''}`;
}

/** Guest code bytes for one request, read a page at a time (page walks are not free). */
class CodeWindow {
  private pages = new Map<number, Uint8Array>();
  constructor(private cpu: Cpu) {}
  byte(a: number): number {
    const lpn = Math.floor(a / 4096);
    let p = this.pages.get(lpn);
    if (!p) {
      p = readLinear(this.cpu, lpn * 4096, 4096).data;
      this.pages.set(lpn, p);
    }
    const off = a - lpn * 4096;
    if (off >= p.length) throw new RangeError('no memory');
    return p[off];
  }
}

/** Decodes and prints one instruction at a linear address of `cpu`. */
export function disassembleOne(cpu: Cpu, address: number, mode: CpuMode = cpu.mode, win = new CodeWindow(cpu), symbolize?: Symbolizer): DisasmLine {
  const codeSize = mode === CpuMode.Long64 ? 8 : mode === CpuMode.Prot32 || mode === CpuMode.Compat32 ? 4 : 2;
  let insn: Insn;
  try {
    insn = decode(cpu.tables, (k) => win.byte(address + k), codeSize);
  } catch {
    let b = -1;
    try { b = win.byte(address); } catch { /* unmapped */ }
    return {
      address, length: 1, invalid: true,
      bytes: b >= 0 ? b.toString(16).padStart(2, '0') : '',
      text: b >= 0 ? '(bad)' : '(no memory)',
    };
  }
  const raw: number[] = [];
  for (let k = 0; k < insn.len; k++) raw.push(win.byte(address + k));
  const bytes = raw.map((b) => b.toString(16).padStart(2, '0')).join(' ');
  if (insn.invalid && insn.entry.m === '(bad)') return { address, length: Math.max(1, insn.len), bytes, text: '(bad)', invalid: true };
  let text: string;
  try {
    text = disassemble(insn, address, (codeSize * 8) as DisasmMode, { bytes: raw, symbolize });
  } catch {
    text = placeholder(insn);
  }
  return { address, length: insn.len, bytes, text, invalid: false };
}

/**
 * `count` instructions starting `offset` instructions away from `address`
 * (negative: before it). x86 cannot be decoded backwards, so earlier
 * instructions are found by decoding forward from a start (a function start
 * when known) that lands exactly on `address`.
 */
export type Symbolizer = (address: number) => string | undefined;

export function disassembleAround(cpu: Cpu, address: number, offset: number, count: number, functionStart?: (a: number) => number | undefined, symbolize?: Symbolizer): DisasmLine[] {
  const out: DisasmLine[] = [];
  const win = new CodeWindow(cpu);
  let start = address;
  if (offset < 0) {
    const before = backwards(cpu, win, address, -offset, functionStart, symbolize);
    out.push(...before.slice(Math.max(0, before.length - count)));
    start = address;
    if (out.length >= count) return out.slice(0, count);
  } else {
    for (let k = 0; k < offset; k++) start += disassembleOne(cpu, start, cpu.mode, win, symbolize).length;
  }
  let a = start;
  while (out.length < count) {
    const l = disassembleOne(cpu, a, cpu.mode, win, symbolize);
    out.push(l);
    a += l.length;
  }
  return out;
}

/** Up to `n` instructions that end exactly at `address`, padded in front with invalid entries. */
function backwards(cpu: Cpu, win: CodeWindow, address: number, n: number, functionStart?: (a: number) => number | undefined, symbolize?: Symbolizer): DisasmLine[] {
  const candidates: number[] = [];
  const fs = functionStart?.(address);
  if (fs !== undefined && fs < address && address - fs < 0x10000) candidates.push(fs);
  for (let back = n * 15; back >= 1; back--) candidates.push(address - back);
  for (const s of candidates) {
    if (s < 0) continue;
    const lines: DisasmLine[] = [];
    let a = s;
    while (a < address) {
      const l = disassembleOne(cpu, a, cpu.mode, win, symbolize);
      lines.push(l);
      a += l.length;
    }
    if (a === address && !lines.some((l) => l.invalid)) {
      const got = lines.slice(-n);
      const pad: DisasmLine[] = [];
      for (let k = got.length; k < n; k++) {
        pad.push({ address: address - (n - k), bytes: '', text: '', length: 1, invalid: true });
      }
      return [...pad, ...got];
    }
  }
  const pad: DisasmLine[] = [];
  for (let k = n; k >= 1; k--) pad.push({ address: address - k, bytes: '', text: '(unknown)', length: 1, invalid: true });
  return pad;
}
