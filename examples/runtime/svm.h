/* svm.h — what the SVM example hypervisors share: MSR numbers, VMCB offsets,
 * intercept bits and #VMEXIT codes as named constants, wrappers for the SVM
 * instructions, turning SVM on, filling a VMCB for a 64-bit guest and an
 * identity-mapped nested page table. Header-only (static inline), so kernels
 * that do not include it keep their exact layout.
 *
 * Numbers are from AMD APM vol 2 chapter 15 and appendices B (VMCB layout)
 * and C (exit codes); ../../../shared/reference/vmcb-layout.tsv and
 * svm-exit-codes.tsv hold the same facts as tables. */
#ifndef NESTVIRT_SVM_H
#define NESTVIRT_SVM_H

#include "runtime.h"

/* ---- MSRs and CPUID (APM vol 2 §15.4, §15.30; vol 3 appendix E) ---------- */
#define MSR_VM_CR        0xc0010114
#define MSR_VM_HSAVE_PA  0xc0010117
#define MSR_SYSENTER_CS  0x00000174
#define MSR_FS_BASE      0xc0000100
#define EFER_SVME        (1u << 12)

#define CPUID_8000_0001_ECX_SVM   (1u << 2)
/* CPUID 8000_000A EDX: optional SVM features (APM vol 3 appendix E.4.9). */
#define SVM_FEATURE_NP     (1u << 0)
#define SVM_FEATURE_NRIPS  (1u << 3)

/* ---- VMCB control area (APM vol 2 appendix B, table B-1) ----------------- */
enum {
    VMCB_INTERCEPT_CR = 0x000,          /* reads 15:0, writes 31:16 */
    VMCB_INTERCEPT_DR = 0x004,
    VMCB_INTERCEPT_EXCEPTIONS = 0x008,  /* bit n: exception vector n */
    VMCB_INTERCEPT_MISC1 = 0x00c,
    VMCB_INTERCEPT_MISC2 = 0x010,
    VMCB_IOPM_BASE_PA = 0x040,
    VMCB_MSRPM_BASE_PA = 0x048,
    VMCB_TSC_OFFSET = 0x050,
    VMCB_GUEST_ASID = 0x058,
    VMCB_TLB_CONTROL = 0x05c,
    VMCB_VINTR = 0x060,
    VMCB_INTERRUPT_STATE = 0x068,
    VMCB_EXITCODE = 0x070,
    VMCB_EXITINFO1 = 0x078,
    VMCB_EXITINFO2 = 0x080,
    VMCB_EXITINTINFO = 0x088,
    VMCB_NESTED_CTL = 0x090,
    VMCB_EVENTINJ = 0x0a8,
    VMCB_N_CR3 = 0x0b0,
    VMCB_VIRT_EXT = 0x0b8,
    VMCB_CLEAN = 0x0c0,
    VMCB_NRIP = 0x0c8,
};

/* ---- VMCB state-save area (APM vol 2 appendix B, table B-2) -------------- */
enum {
    VMCB_ES = 0x400, VMCB_CS = 0x410, VMCB_SS = 0x420, VMCB_DS = 0x430,
    VMCB_FS = 0x440, VMCB_GS = 0x450, VMCB_GDTR = 0x460, VMCB_LDTR = 0x470,
    VMCB_IDTR = 0x480, VMCB_TR = 0x490,
    VMCB_CPL = 0x4cb,
    VMCB_EFER = 0x4d0,
    VMCB_CR4 = 0x548, VMCB_CR3 = 0x550, VMCB_CR0 = 0x558,
    VMCB_DR7 = 0x560, VMCB_DR6 = 0x568,
    VMCB_RFLAGS = 0x570, VMCB_RIP = 0x578, VMCB_RSP = 0x5d8, VMCB_RAX = 0x5f8,
    VMCB_CR2 = 0x640,
    VMCB_G_PAT = 0x668,
};
/* A segment in the save area: selector, attributes, limit, base. The
 * attributes are descriptor bits 47:40 in 7:0 and 55:52 in 11:8 (APM vol 2
 * §15.5.1, appendix B). */
