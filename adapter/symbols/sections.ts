// The DWARF and unwind sections of one ELF file, gathered once through
// emulator/machine/elf.ts. Everything in adapter/symbols reads sections
// through this bundle, so tests can also feed hand-made or corrupted bytes.

import { ElfFile, SHT_NOBITS } from '../../emulator/machine/elf';

export interface DwarfSections {
  info?: Uint8Array;
  abbrev?: Uint8Array;
  line?: Uint8Array;
  str?: Uint8Array;
  lineStr?: Uint8Array;
  addr?: Uint8Array;
  strOffsets?: Uint8Array;
  rnglists?: Uint8Array;
  ranges?: Uint8Array;
  frame?: Uint8Array;
  ehFrame?: Uint8Array;
  /** sh_addr of .eh_frame: the base of its pc-relative pointers (DW_EH_PE_pcrel). */
  ehFrameAddr?: bigint;
  /** sh_addr of .got, for DW_EH_PE_datarel on x86-64 (the GOT is the data base). */
  gotAddr?: bigint;
  /** sh_addr of .text, for DW_EH_PE_textrel. */
  textAddr?: bigint;
}

const NAMES: [keyof DwarfSections, string][] = [
  ['info', '.debug_info'],
  ['abbrev', '.debug_abbrev'],
  ['line', '.debug_line'],
  ['str', '.debug_str'],
  ['lineStr', '.debug_line_str'],
  ['addr', '.debug_addr'],
  ['strOffsets', '.debug_str_offsets'],
  ['rnglists', '.debug_rnglists'],
  ['ranges', '.debug_ranges'],
  ['frame', '.debug_frame'],
  ['ehFrame', '.eh_frame'],
];

export function dwarfSections(elf: ElfFile): DwarfSections {
  const out: DwarfSections = {};
  for (const [key, name] of NAMES) {
    const data = elf.sectionData(name);
    if (data && data.length > 0) (out as Record<string, unknown>)[key] = data;
  }
  const eh = elf.section('.eh_frame');
  if (eh && eh.type !== SHT_NOBITS) out.ehFrameAddr = eh.addr;
  const got = elf.section('.got');
  if (got) out.gotAddr = got.addr;
  const text = elf.section('.text');
  if (text) out.textAddr = text.addr;
  return out;
}

/** Compressed debug sections (SHF_COMPRESSED, .zdebug_*) are not supported; name them in a warning. */
export function compressedDebugSections(elf: ElfFile): string[] {
  const SHF_COMPRESSED = 0x800;
  return elf.sections.filter((s) => (s.name.startsWith('.debug_') && (s.flags & SHF_COMPRESSED) !== 0) || s.name.startsWith('.zdebug_')).map((s) => s.name);
}
