// The VMREAD/VMWRITE accesses of a document in either dialect.

import { findAsmAccesses } from './asm-accessors';
import { findCAccesses } from './c-accessors';
import type { SourceKind } from './types';
import type { VmcsAccess } from './vmcs-access';

export function findAccesses(masked: string, kind: SourceKind): VmcsAccess[] {
  return kind === 'c' ? findCAccesses(masked) : findAsmAccesses(masked);
}
