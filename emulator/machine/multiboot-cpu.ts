// The CPU state a multiboot kernel starts in under QEMU (spec §3.2 plus what
// pc-bios/optionrom/multiboot.S leaves behind), and the option ROM's GDT.

import { MULTIBOOT_BOOTLOADER_MAGIC } from './multiboot-header';

/** A segment register as the CPU caches it. */
export interface SegmentValue {
  selector: number;
  base: number;
  /** Byte-granular limit (already scaled by G). */
  limit: number;
  /** Descriptor byte 5: type, S, DPL, P. */
  access: number;
  /** Descriptor flags nibble: AVL (0), L (1), D/B (2), G (3). */
  flags: number;
  /** The same as VMX access rights (SDM vol 3 §25.4.1 Table 25-2): access | flags << 12. */
  ar: number;
}

function seg(selector: number, base: number, limit: number, access: number, flags: number): SegmentValue {
  return { selector, base, limit, access, flags, ar: (access | (flags << 12)) >>> 0 };
}

/** CPU state at the kernel's first instruction. */
export interface MultibootCpuState {
  eax: number;
  ebx: number;
  ecx: number;
  edx: number;
  esi: number;
  edi: number;
  ebp: number;
  esp: number;
  eip: number;
  eflags: number;
  cr0: number;
  cr3: number;
  cr4: number;
  efer: number;
  cs: SegmentValue;
  ds: SegmentValue;
  es: SegmentValue;
  fs: SegmentValue;
  gs: SegmentValue;
  ss: SegmentValue;
  ldtr: SegmentValue;
  tr: SegmentValue;
  gdtr: { base: number; limit: number };
  idtr: { base: number; limit: number };
  a20: boolean;
}

/**
 * The option ROM's GDT (multiboot.S "gdt:"): null, 0x08 flat 32-bit code
 * (9a cf), 0x10 flat 32-bit data (92 cf), 0x18 16-bit code, 0x20 16-bit data.
 */
export const QEMU_MULTIBOOT_GDT = new Uint8Array([
  0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
  0xff, 0xff, 0x00, 0x00, 0x00, 0x9a, 0xcf, 0x00,
  0xff, 0xff, 0x00, 0x00, 0x00, 0x92, 0xcf, 0x00,
  0xff, 0xff, 0x00, 0x00, 0x00, 0x9e, 0x00, 0x00,
  0xff, 0xff, 0x00, 0x00, 0x00, 0x92, 0x00, 0x00,
]);
/**
 * Where that GDT sits: inside the option ROM, which SeaBIOS places at 0xc0000
 * when no VGA BIOS comes first (measured GDTR 000c02b8/0027 with -nodefaults;
 * 000cb2b8 with the default VGA card). nestvirt has no VGA ROM.
 */
export const QEMU_MULTIBOOT_GDT_ADDR = 0xc02b8;

/**
 * Register state QEMU hands to a multiboot kernel (spec §3.2 plus what the
 * option ROM leaves behind). Spec-mandated: EAX magic, EBX mbi, CS flat
 * 32-bit code, DS/ES/FS/GS/SS flat 32-bit data, A20 on, CR0.PG=0, CR0.PE=1,
 * EFLAGS.VM=0 and IF=0. The rest is what `info registers` shows on QEMU 7.2
 * at the first kernel instruction: ECX = entry (the ROM jumps through ECX),
 * ESP 0x6f08 (SeaBIOS' stack; kernels that forget to set up a stack run on
 * it), EDI 0x1000, CR0 0x11 (PE|ET), EFLAGS 0x6 (PF from the ROM's last
 * compare), CS access byte 0x9a (the far jump does not set the accessed
 * bit), data segments 0x93, LDTR/TR left at their reset values, IDTR the
 * real-mode IVT. EDX holds an fw_cfg DMA leftover that varies between
 * configurations (0x00010511, 0x002f0511, ...); we use 0.
 */
export function multibootCpuState(entry: number, mbiAddr: number): MultibootCpuState {
  const data = () => seg(0x10, 0, 0xffffffff, 0x93, 0xc);
  return {
    eax: MULTIBOOT_BOOTLOADER_MAGIC,
    ebx: mbiAddr,
    ecx: entry,
    edx: 0,
    esi: 0,
    edi: 0x1000,
    ebp: 0,
    esp: 0x6f08,
    eip: entry,
    eflags: 0x00000006,
    cr0: 0x00000011,
    cr3: 0,
    cr4: 0,
    efer: 0,
    cs: seg(0x08, 0, 0xffffffff, 0x9a, 0xc),
    ds: data(),
    es: data(),
    fs: data(),
    gs: data(),
    ss: data(),
    ldtr: seg(0, 0, 0xffff, 0x82, 0),
    tr: seg(0, 0, 0xffff, 0x8b, 0),
    gdtr: { base: QEMU_MULTIBOOT_GDT_ADDR, limit: QEMU_MULTIBOOT_GDT.length - 1 },
    idtr: { base: 0, limit: 0x3ff },
    a20: true,
  };
}
