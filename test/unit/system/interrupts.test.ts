// hooks.checkInterrupts: maskable interrupts and RFLAGS.IF, the STI and MOV
// SS interrupt shadows, NMI and its blocking until IRET, waking from HLT,
// INIT and start-up IPIs (SDM vol 3A 6.7-6.9, 9.4).
import { strict as assert } from 'assert';
import { runCode, CODE } from '../../support/snippet';
import { makeSysRig, stubVector, stackSlots, setGate, K64, STUBS, SysRig } from '../../support/sysrig';
import { Stop } from '../../../emulator/x86/cpu';
import { CpuMode } from '../../../emulator/x86/state';
import { CS } from '../../../emulator/x86/regs';
import { InterruptInputs } from '../../../emulator/x86/platform';
import { inShadow } from '../../../emulator/x86/exec/interrupts';

class FakeIntc implements InterruptInputs {
  pending: number[] = [];
  acked: number[] = [];
  nmiPending = false; initPending = false; sipiVector = -1;
  tpr = 0;
  hasInterrupt(): boolean { return this.pending.length > 0; }
  acknowledge(): number { const v = this.pending.shift()!; this.acked.push(v); return v; }
  readCr8(): number { return this.tpr; }
  writeCr8(v: number): void { this.tpr = v; }
}

function rigWithIntc(): { rig: SysRig; ic: FakeIntc } {
  const rig = makeSysRig('long64');
  const ic = new FakeIntc();
  (rig.cpu.plat as { intc: InterruptInputs }).intc = ic;
  return { rig, ic };
}

