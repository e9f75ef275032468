import { Router } from 'express';
import { z } from 'zod';
import type { Config } from '../config/config.schema.ts';
import { errorAnswer } from './subscriptions.schemas.ts';

/**
 * The OpenAPI 3.1 description of Gazette's HTTP API, generated from the same zod schemas the
 * routes validate with. Each capability contributes a table of operations; a test checks that
 * the table and Express's route table hold the same routes, and that responses in tests carry
 * documented statuses and bodies.
 */
export type HttpMethod = 'get' | 'post' | 'patch' | 'put' | 'delete';

export interface ApiResponse {
  description: string;
  /** The JSON body's schema; null for a documented JSON error body. */
  json?: z.ZodType;
  html?: boolean;
  csv?: boolean;
  headers?: Record<string, string>;
}

/** Every admin route's refusal after repeated wrong tokens (admin-auth.ts). */
export const tooManyWrongTokens: ApiResponse = {
  description: 'Too many wrong tokens from this client address; refused, even with the right token, until the window ends.',
  headers: { 'Retry-After': 'Seconds until requests are accepted again.' },
};

export interface ApiOperation {
  method: HttpMethod;
  /** OpenAPI form: /confirm/{token}. */
  path: string;
  summary: string;
  description?: string;
  tag: string;
  /** Behind the admin bearer token. */
  admin?: boolean;
  params?: z.ZodObject;
  query?: z.ZodObject;
  body?: { mediaTypes: string[]; schema?: z.ZodType; required?: boolean };
  responses: Record<number, ApiResponse>;
}

const toSchema = (schema: z.ZodType): Record<string, unknown> => {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return rest;
};

function parametersOf(op: ApiOperation): unknown[] {
  const list = (where: 'path' | 'query', schema: z.ZodObject | undefined) =>
    Object.entries(schema?.shape ?? {}).map(([name, field]) => ({
      name,
      in: where,
      required: where === 'path' || !(field as z.ZodType).safeParse(undefined).success,
      schema: toSchema(field as z.ZodType),
    }));
  return [...list('path', op.params), ...list('query', op.query)];
}

function responsesOf(op: ApiOperation): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(op.responses).map(([status, r]) => {
      const content: Record<string, unknown> = {};
      if (r.json) content['application/json'] = { schema: toSchema(r.json) };
      else if (Number(status) >= 400) content['application/json'] = { schema: toSchema(errorAnswer) };
      if (r.html) content['text/html'] = { schema: { type: 'string' } };
      if (r.csv) content['text/csv'] = { schema: { type: 'string' } };
      const headers =
        r.headers && Object.fromEntries(Object.entries(r.headers).map(([h, d]) => [h, { description: d, schema: { type: 'string' } }]));
      return [status, { description: r.description, ...(Object.keys(content).length ? { content } : {}), ...(headers ? { headers } : {}) }];
    }),
  );
}

export function buildOpenApiDocument(config: Config, operations: readonly ApiOperation[]): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of operations) {
    const body = op.body && {
      required: op.body.required ?? false,
      content: Object.fromEntries(
        op.body.mediaTypes.map((t) => [t, { schema: op.body?.schema ? toSchema(op.body.schema) : { type: 'string' } }]),
      ),
    };
    (paths[op.path] ??= {})[op.method] = {
      summary: op.summary,
      ...(op.description ? { description: op.description } : {}),
      tags: [op.tag],
      operationId: `${op.method}${op.path.replace(/[{}]/g, '').replace(/[^a-zA-Z0-9]+(.)/g, (_m, c: string) => c.toUpperCase())}`,
      ...(op.admin ? { security: [{ adminToken: [] }] } : {}),
      parameters: parametersOf(op),
      ...(body ? { requestBody: body } : {}),
      responses: responsesOf(op),
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: `${config.site.title} API`,
      version: '1',
      description: 'Subscriptions (public) and list management (admin, bearer token). Every error body is {"error":{"code","message"}}.',
    },
    servers: [{ url: config.site.baseUrl }],
    components: {
      securitySchemes: {
        adminToken: { type: 'http', scheme: 'bearer', description: 'admin.token from the configuration (GAZETTE_ADMIN_TOKEN).' },
      },
    },
    paths,
  };
}

/** Serves the document, public (it describes public endpoints too; the admin ones need the token anyway). */
export function openApiRoutes(document: Record<string, unknown>): Router {
  const router = Router();
  const body = JSON.stringify(document, null, 2);
  router.get('/api/openapi.json', (_req, res) => {
    res.set('Cache-Control', 'no-cache').type('json').send(body);
  });
  return router;
}
