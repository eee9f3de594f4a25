// The CPU feature table behind `-cpu` policies (cpu-model.ts): every feature
// name QEMU accepts that nestvirt knows about, where it lives (a CPUID bit or
// a bit of an IA32_VMX_* capability MSR), and whether nestvirt implements it.
// `max` turns on exactly the implemented ones; nothing that is not
// implemented is ever advertised (a requested one is dropped with a warning,
// as QEMU TCG does: "TCG doesn't support requested feature").
//
// Names are QEMU's (target/i386/cpu.c feature_word_info[].feat_names and the
// property aliases it registers; `qemu-system-x86_64 -cpu help`). Bit
// positions: Intel SDM vol 2A, CPUID instruction, Tables 3-8 ("Structured
// Extended Feature Flags", leaf 7), 3-10 (leaf 1 ECX), 3-11 (leaf 1 EDX) and
// the 80000001H rows; AMD APM vol 3 Appendix E (Fn8000_0001, Fn8000_000A);
// VMX capability MSRs: SDM vol 3 Appendix A.3-A.10, control bits ch. 25
// (/work/shared/reference/vmx-msrs.tsv, vmx-controls.tsv).
//
// The `implemented` column is nestvirt's contract: the CPU core must honour
// every implemented CPUID feature (and #UD/#GP where it is off), the L0 must
// emulate every implemented VMX/SVM capability. Flip a row only together with
// the code that implements it.

export type CpuidReg = 'eax' | 'ebx' | 'ecx' | 'edx';

export interface CpuidFeature {
  readonly kind: 'cpuid';
  /** QEMU's feature name (canonical spelling). */
  readonly name: string;
  /** Other spellings QEMU accepts (besides '_' for '-'). */
  readonly aliases?: readonly string[];
  readonly leaf: number;
  readonly subleaf: number;
  readonly reg: CpuidReg;
  readonly bit: number;
  readonly implemented: boolean;
  readonly doc: string;
}

/** Which VMX capability a vmx-* feature sets. */
export type VmxWord = 'basic' | 'pin' | 'primary' | 'secondary' | 'exit' | 'entry' | 'misc' | 'ept-vpid' | 'vmfunc';

export interface VmxFeature {
  readonly kind: 'vmx';
  readonly name: string;
  readonly aliases?: readonly string[];
  readonly word: VmxWord;
  /**
   * Bit in QEMU's feature word: the control bit for pin/primary/secondary/
   * exit/entry (reported in the allowed-1 half, MSR bit 32 + n), the MSR bit
   * for basic/misc/ept-vpid (0-63) and vmfunc.
   */
  readonly bit: number;
  /**
   * The "no-exit"/"no-save"/"no-load" features name a default1 control that
   * the TRUE capability MSR lets software clear: on = the TRUE MSR's
   * allowed-0 bit is 0 (control may be 0), off = it is 1 (must stay 1).
   */
  readonly inverted?: boolean;
  readonly implemented: boolean;
  readonly doc: string;
}

export type CpuFeature = CpuidFeature | VmxFeature;

function c(name: string, leaf: number, reg: CpuidReg, bit: number, implemented: boolean, doc: string, aliases?: string[], subleaf = 0): CpuidFeature {
  return { kind: 'cpuid', name, leaf, subleaf, reg, bit, implemented, doc, ...(aliases ? { aliases } : {}) };
}

const Y = true;
const N = false;

/**
 * CPUID feature bits. Leaf 1 EDX/ECX: SDM vol 2A Tables 3-11 / 3-10. Leaf 7
 * subleaf 0: Table 3-8. Leaf 0DH subleaf 1 EAX and leaf 6 EAX: the CPUID
 * leaf descriptions in Table 3-8. 80000001H: SDM rows for that leaf and AMD
 * APM vol 3 E.4.2. 8000000AH EDX: APM vol 2 §15.4 / vol 3 E.4.9
 * (svm-msrs-cpuid.tsv).
 */
