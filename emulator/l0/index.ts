// The built-in L0 hypervisor (DESIGN.md: emulator/l0/). First slice: VMX
// operation for L1 (VMXON .. VMWRITE, VMLAUNCH/VMRESUME failure paths).
export * from './vmx-state';
export * from './vmx-instructions';
export * from './vmx-invalidate';
