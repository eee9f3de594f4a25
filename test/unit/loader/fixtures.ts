// Tiny kernels built with gcc at test time (written under os.tmpdir()), for
// the ELF and multiboot loader tests. Nothing here depends on QEMU.

import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

let gccOk: boolean | undefined;

/** True when gcc can build -m32 and -m64 freestanding objects here. */
export function haveGcc(): boolean {
  if (gccOk === undefined) {
    try {
      const dir = tmpDir();
      const src = path.join(dir, 'probe.S');
      fs.writeFileSync(src, '.text\n.globl _start\n_start: ret\n');
      for (const m of ['-m32', '-m64']) {
        execFileSync('gcc', [m, '-c', '-o', path.join(dir, `probe${m}.o`), src], { stdio: 'pipe' });
      }
      gccOk = true;
    } catch {
      gccOk = false;
    }
  }
  return gccOk;
}

let dirCache: string | undefined;
export function tmpDir(): string {
  if (!dirCache) {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), 'nestvirt-loader-'));
    dirCache = d;
    if (!process.env.NESTVIRT_KEEP_FIXTURES) process.on('exit', () => fs.rmSync(d, { recursive: true, force: true }));
  }
  return dirCache;
}

export interface Built {
  path: string;
  bytes: Uint8Array;
}

/** Compiles and links `files` (name -> contents) with gcc; returns the ELF. */
export function build(name: string, bits: 32 | 64, files: Record<string, string>, ldScript: string, extraFlags: string[] = []): Built {
  const dir = path.join(tmpDir(), name);
  fs.mkdirSync(dir, { recursive: true });
  const srcs: string[] = [];
  for (const [f, text] of Object.entries(files)) {
    const p = path.join(dir, f);
    fs.writeFileSync(p, text);
    srcs.push(p);
  }
  const ld = path.join(dir, 'link.ld');
  fs.writeFileSync(ld, ldScript);
  const out = path.join(dir, `${name}.elf`);
  execFileSync(
    'gcc',
    [
      `-m${bits}`, '-g', '-O1', '-ffreestanding', '-fno-pic', '-fno-stack-protector', '-fno-asynchronous-unwind-tables',
      '-nostdlib', '-static', '-no-pie', `-Wl,-T,${ld}`, '-Wl,--build-id=none', '-Wl,-z,noexecstack',
      ...extraFlags, '-o', out, ...srcs,
    ],
    { stdio: 'pipe' },
  );
  return { path: out, bytes: new Uint8Array(fs.readFileSync(out)) };
}

/** Multiboot header in GNU as syntax; flags 0x3 (page-align modules, want memory info). */
const MB_HEADER = `
.section .multiboot, "a"
.align 4
mb_header:
.long 0x1BADB002
.long MB_FLAGS
.long -(0x1BADB002 + MB_FLAGS)
`;

const C_PART = `
int counter = 42;
char bss_buf[8192];
unsigned int mb_info_addr;
void kmain(unsigned int magic, unsigned int info) {
  mb_info_addr = info;
  counter += (int)magic;
  bss_buf[0] = 1;
  for (;;) __asm__ volatile("hlt");
}
`;

const ENTRY32 = `
.text
.code32
.globl _start
.type _start, @function
_start:
  mov $stack_top, %esp
  push %ebx
  push %eax
  call kmain
1: hlt
  jmp 1b
.size _start, . - _start
.bss
.align 16
stack_bottom:
.space 4096
stack_top:
`;

const LD_LOW = (base: string) => `
ENTRY(_start)
SECTIONS {
  . = ${base};
  .multiboot : { *(.multiboot) }
  .text : { *(.text*) }
  .rodata : { *(.rodata*) }
  .data : { *(.data*) }
  _edata = .;
  .bss : { *(.bss*) *(COMMON) }
  _end = .;
}
`;

/** ELF32 multiboot kernel (flags 0x3) linked at `base` (default 1 MiB), with C code and debug info. */
export function mb32(name = 'mb32', base = '0x100000', flags = '0x3'): Built {
  return build(name, 32, { 'entry.S': `.set MB_FLAGS, ${flags}\n${MB_HEADER}${ENTRY32}`, 'kmain.c': C_PART }, LD_LOW(base));
}

/** ELF32 kernel without a multiboot header. */
export function noHeader32(): Built {
  return build('nohdr32', 32, { 'entry.S': ENTRY32, 'kmain.c': C_PART }, LD_LOW('0x100000'));
}