enum { VMCB_SEG_SEL = 0, VMCB_SEG_ATTRIB = 2, VMCB_SEG_LIMIT = 4, VMCB_SEG_BASE = 8 };
#define SVM_ATTRIB_CODE64  0x0a9b   /* type 11 (accessed), S, P, L, G */
#define SVM_ATTRIB_DATA    0x0c93   /* type 3 (accessed), S, P, D/B, G */

/* ---- intercept bits (APM vol 2 appendix B, table B-1; §15.8-15.14) ------- */
/* INTERCEPT_MISC1 (vector 3): */
#define INTERCEPT_INTR      (1u << 0)
#define INTERCEPT_CPUID     (1u << 18)
#define INTERCEPT_HLT       (1u << 24)
#define INTERCEPT_INVLPGA   (1u << 26)
#define INTERCEPT_IOIO_PROT (1u << 27)   /* consult the IOPM */
#define INTERCEPT_MSR_PROT  (1u << 28)   /* consult the MSRPM */
#define INTERCEPT_SHUTDOWN  (1u << 31)
/* INTERCEPT_MISC2 (vector 4): */
#define INTERCEPT_VMRUN     (1u << 0)    /* VMRUN fails unless it is set (§15.5.1) */
#define INTERCEPT_VMMCALL   (1u << 1)
#define INTERCEPT_VMLOAD    (1u << 2)
#define INTERCEPT_VMSAVE    (1u << 3)
#define INTERCEPT_STGI      (1u << 4)
#define INTERCEPT_CLGI      (1u << 5)

#define NESTED_CTL_NP_ENABLE 1u          /* §15.25.3 */

/* Permission maps: the IOPM is 12 KiB (one bit per port, §15.10.1), the MSRPM
 * 8 KiB (two bits per MSR, read then write, §15.11). */
#define SVM_IOPM_SIZE  (3 * 4096)
#define SVM_MSRPM_SIZE (2 * 4096)

/* ---- #VMEXIT codes (APM vol 2 appendix C) --------------------------------- */
#define VMEXIT_EXCP_BASE  0x040          /* + vector */
#define VMEXIT_INTR       0x060
#define VMEXIT_CPUID      0x072
#define VMEXIT_HLT        0x078
#define VMEXIT_INVLPGA    0x07a
#define VMEXIT_IOIO       0x07b
#define VMEXIT_MSR        0x07c
#define VMEXIT_SHUTDOWN   0x07f
#define VMEXIT_VMRUN      0x080
#define VMEXIT_VMMCALL    0x081
#define VMEXIT_VMLOAD     0x082
#define VMEXIT_VMSAVE     0x083
#define VMEXIT_STGI       0x084
#define VMEXIT_CLGI       0x085
#define VMEXIT_NPF        0x400
#define VMEXIT_INVALID    0xffffffffffffffffull   /* all 64 bits (§15.5.1) */

/* IOIO EXITINFO1 (§15.10.2): TYPE (1 = IN), size and address-size one-hot
 * fields, port in 31:16. */
#define IOIO_TYPE_IN  (1u << 0)
#define IOIO_STR      (1u << 2)
#define IOIO_REP      (1u << 3)
#define IOIO_SZ8      (1u << 4)
#define IOIO_SZ16     (1u << 5)
#define IOIO_SZ32     (1u << 6)
#define IOIO_A16      (1u << 7)
#define IOIO_A32      (1u << 8)
#define IOIO_A64      (1u << 9)

/* NPF EXITINFO1 (§15.25.6): a page-fault error code plus where the walk failed. */
#define NPF_P          (1ull << 0)
#define NPF_RW         (1ull << 1)
#define NPF_US         (1ull << 2)
#define NPF_ID         (1ull << 4)
#define NPF_FINAL_GPA  (1ull << 32)   /* translating the guest's final physical address */
#define NPF_GUEST_PT   (1ull << 33)   /* translating one of the guest's page-table accesses */

