// Shared fixtures for the symbol tests: programs compiled at test time with
// gcc and clang (under os.tmpdir()), the example kernels, and parsers for
// the oracles' output (objdump --dwarf=decodedline, readelf
// --debug-dump=frames-interp, objdump -d).

import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const toolCache = new Map<string, boolean>();

/** True when `cmd --version` runs. */
export function have(cmd: string): boolean {
  let ok = toolCache.get(cmd);
  if (ok === undefined) {
    try {
      execFileSync(cmd, ['--version'], { stdio: 'pipe' });
      ok = true;
    } catch {
      ok = false;
    }
    toolCache.set(cmd, ok);
  }
  return ok;
}

let dirCache: string | undefined;
export function tmpDir(): string {
  if (!dirCache) dirCache = fs.mkdtempSync(path.join(os.tmpdir(), 'nestvirt-symbols-'));
  return dirCache;
}

/**
 * Writes `files` (name -> contents) into a fresh directory under tmpDir()
 * and runs `cc args... -o out sources...` there. Returns the output path.
 */
export function compile(cc: string, name: string, files: Record<string, string>, args: string[]): string {
  const dir = path.join(tmpDir(), name);
  fs.mkdirSync(dir, { recursive: true });
  for (const [f, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
    fs.writeFileSync(path.join(dir, f), text);
  }
  const sources = Object.keys(files).filter((f) => /\.(c|S|s)$/.test(f));
  const out = path.join(dir, name);
  execFileSync(cc, [...args, '-o', out, ...sources], { cwd: dir, stdio: 'pipe' });
  return out;
}

/** The example kernels (examples/build/*.elf), built with `make -C examples` when missing. */
export function exampleKernels(): string[] {
  const root = path.join(__dirname, '..', '..', '..', '..');
  const dir = path.join(root, 'examples', 'build');
  // Kernels and the L2 guest images (`*-l2.elf`: a few hundred bytes of
  // code); sweeps with count thresholds scale them with sizeScaled().
  const list = () => (fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.elf')).map((f) => path.join(dir, f)) : []);
  let found = list();
  if (found.length === 0 && have('gcc') && have('make')) {
    try {
      execFileSync('make', ['-C', path.join(root, 'examples')], { stdio: 'pipe' });
    } catch {
      /* reported by the caller as "no kernels" */
    }
    found = list();
  }
  return found.sort();
}

/** Size of the .text section (`size -A`), 0 when there is none. */
export function textSize(file: string): number {
  const out = execFileSync('size', ['-A', file], { encoding: 'utf8' });
  const m = /^\.text\s+(\d+)/m.exec(out);
  return m ? Number(m[1]) : 0;
}

/**
 * A sweep's "checked at least this many" threshold, set for the kernels
 * (over 11 KiB of code each), scaled down for smaller images such as the
 * L2 guests (`*-l2.elf`, under 1 KiB): proportional to .text against
 * 8 KiB, never above `kernelMinimum`, never below 1 (the sweep did check
 * something).
 */
export function sizeScaled(file: string, kernelMinimum: number): number {
  return Math.max(1, Math.min(kernelMinimum, Math.floor((kernelMinimum * textSize(file)) / 8192)));
}

export interface ObjdumpRow {
  address: bigint;
  /** Base name of the file, as objdump prints it in the row. */
  file: string;
  /** The "dir/name:" header above the row (relative path as objdump shows it). */
  header: string;
  /** undefined for end_sequence rows ("-"). */
  line: number | undefined;
  stmt: boolean;
}

/** `objdump --dwarf=decodedline -w` rows, in order. */
export function objdumpLines(file: string): ObjdumpRow[] {
  const out = execFileSync('objdump', ['--dwarf=decodedline', '-w', file], { encoding: 'utf8', maxBuffer: 1 << 28 });
  const rows: ObjdumpRow[] = [];
  let header = '';
  for (const l of out.split('\n')) {
    const m = /^(\S+)\s+(\d+|-)\s+(0x[0-9a-f]+|0)(?:\s+(\d+))?(?:\s+(x))?\s*$/.exec(l);
    if (m) {
      rows.push({ address: BigInt(m[3]), file: m[1], header, line: m[2] === '-' ? undefined : Number(m[2]), stmt: m[5] === 'x' });
      continue;
    }
    const h = /^(\S.*):$/.exec(l);
    if (h && !l.startsWith('Contents of') && !/ file format /.test(l)) header = h[1].replace(/^CU: /, '').replace(/^\.\//, '');
  }
  return rows;
}

export interface ReadelfCfiRow {
  loc: bigint;
  cfa: string;
  regs: Record<string, string>;
}
export interface ReadelfFde {
  section: string;
  start: bigint;
  end: bigint;
  rows: ReadelfCfiRow[];
}

/** `readelf --debug-dump=frames-interp` FDE tables (each row as printed: "rsp+8", "c-16", "u", ...). */
export function readelfFrames(file: string): ReadelfFde[] {
  const out = execFileSync('readelf', ['-W', '--debug-dump=frames-interp', file], { encoding: 'utf8', maxBuffer: 1 << 28 });
  const fdes: ReadelfFde[] = [];
  let section = '';
  let cur: ReadelfFde | undefined;
  let cols: string[] = [];
  for (const l of out.split('\n')) {
    const s = /^Contents of the (\S+) section:/.exec(l);
    if (s) {
      section = s[1];
      cur = undefined;
      continue;
    }
    const f = /^[0-9a-f]+ [0-9a-f]+ [0-9a-f]+ FDE cie=[0-9a-f]+ pc=([0-9a-f]+)\.\.([0-9a-f]+)/.exec(l);
    if (f) {
      cur = { section, start: BigInt('0x' + f[1]), end: BigInt('0x' + f[2]), rows: [] };
      fdes.push(cur);
      continue;
    }
    if (/^[0-9a-f]+ [0-9a-f]+ [0-9a-f]+ CIE/.test(l) || /ZERO terminator/.test(l) || l.trim() === '') {
      cur = undefined;
      continue;
    }
    if (!cur) continue;
    const h = /^\s+LOC\s+CFA\s*(.*)$/.exec(l);
    if (h) {
      cols = h[1].trim().split(/\s+/).filter((c) => c !== '');
      continue;
    }
    const r = /^([0-9a-f]+)\s+(\S+)\s*(.*)$/.exec(l);
    if (r) {
      const vals = r[3].trim().split(/\s+/).filter((c) => c !== '');
      const regs: Record<string, string> = {};
      cols.forEach((c, i) => (regs[c] = vals[i] ?? 'u'));
      cur.rows.push({ loc: BigInt('0x' + r[1]), cfa: r[2], regs });
    }
  }
  return fdes;
}

export interface DisasmInsn {
  address: bigint;
  text: string;
  /** Address of the next instruction in the listing. */
  next?: bigint;
}

/** `objdump -d` grouped by function: name -> instructions. */
export function disassemble(file: string): Map<string, DisasmInsn[]> {
  const out = execFileSync('objdump', ['-d', '-w', '--no-show-raw-insn', file], { encoding: 'utf8', maxBuffer: 1 << 28 });
  const fns = new Map<string, DisasmInsn[]>();
  let cur: DisasmInsn[] | undefined;
  for (const l of out.split('\n')) {
    const f = /^[0-9a-f]+ <([^>]+)>:$/.exec(l);
    if (f) {
      cur = [];
      fns.set(f[1], cur);
      continue;
    }
    const i = /^\s+([0-9a-f]+):\s+(.*)$/.exec(l);
    if (i && cur) {
      const insn: DisasmInsn = { address: BigInt('0x' + i[1]), text: i[2].trim() };
      if (cur.length > 0) cur[cur.length - 1].next = insn.address;
      cur.push(insn);
    }
  }
  return fns;
}

/** The return address of the (first) call from `caller` to `callee`: the address after the call. */
export function returnAddress(fns: Map<string, DisasmInsn[]>, caller: string, callee: string): bigint {
  const body = fns.get(caller);
  if (!body) throw new Error(`no function ${caller} in the disassembly`);
  const call = body.find((i) => /^call\s/.test(i.text) && i.text.includes(`<${callee}>`));
  if (!call || call.next === undefined) throw new Error(`no call from ${caller} to ${callee}`);
  return call.next;
}

/** A little-endian memory image for the unwinder, from a base address and bytes. */
export function memoryReader(base: bigint, bytes: Uint8Array): (address: bigint, size: number) => bigint | undefined {
  return (address, size) => {
    if (address < base) return undefined;
    const off = Number(address - base);
    if (off + size > bytes.length) return undefined;
    let v = 0n;
    for (let i = size - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[off + i]);
    return v;
  };
}

/** A deterministic PRNG (xorshift32) for the fuzz tests. */
export function prng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 0x1_0000_0000;
  };
}
