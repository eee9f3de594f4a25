/* vmx-guest — an L1 hypervisor whose L2 is a separate C program.
 *
 * NOT comparable with QEMU: QEMU's TCG has no VMX; expected/vmx-guest.json
 * says "qemu": false. Run it with the guest as a multiboot module:
 *     nestvirt run --initrd examples/build/vmx-guest-l2.elf examples/build/vmx-guest.elf
 *
 * L2 is examples/vmx-guest/guest/: its own ELF with its own debug info,
 * linked at 0x2000000. L1 finds it among the multiboot modules, copies its
 * PT_LOAD segments to the addresses they were linked for (elf.c), and gives
 * it 2 MiB of guest-physical memory, 0x2000000..0x21fffff: one EPT large
 * page, identity mapped, and nothing else. L2's own page tables (PML4, PDPT,
 * PD: one 2 MiB identity page) sit in the top 12 KiB of that memory, so
 * L2's linear addresses are its ELF's addresses, as its debug info says.
 *
 * Controls: unconditional I/O exiting, HLT exiting, EPT; CPUID and VMCALL
 * exit anyway. L1 plays the hardware L2 thinks it has:
 *  - COM1: IN from the line status register says "transmitter empty"; OUT
 *    to the data register collects L2's bytes, and L1 prints each complete
 *    line as "L2: ...".
 *  - CPUID: passed through, except leaf 0x40000000, L1's own signature.
 *  - VMCALL RAX = 1: L2's result in RBX. L1 checks it and exits 0.
 * L1 prints every exit other than the COM1 ones with the L2 function it
 * came from (from the guest ELF's symbol table); anything unexpected (an
 * EPT violation: L2 touched memory outside its 2 MiB) ends the run with 1.
 */
#include "vmx.h"
#include "elf.h"

#define L2_MEM_BASE  0x2000000ull
#define L2_MEM_SIZE  0x200000ull                  /* one 2 MiB EPT page */
#define L2_PT_BASE   (L2_MEM_BASE + L2_MEM_SIZE - 3 * 4096)   /* L2's PML4, PDPT, PD */

#define COM1         0x3f8
#define COM1_LSR     (COM1 + 5)
#define HC_DONE      1

/* Basic exit reasons (SDM vol 3C appendix C). */
enum { EXIT_CPUID = 10, EXIT_HLT = 12, EXIT_VMCALL = 18, EXIT_IO = 30, EXIT_EPT_VIOLATION = 48 };

static uint8_t vmxon_region[4096] __attribute__((aligned(4096)));
static uint8_t vmcs[4096] __attribute__((aligned(4096)));
static uint8_t host_stack[8192] __attribute__((aligned(16)));
static uint64_t ept_pml4[512] __attribute__((aligned(4096)));
static uint64_t ept_pdpt[512] __attribute__((aligned(4096)));
static uint64_t ept_pd[512] __attribute__((aligned(4096)));

/* L2's general-purpose registers as exit.S saved them (push order reversed). */
struct l2_regs {
    uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
    uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
};

/* The guest ELF as the module holds it, for symbol names. */
static const uint8_t *l2_image;
static uint64_t l2_image_size;

static unsigned exits, cpuid_exits, io_exits;
static char line[128];
static unsigned line_len;

void vm_exit_entry(void);
void on_vm_exit(struct l2_regs *r);
void vmresume_failed(void) __attribute__((noreturn));

/* The L2 function an address is in ("fib"), from the guest ELF's symbols; offsets
 * are left out so the output does not change with the compiler. */
static const char *l2_where(uint64_t rip)
{
    static char buf[64];
    uint64_t off;
    const char *fn = elf_function_at(l2_image, l2_image_size, rip, &off);
    if (fn)
        snprintf(buf, sizeof buf, "%s", fn);
    else
        snprintf(buf, sizeof buf, "0x%lx", (unsigned long)rip);
    return buf;
}

