import { z } from 'zod';
import { emailField } from './subscriptions.schemas.ts';

/** Request and response shapes of /manage: the same email rules as /subscribe (a malformed address is a 400 naming the field). */
export const manageBody = z.object({ email: emailField }).strict();

export const manageFormAnswer = z.object({ fields: z.array(z.literal('email')), message: z.string() }).strict();
