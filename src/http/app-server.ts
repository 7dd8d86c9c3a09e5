/**
 * The HTTP server of an Express app, with requests and responses born as Express objects.
 *
 * Express's `app.handle` re-parents every request and response (`Object.setPrototypeOf(req,
 * app.request)`), which gives each one a new hidden class: Node's own http code then runs
 * megamorphic on them. Created with Express's prototypes from the start (http.createServer's
 * `IncomingMessage` / `ServerResponse` options), the re-parenting finds the prototype already
 * in place and changes nothing (docs/performance.md has the measurement).
 */
import http from 'node:http';
import type { Socket } from 'node:net';
import type { Express } from 'express';

export function createAppServer(app: Express): http.Server {
  const Request = function (this: unknown, socket: Socket) {
    return Reflect.construct(http.IncomingMessage, [socket], Request) as http.IncomingMessage;
  } as unknown as typeof http.IncomingMessage;
  Request.prototype = app.request;
  const Response = function (this: unknown, req: http.IncomingMessage, options?: object) {
    return Reflect.construct(http.ServerResponse, [req, options], Response) as http.ServerResponse;
  } as unknown as typeof http.ServerResponse;
  Response.prototype = app.response;
  return http.createServer({ IncomingMessage: Request, ServerResponse: Response }, app);
}
