import type { ErrorCode } from '../shared/errors.ts';

/** The one place where error codes meet HTTP statuses. */
export const statusByCode: Record<ErrorCode, number> = {
  BadRequest: 400,
  ValidationFailed: 400,
  UnknownField: 400,
  InvalidEmail: 400,
  InvalidToken: 400,
  InvalidArgument: 400,
  Unauthorized: 401,
  AdminApiDisabled: 404,
  NotFound: 404,
  SubscriberNotFound: 404,
  EditionNotFound: 404,
  MethodNotAllowed: 405,
  Conflict: 409,
  NothingToSend: 409,
  Gone: 410,
  TokenExpired: 410,
  TokenUsed: 410,
  PayloadTooLarge: 413,
  UnsupportedMediaType: 415,
  RateLimited: 429,
  MailTransportFailed: 503,
  SeedDirectoryMissing: 503,
};
