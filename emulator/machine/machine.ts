// The Machine: RAM, vCPUs, chipset and the deterministic run loop. One
// instance is one VM run; the CLI, the tests and the debug adapter drive it.
import { EventStream, MachineEvent } from '../events';
import { Clock } from './clock';
import { IoBus } from './bus';
import { PhysicalMemory, pcRamLayout } from '../mem/physmem';
import { createCpu } from '../x86/index';
import { Cpu } from '../x86/cpu';
import { Stop } from '../x86/cpu';
import { CpuMode } from '../x86/state';
import { CS, DS, ES, FS, GS, SS, LDTR, TR } from '../x86/regs';
import { setFlags } from '../x86/flags';
import { parseCpuPolicy, CpuModel } from '../x86/cpu-model';
import { loadMultiboot, MultibootCpuState, SegmentValue } from './multiboot';
import { createChipset, Chipset } from './devices';
import { MachineOptions } from './options';
import { installNestedVmx, installNestedSvm } from '../l0';
import type { ElfFile } from './elf';

/** Why a run ended. */
export type RunEnd =
  | { kind: 'debug-exit'; status: number; value: number }
  | { kind: 'triple-fault'; vcpu: number; reason: string }
  | { kind: 'halted'; detail: string }
  | { kind: 'limit'; instructions: number }
  | { kind: 'stopped' }
  | { kind: 'breakpoint'; vcpu: number }
  | { kind: 'reset'; detail: string };

const DEFAULT_QUANTUM = 1000;

export class Machine {
  readonly events = new EventStream();
  readonly clock = new Clock();
  readonly mem: PhysicalMemory;
  readonly io: IoBus;
  readonly cpus: Cpu[] = [];
  readonly chipset: Chipset;
  readonly model: CpuModel;
  readonly elf: ElfFile | undefined;
  readonly ramBytes: number;
  private end: RunEnd | null = null;
  private quantum: number;
  // Scheduling position, kept across run() calls so a run in slices (the
  // debugger's) interleaves vCPUs exactly as one uninterrupted run does.
  private turn = 0;
  private quantumLeft = 0;
  /** Consecutive turns in which a vCPU retired nothing (all idle = time passes). */
  private idleTurns = 0;

  constructor(readonly opts: MachineOptions) {
    this.ramBytes = opts.memoryBytes ?? 256 * 1024 * 1024;
    const layout = pcRamLayout(this.ramBytes);
    this.mem = new PhysicalMemory(layout);
    this.io = new IoBus(this.events);
    this.model = parseCpuPolicy(opts.cpu ?? 'max');
    const ncpus = opts.smp ?? 1;
    this.quantum = opts.quantum ?? DEFAULT_QUANTUM;
    const below = layout[0].size;
    const above = layout.length > 1 ? layout[1].size : 0;
    this.chipset = createChipset({
      clock: this.clock,
      events: this.events,
      io: this.io,
      mem: this.mem,
      ncpus,
      ramBytes: this.ramBytes,
      ramBelow4g: below,
      ramAbove4g: above,
      serialOut: opts.serialOut ?? (() => {}),
      physAddrBits: this.model.physAddrBits,
      onResetRequest: (source) => {
        // A reset is not modelled as a reboot: the run ends and says why.
        this.end = { kind: 'reset', detail: source };
        for (const c of this.cpus) c.requestStop(Stop.Requested);
      },
    });
    this.events.on((e) => this.onEvent(e));

    // Multiboot load (the same way QEMU's -kernel does).
    const boot = loadMultiboot(this.mem, opts.kernel, {
      kernelPath: opts.kernelPath,
      append: opts.append,
      modules: opts.modules,
      cpu: this.model,
    });
    this.elf = boot.elf;

    for (let i = 0; i < ncpus; i++) {
      const plat = {
        mem: this.mem,
        io: this.io,
        events: this.events,
        clock: this.clock,
        intc: this.chipset.vcpuInterrupts(i),
        msrDevices: this.chipset.msrDevices(i),
      };
      const cpu = createCpu(i, plat, this.model, i);
      // The built-in L0 gives the guest VMX when its CPU policy advertises it.
      if (this.model.has('vmx')) installNestedVmx(cpu);
      if (this.model.has('svm')) installNestedSvm(cpu);
      this.cpus.push(cpu);
      if (i === 0) this.bootState(cpu, boot.cpu);
      else cpu.waitForSipi = true; // APs wait for INIT/SIPI (SDM vol 3A, 9.4.3)
    }
  }

