# SYNTAX TEST "source.x86-gas" "AT&T registers"

        movq %rax, %r15
#            ^ variable.language.register.general.x86-gas punctuation.definition.register.x86-gas
#             ^^^ variable.language.register.general.x86-gas
#                  ^^^^ variable.language.register.general.x86-gas
        movl %eax, %r15d
#            ^^^^ variable.language.register.general.x86-gas
#                  ^^^^^ variable.language.register.general.x86-gas
        movw %ax, %r8w
#            ^^^ variable.language.register.general.x86-gas
#                 ^^^^ variable.language.register.general.x86-gas
        movb %al, %ah; movb %sil, %r9b; movb %spl, %r10l
#            ^^^ variable.language.register.general.x86-gas
#                 ^^^ variable.language.register.general.x86-gas
#                           ^^^^ variable.language.register.general.x86-gas
#                                 ^^^^ variable.language.register.general.x86-gas
#                                            ^^^^ variable.language.register.general.x86-gas
#                                                  ^^^^^ variable.language.register.general.x86-gas
        push %rbx; push %rcx; push %rdx; push %rsi; push %rdi; push %rbp; push %rsp
#                                                                                ^^^^ variable.language.register.general.x86-gas
        leaq vmcs12(%rip), %rdi
#                   ^^^^ variable.language.register.ip.x86-gas

        movq %cr0, %rax; movq %rax, %cr3; movq %cr4, %rax; movq %cr8, %rax
#            ^^^^ variable.language.register.control.x86-gas
#                                   ^^^^ variable.language.register.control.x86-gas
#                                                               ^^^^ variable.language.register.control.x86-gas
        movq %dr0, %rax; movq %rax, %dr7
#            ^^^^ variable.language.register.debug.x86-gas
#                                   ^^^^ variable.language.register.debug.x86-gas
        movw %cs, %ax; movw %ax, %ds; movw %ax, %es; movw %ax, %fs; movw %ax, %gs; movw %ax, %ss
#            ^^^ variable.language.register.segment.x86-gas
#                                ^^^ variable.language.register.segment.x86-gas
#                                                                                            ^^^ variable.language.register.segment.x86-gas
        movaps %xmm0, %xmm15; vmovdqa %ymm1, %ymm2; vmovdqa64 %zmm31, %zmm3
#              ^^^^^ variable.language.register.simd.x86-gas
#                     ^^^^^^ variable.language.register.simd.x86-gas
#                                     ^^^^^ variable.language.register.simd.x86-gas
#                                                             ^^^^^^ variable.language.register.simd.x86-gas
        movq %mm0, %rax
#            ^^^^ variable.language.register.mmx.x86-gas
        fadd %st(1), %st
#            ^^^^^^ variable.language.register.fpu.x86-gas
#               ^ punctuation.definition.register.begin.x86-gas
#                ^ constant.numeric.decimal.x86-gas
#                 ^ punctuation.definition.register.end.x86-gas
#                    ^^^ variable.language.register.fpu.x86-gas
        kmovw %k1, %eax
#             ^^^ variable.language.register.mask.x86-gas
        bndmk (%rax), %bnd0
#                     ^^^^^ variable.language.register.bound.x86-gas

        movq %raxx, %rax16
#            ^^^^^ - variable.language.register
#                   ^^^^^^ - variable.language.register
        movq rax, %rax
#            ^^^ variable.other.symbol.x86-gas - variable.language.register
