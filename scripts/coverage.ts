// docs/coverage.md: what nestvirt's L0 implements, row by row of the
// reference tables (../shared/reference), read from the code itself: the
// "does L1 want it?" rule registries (emulator/l0/vmx-exit-rules.ts
// L1_EXIT_RULES, emulator/l0/svm-exit-rules.ts), the capability MSRs the
// `max` CPU model reports, the controls L0 accepts for L2
// (unsupportedForL2), the VM-entry check table and its test scenarios, the
// VMRUN check table. Nothing here is typed in by hand: a row changes when
// the table or the code does. test/unit/coverage.test.ts regenerates the
// document and fails when the committed one is stale.
//
//   npm run coverage      (node out/scripts/coverage.js; writes docs/coverage.md)
import * as fs from 'fs';
import * as path from 'path';
import { parseCpuPolicy } from '../emulator/x86/cpu-model';
import { VMX_FEATURES, vmxFeatureMsr, vmxFeatureMsrBit, VmxFeature } from '../emulator/x86/cpu-features';
import { resolveVmxCaps, VmxCaps } from '../emulator/vmx/caps';
import { CONTROL_BITS, ControlWord, PRIMARY, EXIT, ENTRY } from '../emulator/vmx/controls';
import { entryCheck } from '../emulator/vmx/entry-checks';
import { Vmcs, VmcsProfile } from '../emulator/vmx/vmcs';
import { VMCS } from '../emulator/vmx/fields';
import { L1_EXIT_RULES } from '../emulator/l0/vmx-exit-rules';
import { unsupportedForL2 } from '../emulator/l0/vmx-nonroot';
import * as SvmRules from '../emulator/l0/svm-exit-rules';
import { vmrunCheck } from '../emulator/svm/vmrun-checks';
import { SPECS } from '../test/unit/vmx/entry-check-specs';

// ---- inputs ----

function repoRoot(): string {
  let dir = __dirname;
  for (let i = 0; i < 8; i++) {
    if (fs.existsSync(path.join(dir, 'package.json')) && fs.existsSync(path.join(dir, 'emulator'))) return dir;
    dir = path.dirname(dir);
  }
  throw new Error(`repository root not found above ${__dirname}`);
}

/** The committed document. */
export const COVERAGE_DOC = path.join(repoRoot(), 'docs', 'coverage.md');

/** Directory of the reference tables: $NESTVIRT_REFERENCE or <repo>/../shared/reference. */
function referenceDir(): string {
  return process.env.NESTVIRT_REFERENCE ?? path.join(repoRoot(), '..', 'shared', 'reference');
}

type Row = Record<string, string>;

/** Rows of a reference TSV: '#' lines skipped, the first other line is the header. */
function readTsv(name: string): Row[] {
  const file = path.join(referenceDir(), name);
  const lines = fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '' && !l.startsWith('#'));
  const header = lines[0].split('\t');
  return lines.slice(1).map((l) => {
    const cells = l.split('\t');
    const row: Row = {};
    header.forEach((h, i) => (row[h] = (cells[i] ?? '').trim()));
    return row;
  });
}

// ---- VMX controls ----

/** The capabilities L1 reads under `-cpu max`. */
const MAX_CAPS: VmxCaps = resolveVmxCaps(parseCpuPolicy('max'));

const WORD_OF_TSV: Record<string, ControlWord> = {
  pin: 'pin', primary: 'primary', secondary: 'secondary', tertiary: 'tertiary', exit: 'exit', exit2: 'exit2', entry: 'entry', vmfunc: 'vmfunc',
};

/** Allowed-0 (must be 1) bit of a 32-bit control word under max, from the MSR L1 is told to use (TRUE if IA32_VMX_BASIC[55]). */
function mustBe1(word: ControlWord, bit: number): boolean {
  const a0: Partial<Record<ControlWord, number>> = { pin: MAX_CAPS.pin0, primary: MAX_CAPS.proc0, secondary: MAX_CAPS.proc2_0, exit: MAX_CAPS.exit0, entry: MAX_CAPS.entry0 };
  const v = a0[word];
  return v !== undefined && ((v >>> bit) & 1) === 1;
}

