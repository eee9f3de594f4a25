# SYNTAX TEST "source.x86-gas" "Intel VMX: a real L1 launch sequence"

        /* enter VMX root: CR4.VMXE, then VMXON with the VMXON region */
        movq    %cr4, %rax
        orq     $(1 << 13), %rax
        movq    %rax, %cr4
        vmxon   vmxon_region_pa(%rip)
#       ^^^^^ meta.instruction.x86-gas keyword.other.vmx.x86-gas
#               ^^^^^^^^^^^^^^^ variable.other.symbol.x86-gas
        jbe     vmx_fail
        vmclear (%rdi)
#       ^^^^^^^ keyword.other.vmx.x86-gas
#               ^^^^^^ meta.memory-operand.x86-gas
        vmptrld (%rdi)
#       ^^^^^^^ keyword.other.vmx.x86-gas
#               ^ punctuation.definition.memory.begin.x86-gas
#                ^^^^ variable.language.register.general.x86-gas
        vmptrst current_vmcs(%rip)
#       ^^^^^^^ keyword.other.vmx.x86-gas
        movq    $0x681e, %rbx           # GUEST_RIP
        leaq    l2_entry(%rip), %rax
        vmwrite %rax, %rbx
#       ^^^^^^^ keyword.other.vmx.x86-gas
#               ^^^^ variable.language.register.general.x86-gas
#                     ^^^^ variable.language.register.general.x86-gas
        vmwriteq %rax, %rbx
#       ^^^^^^^^ keyword.other.vmx.x86-gas
#              ^ meta.size-suffix.x86-gas
        movq    $0x4402, %rax           # VM_EXIT_REASON
        vmread  %rax, %rbx
#       ^^^^^^ keyword.other.vmx.x86-gas
        vmread  %rax, 8(%rsp)
#       ^^^^^^ keyword.other.vmx.x86-gas
#                     ^ constant.numeric.decimal.x86-gas
        vmlaunch
#       ^^^^^^^^ keyword.other.vmx.x86-gas
        vmresume
#       ^^^^^^^^ keyword.other.vmx.x86-gas
        jc      vmfail_invalid
        jz      vmfail_valid
        vmcall
#       ^^^^^^ keyword.other.vmx.x86-gas
        vmfunc
#       ^^^^^^ keyword.other.vmx.x86-gas
        invept  (%rsi), %rax
#       ^^^^^^ keyword.other.vmx.x86-gas
        invvpid (%rsi), %rax
#       ^^^^^^^ keyword.other.vmx.x86-gas
        vmxoff
#       ^^^^^^ keyword.other.vmx.x86-gas
        vmxon(%rax)
#       ^^^^^ keyword.other.vmx.x86-gas
#            ^^^^^^ meta.memory-operand.x86-gas
vmlaunch_done:
# <- entity.name.function.label.x86-gas - keyword.other.vmx
        jmp     vmlaunch_done
#               ^^^^^^^^^^^^^ variable.other.symbol.x86-gas - keyword.other.vmx
        vmmcall
#       ^^^^^^^ keyword.other.svm.x86-gas - keyword.other.vmx
