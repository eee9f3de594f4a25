/* vmx.h — what the VMX example hypervisors share: MSR numbers, VMCS field
 * encodings and control bits, wrappers for the VMX instructions, entering VMX
 * root operation and filling a VMCS for a 64-bit guest. Header-only (static
 * inline), so kernels that do not include it keep their exact layout. */
#ifndef NESTVIRT_VMX_H
#define NESTVIRT_VMX_H

#include "runtime.h"

/* MSRs (SDM vol 4; vol 3C appendix A). */
#define IA32_FEATURE_CONTROL     0x03a
#define IA32_SYSENTER_CS         0x174
#define IA32_SYSENTER_ESP        0x175
#define IA32_SYSENTER_EIP        0x176
#define IA32_VMX_BASIC           0x480
#define IA32_VMX_PINBASED_CTLS   0x481
#define IA32_VMX_PROCBASED_CTLS  0x482
#define IA32_VMX_EXIT_CTLS       0x483
#define IA32_VMX_ENTRY_CTLS      0x484
#define IA32_VMX_CR0_FIXED0      0x486
#define IA32_VMX_CR0_FIXED1      0x487
#define IA32_VMX_CR4_FIXED0      0x488
#define IA32_VMX_CR4_FIXED1      0x489
#define IA32_VMX_TRUE_PINBASED_CTLS  0x48d
#define IA32_VMX_TRUE_PROCBASED_CTLS 0x48e
#define IA32_VMX_TRUE_EXIT_CTLS      0x48f
#define IA32_VMX_TRUE_ENTRY_CTLS     0x490
#define IA32_VMX_PROCBASED_CTLS2     0x48b
#define IA32_VMX_EPT_VPID_CAP        0x48c
#define MSR_FS_BASE              0xc0000100
#define MSR_GS_BASE              0xc0000101

#define FC_LOCK              (1u << 0)
#define FC_VMX_OUTSIDE_SMX   (1u << 2)

/* VMCS field encodings (SDM vol 3C appendix B). */
enum {
    GUEST_ES_SELECTOR = 0x0800, GUEST_CS_SELECTOR = 0x0802, GUEST_SS_SELECTOR = 0x0804,
    GUEST_DS_SELECTOR = 0x0806, GUEST_FS_SELECTOR = 0x0808, GUEST_GS_SELECTOR = 0x080a,
    GUEST_LDTR_SELECTOR = 0x080c, GUEST_TR_SELECTOR = 0x080e,
    HOST_ES_SELECTOR = 0x0c00, HOST_CS_SELECTOR = 0x0c02, HOST_SS_SELECTOR = 0x0c04,
    HOST_DS_SELECTOR = 0x0c06, HOST_FS_SELECTOR = 0x0c08, HOST_GS_SELECTOR = 0x0c0a,
    HOST_TR_SELECTOR = 0x0c0c,
    VIRTUAL_PROCESSOR_ID = 0x0000,
    EPT_POINTER = 0x201a, GUEST_PHYSICAL_ADDRESS = 0x2400,
    VMCS_LINK_POINTER = 0x2800,
    PIN_BASED_VM_EXEC_CONTROL = 0x4000, CPU_BASED_VM_EXEC_CONTROL = 0x4002,
    EXCEPTION_BITMAP = 0x4004, VM_EXIT_CONTROLS = 0x400c, VM_ENTRY_CONTROLS = 0x4012,
    SECONDARY_VM_EXEC_CONTROL = 0x401e,
    VM_INSTRUCTION_ERROR = 0x4400, VM_EXIT_REASON = 0x4402, VM_EXIT_INTR_INFO = 0x4404,
    VM_EXIT_INSTRUCTION_LEN = 0x440c,
    GUEST_ES_LIMIT = 0x4800, GUEST_ES_AR_BYTES = 0x4814,   /* + 2 * segment number */
    GUEST_GDTR_LIMIT = 0x4810, GUEST_IDTR_LIMIT = 0x4812,
    GUEST_INTERRUPTIBILITY_INFO = 0x4824, GUEST_ACTIVITY_STATE = 0x4826,
    GUEST_SYSENTER_CS = 0x482a, HOST_IA32_SYSENTER_CS = 0x4c00,
    EXIT_QUALIFICATION = 0x6400, GUEST_LINEAR_ADDRESS = 0x640a,
    GUEST_CR0 = 0x6800, GUEST_CR3 = 0x6802, GUEST_CR4 = 0x6804,
    GUEST_ES_BASE = 0x6806,                                /* + 2 * segment number */
    GUEST_GDTR_BASE = 0x6816, GUEST_IDTR_BASE = 0x6818,
    GUEST_DR7 = 0x681a, GUEST_RSP = 0x681c, GUEST_RIP = 0x681e, GUEST_RFLAGS = 0x6820,
    GUEST_PENDING_DBG_EXCEPTIONS = 0x6822, GUEST_SYSENTER_ESP = 0x6824, GUEST_SYSENTER_EIP = 0x6826,
    HOST_CR0 = 0x6c00, HOST_CR3 = 0x6c02, HOST_CR4 = 0x6c04,
    HOST_FS_BASE = 0x6c06, HOST_GS_BASE = 0x6c08, HOST_TR_BASE = 0x6c0a,
    HOST_GDTR_BASE = 0x6c0c, HOST_IDTR_BASE = 0x6c0e,
    HOST_IA32_SYSENTER_ESP = 0x6c10, HOST_IA32_SYSENTER_EIP = 0x6c12,
    HOST_RSP = 0x6c14, HOST_RIP = 0x6c16,
};

