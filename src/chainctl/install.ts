// Installs chainctl through the tool cache in two steps, so that the caller decides when to keep
// it: fetch (resolve the version, then a cache hit or a download, into a folder of the job's own,
// where the copy that will run is verified against the release's checksums file: on a shared
// runner another job can write the tool cache), and keep (cache a download, and put a launcher of
// that copy on PATH: never the tool cache's folder, which another job may rewrite).
import * as core from '@actions/core'
import * as tc from '@actions/tool-cache'
import { createHash } from 'node:crypto'
import { chmodSync, createWriteStream, mkdtempSync, rmSync } from 'node:fs'
import { pipeline } from 'node:stream/promises'
import { basename, join } from 'node:path'
import { oneLine } from '../util/text.js'
import { jsonObject, send, type RequestOptions } from '../net/http.js'
import type { ChainctlOptions } from './options.js'
import { assetNames, firstListed, ReleaseError, toolCacheName, versionFromMetadata } from './release.js'
import { DEFAULT_POLICY } from '../net/retry.js'
import { jobTemp } from '../util/home.js'
import { cacheEnv, writeLauncher } from './private.js'
import { copyHashing, Uncopyable } from './cachecopy.js'

/** chainctl is about 60 MB: this is room to grow, not room to fill a disk. */
const MAX_BINARY_BYTES = 512 * 1024 * 1024
// Each attempt's deadline covers the whole body: 2 minutes lets 60 MB through a 0.5 MB/s link.
const BINARY_POLICY = { ...DEFAULT_POLICY, timeoutMs: 120_000, deadlineMs: 300_000 }

export interface Installed {
  version: string
  /** Full path of the job's verified copy of chainctl. */
  path: string
  fromCache: boolean
  /** What chainctl runs with: a token cache of the job's own. */
  env: Record<string, string>
}

/** A verified copy (from the tool cache or a download) in the job's own `staging` folder. */
export interface Fetched extends Installed {
  /** The tool-cache name (see toolCacheName). */
  tool: string
  staging: string
}

const arch = () => (process.env.RUNNER_ARCH ?? '').toLowerCase()

/** GETs `url`, failing on anything but 200 once retries are spent. */
async function fetchOk(url: string, opts: Partial<RequestOptions>): Promise<Buffer> {
  const res = await send({ method: 'GET', url }, { service: 'chainctl download', ...opts })
  if (res.status !== 200) throw new ReleaseError(`Downloading ${url} failed: HTTP ${res.status}`)
  return res.data
}

/** Streams `url` into `file` (mode 0700), returning its sha256: tens of MB never sit in memory. */
async function downloadTo(url: string, file: string, opts: Partial<RequestOptions>): Promise<string> {
  let sha256 = ''
  const sink = async (body: NodeJS.ReadableStream) => {
    const hash = createHash('sha256')
    const hashing = async function* (source: AsyncIterable<string | Buffer>) {
      for await (const chunk of source) {
        hash.update(chunk)
        yield chunk
      }
    }
    await pipeline(body, hashing, createWriteStream(file, { mode: 0o700 }))
    sha256 = hash.digest('hex')
  }
  await fetchOk(url, { policy: BINARY_POLICY, ...opts, sink, maxBytes: MAX_BINARY_BYTES })
  return sha256
}

/** The first of `files` the release's chainctl_checksums.txt lists, with its sha256. */
async function published(base: string, files: string[], version: string, opts: Partial<RequestOptions>) {
  const listed = firstListed((await fetchOk(`${base}/chainctl_checksums.txt`, opts)).toString(), files)
  if (!listed) throw new ReleaseError(`chainctl_checksums.txt of ${version} lists no checksum for ${files.join(' or ')}`)
  return listed
}

/** A copy of a cached chainctl on its way into the job's folder. */
interface Copying {
  /** The tool cache's folder of that version. */
  dir: string
  /** The copy's sha256 once written, or why the cached file could not be read; never rejects. */
  hashed: Promise<string>
}

/** Starts copying chainctl `version` from the tool cache to `path`, if the cache holds it. */
function copyIfCached(tool: string, version: string | undefined, exe: string, path: string): Copying | undefined {
  const dir = version && tc.find(tool, version, arch())
  if (!dir) return undefined
  // Asynchronous, not copyFileSync: a 64 MiB copy must not stall the registry login running alongside.
  return {
    dir,
    hashed: copyHashing(join(dir, exe), path, MAX_BINARY_BYTES).catch((err: NodeJS.ErrnoException) =>
      err instanceof Uncopyable ? err.message : `unreadable (${err.code})`,
    ),
  }
}

/** The newest version of `tool` the tool cache holds for this runner's architecture. */
const newestCached = (tool: string) => tc.evaluateVersions(tc.findAllVersions(tool, arch()), '*') || undefined

/**
 * Checks the copy, the file that will run, against the release's checksums: the cache may change
 * after the check, the copy cannot. A changed entry is removed, not kept: it would fail every
 * later job on the runner too, and the next run downloads it again.
 */
