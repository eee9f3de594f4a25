/* trampoline.S — real mode -> protected mode -> long mode, for APs woken by
 * SIPI (and for a BSP that went back to real mode). These bytes are only a
 * template: trampoline_install() copies them to TRAMPOLINE_ADDR and fills
 * the parameter block at the end, so every absolute address below is
 * computed as TRAMPOLINE_ADDR + offset within the template. A SIPI with
 * vector TRAMPOLINE_ADDR >> 12 starts the CPU at CS = 0x0800, IP = 0. */
#include "layout.h"

#define T(sym) (TRAMPOLINE_ADDR + (sym) - trampoline_start)

        .section .rodata.trampoline, "a"
        .globl trampoline_start, trampoline_end, trampoline_params

        .code16
trampoline_start:
        cli
        cld
        mov     %cs, %ax                 /* address the parameters CS-relative */
        mov     %ax, %ds
        /* 32-bit operand size: the GDT base is above 1 MiB. */
        lgdtl   tp_gdt_limit - trampoline_start
        mov     %cr0, %eax
        or      $1, %eax                 /* PE */
        mov     %eax, %cr0
        ljmpl   $SEL_KCODE32, $T(tramp32)

        .code32
tramp32:
        mov     $SEL_KDATA, %eax
        mov     %eax, %ds
        mov     %eax, %es
        mov     %eax, %ss
        mov     $CR4_BOOT, %eax
        mov     %eax, %cr4
        mov     T(tp_cr3), %eax
        mov     %eax, %cr3
        mov     $0xc0000080, %ecx        /* EFER: LME (and NXE) as on the BSP */
        rdmsr
        or      T(tp_efer), %eax
        wrmsr
        mov     $CR0_BOOT, %eax
        mov     %eax, %cr0
        ljmp    $SEL_KCODE, $T(tramp64)

        .code64
tramp64:
        mov     $SEL_KDATA, %eax
        mov     %eax, %ds
        mov     %eax, %es
        mov     %eax, %ss
        mov     %eax, %fs
        mov     %eax, %gs
        mov     T(tp_stack), %rsp
        mov     T(tp_arg), %rdi
        fninit
        xor     %ebp, %ebp
        call    *T(tp_entry)
1:      cli
        hlt
        jmp     1b

        /* Parameter block: struct trampoline_params in smp.c. */
        .balign 8
trampoline_params:
tp_stack:     .quad 0
tp_entry:     .quad 0
tp_arg:       .quad 0
tp_cr3:       .long 0
tp_efer:      .long 0
tp_gdt_limit: .word 0
tp_gdt_base:  .long 0
trampoline_end:

        .section .note.GNU-stack, "", @progbits
