// DW_EH_PE-encoded pointers of .eh_frame (LSB Core "DWARF Exception Header
// Encoding"), read by the CIE/FDE parser and by DW_CFA_set_loc.

import { hex } from './errors';
import { ByteReader } from './reader';
import { DwarfSections } from './sections';
import { DW_EH_PE, MASK64 } from './cfi-types';

/**
 * Reads a DW_EH_PE-encoded pointer (LSB Core "DWARF Exception Header
 * Encoding"): the low nibble is the format, the high one the base.
 */
export function readEncoded(r: ByteReader, enc: number, addressSize: number, base: { sectionAddr: bigint; secs: DwarfSections }): bigint {
  if (enc === DW_EH_PE.omit) return 0n;
  const fieldAddr = base.sectionAddr + BigInt(r.pos);
  if ((enc & 0x70) === DW_EH_PE.aligned) {
    const rem = r.pos % addressSize;
    if (rem) r.skip(addressSize - rem, 'alignment');
  }
  let v: bigint;
  switch (enc & 0x0f) {
    case DW_EH_PE.absptr:
      v = r.address(addressSize, 'pointer');
      break;
    case DW_EH_PE.uleb128:
      v = r.ulebBig('pointer');
      break;
    case DW_EH_PE.udata2:
      v = BigInt(r.u16('pointer'));
      break;
    case DW_EH_PE.udata4:
      v = BigInt(r.u32('pointer'));
      break;
    case DW_EH_PE.udata8:
      v = r.u64('pointer');
      break;
    case DW_EH_PE.sleb128:
      v = r.slebBig('pointer');
      break;
    case DW_EH_PE.sdata2:
      v = BigInt(r.i16('pointer'));
      break;
    case DW_EH_PE.sdata4:
      v = BigInt(r.i32('pointer'));
      break;
    case DW_EH_PE.sdata8:
      v = r.i64('pointer');
      break;
    default:
      return r.fail(`unknown pointer encoding ${hex(enc)}`);
  }
  switch (enc & 0x70) {
    case DW_EH_PE.pcrel:
      v += fieldAddr;
      break;
    case DW_EH_PE.textrel:
      v += base.secs.textAddr ?? 0n;
      break;
    case DW_EH_PE.datarel:
      v += base.secs.gotAddr ?? 0n;
      break;
    default:
      break; // absptr, funcrel (not used for FDE headers), aligned
  }
  const mask = addressSize >= 8 ? MASK64 : (1n << BigInt(addressSize * 8)) - 1n;
  return v & mask;
}
