/*
 * Compiled at test time (gcc -O2 -c -ffreestanding -mno-red-zone, for 64-, 32-
 * and 16-bit code) and disassembled by objdump and by nestvirt: the listings
 * must agree. The code is shaped like an L1 hypervisor's: integer work, string
 * moves, atomics, floating point, and the system instructions as inline asm.
 */
typedef unsigned long ulong;
typedef unsigned int u32;
typedef unsigned short u16;
typedef unsigned char u8;
typedef unsigned long long u64;

struct regs { ulong rax, rbx, rcx, rdx, rsi, rdi, rbp, r8, r9, r10, r11, r12, r13, r14, r15; };

volatile u32 counter;
static char buffer[4096];
const char *names[] = { "vmcall", "cpuid", "hlt", "io", "msr", "ept" };

static inline u64 rdmsr(u32 msr) {
  u32 lo, hi;
  __asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
  return ((u64)hi << 32) | lo;
}

static inline void wrmsr(u32 msr, u64 v) {
  __asm__ volatile("wrmsr" : : "c"(msr), "a"((u32)v), "d"((u32)(v >> 32)));
}

static inline void cpuid(u32 leaf, u32 *a, u32 *b, u32 *c, u32 *d) {
  __asm__ volatile("cpuid" : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d) : "a"(leaf), "c"(0));
}

static inline void outb(u16 port, u8 v) { __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port)); }
static inline u8 inb(u16 port) { u8 v; __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port)); return v; }

void serial_puts(const char *s) {
  while (*s) {
    while (!(inb(0x3fd) & 0x20)) __asm__ volatile("pause");
    outb(0x3f8, (u8)*s++);
  }
}

int format_hex(char *out, ulong v, int width) {
  static const char digits[] = "0123456789abcdef";
  int n = 0;
  for (int k = width - 1; k >= 0; k--) out[n++] = digits[(v >> (k * 4)) & 15];
  out[n] = 0;
  return n;
}

ulong checksum(const u8 *p, ulong n) {
  ulong a = 1, b = 0;
  for (ulong k = 0; k < n; k++) { a = (a + p[k]) % 65521; b = (b + a) % 65521; }
  return (b << 16) | a;
}

long divide(long a, long b, long *rem) { *rem = a % b; return a / b; }
ulong udivide(ulong a, ulong b) { return a / b + a % 7; }
int popcount_loop(ulong v) { int n = 0; while (v) { v &= v - 1; n++; } return n; }
int lowest_bit(ulong v) { return __builtin_ctzl(v) + __builtin_clzl(v | 1); }
ulong rotate(ulong v, int n) { return (v << n) | (v >> (64 - n)); }
int sign(long v) { return (v > 0) - (v < 0); }
short widen(signed char c, unsigned char u) { return (short)(c * u); }
long long mul64(long long a, long long b) { return a * b + (a >> 3); }

void copy_regs(struct regs *dst, const struct regs *src) { *dst = *src; }
void clear_page(void *p) { __builtin_memset(p, 0, 4096); }
void copy_page(void *d, const void *s) { __builtin_memcpy(d, s, 4096); }

int dispatch(int reason, struct regs *r) {
  switch (reason) {
    case 0: r->rax = 1; break;
    case 10: r->rbx = r->rax * 3; break;
    case 12: r->rcx ^= r->rdx; break;
    case 18: r->rdx = r->rsi + r->rdi; break;
    case 28: r->r8 = r->r9 << 2; break;
    case 30: r->r10 = r->r11 >> 5; break;
    case 31: r->r12 = ~r->r13; break;
    case 32: r->r14 = -r->r15; break;
    case 48: r->rbp = 0; break;
    default: return -1;
  }
  return names[reason % 6][0];
}

