import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * The request a piece of work runs for, carried through every await without being passed: the
 * logger stamps its id on every line written while a request is handled (in a route, a service,
 * a repository), so one request's lines can be found together.
 */
export interface RequestContext {
  readonly requestId: string;
}

const storage = new AsyncLocalStorage<RequestContext>();

export function runInRequest<T>(context: RequestContext, fn: () => T): T {
  return storage.run(context, fn);
}

export function currentRequest(): RequestContext | undefined {
  return storage.getStore();
}

/** A request id we accept from a client or proxy (X-Request-Id): 1–128 of [A-Za-z0-9._-], nothing that could forge a log field. */
export const REQUEST_ID_PATTERN = /^[A-Za-z0-9._-]{1,128}$/;
