// Wiring L0's nested SVM into the core's seams (x86/exec/svm-hook.ts,
// interrupts.ts interception, state.ts nonRootExit): done once per process;
// each hook then decides per vCPU from that vCPU's SVM state, so vCPUs
// without SVM and nested VMX on other vCPUs are unaffected.
import { chainEventInterceptor } from '../x86/exec/interrupts';
import { svmEvents, svmInsn } from '../x86/exec/svm-hook';
import { l2Events, svmOnlyIntercept } from './svm-nonroot';
import { svmGate } from './svm-interrupts';

let chained = false;

/** Installs the core seams (the exception interceptor chained in front of any other, e.g. VMX's, whatever the order). */
export function installSvmSeams(): void {
  svmEvents.gate = svmGate;
  svmInsn.intercept = svmOnlyIntercept;
  if (chained) return;
  chained = true;
  chainEventInterceptor(l2Events);
}
