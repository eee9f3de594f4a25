/* runtime.h — the freestanding runtime every example kernel links with.
 *
 * Boot: boot.S enters long mode with the first 4 GiB identity mapped, SSE
 * enabled, the GDT/IDT/TSS loaded, COM1 initialised and the 8259 PICs
 * masked, then calls kmain(). kmain's return value is passed to exit().
 */
#ifndef NESTVIRT_RUNTIME_H
#define NESTVIRT_RUNTIME_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "layout.h"
#include "multiboot.h"
#include "x86.h"

/* Implemented by each kernel. mbi is NULL if not booted by multiboot. */
int kmain(struct multiboot_info *mbi);

/* ---- exit, panic --------------------------------------------------------- */
/* Writes code to isa-debug-exit (port 0xf4): QEMU exits with (code<<1)|1.
 * Without that device it halts forever. */
void exit(int code) __attribute__((noreturn));
void panic(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));

/* ---- COM1 console -------------------------------------------------------- */
/* Bytes go out unchanged ('\n' is not turned into "\r\n") so captured output
 * is plain text. printf takes no lock: on SMP, serialize callers. */
void serial_putc(char c);
void serial_write(const char *s, size_t n);
int printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int vprintf(const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int puts(const char *s);             /* appends '\n' */

/* ---- memory and strings (gcc may emit calls to the first four) ----------- */
void *memset(void *d, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
void *memmove(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);
char *strrchr(const char *s, int c);

/* ---- traps and interrupts ------------------------------------------------ */
/* What trap.S saves, lowest address first. Changes made by a handler are
 * restored into the CPU on return (including cr0, see trap.S). */
struct trap_frame {
    uint64_t cr0;
    uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
    uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
    uint64_t vector, error;          /* error is 0 if the CPU pushes none */
    uint64_t rip, cs, rflags, rsp, ss;
};

/* A handler returns true if it dealt with the trap (execution resumes from
 * the frame, silently), false to fall back to the default: exceptions are
 * reported on COM1, then recovered as armed below, else the kernel exits
 * with EXIT_TRAP. Handlers stay installed; pass NULL to remove. */
typedef bool (*trap_handler_t)(struct trap_frame *f);
void trap_set_handler(int vector, trap_handler_t h);
/* One-shot recoveries, used once and then disarmed (a fault repeating
 * unexpectedly ends the run instead of looping): after the report, resume at
 * rip + len (skip the faulting instruction; 0 for traps like #BP, whose saved
 * RIP is already past the instruction), or at a fixed address. */
void trap_recover_skip(int vector, unsigned len);
void trap_recover_at(int vector, const void *rip);
const char *trap_mnemonic(int vector);    /* "#PF", or "" */
const char *trap_description(int vector); /* "page fault" */
/* Gate attributes (all gates are 64-bit interrupt gates, so IF is cleared on
 * entry): DPL (3 lets `int n` from ring 3 in), IST index (0 = none), present. */
void idt_set_gate(int vector, int dpl, int ist, bool present);

/* ---- CPUs: GDT, TSS, stacks ---------------------------------------------- */
struct tss {
    uint32_t reserved0;
    uint64_t rsp[3];                 /* stacks for a change to CPL 0..2 */
    uint64_t reserved1;
    uint64_t ist[7];                 /* IST1..IST7 */
    uint64_t reserved2;
    uint16_t reserved3;
    uint16_t iomap_base;             /* = sizeof(struct tss): no I/O bitmap */
} __attribute__((packed));

extern struct tss tss[MAX_CPUS];
extern uint64_t gdt[];
extern uint8_t cpu_stacks[MAX_CPUS][KSTACK_SIZE];
/* Reload GDT, segments, IDT and TR for CPU number `cpu` (0 = BSP, done at
 * boot). Safe to call again on a CPU that already loaded its TR. */
void cpu_init(int cpu);
static inline void *cpu_stack_top(int cpu) { return cpu_stacks[cpu] + KSTACK_SIZE; }

/* ---- paging: the boot identity map ---------------------------------------- */
#define PTE_P   (1ull << 0)
#define PTE_W   (1ull << 1)
#define PTE_U   (1ull << 2)
#define PTE_PS  (1ull << 7)
#define PTE_NX  (1ull << 63)
extern uint64_t boot_pml4[512], boot_pdpt[512], boot_pd[4 * 512];

/* ---- spinlock ------------------------------------------------------------- */
typedef struct { volatile uint32_t locked; } spinlock_t;
static inline void spin_lock(spinlock_t *l)
{
    /* Test-and-test-and-set: spin on a plain read so waiting CPUs do not
     * keep taking the cache line (or, here, an emulator's atomic path). */
    while (__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE))
        while (__atomic_load_n(&l->locked, __ATOMIC_RELAXED))
            cpu_relax();
}
static inline void spin_unlock(spinlock_t *l) { __atomic_store_n(&l->locked, 0, __ATOMIC_RELEASE); }

/* ---- local APIC (xAPIC, MMIO) --------------------------------------------- */
#define LAPIC_ID        0x020
#define LAPIC_VERSION   0x030
#define LAPIC_EOI       0x0b0
#define LAPIC_SVR       0x0f0
#define LAPIC_ICR_LO    0x300
#define LAPIC_ICR_HI    0x310
#define LAPIC_LVT_TIMER 0x320
#define LAPIC_TIMER_INIT 0x380
#define LAPIC_TIMER_CUR  0x390
#define LAPIC_TIMER_DIV  0x3e0
#define LAPIC_SPURIOUS_VECTOR 0xff

uint32_t lapic_read(uint32_t reg);
void lapic_write(uint32_t reg, uint32_t v);
void lapic_enable(void);             /* software-enable this CPU's APIC */
uint32_t lapic_id(void);
void lapic_eoi(void);
/* divide is 1, 2, 4, ... 128; periodic or one-shot. */
void lapic_timer_start(uint8_t vector, unsigned divide, uint32_t initial_count, bool periodic);
void lapic_timer_stop(void);
void lapic_send_init(uint32_t apic_id);
void lapic_send_sipi(uint32_t apic_id, uint32_t start_addr);   /* 4 KiB aligned, < 1 MiB */

/* ---- QEMU fw_cfg (I/O ports 0x510/0x511) ---------------------------------- */
#define FW_CFG_SIGNATURE 0x0000
#define FW_CFG_NB_CPUS   0x0005
bool fwcfg_present(void);            /* signature reads "QEMU" */
void fwcfg_read(uint16_t key, void *buf, uint32_t len);
unsigned fwcfg_nb_cpus(void);        /* 1 if fw_cfg is absent */

/* ---- SMP ------------------------------------------------------------------- */
/* Copy the real-mode trampoline to TRAMPOLINE_ADDR. A CPU that starts
 * executing it in real mode at TRAMPOLINE_ADDR (a SIPI, or a jump from real
 * mode to 0x0800:0000) switches to long mode on this runtime's GDT and page
 * tables and calls entry(arg) on stack_top. */
void trampoline_install(void (*entry)(uint64_t arg), uint64_t arg, void *stack_top);
/* Start the AP with the given APIC ID as CPU number `cpu` (INIT + SIPI) and
 * wait until it runs; it then calls fn(cpu) with its GDT/IDT/TSS loaded and
 * halts if fn returns. Returns false if it did not come up. One at a time:
 * all APs share the trampoline. */
bool smp_start_ap(int cpu, uint32_t apic_id, void (*fn)(int cpu));

#endif
