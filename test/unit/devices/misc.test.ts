import { strict as assert } from 'assert';
import { A20Gate } from '../../../emulator/machine/devices/a20';
import { DebugExit, debugExitStatus } from '../../../emulator/machine/devices/debug-exit';
import { Port80 } from '../../../emulator/machine/devices/port80';
import { makeDiag } from './helpers';

describe('devices: isa-debug-exit, port 0x80, port 0x92', () => {
  it('debug-exit: a write of v ends the run with status (v << 1) | 1', () => {
    const { clock, events, rec } = makeDiag();
    const dev = new DebugExit(events, clock);
    const seen: [number, number][] = [];
    dev.onExit = (status, value) => seen.push([status, value]);
    clock.ticks = 77;
    dev.write(0xf4, 1, 0x10);
    assert.deepEqual(seen, [[0x21, 0x10]]);
    assert.deepEqual(rec.of('debug-exit'), [{ kind: 'debug-exit', value: 0x10, status: 0x21, icount: 77 }]);
    assert.equal(debugExitStatus(0), 1);
    assert.equal(debugExitStatus(0xffffffff), 0x1ffffffff, 'no 32-bit overflow');
  });

  it('port 0x80 swallows POST codes silently and reads 0', () => {
    const p = new Port80();
    p.write(0x80, 1, 0x42);
    assert.equal(p.lastCode, 0x42);
    assert.equal(p.read(0x80, 1), 0);
  });

  it('port 0x92: A20 reads back; clearing it is reported; bit 0 rising requests a reset', () => {
    const { diag, rec } = makeDiag('a20');
    const a20 = new A20Gate(diag);
    const resets: string[] = [];
    a20.onResetRequest = (s) => resets.push(s);
    assert.equal(a20.read(0x92, 1), 0x02);
    assert.equal(a20.a20Enabled, true);
    a20.write(0x92, 1, 0x00);
    assert.equal(a20.a20Enabled, false);
    assert.equal(rec.of('diagnostic').length, 1);
    a20.write(0x92, 1, 0x03);
    a20.write(0x92, 1, 0x03);
    assert.equal(resets.length, 1, 'only the 0 -> 1 transition resets');
  });
});
