import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Gazette } from '../../src/main.ts';
import type { Database, SubscribersTable } from '../../src/store/database.ts';
import type { ReceivedMail, SmtpSink } from './smtp-sink.ts';

export interface SubscriberSpec {
  email?: string;
  name?: string | null;
  frequency?: SubscribersTable['frequency'];
  status?: SubscribersTable['status'];
}

let counter = 0;

/** Inserts a subscriber row directly (the subscriptions flow is tested on its own) and returns its id and email. */
export async function insertSubscriber(db: Kysely<Database>, spec: SubscriberSpec = {}): Promise<{ id: string; email: string }> {
  const id = randomUUID();
  const email = spec.email ?? `reader${++counter}-${id.slice(0, 6)}@example.org`;
  const at = '2025-09-01T00:00:00.000Z';
  await db
    .insertInto('subscribers')
    .values({
      id,
      email,
      email_key: email.toLowerCase(),
      name: spec.name === undefined ? null : spec.name,
      frequency: spec.frequency ?? 'weekly',
      status: spec.status ?? 'confirmed',
      created_at: at,
      updated_at: at,
      confirmed_at: spec.status === 'pending' ? null : at,
      unsubscribed_at: null,
      bounced_at: null,
      consent_at: at,
      consent_ip: null,
      consent_user_agent: null,
      consent_source: 'test',
      consent_text: null,
    })
    .execute();
  return { id, email };
}

/** The value of every header with this name (mailparser keeps repeated headers in headerLines). */
export function headerLines(parsed: { headerLines: readonly { key: string; line: string }[] }, name: string): string[] {
  return parsed.headerLines.filter((h) => h.key === name.toLowerCase()).map((h) => h.line.slice(h.line.indexOf(':') + 1).trim());
}

/** Queues and delivers a welcome mail to a new confirmed subscriber; returns the subscriber and the mail as the sink got it. */
export async function deliverWelcomeMail(
  gazette: Gazette,
  sink: SmtpSink,
): Promise<{ id: string; email: string; sent: number; mail: ReceivedMail }> {
  const subscriber = await insertSubscriber(gazette.core.store.db, { status: 'confirmed', frequency: 'daily' });
  await gazette.core.mail.enqueueTransactional(gazette.core.store.db, {
    kind: 'welcome',
    recipientId: subscriber.id,
    key: `welcome-${subscriber.id}`,
    params: {},
  });
  const { sent } = await gazette.core.mail.deliverPending({ limit: 10 });
  const [mail] = await sink.waitFor(1);
  return { ...subscriber, sent, mail: mail! };
}
