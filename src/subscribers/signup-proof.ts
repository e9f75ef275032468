import { createChallenge, randomInt, verifySolution, type Challenge } from 'altcha-lib';
import { deriveKey } from 'altcha-lib/algorithms/sha';
import { z } from 'zod';
import type { Config } from '../config/config.schema.ts';
import type { Clock } from '../shared/clock.ts';
import type { LinkSigner } from '../shared/link-signer.ts';
import type { Db } from '../store/database.ts';
import { useStampOnce } from './signup-guard.repository.ts';

/**
 * ALTCHA proof of work, self-hosted: we issue the challenge (signed, so nothing is stored until
 * it is solved) and verify the solution; the browser's widget does the work. Each solved
 * challenge is good for one sign-up (its nonce goes into form_stamps).
 */

export type ProofCheck = 'ok' | 'no-proof' | 'bad-proof' | 'replayed-proof';

export interface ProofDeps {
  db: Db;
  clock: Clock;
  config: Config;
  signer: LinkSigner;
}

/** Long enough to fill the form after the widget solved on load. */
const CHALLENGE_TTL_MS = 30 * 60_000;

/** HMAC keys derived from the site secret: no new setting, and every instance derives the same. */
function secretsOf(signer: LinkSigner) {
  return {
    hmacSignatureSecret: signer.sign('proof-of-work', 'challenge'),
    hmacKeySignatureSecret: signer.sign('proof-of-work', 'key'),
  };
}

/**
 * A challenge whose answer is a counter between complexity/2 and complexity (SHA-256, one round):
 * about complexity/2 hashes on average in the browser. The expiry is ours (in `data`, signed),
 * read with our clock; altcha-lib's own `expiresAt` would be read with the system clock.
 */
export async function createProofChallenge(deps: Omit<ProofDeps, 'db'>): Promise<Challenge> {
  const { complexity } = deps.config.subscriptions.proofOfWork;
  return createChallenge({
    algorithm: 'SHA-256',
    cost: 1,
    counter: randomInt(complexity, Math.ceil(complexity / 2)),
    deriveKey,
    data: { expires: deps.clock.now().getTime() + CHALLENGE_TTL_MS },
    ...secretsOf(deps.signer),
  });
}

const payloadSchema = z.object({
  challenge: z.object({
    parameters: z.looseObject({ nonce: z.string().max(200), data: z.object({ expires: z.number() }).loose() }),
    signature: z.string(),
  }),
  solution: z.looseObject({}),
});

/** The widget's payload (base64 JSON of the challenge and its solution), verified and used up. */
export async function verifyProofOnce(deps: ProofDeps, payload: string | undefined): Promise<ProofCheck> {
  if (!payload) return 'no-proof';
  let parsed: z.infer<typeof payloadSchema>;
  try {
    parsed = payloadSchema.parse(JSON.parse(Buffer.from(payload, 'base64').toString('utf8')));
  } catch {
    return 'bad-proof';
  }
  const now = deps.clock.now();
  const expires = parsed.challenge.parameters.data.expires;
  if (expires <= now.getTime()) return 'bad-proof';
  try {
    const result = await verifySolution({
      challenge: parsed.challenge as unknown as Challenge,
      solution: parsed.solution as unknown as Parameters<typeof verifySolution>[0]['solution'],
      deriveKey,
      ...secretsOf(deps.signer),
    });
    if (!result.verified) return 'bad-proof';
  } catch {
    return 'bad-proof';
  }
  const fresh = await useStampOnce(deps.db, `pow:${parsed.challenge.parameters.nonce}`, new Date(expires), now);
  return fresh ? 'ok' : 'replayed-proof';
}
