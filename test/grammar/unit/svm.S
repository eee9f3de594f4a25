# SYNTAX TEST "source.x86-gas" "AMD SVM: VMRUN loop of an L1 hypervisor"

        movl    $0xc0000080, %ecx       # EFER
        rdmsr
        orl     $(1 << 12), %eax        # EFER.SVME
        wrmsr
#       ^^^^^ keyword.other.privileged.x86-gas
        movq    vmcb12_pa(%rip), %rax
1:      clgi
#       ^^^^ meta.instruction.x86-gas keyword.other.svm.x86-gas
        vmload  %rax
#       ^^^^^^ keyword.other.svm.x86-gas
#               ^^^^ variable.language.register.general.x86-gas
        vmrun   %rax
#       ^^^^^ keyword.other.svm.x86-gas
#               ^ punctuation.definition.register.x86-gas
#                ^^^ variable.language.register.general.x86-gas
        vmrun
#       ^^^^^ keyword.other.svm.x86-gas
        vmsave  %rax
#       ^^^^^^ keyword.other.svm.x86-gas
        stgi
#       ^^^^ keyword.other.svm.x86-gas
        vmmcall
#       ^^^^^^^ keyword.other.svm.x86-gas
        invlpga %rax, %ecx
#       ^^^^^^^ keyword.other.svm.x86-gas
        skinit  %eax
#       ^^^^^^ keyword.other.svm.x86-gas
        rep vmmcall
#       ^^^ storage.modifier.prefix.x86-gas
#           ^^^^^^^ keyword.other.svm.x86-gas
        vmgexit
#       ^^^^^^^ keyword.other.svm.x86-gas
        jmp     1b
        .intel_syntax noprefix
        vmrun   rax
#       ^^^^^ meta.syntax.intel.x86-gas keyword.other.svm.x86-gas
#               ^^^ variable.language.register.general.x86-gas
        .att_syntax
