import { z } from 'zod';
import { FREQUENCIES } from '../shared/frequency.ts';

/**
 * Request and response shapes of the editions admin API (editions-admin.routes.ts). The routes
 * validate with the request schemas and the OpenAPI document (editions-admin.openapi.ts) is
 * generated from the same ones. The response schemas are loose (extra keys allowed): they pin
 * what clients rely on.
 */

const LIMIT_RULE = 'limit must be a whole number from 1 to 100';

export const listEditionsQuery = z
  .object({
    limit: z
      .string({ error: LIMIT_RULE })
      .regex(/^[0-9]{1,9}$/, LIMIT_RULE)
      .transform(Number)
      .refine((n) => n >= 1 && n <= 100, LIMIT_RULE)
      .optional()
      .meta({ description: 'How many, 1 to 100 (default 20).' }),
  })
  .strict();

/** An edition id as Gazette makes them (a UUID). Anything else names no edition: the routes answer 404, not 400. */
export const editionParams = z
  .object({
    id: z
      .string()
      .regex(/^[0-9a-f-]{36}$/)
      .meta({ description: 'An edition id (UUID).' }),
  })
  .strict();

/** The digest frequencies: an instant mail has no preview. */
export const previewQuery = z
  .object({ frequency: z.enum(['daily', 'weekly'], { error: 'frequency must be "daily" or "weekly"' }) })
  .strict();

/** What POST /api/editions accepts: make the next edition of a frequency now, off schedule. */
export const sendEditionBody = z
  .object({
    frequency: z
      .enum(FREQUENCIES, { error: 'frequency must be "instant", "daily" or "weekly"' })
      .meta({ description: 'Which subscribers: instant makes one edition per new article.' }),
    dryRun: z.boolean({ error: 'dryRun must be true or false' }).optional().meta({
      description: 'Only say what the edition would carry and to how many subscribers; nothing is made or sent. Daily and weekly only.',
    }),
  })
  .strict()
  .refine((b) => !(b.dryRun && b.frequency === 'instant'), {
    message: 'dryRun works with the daily or weekly frequency',
    path: ['dryRun'],
  });

/** What POST /api/bounces/restore accepts. */
export const restoreBody = z
  .object({
    editionId: z.string().min(1).max(100).optional().meta({ description: 'Only the subscribers bounced by this edition.' }),
    reply: z
      .string()
      .min(1)
      .max(500, 'reply is longer than 500 characters')
      .optional()
      .meta({ description: 'Only those whose bounce reply contains this text, e.g. "5.7.0" or "Authentication required".' }),
    reason: z
      .string()
      .trim()
      .min(1, 'reason is required: it is recorded with each restored subscriber')
      .max(500, 'reason is longer than 500 characters'),
  })
  .strict()
  .refine((b) => b.editionId !== undefined || b.reply !== undefined, {
    message: 'send editionId, reply or both: which bounces to undo',
    path: ['editionId'],
  });

export const editionReportAnswer = z
  .object({
    id: z.string(),
    frequency: z.enum(FREQUENCIES),
    periodStart: z.string(),
    periodEnd: z.string(),
    createdAt: z.string(),
    articles: z.array(z.object({ id: z.string(), slug: z.string(), title: z.string() }).loose()),
    total: z.number().int(),
    counts: z.record(z.string(), z.number().int()),
    undelivered: z.array(z.object({}).loose()),
    stopped: z
      .object({ pausedAt: z.string(), reason: z.string() })
      .nullable()
      .meta({ description: 'Set while the bounce circuit breaker holds the edition.' }),
    health: z
      .object({
        hardBounces: z.number().int(),
        softBounces: z.number().int(),
        complaints: z.number().int(),
        hardBounceRate: z.number(),
        softBounceRate: z.number(),
        complaintRate: z.number(),
      })
      .meta({
        description:
          'Recipients who hard-bounced (during the send or by a later report), soft-bounced or complained, and each as a share of the recipients (0.003 = 0.3 %).',
      }),
  })
  .loose();
export const editionListAnswer = z.object({ items: z.array(editionReportAnswer) }).loose();
export const resendFailedAnswer = z.object({ requeued: z.number().int() }).loose();
export const resumeAnswer = z.object({ resumed: z.boolean() }).loose();
export const restoreAnswer = z.object({ restored: z.number().int(), requeued: z.number().int(), unchanged: z.number().int() }).loose();
export const previewAnswer = z
  .object({
    frequency: z.string(),
    periodStart: z.string(),
    periodEnd: z.string(),
    articles: z.number(),
    subject: z.string(),
    html: z.string(),
    text: z.string(),
  })
  .loose();
export const dryRunAnswer = z
  .object({
    dryRun: z.literal(true),
    frequency: z.enum(['daily', 'weekly']),
    audience: z.number().int().meta({ description: 'Confirmed subscribers of the frequency now.' }),
    articles: z.array(z.object({ id: z.string(), slug: z.string(), title: z.string(), publishedAt: z.string() }).loose()),
  })
  .loose();
export const sentEditionsAnswer = z.object({ dryRun: z.literal(false), items: z.array(editionReportAnswer) }).loose();
