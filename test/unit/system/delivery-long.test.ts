// Exception and interrupt delivery in IA-32e mode (SDM vol 3A, 6.14):
// 16-byte gates, the 64-bit frame, RSP alignment, RSP0 and IST stacks,
// privilege checks on software interrupts, #DF and triple fault.
import { strict as assert } from 'assert';
import { runCode, CODE } from '../../support/snippet';
import { makeSysRig, setGate, stubVector, stackSlots, setDescriptor, K64, KDATA, U64, UDATA, RSP0, IST1, USER_STACK, STUBS, FREE, AR } from '../../support/sysrig';
import { Stop } from '../../../emulator/x86/cpu';
import { getFlags } from '../../../emulator/x86/flags';
import type { MachineEvent } from '../../../emulator/events';

const exceptions = (ev: MachineEvent[]): number[] => ev.filter((e) => e.kind === 'exception').map((e) => (e as { vector: number }).vector);

describe('system: delivery in IA-32e mode', () => {
  it('delivers #UD from ud2 with the 64-bit frame and RF=1 in the pushed RFLAGS', () => {
    const rig = makeSysRig('long64');
    rig.cpu.setReg(4, 8, 0x2ffff8); // misaligned: the frame must start on a 16-byte boundary
    const stop = runCode(rig, [0x0f, 0x0b]); // ud2
    assert.equal(stop, Stop.Halted);
    const cpu = rig.cpu;
    assert.equal(stubVector(cpu), 6);
    assert.equal(cpu.regs[8] >>> 0, 0x2ffff0 - 40);
    const [rip, cs, rflags, rsp, ss] = stackSlots(rig, 5, 8);
    assert.equal(rip, CODE);
    assert.equal(cs, K64);
    assert.equal(rflags & 0x10000, 0x10000, 'RF set for a fault');
    assert.equal(rsp, 0x2ffff8);
    assert.equal(ss, KDATA);
    assert.deepEqual(exceptions(rig.events), [6]);
    assert.equal(getFlags(cpu) & 0x200, 0, 'IF clear through an interrupt gate');
  });

  it('INT n pushes the next RIP and no RF; trap gates keep IF', () => {
    const rig = makeSysRig('long64');
    setGate(rig, 0x80, K64, STUBS + 0x80 * 16, { type: 0xf });
    rig.cpu.flagsRest |= 0x200;
    runCode(rig, [0xcd, 0x80]); // int $0x80
    assert.equal(stubVector(rig.cpu), 0x80);
    const [rip, , rflags] = stackSlots(rig, 3, 8);
    assert.equal(rip, CODE + 2);
    assert.equal(rflags & 0x10200, 0x200);
    assert.equal(getFlags(rig.cpu) & 0x200, 0x200);
    assert.deepEqual(exceptions(rig.events), [], 'INT n is not an exception event');
  });

  it('#GP with a selector error code from MOV DS', () => {
    const rig = makeSysRig('long64');
    runCode(rig, [0x66, 0xb8, 0x58, 0x00, 0x8e, 0xd8]); // mov $0x58,%ax; mov %ax,%ds (null descriptor at 0x58)
    assert.equal(stubVector(rig.cpu), 13);
    const [ec, rip] = stackSlots(rig, 2, 8);
    assert.equal(ec, 0x58);
    assert.equal(rip, CODE + 4);
  });

  it('uses the IST stack named by the gate', () => {
    const rig = makeSysRig('long64');
    setGate(rig, 3, K64, STUBS + 3 * 16, { ist: 1, dpl: 3 });
    runCode(rig, [0xcc]); // int3
    assert.equal(stubVector(rig.cpu), 3);
    assert.equal(rig.cpu.regs[8] >>> 0, IST1 - 40);
    assert.deepEqual(exceptions(rig.events), [3]);
  });

  it('IRETQ to ring 3, then INT from ring 3 switches to RSP0 through a DPL-3 gate', () => {
    const rig = makeSysRig('long64');
    setGate(rig, 0x80, K64, STUBS + 0x80 * 16, { dpl: 3 });
    // push $0x3b; push $USER_STACK; pushfq; push $0x43; lea user(%rip),%rax; push %rax; iretq; user: int $0x80
    const code = [0x6a, 0x3b, 0x68, 0x00, 0x00, 0x2d, 0x00, 0x9c, 0x6a, 0x43, 0x48, 0x8d, 0x05, 0x03, 0x00, 0x00, 0x00, 0x50, 0x48, 0xcf, 0xcd, 0x80];
    const stop = runCode(rig, code);
    assert.equal(stop, Stop.Halted);
    const cpu = rig.cpu;
    assert.equal(stubVector(cpu), 0x80);
    assert.equal(cpu.cpl, 0);
    assert.equal(cpu.regs[8] >>> 0, RSP0 - 40);
    const [rip, cs, , rsp, ss] = stackSlots(rig, 5, 8);
    assert.equal(rip, CODE + code.length);
    assert.equal(cs, U64 | 3);
    assert.equal(rsp, USER_STACK);
    assert.equal(ss, UDATA | 3);
    assert.equal(cpu.segSel[2], 0, 'SS is a null selector with RPL = new CPL');
  });

  it('INT n from ring 3 through a DPL-0 gate is #GP(vector*8+2)', () => {
    const rig = makeSysRig('long64');
    const code = [0x6a, 0x3b, 0x68, 0x00, 0x00, 0x2d, 0x00, 0x9c, 0x6a, 0x43, 0x48, 0x8d, 0x05, 0x03, 0x00, 0x00, 0x00, 0x50, 0x48, 0xcf, 0xcd, 0x80];
    runCode(rig, code);
    assert.equal(stubVector(rig.cpu), 13);
    const [ec, rip, cs] = stackSlots(rig, 3, 8);
    assert.equal(ec, 0x80 * 8 + 2);
    assert.equal(rip, CODE + code.length - 2, 'RIP of the INT instruction');
    assert.equal(cs, U64 | 3);
  });

  it('#GP while delivering #NP becomes #DF (contributory + contributory)', () => {
    const rig = makeSysRig('long64');
    setDescriptor(rig, FREE, 0, 0xffffffff, AR.data & ~0x80); // not present
    setGate(rig, 11, K64, STUBS + 11 * 16, { type: 0x5 }); // invalid gate type in IA-32e mode
    runCode(rig, [0x66, 0xb8, FREE, 0x00, 0x8e, 0xd8]); // mov $FREE,%ax; mov %ax,%ds
    assert.equal(stubVector(rig.cpu), 8);
    const [ec, rip] = stackSlots(rig, 2, 8);
    assert.equal(ec, 0);
    assert.equal(rip, CODE + 4);
    assert.deepEqual(exceptions(rig.events), [11, 13, 8]);
  });

  it('an exception during #DF delivery is a triple fault: event and Stop.TripleFault', () => {
    const rig = makeSysRig('long64');
    rig.cpu.idtrLimit = 0;
    const stop = runCode(rig, [0x0f, 0x0b]);
    assert.equal(stop, Stop.TripleFault);
    const tf = rig.events.filter((e) => e.kind === 'triple-fault');
    assert.equal(tf.length, 1);
    assert.deepEqual(exceptions(rig.events), [6, 13, 13, 8]);
    assert.equal(rig.cpu.shutdown, true);
    assert.equal(rig.cpu.run(100), Stop.Halted, 'shutdown stays stopped');
  });

  it('a not-present gate is #NP(vector*8+2+EXT) for hardware exceptions', () => {
    const rig = makeSysRig('long64');
    setGate(rig, 6, K64, STUBS + 6 * 16, { present: false });
    runCode(rig, [0x0f, 0x0b]);
    assert.equal(stubVector(rig.cpu), 11);
    const [ec] = stackSlots(rig, 1, 8);
    assert.equal(ec, 6 * 8 + 2 + 1);
  });

  it('a gate whose target is not 64-bit code is #GP(selector+EXT)', () => {
    const rig = makeSysRig('long64');
    setGate(rig, 6, 0x18, STUBS + 6 * 16); // 32-bit code segment
    runCode(rig, [0x0f, 0x0b]);
    assert.equal(stubVector(rig.cpu), 13);
    assert.equal(stackSlots(rig, 1, 8)[0], 0x18 | 1);
  });

  it('delivers from compatibility mode into 64-bit mode', () => {
    const rig = makeSysRig('compat32');
    runCode(rig, [0x0f, 0x0b]);
    assert.equal(stubVector(rig.cpu), 6);
    assert.equal(rig.cpu.long64, true);
    const [rip, cs] = stackSlots(rig, 2, 8);
    assert.equal(rip, CODE);
    assert.equal(cs, 0x18);
  });
});
