/* exit.S — where every VM exit lands (HOST_RIP), on a fresh HOST_RSP stack.
 *
 * A VM exit saves L2's RIP, RSP and RFLAGS in the VMCS but none of its other
 * general-purpose registers, and L1's C code would clobber them. So the stub
 * saves them as a struct l2_regs (main.c) on the host stack, lets the C
 * handler read and change them (CPUID and IN results go into L2's RAX..RDX),
 * then restores them and VMRESUMEs. It returns here only if VMRESUME fails.
 */
        .text
        .globl vm_exit_entry
        .type vm_exit_entry, @function
vm_exit_entry:
        .cfi_startproc
        .cfi_undefined rip               /* no caller: L1 got here by a VM exit */
        push    %rax
        push    %rbx
        push    %rcx
        push    %rdx
        push    %rsi
        push    %rdi
        push    %rbp
        push    %r8
        push    %r9
        push    %r10
        push    %r11
        push    %r12
        push    %r13
        push    %r14
        push    %r15
        mov     %rsp, %rdi               /* struct l2_regs * */
        xor     %ebp, %ebp               /* L2's RBP is no frame of L1's */
        sub     $8, %rsp                 /* 15 pushes from a 16-byte aligned HOST_RSP: realign for the call */
        call    on_vm_exit
        add     $8, %rsp
        pop     %r15
        pop     %r14
        pop     %r13
        pop     %r12
        pop     %r11
        pop     %r10
        pop     %r9
        pop     %r8
        pop     %rbp
        pop     %rdi
        pop     %rsi
        pop     %rdx
        pop     %rcx
        pop     %rbx
        pop     %rax
        vmresume
        call    vmresume_failed          /* does not return */
        ud2
        .cfi_endproc
        .size vm_exit_entry, . - vm_exit_entry

        .section .note.GNU-stack, "", @progbits
