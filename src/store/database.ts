import type { Generated, Kysely, Transaction } from 'kysely';
import type { Frequency } from '../shared/frequency.ts';

/**
 * Table types for the whole store. Timestamps are ISO 8601 UTC strings
 * ("2025-09-03T23:00:00.000Z"): they sort as text and read the same on SQLite and PostgreSQL.
 * Each capability adds its tables through a numbered migration and an interface here.
 */
export interface ArticlesTable {
  id: string;
  slug: string;
  title: string;
  summary: string;
  /** Paragraphs joined by a blank line ("\n\n"); each paragraph is one line of plain text. */
  body: string;
  source_file: string;
  content_hash: string;
  published_at: string;
  created_at: string;
  /** Set when the text changes after the first ingest; null for an article never edited. */
  updated_at: string | null;
  /** Set when the seed file disappears: the article then answers 410 Gone. */
  deleted_at: string | null;
  /** Its place in the feed (migration 051): given when it becomes visible, again when edited or restored. */
  feed_seq: number | null;
}

/** Per served feed path: the bytes' hash and Last-Modified, shared by instances; a frozen archive page's bytes. */
export interface FeedDocumentsTable {
  path: string;
  hash: string;
  last_modified: string;
  /** Set once an archive page is served as immutable: these bytes are served for it from then on. */
  body: string | null;
}

export interface SeedFilesTable {
  /** Path relative to the seeds directory, with forward slashes. */
  path: string;
  /** size and mtime: an unchanged fingerprint means the file is not read again. */
  fingerprint: string;
  content_hash: string;
  slug: string | null;
  /** JSON array of ArticleProblem; "[]" when the file published. */
  problems: string;
  checked_at: string;
}

export interface SiteStateTable {
  key: string;
  value: string;
}

export interface SubscribersTable {
  id: string;
  /** As given, trimmed, with the domain lower-cased. */
  email: string;
  /** Unique key: the address with its domain lower-cased (local parts are case-sensitive by RFC 5321). */
  email_key: string;
  name: string | null;
  frequency: Frequency;
  status: 'pending' | 'confirmed' | 'unsubscribed' | 'bounced';
  created_at: string;
  updated_at: string;
  confirmed_at: string | null;
  unsubscribed_at: string | null;
  bounced_at: string | null;
  consent_at: string | null;
  consent_ip: string | null;
  consent_user_agent: string | null;
  consent_source: string | null;
  consent_text: string | null;
}

export interface SchedulerJobsTable {
  name: string;
  lease_holder: string | null;
  lease_expires_at: string | null;
  last_started_at: string | null;
  last_finished_at: string | null;
  last_status: 'ok' | 'failed' | null;
  last_error: string | null;
  /** JSON: what the last run did (counts), for status pages. */
  last_summary: string | null;
  next_run_at: string | null;
}

export type DeliveryStatus = 'queued' | 'sending' | 'sent' | 'failed' | 'bounced' | 'skipped';

export interface EditionsTable {
  id: string;
  frequency: Frequency;
  /** Digests: the end of the period (ISO); instant editions: the article id. Unique per frequency. */
  period_key: string;
  period_start: string;
  period_end: string;
  created_at: string;
}

export interface EditionArticlesTable {
  edition_id: string;
  article_id: string;
  /** Copied from the edition so that (frequency, article_id) can be unique. */
  frequency: Frequency;
  position: number;
}

/** The outbox: one row per message, edition or transactional. */
export interface DeliveriesTable {
  id: string;
  edition_id: string | null;
  subscriber_id: string;
  kind: 'edition' | 'confirmation' | 'welcome' | 'manage';
  /** JSON object of template values for transactional mail; null for editions. */
  params: string | null;
  status: DeliveryStatus;
  attempts: Generated<number>;
  due_at: string | null;
  lease_token: string | null;
  last_reply: string | null;
  created_at: string;
  updated_at: string;
  sent_at: string | null;
}

/** A confirmation mail's request: applied to the subscriber only when the link is confirmed. */
export interface SubscriptionConfirmationsTable {
  id: string;
  subscriber_id: string;
  name: string | null;
  frequency: Frequency;
  consent_ip: string | null;
  consent_user_agent: string | null;
  consent_source: string;
  consent_text: string;
  created_at: string;
  expires_at: string;
  /** Set when confirmed, or when a later confirmation or an unsubscribe made this one void. */
  used_at: string | null;
}

/** Fixed-window request counters (rate limits), shared by every instance on the database. */
export interface RateLimitCountersTable {
  key: string;
  window_start: string;
  hits: number;
}

/** A form stamp or solved proof already used for a sign-up (migration 056). */
export interface FormStampsTable {
  stamp: string;
  expires_at: string;
}

/** Sign-ups refused as bots, counted per UTC day and reason (migration 056). */
export interface SignupRefusalsTable {
  day: string;
  reason: string;
  hits: number;
}

