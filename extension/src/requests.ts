// Typed access to the adapter's custom requests (adapter/protocol.ts). The
// adapter may not implement a request yet, or may refuse it in the current
// state (running, no VMCS12): every call returns a Result so each view can
// show "not available: <error>" instead of throwing.
import * as vscode from 'vscode';
import type * as P from '../../adapter/protocol';

/**
 * The request names, a copy checked against the adapter's at compile time:
 * `typeof P.NESTVIRT_REQUEST` has the literal types, so a renamed request on
 * either side is a type error. A copy, not an import: the extension bundle
 * takes nothing but types from adapter/.
 */
export const REQUEST: typeof P.NESTVIRT_REQUEST = {
  transitions: 'nestvirt/transitions',
  stats: 'nestvirt/stats',
  nesting: 'nestvirt/nesting',
  stepToTransition: 'nestvirt/stepToTransition',
  gotoTransition: 'nestvirt/gotoTransition',
  lint: 'nestvirt/lint',
  controlBlocks: 'nestvirt/controlBlocks',
  setControlField: 'nestvirt/setControlField',
  exportTrace: 'nestvirt/exportTrace',
};

export const EVENT: typeof P.NESTVIRT_EVENT = {
  transitionsChanged: 'nestvirt/transitionsChanged',
};

/** Request name → [arguments, response body]. */
interface Requests {
  'nestvirt/transitions': [P.TransitionsArgs, P.TransitionsResponse];
  'nestvirt/stats': [Record<string, never>, P.StatsResponse];
  'nestvirt/nesting': [Record<string, never>, P.NestingResponse];
  'nestvirt/stepToTransition': [P.StepToTransitionArgs, unknown];
  'nestvirt/gotoTransition': [P.GotoTransitionArgs, unknown];
  'nestvirt/lint': [P.LintArgs, P.LintResponse];
  'nestvirt/controlBlocks': [P.ControlBlocksArgs, P.ControlBlocksResponse];
  'nestvirt/setControlField': [P.SetControlFieldArgs, P.SetControlFieldResponse];
  'nestvirt/exportTrace': [P.ExportTraceArgs, P.ExportTraceResponse];
}
export type RequestName = keyof Requests;

export type Result<T> = { ok: true; value: T } | { ok: false; error: string };

/** The message of a failed customRequest: VS Code rejects with an Error carrying the DAP error text. */
export function errorText(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  return msg.trim() || 'the adapter gave no reason';
}

export async function request<N extends RequestName>(
  session: vscode.DebugSession | undefined,
  name: N,
  args: Requests[N][0],
): Promise<Result<Requests[N][1]>> {
  if (!session) return { ok: false, error: 'no nestvirt debug session' };
  try {
    const value = (await session.customRequest(name, args)) as Requests[N][1];
    if (value === undefined || value === null) {
      // Requests with a body must have one; an empty answer is an adapter that ignored the request.
      const bodyless: RequestName[] = [REQUEST.stepToTransition, REQUEST.gotoTransition];
      if (!bodyless.includes(name)) return { ok: false, error: `${name} returned no body` };
    }
    return { ok: true, value };
  } catch (e) {
    return { ok: false, error: errorText(e) };
  }
}