static inline const char *svm_exit_name(uint64_t code)
{
    static const char *const excp[32] = {
        [0] = "VMEXIT_EXCP_DE", [1] = "VMEXIT_EXCP_DB", [3] = "VMEXIT_EXCP_BP", [6] = "VMEXIT_EXCP_UD",
        [8] = "VMEXIT_EXCP_DF", [13] = "VMEXIT_EXCP_GP", [14] = "VMEXIT_EXCP_PF",
    };
    if (code >= VMEXIT_EXCP_BASE && code < VMEXIT_EXCP_BASE + 32)
        return excp[code - VMEXIT_EXCP_BASE] ? excp[code - VMEXIT_EXCP_BASE] : "VMEXIT_EXCP_n";
    switch (code) {
    case VMEXIT_INTR: return "VMEXIT_INTR";
    case VMEXIT_CPUID: return "VMEXIT_CPUID";
    case VMEXIT_HLT: return "VMEXIT_HLT";
    case VMEXIT_INVLPGA: return "VMEXIT_INVLPGA";
    case VMEXIT_IOIO: return "VMEXIT_IOIO";
    case VMEXIT_MSR: return "VMEXIT_MSR";
    case VMEXIT_SHUTDOWN: return "VMEXIT_SHUTDOWN";
    case VMEXIT_VMRUN: return "VMEXIT_VMRUN";
    case VMEXIT_VMMCALL: return "VMEXIT_VMMCALL";
    case VMEXIT_VMLOAD: return "VMEXIT_VMLOAD";
    case VMEXIT_VMSAVE: return "VMEXIT_VMSAVE";
    case VMEXIT_STGI: return "VMEXIT_STGI";
    case VMEXIT_CLGI: return "VMEXIT_CLGI";
    case VMEXIT_NPF: return "VMEXIT_NPF";
    case VMEXIT_INVALID: return "VMEXIT_INVALID";
    default: return "?";
    }
}

/* ---- VMCB field access ----------------------------------------------------- */
static inline uint64_t vmcb_read64(const uint8_t *vmcb, unsigned off) { return *(const volatile uint64_t *)(vmcb + off); }
static inline uint32_t vmcb_read32(const uint8_t *vmcb, unsigned off) { return *(const volatile uint32_t *)(vmcb + off); }
static inline void vmcb_write64(uint8_t *vmcb, unsigned off, uint64_t v) { *(volatile uint64_t *)(vmcb + off) = v; }
static inline void vmcb_write32(uint8_t *vmcb, unsigned off, uint32_t v) { *(volatile uint32_t *)(vmcb + off) = v; }
static inline void vmcb_write16(uint8_t *vmcb, unsigned off, uint16_t v) { *(volatile uint16_t *)(vmcb + off) = v; }
static inline void vmcb_write8(uint8_t *vmcb, unsigned off, uint8_t v) { *(volatile uint8_t *)(vmcb + off) = v; }

static inline void vmcb_set_seg(uint8_t *vmcb, unsigned seg, uint16_t sel, uint16_t attrib, uint32_t limit, uint64_t base)
{
    vmcb_write16(vmcb, seg + VMCB_SEG_SEL, sel);
    vmcb_write16(vmcb, seg + VMCB_SEG_ATTRIB, attrib);
    vmcb_write32(vmcb, seg + VMCB_SEG_LIMIT, limit);
    vmcb_write64(vmcb, seg + VMCB_SEG_BASE, base);
}

/* ---- SVM instructions (APM vol 3, chapter 4) --------------------------------- */

/* VMRUN (rAX = VMCB physical address) returns here after the #VMEXIT with
 * RAX, RSP and RIP restored from the host-save area; every other
 * general-purpose register then holds the guest's value (§15.5.1, §15.6), so
 * all of them are clobbered, and RBP, which gcc's frame pointer owns, is saved
 * by hand (the kernels build with -mno-red-zone, so the push is safe). */
