// THE VMCB layout: one 4 KiB page, control area at 0x000, state-save area at
// 0x400 (AMD APM vol 2 Appendix B, Table B-1 control area and Table B-2
// state-save area). Transcribed from ../shared/reference/vmcb-layout.tsv;
// every other module (VMCB access, VMRUN checks, the L0, the DAP variable
// tree, the language server) reads offsets, sizes and bit layouts from here
// (DESIGN.md "One table per domain, used everywhere"). No runtime file reads.
//
// Offsets are absolute from the VMCB start; all fields little-endian.
// `clean` is the VMCB clean bit covering the field (APM §15.15, only with
// CPUID 8000_000A EDX[5] VmcbClean); null = never cached, always read.
// `xfer` says which instruction moves a save-area field between the VMCB and
// the CPU: 'vmrun' = loaded by VMRUN and stored by #VMEXIT (APM §15.5.1,
// §15.6); 'vmload' = only VMLOAD/VMSAVE (APM §15.5.2).

export type VmcbArea = 'control' | 'save';
/**
 * u8..u64: an integer of that size. segment: selector(+0,2) attrib(+2,2)
 * limit(+4,4) base(+8,8). dtr: a segment slot of which only limit (+4, low 16
 * bits used) and base (+8) mean anything (GDTR, IDTR). bytes: opaque bytes.
 */
export type VmcbKind = 'u8' | 'u16' | 'u32' | 'u64' | 'segment' | 'dtr' | 'bytes';

/** A named bit range [lo, hi] (inclusive, bit numbers over the whole field, up to 63). */
export interface VmcbBitField {
  readonly name: string;
  readonly lo: number;
  readonly hi: number;
  readonly doc: string;
}

export interface VmcbFieldDef {
  readonly name: string;
  readonly offset: number;
  readonly size: number;
  readonly area: VmcbArea;
  readonly kind: VmcbKind;
  readonly clean: number | null;
  readonly doc: string;
  /** AMD APM vol 2 section(s). */
  readonly apm: string;
  /** CPU feature (cpu-features.ts name) without which the field is ignored, if any. */
  readonly feature?: string;
  readonly xfer?: 'vmrun' | 'vmload';
  readonly reserved?: boolean;
  readonly bits?: readonly VmcbBitField[];
}

/** VMCB clean bits (VMCB_CLEAN 0x0C0; APM §15.15.3 Table 15-8 "VMCB Clean Field"). */
export const CLEAN = {
  I: 0, IOPM: 1, ASID: 2, TPR: 3, NP: 4, CRX: 5, DRX: 6, DT: 7, SEG: 8, CR2: 9, LBR: 10, AVIC: 11, CET: 12,
} as const;

const b = (name: string, lo: number, hi: number, doc: string): VmcbBitField => ({ name, lo, hi, doc });

/** Segment attrib (+2, 16 bits): descriptor bits 47:40 and 55:52 packed (APM Table B-2 note on segment attributes). */
export const ATTRIB_BITS: readonly VmcbBitField[] = [
  b('TYPE', 0, 3, 'segment type (descriptor bits 43:40)'),
  b('S', 4, 4, 'code/data (1) or system (0) segment'),
  b('DPL', 5, 6, 'descriptor privilege level'),
  b('P', 7, 7, 'present'),
  b('AVL', 8, 8, 'available to software'),
  b('L', 9, 9, '64-bit code segment'),
  b('DB', 10, 10, 'default operation size / big'),
  b('G', 11, 11, 'granularity'),
  b('reserved', 12, 15, 'reserved'),
];

/** VINTR (0x060; APM §15.21 virtual interrupts, §15.33 vGIF/vNMI). */
export const VINTR_BITS: readonly VmcbBitField[] = [
  b('V_TPR', 0, 7, 'guest virtual TPR (bits 3:0 = CR8)'),
  b('V_IRQ', 8, 8, 'virtual INTR pending; cleared when taken, written back on #VMEXIT'),
  b('V_GIF', 9, 9, 'virtual GIF (vGIF; 1 = interrupts unmasked)'),
  b('V_NMI', 11, 11, 'virtual NMI pending (vNMI)'),
  b('V_NMI_MASK', 12, 12, 'virtual NMI blocking (vNMI)'),
  b('V_INTR_PRIO', 16, 19, 'priority of the pending virtual interrupt'),
  b('V_IGN_TPR', 20, 20, 'deliver V_IRQ regardless of V_TPR'),
  b('V_INTR_MASKING', 24, 24, 'guest IF/TPR mask only virtual interrupts; host IF masks physical INTR'),
  b('V_GIF_ENABLE', 25, 25, 'virtual GIF enabled (CPUID 8000_000A EDX[16])'),
  b('V_NMI_ENABLE', 26, 26, 'virtual NMI enabled (EDX[25])'),
  b('X2AVIC_ENABLE', 30, 30, 'x2AVIC enable'),
  b('AVIC_ENABLE', 31, 31, 'AVIC enable (EDX[13])'),
  b('V_INTR_VECTOR', 32, 39, 'vector delivered for V_IRQ'),
];

