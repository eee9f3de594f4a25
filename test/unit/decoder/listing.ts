// Compares our disassembly of an object file's .text with `objdump -d`, line
// by line, using the file's symbols for branch targets like objdump does.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { disassemble } from '../../../emulator/x86/decode/disasm';
import { decodeBytes, hexBytes, intel64Exception } from './judge';
import { Mode, ObjLine, objdumpText } from './objdump';

export interface ListingResult { lines: number; compared: number; exceptions: number; mismatches: string[] }

function run(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

export function toolAvailable(cmd: string): boolean {
  return spawnSync(cmd, ['--version'], { encoding: 'utf8' }).status === 0;
}

/** .text of an ELF file: its address and bytes. */
function textSection(file: string): { vma: number; bytes: Buffer } {
  const h = run('objdump', ['-h', file]);
  const m = /^\s*\d+\s+\.text\s+([0-9a-f]+)\s+([0-9a-f]+)/m.exec(h);
  if (!m) throw new Error(`${file}: no .text`);
  const out = path.join(os.tmpdir(), `nestvirt-text-${process.pid}-${Math.random().toString(36).slice(2)}.bin`);
  try {
    run('objcopy', ['-O', 'binary', '--only-section=.text', file, out]);
    return { vma: parseInt(m[2], 16), bytes: fs.readFileSync(out) };
  } finally {
    fs.rmSync(out, { force: true });
  }
}

/**
 * objdump's `<sym+0x..>`: the nearest symbol at or below the address. In a
 * relocatable object every section starts at 0, so only .text symbols count;
 * in an executable all sections share one address space.
 */
function symbolizer(file: string): (addr: number) => string | undefined {
  const relocatable = !/EXEC_P|DYNAMIC/.test(run('objdump', ['-f', file]));
  const syms: { addr: number; name: string; rank: number }[] = [];
  // objdump -t: "addr flags section size name"; flags: l/g, then O (object) / F (function).
  for (const line of run('objdump', ['-t', file]).split('\n')) {
    const m = /^([0-9a-f]+) (.{7}) (\S+)\t[0-9a-f]+ (\S+)$/.exec(line);
    if (!m || m[3] === '*UND*' || m[3] === '*ABS*' && relocatable) continue;
    if (m[2][5] === 'd' || m[2][6] === 'f') continue; // section, debugging and file symbols
    if (relocatable && m[3] !== '.text') continue;
    const typed = /[OF]/.test(m[2][6]);
    syms.push({ addr: parseInt(m[1], 16), name: m[4], rank: (typed ? 2 : 0) + (m[2][0] === 'g' ? 1 : 0) });
  }
  syms.sort((a, b) => a.addr - b.addr);
  return (addr) => {
    // The highest symbol at or below the address; at one address objdump prefers a typed
    // (object/function) symbol, then a global one.
    let best: { addr: number; name: string; rank: number } | undefined;
    for (const s of syms) {
      if (s.addr > addr) break;
      if (!best || s.addr > best.addr || s.rank > best.rank) best = s;
    }
    if (!best) return undefined;
    return addr === best.addr ? best.name : `${best.name}+0x${(addr - best.addr).toString(16)}`;
  };
}

export function compareListing(file: string, mode: Mode): ListingResult {
  const extra = mode === 16 ? ['-M', 'i8086'] : [];
  const listing = objdumpText(file, extra);
  const intel = mode === 64 ? new Map(objdumpText(file, ['-M', 'intel64']).map((l) => [l.addr, l])) : new Map<number, ObjLine>();
  const { vma, bytes } = textSection(file);
  const symbolize = symbolizer(file);
  const res: ListingResult = { lines: listing.length, compared: 0, exceptions: 0, mismatches: [] };
  listing.forEach((l, n) => {
    const off = l.addr - vma;
    if (off < 0 || off >= bytes.length) return;
    const b = bytes.subarray(off, Math.min(off + 15, bytes.length));
    const i = decodeBytes(b, mode);
    const ours = disassemble(i, l.addr, mode, { bytes: b, symbolize }).replace(/\s+/g, ' ').trim();
    const len = n + 1 < listing.length ? l.len : i.len; // the last line's length is not in the listing
    let ref = l;
    if (intel64Exception(i, mode)) { ref = intel.get(l.addr) ?? l; res.exceptions++; }
    // objdump folds FWAIT into a following x87 instruction (see judge.ts EXCEPTIONS.fwaitFold).
    if ((i.entry.h ?? i.entry.m) === 'fwait' && len > i.len) { res.exceptions++; return; }
    // objdump -d does not decode across a symbol boundary: the bytes before it print as
    // ".byte" (code and data mixed in hand-written assembly).
    if (l.text.startsWith('.byte')) { res.exceptions++; return; }
    res.compared++;
    const where = `${file} +0x${l.addr.toString(16)} (bytes ${hexBytes(b, Math.max(i.len, len))})`;
    if (ref.text.includes('(bad)') || ref.text.startsWith('.byte')) {
      if (!i.invalid) res.mismatches.push(`${where}: objdump "${ref.text}", ours valid "${ours}"`);
      return;
    }
    if (i.len !== (ref === l ? len : ref.len)) res.mismatches.push(`${where}: length ${i.len} vs objdump ${len}: ours "${ours}", objdump "${ref.text}"`);
    else if (ours !== ref.text) res.mismatches.push(`${where}: ours "${ours}", objdump "${ref.text}"`);
  });
  return res;
}
