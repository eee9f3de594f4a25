/* trap.S — one 16-byte entry stub per IDT vector and the common save/restore
 * path. Stubs for vectors without a CPU error code push a 0, so every frame
 * has the same shape (struct trap_frame in runtime.h). Vector n's stub is at
 * trap_stubs + 16*n, which is how trap.c fills the IDT. */
#include "layout.h"

        .text
        .balign 16
        .globl trap_stubs
trap_stubs:
        .set vec, 0
        .rept 256
        .balign 16
        /* SDM 6.13: these exceptions push an error code. */
        .if !(vec == 8 || (vec >= 10 && vec <= 14) || vec == 17 || vec == 21 || vec == 29 || vec == 30)
        pushq   $0
        .endif
        pushq   $vec
        jmp     trap_common
        .set vec, vec + 1
        .endr

/* gcc -O2 code uses SSE registers, so a C handler may clobber the XMM state
 * of whatever it interrupted: save it with FXSAVE. FXSAVE itself faults with
 * CR0.TS set (#NM), so TS is cleared while the handler runs and the CR0 value
 * in the frame is written back afterwards; a handler that wants TS cleared on
 * return (a #NM handler) clears it in frame->cr0. */
trap_common:
        .cfi_startproc simple
        .cfi_signal_frame
        .cfi_undefined rip               /* until rbx points at the frame (a few pushes) */
        push    %rax
        push    %rbx
        push    %rcx
        push    %rdx
        push    %rsi
        push    %rdi
        push    %rbp
        push    %r8
        push    %r9
        push    %r10
        push    %r11
        push    %r12
        push    %r13
        push    %r14
        push    %r15
        mov     %cr0, %rax
        push    %rax
        test    $8, %al                  /* CR0.TS */
        jz      1f
        clts
1:      mov     %rsp, %rbx               /* rbx = struct trap_frame *, callee-saved */
        /* CFI for debuggers, so a backtrace continues into the interrupted
         * code: CFA = frame->rsp, and rip, rbx, rbp, r12-r15 are saved at
         * known offsets from rbx. Hand-encoded DWARF expressions:
         * 0x0f = DW_CFA_def_cfa_expression, 0x10 = DW_CFA_expression,
         * 0x73 = DW_OP_breg3 (rbx) + SLEB128 offset, 0x06 = DW_OP_deref. */
        .cfi_escape 0x0f, 4, 0x73, 0xa8, 0x01, 0x06   /* CFA = *(rbx + 168): rsp */
        .cfi_escape 0x10, 16, 3, 0x73, 0x90, 0x01     /* rip at rbx + 144 */
        .cfi_escape 0x10, 3, 3, 0x73, 0xf0, 0x00      /* rbx at rbx + 112 */
        .cfi_escape 0x10, 6, 3, 0x73, 0xc8, 0x00      /* rbp at rbx + 72 */
        .cfi_escape 0x10, 12, 2, 0x73, 0x20           /* r12 at rbx + 32 */
        .cfi_escape 0x10, 13, 2, 0x73, 0x18           /* r13 at rbx + 24 */
        .cfi_escape 0x10, 14, 2, 0x73, 0x10           /* r14 at rbx + 16 */
        .cfi_escape 0x10, 15, 2, 0x73, 0x08           /* r15 at rbx + 8 */
        sub     $512, %rsp
        and     $-16, %rsp               /* FXSAVE needs a 16-byte aligned area */
        fxsave  (%rsp)
        mov     %rbx, %rdi
        cld                              /* the ABI wants DF = 0 at a call */
        call    trap_dispatch
        fxrstor (%rsp)
        mov     %rbx, %rsp
        pop     %rax
        mov     %cr0, %rcx
        cmp     %rax, %rcx
        je      2f                       /* skip the CR0 write (it may exit to a hypervisor) */
        mov     %rax, %cr0
2:      pop     %r15
        pop     %r14
        pop     %r13
        pop     %r12
        pop     %r11
        pop     %r10
        pop     %r9
        pop     %r8
        pop     %rbp
        pop     %rdi
        pop     %rsi
        pop     %rdx
        pop     %rcx
        pop     %rbx
        pop     %rax
        add     $16, %rsp                /* vector and error code */
        iretq
        .cfi_endproc

        .section .note.GNU-stack, "", @progbits