/** INTERRUPT_STATE (0x068; APM §15.21.5 interrupt shadow). */
export const INTERRUPT_STATE_BITS: readonly VmcbBitField[] = [
  b('INTERRUPT_SHADOW', 0, 0, 'guest in the one-instruction shadow after STI or MOV SS/POP SS'),
  b('GUEST_INTERRUPT_MASK', 1, 1, 'guest RFLAGS.IF, written on #VMEXIT, ignored by VMRUN'),
];

/** EVENTINJ (0x0A8) and EXITINTINFO (0x088) (APM §15.20 Figure 15-4, §15.7.2). */
export const EVENT_BITS: readonly VmcbBitField[] = [
  b('VECTOR', 0, 7, 'vector'),
  b('TYPE', 8, 10, '0 INTR, 2 NMI, 3 exception, 4 software INT; 1, 5-7 reserved'),
  b('EV', 11, 11, 'error code valid (pushed)'),
  b('reserved', 12, 30, 'reserved, MBZ'),
  b('V', 31, 31, 'valid'),
  b('ERRORCODE', 32, 63, 'error code'),
];

/** NESTED_CTL (0x090; APM §15.25.3, SEV §15.34). */
export const NESTED_CTL_BITS: readonly VmcbBitField[] = [
  b('NP_ENABLE', 0, 0, 'nested paging (CPUID 8000_000A EDX[0])'),
  b('SEV_ENABLE', 1, 1, 'SEV'),
  b('SEV_ES_ENABLE', 2, 2, 'SEV-ES'),
  b('GMET', 3, 3, 'guest-mode execute trap'),
  b('SSS_CHECK_EN', 4, 4, 'supervisor shadow stack checks in NPT'),
  b('VTE', 5, 5, 'virtual transparent encryption'),
  b('RO_GPT', 6, 6, 'read-only guest page tables'),
  b('INVLPGB_TLBSYNC', 7, 7, 'INVLPGB/TLBSYNC enable (else #UD in guest)'),
];

/** VIRT_EXT (0x0B8; APM §15.23 LBR virtualization, §15.33.1 virtual VMLOAD/VMSAVE). */
export const VIRT_EXT_BITS: readonly VmcbBitField[] = [
  b('LBR_VIRTUALIZATION_ENABLE', 0, 0, 'save/restore DBGCTL and LBR MSRs in the VMCB (EDX[1])'),
  b('VIRTUALIZED_VMSAVE_VMLOAD', 1, 1, 'guest VMLOAD/VMSAVE addresses go through NPT (EDX[15])'),
  b('VIRTUALIZED_IBS', 2, 2, 'IBS virtualization'),
];

/** VMCB_CLEAN (0x0C0; APM §15.15.3). */
export const CLEAN_BITS: readonly VmcbBitField[] = [
  b('I', CLEAN.I, CLEAN.I, 'intercept vectors, TSC_OFFSET, pause filter count/threshold'),
  b('IOPM', CLEAN.IOPM, CLEAN.IOPM, 'IOPM_BASE_PA, MSRPM_BASE_PA'),
  b('ASID', CLEAN.ASID, CLEAN.ASID, 'GUEST_ASID'),
  b('TPR', CLEAN.TPR, CLEAN.TPR, 'VINTR: V_TPR, V_IRQ, V_INTR_PRIO, V_IGN_TPR, V_INTR_MASKING, V_INTR_VECTOR'),
  b('NP', CLEAN.NP, CLEAN.NP, 'NP_ENABLE, N_CR3, G_PAT'),
  b('CRX', CLEAN.CRX, CLEAN.CRX, 'CR0, CR3, CR4, EFER'),
  b('DRX', CLEAN.DRX, CLEAN.DRX, 'DR6, DR7'),
  b('DT', CLEAN.DT, CLEAN.DT, 'GDTR, IDTR'),
  b('SEG', CLEAN.SEG, CLEAN.SEG, 'ES, CS, SS, DS (incl. hidden parts), CPL'),
  b('CR2', CLEAN.CR2, CLEAN.CR2, 'CR2'),
  b('LBR', CLEAN.LBR, CLEAN.LBR, 'DBGCTL, BR_FROM/TO, LASTEXCP_FROM/TO'),
  b('AVIC', CLEAN.AVIC, CLEAN.AVIC, 'AVIC APIC_BAR, backing page, logical/physical table pointers'),
  b('CET', CLEAN.CET, CLEAN.CET, 'S_CET, SSP, ISST_ADDR'),
];

