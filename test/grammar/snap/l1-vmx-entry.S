/* l1-vmx-entry.S — the L1 hypervisor's way into VMX root operation and
 * back out of every L2 VM exit. Built with gcc -c (runs through cpp). */
#include "vmcs-fields.h"

#define MSR_IA32_FEATURE_CONTROL  0x3a
#define CR4_VMXE                  (1 << 13)
#define GUEST_REGS_SIZE           (15 * 8)

/* Push the guest GPRs in struct guest_regs order (rsp lives in the VMCS). */
#define SAVE_GUEST_GPRS                                 \
        push %r15; push %r14; push %r13; push %r12;     \
        push %r11; push %r10; push %r9;  push %r8;      \
        push %rdi; push %rsi; push %rbp; push %rbx;     \
        push %rdx; push %rcx; push %rax

        .section .text.vmx, "ax", @progbits
        .code64

        /* bool vmx_enable(uint64_t vmxon_pa) — %rdi = VMXON region */
        .globl  vmx_enable
        .type   vmx_enable, @function
vmx_enable:
        movl    $MSR_IA32_FEATURE_CONTROL, %ecx
        rdmsr
        testb   $1, %al                 # lock bit: firmware decided already
        jnz     1f
        orl     $0x5, %eax              # lock + VMX outside SMX
        wrmsr
1:      movq    %cr4, %rax
        orq     $CR4_VMXE, %rax
        movq    %rax, %cr4
        pushq   %rdi
        vmxon   (%rsp)
        popq    %rdi
        setna   %al                     # CF or ZF set: VMfail
        xorb    $1, %al
        ret
        .size   vmx_enable, . - vmx_enable

        /* noreturn void vmx_launch(uint64_t vmcs12_pa) */
        .globl  vmx_launch
vmx_launch:
        vmptrld 8(%rsp)
        movq    $HOST_RSP, %rdx
        vmwrite %rsp, %rdx
        leaq    vmx_exit_entry(%rip), %rax
        movq    $HOST_RIP, %rdx
        vmwrite %rax, %rdx
        vmlaunch
        jmp     vmx_entry_failed        # only reached if VMLAUNCH failed

        /* Every L2 exit lands here with L1's HOST_* state loaded. */
        .p2align 4
vmx_exit_entry:
        SAVE_GUEST_GPRS
        movq    %rsp, %rdi              # struct guest_regs *
        call    vmx_handle_exit
        .irp    reg, rax, rcx, rdx, rbx, rbp, rsi, rdi, r8, r9, r10, r11, r12, r13, r14, r15
        pop     %\reg
        .endr
        vmresume
        jmp     vmx_entry_failed

vmx_entry_failed:
        movq    $VM_INSTRUCTION_ERROR, %rdx
        vmread  %rdx, %rdi
        call    vmx_report_entry_failure
2:      hlt
        jmp     2b

        .section .note.GNU-stack, "", @progbits
