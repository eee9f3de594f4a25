// The built-in L0 hypervisor (DESIGN.md: emulator/l0/). First slice: VMX
// operation for L1 (VMXON .. VMWRITE, VMLAUNCH/VMRESUME failure paths,
// including the VM-entry failure exit that loads VMCS12 host state); L2
// execution without EPT with its exits reflected to L1 (vmx-nonroot.ts).
export * from './vmx-state';
export * from './vmx-instructions';
export * from './vmx-invalidate';
export * from './vmx-host-state';
export * from './vmx-entry-failure';
export * from './vmx-entry-msrs';
export * from './transitions';
export * from './vmx-msrs';
export * from './vmx-nonroot';
// Nested SVM (AMD APM vol 2 ch. 15): VMCB12 -> VMCB02, #VMEXIT reflection.
export * from './svm-state';
export * from './svm-msrs';
export * from './svm-instructions';
export * from './svm-exit-rules';
export { buildVmcb02Control, initVmcb01, L0_INTERCEPTS_L1, L0_INTERCEPTS_L2, L0_MSRS } from './svm-vmcb02';
export { svmVmexit } from './svm-vmexit';
export type { SvmExit } from './svm-vmexit';
export { Npt02, currentNpt02 } from './svm-npt02';
