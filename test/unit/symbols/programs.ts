// Test programs compiled at test time: a freestanding multi-file program
// (a header with an inline function, a source in a subdirectory, an
// assembly file) built with gcc and clang at several DWARF versions, and a
// hosted program with a known call chain for the unwinder.

import { compile, have } from './helpers';

export const PROGRAM_FILES: Record<string, string> = {
  'main.c': `#include "inc/helper.h"
int util_value(int x);
int counter;

static int square(int x)
{
    return x * x;
}

int add_all(int n)
{
    int s = 0;
    for (int i = 0; i < n; i++) {
        s += square(i);
        s += helper_twice(i);
    }
    return s;
}

/* Two blank lines and this comment lie between functions. */

void _start(void)
{
    counter = add_all(10) + util_value(3);
    for (;;)
        ;
}
`,
  'inc/helper.h': `static inline int helper_twice(int v)
{
    int r = v * 2;
    return r + 1;
}
`,
  'lib/util.c': `int util_value(int x)
{
    int y = x + 1;
    return y * 3;
}
`,
  'asm.S': `    .text
    .globl asm_entry
    .type asm_entry, @function
asm_entry:
    nop
    mov $1, %eax
    ret
    .size asm_entry, .-asm_entry
`,
};

export interface Toolchain {
  name: string;
  cc: string;
  args: string[];
}

const FREESTANDING = ['-ffreestanding', '-nostdlib', '-static', '-fno-pic', '-fno-stack-protector'];

/** The freestanding program's builds; clang ones only when clang is installed. */
export function programToolchains(): Toolchain[] {
  const list: Toolchain[] = [
    { name: 'gcc-O2-dwarf2', cc: 'gcc', args: ['-O2', '-gdwarf-2', '-no-pie'] },
    { name: 'gcc-O2-dwarf3', cc: 'gcc', args: ['-O2', '-gdwarf-3', '-no-pie'] },
    { name: 'gcc-O2-dwarf4', cc: 'gcc', args: ['-O2', '-gdwarf-4', '-no-pie'] },
    { name: 'gcc-O2-dwarf5', cc: 'gcc', args: ['-O2', '-gdwarf-5', '-no-pie'] },
    { name: 'gcc-O0-dwarf5', cc: 'gcc', args: ['-O0', '-g', '-no-pie'] },
    { name: 'gcc-O2-dwarf64', cc: 'gcc', args: ['-O2', '-gdwarf-5', '-gdwarf64', '-no-pie'] },
    { name: 'gcc-m32-dwarf4', cc: 'gcc', args: ['-m32', '-O2', '-gdwarf-4', '-no-pie'] },
    { name: 'gcc-m32-dwarf5', cc: 'gcc', args: ['-m32', '-O2', '-gdwarf-5', '-no-pie'] },
  ];
  if (have('clang')) {
    list.push(
      { name: 'clang-O2-dwarf5', cc: 'clang', args: ['-O2', '-g', '-no-pie', '-Wno-unused-command-line-argument'] },
      { name: 'clang-O0-dwarf5', cc: 'clang', args: ['-O0', '-gdwarf-5', '-no-pie', '-Wno-unused-command-line-argument'] },
      { name: 'clang-O2-dwarf4', cc: 'clang', args: ['-O2', '-gdwarf-4', '-no-pie', '-Wno-unused-command-line-argument'] },
      { name: 'clang-m32-dwarf5', cc: 'clang', args: ['-m32', '-O2', '-gdwarf-5', '-no-pie', '-Wno-unused-command-line-argument'] },
    );
  }
  return list;
}

const built = new Map<string, string>();

/** Builds the freestanding program with one toolchain (cached per process). */
export function buildProgram(t: Toolchain): string {
  let p = built.get(t.name);
  if (!p) {
    p = compile(t.cc, `prog-${t.name}`, PROGRAM_FILES, [...FREESTANDING, ...t.args]);
    built.set(t.name, p);
  }
  return p;
}

