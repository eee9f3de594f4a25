// Types shared by the VM-entry checks (entry-checks*.ts): the context a
// check reads, the decoded control words, the failure record, and the
// outcome the processor produces (SDM vol 3C ch. 27; vm-entry-checks.tsv).

import type { VmcsView } from './vmcs';
import type { VmxCaps } from './caps';
import { VMCS } from './fields';
import { PRIMARY, SECONDARY, ENTRY, EXIT } from './controls';
import { hex64 } from './bits';

export type EntryStage = 'pre' | 'ctrl' | 'host' | 'guest' | 'msr-load';
export const ENTRY_STAGES: readonly EntryStage[] = ['pre', 'ctrl', 'host', 'guest', 'msr-load'];

/** What the processor does when a check fails (SDM §31.2 conventions, §27.8, §28.7). */
export type EntryOutcome =
  | { readonly kind: '#UD' }
  | { readonly kind: '#GP'; readonly errorCode: 0 }
  | { readonly kind: 'VMfailInvalid' }
  | { readonly kind: 'VMfailValid'; readonly error: number }
  /** VMLAUNCH/VMRESUME in VMX non-root: a VM exit to the next level out (reason 20 / 24). */
  | { readonly kind: 'vm-exit'; readonly reason: number }
  /** VM-entry failure (SDM §27.8): basic reason 33 or 34, VM_EXIT_REASON with bit 31 set. */
  | { readonly kind: 'entry-failure'; readonly reason: 33 | 34; readonly exitReason: number; readonly qualification: number }
  /** VMX abort (SDM §28.7), on VM exit. */
  | { readonly kind: 'vmx-abort'; readonly indicator: number };

export interface EntryCheckFailure {
  readonly ok: false;
  readonly stage: EntryStage;
  /** Row id of vm-entry-checks.tsv, e.g. GUEST-CS-L-DB. */
  readonly id: string;
  /** SDM vol 3C section (2022+ numbering). */
  readonly sdm: string;
  /** The rule, one line. */
  readonly rule: string;
  /** The field that broke it (VMCS field name, or a pseudo-field such as CPL or "MSR-load entry 3"). */
  readonly field: string;
  /** Its value as the user should see it (hex for fields). */
  readonly value: string;
  /** What would have been accepted. */
  readonly allowed: string;
  /** Other fields the rule involves, with their values. */
  readonly related: readonly { readonly field: string; readonly value: string }[];
  readonly outcome: EntryOutcome;
}

export type EntryCheckResult = { readonly ok: true } | EntryCheckFailure;
export const ENTRY_OK: EntryCheckResult = Object.freeze({ ok: true as const });

/** State of the processor executing VMLAUNCH/VMRESUME (for the pre and host stages). */
export interface ExecutingCpuState {
  /** VMXON executed (and no VMXOFF since). */
  readonly inVmxOperation: boolean;
  /** Executing in VMX non-root operation (an L2 running the instruction). */
  readonly nonRoot: boolean;
  /** CR0, CR4 bits 31:0 and IA32_EFER bits 31:0 as the processor holds them (not a guest's read shadow). */
  readonly cr0: number;
  readonly cr4: number;
  readonly efer: number;
  /** RFLAGS bits 31:0. */
  readonly rflags: number;
  /** CS.L of the executing code segment. */
  readonly csL: boolean;
  readonly cpl: number;
  /** Events blocked by MOV SS / POP SS (the instruction follows one). */
  readonly movSsBlocking: boolean;
  /** In system-management mode (nestvirt has no SMM: false). */
  readonly inSmm?: boolean;
}