export const CPUID_FEATURES: readonly CpuidFeature[] = [
  // ---- CPUID.01H:EDX ----
  c('fpu', 1, 'edx', 0, Y, 'x87 FPU on chip'),
  c('vme', 1, 'edx', 1, N, 'virtual-8086 mode enhancements (CR4.VME/PVI)'),
  c('de', 1, 'edx', 2, Y, 'debugging extensions (CR4.DE, I/O breakpoints)'),
  c('pse', 1, 'edx', 3, Y, '4 MiB pages (CR4.PSE)'),
  c('tsc', 1, 'edx', 4, Y, 'RDTSC, CR4.TSD'),
  c('msr', 1, 'edx', 5, Y, 'RDMSR/WRMSR'),
  c('pae', 1, 'edx', 6, Y, 'physical address extension'),
  c('mce', 1, 'edx', 7, Y, 'machine-check exception (CR4.MCE)'),
  c('cx8', 1, 'edx', 8, Y, 'CMPXCHG8B'),
  c('apic', 1, 'edx', 9, Y, 'local APIC on chip'),
  c('sep', 1, 'edx', 11, Y, 'SYSENTER/SYSEXIT'),
  c('mtrr', 1, 'edx', 12, Y, 'memory type range registers (MSRs only; memory types are not modelled)'),
  c('pge', 1, 'edx', 13, Y, 'global pages (CR4.PGE)'),
  c('mca', 1, 'edx', 14, Y, 'machine-check architecture MSRs'),
  c('cmov', 1, 'edx', 15, Y, 'CMOVcc, FCMOVcc'),
  c('pat', 1, 'edx', 16, Y, 'page attribute table (IA32_PAT)'),
  c('pse36', 1, 'edx', 17, N, '36-bit physical addresses in 4 MiB PDEs'),
  c('pn', 1, 'edx', 18, N, 'processor serial number'),
  c('clflush', 1, 'edx', 19, Y, 'CLFLUSH'),
  c('ds', 1, 'edx', 21, N, 'debug store'),
  c('acpi', 1, 'edx', 22, N, 'thermal monitor / clock control MSRs'),
  c('mmx', 1, 'edx', 23, N, 'MMX instructions'),
  c('fxsr', 1, 'edx', 24, Y, 'FXSAVE/FXRSTOR, CR4.OSFXSR'),
  c('sse', 1, 'edx', 25, Y, 'SSE'),
  c('sse2', 1, 'edx', 26, Y, 'SSE2'),
  c('ss', 1, 'edx', 27, N, 'self snoop'),
  c('ht', 1, 'edx', 28, N, 'max APIC IDs field in CPUID.01H:EBX[23:16] valid'),
  c('tm', 1, 'edx', 29, N, 'thermal monitor'),
  c('ia64', 1, 'edx', 30, N, 'IA-64'),
  c('pbe', 1, 'edx', 31, N, 'pending break enable'),
  // ---- CPUID.01H:ECX ----
  c('pni', 1, 'ecx', 0, N, 'SSE3 (Prescott New Instructions): not implemented, never advertised', ['sse3']),
  c('pclmulqdq', 1, 'ecx', 1, N, 'PCLMULQDQ', ['pclmuldq']),
  c('dtes64', 1, 'ecx', 2, N, '64-bit debug store'),
  c('monitor', 1, 'ecx', 3, N, 'MONITOR/MWAIT'),
  c('ds-cpl', 1, 'ecx', 4, N, 'CPL-qualified debug store'),
  c('vmx', 1, 'ecx', 5, Y, 'VMX (nested VMX emulated by the L0)'),
  c('smx', 1, 'ecx', 6, N, 'safer mode extensions (GETSEC)'),
  c('est', 1, 'ecx', 7, N, 'enhanced SpeedStep'),
  c('tm2', 1, 'ecx', 8, N, 'thermal monitor 2'),
  c('ssse3', 1, 'ecx', 9, N, 'SSSE3'),
  c('cid', 1, 'ecx', 10, N, 'L1 context ID'),
  c('fma', 1, 'ecx', 12, N, 'FMA3'),
  c('cx16', 1, 'ecx', 13, Y, 'CMPXCHG16B'),
  c('xtpr', 1, 'ecx', 14, N, 'xTPR update control'),
  c('pdcm', 1, 'ecx', 15, N, 'perfmon and debug capability MSR'),
  c('pcid', 1, 'ecx', 17, Y, 'process-context identifiers (CR4.PCIDE)'),
  c('dca', 1, 'ecx', 18, N, 'direct cache access'),
  c('sse4.1', 1, 'ecx', 19, N, 'SSE4.1', ['sse4-1']),
  c('sse4.2', 1, 'ecx', 20, N, 'SSE4.2', ['sse4-2']),
  c('x2apic', 1, 'ecx', 21, Y, 'x2APIC mode'),
  c('movbe', 1, 'ecx', 22, N, 'MOVBE'),
  c('popcnt', 1, 'ecx', 23, Y, 'POPCNT'),
  c('tsc-deadline', 1, 'ecx', 24, Y, 'local APIC TSC-deadline timer mode'),
  c('aes', 1, 'ecx', 25, N, 'AES-NI'),
  c('xsave', 1, 'ecx', 26, Y, 'XSAVE/XRSTOR/XSETBV/XGETBV, CR4.OSXSAVE (x87 and SSE state components only)'),
  c('avx', 1, 'ecx', 28, N, 'AVX'),
  c('f16c', 1, 'ecx', 29, N, '16-bit float conversion'),
  c('rdrand', 1, 'ecx', 30, N, 'RDRAND'),
  c('hypervisor', 1, 'ecx', 31, Y, 'running under a hypervisor (QEMU sets it on every model)'),
  // ---- CPUID.06H:EAX ----
  c('arat', 6, 'eax', 2, N, 'APIC timer always running'),
  // ---- CPUID.(EAX=07H,ECX=0):EBX/ECX/EDX ----
  c('fsgsbase', 7, 'ebx', 0, Y, 'RDFSBASE/RDGSBASE/WRFSBASE/WRGSBASE (CR4.FSGSBASE)'),
  c('tsc-adjust', 7, 'ebx', 1, N, 'IA32_TSC_ADJUST MSR'),
  // Not advertised: ANDN/BEXTR/BLSI/BLSMSK/BLSR are VEX-encoded and not implemented;
  // without BMI1, F3 0F BC (TZCNT) executes as BSF, as on such CPUs.
  c('bmi1', 7, 'ebx', 3, N, 'BMI1: ANDN, BEXTR, BLSI, BLSMSK, BLSR, TZCNT'),
  c('hle', 7, 'ebx', 4, N, 'hardware lock elision'),
  c('avx2', 7, 'ebx', 5, N, 'AVX2'),
  c('smep', 7, 'ebx', 7, Y, 'supervisor-mode execution prevention (CR4.SMEP)'),
  c('bmi2', 7, 'ebx', 8, N, 'BMI2'),
  c('erms', 7, 'ebx', 9, N, 'enhanced REP MOVSB/STOSB'),
  c('invpcid', 7, 'ebx', 10, Y, 'INVPCID'),
  c('rtm', 7, 'ebx', 11, N, 'restricted transactional memory'),
  c('mpx', 7, 'ebx', 14, N, 'memory protection extensions'),
  c('avx512f', 7, 'ebx', 16, N, 'AVX-512 foundation'),
  c('rdseed', 7, 'ebx', 18, N, 'RDSEED'),
  c('adx', 7, 'ebx', 19, N, 'ADCX/ADOX'),
  c('smap', 7, 'ebx', 20, Y, 'supervisor-mode access prevention (CR4.SMAP, STAC/CLAC)'),
  c('clflushopt', 7, 'ebx', 23, N, 'CLFLUSHOPT'),
  c('clwb', 7, 'ebx', 24, N, 'CLWB'),
  c('intel-pt', 7, 'ebx', 25, N, 'processor trace'),
  c('sha-ni', 7, 'ebx', 29, N, 'SHA extensions'),
  c('umip', 7, 'ecx', 2, N, 'user-mode instruction prevention (CR4.UMIP)'),
  c('pku', 7, 'ecx', 3, N, 'protection keys for user pages (CR4.PKE)'),
  c('waitpkg', 7, 'ecx', 5, N, 'UMONITOR/UMWAIT/TPAUSE'),
  c('la57', 7, 'ecx', 16, N, '5-level paging (CR4.LA57)'),
  c('rdpid', 7, 'ecx', 22, N, 'RDPID'),
  c('fsrm', 7, 'edx', 4, N, 'fast short REP MOV'),
  c('md-clear', 7, 'edx', 10, N, 'VERW clears CPU buffers'),
  c('spec-ctrl', 7, 'edx', 26, N, 'IA32_SPEC_CTRL / IBRS / IBPB'),
  c('arch-capabilities', 7, 'edx', 29, N, 'IA32_ARCH_CAPABILITIES MSR'),
  // ---- CPUID.(EAX=0DH,ECX=1):EAX ----
  c('xsaveopt', 0xd, 'eax', 0, N, 'XSAVEOPT', undefined, 1),
  c('xsavec', 0xd, 'eax', 1, N, 'XSAVEC', undefined, 1),
  c('xgetbv1', 0xd, 'eax', 2, N, 'XGETBV with ECX=1', undefined, 1),
  c('xsaves', 0xd, 'eax', 3, N, 'XSAVES/XRSTORS, IA32_XSS', undefined, 1),
  // ---- CPUID.80000001H:EDX ----
  c('syscall', 0x80000001, 'edx', 11, Y, 'SYSCALL/SYSRET (EFER.SCE)'),
  c('nx', 0x80000001, 'edx', 20, Y, 'execute-disable bit (EFER.NXE)', ['xd']),
  c('mmxext', 0x80000001, 'edx', 22, N, 'AMD MMX extensions'),
  c('fxsr-opt', 0x80000001, 'edx', 25, N, 'FFXSR (EFER.FFXSR)', ['ffxsr']),
  c('pdpe1gb', 0x80000001, 'edx', 26, Y, '1 GiB pages'),
  c('rdtscp', 0x80000001, 'edx', 27, Y, 'RDTSCP, IA32_TSC_AUX'),
  c('lm', 0x80000001, 'edx', 29, Y, 'long mode (Intel 64 / AMD64; EFER.LME)', ['i64']),
  c('3dnowext', 0x80000001, 'edx', 30, N, 'AMD 3DNow! extensions'),
  c('3dnow', 0x80000001, 'edx', 31, N, 'AMD 3DNow!'),
  // ---- CPUID.80000001H:ECX ----
  c('lahf-lm', 0x80000001, 'ecx', 0, Y, 'LAHF/SAHF in 64-bit mode'),
  c('cmp-legacy', 0x80000001, 'ecx', 1, N, 'AMD core multi-processing legacy mode'),
  c('svm', 0x80000001, 'ecx', 2, Y, 'SVM (nested SVM emulated by the L0)'),
  c('extapic', 0x80000001, 'ecx', 3, N, 'AMD extended APIC space'),
  c('cr8legacy', 0x80000001, 'ecx', 4, N, 'LOCK MOV CR0 means MOV CR8'),
  c('abm', 0x80000001, 'ecx', 5, Y, 'LZCNT (AMD: advanced bit manipulation; Intel calls the bit LZCNT)'),
  c('sse4a', 0x80000001, 'ecx', 6, N, 'SSE4A'),
  c('misalignsse', 0x80000001, 'ecx', 7, N, 'misaligned SSE mode'),
  c('3dnowprefetch', 0x80000001, 'ecx', 8, N, 'PREFETCH/PREFETCHW'),
  c('osvw', 0x80000001, 'ecx', 9, N, 'OS-visible workaround MSRs'),
  c('ibs', 0x80000001, 'ecx', 10, N, 'instruction-based sampling'),
  c('xop', 0x80000001, 'ecx', 11, N, 'XOP'),
  c('skinit', 0x80000001, 'ecx', 12, N, 'SKINIT/STGI without EFER.SVME'),
  c('wdt', 0x80000001, 'ecx', 13, N, 'watchdog timer'),
  c('lwp', 0x80000001, 'ecx', 15, N, 'lightweight profiling'),
  c('fma4', 0x80000001, 'ecx', 16, N, 'FMA4'),
  c('tce', 0x80000001, 'ecx', 17, N, 'translation cache extension (EFER.TCE)'),
  c('nodeid-msr', 0x80000001, 'ecx', 19, N, 'node ID MSR'),
  c('tbm', 0x80000001, 'ecx', 21, N, 'trailing bit manipulation'),
  c('topoext', 0x80000001, 'ecx', 22, N, 'topology extensions (8000001DH/1EH)'),
  c('perfctr-core', 0x80000001, 'ecx', 23, N, 'core performance counter extensions'),
  c('perfctr-nb', 0x80000001, 'ecx', 24, N, 'northbridge performance counters'),
  // ---- CPUID.80000007H:EDX ----
  c('invtsc', 0x80000007, 'edx', 8, N, 'invariant TSC'),
  // ---- CPUID.8000000AH:EDX (SVM features, APM vol 2 §15.4; QEMU TCG advertises npt, vgif, svme-addr-chk) ----
  c('npt', 0x8000000a, 'edx', 0, Y, 'nested paging'),
  c('lbrv', 0x8000000a, 'edx', 1, N, 'LBR virtualization'),
  c('svm-lock', 0x8000000a, 'edx', 2, N, 'SVM lock (VM_CR.LOCK, SVM_KEY)'),
  c('nrip-save', 0x8000000a, 'edx', 3, Y, 'next RIP saved in the VMCB on #VMEXIT (emulator/l0/svm-vmexit.ts)'),
  c('tsc-scale', 0x8000000a, 'edx', 4, N, 'TSC ratio MSR'),
  c('vmcb-clean', 0x8000000a, 'edx', 5, N, 'VMCB clean bits'),
  c('flushbyasid', 0x8000000a, 'edx', 6, N, 'TLB_CONTROL flush-by-ASID values'),
  c('decodeassists', 0x8000000a, 'edx', 7, N, 'decode assists'),
  c('pause-filter', 0x8000000a, 'edx', 10, N, 'PAUSE filter count'),
  c('pfthreshold', 0x8000000a, 'edx', 12, N, 'PAUSE filter threshold'),
  c('avic', 0x8000000a, 'edx', 13, N, 'AVIC'),
  c('v-vmsave-vmload', 0x8000000a, 'edx', 15, N, 'virtualized VMLOAD/VMSAVE'),
  c('vgif', 0x8000000a, 'edx', 16, Y, 'virtual GIF'),
  c('vnmi', 0x8000000a, 'edx', 25, N, 'virtual NMI'),
  c('svme-addr-chk', 0x8000000a, 'edx', 28, Y, 'SVM instructions take the intercept before the rAX address check'),
];