/**
 * Whether L0 runs L2 with this control set (unsupportedForL2 asked about a
 * VMCS12 with the max model's required bits plus this one; secondary bits
 * with "activate secondary controls"). Only the words unsupportedForL2
 * knows: tertiary, secondary-exit and VM-function controls cannot be
 * activated under max.
 */
function acceptedForL2(word: ControlWord, bit: number): boolean | null {
  const field: Partial<Record<ControlWord, number>> = {
    pin: VMCS.PIN_BASED_VM_EXEC_CONTROL, primary: VMCS.CPU_BASED_VM_EXEC_CONTROL, secondary: VMCS.SECONDARY_VM_EXEC_CONTROL,
    exit: VMCS.VM_EXIT_CONTROLS, entry: VMCS.VM_ENTRY_CONTROLS,
  };
  const enc = field[word];
  if (enc === undefined) return null;
  const v = new Vmcs(VmcsProfile.ALL);
  v.set(VMCS.PIN_BASED_VM_EXEC_CONTROL, MAX_CAPS.pin0);
  v.set(VMCS.CPU_BASED_VM_EXEC_CONTROL, (MAX_CAPS.proc0 | (word === 'secondary' ? PRIMARY.ACTIVATE_SECONDARY_CONTROLS : 0)) >>> 0);
  v.set(VMCS.VM_EXIT_CONTROLS, (MAX_CAPS.exit0 | EXIT.HOST_ADDRESS_SPACE_SIZE) >>> 0);
  v.set(VMCS.VM_ENTRY_CONTROLS, (MAX_CAPS.entry0 | ENTRY.IA32E_MODE_GUEST) >>> 0);
  v.set(enc, (v.lo(enc) | (1 << bit)) >>> 0);
  return unsupportedForL2(v) === null;
}

export interface ControlCoverage {
  readonly word: ControlWord;
  readonly bit: number;
  readonly name: string;
  readonly reserved: boolean;
  /** Allowed-1 in the capability MSR max reports. */
  readonly advertised: boolean;
  /** Allowed-0: the VMCS must set it. */
  readonly required: boolean;
  /** L0 runs L2 with it (null: a word L0 never activates). */
  readonly acceptedForL2: boolean | null;
  /** The QEMU feature name that switches it, if any. */
  readonly feature?: string;
}

function featureOf(word: ControlWord, bit: number): VmxFeature | undefined {
  return VMX_FEATURES.find((f) => f.word === word && f.bit === bit);
}

export function controlCoverage(): ControlCoverage[] {
  return readTsv('vmx-controls.tsv').map((r) => {
    const word = WORD_OF_TSV[r.field];
    if (!word) throw new Error(`vmx-controls.tsv: unknown control field '${r.field}'`);
    const bit = Number(r.bit);
    const reserved = r.name.startsWith('(reserved');
    const f = featureOf(word, bit);
    return {
      word, bit, name: r.name, reserved,
      advertised: MAX_CAPS.allowed1(word, bit),
      required: mustBe1(word, bit),
      acceptedForL2: reserved ? null : acceptedForL2(word, bit),
      ...(f ? { feature: f.name } : {}),
    };
  });
}

// ---- VMX exit reasons ----

/** Spellings of a control in the reference's nested-rule text ("'monitor trap flag'", "'ENCLS exiting'"). */
function controlPhrases(name: string): string[] {
  const p = name.toLowerCase().replace(/_/g, ' ');
  const out = [p];
  for (const pre of ['enable ', 'use ', 'activate ']) if (p.startsWith(pre)) out.push(p.slice(pre.length));
  return out.filter((x) => x.length >= 3);
}

/** Controls the nested rule of an exit reason names (the controls that make the exit happen). */
function controlsNamed(text: string): { word: ControlWord; bit: number; name: string }[] {
  const t = ` ${text.toLowerCase().replace(/[-/]/g, ' ').replace(/ and /g, ' ')} `;
  const out: { word: ControlWord; bit: number; name: string }[] = [];
  for (const d of CONTROL_BITS) {
    if (d.reserved) continue;
    if (controlPhrases(d.name).some((p) => new RegExp(`[^a-z0-9]${p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}[^a-z0-9]`).test(t))) {
      out.push({ word: d.word, bit: d.bit, name: d.name });
    }
  }
  return out;
}

