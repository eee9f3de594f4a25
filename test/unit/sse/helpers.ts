// Runs SSE snippets on a fresh vCPU with given XMM/MXCSR/GPR/memory contents
// and records the first exception instead of delivering it.
import { makeRig, runCode, DATA, SnippetMode, SnippetRig } from '../../support/snippet';
import { Cpu } from '../../../emulator/x86/cpu';
import { CpuFault } from '../../../emulator/x86/fault';
import { Stop } from '../../../emulator/x86/cpu';

export { DATA };

export interface SseInit {
  /** XMM register -> four 32-bit lanes (lane 0 first). */
  xmm?: Record<number, number[]>;
  mxcsr?: number;
  /** GPR -> value (numbers up to 2^53, or [lo, hi] halves). */
  regs?: Record<number, number | [number, number]>;
  /** Bytes written at DATA (+ offset). */
  mem?: { offset?: number; bytes: number[] | Uint8Array }[];
  mode?: SnippetMode;
  cr0?: number;
  cr4?: number;
  /** Lazy-flag/RFLAGS value before the snippet. */
  rflags?: number;
}

export interface SseResult { cpu: Cpu; rig: SnippetRig; fault: CpuFault | null; stop: Stop }

const CR4_OSFXSR = 1 << 9, CR4_OSXMMEXCPT = 1 << 10;

export function sseRun(code: number[], init: SseInit = {}): SseResult {
  const rig = makeRig(init.mode ?? 'long64');
  const cpu = rig.cpu;
  cpu.cr4 |= CR4_OSFXSR | CR4_OSXMMEXCPT;
  if (init.cr4 !== undefined) cpu.cr4 = init.cr4;
  if (init.cr0 !== undefined) cpu.cr0 = init.cr0;
  let fault: CpuFault | null = null;
  cpu.hooks = {
    deliverFault(c, f) { if (!fault) fault = f; c.requestStop(Stop.Requested); },
    checkInterrupts() {},
  };
  for (const [r, lanes] of Object.entries(init.xmm ?? {})) {
    for (let k = 0; k < 4; k++) cpu.xmm[Number(r) * 4 + k] = lanes[k] ?? 0;
  }
  if (init.mxcsr !== undefined) cpu.mxcsr = init.mxcsr;
  for (const [r, v] of Object.entries(init.regs ?? {})) {
    const [lo, hi] = typeof v === 'number' ? [v >>> 0, Math.floor(v / 0x1_0000_0000)] : v;
    cpu.regs[2 * Number(r)] = lo | 0;
    cpu.regs[2 * Number(r) + 1] = hi | 0;
  }
  for (const m of init.mem ?? []) rig.mem.writeBytes(DATA + (m.offset ?? 0), Uint8Array.from(m.bytes));
  if (init.rflags !== undefined) { cpu.flagsRest = init.rflags | 2; cpu.lop = 0; }
  const stop = runCode(rig, code);
  return { cpu, rig, fault, stop };
}

/** XMM register r as four unsigned 32-bit lanes. */
export function lanes(cpu: Cpu, r: number): number[] {
  return [0, 1, 2, 3].map((k) => cpu.xmm[r * 4 + k] >>> 0);
}

const b32 = new Float32Array(1), u32 = new Uint32Array(b32.buffer);
const b64 = new Float64Array(1), u64 = new Uint32Array(b64.buffer);
/** binary32 bits of a number. */
export const f32 = (v: number): number => { b32[0] = v; return u32[0]; };
/** binary64 bits as [lo, hi]. */
export const f64 = (v: number): [number, number] => { b64[0] = v; return [u64[0], u64[1]]; };
/** Value of binary32 bits. */
export const v32 = (b: number): number => { u32[0] = b; return b32[0]; };
/** Value of binary64 halves. */
export const v64 = (lo: number, hi: number): number => { u64[0] = lo; u64[1] = hi; return b64[0]; };
/** Four binary32 lanes from numbers. */
export const ps = (...v: number[]): number[] => v.map(f32);
/** Two binary64 values as four lanes. */
export const pd = (a: number, b: number): number[] => [...f64(a), ...f64(b)];
/** Little-endian bytes of 32-bit words. */
export const words = (...w: number[]): number[] => w.flatMap((x) => [x & 0xff, (x >>> 8) & 0xff, (x >>> 16) & 0xff, (x >>> 24) & 0xff]);
