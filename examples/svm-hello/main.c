/* svm-hello — an L1 hypervisor (AMD SVM) that runs a 64-bit L2 under nested
 * paging and handles its #VMEXITs.
 *
 * Runs under QEMU TCG (`-cpu qemu64,+svm,+npt`) and under nestvirt with the
 * same CPU model; test/integration/svm-qemu-parity.test.ts compares the two.
 *
 * L1 turns SVM on (EFER.SVME, VM_HSAVE_PA), builds a VMCB for a 64-bit L2
 * that shares L1's GDT, IDT and page tables, and an identity nested page
 * table (NPT12) for the first GiB of L2-physical memory. Intercepts: CPUID,
 * HLT, SHUTDOWN, VMMCALL, #UD, I/O through an IOPM that has only port 0x80,
 * RDMSR/WRMSR through an MSRPM that has only reads of SYSENTER_CS. L2 runs
 * CPUID, OUT to port 0x80, RDMSR of FS_BASE (not in the MSRPM: no exit),
 * RDMSR of SYSENTER_CS, HLT, UD2, a read of L2-physical 1 GiB (not in NPT12:
 * #VMEXIT(NPF); L1 maps a page of its own there and resumes), VMMCALL.
 *
 * L1 prints every #VMEXIT: exit code (name and hex), EXITINFO1, EXITINFO2,
 * guest RIP relative to L2's entry and, if the CPU has NRIPS, NextRIP. Then
 * it moves RIP past the instruction where the exit is instruction-like:
 * NextRIP with NRIPS, otherwise the length L1 knows from L2's code (for IOIO
 * EXITINFO2 is the next RIP on every CPU, APM vol 2 §15.10.2). The NPF and
 * the #UD are fault-like: RIP is the faulting instruction (§15.12, §15.25.6);
 * after the NPF L1 resumes at the same RIP, after #UD it skips UD2.
 *
 * QEMU TCG differs from the APM in one value here: it leaves the address-size
 * bits of IOIO EXITINFO1 clear for OUT imm8 (§15.10.2 has A64 set);
 * expected/svm-hello.json declares that difference.
 *
 * Each VMRUN is the usual host sequence (§15.17, §15.5.2): CLGI, VMLOAD of
 * L2's FS/GS/TR/LDTR/syscall MSRs, VMRUN, VMSAVE of them, VMLOAD of L1's own,
 * STGI. L2's general-purpose registers other than RAX and RSP are kept by
 * svm_run_guest; RAX and RSP live in the VMCB. */
#include "svm.h"

static uint8_t hsave[4096] __attribute__((aligned(4096)));
static uint8_t vmcb[4096] __attribute__((aligned(4096)));       /* L2's VMCB (VMCB12, seen from L0) */
static uint8_t host_state[4096] __attribute__((aligned(4096))); /* L1's own VMSAVE area */
static uint8_t iopm[SVM_IOPM_SIZE] __attribute__((aligned(4096)));
static uint8_t msrpm[SVM_MSRPM_SIZE] __attribute__((aligned(4096)));
static struct npt npt;
static uint64_t npt_pd_1g[512] __attribute__((aligned(4096)));  /* L2-physical 1 GiB .. 2 GiB */
static uint64_t npt_pt_1g[512] __attribute__((aligned(4096)));  /* its first 2 MiB */
static uint64_t late_page[512] __attribute__((aligned(4096)));  /* mapped at L2-physical 1 GiB after the NPF */
static uint8_t guest_stack[4096] __attribute__((aligned(16)));
static struct svm_gprs gprs;

#define LATE_GPA   0x40000000ull
#define LATE_VALUE 0x53564d2d4e504621ull   /* "!FPN-MVS" */

