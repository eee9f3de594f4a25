// Attribute forms (DWARF5 7.5.6, Table 7.6; 7.5.5 for the classes): reading
// one value of any form, as used by .debug_info DIEs and by the DWARF 5
// .debug_line directory/file entry formats (DWARF5 6.2.4.1). Strings and
// addresses that go through an index (strx, addrx) or another section
// (strp, line_strp) are returned unresolved; the unit resolves them once it
// knows its DW_AT_str_offsets_base / DW_AT_addr_base.

import { hex } from './errors';
import { ByteReader } from './reader';

export const DW_FORM = {
  addr: 0x01,
  block2: 0x03,
  block4: 0x04,
  data2: 0x05,
  data4: 0x06,
  data8: 0x07,
  string: 0x08,
  block: 0x09,
  block1: 0x0a,
  data1: 0x0b,
  flag: 0x0c,
  sdata: 0x0d,
  strp: 0x0e,
  udata: 0x0f,
  ref_addr: 0x10,
  ref1: 0x11,
  ref2: 0x12,
  ref4: 0x13,
  ref8: 0x14,
  ref_udata: 0x15,
  indirect: 0x16,
  sec_offset: 0x17,
  exprloc: 0x18,
  flag_present: 0x19,
  strx: 0x1a,
  addrx: 0x1b,
  ref_sup4: 0x1c,
  strp_sup: 0x1d,
  data16: 0x1e,
  line_strp: 0x1f,
  ref_sig8: 0x20,
  implicit_const: 0x21,
  loclistx: 0x22,
  rnglistx: 0x23,
  ref_sup8: 0x24,
  strx1: 0x25,
  strx2: 0x26,
  strx3: 0x27,
  strx4: 0x28,
  addrx1: 0x29,
  addrx2: 0x2a,
  addrx3: 0x2b,
  addrx4: 0x2c,
  // GNU extensions (split DWARF before v5, dwz alternate files).
  GNU_addr_index: 0x1f01,
  GNU_str_index: 0x1f02,
  GNU_ref_alt: 0x1f20,
  GNU_strp_alt: 0x1f21,
} as const;

/** What a consumer needs to know about the unit to read a form (DWARF5 7.5.1). */
export interface FormContext {
  /** 64-bit DWARF: offsets (strp, sec_offset, ref_addr, line_strp) are 8 bytes. */
  is64: boolean;
  addressSize: number;
  version: number;
  /** Offset of the unit header in .debug_info, for unit-relative references. */
  unitOffset: number;
}

export type FormValue =
  | { kind: 'address'; value: bigint }
  | { kind: 'addrx'; index: number }
  /** data1/2/4/8, udata, flag, flag_present; `signed` for sdata and implicit_const. */
  | { kind: 'constant'; value: bigint; signed: boolean }
  | { kind: 'string'; value: string }
  | { kind: 'strp'; offset: number; section: '.debug_str' | '.debug_line_str' }
  | { kind: 'strx'; index: number }
  /** A .debug_info offset (unit-relative forms are made absolute). */
  | { kind: 'reference'; offset: number }
  | { kind: 'secOffset'; offset: number }
  | { kind: 'rnglistx'; index: number }
  | { kind: 'loclistx'; index: number }
  | { kind: 'block'; bytes: Uint8Array }
  /** Forms we can skip but not use (ref_sig8, supplementary-file forms). */
  | { kind: 'unsupported'; form: number };

const FLAG_PRESENT: FormValue = { kind: 'constant', value: 1n, signed: false };

/**
 * Reads one value of `form` at r.pos. `implicitConst` is the value stored in
 * the abbreviation for DW_FORM_implicit_const (DWARF5 7.5.3).
 */
