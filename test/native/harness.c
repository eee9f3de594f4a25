/*
 * Native execution harness for differential tests (test/support/native.ts).
 *
 * Reads a batch of test cases on stdin, runs each one's instruction bytes on
 * this machine's CPU and writes one result record per case on stdout.
 *
 * Layout (must match native.ts):
 *   code page  0x100000 (RWX): the case's bytes, then a jump back into
 *              ret64 (64-bit cases: jmp [rip+0] with an absolute address;
 *              compatibility-mode cases: a far jump to CS 0x33).
 *   data       0x200000..0x201fff RW (the case's 256-byte buffer lives at
 *              mem_addr inside it), 0x202000 a PROT_NONE guard page.
 * Registers are loaded from the case record (RSP too), RFLAGS via POPFQ,
 * XMM0-15 and MXCSR likewise. Exceptions arrive as signals; the handler
 * (on its own stack) records the state from the ucontext, with the vector
 * from REG_TRAPNO, and siglongjmps back. 32-bit (compatibility mode) cases
 * far-jump to the kernel's 32-bit user code segment 0x23.
 *
 * Built with: gcc -O1 -no-pie (the return stubs must sit below 4 GiB for the
 * far jump back from compatibility mode).
 */
#define _GNU_SOURCE
#include <signal.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <ucontext.h>
#include <unistd.h>

#define CODE_ADDR 0x100000UL
#define DATA_ADDR 0x200000UL
#define DATA_SIZE 0x2000UL
#define GUARD_ADDR (DATA_ADDR + DATA_SIZE)
#define CODE_MAX 224
#define MAGIC 0x4e565443u /* "CTVN" */

struct case_in {
  uint64_t regs[16];   /* 0 */
  uint64_t rflags;     /* 128 */
  uint64_t mem_addr;   /* 136 */
  uint32_t mxcsr;      /* 144 */
  uint32_t code_len;   /* 148 */
  uint32_t mode;       /* 152: 0 = 64-bit, 1 = compatibility mode (32-bit code) */
  uint32_t pad;        /* 156 */
  uint8_t xmm[256];    /* 160 */
  uint8_t mem[256];    /* 416 */
  uint8_t code[CODE_MAX]; /* 672 */
};                     /* 896 */

struct case_out {
  uint64_t regs[16];   /* 0 */
  uint64_t rflags;     /* 128 */
  uint64_t rip;        /* 136: faulting RIP (0 when none) */
  uint64_t cr2;        /* 144: #PF linear address */
  uint32_t mxcsr;      /* 152 */
  int32_t vector;      /* 156: -1 none, else the exception vector; -2 timeout; -3 other signal */
  uint64_t err;        /* 160: error code */
  uint64_t pad;        /* 168 */
  uint8_t xmm[256];    /* 176 */
  uint8_t mem[256];    /* 432 */
};                     /* 688 */

_Static_assert(sizeof(struct case_in) == 896, "case_in layout");
_Static_assert(sizeof(struct case_out) == 688, "case_out layout");

/* The case being run and its result; the asm stubs address them RIP-relative. */
struct case_in g_in __attribute__((aligned(64)));
struct case_out g_out __attribute__((aligned(64)));
uint64_t h_saved_rsp;
uint64_t h_code_addr = CODE_ADDR;
uint32_t h_default_mxcsr = 0x1f80;
struct __attribute__((packed)) { uint32_t off; uint16_t sel; } h_far32 = { (uint32_t)CODE_ADDR, 0x23 };

extern void run64(void);
extern void run32(void);
extern char ret64[];

/* Loads every GPR (RSP last) from g_in without touching RFLAGS. */
#define LOAD_GPRS \
  "  mov g_in+8(%rip), %rcx\n  mov g_in+16(%rip), %rdx\n  mov g_in+24(%rip), %rbx\n" \
  "  mov g_in+40(%rip), %rbp\n  mov g_in+48(%rip), %rsi\n  mov g_in+56(%rip), %rdi\n" \
  "  mov g_in+64(%rip), %r8\n  mov g_in+72(%rip), %r9\n  mov g_in+80(%rip), %r10\n  mov g_in+88(%rip), %r11\n" \
  "  mov g_in+96(%rip), %r12\n  mov g_in+104(%rip), %r13\n  mov g_in+112(%rip), %r14\n  mov g_in+120(%rip), %r15\n" \
  "  mov g_in+0(%rip), %rax\n" \
  "  mov g_in+32(%rip), %rsp\n"

/*
 * run64/run32: save the callee-saved registers and RSP, load the case state
 * and jump to the code. The code ends with a jump to ret64, which stores
 * the state, restores the harness's own and returns from run64/run32.
 */
