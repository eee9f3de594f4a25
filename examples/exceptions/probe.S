/* probe.S — memory accesses that may fault, with a known place to resume.
 * kmain arms trap_recover_at(vector, probe_*_fault) before calling them: a
 * faulting access then continues at the fault label with the stack exactly
 * as at the access, so the `ret` there returns to the caller. */

        .text
        /* uint64_t probe_read(const void *p, uint64_t if_faulted) */
        .globl probe_read, probe_read_fault
probe_read:
        mov     %rsi, %rax
        mov     (%rdi), %rax
probe_read_fault:
        ret

        /* bool probe_write(void *p, uint64_t v): false if it faulted */
        .globl probe_write, probe_write_fault
probe_write:
        xor     %eax, %eax
        mov     %rsi, (%rdi)
        mov     $1, %eax
probe_write_fault:
        ret

        .section .note.GNU-stack, "", @progbits
