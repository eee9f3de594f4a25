// A bounds-checked little-endian cursor over one DWARF section (or a slice
// of one). Every read past the slice throws SymbolError with the section
// name and offset, so a truncated or corrupted section can never read
// another section's bytes, return undefined, or throw a RangeError.
// Encodings: DWARF5 7.6 (LEB128), 7.4 (32- and 64-bit DWARF formats).

import { SymbolError, hex } from './errors';

const utf8 = new TextDecoder('utf-8', { fatal: false });
/** Longest string (names, paths) accepted from a string section. */
const MAX_STRING = 64 * 1024;
const TWO32 = 0x1_0000_0000;

export class ByteReader {
  /** Absolute position in `bytes`. */
  pos: number;
  private readonly dv: DataView;

  /**
   * @param bytes the whole section
   * @param name  section name for messages ('.debug_line')
   * @param start first byte of the slice this reader may touch
   * @param end   one past its last byte
   */
  constructor(
    readonly bytes: Uint8Array,
    readonly name: string,
    readonly start = 0,
    readonly end = bytes.length,
  ) {
    if (start < 0 || end > bytes.length || start > end) {
      throw new SymbolError(`${name}: slice ${hex(start)}..${hex(end)} outside the section (size ${hex(bytes.length)})`);
    }
    this.pos = start;
    this.dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  /** A reader over [from, from+len) of the same section, bounded by this reader's end. */
  slice(from: number, len: number, what: string): ByteReader {
    if (from < this.start || len < 0 || from + len > this.end) {
      this.fail(`${what} (${hex(from)}+${hex(len)}) extends past the end of its container at ${hex(this.end)}`);
    }
    return new ByteReader(this.bytes, this.name, from, from + len);
  }

  get remaining(): number {
    return this.end - this.pos;
  }
  get atEnd(): boolean {
    return this.pos >= this.end;
  }

  fail(msg: string, at = this.pos): never {
    throw new SymbolError(`${this.name}+${hex(at)}: ${msg}`);
  }

  need(n: number, what: string): void {
    if (this.pos + n > this.end) this.fail(`truncated ${what}: need ${n} byte${n === 1 ? '' : 's'}, ${Math.max(0, this.end - this.pos)} left`);
  }

  seek(pos: number): void {
    if (pos < this.start || pos > this.end) this.fail(`offset ${hex(pos)} outside ${hex(this.start)}..${hex(this.end)}`);
    this.pos = pos;
  }

  skip(n: number, what = 'data'): void {
    if (n < 0 || !Number.isSafeInteger(n)) this.fail(`bad length ${n} for ${what}`);
    this.need(n, what);
    this.pos += n;
  }

  u8(what = 'byte'): number {
    this.need(1, what);
    return this.bytes[this.pos++];
  }
  i8(what = 'byte'): number {
    this.need(1, what);
    return (this.bytes[this.pos++] << 24) >> 24;
  }
  u16(what = 'uhalf'): number {
    this.need(2, what);
    const v = this.dv.getUint16(this.pos, true);
    this.pos += 2;
    return v;
  }
  i16(what = 'half'): number {
    this.need(2, what);
    const v = this.dv.getInt16(this.pos, true);
    this.pos += 2;
    return v;
  }
  u24(what = '3-byte value'): number {
    this.need(3, what);
    const b = this.bytes;
    const v = b[this.pos] | (b[this.pos + 1] << 8) | (b[this.pos + 2] << 16);
    this.pos += 3;
    return v;
  }
  u32(what = 'uword'): number {
    this.need(4, what);
    const v = this.dv.getUint32(this.pos, true);
    this.pos += 4;
    return v;
  }
  i32(what = 'word'): number {
    this.need(4, what);
    const v = this.dv.getInt32(this.pos, true);
    this.pos += 4;
    return v;
  }
  u64(what = 'udword'): bigint {
    this.need(8, what);
    const v = this.dv.getBigUint64(this.pos, true);
    this.pos += 8;
    return v;
  }
  i64(what = 'dword'): bigint {
    this.need(8, what);
    const v = this.dv.getBigInt64(this.pos, true);
    this.pos += 8;
    return v;
  }
  /** An 8-byte value that must fit a double exactly (offsets, lengths). */
  u64n(what = 'udword'): number {
    this.need(8, what);
    const lo = this.dv.getUint32(this.pos, true);
    const hi = this.dv.getUint32(this.pos + 4, true);
    if (hi >= 0x200000) this.fail(`${what} ${hex(this.dv.getBigUint64(this.pos, true))} is too large`);
    this.pos += 8;
    return hi * TWO32 + lo;
  }

  /** Unsigned LEB128 (DWARF5 7.6) as a number; values above 2^53 are an error. */
  uleb(what = 'ULEB128'): number {
    const start = this.pos;
    let result = 0;
    let mul = 1;
    for (;;) {
      if (this.pos >= this.end) this.fail(`truncated ${what}`, start);
      const b = this.bytes[this.pos++];
      result += (b & 0x7f) * mul;
      if ((b & 0x80) === 0) break;
      mul *= 128;
      if (mul > 2 ** 63) {
        // Padding (0x80 ... 0x00) is legal but never this long in practice.
        this.fail(`${what} longer than 10 bytes`, start);
      }
    }
    if (result > Number.MAX_SAFE_INTEGER) this.fail(`${what} value is too large`, start);
    return result;
  }

  /** Signed LEB128 (DWARF5 7.6) as a number; magnitudes above 2^53 are an error. */
  sleb(what = 'SLEB128'): number {
    const start = this.pos;
    let result = 0;
    let mul = 1;
    let b: number;
    for (;;) {
      if (this.pos >= this.end) this.fail(`truncated ${what}`, start);
      b = this.bytes[this.pos++];
      result += (b & 0x7f) * mul;
      mul *= 128;
      if ((b & 0x80) === 0) break;
      if (mul > 2 ** 63) this.fail(`${what} longer than 10 bytes`, start);
    }
    if (b & 0x40) result -= mul;
    if (!Number.isSafeInteger(result)) this.fail(`${what} value is too large`, start);
    return result;
  }

  /** Unsigned LEB128 as a 64-bit bigint (wraps like the target would). */
  ulebBig(what = 'ULEB128'): bigint {
    const start = this.pos;
    let result = 0n;
    let shift = 0n;
    for (;;) {
      if (this.pos >= this.end) this.fail(`truncated ${what}`, start);
      const b = this.bytes[this.pos++];
      if (shift < 64n) result |= BigInt(b & 0x7f) << shift;
      shift += 7n;
      if ((b & 0x80) === 0) break;
      if (shift > 70n) this.fail(`${what} longer than 10 bytes`, start);
    }
    return BigInt.asUintN(64, result);
  }

  /** Signed LEB128 as a bigint in [-2^63, 2^63). */
  slebBig(what = 'SLEB128'): bigint {
    const start = this.pos;
    let result = 0n;
    let shift = 0n;
    let b: number;
    for (;;) {
      if (this.pos >= this.end) this.fail(`truncated ${what}`, start);
      b = this.bytes[this.pos++];
      if (shift < 64n) result |= BigInt(b & 0x7f) << shift;
      shift += 7n;
      if ((b & 0x80) === 0) break;
      if (shift > 70n) this.fail(`${what} longer than 10 bytes`, start);
    }
    if (b & 0x40 && shift < 64n) result -= 1n << shift;
    return BigInt.asIntN(64, result);
  }

  /** NUL-terminated UTF-8 string (DW_FORM_string). */
  cstr(what = 'string'): string {
    const start = this.pos;
    const nul = this.bytes.indexOf(0, start);
    if (nul < 0 || nul >= this.end) this.fail(`${what} is not NUL-terminated`, start);
    this.pos = nul + 1;
    return decodeString(this.bytes, start, nul);
  }

  /** Skips a NUL-terminated string. */
  skipCstr(what = 'string'): void {
    const nul = this.bytes.indexOf(0, this.pos);
    if (nul < 0 || nul >= this.end) this.fail(`${what} is not NUL-terminated`);
    this.pos = nul + 1;
  }

  /** Raw bytes (a view). */
  block(n: number, what = 'block'): Uint8Array {
    this.skip(n, what);
    return this.bytes.subarray(this.pos - n, this.pos);
  }

  /** A section offset: 4 bytes in 32-bit DWARF, 8 in 64-bit DWARF (DWARF5 7.4). */
  offset(is64: boolean, what = 'section offset'): number {
    return is64 ? this.u64n(what) : this.u32(what);
  }

  /** A target address of `size` bytes (1, 2, 4 or 8). */
  address(size: number, what = 'address'): bigint {
    switch (size) {
      case 8:
        return this.u64(what);
      case 4:
        return BigInt(this.u32(what));
      case 2:
        return BigInt(this.u16(what));
      case 1:
        return BigInt(this.u8(what));
      default:
        return this.fail(`unsupported address size ${size}`);
    }
  }

  /**
   * An initial length field (DWARF5 7.4 and 7.2.2): 0xffffffff announces
   * 64-bit DWARF and an 8-byte length; 0xfffffff0..0xfffffffe are reserved.
   * Returns the unit's extent, checked against this reader's end.
   */
  initialLength(what: string): { is64: boolean; length: number; end: number } {
    const at = this.pos;
    let length = this.u32(`${what} unit_length`);
    let is64 = false;
    if (length === 0xffffffff) {
      is64 = true;
      length = this.u64n(`${what} unit_length`);
    } else if (length >= 0xfffffff0) {
      this.fail(`${what}: reserved unit_length value ${hex(length)}`, at);
    }
    const end = this.pos + length;
    if (end > this.end) {
      this.fail(`${what} length ${hex(length)} runs past the end of the section (${hex(this.end - this.pos)} bytes left)`, at);
    }
    return { is64, length, end };
  }
}

/** A NUL-terminated string at `off` in a string section (.debug_str, .debug_line_str). */
export function stringAt(sec: Uint8Array | undefined, name: string, off: number): string {
  if (!sec) throw new SymbolError(`string offset ${hex(off)} refers to ${name}, which the file does not have`);
  if (off < 0 || off >= sec.length) throw new SymbolError(`${name}: string offset ${hex(off)} beyond the section (size ${hex(sec.length)})`);
  // Bounded, so many offsets into a corrupted section without NULs cannot
  // cost quadratic time.
  const rel = sec.subarray(off, Math.min(sec.length, off + MAX_STRING)).indexOf(0);
  if (rel < 0) throw new SymbolError(`${name}+${hex(off)}: string is not NUL-terminated within ${MAX_STRING} bytes`);
  return decodeString(sec, off, off + rel);
}

/** bytes[start, end) as UTF-8; short ASCII strings (most names and paths) without TextDecoder. */
function decodeString(bytes: Uint8Array, start: number, end: number): string {
  if (end - start <= 64) {
    let s = '';
    let i = start;
    for (; i < end; i++) {
      const c = bytes[i];
      if (c >= 0x80) break;
      s += String.fromCharCode(c);
    }
    if (i === end) return s;
  }
  return utf8.decode(bytes.subarray(start, end));
}
