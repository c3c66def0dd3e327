// A fork's pull request gets no OIDC token: told apart from a missing permission, before anything else.
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { forkOf, parseInputs, InputError, runContext } from '../src/inputs.js'

const ID = '4cf15780a13a9b6576d8b357e6524554c8c12a18/a4ccb5bb6d0b8a38'
const from = (values: Record<string, string>) => (name: string) => values[name] ?? ''

describe('a pull request from a fork', () => {
  const FORK_LINE =
    "This job runs for a pull request from the fork forker/app, and GitHub gives fork pull requests no OIDC token (nor this repository's variables and secrets), so it cannot log in; " +
    'public images (cgr.dev/chainguard/<name>:latest) still pull without a login. Skip this step for forks with: ' +
    'if: github.event.pull_request.head.repo.full_name == github.repository || !github.event.pull_request'
  const prFrom = (head: string) => ({ pull_request: { head: { repo: { full_name: head } }, base: { repo: { full_name: 'acme/app' } } } })

  it('is a head repository other than this one', () => {
    expect(forkOf(prFrom('forker/app'), 'acme/app')).toBe('forker/app')
    expect(forkOf(prFrom('Acme/App'), 'acme/app')).toBeUndefined() // a branch of this repository
    expect(forkOf({ ref: 'refs/heads/main' }, 'acme/app')).toBeUndefined() // a push
    expect(forkOf(undefined, 'acme/app')).toBeUndefined()
    expect(forkOf(prFrom('forker/app'), undefined)).toBeUndefined()
  })

  it("says so, before 'identity is required' (a fork's run gets no variables), with the if: that skips it", () => {
    const run = { fork: 'forker/app' }
    expect(() => parseInputs(from({}), run)).toThrow(new InputError(FORK_LINE))
    expect(() => parseInputs(from({ identity: ID }), run)).toThrow(FORK_LINE) // no OIDC token for it either
    expect(() => parseInputs(from({ username: ID }), run)).toThrow(FORK_LINE) // no secret for the pull token
    expect(() => parseInputs(from({}))).toThrow(/^Input 'identity' is required/)
    // A pull token that arrived (a self-hosted runner's own secret store, say) still logs in.
    expect(parseInputs(from({ username: ID, password: 'ey.a.b' }), run).auth).toMatchObject({ kind: 'pull-token' })
    // Inputs wrong in every run are still named first.
    expect(() => parseInputs(from({ registry: 'cgr.dev evil' }), run)).toThrow(/^Input 'registry'/)
  })

  it("is read from the runner's event payload, and only when the job has no OIDC token", () => {
    const dir = mkdtempSync(join(tmpdir(), 'event-'))
    const path = join(dir, 'event.json')
    writeFileSync(path, JSON.stringify(prFrom('forker/app')))
    const env = { GITHUB_EVENT_PATH: path, GITHUB_REPOSITORY: 'acme/app' }
    expect(runContext(env)).toEqual({ fork: 'forker/app' })
    expect(runContext({ ...env, ACTIONS_ID_TOKEN_REQUEST_URL: 'https://x/_apis/token' })).toEqual({})
    // Same payload, but pull_request_target gets an OIDC token with id-token: write: not the fork's fault.
    expect(runContext({ ...env, GITHUB_EVENT_NAME: 'pull_request_target' })).toEqual({})
    expect(runContext({ ...env, GITHUB_EVENT_NAME: 'pull_request' })).toEqual({ fork: 'forker/app' })
    expect(runContext({ ...env, GITHUB_EVENT_PATH: join(dir, 'missing.json') })).toEqual({ fork: undefined })
    writeFileSync(path, 'not json')
    expect(runContext(env)).toEqual({ fork: undefined })
    // A payload larger than GitHub sends is not read at all: the fork's event, padded past 25 MiB.
    const event = JSON.stringify(prFrom('forker/app'))
    writeFileSync(path, event + ' '.repeat(25 * 1024 * 1024))
    expect(runContext(env)).toEqual({ fork: undefined })
    writeFileSync(path, event.padEnd(25 * 1024 * 1024)) // at the cap: read
    expect(runContext(env)).toEqual({ fork: 'forker/app' })
  })
})
