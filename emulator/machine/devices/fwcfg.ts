// QEMU's firmware configuration device, I/O-port flavour (QEMU
// docs/specs/fw_cfg.rst, "Guest-side Hardware Interface"): a 16-bit selector
// at 0x510 and an 8-bit data port at 0x511. Writing the selector picks an
// item and sets the data offset to 0; each data read returns the next byte;
// past the end of the item (or for an item that does not exist) reads return
// 0x00. Data-port writes are ignored (QEMU >= 2.4). The DMA interface is not
// offered (FW_CFG_ID bit 1 clear), so 0x514 stays unclaimed.
import { AccessSize, PortDevice } from '../bus';

export const FW_CFG_PORT_SEL = 0x510;
export const FW_CFG_PORT_DATA = 0x511;

// Selector keys (fw_cfg.rst and QEMU's include/standard-headers/linux/qemu_fw_cfg.h).
export const FW_CFG_SIGNATURE = 0x00;
export const FW_CFG_ID = 0x01;
export const FW_CFG_RAM_SIZE = 0x03;
export const FW_CFG_NB_CPUS = 0x05;
export const FW_CFG_MAX_CPUS = 0x0f;
export const FW_CFG_FILE_DIR = 0x19;
export const FW_CFG_FILE_FIRST = 0x20;
/** Bit 14: write channel (fw_cfg.rst "Selector (Control) Register"). */
const FW_CFG_WRITE_CHANNEL = 0x4000;
/** FWCfgFile.name is 56 bytes including the terminating NUL. */
const FILE_NAME_LEN = 56;

export interface FwCfgConfig {
  ramBytes: number;
  ncpus: number;
  maxCpus?: number;
}

function le(value: number, bytes: number): Uint8Array {
  const out = new Uint8Array(bytes);
  // Split so that values above 2^32 (RAM size) stay exact.
  let lo = value % 0x1_0000_0000;
  let hi = Math.floor(value / 0x1_0000_0000);
  for (let i = 0; i < bytes; i++) {
    if (i < 4) { out[i] = lo & 0xff; lo = Math.floor(lo / 256); } else { out[i] = hi & 0xff; hi = Math.floor(hi / 256); }
  }
  return out;
}

export class FwCfg implements PortDevice {
  private items = new Map<number, Uint8Array>();
  private files: { name: string; key: number }[] = [];
  private selected = 0;
  private offset = 0;

  constructor(cfg: FwCfgConfig) {
    this.items.set(FW_CFG_SIGNATURE, new Uint8Array([0x51, 0x45, 0x4d, 0x55])); // "QEMU"
    // FW_CFG_ID: 32-bit LE feature bitmap; bit 0 traditional interface (always set), bit 1 DMA (absent).
    this.items.set(FW_CFG_ID, le(1, 4));
    // FW_CFG_RAM_SIZE is 64-bit LE, FW_CFG_NB_CPUS and FW_CFG_MAX_CPUS 16-bit LE (QEMU's fw_cfg_add_i64/i16).
    this.items.set(FW_CFG_RAM_SIZE, le(cfg.ramBytes, 8));
    this.items.set(FW_CFG_NB_CPUS, le(cfg.ncpus, 2));
    this.items.set(FW_CFG_MAX_CPUS, le(cfg.maxCpus ?? cfg.ncpus, 2));
    this.rebuildDirectory();
  }

  /** Adds a named file item (listed in FW_CFG_FILE_DIR); returns its selector key. */
  addFile(name: string, data: Uint8Array): number {
    if (name.length >= FILE_NAME_LEN) throw new Error(`fw_cfg file name too long: ${name}`);
    const key = FW_CFG_FILE_FIRST + this.files.length;
    this.files.push({ name, key });
    this.items.set(key, data);
    this.rebuildDirectory();
    return key;
  }

  /** The item bytes for a key, for tests and the debugger. */
  item(key: number): Uint8Array | undefined {
    return this.items.get(key);
  }

  read(port: number, size: AccessSize): number {
    // Only the data port is readable; the selector is write-only.
    if (port !== FW_CFG_PORT_DATA) return 0;
    // QEMU's I/O data port is 8 bits wide; a wider read is taken as that many
    // consecutive byte reads in increasing address order ("string-preserving").
    let v = 0;
    for (let i = 0; i < size; i++) v |= this.nextByte() << (8 * i);
    return v >>> 0;
  }

  write(port: number, size: AccessSize, value: number): void {
    // The selector takes 16-bit writes at 0x510 only (QEMU's combined
    // 0x510-0x511 region drops other sizes). Data-port writes are ignored
    // since QEMU 2.4 (fw_cfg.rst, NOTE).
    if (port === FW_CFG_PORT_SEL && size === 2) {
      this.selected = value & 0xffff & ~FW_CFG_WRITE_CHANNEL;
      this.offset = 0;
    }
  }

  reset(): void {
    this.selected = 0;
    this.offset = 0;
  }

  private nextByte(): number {
    const data = this.items.get(this.selected);
    if (!data || this.offset >= data.length) return 0;
    return data[this.offset++];
  }

  /** FWCfgFiles: be32 count, then 64-byte entries {be32 size, be16 select, be16 reserved, char name[56]}. */
  private rebuildDirectory(): void {
    const dir = new Uint8Array(4 + 64 * this.files.length);
    const view = new DataView(dir.buffer);
    view.setUint32(0, this.files.length, false);
    this.files.forEach((f, i) => {
      const at = 4 + 64 * i;
      view.setUint32(at, this.items.get(f.key)!.length, false);
      view.setUint16(at + 4, f.key, false);
      for (let j = 0; j < f.name.length; j++) dir[at + 8 + j] = f.name.charCodeAt(j) & 0x7f;
    });
    this.items.set(FW_CFG_FILE_DIR, dir);
  }
}
