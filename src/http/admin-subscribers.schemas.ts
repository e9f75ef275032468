import { z } from 'zod';
import { FREQUENCIES } from '../shared/frequency.ts';
import { SIGNUP_REFUSALS } from '../subscribers/signup-guard.ts';
import { subscriberStatuses } from '../subscribers/subscriber.ts';
import { frequencyField, nameField, subscriberView } from './subscriptions.schemas.ts';

/** Request and response shapes of the admin subscriber API; the OpenAPI document is generated from them. */

const statusField = z.enum(subscriberStatuses, { error: `status must be one of ${subscriberStatuses.join(', ')}` });
const wholeNumber = (what: string, min: number, max: number) =>
  z
    .string()
    .regex(/^[0-9]{1,9}$/, `${what} must be a whole number`)
    .transform(Number)
    .refine((n) => n >= min && n <= max, `${what} must be from ${min} to ${max}`);

export const listQuery = z
  .object({
    status: statusField.optional(),
    frequency: frequencyField.optional(),
    q: z
      .string()
      .max(200, 'q is longer than 200 characters')
      .optional()
      .meta({ description: 'Part of the address or name, case-insensitive.' }),
    page: wholeNumber('page', 1, 1_000_000).optional(),
    pageSize: wholeNumber('pageSize', 1, 500).optional(),
  })
  .strict();

export const idParams = z.object({ id: z.string().min(1).max(100) }).strict();

export const changeBody = z
  .object({ status: statusField.optional(), frequency: frequencyField.optional(), name: nameField.nullable().optional() })
  .strict()
  .refine((b) => Object.keys(b).length > 0, 'send at least one of status, frequency, name');

export const importQuery = z
  .object({
    consentSource: z
      .string()
      .min(1)
      .max(200, 'consentSource is longer than 200 characters')
      // eslint-disable-next-line no-control-regex -- the pattern matches control characters on purpose
      .regex(/^[^\u0000-\u001F\u007F]+$/, 'consentSource must be one line of text')
      .optional()
      .meta({
        description: 'Where these people agreed to receive mail. Given: rows are imported as confirmed with it recorded; absent: pending.',
      }),
  })
  .strict();

export const subscriberPageAnswer = z
  .object({ items: z.array(subscriberView), total: z.number().int(), page: z.number().int(), pageSize: z.number().int() })
  .strict();
const refusalCounts = z.object(Object.fromEntries(SIGNUP_REFUSALS.map((r) => [r, z.number().int()]))).strict();
export const statsAnswer = z
  .object({
    total: z.number().int(),
    byStatus: z.object(Object.fromEntries(subscriberStatuses.map((s) => [s, z.number().int()]))).strict(),
    byFrequency: z.object(Object.fromEntries(FREQUENCIES.map((f) => [f, z.number().int()]))).strict(),
    refusedSignups: z
      .object({
        last30Days: refusalCounts.meta({ description: 'The last 30 days, today included (UTC days).' }),
        total: refusalCounts.meta({ description: 'Since the counts began.' }),
      })
      .strict()
      .meta({
        description:
          'Sign-ups refused as automated, by reason: each got the same answer as a real sign-up and created nothing (no row, no mail). honeypot: the hidden field was filled; no-stamp, forged-stamp, stale-stamp, replayed-stamp: the form stamp was missing, not ours, expired or already used; too-fast: posted sooner than a person fills the form; no-proof, bad-proof, replayed-proof: the proof of work (when on) was missing, wrong or reused; disposable-domain: a disposable-mail domain (when refused).',
      }),
  })
  .strict();
export const importAnswer = z
  .object({
    rows: z.number().int(),
    imported: z.number().int(),
    unchanged: z.number().int(),
    invalid: z.array(z.object({ line: z.number().int(), reason: z.string() }).strict()),
    suppressed: z.number().int().meta({ description: 'Valid rows whose address is on the suppression list: not imported.' }),
    suppressedLines: z.array(z.number().int()).meta({ description: 'The line numbers of the suppressed rows.' }),
    ignoredColumns: z.array(z.string()),
  })
  .strict();