/* Segment numbers in the encodings' order. */
enum { SEG_ES, SEG_CS, SEG_SS, SEG_DS, SEG_FS, SEG_GS, SEG_LDTR, SEG_TR };

#define EXIT_HOST_ADDR_SPACE_SIZE (1u << 9)   /* VM-exit control 9 */
#define CPU_HLT_EXITING           (1u << 7)   /* primary processor-based control 7 */
#define CPU_UNCOND_IO_EXITING     (1u << 24)  /* primary processor-based control 24 */
#define ENTRY_IA32E_MODE_GUEST    (1u << 9)   /* VM-entry control 9 */
#define CPU_ACTIVATE_SECONDARY    (1u << 31)  /* primary processor-based control 31 */
#define SECONDARY_ENABLE_EPT      (1u << 1)   /* secondary processor-based control 1 */
#define SECONDARY_ENABLE_VPID     (1u << 5)   /* secondary processor-based control 5 */

/* EPT (SDM vol 3C 29.3.2): entry bits 2:0 = R/W/X, bits 5:3 = memory type of
 * a leaf, bit 7 = large page; EPTP (25.6.11): memory type, walk length - 1. */
#define EPT_R        (1ull << 0)
#define EPT_W        (1ull << 1)
#define EPT_X        (1ull << 2)
#define EPT_RWX      (EPT_R | EPT_W | EPT_X)
#define EPT_WB       (6ull << 3)
#define EPT_LARGE    (1ull << 7)
#define EPTP_WB_4LEVEL(pml4) ((uint64_t)(pml4) | (3ull << 3) | 6)
/* IA32_VMX_EPT_VPID_CAP bits (SDM vol 3C appendix A.10). */
#define EPT_CAP_WALK4          (1ull << 6)
#define EPT_CAP_WB             (1ull << 14)
#define EPT_CAP_2MB            (1ull << 16)
#define EPT_CAP_INVEPT         (1ull << 20)
#define EPT_CAP_INVEPT_SINGLE  (1ull << 25)
#define INVEPT_SINGLE_CONTEXT  1

