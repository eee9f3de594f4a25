/* smp.c — waking application processors with INIT + SIPI. */
#include "runtime.h"

extern const char trampoline_start[], trampoline_end[], trampoline_params[];

/* Layout of the block at the end of trampoline.S. */
struct trampoline_params {
    uint64_t stack, entry, arg;
    uint32_t cr3, efer;
    uint16_t gdt_limit;
    uint32_t gdt_base;
} __attribute__((packed));

void trampoline_install(void (*entry)(uint64_t arg), uint64_t arg, void *stack_top)
{
    extern const struct { uint16_t limit; uint64_t base; } __attribute__((packed)) gdt_desc;
    uint8_t *dst = (uint8_t *)TRAMPOLINE_ADDR;
    memcpy(dst, trampoline_start, (size_t)(trampoline_end - trampoline_start));
    struct trampoline_params *p = (void *)(dst + (trampoline_params - trampoline_start));
    p->stack = (uint64_t)stack_top;
    p->entry = (uint64_t)entry;
    p->arg = arg;
    p->cr3 = (uint32_t)read_cr3();       /* page tables are below 4 GiB */
    p->efer = (uint32_t)(rdmsr(MSR_EFER) & (EFER_LME | EFER_NXE));
    p->gdt_limit = gdt_desc.limit;
    p->gdt_base = (uint32_t)gdt_desc.base;
}

static volatile int ap_alive;
static void (*volatile ap_fn)(int cpu);

static void ap_entry(uint64_t cpu)
{
    void (*fn)(int) = ap_fn;             /* read before the BSP may reuse it */
    cpu_init((int)cpu);
    __atomic_store_n(&ap_alive, 1, __ATOMIC_RELEASE);
    fn((int)cpu);
    for (;;) {
        cli();
        hlt();
    }
}

static bool wait_alive(void)
{
    /* Bounded by a loop count, not by time: plenty for QEMU's AP threads. */
    for (long i = 0; i < 50000000; i++) {
        if (__atomic_load_n(&ap_alive, __ATOMIC_ACQUIRE))
            return true;
        cpu_relax();
    }
    return false;
}

bool smp_start_ap(int cpu, uint32_t apic_id, void (*fn)(int cpu))
{
    if (cpu <= 0 || cpu >= MAX_CPUS)
        return false;
    ap_alive = 0;
    ap_fn = fn;
    trampoline_install(ap_entry, (uint64_t)cpu, cpu_stack_top(cpu));
    lapic_send_init(apic_id);
    lapic_send_sipi(apic_id, TRAMPOLINE_ADDR);
    if (wait_alive())
        return true;
    /* The MP spec sends a second SIPI in case the first was missed. */
    lapic_send_sipi(apic_id, TRAMPOLINE_ADDR);
    return wait_alive();
}
