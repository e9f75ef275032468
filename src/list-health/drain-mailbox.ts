import type { ImapFlow } from 'imapflow';
import type { Logger } from '../shared/logger.ts';

/** What the bounce mailbox knows of one message when it hands it over. */
export interface MailboxMessageMeta {
  uid: number;
  mailbox: string;
  messageId: string | null;
}

export type HandleMailboxMessage = (raw: Buffer, meta: MailboxMessageMeta) => Promise<void>;

/** The keyword a handled message gets when it cannot be moved out of the mailbox. */
export const PROCESSED_KEYWORD = '$GazetteProcessed';

export interface DrainOptions {
  mailbox: string;
  /** null: handled messages stay, flagged \Seen and PROCESSED_KEYWORD. */
  processedMailbox: string | null;
  handle: HandleMailboxMessage;
  log: Logger;
  /** Messages whose handler failed, logged once each (kept by the caller across drains). */
  failing: Set<string>;
  /** Stops taking new messages (the poller is stopping). */
  isStopping(): boolean;
}

export interface DrainSummary {
  handled: number;
  failed: number;
}

/**
 * Hands every unseen message of the mailbox to `handle`, one at a time, then moves it to the
 * processed mailbox (or flags it when it cannot be moved). The server's state is the only record:
 * a handled message leaves the unseen set, a failed one stays in it and is tried again by the
 * next drain. Nothing is kept by UID, so a UIDVALIDITY change cannot make a message skipped or
 * read twice; a crash between `handle` and the move hands it over again, which the handler's
 * idempotency (one application per report id) absorbs.
 */
export async function drainMailbox(client: ImapFlow, options: DrainOptions): Promise<DrainSummary> {
  const { mailbox, log } = options;
  const summary: DrainSummary = { handled: 0, failed: 0 };
  let moveTo = options.processedMailbox;
  if (moveTo !== null && !(await ensureMailbox(client, moveTo, log))) moveTo = null;
  const lock = await client.getMailboxLock(mailbox);
  try {
    const uidValidity = String(client.mailbox ? client.mailbox.uidValidity : '');
    const uids = (await client.search({ seen: false }, { uid: true })) || [];
    for (const uid of uids) {
      if (options.isStopping()) break;
      // One message at a time, each with its own FETCH: imapflow must not run other commands
      // (the move) while a multi-message fetch iterator is open. BODY.PEEK leaves \Seen alone.
      const message = await client.fetchOne(String(uid), { uid: true, envelope: true, source: true }, { uid: true });
      // Gone since the search: another reader moved it.
      if (!message || !message.source) continue;
      const key = `${uidValidity}:${uid}`;
      const meta: MailboxMessageMeta = { uid, mailbox, messageId: message.envelope?.messageId ?? null };
      try {
        await options.handle(message.source, meta);
      } catch (error) {
        summary.failed += 1;
        if (!options.failing.has(key)) {
          options.failing.add(key);
          log.warn({ err: error, ...meta }, 'a bounce mailbox message could not be handled; it stays unseen and is retried at each poll');
        }
        continue;
      }
      options.failing.delete(key);
      await markProcessed(client, uid, moveTo, log);
      summary.handled += 1;
    }
  } finally {
    lock.release();
  }
  return summary;
}

async function markProcessed(client: ImapFlow, uid: number, moveTo: string | null, log: Logger): Promise<void> {
  if (moveTo !== null) {
    if (await client.messageMove(String(uid), moveTo, { uid: true })) return;
    log.warn({ uid, mailbox: moveTo }, 'could not move a handled bounce message; it is flagged instead');
  }
  // \Seen takes it out of the next search; the keyword says why, for an operator looking at the box.
  await client.messageFlagsAdd(String(uid), ['\\Seen', PROCESSED_KEYWORD], { uid: true });
}

/** True when the mailbox exists or was created; false (logged) when the server refuses it. */
async function ensureMailbox(client: ImapFlow, path: string, log: Logger): Promise<boolean> {
  const existing = await client.list();
  if (existing.some((m) => m.path === path)) return true;
  try {
    await client.mailboxCreate(path);
    return true;
  } catch (error) {
    // Another instance may have created it in between.
    if ((await client.list()).some((m) => m.path === path)) return true;
    log.warn({ err: error, mailbox: path }, 'could not create the processed mailbox; handled messages are flagged instead of moved');
    return false;
  }
}