static inline void vmrun(uint64_t vmcb_pa)
{
    __asm__ volatile("push %%rbp\n\t"
                     "vmrun %%rax\n\t"
                     "pop %%rbp"
                     : "+a"(vmcb_pa)
                     :
                     : "rbx", "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15",
                       "memory", "cc");
}
/* The guest's general-purpose registers other than RAX and RSP, which live in
 * the VMCB: VMRUN neither loads nor saves them (§15.5.1, §15.6). */
struct svm_gprs { uint64_t rbx, rcx, rdx, rsi, rdi, rbp, r8, r9, r10, r11, r12, r13, r14, r15; };

/* VMRUN as hypervisors use it: loads the guest's registers from `g` before
 * and stores them back after the #VMEXIT, so the guest keeps its registers
 * across exits and L1 can read and write them (RDMSR's ECX, CPUID's
 * results). After the exit only RAX, RSP (and RIP) are the host's again, so
 * `g` is kept on the stack across VMRUN. */
static inline void svm_run_guest(uint64_t vmcb_pa, struct svm_gprs *g)
{
    __asm__ volatile("push %%rbp\n\t"
                     "push %%rdi\n\t"
                     "mov 0(%%rdi), %%rbx\n\t"
                     "mov 8(%%rdi), %%rcx\n\t"
                     "mov 16(%%rdi), %%rdx\n\t"
                     "mov 24(%%rdi), %%rsi\n\t"
                     "mov 40(%%rdi), %%rbp\n\t"
                     "mov 48(%%rdi), %%r8\n\t"
                     "mov 56(%%rdi), %%r9\n\t"
                     "mov 64(%%rdi), %%r10\n\t"
                     "mov 72(%%rdi), %%r11\n\t"
                     "mov 80(%%rdi), %%r12\n\t"
                     "mov 88(%%rdi), %%r13\n\t"
                     "mov 96(%%rdi), %%r14\n\t"
                     "mov 104(%%rdi), %%r15\n\t"
                     "mov 32(%%rdi), %%rdi\n\t"
                     "vmrun %%rax\n\t"
                     "push %%rdi\n\t"
                     "mov 8(%%rsp), %%rdi\n\t"
                     "mov %%rbx, 0(%%rdi)\n\t"
                     "mov %%rcx, 8(%%rdi)\n\t"
                     "mov %%rdx, 16(%%rdi)\n\t"
                     "mov %%rsi, 24(%%rdi)\n\t"
                     "mov %%rbp, 40(%%rdi)\n\t"
                     "mov %%r8, 48(%%rdi)\n\t"
                     "mov %%r9, 56(%%rdi)\n\t"
                     "mov %%r10, 64(%%rdi)\n\t"
                     "mov %%r11, 72(%%rdi)\n\t"
                     "mov %%r12, 80(%%rdi)\n\t"
                     "mov %%r13, 88(%%rdi)\n\t"
                     "mov %%r14, 96(%%rdi)\n\t"
                     "mov %%r15, 104(%%rdi)\n\t"
                     "popq 32(%%rdi)\n\t"
                     "pop %%rdi\n\t"
                     "pop %%rbp"
                     : "+a"(vmcb_pa), "+D"(g)
                     :
                     : "rbx", "rcx", "rdx", "rsi", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15",
                       "memory", "cc");
}

/* VMLOAD/VMSAVE move FS, GS, TR, LDTR (hidden parts too), KernelGSBase,
 * STAR/LSTAR/CSTAR/SFMASK and SYSENTER_* between the CPU and a VMCB (§15.5.2). */
static inline void vmload(uint64_t vmcb_pa) { __asm__ volatile("vmload %%rax" : : "a"(vmcb_pa) : "memory"); }
static inline void vmsave(uint64_t vmcb_pa) { __asm__ volatile("vmsave %%rax" : : "a"(vmcb_pa) : "memory"); }
/* The global interrupt flag (§15.17). */
static inline void stgi(void) { __asm__ volatile("stgi" ::: "memory"); }
static inline void clgi(void) { __asm__ volatile("clgi" ::: "memory"); }
/* #UD unless the running VMCB intercepts VMMCALL (APM vol 3, VMMCALL). */
static inline void vmmcall(void) { __asm__ volatile("vmmcall" ::: "memory"); }
/* Invalidate the TLB entry for one guest linear address in one ASID (§15.16.2). */
static inline void invlpga(uint64_t va, uint32_t asid) { __asm__ volatile("invlpga %%rax, %%ecx" : : "a"(va), "c"(asid) : "memory"); }