/* VMCS access rights (SDM vol 3C 25.4.1 table 25-2). */
#define AR_CODE64      0xa09b   /* type 11, S, P, L, G */
#define AR_DATA        0xc093   /* type 3, S, P, D/B, G */
#define AR_TSS64_BUSY  0x008b   /* type 11, P */
#define AR_UNUSABLE    0x10000
#define AR_L           (1u << 13)
#define AR_DB          (1u << 14)

/* ---- VMX instructions: RFLAGS.CF = VMfailInvalid, ZF = VMfailValid ---- */

enum vmx_result { VM_SUCCEED, VM_FAIL_INVALID, VM_FAIL_VALID };

static inline const char *result_name(enum vmx_result r)
{
    return r == VM_SUCCEED ? "VMsucceed" : r == VM_FAIL_INVALID ? "VMfailInvalid" : "VMfailValid";
}

static inline enum vmx_result result_of(uint8_t cf, uint8_t zf)
{
    return cf ? VM_FAIL_INVALID : zf ? VM_FAIL_VALID : VM_SUCCEED;
}

/* VMXON / VMCLEAR / VMPTRLD take the 64-bit physical address in memory. */
#define VMX_PTR_INSN(name)                                                           \
    static inline enum vmx_result name(uint64_t pa)                                         \
    {                                                                                \
        uint8_t cf, zf;                                                              \
        __asm__ volatile(#name " %2; setc %0; setz %1"                               \
                         : "=qm"(cf), "=qm"(zf) : "m"(pa) : "cc", "memory");         \
        return result_of(cf, zf);                                                    \
    }
VMX_PTR_INSN(vmxon)
VMX_PTR_INSN(vmclear)
VMX_PTR_INSN(vmptrld)

#define VMX_ENTRY_INSN(name)                                                         \
    static inline enum vmx_result name(void)                                                \
    {                                                                                \
        uint8_t cf, zf;                                                              \
        __asm__ volatile(#name "; setc %0; setz %1"                                  \
                         : "=qm"(cf), "=qm"(zf) : : "cc", "memory");                 \
        return result_of(cf, zf);                                                    \
    }
VMX_ENTRY_INSN(vmlaunch)
VMX_ENTRY_INSN(vmresume)

/* INVEPT type, {EPTP, 0} (SDM vol 3C 31.3 INVEPT). */
static inline enum vmx_result invept(uint64_t type, uint64_t eptp)
{
    struct { uint64_t eptp, reserved; } desc = { eptp, 0 };
    uint8_t cf, zf;
    __asm__ volatile("invept %2, %3; setc %0; setz %1"
                     : "=qm"(cf), "=qm"(zf) : "m"(desc), "r"(type) : "cc", "memory");
    return result_of(cf, zf);
}

static inline uint64_t vmread(uint64_t field)
{
    uint64_t v = 0;
    __asm__ volatile("vmread %1, %0" : "=rm"(v) : "r"(field) : "cc");
    return v;
}

static inline void vmwrite(uint64_t field, uint64_t value)
{
    uint8_t bad;
    __asm__ volatile("vmwrite %1, %2; setbe %0" : "=qm"(bad) : "rm"(value), "r"(field) : "cc");
    if (bad)
        panic("VMWRITE of field 0x%lx failed (VM-instruction error %lu)\n", (unsigned long)field,
              (unsigned long)vmread(VM_INSTRUCTION_ERROR));
}

/* Control value: bits the capability MSR's allowed-0 half forces, plus `want`,
 * within the allowed-1 half (SDM vol 3C appendix A.3-A.5). */
static inline uint32_t adjust_controls(uint32_t msr, uint32_t want)
{
    uint64_t cap = rdmsr(msr);
    uint32_t v = (uint32_t)cap | want;
    if (v & ~(uint32_t)(cap >> 32))
        panic("control bits 0x%x not allowed by MSR 0x%x\n", v & ~(uint32_t)(cap >> 32), msr);
    return v;
}

