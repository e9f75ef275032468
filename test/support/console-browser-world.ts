import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { addAdminUser } from '../../src/admin/admin-user.service.ts';
import { createDueEdition } from '../../src/editions/edition.service.ts';
import { startBrowserGazette, writeSampleArticles } from './browser-gazette.ts';
import { writeArticle } from './build-article.ts';
import { insertSubscriber } from './mail-fixtures.ts';
import { startSmtpSink } from './smtp-sink.ts';
import { waitUntil } from './wait.ts';

type Cleanup = { after(fn: () => unknown): void };

export const OPERATOR = { email: 'ops@example.com', password: 'a long console password' };
/** The reader whose mailbox was full when the daily edition went out. */
export const UNLUCKY_READER = 'fred.full@example.org';

/**
 * A running Gazette (HTTP, worker) whose daily edition went out while the SMTP server refused
 * one reader (452, and one attempt allowed: the delivery failed), with an embargoed article, a
 * broken seed file and a console account: the console's browser tests and screenshots act on it.
 */
export async function startConsoleBrowserWorld(t: Cleanup, options: { baseUrl?: string } = {}) {
  const sink = await startSmtpSink();
  t.after(() => sink.close());
  const site = await startBrowserGazette(t, {
    baseUrl: options.baseUrl,
    overrides: { mail: { smtpUrl: sink.url, maxAttempts: 1 } },
    seed: (seedsDir) => {
      writeSampleArticles(seedsDir);
      writeArticle(seedsDir, { slug: 'budget-vote-scheduled-for-next-week', date: '20 January 2026' });
      // No date on its first line: the ingest reports the file, the line and why.
      writeFileSync(path.join(seedsDir, 'draft-harbour-interview.txt'), 'harbour-interview\n\nThe interview is not finished yet.\n');
    },
  });
  const { gazette, clock } = site;
  const db = gazette.core.store.db;
  for (const [email, name] of [
    ['olga@example.org', 'Olga'],
    ['pat@example.org', 'Pat'],
    ['lee@example.org', null],
    [UNLUCKY_READER, 'Fred'],
  ] as const)
    await insertSubscriber(db, { email, name, frequency: 'daily' });
  await insertSubscriber(db, { email: 'wendy@example.org', name: 'Wendy', frequency: 'weekly' });
  await insertSubscriber(db, { email: 'newcomer@example.org', frequency: 'weekly', status: 'pending' });
  // A month of sign-ups behind them, so that the overview's chart has something to draw.
  for (let day = 1; day <= 28; day++) {
    for (let n = 0; n < (day * 7) % 4; n++) {
      const at = new Date(clock.now().getTime() - day * 86_400_000 + n * 3600_000).toISOString();
      const reader = await insertSubscriber(db, { frequency: 'weekly', status: n === 2 ? 'unsubscribed' : 'confirmed' });
      await db
        .updateTable('subscribers')
        .set({ created_at: at, confirmed_at: at, unsubscribed_at: n === 2 ? at : null, consent_at: at })
        .where('id', '=', reader.id)
        .execute();
    }
  }
  sink.rejectRecipient(UNLUCKY_READER, 452, '4.2.2 Mailbox full', 1);
  const created = await createDueEdition(db, 'daily', new Date('2026-01-05T07:00:00Z'), clock.now(), clock.now());
  const editionId = created!.edition.id;
  await waitUntil(async () => {
    const report = await gazette.core.editions.report(editionId);
    return report.counts.queued + report.counts.sending === 0 && report;
  }, 'the daily edition to be sent');
  await addAdminUser(gazette.core.adminUsers, OPERATOR.email, OPERATOR.password);
  return { ...site, sink, editionId };
}

/** Signs in through the form as a person would. */
export async function signInThroughForm(page: Page, path = '/admin'): Promise<void> {
  await page.goto(path);
  await page.getByLabel('Email address').fill(OPERATOR.email);
  await page.getByLabel('Password').fill(OPERATOR.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((url) => !url.pathname.startsWith('/admin/sign-in'));
}
