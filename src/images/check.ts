// Checks, right after the login, that it can pull each image the job names, the way a pull
// starts (see session.ts), all at once within a limit. Returns each image's manifest digest.
import * as core from '@actions/core'
import type { ClientOptions } from '../net/http.js'
import { describeFailures, type Failure } from './pullfailure.js'
import { manifestRef, type ImageRef } from './reference.js'
import { failureOf, RegistrySession, type PullLogin } from './session.js'

export interface CheckOptions extends ClientOptions {
  /** Where the registry answers: https://<registry> unless a test says otherwise. */
  origin?: string
  /** How many images are checked at once: enough that a matrix's images go out together, within reason. */
  concurrency?: number
}

export class ImageCheckError extends Error {}

/** Runs `work` on every item, at most `limit` at a time. */
async function eachAtOnce<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0
  const worker = async () => {
    while (next < items.length) await work(items[next++])
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker))
}

/** Checks every image; throws one ImageCheckError naming every image that cannot be pulled. */
export async function checkImages(
  written: ImageRef[],
  login: PullLogin,
  { origin = `https://${login.registry}`, concurrency = 32, mask = core.setSecret, onRetry = core.warning, ...opts }: CheckOptions = {},
): Promise<Record<string, string>> {
  // One manifest written several ways (acme/a, acme/a:latest, cgr.dev/acme/a) is checked once; each is reported.
  const key = (i: ImageRef) => `${i.repository}@${manifestRef(i)}`
  const byName = new Map(written.map((i) => [key(i), i]))
  const images = [...byName.values()]
  const first = (i: ImageRef) => byName.get(key(i)) as ImageRef
  const registry = new RegistrySession(images, login, origin, { ...opts, onRetry, mask })
  const distinct = images.length < written.length ? ` (${images.length} distinct)` : ''
  core.info(`Checking that ${written.length} image(s)${distinct} can be pulled from ${login.registry}`)
  const digests = new Map<ImageRef, string>()
  const failed = new Map<ImageRef, Failure>()
  // An outage one check saw through all its retries is the registry's: the images not yet started
  // are not checked, rather than each wave of them waiting out the same deadline in turn.
  let outage: Failure | undefined
  await eachAtOnce(images, concurrency, async (image) => {
    if (outage) return void failed.set(image, { kind: outage.kind, detail: `not checked: ${outage.detail}` })
    try {
      digests.set(image, await registry.digestOf(image))
    } catch (err) {
      const failure = failureOf(err)
      failed.set(image, failure)
      if (failure.kind === 'registry unreachable') outage ??= failure
    }
  }).finally(() => registry.agent.destroy())
  if (failed.size > 0) {
    const inOrder = written.filter((i) => failed.has(first(i))).map((i): [ImageRef, Failure] => [i, failed.get(first(i)) as Failure])
    throw new ImageCheckError(describeFailures(inOrder, written.length, login))
  }
  for (const image of written) core.info(`  ${image.written}: ${digests.get(first(image))}`)
  return Object.fromEntries(written.map((i) => [i.written, digests.get(first(i)) as string]))
}
