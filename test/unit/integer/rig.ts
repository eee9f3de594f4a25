// Emulator-only helpers for the integer unit tests: a snippet rig whose
// exceptions are recorded (not delivered through an IDT), register access
// by BigInt, and page-table edits for fault tests.
import { makeRig, runCode, SnippetMode, SnippetRig, CODE } from '../../support/snippet';
import { Stop } from '../../../emulator/x86/cpu';
import { CpuFault } from '../../../emulator/x86/fault';
import { getFlags } from '../../../emulator/x86/flags';
import type { Cpu } from '../../../emulator/x86/cpu';

export { CODE };

export interface Emu {
  rig: SnippetRig;
  cpu: Cpu;
  /** The last exception raised (the run stops at the faulting instruction). */
  fault: CpuFault | null;
  run(code: number[], max?: number): Stop;
  /** Continues from the current RIP (after fixing the cause of a fault). */
  resume(max?: number): Stop;
  get(r: number): bigint;
  set(r: number, v: bigint): void;
  flags(): number;
}

export function emu(mode: SnippetMode): Emu {
  const rig = makeRig(mode);
  const cpu = rig.cpu;
  const e: Emu = {
    rig, cpu, fault: null,
    run(code, max = 100000) {
      e.fault = null;
      return runCode(rig, code, max);
    },
    resume(max = 100000) {
      e.fault = null;
      cpu.halted = false;
      return cpu.run(max);
    },
    get(r) { return (BigInt(cpu.regs[2 * r + 1] >>> 0) << 32n) | BigInt(cpu.regs[2 * r] >>> 0); },
    set(r, v) {
      const x = BigInt.asUintN(64, v);
      cpu.regs[2 * r] = Number(x & 0xffffffffn) | 0;
      cpu.regs[2 * r + 1] = Number(x >> 32n) | 0;
    },
    flags() { return getFlags(cpu); },
  };
  cpu.hooks = {
    deliverFault(c, f) { e.fault = f; c.requestStop(Stop.Requested); },
    checkInterrupts() {},
  };
  return e;
}

/**
 * Long-mode rigs map 0..1 GiB with 2 MiB pages (page directory at 0x3000).
 * Splits the 2 MiB page at `base2m` into 4 KiB pages (page table at `pt`),
 * with `absent` pages not present.
 */
export function splitPage(e: Emu, base2m: number, pt: number, absent: number[]): void {
  const mem = e.rig.mem;
  for (let k = 0; k < 512; k++) {
    const a = base2m + k * 4096;
    mem.write(pt + k * 8, 4, absent.includes(a) ? 0 : (a | 7) >>> 0);
    mem.write(pt + k * 8 + 4, 4, 0);
  }
  mem.write(0x3000 + (base2m >> 21) * 8, 4, pt | 7);
  mem.write(0x3000 + (base2m >> 21) * 8 + 4, 4, 0);
  e.cpu.mmu.flushAll();
}

/** Makes a 4 KiB page (split by splitPage) present again. */
export function mapPage(e: Emu, pt: number, base2m: number, page: number): void {
  e.rig.mem.write(pt + ((page - base2m) >> 12) * 8, 4, (page | 7) >>> 0);
  e.cpu.mmu.flushAll();
}
