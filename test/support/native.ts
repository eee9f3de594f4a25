// Runs instruction bytes natively on this machine's CPU (test/native/harness.c,
// compiled with gcc on first use into a temp directory keyed by the source
// hash) and, with the same inputs, on the emulator (a long64 or compat32
// snippet rig). Differential tests compare the two result lists.
//
// Addresses are the same on both sides, so pointer values in results need no
// normalisation: code at CODE_ADDR (0x100000), a data window at DATA_ADDR
// (0x200000, 8 KiB) followed by a not-present guard page at GUARD_ADDR. A
// case's 256-byte buffer sits at `memAddr` inside the window (default:
// MEM_ADDR = the start of the window's last page, so buffer + 0x100 ... the
// end of the page is free for stack and string tests).
import { spawnSync } from 'child_process';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { makeRig, SnippetRig, CODE } from './snippet';
import { Stop } from '../../emulator/x86/cpu';
import { CpuFault } from '../../emulator/x86/fault';
import type { CpuModelLike } from '../../emulator/x86/model';
import { getFlags, setFlags } from '../../emulator/x86/flags';

export const CODE_ADDR = 0x100000;
export const DATA_ADDR = 0x200000;
export const DATA_SIZE = 0x2000;
export const GUARD_ADDR = DATA_ADDR + DATA_SIZE;
export const MEM_ADDR = 0x201000;
export const CODE_MAX = 224 - 16;

const IN_SIZE = 896;
const OUT_SIZE = 688;
const MAGIC = 0x4e565443;

export type NativeMode = 'long64' | 'compat32';

export interface NativeCase {
  /** Instruction bytes (the harness appends the way back; the emulator a HLT). */
  code: number[] | Uint8Array;
  /** RAX..R15 (two's complement BigInts; missing ones are 0). */
  regs?: bigint[];
  /** Initial RFLAGS: only CF PF AF ZF SF OF and DF are taken. */
  rflags?: number;
  /** XMM0..XMM15 as 256 bytes (little-endian, XMM0 first). */
  xmm?: Uint8Array;
  /** Initial MXCSR (default 0x1f80). */
  mxcsr?: number;
  /** The 256-byte memory buffer (default zeros). */
  mem?: Uint8Array;
  /** Where the buffer lives, inside [DATA_ADDR, GUARD_ADDR - 256]; default MEM_ADDR. */
  memAddr?: number;
  /** Registers set to memAddr (+ offset) after `regs` is applied, e.g. [[3, 0], [4, 128]] for RBX and RSP. */
  memRegs?: [number, number][];
  mode?: NativeMode;
}

export interface NativeResult {
  regs: bigint[];
  rflags: number;
  xmm: Uint8Array;
  mxcsr: number;
  mem: Uint8Array;
  /** -1: ran to the end; else the exception vector (-2: timeout, -3: other signal). */
  vector: number;
  /** Error code pushed by the exception (only meaningful for vectors that have one). */
  errorCode: number;
  /** For a fault: the faulting RIP minus CODE_ADDR. */
  faultOffset: number;
  /** For #PF: the faulting linear address. */
  cr2: number;
}

/** Flags the harness loads: the six arithmetic flags and DF. */
export const LOADED_FLAGS = 0x8d5 | 0x400;

const M64 = (1n << 64n) - 1n;

function caseRegs(c: NativeCase): bigint[] {
  const regs: bigint[] = [];
  for (let r = 0; r < 16; r++) regs.push(BigInt.asUintN(64, c.regs?.[r] ?? 0n));
  const base = BigInt(c.memAddr ?? MEM_ADDR);
  for (const [r, off] of c.memRegs ?? []) regs[r] = (base + BigInt(off)) & M64;
  return regs;
}

function checkCase(c: NativeCase, k: number): void {
  const len = c.code.length;
  if (len > CODE_MAX) throw new Error(`case ${k}: code too long (${len} > ${CODE_MAX})`);
  const a = c.memAddr ?? MEM_ADDR;
  if (a < DATA_ADDR || a + 256 > GUARD_ADDR) throw new Error(`case ${k}: memAddr 0x${a.toString(16)} outside the data window`);
}

