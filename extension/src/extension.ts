// The VS Code side of nestvirt: registers the `nestvirt` debug type's adapter
// (the bundled DAP server, run as a plain Node process over stdio — the same
// program as `nestvirt dap`) and the configuration provider behind F5.
import * as vscode from 'vscode';
import { AdapterFactory } from './adapter-factory';
import { NestvirtConfigurationProvider } from './configuration-provider';

export const DEBUG_TYPE = 'nestvirt';

export function activate(context: vscode.ExtensionContext): void {
  context.subscriptions.push(
    vscode.debug.registerDebugAdapterDescriptorFactory(DEBUG_TYPE, new AdapterFactory(context)),
    vscode.debug.registerDebugConfigurationProvider(DEBUG_TYPE, new NestvirtConfigurationProvider()),
    vscode.debug.registerDebugConfigurationProvider(DEBUG_TYPE, new NestvirtConfigurationProvider(), vscode.DebugConfigurationProviderTriggerKind.Dynamic),
  );
}

export function deactivate(): void {}
