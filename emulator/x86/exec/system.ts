// Handlers for the system domain (see exec/index.ts for the registry rules).
import type { Handler } from '../decode/table';

export const handlers: Record<string, Handler> = {};
