/**
 * The HTTP server of an Express app, with requests and responses born as Express objects.
 *
 * Express's `app.handle` re-parents every request and response (`Object.setPrototypeOf(req,
 * app.request)`). Changing the prototype of a live object gives it a new hidden class, and Node's
 * own http, stream and event code then runs on objects it was not optimised for: measured on the
 * 2-core machine with a one-field Apollo schema behind express.json, server CPU per
 * `{ __typename }` was 285–419 µs with plain `http.createServer(app)` against 106–199 µs with the
 * classes below and 108–150 µs for Apollo's own standalone server (docs/performance.md).
 *
 * So the server constructs requests and responses from subclasses of Node's classes that carry
 * Express's request/response methods and `app`, and the app uses their prototypes as its
 * `request`/`response`: the re-parenting finds the prototype already in place and is a no-op.
 */
import http from 'node:http';
import express, { type Express } from 'express';

export function createAppServer(app: Express): http.Server {
  class AppRequest extends http.IncomingMessage {}
  class AppResponse extends http.ServerResponse {}
  for (const [Class, methods] of [[AppRequest, express.request], [AppResponse, express.response]] as const) {
    Object.defineProperties(Class.prototype, Object.getOwnPropertyDescriptors(methods));
    Object.defineProperty(Class.prototype, 'app', { configurable: true, enumerable: true, writable: true, value: app });
  }
  app.request = AppRequest.prototype as unknown as Express['request'];
  app.response = AppResponse.prototype as unknown as Express['response'];
  return http.createServer({ IncomingMessage: AppRequest, ServerResponse: AppResponse }, app);
}