// ------------------------------------------------------------ native side

const HARNESS_SRC = path.join(__dirname, '..', '..', '..', 'test', 'native', 'harness.c');
let harnessPath: string | null | undefined;
let unavailable = '';

/** Why native runs are impossible here ('' when they work). Compiles the harness on first use. */
export function nativeUnavailable(): string {
  ensureHarness();
  return unavailable;
}

function ensureHarness(): string | null {
  if (harnessPath !== undefined) return harnessPath;
  harnessPath = null;
  if (process.platform !== 'linux' || process.arch !== 'x64') { unavailable = `native harness needs linux/x64 (this is ${process.platform}/${process.arch})`; return null; }
  if (!fs.existsSync(HARNESS_SRC)) { unavailable = `harness source missing: ${HARNESS_SRC}`; return null; }
  const src = fs.readFileSync(HARNESS_SRC);
  const hash = crypto.createHash('sha256').update(src).digest('hex').slice(0, 16);
  const dir = path.join(os.tmpdir(), `nestvirt-native-${hash}`);
  const exe = path.join(dir, 'harness');
  if (!fs.existsSync(exe)) {
    fs.mkdirSync(dir, { recursive: true });
    const tmp = `${exe}.${process.pid}.tmp`;
    const r = spawnSync(process.env.CC || 'gcc', ['-O1', '-no-pie', '-o', tmp, HARNESS_SRC], { encoding: 'utf8' });
    if (r.error || r.status !== 0) {
      unavailable = `cannot compile the native harness: ${r.error?.message ?? r.stderr}`;
      return null;
    }
    fs.renameSync(tmp, exe);
  }
  // Smoke run: zero cases must work (fixed mappings available).
  const probe = spawnSync(exe, [], { input: Buffer.from(new Uint32Array([MAGIC, 0]).buffer) });
  if (probe.status !== 0) { unavailable = `native harness does not run here: ${probe.stderr?.toString() ?? probe.error?.message}`; return null; }
  harnessPath = exe;
  // Compatibility-mode cases need the kernel's 32-bit user code segment (IA-32 emulation).
  try {
    const r = runNative([{ code: [0x90], mode: 'compat32' }]);
    compatOk = r[0].vector === -1;
  } catch { compatOk = false; }
  return exe;
}

let compatOk = false;
/** Whether 'compat32' cases can run natively here (the kernel may lack IA-32 emulation). */
export function nativeSupportsCompat(): boolean {
  ensureHarness();
  return compatOk;
}

function encodeCase(buf: Buffer, at: number, c: NativeCase): void {
  const regs = caseRegs(c);
  for (let r = 0; r < 16; r++) buf.writeBigUInt64LE(regs[r], at + r * 8);
  buf.writeBigUInt64LE(BigInt(((c.rflags ?? 0) & LOADED_FLAGS) | 2), at + 128);
  buf.writeBigUInt64LE(BigInt(c.memAddr ?? MEM_ADDR), at + 136);
  buf.writeUInt32LE(c.mxcsr ?? 0x1f80, at + 144);
  buf.writeUInt32LE(c.code.length, at + 148);
  buf.writeUInt32LE(c.mode === 'compat32' ? 1 : 0, at + 152);
  if (c.xmm) Buffer.from(c.xmm.buffer, c.xmm.byteOffset, 256).copy(buf, at + 160);
  if (c.mem) Buffer.from(c.mem.buffer, c.mem.byteOffset, 256).copy(buf, at + 416);
  Buffer.from(Uint8Array.from(c.code)).copy(buf, at + 672);
}

