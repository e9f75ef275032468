import { z } from 'zod';
import { frequencies } from '../config/config.schema.ts';
import { tooManyWrongTokens, type ApiOperation, type ApiResponse } from './openapi.ts';

/**
 * The editions admin API (digest-admin.routes.ts), as documented in /api/openapi.json. The
 * response schemas are loose (extra keys allowed): they pin what clients rely on.
 */

const e = (description: string): ApiResponse => ({ description });
const auth = { 401: e('Missing or wrong bearer token.'), 429: tooManyWrongTokens };
const TAG = 'Admin: editions';
const op = (o: Omit<ApiOperation, 'tag' | 'admin'>): ApiOperation => ({ ...o, tag: TAG, admin: true, responses: { ...o.responses, ...auth } });

const report = z
  .object({
    id: z.string(),
    frequency: z.enum(frequencies),
    periodStart: z.string(),
    periodEnd: z.string(),
    createdAt: z.string(),
    articles: z.array(z.object({ id: z.string(), slug: z.string(), title: z.string() }).loose()),
    total: z.number().int(),
    counts: z.record(z.string(), z.number().int()),
    undelivered: z.array(z.object({}).loose()),
  })
  .loose();
const editionParams = z.object({ id: z.string().meta({ description: 'An edition id (UUID).' }) }).strict();

export const digestAdminOperations: ApiOperation[] = [
  op({
    method: 'get', path: '/api/editions', summary: 'The latest editions with their delivery counts',
    query: z.object({ limit: z.string().optional().meta({ description: 'How many, 1 to 100 (default 20).' }) }).strict(),
    responses: { 200: { description: 'Editions, newest first', json: z.object({ items: z.array(report) }).loose() }, 400: e('limit is not a whole number from 1 to 100.'), 404: e('The admin API is off (no admin.token configured).') },
  }),
  op({
    method: 'get', path: '/api/editions/{id}', summary: 'One edition: counts, articles, failed and bounced recipients with their last SMTP reply', params: editionParams,
    responses: { 200: { description: 'The report', json: report }, 404: e('No such edition, or the admin API is off.') },
  }),
  op({
    method: 'post', path: '/api/editions/{id}/resend-failed', summary: 'Queue the failed deliveries again (never those already sent)', params: editionParams,
    responses: { 200: { description: 'How many were queued again', json: z.object({ requeued: z.number().int() }).loose() }, 404: e('No such edition, or the admin API is off.') },
  }),
  op({
    method: 'get', path: '/api/digests/preview', summary: 'The next daily or weekly digest, as HTML and text',
    query: z.object({ frequency: z.enum(['daily', 'weekly']) }).strict(),
    responses: {
      200: { description: 'The preview', json: z.object({ frequency: z.string(), periodStart: z.string(), periodEnd: z.string(), articles: z.number(), subject: z.string(), html: z.string(), text: z.string() }).loose() },
      400: e('frequency is not daily or weekly.'),
      404: e('The admin API is off (no admin.token configured).'),
      409: e('Nothing new: no edition would be sent.'),
    },
  }),
];
