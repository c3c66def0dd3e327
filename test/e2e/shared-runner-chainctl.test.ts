// Jobs sharing a self-hosted machine (issue 17's defects, see shared-runner-docker.test.ts), and
// chainctl: each job its own login, and later steps run its verified copy whatever the shared tool
// cache holds by then.
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { IDENTITY } from '../sandbox/index.ts'
import { laterStep, runStep, scratchDir, type Job } from '../sandbox/runner.ts'
import { selfHosted, tokenCache, useSandbox, visible } from './helpers.ts'

const sb = useSandbox()

describe('chainctl per job', () => {
  const inputs = { identity: IDENTITY, 'container-cli': 'docker', version: '0.2.50' }
  const sameMachine = (first: Job, home: string) => {
    const j = selfHosted(sb, home)
    j.env.RUNNER_TOOL_CACHE = first.env.RUNNER_TOOL_CACHE
    return j
  }
  const token = (j: Job) => laterStep(j, 'chainctl', ['auth', 'token', '--audience', 'apk.cgr.dev'])

  it("(4) one job's logout leaves another job's tokens, and no token lands in the user's cache", async () => {
    const home = scratchDir('shared-home-')
    const a = selfHosted(sb, home)
    const b = sameMachine(a, home)
    expect((await runStep(a, 'main', inputs)).code).toBe(0)
    expect((await runStep(b, 'main', inputs)).code).toBe(0)
    const [ta, tb] = [(await token(a)).stdout, (await token(b)).stdout]
    expect(ta).toMatch(/^eyJ/)
    // Each job its own login: a token cache of its own (two logins in one second may mint equal tokens).
    expect(tokenCache(b)).not.toBe(tokenCache(a))
    for (const j of [a, b]) expect(existsSync(join(tokenCache(j), 'apk.cgr.dev', 'oidc-token'))).toBe(true)
    expect(visible(await runStep(a, 'post'))).toContain('Logged chainctl out')
    const after = await token(b)
    expect(after.stderr).toBe('')
    expect(after.stdout).toBe(tb)
    expect(existsSync(join(home, '.cache'))).toBe(false)
    await runStep(b, 'post')
  })

  it('(5) later steps and the post step run the verified copy, never a tool-cache file replaced since', async () => {
    const home = scratchDir('shared-home-')
    const first = selfHosted(sb, home)
    expect((await runStep(first, 'main', inputs)).code).toBe(0) // caches 0.2.50
    await runStep(first, 'post')
    const j = sameMachine(first, home)
    expect((await runStep(j, 'main', inputs)).code).toBe(0) // a cache hit
    const cached = readdirSync(j.env.RUNNER_TOOL_CACHE, { recursive: true })
      .map(String)
      .find((f) => f.endsWith('/chainctl'))!
    writeFileSync(join(j.env.RUNNER_TOOL_CACHE, cached), '#!/bin/sh\ntouch "$RUNNER_TEMP/../replaced-ran"\n', { mode: 0o755 })
    expect((await laterStep(j, 'chainctl', ['version'])).stdout.trim()).toBe('GitVersion:    v0.2.50')
    expect(visible(await runStep(j, 'post'))).toContain('Logged chainctl out')
    expect(existsSync(join(j.dir, 'replaced-ran'))).toBe(false)
  })

  it('(6) a tool-cache entry rewritten by another job caching the same version never breaks chainctl in later steps', async () => {
    const j = selfHosted(sb, scratchDir('home-'))
    expect((await runStep(j, 'main', inputs)).code).toBe(0)
    // What tc.cacheFile does first in a cold job caching the same version: empty the folder.
    for (const name of readdirSync(j.env.RUNNER_TOOL_CACHE)) rmSync(join(j.env.RUNNER_TOOL_CACHE, name), { recursive: true })
    const later = await laterStep(j, 'chainctl', ['version'])
    expect(later.stdout.trim()).toBe('GitVersion:    v0.2.50')
    expect(readFileSync(j.files.path, 'utf8')).not.toContain(j.env.RUNNER_TOOL_CACHE)
    await runStep(j, 'post')
  })
})
