// The README is a first screen that must not drift from action.yml: every input and output has its
// row, and it stays short. The migration table covers every input of chainguard-dev/setup-chainctl.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parse } from 'yaml'
import { DEFAULT_POLICY, LOGIN_POLICY } from '../src/net/retry.js'

const ROOT = join(import.meta.dirname, '..')
const read = (file: string) => readFileSync(join(ROOT, file), 'utf8')
const readme = read('README.md')
const action = parse(read('action.yml')) as { inputs: Record<string, unknown>; outputs: Record<string, unknown> }
/** The names in the first column of a Markdown table's rows. */
const rows = (markdown: string) => [...markdown.matchAll(/^\| `([a-z-]+)` +\|/gm)].map((m) => m[1])

// chainguard-dev/setup-chainctl's inputs, as its action.yaml declares them across its releases.
const UPSTREAM_INPUTS = [
  'identity',
  'environment',
  'version',
  'audience',
  'verbosity',
  'config-path',
  'env-auth',
  'apk-host',
  'libraries-host',
  'setup-python-keyring',
  'retry-all-errors',
  'invite-code',
]

describe('README.md', () => {
  it('has one row for every input and output of action.yml, and none it does not declare', () => {
    const declared = [...Object.keys(action.inputs), ...Object.keys(action.outputs)]
    expect([...new Set(rows(readme))].sort()).toEqual([...new Set(declared)].sort())
  })

  it('stays a first screen: at most 150 lines and 2,000 words', () => {
    expect(readme.trimEnd().split('\n').length).toBeLessThanOrEqual(150)
    expect(readme.split(/\s+/).filter(Boolean).length).toBeLessThanOrEqual(2000)
  })
})

describe('docs/migration.md', () => {
  it('has a row for every input of chainguard-dev/setup-chainctl', () => {
    expect(rows(read('docs/migration.md')).sort()).toEqual([...UPSTREAM_INPUTS].sort())
  })
})

describe('docs/troubleshooting.md', () => {
  const text = read('docs/troubleshooting.md').replace(/\s+/g, ' ')
  const rl = DEFAULT_POLICY.rateLimit as NonNullable<typeof DEFAULT_POLICY.rateLimit>

  it("gives the rate-limit schedule's bounds beside the fault schedule's: a 429 makes a request wait minutes, not 30 s", () => {
    expect(text).toContain(`up to ${DEFAULT_POLICY.attempts} attempts within ${DEFAULT_POLICY.deadlineMs / 1000} s per request`)
    expect(text).toContain(`up to ${rl.attempts} attempts within ${rl.deadlineMs / 1000} s`)
  })

  it("bounds a rate-limited step by the schedules one after another: OIDC, STS, then chainctl's logins", () => {
    const worst = (2 * rl.deadlineMs + (LOGIN_POLICY.rateLimit?.deadlineMs ?? 0)) / 60_000
    expect(text).toContain(`about ${worst} minutes`)
  })
})
