// A matrix of 32 jobs logging in at once (separate homes) against an STS that serves 4 requests
// at a time and answers 429 + Retry-After to the rest: every job must get through.
import { IDENTITY } from '../sandbox/index.ts'
import { runStep } from '../sandbox/runner.ts'
import { dockerConfig, job, leaks, useSandbox } from './helpers.ts'

const JOBS = 32
const sb = useSandbox({ maxInFlight: 4, latencyMs: 250 })

it(`logs in ${JOBS} concurrent jobs through a rate-limiting STS`, async () => {
  const jobs = Array.from({ length: JOBS }, () => job(sb))
  const started = Date.now()
  const results = await Promise.all(jobs.map((j) => runStep(j, 'main', { identity: IDENTITY, install: 'false' })))
  const wall = Date.now() - started

  const failed = results.filter((r) => r.code !== 0)
  expect(failed.map((r) => r.lines.at(-1))).toEqual([])
  for (const j of jobs) expect(Object.keys(dockerConfig(j).auths ?? {})).toEqual(['cgr.dev'])
  const statuses = sb.sts.requests.map((r) => r.status)
  const limited = statuses.filter((s) => s === 429).length
  expect(statuses.filter((s) => s === 200)).toHaveLength(JOBS)
  expect(limited).toBeGreaterThan(0) // the limit really bit
  const retries = results.flatMap((r) => r.lines).filter((l) => l.includes('answered HTTP 429; retry')).length
  expect(retries).toBe(limited)
  jobs.forEach((j, i) => expect(leaks(sb, j, [results[i]])).toEqual([]))

  const ms = results.map((r) => r.ms).sort((a, b) => a - b)
  console.log(
    `matrix: ${JOBS} jobs, STS limit 4 in flight: ${statuses.length} STS requests (${limited} answered 429), ` +
      `wall ${wall} ms, per job median ${ms[JOBS >> 1]} ms, max ${ms[JOBS - 1]} ms`,
  )
  await Promise.all(jobs.map((j) => runStep(j, 'post')))
  for (const j of jobs) expect(dockerConfig(j).auths ?? {}).toEqual({})
}, 120_000)

it(`logs in ${JOBS} concurrent jobs with the default inputs (chainctl installed and logged in) through the rate-limiting STS`, async () => {
  sb.sts.requests.length = 0
  const jobs = Array.from({ length: JOBS }, () => job(sb))
  const results = await Promise.all(jobs.map((j) => runStep(j, 'main', { identity: IDENTITY })))
  expect(results.filter((r) => r.code !== 0).map((r) => r.lines.at(-1))).toEqual([])
  const statuses = sb.sts.requests.map((r) => r.status)
  // The registry's exchange and chainctl's three, each once admitted.
  expect(statuses.filter((s) => s === 200)).toHaveLength(4 * JOBS)
  const limited = statuses.filter((s) => s === 429).length
  const lines = results.flatMap((r) => r.lines)
  const retries = lines.filter((l) => /answered HTTP 429; retry|failed \(rate limited\)/.test(l)).length
  expect(retries).toBe(limited)
  jobs.forEach((j, i) => expect(leaks(sb, j, [results[i]])).toEqual([]))
  const ms = results.map((r) => r.ms).sort((a, b) => a - b)
  console.log(
    `matrix, default inputs: ${JOBS} jobs, ${statuses.length} STS requests (${limited} answered 429), per job median ${ms[JOBS >> 1]} ms, max ${ms[JOBS - 1]} ms`,
  )
  await Promise.all(jobs.map((j) => runStep(j, 'post')))
}, 600_000)
