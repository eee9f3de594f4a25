# SYNTAX TEST "source.x86-gas" "C preprocessor lines of a .S file"

#include <asm/msr-index.h>
# <- meta.preprocessor.include.x86-gas keyword.control.directive.include.x86-gas punctuation.definition.directive.x86-gas
#^^^^^^^ meta.preprocessor.include.x86-gas keyword.control.directive.include.x86-gas
#        ^^^^^^^^^^^^^^^^^ string.quoted.other.lt-gt.include.x86-gas
#include "vmcs-fields.h"
#        ^^^^^^^^^^^^^^^ string.quoted.double.include.x86-gas
  # include "indented.h"
# ^^^^^^^^^ keyword.control.directive.include.x86-gas
#           ^^^^^^^^^^^^ string.quoted.double.include.x86-gas

#define MSR_IA32_VMX_BASIC 0x480
# <- meta.preprocessor.macro.x86-gas keyword.control.directive.define.x86-gas punctuation.definition.directive.x86-gas
#^^^^^^ keyword.control.directive.define.x86-gas
#       ^^^^^^^^^^^^^^^^^^ entity.name.function.preprocessor.x86-gas
#                          ^^^^^ meta.preprocessor.macro.x86-gas constant.numeric.hex.x86-gas
#define VMCS_FIELD(name, enc) .set name, enc
#       ^^^^^^^^^^ entity.name.function.preprocessor.x86-gas
#                 ^ punctuation.definition.parameters.begin.x86-gas
#                  ^^^^ variable.parameter.preprocessor.x86-gas
#                        ^^^ variable.parameter.preprocessor.x86-gas
#                           ^ punctuation.definition.parameters.end.x86-gas
#define SAVE_GPRS                           \
        push %rax; push %rcx; push %rdx;    \
        vmread %rax, %rbx /* in a macro */
#       ^^^^^^ meta.preprocessor.macro.x86-gas keyword.other.vmx.x86-gas
#              ^^^^ meta.preprocessor.macro.x86-gas variable.language.register.general.x86-gas
#                         ^^^^^^^^^^^^^^^^ meta.preprocessor.macro.x86-gas comment.block.x86-gas
        push %rax
#       ^^^^ meta.instruction.x86-gas - meta.preprocessor
#define STR(x) #x
#              ^ keyword.operator.preprocessor.x86-gas - comment
#define CAT(a, b) a ## b
#                   ^^ keyword.operator.preprocessor.x86-gas
#define GDT_LIMIT (gdt_end - gdt - 1)   // bytes
#                 ^ punctuation.section.parens.begin.x86-gas
#                  ^^^^^^^ variable.other.symbol.x86-gas - entity.name.function.macro.call
#                                       ^^^^^^^^ comment.line.double-slash.x86-gas

#ifdef CONFIG_NESTED_SVM
# <- meta.preprocessor.x86-gas keyword.control.directive.conditional.x86-gas
#^^^^^ keyword.control.directive.conditional.x86-gas
#      ^^^^^^^^^^^^^^^^^ variable.other.constant.preprocessor.x86-gas
#ifndef __ASSEMBLER__
#^^^^^^ keyword.control.directive.conditional.x86-gas
#if defined(CONFIG_VMX) && !defined(CONFIG_SVM) || VMX_REV >= 2
#^^ meta.preprocessor.x86-gas keyword.control.directive.conditional.x86-gas
#   ^^^^^^^ keyword.operator.defined.x86-gas
#           ^^^^^^^^^^ variable.other.constant.preprocessor.x86-gas
#                       ^^ keyword.operator.x86-gas
#                                                          ^^ keyword.operator.x86-gas
#                                                             ^ constant.numeric.decimal.x86-gas
#elif X86_64
#^^^^ keyword.control.directive.conditional.x86-gas
#else
#^^^^ keyword.control.directive.conditional.x86-gas
#endif /* CONFIG_VMX */
#^^^^^ keyword.control.directive.conditional.x86-gas
#      ^^^^^^^^^^^^^^^^ comment.block.x86-gas
#  if VMX_DEBUG
#  ^^ keyword.control.directive.conditional.x86-gas
#  endif
#  ^^^^^ keyword.control.directive.conditional.x86-gas
#undef SAVE_GPRS
#^^^^^ keyword.control.directive.conditional.x86-gas
#      ^^^^^^^^^ variable.other.constant.preprocessor.x86-gas
#error "VMX support needs x86-64"
#^^^^^ meta.preprocessor.diagnostic.x86-gas keyword.control.directive.diagnostic.x86-gas
#      ^^^^^^^^^^^^^^^^^^^^^^^^^^ string.unquoted.preprocessor.message.x86-gas
#warning untested
#        ^^^^^^^^ string.unquoted.preprocessor.message.x86-gas
#pragma once
#^^^^^^ keyword.control.directive.x86-gas
# 1 "vmx-entry.S"
# <- meta.preprocessor.line-marker.x86-gas punctuation.definition.directive.x86-gas
# ^ constant.numeric.decimal.x86-gas
#   ^^^^^^^^^^^^^ string.quoted.double.x86-gas

# Plain comments that merely start with a directive word stay comments:
# if the guest faults, L1 sees the exit
# <- comment.line.number-sign.x86-gas
#^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^ comment.line.number-sign.x86-gas - meta.preprocessor
# define the stack below
#^^^^^^^^^^^^^^^^^^^^^^^ comment.line.number-sign.x86-gas - meta.preprocessor
# else we retry
#^^^^^^^^^^^^^^ comment.line.number-sign.x86-gas - meta.preprocessor
# include guards are not needed here
#^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^ comment.line.number-sign.x86-gas - meta.preprocessor

        movl    $MSR_IA32_VMX_BASIC, %ecx
#                ^^^^^^^^^^^^^^^^^^ variable.other.constant.immediate.x86-gas
        rdmsr
#       ^^^^^ keyword.other.privileged.x86-gas
