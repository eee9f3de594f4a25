import { strict as assert } from 'assert';
import {
  APIC_DFR, APIC_EOI, APIC_ESR, APIC_ICR_HI, APIC_ICR_LO, APIC_ID, APIC_IRR, APIC_ISR, APIC_LDR, APIC_LVT_LINT0,
  APIC_LVT_LINT1, APIC_LVT_TIMER, APIC_PPR, APIC_SVR, APIC_TIMER_CURRENT, APIC_TIMER_DIVIDE, APIC_TIMER_INITIAL,
  APIC_TMR, APIC_TPR, APIC_VER, ApicBus, ExtIntController, LocalApic,
} from '../../../emulator/machine/devices/lapic';
import { advanceBy, advanceTo, makeDiag } from './helpers';

function setup(n = 2) {
  const { clock, diag, rec } = makeDiag('lapic');
  const bus = new ApicBus(clock, diag, 40);
  const apics: LocalApic[] = [];
  for (let i = 0; i < n; i++) {
    const a = new LocalApic(i, i, bus);
    bus.add(a);
    apics.push(a);
  }
  const eois: number[] = [];
  bus.onLevelEoi = (v) => eois.push(v);
  const rd = (cpu: number, off: number) => { bus.current = cpu; return bus.read(off, 4) >>> 0; };
  const wr = (cpu: number, off: number, v: number) => { bus.current = cpu; bus.write(off, 4, v >>> 0); };
  const enable = (cpu: number) => wr(cpu, APIC_SVR, 0x1ff);
  return { clock, bus, apics, eois, rd, wr, enable, rec };
}

const SELF = 1 << 18;
const ALL_BUT_SELF = 3 << 18;

