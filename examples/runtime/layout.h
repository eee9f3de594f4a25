/* layout.h — constants shared by the assembly and the C side of the runtime:
 * segment selectors (the GDT is in boot.S), per-CPU stack sizes, fixed
 * physical addresses and the exit codes the runtime itself uses. */
#ifndef NESTVIRT_LAYOUT_H
#define NESTVIRT_LAYOUT_H

/* GDT selectors. The order 0x20/0x28/0x30 is what SYSRET needs: with
 * STAR[63:48] = 0x20, SYSRET to 64-bit loads SS = 0x28|3 and CS = 0x30|3. */
#define SEL_KCODE     0x08   /* 64-bit ring-0 code */
#define SEL_KDATA     0x10   /* ring-0 data (also the stack segment) */
#define SEL_KCODE32   0x18   /* 32-bit ring-0 code: boot, AP start, compat mode */
#define SEL_UCODE32   0x20   /* 32-bit ring-3 code (only as the SYSRET base) */
#define SEL_UDATA     0x28   /* ring-3 data; use as 0x2b */
#define SEL_UCODE     0x30   /* 64-bit ring-3 code; use as 0x33 */
#define SEL_KCODE16   0x38   /* 16-bit code, base 0 limit 64 KiB: way back to real mode */
#define SEL_KDATA16   0x40   /* 16-bit data, base 0 limit 64 KiB */
#define SEL_TSS0      0x48   /* first of MAX_CPUS 16-byte TSS descriptors */

#define MAX_CPUS      8
#define KSTACK_SIZE   16384  /* boot/AP stack, one per CPU */
#define IST_SIZE      4096   /* IST1 stack per CPU: #DF, NMI, #MC */
#define RSP0_SIZE     8192   /* ring-3 -> ring-0 stack per CPU (TSS.RSP0) */

/* The AP start-up trampoline is copied here; SIPI vector = 0x8000 >> 12.
 * QEMU's multiboot loader puts the E820 map at 0x9000 and the info
 * structure at 0x9500, so the trampoline must stay below 0x9000. */
#define TRAMPOLINE_ADDR 0x8000

/* Register values the boot path and the AP trampoline both load. */
#define CR0_BOOT 0x80010033  /* PG | WP | NE | ET | MP | PE (EM, TS clear: SSE usable) */
#define CR4_BOOT 0x00000620  /* OSXMMEXCPT | OSFXSR | PAE */

/* exit() codes the runtime uses itself; QEMU's exit status is (code<<1)|1. */
#define EXIT_TRAP     0x7e   /* unhandled exception or interrupt -> status 253 */
#define EXIT_PANIC    0x7d   /* panic() -> status 251 */

#endif
