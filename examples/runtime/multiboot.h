/* multiboot.h — the Multiboot 0.6.96 (v1) information structure as the boot
 * loader hands it over in EBX. Only the fields QEMU fills are named; the
 * `flags` word says which ones are valid. */
#ifndef NESTVIRT_MULTIBOOT_H
#define NESTVIRT_MULTIBOOT_H

#include <stdint.h>

#define MULTIBOOT_BOOTLOADER_MAGIC 0x2badb002

#define MBI_FLAG_MEM         (1u << 0)
#define MBI_FLAG_BOOTDEV     (1u << 1)
#define MBI_FLAG_CMDLINE     (1u << 2)
#define MBI_FLAG_MODS        (1u << 3)
#define MBI_FLAG_MMAP        (1u << 6)
#define MBI_FLAG_LOADER_NAME (1u << 9)

struct multiboot_info {
    uint32_t flags;
    uint32_t mem_lower;          /* KiB below 1 MiB */
    uint32_t mem_upper;          /* KiB from 1 MiB to the first hole */
    uint32_t boot_device;
    uint32_t cmdline;            /* physical address of a NUL-terminated string */
    uint32_t mods_count;
    uint32_t mods_addr;          /* array of struct multiboot_module */
    uint32_t syms[4];
    uint32_t mmap_length;        /* bytes */
    uint32_t mmap_addr;          /* struct multiboot_mmap_entry, variable stride */
    uint32_t drives_length;
    uint32_t drives_addr;
    uint32_t config_table;
    uint32_t boot_loader_name;   /* physical address of a string */
} __attribute__((packed));

struct multiboot_module {
    uint32_t mod_start, mod_end; /* [start, end) physical */
    uint32_t string;             /* the module's command line */
    uint32_t reserved;
} __attribute__((packed));

/* `size` does not count itself: the next entry is at (char*)e + e->size + 4. */
struct multiboot_mmap_entry {
    uint32_t size;
    uint64_t addr;
    uint64_t len;
    uint32_t type;               /* 1 = usable RAM, 2 = reserved, 3 = ACPI, ... */
} __attribute__((packed));

#endif
