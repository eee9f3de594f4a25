// Markdown for SVM table rows: VMCB fields, intercept bits, #VMEXIT codes.

import { CLEAN, VmcbFieldDef } from '../../emulator/svm/vmcb-layout';
import { SvmIntercept, interceptForExitCode } from '../../emulator/svm/intercepts';
import { SvmExitCode, svmExit } from '../../emulator/svm/exit-codes';
import { code, row, table } from './markdown';

const CLEAN_NAME = new Map<number, string>(Object.entries(CLEAN).map(([k, v]) => [v, k]));

function hex3(v: number): string {
  return '0x' + v.toString(16).padStart(3, '0');
}

export function vmcbFieldText(f: VmcbFieldDef): string {
  const rows = [
    row('offset', `${code(hex3(f.offset))} (${f.area === 'control' ? 'control area' : 'state-save area'})`),
    row('size', `${f.size} byte${f.size === 1 ? '' : 's'} (${f.kind})`),
    row('VMCB clean bit', f.clean === null ? 'none: always read by VMRUN' : `${f.clean} (${CLEAN_NAME.get(f.clean) ?? '?'})`),
  ];
  if (f.xfer) rows.push(row('moved by', f.xfer === 'vmrun' ? 'VMRUN (loaded) and #VMEXIT (saved)' : 'VMLOAD / VMSAVE only'));
  if (f.feature) rows.push(row('needs CPU feature', code(f.feature)));
  rows.push(row('APM vol 2', f.apm));
  const parts = [`**${f.name}** — VMCB field`, table(rows), f.doc];
  if (f.bits?.length) parts.push('Bits: ' + f.bits.filter((b) => b.name !== 'reserved').map((b) => `${code(b.name)} ${b.hi === b.lo ? b.lo : `${b.hi}:${b.lo}`}`).join(', '));
  return parts.join('\n\n');
}

export function interceptText(x: SvmIntercept): string {
  const exit = svmExit(x.exitCode);
  const rows = [
    row('intercept word', `${x.word} (VMCB ${code(hex3(x.wordOffset))}), bit ${x.bit}`),
    row('#VMEXIT code', `${code('0x' + x.exitCode.toString(16))}${exit ? ` ${code(exit.name)}` : ''}`),
    row('APM vol 2', x.apm),
  ];
  if (x.feature) rows.push(row('needs CPU feature', code(x.feature)));
  return [`**${x.name}** — SVM intercept`, table(rows), x.meaning].join('\n\n');
}

export function svmExitText(x: SvmExitCode): string {
  const ic = x.code >= 0 ? interceptForExitCode(x.code) : undefined;
  const rows = [
    row('EXITINFO1', x.exitInfo1),
    row('EXITINFO2', x.exitInfo2),
    row('EXITINTINFO', x.exitIntInfo),
    row('NRIP written', x.nrip ? 'yes (with NRIP save)' : 'no'),
  ];
  if (ic) rows.push(row('intercept', `${code(ic.name)} (word ${ic.word}, bit ${ic.bit})`));
  rows.push(row('APM vol 2', x.apm));
  const num = x.code >= 0 ? code('0x' + x.code.toString(16)) : `${code(String(x.code))} (all 64 bits of EXITCODE)`;
  return [`**${x.name}** — SVM #VMEXIT code ${num}`, table(rows), x.cause].join('\n\n');
}
