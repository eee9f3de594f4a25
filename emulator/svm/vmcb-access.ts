// Reading and writing VMCB fields by name, in a 4 KiB image or in physical
// memory, with 64-bit values as unsigned 32-bit halves. Field offsets and
// sizes come from vmcb-layout.ts only. Hot paths use VMCB_OFF directly
// (`vmcb.read(VMCB_OFF.EXITCODE, 4)`); these helpers are for the L0's
// colder paths, the debugger and the tests.
import { ByteRegion, PhysRead, PhysRW, regionAt } from './phys';
import { U64, toBig } from './u64';
import {
  SEG_ATTRIB, SEG_BASE, SEG_LIMIT, SEG_SELECTOR, VMCB_SIZE, VmcbDtrName, VmcbFieldDef, VmcbFieldName, VmcbSegmentName, vmcbField,
} from './vmcb-layout';

/** A VMCB seen through offsets 0..4095 (an image, or a VMCB in guest memory via vmcbInMemory). */
export type VmcbAccess = PhysRW;
export type VmcbReader = PhysRead;

export type VmcbPart = 'selector' | 'attrib' | 'limit' | 'base';
/** Names readField/writeField accept: table names and segment parts ('CS.attrib', 'GDTR.base'). */
export type VmcbLeafName = VmcbFieldName | `${VmcbSegmentName}.${VmcbPart}` | `${VmcbDtrName}.${'limit' | 'base'}`;

/** A fresh zeroed VMCB image (or one over `bytes`, which must be 4096 bytes). */
export function vmcbImage(bytes: Uint8Array = new Uint8Array(VMCB_SIZE)): ByteRegion {
  if (bytes.length !== VMCB_SIZE) throw new RangeError(`a VMCB image is ${VMCB_SIZE} bytes, got ${bytes.length}`);
  return new ByteRegion(bytes, 0);
}

/** The VMCB at physical address `base` of `mem` (e.g. VMCB12 in L1 memory). */
export function vmcbInMemory(mem: PhysRW, base: number): VmcbAccess {
  return regionAt(mem, base);
}

/**
 * A private copy of a VMCB. The L0 checks and then uses this snapshot, so
 * L1 cannot change VMCB12 between check and use (nested-svm.md §11.10).
 */
export function copyVmcb(src: VmcbReader, dst: ByteRegion = vmcbImage()): ByteRegion {
  for (let off = 0; off < VMCB_SIZE; off += 4) dst.write(off, 4, src.read(off, 4));
  return dst;
}

function def(name: string): VmcbFieldDef {
  const d = vmcbField(name);
  if (!d) throw new RangeError(`no VMCB field named '${name}'`);
  return d;
}

function scalar(name: string): VmcbFieldDef {
  const d = def(name);
  if (d.kind === 'segment' || d.kind === 'dtr' || d.kind === 'bytes') {
    throw new TypeError(`VMCB field ${name} is ${d.kind === 'bytes' ? 'a byte array (readFieldBytes)' : 'a segment slot (readSegment)'}`);
  }
  return d;
}

/** Bits 31:0 of a field (the whole value for fields of 1, 2 or 4 bytes), unsigned. */
export function readLo(v: VmcbReader, name: VmcbLeafName): number {
  const d = scalar(name);
  return v.read(d.offset, d.size === 8 ? 4 : (d.size as 1 | 2 | 4)) >>> 0;
}

/** Bits 63:32 of an 8-byte field; 0 for smaller fields. */
export function readHi(v: VmcbReader, name: VmcbLeafName): number {
  const d = scalar(name);
  return d.size === 8 ? v.read(d.offset + 4, 4) >>> 0 : 0;
}

export function readU64(v: VmcbReader, name: VmcbLeafName, out: U64 = { lo: 0, hi: 0 }): U64 {
  const d = scalar(name);
  out.lo = v.read(d.offset, d.size === 8 ? 4 : (d.size as 1 | 2 | 4)) >>> 0;
  out.hi = d.size === 8 ? v.read(d.offset + 4, 4) >>> 0 : 0;
  return out;
}

/** Writes a field; values wider than the field are truncated to its size. */
export function writeField(v: VmcbAccess, name: VmcbLeafName, lo: number, hi = 0): void {
  const d = scalar(name);
  if (d.size === 8) {
    v.write(d.offset, 4, lo >>> 0);
    v.write(d.offset + 4, 4, hi >>> 0);
  } else {
    const size = d.size as 1 | 2 | 4;
    v.write(d.offset, size, size === 4 ? lo >>> 0 : lo & ((1 << (8 * size)) - 1));
  }
}

/** BigInt read (API boundary: debugger, tests). */
export function readFieldBig(v: VmcbReader, name: VmcbLeafName): bigint {
  const r = readU64(v, name);
  return toBig(r.lo, r.hi);
}

export function writeFieldBig(v: VmcbAccess, name: VmcbLeafName, value: bigint): void {
  const x = BigInt.asUintN(64, value);
  writeField(v, name, Number(x & 0xffffffffn), Number(x >> 32n));
}

/** The bytes of any field (including 'bytes' fields such as GUEST_INSN_BYTES and whole segment slots). */
export function readFieldBytes(v: VmcbReader, name: VmcbLeafName): Uint8Array {
  const d = def(name);
  const out = new Uint8Array(d.size);
  for (let i = 0; i < d.size; i++) out[i] = v.read(d.offset + i, 1);
  return out;
}

export function writeFieldBytes(v: VmcbAccess, name: VmcbLeafName, bytes: Uint8Array): void {
  const d = def(name);
  if (bytes.length > d.size) throw new RangeError(`${bytes.length} bytes do not fit VMCB field ${name} (${d.size} bytes)`);
  for (let i = 0; i < bytes.length; i++) v.write(d.offset + i, 1, bytes[i]);
}

/** A segment slot of the save area (APM Table B-2). GDTR/IDTR use only limit and base. */
export interface VmcbSegment {
  selector: number;
  /** VMCB attrib format (segment-attrib.ts converts to the core's access rights). */
  attrib: number;
  limit: number;
  baseLo: number;
  baseHi: number;
}

function slot(name: VmcbSegmentName | VmcbDtrName): VmcbFieldDef {
  const d = def(name);
  if (d.kind !== 'segment' && d.kind !== 'dtr') throw new TypeError(`VMCB field ${name} is not a segment slot`);
  return d;
}

export function readSegment(v: VmcbReader, name: VmcbSegmentName | VmcbDtrName, out?: VmcbSegment): VmcbSegment {
  const o = slot(name).offset;
  const s = out ?? { selector: 0, attrib: 0, limit: 0, baseLo: 0, baseHi: 0 };
  s.selector = v.read(o + SEG_SELECTOR, 2);
  s.attrib = v.read(o + SEG_ATTRIB, 2);
  s.limit = v.read(o + SEG_LIMIT, 4) >>> 0;
  s.baseLo = v.read(o + SEG_BASE, 4) >>> 0;
  s.baseHi = v.read(o + SEG_BASE + 4, 4) >>> 0;
  return s;
}

export function writeSegment(v: VmcbAccess, name: VmcbSegmentName | VmcbDtrName, s: VmcbSegment): void {
  const o = slot(name).offset;
  v.write(o + SEG_SELECTOR, 2, s.selector & 0xffff);
  v.write(o + SEG_ATTRIB, 2, s.attrib & 0xffff);
  v.write(o + SEG_LIMIT, 4, s.limit >>> 0);
  v.write(o + SEG_BASE, 4, s.baseLo >>> 0);
  v.write(o + SEG_BASE + 4, 4, s.baseHi >>> 0);
}
