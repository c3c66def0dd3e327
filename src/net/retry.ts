// Pure retry policy: which failures are worth another try, and how long to wait before it.

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  attempts: number
  /** Backoff base: the first retry waits up to this long. */
  baseMs: number
  /** No single backoff wait is longer than this. */
  capMs: number
  /** Per-attempt timeout: a request that stalls longer is abandoned. */
  timeoutMs: number
  /** Overall budget for all attempts and waits together. */
  deadlineMs: number
}

export const DEFAULT_POLICY: RetryPolicy = {
  attempts: 5,
  baseMs: 500,
  capMs: 8_000,
  timeoutMs: 10_000,
  deadlineMs: 30_000,
}

/** 429 and 5xx can succeed later; every other status (auth failures above all) cannot. */
export function isRetryableStatus(status: number): boolean {
  return status === 429 || status >= 500
}

/** "Full jitter" backoff: uniform in [0, min(cap, base * 2^retry)). `retry` counts from 0. */
export function backoffMs(retry: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.capMs, policy.baseMs * 2 ** retry)
  return Math.floor(random() * ceiling)
}

/** Retry-After as delta-seconds or an HTTP date, in ms from `now`; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | undefined, now: number = Date.now()): number | undefined {
  if (!value) return undefined
  const trimmed = value.trim()
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000
  const date = Date.parse(trimmed)
  if (Number.isNaN(date)) return undefined
  return Math.max(0, date - now)
}

/**
 * How long to wait before the next attempt, or undefined to stop. A server's Retry-After is the
 * least we wait; jitter goes on top so a matrix of jobs told the same thing does not return as
 * one herd. A wait that would overrun the deadline ends the retries instead.
 */
export function nextDelayMs(
  retry: number,
  retryAfterMs: number | undefined,
  remainingMs: number,
  policy: RetryPolicy,
  random: () => number = Math.random,
): number | undefined {
  if (retry + 1 >= policy.attempts) return undefined
  const delay = (retryAfterMs ?? 0) + backoffMs(retry, policy, random)
  // Leave at least a moment for the next attempt itself.
  return delay + 100 < remainingMs ? delay : undefined
}
