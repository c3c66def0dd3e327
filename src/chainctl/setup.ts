// chainctl for later steps, alongside the registry login: resolved and downloaded at once, kept
// (cached, put on PATH) once the registry login succeeded, and logged in as the identity for the
// API and the apk and libraries hosts as soon as both the identity and the binary are ready.
// Loaded only when `install` is on, so a plain registry login never pays for it.
import * as core from '@actions/core'
import type { Credentials } from '../token/credentials.js'
import { lastLine, run, type RunOptions } from '../util/exec.js'
import type { HeldLog } from '../util/heldlog.js'
import type { ChainctlOptions } from './options.js'
import { dropChainctl, fetchChainctl, keepChainctl, type Installed } from './install.js'
import type { ChainctlUndo } from './logout.js'
import { remember, type RemoveStep } from '../util/state.js'

export class ChainctlError extends Error {}

export interface Alongside {
  /** The registry credentials: the identity, once the STS accepted it. */
  creds: Promise<Credentials>
  /** The registry login: only once it succeeded is chainctl cached and put on PATH. */
  login: Promise<unknown>
  /** Whether the post step logs chainctl out again. */
  logout: boolean
  /** Cancels the download and chainctl's logins (the registry login failed). */
  signal: AbortSignal
  log: HeldLog
  timed: <T>(phase: string, work: () => Promise<T>) => Promise<T>
}

/** chainctl finds the runner's OIDC variables itself: no token on its command line. */
export async function login(
  chainctl: Installed,
  c: ChainctlOptions,
  identity: string,
  audience?: string,
  limits: Pick<RunOptions, 'timeoutMs' | 'signal'> = {},
): Promise<void> {
  const args = ['auth', 'login', '--identity', identity, ...(audience ? ['--audience', audience] : []), `-v=${c.verbosity}`]
  const env = { ...process.env, ...chainctl.env, ...(c.configPath ? { CHAINCTL_CONFIG: c.configPath } : {}) }
  const { code, output } = await run(chainctl.path, args, { env, ...limits })
  if (code !== 0) throw new ChainctlError(`chainctl auth login${audience ? ` --audience ${audience}` : ''} failed: ${lastLine(output)}`)
}

/**
 * The three logins at once: each writes only its own audience's token file (chainctl saves a
 * token per audience and reads its config without writing it), so nothing needs serializing.
 */
async function loginAll(chainctl: Installed, c: ChainctlOptions, identity: string, signal: AbortSignal): Promise<void> {
  const logins = [undefined, c.apkHost, c.librariesHost].map((aud) => login(chainctl, c, identity, aud, { signal }))
  const results = await Promise.allSettled(logins)
  const failed = results.find((r) => r.status === 'rejected')
  if (failed) throw failed.reason
}

export async function setupChainctl(c: ChainctlOptions, a: Alongside): Promise<Installed> {
  const fetched = await a.timed('chainctl download', () => fetchChainctl(c, { onRetry: a.log.warning, signal: a.signal }, a.log.info))
  // The post step removes the job's copy, however this ends: chainctl's logins, later steps and
  // the post step's logout all run that copy, from where it was verified, with its token cache.
  remember({ kind: 'remove', path: fetched.staging } satisfies RemoveStep)
  const kept = a.login.then(() => keepChainctl(fetched, a.log.warning)) // a failed login caches nothing
  kept.catch(() => undefined) // awaited below
  let logsIn = false // whether chainctl logs in (and so runs the download from where it was verified)
  try {
    const creds = await a.creds
    if (c.configPath) core.exportVariable('CHAINCTL_CONFIG', c.configPath)
    logsIn = creds.tokenFor !== undefined // pull-token logins have no identity to log chainctl in as
    if (logsIn) {
      if (a.logout) remember({ kind: 'chainctl-logout', chainctl: fetched.path, env: fetched.env } satisfies ChainctlUndo)
      await a.timed('chainctl login', () => loginAll(fetched, c, creds.identity, a.signal))
    }
    const installed = await kept
    a.log.info(`chainctl ${installed.version} on PATH${installed.fromCache ? ' (from the tool cache)' : ''}`)
    if (logsIn) a.log.info(`chainctl logged in as ${creds.identity} (API, ${c.apkHost}, ${c.librariesHost})`)
    return installed
  } catch (err) {
    // `logout: false` keeps chainctl logged in for the later steps of a run that succeeds, not of this one.
    if (logsIn && !a.logout) remember({ kind: 'chainctl-logout', chainctl: fetched.path, env: fetched.env } satisfies ChainctlUndo)
    throw err
  } finally {
    // Not on PATH, and nothing for the post step to log out with: the copy goes at once.
    if (!logsIn) await kept.catch(() => dropChainctl(fetched))
  }
}
