import {
  backoffMs,
  DEFAULT_POLICY,
  isRetryableError,
  isRetryableStatus,
  nextDelayMs,
  parseRetryAfter,
  scheduleFor,
} from '../../src/net/retry.js'

const policy = { ...DEFAULT_POLICY, attempts: 5, baseMs: 500, capMs: 4000 }

describe('retry policy', () => {
  it('retries 429 and 5xx only', () => {
    expect([429, 500, 502, 503, 504].every(isRetryableStatus)).toBe(true)
    expect([200, 400, 401, 403, 404, 409, 428, 430, 499].some(isRetryableStatus)).toBe(false)
  })

  it('retries network errors, never certificate, unsendable-request or parse failures', () => {
    const again = ['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE', 'HPE_INVALID_EOF_STATE', undefined]
    expect(again.every(isRetryableError)).toBe(true)
    const never = ['DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'CERT_HAS_EXPIRED']
    never.push('ERR_TLS_CERT_ALTNAME_INVALID', 'ERR_INVALID_CHAR', 'ERR_INVALID_URL', 'HPE_HEADER_OVERFLOW', 'HPE_INVALID_CONSTANT')
    expect(never.some(isRetryableError)).toBe(false)
  })

  // Every code Node (OpenSSL) gives a certificate it will not trust, and every request it will not send.
  it.each([
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
    'ERR_INVALID_CHAR',
    'ERR_INVALID_URL',
    'ERR_INVALID_HTTP_TOKEN',
    'ERR_HTTP_INVALID_HEADER_VALUE',
    'ERR_UNESCAPED_CHARACTERS',
  ])('does not retry %s', (code) => {
    expect(isRetryableError(code)).toBe(false)
  })

  it('after a 429 retries by the rate-limit schedule where the policy has one, else by its own', () => {
    const rateLimit = { attempts: 10, baseMs: 45_000, capMs: 120_000, deadlineMs: 300_000 }
    const own = { attempts: 5, baseMs: 500, capMs: 8_000, timeoutMs: 10_000, deadlineMs: 30_000 }
    expect(scheduleFor({ ...own, rateLimit }, true)).toEqual({ ...own, ...rateLimit, rateLimit })
    expect(scheduleFor({ ...own, rateLimit }, false)).toEqual({ ...own, rateLimit })
    expect(scheduleFor(own, true)).toEqual(own)
  })

  it('grows the backoff ceiling exponentially up to the cap (full jitter)', () => {
    const top = () => 0.999999
    expect([0, 1, 2, 3, 4, 10].map((r) => backoffMs(r, policy, top))).toEqual([499, 999, 1999, 3999, 3999, 3999])
    expect(backoffMs(3, policy, () => 0)).toBe(0)
    expect(backoffMs(1, policy, () => 0.5)).toBe(500)
  })

  it('reads Retry-After as seconds or an HTTP date', () => {
    const now = Date.parse('2026-11-27T12:00:00Z')
    expect(parseRetryAfter('3', now)).toBe(3000)
    expect(parseRetryAfter(' 0 ', now)).toBe(0)
    expect(parseRetryAfter(' 3 ', now)).toBe(3000)
    expect(parseRetryAfter('Fri, 27 Nov 2026 12:00:07 GMT', now)).toBe(7000)
    expect(parseRetryAfter('Fri, 27 Nov 2026 11:00:00 GMT', now)).toBe(0)
    expect(parseRetryAfter('soon', now)).toBeUndefined()
    // Seconds are digits only: a unit or a sign is not a number of seconds to wait.
    expect(parseRetryAfter('3s', now)).toBeUndefined()
    expect(parseRetryAfter('x3', now)).toBeUndefined()
    expect(parseRetryAfter('120', now)).toBe(120_000)
    expect(parseRetryAfter('', now)).toBeUndefined()
    expect(parseRetryAfter(undefined, now)).toBeUndefined()
  })

  it('waits at least Retry-After (plus jitter), stops after the last attempt, and never overruns the deadline', () => {
    const half = () => 0.5
    expect(nextDelayMs(0, undefined, 10_000, policy, half)).toBe(250)
    expect(nextDelayMs(0, 2000, 10_000, policy, half)).toBe(2250)
    expect(nextDelayMs(0, 2000, 10_000, policy, () => 0)).toBe(2000)
    expect(nextDelayMs(3, undefined, 10_000, policy, half)).toBe(2000)
    expect(nextDelayMs(4, undefined, 10_000, policy, half)).toBeUndefined()
    expect(nextDelayMs(0, 9_950, 10_000, policy, half)).toBeUndefined()
    // The next attempt needs 100 ms of the deadline after the wait: 250 + 100 fits in 351, not in 350.
    expect(nextDelayMs(0, undefined, 351, policy, half)).toBe(250)
    expect(nextDelayMs(0, undefined, 350, policy, half)).toBeUndefined()
  })
})
