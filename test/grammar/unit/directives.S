# SYNTAX TEST "source.x86-gas" "assembler directives"

        .section .text.vmx, "ax", @progbits
#       ^^^^^^^^ meta.directive.section.x86-gas keyword.control.directive.section.x86-gas
#                ^^^^^^^^^ entity.name.section.x86-gas - keyword
#                           ^^^^ string.quoted.double.x86-gas
#                                 ^^^^^^^^^ support.constant.section-type.x86-gas
        .section .note.GNU-stack,"",%progbits
#                ^^^^^^^^^^^^^^^ entity.name.section.x86-gas
#                                   ^^^^^^^^^ support.constant.section-type.x86-gas
        .text
#       ^^^^^ keyword.control.directive.section.x86-gas
        .data
#       ^^^^^ keyword.control.directive.section.x86-gas
        .bss
#       ^^^^ keyword.control.directive.section.x86-gas

        .globl  vmx_entry, vmx_exit
#       ^^^^^^ meta.directive.symbol.x86-gas keyword.control.directive.symbol.x86-gas
#               ^^^^^^^^^ entity.name.function.x86-gas
#                          ^^^^^^^^ entity.name.function.x86-gas
        .global _start
#       ^^^^^^^ keyword.control.directive.symbol.x86-gas
#               ^^^^^^ entity.name.function.x86-gas
        .type   vmx_entry, @function
#               ^^^^^^^^^ entity.name.function.x86-gas
#                          ^^^^^^^^^ support.constant.x86-gas
        .size   vmx_entry, . - vmx_entry
#                          ^ variable.language.location-counter.x86-gas
#                            ^ keyword.operator.x86-gas

        .quad   0xffffffff80000000, vmcs12_page
#       ^^^^^ meta.directive.data.x86-gas keyword.control.directive.data.x86-gas
#               ^^^^^^^^^^^^^^^^^^ constant.numeric.hex.x86-gas
#                                 ^ punctuation.separator.comma.x86-gas
#                                   ^^^^^^^^^^^ variable.other.symbol.x86-gas
        .byte   0x0f, 0x01, 0xc1        # vmcall, by hand
#       ^^^^^ keyword.control.directive.data.x86-gas
#                                       ^^^^^^^^^^^^^^^^^ comment.line.number-sign.x86-gas
        .long   1 << 31 | 2
#                 ^^ keyword.operator.x86-gas
#                       ^ keyword.operator.x86-gas
        .word   -1, ~0
#               ^ keyword.operator.x86-gas
#                ^ constant.numeric.decimal.x86-gas
#                   ^ keyword.operator.x86-gas
        .zero   4096
#       ^^^^^ keyword.control.directive.data.x86-gas
        .fill   16, 1, 0x90
#       ^^^^^ keyword.control.directive.data.x86-gas

        .ascii  "VMX \"on\"\n\t\x41\101\\"
#       ^^^^^^ keyword.control.directive.data.x86-gas
#               ^ string.quoted.double.x86-gas punctuation.definition.string.begin.x86-gas
#                ^^^^ string.quoted.double.x86-gas - constant.character.escape
#                    ^^ string.quoted.double.x86-gas constant.character.escape.x86-gas
#                        ^^ constant.character.escape.x86-gas
#                          ^^ constant.character.escape.x86-gas
#                            ^^ constant.character.escape.x86-gas
#                              ^^^^ constant.character.escape.x86-gas
#                                  ^^^^ constant.character.escape.x86-gas
#                                      ^^ constant.character.escape.x86-gas
#                                        ^ string.quoted.double.x86-gas punctuation.definition.string.end.x86-gas
        .asciz  "L1 hypervisor # not a comment; nor a separator"
#       ^^^^^^ keyword.control.directive.data.x86-gas
#                              ^ string.quoted.double.x86-gas - comment
#                                            ^ string.quoted.double.x86-gas - punctuation.separator
        .string "x"
#       ^^^^^^^ keyword.control.directive.data.x86-gas

        .align  4096
#       ^^^^^^ meta.directive.x86-gas keyword.control.directive.x86-gas
#               ^^^^ constant.numeric.decimal.x86-gas
        .balign 16, 0x90
#       ^^^^^^^ keyword.control.directive.x86-gas
        .p2align 12
#       ^^^^^^^^ keyword.control.directive.x86-gas

        .macro  VMWRITE_FIELD field, src=%rax, scratch:req, rest:vararg
#       ^^^^^^ meta.directive.macro.x86-gas keyword.control.directive.macro.x86-gas
#               ^^^^^^^^^^^^^ entity.name.function.macro.x86-gas
#                             ^^^^^ variable.parameter.macro.x86-gas
#                                    ^^^ variable.parameter.macro.x86-gas
#                                       ^ keyword.operator.assignment.x86-gas
#                                        ^^^^ variable.language.register.general.x86-gas
#                                              ^^^^^^^ variable.parameter.macro.x86-gas
#                                                     ^ punctuation.separator.qualifier.x86-gas
#                                                      ^^^ storage.modifier.macro.x86-gas
#                                                                ^^^^^^ storage.modifier.macro.x86-gas
        movq    $\field, %rdx
