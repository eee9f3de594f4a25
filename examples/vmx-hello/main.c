/* vmx-hello — an L1 hypervisor that runs a 64-bit L2 and handles its exits.
 *
 * NOT comparable with QEMU: QEMU's TCG has no VMX, so this kernel runs only
 * under nestvirt (or on KVM with nested VMX); expected/vmx-hello.json says
 * "qemu": false.
 *
 * L1 enables VMX (as vmx-bad-entry does), builds a VMCS for a 64-bit L2 that
 * shares L1's page tables, GDT and IDT, and VMLAUNCHes it under EPT: an
 * identity map of the first GiB (2 MiB pages, and 4 KiB pages for the 2 MiB
 * around `l2_page`) in which `l2_page` alone is left out. L2's load from it
 * is an EPT violation (exit 48); L1 prints the qualification, guest-physical
 * and guest-linear address, maps the page, invalidates with INVEPT and
 * resumes L2 at the same instruction, which now reads what L1 put there.
 *
 * Controls: HLT exiting, unconditional I/O exiting, exception bitmap = #UD; no MSR bitmaps, so
 * every RDMSR/WRMSR exits; CPUID and VMCALL exit unconditionally. L2 runs
 * CPUID, OUT to port 0x80, RDMSR (IA32_SYSENTER_CS), HLT, UD2 (a #UD caught
 * through the exception bitmap), a load from l2_page, VMCALL. L1 prints
 * each exit (reason, qualification, guest RIP relative to L2's entry),
 * advances GUEST_RIP by VM_EXIT_INSTRUCTION_LEN and VMRESUMEs; on VMCALL it
 * prints and exits with status 0.
 *
 * L2 shares the general-purpose registers with L1 (a VM exit does not save
 * them), so L2's code is assembly that sets up each register it uses right
 * before the instruction that exits.
 */
#include "vmx.h"

static uint8_t vmxon_region[4096] __attribute__((aligned(4096)));
static uint8_t vmcs[4096] __attribute__((aligned(4096)));
static uint8_t host_stack[8192] __attribute__((aligned(16)));
static uint8_t guest_stack[4096] __attribute__((aligned(16)));
/* EPT paging structures (SDM vol 3C 29.3.2) and the page EPT leaves out at first. */
static uint64_t ept_pml4[512] __attribute__((aligned(4096)));
static uint64_t ept_pdpt[512] __attribute__((aligned(4096)));
static uint64_t ept_pd[512] __attribute__((aligned(4096)));
static uint64_t ept_pt[512] __attribute__((aligned(4096)));
uint8_t l2_page[4096] __attribute__((aligned(4096)));
/* L2's RAX at the last exit (a VM exit does not save GPRs; the exit stub does). */
uint64_t l2_rax;

/* Every VM exit lands here (HOST_RIP) on a fresh HOST_RSP stack. */
void vm_exit_entry(void);
void on_vm_exit(void) __attribute__((noreturn, used));
__asm__(".text\n"
        ".globl vm_exit_entry\n"
        "vm_exit_entry:\n"
        "    mov %rax, l2_rax(%rip)\n"
        "    call on_vm_exit\n"
        "    ud2\n");

/* L2: each exiting instruction with the registers it needs set just before. */
void l2_entry(void);
__asm__(".text\n"
        ".globl l2_entry\n"
        "l2_entry:\n"
        "    xor %eax, %eax\n"
        "    xor %ecx, %ecx\n"
        "    cpuid\n"                 /* exit 10 */
        "    mov $0x42, %al\n"
        "    out %al, $0x80\n"        /* exit 30: OUT 1 byte to port 0x80 (immediate) */
        "    mov $0x174, %ecx\n"
        "    rdmsr\n"                 /* exit 31: IA32_SYSENTER_CS */
        "    hlt\n"                   /* exit 12 (HLT exiting) */
        "    ud2\n"                   /* exit 0: #UD, bit 6 of the exception bitmap */
        "    mov l2_page+0x10(%rip), %rax\n" /* exit 48: EPT violation, then read again */
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
    case 48: return "EPT violation";
    case 49: return "EPT misconfiguration";
    default: return "?";
    }
}

static unsigned exits;

