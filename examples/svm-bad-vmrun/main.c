/* svm-bad-vmrun — an L1 hypervisor (AMD SVM) whose first VMRUN fails a VMCB
 * consistency check, and whose second, with the mistake fixed, runs L2.
 *
 * Runs under QEMU TCG (`-cpu qemu64,+svm`) and under nestvirt with the same
 * CPU model; test/integration/svm-qemu-parity.test.ts compares the two.
 *
 * The mistake: the guest EFER in the VMCB has SVME = 0. APM vol 2 §15.5.1
 * lists EFER.SVME = 0 among the illegal guest states that make VMRUN end in
 * #VMEXIT with EXITCODE = VMEXIT_INVALID (-1 in all 64 bits) instead of
 * entering the guest; the host state comes back from the host-save area, so
 * L1 continues after its VMRUN. QEMU TCG checks this one too (vmrun-checks.tsv,
 * SVM-EFER-SVME), unlike some other checks (qemu-tcg-svm.md §3).
 *
 * L1 prints what it finds in the VMCB after each VMRUN: EXITCODE, EXITINFO1,
 * EXITINFO2, and whether L2 ran (L2 sets a flag, then makes a VMMCALL). After
 * VMEXIT_INVALID only these and L1's own state are meaningful: the guest
 * state in the VMCB is not defined (QEMU overwrites it with half-loaded
 * values), so L1 does not look at it. */
#include "svm.h"

static uint8_t hsave[4096] __attribute__((aligned(4096)));
static uint8_t vmcb[4096] __attribute__((aligned(4096)));
static uint8_t guest_stack[4096] __attribute__((aligned(16)));
volatile uint8_t l2_ran;

/* L2 shares L1's page tables (no nested paging), so it can set L1's flag. */
void l2_entry(void);
__asm__(".text\n"
        ".globl l2_entry\n"
        "l2_entry:\n"
        "    movb $1, l2_ran(%rip)\n"
        "    vmmcall\n"               /* VMEXIT_VMMCALL */
        "    ud2\n");

/* One VMRUN; prints the exit and returns its code. */
static uint64_t try_vmrun(void)
{
    l2_ran = 0;
    vmrun((uint64_t)vmcb);
    uint64_t code = vmcb_read64(vmcb, VMCB_EXITCODE);
    printf("back in L1 after VMRUN: EXITCODE = 0x%lx (%s), EXITINFO1 = 0x%lx, EXITINFO2 = 0x%lx, L2 ran: %s\n",
           (unsigned long)code, svm_exit_name(code), (unsigned long)vmcb_read64(vmcb, VMCB_EXITINFO1),
           (unsigned long)vmcb_read64(vmcb, VMCB_EXITINFO2), l2_ran ? "yes" : "no");
    return code;
}

static void setup(uint64_t efer)
{
    svm_setup_vmcb(vmcb, INTERCEPT_SHUTDOWN, INTERCEPT_VMMCALL, (uint64_t)l2_entry,
                   (uint64_t)(guest_stack + sizeof guest_stack), 0);
    vmcb_write64(vmcb, VMCB_EFER, efer);
}

int kmain(struct multiboot_info *mbi)
{
    (void)mbi;
    uint32_t features;
    if (!svm_enable(hsave, &features))
        return 1;
    uint64_t efer = rdmsr(MSR_EFER);

    setup(efer & ~(uint64_t)EFER_SVME);
    printf("VMRUN with guest EFER = 0x%lx (SVME = 0)\n", (unsigned long)(efer & ~(uint64_t)EFER_SVME));
    uint64_t first = try_vmrun();

    /* The whole VMCB again, not just EFER: what a failed VMRUN leaves in the
     * state-save area is not defined (QEMU TCG writes the half-loaded guest
     * state back, with RIP = L1's VMRUN). */
    setup(efer);
    printf("VMRUN with guest EFER = 0x%lx (SVME = 1)\n", (unsigned long)efer);
    uint64_t second = try_vmrun();

    /* The exit status asks only whether VMRUN failed and then worked; the
     * printed EXITCODE (all 64 bits) is what the expected output checks.
     * QEMU TCG writes VMEXIT_INVALID as 0x00000000ffffffff (see
     * expected/svm-bad-vmrun.json), so compare the low half here. */
    return (uint32_t)first == (uint32_t)VMEXIT_INVALID && second == VMEXIT_VMMCALL ? 0 : 1;
}
