// The readable trace line format (`nestvirt run --trace`) and the Chrome /
// Perfetto trace-event form of the same events. syntaxes/ has a grammar for
// the line format; keep the two in step.
import { MachineEvent } from '../events';
import { hex64 } from '../x86/canon';

const EXC = ['#DE', '#DB', 'NMI', '#BP', '#OF', '#BR', '#UD', '#NM', '#DF', 'CSO', '#TS', '#NP', '#SS', '#GP', '#PF', '15',
  '#MF', '#AC', '#MC', '#XM', '#VE', '#CP'];

export function excName(v: number): string { return EXC[v] ?? `vector ${v}`; }

/** One line per transition / exception / end-of-run event, or null for events that are not traced. */
export function formatTraceLine(e: MachineEvent): string | null {
  const at = (icount: number): string => `[${String(icount).padStart(12)}]`;
  switch (e.kind) {
    case 'transition': {
      const qual = e.qualification ? ` qual=${e.qualification}` : '';
      const who = e.handledBy ? ` handled-by=${e.handledBy}` : '';
      const rule = e.rule ? ` rule=${e.rule}` : '';
      return `${at(e.icount)} cpu${e.vcpu} L${e.from}->L${e.to} ${e.type} ${e.reasonName}(${e.reason})${qual}${who}${rule}`;
    }
    case 'exception': {
      const ec = e.errorCode !== undefined ? ` error=0x${e.errorCode.toString(16)}` : '';
      const cr2 = e.cr2 !== undefined ? ` cr2=${hex64(e.cr2)}` : '';
      return `${at(e.icount)} cpu${e.vcpu} exception ${excName(e.vector)}(${e.vector})${ec}${cr2} rip=${hex64(e.rip)}`;
    }
    case 'triple-fault':
      return `${at(e.icount)} cpu${e.vcpu} triple-fault rip=${hex64(e.rip)} ${e.reason}`;
    case 'debug-exit':
      return `${at(e.icount)} debug-exit value=0x${e.value.toString(16)} status=${e.status}`;
    default:
      return null;
  }
}

/** Chrome trace-event JSON object (ts in microseconds: 1 instruction = 1 ns of guest time). */
export function toTraceEvent(e: MachineEvent): object | null {
  const ts = (icount: number): number => icount / 1000;
  switch (e.kind) {
    case 'transition':
      return { name: e.reasonName, cat: e.type, ph: 'i', s: 't', ts: ts(e.icount), pid: 1, tid: e.vcpu,
        args: { from: `L${e.from}`, to: `L${e.to}`, reason: e.reason, qualification: e.qualification, handledBy: e.handledBy, rule: e.rule } };
    case 'exception':
      return { name: excName(e.vector), cat: 'exception', ph: 'i', s: 't', ts: ts(e.icount), pid: 1, tid: e.vcpu,
        args: { vector: e.vector, errorCode: e.errorCode, rip: hex64(e.rip) } };
    default:
      return null;
  }
}
