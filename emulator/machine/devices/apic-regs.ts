// Register offsets, MSR numbers, delivery modes and bit masks of the local
// APIC (Intel SDM vol. 3A ch. 11), shared by the LocalApic, its timer and the bus.

export const MSR_APIC_BASE = 0x1b;
export const MSR_TSC_DEADLINE = 0x6e0;
export const MSR_X2APIC_FIRST = 0x800;
export const MSR_X2APIC_LAST = 0x8ff;
export const APIC_DEFAULT_BASE = 0xfee00000;
export const APIC_MMIO_SIZE = 0x1000;
/** Version register as QEMU's APIC: version 0x14, max LVT entry 5 (no CMCI), no EOI-broadcast suppression. */
export const APIC_VERSION = 0x50014;
/** APIC timer input frequency (before the divide configuration). */
export const APIC_TIMER_HZ = 1_000_000_000;

// IA32_APIC_BASE bits (SDM 11.4.4, Figure 11-5; 11.12.1 for EXTD).
export const BASE_BSP = 1 << 8;
export const BASE_EXTD = 1 << 10;
export const BASE_EN = 1 << 11;

// Delivery modes (SDM 11.6.1, ICR bits 10:8; same encoding in LVTs and IOAPIC RTEs).
export const DM_FIXED = 0;
export const DM_LOWEST = 1;
export const DM_SMI = 2;
export const DM_NMI = 4;
export const DM_INIT = 5;
export const DM_STARTUP = 6;
export const DM_EXTINT = 7;

// Register offsets (SDM Table 11-1; x2APIC MSR = 0x800 + (offset >> 4), Table 11-6).
export const APIC_ID = 0x20;
export const APIC_VER = 0x30;
export const APIC_TPR = 0x80;
export const APIC_APR = 0x90;
export const APIC_PPR = 0xa0;
export const APIC_EOI = 0xb0;
export const APIC_RRD = 0xc0;
export const APIC_LDR = 0xd0;
export const APIC_DFR = 0xe0;
export const APIC_SVR = 0xf0;
export const APIC_ISR = 0x100;
export const APIC_TMR = 0x180;
export const APIC_IRR = 0x200;
export const APIC_ESR = 0x280;
export const APIC_ICR_LO = 0x300;
export const APIC_ICR_HI = 0x310;
export const APIC_LVT_TIMER = 0x320;
export const APIC_LVT_THERMAL = 0x330;
export const APIC_LVT_PERF = 0x340;
export const APIC_LVT_LINT0 = 0x350;
export const APIC_LVT_LINT1 = 0x360;
export const APIC_LVT_ERROR = 0x370;
export const APIC_TIMER_INITIAL = 0x380;
export const APIC_TIMER_CURRENT = 0x390;
export const APIC_TIMER_DIVIDE = 0x3e0;
export const APIC_SELF_IPI = 0x3f0;

export const LVT_MASKED = 1 << 16;
// Timer modes, LVT bits 18:17: 0 one-shot, 1 periodic, 2 TSC-deadline (3 reserved, runs as one-shot).
export const LVT_TIMER_PERIODIC = 1, LVT_TIMER_TSC_DEADLINE = 2;
// Writable bits per LVT (SDM Figure 11-8); delivery status and remote IRR are read-only.
export const LVT_TIMER_MASK = 0x700ff;
export const LVT_LINT_MASK = 0x1a7ff;
export const LVT_THERMAL_PERF_MASK = 0x107ff;
export const LVT_ERROR_MASK = 0x100ff;
export const SVR_WRITABLE = 0x3ff; // vector, APIC software enable (8), focus checking (9)
export const SVR_ENABLE = 0x100;
// ESR bits (SDM 11.5.3, Figure 11-9).
export const ESR_SEND_ILLEGAL_VECTOR = 0x20;
export const ESR_RECV_ILLEGAL_VECTOR = 0x40;
export const ESR_ILLEGAL_REGISTER = 0x80;
// ICR (SDM 11.6.1, Figure 11-12).
export const ICR_LO_WRITABLE = 0xccfff;
/** x2APIC ICR low-half reserved bits: 13, 17:16, 31:20 (bit 12 delivery status does not exist). */
export const X2APIC_ICR_RESERVED = 0xfff32000;

export const ALL_ONES: Record<number, number> = { 1: 0xff, 2: 0xffff, 4: 0xffffffff, 8: 0xffffffff };
