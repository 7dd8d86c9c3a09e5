import type { Logger } from '../logger.js';

/** Per-operation context: who asked (request id) and a logger tagged with it. Services come from the container. */
export interface GraphQLContext {
  requestId: string;
  logger: Logger;
}
