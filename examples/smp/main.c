/* smp — the BSP wakes every AP with INIT + SIPI, one at a time; then the
 * CPUs report in CPU-number order, each waiting for its turn, so the output
 * never depends on how the CPUs are scheduled. */
#include "runtime.h"

static volatile int turn;

static void ap_main(int cpu)
{
    while (__atomic_load_n(&turn, __ATOMIC_ACQUIRE) != cpu)
        cpu_relax();
    printf("cpu %d: apic id %u\n", cpu, lapic_id());
    __atomic_store_n(&turn, cpu + 1, __ATOMIC_RELEASE);
}

int kmain(struct multiboot_info *mbi)
{
    (void)mbi;
    unsigned ncpus = fwcfg_nb_cpus();
    printf("smp: fw_cfg says %u cpus\n", ncpus);
    if (ncpus > MAX_CPUS) {
        printf("smp: using only the first %d\n", MAX_CPUS);
        ncpus = MAX_CPUS;
    }
    lapic_enable();
    uint32_t bsp = lapic_id();
    printf("cpu 0: apic id %u (bootstrap processor)\n", bsp);

    /* QEMU numbers APIC IDs 0..n-1 for a flat -smp n topology. */
    int cpu = 1;
    for (uint32_t apic_id = 0; cpu < (int)ncpus; apic_id++) {
        if (apic_id == bsp)
            continue;
        if (!smp_start_ap(cpu, apic_id, ap_main)) {
            printf("smp: cpu %d (apic id %u) did not start\n", cpu, apic_id);
            return 1;
        }
        cpu++;
    }
    printf("smp: %d application processors started\n", cpu - 1);

    __atomic_store_n(&turn, 1, __ATOMIC_RELEASE);
    while (__atomic_load_n(&turn, __ATOMIC_ACQUIRE) != (int)ncpus)
        cpu_relax();
    printf("smp: all %u cpus reported\n", ncpus);
    return 0;
}