  /** Multiboot machine state (Multiboot spec 0.6.96, 3.2) as QEMU's option ROM leaves it. */
  private bootState(cpu: Cpu, st: MultibootCpuState): void {
    const set = (seg: number, v: SegmentValue): void => {
      cpu.segSel[seg] = v.selector; cpu.segBase[seg] = v.base; cpu.segLimit[seg] = v.limit >>> 0;
      // VMX access-rights format; a null/unused system register keeps its type.
      cpu.segAr[seg] = v.ar;
    };
    set(CS, st.cs); set(DS, st.ds); set(ES, st.es); set(FS, st.fs); set(GS, st.gs); set(SS, st.ss);
    set(LDTR, st.ldtr); set(TR, st.tr);
    cpu.gdtrBase = st.gdtr.base; cpu.gdtrLimit = st.gdtr.limit;
    cpu.idtrBase = st.idtr.base; cpu.idtrLimit = st.idtr.limit;
    cpu.cr0 = st.cr0; cpu.cr3 = st.cr3; cpu.cr4 = st.cr4; cpu.efer = st.efer;
    const regs: [number, number][] = [[0, st.eax], [1, st.ecx], [2, st.edx], [3, st.ebx], [4, st.esp], [5, st.ebp], [6, st.esi], [7, st.edi]];
    for (const [r, v] of regs) cpu.setReg(r, 4, v >>> 0);
    setFlags(cpu, st.eflags);
    cpu.rip = st.eip >>> 0;
    cpu.setCpl(0);
    cpu.updateMode();
    if (cpu.mode !== CpuMode.Prot32) throw new Error('boot state is not 32-bit protected mode');
  }

  private onEvent(e: MachineEvent): void {
    if (e.kind === 'debug-exit') {
      this.end = { kind: 'debug-exit', status: e.status, value: e.value };
      for (const c of this.cpus) c.requestStop(Stop.Requested);
    } else if (e.kind === 'triple-fault') {
      this.end = { kind: 'triple-fault', vcpu: e.vcpu, reason: e.reason };
      for (const c of this.cpus) c.requestStop(Stop.TripleFault);
    }
  }

  /** Ends the run from outside (debugger pause/stop); run() returns { kind: 'stopped' }. */
  stop(): void {
    this.end = { kind: 'stopped' };
    for (const c of this.cpus) c.requestStop(Stop.Requested);
  }

  get ended(): RunEnd | null { return this.end; }

  /** Total instructions retired by all vCPUs. */
  get instructions(): number {
    let n = 0;
    for (const c of this.cpus) n += c.icount;
    return n;
  }

  /**
   * Runs until the guest ends the run, everything halts for good, or
   * `maxInstructions` more instructions have retired. vCPUs take turns in
   * fixed quanta in index order, so a run is reproducible.
   */
  run(maxInstructions = Infinity): RunEnd {
    if (this.end && this.end.kind !== 'stopped') return this.end;
    this.end = null;
    const start = this.instructions;
    const cpus = this.cpus;
    const many = cpus.length > 1 ? this.quantum : 1 << 20;
    if (this.quantumLeft <= 0) this.quantumLeft = many;
    while (!this.end) {
      const done = this.instructions - start;
      const left = maxInstructions - done;
      if (left <= 0) return { kind: 'limit', instructions: done };
      const i = this.turn;
      const cpu = cpus[i];
      this.chipset.currentVcpu = i;
      const untilDeadline = this.clock.nextDeadline - this.clock.ticks;
      const budget = Math.max(1, Math.min(left, this.quantumLeft, untilDeadline > 0 ? untilDeadline : 1));
      const before = cpu.icount;
      const stop = cpu.run(budget);
      const did = cpu.icount - before;
      this.quantumLeft -= did;
      if (stop === Stop.Breakpoint) return { kind: 'breakpoint', vcpu: i };
      if (this.end) break;
      if (did > 0) this.idleTurns = 0;
      // Next vCPU when the quantum is used up or this one cannot run now.
      if (this.quantumLeft <= 0 || stop === Stop.Halted || stop === Stop.WaitSipi || did === 0) {
        this.turn = (i + 1) % cpus.length;
        this.quantumLeft = many;
        if (did === 0) this.idleTurns++;
      }
      if (this.idleTurns >= cpus.length) {
        this.idleTurns = 0;
        // Nothing retired: every vCPU is halted or waiting for a start-up IPI.
        // A vCPU halted with IF=0 can only be woken by NMI/INIT (SDM vol 3A,
        // HLT); if none can come, the run is over whether or not timers are armed.
        const wakeable = cpus.some((c) => (c.halted && (c.flagsRest & 0x200) !== 0) || c.plat.intc.nmiPending || c.plat.intc.initPending);
        if (!wakeable || this.clock.nextDeadline === Infinity) {
          const c = cpus[0];
          const ifOn = (c.flagsRest & 0x200) !== 0;
          const where = `rip 0x${c.rip.toString(16)}`;
          this.end = {
            kind: 'halted',
            detail: ifOn
              ? `all vCPUs halted with no timer armed and no interrupt pending (${where})`
              : `vCPU 0 halted with interrupts disabled (${where}): the guest can never run again`,
          };
          this.events.emit({ kind: 'halt', vcpu: 0, rip: c.rip, icount: c.icount, interruptsEnabled: ifOn });
          break;
        }
        this.clock.ticks = Math.max(this.clock.ticks, this.clock.nextDeadline);
        this.clock.fire();
      }
    }
    return this.end!;
  }
}

