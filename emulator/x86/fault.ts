// Architectural exceptions raised while executing an instruction. They are
// thrown (a plain object, not an Error, so no stack trace is captured) and
// caught by the run loop, which delivers them through the IDT.
export class CpuFault {
  constructor(
    readonly vector: number,
    /** -1 when the exception has no error code. */
    readonly errorCode: number = -1,
    /** Linear address for #PF (goes to CR2). */
    readonly cr2: number = 0,
    /** Why, for diagnostics and the debugger ("not implemented: …", "segment limit"). */
    readonly detail: string = '',
  ) {}
}

export const fault = (vector: number, errorCode = -1, detail = ''): CpuFault => new CpuFault(vector, errorCode, 0, detail);
/** Vectors that push an error code (SDM vol 3A, 6.13 and table 6-1). */
export const HAS_ERROR_CODE = [8, 10, 11, 12, 13, 14, 17, 21, 29, 30];
