/* vmx-hello — an L1 hypervisor that runs a 64-bit L2 and handles its exits.
 *
 * NOT comparable with QEMU: QEMU's TCG has no VMX, so this kernel runs only
 * under nestvirt (or on KVM with nested VMX); expected/vmx-hello.json says
 * "qemu": false.
 *
 * L1 enables VMX (as vmx-bad-entry does), builds a VMCS for a 64-bit L2 that
 * shares L1's page tables, GDT and IDT, and VMLAUNCHes it. This first slice
 * uses NO EPT: nestvirt's L0 does not run L2 under EPT yet, so L2 addresses
 * L1's physical memory directly (the EPT-unmapped-page step comes
 * with a later slice).
 *
 * Controls: HLT exiting, unconditional I/O exiting, exception bitmap = #UD; no MSR bitmaps, so
 * every RDMSR/WRMSR exits; CPUID and VMCALL exit unconditionally. L2 runs
 * CPUID, OUT to port 0x80, RDMSR (IA32_SYSENTER_CS), HLT, UD2 (a #UD caught
 * through the exception bitmap), VMCALL. L1 prints
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

/* Every VM exit lands here (HOST_RIP) on a fresh HOST_RSP stack. */
void vm_exit_entry(void);
void on_vm_exit(void) __attribute__((noreturn, used));
__asm__(".text\n"
        ".globl vm_exit_entry\n"
        "vm_exit_entry:\n"
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
    if (reason == 18) {
        printf("L2 made a VMCALL after %u exits: done\n", exits);
        exit(exits == 6 ? 0 : 1);
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

static void setup_vmcs(void)
{
    vmx_setup_vmcs(CPU_HLT_EXITING | CPU_UNCOND_IO_EXITING, (uint64_t)l2_entry, (uint64_t)(guest_stack + sizeof guest_stack),
                   (uint64_t)vm_exit_entry, (uint64_t)(host_stack + sizeof host_stack));
    vmwrite(EXCEPTION_BITMAP, 1u << 6);   /* #UD exits to L1 */
}

int kmain(struct multiboot_info *mbi)
{
    (void)mbi;
    if (!vmx_enter_root(vmxon_region, vmcs))
        return 1;

    setup_vmcs();
    printf("VMLAUNCH of a 64-bit L2 (no EPT)\n");
    enum vmx_result r = vmlaunch();
    /* Reached only if VMLAUNCH failed before loading guest state. */
    printf("VMLAUNCH fell through: %s", result_name(r));
    if (r == VM_FAIL_VALID)
        printf(", VM-instruction error %lu", (unsigned long)vmread(VM_INSTRUCTION_ERROR));
    printf("\n");
    return 1;
}