/** Everything the checks read. Build it at each VMLAUNCH/VMRESUME. */
export interface EntryCheckContext {
  readonly instruction: 'vmlaunch' | 'vmresume';
  readonly vmcs: VmcsView;
  readonly caps: VmxCaps;
  readonly cpu: ExecutingCpuState;
  /** Current-VMCS pointer; -1 = none (all ones). */
  readonly currentVmcsPointer: number;
  /** The VMXON pointer (checked against the executive-VMCS pointer in SMM). */
  readonly vmxonPointer?: number;
  /**
   * Physical memory of the level that owns the VMCS (for VMCS12: L1
   * guest-physical). Used for the virtual-APIC page VTPR, the VMCS link
   * pointer's revision id, PAE PDPTEs and the MSR-load area.
   */
  readPhys(addr: number, size: 1 | 2 | 4): number;
  /** Why WRMSR(index, value) at CPL 0 would #GP, or null if it would not (MSR-LOAD-WRMSR-GP, EXIT-MSR-LOAD-FAIL). Absent = never faults. */
  wrmsrFault?(index: number, lo: number, hi: number): string | null;
  /** Why RDMSR(index) at CPL 0 would #GP, or null (EXIT-MSR-STORE-FAIL). Absent = never faults. */
  rdmsrFault?(index: number): string | null;
  /** The VMCS was launched before a VMXOFF/VMXON cycle and its launch state is lost (PRE-RESUME-AFTER-VMXOFF). */
  readonly launchStateLost?: boolean;
  /** Launch state of the VMCS at the executive-VMCS pointer (SMM dual-monitor only). */
  executiveVmcsLaunched?(pointer: number): boolean;
}

/** A check: null if it passes. */
export type CheckFn = (x: EntryCheckRun) => EntryCheckFailure | null;

/** One 16-byte entry of an MSR-load/store area (SDM §25.7.2): index, reserved dword, 64-bit value. */
export interface MsrListEntry {
  readonly index: number;
  readonly reserved: number;
  readonly lo: number;
  readonly hi: number;
}

/** A check of one MSR-list entry; `n` is the 1-based entry number (the exit qualification of reason 34). */
export type MsrEntryCheckFn = (x: EntryCheckRun, e: MsrListEntry, n: number) => EntryCheckFailure | null;

/** Control words a check can be gated on (EntryCheckRun.words indexes). */
export type GateWord = 'pin' | 'proc' | 'sec' | 'ter' | 'exit' | 'exit2' | 'entry' | 'inject';
const GATE_WORDS: readonly GateWord[] = ['pin', 'proc', 'sec', 'ter', 'exit', 'exit2', 'entry', 'inject'];

export interface EntryCheckDef {
  readonly id: string;
  readonly sdm: string;
  readonly stage: EntryStage;
  /** The rule, one line. */
  readonly rule: string;
  readonly fn: CheckFn;
  /**
   * 'check': run by runEntryChecks. 'rule': a row that states ordering or
   * outcome semantics (its fn never fails; the runner implements it).
   * 'exit': a check made on VM exit (VMX abort), run by runExitChecks.
   */
  readonly kind: 'check' | 'rule' | 'exit';
  /** MSR-list rows: the per-entry check the runner applies to each entry in order. */
  readonly entryFn?: MsrEntryCheckFn;
  /**
   * The check can only fail if some bit of `gateMask` is set in control word
   * `gateWord` (index into EntryCheckRun.words; -1 = always run). Lets the
   * runner skip checks of features the VMCS does not use without calling
   * them; the function tests the condition itself as well (runCheck).
   */
  readonly gateWord: number;
  readonly gateMask: number;
}

export interface CheckOptions {
  readonly kind?: 'check' | 'rule' | 'exit';
  readonly entryFn?: MsrEntryCheckFn;
  /** [control word, mask]: see EntryCheckDef.gateWord. 'inject' = the VM-entry interruption-information field. */
  readonly gate?: readonly [GateWord, number];
}

export function check(id: string, sdm: string, stage: EntryStage, rule: string, fn: CheckFn, opts: CheckOptions = {}): EntryCheckDef {
  return {
    id, sdm, stage, rule, fn,
    kind: opts.kind ?? 'check',
    entryFn: opts.entryFn,
    gateWord: opts.gate ? GATE_WORDS.indexOf(opts.gate[0]) : -1,
    gateMask: opts.gate ? opts.gate[1] | 0 : 0,
  };
}

