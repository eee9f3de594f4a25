// VMCS storage driven by the field table (fields.ts): every field of every
// VMCS (VMCS01, VMCS02, the cached VMCS12) lives in one Uint32Array, two
// words per field (bits 31:0, bits 63:32), at the field's table slot. Field
// access by encoding is one Int16Array lookup (SLOT_BY_ENCODING).
//
// VMREAD/VMWRITE semantics (SDM vol 3C §31.3 VMREAD, VMWRITE; §25.11.2; the
// rules of the vmcs-fields.tsv header):
//  - an encoding with reserved bits (31:15, 12), bits 63:32 of the operand
//    set, no such field, a field this CPU lacks (VmcsProfile), or a high
//    access (bit 0 = 1) of a field that is not 64-bit -> error 12;
//  - VMWRITE of a VM-exit information field -> error 13 unless
//    IA32_VMX_MISC[29] ("VMWRITE to any supported field");
//  - VMREAD zero-extends 16/32-bit fields; VMWRITE truncates silently to
//    the field width;
//  - the high access of a 64-bit field reads bits 63:32 into bits 31:0 of the
//    destination (upper bits 0) and writes bits 63:32, leaving 31:0 alone;
//  - natural-width fields are 64 bits (32 on a CPU without Intel 64).
// Operand size is the caller's business: outside 64-bit mode the instruction
// supplies a 32-bit value (hi = 0, which zeroes bits 63:32 of a full access)
// and keeps only out[0] of a read.
//
// Reserved bits inside a field (e.g. access-rights bits 31:17) are stored as
// written, so the VM-entry checks see them (some CPUs drop them; KVM masks
// AR writes to 0x1F0FF - we keep them so GUEST-SEG-AR-RSVD can fire).

import { VMCS_FIELDS, VMCS_FIELD_COUNT, SLOT_BY_ENCODING, VmcsFieldDef, encReservedBitsSet, encIndex, FieldType, FieldWidth } from './fields';
import type { VmxCaps } from './caps';
import { hex64 } from './bits';

/** VM-instruction error numbers used here (vmx-instruction-errors.tsv, SDM §31.4). */
export const VMXERR_UNSUPPORTED_COMPONENT = 12;
export const VMXERR_READ_ONLY_COMPONENT = 13;

/**
 * Which fields exist on a CPU and how wide natural fields are: built once per
 * capability set and shared by every VMCS of a VM.
 */
export class VmcsProfile {
  /** 1 if the field at that slot exists (SDM: "exists only on processors that support the 1-setting of ..."). */
  readonly supported: Uint8Array;
  /** IA32_VMX_MISC[29]: VMWRITE may write read-only (exit-information) fields. */
  readonly vmwriteAnyField: boolean;
  /** Per slot: bits 31:0 and 63:32 a write keeps (width truncation). */
  readonly loMask: Uint32Array;
  readonly hiMask: Uint32Array;

  constructor(supported: (d: VmcsFieldDef) => boolean, vmwriteAnyField: boolean, intel64: boolean) {
    this.supported = new Uint8Array(VMCS_FIELD_COUNT);
    this.loMask = new Uint32Array(VMCS_FIELD_COUNT);
    this.hiMask = new Uint32Array(VMCS_FIELD_COUNT);
    for (const d of VMCS_FIELDS) {
      this.supported[d.slot] = supported(d) ? 1 : 0;
      this.loMask[d.slot] = d.width === 16 ? 0xffff : 0xffffffff;
      this.hiMask[d.slot] = d.width === 64 || (d.width === 'natural' && intel64) ? 0xffffffff : 0;
    }
    this.vmwriteAnyField = vmwriteAnyField;
  }

  /** Every field in the table exists; read-only fields are read-only; 64-bit natural width. */
  static readonly ALL = new VmcsProfile(() => true, false, true);

  /** The fields a CPU with these capabilities has (each field's `requires` against the allowed-1 settings). */
  static fromCaps(caps: VmxCaps): VmcsProfile {
    return new VmcsProfile(
      (d) => d.requires.length === 0 || d.requires.some((r) => r.ctl !== 'never' && caps.allowed1(r.ctl, r.bit)),
      ((caps.miscLo >>> 29) & 1) === 1,
      caps.intel64,
    );
  }

  isSupported(d: VmcsFieldDef): boolean {
    return this.supported[d.slot] === 1;
  }

