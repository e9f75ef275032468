import type { Config } from './config.schema.ts';

/**
 * Every setting that is a credential, by value: the logger masks these wherever they appear (a
 * URL quoted in an error, a header echoed by a library). Passwords inside URLs are included.
 */
export function secretValuesOf(config: Config): string[] {
  const webhooks = config.bounces.webhooks;
  const imap = config.bounces.imap;
  return [
    config.admin.token,
    config.secret,
    config.metrics.token,
    config.mail.dkim?.privateKey,
    webhooks.postmark?.password,
    webhooks.mailgun?.signingKey,
    imap?.password,
    passwordIn(imap?.url),
    passwordIn(config.mail.smtpUrl),
    passwordIn(config.database.url),
  ].filter((v): v is string => typeof v === 'string' && v.length > 0);
}

function passwordIn(url: string | null | undefined): string | undefined {
  if (!url || !URL.canParse(url)) return undefined;
  const password = new URL(url).password;
  return password ? decodeURIComponent(password) : undefined;
}