void on_vm_exit(void)
{
    uint32_t reason = (uint32_t)vmread(VM_EXIT_REASON);
    uint64_t qual = vmread(EXIT_QUALIFICATION);
    uint64_t rip = vmread(GUEST_RIP);
    uint64_t len = vmread(VM_EXIT_INSTRUCTION_LEN);
    exits++;
    printf("exit %u: reason %u (%s), qualification 0x%lx, guest RIP l2_entry+0x%lx, length %lu\n", exits, reason,
           reason_name(reason), (unsigned long)qual, (unsigned long)(rip - (uint64_t)l2_entry), (unsigned long)len);
    if (reason & 0x80000000u) {
        printf("VM-entry failure\n");
        exit(1);
    }
    if (reason == 0) {
        uint32_t info = (uint32_t)vmread(VM_EXIT_INTR_INFO);
        printf("  interruption information 0x%x: vector %u, type %u\n", info, info & 0xff, (info >> 8) & 7);
        /* A hardware exception leaves VM_EXIT_INSTRUCTION_LEN undefined
         * (SDM vol 3C 28.2.5): L1 knows L2's UD2 is 2 bytes. */
        if ((info & 0xff) == 6)
            len = 2;
    }
    if (reason == 48) {
        uint64_t gpa = vmread(GUEST_PHYSICAL_ADDRESS), gla = vmread(GUEST_LINEAR_ADDRESS);
        /* Exit qualification bits (SDM vol 3C 28.2.1 table 28-7). */
        printf("  %s access, EPT permissions %c%c%c, guest-physical address l2_page+0x%lx, guest-linear l2_page+0x%lx%s\n",
               qual & 4 ? "fetch" : (qual & 3) == 3 ? "read/write" : qual & 2 ? "write" : "read",
               qual & 8 ? 'r' : '-', qual & 16 ? 'w' : '-', qual & 32 ? 'x' : '-',
               (unsigned long)(gpa - (uint64_t)l2_page), (unsigned long)(gla - (uint64_t)l2_page),
               (qual & 0x180) == 0x180 ? " (the access itself)" : " (a paging-structure access)");
        /* Map the page, make the change visible (29.4.3.1), retry the instruction. */
        ept_pt[((uint64_t)l2_page >> 12) & 511] = (uint64_t)l2_page | EPT_RWX | EPT_WB;
        enum vmx_result r = invept(INVEPT_SINGLE_CONTEXT, vmread(EPT_POINTER));
        printf("  mapped l2_page in EPT, INVEPT single-context: %s\n", result_name(r));
        len = 0;
    }
    if (reason == 18) {
        printf("L2 read 0x%lx from l2_page, then made a VMCALL after %u exits: done\n", (unsigned long)l2_rax, exits);
        exit(exits == 7 && l2_rax == 0x600dda7a ? 0 : 1);
    }
    if (exits > 10)
        panic("too many exits\n");
    vmwrite(GUEST_RIP, rip + len);
    enum vmx_result r = vmresume();
    printf("VMRESUME: %s", result_name(r));
    if (r == VM_FAIL_VALID)
        printf(", VM-instruction error %lu", (unsigned long)vmread(VM_INSTRUCTION_ERROR));
    printf("\n");
    exit(1);
}

/* EPT identity map of the first GiB (L2 guest-physical = L1 physical) except l2_page. */
static uint64_t build_ept(void)
{
    uint64_t page = (uint64_t)l2_page;
    ept_pml4[0] = (uint64_t)ept_pdpt | EPT_RWX;
    ept_pdpt[0] = (uint64_t)ept_pd | EPT_RWX;
    for (uint64_t i = 0; i < 512; i++)
        ept_pd[i] = (i << 21) | EPT_LARGE | EPT_RWX | EPT_WB;
    /* The 2 MiB around l2_page through 4 KiB pages, l2_page not present. */
    uint64_t big = page & ~0x1fffffull;
    for (uint64_t i = 0; i < 512; i++)
        ept_pt[i] = (big + (i << 12)) | EPT_RWX | EPT_WB;
    ept_pt[(page >> 12) & 511] = 0;
    ept_pd[big >> 21] = (uint64_t)ept_pt | EPT_RWX;
    return EPTP_WB_4LEVEL(ept_pml4);
}

static void setup_vmcs(void)
{
    uint64_t cap = rdmsr(IA32_VMX_EPT_VPID_CAP);
    uint64_t need = EPT_CAP_WALK4 | EPT_CAP_WB | EPT_CAP_INVEPT | EPT_CAP_INVEPT_SINGLE;
    if ((cap & need) != need)
        panic("IA32_VMX_EPT_VPID_CAP = 0x%lx: no 4-level write-back EPT with single-context INVEPT\n", (unsigned long)cap);
    vmx_setup_vmcs(CPU_HLT_EXITING | CPU_UNCOND_IO_EXITING | CPU_ACTIVATE_SECONDARY, (uint64_t)l2_entry,
                   (uint64_t)(guest_stack + sizeof guest_stack), (uint64_t)vm_exit_entry, (uint64_t)(host_stack + sizeof host_stack));
    vmwrite(SECONDARY_VM_EXEC_CONTROL, adjust_controls(IA32_VMX_PROCBASED_CTLS2, SECONDARY_ENABLE_EPT));
    vmwrite(EPT_POINTER, build_ept());
    vmwrite(EXCEPTION_BITMAP, 1u << 6);   /* #UD exits to L1 */
    *(volatile uint32_t *)(l2_page + 0x10) = 0x600dda7a;
}

int kmain(struct multiboot_info *mbi)
{
    (void)mbi;
    if (!vmx_enter_root(vmxon_region, vmcs))
        return 1;

    setup_vmcs();
    printf("VMLAUNCH of a 64-bit L2 under EPT (l2_page not mapped)\n");
    enum vmx_result r = vmlaunch();
    /* Reached only if VMLAUNCH failed before loading guest state. */
    printf("VMLAUNCH fell through: %s", result_name(r));
    if (r == VM_FAIL_VALID)
        printf(", VM-instruction error %lu", (unsigned long)vmread(VM_INSTRUCTION_ERROR));
    printf("\n");
    return 1;
}