  /** Highest encoding index among existing fields: what IA32_VMX_VMCS_ENUM[9:1] should report. */
  highestIndex(): number {
    let m = 0;
    for (const d of VMCS_FIELDS) if (this.supported[d.slot]) m = Math.max(m, encIndex(d.encoding));
    return m;
  }
}

// ---- VMCS12 in-memory layout ----
//
// The VMCS12 region L1 allocates (4 KiB, IA32_VMX_BASIC[44:32]) is laid out
// by nestvirt as follows; only dwords 0 and 1 are architectural (SDM §25.2).
// The layout must never change once published (L1 memory may be saved and
// restored), so every field's offset is a pure function of its encoding:
// each (width, type) class owns a fixed block, and a field sits at
// block base + index * size (index = encoding bits 9:1). A field added to the
// table later lands in its class block without moving any other field.
//
//   offset  size  content
//   0x000   4     bits 30:0 VMCS revision id, bit 31 shadow-VMCS indicator
//   0x004   4     VMX-abort indicator
//   0x008   4     launch state: bit 0 = 1 launched, 0 clear (bits 31:1 ignored, written 0)
//   0x00C   4     reserved (written 0)
//   then the class blocks (little-endian values, 64-bit/natural fields as
//   8 bytes, bits 31:0 first):
//     width    type       base   capacity (indexes)  bytes each
//     64-bit   control    0x010  64                  8
//     64-bit   exit-info  0x210  16                  8
//     64-bit   guest      0x290  48                  8
//     64-bit   host       0x410  32                  8
//     natural  control    0x510  32                  8
//     natural  exit-info  0x610  16                  8
//     natural  guest      0x690  48                  8
//     natural  host       0x810  32                  8
//     32-bit   control    0x910  48                  4
//     32-bit   exit-info  0x9D0  16                  4
//     32-bit   guest      0xA10  48                  4
//     32-bit   host       0xAD0  16                  4
//     16-bit   control    0xB10  32                  2
//     16-bit   exit-info  0xB50  16                  2
//     16-bit   guest      0xB70  32                  2
//     16-bit   host       0xBB0  16                  2
//   0xBD0-0xFFF unused (written 0).
// Example: GUEST_RIP (0x681E: natural, guest, index 0x0F) is at 0x690 + 0x0F * 8 = 0x708.

export const VMCS12_SIZE = 4096;
export const VMCS12_REVISION_OFFSET = 0x000;
export const VMCS12_ABORT_OFFSET = 0x004;
export const VMCS12_LAUNCH_STATE_OFFSET = 0x008;
export const VMCS12_FIELDS_OFFSET = 0x010;

export interface Vmcs12LayoutClass {
  readonly width: FieldWidth;
  readonly type: FieldType;
  readonly base: number;
  readonly capacity: number;
  readonly size: 2 | 4 | 8;
}

export const VMCS12_LAYOUT: readonly Vmcs12LayoutClass[] = (() => {
  const spec: [FieldWidth, 2 | 4 | 8, number[]][] = [
    [64, 8, [64, 16, 48, 32]],
    ['natural', 8, [32, 16, 48, 32]],
    [32, 4, [48, 16, 48, 16]],
    [16, 2, [32, 16, 32, 16]],
  ];
  const types: FieldType[] = ['control', 'exit-info', 'guest', 'host'];
  const out: Vmcs12LayoutClass[] = [];
  let base = VMCS12_FIELDS_OFFSET;
  for (const [width, size, caps] of spec) {
    caps.forEach((capacity, t) => {
      out.push({ width, type: types[t], base, capacity, size });
      base += capacity * size;
    });
  }
  return out;
})();

/** First byte after the last class block (0xBD0). */
export const VMCS12_FIELDS_END = VMCS12_LAYOUT[VMCS12_LAYOUT.length - 1].base + VMCS12_LAYOUT[VMCS12_LAYOUT.length - 1].capacity * VMCS12_LAYOUT[VMCS12_LAYOUT.length - 1].size;

/** Byte offset of each field in a VMCS12 region, by slot. */
export const VMCS12_OFFSET_BY_SLOT: Uint16Array = (() => {
  const a = new Uint16Array(VMCS_FIELD_COUNT);
  for (const d of VMCS_FIELDS) {
    const cls = VMCS12_LAYOUT.find((c) => c.width === d.width && c.type === d.type) as Vmcs12LayoutClass;
    const index = encIndex(d.encoding);
    if (index >= cls.capacity) throw new Error(`VMCS12 layout: ${d.name} index ${index} exceeds its class capacity ${cls.capacity}`);
    a[d.slot] = cls.base + index * cls.size;
  }
  return a;
})();

