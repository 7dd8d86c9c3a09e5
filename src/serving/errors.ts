/**
 * Serving's own failures, free of GraphQL: the resolvers translate them into API errors
 * (MODEL_NOT_READY, NOT_FOUND) so that dependencies keep pointing downward.
 */
export class NoActiveModelError extends Error {
  override name = 'NoActiveModelError';
  constructor(reason?: string | null) {
    super(reason ? `No model can be served: ${reason}` : 'No active model is loaded yet');
  }
}

export class UnknownModelVersionError extends Error {
  override name = 'UnknownModelVersionError';
  constructor(readonly version: number) {
    super(`model version ${version} not found`);
  }
}
