// Decoding of exit qualifications for traces and the debugger (SDM vol 3C
// §28.2.1, Tables 28-1 ... "Exit Qualification for ..."; layouts as listed in
// vmx-exit-reasons.tsv). Pure formatting: nothing here decides routing.

import { exitReason, EXIT_REASON_FLAGS } from './exit-reasons';
import { hex, hex64 } from './bits';

const GPR = ['RAX', 'RCX', 'RDX', 'RBX', 'RSP', 'RBP', 'RSI', 'RDI', 'R8', 'R9', 'R10', 'R11', 'R12', 'R13', 'R14', 'R15'];
const TASK_SWITCH_SOURCE = ['CALL', 'IRET', 'JMP', 'task gate in IDT'];
const ENTRY_FAILURE_QUAL: Record<number, string> = {
  0: 'invalid guest state',
  2: 'PDPTE load failure',
  3: 'NMI injection while blocking by STI',
  4: 'invalid VMCS link pointer',
};
const APIC_ACCESS_TYPE: Record<number, string> = {
  0: 'linear data read',
  1: 'linear data write',
  2: 'linear instruction fetch',
  3: 'linear access during event delivery',
  10: 'guest-physical access during event delivery',
  15: 'guest-physical instruction fetch or execution',
};

function flags(lo: number, names: Record<number, string>): string[] {
  const out: string[] = [];
  for (const k of Object.keys(names)) if ((lo >>> Number(k)) & 1) out.push(names[Number(k)]);
  return out;
}

function debugBits(lo: number): string {
  const b = flags(lo, { 0: 'B0', 1: 'B1', 2: 'B2', 3: 'B3', 13: 'BD', 14: 'BS', 16: 'RTM' });
  return b.length ? b.join(' ') : 'none';
}

function eptViolation(lo: number): string {
  const parts: string[] = [];
  const access = flags(lo, { 0: 'data read', 1: 'data write', 2: 'instruction fetch' });
  parts.push(access.length ? access.join(' + ') : 'no access bits');
  const perm = `${lo & 8 ? 'r' : '-'}${lo & 16 ? 'w' : '-'}${lo & 32 ? 'x' : '-'}${lo & 64 ? 'u' : ''}`;
  parts.push(`EPT permissions ${perm}`);
  if (lo & 0x80) parts.push(lo & 0x100 ? 'linear address valid (access to the translation)' : 'linear address valid (paging-structure access)');
  else parts.push('no linear address');
  parts.push(
    ...flags(lo, {
      9: 'user-mode linear address', 10: 'read/write page', 11: 'execute-disable page', 12: 'NMI unblocking due to IRET',
      13: 'shadow-stack access', 14: 'supervisor shadow-stack page', 15: 'guest-paging verification', 16: 'asynchronous',
    }),
  );
  return parts.join('; ');
}

/**
 * The exit qualification of a basic exit reason as one readable line.
 * `lo`/`hi` are bits 31:0 / 63:32 of EXIT_QUALIFICATION; `intrInfo` (the
 * VM-exit interruption information) refines reason 0 (#PF vs #DB).
 */
