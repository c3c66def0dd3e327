// Turns what the Chainguard STS says on failure into one clear line, and explains auth refusals.
import type { Claims } from './jwt.js'
import { jsonObject } from '../net/http.js'
import { oneLine } from '../util/text.js'

// grpc-gateway maps gRPC codes to HTTP statuses; these are the ones the STS uses.
const GRPC_CODES: Record<number, string> = {
  3: 'InvalidArgument',
  4: 'DeadlineExceeded',
  5: 'NotFound',
  7: 'PermissionDenied',
  8: 'ResourceExhausted',
  13: 'Internal',
  14: 'Unavailable',
  16: 'Unauthenticated',
}

const HINTS: Record<number, string> = {
  400: "check the 'identity' and 'registry' inputs",
  401: "the STS did not accept the job's OIDC token; check the 'audience' input matches the identity's",
  403: "the identity does not trust this job; its claim match must fit the token's claims (printed above)",
  404: "no such identity in this environment; check the 'identity' and 'environment' inputs",
  429: 'the STS kept rate-limiting; retry the job later',
}

/** The message for a non-200 STS reply, e.g. "HTTP 403 PermissionDenied: no matching identity (hint)". */
export function describeStsFailure(status: number, body: string, contentType = ''): string {
  const grpc = jsonObject(body)
  const hint = HINTS[status] ?? (status >= 500 ? 'the STS is failing; retry the job later' : undefined)
  const suffix = hint ? ` (${hint})` : ''
  if (grpc && typeof grpc.message === 'string') {
    const name = typeof grpc.code === 'number' ? ` ${GRPC_CODES[grpc.code] ?? `code ${grpc.code}`}` : ''
    return `Chainguard STS refused the token exchange: HTTP ${status}${name}: ${oneLine(grpc.message)}${suffix}`
  }
  const kind = contentType ? ` (${oneLine(contentType.split(';')[0], 60)})` : ''
  return `Chainguard STS answered HTTP ${status} with an unexpected body${kind}, not a grpc-gateway status${suffix}`
}

export function isAuthFailure(status: number): boolean {
  return status === 401 || status === 403
}

/** Lines that show which claims the job presented, so a user can fix the identity's claim match. */
export function explainAuthFailure(claims: Claims, identity: string): string[] {
  const show = (name: string) => `  ${name}: ${oneLine(JSON.stringify(claims[name] ?? null))}`
  return [
    "The job's OIDC token presented these claims:",
    show('iss'),
    show('aud'),
    show('sub'),
    `Identity ${identity} must name this issuer, a subject (or subject pattern) matching sub, and this audience.`,
    `Inspect it with: chainctl iam identities describe ${identity}`,
  ]
}
