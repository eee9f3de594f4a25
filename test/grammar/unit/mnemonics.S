# SYNTAX TEST "source.x86-gas" "mnemonics, AT&T size suffixes and prefixes"

        movq    %rax, %rbx
#       ^^^^ meta.instruction.x86-gas keyword.other.instruction.x86-gas
#          ^ meta.size-suffix.x86-gas
#       ^^^ - meta.size-suffix
        addl    $1, %eax
#       ^^^^ keyword.other.instruction.x86-gas
#          ^ meta.size-suffix.x86-gas
        subw    $1, %ax
#          ^ meta.size-suffix.x86-gas
        xorb    %al, %al
#          ^ meta.size-suffix.x86-gas
        mov     %rax, %rbx
#       ^^^ keyword.other.instruction.x86-gas
        pushq   $0
#       ^^^^ keyword.other.instruction.x86-gas
#           ^ meta.size-suffix.x86-gas
        popfq
#       ^^^^^ keyword.other.instruction.x86-gas
#           ^ meta.size-suffix.x86-gas
        movabsq $0x123456789, %rax
#       ^^^^^^^ keyword.other.instruction.x86-gas
#             ^ meta.size-suffix.x86-gas
        shlq    $12, %rax
#       ^^^^ keyword.other.instruction.x86-gas
#          ^ meta.size-suffix.x86-gas
        shldq   $4, %rbx, %rax
#       ^^^^^ keyword.other.instruction.x86-gas
#           ^ meta.size-suffix.x86-gas
        nopw    0x0(%rax,%rax,1)
#       ^^^^ keyword.other.instruction.x86-gas
#          ^ meta.size-suffix.x86-gas
        movzbl  (%rsi), %eax
#       ^^^^^^ keyword.other.instruction.x86-gas - meta.size-suffix
        movslq  %eax, %rax
#       ^^^^^^ keyword.other.instruction.x86-gas
        cltq
#       ^^^^ keyword.other.instruction.x86-gas
        cmovneq %rbx, %rax
#       ^^^^^^^ keyword.other.instruction.x86-gas
        setb    %al
#       ^^^^ keyword.other.instruction.x86-gas - meta.size-suffix
        btsq    $5, (%rdi)
#       ^^^^ keyword.other.instruction.x86-gas
#          ^ meta.size-suffix.x86-gas
        lock cmpxchgq %rcx, (%rdi)
#       ^^^^ storage.modifier.prefix.x86-gas - meta.instruction
#            ^^^^^^^^ meta.instruction.x86-gas keyword.other.instruction.x86-gas
#                   ^ meta.size-suffix.x86-gas
        rep movsb
#       ^^^ storage.modifier.prefix.x86-gas
#           ^^^^^ keyword.other.instruction.x86-gas
#               ^ meta.size-suffix.x86-gas
        repne scasb
#       ^^^^^ storage.modifier.prefix.x86-gas
        rep; stosq
#       ^^^ storage.modifier.prefix.x86-gas
#          ^ punctuation.separator.statement.x86-gas
#            ^^^^^ keyword.other.instruction.x86-gas
        {vex} vpaddd %ymm0, %ymm1, %ymm2
#       ^^^^^ storage.modifier.prefix.x86-gas
#             ^^^^^^ keyword.other.instruction.x86-gas

        call    handle_exit
#       ^^^^ keyword.control.instruction.x86-gas
        callq   *%rax
#       ^^^^^ keyword.control.instruction.x86-gas
#           ^ meta.size-suffix.x86-gas
        retq
#       ^^^^ keyword.control.instruction.x86-gas
#          ^ meta.size-suffix.x86-gas
        jmp     1f
#       ^^^ keyword.control.instruction.x86-gas
        je      1f
#       ^^ keyword.control.instruction.x86-gas
        jnbe    1f
#       ^^^^ keyword.control.instruction.x86-gas
        jrcxz   1f
#       ^^^^^ keyword.control.instruction.x86-gas
        loop    1b
#       ^^^^ keyword.control.instruction.x86-gas
        int3
#       ^^^^ keyword.control.instruction.x86-gas
        int     $0x80
#       ^^^ keyword.control.instruction.x86-gas
        syscall
#       ^^^^^^^ keyword.control.instruction.x86-gas

        fldt    (%rsp)