export function readForm(r: ByteReader, form: number, ctx: FormContext, implicitConst = 0n): FormValue {
  // DW_FORM_indirect names the real form in the data; bound the chain so a
  // corrupted section cannot loop.
  for (let hops = 0; form === DW_FORM.indirect; hops++) {
    if (hops > 4) r.fail('DW_FORM_indirect chain too long');
    form = r.uleb('DW_FORM_indirect form');
    if (form === DW_FORM.implicit_const) r.fail('DW_FORM_indirect may not name DW_FORM_implicit_const');
  }
  switch (form) {
    case DW_FORM.addr:
      return { kind: 'address', value: r.address(ctx.addressSize, 'DW_FORM_addr') };
    case DW_FORM.data1:
      return { kind: 'constant', value: BigInt(r.u8()), signed: false };
    case DW_FORM.data2:
      return { kind: 'constant', value: BigInt(r.u16()), signed: false };
    case DW_FORM.data4:
      return { kind: 'constant', value: BigInt(r.u32()), signed: false };
    case DW_FORM.data8:
      return { kind: 'constant', value: r.u64(), signed: false };
    case DW_FORM.data16:
      return { kind: 'block', bytes: r.block(16, 'DW_FORM_data16') };
    case DW_FORM.udata:
      return { kind: 'constant', value: r.ulebBig(), signed: false };
    case DW_FORM.sdata:
      return { kind: 'constant', value: r.slebBig(), signed: true };
    case DW_FORM.implicit_const:
      return { kind: 'constant', value: implicitConst, signed: true };
    case DW_FORM.flag:
      return { kind: 'constant', value: BigInt(r.u8()), signed: false };
    case DW_FORM.flag_present:
      return FLAG_PRESENT;
    case DW_FORM.string:
      return { kind: 'string', value: r.cstr('DW_FORM_string') };
    case DW_FORM.strp:
      return { kind: 'strp', offset: r.offset(ctx.is64, 'DW_FORM_strp'), section: '.debug_str' };
    case DW_FORM.line_strp:
      return { kind: 'strp', offset: r.offset(ctx.is64, 'DW_FORM_line_strp'), section: '.debug_line_str' };
    case DW_FORM.strx:
    case DW_FORM.GNU_str_index:
      return { kind: 'strx', index: r.uleb('DW_FORM_strx') };
    case DW_FORM.strx1:
      return { kind: 'strx', index: r.u8() };
    case DW_FORM.strx2:
      return { kind: 'strx', index: r.u16() };
    case DW_FORM.strx3:
      return { kind: 'strx', index: r.u24() };
    case DW_FORM.strx4:
      return { kind: 'strx', index: r.u32() };
    case DW_FORM.addrx:
    case DW_FORM.GNU_addr_index:
      return { kind: 'addrx', index: r.uleb('DW_FORM_addrx') };
    case DW_FORM.addrx1:
      return { kind: 'addrx', index: r.u8() };
    case DW_FORM.addrx2:
      return { kind: 'addrx', index: r.u16() };
    case DW_FORM.addrx3:
      return { kind: 'addrx', index: r.u24() };
    case DW_FORM.addrx4:
      return { kind: 'addrx', index: r.u32() };
    // Unit-relative references (DWARF5 7.5.5 "reference" class).
    case DW_FORM.ref1:
      return { kind: 'reference', offset: ctx.unitOffset + r.u8() };
    case DW_FORM.ref2:
      return { kind: 'reference', offset: ctx.unitOffset + r.u16() };
    case DW_FORM.ref4:
      return { kind: 'reference', offset: ctx.unitOffset + r.u32() };
    case DW_FORM.ref8:
      return { kind: 'reference', offset: ctx.unitOffset + r.u64n('DW_FORM_ref8') };
    case DW_FORM.ref_udata:
      return { kind: 'reference', offset: ctx.unitOffset + r.uleb('DW_FORM_ref_udata') };
    case DW_FORM.ref_addr:
      // DWARF 2 made ref_addr address-sized; DWARF 3+ offset-sized (DWARF5 7.5.4 / Appendix F).
      return { kind: 'reference', offset: ctx.version <= 2 ? Number(r.address(ctx.addressSize)) : r.offset(ctx.is64, 'DW_FORM_ref_addr') };
    case DW_FORM.sec_offset:
      return { kind: 'secOffset', offset: r.offset(ctx.is64, 'DW_FORM_sec_offset') };
    case DW_FORM.rnglistx:
      return { kind: 'rnglistx', index: r.uleb('DW_FORM_rnglistx') };
    case DW_FORM.loclistx:
      return { kind: 'loclistx', index: r.uleb('DW_FORM_loclistx') };
    case DW_FORM.exprloc:
    case DW_FORM.block:
      return { kind: 'block', bytes: r.block(r.uleb('block length'), 'DW_FORM_block') };
    case DW_FORM.block1:
      return { kind: 'block', bytes: r.block(r.u8(), 'DW_FORM_block1') };
    case DW_FORM.block2:
      return { kind: 'block', bytes: r.block(r.u16(), 'DW_FORM_block2') };
    case DW_FORM.block4:
      return { kind: 'block', bytes: r.block(r.u32(), 'DW_FORM_block4') };
    case DW_FORM.ref_sig8:
      r.skip(8, 'DW_FORM_ref_sig8');
      return { kind: 'unsupported', form };
    case DW_FORM.ref_sup4:
      r.skip(4, 'DW_FORM_ref_sup4');
      return { kind: 'unsupported', form };
    case DW_FORM.ref_sup8:
      r.skip(8, 'DW_FORM_ref_sup8');
      return { kind: 'unsupported', form };
    case DW_FORM.strp_sup:
    case DW_FORM.GNU_ref_alt:
    case DW_FORM.GNU_strp_alt:
      r.offset(ctx.is64);
      return { kind: 'unsupported', form };
    default:
      return r.fail(`unknown attribute form ${hex(form)}`);
  }
}

