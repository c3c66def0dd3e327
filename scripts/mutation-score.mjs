#!/usr/bin/env node
// The mutation score per file of one or more Stryker JSON reports (the shards of a run), as a
// markdown table, and whether it meets the bar: 90% of the mutants a test reaches killed over all
// the files mutated, 95% in each pure module. usage: node scripts/mutation-score.mjs REPORT.json...
// [--survivors] [--whole]; --whole: the reports are a run over all of src/, so a folder or pure
// module missing from them (a shard that failed, tests no longer reaching a module) fails too.
import { appendFileSync, readdirSync, readFileSync } from 'node:fs'

const PURE = [
  'src/inputs.ts',
  'src/images/reference.ts',
  'src/images/pullfailure.ts',
  'src/token/errors.ts',
  'src/token/jwt.ts',
  'src/chainctl/release.ts',
  'src/net/retry.ts',
]
const BAR = { all: 90, pure: 95 }

const args = process.argv.slice(2)
const survivors = args.includes('--survivors')
const whole = args.includes('--whole')
// Run from the repository's root: each folder of src/ is a shard of the weekly run.
const folders = () => ['src', ...readdirSync('src', { withFileTypes: true }).flatMap((d) => (d.isDirectory() ? [`src/${d.name}`] : []))]
const reports = args.filter((a) => !a.startsWith('--'))
if (reports.length === 0) {
  console.error('usage: node scripts/mutation-score.mjs REPORT.json... [--survivors]')
  process.exit(2)
}

// Killed and Timeout are caught; Survived is not; NoCoverage, CompileError, RuntimeError and
// Ignored are outside the score (no test reaches them, or the mutant never ran).
const files = new Map()
const read = (report) => {
  try {
    return JSON.parse(readFileSync(report, 'utf8')).files
  } catch (err) {
    // A shard that failed before writing its report, or a glob that matched nothing.
    console.error(`mutation-score: no Stryker JSON report at ${report} (${err.code ?? err.message})`)
    process.exit(2)
  }
}
for (const report of reports) {
  for (const [name, file] of Object.entries(read(report))) {
    const path = name.replace(/^.*?(?=src\/)/, '')
    const row = { killed: 0, survived: 0, noCoverage: 0, lines: [] }
    for (const m of file.mutants) {
      if (m.status === 'Killed' || m.status === 'Timeout') row.killed++
      if (m.status === 'NoCoverage') row.noCoverage++
      if (m.status === 'Survived') {
        row.survived++
        row.lines.push(`${path}:${m.location.start.line} ${m.mutatorName}: ${m.replacement ?? ''}`)
      }
    }
    row.covered = row.killed + row.survived
    files.set(path, row) // a file in two shards: the later report stands
  }
}

const pct = (r) => (r.killed + r.survived === 0 ? 100 : (100 * r.killed) / (r.killed + r.survived))
const total = { killed: 0, survived: 0, noCoverage: 0 }
const out = ['| file | killed | survived | no coverage | score |', '| --- | ---: | ---: | ---: | ---: |']
const short = []
for (const [path, r] of [...files].sort(([a], [b]) => a.localeCompare(b))) {
  for (const k of Object.keys(total)) total[k] += r[k]
  const pure = PURE.includes(path)
  if (pure && pct(r) < BAR.pure) short.push(`${path} ${pct(r).toFixed(1)}% < ${BAR.pure}%`)
  out.push(`| ${path}${pure ? ' (pure)' : ''} | ${r.killed} | ${r.survived} | ${r.noCoverage} | ${pct(r).toFixed(1)}% |`)
}
if (whole) {
  const reported = new Set([...files.keys()].map((p) => p.slice(0, p.lastIndexOf('/'))))
  for (const f of folders()) if (!reported.has(f)) short.push(`no report for ${f}/`)
  for (const p of PURE) if (!files.get(p)?.covered) short.push(`no test reaches ${p}`)
}
out.push(`| **all** | ${total.killed} | ${total.survived} | ${total.noCoverage} | **${pct(total).toFixed(1)}%** |`)
if (pct(total) < BAR.all) short.unshift(`all ${pct(total).toFixed(1)}% < ${BAR.all}%`)
if (survivors) out.push('', ...[...files.values()].flatMap((r) => r.lines.map((l) => `- ${l}`)))
out.push('', short.length ? `Below the bar: ${short.join('; ')}` : 'Meets the bar.')

const text = out.join('\n') + '\n'
process.stdout.write(text)
if (process.env.GITHUB_STEP_SUMMARY) appendFileSync(process.env.GITHUB_STEP_SUMMARY, text)
process.exit(short.length ? 1 : 0)
