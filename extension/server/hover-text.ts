// The hover Markdown of any symbol reference.

import type { SymbolRef } from './symbol';
import { controlBitText, exitReasonText, vmcsFieldText, vmxMsrText } from './vmx-hover-text';
import { interceptText, svmExitText, vmcbFieldText } from './svm-hover-text';

export function hoverText(ref: SymbolRef): string {
  const s = ref.symbol;
  switch (s.kind) {
    case 'vmcs-field': return vmcsFieldText(s.def, ref.highAccess);
    case 'vmx-control': return controlBitText(s.def);
    case 'vmx-exit-reason': return exitReasonText(s.def);
    case 'vmx-msr': return vmxMsrText(s.def);
    case 'vmcb-field': return vmcbFieldText(s.def);
    case 'svm-intercept': return interceptText(s.def);
    case 'svm-exit-code': return svmExitText(s.def);
  }
}