function v(name: string, word: VmxWord, bit: number, implemented: boolean, doc: string, extra?: { inverted?: boolean; aliases?: string[] }): VmxFeature {
  return { kind: 'vmx', name, word, bit, implemented, doc, ...(extra ?? {}) };
}

/**
 * vmx-* features (QEMU FEAT_VMX_* words). Control bits and their meaning:
 * SDM vol 3 §25.6.1 (pin), §25.6.2 (primary/secondary), §25.7.1 (exit),
 * §25.8.1 (entry); MISC: Appendix A.6; EPT/VPID: Appendix A.10; BASIC:
 * Appendix A.1; VMFUNC: Appendix A.11.
 */
export const VMX_FEATURES: readonly VmxFeature[] = [
  // IA32_VMX_BASIC (0x480)
  v('vmx-ins-outs', 'basic', 54, Y, 'INS/OUTS exits report VM-exit instruction information'),
  v('vmx-true-ctls', 'basic', 55, Y, 'IA32_VMX_TRUE_*_CTLS (0x48D-0x490) exist; default1 controls may be 0'),
  // Pin-based (0x481 / 0x48D)
  v('vmx-intr-exit', 'pin', 0, Y, 'external-interrupt exiting'),
  v('vmx-nmi-exit', 'pin', 3, Y, 'NMI exiting'),
  v('vmx-vnmi', 'pin', 5, Y, 'virtual NMIs'),
  v('vmx-preemption-timer', 'pin', 6, Y, 'VMX-preemption timer'),
  v('vmx-posted-intr', 'pin', 7, N, 'process posted interrupts'),
  // Primary processor-based (0x482 / 0x48E)
  v('vmx-vintr-pending', 'primary', 2, Y, 'interrupt-window exiting'),
  v('vmx-tsc-offset', 'primary', 3, Y, 'use TSC offsetting'),
  v('vmx-hlt-exit', 'primary', 7, Y, 'HLT exiting'),
  v('vmx-invlpg-exit', 'primary', 9, Y, 'INVLPG exiting'),
  v('vmx-mwait-exit', 'primary', 10, Y, 'MWAIT exiting'),
  v('vmx-rdpmc-exit', 'primary', 11, Y, 'RDPMC exiting'),
  v('vmx-rdtsc-exit', 'primary', 12, Y, 'RDTSC exiting'),
  v('vmx-cr3-load-noexit', 'primary', 15, Y, 'CR3-load exiting may be 0 (TRUE_PROCBASED allowed-0 bit 15 clear)', { inverted: true }),
  v('vmx-cr3-store-noexit', 'primary', 16, Y, 'CR3-store exiting may be 0 (TRUE_PROCBASED allowed-0 bit 16 clear)', { inverted: true }),
  v('vmx-cr8-load-exit', 'primary', 19, Y, 'CR8-load exiting'),
  v('vmx-cr8-store-exit', 'primary', 20, Y, 'CR8-store exiting'),
  // Not honoured for L2: no virtual-APIC page / VTPR (CR8 accesses of L2 go
  // to L1's CR8 or exit through CR8-load/store exiting); unsupportedForL2 refuses it.
  v('vmx-flexpriority', 'primary', 21, N, 'use TPR shadow'),
  v('vmx-vnmi-pending', 'primary', 22, Y, 'NMI-window exiting'),
  v('vmx-movdr-exit', 'primary', 23, Y, 'MOV-DR exiting'),
  v('vmx-io-exit', 'primary', 24, Y, 'unconditional I/O exiting'),
  v('vmx-io-bitmap', 'primary', 25, Y, 'use I/O bitmaps'),
  // Not honoured for L2: no MTF VM exit (reason 37) is ever generated.
  v('vmx-mtf', 'primary', 27, N, 'monitor trap flag'),
  v('vmx-msr-bitmap', 'primary', 28, Y, 'use MSR bitmaps'),
  v('vmx-monitor-exit', 'primary', 29, Y, 'MONITOR exiting'),
  v('vmx-pause-exit', 'primary', 30, Y, 'PAUSE exiting'),
  v('vmx-secondary-ctls', 'primary', 31, Y, 'activate secondary controls (IA32_VMX_PROCBASED_CTLS2 exists)'),
  // Secondary processor-based (0x48B)
  v('vmx-apicv-xapic', 'secondary', 0, N, 'virtualize APIC accesses'),
  v('vmx-ept', 'secondary', 1, Y, 'enable EPT'),
  v('vmx-desc-exit', 'secondary', 2, Y, 'descriptor-table exiting'),
  v('vmx-rdtscp-exit', 'secondary', 3, Y, 'enable RDTSCP'),
  v('vmx-apicv-x2apic', 'secondary', 4, N, 'virtualize x2APIC mode'),
  v('vmx-vpid', 'secondary', 5, Y, 'enable VPID'),
  v('vmx-wbinvd-exit', 'secondary', 6, Y, 'WBINVD exiting'),
  v('vmx-unrestricted-guest', 'secondary', 7, Y, 'unrestricted guest'),
  v('vmx-apicv-register', 'secondary', 8, N, 'APIC-register virtualization'),
  v('vmx-apicv-vid', 'secondary', 9, N, 'virtual-interrupt delivery'),
  v('vmx-ple', 'secondary', 10, N, 'PAUSE-loop exiting'),
  v('vmx-rdrand-exit', 'secondary', 11, N, 'RDRAND exiting'),
  v('vmx-invpcid-exit', 'secondary', 12, Y, 'enable INVPCID'),
  // Not honoured for L2: VMFUNC is #UD in L2 (vmx-instructions.ts), no VM-function controls.
  v('vmx-vmfunc', 'secondary', 13, N, 'enable VM functions'),
  // Not honoured for L2: VMREAD/VMWRITE in L2 always exit to L1, no shadow VMCS (vmcs02-merge.ts).
  v('vmx-shadow-vmcs', 'secondary', 14, N, 'VMCS shadowing'),
  v('vmx-encls-exit', 'secondary', 15, N, 'ENCLS exiting'),
  v('vmx-rdseed-exit', 'secondary', 16, N, 'RDSEED exiting'),
  v('vmx-pml', 'secondary', 17, N, 'page-modification logging'),
  v('vmx-xsaves', 'secondary', 20, N, 'enable XSAVES/XRSTORS'),
  v('vmx-tsc-scaling', 'secondary', 25, N, 'use TSC scaling'),
  v('vmx-enable-user-wait-pause', 'secondary', 26, N, 'enable user wait and pause'),
  // VM-exit controls (0x483 / 0x48F)
  v('vmx-exit-nosave-debugctl', 'exit', 2, Y, '"save debug controls" may be 0 (TRUE_EXIT allowed-0 bit 2 clear)', { inverted: true }),
  v('vmx-exit-load-perf-global-ctrl', 'exit', 12, N, 'load IA32_PERF_GLOBAL_CTRL'),
  v('vmx-exit-ack-intr', 'exit', 15, Y, 'acknowledge interrupt on exit'),
  v('vmx-exit-save-pat', 'exit', 18, Y, 'save IA32_PAT'),
  v('vmx-exit-load-pat', 'exit', 19, Y, 'load IA32_PAT'),
  v('vmx-exit-save-efer', 'exit', 20, Y, 'save IA32_EFER'),
  v('vmx-exit-load-efer', 'exit', 21, Y, 'load IA32_EFER'),
  v('vmx-exit-save-preemption-timer', 'exit', 22, Y, 'save VMX-preemption timer value'),
  v('vmx-exit-clear-bndcfgs', 'exit', 23, N, 'clear IA32_BNDCFGS'),
  v('vmx-exit-clear-rtit-ctl', 'exit', 25, N, 'clear IA32_RTIT_CTL'),
  v('vmx-exit-save-cet-ctl', 'exit', 28, N, 'load CET state (QEMU\'s name)'),
  v('vmx-exit-load-pkrs', 'exit', 29, N, 'load PKRS'),
  // VM-entry controls (0x484 / 0x490)
  v('vmx-entry-noload-debugctl', 'entry', 2, Y, '"load debug controls" may be 0 (TRUE_ENTRY allowed-0 bit 2 clear)', { inverted: true }),
  v('vmx-entry-ia32e-mode', 'entry', 9, Y, 'IA-32e mode guest'),
  v('vmx-entry-load-perf-global-ctrl', 'entry', 13, N, 'load IA32_PERF_GLOBAL_CTRL'),
  v('vmx-entry-load-pat', 'entry', 14, Y, 'load IA32_PAT'),
  v('vmx-entry-load-efer', 'entry', 15, Y, 'load IA32_EFER'),
  v('vmx-entry-load-bndcfgs', 'entry', 16, N, 'load IA32_BNDCFGS'),
  v('vmx-entry-load-rtit-ctl', 'entry', 18, N, 'load IA32_RTIT_CTL'),
  v('vmx-entry-load-cet-ctl', 'entry', 20, N, 'load CET state'),
  v('vmx-entry-load-pkrs', 'entry', 22, N, 'load PKRS'),
  // IA32_VMX_MISC (0x485)
  v('vmx-store-lma', 'misc', 5, Y, 'VM exits store EFER.LMA into the IA-32e-mode-guest entry control'),
  v('vmx-activity-hlt', 'misc', 6, Y, 'HLT activity state'),
  v('vmx-activity-shutdown', 'misc', 7, N, 'shutdown activity state'),
  v('vmx-activity-wait-sipi', 'misc', 8, N, 'wait-for-SIPI activity state'),
  v('vmx-vmwrite-vmexit-fields', 'misc', 29, Y, 'VMWRITE may write read-only VM-exit information fields'),
  v('vmx-zero-len-inject', 'misc', 30, Y, 'VM entry may inject software events with instruction length 0'),
  // IA32_VMX_EPT_VPID_CAP (0x48C)
  v('vmx-ept-execonly', 'ept-vpid', 0, Y, 'execute-only EPT translations'),
  v('vmx-page-walk-4', 'ept-vpid', 6, Y, '4-level EPT page walk'),
  v('vmx-page-walk-5', 'ept-vpid', 7, N, '5-level EPT page walk'),
  v('vmx-ept-2mb', 'ept-vpid', 16, Y, '2 MiB EPT pages'),
  v('vmx-ept-1gb', 'ept-vpid', 17, Y, '1 GiB EPT pages'),
  v('vmx-invept', 'ept-vpid', 20, Y, 'INVEPT'),
  v('vmx-eptad', 'ept-vpid', 21, Y, 'EPT accessed/dirty flags'),
  v('vmx-ept-advanced-exitinfo', 'ept-vpid', 22, N, 'advanced VM-exit information for EPT violations'),
  v('vmx-invept-single-context', 'ept-vpid', 25, Y, 'single-context INVEPT'),
  v('vmx-invept-all-context', 'ept-vpid', 26, Y, 'all-context INVEPT'),
  v('vmx-invvpid', 'ept-vpid', 32, Y, 'INVVPID'),
  v('vmx-invvpid-single-addr', 'ept-vpid', 40, Y, 'individual-address INVVPID'),
  // QEMU <= 7.2 lists bits 41 and 43 under the mistaken names
  // vmx-invept-single-context / vmx-invept-single-context-noglobals.
  v('vmx-invvpid-single-context', 'ept-vpid', 41, Y, 'single-context INVVPID'),
  v('vmx-invvpid-all-context', 'ept-vpid', 42, Y, 'all-context INVVPID'),
  v('vmx-invvpid-single-context-noglobals', 'ept-vpid', 43, Y, 'single-context-retaining-globals INVVPID', {
    aliases: ['vmx-invept-single-context-noglobals'],
  }),
  // IA32_VMX_VMFUNC (0x491)
  // Not honoured: needs VM functions (above).
  v('vmx-eptp-switching', 'vmfunc', 0, N, 'VMFUNC leaf 0: EPTP switching'),
];

