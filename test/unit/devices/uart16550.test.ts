import { strict as assert } from 'assert';
import { EventStream } from '../../../emulator/events';
import { Clock } from '../../../emulator/machine/clock';
import { Uart16550 } from '../../../emulator/machine/devices/uart16550';
import { IrqLog, Recorder } from './helpers';

const B = 0x3f8;
const THR = B, RBR = B, IER = B + 1, IIR = B + 2, FCR = B + 2, LCR = B + 3, MCR = B + 4, LSR = B + 5, MSR = B + 6, SCR = B + 7;

function setup() {
  const clock = new Clock();
  const events = new EventStream();
  const rec = new Recorder(events);
  const irq = new IrqLog(clock);
  const out: string[] = [];
  const uart = new Uart16550(B, 4, irq, events, clock, (t) => out.push(t));
  return { clock, events, rec, irq, out, uart };
}

describe('devices: 16550A UART', () => {
  it('sends THR bytes to serialOut and as serial events stamped with the guest time', () => {
    const { uart, out, rec, clock } = setup();
    clock.ticks = 1234;
    for (const c of 'hi\n') uart.write(THR, 1, c.charCodeAt(0));
    assert.equal(out.join(''), 'hi\n');
    const ev = rec.of('serial');
    assert.deepEqual(ev.map((e) => e.text), ['h', 'i', '\n']);
    assert.equal(ev[0].port, 0x3f8);
    assert.equal(ev[0].icount, 1234);
  });

  it('LSR always shows THRE and TEMT: transmission is instant', () => {
    const { uart } = setup();
    assert.equal(uart.read(LSR, 1) & 0x60, 0x60);
    uart.write(THR, 1, 0x41);
    assert.equal(uart.read(LSR, 1) & 0x60, 0x60);
    assert.equal(uart.read(LSR, 1) & 0x01, 0, 'no data ready');
  });

  it('DLAB switches offsets 0/1 to the divisor latch (PC16550D)', () => {
    const { uart, out } = setup();
    uart.write(LCR, 1, 0x83); // DLAB, 8N1
    uart.write(THR, 1, 0x01); // DLL
    uart.write(IER, 1, 0x00); // DLM
    assert.equal(uart.read(RBR, 1), 0x01);
    assert.equal(uart.read(IER, 1), 0x00);
    assert.deepEqual(out, [], 'a DLL write is not a transmission');
    uart.write(LCR, 1, 0x03);
    assert.equal(uart.read(LCR, 1), 0x03);
    assert.equal(uart.read(IER, 1), 0);
  });

  it('scratch register holds a value', () => {
    const { uart } = setup();
    uart.write(SCR, 1, 0x5a);
    assert.equal(uart.read(SCR, 1), 0x5a);
  });

  it('IIR reports no interrupt (0x01) after reset, and FIFO bits 7:6 when FCR enables FIFOs', () => {
    const { uart } = setup();
    assert.equal(uart.read(IIR, 1), 0x01);
    uart.write(FCR, 1, 0xc7);
    assert.equal(uart.read(IIR, 1), 0xc1);
    uart.write(FCR, 1, 0x00);
    assert.equal(uart.read(IIR, 1), 0x01);
  });

  it('raises THRE on enabling ETBEI; reading IIR clears it; each THR write raises it again', () => {
    const { uart, irq } = setup();
    assert.equal(irq.level(4), false);
    uart.write(IER, 1, 0x02);
    assert.equal(irq.level(4), true, 'THRE interrupt on enable');
    assert.equal(uart.read(IIR, 1) & 0x0f, 0x02);
    assert.equal(irq.level(4), false, 'IIR read cleared THRE');
    assert.equal(uart.read(IIR, 1) & 0x0f, 0x01);
    uart.write(THR, 1, 0x41);
    assert.equal(irq.level(4), true);
    uart.write(IER, 1, 0x00);
    assert.equal(irq.level(4), false, 'disabling the source drops the line');
  });

  it('input raises data ready and the RX interrupt; reading RBR drains it', () => {
    const { uart, irq } = setup();
    uart.write(IER, 1, 0x01);
    uart.pushInput('ab');
    assert.equal(uart.read(LSR, 1) & 1, 1);
    assert.equal(irq.level(4), true);
    assert.equal(uart.read(IIR, 1) & 0x0f, 0x04, 'received data available');
    assert.equal(uart.read(RBR, 1), 0x61);
    assert.equal(uart.read(LSR, 1) & 1, 1, 'without FIFOs the next byte moves into RBR');
    assert.equal(uart.read(RBR, 1), 0x62);
    assert.equal(uart.read(LSR, 1) & 1, 0);
    assert.equal(irq.level(4), false);
  });

  it('with FIFOs: below the trigger level reports a character timeout, at the level RDA', () => {
    const { uart } = setup();
    uart.write(FCR, 1, 0x81); // enable, trigger 8
    uart.write(IER, 1, 0x01);
    uart.pushInput(new Uint8Array([1, 2, 3]));
    assert.equal(uart.read(IIR, 1), 0xcc);
    uart.pushInput(new Uint8Array([4, 5, 6, 7, 8]));
    assert.equal(uart.read(IIR, 1), 0xc4);
  });

  it('FIFO holds 16 bytes; the rest waits in the host queue without overrun', () => {
    const { uart } = setup();
    uart.write(FCR, 1, 0x01);
    const bytes = new Uint8Array(20).map((_, i) => i);
    uart.pushInput(bytes);
    const got: number[] = [];
    while (uart.read(LSR, 1) & 1) got.push(uart.read(RBR, 1));
    assert.deepEqual(got, Array.from(bytes));
    assert.equal(uart.read(LSR, 1) & 0x02, 0, 'no overrun error');
  });

  it('loopback: THR goes to RBR, nothing is output, MSR mirrors MCR', () => {
    const { uart, out, rec } = setup();
    uart.write(MCR, 1, 0x10 | 0x0f); // LOOP + DTR RTS OUT1 OUT2
    uart.write(THR, 1, 0x55);
    assert.deepEqual(out, []);
    assert.equal(rec.of('serial').length, 0);
    assert.equal(uart.read(LSR, 1) & 1, 1);
    assert.equal(uart.read(RBR, 1), 0x55);
    assert.equal(uart.read(MSR, 1) & 0xf0, 0xf0, 'CTS DSR RI DCD from RTS DTR OUT1 OUT2');
    uart.write(MCR, 1, 0x10 | 0x01); // only DTR
    const msr = uart.read(MSR, 1);
    assert.equal(msr & 0xf0, 0x20, 'DSR only');
    assert.equal(msr & 0x0f, 0x01 | 0x04 | 0x08, 'delta CTS, trailing edge RI, delta DCD');
    assert.equal(uart.read(MSR, 1) & 0x0f, 0, 'deltas clear on read');
  });

  it('loopback ignores host input until loopback is left', () => {
    const { uart } = setup();
    uart.write(MCR, 1, 0x10);
    uart.pushInput('x');
    assert.equal(uart.read(LSR, 1) & 1, 0);
    uart.write(MCR, 1, 0x00);
    assert.equal(uart.read(LSR, 1) & 1, 1);
    assert.equal(uart.read(RBR, 1), 0x78);
  });

  it('modem status interrupt on a delta when IER bit 3 is set', () => {
    const { uart, irq } = setup();
    uart.write(IER, 1, 0x08);
    assert.equal(irq.level(4), false);
    uart.write(MCR, 1, 0x10); // loopback: CTS/DSR/DCD drop -> deltas
    assert.equal(irq.level(4), true);
    assert.equal(uart.read(IIR, 1) & 0x0f, 0x00);
    uart.read(MSR, 1);
    assert.equal(irq.level(4), false);
  });

  it('MSR outside loopback shows CTS, DSR and DCD (a ready host end)', () => {
    const { uart } = setup();
    assert.equal(uart.read(MSR, 1), 0xb0);
  });
});
