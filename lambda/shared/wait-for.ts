/** Waits for `condition`, polling; throws with `what` when `timeoutMs` passes. */
export async function waitFor(
  what: string,
  condition: () => Promise<boolean>,
  options: { timeoutMs: number; intervalMs: number; sleep?: (ms: number) => Promise<void> },
): Promise<void> {
  const sleep = options.sleep ?? ((ms: number) => new Promise((resolve) => setTimeout(resolve, ms)));
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    if (await condition()) return;
    if (Date.now() >= deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(options.intervalMs);
  }
}
