/* memloop — memory-heavy work: a strided read-modify-write sweep over a
 * 4 MiB buffer (larger than any TLB reach of small pages), then a
 * dependent-load pointer chase. */
#include "../common.h"

#define WORDS (4u << 20) / 8
static uint64_t buf[WORDS];

int kmain(struct multiboot_info *mbi)
{
    uint64_t n = bench_iters(mbi, 200000);
    for (uint64_t i = 0; i < WORDS; i++)
        buf[i] = (i * 2654435761u + 1) % WORDS;
    uint64_t sum = 0, j = 0;
    for (uint64_t i = 0; i < n; i++) {
        buf[(i * 4099) % WORDS] += i;  /* strided read-modify-write */
        j = buf[j] % WORDS;            /* dependent load */
        sum += j;
    }
    printf("memloop: %lu iterations, checksum %016lx\n", n, sum);
    return 0;
}
