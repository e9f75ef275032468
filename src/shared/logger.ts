import pino, { type Logger } from 'pino';

export type { Logger } from 'pino';

export interface LoggerOptions {
  level: string;
  /** Where to write; defaults to stdout. Tests pass a stream to read what was logged. */
  destination?: NodeJS.WritableStream;
}

/** Structured JSON logs on stdout, one line each (what log shippers expect). */
export function createLogger(options: LoggerOptions): Logger {
  return pino(
    { level: options.level, base: { app: 'gazette' }, timestamp: pino.stdTimeFunctions.isoTime },
    (options.destination ?? process.stdout) as pino.DestinationStream,
  );
}