/* Tags L2's cached translations with `vpid` (nonzero) in the current VMCS,
 * as hypervisors do, so VM entries and exits need not invalidate them (SDM
 * vol 3C 29.4): only if the capability MSRs allow secondary controls and
 * "enable VPID" (appendix A.3.2, A.3.3). Returns whether it did. */
static inline bool vmx_enable_vpid(uint16_t vpid)
{
    bool true_ctls = (rdmsr(IA32_VMX_BASIC) >> 55) & 1;
    uint64_t proc = rdmsr(true_ctls ? IA32_VMX_TRUE_PROCBASED_CTLS : IA32_VMX_PROCBASED_CTLS);
    if (!vpid || !((proc >> 32) & CPU_ACTIVATE_SECONDARY))
        return false;
    if (!((rdmsr(IA32_VMX_PROCBASED_CTLS2) >> 32) & SECONDARY_ENABLE_VPID))
        return false;
    uint64_t primary = vmread(CPU_BASED_VM_EXEC_CONTROL);
    uint32_t secondary = primary & CPU_ACTIVATE_SECONDARY ? (uint32_t)vmread(SECONDARY_VM_EXEC_CONTROL) : 0;
    vmwrite(CPU_BASED_VM_EXEC_CONTROL, primary | CPU_ACTIVATE_SECONDARY);
    vmwrite(SECONDARY_VM_EXEC_CONTROL, adjust_controls(IA32_VMX_PROCBASED_CTLS2, secondary | SECONDARY_ENABLE_VPID));
    vmwrite(VIRTUAL_PROCESSOR_ID, vpid);
    return true;
}

static inline uint16_t read_sel(int seg)
{
    uint16_t s = 0;
    switch (seg) {
    case SEG_ES: __asm__ volatile("mov %%es, %0" : "=r"(s)); break;
    case SEG_CS: __asm__ volatile("mov %%cs, %0" : "=r"(s)); break;
    case SEG_SS: __asm__ volatile("mov %%ss, %0" : "=r"(s)); break;
    case SEG_DS: __asm__ volatile("mov %%ds, %0" : "=r"(s)); break;
    case SEG_FS: __asm__ volatile("mov %%fs, %0" : "=r"(s)); break;
    case SEG_GS: __asm__ volatile("mov %%gs, %0" : "=r"(s)); break;
    case SEG_TR: __asm__ volatile("str %0" : "=r"(s)); break;
    }
    return s;
}

struct __attribute__((packed)) dtr { uint16_t limit; uint64_t base; };

/* Base of the 16-byte system descriptor `sel` in the GDT (SDM vol 3A 8.2.3). */
static inline uint64_t system_desc_base(uint64_t gdt_base, uint16_t sel)
{
    const uint32_t *d = (const uint32_t *)(gdt_base + (sel & ~7u));
    return (uint64_t)((d[0] >> 16) | ((d[1] & 0xff) << 16) | (d[1] & 0xff000000u)) | ((uint64_t)d[2] << 32);
}

/* Fills the current VMCS for a 64-bit guest that shares L1's page tables and
 * GDT: controls are what the capability MSRs require plus `proc` (primary
 * processor-based controls), a 64-bit host and guest; host state is this CPU
 * as it is now, continuing at host_rip on host_rsp. Kernels add their own
 * fields (exception bitmap, deliberate mistakes, ...) afterwards. */