#       ^^^^ keyword.other.instruction.x86-gas
#               ^ punctuation.definition.immediate.x86-gas
#                ^ variable.parameter.macro.x86-gas punctuation.definition.variable.x86-gas
#                 ^^^^^ variable.parameter.macro.x86-gas
        vmwrite \src, %rdx
#       ^^^^^^^ keyword.other.vmx.x86-gas
#               ^^^^ variable.parameter.macro.x86-gas
        movq    \scratch\()_save(%rip), %rcx
#               ^^^^^^^^ variable.parameter.macro.x86-gas
#                       ^^^ keyword.operator.macro.concatenation.x86-gas
        .Lm\@:  nop
#          ^^ variable.language.macro.counter.x86-gas
        .endm
#       ^^^^^ keyword.control.directive.macro.x86-gas
        .exitm
#       ^^^^^^ keyword.control.directive.macro.x86-gas

        VMWRITE_FIELD 0x681e, %rbx
#       ^^^^^^^^^^^^^ meta.instruction.x86-gas entity.name.function.macro.call.x86-gas
#                     ^^^^^^ constant.numeric.hex.x86-gas

        .rept   8
#       ^^^^^ keyword.control.directive.macro.x86-gas
#               ^ constant.numeric.decimal.x86-gas
        .endr
#       ^^^^^ keyword.control.directive.macro.x86-gas
        .irp    reg, rax, rbx
#       ^^^^ keyword.control.directive.macro.x86-gas
#               ^^^ variable.other.symbol.x86-gas - meta.instruction
#                    ^^^ variable.other.symbol.x86-gas - variable.language

        .equ    VMCS_GUEST_RIP, 0x681e
#       ^^^^ meta.directive.constant.x86-gas keyword.control.directive.constant.x86-gas
#               ^^^^^^^^^^^^^^ variable.other.constant.x86-gas
#                               ^^^^^^ constant.numeric.hex.x86-gas
        .set    STACK_SIZE, 4096 * 4
#       ^^^^ keyword.control.directive.constant.x86-gas
#               ^^^^^^^^^^ variable.other.constant.x86-gas
#                                ^ keyword.operator.x86-gas
        EXIT_REASON_CPUID = 10
#       ^^^^^^^^^^^^^^^^^ variable.other.constant.x86-gas
#                         ^ keyword.operator.assignment.x86-gas
#                           ^^ constant.numeric.decimal.x86-gas
        limit == gdt_end - gdt - 1
#       ^^^^^ variable.other.constant.x86-gas
#             ^^ keyword.operator.assignment.x86-gas
#                ^^^^^^^ variable.other.symbol.x86-gas - meta.instruction

        .code16
#       ^^^^^^^ meta.directive.mode.x86-gas keyword.control.directive.mode.x86-gas
        .code32
#       ^^^^^^^ keyword.control.directive.mode.x86-gas
        .code64
#       ^^^^^^^ keyword.control.directive.mode.x86-gas
        .code16gcc
#       ^^^^^^^^^^ keyword.control.directive.mode.x86-gas

        .if     NESTED_SVM == 1
#       ^^^ meta.directive.conditional.x86-gas keyword.control.directive.conditional.x86-gas
#               ^^^^^^^^^^ variable.other.symbol.x86-gas - variable.other.constant
#                          ^^ keyword.operator.x86-gas
        .ifdef  CONFIG_VMX
#       ^^^^^^ keyword.control.directive.conditional.x86-gas
        .else
#       ^^^^^ keyword.control.directive.conditional.x86-gas
        .endif
#       ^^^^^^ keyword.control.directive.conditional.x86-gas

        .att_syntax prefix
#       ^^^^^^^^^^^ keyword.control.directive.syntax.x86-gas
#                   ^^^^^^ support.constant.option.x86-gas
        .include "vmx-macros.inc"
#       ^^^^^^^^ keyword.control.directive.x86-gas
#                ^^^^^^^^^^^^^^^^ string.quoted.double.x86-gas
        .cfi_startproc
#       ^^^^^^^^^^^^^^ keyword.control.directive.x86-gas
        .cfi_offset %rbp, -16
#                   ^^^^ variable.language.register.general.x86-gas
        .file   "vmx.S"
#       ^^^^^ keyword.control.directive.x86-gas

        .irp    reg, rbx, rbp
        pushq   %\reg
#               ^ punctuation.definition.register.x86-gas - keyword.operator
#                ^^^^ variable.parameter.macro.x86-gas
        .endr