/* ---- bring-up ---------------------------------------------------------------- */

/* Turns SVM on (APM vol 2 §15.4): CPUID 8000_0001 ECX.SVM says the CPU has
 * it; EFER.SVME enables the SVM instructions; VM_HSAVE_PA names the 4 KiB
 * page where VMRUN keeps the host state (§15.30.4; its format is the CPU's
 * business, L1 never reads it). Returns CPUID 8000_000A EDX (the optional
 * features) after printing it, or prints why not and returns false. */
static inline bool svm_enable(uint8_t *hsave_page, uint32_t *features)
{
    if (!(cpuid(0x80000001, 0).ecx & CPUID_8000_0001_ECX_SVM)) {
        printf("CPUID 8000_0001:ECX.SVM = 0: no SVM on this CPU\n");
        return false;
    }
    struct cpuid_regs a = cpuid(0x8000000a, 0);
    printf("CPUID 8000_000A: SVM revision %u, %u ASIDs, features EDX 0x%x (NP %s, NRIPS %s)\n", a.eax & 0xff, a.ebx,
           a.edx, a.edx & SVM_FEATURE_NP ? "yes" : "no", a.edx & SVM_FEATURE_NRIPS ? "yes" : "no");
    wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SVME);
    wrmsr(MSR_VM_HSAVE_PA, (uint64_t)hsave_page);
    printf("EFER = 0x%lx (SVME on), VM_HSAVE_PA set\n", (unsigned long)rdmsr(MSR_EFER));
    *features = a.edx;
    return true;
}

/* Fills `vmcb` (4 KiB aligned, zeroed here) for a 64-bit guest that starts at
 * rip on rsp and shares L1's GDT, IDT, control registers and EFER (so its own
 * page tables are L1's). Intercepts: VMRUN (mandatory, §15.5.1) plus
 * `misc1`/`misc2`; ASID 1 (0 is the host's, §15.5.1). n_cr3 != 0 turns on
 * nested paging with that NPT root (§15.25.3), with G_PAT at its reset value
 * (the guest's PAT under NP, §15.25.8). Kernels add their own fields
 * afterwards. FS, GS, TR and LDTR are not VMRUN's (§15.5.1): the caller
 * VMSAVEs them into the VMCB. */
