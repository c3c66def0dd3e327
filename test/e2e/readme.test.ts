// The README's first workflow, taken from README.md itself and run as written: a reader who copies
// it and fills in the one repository variable gets a working login, so the README cannot drift.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parse } from 'yaml'
import { IDENTITY } from '../sandbox/index.ts'
import { ROOT, runStep } from '../sandbox/runner.ts'
import { dockerConfig, job, leaks, skopeo, useSandbox, visible } from './helpers.ts'

interface Step {
  uses?: string
  run?: string
  with?: Record<string, unknown>
}
interface Workflow {
  on: unknown
  permissions: Record<string, string>
  jobs: Record<string, { 'runs-on': string; steps: Step[] }>
}

/** The first ```yaml block of a Markdown text. */
export function firstYamlBlock(markdown: string): string {
  const match = /^```yaml\n([\s\S]*?)^```$/m.exec(markdown)
  if (!match) throw new Error('README.md has no ```yaml block')
  return match[1]
}

/** A step input as the runner would pass it: `${{ vars.NAME }}` filled in; any other expression is refused. */
export function evaluate(value: unknown, vars: Record<string, string>): string {
  return String(value).replace(/\$\{\{\s*(.*?)\s*\}\}/g, (_all, expression: string) => {
    const name = /^vars\.([A-Za-z_][A-Za-z0-9_]*)$/.exec(expression)?.[1]
    if (name === undefined || !(name in vars))
      throw new Error(`the README's first workflow uses an expression this test cannot fill in: ${expression}`)
    return vars[name]
  })
}

const sb = useSandbox()
const workflow = parse(firstYamlBlock(readFileSync(join(ROOT, 'README.md'), 'utf8'))) as Workflow

it('is a complete workflow: a trigger, the id-token permission, a job with runs-on and steps', () => {
  expect(workflow.on).toBeTruthy()
  expect(workflow.permissions).toMatchObject({ 'id-token': 'write' })
  const jobs = Object.values(workflow.jobs)
  expect(jobs).toHaveLength(1)
  expect(jobs[0]['runs-on']).toEqual(expect.any(String))
  expect(jobs[0].steps.filter((s) => s.uses?.endsWith('/setup-chainctl@v1'))).toHaveLength(1)
  // The one thing a reader fills in is the repository variable the README tells them to create.
  expect(JSON.stringify(workflow)).not.toMatch(/<[a-z]+>(?!\/setup-chainctl)/)
})

it("logs in with the README's step inputs and vars.CHAINGUARD_IDENTITY filled in; a later step pulls", async () => {
  const step = Object.values(workflow.jobs)[0].steps.find((s) => s.uses?.endsWith('/setup-chainctl@v1'))
  const inputs = Object.fromEntries(Object.entries(step?.with ?? {}).map(([k, v]) => [k, evaluate(v, { CHAINGUARD_IDENTITY: IDENTITY })]))
  expect(inputs).toEqual({ identity: IDENTITY })

  const j = job(sb)
  const main = await runStep(j, 'main', inputs)
  expect(visible(main).filter((l) => l.startsWith('::error::') || l.startsWith('::warning::'))).toEqual([])
  expect(main.code).toBe(0)
  expect(Object.keys(dockerConfig(j).auths ?? {})).toEqual(['cgr.dev'])
  expect((await skopeo(j)).code).toBe(0)
  const post = await runStep(j, 'post')
  expect(post.code).toBe(0)
  expect((await skopeo(j)).code).not.toBe(0)
  expect(leaks(sb, j, [main, post], { files: true })).toEqual([])
})

it('refuses expressions it cannot fill in, so a README change cannot pass unnoticed', () => {
  expect(evaluate('${{ vars.CHAINGUARD_IDENTITY }}', { CHAINGUARD_IDENTITY: 'x' })).toBe('x')
  expect(() => evaluate('${{ secrets.TOKEN }}', {})).toThrow(/secrets.TOKEN/)
  expect(() => evaluate('${{ vars.OTHER }}', { CHAINGUARD_IDENTITY: 'x' })).toThrow(/vars.OTHER/)
})