export interface ExitReasonCoverage {
  readonly number: number;
  readonly name: string;
  /** Rules deciding "does L1 want it?" (L1_EXIT_RULES). */
  readonly rules: readonly string[];
  /** Controls the reference's nested rule names for it, with whether max advertises them. */
  readonly controls: readonly { readonly name: string; readonly advertised: boolean }[];
  readonly status: 'reflected' | 'not advertised' | 'not implemented';
}

export function exitReasonCoverage(): ExitReasonCoverage[] {
  const rows = readTsv('vmx-exit-reasons.tsv');
  return rows.filter((r) => !r.name.startsWith('(reserved')).map((r) => {
    const number = Number(r.number);
    const rules = L1_EXIT_RULES[number] ?? [];
    // "same as 63" / "as 78": the rule (and so the controls) of that reason.
    const ref = /^(?:same as|as) (\d+)\b/.exec(r.nested_rule);
    const text = ref ? rows.find((x) => x.number === ref[1])?.nested_rule ?? r.nested_rule : r.nested_rule;
    const controls = controlsNamed(text).map((c) => ({ name: c.name, advertised: MAX_CAPS.allowed1(c.word, c.bit) }));
    const status = rules.length ? 'reflected' : controls.length && controls.every((c) => !c.advertised) ? 'not advertised' : 'not implemented';
    return { number, name: r.name, rules, controls, status };
  });
}

// ---- other capability bits (IA32_VMX_BASIC, MISC, EPT_VPID_CAP) ----

export interface CapabilityBitCoverage { readonly feature: string; readonly msr: number; readonly bit: number; readonly implemented: boolean; readonly advertised: boolean; readonly doc: string }

export function capabilityBitCoverage(): CapabilityBitCoverage[] {
  const max = parseCpuPolicy('max');
  return VMX_FEATURES.filter((f) => f.word === 'basic' || f.word === 'misc' || f.word === 'ept-vpid').map((f) => {
    const msr = vmxFeatureMsr(f), b = vmxFeatureMsrBit(f);
    const v = max.vmxMsr(msr);
    return { feature: f.name, msr, bit: b, implemented: f.implemented, advertised: !!v && (((b < 32 ? v[0] : v[1]) >>> (b & 31)) & 1) === 1, doc: f.doc };
  });
}

// ---- VM-entry checks ----

export interface EntryCheckCoverage { readonly id: string; readonly stage: string; readonly sdm: string; readonly fn: string | null; readonly kind: string | null; readonly spec: boolean }

/** Rows that state ordering or outcome rules: implemented by the runner, tested by the runner's tests. */
const RULE_ROWS = new Set(['PRE-ORDER', 'MSR-LOAD-ORDER', 'FAIL-GUEST-SEMANTICS']);