/** EFER in the VMCB (0x4D0; APM vol 2 §3.1.7, §15.5.1). */
export const EFER_BITS: readonly VmcbBitField[] = [
  b('SCE', 0, 0, 'system call extensions'),
  b('LME', 8, 8, 'long mode enable'),
  b('LMA', 10, 10, 'long mode active'),
  b('NXE', 11, 11, 'no-execute enable'),
  b('SVME', 12, 12, 'SVM enable (must be 1 in the VMCB)'),
  b('LMSLE', 13, 13, 'long mode segment limit enable'),
  b('FFXSR', 14, 14, 'fast FXSAVE/FXRSTOR'),
  b('TCE', 15, 15, 'translation cache extension'),
];

/** TLB_CONTROL values (0x05C; APM §15.16.1). */
export const TLB_CONTROL = { NOTHING: 0, FLUSH_ALL: 1, FLUSH_ASID: 3, FLUSH_ASID_NONGLOBAL: 7 } as const;
/** EVENTINJ / EXITINTINFO TYPE values (APM §15.20). */
export const EVENT_TYPE = { INTR: 0, NMI: 2, EXCEPTION: 3, SOFT_INT: 4 } as const;

// Hot-path masks over the low dword of the field (tests check them against the bit tables above).
export const VINTR_V_TPR_MASK = 0xff, VINTR_V_IRQ = 1 << 8, VINTR_V_GIF = 1 << 9, VINTR_V_NMI = 1 << 11;
export const VINTR_V_NMI_MASK = 1 << 12, VINTR_V_INTR_PRIO_SHIFT = 16, VINTR_V_IGN_TPR = 1 << 20;
export const VINTR_V_INTR_MASKING = 1 << 24, VINTR_V_GIF_ENABLE = 1 << 25, VINTR_V_NMI_ENABLE = 1 << 26;
/** V_INTR_VECTOR lives in bits 7:0 of the high dword (0x064). */
export const VINTR_HI_VECTOR_MASK = 0xff;
export const INT_STATE_SHADOW = 1 << 0, INT_STATE_GUEST_IF = 1 << 1;
export const EVENT_VECTOR_MASK = 0xff, EVENT_TYPE_SHIFT = 8, EVENT_TYPE_MASK = 7 << 8, EVENT_EV = 1 << 11;
export const EVENT_RESERVED_MASK = 0x7ffff000, EVENT_V = 1 << 31;
export const NESTED_CTL_NP_ENABLE = 1 << 0, NESTED_CTL_SEV_ENABLE = 1 << 1, NESTED_CTL_SEV_ES_ENABLE = 1 << 2;
export const VIRT_EXT_LBR = 1 << 0, VIRT_EXT_VMLOAD_VMSAVE = 1 << 1;
export const ATTRIB_P = 1 << 7, ATTRIB_L = 1 << 9, ATTRIB_DB = 1 << 10, ATTRIB_G = 1 << 11;

// Table helpers: `f` for integer/bytes fields, `seg` for segment slots,
// `rsv` for reserved gaps (kept in the table so it covers the page exactly).
function f<N extends string>(
  area: VmcbArea, offset: number, size: number, name: N, kind: VmcbKind, clean: number | null, apm: string, doc: string,
  extra: Partial<Pick<VmcbFieldDef, 'feature' | 'xfer' | 'bits'>> = {},
): VmcbFieldDef & { readonly name: N } {
  return { area, offset, size, name, kind, clean, apm, doc, ...extra };
}
function seg<N extends string>(offset: number, name: N, clean: number | null, xfer: 'vmrun' | 'vmload', doc: string, kind: 'segment' | 'dtr' = 'segment') {
  return f('save', offset, 16, name, kind, clean, 'App. B Table B-2', doc, { xfer, bits: kind === 'segment' ? ATTRIB_BITS : undefined });
}
function rsv(area: VmcbArea, offset: number, size: number, doc: string): VmcbFieldDef & { readonly name: 'reserved' } {
  return { area, offset, size, name: 'reserved', kind: 'bytes', clean: null, apm: area === 'control' ? 'App. B Table B-1' : 'App. B Table B-2', doc, reserved: true };
}

const C = 'control', S = 'save';
const B1 = 'App. B Table B-1';
const B2 = 'App. B Table B-2';