export const ALL_FEATURES: readonly CpuFeature[] = [...CPUID_FEATURES, ...VMX_FEATURES];

const byName = new Map<string, CpuFeature>();
for (const f of ALL_FEATURES) {
  byName.set(f.name, f);
  for (const a of f.aliases ?? []) byName.set(a, f);
}

/**
 * QEMU accepts '_' for '-' in every feature name (legacy spellings such as
 * lahf_lm, tsc_deadline, nrip_save).
 */
export function normalizeFeatureName(name: string): string {
  return name.trim().toLowerCase().replace(/_/g, '-');
}

/** The feature a (possibly aliased) name refers to, or undefined. */
export function lookupFeature(name: string): CpuFeature | undefined {
  return byName.get(normalizeFeatureName(name));
}

/** CPUID leaf / register of a feature in QEMU's message style: "CPUID.8000000AH:EDX.npt [bit 0]". */
export function describeFeature(f: CpuFeature): string {
  if (f.kind === 'cpuid') {
    const leaf = f.leaf.toString(16).toUpperCase().padStart(2, '0');
    const sub = f.leaf === 7 || f.leaf === 0xd ? `,ECX=${f.subleaf}` : '';
    return `CPUID.${leaf}H${sub}:${f.reg.toUpperCase()}.${f.name} [bit ${f.bit}]`;
  }
  const msr = vmxFeatureMsr(f).toString(16).toUpperCase();
  return `MSR(${msr}H).${f.name} [bit ${f.bit}]`;
}

