import { strict as assert } from 'assert';
import { makeRig, runCode } from '../support/snippet';
import { Stop } from '../../emulator/x86/cpu';
import { getFlags } from '../../emulator/x86/flags';

describe('cpu smoke', () => {
  it('runs mov/add/jmp in 64-bit mode and halts', () => {
    const rig = makeRig('long64');
    // mov eax, 5; add eax, 7; mov rbx, 0x1122334455667788; jmp +0; hlt
    const stop = runCode(rig, [0xb8, 5, 0, 0, 0, 0x83, 0xc0, 7, 0x48, 0xbb, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11, 0xeb, 0x00]);
    assert.equal(stop, Stop.Halted);
    assert.equal(rig.cpu.getReg(0, 4), 12);
    assert.equal(rig.cpu.getReg(3, 8), 0x55667788);
    assert.equal(rig.cpu.hi >>> 0, 0x11223344);
    assert.equal(getFlags(rig.cpu) & 0x8d5, 0x4); // PF set (12 = 0b1100 has even parity), others clear
  });
  it('runs in real mode and 32-bit protected mode', () => {
    for (const mode of ['real', 'prot32'] as const) {
      const rig = makeRig(mode);
      const stop = runCode(rig, [0xb0, 0x41, 0xe6, 0x80]); // mov al,0x41; out 0x80,al
      assert.equal(stop, Stop.Halted, mode);
      assert.deepEqual(rig.ports, [{ port: 0x80, size: 1, value: 0x41 }]);
    }
  });
});