/**
 * A hosted program whose innermost function captures its registers and
 * prints them with its stack: `R rip rsp rbp rbx r12 r13 r14 r15` and
 * `M base hexbytes`. Call chain: main -> level1 -> level2 -> level3 -> capture.
 * level3 uses alloca, so its CFA is rbp-based even without frame pointers.
 */
export const UNWIND_SOURCE = `#include <stdio.h>
#include <stdint.h>
#include <alloca.h>
#include <string.h>

static uintptr_t stack_top;
volatile int sink;

__attribute__((noinline)) static void dump(uint64_t *r)
{
    printf("R");
    for (int i = 0; i < 8; i++)
        printf(" %llx", (unsigned long long)r[i]);
    printf("\\nM %llx ", (unsigned long long)r[1]);
    for (unsigned char *p = (unsigned char *)(uintptr_t)r[1]; (uintptr_t)p < stack_top; p++)
        printf("%02x", *p);
    printf("\\n");
}

__attribute__((noinline)) int capture(int x)
{
    uint64_t r[8];
    __asm__ volatile(
        "lea 0(%%rip), %%rax\\n\\t"
        "mov %%rax, 0(%0)\\n\\t"
        "mov %%rsp, 8(%0)\\n\\t"
        "mov %%rbp, 16(%0)\\n\\t"
        "mov %%rbx, 24(%0)\\n\\t"
        "mov %%r12, 32(%0)\\n\\t"
        "mov %%r13, 40(%0)\\n\\t"
        "mov %%r14, 48(%0)\\n\\t"
        "mov %%r15, 56(%0)\\n\\t"
        : : "r"(r) : "rax", "memory");
    dump(r);
    return x + (int)r[0];
}

__attribute__((noinline)) int level3(int x)
{
    char *buf = alloca(x + 16);
    memset(buf, x, x + 16);
    int v = capture(buf[x]);
    sink = v;
    return v + buf[1];
}

__attribute__((noinline)) int level2(int x)
{
    int a = x * 3, b = x * 5, c = x * 7;
    int v = level3(x + 1);
    sink = a + b + c;
    return v + a * b - c;
}

__attribute__((noinline)) int level1(int x)
{
    int v = level2(x + 2);
    sink = v;
    return v * 2;
}

int main(void)
{
    volatile char top;
    stack_top = (uintptr_t)&top + 64;
    return level1(3) == 12345;
}
`;

export interface UnwindBuild {
  name: string;
  cc: string;
  args: string[];
  /** objcopy the call frame sections away, to test the frame-pointer fallback. */
  stripCfi?: boolean;
  /** Which section should describe the chain's functions. */
  cfiSection?: '.eh_frame' | '.debug_frame';
}

export function unwindBuilds(): UnwindBuild[] {
  const list: UnwindBuild[] = [
    { name: 'gcc-fp', cc: 'gcc', args: ['-O2', '-g', '-fno-omit-frame-pointer'], cfiSection: '.eh_frame' },
    { name: 'gcc-nofp', cc: 'gcc', args: ['-O2', '-g', '-fomit-frame-pointer'], cfiSection: '.eh_frame' },
    { name: 'gcc-O0', cc: 'gcc', args: ['-O0', '-g'], cfiSection: '.eh_frame' },
    {
      name: 'gcc-debug-frame',
      cc: 'gcc',
      args: ['-O2', '-g', '-fno-omit-frame-pointer', '-fno-asynchronous-unwind-tables', '-fno-unwind-tables'],
      cfiSection: '.debug_frame',
    },
    { name: 'gcc-fp-no-cfi', cc: 'gcc', args: ['-O2', '-g', '-fno-omit-frame-pointer'], stripCfi: true },
  ];
  if (have('clang')) list.push({ name: 'clang-O2', cc: 'clang', args: ['-O2', '-g', '-fno-pie'], cfiSection: '.eh_frame' });
  return list;
}

export function buildUnwind(b: UnwindBuild): string {
  let p = built.get(`unwind-${b.name}`);
  if (!p) {
    p = compile(b.cc, `unwind-${b.name}`, { 'unwind.c': UNWIND_SOURCE }, [...b.args, '-no-pie']);
    built.set(`unwind-${b.name}`, p);
  }
  return p;
}