export const IA32_VMX_BASIC = 0x480;
export const IA32_VMX_PINBASED_CTLS = 0x481;
export const IA32_VMX_PROCBASED_CTLS = 0x482;
export const IA32_VMX_EXIT_CTLS = 0x483;
export const IA32_VMX_ENTRY_CTLS = 0x484;
export const IA32_VMX_MISC = 0x485;
export const IA32_VMX_CR0_FIXED0 = 0x486;
export const IA32_VMX_CR0_FIXED1 = 0x487;
export const IA32_VMX_CR4_FIXED0 = 0x488;
export const IA32_VMX_CR4_FIXED1 = 0x489;
export const IA32_VMX_VMCS_ENUM = 0x48a;
export const IA32_VMX_PROCBASED_CTLS2 = 0x48b;
export const IA32_VMX_EPT_VPID_CAP = 0x48c;
export const IA32_VMX_TRUE_PINBASED_CTLS = 0x48d;
export const IA32_VMX_TRUE_PROCBASED_CTLS = 0x48e;
export const IA32_VMX_TRUE_EXIT_CTLS = 0x48f;
export const IA32_VMX_TRUE_ENTRY_CTLS = 0x490;
export const IA32_VMX_VMFUNC = 0x491;
export const IA32_VMX_PROCBASED_CTLS3 = 0x492;
export const IA32_VMX_EXIT_CTLS2 = 0x493;

