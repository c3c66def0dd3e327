// The README is a first screen that must not drift from action.yml: every input and output has its
// row, and it stays short. The migration table covers every input of chainguard-dev/setup-chainctl.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parse } from 'yaml'

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
