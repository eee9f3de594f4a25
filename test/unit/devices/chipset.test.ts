import { strict as assert } from 'assert';
import { advanceBy, makeBoard } from './helpers';

const LAPIC = 0xfee00000;
const IOAPIC = 0xfec00000;

function ioapicRoute(b: ReturnType<typeof makeBoard>, pin: number, lo: number, dest: number): void {
  b.mem.write(IOAPIC, 4, 0x11 + 2 * pin);
  b.mem.write(IOAPIC + 0x10, 4, dest << 24);
  b.mem.write(IOAPIC, 4, 0x10 + 2 * pin);
  b.mem.write(IOAPIC + 0x10, 4, lo);
}

function remapPic(b: ReturnType<typeof makeBoard>, imrMaster: number, imrSlave: number): void {
  const o = (p: number, v: number) => b.io.write(p, 1, v);
  o(0x20, 0x11); o(0x21, 0x20); o(0x21, 0x04); o(0x21, 0x01);
  o(0xa0, 0x11); o(0xa1, 0x28); o(0xa1, 0x02); o(0xa1, 0x01);
  o(0x21, imrMaster); o(0xa1, imrSlave);
}

describe('devices: chipset wiring', () => {
  it('claims the legacy ports and maps the APIC pages', () => {
    const b = makeBoard();
    for (const p of [0x20, 0x21, 0xa0, 0xa1, 0x4d0, 0x4d1, 0x40, 0x43, 0x61, 0x70, 0x71, 0x80, 0x92, 0xf4, 0xf7, 0x3f8, 0x3ff, 0x510, 0x511]) {
      assert.ok(b.io.isClaimed(p), `port ${p.toString(16)}`);
    }
    assert.equal(b.mem.isRam(LAPIC), false);
    assert.equal(b.mem.read(LAPIC + 0x30, 4), 0x50014);
    assert.equal(b.mem.read(IOAPIC + 0x10, 4), 0, 'IOREGSEL 0: IOAPIC ID 0');
  });

  it('COM1 output reaches serialOut and the event stream; debug-exit ends the run through the hook', () => {
    const exits: number[] = [];
    const b = makeBoard({ onDebugExit: (status) => exits.push(status) });
    for (const c of 'ok') b.io.write(0x3f8, 1, c.charCodeAt(0));
    assert.equal(b.serial.join(''), 'ok');
    b.io.write(0xf4, 4, 3);
    assert.deepEqual(exits, [7]);
    assert.equal(b.rec.of('debug-exit')[0].status, 7);
    b.chipset.onDebugExit = null;
    b.io.write(0xf4, 1, 1);
    assert.equal(b.rec.of('debug-exit').length, 2, 'the event is emitted without a hook too');
  });

  it('PIT IRQ0 -> 8259 -> BSP LINT0 (ExtINT) -> the CPU, with the vector from INTA', () => {
    const b = makeBoard();
    remapPic(b, 0xfe, 0xff);
    const cpu = b.chipset.vcpuInterrupts(0);
    b.io.write(0x43, 1, 0x34);
    b.io.write(0x40, 1, 0xa9); // 1193 = ~1 ms
    b.io.write(0x40, 1, 0x04);
    assert.equal(cpu.hasInterrupt(), false);
    advanceBy(b.clock, 1_000_000);
    assert.equal(cpu.hasInterrupt(), true);
    assert.equal(cpu.acknowledge(), 0x20);
    assert.equal(cpu.hasInterrupt(), false);
    b.io.write(0x20, 1, 0x20);
    advanceBy(b.clock, 1_000_000);
    assert.equal(cpu.acknowledge(), 0x20);
  });

  it('COM1 IRQ4 through the IOAPIC to the local APIC, with the PIC masked', () => {
    const b = makeBoard({ serialIn: 'x' });
    remapPic(b, 0xff, 0xff);
    const cpu = b.chipset.vcpuInterrupts(0);
    b.mem.write(LAPIC + 0xf0, 4, 0x1ff);
    ioapicRoute(b, 4, 0x0041, 0);
    b.io.write(0x3f9, 1, 0x01); // IER: received data
    assert.equal(cpu.hasInterrupt(), true);
    assert.equal(cpu.acknowledge(), 0x41);
    assert.equal(b.io.read(0x3f8, 1), 0x78);
    b.mem.write(LAPIC + 0xb0, 4, 0);
    b.chipset.uart.pushInput('y');
    assert.equal(cpu.acknowledge(), 0x41);
  });

  it('PIT IRQ0 arrives on IOAPIC pin 2', () => {
    const b = makeBoard();
    remapPic(b, 0xff, 0xff);
    const cpu = b.chipset.vcpuInterrupts(0);
    b.mem.write(LAPIC + 0xf0, 4, 0x1ff);
    ioapicRoute(b, 2, 0x0030, 0);
    b.io.write(0x43, 1, 0x38); // mode 4 one-shot
    b.io.write(0x40, 1, 100);
    b.io.write(0x40, 1, 0);
    advanceBy(b.clock, 1_000_000);
    assert.equal(cpu.acknowledge(), 0x30);
  });

  it('xAPIC MMIO goes to the APIC of the current vCPU; IPIs travel between vCPUs', () => {
    const b = makeBoard({ ncpus: 2 });
    b.chipset.currentVcpu = 1;
    assert.equal(b.mem.read(LAPIC + 0x20, 4) >>> 0, 1 << 24);
    b.mem.write(LAPIC + 0xf0, 4, 0x1ff);
    b.chipset.currentVcpu = 0;
    assert.equal(b.mem.read(LAPIC + 0x20, 4), 0);
    b.mem.write(LAPIC + 0x310, 4, 1 << 24);
    b.mem.write(LAPIC + 0x300, 4, 0x00f0);
    assert.equal(b.chipset.vcpuInterrupts(1).acknowledge(), 0xf0);
    assert.equal(b.chipset.vcpuInterrupts(0).hasInterrupt(), false);
  });

  it('exposes the APIC MSRs per vCPU', () => {
    const b = makeBoard({ ncpus: 2 });
    const [m0] = b.chipset.msrDevices(0);
    const [m1] = b.chipset.msrDevices(1);
    assert.deepEqual(m0.rdmsr(0x1b), [0xfee00900, 0]);
    assert.deepEqual(m1.rdmsr(0x1b), [0xfee00800, 0]);
    assert.equal(m0.rdmsr(0x10), null, 'not a device MSR');
  });

  it('CMOS and fw_cfg answer through the I/O bus', () => {
    const b = makeBoard({}, 128 * 1024 * 1024);
    b.io.write(0x70, 1, 0x34);
    assert.equal(b.io.read(0x71, 1), (112 * 16) & 0xff);
    b.io.write(0x510, 2, 0x0003);
    const bytes = [0, 1, 2, 3].map(() => b.io.read(0x511, 1));
    assert.deepEqual(bytes, [0, 0, 0, 8]);
  });

  it('port 0x92 fast reset calls the reset hook; reset() restores power-on state', () => {
    const resets: string[] = [];
    const b = makeBoard({ onResetRequest: (s) => resets.push(s) });
    remapPic(b, 0x00, 0x00);
    b.io.write(0x43, 1, 0x34);
    b.io.write(0x40, 1, 0);
    b.io.write(0x40, 1, 0x10);
    b.io.write(0x92, 1, 0x03);
    assert.equal(resets.length, 1);
    b.chipset.reset();
    assert.equal(b.io.read(0x21, 1), 0xfa);
    assert.equal(b.clock.nextDeadline, Infinity, 'PIT timers cancelled');
    assert.equal(b.io.read(0x92, 1), 0x02);
  });
});