static inline void vmx_setup_vmcs(uint32_t proc, uint64_t guest_rip, uint64_t guest_rsp, uint64_t host_rip, uint64_t host_rsp)
{
    uint64_t basic = rdmsr(IA32_VMX_BASIC);
    bool true_ctls = (basic >> 55) & 1;
    struct dtr gdtr, idtr;
    __asm__ volatile("sgdt %0" : "=m"(gdtr));
    __asm__ volatile("sidt %0" : "=m"(idtr));

    vmwrite(PIN_BASED_VM_EXEC_CONTROL, adjust_controls(true_ctls ? IA32_VMX_TRUE_PINBASED_CTLS : IA32_VMX_PINBASED_CTLS, 0));
    vmwrite(CPU_BASED_VM_EXEC_CONTROL, adjust_controls(true_ctls ? IA32_VMX_TRUE_PROCBASED_CTLS : IA32_VMX_PROCBASED_CTLS, proc));
    vmwrite(VM_EXIT_CONTROLS, adjust_controls(true_ctls ? IA32_VMX_TRUE_EXIT_CTLS : IA32_VMX_EXIT_CTLS, EXIT_HOST_ADDR_SPACE_SIZE));
    vmwrite(VM_ENTRY_CONTROLS, adjust_controls(true_ctls ? IA32_VMX_TRUE_ENTRY_CTLS : IA32_VMX_ENTRY_CTLS, ENTRY_IA32E_MODE_GUEST));

    /* Host state: this CPU as it is now. */
    vmwrite(HOST_CR0, read_cr0());
    vmwrite(HOST_CR3, read_cr3());
    vmwrite(HOST_CR4, read_cr4());
    vmwrite(HOST_CS_SELECTOR, read_sel(SEG_CS));
    vmwrite(HOST_SS_SELECTOR, read_sel(SEG_SS));
    vmwrite(HOST_DS_SELECTOR, read_sel(SEG_DS));
    vmwrite(HOST_ES_SELECTOR, read_sel(SEG_ES));
    vmwrite(HOST_FS_SELECTOR, read_sel(SEG_FS));
    vmwrite(HOST_GS_SELECTOR, read_sel(SEG_GS));
    vmwrite(HOST_TR_SELECTOR, read_sel(SEG_TR));
    vmwrite(HOST_FS_BASE, rdmsr(MSR_FS_BASE));
    vmwrite(HOST_GS_BASE, rdmsr(MSR_GS_BASE));
    vmwrite(HOST_TR_BASE, system_desc_base(gdtr.base, read_sel(SEG_TR)));
    vmwrite(HOST_GDTR_BASE, gdtr.base);
    vmwrite(HOST_IDTR_BASE, idtr.base);
    vmwrite(HOST_IA32_SYSENTER_CS, rdmsr(IA32_SYSENTER_CS));
    vmwrite(HOST_IA32_SYSENTER_ESP, rdmsr(IA32_SYSENTER_ESP));
    vmwrite(HOST_IA32_SYSENTER_EIP, rdmsr(IA32_SYSENTER_EIP));
    vmwrite(HOST_RSP, host_rsp);
    vmwrite(HOST_RIP, host_rip);

    /* Guest state: a 64-bit guest sharing L1's page tables and GDT. */
    vmwrite(GUEST_CR0, read_cr0());
    vmwrite(GUEST_CR3, read_cr3());
    vmwrite(GUEST_CR4, read_cr4());
    vmwrite(GUEST_DR7, 0x400);
    vmwrite(GUEST_RFLAGS, 0x2);
    vmwrite(GUEST_RIP, guest_rip);
    vmwrite(GUEST_RSP, guest_rsp);
    for (int s = SEG_ES; s <= SEG_GS; s++) {
        bool code = s == SEG_CS;
        vmwrite(GUEST_ES_SELECTOR + 2 * s, code ? SEL_KCODE : SEL_KDATA);
        vmwrite(GUEST_ES_BASE + 2 * s, 0);
        vmwrite(GUEST_ES_LIMIT + 2 * s, 0xffffffff);
        vmwrite(GUEST_ES_AR_BYTES + 2 * s, code ? AR_CODE64 : AR_DATA);
    }
    vmwrite(GUEST_LDTR_SELECTOR, 0);
    vmwrite(GUEST_ES_AR_BYTES + 2 * SEG_LDTR, AR_UNUSABLE);
    vmwrite(GUEST_TR_SELECTOR, read_sel(SEG_TR));
    vmwrite(GUEST_ES_BASE + 2 * SEG_TR, system_desc_base(gdtr.base, read_sel(SEG_TR)));
    vmwrite(GUEST_ES_LIMIT + 2 * SEG_TR, 0x67);
    vmwrite(GUEST_ES_AR_BYTES + 2 * SEG_TR, AR_TSS64_BUSY);
    vmwrite(GUEST_GDTR_BASE, gdtr.base);
    vmwrite(GUEST_GDTR_LIMIT, gdtr.limit);
    vmwrite(GUEST_IDTR_BASE, idtr.base);
    vmwrite(GUEST_IDTR_LIMIT, idtr.limit);
    vmwrite(GUEST_SYSENTER_CS, 0);
    vmwrite(GUEST_SYSENTER_ESP, 0);
    vmwrite(GUEST_SYSENTER_EIP, 0);
    vmwrite(GUEST_INTERRUPTIBILITY_INFO, 0);
    vmwrite(GUEST_ACTIVITY_STATE, 0);
    vmwrite(GUEST_PENDING_DBG_EXCEPTIONS, 0);
    vmwrite(VMCS_LINK_POINTER, ~0ull);
}