function decodeResult(buf: Buffer, at: number, mode: NativeMode | undefined): NativeResult {
  const regs: bigint[] = [];
  for (let r = 0; r < 16; r++) regs.push(buf.readBigUInt64LE(at + r * 8));
  const vector = buf.readInt32LE(at + 156);
  const rip = Number(buf.readBigUInt64LE(at + 136));
  const res: NativeResult = {
    regs,
    rflags: Number(buf.readBigUInt64LE(at + 128) & 0xffffffffn),
    xmm: Uint8Array.from(buf.subarray(at + 176, at + 432)),
    mxcsr: buf.readUInt32LE(at + 152),
    mem: Uint8Array.from(buf.subarray(at + 432, at + 688)),
    vector,
    errorCode: vector >= 0 ? Number(buf.readBigUInt64LE(at + 160) & 0xffffffffn) : 0,
    faultOffset: vector >= 0 ? rip - CODE_ADDR : 0,
    cr2: vector === 14 ? Number(buf.readBigUInt64LE(at + 144)) : 0,
  };
  if (mode === 'compat32') truncate32(res);
  return res;
}

/** In compatibility mode only the low 32 bits of RAX..RDI are architectural. */
function truncate32(r: NativeResult): void {
  for (let k = 0; k < 16; k++) r.regs[k] = k < 8 ? r.regs[k] & 0xffffffffn : 0n;
}

/** Runs the cases natively (batched: one harness process per 20000 cases). */
export function runNative(cases: NativeCase[], timeoutMs = 1000): NativeResult[] {
  const exe = ensureHarness();
  if (!exe) throw new Error(unavailable);
  const out: NativeResult[] = [];
  const CHUNK = 20000;
  for (let start = 0; start < cases.length; start += CHUNK) {
    const part = cases.slice(start, start + CHUNK);
    const input = Buffer.alloc(8 + part.length * IN_SIZE);
    input.writeUInt32LE(MAGIC, 0);
    input.writeUInt32LE(part.length, 4);
    part.forEach((c, k) => { checkCase(c, start + k); encodeCase(input, 8 + k * IN_SIZE, c); });
    const r = spawnSync(exe, [String(timeoutMs)], { input, maxBuffer: part.length * OUT_SIZE + 1024 });
    if (r.error) throw r.error;
    if (r.status !== 0) throw new Error(`native harness failed (status ${r.status}, signal ${r.signal}): ${r.stderr.toString()}`);
    const stdout = r.stdout as Buffer;
    if (stdout.length !== part.length * OUT_SIZE) throw new Error(`native harness: ${stdout.length} bytes of output for ${part.length} cases`);
    for (let k = 0; k < part.length; k++) out.push(decodeResult(stdout, k * OUT_SIZE, part[k].mode));
  }
  return out;
}

// ---------------------------------------------------------- emulator side

/**
 * A CPU model that mirrors this machine's CPUID features (from
 * /proc/cpuinfo), so an instruction the host lacks (LZCNT without ABM runs
 * as BSR, POPCNT without the flag is #UD...) behaves the same in both runs.
 * Feature names are QEMU's; they match Linux's cpuinfo names once '-' and
 * '.' become '_' (lahf-lm → lahf_lm, sse4.1 → sse4_1).
 */
export const hostModel: CpuModelLike = (() => {
  let flags = new Set<string>();
  let vendor: 'intel' | 'amd' = 'intel';
  try {
    const info = fs.readFileSync('/proc/cpuinfo', 'utf8');
    const m = /^flags\s*:\s*(.*)$/m.exec(info);
    if (m) flags = new Set(m[1].trim().split(/\s+/));
    if (/^vendor_id\s*:\s*AuthenticAMD/m.test(info)) vendor = 'amd';
  } catch { /* not Linux: every feature on */ }
  return {
    vendor,
    physAddrBits: 40,
    cpuid: () => [0, 0, 0, 0],
    has: (f: string) => flags.size === 0 || flags.has(f.toLowerCase().replace(/[-.]/g, '_')),
  };
})();

const rigs = new Map<NativeMode, SnippetRig>();
const ZERO_WINDOW = new Uint8Array(DATA_SIZE);
let lastFault: CpuFault | null = null;

/**
 * A rig whose address space matches the native process's: only the code
 * page and the data window are present (4 KiB pages), so any access the
 * native run would fault on faults here too, with the same CR2.
 */
