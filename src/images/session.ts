// One registry as a pull speaks to it: the challenge, a token for the repository's pull scope
// with the login's own credentials, then HEAD on the manifest.
import { createHash } from 'node:crypto'
import { Agent as HttpAgent } from 'node:http'
import { Agent as HttpsAgent } from 'node:https'
import { oneLine } from '../util/text.js'
import {
  BodyTooLargeError,
  UnreachableError,
  jsonObject,
  send,
  text,
  type ClientOptions,
  type Request,
  type RequestOptions,
} from '../net/http.js'
import { challengeFailure, manifestFailure, parseChallenge, tokenFailure, type Failure, type Who } from './pullfailure.js'
import { manifestRef, type ImageRef } from './reference.js'

/** What a pull accepts: OCI index and manifest, docker manifest list and v2 manifest. */
export const MANIFEST_TYPES = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.docker.distribution.manifest.v2+json',
].join(', ')
/** distribution's own limit on the size of a manifest. */
const MAX_MANIFEST_BYTES = 4 * 1024 * 1024
const DIGEST = /^sha256:[a-f0-9]{64}$/

/** The login to check with: the same username and secret docker logged in with. */
export interface PullLogin extends Who {
  username: string
  secret: string
}

/** Ends one image's check with a failure. */
export class Failed extends Error {
  readonly failure: Failure
  constructor(failure: Failure) {
    super(failure.detail)
    this.failure = failure
  }
}

/** How the session sends requests: the client's options and where to hide the tokens it gets. */
export type SessionOptions = ClientOptions & { mask: (secret: string) => void }

type Bearer = { scheme: 'bearer'; realm: URL; service?: string }
type Challenge = { scheme: 'none' } | { scheme: 'basic' } | Bearer
type Headers = Record<string, string>

const pullScope = (repository: string) => `repository:${repository}:pull`
/**
 * How many characters of scope parameters one token request carries: its URL, and the token
 * (which may list every repository it opens) in each later request's header, stay a few KiB.
 */
const MAX_SCOPE_CHARS = 2000

/** The repositories in order, in groups whose scope parameters fit in one token request. */
export function scopeGroups(repositories: string[], maxChars = MAX_SCOPE_CHARS): string[][] {
  const groups: string[][] = []
  let chars = Infinity
  for (const repository of repositories) {
    const length = `&scope=${encodeURIComponent(pullScope(repository))}`.length
    if (chars + length > maxChars) {
      groups.push([])
      chars = 0
    }
    chars += length
    groups[groups.length - 1].push(repository)
  }
  return groups
}

export function failureOf(err: unknown): Failure {
  if (err instanceof Failed) return err.failure
  // Only a network that failed through every retry is an outage; a refused redirect or proxy, a body over its cap, are answers.
  if (err instanceof UnreachableError) return { kind: 'registry unreachable', detail: err.message }
  return { kind: 'unexpected answer', detail: err instanceof Error ? err.message : String(err) }
}

/**
 * One registry, as a pull speaks to it: its challenge (asked once), tokens for pull scopes (one
 * per repository, and one shared by a group of repositories where the registry grants it), then
 * HEAD on each manifest.
 */
export class RegistrySession {
  private challenge?: Promise<Challenge>
  private readonly own = new Map<string, Promise<Headers>>()
  private readonly shared = new Map<string[], Promise<Headers | undefined>>()
  private readonly groupOf: Map<string, string[]>
  private readonly basic: string
  private readonly login: PullLogin
  private readonly origin: string
  private readonly opts: SessionOptions
  // One connection serves an image's requests one after another, and the TLS session is resumed for the next.
  readonly agent: HttpAgent

  constructor(images: ImageRef[], login: PullLogin, origin: string, opts: SessionOptions) {
    ;[this.login, this.origin, this.opts] = [login, origin, opts]
    this.agent = new (origin.startsWith('https:') ? HttpsAgent : HttpAgent)({ keepAlive: true })
    this.basic = `Basic ${Buffer.from(`${login.username}:${login.secret}`).toString('base64')}`
    this.groupOf = new Map(scopeGroups([...new Set(images.map((i) => i.repository))]).flatMap((g) => g.map((r) => [r, g])))
  }

  private request(method: Request['method'], url: string, headers: Headers, more: Partial<RequestOptions> = {}) {
    const { mask: _mask, ...opts } = this.opts
    return send({ method, url, headers }, { service: this.login.registry, ...opts, ...more, agent: this.agent })
  }

  /** Once per registry: how it wants to be authenticated. */
  private async fetchChallenge(): Promise<Challenge> {
    const { login, origin } = this
    const res = await this.request('GET', `${origin}/v2/`, {})
    if (res.status === 200) return { scheme: 'none' }
    const { scheme, params } = parseChallenge(String(res.headers['www-authenticate'] ?? ''))
    if (res.status !== 401 || (scheme === 'bearer' && !params.realm) || (scheme !== 'bearer' && scheme !== 'basic')) {
      throw new Failed(challengeFailure(res.status, scheme, login))
    }
    if (scheme === 'basic') return { scheme }
    const realm = URL.parse(params.realm)
    if (!realm) {
      const detail = `${login.registry}/v2/ names the token realm ${JSON.stringify(oneLine(params.realm, 80))}, which is not a URL: not a registry this check can speak to`
      throw new Failed({ kind: 'unexpected answer', detail })
    }
    // The login's credentials go to the realm: never in the clear to another host.
    if (realm.protocol !== 'https:' && realm.origin !== new URL(origin).origin) {
      throw new Failed({
        kind: 'unexpected answer',
        detail: `the token realm ${realm.origin} is not https: the login's credentials are not sent there`,
      })
    }
    return { scheme, realm, service: params.service }
  }