/* VMX root operation with `vmcs` current: checks CPUID.1:ECX.VMX, enables VMX
 * in IA32_FEATURE_CONTROL if it is unlocked, puts CR0/CR4 inside the VMX fixed
 * bits with CR4.VMXE, then VMXON, VMCLEAR and VMPTRLD (both regions 4 KiB
 * aligned). Prints each step; returns false if this CPU cannot do VMX. */
static inline bool vmx_enter_root(uint8_t *vmxon_region, uint8_t *vmcs)
{
    if (!(cpuid(1, 0).ecx & (1u << 5))) {
        printf("CPUID.1:ECX.VMX = 0: no VMX on this CPU\n");
        return false;
    }
    uint64_t fc = rdmsr(IA32_FEATURE_CONTROL);
    if (!(fc & FC_LOCK)) {
        wrmsr(IA32_FEATURE_CONTROL, fc | FC_LOCK | FC_VMX_OUTSIDE_SMX);
        fc = rdmsr(IA32_FEATURE_CONTROL);
    }
    if (!(fc & FC_VMX_OUTSIDE_SMX)) {
        printf("IA32_FEATURE_CONTROL = 0x%lx: VMX outside SMX disabled and locked\n", (unsigned long)fc);
        return false;
    }
    printf("IA32_FEATURE_CONTROL = 0x%lx\n", (unsigned long)fc);

    /* CR0/CR4 inside the VMX fixed bits (SDM vol 3C appendix A.7, A.8), CR4.VMXE on. */
    write_cr0((read_cr0() | rdmsr(IA32_VMX_CR0_FIXED0)) & rdmsr(IA32_VMX_CR0_FIXED1));
    write_cr4((read_cr4() | CR4_VMXE | rdmsr(IA32_VMX_CR4_FIXED0)) & rdmsr(IA32_VMX_CR4_FIXED1));

    uint32_t rev = (uint32_t)rdmsr(IA32_VMX_BASIC) & 0x7fffffff;
    printf("VMCS revision id 0x%x\n", rev);
    *(uint32_t *)vmxon_region = rev;
    *(uint32_t *)vmcs = rev;

    enum vmx_result r;
    if ((r = vmxon((uint64_t)vmxon_region)) != VM_SUCCEED)
        panic("VMXON: %s\n", result_name(r));
    if ((r = vmclear((uint64_t)vmcs)) != VM_SUCCEED)
        panic("VMCLEAR: %s\n", result_name(r));
    if ((r = vmptrld((uint64_t)vmcs)) != VM_SUCCEED)
        panic("VMPTRLD: %s\n", result_name(r));
    printf("VMXON, VMCLEAR, VMPTRLD: VMsucceed\n");
    return true;
}

#endif
