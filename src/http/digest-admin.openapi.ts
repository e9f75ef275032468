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
    stopped: z.object({ pausedAt: z.string(), reason: z.string() }).nullable().meta({ description: 'Set while the bounce circuit breaker holds the edition.' }),
  })
  .loose();
const editionParams = z.object({ id: z.string().meta({ description: 'An edition id (UUID).' }) }).strict();

/** What POST /api/bounces/restore accepts (validated with this schema by the route). */
export const restoreBody = z
  .object({
    editionId: z.string().min(1).max(100).optional().meta({ description: 'Only the subscribers bounced by this edition.' }),
    reply: z.string().min(1).max(500, 'reply is longer than 500 characters').optional().meta({ description: 'Only those whose bounce reply contains this text, e.g. "5.7.0" or "Authentication required".' }),
    reason: z.string().trim().min(1, 'reason is required: it is recorded with each restored subscriber').max(500, 'reason is longer than 500 characters'),
  })
  .strict()
  .refine((b) => b.editionId !== undefined || b.reply !== undefined, { message: 'send editionId, reply or both: which bounces to undo', path: ['editionId'] });

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
    method: 'post', path: '/api/editions/{id}/resume', summary: 'Let an edition the bounce circuit breaker stopped send its queued deliveries again', params: editionParams,
    responses: { 200: { description: 'Whether it was stopped (and now is not)', json: z.object({ resumed: z.boolean() }).loose() }, 404: e('No such edition, or the admin API is off.') },
  }),
  op({
    method: 'post', path: '/api/bounces/restore',
    summary: 'Return subscribers bounced by one edition and/or one SMTP reply to confirmed, record who/when/why, and queue their bounced deliveries again',
    description: 'For bounces that were the server\'s problem, not the address\'s. Each restored subscriber gets a `restored` event with the actor, the reason and the reply undone.',
    body: { mediaTypes: ['application/json'], schema: restoreBody, required: true },
    responses: {
      200: { description: 'What changed', json: z.object({ restored: z.number().int(), requeued: z.number().int(), unchanged: z.number().int() }).loose() },
      400: e('A field is missing or malformed (the message names it).'),
      404: e('No such edition, or the admin API is off.'),
      415: e('The body is not JSON.'),
    },
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
