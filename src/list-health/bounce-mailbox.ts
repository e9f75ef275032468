import { ImapFlow, type ImapFlowOptions } from 'imapflow';
import type { Config } from '../config/config.schema.ts';
import type { Logger } from '../shared/logger.ts';
import { drainMailbox, type DrainSummary, type HandleMailboxMessage } from './drain-mailbox.ts';

export type { MailboxMessageMeta } from './drain-mailbox.ts';

export type BounceMailboxSettings = NonNullable<Config['bounces']['imap']>;

export interface BounceMailboxDeps {
  config: BounceMailboxSettings;
  log: Logger;
  /** Reads one raw message (parse + apply). Resolving means done: the message is moved out. */
  handle: HandleMailboxMessage;
  /** Reconnection backoff, doubling from `firstMs` up to `maxMs` (default 1 s to 5 min). */
  reconnect?: { firstMs: number; maxMs: number };
}

export interface PollSummary extends DrainSummary {
  /** Set when the server could not be reached or the drain broke off; the next poll tries again. */
  error?: string;
}

export interface BounceMailbox {
  /**
   * Drains the mailbox once. Without start(): connects, drains, logs out (what the `bounces` job
   * does under its lease). After start(): drains on the kept connection. Never throws.
   */
  pollOnce(): Promise<PollSummary>;
  /** Keeps a connection open: drains at once, on every new message (IDLE, or imapflow's NOOP polling where IDLE is missing) and every pollSeconds; reconnects with backoff. */
  start(): void;
  /** Closes the connection and waits for a drain in progress to finish its current message. */
  stop(): Promise<void>;
}

/** imapflow's options from the settings: the url gives defaults, the separate fields override them. */
export function imapClientOptions(settings: BounceMailboxSettings): ImapFlowOptions {
  const url = settings.url ? new URL(settings.url) : undefined;
  const secure = settings.secure ?? url?.protocol === 'imaps:';
  return {
    host: settings.host ?? url!.hostname,
    port: settings.port ?? (url?.port ? Number(url.port) : secure ? 993 : 143),
    secure,
    auth: {
      user: settings.user ?? decodeURIComponent(url!.username),
      pass: settings.password ?? decodeURIComponent(url!.password),
    },
    // Our logger reports what matters (unreachable, back, a failing message); imapflow's own
    // debug stream would log every IMAP line.
    logger: false,
    // Restarting IDLE now and then makes a silently dead connection show up as an error.
    maxIdleTime: settings.pollSeconds * 1000,
  };
}

export function createBounceMailbox(deps: BounceMailboxDeps): BounceMailbox {
  const { config, log } = deps;
  const reconnect = deps.reconnect ?? { firstMs: 1000, maxMs: 300_000 };
  const where = { mailbox: config.mailbox, host: imapClientOptions(config).host };
  const failing = new Set<string>();
  let stopping = false;
  let started = false;
  let live: ImapFlow | undefined;
  let outage = false;
  let draining: Promise<PollSummary> | undefined;
  let drainAgain = false;
  let timer: NodeJS.Timeout | undefined;
  let backoffMs = reconnect.firstMs;

  const reachable = (): void => {
    if (outage) log.info(where, 'the bounce mailbox is reachable again');
    outage = false;
  };
  /** Once per outage at warn, then at debug: a mailbox down for a day is one line, not one per poll. */
  const unreachable = (error: unknown): string => {
    const message = (error as Error).message ?? String(error);
    if (!outage) log.warn({ ...where, err: error }, 'the bounce mailbox cannot be read; retrying');
    else log.debug({ ...where, error: message }, 'the bounce mailbox is still unreachable');
    outage = true;
    return message;
  };

  const openClient = async (): Promise<ImapFlow> => {
    const client = new ImapFlow(imapClientOptions(config));
    // Without a listener an 'error' event would end the process.
    client.on('error', (error: unknown) => log.debug({ ...where, err: error }, 'bounce mailbox connection error'));
    await client.connect();
    return client;
  };

  const drain = (client: ImapFlow): Promise<DrainSummary> =>
    drainMailbox(client, {
      mailbox: config.mailbox,
      processedMailbox: config.processedMailbox,
      handle: deps.handle,
      log,
      failing,
      isStopping: () => stopping,
    });

  async function pollDetached(): Promise<PollSummary> {
    let client: ImapFlow | undefined;
    try {
      client = await openClient();
      const summary = await drain(client);
      reachable();
      return summary;
    } catch (error) {
      return { handled: 0, failed: 0, error: unreachable(error) };
    } finally {
      await client?.logout().catch(() => client?.close());
    }
  }

  async function pollLive(): Promise<PollSummary> {
    if (!live?.usable) return { handled: 0, failed: 0, error: 'not connected' };
    try {
      return await drain(live);
    } catch (error) {
      // The connection broke mid-drain: imapflow closes it and 'close' reconnects.
      return { handled: 0, failed: 0, error: unreachable(error) };
    }
  }

  /** One drain at a time; a request during a drain runs one more after it (new mail came in). */
  function pollOnce(): Promise<PollSummary> {
    if (draining) {
      drainAgain = true;
      return draining;
    }
    const run = (started ? pollLive() : pollDetached()).finally(() => {
      draining = undefined;
      if (drainAgain && started && !stopping) {
        drainAgain = false;
        void pollOnce();
      }
    });
    draining = run;
    return run;
  }

  async function connectLive(): Promise<void> {
    timer = undefined;
    if (stopping) return;
    let client: ImapFlow;
    try {
      client = await openClient();
    } catch (error) {
      unreachable(error);
      scheduleConnect();
      return;
    }
    if (stopping) return void (await client.logout().catch(() => client.close()));
    live = client;
    backoffMs = reconnect.firstMs;
    reachable();
    client.on('exists', () => void pollOnce());
    client.on('close', () => {
      if (live === client) live = undefined;
      if (!stopping) {
        unreachable(new Error('the IMAP server closed the connection'));
        scheduleConnect();
      }
    });
    // Draining selects the mailbox, after which imapflow IDLEs on it and reports new mail as 'exists'.
    void pollOnce();
  }

  function scheduleConnect(): void {
    if (stopping || timer) return;
    const delay = backoffMs;
    backoffMs = Math.min(backoffMs * 2, reconnect.maxMs);
    timer = setTimeout(() => void connectLive(), delay);
  }

  let pollTimer: NodeJS.Timeout | undefined;
  return {
    pollOnce,
    start() {
      if (started || stopping) return;
      started = true;
      void connectLive();
      // A safety net under IDLE: a server that forgets to notify, mail that came while reconnecting.
      pollTimer = setInterval(() => void pollOnce(), config.pollSeconds * 1000);
    },
    async stop() {
      stopping = true;
      clearInterval(pollTimer);
      clearTimeout(timer);
      await draining?.catch(() => undefined);
      const client = live;
      live = undefined;
      await client?.logout().catch(() => client.close());
    },
  };
}