export function decodeQualification(reason: number, lo: number, hi: number, intrInfo?: number): string {
  lo >>>= 0;
  hi >>>= 0;
  const d = exitReason(reason);
  const raw = hex64(lo, hi);
  if (!d) return raw;
  switch (d.format) {
    case 'none':
      return raw === '0x0' ? '0' : raw;
    case 'exception': {
      if (intrInfo !== undefined && intrInfo >>> 31) {
        const vector = intrInfo & 0xff;
        const type = (intrInfo >>> 8) & 7;
        if (type === 3 && vector === 14) return `#PF linear address ${raw}`;
        if (type === 3 && vector === 1) return `#DB ${debugBits(lo)}`;
        return raw === '0x0' ? '0' : raw;
      }
      return raw === '0x0' ? '0' : `${raw} (#PF: linear address; #DB: ${debugBits(lo)})`;
    }
    case 'sipi':
      return `SIPI vector ${hex(lo & 0xff)}`;
    case 'task-switch':
      return `task switch to selector ${hex(lo & 0xffff)} by ${TASK_SWITCH_SOURCE[(lo >>> 30) & 3]}`;
    case 'linear-address':
      return `linear address ${raw}`;
    case 'displacement':
      return `displacement ${raw}`;
    case 'cr-access': {
      const cr = lo & 15;
      const gpr = GPR[(lo >>> 8) & 15];
      switch ((lo >>> 4) & 3) {
        case 0: return `MOV to CR${cr} from ${gpr}`;
        case 1: return `MOV from CR${cr} to ${gpr}`;
        case 2: return 'CLTS';
        default: return `LMSW ${hex(lo >>> 16)} (${lo & 0x40 ? 'memory' : 'register'} operand)`;
      }
    }
    case 'dr-access':
      return lo & 0x10 ? `MOV from DR${lo & 7} to ${GPR[(lo >>> 8) & 15]}` : `MOV to DR${lo & 7} from ${GPR[(lo >>> 8) & 15]}`;
    case 'io': {
      const size = (lo & 7) + 1;
      const isIn = (lo >>> 3) & 1;
      const str = (lo >>> 4) & 1;
      const op = isIn ? (str ? 'INS' : 'IN') : str ? 'OUTS' : 'OUT';
      return `${lo & 0x20 ? 'REP ' : ''}${op} ${size}-byte port ${hex(lo >>> 16)} (${lo & 0x40 ? 'immediate' : 'DX'})`;
    }
    case 'entry-failure-guest':
      return `${lo}: ${ENTRY_FAILURE_QUAL[lo] ?? 'undefined qualification'}`;
    case 'msr-load-index':
      return `MSR-load entry ${lo} (1-based)`;
    case 'mwait':
      return lo & 1 ? 'monitor hardware armed' : 'monitor hardware not armed';
    case 'apic-access': {
      const type = (lo >>> 12) & 15;
      const t = APIC_ACCESS_TYPE[type] ?? `access type ${type}`;
      const off = type <= 3 ? ` at offset ${hex(lo & 0xfff)}` : '';
      return `${t}${off}${lo & 0x10000 ? ' (asynchronous)' : ''}`;
    }
    case 'eoi-vector':
      return `EOI of vector ${hex(lo & 0xff)}`;
    case 'ept-violation':
      return eptViolation(lo);
    case 'apic-write':
      return `APIC register ${hex(lo & 0xfff)} written`;
    case 'pml-full':
      return lo & 0x1000 ? 'NMI unblocking due to IRET' : '0';
    case 'spp':
      return `${lo & 0x800 ? 'SPPT misconfiguration' : 'SPPT miss'}${lo & 0x1000 ? '; NMI unblocking due to IRET' : ''}`;
    case 'notify': {
      const f = flags(lo, { 0: 'VM context invalid', 12: 'NMI unblocking due to IRET' });
      return f.length ? f.join('; ') : '0';
    }
  }
}

/** A full VM_EXIT_REASON value as text: `EPT_VIOLATION (48)`, `INVALID_GUEST_STATE (33, VM-entry failure)`. */
export function describeExitReason(full: number): string {
  const n = full & 0xffff;
  const d = exitReason(n);
  const extra: string[] = [];
  if (full & EXIT_REASON_FLAGS.ENTRY_FAILURE) extra.push('VM-entry failure');
  if (full & EXIT_REASON_FLAGS.BUS_LOCK) extra.push('bus lock');
  if (full & EXIT_REASON_FLAGS.ENCLAVE_MODE) extra.push('from enclave');
  if (full & EXIT_REASON_FLAGS.PENDING_MTF) extra.push('pending MTF');
  if (full & EXIT_REASON_FLAGS.FROM_VMX_ROOT) extra.push('from VMX root');
  return `${d ? d.name : `reason ${n}`} (${[String(n), ...extra].join(', ')})`;
}
