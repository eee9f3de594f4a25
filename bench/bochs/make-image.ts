// make-image: a bootable disk image for Bochs from a multiboot v1 kernel:
// bench/bochs/build/loader.bin (see loader.S) followed by the kernel's load
// image, with the loader's parameter block and command-line field patched.
// Only kernels whose multiboot header carries the a.out-kludge addresses
// (flag bit 16) are supported — the form QEMU's -kernel needs for ELF64.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/** The directory holding loader.S and the Makefile, from the sources or from out/. */
export function bochsDir(): string {
  for (const d of [__dirname, path.join(__dirname, '..', '..', '..', 'bench', 'bochs')])
    if (fs.existsSync(path.join(d, 'loader.S'))) return d;
  throw new Error(`bench/bochs/loader.S not found from ${__dirname}`);
}

/** Builds build/loader.bin if it is missing or stale (needs gcc -m32, ld, objcopy). */
export function buildLoader(): string {
  const dir = bochsDir();
  const r = spawnSync('make', ['-s', '-C', dir], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`make -C ${dir} failed: ${r.stderr || r.error}`);
  return path.join(dir, 'build', 'loader.bin');
}

export interface MultibootLoad {
  headerOffset: number;   // file offset of the header
  fileOffset: number;     // file offset of the byte that goes to loadAddr
  loadAddr: number;
  loadEndAddr: number;    // exclusive
  bssEndAddr: number;     // 0: no bss
  entryAddr: number;
}

/** Multiboot 0.6.96 §3.1.1-3.1.3: the header lies 4-byte aligned in the first
 *  8192 bytes; magic + flags + checksum = 0 (mod 2^32); with flag 16 the
 *  address fields follow. The image loaded to load_addr starts header_addr -
 *  load_addr bytes before the header; load_end_addr 0 means "to the end of
 *  the file", bss_end_addr 0 means no bss. */
export function parseMultiboot(file: Uint8Array): MultibootLoad {
  const dv = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const limit = Math.min(8192, file.length) - 32;
  for (let off = 0; off <= limit; off += 4) {
    if (dv.getUint32(off, true) !== 0x1badb002) continue;
    const flags = dv.getUint32(off + 4, true);
    if (((0x1badb002 + flags + dv.getUint32(off + 8, true)) >>> 0) !== 0) continue;
    if (!(flags & (1 << 16))) throw new Error('multiboot header without the a.out-kludge addresses (flag bit 16): not supported');
    const [headerAddr, loadAddr, loadEnd, bssEnd, entryAddr] = [12, 16, 20, 24, 28].map((o) => dv.getUint32(off + o, true));
    const fileOffset = off - (headerAddr - loadAddr);
    if (fileOffset < 0) throw new Error('multiboot header: header_addr - load_addr lies before the start of the file');
    const loadEndAddr = loadEnd || loadAddr + (file.length - fileOffset);
    if (loadEndAddr < loadAddr || fileOffset + (loadEndAddr - loadAddr) > file.length)
      throw new Error('multiboot header: load_end_addr beyond the end of the file');
    return { headerOffset: off, fileOffset, loadAddr, loadEndAddr, bssEndAddr: bssEnd, entryAddr };
  }
  throw new Error('no multiboot v1 header in the first 8 KiB');
}

export interface ImageOptions {
  out?: string;           // image path; default: a new temporary directory
  floppy?: boolean;       // 1.44 MB floppy (CHS reads) instead of a hard disk (EDD reads)
}

/** Hard-disk geometry Bochs is told (bochsrc ata0-master): 16 heads, 63 sectors. */
export const DISK_HEADS = 16, DISK_SPT = 63;
const FLOPPY_BYTES = 1474560;

/** Writes the disk image and returns its path. */
export function makeImage(kernelElf: string, cmdline: string, opts: ImageOptions = {}): string {
  const loader = fs.readFileSync(buildLoader());
  const ldv = new DataView(loader.buffer, loader.byteOffset, loader.byteLength);
  if (loader.toString('latin1', 4, 8) !== 'NVBL') throw new Error('loader.bin: parameter block magic missing');
  const loaderSectors = ldv.getUint16(32, true);
  const cmdOff = ldv.getUint16(34, true), cmdSize = ldv.getUint16(36, true);
  if (loader.length !== loaderSectors * 512) throw new Error('loader.bin: size does not match its sector count');

  const kernel = new Uint8Array(fs.readFileSync(kernelElf));
  const mb = parseMultiboot(kernel);
  // The loader uses memory below 1 MiB (stage 2, buffer, info structure).
  if (mb.loadAddr < 0x100000) throw new Error(`kernel load address 0x${mb.loadAddr.toString(16)} is below 1 MiB`);
  const bytes = mb.loadEndAddr - mb.loadAddr;
  const cmd = Buffer.from(cmdline, 'latin1');
  if (cmd.length >= cmdSize || cmd.includes(0)) throw new Error(`command line must be under ${cmdSize} bytes without NUL`);

  const img = Buffer.alloc(loader.length + Math.ceil(bytes / 512) * 512);
  loader.copy(img);
  const p = [loaderSectors, bytes, mb.loadAddr, mb.loadEndAddr, mb.bssEndAddr, mb.entryAddr];
  p.forEach((v, i) => img.writeUInt32LE(v >>> 0, 8 + 4 * i));
  img.fill(0, cmdOff, cmdOff + cmdSize);
  cmd.copy(img, cmdOff);
  img.set(kernel.subarray(mb.fileOffset, mb.fileOffset + bytes), loader.length);

  // Bochs wants a flat image of exactly the configured size: whole
  // cylinders of DISK_HEADS x DISK_SPT sectors, or a full 1.44 MB floppy.
  const cyl = DISK_HEADS * DISK_SPT * 512;
  const size = opts.floppy ? FLOPPY_BYTES : Math.ceil(img.length / cyl) * cyl;
  if (img.length > size) throw new Error('kernel too large for a floppy image');
  const out = opts.out ?? path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'nestvirt-bochs-')), 'disk.img');
  const fd = fs.openSync(out, 'w');
  try {
    fs.writeSync(fd, img);
    fs.ftruncateSync(fd, size);
  } finally {
    fs.closeSync(fd);
  }
  return out;
}