/** Every VMCB byte, in offset order; reserved gaps included (name 'reserved'). */
export const VMCB_FIELDS = [
  // ---- control area (Table B-1) ----
  f(C, 0x000, 2, 'INTERCEPT_CR_READ', 'u16', CLEAN.I, `${B1}; §15.8`, 'intercept reads of CR0..CR15 (bit n = MOV from CRn; CR0 also SMSW)'),
  f(C, 0x002, 2, 'INTERCEPT_CR_WRITE', 'u16', CLEAN.I, `${B1}; §15.8`, 'intercept writes of CR0..CR15 (bit n = MOV to CRn; CR0 also LMSW, CLTS)'),
  f(C, 0x004, 2, 'INTERCEPT_DR_READ', 'u16', CLEAN.I, `${B1}; §15.8`, 'intercept reads of DR0..DR15 (bit n = MOV from DRn)'),
  f(C, 0x006, 2, 'INTERCEPT_DR_WRITE', 'u16', CLEAN.I, `${B1}; §15.8`, 'intercept writes of DR0..DR15 (bit n = MOV to DRn)'),
  f(C, 0x008, 4, 'INTERCEPT_EXCEPTIONS', 'u32', CLEAN.I, `${B1}; §15.12`, 'intercept exception vectors 0..31 (bit n = vector n, exit code 0x40+n)'),
  f(C, 0x00c, 4, 'INTERCEPT_MISC1', 'u32', CLEAN.I, `${B1}; §15.9, §15.13, §15.14`, 'misc intercept vector 3 (INTR .. SHUTDOWN; see intercepts.ts)'),
  f(C, 0x010, 4, 'INTERCEPT_MISC2', 'u32', CLEAN.I, `${B1}; §15.9`, 'misc intercept vector 4 (bit 0 VMRUN must be 1 .. CR write traps; see intercepts.ts)'),
  f(C, 0x014, 4, 'INTERCEPT_MISC3', 'u32', CLEAN.I, `${B1}; §15.9`, 'misc intercept vector 5 (INVLPGB .. IDLE_HLT; bits 31:7 reserved)'),
  rsv(C, 0x018, 36, 'reserved, SBZ'),
  f(C, 0x03c, 2, 'PAUSE_FILTER_THRESHOLD', 'u16', CLEAN.I, `${B1}; §15.14.4`, 'PAUSE filter cycle threshold', { feature: 'pfthreshold' }),
  f(C, 0x03e, 2, 'PAUSE_FILTER_COUNT', 'u16', CLEAN.I, `${B1}; §15.14.4`, 'PAUSEs allowed before the PAUSE intercept fires', { feature: 'pause-filter' }),
  f(C, 0x040, 8, 'IOPM_BASE_PA', 'u64', CLEAN.IOPM, `${B1}; §15.10.1`, 'physical base of the 12 KiB I/O permission map (1 bit per port); bits 11:0 ignored'),
  f(C, 0x048, 8, 'MSRPM_BASE_PA', 'u64', CLEAN.IOPM, `${B1}; §15.11`, 'physical base of the 8 KiB MSR permission map (2 bits per MSR: even read, odd write); bits 11:0 ignored'),
  f(C, 0x050, 8, 'TSC_OFFSET', 'u64', CLEAN.I, `${B1}; §15.30.5`, 'added to the host TSC for guest RDTSC/RDTSCP/RDMSR(TSC)'),
  f(C, 0x058, 4, 'GUEST_ASID', 'u32', CLEAN.ASID, `${B1}; §15.16`, 'guest address-space ID; 0 is the host\'s and VMRUN with ASID 0 fails'),
  f(C, 0x05c, 1, 'TLB_CONTROL', 'u8', null, `${B1}; §15.16.1`, 'TLB flush on VMRUN: 0 nothing, 1 all, 3 this ASID, 7 this ASID non-global (3/7 need FlushByAsid)'),
  f(C, 0x05d, 1, 'ERAP_CTL', 'u8', null, B1, 'return-address-predictor control (bit 0 allow larger RAP, bit 1 clear RAP on VMRUN)'),
  rsv(C, 0x05e, 2, 'reserved, SBZ'),
  f(C, 0x060, 8, 'VINTR', 'u64', CLEAN.TPR, `${B1}; §15.21`, 'virtual interrupt control (V_TPR, V_IRQ, V_INTR_PRIO, V_INTR_MASKING, vGIF, V_INTR_VECTOR)', { bits: VINTR_BITS }),
  f(C, 0x068, 8, 'INTERRUPT_STATE', 'u64', null, `${B1}; §15.21.5`, 'interrupt shadow (read by VMRUN, written by #VMEXIT) and guest IF on exit', { bits: INTERRUPT_STATE_BITS }),
  f(C, 0x070, 8, 'EXITCODE', 'u64', null, `${B1}; §15.6, App. C`, '#VMEXIT reason; -1 (all 64 bits) = VMEXIT_INVALID'),
  f(C, 0x078, 8, 'EXITINFO1', 'u64', null, `${B1}; §15.6`, 'exit-specific information 1'),
  f(C, 0x080, 8, 'EXITINFO2', 'u64', null, `${B1}; §15.6`, 'exit-specific information 2'),
  f(C, 0x088, 8, 'EXITINTINFO', 'u64', null, `${B1}; §15.7.2`, 'event being delivered when the #VMEXIT happened (EVENTINJ format)', { bits: EVENT_BITS }),
  f(C, 0x090, 8, 'NESTED_CTL', 'u64', CLEAN.NP, `${B1}; §15.25.3`, 'nested paging and SEV enables', { bits: NESTED_CTL_BITS }),
  f(C, 0x098, 8, 'AVIC_APIC_BAR', 'u64', CLEAN.AVIC, `${B1}; §15.29 (AVIC)`, 'AVIC: guest physical address of the virtual APIC page', { feature: 'avic' }),
  f(C, 0x0a0, 8, 'GHCB_GPA', 'u64', null, `${B1}; §15.35 (SEV-ES)`, 'SEV-ES: guest physical address of the GHCB'),
  f(C, 0x0a8, 8, 'EVENTINJ', 'u64', null, `${B1}; §15.20`, 'event injected on VMRUN after guest state is loaded', { bits: EVENT_BITS }),
  f(C, 0x0b0, 8, 'N_CR3', 'u64', CLEAN.NP, `${B1}; §15.25.3`, 'nested page table root (format follows the host paging mode)'),
  f(C, 0x0b8, 8, 'VIRT_EXT', 'u64', null, `${B1}; §15.23, §15.33.1`, 'LBR virtualization, virtual VMLOAD/VMSAVE', { bits: VIRT_EXT_BITS }),
  f(C, 0x0c0, 4, 'VMCB_CLEAN', 'u32', null, `${B1}; §15.15.3`, 'clean bits: 1 = field group unchanged since the last VMRUN of this VMCB here', { feature: 'vmcb-clean', bits: CLEAN_BITS }),
  rsv(C, 0x0c4, 4, 'reserved, SBZ'),
  f(C, 0x0c8, 8, 'NRIP', 'u64', null, `${B1}; §15.7.1`, 'next sequential RIP, written on instruction-intercept #VMEXIT; return RIP for injected soft events', { feature: 'nrip-save' }),
  f(C, 0x0d0, 1, 'GUEST_INSN_LEN', 'u8', null, `${B1}; §15.33 (decode assists)`, 'number of instruction bytes fetched on #NPF or intercepted #PF', { feature: 'decodeassists' }),
  f(C, 0x0d1, 15, 'GUEST_INSN_BYTES', 'bytes', null, `${B1}; §15.33 (decode assists)`, 'guest instruction bytes at CS:RIP', { feature: 'decodeassists' }),
  f(C, 0x0e0, 8, 'AVIC_BACKING_PAGE', 'u64', CLEAN.AVIC, `${B1}; §15.29 (AVIC)`, 'AVIC: host-physical address of the virtual APIC backing page', { feature: 'avic' }),
  rsv(C, 0x0e8, 8, 'reserved'),
  f(C, 0x0f0, 8, 'AVIC_LOGICAL_TABLE', 'u64', CLEAN.AVIC, `${B1}; §15.29 (AVIC)`, 'AVIC: host-physical address of the logical APIC ID table', { feature: 'avic' }),
  f(C, 0x0f8, 8, 'AVIC_PHYSICAL_TABLE', 'u64', CLEAN.AVIC, `${B1}; §15.29 (AVIC)`, 'AVIC: physical APIC ID table address (51:12) and max index (7:0)', { feature: 'avic' }),
  rsv(C, 0x100, 8, 'reserved'),
  f(C, 0x108, 8, 'VMSA_PA', 'u64', null, `${B1}; §15.35 (SEV-ES)`, 'SEV-ES: host-physical address of the encrypted save area'),
  rsv(C, 0x110, 16, 'reserved (SEV-SNP VMGEXIT fields on newer parts)'),
  f(C, 0x120, 2, 'BUS_LOCK_COUNTER', 'u16', null, B1, 'bus-lock threshold counter'),
  rsv(C, 0x122, 22, 'reserved'),
  f(C, 0x138, 8, 'ALLOWED_SEV_FEATURES', 'u64', null, B1, 'SEV-SNP allowed SEV features (bit 63 valid)'),
  f(C, 0x140, 8, 'GUEST_SEV_FEATURES', 'u64', null, B1, 'SEV-SNP guest SEV features'),
  rsv(C, 0x148, 664, 'reserved'),
  f(C, 0x3e0, 32, 'RESERVED_SW', 'bytes', null, B1, 'reserved for host software; never touched by hardware'),
  // ---- state-save area (Table B-2) ----
  seg(0x400, 'ES', CLEAN.SEG, 'vmrun', 'ES segment'),
  seg(0x410, 'CS', CLEAN.SEG, 'vmrun', 'CS segment (VMRUN consults only CS.L, CS.D)'),
  seg(0x420, 'SS', CLEAN.SEG, 'vmrun', 'SS segment'),
  seg(0x430, 'DS', CLEAN.SEG, 'vmrun', 'DS segment'),
  seg(0x440, 'FS', null, 'vmload', 'FS segment (VMLOAD/VMSAVE only)'),
  seg(0x450, 'GS', null, 'vmload', 'GS segment (VMLOAD/VMSAVE only)'),
  seg(0x460, 'GDTR', CLEAN.DT, 'vmrun', 'GDTR: limit at +4 (16 bits used), base at +8', 'dtr'),
  seg(0x470, 'LDTR', null, 'vmload', 'LDTR (VMLOAD/VMSAVE only)'),
  seg(0x480, 'IDTR', CLEAN.DT, 'vmrun', 'IDTR: limit at +4 (16 bits used), base at +8', 'dtr'),
  seg(0x490, 'TR', null, 'vmload', 'TR (VMLOAD/VMSAVE only)'),
  rsv(S, 0x4a0, 42, 'reserved (SEV-ES VMSA: PL0_SSP..PL3_SSP, U_CET)'),
  f(S, 0x4ca, 1, 'VMPL', 'u8', null, B2, 'SEV-SNP virtual machine privilege level'),
  f(S, 0x4cb, 1, 'CPL', 'u8', CLEAN.SEG, `${B2}; §15.5.1`, 'guest CPL; VMRUN uses this, not CS.DPL/SS.DPL', { xfer: 'vmrun' }),
  rsv(S, 0x4cc, 4, 'reserved'),
  f(S, 0x4d0, 8, 'EFER', 'u64', CLEAN.CRX, `${B2}; §15.5.1`, 'guest EFER; SVME must be 1', { xfer: 'vmrun', bits: EFER_BITS }),
  rsv(S, 0x4d8, 112, 'reserved (SEV-ES VMSA: XSS at 0x540)'),
  f(S, 0x548, 8, 'CR4', 'u64', CLEAN.CRX, `${B2}; §15.5.1`, 'guest CR4', { xfer: 'vmrun' }),
  f(S, 0x550, 8, 'CR3', 'u64', CLEAN.CRX, `${B2}; §15.5.1`, 'guest CR3', { xfer: 'vmrun' }),
  f(S, 0x558, 8, 'CR0', 'u64', CLEAN.CRX, `${B2}; §15.5.1`, 'guest CR0; bits 63:32 MBZ', { xfer: 'vmrun' }),
  f(S, 0x560, 8, 'DR7', 'u64', CLEAN.DRX, `${B2}; §15.5.1`, 'guest DR7; bits 63:32 MBZ', { xfer: 'vmrun' }),
  f(S, 0x568, 8, 'DR6', 'u64', CLEAN.DRX, `${B2}; §15.5.1`, 'guest DR6; bits 63:32 MBZ', { xfer: 'vmrun' }),
  f(S, 0x570, 8, 'RFLAGS', 'u64', null, B2, 'guest RFLAGS', { xfer: 'vmrun' }),
  f(S, 0x578, 8, 'RIP', 'u64', null, B2, 'guest RIP', { xfer: 'vmrun' }),
  rsv(S, 0x580, 88, 'reserved (SEV-ES VMSA: DR0..DR3 and their address masks)'),
  f(S, 0x5d8, 8, 'RSP', 'u64', null, B2, 'guest RSP', { xfer: 'vmrun' }),
  f(S, 0x5e0, 8, 'S_CET', 'u64', CLEAN.CET, B2, 'guest supervisor CET MSR'),
  f(S, 0x5e8, 8, 'SSP', 'u64', CLEAN.CET, B2, 'guest shadow-stack pointer'),
  f(S, 0x5f0, 8, 'ISST_ADDR', 'u64', CLEAN.CET, B2, 'guest interrupt SSP table address'),
  f(S, 0x5f8, 8, 'RAX', 'u64', null, B2, 'guest RAX', { xfer: 'vmrun' }),
  f(S, 0x600, 8, 'STAR', 'u64', null, `${B2}; §15.5.2`, 'STAR MSR (VMLOAD/VMSAVE)', { xfer: 'vmload' }),
  f(S, 0x608, 8, 'LSTAR', 'u64', null, `${B2}; §15.5.2`, 'LSTAR MSR (VMLOAD/VMSAVE)', { xfer: 'vmload' }),
  f(S, 0x610, 8, 'CSTAR', 'u64', null, `${B2}; §15.5.2`, 'CSTAR MSR (VMLOAD/VMSAVE)', { xfer: 'vmload' }),
  f(S, 0x618, 8, 'SFMASK', 'u64', null, `${B2}; §15.5.2`, 'SFMASK MSR (VMLOAD/VMSAVE)', { xfer: 'vmload' }),
  f(S, 0x620, 8, 'KERNEL_GS_BASE', 'u64', null, `${B2}; §15.5.2`, 'KernelGSbase MSR (VMLOAD/VMSAVE)', { xfer: 'vmload' }),
  f(S, 0x628, 8, 'SYSENTER_CS', 'u64', null, `${B2}; §15.5.2`, 'SYSENTER_CS MSR (VMLOAD/VMSAVE)', { xfer: 'vmload' }),
  f(S, 0x630, 8, 'SYSENTER_ESP', 'u64', null, `${B2}; §15.5.2`, 'SYSENTER_ESP MSR (VMLOAD/VMSAVE)', { xfer: 'vmload' }),
  f(S, 0x638, 8, 'SYSENTER_EIP', 'u64', null, `${B2}; §15.5.2`, 'SYSENTER_EIP MSR (VMLOAD/VMSAVE)', { xfer: 'vmload' }),
  f(S, 0x640, 8, 'CR2', 'u64', CLEAN.CR2, B2, 'guest CR2', { xfer: 'vmrun' }),
  rsv(S, 0x648, 32, 'reserved'),
  f(S, 0x668, 8, 'G_PAT', 'u64', CLEAN.NP, `${B2}; §15.25.8`, 'guest PAT, used only with NP_ENABLE=1', { xfer: 'vmrun', feature: 'npt' }),
  f(S, 0x670, 8, 'DBGCTL', 'u64', CLEAN.LBR, `${B2}; §15.23`, 'guest DebugCtl MSR (LBR virtualization)', { feature: 'lbrv' }),
  f(S, 0x678, 8, 'BR_FROM', 'u64', CLEAN.LBR, `${B2}; §15.23`, 'guest LastBranchFromIP', { feature: 'lbrv' }),
  f(S, 0x680, 8, 'BR_TO', 'u64', CLEAN.LBR, `${B2}; §15.23`, 'guest LastBranchToIP', { feature: 'lbrv' }),
  f(S, 0x688, 8, 'LASTEXCPFROM', 'u64', CLEAN.LBR, `${B2}; §15.23`, 'guest LastIntFromIP', { feature: 'lbrv' }),
  f(S, 0x690, 8, 'LASTEXCPTO', 'u64', CLEAN.LBR, `${B2}; §15.23`, 'guest LastIntToIP', { feature: 'lbrv' }),
  rsv(S, 0x698, 72, 'reserved'),
  f(S, 0x6e0, 8, 'SPEC_CTRL', 'u64', null, B2, 'guest SPEC_CTRL MSR (V_SPEC_CTRL)'),
  rsv(S, 0x6e8, 2328, 'reserved (SEV-ES VMSA: PKRU, TSC_AUX, GPRs, FPU state ...)'),
] as const;