static inline void svm_setup_vmcb(uint8_t *vmcb, uint32_t misc1, uint32_t misc2, uint64_t rip, uint64_t rsp, uint64_t n_cr3)
{
    struct __attribute__((packed)) { uint16_t limit; uint64_t base; } gdtr, idtr;
    __asm__ volatile("sgdt %0" : "=m"(gdtr));
    __asm__ volatile("sidt %0" : "=m"(idtr));
    memset(vmcb, 0, 4096);

    vmcb_write32(vmcb, VMCB_INTERCEPT_MISC1, misc1);
    vmcb_write32(vmcb, VMCB_INTERCEPT_MISC2, INTERCEPT_VMRUN | misc2);
    vmcb_write32(vmcb, VMCB_GUEST_ASID, 1);
    if (n_cr3) {
        vmcb_write64(vmcb, VMCB_NESTED_CTL, NESTED_CTL_NP_ENABLE);
        vmcb_write64(vmcb, VMCB_N_CR3, n_cr3);
        vmcb_write64(vmcb, VMCB_G_PAT, 0x0007040600070406ull);
    }

    vmcb_set_seg(vmcb, VMCB_CS, SEL_KCODE, SVM_ATTRIB_CODE64, 0xffffffff, 0);
    vmcb_set_seg(vmcb, VMCB_SS, SEL_KDATA, SVM_ATTRIB_DATA, 0xffffffff, 0);
    vmcb_set_seg(vmcb, VMCB_DS, SEL_KDATA, SVM_ATTRIB_DATA, 0xffffffff, 0);
    vmcb_set_seg(vmcb, VMCB_ES, SEL_KDATA, SVM_ATTRIB_DATA, 0xffffffff, 0);
    vmcb_write32(vmcb, VMCB_GDTR + VMCB_SEG_LIMIT, gdtr.limit);
    vmcb_write64(vmcb, VMCB_GDTR + VMCB_SEG_BASE, gdtr.base);
    vmcb_write32(vmcb, VMCB_IDTR + VMCB_SEG_LIMIT, idtr.limit);
    vmcb_write64(vmcb, VMCB_IDTR + VMCB_SEG_BASE, idtr.base);
    vmcb_write8(vmcb, VMCB_CPL, 0);
    vmcb_write64(vmcb, VMCB_EFER, rdmsr(MSR_EFER));   /* SVME must be 1 (§15.5.1) */
    vmcb_write64(vmcb, VMCB_CR0, read_cr0());
    vmcb_write64(vmcb, VMCB_CR3, read_cr3());
    vmcb_write64(vmcb, VMCB_CR4, read_cr4());
    vmcb_write64(vmcb, VMCB_DR6, 0xffff0ff0);
    vmcb_write64(vmcb, VMCB_DR7, 0x400);
    vmcb_write64(vmcb, VMCB_RFLAGS, 0x2);
    vmcb_write64(vmcb, VMCB_RIP, rip);
    vmcb_write64(vmcb, VMCB_RSP, rsp);
    vmcb_write64(vmcb, VMCB_RAX, 0);
}

/* Sets the intercept bit for I/O port `port` in a 12 KiB IOPM (§15.10.1). */
static inline void iopm_intercept(uint8_t *iopm, uint16_t port) { iopm[port / 8] |= (uint8_t)(1u << (port % 8)); }

/* Sets the read and/or write intercept bit for `msr` in an 8 KiB MSRPM
 * (§15.11): MSRs 0000_0000-0000_1FFF at byte 0, C000_0000-C000_1FFF at 0x800,
 * C001_0000-C001_1FFF at 0x1000, two bits per MSR (read, write). MSRs outside
 * those ranges always exit when MSR_PROT is on. */
static inline void msrpm_intercept(uint8_t *msrpm, uint32_t msr, bool read, bool write)
{
    uint32_t base;
    if (msr <= 0x1fff) base = 0;
    else if (msr - 0xc0000000u <= 0x1fff) base = 0x800;
    else if (msr - 0xc0010000u <= 0x1fff) base = 0x1000;
    else return;
    uint32_t bit = 2 * (msr & 0x1fff);
    if (read) msrpm[base + bit / 8] |= (uint8_t)(1u << (bit % 8));
    if (write) msrpm[base + (bit + 1) / 8] |= (uint8_t)(1u << ((bit + 1) % 8));
}

/* Nested page tables in L1's long-mode format (the NPT format follows the
 * paging mode of the VMRUN executor, §15.25.4): an identity map of the first
 * GiB of guest-physical memory with 2 MiB pages. Every level has U/S = 1
 * because nested-table walks are user accesses (§15.25.5). */
#define NPT_FLAGS (PTE_P | PTE_W | PTE_U)
struct npt {
    uint64_t pml4[512] __attribute__((aligned(4096)));
    uint64_t pdpt[512] __attribute__((aligned(4096)));
    uint64_t pd[512] __attribute__((aligned(4096)));
};
static inline uint64_t npt_identity_1g(struct npt *n)
{
    memset(n, 0, sizeof *n);
    n->pml4[0] = (uint64_t)n->pdpt | NPT_FLAGS;
    n->pdpt[0] = (uint64_t)n->pd | NPT_FLAGS;
    for (uint64_t i = 0; i < 512; i++)
        n->pd[i] = (i << 21) | NPT_FLAGS | PTE_PS;
    return (uint64_t)n->pml4;
}

#endif