static void emulate_cpuid(struct l2_regs *r, uint64_t rip)
{
    uint32_t leaf = (uint32_t)r->rax;
    struct cpuid_regs c;
    cpuid_exits++;
    if (leaf == 0x40000000) {
        /* Hypervisor leaf: max hypervisor leaf, then the signature in EBX, ECX, EDX. */
        static const char sig[12] = "vmx-guest L1";
        c.eax = 0x40000000;
        memcpy(&c.ebx, sig, 4);
        memcpy(&c.ecx, sig + 4, 4);
        memcpy(&c.edx, sig + 8, 4);
        printf("exit %u: CPUID leaf 0x%x from L2 in %s: L1's signature\n", exits, leaf, l2_where(rip));
    } else {
        c = cpuid(leaf, (uint32_t)r->rcx);
        printf("exit %u: CPUID leaf 0x%x from L2 in %s: passed through\n", exits, leaf, l2_where(rip));
    }
    r->rax = c.eax;
    r->rbx = c.ebx;
    r->rcx = c.ecx;
    r->rdx = c.edx;
}

/* I/O exit qualification (SDM vol 3C 28.2.1 table 28-5): bits 2:0 size - 1,
 * bit 3 direction (1 = IN), bit 4 string, 31:16 port. */
static void emulate_io(struct l2_regs *r, uint64_t qual, uint64_t rip)
{
    unsigned size = (qual & 7) + 1, port = (qual >> 16) & 0xffff;
    bool in = qual & 8;
    io_exits++;
    if (qual & 16 || size != 1 || (port != COM1 && port != COM1_LSR)) {
        printf("exit %u: %s port 0x%x (%u bytes%s) from L2 in %s: no such device\n", exits, in ? "IN" : "OUT", port, size,
               qual & 16 ? ", string" : "", l2_where(rip));
        exit(1);
    }
    if (in) {
        /* LSR: transmitter holding register and shift register empty; data register reads 0. */
        uint8_t v = port == COM1_LSR ? 0x60 : 0;
        r->rax = (r->rax & ~0xffull) | v;
        return;
    }
    if (port != COM1)
        return;
    char c = (char)r->rax;
    if (c == '\n' || line_len == sizeof line - 1) {
        printf("L2: %.*s\n", (int)line_len, line);
        line_len = 0;
    }
    if (c != '\n')
        line[line_len++] = c;
}

void on_vm_exit(struct l2_regs *r)
{
    uint32_t reason = (uint32_t)vmread(VM_EXIT_REASON);
    uint64_t qual = vmread(EXIT_QUALIFICATION);
    uint64_t rip = vmread(GUEST_RIP);
    uint64_t len = vmread(VM_EXIT_INSTRUCTION_LEN);
    exits++;
    switch (reason) {
    case EXIT_IO:
        emulate_io(r, qual, rip);
        break;
    case EXIT_CPUID:
        emulate_cpuid(r, rip);
        break;
    case EXIT_VMCALL:
        printf("exit %u: VMCALL 0x%lx from L2 in %s, argument %lu\n", exits, (unsigned long)r->rax, l2_where(rip),
               (unsigned long)r->rbx);
        if (r->rax != HC_DONE)
            exit(1);
        /* fib(20) + (1^2 + ... + 10^2) = 6765 + 385 */
        printf("L2 is done after %u exits (%u CPUID, %u I/O, 1 VMCALL): result %lu, %s\n", exits, cpuid_exits, io_exits,
               (unsigned long)r->rbx, r->rbx == 7150 ? "as expected" : "expected 7150");
        exit(r->rbx == 7150 ? 0 : 1);
    case EXIT_EPT_VIOLATION:
        printf("exit %u: EPT violation from L2 in %s: guest-physical 0x%lx is not L2's memory\n", exits, l2_where(rip),
               (unsigned long)vmread(GUEST_PHYSICAL_ADDRESS));
        exit(1);
    default:
        printf("exit %u: reason %u from L2 in %s, qualification 0x%lx: not expected\n", exits, reason & 0xffff,
               l2_where(rip), (unsigned long)qual);
        if (reason & 0x80000000u)
            printf("VM-entry failure\n");
        exit(1);
    }
    vmwrite(GUEST_RIP, rip + len);
}

void vmresume_failed(void)
{
    printf("VMRESUME: VM-instruction error %lu\n", (unsigned long)vmread(VM_INSTRUCTION_ERROR));
    exit(1);
}

