// Pure: why an image cannot be pulled, from what the registry answered, in words a user can act on.
import { oneLine } from '../util/text.js'
import { jsonObject } from '../net/http.js'
import { organizationOf, type ImageRef } from './reference.js'

export type FailureKind = 'token refused' | 'denied' | 'not found' | 'registry unreachable' | 'unexpected answer'

export interface Failure {
  kind: FailureKind
  /** What happened and what to check, one line. */
  detail: string
}

/** Who logged in, for the messages. */
export interface Who {
  registry: string
  identity: string
  /** A pull token rather than an identity's Chainguard token. */
  pullToken: boolean
}

export interface Challenge {
  scheme: string
  params: Record<string, string>
}

const TOKEN = /[!#$%&'*+.^_`|~0-9A-Za-z-]+/y
const QUOTED = /"((?:[^"\\]|\\.)*)"/y
const SPACE = /[ \t]*/y

/** The text `re` (sticky) matches at `at` in `text`, and where it ends. */
function take(re: RegExp, text: string, at: number): [RegExpExecArray | null, number] {
  re.lastIndex = at
  const m = re.exec(text)
  return [m, m ? re.lastIndex : at]
}

/**
 * Every challenge of a WWW-Authenticate value (RFC 9110 11.6.1): `scheme [token68 | name=value,
 * ...]`, challenges and parameters separated by commas, values tokens or quoted strings with
 * backslash escapes. A token followed by `=` is a parameter of the challenge before it; any other
 * token starts a challenge. Scheme and parameter names are case-insensitive (lowercased here).
 */
export function parseChallenges(header: string): Challenge[] {
  const challenges: Challenge[] = []
  let at = 0
  while (at < header.length) {
    if (/[\s,]/.test(header[at])) {
      at++
      continue
    }
    const [token, afterToken] = take(TOKEN, header, at)
    if (!token) {
      at++ // a character no token holds (the padding of a token68): passed over
      continue
    }
    let [, next] = take(SPACE, header, afterToken)
    const current = challenges[challenges.length - 1]
    if (header[next] !== '=' || !current) {
      challenges.push({ scheme: token[0].toLowerCase(), params: {} })
      at = afterToken
      continue
    }
    ;[, next] = take(SPACE, header, next + 1)
    const [quoted, afterQuoted] = take(QUOTED, header, next)
    const [plain, afterPlain] = take(TOKEN, header, next)
    current.params[token[0].toLowerCase()] ??= quoted ? quoted[1].replace(/\\(.)/g, '$1') : (plain?.[0] ?? '')
    at = quoted ? afterQuoted : afterPlain
  }
  return challenges
}

/** The challenge a registry pull answers: the Bearer one when offered, else the first. */
export function parseChallenge(header: string): Challenge {
  const all = parseChallenges(header)
  return all.find((c) => c.scheme === 'bearer') ?? all[0] ?? { scheme: '', params: {} }
}

/** `HTTP 401 UNAUTHORIZED: message` from a distribution error body, or just the status. */
function answer(status: number, body: string): string {
  const first = (jsonObject(body)?.errors as Array<{ code?: unknown; message?: unknown }> | undefined)?.[0]
  if (typeof first?.code !== 'string') return `HTTP ${status}`
  return `HTTP ${status} ${oneLine(first.code, 40)}${typeof first.message === 'string' ? `: ${oneLine(first.message, 120)}` : ''}`
}

const retriable = (status: number) => status === 429 || status >= 500

function tokenRefused(who: Who, what: string): Failure {
  const detail = who.pullToken
    ? `${who.registry} does not accept the pull token of ${who.identity} (${what}): it may have expired or been deleted; make a new one with chainctl auth configure-docker --pull-token`
    : `${who.registry} does not accept the Chainguard token of identity ${who.identity} (${what}): check that the identity still exists`
  return { kind: 'token refused', detail }
}

function denied(image: ImageRef, who: Who, what: string): Failure {
  const org = organizationOf(image.repository)
  const check = org
    ? `check that it has the registry.pull role in organization ${org}, and that ${org} is entitled to ${image.repository.slice(org.length + 1)}`
    : "check its registry.pull role and the organization's entitlements"
  return { kind: 'denied', detail: `${who.identity} may not pull ${image.repository} (${what}): ${check}` }
}

/** The answer to GET /v2/, when it is neither 200 nor a challenge this check can answer. */
export function challengeFailure(status: number, scheme: string, who: Who): Failure {
  if (retriable(status)) return { kind: 'registry unreachable', detail: `${who.registry} answered HTTP ${status} after retries` }
  const challenge = scheme ? `a ${scheme} challenge` : 'no challenge'
  return {
    kind: 'unexpected answer',
    detail: `${who.registry}/v2/ answered HTTP ${status} with ${challenge}: not a registry this check can speak to`,
  }
}

/** The token endpoint's answer to a request for the image's pull scope, when it is not a token. */
export function tokenFailure(status: number, body: string, image: ImageRef, who: Who): Failure {
  if (status === 401) return tokenRefused(who, answer(status, body))
  if (status === 403) return denied(image, who, answer(status, body))
  if (retriable(status))
    return { kind: 'registry unreachable', detail: `the token endpoint answered ${answer(status, body)} after retries` }
  return { kind: 'unexpected answer', detail: `the token endpoint answered ${answer(status, body)}` }
}

/**
 * The manifest's answer, when it is not the manifest. `repositoryKnown` tells a 404's two causes
 * apart (from the repository's tag list); undefined when that could not be learnt.
 */
export function manifestFailure(
  status: number,
  wwwAuthenticate: string,
  repositoryKnown: boolean | undefined,
  image: ImageRef,
  who: Who,
): Failure {
  const error = parseChallenge(wwwAuthenticate).params.error
  const what = `HTTP ${status}${error ? ` ${error}` : status === 403 ? ' DENIED' : ''}`
  // A 401 on a token just issued: either the registry rejects the token itself, or it lacks pull.
  if (status === 401 && error === 'invalid_token') return tokenRefused(who, what)
  if (status === 401 || status === 403) return denied(image, who, what)
  if (status === 404) {
    const org = organizationOf(image.repository)
    const added = org ? `, and that it has been added to organization ${org}` : ''
    if (repositoryKnown === false) {
      return { kind: 'not found', detail: `no repository ${image.repository} on ${who.registry} (NAME_UNKNOWN): check the name${added}` }
    }
    if (repositoryKnown) {
      const missing = image.digest ? `no manifest ${image.digest}` : `no tag ${image.tag}`
      const list = `crane ls ${who.registry}/${image.repository} lists its tags`
      return {
        kind: 'not found',
        detail: `${image.repository} has ${missing} (MANIFEST_UNKNOWN): check the ${image.digest ? 'digest' : 'tag'}; ${list}`,
      }
    }
    return { kind: 'not found', detail: `no such repository or tag on ${who.registry} (HTTP 404): check the name${added}` }
  }
  if (retriable(status)) return { kind: 'registry unreachable', detail: `${who.registry} answered HTTP ${status} after retries` }
  return { kind: 'unexpected answer', detail: `${who.registry} answered HTTP ${status} for the manifest` }
}

/** The step's error: every image that cannot be pulled, one line each. */
export function describeFailures(failed: Array<[ImageRef, Failure]>, total: number, who: Who): string {
  const lines = failed.map(([image, f]) => `  ${image.written}: ${f.kind}: ${f.detail}`)
  return [`${failed.length} of ${total} image(s) cannot be pulled from ${who.registry} as ${who.identity}:`, ...lines].join('\n')
}
