/* elf.c — L1's loader for its L2: checks the ELF64 header, copies each
 * PT_LOAD segment from the module to the physical address it was linked
 * for, and looks up symbols so exits can say which L2 function they came
 * from. Every offset is bounds-checked against the module: it is input. */
#include "runtime.h"
#include "elf.h"

static bool in_image(uint64_t size, uint64_t off, uint64_t len)
{
    return off <= size && len <= size - off;
}

int elf_load(const uint8_t *image, uint64_t size, uint64_t lo, uint64_t hi, uint64_t *entry)
{
    const struct elf64_ehdr *eh = (const void *)image;
    if (size < sizeof *eh || memcmp(eh->ident, "\177ELF", 4) != 0) {
        printf("L2 image: not an ELF file\n");
        return -1;
    }
    /* ident[4] = ELFCLASS64 (2), ident[5] = ELFDATA2LSB (1). */
    if (eh->ident[4] != 2 || eh->ident[5] != 1 || eh->machine != EM_X86_64 || eh->type != ET_EXEC) {
        printf("L2 image: not a little-endian x86-64 ELF64 executable\n");
        return -1;
    }
    if (eh->phentsize != sizeof(struct elf64_phdr) || !in_image(size, eh->phoff, (uint64_t)eh->phnum * sizeof(struct elf64_phdr))) {
        printf("L2 image: bad program header table\n");
        return -1;
    }
    const struct elf64_phdr *ph = (const void *)(image + eh->phoff);
    int loaded = 0;
    for (unsigned i = 0; i < eh->phnum; i++) {
        const struct elf64_phdr *p = &ph[i];
        if (p->type != PT_LOAD)
            continue;
        if (p->filesz > p->memsz || !in_image(size, p->offset, p->filesz) || p->paddr < lo || p->paddr > hi ||
            p->memsz > hi - p->paddr) {
            printf("L2 image: PT_LOAD %u (0x%lx, 0x%lx bytes) outside [0x%lx, 0x%lx) or the file\n", i,
                   (unsigned long)p->paddr, (unsigned long)p->memsz, (unsigned long)lo, (unsigned long)hi);
            return -1;
        }
        /* L2 is identity mapped (guest-physical = linear), so vaddr = paddr. */
        memcpy((void *)p->paddr, image + p->offset, p->filesz);
        memset((void *)(p->paddr + p->filesz), 0, p->memsz - p->filesz);
        loaded++;
    }
    *entry = eh->entry;
    return loaded;
}

const char *elf_function_at(const uint8_t *image, uint64_t size, uint64_t addr, uint64_t *offset)
{
    const struct elf64_ehdr *eh = (const void *)image;
    if (eh->shentsize != sizeof(struct elf64_shdr) || !in_image(size, eh->shoff, (uint64_t)eh->shnum * sizeof(struct elf64_shdr)))
        return NULL;
    const struct elf64_shdr *sh = (const void *)(image + eh->shoff);
    for (unsigned i = 0; i < eh->shnum; i++) {
        if (sh[i].type != SHT_SYMTAB || sh[i].link >= eh->shnum || !in_image(size, sh[i].offset, sh[i].size))
            continue;
        const struct elf64_shdr *strtab = &sh[sh[i].link];
        if (!in_image(size, strtab->offset, strtab->size))
            return NULL;
        const struct elf64_sym *sym = (const void *)(image + sh[i].offset);
        for (uint64_t k = 0; k < sh[i].size / sizeof *sym; k++) {
            const struct elf64_sym *s = &sym[k];
            if ((s->info & 0xf) != STT_FUNC || addr < s->value || addr - s->value >= s->size || s->name >= strtab->size)
                continue;
            *offset = addr - s->value;
            return (const char *)image + strtab->offset + s->name;
        }
    }
    return NULL;
}
