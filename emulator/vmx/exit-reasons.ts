// VMX basic exit reasons (VM_EXIT_REASON bits 15:0): SDM vol 3C Appendix C
// "VMX Basic Exit Reasons", qualifications §28.2.1 (2022+ numbering).
// Transcribed from ../shared/reference/vmx-exit-reasons.tsv (the test checks
// every row), with the nested routing rule text kept as data for the trace,
// the debugger and the L0's "does L1 want this exit?" functions to cite.
//
// One correction to the TSV: its reason-33 qualification text says 3 = "NMI
// injection while blocking by NMI"; the SDM (§27.8, "VM-entry failures during
// or after loading guest state") defines 3 as an attempt to inject an NMI
// into a guest blocking events by STI (vm-entry-checks.tsv GUEST-INTR-INJ-NMI-STI
// agrees). The table below uses the SDM's wording.

export { decodeQualification, describeExitReason } from './exit-qualification';

/** How the exit qualification of a reason is laid out (decoded by exit-qualification.ts). */
export type QualificationFormat =
  | 'none'
  | 'exception'
  | 'sipi'
  | 'task-switch'
  | 'linear-address'
  | 'displacement'
  | 'cr-access'
  | 'dr-access'
  | 'io'
  | 'entry-failure-guest'
  | 'msr-load-index'
  | 'mwait'
  | 'apic-access'
  | 'eoi-vector'
  | 'ept-violation'
  | 'apic-write'
  | 'pml-full'
  | 'spp'
  | 'notify';

export interface ExitReasonDef {
  readonly number: number;
  readonly name: string;
  readonly format: QualificationFormat;
  /**
   * The exit happens whatever the VM-execution controls say (SDM §26.1.2
   * "Instructions That Cause VM Exits Unconditionally", §26.2 triple fault,
   * INIT, task switch). VMREAD/VMWRITE are listed: they exit
   * unconditionally unless VMCS shadowing is on.
   */
  readonly unconditional: boolean;
  /** Reported with bit 31 set: a VM-entry failure (33, 34, 41). */
  readonly entryFailure: boolean;
  /** What the exit qualification holds (TSV text). */
  readonly qualification: string;
  /** What L0 does when the exit happens while L2 runs (TSV text). */
  readonly nestedRule: string;
}

type Row<N extends string> = {
  readonly number: number; readonly name: N; readonly format: QualificationFormat; readonly unconditional: boolean;
  readonly qualification: string; readonly nestedRule: string;
};
function x<N extends string>(number: number, name: N, format: QualificationFormat, unconditional: boolean, qualification: string, nestedRule: string): Row<N> {
  return { number, name, format, unconditional, qualification, nestedRule };
}

