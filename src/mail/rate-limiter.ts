/**
 * Spaces sends evenly (perSecond) and caps them per rolling hour (perHour). nodemailer's own
 * rateLimit releases messages in bursts at window boundaries, which is what providers
 * throttle; an even spacing is not. Per process: several instances each get the full rate.
 */
export interface RateLimiter {
  /** Resolves when one more message may go; rejects if `signal` aborts while waiting. */
  acquire(signal?: AbortSignal): Promise<void>;
}

export interface RateLimiterOptions {
  /** A monotonic time in milliseconds (by default performance.now()): tests pass their own. */
  now?: () => number;
}

export function createRateLimiter(
  limits: { perSecond: number | null; perHour: number | null },
  options: RateLimiterOptions = {},
): RateLimiter {
  const now = options.now ?? (() => performance.now());
  const spacingMs = limits.perSecond ? 1000 / limits.perSecond : 0;
  const perHour = limits.perHour;
  let nextSlot = 0;
  const hourWindow: number[] = [];

  const reserve = (): number => {
    const current = now();
    let at = Math.max(current, nextSlot);
    if (perHour) {
      while (hourWindow.length > 0 && hourWindow[0]! <= at - 3600_000) hourWindow.shift();
      if (hourWindow.length >= perHour) at = Math.max(at, hourWindow[hourWindow.length - perHour]! + 3600_000);
      hourWindow.push(at);
    }
    nextSlot = at + spacingMs;
    return at - current;
  };

  return {
    async acquire(signal) {
      if (!spacingMs && !perHour) return;
      const waitMs = reserve();
      if (waitMs <= 0) return;
      await new Promise<void>((resolve, reject) => {
        const onAbort = (): void => {
          clearTimeout(timer);
          // The wait ends as the aborter said: the delivery pass checks its own signal, not this reason.
          reject(signal?.reason instanceof Error ? signal.reason : new Error('rate limiter wait aborted'));
        };
        // The listener goes when the wait ends: one left behind per message would pile up on
        // the worker's long-lived signal (a leak of one closure per message sent).
        const timer = setTimeout(() => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        }, waitMs);
        signal?.addEventListener('abort', onAbort, { once: true });
      });
    },
  };
}
