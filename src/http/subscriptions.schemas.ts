import { z } from 'zod';
import { FREQUENCIES } from '../shared/frequency.ts';
import { subscriberStatuses } from '../subscribers/subscriber.ts';
import { MAX_EMAIL_LENGTH, normalizeEmail, normalizeName } from '../subscribers/validate-email.ts';

/**
 * Request and response shapes of the public subscription endpoints. Routes validate with them,
 * and the OpenAPI document is generated from them, so the two cannot drift apart.
 */

const required = (what: string, example: string) => (issue: { input: unknown }) =>
  issue.input === undefined ? `${what} is required: send ${example}` : `${what} must be text, such as ${example}`;

export const emailField = z
  .string({ error: required('email', 'an address such as name@example.com') })
  .max(MAX_EMAIL_LENGTH * 2, `email is longer than ${MAX_EMAIL_LENGTH} characters`)
  .transform((value, ctx) => {
    const checked = normalizeEmail(value);
    if (checked.ok) return checked.value;
    ctx.addIssue({ code: 'custom', message: checked.reason });
    return z.NEVER;
  })
  .meta({ description: 'An email address; trimmed, its domain lower-cased.', examples: ['reader@example.com'] });

export const nameField = z
  .string({ error: 'name must be text, such as "Ada Lovelace", or left out' })
  .max(400, 'name is longer than 100 characters')
  .transform((value, ctx) => {
    const checked = normalizeName(value);
    if (checked.ok) return checked.value;
    ctx.addIssue({ code: 'custom', message: checked.reason });
    return z.NEVER;
  })
  .meta({ description: 'Optional display name, up to 100 characters, without < > or control characters; empty means none.' });

export const frequencyField = z.enum(FREQUENCIES, { error: `frequency must be one of ${FREQUENCIES.join(', ')}` });

const consentField = z
  .union([z.literal(true), z.literal('yes'), z.literal('on'), z.literal('true')], {
    error: 'consent is required: tick the box (send consent=yes in a form, or "consent": true in JSON) to agree to receive mail',
  })
  .meta({ description: 'The reader agreed to the consent text shown with the form.' });

/** The form's hidden fields that tell a person from a bot (subscribers/signup-guard.ts); not validated further here. */
const signupGuardFields = {
  stamp: z.string().max(300).optional().meta({
    description:
      'The form stamp from GET /subscribe (HTML form or JSON `stamp`), good for one sign-up. Required in forms, and in JSON when subscriptions.jsonApi is "stamped".',
  }),
  website: z.string().max(500).optional().meta({ description: 'Leave out or empty: a field hidden from people, which only bots fill.' }),
  altcha: z.string().max(2500).optional().meta({
    description: 'The ALTCHA payload of a solved GET /subscribe/challenge, when subscriptions.proofOfWork is enabled.',
  }),
};

export const subscribeBody = z
  .object({
    email: emailField,
    name: nameField.optional(),
    frequency: frequencyField.optional(),
    consent: consentField,
    ...signupGuardFields,
  })
  .strict();

export const subscribeFormAnswer = z
  .object({
    consentText: z.string(),
    frequencies: z.array(z.string()),
    defaultFrequency: z.string(),
    stamp: z.string().meta({ description: 'A fresh form stamp: send it back as `stamp`, no sooner than `minFormSeconds` later.' }),
    minFormSeconds: z.number(),
    proofOfWork: z.boolean().meta({ description: 'Whether a solved GET /subscribe/challenge must be sent as `altcha`.' }),
  })
  .strict();

export const preferencesBody = z.discriminatedUnion(
  'action',
  [
    z.object({ action: z.literal('update'), name: nameField.optional(), frequency: frequencyField.optional() }).strict(),
    z.object({ action: z.literal('unsubscribe') }).strict(),
    z.object({ action: z.literal('export') }).strict(),
    z
      .object({
        action: z.literal('delete'),
        confirm: z.literal('yes', { error: 'confirm must be "yes": tick the box to delete your data for good' }),
      })
      .strict(),
  ],
  { error: 'action must be one of update, unsubscribe, export, delete' },
);

export const tokenParams = z
  .object({ token: z.string().min(1).max(400, 'the link is too long to be one of ours; copy it whole from the mail') })
  .strict();

export const acceptedAnswer = z.object({ status: z.literal('accepted'), message: z.string() }).strict();
export const confirmationPreviewAnswer = z.object({ email: z.string(), frequency: z.enum(FREQUENCIES), expiresAt: z.string() }).strict();
export const subscriberView = z
  .object({
    id: z.string(),
    email: z.string(),
    name: z.string().nullable(),
    frequency: z.enum(FREQUENCIES),
    status: z.enum(subscriberStatuses),
    createdAt: z.string(),
    updatedAt: z.string(),
    confirmedAt: z.string().nullable(),
    unsubscribedAt: z.string().nullable(),
    bouncedAt: z.string().nullable(),
    consent: z
      .object({
        at: z.string().nullable(),
        ip: z.string().nullable(),
        userAgent: z.string().nullable(),
        source: z.string(),
        text: z.string().nullable(),
      })
      .strict()
      .nullable(),
  })
  .strict();
/** A bounce (with the server's reply) or an operator's restore (actor, reason, the reply undone). */
export const subscriberEventView = z
  .object({
    at: z.string(),
    kind: z.enum(['bounced', 'restored']),
    editionId: z.string().nullable(),
    reply: z.string().nullable(),
    actor: z.string().nullable(),
    reason: z.string().nullable(),
  })
  .strict();
/** The admin API's one subscriber: the subscriber and their bounces and restores, oldest first. */
export const subscriberDetailView = subscriberView.extend({ events: z.array(subscriberEventView) }).strict();
export const preferencesAnswer = z.object({ subscriber: subscriberView, unsubscribeUrl: z.string(), preferencesUrl: z.string() }).strict();
export const confirmedAnswer = preferencesAnswer;
export const unsubscribedAnswer = z.object({ status: z.enum(['unsubscribed', 'already-unsubscribed', 'no-such-subscriber']) }).strict();
export const deletedAnswer = z.object({ status: z.literal('deleted') }).strict();
export const dataExportAnswer = z
  .object({
    exportedAt: z.string(),
    site: z.string(),
    subscriber: subscriberView,
    confirmationRequests: z.array(z.record(z.string(), z.unknown())),
    events: z.array(subscriberEventView),
  })
  .strict();
export const errorAnswer = z
  .object({ error: z.object({ code: z.string(), message: z.string(), details: z.record(z.string(), z.unknown()).optional() }).strict() })
  .strict();