/** A bounce or a restore of a subscriber: who, when, why, and the server's reply (migration 053). */
export interface SubscriberEventsTable {
  id: string;
  subscriber_id: string;
  edition_id: string | null;
  /** 'complained', 'soft-bounced' and 'unsubscribed' (a report asked for it) come from delivery reports (migration 054). */
  /** 'status-changed': an operator moved the status (admin API, CLI, console); reason says from what to what. */
  kind: 'bounced' | 'restored' | 'complained' | 'soft-bounced' | 'unsubscribed' | 'status-changed';
  reply: string | null;
  actor: string | null;
  reason: string | null;
  created_at: string;
}

/** An edition stopped by the bounce circuit breaker, until an operator resumes it. */
export interface EditionPausesTable {
  edition_id: string;
  paused_at: string;
  reason: string;
  resumed_at: string | null;
}

/** Webhook signatures already seen (a Mailgun token): a second delivery of one is a replay. Rows expire. */
export interface WebhookReplayTokensTable {
  source: string;
  token: string;
  expires_at: string;
}

/**
 * Addresses that must not be signed up or imported again (migration 055). Keyed by a keyed hash
 * of the normalised address: the address itself is never stored.
 */
export interface SuppressionsTable {
  /** HMAC-SHA256 (hex) with the site secret of the normalised address (LinkSigner.keyedHash). */
  address_hash: string;
  reason: 'deleted-by-subscriber' | 'deleted-by-admin' | 'complaint' | 'operator';
  /** What suppressed it, in a few words ("self-service", "admin-api", "cli", a feedback loop). */
  source: string;
  created_at: string;
  /** Set when an operator lifted it: the row then suppresses nothing and says who and when. */
  lifted_at: string | null;
  lifted_by: string | null;
}

export interface Database {
  articles: ArticlesTable;
  seed_files: SeedFilesTable;
  site_state: SiteStateTable;
  feed_documents: FeedDocumentsTable;
  subscribers: SubscribersTable;
  scheduler_jobs: SchedulerJobsTable;
  editions: EditionsTable;
  edition_articles: EditionArticlesTable;
  deliveries: DeliveriesTable;
  subscription_confirmations: SubscriptionConfirmationsTable;
  rate_limit_counters: RateLimitCountersTable;
  subscriber_events: SubscriberEventsTable;
  edition_pauses: EditionPausesTable;
  webhook_replay_tokens: WebhookReplayTokensTable;
  suppressions: SuppressionsTable;
  form_stamps: FormStampsTable;
  signup_refusals: SignupRefusalsTable;
  delivery_reports: DeliveryReportsTable;
  admin_users: AdminUsersTable;
  admin_sessions: AdminSessionsTable;
  admin_audit_log: AdminAuditLogTable;
}

/** Each asynchronous delivery report seen, applied once (migration 054). */
export interface DeliveryReportsTable {
  report_id: string;
  delivery_id: string | null;
  subscriber_id: string | null;
  edition_id: string | null;
  /** A report's kind, or a soft-bounce reset: 'accepted' (an SMTP server took a later delivery), 'reset' (an operator's restore). */
  kind: 'hard-bounce' | 'soft-bounce' | 'complaint' | 'delivered' | 'unsubscribe-request' | 'accepted' | 'reset';
  status: string | null;
  diagnostic: string | null;
  source: string;
  received_at: string;
}

/** A person who signs in to the operator console (migration 070). */
export interface AdminUsersTable {
  id: string;
  /** Lower-cased. */
  email: string;
  /** `scrypt$<log2 N>$<r>$<p>$<salt>$<hash>` (admin/password-hash.ts). */
  password_hash: string;
  created_at: string;
  password_changed_at: string;
  last_sign_in_at: string | null;
}

/** A console session (migration 071); the cookie's token is stored only as its SHA-256. */
export interface AdminSessionsTable {
  token_hash: string;
  user_id: string;
  csrf_token: string;
  created_at: string;
  last_seen_at: string;
  /** The absolute end, whatever the activity. */
  expires_at: string;
  client: string | null;
  user_agent: string | null;
}

/** One change an operator made from the console (migration 072). */
export interface AdminAuditLogTable {
  id: string;
  at: string;
  actor: string;
  client: string | null;
  /** What was done, such as "subscriber.change" or "edition.resend-failed". */
  action: string;
  /** What it was done to: "subscriber", "edition", "articles", "digest". */
  target_kind: string;
  target_id: string | null;
  /** JSON, or null when there was nothing before (or after). */
  before: string | null;
  after: string | null;
}

/** A handle for queries: the database itself or a transaction, interchangeably. */
export type Db = Kysely<Database> | Transaction<Database>;

// Generated is re-exported for capabilities that add tables with database-made columns.
export type { Generated };