/** Byte offset of a field (full encoding) in a VMCS12 region, or -1. */
export function vmcs12Offset(encoding: number): number {
  if (encReservedBitsSet(encoding) || encoding & 1) return -1;
  const slot = SLOT_BY_ENCODING[encoding];
  return slot < 0 ? -1 : VMCS12_OFFSET_BY_SLOT[slot];
}

const SIZE_BY_SLOT: Uint8Array = (() => {
  const a = new Uint8Array(VMCS_FIELD_COUNT);
  for (const d of VMCS_FIELDS) a[d.slot] = d.width === 16 ? 2 : d.width === 32 ? 4 : 8;
  return a;
})();

function rd32(b: Uint8Array, o: number): number {
  return (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0;
}
function wr32(b: Uint8Array, o: number, v: number): void {
  b[o] = v;
  b[o + 1] = v >>> 8;
  b[o + 2] = v >>> 16;
  b[o + 3] = v >>> 24;
}

/** One VMCS: header state plus every field of the table. */
export class Vmcs {
  /** Two words per slot: [2*slot] = bits 31:0, [2*slot+1] = bits 63:32. */
  readonly data = new Uint32Array(VMCS_FIELD_COUNT * 2);
  /** Dword 0 bits 30:0. */
  revisionId = 0;
  /** Dword 0 bit 31: this is a shadow VMCS (SDM §25.10). */
  shadow = false;
  /** Dword 1: VMX-abort indicator (SDM §28.7). */
  abortIndicator = 0;
  /** Launch state (SDM §25.11.3): false = clear, true = launched. */
  launched = false;

  constructor(readonly profile: VmcsProfile = VmcsProfile.ALL) {}

  // ---- VMREAD / VMWRITE ----

  /**
   * VMREAD. Returns 0 on success with the value in out[0] (bits 31:0) and
   * out[1] (bits 63:32), or the VM-instruction error (12). `encodingHi` is
   * bits 63:32 of a 64-bit encoding operand.
   */
  read(encoding: number, out: Uint32Array | number[], encodingHi = 0): number {
    const slot = this.slotFor(encoding, encodingHi);
    if (slot < 0) return VMXERR_UNSUPPORTED_COMPONENT;
    const i = slot << 1;
    if (encoding & 1) {
      out[0] = this.data[i + 1];
      out[1] = 0;
    } else {
      out[0] = this.data[i];
      out[1] = this.data[i + 1];
    }
    return 0;
  }

  /** VMWRITE. Returns 0, or the VM-instruction error (12 unsupported, 13 read-only). */
  write(encoding: number, lo: number, hi = 0, encodingHi = 0): number {
    const slot = this.slotFor(encoding, encodingHi);
    if (slot < 0) return VMXERR_UNSUPPORTED_COMPONENT;
    if (VMCS_FIELDS[slot].readOnly && !this.profile.vmwriteAnyField) return VMXERR_READ_ONLY_COMPONENT;
    const i = slot << 1;
    if (encoding & 1) {
      this.data[i + 1] = lo;
    } else {
      this.data[i] = lo & this.profile.loMask[slot];
      this.data[i + 1] = hi & this.profile.hiMask[slot];
    }
    return 0;
  }

  /** The slot a VMREAD/VMWRITE encoding names, or -1 (error 12). */
  slotFor(encoding: number, encodingHi = 0): number {
    if (encReservedBitsSet(encoding, encodingHi)) return -1;
    const slot = SLOT_BY_ENCODING[encoding & ~1];
    if (slot < 0 || this.profile.supported[slot] === 0) return -1;
    if (encoding & 1 && VMCS_FIELDS[slot].width !== 64) return -1;
    return slot;
  }

  // ---- hardware-side access (L0 and the VMX "hardware"): full encodings of
  // known fields only, no existence or read-only checks ----

  /** Bits 31:0 of a field. */
  lo(encoding: number): number {
    return this.data[SLOT_BY_ENCODING[encoding] << 1];
  }
  /** Bits 63:32 of a field. */
  hi(encoding: number): number {
    return this.data[(SLOT_BY_ENCODING[encoding] << 1) | 1];
  }
  /** Sets a field, truncated to its width (as the processor stores it, e.g. exit information). */
  set(encoding: number, lo: number, hi = 0): void {
    const slot = SLOT_BY_ENCODING[encoding];
    this.data[slot << 1] = lo & this.profile.loMask[slot];
    this.data[(slot << 1) | 1] = hi & this.profile.hiMask[slot];
  }
  /** A field as a number (exact for values below 2^53). */
  num(encoding: number): number {
    const i = SLOT_BY_ENCODING[encoding] << 1;
    return this.data[i + 1] * 0x1_0000_0000 + this.data[i];
  }
  /** A field as hex for messages and the debugger. */
  hex(encoding: number): string {
    const i = SLOT_BY_ENCODING[encoding] << 1;
    return hex64(this.data[i], this.data[i + 1]);
  }

  /** All fields 0, header cleared (a fresh VMCS region). */
  clear(): void {
    this.data.fill(0);
    this.revisionId = 0;
    this.shadow = false;
    this.abortIndicator = 0;
    this.launched = false;
  }

  copyFrom(other: Vmcs): void {
    this.data.set(other.data);
    this.revisionId = other.revisionId;
    this.shadow = other.shadow;
    this.abortIndicator = other.abortIndicator;
    this.launched = other.launched;
  }

  // ---- VMCS12 region (layout above) ----

  /** Writes the whole region (VMCS12_SIZE bytes from `offset`), unused bytes 0. */
  serializeTo(bytes: Uint8Array, offset = 0): void {
    if (bytes.length - offset < VMCS12_SIZE) throw new RangeError(`VMCS12 region needs ${VMCS12_SIZE} bytes`);
    bytes.fill(0, offset, offset + VMCS12_SIZE);
    wr32(bytes, offset + VMCS12_REVISION_OFFSET, ((this.revisionId & 0x7fffffff) | (this.shadow ? 0x80000000 : 0)) >>> 0);
    wr32(bytes, offset + VMCS12_ABORT_OFFSET, this.abortIndicator);
    wr32(bytes, offset + VMCS12_LAUNCH_STATE_OFFSET, this.launched ? 1 : 0);
    const d = this.data;
    for (let s = 0; s < VMCS_FIELD_COUNT; s++) {
      const o = offset + VMCS12_OFFSET_BY_SLOT[s];
      const lo = d[s << 1];
      switch (SIZE_BY_SLOT[s]) {
        case 2:
          bytes[o] = lo;
          bytes[o + 1] = lo >>> 8;
          break;
        case 4:
          wr32(bytes, o, lo);
          break;
        default:
          wr32(bytes, o, lo);
          wr32(bytes, o + 4, d[(s << 1) | 1]);
      }
    }
  }

  /** Reads a region written by serializeTo (or by L1, byte by byte); values are truncated to the field widths. */
  loadFrom(bytes: Uint8Array, offset = 0): void {
    if (bytes.length - offset < VMCS12_SIZE) throw new RangeError(`VMCS12 region needs ${VMCS12_SIZE} bytes`);
    const dw0 = rd32(bytes, offset + VMCS12_REVISION_OFFSET);
    this.revisionId = dw0 & 0x7fffffff;
    this.shadow = dw0 >>> 31 === 1;
    this.abortIndicator = rd32(bytes, offset + VMCS12_ABORT_OFFSET);
    this.launched = (rd32(bytes, offset + VMCS12_LAUNCH_STATE_OFFSET) & 1) === 1;
    const d = this.data;
    const p = this.profile;
    for (let s = 0; s < VMCS_FIELD_COUNT; s++) {
      const o = offset + VMCS12_OFFSET_BY_SLOT[s];
      switch (SIZE_BY_SLOT[s]) {
        case 2:
          d[s << 1] = bytes[o] | (bytes[o + 1] << 8);
          d[(s << 1) | 1] = 0;
          break;
        case 4:
          d[s << 1] = rd32(bytes, o);
          d[(s << 1) | 1] = 0;
          break;
        default:
          d[s << 1] = rd32(bytes, o);
          d[(s << 1) | 1] = rd32(bytes, o + 4) & p.hiMask[s];
      }
    }
  }
}

/** Read-only view of a VMCS, as the entry checks use it. */
export interface VmcsView {
  lo(encoding: number): number;
  hi(encoding: number): number;
  readonly launched: boolean;
}
