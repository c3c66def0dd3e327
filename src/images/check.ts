// Checks, right after the login, that it can pull each image the job names, the way a pull
// starts: the registry's challenge, a token for the repository's pull scope with the login's own
// credentials, then HEAD on the manifest. Returns each image's manifest digest.
import * as core from '@actions/core'
import { createHash } from 'node:crypto'
import { Agent as HttpAgent } from 'node:http'
import { Agent as HttpsAgent } from 'node:https'
import { oneLine } from '../token/errors.js'
import { BodyTooLargeError, HttpError, jsonObject, send, text, type ClientOptions, type Request, type RequestOptions } from '../net/http.js'
import { challengeFailure, describeFailures, manifestFailure, parseChallenge, tokenFailure, type Failure, type Who } from './pullfailure.js'
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

export interface CheckOptions extends ClientOptions {
  /** Where the registry answers: https://<registry> unless a test says otherwise. */
  origin?: string
  /** How many images are checked at once: enough that a matrix's images go out together, within reason. */
  concurrency?: number
}

export class ImageCheckError extends Error {}

/** Ends one image's check with a failure. */
class Failed extends Error {
  readonly failure: Failure
  constructor(failure: Failure) {
    super(failure.detail)
    this.failure = failure
  }
}

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

/** Runs `work` on every item, at most `limit` at a time. */
async function eachAtOnce<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0
  const worker = async () => {
    while (next < items.length) await work(items[next++])
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker))
}

function failureOf(err: unknown): Failure {
  if (err instanceof Failed) return err.failure
  if (err instanceof HttpError) return { kind: 'registry unreachable', detail: err.message }
  return { kind: 'unexpected answer', detail: err instanceof Error ? err.message : String(err) }
}