describe('system: interrupt checks', () => {
  it('delivers a pending interrupt when IF=1 and acknowledges it', () => {
    const { rig, ic } = rigWithIntc();
    ic.pending.push(0x30);
    rig.cpu.flagsRest |= 0x200;
    runCode(rig, [0x90]);
    assert.equal(stubVector(rig.cpu), 0x30);
    assert.deepEqual(ic.acked, [0x30]);
    assert.equal(stackSlots(rig, 1, 8)[0], CODE, 'interrupted before the first instruction');
    assert.ok(!rig.events.some((e) => e.kind === 'exception'), 'interrupts are not exception events');
  });

  it('holds interrupts while IF=0; HLT then stays halted', () => {
    const { rig, ic } = rigWithIntc();
    ic.pending.push(0x30);
    assert.equal(runCode(rig, [0x90]), Stop.Halted);
    assert.equal(rig.cpu.halted, true);
    assert.equal(rig.cpu.rip, CODE + 2);
    assert.equal(rig.cpu.run(10), Stop.Halted);
    assert.deepEqual(ic.acked, []);
  });

  it('wakes a halted CPU once IF=1 and an interrupt is pending; returns after the HLT', () => {
    const { rig, ic } = rigWithIntc();
    rig.cpu.flagsRest |= 0x200;
    assert.equal(runCode(rig, [0x90]), Stop.Halted);
    ic.pending.push(0x41);
    rig.cpu.run(10);
    assert.equal(stubVector(rig.cpu), 0x41);
    assert.equal(stackSlots(rig, 1, 8)[0], CODE + 2);
  });

  it('STI shadow: the instruction after STI runs before the interrupt (sti; hlt)', () => {
    const { rig, ic } = rigWithIntc();
    ic.pending.push(0x30);
    runCode(rig, [0xfb, 0xf4, 0xf4]); // sti; hlt; hlt
    assert.equal(stubVector(rig.cpu), 0x30);
    assert.equal(stackSlots(rig, 1, 8)[0], CODE + 2, 'taken after the first HLT');
  });

  it('MOV SS shadow', () => {
    const { rig, ic } = rigWithIntc();
    ic.pending.push(0x30);
    rig.cpu.flagsRest |= 0x200;
    // mov $0x10,%eax; mov %eax,%ss; hlt; hlt — the interrupt is pending from the start.
    runCode(rig, [0xb8, 0x10, 0x00, 0x00, 0x00, 0x8e, 0xd0, 0xf4, 0xf4]);
    assert.equal(stubVector(rig.cpu), 0x30);
    assert.equal(stackSlots(rig, 1, 8)[0], CODE, 'delivered before the first instruction (IF=1 already)');
    const r2 = rigWithIntc();
    r2.rig.cpu.flagsRest |= 0x200;
    r2.rig.cpu.setReg(0, 4, 0x10);
    r2.rig.cpu.setReg(4, 8, 0x2ff000);
    // Deliver nothing until MOV SS has executed, then raise the interrupt: the shadow covers the HLT.
    r2.rig.mem.writeBytes(CODE, Uint8Array.from([0x8e, 0xd0, 0xf4, 0xf4]));
    r2.rig.cpu.flushCodeCache();
    r2.rig.cpu.rip = CODE;
    r2.rig.cpu.run(1);
    assert.equal(inShadow(r2.rig.cpu), true);
    r2.ic.pending.push(0x31);
    r2.rig.cpu.run(10);
    assert.equal(stubVector(r2.rig.cpu), 0x31);
    assert.equal(stackSlots(r2.rig, 1, 8)[0], CODE + 3, 'taken after the HLT in the shadow');
  });

  it('NMI ignores IF, then blocks further NMIs until IRET', () => {
    const { rig, ic } = rigWithIntc();
    // NMI handler: iretq
    rig.mem.writeBytes(STUBS + 2 * 16, Uint8Array.from([0x48, 0xcf]));
    ic.nmiPending = true;
    rig.cpu.run(0); // nothing yet
    runCode(rig, [0x90, 0x90, 0x90]);
    assert.equal(rig.cpu.nmiBlocked, false, 'IRET unblocked NMIs');
    assert.equal(rig.cpu.rip, CODE + 4, 'handler returned and the code ran to its HLT');
    // Now block: handler halts instead of returning.
    const r2 = rigWithIntc();
    r2.ic.nmiPending = true;
    runCode(r2.rig, [0x90]);
    assert.equal(stubVector(r2.rig.cpu), 2);
    assert.equal(r2.rig.cpu.nmiBlocked, true);
    r2.ic.nmiPending = true;
    r2.rig.cpu.run(10);
    assert.equal(stubVector(r2.rig.cpu), 2);
    assert.equal(r2.ic.nmiPending, true, 'second NMI stays pending while blocked');
  });

  it('INIT resets to wait-for-SIPI; SIPI starts real mode at vector:0000', () => {
    const { rig, ic } = rigWithIntc();
    const cpu = rig.cpu;
    ic.initPending = true;
    assert.equal(cpu.run(10), Stop.WaitSipi);
    assert.equal(cpu.waitForSipi, true);
    assert.equal(cpu.mode, CpuMode.Real);
    assert.equal(cpu.cr0 & 1, 0);
    assert.equal(cpu.efer, 0);
    assert.equal(cpu.segSel[CS], 0xf000);
    assert.equal(cpu.rip, 0xfff0);
    rig.mem.writeBytes(0x12000, Uint8Array.from([0xb0, 0x77, 0xf4])); // mov $0x77,%al; hlt
    ic.sipiVector = 0x12;
    assert.equal(cpu.run(10), Stop.Halted);
    assert.equal(cpu.waitForSipi, false);
    assert.equal(cpu.segSel[CS], 0x1200);
    assert.equal(cpu.regs[0] & 0xff, 0x77);
    assert.equal(ic.sipiVector, -1);
  });

  it('a gate through the IST still works for external interrupts at CPL 0', () => {
    const { rig, ic } = rigWithIntc();
    setGate(rig, 0x40, K64, STUBS + 0x40 * 16, { ist: 1 });
    ic.pending.push(0x40);
    rig.cpu.flagsRest |= 0x200;
    runCode(rig, [0x90]);
    assert.equal(stubVector(rig.cpu), 0x40);
  });
});
