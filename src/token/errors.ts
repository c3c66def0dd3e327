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
  401: "the STS did not accept the job's OIDC token itself (an issuer it does not trust, a bad signature or an expired token); check 'environment'",
  403: "the identity does not trust this job: its issuer, subject and audience must match the token's claims (printed above; a wrong 'audience' is this too)",
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

/**
 * Lines that show which claims the job presented, so a user can fix the identity's claim match.
 * The subject hint only for a 403: a 401 refuses the token itself, whatever its subject.
 */
export function explainAuthFailure(claims: Claims, identity: string, status = 403): string[] {
  const show = (name: string) => `  ${name}: ${oneLine(JSON.stringify(claims[name] ?? null))}`
  const hint = status === 403 ? subjectHint(claims) : undefined
  return [
    "The job's OIDC token presented these claims:",
    show('iss'),
    show('aud'),
    show('sub'),
    `Identity ${identity} must name this issuer, a subject (or subject pattern) matching sub, and this audience.`,
    `Inspect it with: chainctl iam identities describe ${identity}`,
    ...(hint ? [hint] : []),
  ]
}

// GitHub's subject: repo:<repository>:<context>, the repository as owner/name or, in the immutable
// form, owner@<owner id>/name@<repository id>.
const GITHUB_SUBJECT = /^repo:([^:/]+)\/([^:/]+):(.+)$/
const WITH_ID = /^(.+)@\d+$/

// A merge queue's branch: gh-readonly-queue/<base>/pr-<number>-<head sha>, a new one per pull request.
const MERGE_QUEUE = /^ref:refs\/heads\/gh-readonly-queue\/(.+)\/pr-\d+-[0-9a-f]+$/

/** What kind of run a GitHub subject's context names, and which identities never match it. */
function contextCause(context: string): string | undefined {
  const queue = MERGE_QUEUE.exec(context)?.[1]
  if (queue !== undefined)
    return `sub is a merge queue branch for ${queue}, a new one for every pull request: an identity for one subject matches one run, so match them with a pattern`
  if (context === 'pull_request')
    return 'sub is the pull request form: an identity made with --github-ref trusts pushes to that one ref, never a pull request'
  if (context.startsWith('environment:'))
    return `sub is the environment form (a job with environment: ${context.slice(12)}): an identity made for a branch never matches it`
  if (context.startsWith('ref:refs/tags/')) return 'sub is the tag form: an identity made with --github-ref=refs/heads/... never matches it'
  if (context.startsWith('ref:refs/heads/'))
    return `sub is the branch form for ${context.slice(15)}: an identity for another branch or repository, or for GitHub's immutable form (repo:OWNER@ID/REPO@ID:...), does not match it`
  return undefined
}

const quoted = (value: string) => (/^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`)

/**
 * One line naming why an identity likely refused this GitHub subject (the immutable form against
 * an identity written with the repository's name, or a context its ref excludes) and the chainctl
 * command that creates an identity matching exactly the claims presented.
 */
export function subjectHint(claims: Claims): string | undefined {
  const { iss, sub } = claims
  const aud = Array.isArray(claims.aud) ? claims.aud[0] : claims.aud
  if (typeof iss !== 'string' || typeof sub !== 'string' || typeof aud !== 'string') return undefined
  const match = GITHUB_SUBJECT.exec(sub)
  if (!match) return undefined
  const [, owner, repo, context] = match
  const [ownerName, repoName] = [owner, repo].map((part) => WITH_ID.exec(part)?.[1])
  const immutable = ownerName !== undefined && repoName !== undefined
  const cause = immutable
    ? `sub uses GitHub's immutable form (repo:OWNER@ID/REPO@ID:...), which an identity made with --github-repo=${ownerName}/${repoName} does not match`
    : contextCause(context)
  if (!cause) return undefined
  // A merge queue's subject never repeats: the identity matches every queue branch of that base.
  const queue = MERGE_QUEUE.exec(context)?.[1]
  const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
  const subject = queue
    ? `--subject-pattern=${quoted(`^${escape(`repo:${owner}/${repo}:ref:refs/heads/gh-readonly-queue/${queue}/pr-`)}[0-9]+-[0-9a-f]+$`)}`
    : `--subject=${quoted(sub)}`
  const command = [
    `chainctl iam identities create ${repoName ?? repo}-ci --parent=ORG`,
    `--identity-issuer=${quoted(iss)} ${subject} --audience=${quoted(aud)} --role=registry.pull`,
  ].join(' ')
  return oneLine(`${cause}; an identity that matches this job: ${command}`, 2000)
}
