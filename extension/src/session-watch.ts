// Which nestvirt session the views show, and when they must refresh: on
// session start/end, focus change, every stop (a DAP `stopped` event seen by
// a tracker), and the adapter's nestvirt/transitionsChanged event. One place,
// so each view only subscribes to `onDidChange`.
import * as vscode from 'vscode';
import { EVENT } from './requests';
import { DEBUG_TYPE } from './debug-type';

export interface WatchState {
  session: vscode.DebugSession | undefined;
  /** The thread (vCPU) of the last stop, for requests that take a threadId. */
  threadId: number | undefined;
  stopped: boolean;
}

export class SessionWatch implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<WatchState>();
  readonly onDidChange = this.changed.event;
  private readonly threads = new Map<string, number>();
  private readonly stoppedSessions = new Set<string>();
  private readonly subscriptions: vscode.Disposable[] = [];
  private pending: NodeJS.Timeout | undefined;

  constructor() {
    this.subscriptions.push(
      this.changed,
      vscode.debug.onDidChangeActiveDebugSession(() => this.fire()),
      vscode.debug.onDidStartDebugSession(() => this.fire()),
      vscode.debug.onDidTerminateDebugSession((s) => {
        this.threads.delete(s.id);
        this.stoppedSessions.delete(s.id);
        this.fire();
      }),
      vscode.debug.onDidReceiveDebugSessionCustomEvent((e) => {
        if (e.session.type === DEBUG_TYPE && e.event === EVENT.transitionsChanged) this.fire();
      }),
      vscode.debug.registerDebugAdapterTrackerFactory(DEBUG_TYPE, {
        createDebugAdapterTracker: (session) => ({
          onDidSendMessage: (m: { type?: string; event?: string; body?: { threadId?: number } }) => {
            if (m.type !== 'event') return;
            if (m.event === 'stopped') {
              if (m.body?.threadId !== undefined) this.threads.set(session.id, m.body.threadId);
              this.stoppedSessions.add(session.id);
              this.fire();
            } else if (m.event === 'continued') {
              this.stoppedSessions.delete(session.id);
              this.fire();
            }
          },
          // A request that resumes execution clears the stopped state before any event arrives.
          onWillReceiveMessage: (m: { type?: string; command?: string }) => {
            if (m.type === 'request' && m.command && RESUMING.has(m.command)) this.stoppedSessions.delete(session.id);
          },
        }),
      }),
    );
  }

  get state(): WatchState {
    const s = vscode.debug.activeDebugSession;
    const session = s?.type === DEBUG_TYPE ? s : undefined;
    return {
      session,
      threadId: session ? this.threads.get(session.id) : undefined,
      stopped: session ? this.stoppedSessions.has(session.id) : false,
    };
  }

  /** Coalesces bursts (stopped + transitionsChanged arrive together) into one refresh. */
  private fire(): void {
    if (this.pending) clearTimeout(this.pending);
    this.pending = setTimeout(() => {
      this.pending = undefined;
      this.changed.fire(this.state);
    }, 50);
  }

  dispose(): void {
    if (this.pending) clearTimeout(this.pending);
    for (const d of this.subscriptions) d.dispose();
  }
}

const RESUMING = new Set(['continue', 'next', 'stepIn', 'stepOut', 'stepBack', 'reverseContinue', 'nestvirt/stepToTransition', 'nestvirt/gotoTransition']);