const F = VMCS;

/** Most distinct VMCS fields one check may read and still have its result reused (EntryCheckMemo). */
export const RECORD_MAX = 16;

/** Guest segment registers in encoding order (index = encoding bits 3:1 of the selector field). */
export const SEG_ES = 0, SEG_CS = 1, SEG_SS = 2, SEG_DS = 3, SEG_FS = 4, SEG_GS = 5, SEG_LDTR = 6, SEG_TR = 7;
export const SEG_NAMES = ['ES', 'CS', 'SS', 'DS', 'FS', 'GS', 'LDTR', 'TR'] as const;
const SEG_SEL = SEG_NAMES.map((n) => F[`GUEST_${n}_SELECTOR`]);
const SEG_BASE = SEG_NAMES.map((n) => F[`GUEST_${n}_BASE`]);
const SEG_LIMIT = SEG_NAMES.map((n) => F[`GUEST_${n}_LIMIT`]);
const SEG_AR = SEG_NAMES.map((n) => F[`GUEST_${n}_AR_BYTES`]);

/**
 * Every field EntryCheckRun.reset reads into its decoded members (control
 * words, injection, guest segments): the checks read those members without
 * going through lo/hi, so EntryCheckMemo treats them as inputs of every check.
 */
export const RESET_FIELDS: readonly number[] = [
  F.PIN_BASED_VM_EXEC_CONTROL, F.CPU_BASED_VM_EXEC_CONTROL, F.SECONDARY_VM_EXEC_CONTROL, F.TERTIARY_VM_EXEC_CONTROL,
  F.VM_EXIT_CONTROLS, F.SECONDARY_VM_EXIT_CONTROLS, F.VM_ENTRY_CONTROLS, F.VM_ENTRY_INTR_INFO_FIELD,
  ...SEG_SEL, ...SEG_AR, ...SEG_LIMIT, ...SEG_BASE,
];

/**
 * One run of the checks: the context plus the control words as the
 * processor sees them (secondary = 0 unless primary bit 31, tertiary = 0
 * unless primary bit 17, secondary exit = 0 unless exit bit 31; SDM 27.2.1.1)
 * and the guest segment registers, read once. The runner reuses one
 * instance (reset) so a VM entry allocates nothing unless it fails.
 */
export class EntryCheckRun {
  private _ctx!: EntryCheckContext;
  private _v!: VmcsView;
  caps!: VmxCaps;
  pin = 0;
  proc = 0;
  sec = 0;
  terLo = 0;
  terHi = 0;
  exit = 0;
  exit2Lo = 0;
  exit2Hi = 0;
  entry = 0;
  /** Entry control 'IA-32e mode guest'. */
  ia32eGuest = false;
  /** Exit control 'host address-space size'. */
  hostAsz = false;
  /** Secondary 'unrestricted guest' (effective). */
  ug = false;
  /** Secondary 'enable EPT' (effective). */
  ept = false;
  /** VM-entry interruption information. */
  intrInfo = 0;
  inject = false;
  injType = 0;
  injVector = 0;
  inSmm = false;
  /** pin, proc, sec, ter (31:0), exit, exit2 (31:0), entry, interruption info: for gates. */
  readonly words = new Int32Array(GATE_WORDS.length);
  /** Guest ES, CS, SS, DS, FS, GS, LDTR, TR (SEG_* order). */
  readonly segSel = new Uint32Array(8);
  readonly segAr = new Uint32Array(8);
  readonly segLimit = new Uint32Array(8);
  readonly segBaseLo = new Uint32Array(8);
  readonly segBaseHi = new Uint32Array(8);
  /** The check being run (set by the runner; fail() reads it). */
  current: EntryCheckDef | null = null;
  /**
   * Recording for EntryCheckMemo (entry-checks.ts): while `recording`, the
   * fields the running check reads through lo/hi/hex are noted (encodings,
   * at most RECORD_MAX distinct), and any use of `ctx` (processor state,
   * memory) or of the raw view `v` marks the run as depending on more than
   * VMCS fields, so its result is never reused.
   */
  recording = false;
  recN = 0;
  recOverflow = false;
  recTouchedCtx = false;
  readonly recEnc = new Int32Array(RECORD_MAX);

