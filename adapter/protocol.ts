// nestvirt's custom DAP requests and events: the contract between the debug
// adapter (adapter/) and the extension's views (extension/), and any other
// DAP client that wants them. Plain data only: no vscode, no emulator import,
// so the extension bundle can import these types without the emulator.
//
// A client sends `session.customRequest(name, args)`; names are
// NESTVIRT_REQUEST values. Errors are ordinary DAP error responses whose
// message names the argument that was wrong.

export const NESTVIRT_REQUEST = {
  /** TransitionsArgs → TransitionsResponse: the run's transitions so far, paged. */
  transitions: 'nestvirt/transitions',
  /** no args → StatsResponse: per-reason counts and time share. */
  stats: 'nestvirt/stats',
  /** no args → NestingResponse: each vCPU's nesting levels right now. */
  nesting: 'nestvirt/nesting',
  /**
   * StepToTransitionArgs → empty body; a `stopped` event (reason 'step') follows.
   * Forward: to just after the vCPU's next transition; backward: to just after
   * its previous one (the last before now), where gotoTransition of it stops too.
   */
  stepToTransition: 'nestvirt/stepToTransition',
  /**
   * GotoTransitionArgs → empty body; runs forwards or backwards to just after
   * transition `seq`: the instruction boundary after it completed, at the first
   * instruction of the level it went to (`to`). Transitions within one
   * instruction (an exit L0 handles and its entry back) share that point.
   */
  gotoTransition: 'nestvirt/gotoTransition',
  /** LintArgs → LintResponse: every VM-entry check on the current VMCS12 (or VMRUN check on VMCB12) without entering. */
  lint: 'nestvirt/lint',
  /** ControlBlocksArgs → ControlBlocksResponse: VMCS12/02/01 (or VMCB12/02/01) side by side. */
  controlBlocks: 'nestvirt/controlBlocks',
  /** SetControlFieldArgs → SetControlFieldResponse: edit a VMCS12/VMCB12 field (validated). */
  setControlField: 'nestvirt/setControlField',
  /** ExportTraceArgs → ExportTraceResponse: Chrome/Perfetto trace-event JSON of the transitions. */
  exportTrace: 'nestvirt/exportTrace',
} as const;

/** Custom events the adapter sends (event name → body type). */
export const NESTVIRT_EVENT = {
  /** TransitionsChangedBody: new transitions exist (sent at each stop, not per transition). */
  transitionsChanged: 'nestvirt/transitionsChanged',
} as const;

export type ArchName = 'vmx' | 'svm';

/** One VM transition as the views show it (mirrors emulator/events.ts TransitionEvent). */
export interface TransitionRecord {
  seq: number;
  /** Instructions retired on the machine when it happened (the time axis). */
  icount: number;
  vcpu: number;
  from: 0 | 1 | 2;
  to: 0 | 1 | 2;
  type: 'exit' | 'entry' | 'entry-fail' | 'reflect' | 'inject';
  arch: ArchName;
  reason: number;
  reasonName: string;
  qualification?: string;
  handledBy?: string;
  rule?: string;
  /** From-level RIP, hex string ("0x401000"), when known. */
  rip?: string;
  /** Raw exit qualification (VMX) / EXITINFO1 (SVM), hex, when known. */
  qual?: string;
  /** Guest-physical address of an EPT violation / NPF, hex. */
  gpa?: string;
  check?: { id: string; section: string; rule: string; field: string; value: string; allowed: string };
}

export interface TransitionsArgs {
  /** First index (0-based, in stream order); default 0. */
  start?: number;
  /** How many; default 500, at most 5000. */
  count?: number;
  /**
   * Only these vCPUs / levels (from or to) / reason names / handlers /
   * types; absent = all. `condition`: the transition condition language
   * (docs/conditions.md), e.g. `reason == IO_INSTRUCTION && qual.port == 0x80`;
   * a bad one is an error response naming the column.
   */
  filter?: { vcpu?: number[]; level?: number[]; reasonName?: string[]; handledBy?: string[]; type?: string[]; condition?: string };
}
export interface TransitionsResponse {
  /** Number of transitions that match the filter. */
  total: number;
  start: number;
  transitions: TransitionRecord[];
  /** Instructions retired so far (the right end of the time axis). */
  icountNow: number;
}

export interface ReasonStats {
  arch: ArchName;
  reason: number;
  reasonName: string;
  /** Transitions with this reason, by type. */
  count: number;
  reflected: number;
  handledByL0: number;
  /** Instructions retired in the level the exit went to, until the next entry back (time spent handling it). */
  handlingInstructions: number;
}
export interface StatsResponse {
  total: number;
  icountNow: number;
  reasons: ReasonStats[];
}

export type LevelActivity = 'running' | 'waiting-in-vmentry' | 'handling-exit' | 'halted' | 'not-started';
export interface LevelInfo {
  level: 0 | 1 | 2;
  activity: LevelActivity;
  /** e.g. "L1 — waiting in VMRESUME at vmx.c:88". */
  description: string;
  /** Current VMCS12 pointer / VMCB12 address (hex), if any. */
  controlBlock?: string;
  rip?: string;
}
export interface VcpuNesting {
  vcpu: number;
  arch?: ArchName;
  /** Innermost first, as the call stack: the running level, each suspended outer level, then L0. */
  levels: LevelInfo[];
  lastTransition?: TransitionRecord;
}
export interface NestingResponse { vcpus: VcpuNesting[] }

export interface StepToTransitionArgs { threadId?: number; /** default 'forward' */ direction?: 'forward' | 'backward' }
export interface GotoTransitionArgs { seq: number }

export interface LintArgs {
  threadId?: number;
  /** Which entry to check for; default: VMRESUME when VMCS12 is launched, else VMLAUNCH. */
  instruction?: 'vmlaunch' | 'vmresume';
}
export interface LintFinding {
  id: string;
  section: string;
  rule: string;
  field: string;
  value: string;
  allowed: string;
  /** What hardware would do: 'VMfailValid(7)', 'entry failure (33)', 'VMEXIT_INVALID', … */
  outcome: string;
}
export interface LintResponse {
  arch: ArchName;
  /** false when there is no current VMCS12 / VMCB12 (message says why). */
  available: boolean;
  message: string;
  checksRun: number;
  failures: LintFinding[];
}

export interface ControlBlocksArgs { threadId?: number }
export interface ControlField {
  name: string;
  /** VMCS encoding ("0x681e") or VMCB offset ("0x578"). */
  key: string;
  /** Hex values per block; absent when the block does not exist now. */
  values: { '12'?: string; '02'?: string; '01'?: string };
  /** Decoded meaning of the VMCS12/VMCB12 value (named bits, access rights, exit reason). */
  decoded?: string;
  readOnly: boolean;
  /** True when VMCS02's value differs from VMCS12's. */
  differs: boolean;
}
export interface ControlGroup { name: string; fields: ControlField[] }
export interface ControlBlocksResponse {
  arch: ArchName;
  available: boolean;
  message: string;
  /** Names of the three columns, e.g. ['VMCS12', 'VMCS02', 'VMCS01']. */
  columns: [string, string, string];
  groups: ControlGroup[];
}

export interface SetControlFieldArgs { threadId?: number; name: string; value: string }
export interface SetControlFieldResponse { value: string }

export interface ExportTraceArgs { /** Absolute path to write; absent = return the JSON in the body. */ path?: string }
export interface ExportTraceResponse { path?: string; json?: string; events: number }

export interface TransitionsChangedBody { total: number; icountNow: number }
