// String instructions on the emulator alone: REP across a page fault
// (registers consistent at the fault, the instruction restartable), long REP
// runs that yield, overlapping moves, direction flag, REPE/REPNE
// termination, address-size wrap.
import { strict as assert } from 'assert';
import { Stop } from '../../../emulator/x86/cpu';
import { emu, splitPage, mapPage, CODE } from './rig';

const RAX = 0, RCX = 1, RSI = 6, RDI = 7;
const DATA = 0x200000;
const PT = 0x6000;

describe('integer: string instructions', () => {
  it('REP STOSB faulting on a not-present page leaves RCX/RDI at the faulting byte and restarts', () => {
    const e = emu('long64');
    splitPage(e, DATA, PT, [DATA + 0x1000]);
    e.set(RAX, 0xaan); e.set(RDI, BigInt(DATA + 0xff0)); e.set(RCX, 0x40n);
    assert.equal(e.run([0xf3, 0xaa]), Stop.Requested);
    assert.equal(e.fault?.vector, 14);
    assert.equal(e.fault?.cr2, DATA + 0x1000);
    assert.equal(e.cpu.rip, CODE, 'RIP stays at the REP instruction');
    assert.equal(e.get(RCX), 0x30n);
    assert.equal(e.get(RDI), BigInt(DATA + 0x1000));
    for (let k = 0xff0; k < 0x1000; k++) assert.equal(e.rig.mem.read8(DATA + k), 0xaa);
    // The page becomes present (as a #PF handler would make it): re-executing finishes the job.
    mapPage(e, PT, DATA, DATA + 0x1000);
    assert.equal(e.resume(), Stop.Halted);
    assert.equal(e.get(RCX), 0n);
    assert.equal(e.get(RDI), BigInt(DATA + 0x1030));
    for (let k = 0x1000; k < 0x1030; k++) assert.equal(e.rig.mem.read8(DATA + k), 0xaa);
    assert.equal(e.rig.mem.read8(DATA + 0x1030), 0);
  });

  it('REP MOVSD with a source element straddling into a not-present page faults on that element', () => {
    const e = emu('long64');
    splitPage(e, DATA, PT, [DATA + 0x1000]);
    for (let k = 0; k < 0x10; k++) e.rig.mem.write8(DATA + 0xff0 + k, k + 1);
    e.set(RSI, BigInt(DATA + 0xff2)); e.set(RDI, BigInt(DATA + 0x100)); e.set(RCX, 8n);
    e.run([0xf3, 0xa5]);
    assert.equal(e.fault?.vector, 14);
    assert.equal(e.fault?.cr2, DATA + 0x1000);
    // Elements at ff2, ff6, ffa complete; the one at ffe crosses and faults.
    assert.equal(e.get(RCX), 5n);
    assert.equal(e.get(RSI), BigInt(DATA + 0xffe));
    assert.equal(e.get(RDI), BigInt(DATA + 0x10c));
    assert.deepEqual([...e.rig.mem.readBytes(DATA + 0x100, 12)], [3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14]);
    assert.equal(e.rig.mem.read8(DATA + 0x10c), 0, 'nothing of the faulting element is written');
  });

  it('REP MOVSB over megabytes yields between chunks and ends with the right state', () => {
    const e = emu('long64');
    const n = 3 << 20;
    for (let k = 0; k < n; k += 4096) e.rig.mem.write(0x400000 + k, 4, k ^ 0x5a5a5a5a);
    e.set(RSI, 0x400000n); e.set(RDI, 0x800000n); e.set(RCX, BigInt(n));
    const before = e.cpu.icount;
    assert.equal(e.run([0xf3, 0xa4], 1e6), Stop.Halted);
    assert.equal(e.get(RCX), 0n);
    assert.equal(e.get(RSI), BigInt(0x400000 + n));
    assert.equal(e.get(RDI), BigInt(0x800000 + n));
    assert.ok(e.cpu.icount - before > 2, 'the instruction re-executed in chunks');
    for (let k = 0; k < n; k += 4096) assert.equal(e.rig.mem.read(0x800000 + k, 4), (k ^ 0x5a5a5a5a) >>> 0);
  });

  it('overlapping forward MOVSB and MOVSD copy element by element', () => {
    const e = emu('long64');
    const src = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16];
    e.rig.mem.writeBytes(DATA, Uint8Array.from(src));
    e.set(RSI, BigInt(DATA)); e.set(RDI, BigInt(DATA + 1)); e.set(RCX, 8n);
    e.run([0xf3, 0xa4]); // byte copy onto itself shifted by one: replicates the first byte
    assert.deepEqual([...e.rig.mem.readBytes(DATA, 10)], [1, 1, 1, 1, 1, 1, 1, 1, 1, 10]);
    // Reference model for MOVSD with a 1-byte overlap: each element read whole, then written.
    const m = src.slice();
    for (let k = 0; k < 3; k++) { const v = m.slice(k * 4, k * 4 + 4); for (let j = 0; j < 4; j++) m[k * 4 + 1 + j] = v[j]; }
    e.rig.mem.writeBytes(DATA, Uint8Array.from(src));
    e.set(RSI, BigInt(DATA)); e.set(RDI, BigInt(DATA + 1)); e.set(RCX, 3n);
    e.run([0xf3, 0xa5]);
    assert.deepEqual([...e.rig.mem.readBytes(DATA, 16)], m);
  });

  it('DF=1 moves downward (STD; REP MOVSW; CLD)', () => {
    const e = emu('long64');
    e.rig.mem.writeBytes(DATA, Uint8Array.from([1, 2, 3, 4, 5, 6]));
    e.set(RSI, BigInt(DATA + 4)); e.set(RDI, BigInt(DATA + 0x104)); e.set(RCX, 3n);
    e.run([0xfd, 0xf3, 0x66, 0xa5, 0xfc]);
    assert.deepEqual([...e.rig.mem.readBytes(DATA + 0x100, 6)], [1, 2, 3, 4, 5, 6]);
    assert.equal(e.get(RSI), BigInt(DATA - 2));
    assert.equal(e.get(RDI), BigInt(DATA + 0xfe));
  });

  it('REPE CMPSB stops after the first difference; REPNE SCASB after the first match', () => {
    const e = emu('long64');
    e.rig.mem.writeBytes(DATA, new TextEncoder().encode('hello world'));
    e.rig.mem.writeBytes(DATA + 0x100, new TextEncoder().encode('help'));
    e.set(RSI, BigInt(DATA)); e.set(RDI, BigInt(DATA + 0x100)); e.set(RCX, 10n);
    e.run([0xf3, 0xa6]);
    assert.equal(e.get(RCX), 6n, 'four compares: h e l (equal), l/p (differ)');
    assert.equal(e.get(RSI), BigInt(DATA + 4));
    assert.equal(e.flags() & 0x40, 0, 'ZF clear: stopped on a difference');
    assert.equal(e.flags() & 1, 1, "CF: 'l' < 'p'");
    e.set(RAX, 0x20n); e.set(RDI, BigInt(DATA)); e.set(RCX, 100n);
    e.run([0xf2, 0xae]);
    assert.equal(e.get(RDI), BigInt(DATA + 6), 'RDI just past the space');
    assert.equal(e.get(RCX), 94n);
    assert.equal(e.flags() & 0x40, 0x40);
  });

  it('a REP with a zero count touches nothing and changes no flag', () => {
    const e = emu('long64');
    e.set(RSI, 0x123400000000n); e.set(RDI, 0x8000_0000_0000_0000n); e.set(RCX, 0n);
    e.run([0xf9, 0xf3, 0xa6, 0xf3, 0x48, 0xa5]); // stc; repe cmpsb; rep movsq
    assert.equal(e.fault, null);
    assert.equal(e.flags() & 1, 1);
  });

  it('REP LODSD keeps the last element; REP STOSQ fills quadwords', () => {
    const e = emu('long64');
    for (let k = 0; k < 4; k++) e.rig.mem.write(DATA + k * 4, 4, 0x11111111 * (k + 1));
    e.set(RSI, BigInt(DATA)); e.set(RCX, 4n); e.set(RAX, -1n);
    e.run([0xf3, 0xad]);
    assert.equal(e.get(RAX), 0x44444444n, 'a 32-bit load zero-extends');
    e.set(RAX, 0x0102030405060708n); e.set(RDI, BigInt(DATA + 0x200)); e.set(RCX, 3n);
    e.run([0xf3, 0x48, 0xab]);
    for (let k = 0; k < 3; k++) {
      assert.equal(e.rig.mem.read(DATA + 0x200 + k * 8, 4), 0x05060708);
      assert.equal(e.rig.mem.read(DATA + 0x204 + k * 8, 4), 0x01020304);
    }
  });

  it('16-bit address size wraps SI/DI at 64 KiB (real mode) and uses ES for the destination', () => {
    const e = emu('real');
    const cpu = e.cpu;
    // DS base 0x10000, ES base 0x30000.
    cpu.segBase[3] = 0x10000; cpu.segSel[3] = 0x1000;
    cpu.segBase[0] = 0x30000; cpu.segSel[0] = 0x3000;
    e.rig.mem.writeBytes(0x1fffe, Uint8Array.from([0xa1, 0xa2]));
    e.rig.mem.writeBytes(0x10000, Uint8Array.from([0xa3, 0xa4]));
    e.set(RSI, 0xabcd_fffen); e.set(RDI, 0x10n); e.set(RCX, 0x5555_0004n);
    e.run([0xf3, 0xa4]); // rep movsb with CX = 4
    assert.deepEqual([...e.rig.mem.readBytes(0x30010, 4)], [0xa1, 0xa2, 0xa3, 0xa4]);
    assert.equal(e.get(RSI), 0xabcd_0002n, 'SI wrapped; bits above 15 untouched');
    assert.equal(e.get(RCX), 0x5555_0000n, 'CX counted; ECX upper bits untouched');
  });

  it('a segment override applies to the MOVS source only', () => {
    const e = emu('prot32');
    const cpu = e.cpu;
    cpu.segBase[4] = 0x1000; // FS base
    e.rig.mem.writeBytes(DATA + 0x1000, Uint8Array.from([9, 8, 7]));
    e.set(RSI, BigInt(DATA)); e.set(RDI, BigInt(DATA + 0x40)); e.set(RCX, 3n);
    e.run([0xf3, 0x64, 0xa4]); // rep movsb fs:[esi] -> es:[edi]
    assert.deepEqual([...e.rig.mem.readBytes(DATA + 0x40, 3)], [9, 8, 7]);
  });
});
