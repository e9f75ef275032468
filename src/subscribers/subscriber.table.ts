import type { Insertable, Selectable, Updateable } from 'kysely';
import type { SubscribersTable } from '../store/database.ts';
import type { Consent, NewSubscriber, Subscriber, SubscriberUpdate } from './subscriber.ts';

/**
 * Between a subscribers row and a Subscriber, both ways. Only subscriber.repository.ts imports
 * this: column names stop here.
 */

const dateOrNull = (value: string | null): Date | null => (value ? new Date(value) : null);
const isoOrNull = (value: Date | null): string | null => value?.toISOString() ?? null;

export function toSubscriber(row: Selectable<SubscribersTable>): Subscriber {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    frequency: row.frequency,
    status: row.status,
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
    confirmedAt: dateOrNull(row.confirmed_at),
    unsubscribedAt: dateOrNull(row.unsubscribed_at),
    bouncedAt: dateOrNull(row.bounced_at),
    consent:
      row.consent_at && row.consent_source
        ? {
            at: new Date(row.consent_at),
            ip: row.consent_ip,
            userAgent: row.consent_user_agent,
            source: row.consent_source,
            text: row.consent_text,
          }
        : null,
  };
}

function consentColumns(consent: Consent | null) {
  return {
    consent_at: consent ? consent.at.toISOString() : null,
    consent_ip: consent?.ip ?? null,
    consent_user_agent: consent?.userAgent ?? null,
    consent_source: consent?.source ?? null,
    consent_text: consent?.text ?? null,
  };
}

export function toRow(s: NewSubscriber): Insertable<SubscribersTable> {
  return {
    id: s.id,
    email: s.email,
    email_key: s.emailKey,
    name: s.name,
    frequency: s.frequency,
    status: s.status,
    created_at: s.createdAt.toISOString(),
    updated_at: s.updatedAt.toISOString(),
    confirmed_at: isoOrNull(s.confirmedAt),
    unsubscribed_at: isoOrNull(s.unsubscribedAt),
    bounced_at: isoOrNull(s.bouncedAt),
    ...consentColumns(s.consent),
  };
}

/** Only the fields the update names; `undefined` leaves a column as it is, `null` clears it. */
export function toColumns(update: SubscriberUpdate): Updateable<SubscribersTable> {
  return {
    updated_at: update.updatedAt.toISOString(),
    ...(update.name !== undefined && { name: update.name }),
    ...(update.frequency !== undefined && { frequency: update.frequency }),
    ...(update.status !== undefined && { status: update.status }),
    ...(update.confirmedAt !== undefined && { confirmed_at: isoOrNull(update.confirmedAt) }),
    ...(update.unsubscribedAt !== undefined && { unsubscribed_at: isoOrNull(update.unsubscribedAt) }),
    ...(update.bouncedAt !== undefined && { bounced_at: isoOrNull(update.bouncedAt) }),
    ...(update.consent !== undefined && consentColumns(update.consent)),
  };
}
