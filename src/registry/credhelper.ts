// The Docker credential helper for long jobs: set up by the main step, run by docker (and podman,
// skopeo) in later steps. Its settings and token cache live under RUNNER_TEMP, mode 0600.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { writeSecretFile } from './dockerconfig.js'
import { decodeClaims } from '../token/jwt.js'
import { getIdToken } from '../token/oidc.js'
import { DEFAULT_POLICY, type RetryPolicy } from '../net/retry.js'
import { exchangeToken } from '../token/sts.js'

/** The name docker knows it by: credHelpers value `setup-chainctl` runs docker-credential-setup-chainctl. */
export const HELPER_NAME = 'setup-chainctl'

export interface HelperSettings {
  issuer: string
  identity: string
  registry: string
  /** Audience of the GitHub OIDC token. */
  audience: string
  cacheFile: string
}

export interface CachedToken {
  token: string
  /** Seconds since the epoch. */
  iat: number
  exp: number
}

/**
 * Whether a cached token must be replaced: when less than five minutes, or half its lifetime
 * (for short-lived tokens), is left.
 */
export function needsRefresh(cached: CachedToken | undefined, nowSec: number): boolean {
  if (!cached) return true
  const margin = Math.min(300, (cached.exp - cached.iat) / 2)
  return cached.exp - nowSec < margin
}

/**
 * A fresh registry token: the job's OIDC token exchanged at the STS. docker waits on the helper
 * inside a later step, so the two requests share one overall deadline. Nothing is masked: the
 * helper's stdout carries protocol answers only.
 */
export async function issueToken(
  s: HelperSettings,
  env: NodeJS.ProcessEnv,
  { policy = DEFAULT_POLICY, onRetry }: { policy?: RetryPolicy; onRetry?: (message: string) => void } = {},
): Promise<string> {
  const until = Date.now() + policy.deadlineMs
  // The rate-limit schedule after a 429 has a deadline of its own (minutes): it must not outlast this one either.
  const client = () => {
    const deadlineMs = until - Date.now()
    const rateLimit = policy.rateLimit && { ...policy.rateLimit, deadlineMs: Math.min(policy.rateLimit.deadlineMs, deadlineMs) }
    return { policy: { ...policy, deadlineMs, rateLimit }, onRetry, mask: () => undefined }
  }
  const idToken = await getIdToken(s.audience, env, client())
  return exchangeToken({ issuer: s.issuer, identity: s.identity, audience: s.registry, idToken }, client())
}

export function readCache(file: string): CachedToken | undefined {
  try {
    const c = JSON.parse(readFileSync(file, 'utf8')) as CachedToken
    return typeof c.token === 'string' && typeof c.exp === 'number' && typeof c.iat === 'number' ? c : undefined
  } catch {
    return undefined
  }
}

export function writeCache(file: string, cached: CachedToken): void {
  writeSecretFile(file, JSON.stringify(cached))
}

/**
 * The token for `get`: the cached one while it has time left, else a fresh one, cached for the
 * next call. A cache that cannot be written (a file held open on Windows, a full disk) costs the
 * next call an exchange, never this pull: the token in hand is valid.
 */
export async function freshToken(
  s: HelperSettings,
  warn: (message: string) => void,
  issue = () => issueToken(s, process.env, { onRetry: warn }),
): Promise<string> {
  const now = Math.floor(Date.now() / 1000)
  const cached = readCache(s.cacheFile)
  if (cached && !needsRefresh(cached, now)) return cached.token
  const token = await issue()
  const exp = decodeClaims(token).exp
  try {
    writeCache(s.cacheFile, { token, iat: now, exp: typeof exp === 'number' ? exp : now + 300 })
  } catch (err) {
    warn(`could not cache the token (${(err as Error).message}); the next call exchanges a new one`)
  }
  return token
}

/** Host[:port] of a server URL as docker passes it (https://cgr.dev, cgr.dev/v2/, ...). */
export function registryHost(serverUrl: string): string {
  return serverUrl
    .trim()
    .replace(/^[a-z]+:\/\//i, '')
    .split('/')[0]
    .toLowerCase()
}

const quoteSh = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`

/**
 * Writes the helper executable (a shell script, or a .cmd on Windows) that runs the helper bundle
 * with the Node the action runs on, plus its settings. Returns the folder to put on PATH.
 */
export function installHelper(
  dir: string,
  helperJs: string,
  settings: HelperSettings,
  first: CachedToken,
  platform: string = process.platform,
): string {
  mkdirSync(dir, { recursive: true, mode: 0o700 })
  const settingsFile = join(dir, 'settings.json')
  writeSecretFile(settingsFile, JSON.stringify(settings))
  writeCache(settings.cacheFile, first)
  const args = [process.execPath, helperJs, settingsFile]
  if (platform === 'win32') {
    // cmd expands %NAME% even inside quotes: a literal % in a path is written %%.
    const quoted = args.map((a) => `"${a.replace(/%/g, '%%')}"`)
    writeFileSync(join(dir, `docker-credential-${HELPER_NAME}.cmd`), `@${quoted.join(' ')} %*\r\n`)
  } else {
    writeFileSync(join(dir, `docker-credential-${HELPER_NAME}`), `#!/bin/sh\nexec ${args.map(quoteSh).join(' ')} "$@"\n`, { mode: 0o755 })
  }
  return dir
}

export function loadSettings(file: string): HelperSettings {
  if (!existsSync(file)) throw new Error(`settings ${file} are gone (the job's post step has run)`)
  return JSON.parse(readFileSync(file, 'utf8')) as HelperSettings
}