/* L2: each exiting instruction with the registers it needs set just before. */
void l2_entry(void);
__asm__(".text\n"
        ".globl l2_entry\n"
        "l2_entry:\n"
        "    xor %eax, %eax\n"
        "    xor %ecx, %ecx\n"
        "    cpuid\n"                    /* VMEXIT_CPUID */
        "    mov $0x42, %al\n"
        "    out %al, $0x80\n"           /* VMEXIT_IOIO: port 0x80 is in the IOPM */
        "    mov $0xc0000100, %ecx\n"
        "    rdmsr\n"                    /* FS_BASE is not in the MSRPM: no exit */
        "    mov $0x174, %ecx\n"
        "    rdmsr\n"                    /* VMEXIT_MSR: read of SYSENTER_CS */
        "    hlt\n"                      /* VMEXIT_HLT */
        "    ud2\n"                      /* VMEXIT_EXCP_UD (exception intercept bit 6) */
        "    mov 0x40000000, %rax\n"     /* VMEXIT_NPF, then (after L1 maps it) LATE_VALUE */
        "    vmmcall\n"                  /* VMEXIT_VMMCALL with RAX = what L2 read */
        "    ud2\n"
        "l2_end:\n");
extern const char l2_end[];

/* Instruction lengths L1 knows from l2_entry, for CPUs without NRIPS. */
static unsigned insn_length(uint64_t code)
{
    switch (code) {
    case VMEXIT_CPUID: return 2;
    case VMEXIT_MSR: return 2;
    case VMEXIT_HLT: return 1;
    case VMEXIT_EXCP_BASE + 6: return 2;   /* UD2 */
    case VMEXIT_VMMCALL: return 3;
    default: return 0;
    }
}

/* Addresses in L2's code as l2_entry+offset, so the output does not change
 * when L1's code moves; anything else in hex. */
static void print_value(uint64_t v)
{
    if (v >= (uint64_t)l2_entry && v < (uint64_t)l2_end)
        printf("l2_entry+0x%lx", (unsigned long)(v - (uint64_t)l2_entry));
    else
        printf("0x%lx", (unsigned long)v);
}

/* Maps LATE_GPA to late_page in NPT12 with one 4 KiB entry. */
static void map_late_page(void)
{
    late_page[0] = LATE_VALUE;
    npt_pt_1g[0] = (uint64_t)late_page | NPT_FLAGS;
    npt_pd_1g[0] = (uint64_t)npt_pt_1g | NPT_FLAGS;
    npt.pdpt[1] = (uint64_t)npt_pd_1g | NPT_FLAGS;
    /* The entry was not present, and a CPU does not cache translations that
     * are not present, so nothing is stale; a hypervisor that changes a
     * present NPT entry flushes the guest page in the guest's ASID like this
     * (§15.16.2). */
    invlpga(LATE_GPA, 1);
}

static void run_l2(void)
{
    clgi();
    vmload((uint64_t)vmcb);
    svm_run_guest((uint64_t)vmcb, &gprs);
    vmsave((uint64_t)vmcb);
    vmload((uint64_t)host_state);
    stgi();
}

