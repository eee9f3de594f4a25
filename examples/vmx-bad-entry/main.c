/* vmx-bad-entry — an L1 hypervisor whose VMLAUNCH fails on guest state.
 *
 * NOT comparable with QEMU: QEMU's TCG has no VMX (CPUID.1:ECX.VMX = 0 under
 * `-accel tcg`, VMXON is #UD), so this kernel runs only under nestvirt (or on
 * KVM with nested VMX). expected/vmx-bad-entry.json says "qemu": false; the
 * expected output was recorded from nestvirt and checked against the SDM.
 *
 * It enables VMX (IA32_FEATURE_CONTROL, CR0/CR4 fixed bits, CR4.VMXE),
 * VMXON, VMCLEAR + VMPTRLD a VMCS, fills it for a 64-bit guest with valid
 * controls (allowed-0 bits of the TRUE capability MSRs) and valid host state,
 * but gives the guest a CS with L = 1 and D = 1 together, which a 64-bit
 * guest may not have (SDM vol 3C 27.3.1.2). VMLAUNCH then fails *after*
 * starting to load guest state (SDM 27.8): it does not fall through with
 * VMfail but "exits" to HOST_RIP with VM_EXIT_REASON = 0x80000021 (bit 31 =
 * VM-entry failure, basic reason 33 = invalid guest state). `nestvirt run
 * --trace -` names the failed check.
 */
#include "vmx.h"

static uint8_t vmxon_region[4096] __attribute__((aligned(4096)));
static uint8_t vmcs[4096] __attribute__((aligned(4096)));
static uint8_t host_stack[8192] __attribute__((aligned(16)));
static uint8_t guest_stack[4096] __attribute__((aligned(16)));

/* Where VMLAUNCH "returns" after the VM-entry failure: HOST_RIP, on HOST_RSP. */
void vm_exit_entry(void);
void on_vm_exit(void) __attribute__((noreturn, used));
__asm__(".text\n"
        ".globl vm_exit_entry\n"
        "vm_exit_entry:\n"
        "    call on_vm_exit\n"
        "    ud2\n");

/* The guest never runs; its code would be this. */
static void guest_code(void)
{
    for (;;)
        __asm__ volatile("hlt");
}

void on_vm_exit(void)
{
    uint64_t reason = vmread(VM_EXIT_REASON);
    uint64_t qual = vmread(EXIT_QUALIFICATION);
    printf("back in L1 at HOST_RIP: rflags=0x%lx cs=0x%x ss=0x%x\n", (unsigned long)read_rflags(), read_sel(SEG_CS), read_sel(SEG_SS));
    printf("VM_EXIT_REASON = 0x%lx: %s, basic reason %lu%s\n", (unsigned long)reason,
           reason >> 31 ? "VM-entry failure" : "VM exit", (unsigned long)(reason & 0xffff),
           (reason & 0xffff) == 33 ? " (invalid guest state)" : "");
    printf("EXIT_QUALIFICATION = 0x%lx\n", (unsigned long)qual);
    printf("VM_EXIT_INTR_INFO = 0x%lx\n", (unsigned long)vmread(VM_EXIT_INTR_INFO));
    /* The failed VMLAUNCH left the VMCS clear (SDM 27.8), so VMRESUME must
     * fail with error 5 "VMRESUME with non-launched VMCS". */
    enum vmx_result r = vmresume();
    printf("VMRESUME: %s", result_name(r));
    if (r == VM_FAIL_VALID)
        printf(", VM-instruction error %lu", (unsigned long)vmread(VM_INSTRUCTION_ERROR));
    printf("\n");
    exit(reason == 0x80000021 && r == VM_FAIL_VALID ? 0 : 1);
}

static void setup_vmcs(void)
{
    vmx_setup_vmcs(0, (uint64_t)guest_code, (uint64_t)(guest_stack + sizeof guest_stack),
                   (uint64_t)vm_exit_entry, (uint64_t)(host_stack + sizeof host_stack));
    /* The deliberate mistake: CS.L = 1 and CS.D = 1 in a 64-bit guest (SDM 27.3.1.2). */
    vmwrite(GUEST_ES_AR_BYTES + 2 * SEG_CS, AR_CODE64 | AR_L | AR_DB);
}

int kmain(struct multiboot_info *mbi)
{
    (void)mbi;
    if (!vmx_enter_root(vmxon_region, vmcs))
        return 1;

    setup_vmcs();
    printf("VMLAUNCH with guest CS access rights 0x%lx (L = 1, D = 1)\n",
           (unsigned long)vmread(GUEST_ES_AR_BYTES + 2 * SEG_CS));
    enum vmx_result r = vmlaunch();
    /* Reached only if VMLAUNCH failed before loading guest state. */
    printf("VMLAUNCH fell through: %s", result_name(r));
    if (r == VM_FAIL_VALID)
        printf(", VM-instruction error %lu", (unsigned long)vmread(VM_INSTRUCTION_ERROR));
    printf("\n");
    return 1;
}
