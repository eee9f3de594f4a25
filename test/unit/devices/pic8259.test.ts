import { strict as assert } from 'assert';
import { Pic8259 } from '../../../emulator/machine/devices/pic8259';
import { makeDiag } from './helpers';

/** The classic OS initialization: ICW1-4 on both chips, vectors 0x20 / 0x28. */
function initPic(pic: Pic8259, opts: { aeoi?: boolean } = {}): void {
  pic.write(0x20, 1, 0x11); // ICW1: edge, cascade, ICW4 needed
  pic.write(0x21, 1, 0x20); // ICW2
  pic.write(0x21, 1, 0x04); // ICW3: slave on IR2
  pic.write(0x21, 1, opts.aeoi ? 0x03 : 0x01); // ICW4: 8086 (+AEOI)
  pic.write(0xa0, 1, 0x11);
  pic.write(0xa1, 1, 0x28);
  pic.write(0xa1, 1, 0x02); // slave ID 2
  pic.write(0xa1, 1, opts.aeoi ? 0x03 : 0x01);
}

function setup() {
  const { diag, rec } = makeDiag('pic');
  const pic = new Pic8259(diag);
  const intr: boolean[] = [];
  pic.onIntr = (l) => intr.push(l);
  return { pic, intr, rec };
}

const pulse = (pic: Pic8259, irq: number) => { pic.setIrq(irq, true); pic.setIrq(irq, false); };

