/* entry.S — L2's first instruction. L1 starts L2 here (the ELF entry) with
 * paging on, 64-bit code, and no stack it knows of: L2 takes its own stack
 * from its .bss, calls guest_main and, should that ever return, stops with
 * a VMCALL L1 does not expect. */
        .section .text.entry, "ax"
        .globl _start
        .type _start, @function
_start:
        .cfi_startproc
        .cfi_undefined rip               /* the outermost L2 frame: unwinders stop here */
        lea     l2_stack_top(%rip), %rsp
        xor     %ebp, %ebp               /* ends the frame-pointer chain too */
        call    guest_main
        mov     $0xdead, %eax
        vmcall
1:      hlt
        jmp     1b
        .cfi_endproc
        .size _start, . - _start

        .bss
        .balign 16
l2_stack:
        .skip   8192
l2_stack_top:

        .section .note.GNU-stack, "", @progbits
