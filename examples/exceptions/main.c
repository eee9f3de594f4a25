/* exceptions — raises #UD, #DE, #GP, #PF and #BP one after another. The
 * runtime's handler reports each one on COM1; the recovery armed just before
 * each fault lets execution continue, which the next line confirms. */
#include "runtime.h"

uint64_t probe_read(const volatile void *p, uint64_t if_faulted);
bool probe_write(volatile void *p, uint64_t v);
extern const char probe_read_fault[], probe_write_fault[];

#define UNMAPPED     ((volatile void *)0x123456789ull)      /* above the 4 GiB identity map */
#define NONCANONICAL ((volatile void *)0x8000000000000000ull) /* bits 63:47 not all equal */

int kmain(struct multiboot_info *mbi)
{
    (void)mbi;
    printf("exceptions: start\n");

    trap_recover_skip(6, 2);                     /* ud2 is 0f 0b */
    __asm__ volatile("ud2");
    printf("survived #UD from ud2\n");

    uint32_t q, r;
    trap_recover_skip(0, 2);                     /* div %ecx is f7 f1 */
    __asm__ volatile("divl %%ecx" : "=a"(q), "=d"(r) : "a"(7), "d"(0), "c"(0));
    printf("survived #DE from div by zero\n");

    trap_recover_at(13, probe_read_fault);
    uint64_t v = probe_read(NONCANONICAL, 0xbad);
    printf("survived #GP from a non-canonical read (value 0x%lx)\n", v);

    trap_recover_at(14, probe_read_fault);
    v = probe_read(UNMAPPED, 0xbad);
    printf("survived #PF from a read of an unmapped page (value 0x%lx)\n", v);

    trap_recover_at(14, probe_write_fault);
    bool wrote = probe_write(UNMAPPED, 42);
    printf("survived #PF from a write to an unmapped page (wrote: %s)\n", wrote ? "yes" : "no");

    trap_recover_skip(3, 0);                     /* #BP is a trap: RIP is already past int3 */
    __asm__ volatile("int3");
    printf("survived #BP from int3\n");

    printf("exceptions: done\n");
    return 0;
}
