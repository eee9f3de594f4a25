// F5 without a launch.json: look for a multiboot kernel in the workspace
// (build/*.elf first) and propose a `nestvirt` launch configuration for it.
import * as vscode from 'vscode';
import { findKernels, pickKernel, configFor } from './kernels';

export class NestvirtConfigurationProvider implements vscode.DebugConfigurationProvider {
  async provideDebugConfigurations(folder: vscode.WorkspaceFolder | undefined): Promise<vscode.DebugConfiguration[]> {
    if (!folder) return [];
    const kernels = await findKernels(folder.uri.fsPath);
    return kernels.map((k) => configFor(k));
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
      await vscode.window.showErrorMessage('nestvirt: open a folder that contains a multiboot ELF kernel (for example build/hello.elf).');
      return undefined;
    }
    const kernels = await findKernels(folder.uri.fsPath);
    if (kernels.length === 0) {
      await vscode.window.showErrorMessage('nestvirt: no multiboot ELF kernel found in this folder (looked in build/*.elf, *.elf and prebuilt/*.elf). Build one first, e.g. `make`.');
      return undefined;
    }
    return configFor(pickKernel(kernels, vscode.window.activeTextEditor?.document.uri.fsPath));
  }
}
