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
  /** The schedule once the server said it is rate limiting (429): in place of attempts, baseMs, capMs and deadlineMs. */
  rateLimit?: Pick<RetryPolicy, 'attempts' | 'baseMs' | 'capMs' | 'deadlineMs'>
}

/**
 * A 429 is a server turning load away, not a fault: the retries spread over a window as wide as a
 * matrix's backlog (test/bench/matrix.ts: 1000 jobs at 20 exchanges/s all log in; 256 jobs make
 * at most 1.5 attempts per exchange), where a fault's retries come back within seconds.
 */
export const DEFAULT_POLICY: RetryPolicy = {
  attempts: 5,
  baseMs: 500,
  capMs: 8_000,
  timeoutMs: 10_000,
  deadlineMs: 30_000,
  rateLimit: { attempts: 10, baseMs: 45_000, capMs: 120_000, deadlineMs: 300_000 },
}

/** chainctl's logins: each attempt one chainctl run of up to 30 s; the three logins share one deadline. */
export const LOGIN_POLICY: RetryPolicy = { ...DEFAULT_POLICY, timeoutMs: 30_000, deadlineMs: 60_000 }

/** The schedule to retry by: the policy's own, or its rate-limit schedule after a 429. */
export const scheduleFor = (policy: RetryPolicy, rateLimited: boolean): RetryPolicy =>
  rateLimited && policy.rateLimit ? { ...policy, ...policy.rateLimit } : policy

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

/** TLS verification failures: the certificate the server showed is not one to trust, now or on a retry. */
const UNTRUSTED = new Set([
  'CERT_CHAIN_TOO_LONG',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_REJECTED',
  'CERT_REVOKED',
  'CERT_SIGNATURE_FAILURE',
  'CERT_UNTRUSTED',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'HOSTNAME_MISMATCH',
  'INVALID_CA',
  'INVALID_PURPOSE',
  'PATH_LENGTH_EXCEEDED',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY',
  'UNABLE_TO_DECRYPT_CERT_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
])
/** Requests Node refuses to send (a control character in a header, a URL it cannot parse). */
const UNSENDABLE = new Set([
  'ERR_INVALID_CHAR',
  'ERR_INVALID_URL',
  'ERR_INVALID_HTTP_TOKEN',
  'ERR_HTTP_INVALID_HEADER_VALUE',
  'ERR_UNESCAPED_CHARACTERS',
])

/**
 * Whether a request that failed with this error code can succeed on another try: network errors
 * and timeouts can, an untrusted certificate, a request Node will not send or an answer its
 * parser rejects (HPE_*, but a connection cut mid-answer) cannot. Unknown codes are retried.
 */
export function isRetryableError(code: string | undefined): boolean {
  if (!code) return true
  if (UNTRUSTED.has(code) || UNSENDABLE.has(code)) return false
  return !code.startsWith('HPE_') || code === 'HPE_INVALID_EOF_STATE'
}
