// VMCS12 field watches (data breakpoints on VMCS fields): L0 caches L1's
// current VMCS12 outside guest memory (l0/vmx-state.ts), so memory watches
// cannot see it change. Fields change in exactly two ways: a VMX instruction
// L1 executes (VMWRITE; VMPTRLD/VMCLEAR switch the VMCS; VMLAUNCH/VMRESUME
// failures set VM_INSTRUCTION_ERROR) and a transition L0 performs (a virtual
// VM exit writes exit information and guest state). So the watched values
// are compared after each VMX instruction, through a wrapper around L0's
// instruction table attached only while a watch exists, and after each
// transition on the event stream. With no watch, L0's own table is attached
// and nothing here runs.
//
// A watch fires when the value changes in the same VMCS; when L1 makes
// another VMCS current the reference values are simply retaken.
import type { Cpu } from '../x86/cpu';
import type { EventStream } from '../events';
import { attachVmxInstructions, VmxInstructionTable, VmxMnemonic } from '../x86/exec/vmx-hook';
import { VmcsFieldDef, fieldByName } from '../vmx/fields';
import { vmxStateOf, VMX_INSTRUCTIONS, VmxVcpuState } from '../l0';

export interface VmcsWatch { readonly id: number; readonly field: VmcsFieldDef }

export interface VmcsWatchHit {
  watchId: number;
  vcpu: number;
  field: VmcsFieldDef;
  old: [number, number];
  now: [number, number];
  /** What changed it: 'VMWRITE', 'virtual VM exit (CPUID)', ... */
  cause: string;
}

interface Snapshot { pointer: number; values: Map<number, [number, number]> }

export class VmcsWatches {
  private readonly watches = new Map<number, VmcsWatch>();
  private nextId = 1;
  private readonly snaps = new Map<Cpu, Snapshot>();
  private wrapped = false;
  onHit: ((hit: VmcsWatchHit) => void) | null = null;

  constructor(private readonly cpus: readonly Cpu[], events: EventStream) {
    events.on((e) => {
      if (e.kind !== 'transition' || this.watches.size === 0) return;
      const cpu = this.cpus[e.vcpu];
      const what = e.type === 'reflect' || e.type === 'exit' ? `VM exit (${e.reasonName})`
        : e.type === 'entry-fail' ? `failed VM entry (${e.reasonName})` : `${e.type} (${e.reasonName})`;
      if (cpu) this.check(cpu, what);
    });
  }

  get count(): number { return this.watches.size; }

  /** Watches VMCS field `name` on every vCPU with nested VMX; throws RangeError for an unknown field. */
  add(name: string): VmcsWatch {
    const field = fieldByName(name) ?? fieldByName(name.toUpperCase());
    if (!field) throw new RangeError(`no VMCS field named '${name}'`);
    if (!this.cpus.some((c) => vmxStateOf(c))) throw new RangeError('no vCPU has nested VMX (cpu policy without +vmx?)');
    const w: VmcsWatch = { id: this.nextId++, field };
    this.watches.set(w.id, w);
    for (const c of this.cpus) this.snapshot(c);
    this.setWrapped(true);
    return w;
  }

  remove(id: number): void {
    this.watches.delete(id);
    if (this.watches.size === 0) { this.setWrapped(false); this.snaps.clear(); }
  }

  clear(): void { for (const id of [...this.watches.keys()]) this.remove(id); }

  /** Takes the current values as the reference (after the debugger edited VMCS12). */
  resync(): void { for (const c of this.cpus) this.snapshot(c); }

  private setWrapped(on: boolean): void {
    if (on === this.wrapped) return;
    this.wrapped = on;
    for (const c of this.cpus) {
      if (!vmxStateOf(c)) continue;
      attachVmxInstructions(c, on ? this.wrap(VMX_INSTRUCTIONS) : VMX_INSTRUCTIONS);
    }
  }

  private wrap(table: VmxInstructionTable): VmxInstructionTable {
    const out: VmxInstructionTable = {};
    for (const [m, h] of Object.entries(table) as [VmxMnemonic, NonNullable<VmxInstructionTable[VmxMnemonic]>][]) {
      const what = m.toUpperCase();
      // finally: a VMX instruction that faults may have changed VMCS12 first.
      out[m] = (cpu: Cpu, i) => { try { h(cpu, i); } finally { this.check(cpu, what); } };
    }
    return out;
  }

  private current(cpu: Cpu): VmxVcpuState | undefined {
    const s = vmxStateOf(cpu);
    return s && s.inVmxOperation && s.hasCurrentVmcs ? s : undefined;
  }

  private snapshot(cpu: Cpu): void {
    const s = this.current(cpu);
    if (!s) { this.snaps.delete(cpu); return; }
    const values = new Map<number, [number, number]>();
    for (const w of this.watches.values()) values.set(w.field.slot, read(s, w.field));
    this.snaps.set(cpu, { pointer: s.currentVmcsPointer, values });
  }

  private check(cpu: Cpu, cause: string): void {
    if (this.watches.size === 0) return;
    const s = this.current(cpu);
    const snap = this.snaps.get(cpu);
    if (!s || !snap || snap.pointer !== s.currentVmcsPointer) { this.snapshot(cpu); return; }
    for (const w of this.watches.values()) {
      const old = snap.values.get(w.field.slot);
      const now = read(s, w.field);
      if (!old || (old[0] === now[0] && old[1] === now[1])) continue;
      this.onHit?.({ watchId: w.id, vcpu: cpu.id, field: w.field, old, now, cause });
    }
    // Two watches may share a field: the reference moves on after all of them saw the change.
    for (const w of this.watches.values()) snap.values.set(w.field.slot, read(s, w.field));
  }
}

function read(s: VmxVcpuState, d: VmcsFieldDef): [number, number] {
  const i = d.slot << 1;
  return [s.vmcs12.data[i] >>> 0, s.vmcs12.data[i + 1] >>> 0];
}
