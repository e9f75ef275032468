import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { ALL_WEBHOOKS, deliverEveryMailKind, MAIL_KINDS } from '../support/every-mail.ts';

// Debian's SpamAssassin; scripts/ensure-services.sh installs it for `npm test`.
const SPAMASSASSIN = '/usr/bin/spamassassin';

interface SpamReport {
  score: number;
  /** The "Content analysis details" table: every rule hit, with its points. */
  details: string;
}

/**
 * Scores a message with the real SpamAssassin, local tests only (-L: no DNS blocklists, no
 * network). Bayes autolearning is off so that running the suite never trains this machine's filter.
 */
function scoreWithSpamAssassin(raw: Buffer): Promise<SpamReport> {
  return new Promise((resolve, reject) => {
    const child = spawn(SPAMASSASSIN, ['-t', '-L', '--cf=bayes_auto_learn 0'], { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.on('error', reject);
    child.on('close', (code) => {
      const report = Buffer.concat(out).toString('utf8');
      const details = report.slice(report.indexOf('Content analysis details:')).trim();
      const score = /Content analysis details:\s+\((-?[\d.]+) points/.exec(report)?.[1];
      if (score === undefined)
        return reject(new Error(`spamassassin exited ${code} without a report: ${Buffer.concat(err).toString('utf8')}`));
      resolve({ score: Number(score), details });
    });
    child.stdin.end(raw);
  });
}

test(
  'SpamAssassin scores every mail (confirmation, welcome, instant, digest) 0 or below, as the SMTP server received it, delivery-id headers included',
  { timeout: 120_000 },
  async (t) => {
    if (!existsSync(SPAMASSASSIN))
      throw new Error(
        `SPAM TESTS CANNOT RUN: ${SPAMASSASSIN} is missing (Debian package spamassassin; scripts/ensure-services.sh installs it as root)`,
      );
    // With VERP and every provider's delivery-id header (X-Gazette-Delivery, the SES tag, Postmark
    // metadata, Mailgun variables): the most any mail carries.
    const mails = await deliverEveryMailKind(t, { bounceDomain: 'bounces.example.com', bounceLocalPart: 'bounces' }, ALL_WEBHOOKS);
    assert.ok(mails.digest.parsed.headers.has('x-mailgun-variables'), 'the provider headers are in what is scored');
    const reports = await Promise.all(MAIL_KINDS.map(async (kind) => ({ kind, ...(await scoreWithSpamAssassin(mails[kind].raw)) })));
    const failures = reports.filter((r) => r.score > 0).map((r) => `${r.kind} mail scores ${r.score}:\n${r.details}`);
    assert.deepEqual(failures, [], failures.join('\n\n'));
    // The preheader is still there (hidden), only without the low-contrast trick.
    for (const kind of MAIL_KINDS)
      assert.match(String(mails[kind].parsed.html), /<div style="display:none;[^"]*">[^<]+<\/div>/, `${kind} mail keeps a preheader`);
  },
);
