/* trap.c — the IDT, exception reports and the per-vector recovery hooks. */
#include "runtime.h"

struct idt_gate {
    uint16_t offset_lo;
    uint16_t selector;
    uint8_t ist;             /* bits 2:0 */
    uint8_t type_attr;       /* P | DPL | 0 | type (0xe = 64-bit interrupt gate) */
    uint16_t offset_mid;
    uint32_t offset_hi;
    uint32_t reserved;
} __attribute__((packed));

static struct idt_gate idt[256] __attribute__((aligned(16)));
extern const char trap_stubs[];  /* trap.S: vector n at trap_stubs + 16 * n */

enum recovery { RECOVER_NONE, RECOVER_SKIP, RECOVER_AT };
static struct {
    trap_handler_t handler;
    enum recovery kind;
    uint64_t arg;
} hooks[256];

static const char *const names[32][2] = {
    [0] = { "#DE", "divide error" },         [1] = { "#DB", "debug" },
    [2] = { "NMI", "non-maskable interrupt" }, [3] = { "#BP", "breakpoint" },
    [4] = { "#OF", "overflow" },             [5] = { "#BR", "bound range exceeded" },
    [6] = { "#UD", "invalid opcode" },       [7] = { "#NM", "device not available" },
    [8] = { "#DF", "double fault" },         [9] = { "#MF", "coprocessor segment overrun" },
    [10] = { "#TS", "invalid TSS" },         [11] = { "#NP", "segment not present" },
    [12] = { "#SS", "stack-segment fault" }, [13] = { "#GP", "general protection" },
    [14] = { "#PF", "page fault" },          [16] = { "#MF", "x87 floating-point error" },
    [17] = { "#AC", "alignment check" },     [18] = { "#MC", "machine check" },
    [19] = { "#XM", "SIMD floating-point" }, [20] = { "#VE", "virtualization exception" },
    [21] = { "#CP", "control protection" },  [28] = { "#HV", "hypervisor injection" },
    [29] = { "#VC", "VMM communication" },   [30] = { "#SX", "security exception" },
};

const char *trap_mnemonic(int v) { return v >= 0 && v < 32 && names[v][0] ? names[v][0] : ""; }
const char *trap_description(int v)
{
    if (v < 0 || v > 255) return "?";
    if (v >= 32) return "interrupt";
    return names[v][1] ? names[v][1] : "reserved";
}

void idt_set_gate(int vector, int dpl, int ist, bool present)
{
    uint64_t addr = (uint64_t)(trap_stubs + 16 * vector);
    idt[vector] = (struct idt_gate){
        .offset_lo = (uint16_t)addr,
        .selector = SEL_KCODE,
        .ist = (uint8_t)(ist & 7),
        .type_attr = (uint8_t)((present ? 0x80 : 0) | (dpl & 3) << 5 | 0xe),
        .offset_mid = (uint16_t)(addr >> 16),
        .offset_hi = (uint32_t)(addr >> 32),
    };
}

void idt_init(void)
{
    for (int v = 0; v < 256; v++)
        idt_set_gate(v, 0, 0, true);
    idt_set_gate(3, 3, 0, true);     /* int3 from ring 3 is a #BP, not a #GP */
    /* A double fault often comes from a bad stack, NMI and #MC can arrive
     * anywhere: give them a known-good stack (IST1, set per CPU in cpu.c). */
    idt_set_gate(2, 0, 1, true);
    idt_set_gate(8, 0, 1, true);
    idt_set_gate(18, 0, 1, true);
}

void idt_load(void)
{
    struct { uint16_t limit; uint64_t base; } __attribute__((packed)) d = { sizeof idt - 1, (uint64_t)idt };
    __asm__ volatile("lidt %0" : : "m"(d));
}

void trap_set_handler(int vector, trap_handler_t h) { hooks[vector].handler = h; }
void trap_recover_skip(int vector, unsigned len) { hooks[vector].kind = RECOVER_SKIP; hooks[vector].arg = len; }
void trap_recover_at(int vector, const void *rip) { hooks[vector].kind = RECOVER_AT; hooks[vector].arg = (uint64_t)rip; }

static void report(const struct trap_frame *f)
{
    int v = (int)f->vector;
    if (v < 32)
        printf("%s %s: vector=%d error=0x%lx rip=0x%lx", trap_mnemonic(v), trap_description(v), v, f->error, f->rip);
    else
        printf("unexpected interrupt: vector=%d rip=0x%lx", v, f->rip);
    if (v == 14)
        printf(" cr2=0x%lx", read_cr2());
    printf("\n");
}

/* Called by trap.S with interrupts off, on the interrupted stack (or IST). */
void trap_dispatch(struct trap_frame *f)
{
    unsigned v = (unsigned)f->vector & 255;
    if (hooks[v].handler && hooks[v].handler(f))
        return;
    report(f);
    switch (hooks[v].kind) {
    case RECOVER_SKIP:
        f->rip += hooks[v].arg;
        hooks[v].kind = RECOVER_NONE;
        return;
    case RECOVER_AT:
        f->rip = hooks[v].arg;
        hooks[v].kind = RECOVER_NONE;
        return;
    case RECOVER_NONE:
        break;
    }
    printf("unhandled trap, exiting\n");
    exit(EXIT_TRAP);
}
