/* intloop — CPU-bound integer work: a xorshift/multiply mix in registers,
 * no memory traffic in the loop. Prints a checksum so every emulator must
 * really compute it. */
#include "../common.h"

int kmain(struct multiboot_info *mbi)
{
    uint64_t n = bench_iters(mbi, 1000000);
    uint64_t x = 0x9e3779b97f4a7c15ull, acc = 0;
    for (uint64_t i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        acc += (x * 0x2545f4914f6cdd1dull) >> 11;
        acc ^= i;
        __asm__ volatile("" : "+r"(acc)); /* keep the loop from being vectorized away */
    }
    printf("intloop: %lu iterations, checksum %016lx\n", n, acc);
    return 0;
}
