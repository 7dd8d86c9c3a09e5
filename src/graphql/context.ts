import type { Principal } from '../auth/principal.js';
import type { Logger } from '../logger.js';

/** Per-operation context: who asked (request id, principal), over what, and a logger tagged with it. Services come from the container. */
export interface GraphQLContext {
  requestId: string;
  logger: Logger;
  /** the caller's key and role (checked by @RequiresRole fields) */
  auth: Principal;
  transport: 'http' | 'ws';
  /** the client's address (the rate-limit bucket of anonymous callers) */
  remoteAddress?: string;
}