/** The capability MSR a vmx-* feature is reported in (the TRUE one for controls, as QEMU's words are). */
export function vmxFeatureMsr(f: VmxFeature): number {
  switch (f.word) {
    case 'basic': return IA32_VMX_BASIC;
    case 'pin': return IA32_VMX_TRUE_PINBASED_CTLS;
    case 'primary': return IA32_VMX_TRUE_PROCBASED_CTLS;
    case 'secondary': return IA32_VMX_PROCBASED_CTLS2;
    case 'exit': return IA32_VMX_TRUE_EXIT_CTLS;
    case 'entry': return IA32_VMX_TRUE_ENTRY_CTLS;
    case 'misc': return IA32_VMX_MISC;
    case 'ept-vpid': return IA32_VMX_EPT_VPID_CAP;
    case 'vmfunc': return IA32_VMX_VMFUNC;
  }
}

/**
 * Bit of the 64-bit capability MSR that a feature sets: 32 + control bit for
 * controls (allowed-1 half), the control bit itself (allowed-0 half, cleared
 * when on) for the inverted ones, the raw bit for the others.
 */
export function vmxFeatureMsrBit(f: VmxFeature): number {
  if (f.word === 'pin' || f.word === 'primary' || f.word === 'secondary' || f.word === 'exit' || f.word === 'entry') {
    return f.inverted ? f.bit : 32 + f.bit;
  }
  return f.bit;
}

