import type { Config } from '../../config/config.schema.ts';
import { isFrequency } from '../../shared/frequency.ts';
import type { Subscriber } from '../../subscribers/subscriber.ts';
import type { ViewRenderer } from './view-renderer.ts';

/** What the subscription page templates get: strings ready to print (escaped by the templates). */

const STATUS_TEXT: Record<Subscriber['status'], string> = {
  pending: 'waiting for you to confirm the address (see the mail we sent).',
  confirmed: 'subscribed.',
  unsubscribed: 'unsubscribed; no mail is sent to this address.',
  bounced: 'paused, because mail to this address could not be delivered.',
};

function frequencyChoices(views: ViewRenderer, selected: string | undefined) {
  const choices = views.frequencyChoices();
  return isFrequency(selected) ? choices.map((c) => ({ ...c, checked: c.value === selected })) : choices;
}

export interface SubscribeFormValues {
  email?: string;
  name?: string;
  frequency?: string;
}

export function presentSubscribeForm(
  views: ViewRenderer,
  config: Config,
  values: SubscribeFormValues,
  errors: string[],
  formStamp: string,
) {
  return {
    values,
    errors,
    frequencies: frequencyChoices(views, values.frequency),
    consentText: config.subscriptions.consentText,
    guard: { stamp: formStamp },
    proofOfWork: config.subscriptions.proofOfWork.enabled,
  };
}

export function presentPreferences(
  views: ViewRenderer,
  subscriber: Subscriber,
  action: string,
  extra: { notice?: string; errors?: string[] } = {},
) {
  return {
    email: subscriber.email,
    name: subscriber.name ?? '',
    statusText: STATUS_TEXT[subscriber.status],
    frequencies: frequencyChoices(views, subscriber.frequency),
    canUnsubscribe: subscriber.status !== 'unsubscribed',
    action,
    notice: extra.notice,
    errors: extra.errors ?? [],
  };
}

export interface NoticeView {
  heading: string;
  paragraphs: string[];
  links: { href: string; label: string }[];
}

export function notice(heading: string, paragraphs: string[], links: { href: string; label: string }[] = []): NoticeView {
  return { heading, paragraphs, links };
}
