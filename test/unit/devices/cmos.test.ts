import { strict as assert } from 'assert';
import { Cmos } from '../../../emulator/machine/devices/cmos';
import { makeDiag } from './helpers';

const MiB = 1024 * 1024;

function setup(below = 256 * MiB, above = 0) {
  const { clock, diag, rec } = makeDiag('cmos');
  const cmos = new Cmos(clock, diag, { ramBelow4g: below, ramAbove4g: above, ncpus: 2 });
  const rd = (i: number) => { cmos.write(0x70, 1, i); return cmos.read(0x71, 1); };
  const wr = (i: number, v: number) => { cmos.write(0x70, 1, i); cmos.write(0x71, 1, v); };
  return { clock, cmos, rd, wr, rec };
}

describe('devices: CMOS / RTC', () => {
  it('stores QEMU\'s memory-size bytes', () => {
    const { rd } = setup(256 * MiB);
    assert.equal(rd(0x15) | (rd(0x16) << 8), 640);
    assert.equal(rd(0x17) | (rd(0x18) << 8), 0xffff, 'extended KiB capped');
    assert.equal(rd(0x30) | (rd(0x31) << 8), 0xffff);
    assert.equal(rd(0x34) | (rd(0x35) << 8), (256 - 16) * 16, '64 KiB units above 16 MiB');
    assert.equal(rd(0x5b) | (rd(0x5c) << 8) | (rd(0x5d) << 16), 0);
    assert.equal(rd(0x5f), 1, 'CPUs - 1');
  });

  it('small and large memory: extended KiB below the cap, memory above 4 GiB in 64 KiB units', () => {
    const small = setup(32 * MiB);
    assert.equal(small.rd(0x17) | (small.rd(0x18) << 8), 31 * 1024);
    assert.equal(small.rd(0x34) | (small.rd(0x35) << 8), 16 * 16);
    const big = setup(3 * 1024 * MiB, 5 * 1024 * MiB);
    assert.equal(big.rd(0x34) | (big.rd(0x35) << 8), (3072 - 16) * 16);
    assert.equal(big.rd(0x5b) | (big.rd(0x5c) << 8) | (big.rd(0x5d) << 16), 5 * 1024 * 16);
  });

  it('reads 2026-01-01 00:00:00 (a Thursday) in BCD at tick 0, with UIP clear and VRT set', () => {
    const { rd } = setup();
    assert.deepEqual([0, 2, 4, 6, 7, 8, 9, 0x32].map(rd), [0, 0, 0, 5, 1, 1, 0x26, 0x20]);
    assert.equal(rd(0x0a) & 0x80, 0);
    assert.equal(rd(0x0a), 0x26);
    assert.equal(rd(0x0b), 0x02);
    assert.equal(rd(0x0d), 0x80);
  });

  it('advances with guest time and honours binary and 12-hour modes', () => {
    const { clock, rd, wr } = setup();
    clock.ticks = (13 * 3600 + 59 * 60 + 42) * 1e9 + 5;
    assert.deepEqual([4, 2, 0].map(rd), [0x13, 0x59, 0x42]);
    wr(0x0b, 0x06); // binary, 24h
    assert.deepEqual([4, 2, 0].map(rd), [13, 59, 42]);
    wr(0x0b, 0x04); // binary, 12h
    assert.equal(rd(4), 0x80 | 1, '1 PM');
  });

  it('a guest can set the time (SET bit freezes, clearing it resumes)', () => {
    const { clock, rd, wr } = setup();
    wr(0x0b, 0x82); // SET, BCD, 24h
    wr(0x09, 0x30);
    wr(0x08, 0x06);
    wr(0x07, 0x15);
    wr(0x04, 0x12);
    clock.ticks += 5e9;
    assert.equal(rd(0), 0, 'frozen while SET');
    wr(0x0b, 0x02);
    clock.ticks += 3e9;
    assert.deepEqual([9, 8, 7, 4, 2, 0].map(rd), [0x30, 0x06, 0x15, 0x12, 0x00, 0x03]);
  });

  it('port 0x70 bit 7 is the NMI disable gate; the index has 7 bits', () => {
    const { cmos, rd } = setup();
    cmos.write(0x70, 1, 0x80 | 0x15);
    assert.equal(cmos.nmiDisabled, true);
    assert.equal(cmos.read(0x71, 1), 0x80, 'index 0x15');
    rd(0x15);
    assert.equal(cmos.nmiDisabled, false);
  });

  it('general-purpose bytes are read/write; register C reads 0; D is read-only', () => {
    const { rd, wr } = setup();
    wr(0x40, 0xab);
    assert.equal(rd(0x40), 0xab);
    assert.equal(rd(0x0c), 0);
    wr(0x0d, 0);
    assert.equal(rd(0x0d), 0x80);
  });

  it('reports RTC interrupts as not implemented', () => {
    const { wr, rec } = setup();
    wr(0x0b, 0x42);
    assert.equal(rec.of('diagnostic').filter((d) => d.code === 'not-implemented').length, 1);
  });
});