describe('devices: 8259A PIC pair', () => {
  it('comes up as the firmware leaves it: vectors 0x08/0x70, only IRQ0 and the cascade unmasked', () => {
    const { pic } = setup();
    assert.equal(pic.read(0x21, 1), 0xfa);
    assert.equal(pic.read(0xa1, 1), 0xff);
    pulse(pic, 0);
    assert.equal(pic.intr, true);
    assert.equal(pic.intAck(), 0x08);
  });

  it('ICW1 clears the mask; ICW2 sets the vector base; OCW1 masks', () => {
    const { pic } = setup();
    initPic(pic);
    assert.equal(pic.read(0x21, 1), 0x00, 'ICW1 clears IMR (8259A)');
    pic.write(0x21, 1, 0xfe);
    assert.equal(pic.read(0x21, 1), 0xfe);
    pulse(pic, 1);
    assert.equal(pic.intr, false, 'masked');
    pic.write(0x21, 1, 0x00);
    assert.equal(pic.intr, true, 'the latched edge is delivered once unmasked');
    assert.equal(pic.intAck(), 0x21);
  });

  it('edge triggering latches IRR on the rising edge only', () => {
    const { pic } = setup();
    initPic(pic);
    pic.setIrq(3, true);
    assert.equal(pic.intAck(), 0x23);
    pic.write(0x20, 1, 0x20); // EOI
    assert.equal(pic.intr, false, 'a line held high does not re-trigger');
    pic.setIrq(3, false);
    pic.setIrq(3, true);
    assert.equal(pic.intr, true);
  });

  it('IR0 outranks IR1; ISR blocks equal and lower priorities until EOI', () => {
    const { pic } = setup();
    initPic(pic);
    pulse(pic, 1);
    pulse(pic, 0);
    assert.equal(pic.intAck(), 0x20);
    assert.equal(pic.intr, false, 'IR1 blocked while IR0 is in service');
    pic.write(0x20, 1, 0x0b); // OCW3: read ISR
    assert.equal(pic.read(0x20, 1), 0x01);
    pic.write(0x20, 1, 0x0a); // OCW3: read IRR
    assert.equal(pic.read(0x20, 1), 0x02);
    pic.write(0x20, 1, 0x20); // non-specific EOI
    assert.equal(pic.intr, true);
    assert.equal(pic.intAck(), 0x21);
  });

  it('a higher-priority request interrupts a lower one in service (fully nested)', () => {
    const { pic } = setup();
    initPic(pic);
    pulse(pic, 5);
    assert.equal(pic.intAck(), 0x25);
    pulse(pic, 3);
    assert.equal(pic.intr, true);
    assert.equal(pic.intAck(), 0x23);
    pic.write(0x20, 1, 0x0b);
    assert.equal(pic.read(0x20, 1), 0x28);
    pic.write(0x20, 1, 0x20); // non-specific EOI clears the highest (IR3)
    assert.equal(pic.read(0x20, 1), 0x20);
    pic.write(0x20, 1, 0x65); // specific EOI for IR5
    assert.equal(pic.read(0x20, 1), 0x00);
  });

  it('slave interrupts cascade through IR2 and need EOI on both chips', () => {
    const { pic } = setup();
    initPic(pic);
    pulse(pic, 12);
    assert.equal(pic.intr, true);
    assert.equal(pic.intAck(), 0x2c);
    pic.write(0x20, 1, 0x0b);
    assert.equal(pic.read(0x20, 1), 0x04, 'master ISR: cascade input');
    pic.write(0xa0, 1, 0x0b);
    assert.equal(pic.read(0xa0, 1), 0x10, 'slave ISR: IR4');
    pulse(pic, 8);
    assert.equal(pic.intr, false, 'IR8 waits: IR2 is in service at the master');
    pic.write(0xa0, 1, 0x20);
    pic.write(0x20, 1, 0x20);
    assert.equal(pic.intr, true);
    assert.equal(pic.intAck(), 0x28);
  });

  it('INTA with nothing pending returns the spurious IR7 vector without setting ISR', () => {
    const { pic } = setup();
    initPic(pic);
    assert.equal(pic.intAck(), 0x27);
    pic.write(0x20, 1, 0x0b);
    assert.equal(pic.read(0x20, 1), 0);
  });

  it('a request that vanishes from the slave gives spurious IR15 with the master cascade bit in service', () => {
    const { pic } = setup();
    initPic(pic);
    pulse(pic, 9);
    assert.equal(pic.intr, true);
    pic.write(0xa1, 1, 0x02); // the slave masks IR9 before the INTA cycle
    // The master still latched the cascade edge.
    assert.equal(pic.intAck(), 0x2f);
    pic.write(0x20, 1, 0x0b);
    assert.equal(pic.read(0x20, 1), 0x04);
    pic.write(0xa0, 1, 0x0b);
    assert.equal(pic.read(0xa0, 1), 0x00);
  });

  it('auto-EOI does not set ISR', () => {
    const { pic } = setup();
    initPic(pic, { aeoi: true });
    pulse(pic, 4);
    assert.equal(pic.intAck(), 0x24);
    pic.write(0x20, 1, 0x0b);
    assert.equal(pic.read(0x20, 1), 0);
    pulse(pic, 4);
    assert.equal(pic.intr, true, 'the next request is not blocked');
  });

  it('level triggering via ELCR: the request follows the line and re-fires after EOI while high', () => {
    const { pic } = setup();
    initPic(pic);
    pic.write(0x4d1, 1, 0xff);
    assert.equal(pic.read(0x4d1, 1), 0xde, 'IRQ8 and IRQ13 cannot be level-triggered');
    pic.write(0x4d0, 1, 0xff);
    assert.equal(pic.read(0x4d0, 1), 0xf8, 'IRQ0-2 cannot be level-triggered');
    pic.setIrq(10, true);
    assert.equal(pic.intAck(), 0x2a);
    pic.write(0xa0, 1, 0x20);
    pic.write(0x20, 1, 0x20);
    assert.equal(pic.intr, true, 'still asserted');
    pic.setIrq(10, false);
    // The slave withdraws its request, but the master latched the cascade
    // edge: the INTA cycle finds nothing at the slave (spurious IRQ15).
    assert.equal(pic.intAck(), 0x2f);
  });

  it('specific rotation makes the given IR lowest priority', () => {
    const { pic } = setup();
    initPic(pic);
    pic.write(0x20, 1, 0xc3); // set priority: IR3 lowest, IR4 highest
    pulse(pic, 2 + 1); // IR3
    pulse(pic, 5);
    assert.equal(pic.intAck(), 0x25);
    pic.write(0x20, 1, 0xa0); // rotate on non-specific EOI: IR5 becomes lowest
    assert.equal(pic.intAck(), 0x23);
  });

  it('poll command returns 0x80 | level and acknowledges', () => {
    const { pic } = setup();
    initPic(pic);
    pulse(pic, 6);
    pic.write(0x20, 1, 0x0c); // OCW3 poll
    assert.equal(pic.read(0x20, 1), 0x86);
    pic.write(0x20, 1, 0x0c);
    assert.equal(pic.read(0x20, 1), 0x00, 'IR6 now in service, nothing else');
  });

  it('INTR output reports changes to the CPU side', () => {
    const { pic, intr } = setup();
    initPic(pic);
    intr.length = 0;
    pulse(pic, 1);
    assert.deepEqual(intr, [true]);
    pic.intAck();
    assert.deepEqual(intr, [true, false]);
  });

  it('warns when the firmware vector base would deliver IRQ0 on an exception vector', () => {
    const { pic, rec } = setup();
    pulse(pic, 0);
    assert.equal(pic.intAck(), 8);
    assert.equal(rec.of('diagnostic').filter((d) => d.code === 'pic-vector-in-exception-range').length, 1);
  });
});
