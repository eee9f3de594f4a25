# SYNTAX TEST "source.x86-gas" "AT&T operands: immediates, numbers, memory, segment overrides"

        movq    $0x10, %rax
#               ^ meta.instruction.x86-gas punctuation.definition.immediate.x86-gas
#                ^^^^ constant.numeric.hex.x86-gas
        movq    $vmcs12_region, %rdi
#               ^ punctuation.definition.immediate.x86-gas
#                ^^^^^^^^^^^^^ variable.other.constant.immediate.x86-gas
        movl    $-1, %eax
#                ^ keyword.operator.x86-gas
#                 ^ constant.numeric.decimal.x86-gas
        movl    $(1 << 5) | 3, %eax
#               ^ punctuation.definition.immediate.x86-gas
#                ^ punctuation.section.parens.begin.x86-gas
#                   ^^ keyword.operator.x86-gas
#                       ^ punctuation.section.parens.end.x86-gas
        movb    $'a', %al
#                ^ constant.character.x86-gas punctuation.definition.character.begin.x86-gas
#                 ^ constant.character.x86-gas
#                  ^ constant.character.x86-gas punctuation.definition.character.end.x86-gas
        movb    $'\n, %al
#                ^^^ constant.character.x86-gas
#                 ^^ constant.character.escape.x86-gas
        movb    $'#', %al     # the '#' is a character, this is the comment
#                 ^ constant.character.x86-gas - comment
#                             ^ comment.line.number-sign.x86-gas

        .quad   0x7fffffff, 0XDEAD, 0777, 0b1011, 0B1, 42, 0, 0f1.5e3, 0d-2.5
#               ^^^^^^^^^^ constant.numeric.hex.x86-gas
#                           ^^^^^^ constant.numeric.hex.x86-gas
#                                   ^^^^ constant.numeric.octal.x86-gas
#                                         ^^^^^^ constant.numeric.binary.x86-gas
#                                                 ^^^ constant.numeric.binary.x86-gas
#                                                      ^^ constant.numeric.decimal.x86-gas
#                                                          ^ constant.numeric.decimal.x86-gas
#                                                             ^^^^^^^ constant.numeric.float.x86-gas
#                                                                      ^^^^^^ constant.numeric.float.x86-gas

        movq    8(%rsp), %rax
#               ^ constant.numeric.decimal.x86-gas
#                ^^^^^^ meta.memory-operand.x86-gas
#                ^ punctuation.definition.memory.begin.x86-gas
#                  ^^^ variable.language.register.general.x86-gas
#                     ^ punctuation.definition.memory.end.x86-gas
#                        ^^^^ - meta.memory-operand
        movq    -0x18(%rbp,%rcx,8), %rdx
#               ^ keyword.operator.x86-gas
#                ^^^^ constant.numeric.hex.x86-gas
#                     ^^^^^^^^^^^^ meta.memory-operand.x86-gas
#                         ^ punctuation.separator.memory.x86-gas
#                              ^ punctuation.separator.memory.x86-gas
#                               ^ constant.numeric.scale.x86-gas
        leaq    vmcs_table(,%rax,4), %rsi
#               ^^^^^^^^^^ variable.other.symbol.x86-gas
#                         ^^^^^^^^^ meta.memory-operand.x86-gas
#                          ^ punctuation.separator.memory.x86-gas
#                                ^ constant.numeric.scale.x86-gas
        movq    (VMCS_SIZE + 8)(%rdi), %rax
#               ^ punctuation.section.parens.begin.x86-gas - meta.memory-operand
#                ^^^^^^^^^ variable.other.symbol.x86-gas
#                              ^ meta.memory-operand.x86-gas punctuation.definition.memory.begin.x86-gas
        movq    %fs:0x28, %rax
#               ^^^ variable.language.register.segment.x86-gas
#                  ^ punctuation.separator.segment.x86-gas
#                   ^^^^ constant.numeric.hex.x86-gas
        movq    %gs:cpu_vmcs(,%rcx,8), %rdi
#               ^^^ variable.language.register.segment.x86-gas
#                  ^ punctuation.separator.segment.x86-gas
#                   ^^^^^^^^ variable.other.symbol.x86-gas
        movsb   %es:(%rdi), %al
#               ^^^ variable.language.register.segment.x86-gas
#                   ^^^^^^ meta.memory-operand.x86-gas

        jmp     *%rax
#               ^ keyword.operator.indirect.x86-gas
        call    *exit_handlers(,%rax,8)
#               ^ keyword.operator.indirect.x86-gas
        ljmp    $0x08, $1f
#       ^^^^ keyword.control.instruction.x86-gas
#                ^^^^ constant.numeric.hex.x86-gas
#                       ^^ variable.other.label.local.x86-gas
        call    printk@PLT
#                     ^^^^ support.constant.x86-gas
        movq    vmcs_ptr@GOTPCREL(%rip), %rax
#               ^^^^^^^^ variable.other.symbol.x86-gas
#                       ^^^^^^^^^ support.constant.x86-gas
        jmp     .
#               ^ variable.language.location-counter.x86-gas
        vaddps  %zmm1, %zmm2, %zmm3{%k1}{z}
#                                  ^ punctuation.definition.decorator.begin.x86-gas
#                                   ^^^ variable.language.register.mask.x86-gas
#                                       ^^^ storage.modifier.decorator.x86-gas
