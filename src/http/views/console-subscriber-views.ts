import type { SubscriberHistory } from '../../admin/console-reads.service.ts';
import { FREQUENCIES } from '../../shared/frequency.ts';
import { subscriberStatuses, type Subscriber } from '../../subscribers/subscriber.ts';
import type { ConsoleFormat } from './console-format.ts';

const OUTCOME: Record<string, string> = {
  queued: 'waiting to be sent',
  sending: 'being sent',
  sent: 'sent',
  failed: 'failed',
  bounced: 'bounced',
  skipped: 'not sent (the subscriber was no longer confirmed)',
};

/** One subscriber's page: who they are, every message meant for them, and everything that happened to them, in order. */
export function presentHistory(s: Subscriber, h: SubscriberHistory, fmt: ConsoleFormat) {
  const timeline: { at: Date; what: string; detail: string }[] = [
    { at: s.createdAt, what: 'Signed up', detail: s.consent ? `consent: ${s.consent.source}` : 'no consent recorded' },
  ];
  if (s.confirmedAt) timeline.push({ at: s.confirmedAt, what: 'Confirmed', detail: '' });
  if (s.unsubscribedAt) timeline.push({ at: s.unsubscribedAt, what: 'Unsubscribed', detail: '' });
  for (const e of h.events)
    timeline.push({
      at: e.at,
      what: e.kind,
      detail: [e.reply, e.reason, e.actor && `by ${e.actor}`].filter(Boolean).join(' · '),
    });
  for (const r of h.reports)
    timeline.push({
      at: r.receivedAt,
      what: `report: ${r.kind}`,
      detail: [r.status, r.diagnostic, `via ${r.source}`].filter(Boolean).join(' · '),
    });
  for (const c of h.changes)
    timeline.push({ at: c.at, what: `changed by ${c.actor}`, detail: `${JSON.stringify(c.before)} → ${JSON.stringify(c.after)}` });
  timeline.sort((a, b) => b.at.getTime() - a.at.getTime());

  return {
    subscriber: {
      ...s,
      createdAt: fmt.dateTime(s.createdAt),
      confirmedAt: fmt.dateTime(s.confirmedAt),
      bouncedAt: fmt.dateTime(s.bouncedAt),
      consent: s.consent && { ...s.consent, at: fmt.dateTime(s.consent.at) },
    },
    statuses: subscriberStatuses.map((v) => ({ value: v, selected: v === s.status })),
    frequencies: FREQUENCIES.map((v) => ({ value: v, selected: v === s.frequency })),
    deliveries: h.deliveries.map((d) => ({
      what: d.edition ? `${d.edition.frequency} edition of ${fmt.dateTime(d.edition.periodEnd)}` : `${d.kind} mail`,
      href: d.edition ? `/admin/editions/${d.edition.id}` : null,
      queuedAt: fmt.dateTime(d.createdAt),
      outcome: OUTCOME[d.status] ?? d.status,
      problem: d.status === 'failed' || d.status === 'bounced',
      when: fmt.dateTime(d.sentAt ?? d.updatedAt),
      attempts: d.attempts,
      reply: d.lastReply,
    })),
    timeline: timeline.map((t) => ({ ...t, at: fmt.dateTime(t.at) })),
  };
}
