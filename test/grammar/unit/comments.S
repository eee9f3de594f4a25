# SYNTAX TEST "source.x86-gas" "comments and statement separators"

# a whole-line comment
# <- comment.line.number-sign.x86-gas punctuation.definition.comment.x86-gas
#^^^^^^^^^^^^^^^^^^^^^ comment.line.number-sign.x86-gas

        movq %rax, %rbx   # trailing comment with ; and "quotes"
#                         ^ comment.line.number-sign.x86-gas punctuation.definition.comment.x86-gas
#                          ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^ comment.line.number-sign.x86-gas
#                                                ^ - punctuation.separator.statement.x86-gas
#                                                        ^ - string

        nop             // C++ comment (cpp strips it in .S files)
#                       ^^ comment.line.double-slash.x86-gas punctuation.definition.comment.x86-gas
#                         ^^^^^^^^^^^^^ comment.line.double-slash.x86-gas

// at the start of a line
# <- comment.line.double-slash.x86-gas

        /* block */ hlt
#       ^^ comment.block.x86-gas punctuation.definition.comment.begin.x86-gas
#          ^^^^^ comment.block.x86-gas
#                ^^ comment.block.x86-gas punctuation.definition.comment.end.x86-gas
#                   ^^^ keyword.other.privileged.x86-gas - comment

/* a block comment
   spanning lines: movq %rax, %rbx ; vmlaunch
#                  ^^^^ comment.block.x86-gas - keyword
#                                    ^^^^^^^^ comment.block.x86-gas - keyword
 */ vmxoff
# <- comment.block.x86-gas
#^^ comment.block.x86-gas punctuation.definition.comment.end.x86-gas
#   ^^^^^^ keyword.other.vmx.x86-gas

        movq %rax, (%rdi) /* inside */, %rcx
#                         ^^^^^^^^^^^^ meta.instruction.x86-gas comment.block.x86-gas
#                                       ^^^^ meta.instruction.x86-gas variable.language.register.general.x86-gas

        push %rax; push %rbx ;pop %rcx
#                ^ punctuation.separator.statement.x86-gas - meta.instruction
#                  ^^^^ meta.instruction.x86-gas keyword.other.instruction.x86-gas
#                            ^ punctuation.separator.statement.x86-gas
#                             ^^^ keyword.other.instruction.x86-gas
#                                 ^^^^ variable.language.register.general.x86-gas

        .quad 1 ; .quad 2 # two statements
#             ^ meta.directive.data.x86-gas constant.numeric.decimal.x86-gas
#               ^ punctuation.separator.statement.x86-gas - meta.directive
#                 ^^^^^ meta.directive.data.x86-gas keyword.control.directive.data.x86-gas
#                         ^^^^^^^^^^^^^^^^ comment.line.number-sign.x86-gas