/**
 * QEMU's feature_dependencies (target/i386/cpu.c): when `from` is off, every
 * feature in `to` is forced off (with a warning if it was asked for). A
 * `to` given as a word or leaf/reg group means every feature in it.
 */
export interface FeatureDependency {
  readonly from: string;
  readonly to: readonly string[] | { vmxWord: VmxWord; bits?: 'low' | 'high' } | { cpuidLeaf: number; reg: CpuidReg };
}

export const FEATURE_DEPENDENCIES: readonly FeatureDependency[] = [
  { from: 'vmx', to: { vmxWord: 'primary' } },
  { from: 'vmx', to: { vmxWord: 'pin' } },
  { from: 'vmx', to: { vmxWord: 'exit' } },
  { from: 'vmx', to: { vmxWord: 'entry' } },
  { from: 'vmx', to: { vmxWord: 'misc' } },
  { from: 'vmx', to: { vmxWord: 'basic' } },
  { from: 'lm', to: ['vmx-entry-ia32e-mode'] },
  { from: 'vmx-secondary-ctls', to: { vmxWord: 'secondary' } },
  { from: 'xsaves', to: ['vmx-xsaves'] },
  { from: 'rdrand', to: ['vmx-rdrand-exit'] },
  { from: 'invpcid', to: ['vmx-invpcid-exit'] },
  { from: 'mpx', to: ['vmx-exit-clear-bndcfgs', 'vmx-entry-load-bndcfgs'] },
  { from: 'rdseed', to: ['vmx-rdseed-exit'] },
  { from: 'rdtscp', to: ['vmx-rdtscp-exit'] },
  { from: 'vmx-ept', to: { vmxWord: 'ept-vpid', bits: 'low' } },
  { from: 'vmx-ept', to: ['vmx-unrestricted-guest'] },
  { from: 'vmx-vpid', to: { vmxWord: 'ept-vpid', bits: 'high' } },
  { from: 'vmx-vmfunc', to: { vmxWord: 'vmfunc' } },
  { from: 'svm', to: { cpuidLeaf: 0x8000000a, reg: 'edx' } },
];

/** Expands a dependency's `to` into feature names. */
export function dependencyTargets(d: FeatureDependency): string[] {
  const t = d.to;
  if (Array.isArray(t)) return [...t];
  if ('vmxWord' in t) {
    return VMX_FEATURES.filter((f) => f.word === t.vmxWord && (!t.bits || (t.bits === 'low' ? f.bit < 32 : f.bit >= 32))).map((f) => f.name);
  }
  const g = t as { cpuidLeaf: number; reg: CpuidReg };
  return CPUID_FEATURES.filter((f) => f.leaf === g.cpuidLeaf && f.reg === g.reg).map((f) => f.name);
}
