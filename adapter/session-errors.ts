// Error responses of the DAP session: the ids it answers with and the error
// a request handler throws to produce one.

/** Error ids of our error responses (DAP Message.id). */
export const ERR = { launch: 1001, notLaunched: 1002, running: 1003, badRequest: 1004, internal: 1005 } as const;

export class RequestError extends Error {
  constructor(readonly id: number, message: string) { super(message); Object.setPrototypeOf(this, RequestError.prototype); }
}

export function parseAddress(ref: string, what: string): bigint {
  const t = ref.trim();
  if (/^0x[0-9a-f]+$/i.test(t) || /^[0-9]+$/.test(t)) return BigInt(t);
  throw new RequestError(ERR.badRequest, `${what}: expected an address like 0x101000, got '${ref}'`);
}
