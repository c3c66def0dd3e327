// Pure: whether a failed `chainctl auth login` can succeed on another try, from what chainctl
// printed. chainctl exchanges the job's token at the STS over gRPC (chainguard.dev/sdk's sts), so
// its failures read `rpc error: code = <Code> desc = ...`; over HTTP/1 they read as the status
// (`429 Too Many Requests`); the network's as Go's errors (`connection reset by peer`, `EOF`).
export interface LoginFailure {
  retry: boolean
  /** A few words for the log: why it is retried, or that it is a refusal. */
  why: string
}

/** gRPC codes a later try can get past; every other code is an answer (PermissionDenied, Unauthenticated, ...). */
const RETRIED_CODES: Record<string, string> = {
  ResourceExhausted: 'rate limited',
  Unavailable: 'unavailable',
  DeadlineExceeded: 'timed out',
  Aborted: 'aborted',
  Unknown: 'unknown error',
  Internal: 'internal error',
}

/** Refusals in other words: the identity, the token or the job's permissions, which a retry does not change. */
const REFUSAL =
  /\b(?:400|401|403|404)\b|permission denied|no matching identit|unauthori[sz]ed|unauthenticated|forbidden|no OIDC token|ACTIONS_ID_TOKEN_REQUEST/i

const TRANSIENT: Array<[RegExp, string]> = [
  [/\b429\b|too many requests|rate.?limit/i, 'rate limited'],
  [/\b50[0234]\b|service unavailable|bad gateway/i, 'unavailable'],
  [/timeout|timed out|deadline exceeded|did not finish within/i, 'timed out'],
  [/connection reset|broken pipe|ECONNRESET/i, 'connection reset'],
  [/\bEOF\b/, 'connection closed early (EOF)'],
  [/connection refused|no such host|network is unreachable|temporary failure/i, 'network error'],
]

/** What to do about a login that printed `output` (its last line) and failed. When unsure, retry. */
export function classifyLoginFailure(output: string): LoginFailure {
  // Answers no retry changes that gRPC wraps in Unavailable: Go's TLS verification failures, a proxy wanting credentials.
  if (/\bx509: |tls: failed to verify certificate/.test(output)) return { retry: false, why: 'untrusted certificate' }
  if (/proxy authentication required/i.test(output)) return { retry: false, why: 'refused by the proxy (407)' }
  const code = /rpc error: code = (\w+)/.exec(output)?.[1]
  // grpc-go's Unknown for an HTTP status it has no code for: a 4xx (but 429) is an answer.
  const status = Number(/unexpected HTTP status code received from server: (\d{3})/.exec(output)?.[1])
  if (code === 'Unknown' && status >= 400 && status < 500 && status !== 429) return { retry: false, why: `refused (HTTP ${status})` }
  if (code) return code in RETRIED_CODES ? { retry: true, why: RETRIED_CODES[code] } : { retry: false, why: `refused (${code})` }
  const transient = TRANSIENT.find(([re]) => re.test(output))
  if (REFUSAL.test(output) && !/\b429\b|\b50[0234]\b/.test(output)) return { retry: false, why: 'refused' }
  return transient ? { retry: true, why: transient[1] } : { retry: true, why: 'unrecognized failure' }
}
