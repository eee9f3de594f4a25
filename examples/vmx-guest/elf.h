/* elf.h — just enough ELF64 (System V gABI, x86-64 psABI) for L1 to load
 * its L2 from a multiboot module and name the function an L2 RIP is in. */
#ifndef VMX_GUEST_ELF_H
#define VMX_GUEST_ELF_H

#include <stdint.h>
#include <stdbool.h>

struct elf64_ehdr {
    uint8_t  ident[16];
    uint16_t type, machine;
    uint32_t version;
    uint64_t entry, phoff, shoff;
    uint32_t flags;
    uint16_t ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};

struct elf64_phdr {
    uint32_t type, flags;
    uint64_t offset, vaddr, paddr, filesz, memsz, align;
};

struct elf64_shdr {
    uint32_t name, type;
    uint64_t flags, addr, offset, size;
    uint32_t link, info;
    uint64_t addralign, entsize;
};

struct elf64_sym {
    uint32_t name;
    uint8_t  info, other;
    uint16_t shndx;
    uint64_t value, size;
};

#define ET_EXEC     2
#define EM_X86_64   62
#define PT_LOAD     1
#define SHT_SYMTAB  2
#define STT_FUNC    2

/* The ELF image at [image, image + size) checked and its PT_LOAD segments
 * copied to their physical addresses, which must lie in [lo, hi); the rest
 * of each segment (memsz > filesz: .bss) zeroed. Returns the number of
 * segments loaded, or -1 after printing why the image was refused. */
int elf_load(const uint8_t *image, uint64_t size, uint64_t lo, uint64_t hi, uint64_t *entry);

/* The function symbol containing `addr` and the offset into it, from the
 * image's .symtab; NULL if there is none (a stripped ELF). */
const char *elf_function_at(const uint8_t *image, uint64_t size, uint64_t addr, uint64_t *offset);

#endif
