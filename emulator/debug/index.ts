// The emulator's debug API (DESIGN.md "Execution model"): run control with
// breakpoints per (level, linear address), side-effect-free guest memory
// access, and the oracles run control asks about source lines and frames.
//
// A core hook will make breakpoints cheaper and exact on SMP: today run
// control decodes ahead from RIP to size each stretch (run-control.ts). With
// a `breakAt` set on Cpu — checked when the run loop starts a block, and
// blocks cut before any address in it — the machine could stop a vCPU at a
// breakpoint in the middle of its quantum and report it from Machine.run().
export { BreakpointTable, Breakpoint, BreakpointKind } from './breakpoints';
export { RunControl, RunControlOptions, StepKind, StepGranularity, spOf } from './run-control';
export { StopInfo, describeStop, describeEnd, describeException, exitCodeOf } from './stop';
export { LineOracle, FrameOracle, CallerFrame, SourceLine } from './oracles';
export { peekTranslate, readLinear, readHalves, writeLinear, fetchByte, MemoryRead } from './guest-memory';
