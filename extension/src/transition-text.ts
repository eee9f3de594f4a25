// One-line text for a transition, shared by the tree, the quick picks and
// the timeline's tooltips: "exit CPUID (10) L2→L0".
import type { TransitionRecord } from '../../adapter/protocol';

export function describeTransition(t: TransitionRecord): string {
  const reason = t.type === 'entry' ? '' : ` ${t.reasonName} (${t.reason})`;
  return `${t.type}${reason} L${t.from}→L${t.to}`;
}
