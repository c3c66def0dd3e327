// chainctl's three logins under the action's retry policy, through the sandbox's fake chainctl
// told to fail its next logins the way chainctl fails when the STS is busy or refuses.
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { IDENTITY } from '../sandbox/index.ts'
import { runStep, type Job } from '../sandbox/runner.ts'
import { failChainctlLogins, job, tokenCache, useSandbox, visible } from './helpers.ts'

const sb = useSandbox()
const logins = (j: Job) =>
  readFileSync(join(j.dir, 'chainctl-argv.log'), 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('auth login'))
const tokens = (j: Job) => {
  const cache = tokenCache(j) // the job's own, not ~/.cache
  return existsSync(cache)
    ? readdirSync(cache)
        .filter((d) => existsSync(join(cache, d, 'oidc-token')))
        .sort()
    : []
}
const ALL = ['apk.cgr.dev', 'https:--console-api.enforce.dev', 'libraries.cgr.dev']

it('retries logins that chainctl reports rate limited or unavailable, logging each retry', async () => {
  const j = job(sb)
  // One rate-limited login (its retry waits within the rate-limit schedule's window), two unavailable.
  failChainctlLogins(j, '429 apk.cgr.dev', '503', '504')
  const main = await runStep(j, 'main', { identity: IDENTITY, 'container-cli': 'docker' })
  expect(main.code).toBe(0)
  const retries = visible(main).filter((l) =>
    /^::warning::chainctl auth login.* failed \((rate limited|unavailable|timed out)\): Error: rpc error: code = (ResourceExhausted|Unavailable|DeadlineExceeded) desc = .*; retry \d\/\d in \d+\.\ds$/.test(
      l,
    ),
  )
  expect(retries).toHaveLength(3)
  expect(logins(j)).toHaveLength(6)
  expect(tokens(j)).toEqual(ALL)
  expect(visible(main)).toContain(`chainctl logged in as ${IDENTITY} (API, apk.cgr.dev, libraries.cgr.dev)`)
}, 120_000)

it('warns and goes on when the libraries login is refused while the registry and API logins worked', async () => {
  const j = job(sb)
  failChainctlLogins(j, '403 libraries.cgr.dev')
  const main = await runStep(j, 'main', { identity: IDENTITY, 'container-cli': 'docker' })
  expect(main.code).toBe(0)
  expect(visible(main)).toContain(
    '::warning::chainctl auth login --audience libraries.cgr.dev failed: Error: rpc error: code = PermissionDenied desc = permission denied. ' +
      'chainctl is logged in to the registry and the API, but not libraries.cgr.dev: later pip, npm or Maven installs from https://libraries.cgr.dev, ' +
      'and chainctl auth token --audience libraries.cgr.dev will fail; the step goes on',
  )
  expect(logins(j)).toHaveLength(3) // a refusal is not retried
  expect(tokens(j)).toEqual(ALL.filter((t) => t !== 'libraries.cgr.dev'))
  expect(visible(main)).toContain(`chainctl logged in as ${IDENTITY} (API, apk.cgr.dev)`)
})

it('fails when the apk login is refused and env-auth asked for apk', async () => {
  const j = job(sb)
  failChainctlLogins(j, '403 apk.cgr.dev')
  const main = await runStep(j, 'main', { identity: IDENTITY, 'container-cli': 'docker', 'env-auth': 'true' })
  expect(main.code).toBe(1)
  expect(visible(main).at(-1)).toBe(
    '::error::chainctl auth login --audience apk.cgr.dev failed: Error: rpc error: code = PermissionDenied desc = permission denied',
  )
})