export type VmcbFieldName = Exclude<(typeof VMCB_FIELDS)[number]['name'], 'reserved'>;
export type VmcbSegmentName = 'ES' | 'CS' | 'SS' | 'DS' | 'FS' | 'GS' | 'LDTR' | 'TR';
export type VmcbDtrName = 'GDTR' | 'IDTR';

/** Byte offset of every named field (hot paths: `vmcb.read(VMCB_OFF.EXITCODE, 4)`). */
export const VMCB_OFF = Object.freeze(
  Object.fromEntries((VMCB_FIELDS as readonly VmcbFieldDef[]).filter((x) => !x.reserved).map((x) => [x.name, x.offset])),
) as { readonly [K in VmcbFieldName]: number };

/** Offsets of the parts of a segment slot (APM Table B-2). */
export const SEG_SELECTOR = 0, SEG_ATTRIB = 2, SEG_LIMIT = 4, SEG_BASE = 8;
export const VMCB_SIZE = 4096;
export const VMCB_SAVE_AREA = 0x400;

const byName = new Map<string, VmcbFieldDef>();
for (const x of VMCB_FIELDS as readonly VmcbFieldDef[]) if (!x.reserved) byName.set(x.name, x);

/** The field named `name` (a table name such as 'EXITCODE' or a leaf such as 'CS.attrib'), or undefined. */
export function vmcbField(name: string): VmcbFieldDef | undefined {
  return byName.get(name) ?? leafByName.get(name);
}

