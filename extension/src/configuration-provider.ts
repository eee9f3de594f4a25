// F5 without a launch.json (kernels.ts decides what to launch and whether
// to build first), "create a launch.json" (one configuration per kernel
// found), and a check of hand-written configurations before launch.
import * as vscode from 'vscode';
import { findKernels, configFor, canBuild, proposeLaunch } from './kernels';
import { MAKE_TASK_LABEL } from './make-task';

export class NestvirtConfigurationProvider implements vscode.DebugConfigurationProvider {
  async provideDebugConfigurations(folder: vscode.WorkspaceFolder | undefined): Promise<vscode.DebugConfiguration[]> {
    if (!folder) return [];
    const root = folder.uri.fsPath;
    const build = canBuild(root) ? MAKE_TASK_LABEL : undefined;
    const kernels = await findKernels(root);
    return kernels.map((k) => configFor(k, k.startsWith('build') ? build : undefined));
  }

  async resolveDebugConfiguration(folder: vscode.WorkspaceFolder | undefined, config: vscode.DebugConfiguration): Promise<vscode.DebugConfiguration | undefined> {
    if (config.type || config.request || config.name) {
      if (config.request === 'launch' && !config.program) {
        await vscode.window.showErrorMessage('nestvirt: the launch configuration has no "program" (the multiboot ELF kernel to run).');
        return undefined;
      }
      return config;
    }
    // An empty configuration: F5 with no launch.json.
    folder ??= vscode.workspace.workspaceFolders?.[0];
    if (!folder) {
      await vscode.window.showErrorMessage('nestvirt: open a folder that contains a multiboot ELF kernel (for example build/hello.elf) or a Makefile that builds one.');
      return undefined;
    }
    const proposal = await proposeLaunch(folder.uri.fsPath, vscode.window.activeTextEditor?.document.uri.fsPath, MAKE_TASK_LABEL);
    if (!proposal) {
      await vscode.window.showErrorMessage('nestvirt: no multiboot ELF kernel found in this folder (looked in build/*.elf, *.elf and prebuilt/*.elf), and no Makefile with make and a C compiler to build one.');
      return undefined;
    }
    return proposal;
  }
}
