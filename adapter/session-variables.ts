// Scopes and variables of the DAP session: what a stack frame shows
// (registers for the innermost frame, pc/cfa/fp for callers; the vCPU's
// VMCS12/02/01 or VMCB12/02/01), how a VarNode becomes a DAP Variable, and
// setVariable on a node.
import type { DebugProtocol } from '@vscode/debugprotocol';
import type { Cpu } from '../emulator/x86/cpu';
import { hex64 } from '../emulator/x86/canon';
import { VarNode, generalRegisters, segmentRegisters, controlRegisters } from './registers';
import type { FrameRef } from './session-stack';
import { vmcsScopes } from './vmcs-variables';
import { vmcbScopes } from './vmcb-variables';
import { ERR, RequestError } from './session-errors';

export interface ScopeSpec { name: string; nodes: () => VarNode[]; hint?: string; expensive?: boolean }

/** The scopes of frame `f` of `cpu`, innermost frame first. */
export function frameScopes(f: FrameRef, cpu: Cpu): ScopeSpec[] {
  const scopes: ScopeSpec[] = [];
  const scope = (name: string, nodes: () => VarNode[], hint?: string): void => {
    scopes.push({ name, nodes, hint });
  };
  if (f.label) {
    // L0 has no guest state of its own to show yet (VMCS views come with nested VMX).
  } else if (f.registers) {
    // A suspended outer level's frame (L1 while L2 runs): its own register context (session-stack.ts).
    scope(f.registersName ?? 'Registers', f.registers, 'registers');
  } else if (f.index === 0) {
    scope('Registers', () => generalRegisters(cpu), 'registers');
    scope('Segment registers', () => segmentRegisters(cpu), 'registers');
    scope('Control registers', () => controlRegisters(cpu), 'registers');
  } else {
    scope('Frame', () => [
      { name: 'pc', value: hex64(f.pc), memoryReference: hex64(f.pc) },
      { name: 'cfa (sp in this frame)', value: hex64(f.sp), memoryReference: hex64(f.sp) },
      { name: 'frame pointer', value: hex64(f.fp), memoryReference: hex64(f.fp) },
    ], 'registers');
  }
  // The control blocks belong to the vCPU: shown on the innermost and the L0 frame.
  if (f.label || f.index === 0) {
    for (const v of [...vmcsScopes(cpu), ...vmcbScopes(cpu)]) scopes.push({ name: v.name, nodes: v.nodes, expensive: true });
  }
  return scopes;
}

/** A VarNode as a DAP Variable; `handle` registers the children of a structured node. */
export function toVariable(n: VarNode, handle: (children: () => VarNode[]) => number): DebugProtocol.Variable {
  const v: DebugProtocol.Variable = { name: n.name, value: n.value, variablesReference: n.children ? handle(n.children) : 0 };
  if (n.evaluateName) v.evaluateName = n.evaluateName;
  if (n.memoryReference) v.memoryReference = n.memoryReference;
  if (!n.set) v.presentationHint = { attributes: ['readOnly'] };
  return v;
}

/**
 * setVariable on the node `name` among `nodes`: its new display value.
 * Throws RequestError with the reason (not editable, bad value and what is allowed).
 */
export function setVariable(nodes: VarNode[], name: string, value: string): string {
  const n = nodes.find((x) => x.name === name);
  if (!n) throw new RequestError(ERR.badRequest, `no variable '${name}' here (stale after a resume?)`);
  if (!n.set) throw new RequestError(ERR.badRequest, `${name} is read-only`);
  try {
    return n.set(value);
  } catch (e) {
    if (e instanceof RangeError) throw new RequestError(ERR.badRequest, e.message);
    throw e;
  }
}
