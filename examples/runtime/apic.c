/* apic.c — local APIC in xAPIC mode: registers are 32-bit MMIO at
 * IA32_APIC_BASE (0xfee00000 after reset), 16 bytes apart (SDM 11.4). */
#include "runtime.h"

static volatile uint32_t *lapic_base(void)
{
    /* Read the MSR every time: cheap, and correct on every CPU without
     * per-CPU state (each CPU's APIC answers at the same address). */
    return (volatile uint32_t *)(uintptr_t)(rdmsr(MSR_APIC_BASE) & 0xfffff000);
}

uint32_t lapic_read(uint32_t reg) { return lapic_base()[reg / 4]; }
void lapic_write(uint32_t reg, uint32_t v) { lapic_base()[reg / 4] = v; }

void lapic_enable(void)
{
    uint64_t base = rdmsr(MSR_APIC_BASE);
    if (!(base & (1u << 11)))            /* global enable */
        wrmsr(MSR_APIC_BASE, base | (1u << 11));
    lapic_write(LAPIC_SVR, 0x100 | LAPIC_SPURIOUS_VECTOR);  /* software enable */
}

uint32_t lapic_id(void) { return lapic_read(LAPIC_ID) >> 24; }
void lapic_eoi(void) { lapic_write(LAPIC_EOI, 0); }

/* Divide configuration encodings, SDM Figure 11-10: bits 3,1,0. */
static uint32_t divide_bits(unsigned divide)
{
    switch (divide) {
    case 1: return 0xb;
    case 2: return 0x0;
    case 4: return 0x1;
    case 8: return 0x2;
    case 16: return 0x3;
    case 32: return 0x8;
    case 64: return 0x9;
    default: return 0xa;                /* 128 */
    }
}

void lapic_timer_start(uint8_t vector, unsigned divide, uint32_t initial_count, bool periodic)
{
    lapic_write(LAPIC_TIMER_DIV, divide_bits(divide));
    lapic_write(LAPIC_LVT_TIMER, vector | (periodic ? 1u << 17 : 0));
    lapic_write(LAPIC_TIMER_INIT, initial_count);   /* writing the count starts it */
}

void lapic_timer_stop(void)
{
    lapic_write(LAPIC_LVT_TIMER, 1u << 16);          /* masked */
    lapic_write(LAPIC_TIMER_INIT, 0);
}

static void send_ipi(uint32_t apic_id, uint32_t icr_lo)
{
    lapic_write(LAPIC_ICR_HI, apic_id << 24);
    lapic_write(LAPIC_ICR_LO, icr_lo);               /* the low write sends */
    while (lapic_read(LAPIC_ICR_LO) & (1u << 12))    /* delivery status: pending */
        cpu_relax();
}

/* INIT with level = assert. No INIT de-assert: that is only for 82489DX
 * APICs, and no time delays either: an emulator does not need them and
 * they would make the run depend on wall-clock time. */
void lapic_send_init(uint32_t apic_id) { send_ipi(apic_id, 0x00004500); }
void lapic_send_sipi(uint32_t apic_id, uint32_t start_addr) { send_ipi(apic_id, 0x00004600 | (start_addr >> 12)); }
