// VMCB segment attributes <-> the access-rights format the CPU core keeps in
// CpuState.segAr (the VMCS format, SDM vol 3C §24.4.1 Table 24-2).
//
// VMCB attrib (APM vol 2 Table B-2): descriptor bits 47:40 in attrib 7:0
// (type, S, DPL, P) and descriptor bits 55:52 in attrib 11:8 (AVL, L, D/B,
// G); attrib 15:12 reserved.
// Core AR: the same 8 bits in 7:0, descriptor bits 55:52 in AR 15:12, and
// bit 16 "unusable".
//
// The VMCB has no "unusable" flag: VMRUN loads segments as they are
// (vmrun-checks.tsv SVM-STATE-NOCHECK). KVM's convention (svm_get_segment /
// svm_set_segment) maps unusable <-> P=0, and so do we: a segment with P=0
// becomes unusable in the core, an unusable core segment is stored with
// P=0 and its other attribute bits kept (so SS.DPL survives a round trip).
import { AR_UNUSABLE } from '../x86/state';
import { ATTRIB_DB, ATTRIB_G, ATTRIB_L, ATTRIB_P } from './vmcb-layout';

/** Core access rights of a VMCB attrib value. */
export function attribToAr(attrib: number): number {
  const ar = (attrib & 0xff) | ((attrib & 0xf00) << 4);
  return attrib & ATTRIB_P ? ar : ar | AR_UNUSABLE;
}

/** VMCB attrib of core access rights (reserved AR bits 11:8 and 31:17 dropped). */
export function arToAttrib(ar: number): number {
  const attrib = (ar & 0xff) | ((ar >>> 4) & 0xf00);
  return ar & AR_UNUSABLE ? attrib & ~ATTRIB_P : attrib;
}

const DATA_TYPES = ['read-only', 'read-only, accessed', 'read/write', 'read/write, accessed',
  'read-only, expand-down', 'read-only, expand-down, accessed', 'read/write, expand-down', 'read/write, expand-down, accessed'];
const CODE_TYPES = ['execute-only', 'execute-only, accessed', 'execute/read', 'execute/read, accessed',
  'execute-only, conforming', 'execute-only, conforming, accessed', 'execute/read, conforming', 'execute/read, conforming, accessed'];
// System descriptor types in long mode / legacy mode (APM vol 2 §4.8.3 Table 4-5/4-6).
const SYS_TYPES = ['reserved', '16-bit TSS (available)', 'LDT', '16-bit TSS (busy)', '16-bit call gate', 'task gate',
  '16-bit interrupt gate', '16-bit trap gate', 'reserved', 'TSS (available)', 'reserved', 'TSS (busy)', 'call gate',
  'reserved', 'interrupt gate', 'trap gate'];

/** Human-readable attrib, e.g. "code execute/read, accessed, DPL0, P, L, G". */
export function describeAttrib(attrib: number): string {
  const type = attrib & 0xf;
  const parts: string[] = [];
  if (attrib & 0x10) parts.push(type & 8 ? `code ${CODE_TYPES[type & 7]}` : `data ${DATA_TYPES[type & 7]}`);
  else parts.push(`system ${SYS_TYPES[type]}`);
  parts.push(`DPL${(attrib >> 5) & 3}`);
  parts.push(attrib & ATTRIB_P ? 'P' : 'not present');
  if (attrib & 0x100) parts.push('AVL');
  if (attrib & ATTRIB_L) parts.push('L');
  if (attrib & ATTRIB_DB) parts.push('D/B');
  if (attrib & ATTRIB_G) parts.push('G');
  if (attrib & 0xf000) parts.push(`reserved bits 0x${(attrib & 0xf000).toString(16)}`);
  return parts.join(', ');
}