__asm__(
  ".text\n"
  ".globl run64\n"
  "run64:\n"
  "  push %rbx; push %rbp; push %r12; push %r13; push %r14; push %r15\n"
  "  mov %rsp, h_saved_rsp(%rip)\n"
  "  call load_vec\n"
  "  pushq g_in+128(%rip)\n"
  "  popfq\n"
  LOAD_GPRS
  "  jmp *h_code_addr(%rip)\n"
  ".globl run32\n"
  "run32:\n"
  "  push %rbx; push %rbp; push %r12; push %r13; push %r14; push %r15\n"
  "  mov %rsp, h_saved_rsp(%rip)\n"
  "  mov $0x2b, %eax\n"          /* flat 32-bit data selector for DS/ES in compatibility mode */
  "  mov %eax, %ds\n"
  "  mov %eax, %es\n"
  "  call load_vec\n"
  "  pushq g_in+128(%rip)\n"
  "  popfq\n"
  LOAD_GPRS
  "  ljmpl *h_far32(%rip)\n"
  "load_vec:\n"
  "  lea g_in+160(%rip), %rax\n"
  "  movdqu 0(%rax), %xmm0\n  movdqu 16(%rax), %xmm1\n  movdqu 32(%rax), %xmm2\n  movdqu 48(%rax), %xmm3\n"
  "  movdqu 64(%rax), %xmm4\n  movdqu 80(%rax), %xmm5\n  movdqu 96(%rax), %xmm6\n  movdqu 112(%rax), %xmm7\n"
  "  movdqu 128(%rax), %xmm8\n  movdqu 144(%rax), %xmm9\n  movdqu 160(%rax), %xmm10\n  movdqu 176(%rax), %xmm11\n"
  "  movdqu 192(%rax), %xmm12\n  movdqu 208(%rax), %xmm13\n  movdqu 224(%rax), %xmm14\n  movdqu 240(%rax), %xmm15\n"
  "  ldmxcsr g_in+144(%rip)\n"
  "  ret\n"
  /* Back from the case (64-bit mode in both cases): store everything RIP-relative first. */
  ".globl ret64\n"
  "ret64:\n"
  "  mov %rax, g_out+0(%rip)\n  mov %rcx, g_out+8(%rip)\n  mov %rdx, g_out+16(%rip)\n  mov %rbx, g_out+24(%rip)\n"
  "  mov %rsp, g_out+32(%rip)\n  mov %rbp, g_out+40(%rip)\n  mov %rsi, g_out+48(%rip)\n  mov %rdi, g_out+56(%rip)\n"
  "  mov %r8, g_out+64(%rip)\n  mov %r9, g_out+72(%rip)\n  mov %r10, g_out+80(%rip)\n  mov %r11, g_out+88(%rip)\n"
  "  mov %r12, g_out+96(%rip)\n  mov %r13, g_out+104(%rip)\n  mov %r14, g_out+112(%rip)\n  mov %r15, g_out+120(%rip)\n"
  "  mov h_saved_rsp(%rip), %rsp\n"
  "  pushfq\n"
  "  popq g_out+128(%rip)\n"
  "  lea g_out+176(%rip), %rax\n"
  "  movdqu %xmm0, 0(%rax)\n  movdqu %xmm1, 16(%rax)\n  movdqu %xmm2, 32(%rax)\n  movdqu %xmm3, 48(%rax)\n"
  "  movdqu %xmm4, 64(%rax)\n  movdqu %xmm5, 80(%rax)\n  movdqu %xmm6, 96(%rax)\n  movdqu %xmm7, 112(%rax)\n"
  "  movdqu %xmm8, 128(%rax)\n  movdqu %xmm9, 144(%rax)\n  movdqu %xmm10, 160(%rax)\n  movdqu %xmm11, 176(%rax)\n"
  "  movdqu %xmm12, 192(%rax)\n  movdqu %xmm13, 208(%rax)\n  movdqu %xmm14, 224(%rax)\n  movdqu %xmm15, 240(%rax)\n"
  "  stmxcsr g_out+152(%rip)\n"
  "  ldmxcsr h_default_mxcsr(%rip)\n"
  "  cld\n"
  "  pop %r15; pop %r14; pop %r13; pop %r12; pop %rbp; pop %rbx\n"
  "  ret\n"
);

static sigjmp_buf jb;
static uint8_t *code_page;
static volatile int in_case;

static void on_signal(int sig, siginfo_t *si, void *ctx) {
  (void)si;
  ucontext_t *uc = (ucontext_t *)ctx;
  if (!in_case) { signal(sig, SIG_DFL); raise(sig); return; }
  greg_t *g = uc->uc_mcontext.gregs;
  static const int order[16] = { REG_RAX, REG_RCX, REG_RDX, REG_RBX, REG_RSP, REG_RBP, REG_RSI, REG_RDI,
    REG_R8, REG_R9, REG_R10, REG_R11, REG_R12, REG_R13, REG_R14, REG_R15 };
  for (int r = 0; r < 16; r++) g_out.regs[r] = (uint64_t)g[order[r]];
  g_out.rflags = (uint64_t)g[REG_EFL];
  g_out.rip = (uint64_t)g[REG_RIP];
  g_out.cr2 = (uint64_t)g[REG_CR2];
  g_out.err = (uint64_t)g[REG_ERR];
  if (sig == SIGALRM) g_out.vector = -2;
  else if (sig == SIGSEGV || sig == SIGBUS || sig == SIGFPE || sig == SIGILL || sig == SIGTRAP) g_out.vector = (int32_t)g[REG_TRAPNO];
  else g_out.vector = -3;
  if (uc->uc_mcontext.fpregs) {
    memcpy(g_out.xmm, uc->uc_mcontext.fpregs->_xmm, 256);
    g_out.mxcsr = uc->uc_mcontext.fpregs->mxcsr;
  }
  in_case = 0;
  siglongjmp(jb, 1);
}

