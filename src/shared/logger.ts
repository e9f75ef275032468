import pino, { type Logger } from 'pino';
import { createMasker } from './mask-sensitive.ts';
import { currentRequest } from './request-context.ts';

export type { Logger } from 'pino';

export interface LoggerOptions {
  level: string;
  /** Where to write; defaults to stdout. Tests pass a stream to read what was logged. */
  destination?: NodeJS.WritableStream;
  /** Values masked wherever they appear in a line (the admin token, the link secret, passwords): see config/secret-values.ts. */
  secrets?: readonly (string | null | undefined)[];
}

/**
 * Fields that hold credentials, censored by pino before serialisation. Everything else still
 * passes the masker (shared/mask-sensitive.ts) on its way out, which catches what no path names:
 * an address or a signed link quoted in a message or an error.
 */
const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'res.headers["set-cookie"]',
  '*.token',
  '*.password',
  '*.secret',
  '*.signingKey',
  '*.privateKey',
  'token',
  'password',
  'secret',
];

/**
 * Structured JSON logs on stdout, one line each (what log shippers expect). A line written while
 * an HTTP request is handled carries that request's id (`reqId`), whoever wrote it.
 */
export function createLogger(options: LoggerOptions): Logger {
  const mask = createMasker(options.secrets ?? []);
  const out = options.destination ?? process.stdout;
  // pino writes each line with one write() call: the masker sees whole lines.
  const destination: pino.DestinationStream = { write: (line: string) => void out.write(mask(line)) };
  return pino(
    {
      level: options.level,
      base: { app: 'gazette' },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      mixin: () => {
        const request = currentRequest();
        return request ? { reqId: request.requestId } : {};
      },
    },
    destination,
  );
}
