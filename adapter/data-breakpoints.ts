// Data breakpoints of the DAP session (dataBreakpointInfo,
// setDataBreakpoints): watches on VMCS12 fields and on guest memory of any
// nesting level, stopping the run when the watched value changes.
//
// Data ids:
//   GUEST_RIP              a VMCS12 field (of whichever VMCS L1 has current,
//                          on every vCPU): stops after the VMWRITE or the
//                          virtual VM exit that changed it
//   l2:0x401000,8          8 bytes at a memory reference (memory-references.ts
//                          syntax), resolved to physical pages when set
//
// The emulator side (emulator/debug/watch-*.ts) reports a change as it
// happens, in the middle of the writing instruction; the session ends the
// machine run there (Machine.stop: after that instruction) and reports the
// stop as a data breakpoint with the old and new value.
import type { DebugProtocol } from '@vscode/debugprotocol';
import type { Machine } from '../emulator/machine/machine';
import { MemoryWatches, watchValueText, MAX_WATCH_BYTES } from '../emulator/debug/watch-memory';
import { VmcsWatches } from '../emulator/debug/watch-vmcs';
import { fieldByName, widthName } from '../emulator/vmx';
import { hex64 } from '../emulator/x86/canon';
import { parseMemoryReference, resolveMemory, formatMemoryReference, MemoryReferenceError, runningLevel } from './memory-references';
import { fieldHex } from './vmcs-variables';
import type { VarNode } from './registers';

interface Armed { dapId: number; kind: 'vmcs' | 'memory'; watchId: number }

export interface DataHit { vcpu: number; description: string; dapIds: number[] }

const MEMORY_ID = /^([a-z0-9]+:)?(0x[0-9a-f]+|[0-9]+),([0-9]+)$/i;

export class DataBreakpoints {
  private mem: MemoryWatches | null = null;
  private vmcs: VmcsWatches | null = null;
  private armed: Armed[] = [];
  private nextDapId = 100_000;
  private hits: { vcpu: number; text: string; dapId: number }[] = [];

  /** `requestStop` ends the current machine run after the instruction in progress. */
  constructor(private readonly machine: Machine, private readonly running: () => boolean, private readonly requestStop: () => void) {}

  /** dataBreakpointInfo for a variable node (VMCS12 field, VMCB12 field) or a name/address. */
  info(args: DebugProtocol.DataBreakpointInfoArguments, node: VarNode | undefined): DebugProtocol.DataBreakpointInfoResponse['body'] {
    const none = (why: string) => ({ dataId: null, description: why });
    if (args.variablesReference !== undefined && args.variablesReference !== 0) {
      if (!node) return none(`no variable '${args.name}' here`);
      if (!node.dataId) return none(`${args.name}: no data breakpoint on this variable (VMCS12/VMCB12 fields and memory can be watched)`);
      return { dataId: node.dataId, description: describeId(node.dataId), accessTypes: ['write'], canPersist: true };
    }
    const name = args.name.trim();
    if (args.asAddress) {
      try {
        const ref = parseMemoryReference(name, 'name');
        const size = args.bytes ?? 1;
        if (!(size >= 1 && size <= MAX_WATCH_BYTES)) return none(`bytes: 1 to ${MAX_WATCH_BYTES}, not ${size}`);
        const id = `${formatMemoryReference(ref.space ?? 'l1', ref.address)},${size}`;
        return { dataId: id, description: describeId(id), accessTypes: ['write'], canPersist: true };
      } catch (e) {
        return none((e as Error).message);
      }
    }
    if (fieldByName(name) ?? fieldByName(name.toUpperCase())) {
      const id = (fieldByName(name) ?? fieldByName(name.toUpperCase()))!.name;
      return { dataId: id, description: describeId(id), accessTypes: ['write'], canPersist: true };
    }
    if (MEMORY_ID.test(name)) return { dataId: name, description: describeId(name), accessTypes: ['write'], canPersist: true };
    return none(`'${name}' is not a VMCS field or a memory reference (e.g. l1:0x1000 with asAddress)`);
  }

