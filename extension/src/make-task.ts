// The `nestvirt` task type: `make [target]` in a workspace folder that has a
// Makefile, with gcc/clang diagnostics in the Problems view (the
// `$nestvirt-gcc` matcher contributed in package.json). F5 without a
// launch.json uses it as preLaunchTask, so the kernel is rebuilt first.
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';

export const TASK_TYPE = 'nestvirt';
/** How launch configurations name the provided task: `${source}: ${name}`. */
export const MAKE_TASK_LABEL = 'nestvirt: make';

interface NestvirtTaskDefinition extends vscode.TaskDefinition {
  type: typeof TASK_TYPE;
  /** Make target; absent = the Makefile's default (all kernels). */
  target?: string;
}

function makeTask(folder: vscode.WorkspaceFolder, def: NestvirtTaskDefinition): vscode.Task {
  const args = def.target ? [def.target] : [];
  const task = new vscode.Task(def, folder, ['make', ...args].join(' '), TASK_TYPE,
    new vscode.ShellExecution('make', args, { cwd: folder.uri.fsPath }), '$nestvirt-gcc');
  task.group = vscode.TaskGroup.Build;
  task.presentationOptions = { reveal: vscode.TaskRevealKind.Silent, clear: true };
  return task;
}

export class MakeTaskProvider implements vscode.TaskProvider {
  provideTasks(): vscode.Task[] {
    return (vscode.workspace.workspaceFolders ?? [])
      .filter((f) => fs.existsSync(path.join(f.uri.fsPath, 'Makefile')))
      .map((f) => makeTask(f, { type: TASK_TYPE }));
  }

  /** A `nestvirt` task written in tasks.json: give it its execution. */
  resolveTask(task: vscode.Task): vscode.Task | undefined {
    const def = task.definition as NestvirtTaskDefinition;
    const folder = typeof task.scope === 'object' ? task.scope : vscode.workspace.workspaceFolders?.[0];
    if (def.type !== TASK_TYPE || !folder) return undefined;
    return makeTask(folder, def);
  }
}
