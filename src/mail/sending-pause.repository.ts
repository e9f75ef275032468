import type { Db } from '../store/database.ts';
import { readSiteState, writeSiteState } from '../store/site-state.repository.ts';

/**
 * The last time the SMTP server stopped taking mail, kept in the store so that `gazette status`
 * (another process) and every instance's /healthz say so. Written by the delivery worker when it
 * pauses, cleared by the first message the server accepts again.
 */
export interface SendingPause {
  /** `refused`: a 5xx about the session, sender or policy; `deferred`: the same as 4xx; `unreachable`: no connection. */
  reason: 'refused' | 'deferred' | 'unreachable';
  /** The server's reply, as it gave it. */
  reply: string;
  since: string;
  /** When the worker tries one message again to see whether the server takes mail (it resumes by itself). */
  nextProbeAt: string;
}

const KEY = 'mail_sending_pause';

export async function readSendingPause(db: Db): Promise<SendingPause | null> {
  const value = await readSiteState(db, KEY);
  return value ? (JSON.parse(value) as SendingPause) : null;
}

export async function writeSendingPause(db: Db, pause: SendingPause | null): Promise<void> {
  await writeSiteState(db, KEY, pause ? JSON.stringify(pause) : '');
}
