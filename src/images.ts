// Checks, right after the login, that it can pull each image the job names, the way a pull
// starts: the registry's challenge, a token for the repository's pull scope with the login's own
// credentials, then HEAD on the manifest. Returns each image's manifest digest.
import * as core from '@actions/core'
import { createHash } from 'node:crypto'
import { oneLine } from './errors.js'
import { HttpError, jsonObject, send, text, type ClientOptions, type Request } from './http.js'
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

type Challenge = { scheme: 'none' } | { scheme: 'basic' } | { scheme: 'bearer'; realm: URL; service?: string }
type Headers = Record<string, string>

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
  const request = (method: Request['method'], url: string, headers: Headers, sink?: (body: NodeJS.ReadableStream) => Promise<void>) =>
    send({ method, url, headers }, { service: login.registry, onRetry, ...opts, sink })
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

  // Once per repository, as a pull asks: a token for its pull scope.
  const auth = new Map<string, Promise<Headers>>()
  const fetchAuth = async (image: ImageRef): Promise<Headers> => {
    const c = await (challenge ??= fetchChallenge())
    if (c.scheme === 'none') return {}
    if (c.scheme === 'basic') return { Authorization: basic }
    const url = new URL(c.realm)
    if (c.service) url.searchParams.set('service', c.service)
    url.searchParams.set('scope', `repository:${image.repository}:pull`)
    const res = await request('GET', url.toString(), { Authorization: basic, Accept: 'application/json' })
    if (res.status !== 200) throw new Failed(tokenFailure(res.status, text(res), image, login))
    const reply = jsonObject(text(res))
    const token = reply?.token ?? reply?.access_token
    if (typeof token !== 'string' || !token)
      throw new Failed({ kind: 'unexpected answer', detail: 'the token endpoint answered HTTP 200 without a token' })
    mask(token)
    return { Authorization: `Bearer ${token}` }
  }
  const authFor = (image: ImageRef) => {
    if (!auth.has(image.repository)) auth.set(image.repository, fetchAuth(image))
    return auth.get(image.repository) as Promise<Headers>
  }

  // A 404's two causes: the tag list answers for the repository.
  const repositoryKnown = async (image: ImageRef, headers: Headers): Promise<boolean | undefined> => {
    const res = await request('GET', `${origin}/v2/${image.repository}/tags/list?n=1`, headers)
    return res.status === 200 ? true : res.status === 404 ? false : undefined
  }

  // Registries send Docker-Content-Digest; without it, the digest is the hash of the manifest's bytes.
  const hashManifest = async (url: string, headers: Headers): Promise<string> => {
    let digest: string | undefined
    const res = await request('GET', url, headers, async (body) => {
      const hash = createHash('sha256')
      let size = 0
      digest = undefined
      for await (const chunk of body) {
        size += (chunk as Buffer).length
        if (size > MAX_MANIFEST_BYTES) return
        hash.update(chunk as Buffer)
      }
      digest = `sha256:${hash.digest('hex')}`
    })
    if (digest) return digest
    const why = res.status === 200 ? `a manifest larger than ${MAX_MANIFEST_BYTES >> 20} MiB` : `HTTP ${res.status} to a GET`
    throw new Failed({ kind: 'unexpected answer', detail: `${login.registry} answered ${why} after a HEAD without Docker-Content-Digest` })
  }

  const digestOf = async (image: ImageRef): Promise<string> => {
    const headers = { ...(await authFor(image)), Accept: MANIFEST_TYPES }
    const url = `${origin}/v2/${image.repository}/manifests/${manifestRef(image)}`
    const res = await request('HEAD', url, headers)
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
  })
  if (failed.size > 0) {
    const inOrder = images.filter((i) => failed.has(i)).map((i): [ImageRef, Failure] => [i, failed.get(i) as Failure])
    throw new ImageCheckError(describeFailures(inOrder, images.length, login))
  }
  for (const image of images) core.info(`  ${image.written}: ${digests.get(image)}`)
  return Object.fromEntries(images.map((i) => [i.written, digests.get(i) as string]))
}
