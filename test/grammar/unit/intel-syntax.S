# SYNTAX TEST "source.x86-gas" "Intel syntax regions: .intel_syntax noprefix up to .att_syntax"

        movq    %rax, %rbx
#       ^^^^^^^^^^^^^^^^^^ - meta.syntax.intel
        .intel_syntax noprefix
#       ^^^^^^^^^^^^^ meta.syntax.intel.x86-gas keyword.control.directive.syntax.x86-gas
#                     ^^^^^^^^ meta.syntax.intel.x86-gas support.constant.option.x86-gas
        mov     rax, rbx
#       ^^^ meta.syntax.intel.x86-gas meta.instruction.x86-gas keyword.other.instruction.x86-gas
#               ^^^ variable.language.register.general.x86-gas
#                  ^ punctuation.separator.comma.x86-gas
#                    ^^^ variable.language.register.general.x86-gas
        mov     rax, qword ptr [rbx + rcx*8 + 0x10]
#                    ^^^^^ storage.type.size.x86-gas
#                          ^^^ storage.modifier.ptr.x86-gas
#                              ^ meta.memory-operand.x86-gas punctuation.definition.memory.begin.x86-gas
#                               ^^^ meta.memory-operand.x86-gas variable.language.register.general.x86-gas
#                                   ^ keyword.operator.x86-gas
#                                        ^ keyword.operator.x86-gas
#                                         ^ constant.numeric.scale.x86-gas
#                                             ^^^^ constant.numeric.hex.x86-gas
#                                                 ^ punctuation.definition.memory.end.x86-gas
        mov     rax, fs:[0x28]
#                    ^^ variable.language.register.segment.x86-gas
#                      ^ punctuation.separator.segment.x86-gas
        mov     dword ptr [rip + vmcs12_ptr], eax
#       ^^^ keyword.other.instruction.x86-gas
#                          ^^^ variable.language.register.ip.x86-gas
#                                ^^^^^^^^^^ variable.other.symbol.x86-gas
        movzx   eax, byte ptr [rsi]
#       ^^^^^ keyword.other.instruction.x86-gas
#                    ^^^^ storage.type.size.x86-gas
        mov     eax, 0ffh
#                    ^^^^ constant.numeric.hex.x86-gas
        mov     eax, 10
#                    ^^ constant.numeric.decimal.x86-gas
        lea     rdi, [rip + 1f]
#                           ^^ variable.other.label.local.x86-gas
        mov     rsi, offset vmcs12_region
#                    ^^^^^^ keyword.operator.word.x86-gas
#                           ^^^^^^^^^^^^^ variable.other.symbol.x86-gas
        mov     cr3, rax
#       ^^^ keyword.other.privileged.x86-gas
#               ^^^ variable.language.register.control.x86-gas
        mov     rax, dr6
#       ^^^ keyword.other.privileged.x86-gas
#                    ^^^ variable.language.register.debug.x86-gas
        mov     rax, cr0_shadow
#       ^^^ keyword.other.instruction.x86-gas - keyword.other.privileged
#                    ^^^^^^^^^^ variable.other.symbol.x86-gas
        vmptrld [rdi]
#       ^^^^^^^ keyword.other.vmx.x86-gas
#               ^^^^^ meta.memory-operand.x86-gas
        vmwrite rbx, rax
#       ^^^^^^^ keyword.other.vmx.x86-gas
        vmread  rax, rbx
#       ^^^^^^ keyword.other.vmx.x86-gas
        vmlaunch
#       ^^^^^^^^ keyword.other.vmx.x86-gas
        movq    xmm0, rax
#       ^^^^ keyword.other.instruction.x86-gas - meta.size-suffix
        iretq
#       ^^^^^ keyword.other.privileged.x86-gas - meta.size-suffix
        fld     st(1)
#               ^^^^^ variable.language.register.fpu.x86-gas
        lgdt    [gdt_desc]
#       ^^^^ keyword.other.privileged.x86-gas
        jmp     qword ptr [rax*8 + exit_table]
#       ^^^ keyword.control.instruction.x86-gas
1:      ret                     # comment in Intel syntax
# <- meta.syntax.intel.x86-gas entity.name.label.local.numeric.x86-gas
#                               ^^^^^^^^^^^^^^^^^^^^^^^^^ comment.line.number-sign.x86-gas
        .quad   0x10
#       ^^^^^ meta.syntax.intel.x86-gas keyword.control.directive.data.x86-gas
        .att_syntax
#       ^^^^^^^^^^^ keyword.control.directive.syntax.x86-gas - meta.syntax.intel
        mov     rax, rbx
#               ^^^ variable.other.symbol.x86-gas - variable.language.register
#       ^^^ - meta.syntax.intel

        .intel_syntax
        mov     %rax, [%rbx]
#               ^^^^ meta.syntax.intel.x86-gas variable.language.register.general.x86-gas
#                      ^^^ meta.memory-operand.x86-gas variable.language.register.general.x86-gas
        .att_syntax noprefix
#       ^^^^^^^^^^^ - meta.syntax.intel
