/**
 * Waiting in tests is on the event itself (a row state, a message count, a log line), never on a
 * fixed sleep, and the ceiling is only there so that a hung run fails instead of stalling the
 * suite: it is generous, and a test that needs it to be short is measuring speed (that belongs
 * in bench/).
 */
export const EVENT_CEILING_MS = 120_000;

/**
 * Polls `check` until it returns something other than undefined or false, and returns that.
 * Rejects after `ceilingMs`, saying what it waited for.
 */
export async function waitUntil<T>(
  check: () => Promise<T | undefined | false> | T | undefined | false,
  what: string,
  options: { ceilingMs?: number; pollMs?: number } = {},
): Promise<T> {
  const ceilingMs = options.ceilingMs ?? EVENT_CEILING_MS;
  const deadline = Date.now() + ceilingMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${ceilingMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, options.pollMs ?? 100));
  }
}
