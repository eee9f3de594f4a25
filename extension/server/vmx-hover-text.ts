// Markdown for VMX table rows: VMCS fields, control bits, exit reasons, MSRs.
// Everything shown is read from the row and its sibling tables.

import { VMCS_FIELDS, VmcsFieldDef, FieldRequirement, widthName } from '../../emulator/vmx/fields';
import {
  CONTROL_BITS, CONTROL_FIELD, CONTROL_SDM, CONTROL_WORD_TITLE, ControlBitDef, ControlWord, controlBit, controlCapabilityMsr,
} from '../../emulator/vmx/controls';
import { ExitReasonDef, EXIT_REASON_FLAGS } from '../../emulator/vmx/exit-reasons';
import { IA32_VMX_BASIC, VmxMsrDef, vmxMsrDef } from '../../emulator/vmx/msrs';
import { hex4 } from './source-text';
import { code, row, table } from './markdown';

const TYPE_TITLE: Record<VmcsFieldDef['type'], string> = {
  control: 'control', 'exit-info': 'VM-exit information', guest: 'guest state', host: 'host state',
};

function requirementText(r: FieldRequirement): string {
  if (r.ctl === 'never') return 'no CPU nestvirt models (the field is never supported)';
  if (r.ctl === 'basic') return `${vmxMsrDef(IA32_VMX_BASIC)?.name ?? 'IA32_VMX_BASIC'} bit ${r.bit}`;
  const b = controlBit(r.ctl, r.bit);
  return `${code(b?.name ?? `bit ${r.bit}`)} (${CONTROL_WORD_TITLE[r.ctl]} bit ${r.bit}, ${CONTROL_FIELD[r.ctl]})`;
}

/** The control word a field holds, if it is one of the control fields. */
function wordHeldBy(f: VmcsFieldDef): ControlWord | undefined {
  return (Object.keys(CONTROL_FIELD) as ControlWord[]).find((w) => CONTROL_FIELD[w] === f.name);
}

export function vmcsFieldText(f: VmcsFieldDef, highAccess: boolean): string {
  const enc = highAccess ? f.encoding | 1 : f.encoding;
  const head = highAccess
    ? `**${f.name}_HIGH** — VMCS field ${code(hex4(enc))}: high access, bits 63:32 of ${code(f.name)} (${code(hex4(f.encoding))})`
    : `**${f.name}** — VMCS field ${code(hex4(enc))}`;
  const parts = [head, table([
    row('width', highAccess ? `32-bit (high half of ${widthName(f.width)})` : widthName(f.width)),
    row('type', TYPE_TITLE[f.type]),
    row('group', f.group),
    row('access', f.readOnly ? 'read-only (VMWRITE fails unless the CPU allows VMWRITE to any field)' : 'read/write'),
    row('SDM', `§${f.sdm}`),
  ]), f.description];
  if (f.requires.length) parts.push(`Exists only if the CPU allows the 1-setting of any of: ${f.requires.map(requirementText).join('; ')}.`);
  const word = wordHeldBy(f);
  if (word) {
    const bits = CONTROL_BITS.filter((b) => b.word === word && !b.reserved).map((b) => `${code(b.name)} (${b.bit})`);
    parts.push(`Holds the ${CONTROL_WORD_TITLE[word]} (SDM §${CONTROL_SDM[word]}): ${bits.join(', ')}.`);
  }
  return parts.join('\n\n');
}

function mask(bit: number): string {
  return '0x' + (1n << BigInt(bit)).toString(16);
}

export function controlBitText(b: ControlBitDef): string {
  const field = VMCS_FIELDS.find((f) => f.name === CONTROL_FIELD[b.word]);
  const cap = [vmxMsrDef(controlCapabilityMsr(b.word, false)), vmxMsrDef(controlCapabilityMsr(b.word, true))]
    .filter((m, k, a): m is VmxMsrDef => !!m && a.indexOf(m) === k).map((m) => `${m.name} (${code(hex4(m.index))})`);
  const needs = VMCS_FIELDS.filter((f) => f.requires.some((r) => r.ctl === b.word && r.bit === b.bit)).map((f) => code(f.name));
  const parts = [
    `**${b.name}** — ${CONTROL_WORD_TITLE[b.word]}, bit ${b.bit}`,
    table([
      row('VMCS field', field ? `${code(field.name)} (${code(hex4(field.encoding))})` : CONTROL_FIELD[b.word]),
      row('mask', code(mask(b.bit))),
      row('capability MSR', cap.join(', ')),
      ...(b.default1 ? [row('default1', 'yes: reserved as 1 under the non-TRUE capability MSR')] : []),
      row('SDM', `§${CONTROL_SDM[b.word]}`),
    ]),
    b.meaning,
  ];
  if (needs.length) parts.push(`Fields that exist only with this control: ${needs.join(', ')}.`);
  return parts.join('\n\n');
}

export function exitReasonText(x: ExitReasonDef): string {
  const rows = [
    row('exit qualification', x.qualification),
    row('unconditional', x.unconditional ? 'yes: exits whatever the VM-execution controls say' : 'no: depends on the VM-execution controls'),
  ];
  if (x.entryFailure) rows.push(row('VM-entry failure', `yes: VM_EXIT_REASON = ${code('0x' + ((x.number | EXIT_REASON_FLAGS.ENTRY_FAILURE) >>> 0).toString(16))}`));
  return [
    `**${x.name}** — VMX basic exit reason ${x.number} (${code('0x' + x.number.toString(16))})`,
    table(rows),
    `Nested (what L0 does when L2 exits this way): ${x.nestedRule}`,
  ].join('\n\n');
}

export function vmxMsrText(m: VmxMsrDef): string {
  return [`**${m.name}** — MSR ${code(hex4(m.index))}`, table([row('SDM', `§${m.sdm}`)]), m.description].join('\n\n');
}
