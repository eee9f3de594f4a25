import { strict as assert } from 'assert';
import { Pit8254, PIT_HZ, pitClocksAt, ticksForPitClocks } from '../../../emulator/machine/devices/pit8254';
import { advanceBy, advanceTo, IrqLog, makeDiag } from './helpers';

/** Exact reference: floor(t * 1193182 / 1e9) in BigInt. */
const refClocks = (t: number) => Number((BigInt(t) * BigInt(PIT_HZ)) / 1_000_000_000n);
/** Exact reference: the first tick at which `clocks` PIT clocks have elapsed. */
const refTick = (clocks: number) => Number((BigInt(clocks) * 1_000_000_000n + BigInt(PIT_HZ) - 1n) / BigInt(PIT_HZ));

function setup() {
  const { clock, diag, rec } = makeDiag('pit');
  const irq = new IrqLog(clock);
  const pit = new Pit8254(clock, irq, diag);
  return { clock, irq, pit, rec };
}

function program(pit: Pit8254, ch: number, mode: number, count: number): void {
  pit.write(0x43, 1, (ch << 6) | 0x30 | (mode << 1));
  pit.write(0x40 + ch, 1, count & 0xff);
  pit.write(0x40 + ch, 1, (count >> 8) & 0xff);
}

function readCount(pit: Pit8254, ch: number): number {
  pit.write(0x43, 1, ch << 6); // counter latch
  const lo = pit.read(0x40 + ch, 1);
  return lo | (pit.read(0x40 + ch, 1) << 8);
}

