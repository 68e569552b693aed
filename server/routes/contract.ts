// Registers a handler against its entry in the route table (api/routes.ts): method, path,
// schemas and the access rule all come from the table, so no route exists without a rule.
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import type { z } from 'zod';
import type { AccessRule } from '../../api/access.ts';
import { routes, type RouteContract, type RouteName } from '../../api/routes.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Who may use the route; set from the route table for every route (static UI files: open). */
    access?: AccessRule;
    /** The route table entry's name. */
    routeName?: string;
  }
}

type Infer<T> = T extends z.ZodType ? z.output<T> : unknown;

/** The parsed request parts of a route, as its schemas give them. */
export interface RouteRequest<N extends RouteName> {
  Querystring: Infer<(typeof routes)[N] extends { querystring: infer Q } ? Q : undefined>;
  Params: Infer<(typeof routes)[N] extends { params: infer P } ? P : undefined>;
  Body: Infer<(typeof routes)[N] extends { body: infer B } ? B : undefined>;
  Headers: Infer<(typeof routes)[N] extends { headers: infer H } ? H : undefined>;
}

export type RouteHandler<N extends RouteName> = (
  request: FastifyRequest<RouteRequest<N>>,
  reply: FastifyReply,
) => Promise<unknown>;

/** The fastify schema object of a table entry. */
function fastifySchema(contract: RouteContract): NonNullable<RouteOptions['schema']> {
  const schema: Record<string, unknown> = { response: contract.response, summary: contract.summary };
  if (contract.querystring) schema['querystring'] = contract.querystring;
  if (contract.params) schema['params'] = contract.params;
  if (contract.body) schema['body'] = contract.body;
  if (contract.headers) schema['headers'] = contract.headers;
  return schema;
}

/** Registers `handler` for the table's route `name` (the app carries the API prefix). */
export function route<N extends RouteName>(
  app: FastifyInstance,
  name: N,
  handler: RouteHandler<N>,
  extra: Pick<RouteOptions, 'wsHandler'> = {},
): void {
  const contract: RouteContract = routes[name];
  app.route({
    method: contract.method,
    url: contract.path,
    schema: fastifySchema(contract),
    config: { access: contract.access, routeName: name },
    handler: handler as RouteOptions['handler'],
    ...extra,
  });
}