/** The field (reserved gaps included) that holds byte `offset`, or undefined outside the page. */
export function vmcbFieldAt(offset: number): VmcbFieldDef | undefined {
  // The table is sorted; a linear scan is fine for UI lookups.
  for (const x of VMCB_FIELDS as readonly VmcbFieldDef[]) if (offset >= x.offset && offset < x.offset + x.size) return x;
  return undefined;
}

/**
 * One scalar per entry: segment and descriptor-table slots expanded into
 * their parts ('CS.selector', 'CS.attrib', 'CS.limit', 'CS.base'; 'GDTR.limit',
 * 'GDTR.base'), reserved gaps left out. Drives the DAP variable tree, the
 * hover text and the round-trip tests.
 */
export interface VmcbLeaf extends VmcbFieldDef {
  /** The table entry this leaf belongs to ('CS' for 'CS.attrib'; itself otherwise). */
  readonly parent: string;
}

export const VMCB_LEAVES: readonly VmcbLeaf[] = (() => {
  const out: VmcbLeaf[] = [];
  for (const x of VMCB_FIELDS as readonly VmcbFieldDef[]) {
    if (x.reserved) continue;
    if (x.kind === 'segment' || x.kind === 'dtr') {
      const part = (p: string, off: number, size: number, kind: VmcbKind, doc: string, bits?: readonly VmcbBitField[]): VmcbLeaf => ({
        ...x, name: `${x.name}.${p}`, offset: x.offset + off, size, kind, doc: `${x.name} ${doc}`, bits, parent: x.name,
      });
      if (x.kind === 'segment') {
        out.push(part('selector', SEG_SELECTOR, 2, 'u16', 'selector'));
        out.push(part('attrib', SEG_ATTRIB, 2, 'u16', 'attributes (descriptor bits 47:40, 55:52)', ATTRIB_BITS));
      }
      out.push(part('limit', SEG_LIMIT, 4, 'u32', x.kind === 'dtr' ? 'limit (bits 15:0 used)' : 'limit (bytes, expanded)'));
      out.push(part('base', SEG_BASE, 8, 'u64', 'base'));
    } else {
      out.push({ ...x, parent: x.name });
    }
  }
  return out;
})();