int kmain(struct multiboot_info *mbi)
{
    (void)mbi;
    uint32_t features;
    if (!svm_enable(hsave, &features))
        return 1;
    bool nrips = features & SVM_FEATURE_NRIPS;
    if (!(features & SVM_FEATURE_NP)) {
        printf("no nested paging: this example needs NP (-cpu ...,+npt)\n");
        return 1;
    }

    iopm_intercept(iopm, 0x80);
    msrpm_intercept(msrpm, MSR_SYSENTER_CS, true, false);
    svm_setup_vmcb(vmcb, INTERCEPT_CPUID | INTERCEPT_HLT | INTERCEPT_IOIO_PROT | INTERCEPT_MSR_PROT | INTERCEPT_SHUTDOWN,
                   INTERCEPT_VMMCALL, (uint64_t)l2_entry, (uint64_t)(guest_stack + sizeof guest_stack),
                   npt_identity_1g(&npt));
    vmcb_write32(vmcb, VMCB_INTERCEPT_EXCEPTIONS, 1u << 6);   /* #UD */
    vmcb_write64(vmcb, VMCB_IOPM_BASE_PA, (uint64_t)iopm);
    vmcb_write64(vmcb, VMCB_MSRPM_BASE_PA, (uint64_t)msrpm);
    /* L2 starts with L1's FS, GS, TR, LDTR and syscall MSRs. */
    vmsave((uint64_t)host_state);
    vmsave((uint64_t)vmcb);
    printf("VMRUN of a 64-bit L2 with nested paging (L2-physical 0..1 GiB identity mapped)\n");

    for (unsigned exits = 1; exits <= 10; exits++) {
        run_l2();
        uint64_t code = vmcb_read64(vmcb, VMCB_EXITCODE);
        uint64_t info1 = vmcb_read64(vmcb, VMCB_EXITINFO1), info2 = vmcb_read64(vmcb, VMCB_EXITINFO2);
        uint64_t rip = vmcb_read64(vmcb, VMCB_RIP);
        printf("#VMEXIT %u: 0x%lx %s, EXITINFO1 0x%lx, EXITINFO2 ", exits, (unsigned long)code, svm_exit_name(code),
               (unsigned long)info1);
        print_value(info2);
        printf(", RIP ");
        print_value(rip);
        if (nrips) {
            printf(", NextRIP ");
            print_value(vmcb_read64(vmcb, VMCB_NRIP));
        }
        printf("\n");

        uint64_t next = rip + insn_length(code);
        if (nrips && code != VMEXIT_EXCP_BASE + 6)   /* NRIP is not written for exceptions (§15.7.1) */
            next = vmcb_read64(vmcb, VMCB_NRIP);
        switch (code) {
        case VMEXIT_CPUID:
            break;
        case VMEXIT_IOIO:
            printf("  %s port 0x%lx, %s, address size %s; EXITINFO2 is the next RIP\n",
                   info1 & IOIO_TYPE_IN ? "IN" : "OUT", (unsigned long)(info1 >> 16),
                   info1 & IOIO_SZ8 ? "1 byte" : info1 & IOIO_SZ16 ? "2 bytes" : "4 bytes",
                   info1 & IOIO_A64 ? "64-bit" : info1 & IOIO_A32 ? "32-bit" : info1 & IOIO_A16 ? "16-bit" : "not given");
            next = info2;
            break;
        case VMEXIT_MSR:
            printf("  %s of MSR 0x%lx\n", info1 ? "WRMSR" : "RDMSR", (unsigned long)(uint32_t)gprs.rcx);
            break;
        case VMEXIT_HLT:
        case VMEXIT_EXCP_BASE + 6:
            break;
        case VMEXIT_NPF:
            printf("  L2-physical 0x%lx: %s, %s, %s access, %s\n", (unsigned long)info2,
                   info1 & NPF_P ? "protection" : "not present", info1 & NPF_RW ? "write" : "read",
                   info1 & NPF_US ? "user" : "supervisor",
                   info1 & NPF_FINAL_GPA ? "final address" : info1 & NPF_GUEST_PT ? "guest page table" : "?");
            if (info2 != LATE_GPA)
                return 1;
            map_late_page();
            printf("  L1 maps it to a page of its own and resumes L2 at the same RIP\n");
            next = rip;
            break;
        case VMEXIT_VMMCALL: {
            uint64_t rax = vmcb_read64(vmcb, VMCB_RAX);
            printf("L2 made a VMMCALL after %u exits with RAX = 0x%lx (%s): done\n", exits, (unsigned long)rax,
                   rax == LATE_VALUE ? "read through the new mapping" : "wrong");
            return exits == 7 && rax == LATE_VALUE ? 0 : 1;
        }
        default:
            return 1;
        }
        vmcb_write64(vmcb, VMCB_RIP, next);
    }
    printf("too many exits\n");
    return 1;
}