/** Checks every image; throws one ImageCheckError naming every image that cannot be pulled. */
export async function checkImages(
  images: ImageRef[],
  login: PullLogin,
  { origin = `https://${login.registry}`, concurrency = 32, mask = core.setSecret, onRetry = core.warning, ...opts }: CheckOptions = {},
): Promise<Record<string, string>> {
  // One connection serves an image's requests one after another, and the TLS session is resumed for the next.
  const agent = new (origin.startsWith('https:') ? HttpsAgent : HttpAgent)({ keepAlive: true })
  const request = (method: Request['method'], url: string, headers: Headers, sink?: RequestOptions['sink'], maxBytes?: number) =>
    send({ method, url, headers }, { service: login.registry, onRetry, ...opts, sink, maxBytes, agent })
  const basic = `Basic ${Buffer.from(`${login.username}:${login.secret}`).toString('base64')}`

  // Once per registry: how it wants to be authenticated.
  let challenge: Promise<Challenge> | undefined
  const fetchChallenge = async (): Promise<Challenge> => {
    const res = await request('GET', `${origin}/v2/`, {})
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

  // A token for the pull scope of each repository named; `image` names the failure.
  const fetchToken = async (c: Bearer, repositories: string[], image: ImageRef): Promise<Headers> => {
    const url = new URL(c.realm)
    if (c.service) url.searchParams.set('service', c.service)
    for (const repository of repositories) url.searchParams.append('scope', pullScope(repository))
    const res = await request('GET', url.toString(), { Authorization: basic, Accept: 'application/json' })
    if (res.status !== 200) throw new Failed(tokenFailure(res.status, text(res), image, login))
    const reply = jsonObject(text(res))
    const token = reply?.token ?? reply?.access_token
    if (typeof token !== 'string' || !token)
      throw new Failed({ kind: 'unexpected answer', detail: 'the token endpoint answered HTTP 200 without a token' })
    mask(token)
    return { Authorization: `Bearer ${token}` }
  }
  // As a pull asks: once per repository, a token for its pull scope.
  const own = new Map<string, Promise<Headers>>()
  const ownAuth = async (image: ImageRef): Promise<Headers> => {
    const c = await (challenge ??= fetchChallenge())
    if (c.scheme === 'none') return {}
    if (c.scheme === 'basic') return { Authorization: basic }
    if (!own.has(image.repository)) own.set(image.repository, fetchToken(c, [image.repository], image))
    return own.get(image.repository) as Promise<Headers>
  }
  // First, one token for a whole group of repositories (the token spec repeats `scope`), so 20
  // images cost one token request, not 20. Undefined when there is none to share, or the registry
  // would not give one for the group (each repository then asks alone); an outage is every image's.
  const groupOf = new Map(scopeGroups([...new Set(images.map((i) => i.repository))]).flatMap((g) => g.map((r) => [r, g])))
  const shared = new Map<string[], Promise<Headers | undefined>>()
  const sharedAuth = async (image: ImageRef): Promise<Headers | undefined> => {
    const [c, group] = [await (challenge ??= fetchChallenge()), groupOf.get(image.repository) ?? []]
    if (c.scheme !== 'bearer' || group.length < 2) return undefined
    if (!shared.has(group)) {
      const granted = fetchToken(c, group, image).catch((err: unknown) => {
        if (failureOf(err).kind === 'registry unreachable') throw err
        return undefined
      })
      shared.set(group, granted)
    }
    return shared.get(group)
  }

  // A 404's two causes: the tag list answers for the repository.
  const repositoryKnown = async (image: ImageRef, headers: Headers): Promise<boolean | undefined> => {
    const res = await request('GET', `${origin}/v2/${image.repository}/tags/list?n=1`, headers)
    return res.status === 200 ? true : res.status === 404 ? false : undefined
  }

  // Registries send Docker-Content-Digest; without it, the digest is the hash of the manifest's bytes.
  const hashManifest = async (url: string, headers: Headers): Promise<string> => {
    let digest: string | undefined
    const hashing = async (body: NodeJS.ReadableStream) => {
      const hash = createHash('sha256')
      for await (const chunk of body) hash.update(chunk as Buffer)
      digest = `sha256:${hash.digest('hex')}`
    }
    const res = await request('GET', url, headers, hashing, MAX_MANIFEST_BYTES).catch((err: unknown) => {
      if (!(err instanceof BodyTooLargeError)) throw err
      throw new Failed({
        kind: 'unexpected answer',
        detail: `${login.registry} answered a manifest larger than ${MAX_MANIFEST_BYTES >> 20} MiB after a HEAD without Docker-Content-Digest`,
      })
    })
    if (digest) return digest
    throw new Failed({
      kind: 'unexpected answer',
      detail: `${login.registry} answered HTTP ${res.status} to a GET after a HEAD without Docker-Content-Digest`,
    })
  }

  const digestOf = async (image: ImageRef): Promise<string> => {
    const url = `${origin}/v2/${image.repository}/manifests/${manifestRef(image)}`
    const sharing = await sharedAuth(image)
    let headers = { ...(sharing ?? (await ownAuth(image))), Accept: MANIFEST_TYPES }
    let res = await request('HEAD', url, headers)
    // Any other answer to the shared token (it may not open this repository, a registry may hide
    // one it does not open as 404, a server may refuse so long a header) is asked again with the
    // repository's own, as a pull of it would: the shared token never decides a failure.
    if (sharing && res.status >= 400 && res.status < 500) {
      headers = { ...(await ownAuth(image)), Accept: MANIFEST_TYPES }
      res = await request('HEAD', url, headers)
    }
    if (res.status !== 200) {
      const known = res.status === 404 ? await repositoryKnown(image, headers) : undefined
      throw new Failed(manifestFailure(res.status, String(res.headers['www-authenticate'] ?? ''), known, image, login))
    }
    const header = String(res.headers['docker-content-digest'] ?? '')
    const digest = DIGEST.test(header) ? header : await hashManifest(url, headers)
    if (image.digest && digest !== image.digest) {
      throw new Failed({ kind: 'unexpected answer', detail: `${login.registry} served manifest ${digest} for ${image.digest}` })
    }
    return digest
  }

  core.info(`Checking that ${images.length} image(s) can be pulled from ${login.registry}`)
  const digests = new Map<ImageRef, string>()
  const failed = new Map<ImageRef, Failure>()
  // An outage one check saw through all its retries is the registry's: the images not yet started
  // are not checked, rather than each wave of them waiting out the same deadline in turn.
  let outage: Failure | undefined
  await eachAtOnce(images, concurrency, async (image) => {
    if (outage) return void failed.set(image, { kind: outage.kind, detail: `not checked: ${outage.detail}` })
    try {
      digests.set(image, await digestOf(image))
    } catch (err) {
      const failure = failureOf(err)
      failed.set(image, failure)
      if (failure.kind === 'registry unreachable') outage ??= failure
    }
  }).finally(() => agent.destroy())
  if (failed.size > 0) {
    const inOrder = images.filter((i) => failed.has(i)).map((i): [ImageRef, Failure] => [i, failed.get(i) as Failure])
    throw new ImageCheckError(describeFailures(inOrder, images.length, login))
  }
  for (const image of images) core.info(`  ${image.written}: ${digests.get(image)}`)
  return Object.fromEntries(images.map((i) => [i.written, digests.get(i) as string]))
}
