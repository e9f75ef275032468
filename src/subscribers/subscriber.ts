import type { Selectable } from 'kysely';
import type { Frequency } from '../config/config.schema.ts';
import type { SubscribersTable } from '../store/database.ts';
import type { SubscriberEvent } from './subscriber-event.repository.ts';

export const subscriberStatuses = ['pending', 'confirmed', 'unsubscribed', 'bounced'] as const;
export type SubscriberStatus = (typeof subscriberStatuses)[number];

/** How and when a subscriber agreed to receive mail: what was shown, where, from which client. */
export interface Consent {
  at: Date;
  ip: string | null;
  userAgent: string | null;
  /** 'form' (the subscribe page), 'api' (JSON), or what an operator's import stated. */
  source: string;
  text: string | null;
}

export interface Subscriber {
  id: string;
  email: string;
  name: string | null;
  frequency: Frequency;
  status: SubscriberStatus;
  createdAt: Date;
  updatedAt: Date;
  confirmedAt: Date | null;
  unsubscribedAt: Date | null;
  bouncedAt: Date | null;
  consent: Consent | null;
}

const dateOrNull = (value: string | null): Date | null => (value ? new Date(value) : null);

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
        ? { at: new Date(row.consent_at), ip: row.consent_ip, userAgent: row.consent_user_agent, source: row.consent_source, text: row.consent_text }
        : null,
  };
}

/** The JSON shape of a subscriber, for the admin API and "download my data". */
export function presentSubscriber(s: Subscriber): Record<string, unknown> {
  const iso = (d: Date | null): string | null => d?.toISOString() ?? null;
  return {
    id: s.id,
    email: s.email,
    name: s.name,
    frequency: s.frequency,
    status: s.status,
    createdAt: iso(s.createdAt),
    updatedAt: iso(s.updatedAt),
    confirmedAt: iso(s.confirmedAt),
    unsubscribedAt: iso(s.unsubscribedAt),
    bouncedAt: iso(s.bouncedAt),
    consent: s.consent && { at: iso(s.consent.at), ip: s.consent.ip, userAgent: s.consent.userAgent, source: s.consent.source, text: s.consent.text },
  };
}

/** One bounce or restore as the subscriber's data export and the admin API show it. */
export function presentSubscriberEvent(e: SubscriberEvent): Record<string, unknown> {
  return { at: e.at.toISOString(), kind: e.kind, editionId: e.editionId, reply: e.reply, actor: e.actor, reason: e.reason };
}
