/**
 * Apollo Server as the last Express handler of /graphql (what @as-integrations/express5 does,
 * minus per-request work it does for every answer): the request head is copied into Apollo's
 * HeaderMap with a plain loop, the query string is cut from the URL instead of parsed with the
 * legacy `url.parse`, and a POST's answer is written with `res.end` — Express's `res.send` would
 * hash every answer for an ETag (SHA-1 over the body) and check freshness, which only a GET can use.
 * GET keeps `res.send`, so conditional GETs of queries still get their 304.
 */
import { HeaderMap, type ApolloServer, type BaseContext, type HTTPGraphQLRequest } from '@apollo/server';
import type { NextFunction, Request, Response } from 'express';

export function graphqlHandler<TContext extends BaseContext>(apollo: ApolloServer<TContext>, context: (req: Request) => TContext | Promise<TContext>) {
  apollo.assertStarted('graphqlHandler()');
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    if (!('body' in req)) {
      next(new Error('graphqlHandler needs a body parser before it'));
      return;
    }
    const headers = new HeaderMap();
    const incoming = req.headers;
    for (const name in incoming) {
      const value = incoming[name];
      if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
    }
    const url = req.url;
    const query = url.indexOf('?');
    const httpGraphQLRequest: HTTPGraphQLRequest = { method: req.method.toUpperCase(), headers, search: query < 0 ? '' : url.slice(query), body: req.body };
    const answer = await apollo.executeHTTPGraphQLRequest({ httpGraphQLRequest, context: async () => context(req) });
    for (const [name, value] of answer.headers) res.setHeader(name, value);
    res.statusCode = answer.status ?? 200;
    if (answer.body.kind === 'complete') {
      if (req.method === 'GET') res.send(answer.body.string);
      else res.end(answer.body.string);
      return;
    }
    for await (const chunk of answer.body.asyncIterator) {
      res.write(chunk);
      (res as Response & { flush?: () => void }).flush?.();
    }
    res.end();
  };
}
