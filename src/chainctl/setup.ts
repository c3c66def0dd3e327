// chainctl for later steps, alongside the registry login: resolved and downloaded at once, kept
// (cached, put on PATH) once the registry login succeeded, and logged in as the identity for the
// API and the apk and libraries hosts as soon as both the identity and the binary are ready.
// Loaded only when `install` is on, so a plain registry login never pays for it.
import * as core from '@actions/core'
import type { Credentials } from '../token/credentials.js'
import { setTimeout as sleep } from 'node:timers/promises'
import { ExecError, lastLine, run, type RunOptions } from '../util/exec.js'
import { LOGIN_POLICY, nextDelayMs, scheduleFor, type RetryPolicy } from '../net/retry.js'
import { classifyLoginFailure } from './loginfailure.js'
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

export interface LoginLimits extends Pick<RunOptions, 'timeoutMs' | 'signal'> {
  /** When the retries of this login (and of those started with it) began, as a Date.now() time. */
  startedAt?: number
  policy?: RetryPolicy
  /** Logs each retry. */
  onRetry?: (line: string) => void
}

/**
 * chainctl finds the runner's OIDC variables itself: no token on its command line. A login that
 * fails the way a busy STS or network fails is retried under LOGIN_POLICY; a refusal is not.
 */
export async function login(chainctl: Installed, c: ChainctlOptions, identity: string, audience?: string, limits: LoginLimits = {}) {
  const args = ['auth', 'login', '--identity', identity, ...(audience ? ['--audience', audience] : []), `-v=${c.verbosity}`]
  const env = { ...process.env, ...chainctl.env, ...(c.configPath ? { CHAINCTL_CONFIG: c.configPath } : {}) }
  const what = `chainctl auth login${audience ? ` --audience ${audience}` : ''}`
  const { signal, onRetry = core.warning, startedAt = Date.now(), policy = LOGIN_POLICY } = limits
  const remaining = (deadlineMs: number) => startedAt + deadlineMs - Date.now()
  let schedule = policy // after a rate-limited attempt, its schedule's deadline bounds the next
  const timeoutMs = limits.timeoutMs ?? policy.timeoutMs
  for (let retry = 0; ; retry++) {
    // A login that overran its time is retried like a timed-out request; a cancelled one is not.
    const failed = await run(chainctl.path, args, {
      env,
      signal,
      timeoutMs: Math.max(1, Math.min(timeoutMs, remaining(schedule.deadlineMs))),
    }).then(
      ({ code, output }) => (code === 0 ? undefined : lastLine(output)),
      (err: Error) => (signal?.aborted || !/did not finish within/.test(err.message) ? Promise.reject(err) : err.message),
    )
    if (failed === undefined) return
    const failure = classifyLoginFailure(failed)
    schedule = scheduleFor(policy, failure.why === 'rate limited')
    const delay = failure.retry ? nextDelayMs(retry, undefined, remaining(schedule.deadlineMs), schedule) : undefined
    if (delay === undefined) {
      throw new ChainctlError(
        retry === 0 && !failure.retry ? `${what} failed: ${failed}` : `${what} failed after ${retry + 1} attempt(s): ${failed}`,
      )
    }
    onRetry(`${what} failed (${failure.why}): ${failed}; retry ${retry + 1}/${schedule.attempts - 1} in ${(delay / 1000).toFixed(1)}s`)
    await sleep(delay, undefined, { signal }).catch(() => Promise.reject(new ExecError(`${what} was cancelled`)))
  }
}

/** What a later command needs chainctl logged in to each host for, named when its login fails. */
const USED_BY: Record<'apk' | 'libraries', (host: string) => string> = {
  apk: (host) => `apk with https://${host} repositories, and chainctl auth token --audience ${host}`,
  libraries: (host) => `pip, npm or Maven installs from https://${host}, and chainctl auth token --audience ${host}`,
}

/**
 * The three logins at once: each writes only its own audience's token file (chainctl saves a
 * token per audience and reads its config without writing it), so nothing needs serializing. The
 * API login must work; an apk or libraries login that fails for good is warned about and the step
 * goes on, unless this step needs that host (env-auth needs apk). Returns the hosts logged in to.
 */
async function loginAll(chainctl: Installed, c: ChainctlOptions, identity: string, a: Alongside): Promise<string[]> {
  const limits = { signal: a.signal, startedAt: Date.now(), onRetry: a.log.warning }
  const hosts = [
    { host: c.apkHost, kind: 'apk' as const, needed: c.envAuth },
    { host: c.librariesHost, kind: 'libraries' as const, needed: false },
  ]
  const [api, ...others] = await Promise.allSettled(
    [undefined, ...hosts.map((h) => h.host)].map((aud) => login(chainctl, c, identity, aud, limits)),
  )
  const reasons = [api, ...others].flatMap((r, i) => (r.status === 'rejected' ? [[i, r.reason as Error] as const] : []))
  const fatal = reasons.find(([i]) => i === 0 || hosts[i - 1].needed)
  if (fatal) throw fatal[1]
  for (const [i, err] of reasons) {
    const { host, kind } = hosts[i - 1]
    a.log.warning(
      `${err.message}. chainctl is logged in to the registry and the API, but not ${host}: later ${USED_BY[kind](host)} will fail; the step goes on`,
    )
  }
  return hosts.filter((_, i) => others[i].status === 'fulfilled').map((h) => h.host)
}

export async function setupChainctl(c: ChainctlOptions, a: Alongside): Promise<Installed> {
  const fetched = await a.timed('chainctl download', () => fetchChainctl(c, { onRetry: a.log.warning, signal: a.signal }, a.log.info))
  // The post step removes the job's copy, however this ends: chainctl's logins, later steps and
  // the post step's logout all run that copy, from where it was verified, with its token cache.
  remember({ kind: 'remove', path: fetched.staging } satisfies RemoveStep)
  const kept = a.login.then(() => keepChainctl(fetched, a.log.warning)) // a failed login caches nothing
  kept.catch(() => undefined) // awaited below
  let logsIn = false // whether chainctl logs in (and so runs the download from where it was verified)
  let loggedIn: string[] = []
  try {
    const creds = await a.creds
    if (c.configPath) core.exportVariable('CHAINCTL_CONFIG', c.configPath)
    logsIn = creds.tokenFor !== undefined // pull-token logins have no identity to log chainctl in as
    if (logsIn) {
      if (a.logout) remember({ kind: 'chainctl-logout', chainctl: fetched.path, env: fetched.env } satisfies ChainctlUndo)
      loggedIn = await a.timed('chainctl login', () => loginAll(fetched, c, creds.identity, a))
    }
    const installed = await kept
    a.log.info(`chainctl ${installed.version} on PATH${installed.fromCache ? ' (from the tool cache)' : ''}`)
    if (logsIn) a.log.info(`chainctl logged in as ${creds.identity} (${['API', ...loggedIn].join(', ')})`)
    return installed
  } catch (err) {
    // `logout: false` keeps chainctl logged in for the later steps of a run that succeeds, not of this one.
    if (logsIn && !a.logout) remember({ kind: 'chainctl-logout', chainctl: fetched.path, env: fetched.env } satisfies ChainctlUndo)
    // Settle before failing: nothing of this step may still be caching or editing PATH after it.
    await kept.catch(() => undefined)
    throw err
  } finally {
    // Not on PATH, and nothing for the post step to log out with: the copy goes at once.
    if (!logsIn) await kept.catch(() => dropChainctl(fetched))
  }
}
