// Runs raw instruction bytes on a fresh vCPU in a chosen mode, for unit and
// differential tests. Memory: 16 MiB of RAM, identity-mapped in long mode
// (2 MiB pages, page tables at 0x1000). Code is placed at CODE, a scratch
// data area at DATA, the stack grows down from STACK_TOP.
import { PhysicalMemory } from '../../emulator/mem/physmem';
import { EventStream, MachineEvent } from '../../emulator/events';
import { createCpu } from '../../emulator/x86/index';
import { Cpu } from '../../emulator/x86/cpu';
import { CpuPlatform, InterruptInputs } from '../../emulator/x86/platform';
import { CpuModelLike } from '../../emulator/x86/model';
import { CpuMode } from '../../emulator/x86/state';
import { Stop } from '../../emulator/x86/cpu';
import { CS, DS, ES, FS, GS, SS } from '../../emulator/x86/regs';

export const CODE = 0x100000;
export const DATA = 0x200000;
export const STACK_TOP = 0x300000;

export type SnippetMode = 'real' | 'prot16' | 'prot32' | 'long64' | 'compat32';

export const testModel: CpuModelLike = {
  vendor: 'intel',
  physAddrBits: 40,
  cpuid: () => [0, 0, 0, 0],
  has: () => true,
};

class NoInterrupts implements InterruptInputs {
  nmiPending = false; initPending = false; sipiVector = -1;
  hasInterrupt(): boolean { return false; }
  acknowledge(): number { return 0; }
  readCr8(): number { return 0; }
  writeCr8(): void {}
}

export interface SnippetRig { cpu: Cpu; mem: PhysicalMemory; events: MachineEvent[]; ports: { port: number; size: number; value: number }[] }

export function makeRig(mode: SnippetMode, model: CpuModelLike = testModel): SnippetRig {
  const mem = new PhysicalMemory([{ base: 0, size: 16 << 20 }]);
  const stream = new EventStream();
  const events: MachineEvent[] = [];
  stream.on((e) => events.push(e));
  const ports: { port: number; size: number; value: number }[] = [];
  const plat: CpuPlatform = {
    mem,
    io: { read: () => 0xffffffff, write: (port, size, value) => { ports.push({ port, size, value }); } },
    events: stream,
    clock: { ticks: 0, nextDeadline: Infinity, fire() {} },
    intc: new NoInterrupts(),
    msrDevices: [],
  };
  const cpu = createCpu(0, plat, model);
  setMode(cpu, mem, mode);
  return { cpu, mem, events, ports };
}

/** Flat segments for the mode; access rights in VMCS format (type, S, DPL, P, L, D/B, G). */
export function setMode(cpu: Cpu, mem: PhysicalMemory, mode: SnippetMode): void {
  const flat = (seg: number, ar: number): void => {
    cpu.segSel[seg] = seg === CS ? 0x8 : 0x10;
    cpu.segBase[seg] = 0;
    cpu.segLimit[seg] = 0xffffffff;
    cpu.segAr[seg] = ar;
  };
  if (mode === 'real') {
    cpu.cr0 = 0x60000010;
    for (const s of [ES, CS, SS, DS, FS, GS]) { cpu.segSel[s] = 0; cpu.segBase[s] = 0; cpu.segLimit[s] = 0xffff; cpu.segAr[s] = s === CS ? 0x9b : 0x93; }
    cpu.updateMode();
    return;
  }
  cpu.cr0 = 0x11 | 0x20; // PE, ET, NE
  const code32 = 0xc09b, data32 = 0xc093;
  if (mode === 'prot16') {
    flat(CS, 0x9b); for (const s of [ES, SS, DS, FS, GS]) flat(s, 0x93);
  } else if (mode === 'prot32') {
    flat(CS, code32); for (const s of [ES, SS, DS, FS, GS]) flat(s, data32);
  } else {
    // Long mode: identity map 0..1 GiB with 2 MiB pages (SDM vol 3A, 4.5).
    const pml4 = 0x1000, pdpt = 0x2000, pd = 0x3000;
    const w32 = (a: number, v: number): void => mem.write(a, 4, v >>> 0);
    w32(pml4, pdpt | 7); w32(pml4 + 4, 0);
    w32(pdpt, pd | 7); w32(pdpt + 4, 0);
    for (let k = 0; k < 512; k++) { w32(pd + k * 8, (k << 21) | 0x87); w32(pd + k * 8 + 4, 0); }
    cpu.cr3 = pml4;
    cpu.cr4 = 0x20 | 0x200 | 0x400; // PAE, OSFXSR, OSXMMEXCPT
    cpu.efer = 0x500 | 0x800 | 1; // LME, LMA, NXE, SCE
    cpu.cr0 = 0x80000033; // PG, NE, ET, MP, PE
    flat(CS, mode === 'long64' ? 0xa09b : code32);
    for (const s of [ES, SS, DS, FS, GS]) flat(s, data32);
  }
  cpu.mmu.flushAll();
  cpu.updateMode();
  if (mode === 'long64' && cpu.mode !== CpuMode.Long64) throw new Error('snippet rig: not in 64-bit mode');
}

/**
 * Loads `code` at CODE, appends HLT, runs until HLT (or `maxInsns`).
 * Returns the stop reason; the caller inspects rig.cpu.
 */
export function runCode(rig: SnippetRig, code: number[] | Uint8Array, maxInsns = 10000): Stop {
  const { cpu, mem } = rig;
  const bytes = Uint8Array.from([...code, 0xf4]);
  mem.writeBytes(CODE, bytes);
  cpu.flushCodeCache();
  cpu.rip = cpu.mode === CpuMode.Real ? 0 : CODE;
  if (cpu.mode === CpuMode.Real) { cpu.segBase[CS] = CODE; cpu.segSel[CS] = CODE >> 4; cpu.segBase[SS] = 0x20000; cpu.segSel[SS] = 0x2000; }
  if (cpu.getReg(4, 8) === 0 && cpu.hi === 0) cpu.setReg(4, 8, cpu.mode === CpuMode.Real ? 0xfff0 : STACK_TOP);
  cpu.halted = false;
  return cpu.run(maxInsns);
}
