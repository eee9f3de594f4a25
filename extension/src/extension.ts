// The VS Code side of nestvirt: the `nestvirt` debug type's adapter (the
// bundled DAP server, run as a plain Node process over stdio — the same
// program as `nestvirt dap`), F5 without launch.json, the make task, the
// Nesting levels tree, the VM Transitions timeline, the VMCS/VMCB viewer,
// the session commands, and the language client when it is built in.
import * as vscode from 'vscode';
import { AdapterFactory } from './adapter-factory';
import { NestvirtConfigurationProvider } from './configuration-provider';
import { DEBUG_TYPE } from './debug-type';
import { MakeTaskProvider, TASK_TYPE } from './make-task';
import { SessionWatch } from './session-watch';
import { NestingTree } from './nesting-tree';
import { TimelineView, TIMELINE_VIEW_ID } from './timeline-view';
import { VmcsPanel } from './vmcs-panel';
import { registerSessionCommands } from './commands';
import { startLanguageClient, stopLanguageClient } from './optional-language-client';

export { DEBUG_TYPE };

export function activate(context: vscode.ExtensionContext): void {
  const output = vscode.window.createOutputChannel('nestvirt');
  const watch = new SessionWatch();
  const nesting = new NestingTree(watch);
  const timeline = new TimelineView(context.extensionUri, watch);
  const vmcs = new VmcsPanel(context.extensionUri, watch);
  const provider = new NestvirtConfigurationProvider();

  context.subscriptions.push(
    output, watch, nesting, timeline, vmcs,
    vscode.debug.registerDebugAdapterDescriptorFactory(DEBUG_TYPE, new AdapterFactory(context)),
    vscode.debug.registerDebugConfigurationProvider(DEBUG_TYPE, provider),
    vscode.debug.registerDebugConfigurationProvider(DEBUG_TYPE, provider, vscode.DebugConfigurationProviderTriggerKind.Dynamic),
    vscode.tasks.registerTaskProvider(TASK_TYPE, new MakeTaskProvider()),
    vscode.window.registerTreeDataProvider('nestvirt.nesting', nesting),
    vscode.window.registerWebviewViewProvider(TIMELINE_VIEW_ID, timeline, { webviewOptions: { retainContextWhenHidden: true } }),
    vscode.commands.registerCommand('nestvirt.showVmcs', () => vmcs.show()),
    vscode.commands.registerCommand('nestvirt.showTimeline', () => vscode.commands.executeCommand(`${TIMELINE_VIEW_ID}.focus`)),
    vscode.commands.registerCommand('nestvirt.refreshNesting', () => nesting.refresh()),
    ...registerSessionCommands(watch, output),
  );
  void startLanguageClient(context, output);
}

export function deactivate(): Thenable<void> | undefined {
  return stopLanguageClient();
}
