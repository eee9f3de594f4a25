// The "Nesting levels" tree in the Run and Debug view: per vCPU, its levels
// outermost-running first as the adapter lists them, each with its activity
// and VMCS12/VMCB12 pointer, then the vCPU's last transition. Reads
// nestvirt/nesting at every stop.
import * as vscode from 'vscode';
import type { NestingResponse, LevelInfo, TransitionRecord, VcpuNesting } from '../../adapter/protocol';
import { REQUEST, request } from './requests';
import { SessionWatch, WatchState } from './session-watch';
import { describeTransition } from './transition-text';

type Node =
  | { kind: 'vcpu'; vcpu: VcpuNesting }
  | { kind: 'level'; vcpu: VcpuNesting; level: LevelInfo }
  | { kind: 'last'; t: TransitionRecord }
  | { kind: 'message'; text: string; icon: string };

const ACTIVITY_ICON: Record<LevelInfo['activity'], string> = {
  running: 'debug-start',
  'waiting-in-vmentry': 'debug-pause',
  'handling-exit': 'gear',
  halted: 'debug-stop',
  'not-started': 'circle-outline',
};

const ACTIVITY_TEXT: Record<LevelInfo['activity'], string> = {
  running: 'running',
  'waiting-in-vmentry': 'waiting in VM entry',
  'handling-exit': 'handling an exit',
  halted: 'halted',
  'not-started': 'not started',
};

export class NestingTree implements vscode.TreeDataProvider<Node>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;
  private roots: Node[] = [];
  private readonly sub: vscode.Disposable;

  constructor(private readonly watch: SessionWatch) {
    this.sub = watch.onDidChange((s) => void this.refresh(s));
  }

  async refresh(state: WatchState = this.watch.state): Promise<void> {
    if (!state.session) {
      this.roots = []; // the view's welcome text explains how to start
    } else {
      const r = await request(state.session, REQUEST.nesting, {});
      this.roots = r.ok ? rootsOf(r.value) : [{ kind: 'message', text: `not available: ${r.error}`, icon: 'warning' }];
    }
    this.changed.fire();
  }

  getChildren(node?: Node): Node[] {
    if (!node) return this.roots;
    if (node.kind !== 'vcpu') return [];
    const children: Node[] = node.vcpu.levels.map((level) => ({ kind: 'level', vcpu: node.vcpu, level }));
    if (node.vcpu.lastTransition) children.push({ kind: 'last', t: node.vcpu.lastTransition });
    return children;
  }

  getTreeItem(node: Node): vscode.TreeItem {
    switch (node.kind) {
      case 'message': {
        const item = new vscode.TreeItem(node.text);
        item.iconPath = new vscode.ThemeIcon(node.icon);
        item.tooltip = node.text;
        return item;
      }
      case 'vcpu': {
        const v = node.vcpu;
        const item = new vscode.TreeItem(`vCPU ${v.vcpu}`, vscode.TreeItemCollapsibleState.Expanded);
        // The adapter lists the innermost level first: the one this vCPU is executing.
        const top = v.levels[0];
        item.description = [v.arch?.toUpperCase(), top ? `L${top.level} ${ACTIVITY_TEXT[top.activity]}` : undefined].filter(Boolean).join(' · ');
        item.iconPath = new vscode.ThemeIcon('server-process');
        item.id = `vcpu-${v.vcpu}`;
        return item;
      }
      case 'level': {
        const { level: l, vcpu: v } = node;
        const item = new vscode.TreeItem(`L${l.level}`);
        const block = l.controlBlock ? `${v.arch === 'svm' ? 'VMCB12' : 'VMCS12'} ${l.controlBlock}` : undefined;
        item.description = [ACTIVITY_TEXT[l.activity], block].filter(Boolean).join(' · ');
        item.iconPath = new vscode.ThemeIcon(ACTIVITY_ICON[l.activity]);
        item.tooltip = new vscode.MarkdownString(
          [`**L${l.level}** — ${l.description}`, l.rip ? `RIP \`${l.rip}\`` : '', block ? `current ${block}` : ''].filter(Boolean).join('\n\n'),
        );
        item.id = `vcpu-${v.vcpu}-L${l.level}`;
        // Levels with a control block open the VMCS/VMCB viewer on click.
        if (l.controlBlock) item.command = { command: 'nestvirt.showVmcs', title: 'Show VMCS/VMCB' };
        return item;
      }
      case 'last': {
        const item = new vscode.TreeItem(`last: ${describeTransition(node.t)}`);
        item.description = `#${node.t.seq} @ ${node.t.icount.toLocaleString('en-US')}`;
        item.iconPath = new vscode.ThemeIcon('arrow-swap');
        item.tooltip = [
          describeTransition(node.t),
          node.t.handledBy ? `handled by ${node.t.handledBy}` : '',
          node.t.rule ? `rule: ${node.t.rule}` : '',
          node.t.qualification ? `qualification ${node.t.qualification}` : '',
        ].filter(Boolean).join('\n');
        item.command = { command: 'nestvirt.showTimeline', title: 'Show VM transitions' };
        return item;
      }
    }
  }

  dispose(): void {
    this.sub.dispose();
    this.changed.dispose();
  }
}

function rootsOf(r: NestingResponse): Node[] {
  if (!r.vcpus?.length) return [{ kind: 'message', text: 'no vCPUs reported', icon: 'info' }];
  return r.vcpus.map((vcpu) => ({ kind: 'vcpu', vcpu }));
}