async function verifyCopy(hit: Copying, copy: string, expected: Promise<string>, version: string): Promise<void> {
  const [want, actual] = await Promise.all([expected, hit.hashed])
  if (actual === want) return chmodSync(copy, 0o700)
  rmSync(`${hit.dir}.complete`, { force: true }) // first, so tc.find stops returning it
  rmSync(hit.dir, { recursive: true, force: true })
  throw new ReleaseError(
    `The cached chainctl ${version} at ${join(hit.dir, basename(copy))} does not match chainctl_checksums.txt (sha256 ${want}, the file is ${actual}): ` +
      'it changed after it was cached; it was not run and was removed from the tool cache, so the next run downloads it again',
  )
}

async function resolveVersion(c: ChainctlOptions, opts: Partial<RequestOptions>): Promise<string> {
  if (c.version !== 'latest') return c.version
  const url = `${c.downloadUrl}/latest/metadata.json`
  const version = versionFromMetadata(jsonObject((await fetchOk(url, opts)).toString()))
  if (!version) throw new ReleaseError(`${url} did not name a version (expected JSON {"version": "X.Y.Z"})`)
  return version
}

/** Downloads the release's chainctl for this runner to `path`, checked against its checksums. */
async function download(
  base: string,
  files: string[],
  version: string,
  path: string,
  opts: Partial<RequestOptions>,
  info: typeof core.info,
) {
  // With a fallback, the checksums say which file to download; else they come alongside it.
  const listed = files.length > 1 ? await published(base, files, version, opts) : undefined
  const file = listed?.file ?? files[0]
  if (file !== files[0]) info(`chainctl ${version} has no ${files[0]}: using ${file}, which Windows on ARM64 runs emulated`)
  info(`Downloading chainctl ${version} from ${base}/${file}`)
  // Either one failing ends the other: a download left running would hold the step for minutes after its error.
  const both = new AbortController()
  const signal = opts.signal ? AbortSignal.any([both.signal, opts.signal]) : both.signal // the caller's too
  const ending = <T>(work: Promise<T>) => work.catch((err: unknown) => (both.abort(), Promise.reject(err)))
  const [actual, expected] = await Promise.all([
    ending(downloadTo(`${base}/${file}`, path, { ...opts, signal })),
    ending(listed ? Promise.resolve(listed) : published(base, files, version, { ...opts, signal })),
  ])
  if (actual !== expected.sha256) {
    throw new ReleaseError(
      `Checksum mismatch for ${file} ${version}: chainctl_checksums.txt says sha256 ${expected.sha256}, the download is ${actual}; nothing was installed`,
    )
  }
  chmodSync(path, 0o700)
}

export async function fetchChainctl(c: ChainctlOptions, opts: Partial<RequestOptions> = {}, info = core.info): Promise<Fetched> {
  const files = assetNames(process.env.RUNNER_OS ?? '', process.env.RUNNER_ARCH ?? '')
  const exe = files[0].endsWith('.exe') ? 'chainctl.exe' : 'chainctl'
  const tool = toolCacheName(c.downloadUrl)
  const staging = mkdtempSync(join(jobTemp(), 'chainctl-'))
  const path = join(staging, exe)
  const env = cacheEnv(join(staging, 'cache'))
  // `latest` is most often the newest version cached: its copy is made while metadata.json says which version is latest.
  const guess = c.version === 'latest' ? newestCached(tool) : c.version
  let hit = copyIfCached(tool, guess, exe, path)
  try {
    const version = await resolveVersion(c, opts)
    const base = `${c.downloadUrl}/${version}`
    if (hit && version !== guess) {
      await hit.hashed // not the version latest names: that copy goes, unchecked and never run
      rmSync(path, { force: true })
      hit = copyIfCached(tool, version, exe, path)
    }
    if (hit)
      await verifyCopy(
        hit,
        path,
        published(base, files, version, opts).then((p) => p.sha256),
        version,
      )
    else await download(base, files, version, path, opts, info)
    return { version, path, fromCache: hit !== undefined, tool, staging, env }
  } catch (err) {
    await hit?.hashed // no copy still being written in the folder removed next
    dropChainctl({ staging })
    throw err
  }
}

/**
 * Caches a download (unless another job cached that version meanwhile: tc.cacheFile empties the
 * folder first), and puts the launcher of the job's verified copy on PATH.
 */
export async function keepChainctl(f: Fetched, warn: (line: string) => void = core.warning): Promise<Installed> {
  if (!f.fromCache && !tc.find(f.tool, f.version, arch()))
    await tc.cacheFile(f.path, basename(f.path), f.tool, f.version, arch()).catch((err: Error) => {
      warn(`Could not cache chainctl ${f.version} (${oneLine(err.message)}); this job runs its verified download`)
    })
  core.addPath(writeLauncher(join(f.staging, 'path'), f.path, f.env))
  return { version: f.version, path: f.path, fromCache: f.fromCache, env: f.env }
}

/** Removes the job's copy and its folder. */
export function dropChainctl(f: Pick<Fetched, 'staging'>): void {
  rmSync(f.staging, { recursive: true, force: true })
}
