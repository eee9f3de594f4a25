// Text of a nestvirt/lint answer for the output channel: one block per failed
// check with its id, SDM/APM section, field, value and what was allowed.
// No `vscode` import: plain formatting.
import type { LintResponse, LintFinding } from '../../adapter/protocol';

export function lintSummary(r: LintResponse): string {
  const block = r.arch === 'svm' ? 'VMCB12' : 'VMCS12';
  if (!r.available) return `${block}: not available: ${r.message}`;
  if (r.failures.length === 0) return `${block}: all ${r.checksRun} ${r.arch === 'svm' ? 'VMRUN' : 'VM-entry'} checks pass`;
  return `${block}: ${r.failures.length} of ${r.checksRun} checks fail`;
}

export function findingLines(f: LintFinding): string[] {
  return [
    `  ✗ ${f.id} (${f.section}) ${f.rule}`,
    `      field ${f.field} = ${f.value}; allowed: ${f.allowed}`,
    `      hardware would: ${f.outcome}`,
  ];
}

export function lintReport(r: LintResponse, when: Date): string {
  const lines = [`[${when.toISOString()}] ${lintSummary(r)}`];
  if (r.available && r.message) lines.push(`  ${r.message}`);
  for (const f of r.failures ?? []) lines.push(...findingLines(f));
  return lines.join('\n');
}
