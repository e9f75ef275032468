import { z } from 'zod';
import { cronExpressionProblem } from '../shared/cron-schedule.ts';
import { FREQUENCIES } from '../shared/frequency.ts';
import { trustProxyProblem } from './trust-proxy.ts';

/** Every setting Gazette has. Defaults live in config/default.json; this schema says what is valid. */

const cronExpression = z
  .string()
  .refine(
    (v) => cronExpressionProblem(v) === undefined,
    'a cron expression such as "*/5 * * * *" (five fields, or six with seconds first)',
  );
const nullableString = z.string().min(1).nullable();

function isIanaTimezone(value: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

function isRegExp(value: string): boolean {
  try {
    new RegExp(value);
    return true;
  } catch {
    return false;
  }
}

const absoluteHttpUrl = z
  .string()
  .url('an absolute http(s) URL such as "https://news.example.com"')
  .refine((u) => /^https?:\/\//.test(u), 'an absolute http(s) URL such as "https://news.example.com"')
  .transform((u) => u.replace(/\/+$/, ''));

// Re-exported while importers move to src/shared/frequency.ts, where the noun is defined.

export const configSchema = z
  .object({
    site: z
      .object({
        title: z.string().min(1),
        description: z.string(),
        language: z.string().regex(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, 'a BCP 47 language tag such as "en" or "en-GB"'),
        baseUrl: absoluteHttpUrl,
        timezone: z.string().refine(isIanaTimezone, 'an IANA timezone such as "Europe/London"'),
        author: z.object({ name: z.string().min(1), email: z.string().email().nullable() }).strict(),
        postalAddress: z.string().min(1, 'a postal address (required in every email footer)'),
        copyright: nullableString,
      })
      .strict(),
    server: z
      .object({
        host: z.string().min(1),
        port: z.coerce.number().int().min(0).max(65535),
        trustProxy: z.union([
          z.boolean(),
          z.number().int().min(0),
          z.string().superRefine((v, ctx) => {
            const problem = trustProxyProblem(v);
            if (problem) ctx.addIssue({ code: 'custom', message: problem });
          }),
        ]),
        shutdownTimeoutMs: z.number().int().min(100),
        /** After SIGTERM, /readyz answers 503 this long before the listener closes (a load balancer's time to notice); taken from shutdownTimeoutMs. */
        drainDelayMs: z.number().int().min(0),
      })
      .strict(),
    paths: z.object({ dataDir: z.string().min(1), seedsDir: z.string().min(1), templatesDir: z.string().min(1) }).strict(),
    database: z
      .object({
        url: z
          .string()
          .regex(/^(postgres(ql)?:\/\/|sqlite:)/, 'a "postgres://…" URL, a "sqlite:<path>" URL, or null for the default SQLite file')
          .nullable(),
        /** Apply pending migrations when a command opens the store (serve, status, …). false: a deployment step runs `gazette migrate up`, and they refuse to start while any is pending. */
        migrateOnStart: z.boolean(),
      })
      .strict(),
    feeds: z
      .object({
        size: z.number().int().min(1).max(1000),
        archivePageSize: z.number().int().min(5).max(1000),
        maxAgeSeconds: z.number().int().min(60).max(86400),
        // Kept exactly as written: a hub URL may end in a slash that matters.
        websubHub: z
          .string()
          .url()
          .refine((u) => /^https?:\/\//.test(u), 'an absolute http(s) URL')
          .nullable(),
      })
      .strict(),
    ingest: z
      .object({
        /**
         * A seed file modified less than this long ago may still be being written (a slow copy,
         * an upload that stalls): the scan leaves it for a later scan. 0 reads every file at once.
         */
        quietPeriodSeconds: z.number().min(0).max(3600),
      })
      .strict(),
    pages: z.object({ pageSize: z.number().int().min(1).max(200) }).strict(),
    mail: z
      .object({
        smtpUrl: z
          .string()
          .regex(/^smtps?:\/\//, 'an "smtp://host:port" or "smtps://…" URL')
          .nullable(),
        from: z.string().min(3),
        replyTo: nullableString,
        listId: nullableString,
        unsubscribeMailto: z.string().email().nullable(),
        feedbackId: nullableString,
        dkim: z
          .object({ domainName: z.string().min(1), keySelector: z.string().min(1), privateKey: z.string().min(1) })
          .strict()
          .nullable(),
        maxConnections: z.number().int().min(1).max(50),
        rateLimit: z.object({ perSecond: z.number().positive().nullable(), perHour: z.number().positive().nullable() }).strict(),
        maxAttempts: z.number().int().min(1).max(50),
        retryBaseSeconds: z.number().min(0),
        leaseSeconds: z.number().int().min(5),
        maxHtmlBytes: z.number().int().min(10_000),
        /** Stops an edition when this share of its recipients (and at least minBounces) hard-bounce within windowMinutes. */
        bounceBreaker: z
          .object({ share: z.number().gt(0).max(1), minBounces: z.number().int().min(1), windowMinutes: z.number().positive() })
          .strict(),
        /** Envelope senders become signed VERP addresses at this domain (its mail reaches the bounce mailbox). null: the From address, as before. */
        bounceDomain: nullableString,
        /** The VERP local part before "+"; null: mail.from's local part. Short, so the whole local part stays within 64 octets. */
        bounceLocalPart: z
          .string()
          .regex(/^[A-Za-z0-9_-]+$/, 'letters, digits, "_" or "-"')
          .nullable(),
        /** A subscriber becomes bounced after `limit` soft bounces spread over at least `editions` distinct editions, with no delivery in between. */
        softBounces: z.object({ limit: z.number().int().min(1), editions: z.number().int().min(1) }).strict(),
        /** Stops an edition when complaints reach this share of its recipients (and at least minComplaints). */
        complaintBreaker: z.object({ share: z.number().gt(0).max(1), minComplaints: z.number().int().min(1) }).strict(),
      })
      .strict(),
    subscriptions: z
      .object({
        defaultFrequency: z.enum(FREQUENCIES),
        confirmationTtlHours: z.number().min(1),
        confirmationResendMinutes: z.number().min(0),
        maxSubscribesPerIpPerHour: z.number().int().min(1),
        /** POST /manage from one client address per clock hour; over it, 429 (it reveals nothing about any address). */
        maxManageRequestsPerIpPerHour: z.number().int().min(1),
        /** POST /manage for one address per UTC day; over it, the same 202 and no mail (silent, like subscribe's resend window). */
        maxManageRequestsPerAddressPerDay: z.number().int().min(1),
        consentText: z.string().min(1),
        /** A sign-up never confirmed is deleted (with its IP and user agent) this long after its last confirmation link expired. */
        unconfirmedGraceHours: z.number().min(0),
        /** A form posted sooner than this after it was served is a bot's (the same answer, nothing created). */
        minFormSeconds: z.number().min(0),
        /** A form stamp older than this is refused (the page was left open too long, or the stamp was harvested). */
        formStampMaxAgeHours: z.number().min(1),
        /** `POST /subscribe` with JSON: 'open' (no stamp needed), 'stamped' (the stamp from `GET /subscribe` is required, as for forms) or 'off' (forms only). */
        jsonApi: z.enum(['open', 'stamped', 'off']),
        /** Refuse addresses at disposable-mail domains (a maintained list; the same answer, nothing created). */
        refuseDisposable: z.boolean(),
        /** ALTCHA proof of work on the subscribe page, self-hosted; the page then runs our own script. */
        proofOfWork: z.object({ enabled: z.boolean(), complexity: z.number().int().min(1000).max(10_000_000) }).strict(),
      })
      .strict(),
    admin: z
      .object({
        token: z.string().min(16, 'at least 16 characters').nullable(),
        /** A console session ends after this long without a request. */
        sessionIdleMinutes: z.number().int().min(1).max(1440),
        /** A console session ends this long after sign-in, however active. */
        sessionMaxHours: z.number().min(1).max(720),
      })
      .strict(),
    /** Signs the links in mail (confirm, unsubscribe, preferences). null: a key generated once into <dataDir>/secret.key. Several instances must share one. */
    secret: z.string().min(32, 'at least 32 characters').nullable(),
    scheduler: z
      .object({
        enabled: z.boolean(),
        scan: cronExpression,
        embargo: cronExpression,
        instant: cronExpression,
        daily: cronExpression,
        weekly: cronExpression,
        /** Runs on every instance: re-renders this instance's feeds when another instance changed the articles. */
        feeds: cronExpression,
        /** Deletes sign-ups never confirmed once their links expired plus subscriptions.unconfirmedGraceHours. */
        purge: cronExpression,
      })
      .strict(),
    log: z.object({ level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']) }).strict(),
    /** Prometheus metrics on a listener of their own (never the public one); off while listen is null. */
    metrics: z
      .object({
        /** "host:port" of the metrics listener, such as "127.0.0.1:9464"; null: no metrics. */
        listen: z
          .string()
          .regex(/^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):\d{1,5}$/, 'a "host:port" such as "127.0.0.1:9464"')
          .nullable(),
        /** When set, a scrape must send `Authorization: Bearer <token>`. */
        token: z.string().min(16, 'at least 16 characters').nullable(),
        /** The gauges read from the store (outbox, subscribers) are read again at most this often. */
        refreshSeconds: z.number().min(1).max(3600),
      })
      .strict(),
    /** Reports of bounces and complaints that arrive after the send. */
    bounces: z
      .object({
        /** The mailbox bounces and complaints arrive in, read over IMAP by the `bounces` job. null: no mailbox is read. */
        imap: z
          .object({
            /** imap://user:password@host:port or imaps://…; the separate fields below override its parts. */
            url: z
              .string()
              .regex(/^imaps?:\/\/[^/]+/, 'an "imap://user:password@host:port" or "imaps://…" URL')
              .optional(),
            host: z.string().min(1).optional(),
            port: z.number().int().min(1).max(65535).optional(),
            /** TLS from the first byte (port 993); false: plain IMAP upgraded with STARTTLS when the server offers it. */
            secure: z.boolean().optional(),
            user: z.string().min(1).optional(),
            password: z.string().min(1).optional(),
            mailbox: z.string().min(1).default('INBOX'),
            /** Where a handled message is moved (created if missing). null: it stays, flagged \\Seen and $GazetteProcessed. */
            processedMailbox: z.string().min(1).nullable().default('Processed'),
            pollSeconds: z.number().int().min(5).max(3600).default(60),
          })
          .strict()
          .superRefine((imap, ctx) => {
            const url = imap.url !== undefined && URL.canParse(imap.url) ? new URL(imap.url) : undefined;
            if (imap.url !== undefined && !url) ctx.addIssue({ code: 'custom', path: ['url'], message: 'a valid URL' });
            if (!(imap.host ?? url?.hostname)) ctx.addIssue({ code: 'custom', path: ['host'], message: 'a "host" (or a "url")' });
            if (!(imap.user ?? url?.username)) ctx.addIssue({ code: 'custom', path: ['user'], message: 'a "user" (or one in the url)' });
            if (!(imap.password ?? url?.password))
              ctx.addIssue({ code: 'custom', path: ['password'], message: 'a "password" (or one in the url)' });
          })
          .nullable(),
        /** Provider webhooks (README "Bounce and complaint webhooks"); a provider left null or disabled has no route. */
        webhooks: z
          .object({
            ses: z
              .object({
                enabled: z.boolean(),
                /** Only notifications and subscriptions of this SNS topic are accepted; null accepts any topic (not advised). */
                topicArn: z
                  .string()
                  .regex(/^arn:[^:]+:sns:/, 'an SNS topic ARN such as "arn:aws:sns:eu-west-1:123456789012:gazette"')
                  .nullable(),
                /** Which hosts (host[:port] of the URL) may serve SNS signing certificates and subscription links. */
                certHostPattern: z.string().refine(isRegExp, 'a regular expression such as "^sns\\.[a-z0-9-]+\\.amazonaws\\.com$"'),
                /** PEM certificates trusted for fetching those instead of Node's roots: for tests or a TLS-intercepting proxy. */
                caCertificates: nullableString,
              })
              .strict(),
            postmark: z
              .object({ user: z.string().min(1), password: z.string().min(16, 'at least 16 characters') })
              .strict()
              .nullable(),
            mailgun: z
              .object({ signingKey: z.string().min(16, 'at least 16 characters') })
              .strict()
              .nullable(),
          })
          .strict(),
      })
      .strict(),
  })
  .strict()
  .superRefine((config, ctx) => {
    // A generated secret lives in one instance's data directory: the links another instance
    // mailed would not verify. PostgreSQL is how several instances share a list, so require it there.
    if (config.secret === null && /^postgres(ql)?:\/\//.test(config.database.url ?? '')) {
      ctx.addIssue({
        code: 'custom',
        path: ['secret'],
        message:
          'a shared secret when database.url is PostgreSQL: every instance must sign links with the same key. Set GAZETTE_SECRET (at least 32 characters, e.g. `openssl rand -base64 32`) on every instance',
      });
    }
    // VERP packs an edition's delivery id and its MAC into 57 of the local part's 64 octets (mail/verp.ts).
    const bounceLocal = config.mail.bounceLocalPart ?? /([^<\s@]+)@[^@]*$/.exec(config.mail.from)?.[1] ?? '';
    if (config.mail.bounceDomain !== null && bounceLocal.length > MAX_BOUNCE_LOCAL_PART) {
      ctx.addIssue({
        code: 'custom',
        path: ['mail', 'bounceLocalPart'],
        message: `at most ${MAX_BOUNCE_LOCAL_PART} characters (such as "bounces") when mail.bounceDomain is set: "${bounceLocal}" would make VERP addresses longer than RFC 5321 allows`,
      });
    }
  });

/** The longest VERP local part before the "+" (mail/verp.ts checks the same bound). */
export const MAX_BOUNCE_LOCAL_PART = 7;

export type ConfigInput = z.input<typeof configSchema>;
type DeepReadonly<T> = T extends (infer U)[]
  ? readonly DeepReadonly<U>[]
  : T extends object
    ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
    : T;
export type Config = DeepReadonly<z.output<typeof configSchema>>;