/* The guest ELF: the first multiboot module (QEMU -initrd, nestvirt --initrd). */
static bool find_guest(struct multiboot_info *mbi)
{
    if (!mbi || !(mbi->flags & MBI_FLAG_MODS) || mbi->mods_count == 0) {
        printf("no L2: pass the guest ELF as a multiboot module (--initrd build/vmx-guest-l2.elf)\n");
        return false;
    }
    const struct multiboot_module *m = (const void *)(uintptr_t)mbi->mods_addr;
    const char *name = (const char *)(uintptr_t)m[0].string, *base = name;
    for (const char *p = name; *p && *p != ' '; p++)
        if (*p == '/')
            base = p + 1;
    l2_image = (const uint8_t *)(uintptr_t)m[0].mod_start;
    l2_image_size = m[0].mod_end - m[0].mod_start;
    printf("module 0: %s\n", base);
    return true;
}

/* L2's page tables in its own memory: linear = guest-physical over the 2 MiB. */
static uint64_t build_l2_page_tables(void)
{
    uint64_t *pml4 = (uint64_t *)L2_PT_BASE, *pdpt = pml4 + 512, *pd = pdpt + 512;
    memset(pml4, 0, 3 * 4096);
    /* Present, writable; PS in the PD entry: a 2 MiB page (SDM vol 3A 4.5). */
    pml4[(L2_MEM_BASE >> 39) & 511] = (uint64_t)pdpt | 3;
    pdpt[(L2_MEM_BASE >> 30) & 511] = (uint64_t)pd | 3;
    pd[(L2_MEM_BASE >> 21) & 511] = L2_MEM_BASE | 0x83;
    return (uint64_t)pml4;
}

/* EPT: guest-physical 0x2000000..0x21fffff -> the same host-physical range, one 2 MiB page (SDM vol 3C 29.3.2). */
static uint64_t build_ept(void)
{
    ept_pml4[(L2_MEM_BASE >> 39) & 511] = (uint64_t)ept_pdpt | EPT_RWX;
    ept_pdpt[(L2_MEM_BASE >> 30) & 511] = (uint64_t)ept_pd | EPT_RWX;
    ept_pd[(L2_MEM_BASE >> 21) & 511] = L2_MEM_BASE | EPT_LARGE | EPT_RWX | EPT_WB;
    return EPTP_WB_4LEVEL(ept_pml4);
}

int kmain(struct multiboot_info *mbi)
{
    if (!find_guest(mbi))
        return 1;
    uint64_t entry;
    int segments = elf_load(l2_image, l2_image_size, L2_MEM_BASE, L2_PT_BASE, &entry);
    if (segments < 0)
        return 1;
    printf("loaded %d PT_LOAD segment%s into L2 memory 0x%lx-0x%lx, entry 0x%lx (%s)\n", segments, segments == 1 ? "" : "s",
           (unsigned long)L2_MEM_BASE, (unsigned long)(L2_MEM_BASE + L2_MEM_SIZE - 1), (unsigned long)entry, l2_where(entry));

    if (!vmx_enter_root(vmxon_region, vmcs))
        return 1;
    uint64_t cap = rdmsr(IA32_VMX_EPT_VPID_CAP);
    uint64_t need = EPT_CAP_WALK4 | EPT_CAP_WB | EPT_CAP_2MB;
    if ((cap & need) != need)
        panic("IA32_VMX_EPT_VPID_CAP = 0x%lx: no 4-level write-back EPT with 2 MiB pages\n", (unsigned long)cap);

    /* L2 gets a stack from its own entry code, so GUEST_RSP starts at 0. */
    vmx_setup_vmcs(CPU_HLT_EXITING | CPU_UNCOND_IO_EXITING | CPU_ACTIVATE_SECONDARY, entry, 0, (uint64_t)vm_exit_entry,
                   (uint64_t)(host_stack + sizeof host_stack));
    vmwrite(SECONDARY_VM_EXEC_CONTROL, adjust_controls(IA32_VMX_PROCBASED_CTLS2, SECONDARY_ENABLE_EPT));
    vmwrite(EPT_POINTER, build_ept());
    vmwrite(GUEST_CR3, build_l2_page_tables());
    printf("EPT maps only L2's memory; L2's page tables at 0x%lx; VMLAUNCH\n", (unsigned long)L2_PT_BASE);

    enum vmx_result r = vmlaunch();
    /* Reached only if VMLAUNCH failed. */
    printf("VMLAUNCH: %s", result_name(r));
    if (r == VM_FAIL_VALID)
        printf(", VM-instruction error %lu", (unsigned long)vmread(VM_INSTRUCTION_ERROR));
    printf("\n");
    return 1;
}
