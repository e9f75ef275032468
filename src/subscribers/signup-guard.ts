import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Logger } from '../shared/logger.ts';
import type { Config } from '../config/config.schema.ts';
import type { Clock } from '../shared/clock.ts';
import type { LinkSigner } from '../shared/link-signer.ts';
import type { Database } from '../store/database.ts';
import { isDisposableDomain } from './disposable-domains.ts';
import { countSignupRefusal, useStampOnce } from './signup-guard.repository.ts';
import { verifyProofOnce, type ProofCheck } from './signup-proof.ts';
import type { NormalizedEmail } from './validate-email.ts';

/**
 * Keeps bots off the sign-up without third parties and, by default, without JavaScript: a
 * honeypot field, a signed form stamp (when the form was served; each stamp is good once), and
 * optionally a proof of work (signup-proof.ts) and a list of disposable-mail domains.
 * A refused sign-up is answered exactly like a real one by the caller, so a bot learns nothing;
 * only the log (the reason, never the address) and the day's count per reason tell.
 */

/** Why a sign-up was refused as automated: the reasons counted per day and shown in the admin stats. */
export const SIGNUP_REFUSALS = [
  'honeypot',
  'no-stamp',
  'forged-stamp',
  'too-fast',
  'stale-stamp',
  'replayed-stamp',
  'no-proof',
  'bad-proof',
  'replayed-proof',
  'disposable-domain',
] as const;

export type SignupRefusal = (typeof SIGNUP_REFUSALS)[number];

export interface SignupGuardDeps {
  db: Kysely<Database>;
  clock: Clock;
  config: Config;
  signer: LinkSigner;
  log: Logger;
}

/** What a sign-up carried besides the address: the hidden fields of the form. */
export interface SignupEvidence {
  email: NormalizedEmail;
  source: 'form' | 'api';
  stamp?: string;
  honeypot?: string;
  proof?: string;
}

const STAMP_PURPOSE = 'form';

/** A stamp for a form served now: when (ms, base 36) and a nonce, signed. */
export function issueFormStamp(deps: Pick<SignupGuardDeps, 'clock' | 'signer'>): string {
  return deps.signer.sign(STAMP_PURPOSE, `${deps.clock.now().getTime().toString(36)}.${randomBytes(12).toString('base64url')}`);
}

/** Is a stamp required of this sign-up? Always of a form; of JSON when `subscriptions.jsonApi` is 'stamped'. */
function isStampRequired(config: Config, source: SignupEvidence['source']): boolean {
  return source === 'form' || config.subscriptions.jsonApi === 'stamped';
}

/**
 * Why this sign-up looks like a bot's, or null when it may go ahead. A stamp that is checked is
 * used up whatever the outcome, so a refused stamp cannot be tried again once the wait is over.
 */
export async function findSignupRefusal(deps: SignupGuardDeps, evidence: SignupEvidence): Promise<SignupRefusal | null> {
  const { config } = deps;
  if (evidence.honeypot) return 'honeypot';
  const stampRequired = isStampRequired(config, evidence.source);
  if (stampRequired || evidence.stamp) {
    const refusal = await checkFormStamp(deps, evidence.stamp);
    if (refusal) return refusal;
  }
  if (config.subscriptions.proofOfWork.enabled && stampRequired) {
    const proof: ProofCheck = await verifyProofOnce(deps, evidence.proof);
    if (proof !== 'ok') return proof;
  }
  if (config.subscriptions.refuseDisposable && isDisposableDomain(evidence.email)) return 'disposable-domain';
  return null;
}

async function checkFormStamp(deps: SignupGuardDeps, stamp: string | undefined): Promise<SignupRefusal | null> {
  if (!stamp) return 'no-stamp';
  const value = deps.signer.verify(STAMP_PURPOSE, stamp);
  const issuedMs = value === undefined ? NaN : parseInt(value.split('.')[0] ?? '', 36);
  if (!Number.isSafeInteger(issuedMs)) return 'forged-stamp';
  const now = deps.clock.now();
  const ageMs = now.getTime() - issuedMs;
  const maxAgeMs = deps.config.subscriptions.formStampMaxAgeHours * 3600_000;
  if (ageMs > maxAgeMs) return 'stale-stamp';
  if (!(await useStampOnce(deps.db, `form:${value}`, new Date(issuedMs + maxAgeMs), now))) return 'replayed-stamp';
  // A stamp from the future was signed by an instance whose clock runs ahead: too fast all the same.
  if (ageMs < deps.config.subscriptions.minFormSeconds * 1000) return 'too-fast';
  return null;
}

/**
 * The guard's verdict, acted on: a refusal is logged (reason and source, never the address) and
 * counted for the admin stats. True when the sign-up may go ahead.
 */
export async function admitSignup(deps: SignupGuardDeps, evidence: SignupEvidence): Promise<boolean> {
  const refusal = await findSignupRefusal(deps, evidence);
  if (!refusal) return true;
  deps.log.info({ reason: refusal, source: evidence.source }, 'sign-up refused as automated; answered as accepted');
  await countSignupRefusal(deps.db, refusal, deps.clock.now());
  return false;
}
