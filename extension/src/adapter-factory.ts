// Runs dist/adapter.js (webpack bundle of adapter/main.ts) as a separate Node
// process speaking DAP on stdio. A process, not an inline adapter: the
// emulator is CPU-bound and must not block the extension host.
import * as path from 'path';
import * as vscode from 'vscode';

export class AdapterFactory implements vscode.DebugAdapterDescriptorFactory {
  constructor(private readonly context: vscode.ExtensionContext) {}

  createDebugAdapterDescriptor(session: vscode.DebugSession): vscode.ProviderResult<vscode.DebugAdapterDescriptor> {
    const adapter = path.join(this.context.extensionPath, 'dist', 'adapter.js');
    const cwd = session.workspaceFolder?.uri.fsPath;
    // process.execPath is the extension host's runtime: Node in code-server,
    // Electron in desktop VS Code (hence ELECTRON_RUN_AS_NODE).
    return new vscode.DebugAdapterExecutable(process.execPath, [adapter], {
      cwd,
      env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' } as { [key: string]: string },
    });
  }
}
