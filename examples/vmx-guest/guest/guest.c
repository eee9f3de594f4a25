/* guest.c — the L2 guest of examples/vmx-guest: a separate freestanding
 * ELF, linked at 0x2000000 and handed to the L1 hypervisor as a multiboot
 * module. It is an ordinary C program as far as it can tell: it prints to
 * COM1, computes a few numbers, asks CPUID who its hypervisor is, and reports
 * its result with a VMCALL. Every IN/OUT and CPUID is a VM exit that L1
 * emulates; built with -g (and -Og) so a debugger stops on its lines.
 */
#include <stdint.h>

#define COM1       0x3f8
#define COM1_LSR   (COM1 + 5)      /* line status register */
#define LSR_THRE   0x20            /* transmit holding register empty */

/* VMCALL ABI agreed with L1 (vmx-guest/main.c): RAX = call, RBX = argument. */
#define HC_DONE    1

static inline void outb(uint16_t port, uint8_t v) { __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port)); }
static inline uint8_t inb(uint16_t port) { uint8_t v; __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port)); return v; }

/* A polled 16550 driver, as on real hardware: wait until the transmitter is
 * empty, then write the byte. Both ports are L1's to emulate. */
static void serial_putc(char c)
{
    while (!(inb(COM1_LSR) & LSR_THRE))
        ;
    outb(COM1, (uint8_t)c);
}

static void serial_puts(const char *s)
{
    while (*s)
        serial_putc(*s++);
}

static void put_dec(uint64_t v)
{
    char buf[21];
    int i = sizeof buf;
    buf[--i] = 0;
    do {
        buf[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    serial_puts(buf + i);
}

struct cpuid_regs { uint32_t eax, ebx, ecx, edx; };

static __attribute__((noinline)) struct cpuid_regs cpuid_leaf(uint32_t leaf)
{
    struct cpuid_regs r;
    __asm__ volatile("cpuid" : "=a"(r.eax), "=b"(r.ebx), "=c"(r.ecx), "=d"(r.edx) : "a"(leaf), "c"(0));
    return r;
}

/* A 12-character CPUID signature from three registers, in the order given:
 * the vendor (leaf 0) is EBX, EDX, ECX; a hypervisor's (leaf 0x40000000)
 * EBX, ECX, EDX. */
static void signature(char out[13], uint32_t a, uint32_t b, uint32_t c)
{
    const uint32_t w[3] = { a, b, c };
    for (int i = 0; i < 12; i++)
        out[i] = (char)(w[i / 4] >> (8 * (i % 4)));
    out[12] = 0;
}

static __attribute__((noinline)) uint64_t fib(unsigned n)
{
    uint64_t a = 0, b = 1;
    for (unsigned i = 0; i < n; i++) {
        uint64_t next = a + b;
        a = b;
        b = next;
    }
    return a;
}

static __attribute__((noinline)) uint64_t sum_of_squares(unsigned n)
{
    uint64_t sum = 0;
    for (unsigned i = 1; i <= n; i++)
        sum += (uint64_t)i * i;
    return sum;
}

static __attribute__((noinline)) void hypercall(uint64_t nr, uint64_t arg)
{
    __asm__ volatile("vmcall" : : "a"(nr), "b"(arg) : "memory");
}

uint64_t guest_main(void)
{
    char sig[13];
    serial_puts("hello from a separate ELF\n");

    uint64_t f = fib(20);
    uint64_t s = sum_of_squares(10);
    serial_puts("fib(20) = ");
    put_dec(f);
    serial_puts(", 1^2 + ... + 10^2 = ");
    put_dec(s);
    serial_puts("\n");

    struct cpuid_regs v = cpuid_leaf(0);
    signature(sig, v.ebx, v.edx, v.ecx);
    serial_puts("CPU vendor: ");
    serial_puts(sig);
    serial_puts("\n");

    struct cpuid_regs h = cpuid_leaf(0x40000000);
    signature(sig, h.ebx, h.ecx, h.edx);
    serial_puts("hypervisor: ");
    serial_puts(sig);
    serial_puts("\n");

    uint64_t result = f + s;
    hypercall(HC_DONE, result);
    return result;
}
