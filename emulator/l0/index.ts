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