/**
 * ELF64 kernel with the multiboot a.out kludge (flags bit 16): the header
 * gives header/load/load_end/bss_end/entry addresses; entry is 32-bit code.
 * With `kludge = false` the same file has a plain header (QEMU refuses it).
 */
export function mb64(kludge = true): Built {
  const flags = kludge ? '0x00010003' : '0x00000003';
  const header = `
.set MB_FLAGS, ${flags}
.section .multiboot, "a"
.align 4
mb_header:
.long 0x1BADB002
.long MB_FLAGS
.long -(0x1BADB002 + MB_FLAGS)
.long mb_header
.long _load_start
.long _edata
.long _end
.long _start
`;
  const ld = `
ENTRY(_start)
SECTIONS {
  . = 0x100000;
  _load_start = .;
  .multiboot : { *(.multiboot) }
  .text : { *(.text*) }
  .rodata : { *(.rodata*) }
  .data : { *(.data*) }
  _edata = .;
  .bss : { *(.bss*) *(COMMON) }
  _end = .;
}
`;
  return build(kludge ? 'mb64k' : 'mb64nk', 64, { 'entry.S': header + ENTRY32, 'kmain.c': C_PART }, ld, ['-mno-red-zone']);
}

/**
 * Higher-half ELF32: code linked at 0xC0100000, loaded at 1 MiB (AT()), so
 * p_vaddr != p_paddr and e_entry is virtual.
 */
export function higherHalf32(): Built {
  const ld = `
ENTRY(_start)
SECTIONS {
  . = 0xC0100000;
  .multiboot : AT(0x100000) { *(.multiboot) }
  .text : AT(ADDR(.text) - 0xC0000000) { *(.text*) }
  .data : AT(ADDR(.data) - 0xC0000000) { *(.data*) *(.rodata*) }
  .bss : AT(ADDR(.bss) - 0xC0000000) { *(.bss*) *(COMMON) }
}
`;
  const entry = `.set MB_FLAGS, 0x3\n${MB_HEADER}
.text
.globl _start
.type _start, @function
_start:
  cli
1: hlt
  jmp 1b
.data
.long 0x12345678
`;
  return build('hh32', 32, { 'entry.S': entry }, ld);
}

/**
 * The exact kernel used when measuring QEMU 7.2 (`-kernel` + monitor `xp`):
 * header flags 3, 4 bytes of code, 4 bytes of data, 8 KiB bss, at 1 MiB;
 * its multiboot image is 0x2014 bytes.
 */
export function qemuProbeKernel(): Built {
  const entry = `.set MB_FLAGS, 0x3\n${MB_HEADER}
.text
.globl _start
_start:
  cli
1: hlt
  jmp 1b
.data
.long 0x12345678
.bss
.space 8192
`;
  const ld = `
ENTRY(_start)
SECTIONS {
  . = 0x100000;
  .multiboot : { *(.multiboot) }
  .text : { *(.text) }
  .data : { *(.data) }
  .bss : { *(.bss) }
}
`;
  return build('qemuprobe', 32, { 'k.S': entry }, ld, ['-g0']);
}

/** `nm -S --defined-only` output as name -> {value, size}, or null when nm is missing. */
export function nmSymbols(file: string): Map<string, { value: bigint; size: bigint | null; type: string }> | null {
  let out: string;
  try {
    out = execFileSync('nm', ['-S', '--defined-only', file], { stdio: 'pipe' }).toString();
  } catch {
    return null;
  }
  const m = new Map<string, { value: bigint; size: bigint | null; type: string }>();
  for (const line of out.split('\n')) {
    const p = line.trim().split(/\s+/);
    if (p.length === 4) m.set(p[3], { value: BigInt('0x' + p[0]), size: BigInt('0x' + p[1]), type: p[2] });
    else if (p.length === 3) m.set(p[2], { value: BigInt('0x' + p[0]), size: null, type: p[1] });
  }
  return m;
}

/** Section names from `readelf -SW`, or null when readelf is missing. */
export function readelfSectionNames(file: string): string[] | null {
  try {
    const out = execFileSync('readelf', ['-SW', file], { stdio: 'pipe' }).toString();
    const names: string[] = [];
    for (const line of out.split('\n')) {
      const mm = /^\s*\[\s*(\d+)\]\s+(\S+)/.exec(line);
      if (mm && mm[1] !== '0') names.push(mm[2]);
    }
    return names;
  } catch {
    return null;
  }
}

/** Deterministic PRNG (mulberry32) for the fuzz tests. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