  constructor(ctx?: EntryCheckContext) {
    if (ctx) this.reset(ctx);
  }

  get ctx(): EntryCheckContext {
    if (this.recording) this.recTouchedCtx = true;
    return this._ctx;
  }
  get v(): VmcsView {
    if (this.recording) { this.recTouchedCtx = true; return this.plainView; }
    return this._v;
  }

  reset(ctx: EntryCheckContext): this {
    this._ctx = ctx;
    const v = (this._v = ctx.vmcs);
    this.caps = ctx.caps;
    this.pin = v.lo(F.PIN_BASED_VM_EXEC_CONTROL);
    this.proc = v.lo(F.CPU_BASED_VM_EXEC_CONTROL);
    this.sec = this.proc & PRIMARY.ACTIVATE_SECONDARY_CONTROLS ? v.lo(F.SECONDARY_VM_EXEC_CONTROL) : 0;
    const ter = (this.proc & PRIMARY.ACTIVATE_TERTIARY_CONTROLS) !== 0;
    this.terLo = ter ? v.lo(F.TERTIARY_VM_EXEC_CONTROL) : 0;
    this.terHi = ter ? v.hi(F.TERTIARY_VM_EXEC_CONTROL) : 0;
    this.exit = v.lo(F.VM_EXIT_CONTROLS);
    const ex2 = (this.exit & EXIT.ACTIVATE_SECONDARY_CONTROLS) !== 0;
    this.exit2Lo = ex2 ? v.lo(F.SECONDARY_VM_EXIT_CONTROLS) : 0;
    this.exit2Hi = ex2 ? v.hi(F.SECONDARY_VM_EXIT_CONTROLS) : 0;
    this.entry = v.lo(F.VM_ENTRY_CONTROLS);
    this.ia32eGuest = (this.entry & ENTRY.IA32E_MODE_GUEST) !== 0;
    this.hostAsz = (this.exit & EXIT.HOST_ADDRESS_SPACE_SIZE) !== 0;
    this.ug = (this.sec & SECONDARY.UNRESTRICTED_GUEST) !== 0;
    this.ept = (this.sec & SECONDARY.ENABLE_EPT) !== 0;
    this.intrInfo = v.lo(F.VM_ENTRY_INTR_INFO_FIELD);
    this.inject = this.intrInfo >>> 31 === 1;
    this.injType = (this.intrInfo >>> 8) & 7;
    this.injVector = this.intrInfo & 0xff;
    this.inSmm = ctx.cpu.inSmm === true;
    const w = this.words;
    w[0] = this.pin;
    w[1] = this.proc;
    w[2] = this.sec;
    w[3] = this.terLo;
    w[4] = this.exit;
    w[5] = this.exit2Lo;
    w[6] = this.entry;
    w[7] = this.intrInfo;
    for (let i = 0; i < 8; i++) {
      this.segSel[i] = v.lo(SEG_SEL[i]);
      this.segAr[i] = v.lo(SEG_AR[i]);
      this.segLimit[i] = v.lo(SEG_LIMIT[i]);
      this.segBaseLo[i] = v.lo(SEG_BASE[i]);
      this.segBaseHi[i] = v.hi(SEG_BASE[i]);
    }
    this.current = null;
    this.recording = false;
    return this;
  }

  /** Starts recording the reads of the next check (EntryCheckMemo): lo/hi/hex read through a recording view. */
  startRecording(): void {
    this.recording = true;
    this.recN = 0;
    this.recOverflow = false;
    this.recTouchedCtx = false;
    this.plainView = this._v;
    this._v = this.recorder;
  }

