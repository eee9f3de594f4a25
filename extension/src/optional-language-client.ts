// Starts the language client (language-client.ts, the language server for
// hypervisor sources) when the bundle contains it. It is written separately
// from the debugger views; until it exists, webpack.config.js ignores the
// require below and the debugger works alone.
//
// Contract for language-client.ts:
//   export function activateLanguageClient(context: vscode.ExtensionContext): unknown;
//   export function deactivateLanguageClient(): Thenable<void> | undefined;   (optional)
import * as vscode from 'vscode';

interface LanguageClientModule {
  activateLanguageClient?: (context: vscode.ExtensionContext) => unknown;
  deactivateLanguageClient?: () => Thenable<void> | undefined;
}

let loaded: LanguageClientModule | undefined;

function load(): LanguageClientModule | undefined {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require('./language-client') as LanguageClientModule;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND') return undefined;
    throw e;
  }
}

export async function startLanguageClient(context: vscode.ExtensionContext, log: vscode.OutputChannel): Promise<void> {
  loaded = load();
  if (!loaded?.activateLanguageClient) return;
  try {
    await loaded.activateLanguageClient(context);
  } catch (e) {
    // Hover and completion are extras: the debugger must still activate.
    log.appendLine(`language client failed to start: ${e instanceof Error ? e.stack ?? e.message : String(e)}`);
  }
}

export function stopLanguageClient(): Thenable<void> | undefined {
  return loaded?.deactivateLanguageClient?.();
}
