import { inspect } from 'node:util';

/**
 * Errors a user or operator can cause. Each has a stable code (tests and clients match on it)
 * and a message a person can act on. No HTTP status here: http/error-status.ts maps codes.
 */
export type ErrorCode =
  // requests
  | 'BadRequest'
  | 'ValidationFailed'
  | 'UnknownField'
  | 'PayloadTooLarge'
  | 'UnsupportedMediaType'
  | 'NotFound'
  | 'Gone'
  | 'MethodNotAllowed'
  | 'RateLimited'
  | 'Unauthorized'
  | 'Forbidden'
  | 'AdminApiDisabled'
  | 'Conflict'
  // subscriptions
  | 'InvalidEmail'
  | 'InvalidToken'
  | 'TokenExpired'
  | 'TokenUsed'
  | 'SubscriberNotFound'
  // digests and delivery
  | 'EditionNotFound'
  | 'NothingToSend'
  | 'MailTransportFailed'
  // list health
  | 'WebhookRejected'
  // operators
  | 'InvalidArgument'
  | 'SeedDirectoryMissing'
  | 'DataDirUnusable'
  | 'PortInUse'
  // backups and upgrades
  | 'MigrationsPending'
  | 'DatabaseTooNew'
  | 'InvalidBackup'
  | 'DatabaseInUse'
  | 'FileExists'
  | 'NotSupported'
  // the store
  | 'DatabaseBusy'
  | 'DatabaseUnavailable'
  | 'StorageFull';

export class GazetteError extends Error {
  readonly code: ErrorCode;
  readonly details: Readonly<Record<string, unknown>> | undefined;
  constructor(code: ErrorCode, message: string, details?: Record<string, unknown>, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'GazetteError';
    this.code = code;
    this.details = details;
  }
}

export function isGazetteError(error: unknown): error is GazetteError {
  return error instanceof GazetteError;
}

/** The text of anything thrown: an Error's message, a string as it is, anything else inspected (never "[object Object]"). */
export function messageOf(thrown: unknown): string {
  if (thrown instanceof Error) return thrown.message;
  return typeof thrown === 'string' ? thrown : inspect(thrown, { breakLength: Infinity });
}
