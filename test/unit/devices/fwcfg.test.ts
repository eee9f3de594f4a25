import { strict as assert } from 'assert';
import { FwCfg } from '../../../emulator/machine/devices/fwcfg';

function read(fw: FwCfg, key: number, n: number): number[] {
  fw.write(0x510, 2, key);
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(fw.read(0x511, 1));
  return out;
}

describe('devices: fw_cfg (QEMU docs/specs/fw_cfg.rst)', () => {
  const fw = () => new FwCfg({ ramBytes: 5 * 1024 * 1024 * 1024 + 0x1000, ncpus: 3 });

  it('signature key 0x0000 reads "QEMU"', () => {
    assert.equal(String.fromCharCode(...read(fw(), 0x0000, 4)), 'QEMU');
  });

  it('FW_CFG_ID has the traditional interface bit only (no DMA)', () => {
    assert.deepEqual(read(fw(), 0x0001, 4), [1, 0, 0, 0]);
  });

  it('RAM size is 64-bit little-endian; CPU counts 16-bit', () => {
    assert.deepEqual(read(fw(), 0x0003, 8), [0x00, 0x10, 0x00, 0x40, 0x01, 0, 0, 0]);
    assert.deepEqual(read(fw(), 0x0005, 2), [3, 0]);
    assert.deepEqual(read(fw(), 0x000f, 2), [3, 0]);
  });

  it('the file directory is empty: a big-endian count of 0', () => {
    assert.deepEqual(read(fw(), 0x0019, 4), [0, 0, 0, 0]);
  });

  it('reads past the end and of unknown keys return 0; selecting rewinds the offset', () => {
    const f = fw();
    assert.deepEqual(read(f, 0x0005, 4), [3, 0, 0, 0]);
    assert.deepEqual(read(f, 0x1234, 2), [0, 0]);
    assert.deepEqual(read(f, 0x0000, 2), [0x51, 0x45]);
    assert.deepEqual(read(f, 0x0000, 1), [0x51]);
  });

  it('data-port writes are ignored; the write-channel bit does not change the item', () => {
    const f = fw();
    f.write(0x510, 2, 0x4000);
    f.write(0x511, 1, 0xff);
    assert.deepEqual(read(f, 0x0000, 1), [0x51]);
  });

  it('added files appear in the directory with big-endian size and selector', () => {
    const f = fw();
    const key = f.addFile('opt/test', new Uint8Array([1, 2, 3]));
    assert.equal(key, 0x20);
    const dir = read(f, 0x19, 4 + 64);
    assert.deepEqual(dir.slice(0, 4), [0, 0, 0, 1]);
    assert.deepEqual(dir.slice(4, 8), [0, 0, 0, 3]);
    assert.deepEqual(dir.slice(8, 10), [0, 0x20]);
    assert.equal(String.fromCharCode(...dir.slice(12, 20)), 'opt/test');
    assert.equal(dir[20], 0);
    assert.deepEqual(read(f, 0x20, 3), [1, 2, 3]);
  });
});
