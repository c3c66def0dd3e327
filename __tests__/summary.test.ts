import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { tempDirs } from '../test/tempdirs.ts'
import { timeline, writeSummary } from '../src/summary.js'

describe('timeline', () => {
  it('draws each phase where it ran, in the order the phases started, so overlaps show', () => {
    const rows = timeline(
      [
        { name: 'login', start: 200, end: 400 },
        { name: 'token', start: 0, end: 200 },
        { name: 'chainctl download', start: 0, end: 400 },
      ],
      8,
    )
    expect(rows).toEqual([
      'token                0-200 ms  |####    |',
      'chainctl download    0-400 ms  |########|',
      'login              200-400 ms  |    ####|',
    ])
  })

  it('gives a phase too short for the scale one mark, and rounds to whole ms', () => {
    expect(
      timeline(
        [
          { name: 'a', start: 0.4, end: 1000.6 },
          { name: 'b', start: 500.2, end: 501 },
        ],
        4,
      ),
    ).toEqual(['a   0-1001 ms  |####|', 'b  500-501 ms  | #  |'])
  })
})

describe('writeSummary', () => {
  const scratch = tempDirs('summary-')
  const saved = process.env.GITHUB_STEP_SUMMARY
  let file: string
  // @actions/core keeps the summary file's path once read: one file for the file's tests, emptied before each.
  beforeAll(() => (file = join(scratch(), 'summary.md')))
  beforeEach(() => {
    writeFileSync(file, '')
    process.env.GITHUB_STEP_SUMMARY = file
  })
  afterEach(() => (saved === undefined ? delete process.env.GITHUB_STEP_SUMMARY : (process.env.GITHUB_STEP_SUMMARY = saved)))
  const phases = [{ name: 'token', start: 0, end: 10 }]

  it('names what is missing: no expiry, nothing logged in, chainctl not installed; and no table of images unchecked', async () => {
    await writeSummary({ identity: 'ab/cd', registry: 'cgr.dev', via: [], phases })
    const summary = readFileSync(file, 'utf8')
    for (const [name, cell] of [
      ['Token expires', 'no expiry in the token'],
      ['Logged in with', 'nothing (no container CLI logged in)'],
      ['chainctl', 'not installed'],
    ])
      expect(summary).toContain(`<th>${name}</th><td>${cell}</td>`)
    expect(summary).not.toMatch(/Image checked|Chainguard Libraries/)
    expect(summary).toContain('Timings, in ms since the step started:')
  })

  it('shows chainctl from the tool cache, the libraries configured and each image checked', async () => {
    const digest = `sha256:${'a'.repeat(64)}`
    await writeSummary({
      ...{ identity: 'ab/cd', registry: 'cgr.dev', expiresAt: '2026-01-01T00:00:00Z', via: ['docker', 'podman'], phases },
      chainctl: { version: '0.2.50', fromCache: true },
      libraries: { python: ['pip', 'uv'], java: ['maven'] },
      digests: { 'acme/a': digest },
    })
    const summary = readFileSync(file, 'utf8')
    for (const cell of ['2026-01-01T00:00:00Z', 'docker, podman', '0.2.50 (from the tool cache)', 'python (pip, uv); java (maven)'])
      expect(summary).toContain(`<td>${cell}</td>`)
    expect(summary).toContain(`<tr><th>Image checked</th><th>Digest</th></tr><tr><td>acme/a</td><td><code>${digest}</code></td></tr>`)
  })

  it('heads its table, labels every row, and draws the timeline one phase a line', async () => {
    const two = [...phases, { name: 'login', start: 10, end: 20 }]
    await writeSummary({ identity: 'ab/cd', registry: 'cgr.dev', via: [], libraries: { java: ['maven'] }, phases: two })
    const summary = readFileSync(file, 'utf8')
    expect(summary).toMatch(/^<h3>setup-chainctl<\/h3>\n<table>/)
    for (const [name, cell] of [
      ['Identity', 'ab/cd'],
      ['Registry', 'cgr.dev'],
      ['Chainguard Libraries', 'java (maven)'],
    ])
      expect(summary).toContain(`<th>${name}</th><td>${cell}</td>`)
    expect(summary).toContain(`Timings, in ms since the step started:\n<pre><code>${timeline(two).join('\n')}</code></pre>`)
  })
})
