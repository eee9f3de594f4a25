// The commands that act on the running session: step to the next VM
// transition, lint the current VMCS12/VMCB12, export the transition trace.
import * as path from 'path';
import * as vscode from 'vscode';
import { REQUEST, request } from './requests';
import { SessionWatch } from './session-watch';
import { lintReport, lintSummary } from './lint-report';

export function registerSessionCommands(watch: SessionWatch, output: vscode.OutputChannel): vscode.Disposable[] {
  const session = (): vscode.DebugSession | undefined => {
    const s = watch.state.session;
    if (!s) void vscode.window.showWarningMessage('nestvirt: no active nestvirt debug session.');
    return s;
  };

  return [
    vscode.commands.registerCommand('nestvirt.stepToTransition', async () => {
      const s = session();
      if (!s) return;
      const r = await request(s, REQUEST.stepToTransition, { threadId: watch.state.threadId, direction: 'forward' });
      if (!r.ok) void vscode.window.showWarningMessage(`nestvirt: step to next VM transition: ${r.error}`);
    }),

    vscode.commands.registerCommand('nestvirt.lintVmcs12', async () => {
      const s = session();
      if (!s) return;
      const r = await request(s, REQUEST.lint, { threadId: watch.state.threadId });
      if (!r.ok) {
        void vscode.window.showWarningMessage(`nestvirt: lint not available: ${r.error}`);
        return;
      }
      output.appendLine(lintReport(r.value, new Date()));
      if (!r.value.available || r.value.failures.length === 0) {
        const pick = await vscode.window.showInformationMessage(`nestvirt: ${lintSummary(r.value)}`, 'Show Output');
        if (pick) output.show(true);
        return;
      }
      // One pick item per failed check: choosing one opens the SDM reference in the output.
      const chosen = await vscode.window.showQuickPick(
        r.value.failures.map((f) => ({
          label: `$(error) ${f.id}`,
          description: `${f.section} · ${f.field}`,
          detail: `${f.rule} — value ${f.value}, allowed ${f.allowed}; hardware: ${f.outcome}`,
        })),
        { title: lintSummary(r.value), matchOnDescription: true, matchOnDetail: true, placeHolder: 'Failed checks (details in the nestvirt output)' },
      );
      if (chosen) output.show(true);
    }),

    vscode.commands.registerCommand('nestvirt.exportTrace', async () => {
      const s = session();
      if (!s) return;
      const folder = s.workspaceFolder?.uri ?? vscode.workspace.workspaceFolders?.[0]?.uri;
      const target = await vscode.window.showSaveDialog({
        title: 'Export VM transitions (Chrome/Perfetto trace-event JSON)',
        defaultUri: folder ? vscode.Uri.joinPath(folder, 'nestvirt-trace.json') : undefined,
        filters: { 'Trace event JSON': ['json'] },
        saveLabel: 'Export',
      });
      if (!target) return;
      // The adapter runs on the same machine as the extension host and writes the file itself.
      const r = await request(s, REQUEST.exportTrace, { path: target.fsPath });
      if (!r.ok) {
        void vscode.window.showErrorMessage(`nestvirt: export failed: ${r.error}`);
        return;
      }
      if (!r.value.path && r.value.json !== undefined) await vscode.workspace.fs.writeFile(target, Buffer.from(r.value.json, 'utf8'));
      const open = await vscode.window.showInformationMessage(
        `nestvirt: exported ${r.value.events} trace events to ${path.basename(target.fsPath)} (open it in ui.perfetto.dev or chrome://tracing).`,
        'Open',
      );
      if (open) await vscode.window.showTextDocument(target);
    }),
  ];
}