/**
 * The size of a value of `form` when it does not depend on the data, or -1
 * (LEB128, strings, blocks, indirect). Lets a DIE whose attributes are all
 * fixed-size be skipped in one step.
 */
export function fixedFormSize(form: number, ctx: FormContext): number {
  const off = ctx.is64 ? 8 : 4;
  switch (form) {
    case DW_FORM.flag_present:
    case DW_FORM.implicit_const:
      return 0;
    case DW_FORM.data1:
    case DW_FORM.ref1:
    case DW_FORM.flag:
    case DW_FORM.strx1:
    case DW_FORM.addrx1:
      return 1;
    case DW_FORM.data2:
    case DW_FORM.ref2:
    case DW_FORM.strx2:
    case DW_FORM.addrx2:
      return 2;
    case DW_FORM.strx3:
    case DW_FORM.addrx3:
      return 3;
    case DW_FORM.data4:
    case DW_FORM.ref4:
    case DW_FORM.ref_sup4:
    case DW_FORM.strx4:
    case DW_FORM.addrx4:
      return 4;
    case DW_FORM.data8:
    case DW_FORM.ref8:
    case DW_FORM.ref_sig8:
    case DW_FORM.ref_sup8:
      return 8;
    case DW_FORM.data16:
      return 16;
    case DW_FORM.addr:
      return ctx.addressSize;
    case DW_FORM.ref_addr:
      return ctx.version <= 2 ? ctx.addressSize : off;
    case DW_FORM.strp:
    case DW_FORM.line_strp:
    case DW_FORM.sec_offset:
    case DW_FORM.strp_sup:
    case DW_FORM.GNU_ref_alt:
    case DW_FORM.GNU_strp_alt:
      return off;
    default:
      return -1;
  }
}

/** Skips one value of `form` without building it. */
export function skipForm(r: ByteReader, form: number, ctx: FormContext): void {
  const n = fixedFormSize(form, ctx);
  if (n >= 0) {
    r.skip(n, 'attribute value');
    return;
  }
  switch (form) {
    case DW_FORM.udata:
    case DW_FORM.sdata:
    case DW_FORM.ref_udata:
    case DW_FORM.strx:
    case DW_FORM.addrx:
    case DW_FORM.loclistx:
    case DW_FORM.rnglistx:
    case DW_FORM.GNU_addr_index:
    case DW_FORM.GNU_str_index:
      r.uleb('attribute value');
      return;
    case DW_FORM.string:
      r.skipCstr('DW_FORM_string');
      return;
    case DW_FORM.exprloc:
    case DW_FORM.block:
      r.skip(r.uleb('block length'), 'DW_FORM_block');
      return;
    case DW_FORM.block1:
      r.skip(r.u8(), 'DW_FORM_block1');
      return;
    case DW_FORM.block2:
      r.skip(r.u16(), 'DW_FORM_block2');
      return;
    case DW_FORM.block4:
      r.skip(r.u32(), 'DW_FORM_block4');
      return;
    default:
      readForm(r, form, ctx); // indirect, or an unknown form (which throws)
  }
}

/** A constant-class value as a number (unsigned forms must fit 2^53). */
export function constantNumber(v: FormValue | undefined): number | undefined {
  if (!v || v.kind !== 'constant') return undefined;
  const n = v.signed ? BigInt.asIntN(64, v.value) : v.value;
  if (n > BigInt(Number.MAX_SAFE_INTEGER) || n < -BigInt(Number.MAX_SAFE_INTEGER)) return undefined;
  return Number(n);
}
