// The "VM Transitions" timeline, a webview view in the panel: transitions on
// an instructions-retired axis, one lane per level, coloured by exit reason,
// with filters, per-reason counts and share of time (nestvirt/stats). A
// click goes to that transition (nestvirt/gotoTransition); Export saves the
// trace. Drawing lives in media/timeline.js; this side fetches and relays.
import * as vscode from 'vscode';
import type { TransitionRecord, StatsResponse } from '../../adapter/protocol';
import { REQUEST, request } from './requests';
import { SessionWatch } from './session-watch';
import { webviewHtml, mediaRoots } from './webview-html';

export const TIMELINE_VIEW_ID = 'nestvirt.transitions';

/** The most transitions one refresh sends to the webview: the latest ones (adapter's page limit). */
const WINDOW = 5000;

export type TimelineData =
  | { type: 'data'; transitions: TransitionRecord[]; total: number; start: number; icountNow: number; stats?: StatsResponse; statsError?: string }
  | { type: 'unavailable'; text: string };

type FromWebview = { type: 'ready' } | { type: 'goto'; seq: number } | { type: 'export' } | { type: 'refresh' };

export class TimelineView implements vscode.WebviewViewProvider, vscode.Disposable {
  private view: vscode.WebviewView | undefined;
  private readonly sub: vscode.Disposable;

  constructor(private readonly extensionUri: vscode.Uri, private readonly watch: SessionWatch) {
    this.sub = watch.onDidChange(() => void this.refresh());
  }

  resolveWebviewView(view: vscode.WebviewView): void {
    this.view = view;
    view.webview.options = { enableScripts: true, localResourceRoots: mediaRoots(this.extensionUri) };
    view.webview.html = webviewHtml(view.webview, this.extensionUri, {
      title: 'VM Transitions',
      script: 'timeline.js',
      style: 'timeline.css',
      body: '<main id="app" aria-live="polite"></main>',
    });
    view.webview.onDidReceiveMessage((m: FromWebview) => void this.onMessage(m));
    view.onDidChangeVisibility(() => view.visible && void this.refresh());
    view.onDidDispose(() => (this.view = undefined));
  }

  private async onMessage(m: FromWebview): Promise<void> {
    switch (m.type) {
      case 'ready':
      case 'refresh':
        return this.refresh();
      case 'export':
        await vscode.commands.executeCommand('nestvirt.exportTrace');
        return;
      case 'goto': {
        const r = await request(this.watch.state.session, REQUEST.gotoTransition, { seq: m.seq });
        if (!r.ok) void vscode.window.showWarningMessage(`nestvirt: cannot go to transition #${m.seq}: ${r.error}`);
        return;
      }
    }
  }

  async refresh(): Promise<void> {
    if (!this.view?.visible) return;
    const post = (d: TimelineData) => void this.view?.webview.postMessage(d);
    const session = this.watch.state.session;
    if (!session) return post({ type: 'unavailable', text: 'Start a nestvirt debug session to see its VM transitions.' });
    let page = await request(session, REQUEST.transitions, { start: 0, count: WINDOW });
    if (page.ok && page.value.total > WINDOW) page = await request(session, REQUEST.transitions, { start: page.value.total - WINDOW, count: WINDOW });
    if (!page.ok) return post({ type: 'unavailable', text: `not available: ${page.error}` });
    const stats = await request(session, REQUEST.stats, {});
    post({
      type: 'data',
      transitions: page.value.transitions,
      total: page.value.total,
      start: page.value.start,
      icountNow: page.value.icountNow,
      stats: stats.ok ? stats.value : undefined,
      statsError: stats.ok ? undefined : stats.error,
    });
  }

  dispose(): void {
    this.sub.dispose();
  }
}
