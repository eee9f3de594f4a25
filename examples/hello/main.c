/* hello — prints a greeting and what the multiboot loader told us. Every
 * line is a fact about the boot, not about timing, so the output is the
 * same on every run and under every loader that boots like QEMU -kernel. */
#include "runtime.h"

/* QEMU passes "<kernel path> <-append string>" as the command line. The
 * path depends on the caller's working directory, so print only its last
 * component. */
static void print_cmdline(const char *what, const char *s)
{
    const char *sp = strchr(s, ' ');
    size_t n = sp ? (size_t)(sp - s) : strlen(s);
    const char *base = s;
    for (const char *p = s; p < s + n; p++)
        if (*p == '/')
            base = p + 1;
    printf("%s: file=%.*s args=\"%s\"\n", what, (int)(s + n - base), base, sp ? sp + 1 : "");
}

int kmain(struct multiboot_info *mbi)
{
    printf("Hello from nestvirt!\n");
    if (!mbi) {
        printf("no multiboot info\n");
        return 1;
    }
    printf("multiboot flags: 0x%x\n", mbi->flags);
    if (mbi->flags & MBI_FLAG_LOADER_NAME)
        printf("boot loader: %s\n", (const char *)(uintptr_t)mbi->boot_loader_name);
    if (mbi->flags & MBI_FLAG_CMDLINE)
        print_cmdline("cmdline", (const char *)(uintptr_t)mbi->cmdline);
    if (mbi->flags & MBI_FLAG_MEM)
        printf("memory: lower=%u KiB upper=%u KiB\n", mbi->mem_lower, mbi->mem_upper);
    if (mbi->flags & MBI_FLAG_MMAP) {
        uintptr_t p = mbi->mmap_addr, end = p + mbi->mmap_length;
        for (int i = 0; p < end; i++) {
            const struct multiboot_mmap_entry *e = (const void *)p;
            printf("mmap[%d]: base=0x%016lx length=0x%016lx type=%u\n", i, e->addr, e->len, e->type);
            p += e->size + 4;
        }
    }
    if (mbi->flags & MBI_FLAG_MODS) {
        const struct multiboot_module *m = (const void *)(uintptr_t)mbi->mods_addr;
        printf("modules: %u\n", mbi->mods_count);
        for (uint32_t i = 0; i < mbi->mods_count; i++) {
            char name[16];
            snprintf(name, sizeof name, "module[%u]", i);
            print_cmdline(name, (const char *)(uintptr_t)m[i].string);
            /* The load address depends on the kernel's size; the size and
             * contents do not. */
            const char *data = (const char *)(uintptr_t)m[i].mod_start;
            uint32_t size = m[i].mod_end - m[i].mod_start, shown = 0;
            printf("  size=%u page-aligned=%s first line: \"", size, m[i].mod_start & 0xfff ? "no" : "yes");
            while (shown < size && shown < 60 && data[shown] != '\n')
                serial_putc(data[shown++]);
            printf("\"\n");
        }
    }
    printf("Goodbye.\n");
    return 0;
}