// number, name, qualification format, unconditional, qualification text, nested rule.
// Reserved numbers (35, 38, 42, 71, 82, 83) have no row.
const ROWS = [
  x(0, 'EXCEPTION_NMI', 'exception', false, "#PF: faulting linear address (CR2 is NOT written); #DB: B3:0 (bits 3:0), BD (13), BS (14), RTM (16) in DR6-like form (DR6 not written); others 0. VM_EXIT_INTR_INFO = vector/type/error-code-valid/NMI-unblocked-by-IRET(12); error code in VM_EXIT_INTR_ERROR_CODE", "NMI (type 2): an NMI that arrives while L2 runs is L0's first (KVM l0_wants_exit=true for NMI); L0 then treats it as an NMI event for the virtual CPU: if vmcs12 pin 'NMI exiting' = 1 -> synthesize exit 0 with intr info type NMI vector 2 to L1; else deliver the NMI to L2 (respecting L2 NMI blocking / vmcs12 'virtual NMIs'). #PF: reflect iff vmcs12 exception_bitmap bit 14 XOR ((PFEC & PFEC_MASK) != PFEC_MATCH) i.e. same rule hardware uses; with EPT02-on-EPT12 shadowing L0 only intercepts #PF for its own reasons (KVM: L0 wants #PF only when shadow paging without EPT or async-PF). Other vectors: reflect iff vmcs12.exception_bitmap bit[vector]; else L0 handles (L0's own bitmap bits, e.g. #UD/#AC/#DB workarounds) and re-injects into L2. Xen: L0 has priority on #PF, L1 on others"),
  x(1, 'EXTERNAL_INTERRUPT', 'none', false, "0. If exit ctl 'acknowledge interrupt on exit' = 1, VM_EXIT_INTR_INFO holds the vector (interrupt acknowledged), else not valid", "L0 only for the physical interrupt (it belongs to L0's devices). L0 then decides: if L2 is running and vmcs12 pin 'external-interrupt exiting' = 1 and the (virtual) interrupt is deliverable to L1 -> synthesize exit 1 to L1 (if vmcs12 exit ctl 'ack interrupt on exit' set: acknowledge the virtual APIC of L1 and put vector in VMCS12 exit intr info with valid bit; else intr info invalid). If vmcs12 pin ext-int exiting = 0 the interrupt is injected into L2 directly"),
  x(2, 'TRIPLE_FAULT', 'none', true, "0", "always reflect (L2 shutdown becomes exit to L1)"),
  x(3, 'INIT_SIGNAL', 'none', true, "0", "INIT while in VMX non-root -> exit to L1 (INIT is blocked in VMX root; pending INIT in L1 root stays latched until L1 leaves root or VMXOFF). KVM: handles INIT/SIPI in its event-check path, synthesizing exit 3 to L1 when L2 runs"),
  x(4, 'SIPI', 'sipi', false, "bits 7:0 = SIPI vector", "only if L2 was in wait-for-SIPI activity state: reflect to L1"),
  x(5, 'IO_SMI', 'io', false, "I/O info like reason 30 (SMM dual-monitor only)", "not emulated (no SMM dual-monitor) - L0 only"),
  x(6, 'OTHER_SMI', 'none', false, "0", "not emulated (SMM dual-monitor) - L0 only"),
  x(7, 'INTERRUPT_WINDOW', 'none', false, "0", "reflect iff vmcs12 primary 'interrupt-window exiting' (bit 2); L0 may also set it in VMCS02 for its own injection into L2/L1 - then handle in L0 (KVM: nested_cpu_has(INTR_WINDOW_EXITING))"),
  x(8, 'NMI_WINDOW', 'none', false, "0", "reflect iff vmcs12 primary 'NMI-window exiting' (bit 22); else L0's own"),
  x(9, 'TASK_SWITCH', 'task-switch', true, "bits 15:0 target TSS selector; bits 31:30 source (0 CALL, 1 IRET, 2 JMP, 3 task gate in IDT)", "always reflect (task switch always exits in non-root)"),
  x(10, 'CPUID', 'none', true, "0", "always reflect (unconditional exit)"),
  x(11, 'GETSEC', 'none', true, "0", "always reflect (unconditional; only if CR4.SMXE)"),
  x(12, 'HLT', 'none', false, "0", "reflect iff vmcs12 primary 'HLT exiting' (bit 7); else L0 emulates HLT for L2 (L2 sleeps until an event for L2 or a nested exit cause)"),
  x(13, 'INVD', 'none', true, "0", "always reflect (unconditional)"),
  x(14, 'INVLPG', 'linear-address', false, "linear-address operand", "reflect iff vmcs12 primary 'INVLPG exiting' (bit 9); else L0 executes (flush L2 linear mappings tagged with VPID02)"),
  x(15, 'RDPMC', 'none', false, "0", "reflect iff vmcs12 primary 'RDPMC exiting' (bit 11)"),
  x(16, 'RDTSC', 'none', false, "0", "reflect iff vmcs12 primary 'RDTSC exiting' (bit 12); else L0 emulates returning L1's TSC + vmcs12 TSC offset (scaled by vmcs12 multiplier if enabled) - Xen does exactly this"),
  x(17, 'RSM', 'none', false, "0", "only in SMM dual-monitor - L0 only"),
  x(18, 'VMCALL', 'none', true, "0", "always reflect (unconditional in non-root). Note: if L0 uses VMCALL as its own hypercall ABI it must still reflect L2's VMCALLs to L1"),
  x(19, 'VMCLEAR', 'displacement', true, "displacement of memory operand; VMX_INSTRUCTION_INFO", "always reflect (allows L2 to be a hypervisor = L3 nesting; L1 emulates)"),
  x(20, 'VMLAUNCH', 'none', true, "0", "always reflect"),
  x(21, 'VMPTRLD', 'displacement', true, "displacement; instr info", "always reflect"),
  x(22, 'VMPTRST', 'displacement', true, "displacement; instr info", "always reflect"),
  x(23, 'VMREAD', 'displacement', true, "displacement; instr info", "if vmcs12 secondary 'VMCS shadowing' = 0: always reflect; if 1: reflect iff field encoding >= 0x8000 (bits 63:15 nonzero) or bit[encoding & 0x7FFF] set in vmcs12 VMREAD bitmap; otherwise L0 emulates the access against the shadow VMCS named by vmcs12 VMCS link pointer (VMfailInvalid if link pointer = all-ones)"),
  x(24, 'VMRESUME', 'none', true, "0", "always reflect"),
  x(25, 'VMWRITE', 'displacement', true, "displacement; instr info", "as VMREAD but using vmcs12 VMWRITE bitmap"),
  x(26, 'VMXOFF', 'none', true, "0", "always reflect"),
  x(27, 'VMXON', 'displacement', true, "displacement; instr info", "always reflect"),
  x(28, 'CR_ACCESS', 'cr-access', false, "bits 3:0 CR number; 5:4 type (0 MOV to CR, 1 MOV from CR, 2 CLTS, 3 LMSW); 6 LMSW operand (0 reg, 1 mem); 11:8 GPR; 31:16 LMSW source data", "MOV to CR0/CR4: reflect iff vmcs12 CRn_GUEST_HOST_MASK & (new_value XOR vmcs12 CRn_READ_SHADOW) != 0; otherwise L0 performs the write into L2's real CR (bits L1 does not own) and keeps VMCS12 GUEST_CRn in sync. MOV to CR3: reflect iff vmcs12 'CR3-load exiting' (bit 15) and value not equal to one of the first CR3_TARGET_COUNT target values (KVM omits target check since it reports 0 targets). MOV from CR3: vmcs12 'CR3-store exiting' (bit 16). MOV to/from CR8: vmcs12 'CR8-load/store exiting' (bits 19/20) (not if TPR shadow handles it). CLTS: reflect iff mask.TS = 1 and shadow.TS = 1. LMSW: reflect iff mask & 0xE & (src XOR shadow) != 0, or mask.PE=1 and shadow.PE=0 and src.PE=1"),
  x(29, 'DR_ACCESS', 'dr-access', false, "bits 2:0 DR number; bit 4 direction (0 MOV to DR, 1 MOV from DR); 11:8 GPR", "reflect iff vmcs12 primary 'MOV-DR exiting' (bit 23); else L0 handles (Xen additionally requires its lazy DR state to be dirty)"),
  x(30, 'IO_INSTRUCTION', 'io', false, "bits 2:0 size-1 (0=1 byte,1=2,3=4); bit 3 direction (1=IN); bit 4 string; bit 5 REP; bit 6 operand encoding (0 DX, 1 immediate); bits 31:16 port. GUEST_LINEAR_ADDRESS valid for INS/OUTS; instr info if VMX_BASIC bit 54", "if vmcs12 'use I/O bitmaps' (bit 25) = 1: reflect iff any of the bits for ports port..port+size-1 is set in vmcs12 I/O bitmap A (ports 0-0x7FFF) / B (0x8000-0xFFFF), or the range wraps past 0xFFFF; else reflect iff 'unconditional I/O exiting' (bit 24); else L0 performs the I/O for L2 on L1's behalf (to L0's device model)"),
  x(31, 'MSR_READ', 'none', false, "0 (MSR index in ECX)", "if vmcs12 'use MSR bitmaps' (bit 28) = 0: always reflect; else ECX in 0-0x1FFF: read-low bitmap (offset 0); ECX in 0xC0000000-0xC0001FFF: read-high bitmap (offset 1024); any other ECX: always reflect; bit set -> reflect, clear -> L0 emulates the MSR for L2 (value as L2 should see it; careful with MSRs L1 loads for L2 via MSR-load lists)"),
  x(32, 'MSR_WRITE', 'none', false, "0", "same with write-low (offset 2048) / write-high (offset 3072) bitmaps"),
  x(33, 'INVALID_GUEST_STATE', 'entry-failure-guest', false, "0 default; 2 PDPTE load failure; 3 NMI injection while blocking by STI; 4 invalid VMCS link pointer", "(exit reason reported with bit 31 set) a VM-entry failure of VMCS02 caused by L1's guest state must be reported to L1 as if L1's VMLAUNCH/VMRESUME failed: load VMCS12 host state, set VMCS12 exit reason 0x80000021 and qualification; L0's own VMCS02 bugs must not leak"),
  x(34, 'MSR_LOAD_FAIL', 'msr-load-index', false, "index (1-based) of the failing entry in the VM-entry MSR-load area", "(bit 31 set) report to L1 like 33 when L1's VMCS12 entry MSR-load list has a bad entry; L0 processes L1's list itself at emulated entry"),
  x(36, 'MWAIT', 'mwait', false, "bit 0 = 1 if monitor hardware was armed (otherwise 0)", "reflect iff vmcs12 primary 'MWAIT exiting' (bit 10)"),
  x(37, 'MONITOR_TRAP_FLAG', 'none', false, "0", "reflect iff vmcs12 primary 'monitor trap flag' (bit 27), or if L1 injected a pending-MTF event (VM-entry intr info type 7 vector 0) - KVM nested_vmx_exit_handled_mtf; else L0's own single-stepping"),
  x(39, 'MONITOR', 'none', false, "0", "reflect iff vmcs12 primary 'MONITOR exiting' (bit 29)"),
  x(40, 'PAUSE', 'none', false, "0", "reflect iff vmcs12 primary 'PAUSE exiting' (bit 30) or (KVM) vmcs12 secondary 'PAUSE-loop exiting' (bit 10); L0's own PLE otherwise"),
  x(41, 'MCE_DURING_VMENTRY', 'none', false, "0", "(bit 31 set) L0 handles the machine check (KVM: both L0 and L1 'want' it; L0 wins); not expected in an emulator"),
  x(43, 'TPR_BELOW_THRESHOLD', 'none', false, "0 (trap-like: after the instruction)", "reflect iff vmcs12 'use TPR shadow' (bit 21); these controls come only from vmcs12 so always L1's"),
  x(44, 'APIC_ACCESS', 'apic-access', false, "bits 11:0 page offset (linear accesses); bits 15:12 access type (0 linear data read, 1 linear data write, 2 linear fetch, 3 linear access during event delivery, 10 guest-physical access during event delivery, 15 guest-physical fetch/execute); bit 16 asynchronous to instruction execution", "reflect (vmcs12 'virtualize APIC accesses' is only ever set on L1's behalf; KVM returns true unconditionally; Xen checks the vmcs12 secondary bit)"),
  x(45, 'VIRTUALIZED_EOI', 'eoi-vector', false, "bits 7:0 = vector whose EOI was virtualized", "reflect (vmcs12 virtual-interrupt delivery + EOI-exit bitmap are L1's)"),
  x(46, 'GDTR_IDTR', 'displacement', false, "displacement; instr info (LGDT/LIDT/SGDT/SIDT)", "reflect iff vmcs12 secondary 'descriptor-table exiting' (bit 2)"),
  x(47, 'LDTR_TR', 'displacement', false, "displacement; instr info (LLDT/LTR/SLDT/STR)", "reflect iff vmcs12 secondary 'descriptor-table exiting'"),
  x(48, 'EPT_VIOLATION', 'ept-violation', false, "bit0 data read, 1 data write, 2 instruction fetch, 3 GPA readable, 4 writable, 5 executable (supervisor-exec if MBEC), 6 user-exec (MBEC), 7 guest-linear-address field valid, 8 (if 7) access was to the translated address (1) vs a paging-structure entry (0), 9 user-mode linear address (adv. info), 10 read/write page, 11 execute-disable page, 12 NMI unblocking due to IRET, 13 shadow-stack access, 14 supervisor shadow-stack control, 15 guest-paging verification, 16 asynchronous to instruction; GPA in GUEST_PHYSICAL_ADDRESS; GLA in GUEST_LINEAR_ADDRESS", "L0 first: walk EPT12 (L1's tables, in L1 guest-physical space) for the L2 GPA. If EPT12 denies/misses -> reflect as EPT violation (or EPT misconfig if EPT12 entry is misconfigured) with qualification recomputed from EPT12 permissions and GPA = L2 GPA. If EPT12 permits -> L0 fixes EPT02 (shadow of EPT12 composed with EPT01 / L0's memory map) and resumes L2 without L1 noticing. A fault in EPT01 (L0's own map of L1 memory) is L0 only. If L1 enabled PML and the access dirtied a page, L0 may instead synthesize PML-full (62)"),
  x(49, 'EPT_MISCONFIG', 'none', false, "0; GPA in GUEST_PHYSICAL_ADDRESS", "L0 first (EPT02 is L0's); reflect as EPT misconfiguration only when the misconfigured entry is in EPT12 (KVM: misconfig in EPT12 detected during shadow walk -> nested_ept_inject_page_fault with reason 49)"),
  x(50, 'INVEPT', 'displacement', true, "displacement; instr info", "always reflect"),
  x(51, 'RDTSCP', 'none', false, "0", "reflect iff vmcs12 'RDTSC exiting' (RDTSCP also requires secondary 'enable RDTSCP' else #UD in L2)"),
  x(52, 'PREEMPTION_TIMER', 'none', false, "0", "L0's own timer: L0. If vmcs12 pin 'activate VMX-preemption timer' set, L0 emulates L1's timer (counts down at TSC >> IA32_VMX_MISC[4:0] of the virtual CPU) and synthesizes exit 52 to L1 when it fires; Xen reflects iff vmcs12 pin bit 6"),
  x(53, 'INVVPID', 'displacement', true, "displacement; instr info", "always reflect"),
  x(54, 'WBINVD', 'none', false, "0 (also WBNOINVD)", "reflect iff vmcs12 secondary 'WBINVD exiting' (bit 6) (KVM); Xen handles in L0"),
  x(55, 'XSETBV', 'none', true, "0", "always reflect (unconditional)"),
  x(56, 'APIC_WRITE', 'apic-write', false, "bits 11:0 offset of the APIC register written (trap-like)", "reflect (APIC-register virtualization is L1's)"),
  x(57, 'RDRAND', 'none', false, "0; instr info", "reflect iff vmcs12 secondary 'RDRAND exiting' (bit 11)"),
  x(58, 'INVPCID', 'displacement', false, "displacement; instr info", "reflect iff vmcs12 secondary 'enable INVPCID' (bit 12) AND primary 'INVLPG exiting' (bit 9) (INVPCID exits only through INVLPG exiting)"),
  x(59, 'VMFUNC', 'none', false, "0", "VMFUNC from L2: L0 emulates leaf 0 (EPTP switching) using vmcs12 EPTP list when vmcs12 enables VM functions and the leaf bit is set in vmcs12 VM-function controls; any failure (bad leaf, index >= 512, invalid EPTP) -> reflect exit 59 to L1. KVM: L0 always wants it"),
  x(60, 'ENCLS', 'none', false, "0; instr info", "L0 unless SGX exposed to L1 (then reflect iff vmcs12 secondary 'ENCLS exiting' and ENCLS-exiting bitmap bit for EAX (leaf >= 63 uses bit 63))"),
  x(61, 'RDSEED', 'none', false, "0; instr info", "reflect iff vmcs12 secondary 'RDSEED exiting' (bit 16)"),
  x(62, 'PML_FULL', 'pml-full', false, "bit 12 NMI unblocking due to IRET", "L0 only for L0's own PML on EPT02; if L1 uses PML (vmcs12 secondary bit 17) L0 emulates: writes GPA into L1's PML page at vmcs12 GUEST_PML_INDEX, decrements it, and synthesizes exit 62 to L1 when index would underflow (KVM: emulates PML)"),
  x(63, 'XSAVES', 'none', false, "0; instr info", "reflect iff vmcs12 secondary 'enable XSAVES/XRSTORS' (bit 20) and (IA32_XSS AND vmcs12 XSS-exiting bitmap) != 0"),
  x(64, 'XRSTORS', 'none', false, "0; instr info", "same as 63"),
  x(65, 'PCONFIG', 'none', false, "0", "reflect iff vmcs12 secondary 'enable PCONFIG' and bitmap bit for EAX (L0 if not exposed)"),
  x(66, 'SPP_EVENT', 'spp', false, "bit 11: 0 = SPPT miss, 1 = SPPT misconfiguration; bit 12 NMI unblocking", "L0 only unless SPP exposed to L1 (normally hidden)"),
  x(67, 'UMWAIT', 'none', false, "0", "reflect iff vmcs12 secondary 'enable user wait and pause' (bit 26) (and UMWAIT would otherwise #UD)"),
  x(68, 'TPAUSE', 'none', false, "0", "same as 67"),
  x(69, 'LOADIWKEY', 'none', false, "0; instr info", "reflect iff vmcs12 tertiary 'LOADIWKEY exiting' (bit 0)"),
  x(70, 'ENCLV', 'none', false, "0; instr info", "as ENCLS with ENCLV bitmap"),
  x(72, 'ENQCMD_PASID_FAIL', 'none', false, "PASID translation failure info", "L0 only unless exposed"),
  x(73, 'ENQCMDS_PASID_FAIL', 'none', false, "PASID translation failure info", "L0 only unless exposed"),
  x(74, 'BUS_LOCK', 'none', false, "0 (also signalled as exit-reason bit 26 on other exits)", "L0 only (KVM/Xen never expose bus-lock detection to L1)"),
  x(75, 'NOTIFY', 'notify', false, "bit 0 = VM context invalid; bit 12 NMI unblocking", "L0 only (KVM: 'Notify VM exit is not exposed to L1'; Xen passes to L0)"),
  x(76, 'SEAMCALL', 'none', false, "0", "TDX only - L0 / #UD"),
  x(77, 'TDCALL', 'none', false, "0", "TDX only - L0 / #UD"),
  x(78, 'RDMSRLIST', 'none', false, "0", "reflect iff vmcs12 tertiary 'enable MSR-list instructions' (bit 6) per MSR bitmap semantics - new, verify"),
  x(79, 'WRMSRLIST', 'none', false, "0", "as 78"),
  x(80, 'URDMSR', 'none', false, "0", "new (user MSR instructions) - verify"),
  x(81, 'UWRMSR', 'none', false, "0", "new - verify"),
  x(84, 'RDMSR_IMM', 'none', false, "0; instr info gives MSR index/GPR", "like 31 (MSR bitmap lookup with immediate index) - new, verify"),
  x(85, 'WRMSRNS_IMM', 'none', false, "0; instr info", "like 32 - new, verify"),
] as const;