  /** A token for the pull scope of each repository named; `image` names the failure. */
  private async fetchToken(c: Bearer, repositories: string[], image: ImageRef): Promise<Headers> {
    const url = new URL(c.realm)
    if (c.service) url.searchParams.set('service', c.service)
    for (const repository of repositories) url.searchParams.append('scope', pullScope(repository))
    const res = await this.request('GET', url.toString(), { Authorization: this.basic, Accept: 'application/json' })
    if (res.status !== 200) throw new Failed(tokenFailure(res.status, text(res), image, this.login))
    const reply = jsonObject(text(res))
    const token = reply?.token ?? reply?.access_token
    if (typeof token !== 'string' || !token)
      throw new Failed({ kind: 'unexpected answer', detail: 'the token endpoint answered HTTP 200 without a token' })
    this.opts.mask(token)
    return { Authorization: `Bearer ${token}` }
  }

  /** As a pull asks: once per repository, a token for its pull scope. */
  private async ownAuth(image: ImageRef): Promise<Headers> {
    const c = await (this.challenge ??= this.fetchChallenge())
    if (c.scheme === 'none') return {}
    if (c.scheme === 'basic') return { Authorization: this.basic }
    if (!this.own.has(image.repository)) this.own.set(image.repository, this.fetchToken(c, [image.repository], image))
    return this.own.get(image.repository) as Promise<Headers>
  }

  /**
   * First, one token for a whole group of repositories (the token spec repeats `scope`), so 20
   * images cost one token request, not 20. Undefined when there is none to share, or the registry
   * would not give one for the group (each repository then asks alone); an outage is every image's.
   */
  private async sharedAuth(image: ImageRef): Promise<Headers | undefined> {
    const [c, group] = [await (this.challenge ??= this.fetchChallenge()), this.groupOf.get(image.repository) ?? []]
    if (c.scheme !== 'bearer' || group.length < 2) return undefined
    if (!this.shared.has(group)) {
      const granted = this.fetchToken(c, group, image).catch((err: unknown) => {
        if (failureOf(err).kind === 'registry unreachable') throw err
        return undefined
      })
      this.shared.set(group, granted)
    }
    return this.shared.get(group)
  }

  /** A 404's two causes: the tag list answers for the repository. */
  private async repositoryKnown(image: ImageRef, headers: Headers): Promise<boolean | undefined> {
    const res = await this.request('GET', `${this.origin}/v2/${image.repository}/tags/list?n=1`, headers, { statusOnly: true })
    return res.status === 200 ? true : res.status === 404 ? false : undefined
  }

  /** Registries send Docker-Content-Digest; without it, the digest is the hash of the manifest's bytes. */
  private async hashManifest(url: string, headers: Headers, algorithm = 'sha256'): Promise<string> {
    const { registry } = this.login
    let digest: string | undefined
    const hashing = async (body: NodeJS.ReadableStream) => {
      const hash = createHash(algorithm)
      for await (const chunk of body) hash.update(chunk as Buffer)
      digest = `${algorithm}:${hash.digest('hex')}`
    }
    const res = await this.request('GET', url, headers, { sink: hashing, maxBytes: MAX_MANIFEST_BYTES }).catch((err: unknown) => {
      if (!(err instanceof BodyTooLargeError)) throw err
      throw new Failed({
        kind: 'unexpected answer',
        detail: `${registry} answered a manifest larger than ${MAX_MANIFEST_BYTES >> 20} MiB after a HEAD without Docker-Content-Digest`,
      })
    })
    if (digest) return digest
    throw new Failed({
      kind: 'unexpected answer',
      detail: `${registry} answered HTTP ${res.status} to a GET after a HEAD without Docker-Content-Digest`,
    })
  }

  /** The image's manifest digest, as a pull would resolve it; throws Failed when it cannot be pulled. */
  async digestOf(image: ImageRef): Promise<string> {
    const url = `${this.origin}/v2/${image.repository}/manifests/${manifestRef(image)}`
    const sharing = await this.sharedAuth(image)
    let headers = { ...(sharing ?? (await this.ownAuth(image))), Accept: MANIFEST_TYPES }
    let res = await this.request('HEAD', url, headers)
    // Any other answer to the shared token (it may not open this repository, a registry may hide
    // one it does not open as 404, a server may refuse so long a header) is asked again with the
    // repository's own, as a pull of it would: the shared token never decides a failure.
    if (sharing && res.status >= 400 && res.status < 500) {
      headers = { ...(await this.ownAuth(image)), Accept: MANIFEST_TYPES }
      res = await this.request('HEAD', url, headers)
    }
    if (res.status !== 200) {
      const known = res.status === 404 ? await this.repositoryKnown(image, headers) : undefined
      throw new Failed(manifestFailure(res.status, String(res.headers['www-authenticate'] ?? ''), known, image, this.login))
    }
    const header = String(res.headers['docker-content-digest'] ?? '')
    let digest = DIGEST.test(header) ? header : await this.hashManifest(url, headers)
    // A sha384 or sha512 reference is checked against the manifest's own hash of that kind.
    const algorithm = image.digest?.split(':')[0]
    if (image.digest && digest !== image.digest && algorithm !== digest.split(':')[0])
      digest = await this.hashManifest(url, headers, algorithm)
    if (image.digest && digest !== image.digest) {
      throw new Failed({ kind: 'unexpected answer', detail: `${this.login.registry} served manifest ${digest} for ${image.digest}` })
    }
    return digest
  }
}
