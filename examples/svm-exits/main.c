/* svm-exits — the nested SVM round-trip benchmark: an L1 hypervisor runs a
 * 64-bit L2 (no nested paging) that executes VMMCALL in a loop; every VMMCALL
 * exits to L1, which moves RIP past it and VMRUNs again. One iteration is one
 * full round trip L2 -> #VMEXIT -> L1 -> VMRUN -> L2 (under nestvirt, through
 * L0 both ways). The count comes from the command line ("iters=N", default
 * 1000); L2 keeps it in memory because VMRUN does not keep the guest's
 * general-purpose registers apart from RAX and RSP (APM vol 2 §15.5.1), and
 * L1's code clobbers them. At the end L2 executes HLT and L1 reports the
 * count. Runs under QEMU TCG (`-cpu qemu64,+svm`) too: bench/nested-svm.ts
 * times both on this same binary. */
#include "svm.h"

static uint8_t hsave[4096] __attribute__((aligned(4096)));
static uint8_t vmcb[4096] __attribute__((aligned(4096)));
static uint8_t guest_stack[4096] __attribute__((aligned(16)));

/* L2: VMMCALL until the counter L1 set runs out, then HLT. */
volatile uint64_t l2_counter;
void l2_entry(void);
__asm__(".text\n"
        ".globl l2_entry\n"
        "l2_entry:\n"
        "1:  vmmcall\n"               /* VMEXIT_VMMCALL */
        "    decq l2_counter(%rip)\n"
        "    jnz 1b\n"
        "    hlt\n"                   /* VMEXIT_HLT */
        "    ud2\n");

static uint64_t iters_from(struct multiboot_info *mbi, uint64_t dflt)
{
    if (!mbi || !(mbi->flags & MBI_FLAG_CMDLINE))
        return dflt;
    const char *p = strchr((const char *)(uintptr_t)mbi->cmdline, 'i');
    for (; p; p = strchr(p + 1, 'i')) {
        if (strncmp(p, "iters=", 6) == 0) {
            uint64_t n = 0;
            for (p += 6; *p >= '0' && *p <= '9'; p++)
                n = n * 10 + (uint64_t)(*p - '0');
            return n ? n : dflt;
        }
    }
    return dflt;
}

int kmain(struct multiboot_info *mbi)
{
    uint64_t iterations = iters_from(mbi, 1000);
    l2_counter = iterations;
    uint32_t features;
    if (!svm_enable(hsave, &features))
        return 1;
    bool nrips = features & SVM_FEATURE_NRIPS;

    svm_setup_vmcb(vmcb, INTERCEPT_HLT | INTERCEPT_SHUTDOWN, INTERCEPT_VMMCALL, (uint64_t)l2_entry,
                   (uint64_t)(guest_stack + sizeof guest_stack), 0);
    printf("VMRUN of a 64-bit L2 (no nested paging): %lu VMMCALL exits\n", (unsigned long)iterations);

    for (uint64_t calls = 0;;) {
        vmrun((uint64_t)vmcb);
        uint64_t code = vmcb_read64(vmcb, VMCB_EXITCODE);
        if (code == VMEXIT_VMMCALL) {
            calls++;
            /* NextRIP where the CPU has it (§15.7.1), else VMMCALL's 3 bytes. */
            vmcb_write64(vmcb, VMCB_RIP, nrips ? vmcb_read64(vmcb, VMCB_NRIP) : vmcb_read64(vmcb, VMCB_RIP) + 3);
            continue;
        }
        if (code == VMEXIT_HLT) {
            printf("svm-exits: %lu VMMCALL round trips, then HLT\n", (unsigned long)calls);
            return calls == iterations ? 0 : 1;
        }
        printf("unexpected #VMEXIT 0x%lx (%s) at guest RIP l2_entry+0x%lx\n", (unsigned long)code, svm_exit_name(code),
               (unsigned long)(vmcb_read64(vmcb, VMCB_RIP) - (uint64_t)l2_entry));
        return 1;
    }
}
