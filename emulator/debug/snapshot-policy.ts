// What snapshots leave out of the generic traversal (snapshot-graph.ts), and
// why. Everything not named here is captured, so new state is snapshotted
// without anyone editing this file; only caches, immutable tables and host
// wiring belong here. The structural-dump test (test/unit/debug/
// snapshot.test.ts) fails when a field changes across a restore: that is the
// sign that a new field is a cache to list here, or state that lives where
// the traversal cannot see it (a WeakMap, a module variable, a closure).
//
// Reasons:
//  immutable  configuration fixed at construction (large; never written);
//  cache      derived data the restore invalidates and the core rebuilds;
//  host       owned by whoever drives the machine (listeners, breakpoints),
//             not by the guest's timeline;
//  ram        guest RAM, captured page-wise by snapshot-ram.ts.
import type { ExclusionReason, SnapshotPolicy } from './snapshot-graph';
import { Machine } from '../machine/machine';
import { Cpu } from '../x86/cpu';
import { Mmu, Tlb } from '../x86/mmu';
import { PhysicalMemory } from '../mem/physmem';
import { EventStream } from '../events';
import { IoBus } from '../machine/bus';
import { Clock } from '../machine/clock';
import { CpuModel } from '../x86/cpu-model';
import { ElfFile } from '../machine/elf';
import { VmcsProfile } from '../vmx/vmcs';
import { VmxVcpuState } from '../l0/vmx-state';
import { Ept02 } from '../l0/vmx-ept02';
import { SvmVcpuState } from '../l0/svm-state';
import { Npt02 } from '../l0/svm-npt02';
import { TlbBank } from '../l0/svm-tlb';
import { VmrunCheckMemo } from '../svm/vmrun-checks';

const fields = (entries: [string, ExclusionReason][]): Map<string, ExclusionReason> => new Map(entries);

export const SNAPSHOT_POLICY: SnapshotPolicy = {
  skipClasses: new Map<Function, ExclusionReason>([
    // Listeners belong to the hosts; `seen` is which diagnostics the user was
    // already shown, which a replay must not show again. The transition seq
    // counter (l0/transitions.ts, a WeakMap) is saved by snapshot.ts.
    [EventStream, 'host'],
    [PhysicalMemory, 'ram'],
    [Tlb, 'cache'],
    [CpuModel, 'immutable'],
    [ElfFile, 'immutable'],
    [VmcsProfile, 'immutable'],
    // L0's per-level TLB banks of nested SVM (l0/svm-tlb.ts): TLBs too.
    [TlbBank, 'cache'],
    // What the VMRUN consistency checks last read (svm/vmrun-checks.ts VmrunCheckMemo).
    [VmrunCheckMemo, 'cache'],
  ]),
  skipFields: new Map<Function, Map<string, ExclusionReason>>([
    [Machine, fields([['opts', 'immutable']])],
    [Cpu, fields([
      ['tables', 'immutable'],
      // Decoded blocks, their JIT code and the direct-mapped lookup: flushed on restore.
      ['cache', 'cache'], ['fastTag', 'cache'], ['fastEpoch', 'cache'], ['fastBlock', 'cache'], ['pageBlocks', 'cache'],
      // The instruction being executed: only meaningful inside run().
      ['cur', 'cache'],
      // Debugger breakpoints and the interpreter-only switch belong to the host.
      ['breakAt', 'host'], ['breakSkipIcount', 'host'], ['jitEnabled', 'host'],
    ])],
    // A restored epoch could equal one the block lookup cached under later: it only ever grows.
    [Mmu, fields([['epoch', 'cache']])],
    // Which vCPU's block the clock adds to `ticks` (Clock.now): set by Cpu.run on entry.
    [Clock, fields([['running', 'cache']])],
    // Port -> device wiring, fixed once the chipset is built.
    [IoBus, fields([['ports', 'immutable']])],
    [VmxVcpuState, fields([['caps', 'immutable']])],
    // L0's shadow EPT02: "a cache (dropping it is always allowed)", dropped at
    // take and restore like the TLBs (snapshot.ts dropL0Caches).
    [Ept02, fields([['entries', 'cache']])],
    // Nested SVM: NPT02's entries and the sources of the merged MSRPM/IOPM
    // are caches too, dropped at take and restore (SvmVcpuState.dropCaches).
    [Npt02, fields([['map', 'cache']])],
    // (dv*, w*, hsaveImage: views of the VMCB images, captured through those.)
    [SvmVcpuState, fields([
      ['msrpmFrom', 'cache'], ['iopmFrom', 'cache'],
      ['dv12', 'cache'], ['dv01', 'cache'], ['dv02', 'cache'], ['w12', 'cache'], ['w02', 'cache'], ['hsaveImage', 'cache'],
    ])],
  ]),
};