describe('devices: 8254 PIT', () => {
  it('derives its clock from guest ticks exactly, without drift', () => {
    assert.equal(pitClocksAt(1_000_000_000), PIT_HZ);
    assert.equal(pitClocksAt(999_999_999), PIT_HZ - 1);
    let x = 12345;
    for (let i = 0; i < 2000; i++) {
      x = (x * 1103515245 + 12345) % 2147483648;
      const t = x * 977 + i * 1_000_000_007_919; // up to ~2e15 ticks (23 days of guest time)
      assert.equal(pitClocksAt(t), refClocks(t), `ticks ${t}`);
      const c = pitClocksAt(t);
      assert.equal(ticksForPitClocks(c), refTick(c), `clocks ${c}`);
    }
  });

  it('is idle after reset: no timer armed until the guest programs it', () => {
    const { clock } = setup();
    assert.equal(clock.nextDeadline, Infinity);
  });

  it('mode 2 on channel 0 raises IRQ0 at every period, at the exact tick', () => {
    const { clock, irq, pit } = setup();
    clock.ticks = 5000; // load at a non-zero time
    const load = pitClocksAt(5000);
    program(pit, 0, 2, 1193);
    const end = clock.ticks + 5_000_000;
    advanceTo(clock, end);
    const expected: number[] = [];
    for (let k = 1; refTick(load + k * 1193) <= end; k++) expected.push(refTick(load + k * 1193));
    assert.ok(expected.length >= 4);
    assert.deepEqual(irq.rises(0), expected);
    assert.equal(irq.level(0), false, 'pulsed: the line is back low between edges');
  });

  it('mode 2 count reads N, N-1, ... and reloads', () => {
    const { clock, pit } = setup();
    program(pit, 0, 2, 100);
    assert.equal(readCount(pit, 0), 100);
    advanceTo(clock, refTick(30));
    assert.equal(readCount(pit, 0), 70);
    advanceTo(clock, refTick(130));
    assert.equal(readCount(pit, 0), 70);
  });

  it('mode 0 raises IRQ0 once at terminal count and keeps OUT high', () => {
    const { clock, irq, pit } = setup();
    program(pit, 0, 0, 0x1000);
    assert.equal(irq.level(0), false);
    advanceTo(clock, refTick(0x1000) - 1);
    assert.equal(irq.level(0), false);
    advanceBy(clock, 1);
    assert.equal(irq.level(0), true);
    // The counter wraps after terminal count and keeps counting (8254 mode 0).
    advanceTo(clock, refTick(0x1000 + 0x10));
    assert.equal(readCount(pit, 0), 0xfff0);
    advanceBy(clock, 100_000_000);
    assert.deepEqual(irq.rises(0), [refTick(0x1000)]);
  });

  it('mode 4 (software strobe, Linux one-shot) raises IRQ0 one clock after terminal count', () => {
    const { clock, irq, pit } = setup();
    program(pit, 0, 4, 500);
    advanceBy(clock, 10_000_000);
    assert.deepEqual(irq.rises(0), [refTick(501)]);
  });

  it('mode 3 (square wave) raises IRQ0 once per period', () => {
    const { clock, irq, pit } = setup();
    program(pit, 0, 3, 0); // 65536: the 18.2 Hz BIOS rate
    advanceBy(clock, 200_000_000);
    assert.deepEqual(irq.rises(0), [1, 2, 3].map((k) => refTick(k * 65536)));
  });

  it('reprogramming cancels the previous period', () => {
    const { clock, irq, pit } = setup();
    program(pit, 0, 2, 1000);
    advanceTo(clock, refTick(500));
    program(pit, 0, 2, 3000);
    const t0 = pitClocksAt(clock.ticks);
    advanceTo(clock, refTick(t0 + 3000));
    assert.deepEqual(irq.rises(0), [refTick(t0 + 3000)]);
  });

  it('counter latch freezes the value until both bytes are read', () => {
    const { clock, pit } = setup();
    program(pit, 0, 2, 1000);
    advanceTo(clock, refTick(10));
    pit.write(0x43, 1, 0x00);
    advanceTo(clock, refTick(400));
    const lo = pit.read(0x40, 1);
    const hi = pit.read(0x40, 1);
    assert.equal(lo | (hi << 8), 990);
    assert.equal(readCount(pit, 0), 600);
  });

  it('lobyte-only access loads and reads a single byte', () => {
    const { clock, pit } = setup();
    pit.write(0x43, 1, 0x14); // ch0, lobyte, mode 2
    pit.write(0x40, 1, 200);
    advanceTo(clock, refTick(50));
    assert.equal(pit.read(0x40, 1), 150);
    assert.equal(pit.read(0x40, 1), 150, 'no flip-flop in lobyte mode');
  });

  it('read-back reports status (OUT, null count, mode) and then the count', () => {
    const { clock, pit } = setup();
    pit.write(0x43, 1, 0xb0); // ch2, lohi, mode 0
    pit.write(0x43, 1, 0xe8); // read-back status only, counter 2
    assert.equal(pit.read(0x42, 1), 0x40 | 0x30 | 0x00, 'OUT low, null count, lohi, mode 0');
    pit.write(0x61, 1, 0x01); // gate on
    pit.write(0x42, 1, 0x10);
    pit.write(0x42, 1, 0x00);
    advanceTo(clock, refTick(4));
    pit.write(0x43, 1, 0xc8); // latch status and count of counter 2
    assert.equal(pit.read(0x42, 1), 0x30, 'count loaded: null count clear, OUT still low');
    assert.equal(pit.read(0x42, 1), 0x0c);
    assert.equal(pit.read(0x42, 1), 0x00);
  });

  it('port 0x61: channel 2 gate and OUT2 implement the classic TSC calibration loop', () => {
    const { clock, pit } = setup();
    pit.write(0x61, 1, (pit.read(0x61, 1) & ~0x02) | 0x01); // gate high, speaker off
    pit.write(0x43, 1, 0xb0); // ch2, lohi, mode 0
    const t0 = pitClocksAt(clock.ticks);
    pit.write(0x42, 1, 0x9b); // 0x2e9b = 11931: ~10 ms
    pit.write(0x42, 1, 0x2e);
    let polls = 0;
    while ((pit.read(0x61, 1) & 0x20) === 0) {
      clock.ticks += 1000; // the guest's loop body
      polls++;
    }
    const end = refTick(t0 + 0x2e9b);
    assert.ok(clock.ticks >= end && clock.ticks - 1000 < end, `OUT2 rose at ${clock.ticks}, expected just after ${end}`);
    assert.ok(polls > 9000);
    assert.equal(pit.read(0x61, 1) & 0x01, 1, 'gate bit reads back');
  });

  it('gate low suspends mode 0 counting on channel 2', () => {
    const { clock, pit } = setup();
    pit.write(0x61, 1, 0x01);
    program(pit, 2, 0, 1000);
    advanceTo(clock, refTick(100));
    pit.write(0x61, 1, 0x00);
    advanceTo(clock, refTick(5000));
    assert.equal(readCount(pit, 2), 900);
    pit.write(0x61, 1, 0x01);
    const t = pitClocksAt(clock.ticks);
    advanceTo(clock, refTick(t + 899));
    assert.equal(pit.read(0x61, 1) & 0x20, 0);
    advanceTo(clock, refTick(t + 900));
    assert.equal(pit.read(0x61, 1) & 0x20, 0x20);
  });

  it('port 0x61 bit 4 toggles with the refresh clock', () => {
    const { clock, pit } = setup();
    const a = pit.read(0x61, 1) & 0x10;
    clock.ticks += 15_085;
    const b = pit.read(0x61, 1) & 0x10;
    assert.notEqual(a, b);
  });
});