function rigFor(mode: NativeMode): SnippetRig {
  let rig = rigs.get(mode);
  if (rig) return rig;
  rig = makeRig(mode, hostModel);
  const mem = rig.mem;
  const pd = 0x3000, ptLow = 0x5000, ptData = 0x4000;
  const w64 = (a: number, lo: number): void => { mem.write(a, 4, lo >>> 0); mem.write(a + 4, 4, 0); };
  for (let k = 0; k < 512; k++) {
    w64(pd + k * 8, 0);
    const low = k * 4096, data = DATA_ADDR + k * 4096;
    w64(ptLow + k * 8, low === CODE_ADDR ? (low | 7) : 0);
    w64(ptData + k * 8, data >= DATA_ADDR && data < GUARD_ADDR ? (data | 7) : 0);
  }
  w64(pd, ptLow | 7);
  w64(pd + (DATA_ADDR >> 21) * 8, ptData | 7);
  rig.cpu.mmu.flushAll();
  // Record exceptions instead of delivering them (there is no IDT): the run stops at the faulting instruction.
  rig.cpu.hooks = {
    deliverFault(cpu, f) { lastFault = f; cpu.requestStop(Stop.Requested); },
    checkInterrupts() {},
  };
  rigs.set(mode, rig);
  return rig;
}

/** Runs the cases on the emulator with the native layout; results have the NativeResult shape. */
export function runEmulated(cases: NativeCase[], maxInsns = 100000): NativeResult[] {
  return cases.map((c, k) => {
    checkCase(c, k);
    const mode = c.mode ?? 'long64';
    const rig = rigFor(mode);
    const cpu = rig.cpu;
    const regs = caseRegs(c);
    for (let r = 0; r < 16; r++) {
      cpu.regs[2 * r] = Number(regs[r] & 0xffffffffn) | 0;
      cpu.regs[2 * r + 1] = Number(regs[r] >> 32n) | 0;
    }
    setFlags(cpu, ((c.rflags ?? 0) & LOADED_FLAGS) | 2);
    cpu.xmm.fill(0);
    if (c.xmm) cpu.xmm.set(new Int32Array(Uint8Array.from(c.xmm).buffer));
    cpu.mxcsr = c.mxcsr ?? 0x1f80;
    const memAddr = c.memAddr ?? MEM_ADDR;
    // The whole window starts zeroed for every case, as in the harness.
    rig.mem.writeBytes(DATA_ADDR, ZERO_WINDOW);
    rig.mem.writeBytes(memAddr, c.mem ? Uint8Array.from(c.mem) : new Uint8Array(256));
    lastFault = null;
    cpu.halted = false;
    cpu.mmu.flushAll();
    const code = Uint8Array.from([...c.code, 0xf4]);
    rig.mem.writeBytes(CODE, code);
    cpu.flushCodeCache();
    cpu.rip = CODE;
    const stop = cpu.run(maxInsns);
    const out: bigint[] = [];
    for (let r = 0; r < 16; r++) out.push((BigInt(cpu.regs[2 * r + 1] >>> 0) << 32n) | BigInt(cpu.regs[2 * r] >>> 0));
    const xmm = new Uint8Array(256);
    xmm.set(new Uint8Array(cpu.xmm.buffer, cpu.xmm.byteOffset, 256));
    const f = lastFault as CpuFault | null;
    const vector = f ? f.vector : stop === Stop.Halted ? -1 : -2;
    const res: NativeResult = {
      regs: out,
      rflags: getFlags(cpu),
      xmm,
      mxcsr: cpu.mxcsr,
      mem: rig.mem.readBytes(memAddr, 256),
      vector,
      errorCode: f && f.errorCode >= 0 ? f.errorCode : 0,
      faultOffset: f ? cpu.rip - CODE : 0,
      cr2: f && f.vector === 14 ? f.cr2 : 0,
    };
    if (mode === 'compat32') truncate32(res);
    return res;
  });
}