export function entryCheckCoverage(): EntryCheckCoverage[] {
  return readTsv('vm-entry-checks.tsv').map((r) => {
    const d = entryCheck(r.id);
    return {
      id: r.id, stage: r.stage, sdm: r.sdm_section.split(/[ ,(]/)[0],
      fn: d ? d.fn.name || '(anonymous)' : null, kind: d ? d.kind : null,
      spec: SPECS[r.id] !== undefined || (RULE_ROWS.has(r.id) && d !== undefined),
    };
  });
}

// ---- SVM ----

const SVM_RULE_NAMES = new Set(Object.keys(SvmRules).filter((k) => k.startsWith('l1')));

/** The rule of an SVM exit code, and whether svm-exit-rules.ts exports it. */
function svmRule(code: number): { rule: string; exists: boolean } {
  const rule = SvmRules.ruleName(code);
  return { rule, exists: SVM_RULE_NAMES.has(rule) };
}

/** First code of a svm-exit-codes.tsv code cell ("0x040-0x05F", "0x07B", "-1"). */
const firstCode = (cell: string): number => Number(cell.split('-')[0] === '' ? cell : cell.split('-')[0]);

export interface SvmExitCoverage { readonly code: string; readonly name: string; readonly rule: string; readonly exists: boolean }

export function svmExitCoverage(): SvmExitCoverage[] {
  return readTsv('svm-exit-codes.tsv').map((r) => ({ code: r.code, name: r.name.split(' ')[0], ...svmRule(firstCode(r.code)) }));
}

export interface SvmInterceptCoverage { readonly globalBit: number; readonly name: string; readonly exitCode: string; readonly rule: string; readonly exists: boolean; readonly qemu: string }

export function svmInterceptCoverage(): SvmInterceptCoverage[] {
  return readTsv('svm-intercepts.tsv').map((r) => ({
    globalBit: Number(r.global_bit), name: r.name, exitCode: r.exit_code, qemu: r.qemu_tcg.split(' ')[0],
    ...svmRule(Number(r.exit_code)),
  }));
}

export interface VmrunCheckCoverage { readonly id: string; readonly section: string; readonly stage: string | null; readonly implemented: boolean }

export function vmrunCheckCoverage(): VmrunCheckCoverage[] {
  return readTsv('vmrun-checks.tsv').map((r) => {
    const c = vmrunCheck(r.id);
    return { id: r.id, section: r.apm_section, stage: c ? c.stage : null, implemented: c !== undefined };
  });
}

// ---- the document ----

const yes = (b: boolean | null): string => (b === null ? '-' : b ? 'yes' : 'no');
const cell = (s: string): string => s.replace(/\|/g, '\\|');
const hex = (n: number): string => '0x' + n.toString(16).toUpperCase();

function table(head: string[], rows: string[][]): string {
  return [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`)].join('\n');
}

function count<T>(xs: readonly T[], p: (x: T) => boolean): number {
  return xs.filter(p).length;
}

/** The whole document, from the tables and the code as they are now. */
export function generateCoverage(): string {
  const exits = exitReasonCoverage();
  const controls = controlCoverage();
  const caps = capabilityBitCoverage();
  const checks = entryCheckCoverage();
  const svmExits = svmExitCoverage();
  const intercepts = svmInterceptCoverage();
  const vmrun = vmrunCheckCoverage();
  const named = controls.filter((c) => !c.reserved);
  const out: string[] = [];
  out.push('# nestvirt coverage');
  out.push('');
  out.push('<!-- Generated by scripts/coverage.ts (`npm run coverage`) from ../shared/reference and the code; do not edit. test/unit/coverage.test.ts fails when it is stale. -->');
  out.push('');
  out.push('Row by row of the reference tables: which rule decides whether L1 gets an exit, which controls the `max` CPU model advertises to L1 and L0 honours for L2, which VM-entry and VMRUN checks exist.');
  out.push('');
  out.push('## Summary');
  out.push('');
  out.push(table(['table', 'rows', 'covered', 'not advertised', 'not implemented'], [
    ['vmx-exit-reasons.tsv', String(exits.length), `${count(exits, (e) => e.status === 'reflected')} with an L1 rule`, String(count(exits, (e) => e.status === 'not advertised')), String(count(exits, (e) => e.status === 'not implemented'))],
    ['vmx-controls.tsv (named bits)', String(named.length), `${count(named, (c) => c.advertised)} advertised by max`, String(count(named, (c) => !c.advertised)), '-'],
    ['vm-entry-checks.tsv', String(checks.length), `${count(checks, (c) => c.fn !== null)} implemented, ${count(checks, (c) => c.spec)} with a test scenario`, '-', String(count(checks, (c) => c.fn === null))],
    ['svm-exit-codes.tsv', String(svmExits.length), `${count(svmExits, (e) => e.exists)} with an L1 rule`, '-', String(count(svmExits, (e) => !e.exists))],
    ['svm-intercepts.tsv', String(intercepts.length), `${count(intercepts, (e) => e.exists)} with an L1 rule`, '-', String(count(intercepts, (e) => !e.exists))],
    ['vmrun-checks.tsv', String(vmrun.length), `${count(vmrun, (c) => c.implemented)} implemented`, '-', String(count(vmrun, (c) => !c.implemented))],
  ]));
  out.push('');

  out.push('## VMX exit reasons (vmx-exit-reasons.tsv)');
  out.push('');
  out.push('"L1 rule": the functions that decide whether an exit of L2 goes to L1 (emulator/l0/vmx-exit-rules.ts `L1_EXIT_RULES`). Without one, the exit is "not advertised" when every control the reference names for it is absent from the capability MSRs of `max`, else "not implemented".');
  out.push('');
  out.push(table(['reason', 'name', 'L1 rule', 'status', 'controls (advertised by max?)'], exits.map((e) => [
    String(e.number), e.name, e.rules.join(', ') || '-', e.status,
    e.controls.map((c) => `${c.name} (${yes(c.advertised)})`).join(', ') || '-',
  ])));
  out.push('');

  out.push('## VMX controls (vmx-controls.tsv)');
  out.push('');
  out.push('"advertised": allowed-1 in the capability MSR `-cpu max` reports to L1 (emulator/x86/cpu-model-vmx.ts from cpu-features.ts); "must be 1": allowed-0 there. "L2": L0 runs L2 with the control set (emulator/l0/vmx-nonroot.ts `unsupportedForL2`); a control not advertised that L1 sets anyway fails VM entry with VMfailValid(7) (CTRL-*-RSVD).');
  out.push('');
  out.push(table(['word', 'bit', 'name', 'advertised', 'must be 1', 'L2', 'QEMU feature'], controls.map((c) => [
    c.word, String(c.bit), c.name, yes(c.advertised), yes(c.required), yes(c.acceptedForL2), c.feature ?? '-',
  ])));
  out.push('');

  out.push('## Other IA32_VMX_* capability bits (cpu-features.ts)');
  out.push('');
  out.push(table(['feature', 'MSR', 'bit', 'implemented', 'advertised by max', 'meaning'], caps.map((c) => [
    c.feature, hex(c.msr), String(c.bit), yes(c.implemented), yes(c.advertised), c.doc,
  ])));
  out.push('');

  out.push('## VM-entry checks (vm-entry-checks.tsv)');
  out.push('');
  out.push('"check": the function in emulator/vmx/entry-checks-*.ts (`ENTRY_CHECKS`); "test": a pass/fail scenario in test/unit/vmx/entry-check-specs.ts (rule rows: the runner\'s tests).');
  out.push('');
  out.push(table(['id', 'stage', 'SDM', 'check', 'kind', 'test'], checks.map((c) => [c.id, c.stage, c.sdm, c.fn ?? 'not implemented', c.kind ?? '-', yes(c.spec)])));
  out.push('');

  out.push('## SVM exit codes (svm-exit-codes.tsv)');
  out.push('');
  out.push('"L1 rule": emulator/l0/svm-exit-rules.ts `ruleName` of the (first) code; "exported": the rule exists there.');
  out.push('');
  out.push(table(['code', 'name', 'L1 rule', 'exported'], svmExits.map((e) => [e.code, e.name, e.rule, yes(e.exists)])));
  out.push('');

  out.push('## SVM intercepts (svm-intercepts.tsv)');
  out.push('');
  out.push(table(['global bit', 'name', 'exit code', 'L1 rule', 'exported', 'QEMU TCG'], intercepts.map((e) => [String(e.globalBit), e.name, e.exitCode, e.rule, yes(e.exists), e.qemu])));
  out.push('');

  out.push('## VMRUN checks (vmrun-checks.tsv)');
  out.push('');
  out.push(table(['id', 'APM', 'stage', 'implemented'], vmrun.map((c) => [c.id, c.section, c.stage ?? '-', yes(c.implemented)])));
  out.push('');
  return out.join('\n');
}

if (require.main === module) {
  fs.mkdirSync(path.dirname(COVERAGE_DOC), { recursive: true });
  fs.writeFileSync(COVERAGE_DOC, generateCoverage());
  console.log(`wrote ${path.relative(process.cwd(), COVERAGE_DOC)}`);
}
