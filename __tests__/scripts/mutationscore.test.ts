// The bar the weekly mutation workflow holds the shards to, added up from Stryker's JSON reports.
import { spawnSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { tempDirs } from '../../test/tempdirs.ts'

const dir = tempDirs('mutation-score-')
const mutant = (status: string, line = 1) => ({ status, mutatorName: 'StringLiteral', replacement: '""', location: { start: { line } } })
const report = (files: Record<string, string[]>) => {
  const path = join(dir(), 'mutation.json')
  const entries = Object.entries(files).map(([f, statuses]) => [`/work/x/${f}`, { mutants: statuses.map((s, i) => mutant(s, i + 1)) }])
  writeFileSync(path, JSON.stringify({ files: Object.fromEntries(entries) }))
  return path
}
const score = (...reports: string[]) => {
  const run = spawnSync(process.execPath, ['scripts/mutation-score.mjs', '--survivors', ...reports], { encoding: 'utf8', env: {} })
  return { status: run.status, out: run.stdout, err: run.stderr }
}
const many = (n: number, status: string) => Array<string>(n).fill(status)

describe('mutation-score', () => {
  it('counts timeouts as caught and leaves mutants no test reaches out of the score', () => {
    const { status, out } = score(
      report({ 'src/net/http.ts': [...many(8, 'Killed'), 'Timeout', 'Survived', 'NoCoverage', 'CompileError'] }),
    )
    expect(out).toContain('| src/net/http.ts | 9 | 1 | 1 | 90.0% |')
    expect(out).toContain('- src/net/http.ts:10 StringLiteral: ""')
    expect(out).toContain('Meets the bar.')
    expect(status).toBe(0)
  })

  it('fails a pure module below 95% and all files below 90%, naming each', () => {
    const { status, out } = score(
      report({ 'src/token/jwt.ts': [...many(18, 'Killed'), 'Survived', 'Survived'], 'src/main.ts': many(5, 'Survived') }),
    )
    expect(out).toContain('| src/token/jwt.ts (pure) | 18 | 2 | 0 | 90.0% |')
    expect(out).toContain('Below the bar: all 72.0% < 90%; src/token/jwt.ts 90.0% < 95%')
    expect(status).toBe(1)
  })

  it('adds up the shards of one run', () => {
    const a = report({ 'src/inputs.ts': many(19, 'Killed') })
    const b = report({ 'src/util/lock.ts': [...many(3, 'Killed'), 'Survived'] })
    expect(score(a, b).out).toContain('| **all** | 22 | 1 | 0 | **95.7%** |')
  })

  it('fails in one line, naming it, when a shard left no report', () => {
    const { status, out, err } = score(join(dir(), 'shards/*/mutation.json'))
    expect([status, out]).toEqual([2, ''])
    expect(err).toMatch(/^mutation-score: no Stryker JSON report at .*shards\/\*\/mutation\.json \(ENOENT\)\n$/)
  })

  it('fails a run over all of src/ that lacks a folder (a failed shard) or reaches no pure module', () => {
    const folders = [
      'src/x.ts',
      'src/chainctl/a.ts',
      'src/images/a.ts',
      'src/libraries/a.ts',
      'src/net/a.ts',
      'src/registry/a.ts',
      'src/token/a.ts',
    ]
    const pure = [
      'inputs.ts',
      'images/reference.ts',
      'images/pullfailure.ts',
      'token/errors.ts',
      'token/jwt.ts',
      'chainctl/release.ts',
      'net/retry.ts',
    ]
    const files = Object.fromEntries([...folders, ...pure.map((p) => `src/${p}`)].map((f) => [f, ['Killed']]))
    expect(score(report(files), '--whole')).toMatchObject({
      status: 1,
      out: expect.stringContaining('Below the bar: no report for src/util/\n'),
    })
    const all = report({ ...files, 'src/util/a.ts': ['Killed'], 'src/token/jwt.ts': ['NoCoverage'] })
    expect(score(all, '--whole').out).toContain('Below the bar: no test reaches src/token/jwt.ts\n')
    expect(score(report({ ...files, 'src/util/a.ts': ['Killed'] }), '--whole')).toMatchObject({ status: 0 })
    expect(score(all).status).toBe(0) // a run of some files only: no such check
  })
})