describe('devices: local APIC', () => {
  describe('reset state', () => {
    it('has QEMU\'s version, the initial ID, SVR 0xFF and masked LVTs (SDM 11.4.7.1)', () => {
      const { rd, apics } = setup();
      assert.equal(rd(0, APIC_VER), 0x50014);
      assert.equal(rd(1, APIC_ID), 1 << 24);
      assert.equal(rd(0, APIC_SVR), 0xff);
      assert.equal(rd(1, APIC_LVT_TIMER), 0x10000);
      assert.equal(rd(1, APIC_LVT_LINT0), 0x10000);
      assert.equal(rd(0, APIC_LVT_LINT0), 0x700, 'BSP LINT0 in ExtINT mode, as QEMU/KVM set it for the BIOS');
      assert.equal(rd(0, APIC_LVT_LINT1), 0x10000);
      assert.equal(rd(0, APIC_DFR), 0xffffffff);
      assert.deepEqual(apics[0].rdmsr(0x1b), [0xfee00900, 0]);
      assert.deepEqual(apics[1].rdmsr(0x1b), [0xfee00800, 0]);
      assert.equal(apics[1].waitingForSipi, true);
      assert.equal(apics[0].waitingForSipi, false);
    });
  });

  describe('interrupt acceptance and priority (SDM 11.8)', () => {
    it('a self IPI goes IRR -> ISR on acknowledge and leaves ISR on EOI', () => {
      const { apics, rd, wr, enable } = setup();
      enable(0);
      wr(0, APIC_ICR_LO, 0x40 | SELF);
      assert.equal(rd(0, APIC_ICR_LO) & 0x1000, 0, 'delivery status is idle once the write completes');
      assert.equal(rd(0, APIC_IRR + 0x20), 1 << 0, 'vector 0x40 in IRR word 2');
      assert.equal(apics[0].hasInterrupt(), true);
      assert.equal(apics[0].acknowledge(), 0x40);
      assert.equal(rd(0, APIC_IRR + 0x20), 0);
      assert.equal(rd(0, APIC_ISR + 0x20), 1);
      assert.equal(rd(0, APIC_PPR), 0x40);
      assert.equal(apics[0].hasInterrupt(), false);
      wr(0, APIC_EOI, 0);
      assert.equal(rd(0, APIC_ISR + 0x20), 0);
      assert.equal(rd(0, APIC_PPR), 0);
    });

    it('TPR blocks vectors whose class is not above it; CR8 is TPR[7:4]', () => {
      const { apics, rd, wr, enable } = setup();
      enable(0);
      wr(0, APIC_TPR, 0x50);
      assert.equal(apics[0].readCr8(), 5);
      wr(0, APIC_ICR_LO, 0x45 | SELF);
      wr(0, APIC_ICR_LO, 0x5f | SELF);
      assert.equal(apics[0].hasInterrupt(), false, 'classes 4 and 5 are blocked by TPR 0x50');
      wr(0, APIC_ICR_LO, 0x61 | SELF);
      assert.equal(apics[0].hasInterrupt(), true);
      assert.equal(apics[0].acknowledge(), 0x61);
      apics[0].writeCr8(0);
      assert.equal(rd(0, APIC_TPR), 0);
      assert.equal(apics[0].hasInterrupt(), false, 'in service 0x61 blocks lower classes');
      wr(0, APIC_EOI, 0);
      assert.equal(apics[0].acknowledge(), 0x5f, 'highest vector first');
      wr(0, APIC_EOI, 0);
      assert.equal(apics[0].acknowledge(), 0x45);
    });

    it('an in-service vector blocks its own class but not a higher one', () => {
      const { apics, wr, enable } = setup();
      enable(0);
      wr(0, APIC_ICR_LO, 0x61 | SELF);
      assert.equal(apics[0].acknowledge(), 0x61);
      wr(0, APIC_ICR_LO, 0x65 | SELF);
      assert.equal(apics[0].hasInterrupt(), false);
      wr(0, APIC_ICR_LO, 0x71 | SELF);
      assert.equal(apics[0].acknowledge(), 0x71);
    });

    it('a software-disabled APIC drops fixed interrupts but takes NMI and INIT (SDM 11.4.7.2)', () => {
      const { apics, wr } = setup();
      wr(0, APIC_ICR_LO, 0x40 | SELF);
      assert.equal(apics[0].hasInterrupt(), false);
      wr(0, APIC_ICR_HI, 1 << 24);
      wr(0, APIC_ICR_LO, 0x400); // NMI to APIC 1
      assert.equal(apics[1].nmiPending, true);
    });

    it('software disable masks every LVT, and masks stay set while disabled', () => {
      const { rd, wr, enable } = setup();
      enable(1);
      wr(1, APIC_LVT_TIMER, 0x30);
      assert.equal(rd(1, APIC_LVT_TIMER), 0x30);
      wr(1, APIC_SVR, 0xff);
      assert.equal(rd(1, APIC_LVT_TIMER), 0x10030);
      wr(1, APIC_LVT_TIMER, 0x31);
      assert.equal(rd(1, APIC_LVT_TIMER), 0x10031);
    });

    it('vectors 0-15 are illegal: send and receive errors in ESR (SDM 11.5.3)', () => {
      const { rd, wr, enable, apics } = setup();
      enable(0);
      wr(0, APIC_ICR_LO, 0x05 | SELF);
      assert.equal(apics[0].hasInterrupt(), false);
      wr(0, APIC_ESR, 0);
      assert.equal(rd(0, APIC_ESR), 0x20, 'send illegal vector');
      wr(0, APIC_ESR, 0);
      assert.equal(rd(0, APIC_ESR), 0, 'the next write clears it');
      apics[0].accept(0, 3, false, true);
      wr(0, APIC_ESR, 0);
      assert.equal(rd(0, APIC_ESR), 0x40, 'receive illegal vector');
    });

    it('a level-triggered vector sets TMR and its EOI is broadcast (SDM 11.8.5)', () => {
      const { apics, rd, wr, enable, eois } = setup();
      enable(0);
      apics[0].accept(0, 0x50, true, true);
      assert.equal(rd(0, APIC_TMR + 0x20), 1 << 16);
      apics[0].acknowledge();
      wr(0, APIC_EOI, 0);
      assert.deepEqual(eois, [0x50]);
      apics[0].accept(0, 0x51, false, true);
      apics[0].acknowledge();
      wr(0, APIC_EOI, 0);
      assert.deepEqual(eois, [0x50], 'edge-triggered EOIs are not broadcast');
    });
  });

  describe('IPIs and destinations (SDM 11.6)', () => {
    it('INIT and SIPI set initPending and sipiVector; a second SIPI is ignored', () => {
      const { apics, wr } = setup();
      wr(0, APIC_ICR_HI, 1 << 24);
      wr(0, APIC_ICR_LO, 0x4500); // INIT, level assert
      assert.equal(apics[1].initPending, true);
      wr(0, APIC_ICR_LO, 0x8500); // INIT level de-assert: no effect
      wr(0, APIC_ICR_LO, 0x4608); // SIPI vector 8
      wr(0, APIC_ICR_LO, 0x4609); // a second SIPI
      assert.equal(apics[1].sipiVector, 0x08);
      assert.equal(apics[0].initPending, false);
      apics[1].initReset();
      assert.equal(apics[1].initPending, false);
      assert.equal(apics[1].sipiVector, 0x08, 'acting on INIT keeps a SIPI that came after it');
    });

    it('a SIPI to a running processor is ignored', () => {
      const { apics, wr } = setup();
      wr(1, APIC_ICR_HI, 0);
      wr(1, APIC_ICR_LO, 0x4610);
      assert.equal(apics[0].sipiVector, -1);
    });

    it('shorthands: all-excluding-self reaches the others only', () => {
      const { apics, wr, enable } = setup(3);
      for (let i = 0; i < 3; i++) enable(i);
      wr(1, APIC_ICR_LO, 0x70 | ALL_BUT_SELF);
      assert.deepEqual(apics.map((a) => a.hasInterrupt()), [true, false, true]);
      wr(1, APIC_ICR_LO, 0x71 | (2 << 18));
      assert.deepEqual(apics.map((a) => a.hasInterrupt()), [true, true, true]);
    });

    it('physical destination selects by APIC ID; 0xFF broadcasts', () => {
      const { apics, wr, enable } = setup(3);
      for (let i = 0; i < 3; i++) enable(i);
      wr(0, APIC_ICR_HI, 2 << 24);
      wr(0, APIC_ICR_LO, 0x80);
      assert.deepEqual(apics.map((a) => a.hasInterrupt()), [false, false, true]);
      wr(0, APIC_ICR_HI, 0xff << 24);
      wr(0, APIC_ICR_LO, 0x81);
      assert.deepEqual(apics.map((a) => a.hasInterrupt()), [true, true, true]);
    });

    it('logical flat and cluster destinations match LDR (SDM 11.6.2.2)', () => {
      const { apics, wr, enable } = setup(3);
      for (let i = 0; i < 3; i++) { enable(i); wr(i, APIC_LDR, (1 << i) << 24); }
      wr(0, APIC_ICR_HI, 0x06 << 24);
      wr(0, APIC_ICR_LO, 0x90 | 0x800);
      assert.deepEqual(apics.map((a) => a.hasInterrupt()), [false, true, true]);
      const { apics: b, wr: wr2, enable: en2 } = setup(3);
      for (let i = 0; i < 3; i++) {
        en2(i);
        wr2(i, APIC_DFR, 0x0fffffff); // cluster model
        wr2(i, APIC_LDR, (i === 2 ? 0x21 : 0x10 | (1 << i)) << 24);
      }
      wr2(0, APIC_ICR_HI, 0x13 << 24); // cluster 1, members 0 and 1
      wr2(0, APIC_ICR_LO, 0x90 | 0x800);
      assert.deepEqual(b.map((a) => a.hasInterrupt()), [true, true, false]);
    });

    it('lowest priority picks the lowest processor priority, ties to the lowest index', () => {
      const { apics, bus, wr, enable } = setup(3);
      for (let i = 0; i < 3; i++) enable(i);
      wr(0, APIC_TPR, 0x20);
      const msg = { dest: 0xff, wide: false, logical: false, mode: 1, vector: 0x90, levelTriggered: false, assert: true, shorthand: 0, source: null };
      assert.equal(bus.send(msg), 1);
      assert.deepEqual(apics.map((a) => a.hasInterrupt()), [false, true, false]);
    });
  });

  describe('timer (SDM 11.5.4; 1 GHz / divide)', () => {
    it('one-shot at divide 1 fires at exactly initial count ticks', () => {
      const { clock, apics, rd, wr, enable } = setup(1);
      enable(0);
      wr(0, APIC_TIMER_DIVIDE, 0xb);
      wr(0, APIC_LVT_TIMER, 0x30);
      clock.ticks = 100;
      wr(0, APIC_TIMER_INITIAL, 1000);
      advanceTo(clock, 600);
      assert.equal(rd(0, APIC_TIMER_CURRENT), 500);
      advanceTo(clock, 1099);
      assert.equal(apics[0].hasInterrupt(), false);
      advanceTo(clock, 1100);
      assert.equal(apics[0].hasInterrupt(), true);
      assert.equal(rd(0, APIC_TIMER_CURRENT), 0);
      assert.equal(apics[0].acknowledge(), 0x30);
      advanceBy(clock, 10_000);
      assert.equal(apics[0].hasInterrupt(), false, 'one-shot');
    });

    it('periodic at divide 16 fires every count*16 ticks without drift', () => {
      const { clock, apics, wr, enable } = setup(1);
      enable(0);
      wr(0, APIC_TIMER_DIVIDE, 0x3); // divide by 16
      wr(0, APIC_LVT_TIMER, 0x20000 | 0x31);
      const fired: number[] = [];
      wr(0, APIC_TIMER_INITIAL, 100);
      for (let k = 0; k < 5; k++) {
        advanceTo(clock, clock.nextDeadline);
        if (apics[0].hasInterrupt()) { fired.push(clock.ticks); apics[0].acknowledge(); wr(0, APIC_EOI, 0); }
      }
      assert.deepEqual(fired, [1600, 3200, 4800, 6400, 8000]);
    });

    it('divide configuration encodes 2..128 and 1 (SDM Figure 11-10)', () => {
      const { clock, rd, wr, enable } = setup(1);
      enable(0);
      wr(0, APIC_LVT_TIMER, 0x10030);
      const cases: [number, number][] = [[0x0, 2], [0x1, 4], [0x2, 8], [0x3, 16], [0x8, 32], [0x9, 64], [0xa, 128], [0xb, 1]];
      for (const [dcr, div] of cases) {
        wr(0, APIC_TIMER_DIVIDE, dcr);
        assert.equal(rd(0, APIC_TIMER_DIVIDE), dcr);
        wr(0, APIC_TIMER_INITIAL, 1_000_000);
        advanceBy(clock, div * 10);
        assert.equal(rd(0, APIC_TIMER_CURRENT), 1_000_000 - 10, `divide ${div}`);
      }
    });

    it('a masked timer counts but does not interrupt', () => {
      const { clock, apics, rd, wr, enable } = setup(1);
      enable(0);
      wr(0, APIC_TIMER_DIVIDE, 0xb);
      wr(0, APIC_LVT_TIMER, 0x10030);
      wr(0, APIC_TIMER_INITIAL, 50);
      advanceBy(clock, 25);
      assert.equal(rd(0, APIC_TIMER_CURRENT), 25);
      advanceBy(clock, 100);
      assert.equal(apics[0].hasInterrupt(), false);
    });

    it('TSC-deadline mode fires at the deadline and clears the MSR (SDM 11.5.4.1)', () => {
      const { clock, apics, wr, enable, rd } = setup(1);
      enable(0);
      wr(0, APIC_LVT_TIMER, 0x40000 | 0x33);
      clock.ticks = 1000;
      assert.equal(apics[0].wrmsr(0x6e0, 6000, 0), true);
      assert.deepEqual(apics[0].rdmsr(0x6e0), [6000, 0]);
      wr(0, APIC_TIMER_INITIAL, 5); // ignored in TSC-deadline mode
      assert.equal(rd(0, APIC_TIMER_INITIAL), 0);
      advanceTo(clock, 5999);
      assert.equal(apics[0].hasInterrupt(), false);
      advanceTo(clock, 6000);
      assert.equal(apics[0].acknowledge(), 0x33);
      assert.deepEqual(apics[0].rdmsr(0x6e0), [0, 0]);
      apics[0].wrmsr(0x6e0, 10, 0); // already past: fires at once
      wr(0, APIC_EOI, 0);
      assert.equal(apics[0].acknowledge(), 0x33);
    });

    it('the deadline MSR is ignored outside TSC-deadline mode; leaving the mode disarms', () => {
      const { clock, apics, wr, enable } = setup(1);
      enable(0);
      wr(0, APIC_LVT_TIMER, 0x30);
      apics[0].wrmsr(0x6e0, 500, 0);
      assert.deepEqual(apics[0].rdmsr(0x6e0), [0, 0]);
      wr(0, APIC_LVT_TIMER, 0x40030);
      apics[0].wrmsr(0x6e0, 500, 0);
      wr(0, APIC_LVT_TIMER, 0x30);
      advanceTo(clock, 1000);
      assert.equal(apics[0].hasInterrupt(), false);
    });
  });

  describe('IA32_APIC_BASE and x2APIC (SDM 11.4.4, 11.12)', () => {
    it('x2APIC mode: MSR access, derived LDR, 64-bit ICR, self IPI; MMIO reads all-ones', () => {
      const { apics, bus } = setup(2);
      const a = apics[1];
      assert.equal(a.rdmsr(0x802), null, 'x2APIC MSRs #GP in xAPIC mode');
      assert.equal(a.wrmsr(0x808, 0, 0), 'gp');
      assert.equal(a.wrmsr(0x1b, 0xfee00c00, 0), true);
      assert.deepEqual(a.rdmsr(0x802), [1, 0]);
      assert.deepEqual(a.rdmsr(0x80d), [(0 << 16) | (1 << 1), 0]);
      assert.equal(a.wrmsr(0x80f, 0x1ff, 0), true);
      assert.equal(a.wrmsr(0x83f, 0x55, 0), true);
      assert.equal(a.acknowledge(), 0x55);
      assert.equal(a.wrmsr(0x80b, 1, 0), 'gp', 'EOI takes only 0');
      assert.equal(a.wrmsr(0x80b, 0, 0), true);
      assert.equal(a.rdmsr(0x80b), null, 'EOI is write-only');
      assert.equal(a.wrmsr(0x802, 5, 0), 'gp', 'ID is read-only');
      assert.equal(a.rdmsr(0x80e), null, 'no DFR in x2APIC mode');
      // 64-bit ICR: fixed IPI to x2APIC ID 1 (itself) by physical destination.
      assert.equal(a.wrmsr(0x830, 0x66, 1), true);
      assert.equal(a.hasInterrupt(), true);
      assert.equal(a.wrmsr(0x830, 0x66 | 0x2000, 1), 'gp', 'reserved ICR bit');
      bus.current = 1;
      assert.equal(bus.read(0x20, 4) >>> 0, 0xffffffff);
    });

    it('rejects illegal transitions with #GP (SDM Figure 11-27)', () => {
      const { apics } = setup(1);
      const a = apics[0];
      assert.equal(a.wrmsr(0x1b, 0xfee00500, 0), 'gp', 'EN=0 with EXTD=1 is invalid');
      assert.equal(a.wrmsr(0x1b, 0xfee00901, 0), 'gp', 'reserved bit 0');
      assert.equal(a.wrmsr(0x1b, 0xfee00900, 0x100), 'gp', 'above MAXPHYADDR (40)');
      assert.equal(a.wrmsr(0x1b, 0xfee00d00, 0), true, 'xAPIC -> x2APIC');
      assert.equal(a.wrmsr(0x1b, 0xfee00900, 0), 'gp', 'x2APIC -> xAPIC directly');
      assert.equal(a.wrmsr(0x1b, 0xfee00100, 0), true, 'x2APIC -> disabled');
      assert.equal(a.wrmsr(0x1b, 0xfee00d00, 0), 'gp', 'disabled -> x2APIC');
      assert.equal(a.wrmsr(0x1b, 0xfee00900, 0), true, 'disabled -> xAPIC');
      assert.deepEqual(a.rdmsr(0x1b), [0xfee00900, 0]);
    });

    it('clearing EN loses the APIC state; setting it again gives a reset APIC', () => {
      const { apics, rd, wr, enable } = setup(1);
      const a = apics[0];
      enable(0);
      wr(0, APIC_TPR, 0x30);
      wr(0, APIC_ICR_LO, 0x90 | SELF);
      assert.equal(a.wrmsr(0x1b, 0xfee00100, 0), true);
      assert.equal(a.hwEnabled, false);
      assert.equal(a.hasInterrupt(), false);
      assert.equal(a.wrmsr(0x1b, 0xfee00900, 0), true);
      assert.equal(rd(0, APIC_TPR), 0);
      assert.equal(rd(0, APIC_SVR), 0xff);
      assert.equal(a.hasInterrupt(), false, 'IRR was cleared');
    });
  });

  describe('LINT0 and the 8259 (SDM 11.5.1, 11.4.3)', () => {
    function fakePic() {
      const pic: ExtIntController & { intr: boolean; acks: number } = {
        intr: false, acks: 0,
        intAck() { this.acks++; this.intr = false; return 0x20; },
      };
      return pic;
    }

    it('LINT0 in ExtINT mode passes INTR and the vector comes from the INTA cycle', () => {
      const { apics } = setup(2);
      const pic = fakePic();
      for (const a of apics) a.connectExtInt(pic);
      pic.intr = true;
      for (const a of apics) a.setExtIntLine(true);
      assert.equal(apics[0].hasInterrupt(), true, 'BSP: LINT0 = ExtINT at reset');
      assert.equal(apics[1].hasInterrupt(), false, 'AP: LINT0 masked');
      assert.equal(apics[0].acknowledge(), 0x20);
      assert.equal(pic.acks, 1);
    });

    it('ExtINT is not subject to TPR', () => {
      const { apics, wr, enable } = setup(1);
      const pic = fakePic();
      apics[0].connectExtInt(pic);
      enable(0);
      wr(0, APIC_TPR, 0xf0);
      apics[0].setExtIntLine(true);
      assert.equal(apics[0].hasInterrupt(), true);
    });

    it('with LINT0 masked the PIC is cut off; with the APIC globally disabled INTR goes straight to the CPU', () => {
      const { apics, wr } = setup(1);
      const a = apics[0];
      const pic = fakePic();
      a.connectExtInt(pic);
      wr(0, APIC_LVT_LINT0, 0x10700);
      a.setExtIntLine(true);
      assert.equal(a.hasInterrupt(), false);
      a.wrmsr(0x1b, 0xfee00100, 0);
      assert.equal(a.hasInterrupt(), true);
      assert.equal(a.acknowledge(), 0x20);
    });

    it('LINT0 programmed as fixed turns the rising edge into a vector', () => {
      const { apics, wr, enable } = setup(1);
      const a = apics[0];
      a.connectExtInt(fakePic());
      enable(0);
      wr(0, APIC_LVT_LINT0, 0x0041);
      a.setExtIntLine(true);
      assert.equal(a.acknowledge(), 0x41);
    });
  });

  describe('xAPIC MMIO', () => {
    it('routes each access to the current vCPU\'s APIC', () => {
      const { rd, wr } = setup(2);
      wr(0, APIC_TPR, 0x10);
      wr(1, APIC_TPR, 0x20);
      assert.equal(rd(0, APIC_TPR), 0x10);
      assert.equal(rd(1, APIC_TPR), 0x20);
    });

    it('byte reads return the addressed byte; reserved offsets raise an ESR illegal-register error', () => {
      const { bus, rd, wr } = setup(1);
      bus.current = 0;
      assert.equal(bus.read(APIC_VER + 2, 1), 0x05);
      assert.equal(bus.read(0x2f0, 4), 0, 'no CMCI with max LVT 5');
      wr(0, APIC_ESR, 0);
      assert.equal(rd(0, APIC_ESR), 0x80);
    });
  });
});