const leafByName = new Map<string, VmcbLeaf>();
for (const l of VMCB_LEAVES) if (l.parent !== l.name) leafByName.set(l.name, l);

/** Value of bit range [lo, hi] of a 64-bit field given as halves (hi - lo < 32). */
export function bitsOf(lo32: number, hi32: number, r: { lo: number; hi: number }): number {
  const width = r.hi - r.lo + 1;
  const mask = width >= 32 ? 0xffffffff : (1 << width) - 1;
  if (r.lo >= 32) return ((hi32 >>> (r.lo - 32)) & mask) >>> 0;
  if (r.hi < 32) return ((lo32 >>> r.lo) & mask) >>> 0;
  // Straddles bit 32.
  const low = lo32 >>> r.lo;
  const high = hi32 << (32 - r.lo);
  return ((low | high) & mask) >>> 0;
}

/**
 * A field value through its bit table, for the debugger and hovers:
 * single-bit fields by name when set, wider ones as NAME=0x.. when non-zero,
 * e.g. VINTR "V_TPR=0x2 V_IRQ V_INTR_MASKING V_INTR_VECTOR=0x20"; "0" if
 * nothing is set.
 */
export function formatBitFields(bits: readonly VmcbBitField[], lo32: number, hi32: number): string {
  const out: string[] = [];
  for (const r of bits) {
    const v = bitsOf(lo32, hi32, r);
    if (v === 0) continue;
    const name = r.name === 'reserved' ? `reserved[${r.hi}:${r.lo}]` : r.name;
    out.push(r.hi === r.lo && r.name !== 'reserved' ? name : `${name}=0x${v.toString(16)}`);
  }
  return out.length ? out.join(' ') : '0';
}
