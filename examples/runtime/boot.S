/* boot.S — multiboot v1 header, 32-bit entry, switch to long mode, GDT.
 *
 * QEMU's -kernel accepts a multiboot image only in two forms: an ELF32 file
 * (loaded by its program headers), or any file whose multiboot header sets
 * flag bit 16 (the "a.out kludge") and gives the load addresses itself. An
 * ELF64 file without bit 16 is refused ("Cannot load x86-64 image, give a
 * 32bit one"). So this header sets bit 16 and QEMU then ignores the ELF
 * headers entirely: it copies the file from offset
 *     header_offset - (header_addr - load_addr)
 * for (load_end_addr - load_addr) bytes to load_addr, zeroes up to
 * bss_end_addr and jumps to entry_addr in 32-bit protected mode. That works
 * because linker.ld puts the whole image in one contiguous PT_LOAD segment,
 * so file offsets and addresses differ by a constant. QEMU searches for the
 * header in the first 8 KiB of the file, at a 4-byte aligned offset.
 *
 * Machine state at _start (multiboot spec 3.2): EAX = 0x2BADB002, EBX =
 * physical address of the multiboot info, flat 32-bit CS/DS/ES/SS, paging
 * off, interrupts off; ESP, GDTR and IDTR are not usable.
 */
#include "layout.h"

#define MB_MAGIC  0x1badb002
#define MB_FLAGS  0x00010003     /* bit 0: page-align modules, bit 1: memory info, bit 16: addresses below */

        .section .multiboot, "a"
        .balign 4
mb_header:
        .long MB_MAGIC
        .long MB_FLAGS
        .long -(MB_MAGIC + MB_FLAGS)
        .long mb_header          /* header_addr */
        .long __image_start      /* load_addr */
        .long __load_end         /* load_end_addr: end of .data */
        .long __bss_end          /* bss_end_addr: QEMU zeroes up to here and loads modules after it */
        .long _start             /* entry_addr */

        .section .text.boot, "ax"
        .code32
        .globl _start
_start:
        cli
        cld
        mov     %eax, %ebp               /* keep magic and info pointer across the BSS clear */
        mov     %ebx, %esi

        /* Zero .bss: QEMU does, but a loader that only copies file bytes would not. */
        mov     $__bss_start, %edi
        mov     $__bss_end, %ecx
        sub     %edi, %ecx
        xor     %eax, %eax
        rep stosb

        mov     $(cpu_stacks + KSTACK_SIZE), %esp
        cmp     $0x2badb002, %ebp        /* only trust EBX if the loader said it is multiboot */
        je      1f
        xor     %esi, %esi
1:      mov     %esi, boot_mbi

        /* Identity-map 0..4 GiB with 2 MiB pages: the kernel, low memory for
         * the AP trampoline and the xAPIC/IOAPIC MMIO near 4 GiB. Upper
         * levels carry U=1 so a test can make one 2 MiB leaf user-accessible
         * by setting U there alone. */
        mov     $(boot_pdpt + 7), %eax   /* P | W | U */
        mov     %eax, boot_pml4
        mov     $boot_pdpt, %edi
        mov     $(boot_pd + 7), %eax
        mov     $4, %ecx
2:      mov     %eax, (%edi)
        add     $4096, %eax
        add     $8, %edi
        dec     %ecx
        jnz     2b
        mov     $boot_pd, %edi
        mov     $0x83, %eax              /* P | W | PS (2 MiB) */
        mov     $2048, %ecx
3:      mov     %eax, (%edi)
        add     $0x200000, %eax
        add     $8, %edi
        dec     %ecx
        jnz     3b

        /* EFER.NXE without CPU support is #GP, so ask CPUID first. */
        mov     $0x80000001, %eax
        cpuid
        mov     $0xc0000080, %ecx
        mov     %edx, %ebx
        rdmsr
        or      $0x100, %eax             /* LME */
        bt      $20, %ebx
        jnc     4f
        or      $0x800, %eax             /* NXE */
4:      wrmsr

        mov     $CR4_BOOT, %eax
        mov     %eax, %cr4
        mov     $boot_pml4, %eax
        mov     %eax, %cr3
        mov     $CR0_BOOT, %eax          /* paging on with EFER.LME: long mode (compatibility) */
        mov     %eax, %cr0
        lgdt    gdt_desc
        ljmp    $SEL_KCODE, $long_mode_entry

        .code64
long_mode_entry:
        .cfi_startproc
        .cfi_undefined rip               /* tell unwinders this is the outermost frame */
        mov     $SEL_KDATA, %eax
        mov     %eax, %ds
        mov     %eax, %es
        mov     %eax, %ss
        mov     %eax, %fs
        mov     %eax, %gs
        fninit
        xor     %ebp, %ebp
        mov     boot_mbi(%rip), %edi
        call    runtime_start            /* never returns */
5:      hlt
        jmp     5b
        .cfi_endproc

        .data
        .balign 8
        .globl boot_mbi
boot_mbi:
        .long 0

        /* Accessed bits are preset so the CPU never writes the GDT, and a
         * hypervisor copying these into guest state gets the "accessed"
         * types VM entry insists on. */
        .balign 16
        .globl gdt, gdt_desc
gdt:
        .quad 0                          /* 0x00 null */
        .quad 0x00af9b000000ffff         /* 0x08 64-bit code, DPL 0 */
        .quad 0x00cf93000000ffff         /* 0x10 data, DPL 0 */
        .quad 0x00cf9b000000ffff         /* 0x18 32-bit code, DPL 0 */
        .quad 0x00cffb000000ffff         /* 0x20 32-bit code, DPL 3 */
        .quad 0x00cff3000000ffff         /* 0x28 data, DPL 3 */
        .quad 0x00affb000000ffff         /* 0x30 64-bit code, DPL 3 */
        .quad 0x00009b000000ffff         /* 0x38 16-bit code, base 0, limit 0xffff */
        .quad 0x000093000000ffff         /* 0x40 16-bit data, base 0, limit 0xffff */
        .fill 2 * MAX_CPUS, 8, 0         /* 0x48 TSS descriptors, written by cpu_init() */
gdt_end:
        /* 2-byte limit + 8-byte base; 32-bit LGDT reads only the low 4 base bytes. */
gdt_desc:
        .word gdt_end - gdt - 1
        .quad gdt

        /* Page tables and stacks. The BSP uses cpu_stacks[0]. */
        .bss
        .balign 4096
        .globl boot_pml4, boot_pdpt, boot_pd
boot_pml4:  .skip 4096
boot_pdpt:  .skip 4096
boot_pd:    .skip 4 * 4096
        .balign 16
        .globl cpu_stacks
cpu_stacks: .skip MAX_CPUS * KSTACK_SIZE

        .section .note.GNU-stack, "", @progbits
