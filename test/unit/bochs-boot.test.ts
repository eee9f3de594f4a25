// The Bochs boot path of the benchmark (bench/bochs): the multiboot header
// parser, the disk image make-image writes, and — with NESTVIRT_LONG=1 and
// Bochs installed — a real boot of the intloop benchmark kernel, whose
// checksum for 1000 iterations was measured under qemu-system-x86_64 -kernel.
import { strict as assert } from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { DISK_HEADS, DISK_SPT, buildLoader, makeImage, parseMultiboot } from '../../bench/bochs/make-image';
import { runBochs } from '../../bench/bochs/run-bochs';

const LONG = !!process.env.NESTVIRT_LONG;
const root = path.join(__dirname, '..', '..', '..');

function have(cmd: string, args: string[] = ['--version']): boolean {
  return spawnSync(cmd, args, { stdio: 'ignore' }).status === 0;
}

/** A file with an a.out-kludge multiboot header at `at`; the image starts `skew` bytes before it. */
function kludgeFile(opts: { at: number; size: number; loadAddr: number; skew: number; loadEnd: number; bssEnd: number; entry: number; flags?: number }): Uint8Array {
  const b = Buffer.alloc(opts.size);
  for (let i = 0; i < b.length; i++) b[i] = (i * 7 + 3) & 0xff;
  const flags = opts.flags ?? 0x00010003;
  const f = [0x1badb002, flags, (-(0x1badb002 + flags)) >>> 0, opts.loadAddr + opts.skew, opts.loadAddr, opts.loadEnd, opts.bssEnd, opts.entry];
  f.forEach((v, i) => b.writeUInt32LE(v >>> 0, opts.at + 4 * i));
  return new Uint8Array(b);
}

describe('bench/bochs: multiboot boot loader for Bochs', () => {
  describe('parseMultiboot (Multiboot 0.6.96 §3.1)', () => {
    it('derives the file offset of load_addr from header_addr', () => {
      const f = kludgeFile({ at: 0x1000, size: 0x3000, loadAddr: 0x100000, skew: 0, loadEnd: 0x101800, bssEnd: 0x105000, entry: 0x100020 });
      assert.deepEqual(parseMultiboot(f), { headerOffset: 0x1000, fileOffset: 0x1000, loadAddr: 0x100000, loadEndAddr: 0x101800, bssEndAddr: 0x105000, entryAddr: 0x100020 });
      const g = kludgeFile({ at: 0x40, size: 0x1000, loadAddr: 0x200000, skew: 0x20, loadEnd: 0, bssEnd: 0, entry: 0x200000 });
      const m = parseMultiboot(g);
      assert.equal(m.fileOffset, 0x20);
      assert.equal(m.loadEndAddr, 0x200000 + 0x1000 - 0x20, 'load_end_addr 0: the rest of the file');
      assert.equal(m.bssEndAddr, 0);
    });
    it('skips a bad checksum and refuses headers it cannot load', () => {
      const f = kludgeFile({ at: 0x100, size: 0x2000, loadAddr: 0x100000, skew: 0, loadEnd: 0x100100, bssEnd: 0, entry: 0x100000 });
      f[0x108] ^= 1;
      assert.throws(() => parseMultiboot(f), /no multiboot v1 header/);
      const elfOnly = kludgeFile({ at: 0x100, size: 0x2000, loadAddr: 0x100000, skew: 0, loadEnd: 0, bssEnd: 0, entry: 0x100000, flags: 3 });
      assert.throws(() => parseMultiboot(elfOnly), /a\.out-kludge/);
      const late = kludgeFile({ at: 8192, size: 0x3000, loadAddr: 0x100000, skew: 0, loadEnd: 0, bssEnd: 0, entry: 0x100000 });
      assert.throws(() => parseMultiboot(late), /first 8 KiB/);
      const beyond = kludgeFile({ at: 0x100, size: 0x1000, loadAddr: 0x100000, skew: 0, loadEnd: 0x101000, bssEnd: 0, entry: 0x100000 });
      assert.throws(() => parseMultiboot(beyond), /beyond the end/);
    });
  });

  describe('makeImage', () => {
    let dir = '';
    before(function () {
      if (!have('make') || !have('objcopy')) this.skip();
      try { buildLoader(); } catch { this.skip(); }   // needs gcc -m32 (32-bit as)
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nestvirt-bochs-test-'));
    });
    after(() => { if (dir) fs.rmSync(dir, { recursive: true, force: true }); });

    it('patches the parameter block and command line and appends the load image', () => {
      const kernel = path.join(dir, 'k.bin');
      const f = kludgeFile({ at: 0x1000, size: 0x1a00, loadAddr: 0x100000, skew: 0, loadEnd: 0x100a00, bssEnd: 0x104000, entry: 0x100020 });
      fs.writeFileSync(kernel, f);
      const img = fs.readFileSync(makeImage(kernel, 'bench iters=42', { out: path.join(dir, 'disk.img') }));
      assert.equal(img.toString('latin1', 4, 8), 'NVBL');
      assert.equal(img.readUInt16LE(510), 0xaa55);
      const sectors = img.readUInt16LE(32);
      const fields = [0, 1, 2, 3, 4, 5].map((i) => img.readUInt32LE(8 + 4 * i));
      assert.deepEqual(fields, [sectors, 0xa00, 0x100000, 0x100a00, 0x104000, 0x100020]);
      const cmd = img.readUInt16LE(34), size = img.readUInt16LE(36);
      assert.equal(img.toString('latin1', cmd, cmd + 15), 'bench iters=42\0');
      assert.ok(img.subarray(cmd + 15, cmd + size).every((b) => b === 0));
      assert.deepEqual(img.subarray(sectors * 512, sectors * 512 + 0xa00), Buffer.from(f.subarray(0x1000, 0x1a00)));
      assert.equal(img.length % (DISK_HEADS * DISK_SPT * 512), 0);
      assert.throws(() => makeImage(kernel, 'x'.repeat(size), { out: path.join(dir, 'd2.img') }), /command line/);
    });
  });

  describe('booting in Bochs', () => {
    const kernel = path.join(root, 'bench', 'kernels', 'build', 'intloop.elf');
    it('intloop prints the checksum QEMU prints (NESTVIRT_LONG=1)', function () {
      if (!LONG || !have('bochs', ['--help']) || !have('make') || !have('gcc')) this.skip();
      if (spawnSync('make', ['-s', '-C', path.join(root, 'bench', 'kernels')], { stdio: 'ignore' }).status !== 0) this.skip();
      this.timeout(120000);
      for (const floppy of [false, true]) {
        const r = runBochs(kernel, 'bench iters=1000', { timeoutMs: 60000, floppy });
        assert.equal(r.serial, 'intloop: 1000 iterations, checksum 3c32092ea7b13bd1\n', floppy ? 'floppy (CHS reads)' : 'hard disk (EDD reads)');
        assert.ok(r.entrySeconds > 0 && r.entrySeconds <= r.seconds);
      }
    });
  });
});