static int read_all(void *buf, size_t n) {
  uint8_t *p = buf;
  while (n > 0) {
    ssize_t r = read(0, p, n);
    if (r <= 0) return -1;
    p += r; n -= (size_t)r;
  }
  return 0;
}

static int write_all(const void *buf, size_t n) {
  const uint8_t *p = buf;
  while (n > 0) {
    ssize_t r = write(1, p, n);
    if (r <= 0) return -1;
    p += r; n -= (size_t)r;
  }
  return 0;
}

int main(int argc, char **argv) {
  int timeout_ms = argc > 1 ? atoi(argv[1]) : 1000;
  code_page = mmap((void *)CODE_ADDR, 0x1000, PROT_READ | PROT_WRITE | PROT_EXEC,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
  void *data = mmap((void *)DATA_ADDR, DATA_SIZE, PROT_READ | PROT_WRITE,
                    MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
  void *guard = mmap((void *)GUARD_ADDR, 0x1000, PROT_NONE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
  if (code_page != (void *)CODE_ADDR || data != (void *)DATA_ADDR || guard != (void *)GUARD_ADDR) {
    fprintf(stderr, "harness: cannot map the fixed code/data pages\n");
    return 2;
  }
  if ((uintptr_t)ret64 >= 0x100000000UL) { fprintf(stderr, "harness: built as PIE above 4 GiB\n"); return 2; }

  static uint8_t altstack[1 << 16];
  stack_t ss = { .ss_sp = altstack, .ss_size = sizeof altstack, .ss_flags = 0 };
  sigaltstack(&ss, NULL);
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = on_signal;
  sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
  sigemptyset(&sa.sa_mask);
  int sigs[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP, SIGALRM };
  for (unsigned k = 0; k < sizeof sigs / sizeof sigs[0]; k++) sigaction(sigs[k], &sa, NULL);

  uint32_t hdr[2];
  if (read_all(hdr, sizeof hdr) || hdr[0] != MAGIC) { fprintf(stderr, "harness: bad input header\n"); return 2; }
  uint32_t n = hdr[1];
  static struct case_in in;
  static struct case_out out;
  for (uint32_t c = 0; c < n; c++) {
    if (read_all(&in, sizeof in)) { fprintf(stderr, "harness: short input\n"); return 2; }
    if (in.code_len > CODE_MAX - 16 || in.mem_addr < DATA_ADDR || in.mem_addr + 256 > DATA_ADDR + DATA_SIZE) {
      fprintf(stderr, "harness: case %u out of bounds\n", c); return 2;
    }
    memcpy(code_page, in.code, in.code_len);
    uint8_t *tail = code_page + in.code_len;
    if (in.mode == 0) {
      /* jmp qword [rip+0]; .quad ret64 */
      tail[0] = 0xff; tail[1] = 0x25; memset(tail + 2, 0, 4);
      uint64_t a = (uint64_t)(uintptr_t)ret64; memcpy(tail + 6, &a, 8);
    } else {
      /* ljmp 0x33:ret64 (EA ptr16:32) */
      tail[0] = 0xea; uint32_t a = (uint32_t)(uintptr_t)ret64; memcpy(tail + 1, &a, 4);
      tail[5] = 0x33; tail[6] = 0x00;
    }
    /* The whole window starts zeroed for every case (the emulator does the same). */
    memset((void *)DATA_ADDR, 0, DATA_SIZE);
    memcpy((void *)(uintptr_t)in.mem_addr, in.mem, 256);
    g_in = in;
    memset(&g_out, 0, sizeof g_out);
    g_out.vector = -1;
    struct itimerval it = { { 0, 0 }, { timeout_ms / 1000, (timeout_ms % 1000) * 1000 } };
    setitimer(ITIMER_REAL, &it, NULL);
    if (sigsetjmp(jb, 1) == 0) {
      in_case = 1;
      if (in.mode == 0) run64(); else run32();
      in_case = 0;
    }
    struct itimerval off = { { 0, 0 }, { 0, 0 } };
    setitimer(ITIMER_REAL, &off, NULL);
    __asm__ volatile("ldmxcsr %0; cld" :: "m"(h_default_mxcsr));
    memcpy(g_out.mem, (void *)(uintptr_t)in.mem_addr, 256);
    out = g_out;
    if (write_all(&out, sizeof out)) return 3;
  }
  return 0;
}