#       ^^^^ keyword.other.instruction.x86-gas
#          ^ meta.size-suffix.x86-gas
        fildll  (%rsp)
#       ^^^^^^ keyword.other.instruction.x86-gas
#           ^^ meta.size-suffix.x86-gas
        fldl2e
#       ^^^^^^ keyword.other.instruction.x86-gas - meta.size-suffix
        fninit
#       ^^^^^^ keyword.other.instruction.x86-gas
        movaps  %xmm0, (%rsp)
#       ^^^^^^ keyword.other.instruction.x86-gas
        vmovdqu %ymm0, (%rdi)
#       ^^^^^^^ keyword.other.instruction.x86-gas - keyword.other.vmx
        pxor    %xmm1, %xmm1
#       ^^^^ keyword.other.instruction.x86-gas
        cvtsi2sdq %rax, %xmm0
#       ^^^^^^^^^ keyword.other.instruction.x86-gas
        xsave   (%rdi)
#       ^^^^^ keyword.other.instruction.x86-gas
        rdtsc
#       ^^^^^ keyword.other.instruction.x86-gas
        pause
#       ^^^^^ keyword.other.instruction.x86-gas

        SAVE_ALL %rsp
#       ^^^^^^^^ meta.instruction.x86-gas entity.name.function.macro.call.x86-gas
#                ^^^^ variable.language.register.general.x86-gas
        movqq   %rax, %rbx
#       ^^^^^ entity.name.function.macro.call.x86-gas - keyword

# privileged system instructions
        lgdt    gdt_desc(%rip)
#       ^^^^ keyword.other.privileged.x86-gas
        lidtq   idt_desc
#       ^^^^^ keyword.other.privileged.x86-gas
#           ^ meta.size-suffix.x86-gas
        ltr     %ax
#       ^^^ keyword.other.privileged.x86-gas
        lldt    %ax
#       ^^^^ keyword.other.privileged.x86-gas
        sgdt    (%rdi)
#       ^^^^ keyword.other.privileged.x86-gas
        wrmsr
#       ^^^^^ keyword.other.privileged.x86-gas
        rdmsr
#       ^^^^^ keyword.other.privileged.x86-gas
        cpuid
#       ^^^^^ keyword.other.privileged.x86-gas
        hlt
#       ^^^ keyword.other.privileged.x86-gas
        cli; sti
#       ^^^ keyword.other.privileged.x86-gas
#            ^^^ keyword.other.privileged.x86-gas
        iretq
#       ^^^^^ keyword.other.privileged.x86-gas
#           ^ meta.size-suffix.x86-gas
        sysretq
#       ^^^^^^^ keyword.other.privileged.x86-gas
#             ^ meta.size-suffix.x86-gas
        swapgs
#       ^^^^^^ keyword.other.privileged.x86-gas
        invlpg  (%rax)
#       ^^^^^^ keyword.other.privileged.x86-gas
        invpcid (%rdi), %rax
#       ^^^^^^^ keyword.other.privileged.x86-gas
        wbinvd
#       ^^^^^^ keyword.other.privileged.x86-gas
        clts
#       ^^^^ keyword.other.privileged.x86-gas
        xsetbv
#       ^^^^^^ keyword.other.privileged.x86-gas
        outb    %al, $0xf4
#       ^^^^ keyword.other.privileged.x86-gas
#          ^ meta.size-suffix.x86-gas
        inb     %dx, %al
#       ^^^ keyword.other.privileged.x86-gas

# MOV to and from control and debug registers is privileged; other MOVs are not
        mov     %cr0, %rax
#       ^^^ meta.instruction.x86-gas keyword.other.privileged.x86-gas
        movq    %rax, %cr3
#       ^^^^ keyword.other.privileged.x86-gas
#          ^ meta.size-suffix.x86-gas
        movq    %cr4, %rax      # CR4.VMXE is bit 13
#       ^^^^ keyword.other.privileged.x86-gas
        mov     %rax, %dr7
#       ^^^ keyword.other.privileged.x86-gas
        mov     %rax, %rcx      # %cr0 in a comment does not count
#       ^^^ keyword.other.instruction.x86-gas - keyword.other.privileged
        movq    cr0_shadow(%rip), %rax
#       ^^^^ keyword.other.instruction.x86-gas - keyword.other.privileged
