# SYNTAX TEST "source.x86-gas" "labels, local labels and label references"

vmx_entry:
# <- entity.name.function.label.x86-gas
#^^^^^^^^ entity.name.function.label.x86-gas
#        ^ punctuation.separator.label.x86-gas

.Lretry: vmresume
# <- entity.name.label.local.x86-gas
#^^^^^^ entity.name.label.local.x86-gas
#      ^ punctuation.separator.label.x86-gas
#        ^^^^^^^^ meta.instruction.x86-gas keyword.other.vmx.x86-gas

1:      jmp 1b
# <- entity.name.label.local.numeric.x86-gas
#^ punctuation.separator.label.x86-gas
#       ^^^ keyword.control.instruction.x86-gas
#           ^^ variable.other.label.local.x86-gas

        jnz     2f
#               ^^ variable.other.label.local.x86-gas - constant.numeric
        leaq    10b(%rip), %rax
#               ^^^ variable.other.label.local.x86-gas
        movq    $1f, %rax
#               ^ punctuation.definition.immediate.x86-gas
#                ^^ variable.other.label.local.x86-gas
2: 3:   nop
# <- entity.name.label.local.numeric.x86-gas
#  ^ entity.name.label.local.numeric.x86-gas
#       ^^^ keyword.other.instruction.x86-gas

    exit_handler: call handle_exit@PLT
#   ^^^^^^^^^^^^ entity.name.function.label.x86-gas
#                 ^^^^ keyword.control.instruction.x86-gas
#                      ^^^^^^^^^^^ variable.other.symbol.x86-gas
#                                 ^^^^ support.constant.x86-gas

foo$bar.1:
# <- entity.name.function.label.x86-gas
#^^^^^^^^ entity.name.function.label.x86-gas

        jmp     vmx_entry
#               ^^^^^^^^^ variable.other.symbol.x86-gas - entity.name
