// The one typed event stream of a machine (DESIGN.md "Execution model").
// The CLI, the tests and the debug adapter all read it; nothing else is a
// source of truth about what happened in a run.

export type Level = 0 | 1 | 2;

export interface SerialEvent { kind: 'serial'; port: number; text: string; icount: number }
export interface DiagnosticEvent {
  kind: 'diagnostic';
  /** Stable short code, e.g. 'not-implemented', 'unclaimed-port'. */
  code: string;
  message: string;
  icount: number;
  vcpu?: number;
  rip?: number;
}
export interface ExceptionEvent {
  kind: 'exception';
  vcpu: number;
  vector: number;
  errorCode?: number;
  /** CR2 for #PF. */
  cr2?: number;
  rip: number;
  icount: number;
}
export interface HaltEvent { kind: 'halt'; vcpu: number; rip: number; icount: number; interruptsEnabled: boolean }
export interface DebugExitEvent { kind: 'debug-exit'; value: number; status: number; icount: number }
export interface TripleFaultEvent { kind: 'triple-fault'; vcpu: number; rip: number; icount: number; reason: string }
/** A VM transition; filled in by the nested VMX/SVM work. */
export interface TransitionEvent {
  kind: 'transition';
  seq: number;
  icount: number;
  vcpu: number;
  from: Level;
  to: Level;
  type: 'exit' | 'entry' | 'entry-fail' | 'reflect' | 'inject';
  reason: number;
  reasonName: string;
  /** Decoded exit qualification / EXITINFO, one readable line. */
  qualification?: string;
  /** Who handled the transition: 'L0', 'L1'. */
  handledBy?: string;
  /** The named rule that decided (e.g. l1WantsHlt), or the failed check id with its SDM/APM section. */
  rule?: string;
  /** Which virtualization extension the transition belongs to (absent = vmx, for older emitters). */
  arch?: 'vmx' | 'svm';
  /** RIP of the from-level at the transition (folded linear address), when known. */
  rip?: number;
  /** Raw exit qualification (VMX) / EXITINFO1 (SVM), low and high 32 bits. */
  qualLo?: number;
  qualHi?: number;
  /** Raw guest-physical address of EPT violations / NPF (EXITINFO2), folded. */
  gpa?: number;
  /** Entry failures and VMRUN consistency failures: the failed check, as exceptionInfo shows it. */
  check?: TransitionCheck;
}

/** The failed VM-entry check (vm-entry-checks.tsv) or VMRUN consistency check (vmrun-checks.tsv). */
export interface TransitionCheck {
  id: string;
  /** 'SDM 27.3.1.2' / 'APM 15.5.1'. */
  section: string;
  rule: string;
  field: string;
  value: string;
  allowed: string;
}

export type MachineEvent =
  | SerialEvent
  | DiagnosticEvent
  | ExceptionEvent
  | HaltEvent
  | DebugExitEvent
  | TripleFaultEvent
  | TransitionEvent;

export type EventListener = (e: MachineEvent) => void;

export class EventStream {
  private listeners: EventListener[] = [];
  /** Diagnostics keyed by a dedupe key are reported once per run. */
  private seen = new Set<string>();

  on(listener: EventListener): () => void {
    this.listeners.push(listener);
    return () => {
      const i = this.listeners.indexOf(listener);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  emit(e: MachineEvent): void {
    for (const l of this.listeners) l(e);
  }

  /** Emits a diagnostic only the first time `key` is seen. */
  diagnoseOnce(key: string, e: DiagnosticEvent): void {
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.emit(e);
  }
}
