import { z } from 'zod';
import { suppressionReasons } from '../subscribers/suppression.repository.ts';
import { MAX_EMAIL_LENGTH, normalizeEmail } from '../subscribers/validate-email.ts';

/** Request and response shapes of the admin suppression API; the OpenAPI document is generated from them. */

export const addressParams = z
  .object({
    address: z
      .string()
      .max(MAX_EMAIL_LENGTH * 2, `address is longer than ${MAX_EMAIL_LENGTH} characters`)
      .superRefine((value, ctx) => {
        const checked = normalizeEmail(value);
        if (!checked.ok) ctx.addIssue({ code: 'custom', message: `address: ${checked.reason}` });
      })
      .meta({ description: 'The email address, percent-encoded in the path.', examples: ['reader@example.com'] }),
  })
  .strict();

export const suppressionAnswer = z
  .object({
    suppressed: z.boolean(),
    reason: z
      .enum(suppressionReasons as [string, ...string[]])
      .nullable()
      .meta({ description: 'Why it is (or was, if lifted) suppressed; null when the address was never suppressed.' }),
    source: z.string().nullable(),
    suppressedAt: z.string().nullable(),
    liftedAt: z.string().nullable(),
    liftedBy: z.string().nullable(),
  })
  .strict();
