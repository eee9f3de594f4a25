/* cpu.c — per-CPU descriptor tables and the C half of the boot path. */
#include "runtime.h"

void serial_init(void);
void idt_init(void);
void idt_load(void);

struct tss tss[MAX_CPUS] __attribute__((aligned(16)));
static uint8_t ist_stacks[MAX_CPUS][IST_SIZE] __attribute__((aligned(16)));
static uint8_t rsp0_stacks[MAX_CPUS][RSP0_SIZE] __attribute__((aligned(16)));

/* A 64-bit TSS descriptor is 16 bytes (SDM 8.2.3): base split over both
 * quadwords, type 9 = available 64-bit TSS. Rewriting it also clears the
 * busy bit, so LTR can be repeated on a CPU that already loaded it. */
static void write_tss_descriptor(int cpu)
{
    uint64_t base = (uint64_t)&tss[cpu], limit = sizeof(struct tss) - 1;
    uint64_t *d = &gdt[SEL_TSS0 / 8 + 2 * cpu];
    d[0] = (limit & 0xffff) | (base & 0xffffff) << 16 | 0x89ull << 40 |
           ((limit >> 16) & 0xf) << 48 | ((base >> 24) & 0xff) << 56;
    d[1] = base >> 32;
}

void cpu_init(int cpu)
{
    extern const struct { uint16_t limit; uint64_t base; } __attribute__((packed)) gdt_desc;
    tss[cpu].rsp[0] = (uint64_t)(rsp0_stacks[cpu] + RSP0_SIZE);
    tss[cpu].ist[0] = (uint64_t)(ist_stacks[cpu] + IST_SIZE);
    tss[cpu].iomap_base = sizeof(struct tss);
    write_tss_descriptor(cpu);

    /* Reload GDTR with its full 64-bit base (an AP came up with a 32-bit
     * LGDT) and reload CS through a far return, the only way to set CS in
     * 64-bit mode besides a far jump through memory. */
    __asm__ volatile(
        "lgdt %0\n\t"
        "pushq %1\n\t"
        "leaq 1f(%%rip), %%rax\n\t"
        "pushq %%rax\n\t"
        "lretq\n"
        "1:\n\t"
        "mov %2, %%ds\n\t"
        "mov %2, %%es\n\t"
        "mov %2, %%ss\n\t"
        "mov %2, %%fs\n\t"
        "mov %2, %%gs"
        : : "m"(gdt_desc), "i"(SEL_KCODE), "r"(SEL_KDATA) : "rax", "memory");
    idt_load();
    __asm__ volatile("ltr %w0" : : "r"(SEL_TSS0 + 16 * cpu));
    /* A null LDT: after reset LDTR is base 0, limit 0xffff, so selectors
     * with TI=1 would read whatever the BIOS left at address 0. */
    __asm__ volatile("lldt %w0" : : "r"(0));
}

/* boot.S jumps here on the BSP, in long mode with a stack. */
void runtime_start(uint32_t mbi) __attribute__((noreturn));
void runtime_start(uint32_t mbi)
{
    serial_init();
    idt_init();
    cpu_init(0);
    /* Mask both 8259 PICs: the BIOS left the PIT's IRQ 0 on a vector that
     * in long mode is #DF. Not remapping them keeps the machine model small;
     * with everything masked they deliver nothing. */
    outb(0x21, 0xff);
    outb(0xa1, 0xff);
    exit(kmain((struct multiboot_info *)(uintptr_t)mbi));
}
