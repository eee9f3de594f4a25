// The MC146818-compatible RTC and CMOS RAM at ports 0x70 (index; bit 7 is the
// NMI-disable gate on PC chipsets) and 0x71 (data). Register layout from the
// Motorola MC146818A datasheet (time, alarm, registers A–D); the memory-size
// bytes are the ones QEMU's pc_cmos_init stores for firmware (SeaBIOS reads
// them): 0x15/0x16, 0x17/0x18, 0x30/0x31, 0x34/0x35, 0x5b–0x5d.
//
// Time is deterministic: the clock reads 2026-01-01 00:00:00 at tick 0 and
// advances with guest time (1e9 ticks = 1 s). Register A never shows an update
// in progress (UIP = 0), so a guest's "wait for UIP to clear" loop ends at once.
// The periodic/alarm/update-ended interrupts (IRQ8) are not implemented.
import { AccessSize, PortDevice } from '../bus';
import { Clock, TICKS_PER_SECOND } from '../clock';
import { DeviceDiag } from './diag';

export const CMOS_PORT_INDEX = 0x70;
export const CMOS_PORT_DATA = 0x71;

/** Seconds since the Unix epoch of 2026-01-01 00:00:00 UTC, the time at tick 0. */
export const RTC_EPOCH_SECONDS = Date.UTC(2026, 0, 1, 0, 0, 0) / 1000;

const SEC = 0x00, MIN = 0x02, HOUR = 0x04, WDAY = 0x06, MDAY = 0x07, MONTH = 0x08, YEAR = 0x09;
const REG_A = 0x0a, REG_B = 0x0b, REG_C = 0x0c, REG_D = 0x0d, CENTURY = 0x32;
// Register B bits (MC146818A).
const B_SET = 0x80, B_PIE = 0x40, B_AIE = 0x20, B_UIE = 0x10, B_DM_BINARY = 0x04, B_24H = 0x02;
const D_VRT = 0x80;

export interface CmosMemoryLayout {
  ramBelow4g: number;
  ramAbove4g: number;
  ncpus: number;
}

const KiB = 1024;
const MiB = 1024 * KiB;

const toBcd = (v: number): number => ((Math.floor(v / 10) % 10) << 4) | (v % 10);
const fromBcd = (v: number): number => (v >> 4) * 10 + (v & 0xf);

export class Cmos implements PortDevice {
  readonly ram = new Uint8Array(128);
  private index = 0;
  /** Port 0x70 bit 7 as last written: NMIs are gated off while set. */
  nmiDisabled = false;
  /** Seconds added to the guest-time-derived clock by guest writes. */
  private offsetSeconds = 0;
  /** While register B.SET is 1 the clock stands still at this value. */
  private frozenAt: number | null = null;

  constructor(private clock: Clock, private diag: DeviceDiag, private layout: CmosMemoryLayout) {
    this.reset();
  }

  reset(): void {
    this.ram.fill(0);
    this.index = 0;
    this.nmiDisabled = false;
    this.offsetSeconds = 0;
    this.frozenAt = null;
    // MC146818A: A = 0x26 (32.768 kHz time base, 1024 Hz rate), B = 24-hour
    // BCD (what QEMU and PC firmware use), D.VRT = valid RAM and time.
    this.ram[REG_A] = 0x26;
    this.ram[REG_B] = B_24H;
    this.ram[REG_D] = D_VRT;
    this.storeMemorySizes();
  }

  /** Seconds since the Unix epoch as the RTC currently shows it. */
  nowSeconds(): number {
    if (this.frozenAt !== null) return this.frozenAt;
    return RTC_EPOCH_SECONDS + Math.floor(this.clock.now() / TICKS_PER_SECOND) + this.offsetSeconds;
  }

  read(port: number, _size: AccessSize): number {
    // The index port is write-only on PC chipsets; QEMU reads it as 0xff.
    if (port === CMOS_PORT_INDEX) return 0xff;
    return this.readReg(this.index);
  }

  write(port: number, _size: AccessSize, value: number): void {
    if (port === CMOS_PORT_INDEX) {
      this.index = value & 0x7f;
      this.nmiDisabled = (value & 0x80) !== 0;
      return;
    }
    this.writeReg(this.index, value & 0xff);
  }

  readReg(reg: number): number {
    switch (reg) {
      case SEC: case MIN: case HOUR: case WDAY: case MDAY: case MONTH: case YEAR: case CENTURY:
        return this.timeField(reg, this.nowSeconds());
      case REG_A:
        return this.ram[REG_A] & 0x7f; // UIP (bit 7) always clear
      case REG_C: {
        // Interrupt flags; read-to-clear. We raise none, so this is 0.
        const v = this.ram[REG_C];
        this.ram[REG_C] = 0;
        return v;
      }
      case REG_D:
        return D_VRT;
      default:
        return this.ram[reg];
    }
  }

