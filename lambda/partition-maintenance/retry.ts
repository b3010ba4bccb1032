/** SQLSTATE of a statement that gave up waiting for a lock (lock_timeout). */
export const LOCK_NOT_AVAILABLE = '55P03';
/** SQLSTATE of a deadlock victim: as safe to retry as a lock timeout. */
export const DEADLOCK_DETECTED = '40P01';

export interface RetryPolicy {
  /** How long one statement may wait for a lock (`SET lock_timeout`). */
  readonly lockTimeoutMs: number;
  /** First pause after a lock timeout; doubles on each retry. */
  readonly initialBackoffMs: number;
  readonly maxBackoffMs: number;
  /** Total time one step may spend retrying before it gives up and reports an error. */
  readonly maxWaitMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  lockTimeoutMs: 200,
  initialBackoffMs: 100,
  maxBackoffMs: 2000,
  maxWaitMs: 120_000,
};

export class LockRetriesExhausted extends Error {
  constructor(step: string, attempts: number, waitedMs: number) {
    super(`${step}: gave up after ${attempts} lock timeouts in ${Math.round(waitedMs)} ms`);
    this.name = 'LockRetriesExhausted';
  }
}

export function isLockTimeout(error: unknown): boolean {
  const code = (error as { code?: string } | null)?.code;
  return code === LOCK_NOT_AVAILABLE || code === DEADLOCK_DETECTED;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs `attempt` until it succeeds, retrying with exponential backoff (and jitter) when it gave up
 * waiting for a lock. Every wait is bounded by lock_timeout, so nothing queues behind us for long;
 * the total is bounded by `maxWaitMs`. Other errors pass through at once.
 */
export async function withLockRetry<T>(step: string, policy: RetryPolicy, onRetry: () => void, attempt: () => Promise<T>): Promise<T> {
  const started = Date.now();
  let backoff = policy.initialBackoffMs;
  for (let attempts = 1; ; attempts++) {
    try {
      return await attempt();
    } catch (error) {
      if (!isLockTimeout(error)) throw error;
      const waited = Date.now() - started;
      if (waited + backoff > policy.maxWaitMs) throw new LockRetriesExhausted(step, attempts, waited);
      onRetry();
      await sleep(backoff / 2 + Math.random() * (backoff / 2));
      backoff = Math.min(backoff * 2, policy.maxBackoffMs);
    }
  }
}