int atomics(volatile int *p, long *q) {
  int old = __atomic_fetch_add(p, 5, __ATOMIC_SEQ_CST);
  __atomic_fetch_or(p, 0x10, __ATOMIC_SEQ_CST);
  int expected = 3;
  __atomic_compare_exchange_n(p, &expected, 7, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
  long x = __atomic_exchange_n(q, 9, __ATOMIC_SEQ_CST);
  __atomic_thread_fence(__ATOMIC_SEQ_CST);
  return old + (int)x;
}

double average(const double *v, int n) {
  double s = 0;
  for (int k = 0; k < n; k++) s += v[k] * 0.5 + (double)k;
  return n ? s / n : 0.0;
}

float scale(float a, int b) { return a * (float)b - 1.0f; }
long to_int(double d) { return (long)d; }

#ifdef __x86_64__
struct dtr { u16 limit; ulong base; } __attribute__((packed));

ulong system_ops(ulong value, struct dtr *gdt) {
  ulong cr0, cr3, cr4;
  __asm__ volatile("mov %%cr0, %0" : "=r"(cr0));
  __asm__ volatile("mov %%cr3, %0" : "=r"(cr3));
  __asm__ volatile("mov %%cr4, %0" : "=r"(cr4));
  __asm__ volatile("mov %0, %%cr4" : : "r"(cr4 | 0x2000));
  __asm__ volatile("mov %0, %%cr8" : : "r"(value & 15));
  __asm__ volatile("lgdt %0" : : "m"(*gdt));
  __asm__ volatile("sgdt %0" : "=m"(*gdt));
  __asm__ volatile("lidt %0" : : "m"(*gdt));
  __asm__ volatile("ltr %w0" : : "r"(0x28));
  __asm__ volatile("invlpg (%0)" : : "r"(value) : "memory");
  __asm__ volatile("cli; sti; hlt; swapgs; wbinvd" ::: "memory");
  __asm__ volatile("mov %0, %%dr7" : : "r"(value));
  return cr0 ^ cr3 ^ rdmsr(0xc0000080);
}

int vmx_ops(ulong field, ulong *value, u64 *vmcs) {
  u8 fail;
  __asm__ volatile("vmxon %0" : : "m"(*vmcs) : "cc");
  __asm__ volatile("vmclear %0; vmptrld %0" : : "m"(*vmcs) : "cc");
  __asm__ volatile("vmread %1, %0" : "=r"(*value) : "r"(field) : "cc");
  __asm__ volatile("vmwrite %1, %0" : : "r"(field), "rm"(*value) : "cc");
  __asm__ volatile("vmlaunch; setna %0" : "=q"(fail) : : "cc", "memory");
  __asm__ volatile("vmresume; vmcall; vmxoff" ::: "cc", "memory");
  struct { u64 eptp, zero; } desc = { *vmcs, 0 };
  __asm__ volatile("invept %0, %1" : : "m"(desc), "r"(1UL) : "cc");
  __asm__ volatile("invvpid %0, %1" : : "m"(desc), "r"(2UL) : "cc");
  __asm__ volatile("vmptrst %0" : "=m"(*vmcs));
  return fail;
}

void svm_ops(ulong vmcb) {
  __asm__ volatile("clgi; vmload %%rax; vmrun %%rax; vmsave %%rax; stgi" : : "a"(vmcb) : "memory");
  __asm__ volatile("vmmcall; invlpga %%rax, %%ecx" : : "a"(vmcb), "c"(0) : "memory");
}

void misc_ops(void *area, ulong *p) {
  u32 aux;
  ulong t;
  __asm__ volatile("xsave (%0)" : : "r"(area), "a"(7), "d"(0) : "memory");
  __asm__ volatile("xrstor (%0)" : : "r"(area), "a"(7), "d"(0) : "memory");
  __asm__ volatile("fxsave64 (%0); fxrstor64 (%0)" : : "r"(area) : "memory");
  __asm__ volatile("rdtscp" : "=a"(t), "=c"(aux) : : "rdx");
  __asm__ volatile("lock cmpxchg16b %0" : "+m"(*p) : "a"(0), "d"(0), "b"(1), "c"(2) : "cc");
  __asm__ volatile("rep movsb" : : "D"(area), "S"(p), "c"(64) : "memory");
  __asm__ volatile("rep stosq" : : "D"(area), "a"(0), "c"(8) : "memory");
  __asm__ volatile("mfence; lfence; sfence; clflush (%0)" : : "r"(p) : "memory");
  __asm__ volatile("iretq; sysretq; ud2" ::: "memory");
}
#endif
