// The VMCS/VMCB viewer: VMCS12, VMCS02 and VMCS01 (or VMCB12/02/01) side by
// side, grouped as the SDM groups them, decoded, with the fields where L0's
// VMCS02 differs from L1's VMCS12 highlighted. VMCS12 cells are editable;
// each edit goes through nestvirt/setControlField, which validates it, and
// the answer (new value or the adapter's reason) is shown in place.
import * as vscode from 'vscode';
import type { ControlBlocksResponse } from '../../adapter/protocol';
import { REQUEST, request } from './requests';
import { SessionWatch } from './session-watch';
import { webviewHtml, mediaRoots } from './webview-html';

export type VmcsToWebview =
  | { type: 'blocks'; blocks: ControlBlocksResponse; threadId?: number }
  | { type: 'unavailable'; text: string }
  | { type: 'editResult'; name: string; ok: boolean; value?: string; error?: string };

type FromWebview = { type: 'ready' } | { type: 'refresh' } | { type: 'edit'; name: string; value: string };

export class VmcsPanel implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private readonly sub: vscode.Disposable;

  constructor(private readonly extensionUri: vscode.Uri, private readonly watch: SessionWatch) {
    this.sub = watch.onDidChange(() => void this.refresh());
  }

  show(): void {
    if (this.panel) {
      this.panel.reveal(undefined, true);
      void this.refresh();
      return;
    }
    const panel = vscode.window.createWebviewPanel('nestvirt.vmcs', 'VMCS / VMCB', { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true }, {
      enableScripts: true,
      retainContextWhenHidden: true,
      localResourceRoots: mediaRoots(this.extensionUri),
    });
    this.panel = panel;
    panel.webview.html = webviewHtml(panel.webview, this.extensionUri, {
      title: 'VMCS / VMCB',
      script: 'vmcs.js',
      style: 'vmcs.css',
      body: '<main id="app" aria-live="polite"></main>',
    });
    panel.webview.onDidReceiveMessage((m: FromWebview) => void this.onMessage(m));
    panel.onDidDispose(() => (this.panel = undefined));
  }

  private post(m: VmcsToWebview): void {
    void this.panel?.webview.postMessage(m);
  }

  private async onMessage(m: FromWebview): Promise<void> {
    if (m.type === 'ready' || m.type === 'refresh') return this.refresh();
    const { session, threadId, stopped } = this.watch.state;
    if (!stopped) {
      this.post({ type: 'editResult', name: m.name, ok: false, error: 'pause the session first: fields can only be edited while stopped' });
      return;
    }
    const r = await request(session, REQUEST.setControlField, { threadId, name: m.name, value: m.value });
    this.post(r.ok ? { type: 'editResult', name: m.name, ok: true, value: r.value.value } : { type: 'editResult', name: m.name, ok: false, error: r.error });
    // Other fields may follow from the edit (VMCS02 is re-merged): show the whole state again.
    if (r.ok) await this.refresh();
  }

  async refresh(): Promise<void> {
    if (!this.panel) return;
    const { session, threadId } = this.watch.state;
    if (!session) return this.post({ type: 'unavailable', text: 'Start a nestvirt debug session and stop it to see its VMCS/VMCB.' });
    const r = await request(session, REQUEST.controlBlocks, { threadId });
    if (!r.ok) return this.post({ type: 'unavailable', text: `not available: ${r.error}` });
    if (!r.value.available) return this.post({ type: 'unavailable', text: r.value.message || 'no current VMCS12/VMCB12 on this vCPU' });
    this.panel.title = `${r.value.columns[0]} / ${r.value.columns[1]} / ${r.value.columns[2]}`;
    this.post({ type: 'blocks', blocks: r.value, threadId });
  }

  dispose(): void {
    this.sub.dispose();
    this.panel?.dispose();
  }
}
