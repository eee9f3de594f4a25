/* Shared by the benchmark kernels: the iteration count comes from the
 * command line ("iters=N" in --append / -append) so the bench runner can
 * size a run for each machine; the default suits a quick run. */
#include "runtime.h"

static inline uint64_t bench_iters(struct multiboot_info *mbi, uint64_t dflt)
{
    if (!mbi || !(mbi->flags & MBI_FLAG_CMDLINE))
        return dflt;
    const char *s = (const char *)(uintptr_t)mbi->cmdline;
    const char *p = s;
    while ((p = strchr(p, 'i')) != NULL) {
        if (strncmp(p, "iters=", 6) == 0) {
            uint64_t n = 0;
            for (p += 6; *p >= '0' && *p <= '9'; p++)
                n = n * 10 + (uint64_t)(*p - '0');
            return n ? n : dflt;
        }
        p++;
    }
    return dflt;
}
