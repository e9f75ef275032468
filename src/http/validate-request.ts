import type { z } from 'zod';
import { GazetteError, type ErrorCode } from '../shared/errors.ts';

/**
 * Validates input with a zod schema. Problems become one 400 whose message names each field and
 * what to fix; unknown fields are listed together with the fields that are accepted.
 */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, what: string, known: readonly string[] = []): z.output<S> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const unknown = parsed.error.issues.flatMap((i) => (i.code === 'unrecognized_keys' ? i.keys : []));
  if (unknown.length > 0) {
    const accepted = known.length > 0 ? `; ${what} accepts ${known.join(', ')}` : '';
    throw new GazetteError(
      'UnknownField',
      `Unknown field${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => `"${k}"`).join(', ')} in ${what}${accepted}.`,
      {
        fields: unknown,
      },
    );
  }
  const problems = parsed.error.issues.map((i) => ({ field: i.path.join('.') || what, message: i.message }));
  const code: ErrorCode = problems.some((p) => p.field === 'email') ? 'InvalidEmail' : 'ValidationFailed';
  const message = problems.map((p) => (p.message.startsWith(p.field) ? p.message : `${p.field}: ${p.message}`)).join('; ');
  throw new GazetteError(code, message.endsWith('.') ? message : `${message}.`, { problems });
}