  writeReg(reg: number, value: number): void {
    switch (reg) {
      case SEC: case MIN: case HOUR: case WDAY: case MDAY: case MONTH: case YEAR: case CENTURY:
        this.setTimeField(reg, value);
        return;
      case REG_A:
        this.ram[REG_A] = value & 0x7f; // UIP is read-only
        return;
      case REG_B: {
        const old = this.ram[REG_B];
        // MC146818A: SET = 1 stops updates so software can load a new time;
        // clearing it resumes counting from the loaded time.
        if (value & B_SET && !(old & B_SET)) this.frozenAt = this.nowSeconds();
        if (!(value & B_SET) && old & B_SET && this.frozenAt !== null) {
          const t = this.frozenAt;
          this.frozenAt = null;
          this.offsetSeconds += t - this.nowSeconds();
        }
        if (value & (B_PIE | B_AIE | B_UIE)) {
          this.diag.once('rtc-irq', 'not-implemented', `RTC interrupts (register B = ${value.toString(16)}h) are not implemented; IRQ8 is never raised`);
        }
        this.ram[REG_B] = value;
        return;
      }
      case REG_C: case REG_D:
        return; // read-only
      default:
        this.ram[reg] = value;
    }
  }

  private encode(v: number): number {
    return this.ram[REG_B] & B_DM_BINARY ? v : toBcd(v);
  }

  private decode(v: number): number {
    return this.ram[REG_B] & B_DM_BINARY ? v : fromBcd(v);
  }

  private timeField(reg: number, seconds: number): number {
    const d = new Date(seconds * 1000); // pure conversion, no wall clock
    switch (reg) {
      case SEC: return this.encode(d.getUTCSeconds());
      case MIN: return this.encode(d.getUTCMinutes());
      case HOUR: {
        const h = d.getUTCHours();
        if (this.ram[REG_B] & B_24H) return this.encode(h);
        // 12-hour mode: 1..12, bit 7 = PM (MC146818A, "hours" register).
        const h12 = h % 12 === 0 ? 12 : h % 12;
        return this.encode(h12) | (h >= 12 ? 0x80 : 0);
      }
      case WDAY: return this.encode(d.getUTCDay() + 1); // 1 = Sunday
      case MDAY: return this.encode(d.getUTCDate());
      case MONTH: return this.encode(d.getUTCMonth() + 1);
      case YEAR: return this.encode(d.getUTCFullYear() % 100);
      default: return this.encode(Math.floor(d.getUTCFullYear() / 100)); // CENTURY
    }
  }

  /** A guest write to one time field: the clock continues from the edited date. */
  private setTimeField(reg: number, raw: number): void {
    const now = this.nowSeconds();
    const d = new Date(now * 1000);
    let year = d.getUTCFullYear(), month = d.getUTCMonth(), day = d.getUTCDate();
    let hour = d.getUTCHours(), min = d.getUTCMinutes(), sec = d.getUTCSeconds();
    switch (reg) {
      case SEC: sec = this.decode(raw); break;
      case MIN: min = this.decode(raw); break;
      case HOUR:
        if (this.ram[REG_B] & B_24H) hour = this.decode(raw);
        else hour = (this.decode(raw & 0x7f) % 12) + (raw & 0x80 ? 12 : 0);
        break;
      case WDAY: return; // derived from the date
      case MDAY: day = this.decode(raw); break;
      case MONTH: month = this.decode(raw) - 1; break;
      case YEAR: year = Math.floor(year / 100) * 100 + this.decode(raw); break;
      default: year = this.decode(raw) * 100 + (year % 100); break; // CENTURY
    }
    const t = Date.UTC(year, month, day, hour, min, sec) / 1000;
    if (!Number.isFinite(t)) return;
    if (this.frozenAt !== null) this.frozenAt = t;
    else this.offsetSeconds += t - now;
  }

  /** The memory-size bytes as QEMU's pc_cmos_init computes them. */
  private storeMemorySizes(): void {
    const { ramBelow4g, ramAbove4g, ncpus } = this.layout;
    const put16 = (at: number, v: number) => { this.ram[at] = v & 0xff; this.ram[at + 1] = (v >> 8) & 0xff; };
    // Base memory in KiB (first MiB), at most 640.
    put16(0x15, Math.min(Math.floor(ramBelow4g / KiB), 640));
    // Extended memory above 1 MiB in KiB, capped at 0xffff; stored twice.
    const ext = Math.min(ramBelow4g > MiB ? Math.floor((ramBelow4g - MiB) / KiB) : 0, 0xffff);
    put16(0x17, ext);
    put16(0x30, ext);
    // Memory between 16 MiB and 4 GiB in 64 KiB units, capped at 0xffff.
    put16(0x34, Math.min(ramBelow4g > 16 * MiB ? Math.floor((ramBelow4g - 16 * MiB) / (64 * KiB)) : 0, 0xffff));
    // Memory above 4 GiB in 64 KiB units, 24 bits.
    const high = Math.floor(ramAbove4g / (64 * KiB));
    this.ram[0x5b] = high & 0xff;
    this.ram[0x5c] = (high >> 8) & 0xff;
    this.ram[0x5d] = (high >> 16) & 0xff;
    // QEMU also stores the CPU count minus one at 0x5f (SeaBIOS reads it).
    this.ram[0x5f] = Math.max(0, ncpus - 1);
  }
}
