import { strict as assert } from 'assert';
import { IoApic, isaIrqToGsi } from '../../../emulator/machine/devices/ioapic';
import { APIC_EOI, APIC_LDR, APIC_SVR, APIC_TPR, ApicBus, LocalApic } from '../../../emulator/machine/devices/lapic';
import { makeDiag } from './helpers';

function setup(n = 2, version: number = 0x20) {
  const { clock, diag } = makeDiag('ioapic');
  const bus = new ApicBus(clock, diag, 40);
  const apics: LocalApic[] = [];
  for (let i = 0; i < n; i++) {
    const a = new LocalApic(i, i, bus);
    bus.add(a);
    apics.push(a);
    bus.current = i;
    bus.write(APIC_SVR, 4, 0x1ff);
  }
  const io = new IoApic(bus, diag, version);
  bus.onLevelEoi = (v) => io.eoi(v);
  const sel = (r: number) => io.write(0x00, 4, r);
  const rd = (r: number) => { sel(r); return io.read(0x10, 4) >>> 0; };
  const wr = (r: number, v: number) => { sel(r); io.write(0x10, 4, v >>> 0); };
  const route = (pin: number, lo: number, dest: number) => { wr(0x11 + 2 * pin, dest << 24); wr(0x10 + 2 * pin, lo); };
  const eoi = (cpu: number) => { bus.current = cpu; bus.write(APIC_EOI, 4, 0); };
  return { bus, apics, io, rd, wr, route, eoi, sel };
}

describe('devices: I/O APIC', () => {
  it('reports ID, version 0x20 with 24 entries, and masked entries after reset', () => {
    const { rd, wr, io } = setup();
    assert.equal(rd(0x01), 0x00170020);
    wr(0x00, 0x0a000000);
    assert.equal(rd(0x00), 0x0a000000);
    assert.equal(rd(0x10), 0x10000);
    assert.equal(rd(0x10 + 2 * 23 + 1), 0);
    io.write(0x00, 4, 0x12);
    assert.equal(io.read(0x00, 4), 0x12, 'IOREGSEL reads back');
    const old = setup(1, 0x11);
    assert.equal(old.rd(0x01), 0x00170011);
  });

  it('maps ISA IRQ0 to pin 2 and other ISA IRQs to the same pin (QEMU interrupt source override)', () => {
    assert.equal(isaIrqToGsi(0), 2);
    assert.equal(isaIrqToGsi(4), 4);
    assert.equal(isaIrqToGsi(14), 14);
  });

  it('edge: one fixed interrupt per rising edge to the physical destination', () => {
    const { apics, io, route } = setup();
    route(4, 0x0031, 1); // fixed, physical, edge, vector 0x31 -> APIC 1
    io.setIrq(4, true);
    assert.equal(apics[1].hasInterrupt(), true);
    assert.equal(apics[0].hasInterrupt(), false);
    assert.equal(apics[1].acknowledge(), 0x31);
    io.setIrq(4, true); // still high: no new edge
    assert.equal(apics[1].hasInterrupt(), false);
  });

  it('a masked edge is lost, not held (82093AA)', () => {
    const { apics, io, route } = setup();
    route(3, 0x10033, 0);
    io.setIrq(3, true);
    io.setIrq(3, false);
    route(3, 0x0033, 0);
    assert.equal(apics[0].hasInterrupt(), false);
  });

  it('level: remote IRR is set on delivery and cleared by the local APIC EOI; still asserted re-delivers', () => {
    const { apics, io, route, rd, eoi } = setup();
    route(10, 0x8040, 0); // level, vector 0x40 -> APIC 0
    io.setIrq(10, true);
    assert.equal(rd(0x10 + 20) & 0x4000, 0x4000, 'remote IRR');
    assert.equal(apics[0].acknowledge(), 0x40);
    eoi(0);
    assert.equal(apics[0].hasInterrupt(), true, 'line still asserted: delivered again');
    assert.equal(apics[0].acknowledge(), 0x40);
    io.setIrq(10, false);
    eoi(0);
    assert.equal(rd(0x10 + 20) & 0x4000, 0);
    assert.equal(apics[0].hasInterrupt(), false);
  });

  it('the EOI register (version 0x20) clears remote IRR by vector', () => {
    const { io, route, rd } = setup();
    route(9, 0x8045, 0);
    io.setIrq(9, true);
    io.setIrq(9, false);
    assert.equal(rd(0x10 + 18) & 0x4000, 0x4000);
    io.write(0x40, 4, 0x45);
    assert.equal(rd(0x10 + 18) & 0x4000, 0);
  });

  it('switching a pin to edge clears remote IRR', () => {
    const { io, route, rd } = setup();
    route(9, 0x8045, 0);
    io.setIrq(9, true);
    route(9, 0x0045, 0);
    assert.equal(rd(0x10 + 18) & 0x4000, 0);
  });

  it('unmasking an asserted level pin delivers it', () => {
    const { apics, io, route } = setup();
    route(11, 0x18050, 0);
    io.setIrq(11, true);
    assert.equal(apics[0].hasInterrupt(), false);
    route(11, 0x8050, 0);
    assert.equal(apics[0].acknowledge(), 0x50);
  });

  it('logical destination and lowest priority pick deterministically among the matching APICs', () => {
    const { apics, io, route, bus } = setup(3);
    for (let i = 0; i < 3; i++) { bus.current = i; bus.write(APIC_LDR, 4, (1 << i) << 24); }
    bus.current = 1; bus.write(APIC_TPR, 4, 0x70);
    route(5, 0x0960, 0x07); // lowest priority, logical, to APICs 0-2
    io.setIrq(5, true);
    assert.deepEqual(apics.map((a) => a.hasInterrupt()), [true, false, false]);
    io.setIrq(5, false);
    route(6, 0x0861, 0x06); // fixed, logical, to APICs 1 and 2
    io.setIrq(6, true);
    assert.deepEqual(apics.map((a) => a.hasInterrupt()), [true, false, true], 'APIC 1 is blocked by its TPR');
  });

  it('NMI delivery mode sets the target\'s nmiPending', () => {
    const { apics, io, route } = setup();
    route(7, 0x0400, 1);
    io.setIrq(7, true);
    assert.equal(apics[1].nmiPending, true);
  });
});
