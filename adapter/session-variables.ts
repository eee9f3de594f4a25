// Scopes and variables of the DAP session: what a stack frame shows
// (registers for the innermost frame, pc/cfa/fp for callers) and how a
// VarNode becomes a DAP Variable.
import type { DebugProtocol } from '@vscode/debugprotocol';
import type { Cpu } from '../emulator/x86/cpu';
import { hex64 } from '../emulator/x86/canon';
import { VarNode, generalRegisters, segmentRegisters, controlRegisters } from './registers';
import type { FrameRef } from './session-stack';
import { vmcs12Scope } from './vmcs-variables';

export interface ScopeSpec { name: string; nodes: () => VarNode[]; hint?: string; expensive?: boolean }

/** The scopes of frame `f` of `cpu`, innermost frame first. */
export function frameScopes(f: FrameRef, cpu: Cpu): ScopeSpec[] {
  const scopes: ScopeSpec[] = [];
  const scope = (name: string, nodes: () => VarNode[], hint?: string): void => {
    scopes.push({ name, nodes, hint });
  };
  if (f.label) {
    // L0 has no guest state of its own to show yet (VMCS views come with nested VMX).
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
  // L1's current VMCS (L0's cache of it) belongs to the vCPU: shown on the innermost and the L0 frame.
  if (f.label || f.index === 0) {
    const v = vmcs12Scope(cpu);
    if (v) scopes.push({ name: v.name, nodes: v.nodes, expensive: true });
  }
  return scopes;
}

/** A VarNode as a DAP Variable; `handle` registers the children of a structured node. */
export function toVariable(n: VarNode, handle: (children: () => VarNode[]) => number): DebugProtocol.Variable {
  const v: DebugProtocol.Variable = { name: n.name, value: n.value, variablesReference: n.children ? handle(n.children) : 0 };
  if (n.evaluateName) v.evaluateName = n.evaluateName;
  if (n.memoryReference) v.memoryReference = n.memoryReference;
  return v;
}
