// The state a DAP session shares between its modules (session-launch.ts,
// session-stops.ts, session-memory.ts, session-output.ts, ...): the launched
// machine and its run control, the loaded symbols, the stop state (frames,
// variable handles, the last stop), and the few lookups they all need
// (symbols at an address, a source as the client sees it, the evaluation
// environment). Separate so the modules take one small object instead of the
// whole DebugSession subclass.
import * as fs from 'fs';
import * as path from 'path';
import { Source, Handles } from '@vscode/debugadapter';
import type { DebugProtocol } from '@vscode/debugprotocol';
import type { Machine } from '../emulator/machine/machine';
import type { Level } from '../emulator/events';
import type { Cpu } from '../emulator/x86/cpu';
import { hex64 } from '../emulator/x86/canon';
import type { RunControl, StopInfo } from '../emulator/debug/index';
import type { LaunchPlan } from './launch-config';
import { SymbolSource, symbolize } from './symbol-source';
import type { VarNode } from './registers';
import type { EvalEnv } from './evaluate';
import { SourcePaths } from './source-paths';
import { ERR, RequestError } from './session-errors';
import { FrameRef, symbolsAt } from './session-stack';
import { TransitionLog, Transition } from './transition-log';
import { TransitionFilters } from './transition-filters';
import { vmcsFieldValue } from './vmcs-variables';
import { vmcbFieldValue } from './vmcb-variables';
import type { DataBreakpoints } from './data-breakpoints';
import { readHalvesRef, runningLevel } from './memory-references';

/** What the context needs from the DebugSession: sending events and the client's line/column/path conventions. */
export interface SessionIo {
  sendEvent(event: DebugProtocol.Event): void;
  lineToClient(line: number): number;
  columnToClient(column: number): number;
  pathToClient(path: string): string;
}

export const threadOf = (vcpu: number): number => vcpu + 1;

export class SessionContext {
  plan: LaunchPlan | null = null;
  machine: Machine | null = null;
  rc: RunControl | null = null;
  symbols: SymbolSource[] = [];
  sourcePaths = new SourcePaths([], []);
  /** Serial output not yet sent (session-output.ts flushes it before other output). */
  serial = '';
  terminated = false;
  readonly varHandles = new Handles<() => VarNode[]>();
  readonly frames = new Map<number, FrameRef>();
  nextFrameId = 1;
  lastStop: StopInfo | null = null;
  readonly filters = new TransitionFilters();
  readonly log = new TransitionLog();
  /** Transition count at the last transitionsChanged event. */
  announcedTransitions = -1;
  /** Why the last stop on an exception filter happened: exceptionInfo reads it. */
  lastFilterStop: { filter: string; transition?: Transition } | null = null;
  dataBps: DataBreakpoints | null = null;
  /** Is a reverse operation running (session-reverse.ts)? Set by the session. */
  reverseRunning: () => boolean = () => false;

  constructor(readonly io: SessionIo) {}

  requireStopped(): { machine: Machine; rc: RunControl } {
    if (!this.machine || !this.rc) throw new RequestError(ERR.notLaunched, 'no machine: launch a kernel first');
    if (this.rc.running || this.reverseRunning()) throw new RequestError(ERR.running, 'the machine is running: pause it first');
    if (this.terminated) throw new RequestError(ERR.notLaunched, 'the run has ended');
    return { machine: this.machine, rc: this.rc };
  }

  /** Frames and variable handles of the last stop go stale. */
  invalidateStopState(): void {
    this.frames.clear();
    this.varHandles.reset();
    this.lastStop = null;
  }

  /** The symbol set of a level that knows `address` (by function or line), else the level's first. */
  symbolsAt(level: Level, address: number): SymbolSource | undefined {
    return symbolsAt(this.symbols, level, address);
  }

  /** A DWARF source path as the client sees it: mapped to where the file is here (source-paths.ts). */
  sourceOf(dwarfFile: string): Source {
    const file = this.sourcePaths.toLocal(dwarfFile);
    const src = new Source(path.basename(file), this.io.pathToClient(file));
    if (!fs.existsSync(file)) (src as DebugProtocol.Source).presentationHint = 'deemphasize';
    return src;
  }

  /** Registers of `cpu` (vCPU 0 when not given) and the symbols of `level`. */
  evalEnv(level: Level, cpu?: Cpu): EvalEnv | undefined {
    const c = cpu ?? this.machine?.cpus[0];
    if (!c) return undefined;
    const mine = this.symbols.filter((x) => x.level === level);
    // Reads without an address space read the frame's level (a suspended L1 frame: L1's addresses).
    const own = level === runningLevel(c) ? null : level === 2 ? 'l2' : 'l1';
    return {
      cpu: c,
      vmcsField: (name) => vmcsFieldValue(c, name) ?? vmcbFieldValue(c, name),
      readMemory: (space, addr, size) => readHalvesRef(c, { space: space ?? own, address: addr }, size),
      symbol: (name) => {
        for (const s of mine) {
          const a = s.addressOf(name);
          if (a !== undefined) return a;
        }
        return undefined;
      },
    };
  }

  describeAddress(level: Level, address: number): string {
    const s = this.symbolsAt(level, address);
    const line = s?.lineAt(address);
    const fn = s ? symbolize(s, address) : undefined;
    const parts = [hex64(address)];
    if (fn) parts.push(`in ${fn}`);
    if (line) parts.push(`${path.basename(line.file)}:${line.line}`);
    return parts.join(' ');
  }

  /** "0x401000 in fn main.c:12" for where a vCPU is now, with its running level's symbols. */
  describeHere(vcpu: number): string {
    const cpu = this.machine!.cpus[vcpu];
    return this.describeAddress(this.rc!.levelOf(cpu), cpu.ripLinear());
  }
}
