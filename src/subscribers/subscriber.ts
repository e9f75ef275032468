import type { Frequency } from '../shared/frequency.ts';
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

/** A subscriber to store: the Subscriber and its unique key (the address with its domain lower-cased). */
export interface NewSubscriber extends Subscriber {
  emailKey: string;
}

/** What may change on a stored subscriber; every change stamps `updatedAt`. */
export type SubscriberUpdate = Partial<
  Pick<Subscriber, 'name' | 'frequency' | 'status' | 'confirmedAt' | 'unsubscribedAt' | 'bouncedAt' | 'consent'>
> & {
  updatedAt: Date;
};

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
    consent: s.consent && {
      at: iso(s.consent.at),
      ip: s.consent.ip,
      userAgent: s.consent.userAgent,
      source: s.consent.source,
      text: s.consent.text,
    },
  };
}

/** One bounce or restore as the subscriber's data export and the admin API show it. */
export function presentSubscriberEvent(e: SubscriberEvent): Record<string, unknown> {
  return { at: e.at.toISOString(), kind: e.kind, editionId: e.editionId, reply: e.reply, actor: e.actor, reason: e.reason };
}