  /** Ends the recording started by startRecording. */
  stopRecording(): void {
    if (!this.recording) return;
    this.recording = false;
    this._v = this.plainView;
  }

  /** The view lo/hi read while recording: notes the field, then reads the VMCS. */
  private plainView!: VmcsView;
  private readonly recorder: VmcsView = (() => {
    const run = this;
    return {
      lo(enc: number): number { run.note(enc); return run.plainView.lo(enc); },
      hi(enc: number): number { run.note(enc); return run.plainView.hi(enc); },
      get launched(): boolean { run.recTouchedCtx = true; return run.plainView.launched; },
    };
  })();

  private note(enc: number): void {
    const n = this.recN, e = this.recEnc;
    for (let i = 0; i < n; i++) if (e[i] === enc) return;
    if (n === RECORD_MAX) { this.recOverflow = true; return; }
    e[n] = enc;
    this.recN = n + 1;
  }

  /** Whether the gate of `def` is open (the check could fail). */
  gateOpen(def: EntryCheckDef): boolean {
    return def.gateWord < 0 || (this.words[def.gateWord] & def.gateMask) !== 0;
  }

  lo(enc: number): number { return this._v.lo(enc); }
  hi(enc: number): number { return this._v.hi(enc); }
  /** A field's value as hex. */
  hex(enc: number): string { return hex64(this._v.lo(enc), this._v.hi(enc)); }

  /** A failure of the current check; the outcome follows from its stage unless given. */
  fail(field: string, value: string, allowed: string, opts: { related?: { field: string; value: string }[]; outcome?: EntryOutcome; qualification?: number } = {}): EntryCheckFailure {
    const def = this.current;
    if (!def) throw new Error('EntryCheckRun.fail outside a check');
    return {
      ok: false,
      stage: def.stage,
      id: def.id,
      sdm: def.sdm,
      rule: def.rule,
      field,
      value,
      allowed,
      related: opts.related ?? [],
      outcome: opts.outcome ?? defaultOutcome(def.stage, opts.qualification ?? 0),
    };
  }
}

export function defaultOutcome(stage: EntryStage, qualification: number): EntryOutcome {
  switch (stage) {
    case 'ctrl': return { kind: 'VMfailValid', error: 7 };
    case 'host': return { kind: 'VMfailValid', error: 8 };
    case 'guest': return { kind: 'entry-failure', reason: 33, exitReason: 0x80000021, qualification };
    case 'msr-load': return { kind: 'entry-failure', reason: 34, exitReason: 0x80000022, qualification };
    case 'pre': return { kind: 'VMfailValid', error: 0 };
  }
}

/** The outcome as the SDM names it: `VMfailValid(7)`, `VM-entry failure, exit reason 0x80000021, qualification 4`. */
export function describeOutcome(o: EntryOutcome): string {
  switch (o.kind) {
    case '#UD': return '#UD';
    case '#GP': return '#GP(0)';
    case 'VMfailInvalid': return 'VMfailInvalid';
    case 'VMfailValid': return `VMfailValid(${o.error})`;
    case 'vm-exit': return `VM exit, reason ${o.reason}`;
    case 'entry-failure': return `VM-entry failure, exit reason 0x${o.exitReason.toString(16)} (${o.reason}), qualification ${o.qualification}`;
    case 'vmx-abort': return `VMX abort, indicator ${o.indicator}`;
  }
}

/** The failure as the user reads it, e.g. in the trace:
 *  `GUEST-CS-L-DB (SDM 27.3.1.2): GUEST_CS_AR_BYTES = 0xa09b: ... ; allowed: ... -> VM-entry failure ...` */
export function formatEntryFailure(f: EntryCheckFailure): string {
  const rel = f.related.length ? ` [${f.related.map((r) => `${r.field} = ${r.value}`).join(', ')}]` : '';
  return `${f.id} (SDM ${f.sdm}): ${f.field} = ${f.value}${rel}: ${f.rule}; allowed: ${f.allowed} -> ${describeOutcome(f.outcome)}`;
}