  /** Replaces every data breakpoint; each answer says whether it is armed and why not. */
  set(bps: DebugProtocol.DataBreakpoint[]): DebugProtocol.Breakpoint[] {
    this.clear();
    return bps.map((bp) => {
      const dapId = this.nextDapId++;
      const fail = (message: string): DebugProtocol.Breakpoint => ({ id: dapId, verified: false, message });
      if (bp.accessType && bp.accessType !== 'write') return fail(`only write watches: '${bp.accessType}' accesses are not observed`);
      if (bp.condition || bp.hitCondition) return fail('conditions on data breakpoints are not supported');
      try {
        const m = MEMORY_ID.exec(bp.dataId);
        if (m) {
          const ref = parseMemoryReference(`${m[1] ?? ''}${m[2]}`, 'dataId');
          const size = Number(m[3]);
          const cpu = this.machine.cpus[0];
          const r = resolveMemory(cpu, ref, size);
          if (r.readable < size) return fail(`${bp.dataId}: ${r.problem ?? 'not mapped RAM'}`);
          const w = this.memWatches().add(`${formatMemoryReference(ref.space, ref.address)} (${size} byte${size > 1 ? 's' : ''})`, r.pieces);
          this.armed.push({ dapId, kind: 'memory', watchId: w.id });
          return { id: dapId, verified: true, message: `physical ${r.pieces.map((p) => `0x${p.phys.toString(16)}+${p.len}`).join(', ')}` };
        }
        const w = this.vmcsWatches().add(bp.dataId);
        this.armed.push({ dapId, kind: 'vmcs', watchId: w.id });
        return { id: dapId, verified: true };
      } catch (e) {
        if (e instanceof RangeError || e instanceof MemoryReferenceError) return fail(e.message);
        throw e;
      }
    });
  }

  clear(): void {
    for (const a of this.armed) (a.kind === 'memory' ? this.mem : this.vmcs)?.remove(a.watchId);
    this.armed = [];
    this.hits = [];
  }

  /** The debugger itself changed memory or VMCS12: those changes are not hits. */
  resync(): void {
    this.mem?.resync();
    this.vmcs?.resync();
  }

  /** The hits since the last call, merged into one stop (undefined: none). */
  takeHit(): DataHit | undefined {
    if (!this.hits.length) return undefined;
    const h = this.hits;
    this.hits = [];
    return { vcpu: h[0].vcpu, description: h.map((x) => x.text).join('; '), dapIds: [...new Set(h.map((x) => x.dapId))] };
  }

  private dapIdOf(kind: Armed['kind'], watchId: number): number | undefined {
    return this.armed.find((a) => a.kind === kind && a.watchId === watchId)?.dapId;
  }

  private hit(vcpu: number, text: string, dapId: number | undefined): void {
    if (dapId === undefined || !this.running()) return;
    this.hits.push({ vcpu, text, dapId });
    this.requestStop();
  }

  private memWatches(): MemoryWatches {
    if (!this.mem) {
      this.mem = new MemoryWatches(this.machine.mem);
      this.mem.onHit = (h) => {
        const vcpu = this.machine.chipset.currentVcpu;
        const cpu = this.machine.cpus[vcpu];
        const who = cpu ? ` by L${runningLevel(cpu)} at rip ${hex64(cpu.rip)}` : '';
        this.hit(vcpu, `${h.watch.label} written${who}: ${watchValueText(h.old)} → ${watchValueText(h.now)}`, this.dapIdOf('memory', h.watch.id));
      };
    }
    return this.mem;
  }

  private vmcsWatches(): VmcsWatches {
    if (!this.vmcs) {
      this.vmcs = new VmcsWatches(this.machine.cpus, this.machine.events);
      this.vmcs.onHit = (h) => {
        const old = fieldHex(h.field, h.old[0], h.old[1]), now = fieldHex(h.field, h.now[0], h.now[1]);
        this.hit(h.vcpu, `VMCS12 ${h.field.name} changed by ${h.cause} on vCPU ${h.vcpu}: ${old} → ${now}`, this.dapIdOf('vmcs', h.watchId));
      };
    }
    return this.vmcs;
  }
}

/** A data id in words, for dataBreakpointInfo's description. */
function describeId(id: string): string {
  const m = MEMORY_ID.exec(id);
  if (m) return `${m[3]} byte${m[3] === '1' ? '' : 's'} at ${m[1] ?? ''}${m[2]}`;
  const d = fieldByName(id);
  return d ? `VMCS12 ${d.name} (${widthName(d.width)})` : id;
}
