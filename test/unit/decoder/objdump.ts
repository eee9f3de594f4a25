// Runs GNU objdump (binutils 2.40) over a batch of test instructions laid out
// in one raw binary, and parses its listing. Each case sits at a known offset
// and is followed by PAD single-byte NOPs: whatever objdump makes of a case
// (longer, shorter, several lines), its decoding is back in step within the
// padding, so one objdump run serves a whole batch.
import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as readline from 'readline';

export type Mode = 16 | 32 | 64;

/** NOP padding after each case: longer than any instruction objdump can start inside a case. */
export const PAD = 16;

let available: boolean | null = null;
export function objdumpAvailable(): boolean {
  if (available === null) {
    const r = spawnSync('objdump', ['--version'], { encoding: 'utf8' });
    available = r.status === 0 && /GNU objdump/.test(r.stdout);
  }
  return available;
}

export interface ObjLine { addr: number; len: number; text: string }

export interface Layout { buf: Buffer; starts: number[] }

/** Places the cases one after another, each followed by PAD NOPs. */
export function layout(cases: ArrayLike<number>[]): Layout {
  let size = 0;
  for (const c of cases) size += c.length + PAD;
  const buf = Buffer.alloc(size, 0x90);
  const starts: number[] = [];
  let at = 0;
  for (const c of cases) {
    starts.push(at);
    for (let k = 0; k < c.length; k++) buf[at + k] = c[k];
    at += c.length + PAD;
  }
  return { buf, starts };
}

function machineArgs(mode: Mode, intel64: boolean): string[] {
  if (mode === 64) return ['-mi386:x86-64', ...(intel64 ? ['-Mintel64'] : [])];
  if (mode === 32) return ['-mi386'];
  return ['-mi8086', '-Maddr16,data16'];
}

/**
 * Disassembles `buf` and returns, for each start in `starts`, the objdump lines
 * that begin within [start, start + 16), in address order (a case that objdump
 * splits into several lines gets all of them). Line lengths come from the next
 * line's address (--no-show-raw-insn keeps the listing small).
 */
export async function objdumpWindows(buf: Buffer, starts: number[], mode: Mode, intel64 = false): Promise<ObjLine[][]> {
  const file = path.join(os.tmpdir(), `nestvirt-objdump-${process.pid}-${Math.random().toString(36).slice(2)}.bin`);
  fs.writeFileSync(file, buf);
  const owner = new Int32Array(buf.length + 1).fill(-1);
  starts.forEach((s, n) => { for (let a = s; a < Math.min(s + 16, buf.length); a++) if (owner[a] < 0) owner[a] = n; });
  const out: ObjLine[][] = starts.map(() => []);
  try {
    await new Promise<void>((resolve, reject) => {
      const child = spawn('objdump', ['-D', '-z', '-b', 'binary', ...machineArgs(mode, intel64), '--no-show-raw-insn', file],
        { stdio: ['ignore', 'pipe', 'pipe'] });
      let err = '';
      child.stderr.on('data', (d) => { err += d; });
      const rl = readline.createInterface({ input: child.stdout, crlfDelay: Infinity });
      let prev: ObjLine | null = null;
      const flush = (nextAddr: number): void => {
        if (!prev) return;
        prev.len = nextAddr - prev.addr;
        const n = owner[prev.addr];
        if (n >= 0) out[n].push(prev);
        prev = null;
      };
      rl.on('line', (line) => {
        const tab = line.indexOf(':\t');
        if (tab < 0) return;
        const addr = parseInt(line.slice(0, tab), 16);
        if (Number.isNaN(addr)) return;
        flush(addr);
        prev = { addr, len: 0, text: line.slice(tab + 2).replace(/\s+/g, ' ').trim() };
      });
      rl.on('close', () => { flush(buf.length); });
      child.on('error', reject);
      child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`objdump exited ${code}: ${err}`))));
    });
  } finally {
    fs.rmSync(file, { force: true });
  }
  return out;
}

/** The plain `objdump -d` listing of an object file's .text: address -> { len, text }. */
export function objdumpText(file: string, extra: string[] = []): ObjLine[] {
  const r = spawnSync('objdump', ['-d', '-z', '--no-show-raw-insn', ...extra, '-j', '.text', file], { encoding: 'utf8', maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`objdump -d ${file}: ${r.stderr}`);
  const lines: ObjLine[] = [];
  for (const line of r.stdout.split('\n')) {
    const m = /^\s*([0-9a-f]+):\t(.*)$/.exec(line);
    if (m) lines.push({ addr: parseInt(m[1], 16), len: 0, text: m[2].replace(/\s+/g, ' ').trim() });
  }
  for (let k = 0; k + 1 < lines.length; k++) lines[k].len = lines[k + 1].addr - lines[k].addr;
  return lines;
}
