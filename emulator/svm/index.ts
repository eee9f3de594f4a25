// The SVM "hardware": VMCB layout and access, segment attributes, exit
// codes, intercepts and permission maps, VMRUN checks. Pure modules with no
// running CPU; the L0 (emulator/l0/), the debugger and the language server
// import from here.
export * from './u64';
export * from './phys';
export * from './vmcb-layout';
export * from './vmcb-access';
export * from './segment-attrib';
export * from './exceptions';
export * from './exit-codes';
export * from './intercepts';
export {
  CR4_CET, DEFAULT_VMRUN_POLICY, VMRUN_CHECK_META, VMRUN_OK, supportsCet, vmrunCheckMeta,
} from './vmrun-check-types';
export type {
  SvmModelView, VmrunCpuState, VmrunPolicy, VmrunInsnContext, VmrunCheckContext, VmrunOutcome, VmrunStage, VmrunFailure,
  VmrunResult, VmrunCheckFn, VmrunCheckMeta, VmrunCheckId,
} from './vmrun-check-types';
export * from './vmrun-insn-checks';
export * from './vmrun-state-checks';
export * from './vmrun-control-checks';
export * from './vmrun-behaviour';
export * from './vmrun-checks';
export * from './npt';
