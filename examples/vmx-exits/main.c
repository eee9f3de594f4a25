/* vmx-exits — the nested round-trip benchmark: an L1 hypervisor runs a
 * 64-bit L2 (no EPT) that executes CPUID in a loop; every CPUID exits to L1,
 * which advances GUEST_RIP and VMRESUMEs; L2 runs with VPID 1 when the CPU
 * offers VPIDs, so the round trips need not flush the TLB. One iteration is one full round
 * trip L2 -> L0 -> L1 -> L0 -> L2. The count comes from the command line
 * ("iters=N", default 1000); L2 keeps it in memory because L1's exit handler
 * clobbers the general-purpose registers L2 shares with it. At the end L2
 * makes a VMCALL and L1 reports the count. QEMU TCG has no VMX, so this
 * kernel runs only under nestvirt (and on hardware). */
#include "vmx.h"

static uint8_t vmxon_region[4096] __attribute__((aligned(4096)));
static uint8_t vmcs[4096] __attribute__((aligned(4096)));
static uint8_t host_stack[8192] __attribute__((aligned(16)));
static uint8_t guest_stack[4096] __attribute__((aligned(16)));

/* Every VM exit lands here (HOST_RIP) on a fresh HOST_RSP stack. */
void vm_exit_entry(void);
void on_vm_exit(void) __attribute__((noreturn, used));
__asm__(".text\n"
        ".globl vm_exit_entry\n"
        "vm_exit_entry:\n"
        "    call on_vm_exit\n"
        "    ud2\n");

/* L2: CPUID until the counter L1 set runs out, then VMCALL. */
volatile uint64_t l2_counter;
void l2_entry(void);
__asm__(".text\n"
        ".globl l2_entry\n"
        "l2_entry:\n"
        "1:  xor %eax, %eax\n"
        "    xor %ecx, %ecx\n"
        "    cpuid\n"                 /* exit 10 */
        "    decq l2_counter(%rip)\n"
        "    jnz 1b\n"
        "    vmcall\n"                /* exit 18 */
        "    ud2\n");

static const char *reason_name(uint32_t r)
{
    switch (r) {
    case 0: return "exception or NMI";
    case 10: return "CPUID";
    case 12: return "HLT";
    case 18: return "VMCALL";
    case 30: return "I/O instruction";
    case 31: return "RDMSR";
    case 32: return "WRMSR";
    default: return "?";
    }
}

static uint64_t exits, iterations;

void on_vm_exit(void)
{
    uint32_t reason = (uint32_t)vmread(VM_EXIT_REASON);
    exits++;
    if (reason == 10) {
        vmwrite(GUEST_RIP, vmread(GUEST_RIP) + vmread(VM_EXIT_INSTRUCTION_LEN));
        enum vmx_result r = vmresume();
        printf("VMRESUME: %s\n", result_name(r));
        exit(1);
    }
    if (reason == 18) {
        printf("vmx-exits: %lu CPUID round trips, then VMCALL\n", (unsigned long)(exits - 1));
        exit(exits - 1 == iterations ? 0 : 1);
    }
    printf("unexpected exit: reason 0x%x (%s) at guest RIP l2_entry+0x%lx\n", reason, reason_name(reason & 0xffff),
           (unsigned long)(vmread(GUEST_RIP) - (uint64_t)l2_entry));
    exit(1);
}

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

static void setup_vmcs(void)
{
    vmx_setup_vmcs(CPU_HLT_EXITING | CPU_UNCOND_IO_EXITING, (uint64_t)l2_entry, (uint64_t)(guest_stack + sizeof guest_stack),
                   (uint64_t)vm_exit_entry, (uint64_t)(host_stack + sizeof host_stack));
    vmwrite(EXCEPTION_BITMAP, 1u << 6);   /* #UD exits to L1 */
    vmx_enable_vpid(1);                    /* L2's translations survive the round trips (SDM vol 3C 29.4) */
}

int kmain(struct multiboot_info *mbi)
{
    iterations = iters_from(mbi, 1000);
    l2_counter = iterations;
    if (!vmx_enter_root(vmxon_region, vmcs))
        return 1;

    setup_vmcs();
    printf("VMLAUNCH of a 64-bit L2 (no EPT): %lu CPUID exits\n", (unsigned long)iterations);
    enum vmx_result r = vmlaunch();
    /* Reached only if VMLAUNCH failed before loading guest state. */
    printf("VMLAUNCH fell through: %s", result_name(r));
    if (r == VM_FAIL_VALID)
        printf(", VM-instruction error %lu", (unsigned long)vmread(VM_INSTRUCTION_ERROR));
    printf("\n");
    return 1;
}
