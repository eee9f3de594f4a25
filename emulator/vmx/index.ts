// The VMX "hardware" tables and checks (DESIGN.md: emulator/vmx/). Pure
// modules: no CPU, no I/O, no adapter imports.

export * from './fields';
export * from './vmcs';
export * from './controls';
export * from './exit-reasons';
export * from './caps';
export * from './msrs';
export * from './entry-checks';
export { hex64, isCanonical, beyondPhys } from './bits';
