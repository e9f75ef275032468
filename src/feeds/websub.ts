import type { Logger } from '../shared/logger.ts';

export interface HubPing {
  hub: string;
  feedUrls: readonly string[];
  timeoutMs: number;
  log: Logger;
}

/**
 * Tells a WebSub hub that feeds changed, and returns the feed URLs it accepted: the de-facto publish ping, one form-encoded
 * `hub.mode=publish&hub.url=<feed>` POST per feed. Never throws: a hub that is down or slow is
 * logged and the publish goes on (readers still poll).
 */
export async function pingHub(ping: HubPing): Promise<string[]> {
  const results = await Promise.all(ping.feedUrls.map((url) => pingOne(ping, url)));
  return ping.feedUrls.filter((_url, i) => results[i]);
}

/** True when the hub accepted the ping (2xx). */
async function pingOne(ping: HubPing, feedUrl: string): Promise<boolean> {
  try {
    const response = await fetch(ping.hub, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ 'hub.mode': 'publish', 'hub.url': feedUrl }).toString(),
      signal: AbortSignal.timeout(ping.timeoutMs),
      redirect: 'error',
    });
    await response.arrayBuffer().catch(() => undefined);
    if (response.ok) ping.log.info({ hub: ping.hub, feed: feedUrl, status: response.status }, 'WebSub hub notified');
    else ping.log.warn({ hub: ping.hub, feed: feedUrl, status: response.status }, 'WebSub hub refused the publish ping');
    return response.ok;
  } catch (error) {
    ping.log.warn({ hub: ping.hub, feed: feedUrl, err: (error as Error).message }, 'WebSub hub could not be notified');
    return false;
  }
}