export type ExitReasonName = (typeof ROWS)[number]['name'];

export const EXIT_REASONS: readonly ExitReasonDef[] = ROWS.map((r) => ({
  ...r,
  entryFailure: r.number === 33 || r.number === 34 || r.number === 41,
}));

/** Basic exit reason by name: `EXIT_REASON.CPUID` = 10. */
export const EXIT_REASON: { readonly [K in ExitReasonName]: number } = Object.freeze(
  Object.fromEntries(ROWS.map((r) => [r.name, r.number])),
) as { readonly [K in ExitReasonName]: number };

const BY_NUMBER: (ExitReasonDef | undefined)[] = (() => {
  const a = new Array<ExitReasonDef | undefined>(128).fill(undefined);
  for (const d of EXIT_REASONS) a[d.number] = d;
  return a;
})();

/** The row for a basic exit reason (bits 15:0 of VM_EXIT_REASON are taken), or undefined. */
export function exitReason(reason: number): ExitReasonDef | undefined {
  return BY_NUMBER[reason & 0xffff];
}

/** Name of a basic exit reason, `RESERVED_<n>` / `UNKNOWN_<n>` otherwise. */
export function exitReasonName(reason: number): string {
  const n = reason & 0xffff;
  const d = BY_NUMBER[n];
  if (d) return d.name;
  return n <= 85 ? `RESERVED_${n}` : `UNKNOWN_${n}`;
}

/** VM_EXIT_REASON high bits (SDM §25.9.1). */
export const EXIT_REASON_FLAGS = {
  BUS_LOCK: 1 << 26,
  ENCLAVE_MODE: 1 << 27,
  PENDING_MTF: 1 << 28,
  FROM_VMX_ROOT: 1 << 29,
  ENTRY_FAILURE: (1 << 31) >>> 0,
} as const;

/** The full VM_EXIT_REASON value of a VM-entry failure (SDM §27.8): basic reason with bit 31 set. */
export function entryFailureExitReason(basic: 33 | 34 | 41): number {
  return (basic | EXIT_REASON_FLAGS.ENTRY_FAILURE) >>> 0;
}
